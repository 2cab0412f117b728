//! Medical information over the router, on SQLite and on PostgreSQL (when
//! `ONSHI_TEST_POSTGRES_URL` is set): a consent given at the reader lets a
//! facility read drug history for a day and no longer; emergency viewing at
//! a designated facility; the crew's emergency set; the person's access log
//! with its proof, checked by the test as a person would, and broken by
//! tampering with a stored row; a read refused when the log cannot be
//! written. [`World`] is also the matrix's ([`crate::matrix`]).

use std::path::PathBuf;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use onshi_app::jpki::Jpki;
use onshi_app::medical::AuditKey;
use onshi_app::oidc::ProviderKeys;
use onshi_domain::audit::{Access, entry_hash, head_message};
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{Branch, FacilityCode, FeeTable, MyNumber};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;
use onshi_pki::Authority;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_server::{AppState, Clock, TokenKey, router, secret_hash};
use onshi_store::Store;
use onshi_store::eligibility::FacilityClient;
use onshi_store::medical::{Crew, CrewClient, NewRecord, Staff};
use serde_json::{Value, json};
use tower::ServiceExt;

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

/// When the world is built and the cards issued: three days before [`NOW`].
pub(crate) const SETUP: &str = "2026-04-28T01:00:00Z";
/// The matrix's and the story's "now": 2026-05-01 10:00 JST.
pub(crate) const NOW: &str = "2026-05-01T01:00:00Z";

/// The provider's issuer (the portal's public URL) in the router tests.
pub(crate) const PORTAL_ISSUER: &str = "http://127.0.0.1:8080";
pub(crate) const SECRET: &str = "s3cret-s3cret-s3cret-s3cret-0123";
pub(crate) const CREW_CODE: &str = "131001";
pub(crate) const CREW_CLIENT: &str = "tokyo-fd-tablets";
pub(crate) const DOCTOR: &str = "doctor-1";
pub(crate) const REASON: &str = "意識障害のため同意取得不可";

/// The facilities of the world, by role. Each has a client `client-{n}`
/// and a doctor [`DOCTOR`]; only [`EMERGENCY`] is designated for emergency
/// viewing.
pub(crate) const WITH_CONSENT: u16 = 1;
pub(crate) const WITHOUT_CONSENT: u16 = 2;
pub(crate) const EXPIRED: u16 = 3;
pub(crate) const REVOKED: u16 = 4;
pub(crate) const OTHER: u16 = 5;
pub(crate) const EMERGENCY: u16 = 6;
pub(crate) const NOT_EMERGENCY: u16 = 7;
/// Holds the patient's consent, but the patient blocked it in the portal (閲覧拒否).
pub(crate) const BLOCKED: u16 = 8;

pub(crate) fn facility_code(serial: u16) -> String {
    FacilityCode::from_parts(13, FeeTable::Medical, 10, serial).expect("facility code").as_str().to_owned()
}

fn my_number(base: u64) -> MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

/// The residents: the patient every read is about, and another citizen.
pub(crate) const TARGET: u64 = 1;
pub(crate) const OTHER_CITIZEN: u64 = 2;

fn attributes(who: u64) -> FiveAttributes {
    let (kanji, kana, born) = match who {
        TARGET => ("山田 太郎", "ヤマダ タロウ", (1980, 6, 15)),
        _ => ("佐藤 花子", "サトウ ハナコ", (1975, 2, 3)),
    };
    FiveAttributes {
        name_kanji: kanji.into(),
        name_kana: kana.into(),
        birth_date: NaiveDate::from_ymd_opt(born.0, born.1, born.2).expect("date"),
        sex: if who == TARGET { Sex::Male } else { Sex::Female },
        address: "東京都八王子市元本郷町三丁目24番1号".into(),
    }
}

pub(crate) fn member_key(who: u64) -> MemberKey {
    MemberKey {
        insurer_number: "01130012".parse().expect("insurer"),
        symbol: "1234".parse().expect("symbol"),
        number: (if who == TARGET { "5678" } else { "9999" }).parse().expect("number"),
        branch: Branch::new(0).expect("branch"),
    }
}

/// The patient as a facility names them in a request.
pub(crate) fn member_json(who: u64) -> Value {
    json!({"insurer_number": "01130012", "symbol": "1234", "number": if who == TARGET { "5678" } else { "9999" }, "branch": "00"})
}

/// Every My Number of the world, as 12 digits, and with the separators
/// people write (`1234 5678 9012`, `1234-5678-9012`).
pub(crate) fn my_number_spellings() -> Vec<String> {
    [TARGET, OTHER_CITIZEN]
        .into_iter()
        .flat_map(|who| {
            let digits = my_number(who).as_str().to_owned();
            let (a, b, c) = (&digits[0..4], &digits[4..8], &digits[8..12]);
            vec![digits.clone(), format!("{a} {b} {c}"), format!("{a}-{b}-{c}")]
        })
        .collect()
}

/// Assert that no body answered to anyone contains a My Number.
pub(crate) fn assert_no_my_number(bodies: &[String]) {
    let spellings = my_number_spellings();
    for body in bodies {
        for number in &spellings {
            assert!(!body.contains(number.as_str()), "a My Number ({number}) reached an answer: {body}");
        }
    }
}

/// A database reached with raw SQL, beside the store: what no API can do.
pub(crate) enum Raw {
    Sqlite(PathBuf),
    Postgres { url: String, schema: String },
}

impl Raw {
    pub(crate) async fn execute(&self, sql: &str) {
        match self {
            Raw::Sqlite(path) => {
                let connection = rusqlite::Connection::open(path).expect("open the SQLite file");
                connection.execute_batch(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
            }
            Raw::Postgres { url, schema } => {
                use std::str::FromStr;
                let options = sqlx::postgres::PgConnectOptions::from_str(url)
                    .expect("ONSHI_TEST_POSTGRES_URL")
                    .options([("search_path", schema.as_str())]);
                let pool = sqlx::postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .connect_with(options)
                    .await
                    .expect("connect to PostgreSQL");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
                    .execute(&pool)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"));
                pool.close().await;
            }
        }
    }

    /// Alter entry `seq` of `person`'s log in place, past the append-only trigger.
    pub(crate) async fn tamper(&self, person: i64, seq: u64) {
        let update =
            format!("UPDATE access_log SET basis_ref = 'nothing happened' WHERE person_id = {person} AND seq = {seq};");
        match self {
            Raw::Sqlite(_) => self.execute(&format!("DROP TRIGGER access_log_no_update; {update}")).await,
            Raw::Postgres { .. } => {
                self.execute(&format!("ALTER TABLE access_log DISABLE TRIGGER access_log_no_change; {update}")).await
            }
        }
    }

    /// Make every append to the access log fail, as a full disk would.
    pub(crate) async fn break_the_log(&self) {
        match self {
            Raw::Sqlite(_) => {
                self.execute(
                    "CREATE TRIGGER access_log_broken BEFORE INSERT ON access_log \
                     BEGIN SELECT RAISE(ABORT, 'disk full'); END;",
                )
                .await
            }
            Raw::Postgres { .. } => {
                self.execute(
                    "CREATE FUNCTION access_log_broken() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'disk full'; END; $$; \
                     CREATE TRIGGER access_log_broken BEFORE INSERT ON access_log \
                     FOR EACH ROW EXECUTE FUNCTION access_log_broken();",
                )
                .await
            }
        }
    }
}

/// A platform with two citizens and their cards, seven facilities, a fire
/// department, and medical records of both citizens.
pub(crate) struct World {
    pub(crate) backend: &'static str,
    pub(crate) state: AppState,
    pub(crate) clock: Clock,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) raw: Raw,
    pub(crate) jpki: Arc<Jpki>,
    pub(crate) cards: Vec<onshi_card::CardFile>,
}

/// A world on each backend: an SQLite file, and PostgreSQL when
/// `ONSHI_TEST_POSTGRES_URL` is set.
pub(crate) async fn worlds(test: &str) -> Vec<World> {
    let dir = tempfile::tempdir().expect("tempdir").keep();
    let path = dir.join("onshi.db");
    let sqlite = onshi_store::open(&format!("sqlite://{}", path.display())).await.expect("file SQLite");
    sqlite.migrate().await.expect("migrate sqlite");
    let mut worlds = vec![World::build("sqlite", sqlite, Raw::Sqlite(path)).await];
    if let Ok(url) = std::env::var("ONSHI_TEST_POSTGRES_URL") {
        let schema = format!("t_server_{}_{}", test, std::process::id());
        let postgres = onshi_store::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("ONSHI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
        postgres.reset_schema_for_tests(&schema).await.expect("reset test schema");
        postgres.migrate().await.expect("migrate postgres");
        worlds.push(World::build("postgres", Arc::new(postgres), Raw::Postgres { url, schema }).await);
    }
    worlds
}

fn record(who: u64, kind: &str, on: &str, facility: &str, facility_name: &str, detail: Value) -> NewRecord {
    let prefix = if who == TARGET { "T" } else { "O" };
    let mut body = json!({"facility_code": facility, "facility_name": facility_name});
    if let (Some(body), Some(detail)) = (body.as_object_mut(), detail.as_object()) {
        body.extend(detail.clone());
    }
    NewRecord {
        kind: kind.into(),
        record_id: format!("{prefix}-{kind}-1"),
        key: member_key(who),
        on: NaiveDate::parse_from_str(on, "%Y-%m-%d").expect("date"),
        body: body.to_string(),
    }
}

impl World {
    async fn build(backend: &'static str, store: Arc<dyn Store>, raw: Raw) -> World {
        let setup = at(SETUP);
        let residents = [TARGET, OTHER_CITIZEN]
            .map(|who| Resident {
                resident_code: format!("{who:011}").parse().expect("resident code"),
                my_number: my_number(who),
                attributes: attributes(who),
            })
            .to_vec();
        store.upsert_residents(residents).await.expect("residents");
        let members = [TARGET, OTHER_CITIZEN]
            .map(|who| Member {
                key: member_key(who),
                relationship: Relationship::Insured,
                attributes: attributes(who),
                my_number: Some(my_number(who)),
                copay_ratio: CopayRatio::new(3).expect("copay"),
                acquired_on: NaiveDate::from_ymd_opt(2020, 4, 1).expect("date"),
                lost_on: None,
                loss_reason: None,
                limit_certificate: None,
                elderly_recipient: None,
                notified_on: None,
            })
            .to_vec();
        let outcome = store.upsert_members(members).await.expect("members");
        assert_eq!(outcome.linked, 2, "both members linked: {outcome:?}");
        let facilities: Vec<Facility> = (1..=BLOCKED)
            .map(|n| Facility {
                code: facility_code(n).parse().expect("code"),
                name: format!("八王子第{n}病院"),
                kind: FacilityKind::Hospital,
                address: "東京都八王子市".into(),
            })
            .collect();
        store.upsert_facilities(facilities).await.expect("facilities");
        for n in 1..=BLOCKED {
            store
                .insert_facility_client(FacilityClient {
                    client_id: format!("client-{n}"),
                    facility_code: facility_code(n),
                    secret_sha256: secret_hash(SECRET),
                    name: "電子カルテ".into(),
                    created_at: setup,
                    revoked_at: None,
                })
                .await
                .expect("client");
            store
                .upsert_staff(Staff {
                    facility_code: facility_code(n),
                    staff_id: DOCTOR.into(),
                    name: "八王子 一郎".into(),
                    qualification: "doctor".into(),
                    created_at: setup,
                    revoked_at: None,
                })
                .await
                .expect("staff");
        }
        store.set_emergency_facility(&facility_code(EMERGENCY), true, setup, "operator").await.expect("designate");
        store
            .upsert_crew(Crew { crew_code: CREW_CODE.into(), name: "東京消防庁".into(), created_at: setup })
            .await
            .expect("crew");
        store
            .insert_crew_client(CrewClient {
                client_id: CREW_CLIENT.into(),
                crew_code: CREW_CODE.into(),
                secret_sha256: secret_hash(SECRET),
                name: "救急隊タブレット".into(),
                created_at: setup,
                revoked_at: None,
            })
            .await
            .expect("crew client");
        let seen_at = facility_code(WITH_CONSENT);
        let records = vec![
            record(TARGET, "drug", "2026-03-01", &seen_at, "八王子第1病院", json!({"drug_name": "アムロジピン錠5mg"})),
            record(TARGET, "clinical", "2026-03-01", &seen_at, "八王子第1病院", json!({"diagnosis": "高血圧症"})),
            record(TARGET, "checkup", "2025-10-01", "1311000990", "八王子健診センター", json!({"hba1c": 5.6})),
            record(TARGET, "expense", "2026-03-01", &seen_at, "八王子第1病院", json!({"total_yen": 4200})),
            record(
                OTHER_CITIZEN,
                "drug",
                "2026-02-01",
                "1311000982",
                "日野診療所",
                json!({"drug_name": "ロキソプロフェン錠60mg"}),
            ),
            record(OTHER_CITIZEN, "expense", "2026-02-01", "1311000982", "日野診療所", json!({"total_yen": 1500})),
        ];
        let outcome = store.upsert_medical_records(records, setup).await.expect("records");
        assert!(outcome.rejected.is_empty(), "{outcome:?}");

        let clock = Clock::manual(setup);
        let jpki =
            Arc::new(Jpki::new(store.clone(), Authority::create(setup).expect("ca"), "http://x/jpki").expect("jpki"));
        let mut cards = Vec::new();
        for who in [TARGET, OTHER_CITIZEN] {
            let pins = onshi_card::Pins {
                auth_pin: "1234".into(),
                sign_password: "abc123".into(),
                support_pin: "5678".into(),
            };
            cards.push(jpki.issue_card(&format!("{who:011}"), Some(pins), setup).await.expect("card").file);
        }
        let (key, _) = AuditKey::generate().expect("audit key");
        let state = AppState::new(store.clone())
            .with_clock(clock.clone())
            .with_audit_key(Arc::new(key))
            .with_jpki(jpki.clone(), None)
            .with_token_key(TokenKey::new(b"test token key, 32 bytes long!!!"))
            .with_oidc(Arc::new(ProviderKeys::generate().expect("provider keys").0), PORTAL_ISSUER)
            .with_admin_token(Some(crate::ADMIN_TOKEN.to_owned()))
            // The matrix sends many refused requests on purpose.
            .with_throttle(onshi_server::throttle::Throttle::new(100_000, std::time::Duration::from_secs(1)));
        World { backend, state, clock, store, raw, jpki, cards }
    }

    pub(crate) fn card(&self, who: u64) -> &onshi_card::CardFile {
        &self.cards[if who == TARGET { 0 } else { 1 }]
    }

    /// The platform's person id of a resident.
    pub(crate) async fn person(&self, who: u64) -> onshi_store::PersonId {
        let code = format!("{who:011}").parse().expect("resident code");
        self.store.resident_by_code(&code).await.expect("read").expect("resident").person_id
    }

    pub(crate) fn certificate(&self, who: u64) -> String {
        STANDARD.encode(&self.card(who).jpki.auth.certificate)
    }

    /// Status and body text.
    pub(crate) async fn send(&self, request: Request<Body>) -> (StatusCode, String) {
        let response = router(self.state.clone()).oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 22).await.expect("body");
        (status, String::from_utf8(bytes.to_vec()).expect("UTF-8"))
    }

    pub(crate) async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, String) {
        let mut request = Request::builder().method(method).uri(path);
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let body = match body {
            Some(json) => {
                request = request.header("content-type", "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(request.body(body).expect("request")).await
    }

    pub(crate) async fn json(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let (status, text) = self.call(method, path, token, body).await;
        (status, serde_json::from_str(&text).unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}")))
    }

    /// An access token from `/oauth/token` for a client.
    pub(crate) async fn client_token(&self, client: &str) -> String {
        let basic = STANDARD.encode(format!("{client}:{SECRET}"));
        let (status, text) = self
            .send(
                Request::post("/oauth/token")
                    .header("authorization", format!("Basic {basic}"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from("grant_type=client_credentials"))
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let body: Value = serde_json::from_str(&text).expect("JSON");
        body["access_token"].as_str().expect("token").to_owned()
    }

    pub(crate) async fn facility_token(&self, serial: u16) -> String {
        self.client_token(&format!("client-{serial}")).await
    }

    /// The card's answer to a fresh challenge (its PIN entered).
    pub(crate) async fn signed_challenge(&self, who: u64) -> Value {
        let (status, challenge) = self.json("POST", "/jpki/challenges", None, None).await;
        assert_eq!(status, StatusCode::CREATED, "{challenge}");
        let nonce = STANDARD.decode(challenge["challenge"].as_str().expect("challenge")).expect("base64");
        let signature =
            sign_digest_info(&self.card(who).jpki.auth.key_pkcs8, &sha256_digest_info(&nonce)).expect("sign");
        json!({
            "challenge_id": challenge["challenge_id"],
            "certificate": self.certificate(who),
            "signature": STANDARD.encode(signature),
        })
    }

    /// `POST /citizen/sign-in` with the card.
    pub(crate) async fn citizen_sign_in(&self, who: u64) -> (StatusCode, Value) {
        let answer = self.signed_challenge(who).await;
        self.json("POST", "/citizen/sign-in", None, Some(answer)).await
    }

    pub(crate) async fn citizen_token(&self, who: u64) -> String {
        let (status, body) = self.citizen_sign_in(who).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body["access_token"].as_str().expect("token").to_owned()
    }

    /// A card check at the reader with a signed challenge and consent to
    /// `categories` (診療・薬剤情報, 特定健診等情報).
    pub(crate) async fn card_check(&self, serial: u16, who: u64, clinical_drug: bool, checkup: bool) -> Value {
        let token = self.facility_token(serial).await;
        let mut body = self.signed_challenge(who).await;
        body["consent"] = json!({"clinical_drug": clinical_drug, "checkup": checkup});
        let (status, answer) = self.json("POST", "/facility/eligibility/card", Some(&token), Some(body)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(answer["medical_information_allowed"], true, "{answer}");
        answer
    }
}

fn facility_read(who: u64) -> Value {
    let mut body = member_json(who);
    body["staff_id"] = DOCTOR.into();
    body
}

fn emergency_request() -> Value {
    json!({"staff_id": DOCTOR, "reason": REASON, "patient": member_json(TARGET)})
}

fn record_ids(body: &Value) -> Vec<String> {
    body["records"]
        .as_array()
        .map(|records| records.iter().map(|r| r["record_id"].as_str().unwrap_or_default().to_owned()).collect())
        .unwrap_or_default()
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

/// What a person does with `/me/access-log` and the public key: recompute
/// every entry's hash from the fields shown, chain them, and check the
/// head's signature. `Err` names what fails.
fn check_as_a_person(log: &Value, public_key: &[u8]) -> Result<(), String> {
    let person = log["person_id"].as_i64().ok_or("no person_id")?;
    let mut prev = [0u8; 32];
    for entry in log["entries"].as_array().ok_or("no entries")? {
        let text = |field: &str| entry[field].as_str().unwrap_or_default().to_owned();
        let access = Access {
            person,
            at: text("at").parse().map_err(|e| format!("at: {e}"))?,
            actor_kind: text("actor_kind"),
            actor_id: text("actor_id"),
            staff_id: text("staff_id"),
            member_id: entry["member_id"].as_i64(),
            category: text("category"),
            purpose: text("purpose"),
            basis: text("basis"),
            basis_ref: text("basis_ref"),
        };
        let seq = entry["seq"].as_u64().ok_or("no seq")?;
        if hex_bytes(&text("prev_hash")) != prev {
            return Err(format!("entry {seq} does not follow its predecessor"));
        }
        let hash = entry_hash(seq, &access, &prev);
        if hash.to_vec() != hex_bytes(&text("hash")) {
            return Err(format!("entry {seq} does not hash to what it says"));
        }
        prev = hash;
    }
    let head = &log["head"];
    if hex_bytes(head["hash"].as_str().ok_or("no head")?) != prev {
        return Err("the head is not the last entry".into());
    }
    let message = head_message(person, head["seq"].as_u64().ok_or("no head seq")?, &prev);
    let signature = STANDARD.decode(head["signature"].as_str().ok_or("no signature")?).map_err(|e| e.to_string())?;
    aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::ED25519, public_key)
        .verify(&message, &signature)
        .map_err(|_| "the head's signature does not verify".to_owned())
}

/// The story of the issue: reader consent → drug history; the next day →
/// denied; emergency view with a reason → allowed, logged as emergency;
/// the crew sees the emergency set only; the person's log lists each read
/// with its basis and verifies, by the server and by the person; a row
/// altered in the database breaks both the person's and the operator's
/// verification.
#[tokio::test]
async fn consent_then_expiry_then_emergency_then_crew_all_logged_and_tampering_is_caught() {
    for w in worlds("story").await {
        let backend = w.backend;
        let mut bodies = Vec::new();
        w.clock.set(at(NOW));
        let answer = w.card_check(WITH_CONSENT, TARGET, true, false).await;
        assert_eq!(answer["consent_categories"], json!(["clinical_drug"]), "{backend}: {answer}");
        bodies.push(answer.to_string());

        let token = w.facility_token(WITH_CONSENT).await;
        let (status, drugs) =
            w.json("POST", "/facility/medical/drugs", Some(&token), Some(facility_read(TARGET))).await;
        assert_eq!(status, StatusCode::OK, "{backend}: {drugs}");
        assert_eq!(
            (drugs["basis"].as_str(), drugs["basis_label"].as_str()),
            (Some("consent"), Some("同意に基づく閲覧"))
        );
        assert!(drugs["consent_id"].as_i64().is_some(), "{drugs}");
        assert_eq!(record_ids(&drugs), ["T-drug-1"], "{backend}: {drugs}");
        assert_eq!(drugs["records"][0]["body"]["drug_name"], "アムロジピン錠5mg", "the stored body, parsed");
        assert_eq!(drugs["records"][0]["date"], "2026-03-01");
        bodies.push(drugs.to_string());
        // Checkups were not consented to.
        let (status, refused) =
            w.json("POST", "/facility/medical/checkups", Some(&token), Some(facility_read(TARGET))).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_consent")), "{refused}");

        // The next day: the consent (24 hours) has expired.
        w.clock.set(at("2026-05-02T01:30:00Z"));
        let token = w.facility_token(WITH_CONSENT).await;
        let (status, refused) =
            w.json("POST", "/facility/medical/drugs", Some(&token), Some(facility_read(TARGET))).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("no_consent")),
            "{backend}: {refused}"
        );
        assert!(refused.get("records").is_none(), "{refused}");

        // 救急時医療情報閲覧 at the designated facility, by the card read without PIN.
        let emergency_token = w.facility_token(EMERGENCY).await;
        let by_card = json!({"staff_id": DOCTOR, "reason": REASON, "patient": {"certificate": w.certificate(TARGET)}});
        let (status, emergency) =
            w.json("POST", "/facility/medical/emergency", Some(&emergency_token), Some(by_card)).await;
        assert_eq!(status, StatusCode::OK, "{backend}: {emergency}");
        assert_eq!((emergency["basis"].as_str(), emergency["reason"].as_str()), (Some("emergency"), Some(REASON)));
        let mut ids = record_ids(&emergency);
        ids.sort();
        assert_eq!(ids, ["T-checkup-1", "T-clinical-1", "T-drug-1"], "no expenses: {emergency}");
        bodies.push(emergency.to_string());
        // Without a reason, or at a facility not designated: refused.
        let (status, refused) = w
            .json(
                "POST",
                "/facility/medical/emergency",
                Some(&emergency_token),
                Some(json!({"staff_id": DOCTOR, "reason": " ", "patient": member_json(TARGET)})),
            )
            .await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request")));
        assert!(refused["message"].as_str().unwrap_or_default().contains("reason"), "{refused}");
        let other_token = w.facility_token(NOT_EMERGENCY).await;
        let (status, refused) =
            w.json("POST", "/facility/medical/emergency", Some(&other_token), Some(emergency_request())).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("not_emergency_facility")));

        // マイナ救急: the emergency set and nothing else.
        let crew_token = w.client_token(CREW_CLIENT).await;
        let read =
            json!({"certificate": w.certificate(TARGET), "crew_member": "救急隊員 佐々木", "incident": "R8-0502-0042"});
        let (status, set) = w.json("POST", "/crew/emergency-set", Some(&crew_token), Some(read)).await;
        assert_eq!(status, StatusCode::OK, "{backend}: {set}");
        let mut keys: Vec<&str> = set.as_object().expect("object").keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["address", "birth_date", "checkups", "clinical", "drugs", "facilities", "name_kana", "name_kanji"]
        );
        assert_eq!((set["name_kanji"].as_str(), set["birth_date"].as_str()), (Some("山田 太郎"), Some("1980-06-15")));
        assert_eq!(set["facilities"], json!([{"code": facility_code(WITH_CONSENT), "name": "八王子第1病院"}]));
        assert_eq!(set["drugs"][0]["record_id"], "T-drug-1");
        for record in ["clinical", "drugs", "checkups"].iter().flat_map(|k| set[k].as_array().expect("records")) {
            let mut fields: Vec<&str> = record.as_object().expect("record").keys().map(String::as_str).collect();
            fields.sort_unstable();
            assert_eq!(fields, ["body", "date", "kind", "record_id"], "no insurer or member: {record}");
        }
        assert!(!set.to_string().contains("01130012"), "no insurer number: {set}");
        bodies.push(set.to_string());

        // The person's log: each read with its basis, verified.
        let me = w.citizen_token(TARGET).await;
        let (status, log) = w.json("GET", "/me/access-log", Some(&me), None).await;
        assert_eq!(status, StatusCode::OK, "{backend}: {log}");
        let seen: Vec<(String, String, String)> = log["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|e| {
                let s = |k: &str| e[k].as_str().unwrap_or_default().to_owned();
                (s("actor_kind"), s("category"), s("basis"))
            })
            .collect();
        let expected: Vec<(String, String, String)> = [
            ("facility", "drug", "consent"),
            ("facility", "drug", "emergency"),
            ("facility", "clinical", "emergency"),
            ("facility", "checkup", "emergency"),
            ("crew", "emergency_set", "crew"),
        ]
        .iter()
        .map(|(a, c, b)| ((*a).to_owned(), (*c).to_owned(), (*b).to_owned()))
        .collect();
        assert_eq!(seen, expected, "{backend}: {log}");
        assert_eq!(log["entries"][0]["actor_id"], facility_code(WITH_CONSENT));
        assert_eq!(log["entries"][0]["basis_ref"], drugs["consent_id"].to_string());
        assert_eq!(log["entries"][0]["actor_label"], "医療機関・薬局");
        assert_eq!(log["entries"][1]["basis_label"], "救急時医療情報閲覧（同意なし）");
        assert_eq!(log["entries"][1]["basis_ref"], REASON);
        assert_eq!(
            (log["entries"][4]["actor_label"].as_str(), log["entries"][4]["basis_label"].as_str()),
            (Some("救急隊"), Some("マイナ救急"))
        );
        assert_eq!(log["entries"][4]["staff_id"], "救急隊員 佐々木");
        assert_eq!((log["verified"].as_bool(), log["problem"].as_str()), (Some(true), None), "{log}");
        assert_eq!(log["head"]["seq"], 5);
        bodies.push(log.to_string());

        // The person checks it themself, with the published key.
        let (status, key) = w.json("GET", "/access-log/public-key", None, None).await;
        assert_eq!(status, StatusCode::OK, "{key}");
        assert_eq!(key["algorithm"], "Ed25519");
        let public_key = STANDARD.decode(key["public_key"].as_str().expect("key")).expect("base64");
        assert_eq!(public_key.len(), 32);
        assert_eq!(log["head"]["public_key"], key["public_key"]);
        check_as_a_person(&log, &public_key).unwrap_or_else(|e| panic!("{backend}: {e}: {log}"));
        let (status, report) = w.json("GET", "/admin/access-log/verify", Some(crate::ADMIN_TOKEN), None).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(
            (report["ok"].as_bool(), report["people"].as_u64(), report["entries"].as_u64()),
            (Some(true), Some(1), Some(5))
        );

        // Someone with the database rewrites the emergency read's reason.
        let person = log["person_id"].as_i64().expect("person");
        w.raw.tamper(person, 2).await;
        let (status, log) = w.json("GET", "/me/access-log", Some(&me), None).await;
        assert_eq!(status, StatusCode::OK, "{log}");
        assert_eq!(log["verified"], false, "{backend}: {log}");
        let problem = log["problem"].as_str().expect("problem");
        assert!(problem.contains("entry 2"), "{backend}: {problem}");
        assert!(check_as_a_person(&log, &public_key).is_err(), "the person sees it too");
        let (status, report) = w.json("GET", "/admin/access-log/verify", Some(crate::ADMIN_TOKEN), None).await;
        assert_eq!(status, StatusCode::OK, "{report}");
        assert_eq!(report["ok"], false, "{backend}: {report}");
        assert_eq!(report["failures"][0]["person_id"], person);
        assert!(report["failures"][0]["problem"].as_str().unwrap_or_default().contains("entry 2"), "{report}");
        bodies.push(log.to_string());
        bodies.push(report.to_string());
        assert_no_my_number(&bodies);
    }
}

/// Nothing is answered that is not logged: with the access log unwritable,
/// every read is refused with 503 and carries no record.
#[tokio::test]
async fn a_read_is_refused_when_the_access_log_cannot_be_written() {
    for w in worlds("log_down").await {
        w.clock.set(at(NOW));
        w.card_check(WITH_CONSENT, TARGET, true, true).await;
        let token = w.facility_token(WITH_CONSENT).await;
        let crew = w.client_token(CREW_CLIENT).await;
        let me = w.citizen_token(TARGET).await;
        w.raw.break_the_log().await;
        let crew_read = json!({"certificate": w.certificate(TARGET), "crew_member": "隊員", "incident": "R8-1"});
        let emergency_token = w.facility_token(EMERGENCY).await;
        let attempts = [
            ("POST", "/facility/medical/drugs", token.as_str(), Some(facility_read(TARGET))),
            ("POST", "/facility/medical/emergency", emergency_token.as_str(), Some(emergency_request())),
            ("POST", "/crew/emergency-set", crew.as_str(), Some(crew_read)),
            ("GET", "/me/medical/drugs", me.as_str(), None),
        ];
        for (method, path, token, body) in attempts {
            let (status, text) = w.call(method, path, Some(token), body).await;
            assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{} {path}: {text}", w.backend);
            let body: Value = serde_json::from_str(&text).expect("JSON");
            assert_eq!(body["code"], "access_log_unavailable", "{text}");
            assert!(!text.contains("T-drug-1") && !text.contains("山田") && !text.contains("disk full"), "{text}");
        }
        let (_, log) = w.json("GET", "/me/access-log", Some(&me), None).await;
        assert_eq!(log["entries"], json!([]), "nothing logged, nothing shown: {log}");
    }
}

/// What the client sends never widens access: unknown fields (a `consent`
/// claim, `categories`) are refused naming them; a revoked consent stops
/// the facility at once; a certificate in its grace gets no portal token.
#[tokio::test]
async fn the_client_cannot_widen_access_and_revocation_takes_effect_at_once() {
    for w in worlds("widen").await {
        let backend = w.backend;
        w.clock.set(at(NOW));
        let token = w.facility_token(WITHOUT_CONSENT).await;
        for extra in ["consent", "categories"] {
            let mut body = facility_read(TARGET);
            body[extra] = if extra == "consent" { json!(true) } else { json!(["clinical_drug"]) };
            let (status, refused) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(body)).await;
            assert_eq!((status, refused["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_request")));
            assert!(refused["message"].as_str().unwrap_or_default().contains(extra), "{backend}: {refused}");
        }
        let (status, refused) =
            w.json("POST", "/facility/medical/drugs", Some(&token), Some(json!({"insurer_number": "01130012"}))).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(
            refused["message"].as_str().unwrap_or_default().contains("symbol"),
            "the missing field is named: {refused}"
        );
        let (status, refused) =
            w.json("POST", "/facility/medical/x-rays", Some(&token), Some(facility_read(TARGET))).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_category")));
        let mut stranger = facility_read(TARGET);
        stranger["staff_id"] = "clerk-9".into();
        let (status, refused) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(stranger)).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("unknown_staff")));

        // Consent given, read, revoked by the patient: refused from then on.
        w.card_check(WITHOUT_CONSENT, TARGET, true, true).await;
        let (status, _) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(facility_read(TARGET))).await;
        assert_eq!(status, StatusCode::OK);
        let me = w.citizen_token(TARGET).await;
        let (status, consents) = w.json("GET", "/me/consents", Some(&me), None).await;
        assert_eq!(status, StatusCode::OK, "{consents}");
        let consent = &consents["consents"][0];
        assert_eq!((consent["status"].as_str(), consent["status_label"].as_str()), (Some("granted"), Some("同意中")));
        assert_eq!(consent["facility"]["code"], facility_code(WITHOUT_CONSENT));
        assert_eq!(consent["facility"]["name"], "八王子第2病院");
        assert_eq!(consent["categories"][0]["label"], "診療・薬剤情報");
        assert_eq!(consent["purpose"], "treatment");
        let id = consent["id"].as_i64().expect("id");
        let (status, revoked) = w.json("POST", &format!("/me/consents/{id}/revoke"), Some(&me), None).await;
        assert_eq!((status, revoked["status"].as_str()), (StatusCode::OK, Some("revoked")), "{backend}: {revoked}");
        let (status, refused) =
            w.json("POST", "/facility/medical/drugs", Some(&token), Some(facility_read(TARGET))).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_consent")));
        // Another citizen cannot revoke it, nor learn it exists.
        let other = w.citizen_token(OTHER_CITIZEN).await;
        let (status, refused) = w.json("POST", &format!("/me/consents/{id}/revoke"), Some(&other), None).await;
        assert_eq!((status, refused["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_consent")));

        // Past the certificate's expiry (the 5th birthday after issue: 2030-06-15), in its grace: no token.
        w.clock.set(at("2030-07-01T00:00:00Z"));
        let (status, refused) = w.citizen_sign_in(TARGET).await;
        assert_eq!(
            (status, refused["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("certificate_in_grace")),
            "{backend}: {refused}"
        );
    }
}

/// The medical routes need both the JPKI service and the audit key, in
/// either order; without them they say so.
#[tokio::test]
async fn the_medical_routes_need_the_jpki_service_and_the_audit_key_in_either_order() {
    let w = worlds("setup").await.remove(0);
    let (key, _) = AuditKey::generate().expect("key");
    let key = Arc::new(key);
    let bare = AppState::new(w.store.clone());
    assert!(bare.clone().with_audit_key(key.clone()).medical().is_none());
    assert!(bare.clone().with_jpki(w.jpki.clone(), None).medical().is_none());
    assert!(bare.clone().with_audit_key(key.clone()).with_jpki(w.jpki.clone(), None).medical().is_some());
    assert!(bare.clone().with_jpki(w.jpki.clone(), None).with_audit_key(key).medical().is_some());

    let without = World {
        state: AppState::new(w.store.clone())
            .with_clock(w.clock.clone())
            .with_jpki(w.jpki.clone(), None)
            .with_token_key(TokenKey::new(b"test token key, 32 bytes long!!!"))
            .with_admin_token(Some(crate::ADMIN_TOKEN.to_owned())),
        ..w
    };
    let token = without.facility_token(WITH_CONSENT).await;
    let (status, body) =
        without.json("POST", "/facility/medical/drugs", Some(&token), Some(facility_read(TARGET))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("medical_api_disabled")));
    let (status, body) = without.json("GET", "/access-log/public-key", None, None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("medical_api_disabled")));
    let (status, body) = without.json("GET", "/admin/access-log/verify", Some(crate::ADMIN_TOKEN), None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::SERVICE_UNAVAILABLE, Some("medical_api_disabled")));
}

/// A fire department's client gets a token for `/crew` only; a revoked
/// client gets none, and its tokens stop working.
#[tokio::test]
async fn a_crew_token_opens_crew_routes_only_and_a_revoked_client_gets_none() {
    let w = worlds("crew").await.remove(0);
    w.clock.set(at(NOW));
    let crew = w.client_token(CREW_CLIENT).await;
    assert!(crew.starts_with(&format!("v1.crew-{CREW_CODE}.")), "{crew}");
    let (status, body) = w.json("POST", "/facility/eligibility/insured-number", Some(&crew), Some(json!({}))).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")), "{body}");
    let facility = w.facility_token(WITH_CONSENT).await;
    let read = json!({"certificate": w.certificate(TARGET), "crew_member": "隊員", "incident": "R8-1"});
    let (status, body) = w.json("POST", "/crew/emergency-set", Some(&facility), Some(read.clone())).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")), "{body}");

    w.raw
        .execute(&format!(
            "UPDATE crew_clients SET revoked_at = '2026-05-01T00:30:00.000Z' WHERE client_id = '{CREW_CLIENT}'"
        ))
        .await;
    let (status, body) = w.json("POST", "/crew/emergency-set", Some(&crew), Some(read)).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("unknown_crew")), "{body}");
    let basic = STANDARD.encode(format!("{CREW_CLIENT}:{SECRET}"));
    let (status, text) = w
        .send(
            Request::post("/oauth/token")
                .header("authorization", format!("Basic {basic}"))
                .body(Body::from("grant_type=client_credentials"))
                .expect("request"),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    assert!(text.contains("invalid_client"), "{text}");
}

/// Never for a member whose link is held by the inspection (紐付け点検中),
/// whatever the door; never for a card whose certificate is in its
/// post-expiry grace, even with a consent given at the reader then.
#[tokio::test]
async fn a_suspended_link_or_a_certificate_in_grace_shows_nothing() {
    for w in worlds("held").await {
        let backend = w.backend;
        w.clock.set(at(NOW));
        w.card_check(OTHER, OTHER_CITIZEN, true, true).await;
        let member = w.store.member_by_key(&member_key(OTHER_CITIZEN)).await.expect("read").expect("member");
        let suspension = onshi_store::inspection::NewSuspension {
            member_id: member.member_id,
            person_id: member.person_id.expect("linked"),
            insurer_number: member_key(OTHER_CITIZEN).insurer_number,
            reasons: vec!["birth_date:other".into()],
        };
        assert_eq!(w.store.suspend_links(vec![suspension], at(NOW)).await.expect("suspend"), 1);
        let token = w.facility_token(OTHER).await;
        let (status, body) =
            w.json("POST", "/facility/medical/drugs", Some(&token), Some(facility_read(OTHER_CITIZEN))).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("linkage_under_inspection")),
            "{backend}: {body}"
        );
        let emergency_token = w.facility_token(EMERGENCY).await;
        let by_card =
            json!({"staff_id": DOCTOR, "reason": REASON, "patient": {"certificate": w.certificate(OTHER_CITIZEN)}});
        let (status, body) = w.json("POST", "/facility/medical/emergency", Some(&emergency_token), Some(by_card)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("linkage_under_inspection")));
        let crew = w.client_token(CREW_CLIENT).await;
        let read = json!({"certificate": w.certificate(OTHER_CITIZEN), "crew_member": "隊員", "incident": "R8-2"});
        let (status, body) = w.json("POST", "/crew/emergency-set", Some(&crew), Some(read)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("linkage_under_inspection")));
        // The person's own view keeps the held records quarantined too.
        let me = w.citizen_token(OTHER_CITIZEN).await;
        let (status, body) = w.json("GET", "/me/medical/drugs", Some(&me), None).await;
        assert_eq!((status, body["records"].clone()), (StatusCode::OK, json!([])), "{backend}: {body}");

        // The patient's certificate expired on 2030-06-15; in its grace the
        // reader still answers eligibility, and its consent lets nobody view.
        w.clock.set(at("2030-07-01T00:00:00Z"));
        let token = w.facility_token(WITH_CONSENT).await;
        let check = json!({"verification": "face", "certificate": w.certificate(TARGET), "consent": {"clinical_drug": true, "checkup": true}});
        let (status, answer) = w.json("POST", "/facility/eligibility/card", Some(&token), Some(check)).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        assert_eq!(
            (answer["certificate_validity"].as_str(), answer["medical_information_allowed"].as_bool()),
            (Some("within_grace"), Some(false)),
            "{answer}"
        );
        let (status, body) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(facility_read(TARGET))).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("certificate_in_grace")),
            "{backend}: {body}"
        );
        let read = json!({"certificate": w.certificate(TARGET), "crew_member": "隊員", "incident": "R12-1"});
        let (status, body) =
            w.json("POST", "/crew/emergency-set", Some(&w.client_token(CREW_CLIENT).await), Some(read)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("certificate_in_grace")), "{body}");
    }
}
