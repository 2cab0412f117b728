//! Import behaviour on the real SQLite store (in memory).

use std::io::Read;
use std::sync::Arc;

use onshi_domain::Date;
use onshi_store::Store;

use super::*;

fn today() -> Date {
    Date::from_ymd_opt(2026, 11, 21).expect("date")
}

async fn store() -> Arc<dyn Store> {
    let store = onshi_store::open("sqlite::memory:").await.expect("sqlite");
    store.migrate().await.expect("migrate");
    store
}

async fn run_import(store: &Arc<dyn Store>, kind: Kind, csv: &str) -> (ImportReport, Vec<Reject>) {
    let mut rejects = Vec::new();
    let report = import(
        Arc::clone(store),
        kind,
        Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
        ImportOptions { batch_size: 2, today: today() },
        &mut rejects,
        &mut |_| {},
    )
    .await
    .expect("import runs");
    (report, rejects)
}

const REGISTRY: &str = "\
resident_code,my_number,name_kanji,name_kana,birth_date,sex,address
10000000001,621498320257,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都八王子市元本郷町三丁目24番1号
10000000002,123456789018,山田　花子,ヤマダ　ハナコ,昭和57年5月3日,2,東京都八王子市元本郷町三丁目24番1号
10000000003,111111111118,髙橋　一郎,タカハシ　イチロウ,19500101,1,東京都日野市高幡1971番地7
";

#[tokio::test]
async fn a_clean_file_imports_and_reimporting_changes_nothing() {
    let store = store().await;
    let (first, rejects) = run_import(&store, Kind::Registry, REGISTRY).await;
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!((first.rows, first.inserted, first.rejected_rows), (3, 3, 0));
    let (again, _) = run_import(&store, Kind::Registry, REGISTRY).await;
    assert_eq!((again.rows, again.inserted, again.updated, again.unchanged), (3, 0, 0, 3));
    let hanako = store.resident_by_code(&"10000000002".parse().expect("code")).await.expect("read").expect("stored");
    assert_eq!(
        hanako.resident.attributes.birth_date,
        Date::from_ymd_opt(1982, 5, 3).expect("date"),
        "和暦 is accepted"
    );
}

#[tokio::test]
async fn every_bad_field_is_reported_with_line_field_value_and_rule() {
    let store = store().await;
    let csv = "\
resident_code,my_number,name_kanji,name_kana,birth_date,sex,address
10000000001,621498320258,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都八王子市
1000000002,123456789018,山田　花子,ヤマダ　ハナコ,2030-01-01,5,東京都八王子市
10000000003,111111111118,髙橋　一郎,タカハシ　イチロウ,1950-02-30,1,
10000000004,000000000019,佐藤　次郎,Sato Jiro,1960-01-01,1,東京都日野市
10000000005,000000000027,佐藤　三郎,サトウ　サブロウ,1961-01-01,1,東京都日野市
";
    let (report, rejects) = run_import(&store, Kind::Registry, csv).await;
    assert_eq!((report.rows, report.inserted, report.rejected_rows), (5, 1, 4));
    let shown: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(
        shown,
        vec![
            (2, "my_number"),
            (3, "resident_code"),
            (3, "birth_date"),
            (3, "sex"),
            (4, "birth_date"),
            (4, "address"),
            (5, "name_kana"),
        ]
    );
    assert!(rejects[0].rule.contains("check digit"), "{:?}", rejects[0]);
    assert_eq!(rejects[0].value, "********0258", "a My Number is masked in the report");
    assert!(rejects[2].rule.contains("after today"), "{:?}", rejects[2]);
    assert_eq!(rejects[1].value, "1000000002");
    assert!(store.resident_by_code(&"10000000005".parse().expect("code")).await.expect("read").is_some());
}

#[tokio::test]
async fn columns_are_found_by_name_extra_ones_ignored_and_a_bom_tolerated() {
    let store = store().await;
    let csv = "\u{feff}sex,note,address,name_kana,name_kanji,birth_date,my_number,resident_code\n\
               1,転入,東京都八王子市,ヤマダ　タロウ,山田　太郎,1980-04-01,621498320257,10000000001\n";
    let (report, rejects) = run_import(&store, Kind::Registry, csv).await;
    assert!(rejects.is_empty(), "{rejects:?}");
    assert_eq!(report.inserted, 1);
}

#[tokio::test]
async fn a_missing_column_stops_the_import_and_names_it() {
    let store = store().await;
    let csv = "resident_code,my_number,name_kanji,birth_date,sex\n";
    let result = import(
        store,
        Kind::Registry,
        Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
        ImportOptions::new(today()),
        &mut Vec::new(),
        &mut |_| {},
    )
    .await;
    match result {
        Err(ImportError::MissingColumns { missing, .. }) => assert_eq!(missing, "name_kana, address"),
        other => panic!("expected MissingColumns, got {other:?}"),
    }
}

#[tokio::test]
async fn short_rows_non_utf8_and_duplicates_are_rejected() {
    let store = store().await;
    let mut csv = b"resident_code,my_number,name_kanji,name_kana,birth_date,sex,address\n".to_vec();
    csv.extend_from_slice("10000000001,621498320257,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都\n".as_bytes());
    csv.extend_from_slice(b"10000000002,123456789018,\x8eR\x93c,\x83\x84\x83}\x83_,1980-04-01,1,x\n");
    csv.extend_from_slice(b"10000000003,111111111118\n");
    csv.extend_from_slice("10000000001,000000000019,山田　一郎,ヤマダ　イチロウ,1980-04-01,1,東京都\n".as_bytes());
    csv.extend_from_slice("10000000009,621498320257,山田　次郎,ヤマダ　ジロウ,1980-04-01,1,東京都\n".as_bytes());
    let mut rejects = Vec::new();
    let report = import(
        Arc::clone(&store),
        Kind::Registry,
        Box::new(std::io::Cursor::new(csv)),
        ImportOptions::new(today()),
        &mut rejects,
        &mut |_| {},
    )
    .await
    .expect("import");
    assert_eq!((report.rows, report.inserted, report.rejected_rows), (5, 1, 4));
    assert!(rejects.iter().any(|r| r.line == 3 && r.rule.contains("UTF-8")), "{rejects:?}");
    assert!(rejects.iter().any(|r| r.line == 4 && r.rule.contains("missing")), "{rejects:?}");
    assert!(
        rejects.iter().any(|r| r.line == 5 && r.field == "resident_code" && r.rule.contains("line 2")),
        "{rejects:?}"
    );
    assert!(rejects.iter().any(|r| r.line == 6 && r.field == "my_number" && r.rule.contains("line 2")), "{rejects:?}");
}

const MEMBERS: &str = "\
insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on
01130012,1234,56,00,山田　太郎,ﾔﾏﾀﾞ ﾀﾛｳ,1980-04-01,1,八王子市元本郷町3-24-1,621498320257,1,3,2020-04-01,
01130012,1234,56,01,山田　花子,ヤマダ　ハナコ,S57.5.3,2,八王子市元本郷町3-24-1,,2,3,2020-04-01,
138057,ア,7,01,山田　太郎,ヤマダ　タロウ,1980-04-01,1,東京都八王子市,621498320257,1,3,2018-04-01,2020-04-01
33120016,1,2,00,佐藤　一郎,サトウ　イチロウ,1970-01-01,1,東京都,,1,3,2020-01-01,
01130012,1234,57,00,佐藤　二郎,サトウ　ジロウ,1970-01-01,1,東京都,,1,4,2020-01-01,2019-01-01
";

#[tokio::test]
async fn members_import_links_by_my_number_and_rejects_bad_rows() {
    let store = store().await;
    run_import(&store, Kind::Registry, REGISTRY).await;
    let (report, rejects) = run_import(&store, Kind::Members, MEMBERS).await;
    assert_eq!((report.rows, report.inserted, report.rejected_rows, report.linked), (5, 3, 2, 2), "{rejects:?}");
    let fields: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(fields, vec![(5, "insurer_number"), (6, "copay_ratio")]);
    assert!(rejects[0].rule.contains("検証番号"), "{:?}", rejects[0]);
    let counts = store.counts(today()).await.expect("counts");
    assert_eq!((counts.members, counts.members_linked, counts.insurers, counts.members_eligible_today), (3, 2, 2, 2));
    let (again, _) = run_import(&store, Kind::Members, MEMBERS).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 3));
}

#[tokio::test]
async fn lost_before_acquired_is_rejected_on_the_lost_on_field() {
    let store = store().await;
    let csv = "insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on\n\
               01130012,1,1,00,佐藤　二郎,サトウ　ジロウ,1970-01-01,1,東京都,,1,3,2020-01-01,2019-01-01\n";
    let (report, rejects) = run_import(&store, Kind::Members, csv).await;
    assert_eq!(report.rejected_rows, 1);
    assert_eq!(rejects[0].field, "lost_on");
    assert!(rejects[0].rule.contains("資格喪失日"), "{:?}", rejects[0]);
}

/// A reader that fails after `limit` bytes, like a file on a dying disk or
/// an import killed half-way.
struct FailingReader {
    data: std::io::Cursor<Vec<u8>>,
    limit: usize,
    read: usize,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.read >= self.limit {
            return Err(std::io::Error::other("disk gone"));
        }
        let room = buf.len().min(self.limit - self.read).min(64);
        let n = self.data.read(&mut buf[..room])?;
        self.read += n;
        Ok(n)
    }
}

#[tokio::test]
async fn an_interrupted_import_leaves_whole_rows_only() {
    let store = store().await;
    let mut csv = String::from("resident_code,my_number,name_kanji,name_kana,birth_date,sex,address\n");
    for idx in 0..200u64 {
        let digits: Vec<u8> = format!("{idx:011}").bytes().map(|b| b - b'0').collect();
        let number = onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"));
        csv.push_str(&format!(
            "{:011},{number},山田　太郎{idx},ヤマダ　タロウ,1980-04-01,1,東京都八王子市{idx}\n",
            20_000_000_000u64 + idx
        ));
    }
    let limit = csv.len() / 2;
    let result = import(
        Arc::clone(&store),
        Kind::Registry,
        Box::new(FailingReader { data: std::io::Cursor::new(csv.into_bytes()), limit, read: 0 }),
        ImportOptions { batch_size: 16, today: today() },
        &mut Vec::new(),
        &mut |_| {},
    )
    .await;
    assert!(matches!(result, Err(ImportError::Csv(_))), "{result:?}");
    let stored = store.counts(today()).await.expect("counts").residents;
    assert!(stored > 0 && stored < 200, "whole batches before the failure are kept: {stored}");
    assert_eq!(stored % 16, 0, "no batch is half-written: {stored}");
    for idx in 0..stored {
        let code = format!("{:011}", 20_000_000_000u64 + idx).parse().expect("code");
        let resident =
            store.resident_by_code(&code).await.expect("read").expect("every row of a written batch is present");
        assert_eq!(resident.resident.attributes.address, format!("東京都八王子市{idx}"));
    }
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        /// Whatever mix of good and bad rows, every row is either imported or
        /// reported, and a second run imports nothing new.
        #[test]
        fn every_row_is_imported_or_reported(bad in proptest::collection::vec(any::<bool>(), 1..40)) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(async {
                let store = store().await;
                let mut csv = String::from("resident_code,my_number,name_kanji,name_kana,birth_date,sex,address\n");
                for (idx, is_bad) in bad.iter().enumerate() {
                    let digits: Vec<u8> = format!("{idx:011}").bytes().map(|b| b - b'0').collect();
                    let number = onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"));
                    let sex = if *is_bad { "7" } else { "2" };
                    csv.push_str(&format!("{:011},{number},鈴木　花子,スズキ　ハナコ,1990-01-01,{sex},大阪府\n", 30_000_000_000u64 + idx as u64));
                }
                let n_bad = bad.iter().filter(|b| **b).count() as u64;
                let (report, rejects) = run_import(&store, Kind::Registry, &csv).await;
                prop_assert_eq!(report.rows, bad.len() as u64);
                prop_assert_eq!(report.inserted + report.rejected_rows, report.rows);
                prop_assert_eq!(report.rejected_rows, n_bad);
                prop_assert_eq!(rejects.len() as u64, n_bad);
                let (again, _) = run_import(&store, Kind::Registry, &csv).await;
                prop_assert_eq!(again.inserted + again.updated, 0);
                Ok(())
            })?;
        }
    }
}

#[tokio::test]
async fn rejects_from_the_database_come_in_line_order_with_the_others() {
    let store = store().await;
    run_import(&store, Kind::Registry, REGISTRY).await;
    // 621498320257 already belongs to 10000000001; the database refuses it.
    let csv = "\
resident_code,my_number,name_kanji,name_kana,birth_date,sex,address
10000000011,000000000019,佐藤　一郎,サトウ　イチロウ,1960-01-01,7,東京都
10000000012,621498320257,佐藤　二郎,サトウ　ジロウ,1961-01-01,1,東京都
10000000013,000000000027,佐藤　三郎,サトウ　サブロウ,1962-02-30,1,東京都
10000000014,000000000035,佐藤　四郎,サトウ　シロウ,1963-01-01,1,東京都
";
    let (report, rejects) = run_import(&store, Kind::Registry, csv).await;
    assert_eq!((report.rows, report.inserted, report.rejected_rows), (4, 1, 3));
    let shown: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(shown, vec![(2, "sex"), (3, "my_number"), (4, "birth_date")]);
    assert!(rejects[1].rule.contains("10000000001"), "{:?}", rejects[1]);
}

#[tokio::test]
async fn members_files_may_carry_the_certificates_loss_reason_and_notice_date() {
    let store = store().await;
    let csv = "insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on,loss_reason,limit_kind,limit_category,limit_issued_on,limit_valid_from,limit_valid_until,elderly_issued_on,elderly_valid_from,elderly_valid_until,elderly_copay_ratio,notified_on\n\
               01130012,1,1,00,佐藤　一郎,サトウ　イチロウ,1953-06-15,1,東京都,,1,2,2020-01-01,,,01,B04,2025-08-01,2025-08-01,2026-07-31,2023-07-01,2023-07-01,2028-06-14,2,2019-12-27\n\
               01130012,1,2,00,佐藤　二郎,サトウ　ジロウ,1970-01-01,1,東京都,,1,3,2020-01-01,2024-04-01,03,,,,,,,,,,\n\
               01130012,1,3,00,佐藤　三郎,サトウ　サブロウ,1970-01-01,1,東京都,,1,3,2020-01-01,,,01,A03,2025-08-01,2025-08-01,,,,,,\n\
               01130012,1,4,00,佐藤　四郎,サトウ　シロウ,1970-01-01,1,東京都,,1,3,2020-01-01,,99,,,,,,,,,,\n\
               01130012,1,5,00,佐藤　五郎,サトウ　ゴロウ,1980-01-01,1,東京都,,1,3,2020-01-01,,,01,B11,2025-08-01,2025-08-01,2026-07-31,2025-01-01,2025-01-01,2025-12-31,2,\n\
               01130012,1,6,00,佐藤　六郎,サトウ　ロクロウ,1980-01-01,1,東京都,,1,3,2020-01-01,,,,,,,,2025-01-01,2025-01-01,2025-12-31,2,\n";
    let (report, rejects) = run_import(&store, Kind::Members, csv).await;
    let fields: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(
        fields,
        [(4, "limit_valid_until"), (5, "loss_reason"), (6, "limit_category"), (7, "elderly_valid_from")],
        "{rejects:?}"
    );
    assert!(rejects[0].rule.contains("限度額適用認定証 needs all of"), "{:?}", rejects[0]);
    assert!(rejects[3].rule.contains("70 to 74"), "{:?}", rejects[3]);
    assert_eq!((report.inserted, report.rejected_rows), (2, 4));
    let key = |number: &str| onshi_domain::insurance::MemberKey {
        insurer_number: "01130012".parse().expect("insurer"),
        symbol: "1".parse().expect("symbol"),
        number: number.parse().expect("number"),
        branch: onshi_domain::id::Branch::new(0).expect("branch"),
    };
    let first = store.member_by_key(&key("1")).await.expect("read").expect("stored").member;
    let limit = first.limit_certificate.expect("limit");
    assert_eq!((limit.kind.code(), limit.category.label_ja()), ("01", "一般"));
    let elderly = first.elderly_recipient.expect("elderly");
    assert_eq!((elderly.copay_ratio.tenths(), elderly.valid_until), (2, Date::from_ymd_opt(2028, 6, 14).expect("d")));
    assert_eq!(first.notified_on, Date::from_ymd_opt(2019, 12, 27));
    let second = store.member_by_key(&key("2")).await.expect("read").expect("stored").member;
    assert_eq!(second.loss_reason, Some(onshi_domain::insurance::LossReason::OtherInsurance));
}

#[tokio::test]
async fn insurer_names_import_with_rejects_and_reimport_changes_nothing() {
    let store = store().await;
    let csv = "\
insurer_number,kind,name,members
01130012,kyokai_kenpo,全国健康保険協会 東京支部,122
06139992,kenpo_kumiai,八王子機械健康保険組合,10
138222,kyokai_kenpo,八王子市国民健康保険,5
01130013,kyokai_kenpo,検査数字違い,1
06139992,kenpo_kumiai,二度目,1
39132014,koki_korei,,3
";
    let (report, rejects) = run_import(&store, Kind::Insurers, csv).await;
    assert_eq!((report.rows, report.inserted, report.rejected_rows), (6, 2, 4), "{rejects:?}");
    let fields: Vec<(u64, &str)> = rejects.iter().map(|r| (r.line, r.field.as_str())).collect();
    assert_eq!(fields, [(4, "kind"), (5, "insurer_number"), (6, "insurer_number"), (7, "name")], "{rejects:?}");
    assert!(rejects[0].rule.contains("kokuho"), "{}", rejects[0].rule);
    assert!(rejects[2].rule.contains("line 3"), "{}", rejects[2].rule);
    let names: Vec<(String, String)> =
        store.insurers().await.expect("insurers").into_iter().map(|i| (i.insurer_number.to_string(), i.name)).collect();
    assert_eq!(
        names,
        [
            ("01130012".to_owned(), "全国健康保険協会 東京支部".to_owned()),
            ("06139992".to_owned(), "八王子機械健康保険組合".to_owned())
        ]
    );
    let (again, _) = run_import(&store, Kind::Insurers, csv).await;
    assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 2));
    let renamed = "insurer_number,name\n06139992,八王子機械健保\n";
    let (renamed, _) = run_import(&store, Kind::Insurers, renamed).await;
    assert_eq!((renamed.inserted, renamed.updated), (0, 1));
}
