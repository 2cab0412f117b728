//! The storage contract: one suite over `&dyn Store`, run against SQLite
//! always and against PostgreSQL when `ONSHI_TEST_POSTGRES_URL` is set (CI sets
//! it and fails if the server is unreachable; see `.ci/run`).

use std::sync::Arc;

use onshi_domain::Date;
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{FacilityCode, FeeTable, MyNumber};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;
use onshi_store::{Backend, LinkMethod, RowConflict, Store};

mod contract;
mod eligibility;
mod inspection;
mod jpki;
mod medical;
mod members;
mod oidc;
mod portal;

fn date(s: &str) -> Date {
    Date::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn my_number(base: u64) -> MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

fn resident(code: u64, number: u64, name: &str) -> Resident {
    Resident {
        resident_code: format!("{code:011}").parse().expect("resident code"),
        my_number: my_number(number),
        attributes: FiveAttributes {
            name_kanji: name.to_owned(),
            name_kana: "ヤマダ タロウ".to_owned(),
            birth_date: date("1980-04-01"),
            sex: Sex::Male,
            address: "東京都八王子市元本郷町三丁目24番1号".to_owned(),
        },
    }
}

fn member(number: &str, branch: u8, my_number: Option<MyNumber>) -> Member {
    Member {
        key: MemberKey {
            insurer_number: "01130012".parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: number.parse().expect("number"),
            branch: onshi_domain::id::Branch::new(branch).expect("branch"),
        },
        relationship: if branch == 0 { Relationship::Insured } else { Relationship::Dependent },
        attributes: FiveAttributes {
            name_kanji: "山田 太郎".to_owned(),
            name_kana: "ヤマダ タロウ".to_owned(),
            birth_date: date("1980-04-01"),
            sex: Sex::Male,
            address: "東京都八王子市元本郷町3-24-1".to_owned(),
        },
        my_number,
        copay_ratio: CopayRatio::new(3).expect("copay"),
        acquired_on: date("2020-04-01"),
        lost_on: None,
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

fn facility(serial: u16) -> Facility {
    Facility {
        code: FacilityCode::from_parts(13, FeeTable::Medical, 10, serial).expect("facility code"),
        name: "八王子中央病院".to_owned(),
        kind: FacilityKind::Hospital,
        address: "東京都八王子市".to_owned(),
    }
}

/// A fresh migrated store of each available backend.
async fn stores(test: &str) -> Vec<Arc<dyn Store>> {
    let sqlite = onshi_store::open("sqlite::memory:").await.expect("in-memory SQLite");
    sqlite.migrate().await.expect("migrate sqlite");
    let mut stores = vec![sqlite];
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let file = onshi_store::open(&format!("sqlite://{}/onshi.db", dir.display())).await.expect("file SQLite");
    file.migrate().await.expect("migrate file sqlite");
    stores.push(file);
    if let Ok(url) = std::env::var("ONSHI_TEST_POSTGRES_URL") {
        let schema = format!("t_{}_{}", test, std::process::id());
        let postgres = onshi_store::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("ONSHI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
        postgres.reset_schema_for_tests(&schema).await.expect("reset test schema");
        postgres.migrate().await.expect("migrate postgres");
        stores.push(Arc::new(postgres));
    }
    stores
}

#[tokio::test]
async fn postgres_is_tested_when_configured() {
    let stores = stores("configured").await;
    let has_postgres = stores.iter().any(|s| s.backend() == Backend::Postgres);
    assert_eq!(has_postgres, std::env::var("ONSHI_TEST_POSTGRES_URL").is_ok());
}
