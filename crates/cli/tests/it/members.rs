//! `onshi members acquire|change|lose|events|late` end to end on a SQLite file.

use crate::common::{onshi, run, stderr, stdout};

const REGISTRY: &str = "\
resident_code,my_number,name_kanji,name_kana,birth_date,sex,address
10000000001,621498320257,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都八王子市元本郷町三丁目24番1号
";

#[test]
fn one_member_registered_changed_and_lost_with_its_history() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    let registry = dir.path().join("registry.csv");
    std::fs::write(&registry, REGISTRY).expect("write");
    let out = run(onshi().args(["registry", "import", "-q", "--db", &db]).arg(&registry));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let key = ["--insurer", "01130012", "--symbol", "1234", "--number", "7", "--db", &db];
    let acquire = [
        "--name-kanji",
        "山田太郎",
        "--name-kana",
        "ﾔﾏﾀﾞ ﾀﾛｳ",
        "--birth-date",
        "昭和55年4月1日",
        "--sex",
        "1",
        "--address",
        "八王子市元本郷町3-24-1",
        "--copay-ratio",
        "3",
        "--acquired-on",
        "2020-04-01",
        "--notified-on",
        "2020-04-01",
    ];

    // A certificate given in part is refused on the missing field; nothing is written.
    let out = run(onshi().args(["members", "acquire"]).args(key).args(acquire).args(["--limit-category", "A03"]));
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("limit_kind"), "{}", stderr(&out));
    let out = run(onshi().args(["members", "events"]).args(key));
    assert_eq!(out.status.code(), Some(1), "not written: {}", stdout(&out));

    let out = run(onshi().args(["members", "acquire", "--by", "clerk-1"]).args(key).args(acquire));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("registered (資格取得)") && text.contains("link active"), "{text}");
    assert!(text.contains("looked up by five_attributes"), "{text}");

    let out = run(onshi().args(["members", "acquire"]).args(key).args(acquire));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("already registered"), "{}", stderr(&out));

    let out = run(onshi().args(["members", "change", "--copay-ratio", "2"]).args(key).args([
        "--limit-kind",
        "01",
        "--limit-category",
        "A03",
        "--limit-issued-on",
        "2025-08-01",
        "--limit-valid-from",
        "2025-08-01",
        "--limit-valid-until",
        "2026-07-31",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("限度額適用 A03 ウ"), "{}", stdout(&out));

    let out = run(onshi().args(["members", "lose", "--lost-on", "2026-01-01", "--reason", "04"]).args(key));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("loss_reason"), "{}", stderr(&out));
    let out = run(onshi().args(["members", "lose", "--lost-on", "2026-01-01", "--reason", "01"]).args(key));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("資格喪失日 2026-01-01 (01 死亡)"), "{}", stdout(&out));

    let out = run(onshi().args(["members", "events"]).args(key));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let history = stdout(&out);
    assert!(history.contains("acquired (資格取得) by clerk-1"), "{history}");
    assert!(history.contains("  copay_ratio: 3 → 2"), "{history}");
    assert!(history.contains("lost (資格喪失)") && history.contains("  loss_reason: - → 01"), "{history}");
    assert!(
        history.contains("limit: 01 A03 2025-08-01..2026-07-31 (交付 2025-08-01) → 01 A03 2025-08-01..2025-12-31"),
        "{history}"
    );
    assert!(!history.contains("621498320257"), "the My Number never appears");

    let out = run(onshi().args([
        "members",
        "late",
        "--insurer",
        "01130012",
        "--from",
        "2020-04-01",
        "--to",
        "2020-04-30",
        "--db",
        &db,
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = stdout(&out);
    let lines: Vec<&str> = report.lines().collect();
    assert_eq!(lines[0], "insurer_number,symbol,number,branch,notified_on,registered_at,days");
    assert!(lines.len() == 2 && lines[1].starts_with("01130012,1234,7,00,2020-04-01,"), "{report}");
}
