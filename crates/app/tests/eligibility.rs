//! Eligibility checks over a real SQLite store: by card (the card's signed
//! challenge) and by insured number, each verdict, consent, the grace of an
//! expired certificate, refusals with their codes, and the log.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use onshi_app::eligibility::{CardQuery, ConsentChoice, Eligibility, HolderProof, Method, NumberQuery};
use onshi_app::jpki::Jpki;
use onshi_card::{CardFile, Pins};
use onshi_domain::eligibility::Validity;
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{FacilityCode, FeeTable};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;
use onshi_pki::Authority;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_store::Store;

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

fn attributes() -> FiveAttributes {
    FiveAttributes {
        name_kanji: "山田 太郎".into(),
        name_kana: "ヤマダ タロウ".into(),
        birth_date: d("1980-06-15"),
        sex: Sex::Male,
        address: "東京都八王子市元本郷町三丁目24番1号".into(),
    }
}

fn member(insurer: &str, number: &str, acquired: &str, lost: Option<&str>) -> Member {
    Member {
        key: MemberKey {
            insurer_number: insurer.parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: number.parse().expect("number"),
            branch: onshi_domain::id::Branch::new(0).expect("branch"),
        },
        relationship: Relationship::Insured,
        attributes: attributes(),
        my_number: Some(my_number(1)),
        copay_ratio: CopayRatio::new(3).expect("copay"),
        acquired_on: d(acquired),
        lost_on: lost.map(d),
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

struct Clinic {
    service: Eligibility,
    jpki: Arc<Jpki>,
    store: Arc<dyn Store>,
    facility: Facility,
    card: CardFile,
    backend: &'static str,
}

/// One clinic per backend: SQLite, and PostgreSQL when
/// `ONSHI_TEST_POSTGRES_URL` is set (scripts/test.sh always sets it).
async fn clinics(test: &str) -> Vec<Clinic> {
    // Moved from one insurer to another on 2026-04-01.
    clinics_with(
        test,
        vec![
            member("01130012", "1001", "2010-04-01", Some("2026-04-01")),
            member("06139992", "2002", "2026-04-01", None),
        ],
    )
    .await
}

async fn stores(test: &str) -> Vec<Arc<dyn Store>> {
    let sqlite = onshi_store::open("sqlite::memory:").await.expect("store");
    sqlite.migrate().await.expect("migrate");
    let mut stores = vec![sqlite];
    if let Ok(url) = std::env::var("ONSHI_TEST_POSTGRES_URL") {
        let schema = format!("app_elig_{}_{}", test, std::process::id());
        let postgres = onshi_store::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("ONSHI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
        postgres.reset_schema_for_tests(&schema).await.expect("reset test schema");
        postgres.migrate().await.expect("migrate postgres");
        stores.push(Arc::new(postgres));
    }
    stores
}

async fn clinics_with(test: &str, members: Vec<Member>) -> Vec<Clinic> {
    let mut clinics = Vec::new();
    for store in stores(test).await {
        clinics.push(clinic_on(store, members.clone()).await);
    }
    clinics
}

async fn clinic_on(store: Arc<dyn Store>, members: Vec<Member>) -> Clinic {
    store
        .upsert_residents(vec![Resident {
            resident_code: "00000000001".parse().expect("code"),
            my_number: my_number(1),
            attributes: attributes(),
        }])
        .await
        .expect("resident");
    store.upsert_members(members).await.expect("members");
    let facility = Facility {
        code: FacilityCode::from_parts(13, FeeTable::Medical, 10, 1).expect("code"),
        name: "八王子中央病院".into(),
        kind: FacilityKind::Hospital,
        address: "東京都八王子市".into(),
    };
    store.upsert_facilities(vec![facility.clone()]).await.expect("facility");
    let jpki = Arc::new(
        Jpki::new(store.clone(), Authority::create(at("2026-01-01T00:00:00Z")).expect("ca"), "http://x/jpki")
            .expect("jpki"),
    );
    let pins = Pins { auth_pin: "1234".into(), sign_password: "abc123".into(), support_pin: "5678".into() };
    let card = jpki.issue_card("00000000001", Some(pins), at("2026-01-05T00:00:00Z")).await.expect("card").file;
    let backend = store.backend().name();
    Clinic { service: Eligibility::new(store.clone(), jpki.clone()), jpki, store, facility, card, backend }
}

impl Clinic {
    async fn card_query(&self, now: DateTime<Utc>, visit: Option<&str>, consent: ConsentChoice) -> CardQuery {
        let challenge = self.jpki.new_challenge(now).await.expect("challenge");
        let signature =
            sign_digest_info(&self.card.jpki.auth.key_pkcs8, &sha256_digest_info(&challenge.nonce)).expect("sign");
        CardQuery {
            certificate: self.card.jpki.auth.certificate.clone(),
            holder: HolderProof::Signature { challenge_id: challenge.id, signature },
            media: Method::Card,
            visit_date: visit.map(d),
            consent,
            care_until: None,
        }
    }

    fn number(&self, insurer: &str, number: &str, birth: &str, visit: Option<&str>) -> NumberQuery {
        NumberQuery {
            insurer_number: insurer.parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: number.parse().expect("number"),
            branch: None,
            birth_date: d(birth),
            visit_date: visit.map(d),
        }
    }
}

const NOW: &str = "2026-05-01T01:00:00Z";
const BOTH: ConsentChoice = ConsentChoice { clinical_drug: true, checkup: true };

#[tokio::test]
async fn a_card_check_answers_today_s_coverage_and_records_the_consent() {
    for c in clinics("accatscartc").await {
        let query = c.card_query(at(NOW), None, BOTH).await;
        let answer = c.service.check_card(&c.facility, query, at(NOW)).await.expect("check");
        assert_eq!(answer.validity, Validity::Valid);
        assert_eq!(answer.coverages.len(), 1);
        assert_eq!(answer.coverages[0].member.key.insurer_number.as_str(), "06139992");
        assert!(answer.medical_information_allowed);
        let consent = answer.consent.expect("consent");
        assert_eq!(consent.categories, ["clinical_drug", "checkup"]);
        assert_eq!(consent.expires_at, at("2026-05-02T01:00:00Z"));
        let person = c.store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        assert_eq!(c.store.consents_of_person(person).await.expect("consents").len(), 1);

        // A past visit is answered as of that day: the old insurer.
        let query = c.card_query(at(NOW), Some("2026-03-31"), ConsentChoice::default()).await;
        let past = c.service.check_card(&c.facility, query, at(NOW)).await.expect("check");
        assert_eq!(past.coverages[0].member.key.insurer_number.as_str(), "01130012");
        assert!(!past.medical_information_allowed, "no category consented");

        let query = c.card_query(at(NOW), Some("2026-06-01"), BOTH).await;
        let err = c.service.check_card(&c.facility, query, at(NOW)).await.expect_err("future");
        assert_eq!(err.code(), "visit_date_in_future");
    }
}

#[tokio::test]
async fn a_suspended_card_and_a_replay_are_refused_with_their_codes() {
    for c in clinics("ascaararwtc").await {
        let query = c.card_query(at(NOW), None, BOTH).await;
        let replay = query.clone();
        c.service.check_card(&c.facility, query, at(NOW)).await.expect("first");
        let err = c.service.check_card(&c.facility, replay, at(NOW)).await.expect_err("replay");
        assert_eq!(err.code(), "challenge_used");
        c.jpki.suspend(&c.card.serial, at(NOW)).await.expect("suspend");
        let query = c.card_query(at(NOW), None, BOTH).await;
        let err = c.service.check_card(&c.facility, query, at(NOW)).await.expect_err("suspended");
        assert_eq!(err.code(), "certificate_suspended");
    }
}

#[tokio::test]
async fn within_the_grace_eligibility_is_answered_but_no_medical_information() {
    for c in clinics("wtgeiabnmi").await {
        // Issued 2026-01-05 to someone born 1980-06-15: expires 2030-06-15 23:59:59 JST.
        let now = at("2030-07-01T01:00:00Z");
        let query = c.card_query(now, None, BOTH).await;
        let answer = c.service.check_card(&c.facility, query, now).await.expect("within grace");
        assert_eq!(answer.validity, Validity::Valid);
        assert!(matches!(answer.certificate, Some(onshi_pki::Validity::WithinGrace { .. })));
        assert!(!answer.medical_information_allowed);
        let now = at("2030-10-01T01:00:00Z");
        let query = c.card_query(now, None, BOTH).await;
        let err = c.service.check_card(&c.facility, query, now).await.expect_err("beyond grace");
        assert_eq!(err.code(), "certificate_expired");
    }
}

#[tokio::test]
async fn insured_number_checks_give_each_verdict() {
    for c in clinics("incgev").await {
        let check = |q| c.service.check_number(&c.facility, q, at(NOW));
        let valid = check(c.number("06139992", "2002", "1980-06-15", None)).await.expect("check");
        assert_eq!(valid.validity, Validity::Valid);
        assert_eq!(valid.coverages[0].member.attributes.name_kanji, "山田 太郎");
        assert!(!valid.medical_information_allowed && valid.consent.is_none());
        let newer = check(c.number("01130012", "1001", "1980-06-15", None)).await.expect("check");
        assert_eq!(newer.validity, Validity::InvalidNewerExists);
        let past = check(c.number("01130012", "1001", "1980-06-15", Some("2026-03-31"))).await.expect("check");
        assert_eq!(past.validity, Validity::Valid);
        let wrong_birth = check(c.number("06139992", "2002", "1980-06-16", None)).await.expect("check");
        assert_eq!(wrong_birth.validity, Validity::NoQualification);
        let none = check(c.number("06139992", "3003", "1980-06-15", None)).await.expect("check");
        assert_eq!(none.validity, Validity::NoQualification);
        let err = check(c.number("06139992", "2002", "2027-01-01", None)).await.expect_err("future birth");
        assert_eq!(err.code(), "birth_date_in_future");
        let err =
            check(c.number("06139992", "2002", "1980-06-15", Some("1970-01-01"))).await.expect_err("before birth");
        assert_eq!(err.code(), "visit_before_birth");
    }
}

#[tokio::test]
async fn a_link_held_by_the_inspection_is_refused_until_the_insurer_confirms_it() {
    // The insurer's record of someone else, linked by a mistyped My Number:
    // the check at import holds the link.
    let mut wrong = member("06139992", "3003", "2026-04-01", None);
    wrong.attributes = FiveAttributes {
        name_kanji: "佐藤 花子".into(),
        name_kana: "サトウ ハナコ".into(),
        birth_date: d("1990-01-01"),
        sex: Sex::Female,
        address: "大阪府大阪市北区梅田一丁目1番1号".into(),
    };
    let key = wrong.key.clone();
    for c in clinics_with("held", vec![wrong.clone()]).await {
        let held = c.store.member_by_key(&key).await.expect("read").expect("stored");
        assert_eq!(
            held.link_state,
            Some(onshi_store::LinkState::Suspended),
            "{}: the wrong link is held at import",
            c.backend
        );

        let query = c.card_query(at(NOW), None, BOTH).await;
        let err = c.service.check_card(&c.facility, query, at(NOW)).await.expect_err("held");
        assert_eq!(err.code(), "linkage_under_inspection");

        c.store
            .decide_link(&key, onshi_store::inspection::LinkDecision::Confirm, "保険者 担当", at(NOW))
            .await
            .expect("the insurer confirms");
        let query = c.card_query(at(NOW), None, BOTH).await;
        let answer = c.service.check_card(&c.facility, query, at(NOW)).await.expect("restored");
        assert_eq!(answer.validity, Validity::Valid);
        assert_eq!(answer.coverages[0].member.key, key);
    }
}

/// The usage report over real checks: its counts are the checks made, and
/// its rates are those counts divided and rounded as the ministry rounds.
#[tokio::test]
async fn the_usage_report_counts_the_checks_made_and_its_rates_follow() {
    use onshi_app::report::{self, Month};
    use onshi_domain::usage::percent;
    for c in clinics("usage").await {
        let name = c.backend;
        let person = c.store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        c.store
            .set_registration(onshi_store::eligibility::Registration {
                person_id: person,
                registered: true,
                changed_at: at("2026-04-20T00:00:00Z"),
                via: "reader".into(),
            })
            .await
            .expect("register");
        // 3 card checks (2 with both consents, 1 with none), 2 insured-number
        // checks, 1 refused (a replayed challenge), in May 2026.
        for consent in [BOTH, BOTH, ConsentChoice::default()] {
            let query = c.card_query(at(NOW), None, consent).await;
            c.service.check_card(&c.facility, query, at(NOW)).await.expect("card check");
        }
        let replayed = c.card_query(at(NOW), None, BOTH).await;
        c.service.check_card(&c.facility, replayed.clone(), at(NOW)).await.expect("card check");
        c.service.check_card(&c.facility, replayed, at(NOW)).await.expect_err("replay");
        for _ in 0..2 {
            let query = c.number("06139992", "2002", "1980-06-15", None);
            c.service.check_number(&c.facility, query, at(NOW)).await.expect("number check");
        }
        // One check the next month, outside the report.
        let june = at("2026-06-01T00:00:00Z");
        let query = c.card_query(june, None, BOTH).await;
        c.service.check_card(&c.facility, query, june).await.expect("June");

        let month: Month = "2026-05".parse().expect("month");
        let usage = report::usage(c.store.as_ref(), month).await.expect("report");
        let hospital = &usage.by_kind[0].1;
        assert_eq!((hospital.total, hospital.card, hospital.insured_number), (6, 4, 2), "{name}");
        assert_eq!(hospital.consents, [3, 3], "{name}: checkup, clinical_drug");
        assert_eq!(hospital.refused, 1, "{name}");
        assert_eq!(hospital.card_rate(), percent(4, 6, 2), "{name}");
        assert_eq!(hospital.card_rate().as_deref(), Some("66.67%"), "{name}");
        assert_eq!(usage.total, hospital.clone(), "{name}: one facility");
        let insurer = usage.by_insurer.iter().find(|r| r.insurer_number == "06139992").expect("insurer row");
        assert_eq!((insurer.members, insurer.registered), (1, 1), "{name}");
        assert_eq!((insurer.card_checks, insurer.checks), (4, 6), "{name}");
        assert_eq!(insurer.registration_rate().as_deref(), Some("100.0%"), "{name}");
        assert_eq!(insurer.card_rate(), percent(insurer.card_checks, insurer.checks, 2), "{name}");
        let old = usage.by_insurer.iter().find(|r| r.insurer_number == "01130012").expect("old insurer row");
        assert_eq!((old.members, old.checks), (0, 0), "{name}: lost on 2026-04-01");
        assert_eq!(old.registration_rate(), None, "{name}: no members, no rate");

        let rows = report::by_insurer_rows(&usage);
        let total = rows.last().expect("全体");
        assert_eq!(total[1], "全体");
        assert_eq!(total[4..].to_vec(), ["100.0%", "4", "6", "66.67%"], "{name}");
        let csv =
            String::from_utf8(report::csv(&report::by_kind_header(), &report::by_kind_rows(&usage)).expect("csv"))
                .expect("utf-8");
        assert!(csv.starts_with("区分,合計,マイナンバーカード,保険証,"), "{csv}");
        assert!(csv.contains("\r\n病院,6,4,2,3,3,66.67%,1\r\n"), "{name}: {csv}");
        assert!(csv.contains("\r\n総計,6,4,2,3,3,66.67%,1\r\n"), "{name}: {csv}");
    }
}

#[tokio::test]
async fn a_number_check_answers_the_limit_certificate_and_the_loss_reason() {
    use onshi_domain::insurance::{LimitCategory, LimitCertificate, LimitCertificateKind, LossReason};
    let mut lost = member("01130012", "1001", "2010-04-01", Some("2026-04-01"));
    lost.loss_reason = Some(LossReason::OtherInsurance);
    let mut current = member("06139992", "2002", "2026-04-01", None);
    current.limit_certificate = Some(LimitCertificate {
        kind: LimitCertificateKind::Limit,
        category: LimitCategory::E,
        issued_on: d("2026-04-01"),
        valid_from: d("2026-04-01"),
        valid_until: d("2026-07-31"),
    });
    for c in clinics_with("limit", vec![lost.clone(), current.clone()]).await {
        let check = |q| c.service.check_number(&c.facility, q, at(NOW));
        let valid = check(c.number("06139992", "2002", "1980-06-15", None)).await.expect("check");
        let limit = valid.coverages[0].member.limit_certificate.expect("limit answered");
        assert_eq!((limit.category.code(), limit.category.label_ja()), ("A04", "エ"), "{}", c.backend);
        let old = check(c.number("01130012", "1001", "1980-06-15", None)).await.expect("check");
        assert_eq!(old.validity, Validity::InvalidNewerExists, "{}", c.backend);
        assert_eq!(old.coverages[0].member.loss_reason, Some(LossReason::OtherInsurance), "{}", c.backend);
    }
}

/// 無効 (a coverage lost with nothing newer) and 複数該当 (twins under one
/// 記号・番号 asked without 枝番), by insured number and by card.
#[tokio::test]
async fn a_lost_coverage_is_invalid_and_twins_without_a_branch_are_multiple() {
    let lost = member("01130012", "1001", "2010-04-01", Some("2026-04-01"));
    let mut twin = member("01130012", "1001", "2010-04-01", None);
    twin.key.branch = onshi_domain::id::Branch::new(1).expect("branch");
    twin.relationship = Relationship::Dependent;
    twin.my_number = None;
    twin.attributes.name_kanji = "山田 次郎".into();
    for c in clinics_with("invmul", vec![lost, twin]).await {
        let name = c.backend;
        let mut query = c.number("01130012", "1001", "1980-06-15", None);
        let answer = c.service.check_number(&c.facility, query.clone(), at(NOW)).await.expect("check");
        assert_eq!(answer.validity, Validity::Multiple, "{name}");
        assert!(answer.coverages.is_empty(), "{name}: no record is chosen");
        query.branch = Some(onshi_domain::id::Branch::new(0).expect("branch"));
        let answer = c.service.check_number(&c.facility, query.clone(), at(NOW)).await.expect("check");
        assert_eq!((answer.validity, answer.validity.code()), (Validity::Invalid, 2), "{name}");
        query.branch = Some(onshi_domain::id::Branch::new(1).expect("branch"));
        let answer = c.service.check_number(&c.facility, query, at(NOW)).await.expect("check");
        assert_eq!(answer.validity, Validity::Valid, "{name}: the twin is covered");
        let card = c.card_query(at(NOW), None, BOTH).await;
        let answer = c.service.check_card(&c.facility, card, at(NOW)).await.expect("card check");
        assert_eq!(answer.validity, Validity::Invalid, "{name}: the card holder's only coverage was lost");
        assert!(!answer.medical_information_allowed, "{name}");
    }
}

/// Many checks at once share commits (group commit), and each one's consent
/// and log entry is written before it answers: after they all answered, the
/// month's tally counts every one of them and the consents are all there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_checks_are_each_recorded_before_they_answer() {
    use onshi_app::report::{self, Month};
    for c in clinics("group_commit").await {
        let name = c.backend;
        let person = c.store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        let mut queries = Vec::new();
        for _ in 0..24 {
            queries.push(c.card_query(at(NOW), None, BOTH).await);
        }
        let service = &c.service;
        let facility = &c.facility;
        let cards = queries.into_iter().map(|q| service.check_card(facility, q, at(NOW)));
        let numbers =
            (0..40).map(|_| service.check_number(facility, c.number("06139992", "2002", "1980-06-15", None), at(NOW)));
        let (cards, numbers) = tokio::join!(futures::future::join_all(cards), futures::future::join_all(numbers));
        assert!(cards.iter().all(Result::is_ok), "{name}: {cards:?}");
        assert!(numbers.iter().all(Result::is_ok), "{name}");
        let consents = c.store.consents_of_person(person).await.expect("read");
        assert_eq!(consents.len(), 24, "{name}: one consent per card check");
        let usage = report::usage(c.store.as_ref(), "2026-05".parse::<Month>().expect("month")).await.expect("report");
        let hospital = &usage.by_kind[0].1;
        assert_eq!((hospital.total, hospital.card, hospital.insured_number), (64, 24, 40), "{name}");
    }
}
