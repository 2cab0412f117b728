//! `/admin`: the static bearer token.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::{ADMIN_TOKEN, TestApp, TestResponse, fixture};

async fn stats_with(app: &TestApp, authorization: Option<&str>) -> TestResponse {
    let mut request = Request::get("/admin/stats");
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    app.send(request.body(Body::empty()).expect("request")).await
}

#[tokio::test]
async fn without_a_configured_token_admin_is_disabled() {
    let app = TestApp::new().await;
    let response = stats_with(&app, Some(&format!("Bearer {ADMIN_TOKEN}"))).await;
    assert_eq!(response.status, StatusCode::FORBIDDEN);
    let body = response.json();
    assert_eq!(body["code"], "admin_disabled");
    assert!(body["message"].as_str().expect("message").contains("ONSHI_ADMIN__TOKEN"));
}

#[tokio::test]
async fn missing_or_wrong_token_is_401() {
    let app = TestApp::new().await.with_admin_token(ADMIN_TOKEN);
    for authorization in [None, Some("Bearer wrong-token-0123456789"), Some(ADMIN_TOKEN), Some("Basic dXNlcjpwYXNz")] {
        let response = stats_with(&app, authorization).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{authorization:?}");
        assert_eq!(response.json()["code"], "unauthorized");
        assert_eq!(response.headers.get("www-authenticate").expect("challenge"), "Bearer realm=\"onshi-admin\"");
    }
}

#[tokio::test]
async fn right_token_gets_the_counts() {
    let app = TestApp::new().await.with_admin_token(ADMIN_TOKEN);
    fixture::populate(&app).await;
    let response = stats_with(&app, Some(&format!("bearer {ADMIN_TOKEN}"))).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.body);
    assert_eq!(
        response.json(),
        serde_json::json!({
            "today": "2026-04-01",
            "backend": "sqlite",
            "residents": 3,
            "insurers": 1,
            "members": 2,
            "members_linked": 1,
            "members_eligible_today": 2,
            "facilities": 4,
        })
    );
}

#[tokio::test]
async fn store_failure_is_reported_without_its_cause() {
    let app = TestApp::unmigrated().await.with_admin_token(ADMIN_TOKEN);
    let response = stats_with(&app, Some(&format!("Bearer {ADMIN_TOKEN}"))).await;
    assert!(response.status.is_server_error(), "{}", response.status);
    let body = response.json();
    assert!(["internal", "store_unavailable"].contains(&body["code"].as_str().expect("code")), "{body}");
    assert!(!response.body.contains("no such table"), "{}", response.body);
}
