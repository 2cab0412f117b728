//! The total inspection end to end: imports hold a wrong link, `onshi
//! inspect` reports every member, `onshi linkage` lists and decides.

use crate::common::{onshi, run, stderr, stdout};

const REGISTRY: &str = "\
resident_code,my_number,name_kanji,name_kana,birth_date,sex,address
10000000001,621498320257,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都八王子市元本郷町三丁目24番1号
10000000002,123456789018,山田　花子,ヤマダ　ハナコ,1982-05-03,2,東京都八王子市元本郷町三丁目24番1号
";

/// Member 1 is resident 1; member 2 carries resident 1's My Number but is
/// resident 2 (a wrong link, held at import); member 3 has no My Number.
const MEMBERS: &str = "\
insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on
01130012,1234,1,00,山田太郎,ﾔﾏﾀﾞ ﾀﾛｳ,昭和55年4月1日,1,八王子市元本郷町3-24-1,621498320257,1,3,2020-04-01,
01130012,1234,2,00,山田　花子,ヤマダ　ハナコ,1982-05-03,2,東京都八王子市元本郷町三丁目24番1号,621498320257,2,3,2020-04-01,
01130012,1234,3,00,山田　花子,ヤマダ　ハナコ,1982-05-03,2,東京都八王子市元本郷町三丁目24番1号,,2,3,2020-04-01,
";

#[test]
fn a_wrong_link_is_held_reported_and_confirmed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    for (kind, text) in [("registry", REGISTRY), ("members", MEMBERS)] {
        let file = dir.path().join(format!("{kind}.csv"));
        std::fs::write(&file, text).expect("write");
        let out = run(onshi().args([kind, "import", "-q", "--db", &db]).arg(&file));
        assert_eq!(out.status.code(), Some(0), "{kind}: {}", stderr(&out));
        if kind == "members" {
            assert!(stdout(&out).contains("1 members were stored with their link held"), "{}", stdout(&out));
        }
    }

    let report = dir.path().join("inspection.csv");
    let out = run(onshi().args(["inspect", "-q", "--db", &db, "--out"]).arg(&report));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("3 members"), "{}", stdout(&out));
    let text = std::fs::read_to_string(&report).expect("report");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "insurer_number,symbol,number,branch,verdict,resident_code,reasons");
    assert_eq!(lines[1], "01130012,1234,1,00,match,10000000001,");
    assert!(lines[2].starts_with("01130012,1234,2,00,mismatch,10000000001,") && lines[2].ends_with("link:suspended"));
    assert_eq!(lines[3], "01130012,1234,3,00,found,10000000002,");
    assert!(!text.contains("621498320257"), "the My Number never appears");
    let accesses = std::fs::read_to_string(dir.path().join("inspection.accesses.csv")).expect("accesses");
    assert_eq!(accesses.lines().count(), 2, "{accesses}");

    let out = run(onshi().args(["linkage", "suspended", "--db", &db]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("01130012,1234,2,00,10000000001,"), "{}", stdout(&out));

    let member = ["--insurer", "01130012", "--symbol", "1234", "--number", "2", "--db", &db];
    let out = run(onshi().args(["linkage", "correct", "--resident-code", "99999999999"]).args(member));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("99999999999"), "{}", stderr(&out));
    let out = run(onshi().args(["linkage", "confirm", "--by", "staff-7"]).args(member));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(onshi().args(["linkage", "suspended", "--db", &db]));
    assert_eq!(stdout(&out).lines().count(), 1, "only the header is left: {}", stdout(&out));
}
