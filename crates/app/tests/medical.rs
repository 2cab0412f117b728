//! Medical information under consent, on SQLite (a file, so that the tests
//! can tamper with it from outside) and PostgreSQL: each door's rules, the
//! access log written with every read, a read refused when the log cannot
//! be written, and whole-log verification catching each kind of tampering.

use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use onshi_app::eligibility::{CardQuery, ConsentChoice, Eligibility, HolderProof, Method};
use onshi_app::jpki::Jpki;
use onshi_app::medical::{AuditKey, Category, Medical, Patient, verify_all};
use onshi_card::{CardFile, Pins};
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{FacilityCode, FeeTable};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;
use onshi_pki::Authority;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_store::inspection::NewSuspension;
use onshi_store::medical::{NewRecord, Staff};
use onshi_store::{PersonId, Store};

const NOW: &str = "2026-04-01T01:00:00Z";

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn d(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn my_number(base: u64) -> onshi_domain::id::MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

fn attributes(name: &str) -> FiveAttributes {
    FiveAttributes {
        name_kanji: name.into(),
        name_kana: "ヤマダ タロウ".into(),
        birth_date: d("1980-06-15"),
        sex: Sex::Male,
        address: "東京都八王子市元本郷町三丁目24番1号".into(),
    }
}

fn member(number: &str, my: u64) -> Member {
    Member {
        key: MemberKey {
            insurer_number: "06139992".parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: number.parse().expect("number"),
            branch: onshi_domain::id::Branch::new(0).expect("branch"),
        },
        relationship: Relationship::Insured,
        attributes: attributes("山田 太郎"),
        my_number: Some(my_number(my)),
        copay_ratio: CopayRatio::new(3).expect("copay"),
        acquired_on: d("2010-04-01"),
        lost_on: None,
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

fn facility(serial: u16) -> Facility {
    Facility {
        code: FacilityCode::from_parts(13, FeeTable::Medical, 10, serial).expect("code"),
        name: format!("病院{serial}"),
        kind: FacilityKind::Hospital,
        address: "東京都八王子市".into(),
    }
}

fn body(facility: &str, name: &str) -> String {
    format!("{{\"facility_code\":\"{facility}\",\"facility_name\":\"{name}\"}}")
}

/// How to reach the database from outside the store, to tamper with it.
enum Raw {
    Sqlite(std::path::PathBuf),
    Postgres { url: String, schema: String },
}

impl Raw {
    async fn exec(&self, sql: &str) {
        match self {
            Raw::Sqlite(path) => {
                let conn = rusqlite::Connection::open(path).expect("open the file");
                conn.execute_batch(sql).expect("raw SQL");
            }
            Raw::Postgres { url, schema } => {
                let pool = sqlx::PgPool::connect(url).await.expect("connect");
                let sql = format!("SET search_path TO {schema}; {sql}");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.expect("raw SQL");
            }
        }
    }

    /// Make `access_log` writable by hand, as someone with database access could.
    async fn unlock(&self) {
        match self {
            Raw::Sqlite(_) => {
                self.exec("DROP TRIGGER access_log_no_update; DROP TRIGGER access_log_no_delete;").await;
            }
            Raw::Postgres { .. } => self.exec("ALTER TABLE access_log DISABLE TRIGGER access_log_no_change;").await,
        }
    }
}

struct World {
    store: Arc<dyn Store>,
    raw: Raw,
    jpki: Arc<Jpki>,
    medical: Medical,
    key: Arc<AuditKey>,
    card: CardFile,
    person: PersonId,
    other: PersonId,
    backend: &'static str,
}

async fn worlds(test: &str) -> Vec<World> {
    let mut out = Vec::new();
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let path = dir.join("onshi.db");
    let sqlite = onshi_store::open(&format!("sqlite://{}", path.display())).await.expect("store");
    sqlite.migrate().await.expect("migrate");
    out.push(world(sqlite, Raw::Sqlite(path)).await);
    if let Ok(url) = std::env::var("ONSHI_TEST_POSTGRES_URL") {
        let schema = format!("app_med_{}_{}", test, std::process::id());
        let postgres = onshi_store::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("ONSHI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
        postgres.reset_schema_for_tests(&schema).await.expect("reset test schema");
        postgres.migrate().await.expect("migrate postgres");
        out.push(world(Arc::new(postgres), Raw::Postgres { url, schema }).await);
    }
    out
}

async fn world(store: Arc<dyn Store>, raw: Raw) -> World {
    let residents = vec![
        Resident {
            resident_code: "00000000001".parse().expect("code"),
            my_number: my_number(1),
            attributes: attributes("山田 太郎"),
        },
        Resident {
            resident_code: "00000000002".parse().expect("code"),
            my_number: my_number(2),
            attributes: attributes("鈴木 花子"),
        },
    ];
    store.upsert_residents(residents).await.expect("residents");
    store.upsert_members(vec![member("1001", 1), member("2002", 2)]).await.expect("members");
    store.upsert_facilities(vec![facility(1), facility(2)]).await.expect("facilities");
    for (f, id, q) in [(1, "D1", "doctor"), (1, "P1", "pharmacist"), (1, "N1", "nurse"), (2, "D2", "doctor")] {
        store
            .upsert_staff(Staff {
                facility_code: facility(f).code.as_str().into(),
                staff_id: id.into(),
                name: "職員".into(),
                qualification: q.into(),
                created_at: at(NOW),
                revoked_at: None,
            })
            .await
            .expect("staff");
    }
    let key = |m: &Member| m.key.clone();
    let records = vec![
        NewRecord {
            kind: "drug".into(),
            record_id: "d1".into(),
            key: key(&member("1001", 1)),
            on: d("2026-03-01"),
            body: body("1349990011", "みどり薬局"),
        },
        NewRecord {
            kind: "drug".into(),
            record_id: "d0".into(),
            key: key(&member("1001", 1)),
            on: d("2022-03-01"),
            body: body("1349990011", "みどり薬局"),
        },
        NewRecord {
            kind: "clinical".into(),
            record_id: "c1".into(),
            key: key(&member("1001", 1)),
            on: d("2025-12-01"),
            body: body("1319990011", "さくら内科"),
        },
        NewRecord {
            kind: "checkup".into(),
            record_id: "k1".into(),
            key: key(&member("1001", 1)),
            on: d("2024-06-01"),
            body: body("1319990022", "健診センター"),
        },
        NewRecord {
            kind: "expense".into(),
            record_id: "e1".into(),
            key: key(&member("1001", 1)),
            on: d("2026-03-01"),
            body: body("1319990011", "さくら内科"),
        },
    ];
    store.upsert_medical_records(records, at(NOW)).await.expect("records");
    let jpki = Arc::new(
        Jpki::new(store.clone(), Authority::create(at("2026-01-01T00:00:00Z")).expect("ca"), "http://x/jpki")
            .expect("jpki"),
    );
    let pins = Pins { auth_pin: "1234".into(), sign_password: "abc123".into(), support_pin: "5678".into() };
    let card = jpki.issue_card("00000000001", Some(pins), at("2026-01-05T00:00:00Z")).await.expect("card").file;
    let (key, _) = AuditKey::generate().expect("key");
    let key = Arc::new(key);
    let medical = Medical::new(store.clone(), jpki.clone(), key.clone());
    let person = store.resident_by_my_number(&my_number(1)).await.expect("read").expect("person").person_id;
    let other = store.resident_by_my_number(&my_number(2)).await.expect("read").expect("person").person_id;
    let backend = store.backend().name();
    World { store, raw, jpki, medical, key, card, person, other, backend }
}

impl World {
    fn patient(&self) -> MemberKey {
        member("1001", 1).key
    }

    /// A real card check at facility 1 with the patient's choice, at `now`.
    async fn check_in(&self, now: DateTime<Utc>, consent: ConsentChoice) {
        self.check_in_for_care(now, consent, None).await.expect("card check");
    }

    /// A card check recording a consent for continuing care until `until`.
    async fn check_in_for_care(
        &self,
        now: DateTime<Utc>,
        consent: ConsentChoice,
        until: Option<DateTime<Utc>>,
    ) -> Result<(), String> {
        let challenge = self.jpki.new_challenge(now).await.expect("challenge");
        let digest = sha256_digest_info(&challenge.nonce);
        let signature = sign_digest_info(&self.card.jpki.auth.key_pkcs8, &digest).expect("sign");
        let query = CardQuery {
            certificate: self.card.jpki.auth.certificate.clone(),
            holder: HolderProof::Signature { challenge_id: challenge.id, signature },
            media: Method::Card,
            visit_date: None,
            consent,
            care_until: until,
        };
        let service = Eligibility::new(self.store.clone(), self.jpki.clone());
        service.check_card(&facility(1), query, now).await.map(|_| ()).map_err(|e| e.code().to_owned())
    }

    async fn read(&self, staff: &str, category: Category, now: DateTime<Utc>) -> Result<Vec<String>, String> {
        self.medical
            .facility_read(facility(1).code.as_str(), staff, &self.patient(), category, now)
            .await
            .map(|r| r.records.into_iter().map(|r| r.record_id).collect())
            .map_err(|e| e.code().to_owned())
    }
}

const DRUGS_ONLY: ConsentChoice = ConsentChoice { clinical_drug: true, checkup: false };

#[tokio::test]
async fn a_facility_reads_only_under_a_consent_in_force_and_only_qualified_staff() {
    for w in worlds("consent").await {
        let name = w.backend;
        let now = at(NOW);
        assert_eq!(w.read("D1", Category::Drug, now).await, Err("no_consent".into()), "{name}: before any check-in");
        w.check_in(now, DRUGS_ONLY).await;
        let later = now + TimeDelta::hours(1);
        assert_eq!(w.read("D1", Category::Drug, later).await, Ok(vec!["d1".into()]), "{name}: 3 years back only");
        assert_eq!(w.read("P1", Category::Clinical, later).await, Ok(vec!["c1".into()]), "{name}");
        assert_eq!(w.read("D1", Category::Checkup, later).await, Err("no_consent".into()), "{name}: not consented");
        assert_eq!(w.read("N1", Category::Drug, later).await, Err("staff_not_qualified".into()), "{name}");
        assert_eq!(w.read("X9", Category::Drug, later).await, Err("unknown_staff".into()), "{name}");
        assert_eq!(w.read("D1", Category::Expense, later).await, Err("self_only".into()), "{name}");
        let other = w.medical.facility_read(facility(2).code.as_str(), "D2", &w.patient(), Category::Drug, later).await;
        assert_eq!(other.expect_err("other facility").code(), "no_consent", "{name}");
        // 24 hours after the check-in the consent has expired.
        let next_day = now + TimeDelta::hours(24);
        assert_eq!(w.read("D1", Category::Drug, next_day).await, Err("no_consent".into()), "{name}: expired");

        // Revoked by the patient: refused at once; another person cannot revoke it.
        w.check_in(next_day, DRUGS_ONLY).await;
        let consents = w.medical.consents(w.person).await.expect("consents");
        let newest = consents.last().expect("a consent").consent_id;
        let stolen = w.medical.revoke(w.other, newest, next_day).await.expect_err("not theirs");
        assert_eq!(stolen.code(), "unknown_consent", "{name}");
        assert!(w.read("D1", Category::Drug, next_day + TimeDelta::minutes(1)).await.is_ok(), "{name}");
        w.medical.revoke(w.person, newest, next_day + TimeDelta::minutes(2)).await.expect("revoke");
        assert_eq!(w.read("D1", Category::Drug, next_day + TimeDelta::minutes(3)).await, Err("no_consent".into()));

        // Every read that answered is in the person's log, with its consent.
        let log = w.medical.own_log(w.person).await.expect("log");
        assert_eq!(log.problem, None, "{name}");
        let reads: Vec<(&str, &str)> =
            log.log.entries.iter().map(|e| (e.access.category.as_str(), e.access.basis.as_str())).collect();
        assert_eq!(reads, [("drug", "consent"), ("clinical", "consent"), ("drug", "consent")], "{name}");
        assert_eq!(log.log.entries[0].access.staff_id, "D1", "{name}");
        assert_eq!(log.log.entries[0].access.basis_ref, consents[0].consent_id.to_string(), "{name}");
    }
}

#[tokio::test]
async fn a_consent_for_continuing_care_lasts_until_its_end_and_must_end_in_the_future() {
    for w in worlds("care").await {
        let name = w.backend;
        let now = at(NOW);
        let past = w.check_in_for_care(now, DRUGS_ONLY, Some(now - TimeDelta::minutes(1))).await;
        assert_eq!(past, Err("invalid_consent_expiry".into()), "{name}: an expiry in the past");
        let far = w.check_in_for_care(now, DRUGS_ONLY, Some(now + TimeDelta::days(400))).await;
        assert_eq!(far, Err("invalid_consent_expiry".into()), "{name}: more than a year");
        assert!(w.medical.consents(w.person).await.expect("consents").is_empty(), "{name}: nothing recorded");

        let discharge = now + TimeDelta::days(14);
        w.check_in_for_care(now, DRUGS_ONLY, Some(discharge)).await.expect("inpatient");
        let day_ten = now + TimeDelta::days(10);
        assert_eq!(w.read("D1", Category::Drug, day_ten).await, Ok(vec!["d1".into()]), "{name}: still in care");
        assert_eq!(w.read("D1", Category::Drug, discharge).await, Err("no_consent".into()), "{name}: discharged");
    }
}

#[tokio::test]
async fn no_information_through_a_suspended_link_or_within_the_grace() {
    for w in worlds("grace").await {
        let name = w.backend;
        // Issued 2026-01-05 to someone born 1980-06-15: expires 2030-06-15; in grace on 2030-07-01.
        let in_grace = at("2030-07-01T01:00:00Z");
        w.check_in(in_grace, DRUGS_ONLY).await;
        let read = w.read("D1", Category::Drug, in_grace + TimeDelta::minutes(1)).await;
        assert_eq!(read, Err("certificate_in_grace".into()), "{name}");
        let crew = w.medical.crew_read("131001", "隊員A", &w.card.jpki.auth.certificate, "INC-1", in_grace).await;
        assert_eq!(crew.expect_err("grace").code(), "certificate_in_grace", "{name}");

        w.check_in(at(NOW), DRUGS_ONLY).await;
        let stored = w.store.member_by_key(&w.patient()).await.expect("read").expect("member");
        let link = NewSuspension {
            member_id: stored.member_id,
            person_id: w.person,
            insurer_number: stored.member.key.insurer_number.clone(),
            reasons: vec!["birth_date:other".into()],
        };
        w.store.suspend_links(vec![link], at(NOW)).await.expect("suspend");
        let read = w.read("D1", Category::Drug, at(NOW) + TimeDelta::minutes(1)).await;
        assert_eq!(read, Err("linkage_under_inspection".into()), "{name}");
        let own = w.medical.self_read(w.person, Category::Drug, at(NOW)).await.expect("self");
        assert!(own.records.is_empty(), "{name}: quarantined even for the person until the insurer confirms");
    }
}

#[tokio::test]
async fn emergencies_need_a_designated_facility_a_doctor_and_a_reason_and_crews_see_the_set() {
    for w in worlds("emergency").await {
        let name = w.backend;
        let now = at(NOW);
        let code = facility(1).code.as_str().to_owned();
        let patient = Patient::Member(w.patient());
        let refused = w.medical.emergency_read(&code, "D1", &patient, "意識障害", now).await;
        assert_eq!(refused.expect_err("not designated").code(), "not_emergency_facility", "{name}");
        w.store.set_emergency_facility(&code, true, now, "op").await.expect("designate");
        let no_reason = w.medical.emergency_read(&code, "D1", &patient, " ", now).await;
        assert_eq!(no_reason.expect_err("no reason").code(), "invalid_request", "{name}");
        let pharmacist = w.medical.emergency_read(&code, "P1", &patient, "意識障害", now).await;
        assert_eq!(pharmacist.expect_err("not a doctor").code(), "staff_not_qualified", "{name}");
        let read = w.medical.emergency_read(&code, "D1", &patient, "意識障害のため同意取得不可", now).await;
        let ids: Vec<String> = read.expect("emergency").records.into_iter().map(|r| r.record_id).collect();
        assert_eq!(ids, ["d1", "c1", "k1"], "{name}: drugs, history, checkups; never expenses");
        let by_card = Patient::Card(w.card.jpki.auth.certificate.clone());
        w.medical.emergency_read(&code, "D1", &by_card, "心肺停止", now).await.expect("by card");

        let set = w.medical.crew_read("131001", "隊員A", &w.card.jpki.auth.certificate, "INC-1", now).await;
        let set = set.expect("crew");
        assert_eq!(set.name_kanji, "山田 太郎", "{name}");
        assert_eq!(set.birth_date, d("1980-06-15"), "{name}");
        let visited: Vec<&str> = set.facilities.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(visited, ["1349990011", "1319990011"], "{name}: newest first");
        assert_eq!((set.drugs.len(), set.clinical.len(), set.checkups.len()), (1, 1, 1), "{name}");
        let no_incident = w.medical.crew_read("131001", "隊員A", &w.card.jpki.auth.certificate, "", now).await;
        assert_eq!(no_incident.expect_err("incident").code(), "invalid_request", "{name}");

        let log = w.medical.own_log(w.person).await.expect("log");
        let bases: Vec<(&str, &str, &str)> = log
            .log
            .entries
            .iter()
            .map(|e| (e.access.actor_kind.as_str(), e.access.category.as_str(), e.access.basis.as_str()))
            .collect();
        assert_eq!(
            bases,
            [
                ("facility", "drug", "emergency"),
                ("facility", "clinical", "emergency"),
                ("facility", "checkup", "emergency"),
                ("facility", "drug", "emergency"),
                ("facility", "clinical", "emergency"),
                ("facility", "checkup", "emergency"),
                ("crew", "emergency_set", "crew"),
            ],
            "{name}"
        );
        assert_eq!(log.log.entries[0].access.basis_ref, "意識障害のため同意取得不可", "{name}");
        assert_eq!(log.log.entries[6].access.basis_ref, "INC-1", "{name}");
        assert_eq!(log.problem, None, "{name}");
    }
}

#[tokio::test]
async fn a_read_is_refused_when_the_log_cannot_be_written() {
    for w in worlds("logfail").await {
        let name = w.backend;
        w.check_in(at(NOW), DRUGS_ONLY).await;
        match &w.raw {
            Raw::Sqlite(_) => {
                w.raw
                    .exec("CREATE TRIGGER log_down BEFORE INSERT ON access_log BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
                    .await
            }
            Raw::Postgres { .. } => {
                w.raw
                    .exec(
                        "CREATE FUNCTION log_down() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk full'; END; $$;
                         CREATE TRIGGER log_down BEFORE INSERT ON access_log FOR EACH ROW EXECUTE FUNCTION log_down();",
                    )
                    .await
            }
        }
        let read = w.read("D1", Category::Drug, at(NOW) + TimeDelta::minutes(1)).await;
        assert_eq!(read, Err("access_log_unavailable".into()), "{name}");
        let own = w.medical.self_read(w.person, Category::Expense, at(NOW)).await;
        assert_eq!(own.expect_err("self too").code(), "access_log_unavailable", "{name}");
        assert!(w.medical.own_log(w.person).await.expect("log").log.entries.is_empty(), "{name}: nothing half-written");
    }
}

#[tokio::test]
async fn whole_log_verification_names_each_kind_of_tampering() {
    for w in worlds("tamper").await {
        let name = w.backend;
        let public = w.key.public_key();
        let verify = || async { verify_all(w.store.as_ref(), &public, &mut |_| {}).await.expect("verify") };
        for i in 0..3 {
            let now = at(NOW) + TimeDelta::minutes(i);
            w.medical.self_read(w.person, Category::Drug, now).await.expect("read");
            w.medical.self_read(w.other, Category::Drug, now).await.expect("read");
        }
        let intact = verify().await;
        assert_eq!((intact.people, intact.entries, intact.failures.len()), (2, 6, 0), "{name}: {intact:?}");

        // Another key did not sign these heads.
        let (stranger, _) = AuditKey::generate().expect("key");
        let foreign = verify_all(w.store.as_ref(), &stranger.public_key(), &mut |_| {}).await.expect("verify");
        assert_eq!(foreign.failures.len(), 2, "{name}");
        assert!(foreign.failures[0].1.contains("signature"), "{name}: {foreign:?}");

        w.raw.unlock().await;
        let (p, o) = (w.person.0, w.other.0);
        w.raw.exec(&format!("UPDATE access_log SET basis = 'emergency' WHERE person_id = {p} AND seq = 2")).await;
        let altered = verify().await;
        assert_eq!(altered.failures.len(), 1, "{name}: {altered:?}");
        assert_eq!(altered.failures[0].0, w.person, "{name}");
        assert!(altered.failures[0].1.contains("entry 2 was altered"), "{name}: {altered:?}");
        let own = w.medical.own_log(w.person).await.expect("log");
        assert!(own.problem.as_deref().is_some_and(|p| p.contains("altered")), "{name}: {own:?}");

        w.raw.exec(&format!("DELETE FROM access_log WHERE person_id = {o} AND seq = 3")).await;
        let cut = verify().await;
        assert_eq!(cut.failures.len(), 2, "{name}: {cut:?}");
        assert!(cut.failures[1].1.contains("head is at entry 3"), "{name}: {cut:?}");

        w.raw.exec(&format!("DELETE FROM access_log_heads WHERE person_id = {o}")).await;
        let headless = verify().await;
        assert!(headless.failures[1].1.contains("no signed head"), "{name}: {headless:?}");

        w.raw.exec(&format!("DELETE FROM access_log WHERE person_id = {p}")).await;
        let gone = verify().await;
        assert_eq!(gone.people, 2, "{name}: a head with no entries is still a person: {gone:?}");
        assert_eq!(gone.failures[0].0, w.person, "{name}");
        assert!(gone.failures[0].1.contains("log ends at entry 0"), "{name}: {gone:?}");
    }
}
