//! Registration, cancellation and the documents they bring, with the PDF
//! read back by `pdftotext` (poppler-utils, installed by
//! scripts/ensure-tools.sh): its text is Japanese. Each test runs on SQLite
//! and, when `ONSHI_TEST_POSTGRES_URL` is set (scripts/test.sh sets it), on
//! PostgreSQL.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use onshi_app::documents::Documents;
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;
use onshi_store::Store;
use onshi_store::eligibility::DocumentKind;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
}

fn my_number(base: u64) -> onshi_domain::id::MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

fn attributes(name: &str) -> FiveAttributes {
    FiveAttributes {
        name_kanji: name.into(),
        name_kana: "ヤマダ タロウ".into(),
        birth_date: d("1960-06-15"),
        sex: Sex::Male,
        address: "東京都八王子市元本郷町三丁目24番1号".into(),
    }
}

fn member(number: &str, who: u64, name: &str) -> Member {
    Member {
        key: MemberKey {
            insurer_number: "01130012".parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: number.parse().expect("number"),
            branch: onshi_domain::id::Branch::new(0).expect("branch"),
        },
        relationship: Relationship::Insured,
        attributes: attributes(name),
        my_number: Some(my_number(who)),
        copay_ratio: CopayRatio::new(3).expect("copay"),
        acquired_on: d("2020-04-01"),
        lost_on: None,
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

/// One desk per backend.
async fn desks(test: &str) -> Vec<Documents> {
    let sqlite = onshi_store::open("sqlite::memory:").await.expect("store");
    sqlite.migrate().await.expect("migrate");
    let mut stores: Vec<Arc<dyn onshi_store::Store>> = vec![sqlite];
    if let Ok(url) = std::env::var("ONSHI_TEST_POSTGRES_URL") {
        let schema = format!("app_docs_{}_{}", test, std::process::id());
        let postgres = onshi_store::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("ONSHI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
        postgres.reset_schema_for_tests(&schema).await.expect("reset test schema");
        postgres.migrate().await.expect("migrate postgres");
        stores.push(Arc::new(postgres));
    }
    let mut desks = Vec::new();
    for store in stores {
        desks.push(desk_on(store).await);
    }
    desks
}

async fn desk_on(store: Arc<dyn onshi_store::Store>) -> Documents {
    store
        .upsert_residents(vec![
            Resident {
                resident_code: "00000000001".parse().expect("code"),
                my_number: my_number(1),
                attributes: attributes("山田 太郎"),
            },
            Resident {
                resident_code: "00000000002".parse().expect("code"),
                my_number: my_number(2),
                attributes: attributes("山田 次郎"),
            },
        ])
        .await
        .expect("residents");
    store.upsert_members(vec![member("1001", 1, "山田 太郎"), member("1002", 2, "山田 次郎")]).await.expect("members");
    Documents::new(store)
}

fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf).expect("write pdf");
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext is installed (scripts/ensure-tools.sh: poppler-utils)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn registration_brings_a_notice_and_cancellation_a_certificate_in_japanese() {
    for desk in desks("reg").await {
        let font = onshi_notice::NoticeFont::find(None).expect("a Japanese font (scripts/ensure-tools.sh)");
        let notices = desk.register("00000000001", "portal", at("2026-05-01T01:00:00Z")).await.expect("register");
        assert_eq!(notices.len(), 1);
        assert_eq!(notices[0].kind, DocumentKind::Notice);
        let text = pdf_text(&desk.render(&notices[0].serial, &font).await.expect("pdf"));
        assert!(text.contains("資格情報のお知らせ") && text.contains("山田"), "{text}");

        let err = desk
            .cancel("00000000001", "portal", d("2031-05-02"), at("2026-05-01T02:00:00Z"))
            .await
            .expect_err("6 years");
        assert!(err.to_string().contains("5 years"), "{err}");
        let certificates =
            desk.cancel("00000000001", "portal", d("2031-05-01"), at("2026-05-01T02:00:00Z")).await.expect("cancel");
        assert_eq!(certificates.len(), 1);
        assert_eq!(certificates[0].kind, DocumentKind::Certificate);
        assert_eq!(certificates[0].valid_until, Some(d("2031-05-01")));
        let text = pdf_text(&desk.render(&certificates[0].serial, &font).await.expect("pdf"));
        assert!(text.contains("資格確認書") && text.contains("山田") && text.contains("昭和35年6月15日"), "{text}");
        assert!(matches!(desk.render("NOPE", &font).await, Err(onshi_app::documents::DocumentError::NoDocument(_))));
    }
}

#[tokio::test]
async fn certificates_go_without_application_to_the_unregistered_once() {
    for desk in desks("auto").await {
        desk.register("00000000001", "reader", at("2026-05-01T01:00:00Z")).await.expect("register");
        let now = at("2026-06-01T01:00:00Z");
        let report = desk.issue_without_application(None, d("2031-06-01"), now, |_| {}).await.expect("issue");
        assert_eq!((report.members_seen, report.issued, report.registered, report.already_held), (2, 1, 1, 0));
        let again = desk.issue_without_application(None, d("2031-06-01"), now, |_| {}).await.expect("again");
        assert_eq!((again.issued, again.already_held), (0, 1), "nothing is issued twice");
        let later = at("2026-06-02T01:00:00Z");
        let next_day = desk.issue_without_application(None, d("2031-06-01"), later, |_| {}).await.expect("next day");
        assert_eq!(next_day.issued, 0, "the certificate issued yesterday is still valid");
    }
}
