//! `/oauth/token` and `/facility/eligibility/*` over the router: client
//! credentials, a card check with its consent, an insured-number check,
//! the refusals with their codes, and the throttling of a client that
//! sends garbage.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use onshi_app::eligibility::{ConsentChoice, offline_visit_message};
use onshi_app::jpki::Jpki;
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{FacilityCode, FeeTable};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;
use onshi_pki::Authority;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_server::{AppState, Clock, TokenKey, router, secret_hash};
use onshi_store::eligibility::FacilityClient;
use tower::ServiceExt;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn attributes() -> FiveAttributes {
    FiveAttributes {
        name_kanji: "山田 太郎".into(),
        name_kana: "ヤマダ タロウ".into(),
        birth_date: NaiveDate::from_ymd_opt(1980, 6, 15).expect("date"),
        sex: Sex::Male,
        address: "東京都八王子市元本郷町三丁目24番1号".into(),
    }
}

struct Clinic {
    state: AppState,
    clock: Clock,
    card: onshi_card::CardFile,
    store: Arc<dyn onshi_store::Store>,
    jpki: Arc<Jpki>,
}

const SECRET: &str = "s3cret-s3cret-s3cret-s3cret-0123";

async fn clinic() -> Clinic {
    let store = onshi_store::open("sqlite::memory:").await.expect("store");
    store.migrate().await.expect("migrate");
    let digits: Vec<u8> = "00000000001".bytes().map(|b| b - b'0').collect();
    let my_number = onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"));
    store
        .upsert_residents(vec![Resident {
            resident_code: "00000000001".parse().expect("code"),
            my_number: my_number.clone(),
            attributes: attributes(),
        }])
        .await
        .expect("resident");
    store
        .upsert_members(vec![Member {
            key: MemberKey {
                insurer_number: "01130012".parse().expect("insurer"),
                symbol: "1234".parse().expect("symbol"),
                number: "5678".parse().expect("number"),
                branch: onshi_domain::id::Branch::new(0).expect("branch"),
            },
            relationship: Relationship::Insured,
            attributes: attributes(),
            my_number: Some(my_number),
            copay_ratio: CopayRatio::new(3).expect("copay"),
            acquired_on: NaiveDate::from_ymd_opt(2020, 4, 1).expect("date"),
            lost_on: None,
            loss_reason: None,
            limit_certificate: None,
            elderly_recipient: None,
            notified_on: None,
        }])
        .await
        .expect("member");
    let facility = Facility {
        code: FacilityCode::from_parts(13, FeeTable::Medical, 10, 1).expect("code"),
        name: "八王子中央病院".into(),
        kind: FacilityKind::Hospital,
        address: "東京都八王子市".into(),
    };
    store.upsert_facilities(vec![facility.clone()]).await.expect("facility");
    store
        .insert_facility_client(FacilityClient {
            client_id: "rececon-1".into(),
            facility_code: facility.code.as_str().to_owned(),
            secret_sha256: secret_hash(SECRET),
            name: "レセコン".into(),
            created_at: at("2026-04-01T00:00:00Z"),
            revoked_at: None,
        })
        .await
        .expect("client");
    let clock = Clock::manual(at("2026-05-01T01:00:00Z"));
    let jpki =
        Arc::new(Jpki::new(store.clone(), Authority::create(clock.now()).expect("ca"), "http://x/jpki").expect("jpki"));
    let pins = onshi_card::Pins { auth_pin: "1234".into(), sign_password: "abc123".into(), support_pin: "5678".into() };
    let card = jpki.issue_card("00000000001", Some(pins), clock.now()).await.expect("card").file;
    let state = AppState::new(store.clone())
        .with_clock(clock.clone())
        .with_jpki(jpki.clone(), None)
        .with_token_key(TokenKey::new(b"test token key, 32 bytes long!!!"));
    Clinic { state, clock, card, store, jpki }
}

impl Clinic {
    async fn send(&self, request: Request<Body>) -> (StatusCode, serde_json::Value) {
        let response = router(self.state.clone()).oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        (status, serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null))
    }

    async fn token(&self) -> String {
        self.token_of("rececon-1").await
    }

    async fn token_of(&self, client: &str) -> String {
        let basic = STANDARD.encode(format!("{client}:{SECRET}"));
        let (status, body) = self
            .send(
                Request::post("/oauth/token")
                    .header("authorization", format!("Basic {basic}"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from("grant_type=client_credentials"))
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["token_type"], "Bearer");
        body["access_token"].as_str().expect("token").to_owned()
    }

    async fn post(&self, path: &str, token: &str, json: serde_json::Value) -> (StatusCode, serde_json::Value) {
        self.send(
            Request::post(path)
                .header("authorization", format!("Bearer {token}"))
                .header("content-type", "application/json")
                .body(Body::from(json.to_string()))
                .expect("request"),
        )
        .await
    }

    async fn card_check(&self, token: &str, visit: Option<&str>) -> (StatusCode, serde_json::Value) {
        let (_, challenge) = self.send(Request::post("/jpki/challenges").body(Body::empty()).expect("request")).await;
        let nonce = STANDARD.decode(challenge["challenge"].as_str().expect("challenge")).expect("base64");
        let signature = sign_digest_info(&self.card.jpki.auth.key_pkcs8, &sha256_digest_info(&nonce)).expect("sign");
        let mut body = serde_json::json!({
            "challenge_id": challenge["challenge_id"],
            "certificate": STANDARD.encode(&self.card.jpki.auth.certificate),
            "signature": STANDARD.encode(signature),
            "consent": { "clinical_drug": true, "checkup": false },
        });
        if let Some(visit) = visit {
            body["visit_date"] = visit.into();
        }
        self.post("/facility/eligibility/card", token, body).await
    }
}

#[tokio::test]
async fn client_credentials_give_a_token_and_wrong_ones_do_not() {
    let c = clinic().await;
    c.token().await;
    let (status, body) = c
        .send(
            Request::post("/oauth/token")
                .body(Body::from("grant_type=client_credentials&client_id=rececon-1&client_secret=wrong"))
                .expect("request"),
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_client")));
    let (status, body) =
        c.send(Request::post("/oauth/token").body(Body::from("grant_type=password")).expect("request")).await;
    assert_eq!((status, body["error"].as_str()), (StatusCode::BAD_REQUEST, Some("unsupported_grant_type")));
    let (status, body) = c.post("/facility/eligibility/insured-number", "v1.x.y.0.zz", serde_json::json!({})).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")));
}

#[tokio::test]
async fn a_card_check_answers_the_coverage_and_the_token_expires() {
    let c = clinic().await;
    let token = c.token().await;
    let (status, body) = c.card_check(&token, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["validity"]["code"], 1);
    assert_eq!(body["validity"]["label"], "有効");
    assert_eq!(body["coverages"][0]["insurer_number"], "01130012");
    assert_eq!(body["coverages"][0]["name"], "山田 太郎");
    assert_eq!(body["coverages"][0]["copay_ratio"], 3);
    assert_eq!(body["certificate_validity"], "valid");
    assert_eq!(body["consent_categories"], serde_json::json!(["clinical_drug"]));
    assert_eq!(body["medical_information_allowed"], true);
    assert!(!body.to_string().contains("my_number"), "{body}");

    let (status, body) = c.card_check(&token, Some("2027-01-01")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("visit_date_in_future")), "{body}");

    c.clock.set(at("2026-05-01T01:11:00Z"));
    let (status, body) = c.card_check(&token, None).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_token")), "{body}");
}

#[tokio::test]
async fn insured_number_checks_name_the_bad_field() {
    let c = clinic().await;
    let token = c.token().await;
    let query = |number: &str, birth: &str| serde_json::json!({"insurer_number": "01130012", "symbol": "1234", "number": number, "birth_date": birth});
    let (status, body) = c.post("/facility/eligibility/insured-number", &token, query("5678", "1980-06-15")).await;
    assert_eq!((status, body["validity"]["label"].as_str()), (StatusCode::OK, Some("有効")), "{body}");
    let (status, body) = c.post("/facility/eligibility/insured-number", &token, query("5678", "昭和55年6月15日")).await;
    assert_eq!((status, body["validity"]["code"].as_u64()), (StatusCode::OK, Some(1)), "和暦 accepted: {body}");
    let (_, body) = c.post("/facility/eligibility/insured-number", &token, query("9999", "1980-06-15")).await;
    assert_eq!(body["validity"]["label"], "該当資格なし");
    let bad = serde_json::json!({"insurer_number": "01130013", "symbol": "1234", "number": "5678", "birth_date": "1980-06-15"});
    let (status, body) = c.post("/facility/eligibility/insured-number", &token, bad).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    assert!(body["message"].as_str().expect("message").contains("insurer_number"), "{body}");
    let (status, body) = c.post("/facility/eligibility/insured-number", &token, query("5678", "2030-01-01")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("birth_date_in_future")), "{body}");
}

#[tokio::test]
async fn a_card_is_registered_at_the_reader_and_a_notice_issued() {
    let c = clinic().await;
    let token = c.token().await;
    let (_, before) = c.card_check(&token, None).await;
    assert_eq!(before["card_registered"], false, "the reader offers registration: {before}");
    let (_, challenge) = c.send(Request::post("/jpki/challenges").body(Body::empty()).expect("request")).await;
    let nonce = STANDARD.decode(challenge["challenge"].as_str().expect("challenge")).expect("base64");
    let signature = sign_digest_info(&c.card.jpki.auth.key_pkcs8, &sha256_digest_info(&nonce)).expect("sign");
    let body = serde_json::json!({
        "challenge_id": challenge["challenge_id"],
        "certificate": STANDARD.encode(&c.card.jpki.auth.certificate),
        "signature": STANDARD.encode(signature),
    });
    let (status, answer) = c.post("/facility/registrations", &token, body.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{answer}");
    assert_eq!(answer["registered"], true);
    assert_eq!(answer["notices"].as_array().map(Vec::len), Some(1), "{answer}");
    let (status, answer) = c.post("/facility/registrations", &token, body).await;
    assert_eq!((status, answer["code"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("challenge_used")));
    let (_, after) = c.card_check(&token, None).await;
    assert_eq!(after["card_registered"], true, "{after}");
}

#[tokio::test]
async fn the_answer_carries_the_limit_category_the_elderly_certificate_and_the_loss_reason() {
    use onshi_domain::insurance::{LimitCategory, LimitCertificate, LimitCertificateKind, LossReason, MemberChange};
    let c = clinic().await;
    let token = c.token().await;
    let store = c.state.store().clone();
    let key = MemberKey {
        insurer_number: "01130012".parse().expect("insurer"),
        symbol: "1234".parse().expect("symbol"),
        number: "5678".parse().expect("number"),
        branch: onshi_domain::id::Branch::new(0).expect("branch"),
    };
    let limit = LimitCertificate {
        kind: LimitCertificateKind::LimitAndMealReduction,
        category: LimitCategory::OBorderline,
        issued_on: NaiveDate::from_ymd_opt(2025, 8, 1).expect("date"),
        valid_from: NaiveDate::from_ymd_opt(2025, 8, 1).expect("date"),
        valid_until: NaiveDate::from_ymd_opt(2026, 7, 31).expect("date"),
    };
    let change = MemberChange { limit_certificate: Some(Some(limit)), ..MemberChange::default() };
    store.change_member(&key, change, at("2026-04-20T00:00:00Z"), "insurer").await.expect("change");
    let query = serde_json::json!({"insurer_number": "01130012", "symbol": "1234", "number": "5678", "birth_date": "1980-06-15"});
    let (status, body) = c.post("/facility/eligibility/insured-number", &token, query.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let coverage = &body["coverages"][0];
    assert_eq!(coverage["limit"]["kind"]["code"], "02", "{body}");
    assert_eq!(coverage["limit"]["category"]["code"], "A06");
    assert_eq!(coverage["limit"]["category"]["name"], "オ（境）");
    assert_eq!(coverage["limit"]["valid_until"], "2026-07-31");
    assert!(coverage["elderly"].is_null() && coverage["loss_reason"].is_null(), "{body}");

    let lost_on = NaiveDate::from_ymd_opt(2026, 5, 1).expect("date");
    store
        .lose_member(&key, lost_on, LossReason::PublicAssistance, at("2026-04-30T00:00:00Z"), "insurer")
        .await
        .expect("lose");
    let (status, body) = c.post("/facility/eligibility/insured-number", &token, query).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["validity"]["label"], "無効", "{body}");
    let coverage = &body["coverages"][0];
    assert_eq!(
        (coverage["lost_on"].as_str(), coverage["loss_reason"]["code"].as_str()),
        (Some("2026-05-01"), Some("02"))
    );
    assert_eq!(coverage["loss_reason"]["name"], "生活保護受給開始");
    assert_eq!(coverage["limit"]["valid_until"], "2026-04-30", "the certificate ended with the membership: {body}");
}

/// A clinic whose system sends garbage is throttled (429 with Retry-After,
/// good requests included) after its burst; another clinic's system, and
/// the same clinic after the wait, are answered as usual. Callers without a
/// valid token are throttled by address, never under a client's name.
#[tokio::test]
async fn a_client_sending_garbage_is_throttled_and_others_are_not() {
    let c = clinic().await;
    let store = c.state.store();
    store
        .insert_facility_client(FacilityClient {
            client_id: "rececon-2".into(),
            facility_code: FacilityCode::from_parts(13, FeeTable::Medical, 10, 1).expect("code").as_str().to_owned(),
            secret_sha256: secret_hash(SECRET),
            name: "別のレセコン".into(),
            created_at: at("2026-04-01T00:00:00Z"),
            revoked_at: None,
        })
        .await
        .expect("second client");
    let c = Clinic {
        state: c
            .state
            .clone()
            .with_throttle(onshi_server::throttle::Throttle::new(5, std::time::Duration::from_secs(10))),
        ..c
    };
    let (noisy, quiet) = (c.token().await, c.token_of("rececon-2").await);
    let good = serde_json::json!({"insurer_number": "01130012", "symbol": "1234", "number": "5678", "birth_date": "1980-06-15"});
    let garbage = |token: &str| {
        Request::post("/facility/eligibility/insured-number")
            .header("authorization", format!("Bearer {token}"))
            .header("content-type", "application/json")
            .body(Body::from("{\"insurer_number\": 01130012,"))
            .expect("request")
    };
    for _ in 0..5 {
        let (status, body) = c.send(garbage(&noisy)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    let response = router(c.state.clone())
        .oneshot(
            Request::post("/facility/eligibility/insured-number")
                .header("authorization", format!("Bearer {noisy}"))
                .header("content-type", "application/json")
                .body(Body::from(good.to_string()))
                .expect("request"),
        )
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(response.headers()["retry-after"], "10");
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
    let body: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    assert_eq!(body["code"], "too_many_bad_requests", "{body}");

    // The other clinic's system is not slowed, and good answers cost nothing.
    for _ in 0..30 {
        let (status, body) = c.post("/facility/eligibility/insured-number", &quiet, good.clone()).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    // Forged or wrong tokens are throttled by address, not under a client.
    for _ in 0..5 {
        let (status, _) = c.send(garbage("v1.1310110012.rececon-2.9999999999.forged")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let (status, _) = c.send(garbage("v1.1310110012.rececon-2.9999999999.forged")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the address is throttled");
    let (status, body) = c.post("/facility/eligibility/insured-number", &quiet, good.clone()).await;
    assert_eq!(status, StatusCode::OK, "rececon-2 itself is not: {body}");

    // After the wait, the noisy client's good requests are answered again.
    c.clock.set(at("2026-05-01T01:00:10Z"));
    let (status, body) = c.post("/facility/eligibility/insured-number", &noisy, good.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn a_face_verified_check_sends_the_certificate_alone() {
    let c = clinic().await;
    let token = c.token().await;
    let certificate = STANDARD.encode(&c.card.jpki.auth.certificate);
    let face = serde_json::json!({
        "verification": "face",
        "certificate": certificate,
        "consent": { "clinical_drug": false, "checkup": true },
    });
    let (status, body) = c.post("/facility/eligibility/card", &token, face).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["validity"]["code"], 1);
    assert_eq!(body["consent_categories"], serde_json::json!(["checkup"]));

    let with_signature = serde_json::json!({"verification": "face", "certificate": certificate, "signature": "AAAA"});
    let (status, body) = c.post("/facility/eligibility/card", &token, with_signature).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    let unsigned = serde_json::json!({"certificate": certificate});
    let (status, body) = c.post("/facility/eligibility/card", &token, unsigned).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    let foreign = serde_json::json!({"verification": "face", "certificate": STANDARD.encode(b"not a certificate")});
    let (status, body) = c.post("/facility/eligibility/card", &token, foreign).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("certificate_malformed")),
        "{body}"
    );
}

impl Clinic {
    /// A visit as the kiosk queues it in failure mode: the card's signature
    /// over the nonce that binds facility, visit id, time and consent.
    fn offline_visit(&self, visit_id: &str, visited_at: &str, consent: ConsentChoice) -> serde_json::Value {
        let message = offline_visit_message("1311000017", visit_id, at(visited_at), consent);
        let signature = sign_digest_info(&self.card.jpki.auth.key_pkcs8, &sha256_digest_info(&message)).expect("sign");
        serde_json::json!({
            "visit_id": visit_id,
            "visited_at": visited_at,
            "certificate": STANDARD.encode(&self.card.jpki.auth.certificate),
            "signature": STANDARD.encode(signature),
            "consent": { "clinical_drug": consent.clinical_drug, "checkup": consent.checkup },
        })
    }

    async fn card_checks_logged(&self) -> u64 {
        let tallies = self
            .store
            .usage_tallies(
                at("2026-03-31T15:00:00Z"),
                at("2026-05-31T15:00:00Z"),
                NaiveDate::from_ymd_opt(2026, 5, 31).expect("date"),
            )
            .await
            .expect("tallies");
        tallies.queries.iter().filter(|q| q.method == "card").map(|q| q.count).sum()
    }
}

#[tokio::test]
async fn an_offline_visit_is_reconciled_once_and_a_replay_answers_the_stored_result() {
    let c = clinic().await;
    assert_eq!(FacilityCode::from_parts(13, FeeTable::Medical, 10, 1).expect("code").as_str(), "1311000017");
    // The card was issued at 01:00; the platform hears of the visit at 05:00.
    c.clock.set(at("2026-05-01T05:00:00Z"));
    let token = c.token().await;
    let both = ConsentChoice { clinical_drug: true, checkup: true };
    let visit = c.offline_visit("visit-1", "2026-05-01T02:30:00Z", both);
    let (status, first) = c.post("/facility/eligibility/offline-visits", &token, visit.clone()).await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["replayed"], false, "{first}");
    assert_eq!(first["result"], "valid", "{first}");
    assert_eq!(first["answer"]["validity"]["label"], "有効", "{first}");
    // The visit day in Japan (2026-05-01 11:30 JST), and the consent from the visit time.
    assert_eq!(first["answer"]["as_of"], "2026-05-01", "{first}");
    assert_eq!(first["answer"]["consent_categories"], serde_json::json!(["clinical_drug", "checkup"]));
    assert!(first["answer"]["consent_expires_at"].as_str().expect("expiry").starts_with("2026-05-02T02:30:00"));
    assert!(first["refusal"].is_null(), "{first}");

    // The kiosk did not hear the answer and sends the visit again, later.
    c.clock.set(at("2026-05-01T05:05:00Z"));
    let (status, again) = c.post("/facility/eligibility/offline-visits", &token, visit).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["replayed"], true, "{again}");
    assert_eq!(again["answer"], first["answer"], "the stored answer");
    assert_eq!(again["reconciled_at"], first["reconciled_at"]);

    let person = c.jpki.face_verified(&c.card.jpki.auth.certificate, c.clock.now()).await.expect("card").person_id;
    let consents = c.store.consents_of_person(person).await.expect("consents");
    assert_eq!(consents.len(), 1, "one consent for one visit: {consents:?}");
    assert_eq!(consents[0].consent.given_at, at("2026-05-01T02:30:00Z"));
    assert_eq!(c.card_checks_logged().await, 1, "one card check logged for one visit");
}

#[tokio::test]
async fn an_offline_visit_is_refused_for_a_bad_signature_or_a_card_revoked_before_it() {
    let c = clinic().await;
    c.clock.set(at("2026-05-01T05:00:00Z"));
    let token = c.token().await;
    let none = ConsentChoice::default();
    // The consent changed after the card signed: the signature no longer verifies.
    let mut tampered = c.offline_visit("visit-t", "2026-05-01T02:00:00Z", none);
    tampered["consent"]["clinical_drug"] = true.into();
    let (status, body) = c.post("/facility/eligibility/offline-visits", &token, tampered).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["result"].as_str(), body["refusal"]["code"].as_str()),
        (Some("bad_signature"), Some("bad_signature"))
    );
    assert!(body["answer"].is_null(), "{body}");

    // Revoked at 03:30: a visit at 03:00 was made with a good card, one at 03:45 was not.
    c.jpki
        .revoke(&c.card.serial, onshi_pki::RevocationReason::KeyCompromise, at("2026-05-01T03:30:00Z"))
        .await
        .expect("revoke");
    let (_, before) = c
        .post("/facility/eligibility/offline-visits", &token, c.offline_visit("visit-a", "2026-05-01T03:00:00Z", none))
        .await;
    assert_eq!(before["result"], "valid", "{before}");
    let (_, after) = c
        .post("/facility/eligibility/offline-visits", &token, c.offline_visit("visit-b", "2026-05-01T03:45:00Z", none))
        .await;
    assert_eq!(after["refusal"]["code"], "certificate_revoked", "{after}");

    // A visit in the future, a bad id, a missing signature: refused as requests, nothing recorded.
    let (status, body) = c
        .post("/facility/eligibility/offline-visits", &token, c.offline_visit("visit-f", "2026-05-01T05:30:00Z", none))
        .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("visit_date_in_future")), "{body}");
    let (status, _) = c
        .post("/facility/eligibility/offline-visits", &token, c.offline_visit("bad id!", "2026-05-01T03:00:00Z", none))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let mut unsigned = c.offline_visit("visit-u", "2026-05-01T03:00:00Z", none);
    unsigned.as_object_mut().expect("object").remove("signature");
    let (status, _) = c.post("/facility/eligibility/offline-visits", &token, unsigned).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _) = c
        .post(
            "/facility/eligibility/offline-visits",
            "v1.x.y.0.zz",
            c.offline_visit("visit-x", "2026-05-01T03:00:00Z", none),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(c.card_checks_logged().await, 3, "the tampered, the valid and the revoked visit");
}
