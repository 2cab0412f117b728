//! The citizen portal over the router, on SQLite and on PostgreSQL (when
//! `ONSHI_TEST_POSTGRES_URL` is set): the sign-in through the provider with
//! the card's approval in "the app" (`/oidc/app/…`), the session cookie's
//! flags and its replacement at sign-in, the synchronizer token on every
//! form, the idle expiry and sign-out, a certificate in its grace let in
//! without medical information, facility blocks enforced on consent and
//! emergency reads, and the person's own reads logged as `self`.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::TimeDelta;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use serde_json::{Value, json};
use tower::ServiceExt;

use crate::medical::{
    BLOCKED, DOCTOR, EMERGENCY, NOW, REASON, TARGET, WITH_CONSENT, World, at, facility_code, member_json, worlds,
};

/// What a browser gets back: status, headers, body.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    /// The value the answer sets for the session cookie, with the whole header.
    fn set_cookie(&self) -> Option<(String, String)> {
        self.headers.get_all(header::SET_COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|v| {
            let value = v.strip_prefix("__Host-onshi_portal=")?.split(';').next()?.to_owned();
            Some((value, v.to_owned()))
        })
    }

    fn location(&self) -> &str {
        self.headers.get(header::LOCATION).and_then(|v| v.to_str().ok()).unwrap_or_default()
    }
}

async fn send(w: &World, method: &str, path: &str, cookie: Option<&str>, form: Option<&str>) -> Answer {
    let mut request = Request::builder().method(method).uri(path);
    if let Some(cookie) = cookie {
        request = request.header(header::COOKIE, format!("other=1; __Host-onshi_portal={cookie}"));
    }
    let body = match form {
        Some(form) => {
            request = request.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            Body::from(form.to_owned())
        }
        None => Body::empty(),
    };
    let response =
        onshi_server::router(w.state.clone()).oneshot(request.body(body).expect("request")).await.expect("infallible");
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24).await.expect("body");
    Answer { status, headers, body: String::from_utf8_lossy(&bytes).into_owned() }
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map(|i| i + start.len()).unwrap_or_else(|| panic!("{start:?} in {text}"));
    let len = text[from..].find(end).expect("end marker");
    &text[from..from + len]
}

/// The person `who` approves `user_code` in the app with their card.
async fn approve(w: &World, who: u64, user_code: &str) -> (StatusCode, Value) {
    let (status, challenge) = w.json("POST", "/oidc/app/challenge", None, Some(json!({}))).await;
    assert_eq!(status, StatusCode::CREATED, "{challenge}");
    let nonce = STANDARD.decode(challenge["challenge"].as_str().expect("challenge")).expect("base64");
    let signature = sign_digest_info(&w.card(who).jpki.auth.key_pkcs8, &sha256_digest_info(&nonce)).expect("sign");
    let (status, request) = w.json("POST", "/oidc/app/request", None, Some(json!({"user_code": user_code}))).await;
    assert_eq!(status, StatusCode::OK, "{request}");
    assert_eq!(request["client_name"], "マイナポータル", "the app shows the portal: {request}");
    w.json(
        "POST",
        "/oidc/app/approve",
        None,
        Some(json!({
            "user_code": user_code,
            "challenge_id": challenge["challenge_id"],
            "certificate": w.certificate(who),
            "signature": STANDARD.encode(signature),
            "claims": [],
        })),
    )
    .await
}

/// A signed-in session of `who`: its cookie and its form token.
async fn sign_in(w: &World, who: u64) -> (String, String) {
    let first = send(w, "GET", "/portal/", None, None).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let (waiting, _) = first.set_cookie().expect("a session waiting for the app");
    let user_code = between(&first.body, "id=\"user-code\" class=\"user-code\">", "<").to_owned();
    let (status, approved) = approve(w, who, &user_code).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    let polled = send(w, "GET", "/portal/sign-in/status", Some(&waiting), None).await;
    assert_eq!(polled.body, r#"{"status":"signed_in"}"#);
    let (cookie, _) = polled.set_cookie().expect("the person's session");
    let home = send(w, "GET", "/portal/", Some(&cookie), None).await;
    assert_eq!(home.status, StatusCode::OK, "{}", home.body);
    let csrf = between(&home.body, "name=\"csrf\" value=\"", "\"").to_owned();
    (cookie, csrf)
}

#[tokio::test]
async fn signing_in_with_the_app_sets_a_secure_httponly_lax_cookie_and_replaces_the_waiting_session() {
    for w in worlds("portal_sign_in").await {
        w.clock.set(at(NOW));
        let first = send(&w, "GET", "/portal/", None, None).await;
        assert_eq!(first.status, StatusCode::OK, "{}: {}", w.backend, first.body);
        let (waiting, header) = first.set_cookie().expect("a cookie");
        for flag in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax", "Max-Age=900"] {
            assert!(header.split("; ").any(|part| part == flag), "{}: {flag} in {header}", w.backend);
        }
        assert!(waiting.len() >= 43, "256 random bits: {waiting}");
        assert!(first.body.contains("<html lang=\"ja\">") && first.body.contains("ユーザーコード"), "{}", first.body);
        assert!(first.body.contains("<svg"), "the QR code inline: {}", first.body);
        let csp = first.headers.get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(first.headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()), Some(&b"no-store"[..]));

        // Before the app approves, the page keeps waiting; reloading shows the same code.
        let user_code = between(&first.body, "id=\"user-code\" class=\"user-code\">", "<").to_owned();
        let polled = send(&w, "GET", "/portal/sign-in/status", Some(&waiting), None).await;
        assert_eq!(polled.body, r#"{"status":"waiting"}"#, "{}", w.backend);
        let again = send(&w, "GET", "/portal/", Some(&waiting), None).await;
        assert!(again.body.contains(&user_code), "{}", again.body);
        assert!(again.set_cookie().is_none(), "the same waiting session");
        // A page needing sign-in sends the browser to sign in.
        let redirected = send(&w, "GET", "/portal/medical/drugs", Some(&waiting), None).await;
        assert_eq!((redirected.status, redirected.location()), (StatusCode::SEE_OTHER, "/portal/"));

        let (status, approved) = approve(&w, TARGET, &user_code).await;
        assert_eq!(status, StatusCode::OK, "{approved}");
        let polled = send(&w, "GET", "/portal/sign-in/status", Some(&waiting), None).await;
        assert_eq!(polled.body, r#"{"status":"signed_in"}"#, "{}", w.backend);
        let (cookie, header) = polled.set_cookie().expect("the person's session");
        assert_ne!(cookie, waiting, "a new id at sign-in");
        assert!(header.contains("HttpOnly") && header.contains("Secure") && header.contains("SameSite=Lax"));
        let home = send(&w, "GET", "/portal/", Some(&cookie), None).await;
        assert!(home.body.contains("山田 太郎 さん"), "{}", home.body);
        assert!(home.body.contains("はじめてのログインです"), "{}", home.body);
        // The waiting id is gone: it shows a new sign-in, never the person.
        let old = send(&w, "GET", "/portal/", Some(&waiting), None).await;
        assert!(old.body.contains("ユーザーコード") && !old.body.contains("山田"), "{}", old.body);
        // The transaction is used up: the app finds nothing to approve.
        let (status, _) = w.json("POST", "/oidc/app/request", None, Some(json!({"user_code": user_code}))).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);

        // A second visit sees the first.
        w.clock.set(at(NOW) + TimeDelta::hours(1));
        let (cookie, _) = sign_in(&w, TARGET).await;
        let home = send(&w, "GET", "/portal/", Some(&cookie), None).await;
        assert!(home.body.contains("前回のログイン: 2026年5月1日 10:00"), "{}", home.body);
    }
}

#[tokio::test]
async fn every_form_needs_the_sessions_token_and_nothing_changes_without_it() {
    for w in worlds("portal_csrf").await {
        w.clock.set(at(NOW));
        w.card_check(WITH_CONSENT, TARGET, true, true).await;
        let (cookie, csrf) = sign_in(&w, TARGET).await;
        let consents = send(&w, "GET", "/portal/consents", Some(&cookie), None).await;
        let id = between(&consents.body, "name=\"consent_id\" value=\"", "\"").to_owned();
        for form in
            [format!("consent_id={id}"), format!("consent_id={id}&csrf=wrong"), format!("consent_id={id}&csrf=")]
        {
            let refused = send(&w, "POST", "/portal/consents", Some(&cookie), Some(&form)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}: {form}", w.backend);
        }
        // Another person's session token does not do either.
        let (other_cookie, other_csrf) = sign_in(&w, crate::medical::OTHER_CITIZEN).await;
        let refused =
            send(&w, "POST", "/portal/consents", Some(&cookie), Some(&format!("consent_id={id}&csrf={other_csrf}")))
                .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        // With the other person's own session, the consent is not theirs.
        let not_theirs = send(
            &w,
            "POST",
            "/portal/consents",
            Some(&other_cookie),
            Some(&format!("consent_id={id}&csrf={other_csrf}")),
        )
        .await;
        assert_eq!(not_theirs.status, StatusCode::NOT_FOUND);
        let token = w.facility_token(WITH_CONSENT).await;
        let mut read = member_json(TARGET);
        read["staff_id"] = DOCTOR.into();
        let (status, _) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(read.clone())).await;
        assert_eq!(status, StatusCode::OK, "{}: the consent still holds", w.backend);

        for (path, form) in [
            ("/portal/blocks", format!("action=block&facility_code={}", facility_code(WITH_CONSENT))),
            ("/portal/registration", "action=cancel".to_owned()),
            ("/portal/sign-out", String::new()),
        ] {
            let refused = send(&w, "POST", path, Some(&cookie), Some(&form)).await;
            assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}: {path}", w.backend);
        }
        let (status, _) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(read.clone())).await;
        assert_eq!(status, StatusCode::OK, "{}: not blocked", w.backend);
        let still = send(&w, "GET", "/portal/", Some(&cookie), None).await;
        assert!(still.body.contains("山田 太郎 さん"), "still signed in");

        // With the token, the consent is revoked and the facility stops seeing.
        let revoked =
            send(&w, "POST", "/portal/consents", Some(&cookie), Some(&format!("consent_id={id}&csrf={csrf}"))).await;
        assert_eq!((revoked.status, revoked.location()), (StatusCode::SEE_OTHER, "/portal/consents?done=revoked"));
        let (status, body) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(read)).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("no_consent")), "{}", w.backend);
        let listed = send(&w, "GET", "/portal/consents?done=revoked", Some(&cookie), None).await;
        assert!(listed.body.contains("撤回済み") && listed.body.contains("同意を撤回しました"), "{}", listed.body);
    }
}

#[tokio::test]
async fn a_session_expires_after_15_idle_minutes_and_ends_at_sign_out() {
    for w in worlds("portal_expiry").await {
        w.clock.set(at(NOW));
        let (cookie, csrf) = sign_in(&w, TARGET).await;
        // Each request restarts the idle time.
        for minutes in [14, 28, 42] {
            w.clock.set(at(NOW) + TimeDelta::minutes(minutes));
            let page = send(&w, "GET", "/portal/insurance", Some(&cookie), None).await;
            assert_eq!(page.status, StatusCode::OK, "{}: after {minutes} minutes", w.backend);
        }
        w.clock.set(at(NOW) + TimeDelta::minutes(42 + 15));
        let expired = send(&w, "GET", "/portal/insurance", Some(&cookie), None).await;
        assert_eq!((expired.status, expired.location()), (StatusCode::SEE_OTHER, "/portal/"), "{}", w.backend);
        let front = send(&w, "GET", "/portal/", Some(&cookie), None).await;
        assert!(front.body.contains("ユーザーコード") && !front.body.contains("山田"), "{}", front.body);
        let refused = send(&w, "POST", "/portal/sign-out", Some(&cookie), Some(&format!("csrf={csrf}"))).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "an expired session's token is no token");

        let (cookie, csrf) = sign_in(&w, TARGET).await;
        let out = send(&w, "POST", "/portal/sign-out", Some(&cookie), Some(&format!("csrf={csrf}"))).await;
        assert_eq!(out.status, StatusCode::OK, "{}", out.body);
        let removed = out.set_cookie().expect("the cookie removed");
        assert_eq!(removed.0, "");
        assert!(removed.1.contains("Max-Age=0"), "{}", removed.1);
        let after = send(&w, "GET", "/portal/medical/drugs", Some(&cookie), None).await;
        assert_eq!(after.status, StatusCode::SEE_OTHER, "{}: signed out", w.backend);
    }
}

#[tokio::test]
async fn a_certificate_in_its_grace_signs_in_but_sees_no_medical_information() {
    for w in worlds("portal_grace").await {
        // A month after the card's user-authentication certificate ended, it is in its grace.
        let person = w.person(TARGET).await;
        let card = w.store.cards_of_person(person).await.expect("cards").pop().expect("a card");
        let certificates = w.store.certificates_of_card(&card.card_serial).await.expect("certificates");
        let not_after = certificates
            .iter()
            .find(|c| c.kind == onshi_store::jpki::CertKind::UserAuthentication)
            .expect("the user-authentication certificate")
            .not_after;
        w.clock.set(not_after + TimeDelta::days(30));
        let (status, body) = w.citizen_sign_in(TARGET).await;
        assert_eq!((status, body["code"].as_str()), (StatusCode::FORBIDDEN, Some("certificate_in_grace")));
        let (cookie, _) = sign_in(&w, TARGET).await;
        let home = send(&w, "GET", "/portal/", Some(&cookie), None).await;
        assert!(home.body.contains("更新の猶予期間中"), "{}: {}", w.backend, home.body);
        let log_before = w.store.access_log_of_person(w.person(TARGET).await).await.expect("log").entries.len();
        for category in ["drugs", "clinical", "checkups", "expenses"] {
            let page = send(&w, "GET", &format!("/portal/medical/{category}"), Some(&cookie), None).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{}: {category}", w.backend);
            assert!(
                page.body.contains("電子証明書の有効期限が切れています") && !page.body.contains("T-"),
                "{}",
                page.body
            );
        }
        let log_after = w.store.access_log_of_person(w.person(TARGET).await).await.expect("log").entries.len();
        assert_eq!(log_before, log_after, "nothing was read, nothing logged");
        // Eligibility is still shown.
        let insurance = send(&w, "GET", "/portal/insurance", Some(&cookie), None).await;
        assert!(insurance.body.contains("1234・5678・00"), "{}", insurance.body);
        // Other services still refuse the certificate in its grace.
        let first = send(&w, "GET", "/portal/", None, None).await;
        assert!(first.body.contains("ユーザーコード"));
    }
}

#[tokio::test]
async fn a_blocked_facility_is_refused_under_consent_and_in_emergency_until_unblocked() {
    for w in worlds("portal_blocks").await {
        w.clock.set(at(NOW));
        w.card_check(WITH_CONSENT, TARGET, true, true).await;
        let (cookie, csrf) = sign_in(&w, TARGET).await;
        let token = w.facility_token(WITH_CONSENT).await;
        let mut read = member_json(TARGET);
        read["staff_id"] = DOCTOR.into();
        let emergency_token = w.facility_token(EMERGENCY).await;
        let emergency = json!({"staff_id": DOCTOR, "reason": REASON, "patient": member_json(TARGET)});

        // A code with a wrong check digit is refused, naming field, value and rule.
        let bad = send(
            &w,
            "POST",
            "/portal/blocks",
            Some(&cookie),
            Some(&format!("action=block&facility_code=1311000019&csrf={csrf}")),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(bad.body.contains("医療機関コード") && bad.body.contains("1311000019"), "{}", bad.body);

        for serial in [WITH_CONSENT, EMERGENCY] {
            let form = format!("action=block&facility_code={}&csrf={csrf}", facility_code(serial));
            let blocked = send(&w, "POST", "/portal/blocks", Some(&cookie), Some(&form)).await;
            assert_eq!((blocked.status, blocked.location()), (StatusCode::SEE_OTHER, "/portal/blocks?done=blocked"));
        }
        let page = send(&w, "GET", "/portal/blocks", Some(&cookie), None).await;
        assert!(
            page.body.contains(&facility_code(WITH_CONSENT)) && page.body.contains("八王子第1病院"),
            "{}",
            page.body
        );
        let (status, body) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(read.clone())).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("blocked_by_person")),
            "{}",
            w.backend
        );
        let (status, body) =
            w.json("POST", "/facility/medical/emergency", Some(&emergency_token), Some(emergency.clone())).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("blocked_by_person")),
            "{}",
            w.backend
        );

        let form = format!("action=unblock&facility_code={}&csrf={csrf}", facility_code(WITH_CONSENT));
        let unblocked = send(&w, "POST", "/portal/blocks", Some(&cookie), Some(&form)).await;
        assert_eq!(unblocked.location(), "/portal/blocks?done=unblocked");
        let (status, _) = w.json("POST", "/facility/medical/drugs", Some(&token), Some(read)).await;
        assert_eq!(status, StatusCode::OK, "{}: unblocked", w.backend);
        let (status, _) = w.json("POST", "/facility/medical/emergency", Some(&emergency_token), Some(emergency)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{}: the emergency facility stays blocked", w.backend);
        let _ = BLOCKED;
    }
}

#[tokio::test]
async fn own_reads_are_logged_as_self_the_log_verifies_and_an_emergency_read_is_announced() {
    for w in worlds("portal_reads").await {
        w.clock.set(at(NOW));
        let (cookie, _) = sign_in(&w, TARGET).await;
        let person = w.person(TARGET).await;
        // An emergency read while the person is away.
        w.clock.set(at(NOW) + TimeDelta::hours(2));
        let emergency_token = w.facility_token(EMERGENCY).await;
        let emergency = json!({"staff_id": DOCTOR, "reason": REASON, "patient": member_json(TARGET)});
        let (status, _) = w.json("POST", "/facility/medical/emergency", Some(&emergency_token), Some(emergency)).await;
        assert_eq!(status, StatusCode::OK);

        w.clock.set(at(NOW) + TimeDelta::hours(3));
        let (cookie2, _) = sign_in(&w, TARGET).await;
        let home = send(&w, "GET", "/portal/", Some(&cookie2), None).await;
        assert!(
            home.body.contains("救急時に医療機関または救急隊があなたの医療情報を閲覧しました（1件"),
            "{}",
            home.body
        );
        drop(cookie);

        let before = w.store.access_log_of_person(person).await.expect("log").entries.len();
        for (category, kind) in
            [("drugs", "drug"), ("clinical", "clinical"), ("checkups", "checkup"), ("expenses", "expense")]
        {
            let page = send(&w, "GET", &format!("/portal/medical/{category}"), Some(&cookie2), None).await;
            assert_eq!(page.status, StatusCode::OK, "{}: {category}: {}", w.backend, page.body);
            let log = w.store.access_log_of_person(person).await.expect("log");
            let last = &log.entries.last().expect("an entry").access;
            assert_eq!((last.basis.as_str(), last.category.as_str(), last.actor_kind.as_str()), ("self", kind, "self"));
        }
        let after = w.store.access_log_of_person(person).await.expect("log").entries.len();
        assert_eq!(after, before + 4, "one entry per page");
        let expenses = send(&w, "GET", "/portal/medical/expenses", Some(&cookie2), None).await;
        assert!(expenses.body.contains("4,200円"), "{}", expenses.body);

        let log = send(&w, "GET", "/portal/access-log", Some(&cookie2), None).await;
        assert!(log.body.contains("検証済み"), "{}: {}", w.backend, log.body);
        assert!(log.body.contains("救急時医療情報閲覧") && log.body.contains(REASON), "{}", log.body);
        assert!(log.body.contains("ご本人"), "{}", log.body);

        // An entry altered behind the platform's back is shown as such.
        w.raw.tamper(person.0, 1).await;
        let log = send(&w, "GET", "/portal/access-log", Some(&cookie2), None).await;
        assert!(log.body.contains("検証できません") && !log.body.contains("検証済み"), "{}", log.body);
    }
}

#[tokio::test]
async fn the_eligibility_pdf_and_the_registration_with_its_documents() {
    for w in worlds("portal_documents").await {
        w.clock.set(at(NOW));
        let (cookie, csrf) = sign_in(&w, TARGET).await;
        let pdf = send(&w, "GET", "/portal/insurance/1/eligibility.pdf", Some(&cookie), None).await;
        assert_eq!(pdf.status, StatusCode::OK, "{}", pdf.body);
        assert_eq!(pdf.headers.get(header::CONTENT_TYPE).map(|v| v.as_bytes()), Some(&b"application/pdf"[..]));
        assert!(pdf.body.starts_with("%PDF-"), "a PDF");
        let missing = send(&w, "GET", "/portal/insurance/2/eligibility.pdf", Some(&cookie), None).await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        let anonymous = send(&w, "GET", "/portal/insurance/1/eligibility.pdf", None, None).await;
        assert_eq!(anonymous.status, StatusCode::SEE_OTHER);

        let page = send(&w, "GET", "/portal/registration", Some(&cookie), None).await;
        assert!(page.body.contains("利用登録されていません"), "{}", page.body);
        let done =
            send(&w, "POST", "/portal/registration", Some(&cookie), Some(&format!("action=register&csrf={csrf}")))
                .await;
        assert_eq!(done.location(), "/portal/registration?done=registered");
        let page = send(&w, "GET", "/portal/registration", Some(&cookie), None).await;
        assert!(page.body.contains("利用登録済み") && page.body.contains("資格情報のお知らせ"), "{}", page.body);
        let done =
            send(&w, "POST", "/portal/registration", Some(&cookie), Some(&format!("action=cancel&csrf={csrf}"))).await;
        assert_eq!(done.location(), "/portal/registration?done=cancelled");
        let page = send(&w, "GET", "/portal/registration?done=cancelled", Some(&cookie), None).await;
        assert!(
            page.body.contains("資格確認書が交付されました") && page.body.contains("<h2>資格確認書</h2>"),
            "{}",
            page.body
        );
        assert!(page.body.contains("有効期限</dt><dd>令和13年5月1日"), "5 years: {}", page.body);
        let certificate = send(&w, "GET", "/portal/registration/documents/1", Some(&cookie), None).await;
        assert!(certificate.body.starts_with("%PDF-"), "{}", w.backend);
        let home = send(&w, "GET", "/portal/", Some(&cookie), None).await;
        assert!(home.body.contains("資格確認書が交付されています"), "{}", home.body);
        let linkage = send(&w, "GET", "/portal/linkage", Some(&cookie), None).await;
        assert!(linkage.body.contains("登録済み"), "{}", linkage.body);
    }
}
