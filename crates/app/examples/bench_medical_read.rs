//! Drug-history reads with logging: a facility's doctor reads, under the
//! patient's consent, the drug history of patients with 200 dispensing
//! records each; every read checks staff, link and consent, reads the
//! records and appends to the patient's access-log chain (signed head)
//! before answering. Prints reads/s and the latency percentiles.
//!
//! ```text
//! cargo run --release -p onshi-app --example bench_medical_read -- \
//!     --db sqlite --patients 1 --concurrency 4 --seconds 10
//! cargo run --release -p onshi-app --example bench_medical_read -- \
//!     --db postgres://postgres@127.0.0.1:5432/test --patients 1 --concurrency 8 --seconds 10
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use hdrhistogram::Histogram;
use onshi_app::jpki::Jpki;
use onshi_app::medical::{AuditKey, Category, Medical};
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{Branch, FacilityCode, FeeTable};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;
use onshi_store::eligibility::Consent;
use onshi_store::medical::{NewRecord, Staff};
use onshi_store::{OpenOptions, Store};

struct Options {
    db: String,
    patients: u32,
    records: u32,
    concurrency: usize,
    seconds: u64,
}

fn options() -> Options {
    let mut o = Options { db: "sqlite".into(), patients: 1, records: 200, concurrency: 4, seconds: 10 };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().unwrap_or_else(|| panic!("{flag} needs a value"));
        match flag.as_str() {
            "--db" => o.db = value,
            "--patients" => o.patients = value.parse().expect("--patients N"),
            "--records" => o.records = value.parse().expect("--records N"),
            "--concurrency" => o.concurrency = value.parse().expect("--concurrency N"),
            "--seconds" => o.seconds = value.parse().expect("--seconds N"),
            other => {
                panic!("unknown flag {other}: --db sqlite|postgres://… --patients --records --concurrency --seconds")
            }
        }
    }
    o
}

fn my_number(base: u64) -> onshi_domain::id::MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

fn key(i: u32) -> MemberKey {
    MemberKey {
        insurer_number: "06139992".parse().expect("insurer"),
        symbol: "1234".parse().expect("symbol"),
        number: format!("{}", 10_000 + i).parse().expect("number"),
        branch: Branch::new(0).expect("branch"),
    }
}

fn attributes() -> FiveAttributes {
    FiveAttributes {
        name_kanji: "山田 太郎".into(),
        name_kana: "ヤマダ タロウ".into(),
        birth_date: chrono::NaiveDate::from_ymd_opt(1960, 6, 15).expect("date"),
        sex: Sex::Male,
        address: "東京都八王子市元本郷町三丁目24番1号".into(),
    }
}

/// The PostgreSQL schema the run uses (dropped at the end).
fn schema() -> String {
    format!("bench_medical_{}", std::process::id())
}

async fn open(db: &str) -> Arc<dyn Store> {
    let options = OpenOptions { max_connections: 16 };
    let store = if db == "sqlite" {
        let dir = tempfile::tempdir().expect("tempdir").keep();
        onshi_store::open_with(&format!("sqlite://{}/bench.db", dir.display()), options).await.expect("sqlite")
    } else {
        let schema = schema();
        let pg = onshi_store::PostgresStore::connect_in_schema(db, Some(&schema)).await.expect("postgres");
        pg.reset_schema_for_tests(&schema).await.expect("schema");
        Arc::new(pg)
    };
    store.migrate().await.expect("migrate");
    store
}

#[tokio::main]
async fn main() {
    let o = options();
    let store = open(&o.db).await;
    let now: DateTime<Utc> = "2026-04-01T01:00:00Z".parse().expect("now");
    let facility = Facility {
        code: FacilityCode::from_parts(13, FeeTable::Medical, 10, 1).expect("code"),
        name: "八王子中央病院".into(),
        kind: FacilityKind::Hospital,
        address: "東京都八王子市".into(),
    };
    let code = facility.code.as_str().to_owned();
    store.upsert_facilities(vec![facility]).await.expect("facility");
    store
        .upsert_staff(Staff {
            facility_code: code.clone(),
            staff_id: "D1".into(),
            name: "医師".into(),
            qualification: "doctor".into(),
            created_at: now,
            revoked_at: None,
        })
        .await
        .expect("staff");
    let residents: Vec<Resident> = (0..o.patients)
        .map(|i| Resident {
            resident_code: format!("{:011}", i + 1).parse().expect("code"),
            my_number: my_number(u64::from(i) + 1),
            attributes: attributes(),
        })
        .collect();
    store.upsert_residents(residents).await.expect("residents");
    let members: Vec<Member> = (0..o.patients)
        .map(|i| Member {
            key: key(i),
            relationship: Relationship::Insured,
            attributes: attributes(),
            my_number: Some(my_number(u64::from(i) + 1)),
            copay_ratio: CopayRatio::new(3).expect("copay"),
            acquired_on: chrono::NaiveDate::from_ymd_opt(2010, 4, 1).expect("date"),
            lost_on: None,
            loss_reason: None,
            limit_certificate: None,
            elderly_recipient: None,
            notified_on: None,
        })
        .collect();
    store.upsert_members(members).await.expect("members");
    for i in 0..o.patients {
        let records: Vec<NewRecord> = (0..o.records)
            .map(|r| NewRecord {
                kind: "drug".into(),
                record_id: format!("{i}-{r}"),
                key: key(i),
                on: chrono::NaiveDate::from_ymd_opt(2026, 3, 1).expect("date") - TimeDelta::days(i64::from(r) * 5),
                body: format!(
                    "{{\"dispensed_on\":\"2026-03-01\",\"facility_code\":\"1349990011\",\"facility_name\":\"みどり薬局\",\"drug_code\":\"620000{r:03}\",\"name\":\"アムロジピン錠5mg\",\"ingredient\":\"アムロジピンベシル酸塩\",\"dose\":\"1日1回朝食後\",\"quantity\":1,\"unit\":\"錠\",\"days\":28,\"route\":\"internal\"}}"
                ),
            })
            .collect();
        store.upsert_medical_records(records, now).await.expect("records");
        let person =
            store.resident_by_my_number(&my_number(u64::from(i) + 1)).await.expect("read").expect("p").person_id;
        store
            .record_consent(Consent {
                person_id: person,
                facility_code: code.clone(),
                categories: vec!["clinical_drug".into()],
                given_at: now,
                expires_at: now + TimeDelta::hours(24),
                media: "card".into(),
                purpose: "treatment".into(),
                data_from: None,
                data_to: None,
                certificate_in_grace: false,
            })
            .await
            .expect("consent");
    }
    let jpki = Arc::new(
        Jpki::new(store.clone(), onshi_pki::Authority::create(now).expect("ca"), "http://x/jpki").expect("jpki"),
    );
    let (audit, _) = AuditKey::generate().expect("key");
    let medical = Arc::new(Medical::new(store.clone(), jpki, Arc::new(audit)));
    let read_at = now + TimeDelta::hours(1);
    // Warm up and check the answer.
    let first = medical.facility_read(&code, "D1", &key(0), Category::Drug, read_at).await.expect("read");
    if o.records <= 200 {
        assert_eq!(first.records.len() as u32, o.records, "every record is in the 3-year window");
    }

    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let mut tasks = Vec::new();
    for t in 0..o.concurrency {
        let medical = medical.clone();
        let code = code.clone();
        let patients = o.patients;
        tasks.push(tokio::spawn(async move {
            let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
            let mut i = t as u32;
            while Instant::now() < deadline {
                let started = Instant::now();
                medical.facility_read(&code, "D1", &key(i % patients), Category::Drug, read_at).await.expect("read");
                histogram.record(started.elapsed().as_micros() as u64).expect("record");
                i = i.wrapping_add(7);
            }
            histogram
        }));
    }
    let mut all = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).expect("histogram");
    for task in tasks {
        all.add(task.await.expect("task")).expect("merge");
    }
    let backend = store.backend().name();
    println!(
        "backend={backend} patients={} records/patient={} concurrency={} seconds={}",
        o.patients, o.records, o.concurrency, o.seconds
    );
    println!(
        "reads={} reads/s={:.0} p50={:.2}ms p99={:.2}ms max={:.2}ms",
        all.len(),
        all.len() as f64 / o.seconds as f64,
        all.value_at_quantile(0.50) as f64 / 1000.0,
        all.value_at_quantile(0.99) as f64 / 1000.0,
        all.max() as f64 / 1000.0
    );
    if o.db != "sqlite" {
        let pool = sqlx::PgPool::connect(&o.db).await.expect("connect");
        let drop = format!("DROP SCHEMA IF EXISTS {} CASCADE", schema());
        sqlx::raw_sql(sqlx::AssertSqlSafe(drop)).execute(&pool).await.expect("drop the schema");
    }
}
