//! `/openapi.json`.

use axum::http::StatusCode;

use crate::TestApp;

/// Every route the router serves, with its method.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/openapi.json"),
    ("get", "/admin/stats"),
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
    for (method, path) in ROUTES {
        assert!(paths.get(*path).and_then(|item| item.get(*method)).is_some(), "{method} {path} is not documented");
    }
    assert_eq!(paths.len(), ROUTES.len(), "documented paths: {:?}", paths.keys().collect::<Vec<_>>());
    assert_eq!(document["components"]["securitySchemes"]["admin_token"]["scheme"], "bearer");
    assert!(document["components"]["schemas"]["ErrorBody"].is_object());
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let app = TestApp::new().await.with_admin_token(crate::ADMIN_TOKEN);
    for (_, path) in ROUTES {
        let response = app.get(path).await;
        // Anything but "no such route": /admin/stats answers 401 here.
        assert_ne!(response.status, StatusCode::NOT_FOUND, "{path}");
    }
}
