//! `/jpki` over the router with a clock the test moves: challenges, sign-in
//! and each refusal code, the grace window of an expired certificate, status
//! as JSON, CRL and OCSP answers.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDate, Utc};
use onshi_app::jpki::Jpki;
use onshi_card::CardFile;
use onshi_domain::person::{FiveAttributes, Sex};
use onshi_domain::registry::Resident;
use onshi_pki::Authority;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_server::{AppState, Clock, router};
use tower::ServiceExt;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

struct Platform {
    state: AppState,
    clock: Clock,
    jpki: Arc<Jpki>,
    file: CardFile,
}

async fn platform() -> Platform {
    let store = onshi_store::open("sqlite::memory:").await.expect("store");
    store.migrate().await.expect("migrate");
    let digits: Vec<u8> = "00000000001".bytes().map(|b| b - b'0').collect();
    store
        .upsert_residents(vec![Resident {
            resident_code: "00000000001".parse().expect("code"),
            my_number: onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits")),
            attributes: FiveAttributes {
                name_kanji: "山田 太郎".into(),
                name_kana: "ヤマダ タロウ".into(),
                birth_date: NaiveDate::from_ymd_opt(1980, 6, 15).expect("date"),
                sex: Sex::Male,
                address: "東京都八王子市元本郷町三丁目24番1号".into(),
            },
        }])
        .await
        .expect("resident");
    let clock = Clock::manual(at("2026-04-01T01:00:00Z"));
    let authority = Authority::create(clock.now()).expect("authority");
    let jpki = Arc::new(Jpki::new(store.clone(), authority, "http://onshi.test/jpki").expect("jpki"));
    let pins = onshi_card::Pins { auth_pin: "1234".into(), sign_password: "abc123".into(), support_pin: "5678".into() };
    let issued = jpki.issue_card("00000000001", Some(pins), clock.now()).await.expect("issue");
    let state = AppState::new(store).with_clock(clock.clone()).with_jpki(jpki.clone(), None);
    Platform { state, clock, jpki, file: issued.file }
}

impl Platform {
    async fn send(&self, request: Request<Body>) -> (StatusCode, Vec<u8>) {
        let response = router(self.state.clone()).oneshot(request).await.expect("infallible");
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        (status, bytes.to_vec())
    }

    async fn json(&self, request: Request<Body>) -> (StatusCode, serde_json::Value) {
        let (status, body) = self.send(request).await;
        (status, serde_json::from_slice(&body).unwrap_or_else(|e| panic!("not JSON ({e}): {body:?}")))
    }

    async fn challenge(&self) -> (String, Vec<u8>) {
        let (status, body) = self.json(Request::post("/jpki/challenges").body(Body::empty()).expect("request")).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        let nonce = STANDARD.decode(body["challenge"].as_str().expect("challenge")).expect("base64");
        assert_eq!(nonce.len(), 32);
        (body["challenge_id"].as_str().expect("id").to_owned(), nonce)
    }

    async fn sign_in_with(
        &self,
        id: &str,
        certificate: &[u8],
        key: &[u8],
        nonce: &[u8],
    ) -> (StatusCode, serde_json::Value) {
        let signature = sign_digest_info(key, &sha256_digest_info(nonce)).expect("sign");
        let body = serde_json::json!({
            "challenge_id": id,
            "certificate": STANDARD.encode(certificate),
            "signature": STANDARD.encode(signature),
        });
        self.json(
            Request::post("/jpki/sign-in")
                .header("content-type", "application/json")
                .body(Body::from(body.to_string()))
                .expect("request"),
        )
        .await
    }

    async fn sign_in(&self) -> (StatusCode, serde_json::Value) {
        let (id, nonce) = self.challenge().await;
        self.sign_in_with(&id, &self.file.jpki.auth.certificate, &self.file.jpki.auth.key_pkcs8, &nonce).await
    }
}

#[tokio::test]
async fn sign_in_answers_a_person_reference_and_a_replay_is_refused() {
    let p = platform().await;
    let (id, nonce) = p.challenge().await;
    let auth = &p.file.jpki.auth;
    let (status, body) = p.sign_in_with(&id, &auth.certificate, &auth.key_pkcs8, &nonce).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body["person_id"].as_i64().is_some(), "{body}");
    assert_eq!(body["validity"], "valid");
    assert!(!body.to_string().contains("my_number"), "{body}");
    let (status, body) = p.sign_in_with(&id, &auth.certificate, &auth.key_pkcs8, &nonce).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("challenge_used")), "{body}");
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let p = platform().await;
    let (status, body) = p
        .json(
            Request::post("/jpki/sign-in")
                .body(Body::from(r#"{"challenge_id":"x","certificate":"%%","signature":""}"#))
                .expect("request"),
        )
        .await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
    assert!(body["message"].as_str().expect("message").contains("certificate"), "{body}");
    let (status, body) = p.json(Request::post("/jpki/sign-in").body(Body::from("not json")).expect("request")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    let (id, nonce) = p.challenge().await;
    let (status, body) = p.sign_in_with(&id, b"\x30\x03\x02\x01\x01", &p.file.jpki.auth.key_pkcs8, &nonce).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("certificate_malformed")), "{body}");
    let (status, body) =
        p.json(Request::get("/jpki/certificates/zz/status").body(Body::empty()).expect("request")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")), "{body}");
    let (status, body) = p.json(Request::get("/jpki/nope/crl").body(Body::empty()).expect("request")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("unknown_ca")), "{body}");
}

#[tokio::test]
async fn an_expired_certificate_signs_in_within_the_grace_and_is_refused_after() {
    let p = platform().await;
    // Issued 2026-04-01 to someone born 1980-06-15: valid to the 5th
    // birthday after issue, 2030-06-15, 23:59:59 in Japan.
    p.clock.set(at("2030-06-15T14:59:59Z"));
    let (status, body) = p.sign_in().await;
    assert_eq!((status, body["validity"].as_str()), (StatusCode::OK, Some("valid")), "{body}");
    p.clock.set(at("2030-06-15T15:00:00Z"));
    let (status, body) = p.sign_in().await;
    assert_eq!((status, body["validity"].as_str()), (StatusCode::OK, Some("within_grace")), "{body}");
    assert_eq!(body["grace_ends"], "2030-09-15T14:59:59+00:00");
    let serial = body["certificate_serial"].as_str().expect("serial").to_owned();
    let (_, status_body) =
        p.json(Request::get(format!("/jpki/certificates/{serial}/status")).body(Body::empty()).expect("request")).await;
    assert_eq!(
        (status_body["status"].as_str(), status_body["validity"].as_str()),
        (Some("good"), Some("within_grace"))
    );
    p.clock.set(at("2030-09-15T15:00:00Z"));
    let (status, body) = p.sign_in().await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("certificate_expired")), "{body}");
}

#[tokio::test]
async fn a_suspension_shows_in_the_next_answer_of_every_kind() {
    let p = platform().await;
    let serial = p.file.serial.clone();
    let status_path = format!("/jpki/certificates/{serial}/status");
    let (_, before) = p.json(Request::get(&status_path).body(Body::empty()).expect("request")).await;
    assert_eq!(before["status"], "good");
    let (_, crl_before) = p.send(Request::get("/jpki/auth/crl").body(Body::empty()).expect("request")).await;

    p.jpki.suspend(&serial, p.clock.now()).await.expect("suspend");
    let (_, after) = p.json(Request::get(&status_path).body(Body::empty()).expect("request")).await;
    assert_eq!(after["status"], "suspended");
    let (status, body) = p.sign_in().await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("certificate_suspended")), "{body}");
    let (status, crl_after) = p.send(Request::get("/jpki/auth/crl").body(Body::empty()).expect("request")).await;
    assert_eq!(status, StatusCode::OK);
    assert_ne!(crl_before, crl_after, "the CRL was regenerated");
    let serial_bytes = onshi_app::jpki::parse_hex(&serial).expect("hex");
    assert!(crl_after.windows(serial_bytes.len()).any(|w| w == serial_bytes.as_slice()));

    let (_, unknown) =
        p.json(Request::get("/jpki/certificates/0102/status").body(Body::empty()).expect("request")).await;
    assert_eq!(unknown["status"], "unknown");
}

#[tokio::test]
async fn ocsp_answers_garbage_with_malformed_request_and_never_fails() {
    let p = platform().await;
    for body in [Vec::new(), b"garbage".to_vec(), vec![0x30, 0x82, 0xFF, 0xFF]] {
        let (status, answer) = p
            .send(
                Request::post("/jpki/auth/ocsp")
                    .header("content-type", "application/ocsp-request")
                    .body(Body::from(body))
                    .expect("request"),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        // OCSPResponse { responseStatus malformedRequest (1) }.
        assert_eq!(answer, [0x30, 0x03, 0x0A, 0x01, 0x01]);
    }
    let (status, answer) = p.send(Request::get("/jpki/auth/ocsp/MAA%3D").body(Body::empty()).expect("request")).await;
    assert_eq!((status, answer.as_slice()), (StatusCode::OK, &[0x30, 0x03, 0x0A, 0x01, 0x01][..]));
    let (status, body) =
        p.json(Request::post("/jpki/auth/ocsp").body(Body::from(vec![0u8; 20_000])).expect("request")).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_request")));
}

#[tokio::test]
async fn without_the_service_jpki_routes_say_so() {
    let store = onshi_store::open("sqlite::memory:").await.expect("store");
    store.migrate().await.expect("migrate");
    let response = router(AppState::new(store))
        .oneshot(Request::post("/jpki/challenges").body(Body::empty()).expect("request"))
        .await
        .expect("infallible");
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
    assert!(String::from_utf8_lossy(&bytes).contains("jpki_not_configured"));
}
