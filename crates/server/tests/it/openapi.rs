//! `/openapi.json`.

use axum::http::StatusCode;

use crate::TestApp;

/// Every route the router serves, with its method, as documented and as a
/// concrete path to try.
const ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/", "/"),
    ("get", "/healthz", "/healthz"),
    ("get", "/readyz", "/readyz"),
    ("get", "/metrics", "/metrics"),
    ("get", "/openapi.json", "/openapi.json"),
    ("get", "/admin/stats", "/admin/stats"),
    ("get", "/jpki/{ca}/crl", "/jpki/auth/crl"),
    ("post", "/jpki/{ca}/ocsp", "/jpki/auth/ocsp"),
    ("get", "/jpki/{ca}/ocsp/{request}", "/jpki/sign/ocsp/MAA="),
    ("get", "/jpki/{ca}/certificate", "/jpki/root/certificate"),
    ("get", "/jpki/certificates/{serial}/status", "/jpki/certificates/0A/status"),
    ("post", "/jpki/challenges", "/jpki/challenges"),
    ("post", "/jpki/sign-in", "/jpki/sign-in"),
    ("post", "/municipality/cards", "/municipality/cards"),
    ("get", "/municipality/cards/{serial}", "/municipality/cards/0A"),
    ("post", "/municipality/cards/{serial}/suspend", "/municipality/cards/0A/suspend"),
    ("post", "/municipality/cards/{serial}/resume", "/municipality/cards/0A/resume"),
    ("post", "/municipality/cards/{serial}/revoke", "/municipality/cards/0A/revoke"),
    ("post", "/municipality/cards/{serial}/renew", "/municipality/cards/0A/renew"),
    ("post", "/municipality/cards/{serial}/pin-reset", "/municipality/cards/0A/pin-reset"),
    ("post", "/oauth/token", "/oauth/token"),
    ("post", "/facility/eligibility/card", "/facility/eligibility/card"),
    ("post", "/facility/eligibility/insured-number", "/facility/eligibility/insured-number"),
    ("post", "/facility/eligibility/offline-visits", "/facility/eligibility/offline-visits"),
    ("post", "/facility/registrations", "/facility/registrations"),
    ("get", "/insurer/linkages/suspended", "/insurer/linkages/suspended"),
    (
        "get",
        "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/linkage",
        "/insurer/members/01130012/1234/100/00/linkage",
    ),
    (
        "post",
        "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/linkage/confirm",
        "/insurer/members/01130012/1234/100/00/linkage/confirm",
    ),
    (
        "post",
        "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/linkage/correct",
        "/insurer/members/01130012/1234/100/00/linkage/correct",
    ),
    ("post", "/insurer/members", "/insurer/members"),
    ("patch", "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}", "/insurer/members/01130012/1234/100/00"),
    (
        "post",
        "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/loss",
        "/insurer/members/01130012/1234/100/00/loss",
    ),
    (
        "get",
        "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/events",
        "/insurer/members/01130012/1234/100/00/events",
    ),
    (
        "get",
        "/insurer/reports/late-registrations",
        "/insurer/reports/late-registrations?insurer=01130012&from=2026-01-01&to=2026-01-31",
    ),
    ("post", "/facility/medical/{category}", "/facility/medical/drugs"),
    ("post", "/facility/medical/emergency", "/facility/medical/emergency"),
    ("post", "/crew/emergency-set", "/crew/emergency-set"),
    ("post", "/citizen/sign-in", "/citizen/sign-in"),
    ("get", "/me/medical/{category}", "/me/medical/drugs"),
    ("get", "/me/consents", "/me/consents"),
    ("post", "/me/consents/{id}/revoke", "/me/consents/1/revoke"),
    ("get", "/me/access-log", "/me/access-log"),
    ("get", "/access-log/public-key", "/access-log/public-key"),
    ("get", "/admin/access-log/verify", "/admin/access-log/verify"),
    ("get", "/.well-known/openid-configuration", "/.well-known/openid-configuration"),
    ("get", "/oidc/jwks", "/oidc/jwks"),
    ("post", "/oidc/par", "/oidc/par"),
    ("get", "/oidc/authorize", "/oidc/authorize"),
    ("get", "/oidc/authorize/status", "/oidc/authorize/status?id=x"),
    ("post", "/oidc/authorize/cancel", "/oidc/authorize/cancel"),
    ("post", "/oidc/app/request", "/oidc/app/request"),
    ("post", "/oidc/app/challenge", "/oidc/app/challenge"),
    ("post", "/oidc/app/approve", "/oidc/app/approve"),
    ("post", "/oidc/token", "/oidc/token"),
    ("get", "/oidc/userinfo", "/oidc/userinfo"),
    ("post", "/oidc/userinfo", "/oidc/userinfo"),
];

#[tokio::test]
async fn document_is_openapi_3_1_and_lists_every_route() {
    let app = TestApp::new().await;
    let response = app.get("/openapi.json").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.content_type().starts_with("application/json"));
    let document = response.json();
    assert_eq!(document["openapi"], "3.1.0");
    let paths = document["paths"].as_object().expect("paths");
    for (method, path, _) in ROUTES {
        assert!(paths.get(*path).and_then(|item| item.get(*method)).is_some(), "{method} {path} is not documented");
    }
    let documented: usize = paths.values().map(|item| item.as_object().map_or(0, |ops| ops.len())).sum();
    assert_eq!(documented, ROUTES.len(), "documented paths: {:?}", paths.keys().collect::<Vec<_>>());
    assert_eq!(document["components"]["securitySchemes"]["admin_token"]["scheme"], "bearer");
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = TestApp::new().await.with_admin_token(crate::ADMIN_TOKEN);
    for (method, _, path) in ROUTES {
        let request = axum::http::Request::builder()
            .method(method.to_ascii_uppercase().as_str())
            .uri(*path)
            .body(axum::body::Body::empty())
            .expect("request");
        let response = app.send(request).await;
        // Anything but "no such route" or "wrong method": /admin and
        // /municipality answer 401 here, /jpki 503 (no JPKI service).
        assert!(
            response.status != StatusCode::NOT_FOUND && response.status != StatusCode::METHOD_NOT_ALLOWED,
            "{method} {path}: {} {}",
            response.status,
            response.body
        );
    }
}
