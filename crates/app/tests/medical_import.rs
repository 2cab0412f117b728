//! The medical-information import on SQLite and PostgreSQL: the example
//! files of `docs/examples/medical` import whole and again unchanged; bad
//! lines, repeated record ids and records of unknown members are reported
//! with line, field, value and rule while the rest is imported.

use std::sync::Arc;

use onshi_app::import::{ImportOptions, Kind, Reject, import};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_store::Store;

fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn member() -> Member {
    Member {
        key: MemberKey {
            insurer_number: "06132013".parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: "5678".parse().expect("number"),
            branch: onshi_domain::id::Branch::new(0).expect("branch"),
        },
        relationship: Relationship::Insured,
        attributes: FiveAttributes {
            name_kanji: "山田 太郎".into(),
            name_kana: "ヤマダ タロウ".into(),
            birth_date: d("1970-05-01"),
            sex: Sex::Male,
            address: "東京都八王子市元本郷町三丁目24番1号".into(),
        },
        my_number: None,
        copay_ratio: CopayRatio::new(3).expect("copay"),
        acquired_on: d("2010-04-01"),
        lost_on: None,
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

async fn stores(test: &str) -> Vec<Arc<dyn Store>> {
    let sqlite = onshi_store::open("sqlite::memory:").await.expect("store");
    sqlite.migrate().await.expect("migrate");
    let mut stores = vec![sqlite];
    if let Ok(url) = std::env::var("ONSHI_TEST_POSTGRES_URL") {
        let schema = format!("app_medimp_{}_{}", test, std::process::id());
        let postgres = onshi_store::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("ONSHI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
        postgres.reset_schema_for_tests(&schema).await.expect("reset test schema");
        postgres.migrate().await.expect("migrate postgres");
        stores.push(Arc::new(postgres));
    }
    stores
}

fn examples() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/examples/medical");
    ["drug", "clinical", "expense", "checkup"]
        .iter()
        .map(|kind| std::fs::read_to_string(dir.join(format!("{kind}.jsonl"))).expect("example file"))
        .collect()
}

async fn run(store: &Arc<dyn Store>, text: String, batch: usize) -> (onshi_app::import::ImportReport, Vec<Reject>) {
    let mut rejects: Vec<Reject> = Vec::new();
    let mut options = ImportOptions::new(d("2026-11-22"));
    options.batch_size = batch;
    let report = import(
        store.clone(),
        Kind::Medical,
        Box::new(std::io::Cursor::new(text.into_bytes())),
        options,
        &mut rejects,
        &mut |_| {},
    )
    .await
    .expect("import");
    (report, rejects)
}

#[tokio::test]
async fn the_examples_import_whole_and_again_unchanged() {
    for store in stores("examples").await {
        let name = store.backend().name();
        store.upsert_members(vec![member()]).await.expect("member");
        let text = examples();
        let lines = text.lines().filter(|l| !l.trim().is_empty()).count() as u64;
        let (first, rejects) = run(&store, text.clone(), 3).await;
        assert_eq!(rejects, vec![], "{name}");
        assert_eq!((first.rows, first.inserted), (lines, lines), "{name}: {first:?}");
        let (again, _) = run(&store, text, 50_000).await;
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, lines), "{name}: {again:?}");
        // The member is not linked to anyone yet: every record waits.
        assert_eq!(store.medical_record_counts().await.expect("counts"), (lines, lines), "{name}");
    }
}

#[tokio::test]
async fn bad_lines_are_reported_and_the_rest_imported() {
    for store in stores("bad").await {
        let name = store.backend().name();
        store.upsert_members(vec![member()]).await.expect("member");
        let good = examples().lines().next().expect("a line").to_owned();
        let other_id = good.replace("RX-2026-09-0001-1", "RX-OTHER");
        let unknown = other_id.replace("\"number\":\"5678\"", "\"number\":\"9999\"").replace("RX-OTHER", "RX-UNKNOWN");
        let bad_code = good.replace("620008676", "12345").replace("RX-2026-09-0001-1", "RX-BAD");
        let future = good.replace("2026-09-02", "2027-01-05").replace("RX-2026-09-0001-1", "RX-FUTURE");
        let text = [
            good.as_str(),     // line 1: imported
            "",                // line 2: blank, skipped
            "{not json",       // line 3
            good.as_str(),     // line 4: the same record id again
            bad_code.as_str(), // line 5
            unknown.as_str(),  // line 6: no such member
            future.as_str(),   // line 7: dispensed in the future
            other_id.as_str(), // line 8: imported
        ]
        .join("\n");
        let (report, rejects) = run(&store, text, 2).await;
        assert_eq!((report.inserted, report.rejected_rows), (2, 5), "{name}: {report:?} {rejects:?}");
        let lines: Vec<u64> = rejects.iter().map(|r| r.line).collect();
        assert_eq!(lines, [3, 4, 5, 6, 7], "{name}: in line order: {rejects:?}");
        assert_eq!(rejects[1].field, "record_id", "{name}");
        assert!(rejects[1].rule.contains("line 1"), "{name}: {:?}", rejects[1]);
        assert_eq!((rejects[2].field.as_str(), rejects[2].value.as_str()), ("drug_code", "12345"), "{name}");
        assert!(rejects[2].rule.contains("9 digits"), "{name}: {:?}", rejects[2]);
        assert_eq!(rejects[3].field, "member", "{name}");
        assert!(rejects[3].rule.contains("資格取得"), "{name}: {:?}", rejects[3]);
        assert!(rejects[4].rule.contains("future"), "{name}: {:?}", rejects[4]);
    }
}
