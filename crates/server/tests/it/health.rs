//! `/healthz` and `/readyz`.

use axum::http::StatusCode;

use crate::TestApp;

#[tokio::test]
async fn healthz_answers_ok_without_the_database() {
    // Even an unmigrated store: liveness does not look at the database.
    let app = TestApp::unmigrated().await;
    let response = app.get("/healthz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), serde_json::json!({ "status": "ok" }));
}

#[tokio::test]
async fn readyz_is_ok_on_a_migrated_store() {
    let app = TestApp::new().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.json(), serde_json::json!({ "status": "ok" }));
}

#[tokio::test]
async fn readyz_is_503_until_migrations_are_applied() {
    let app = TestApp::unmigrated().await;
    let response = app.get("/readyz").await;
    assert_eq!(response.status, StatusCode::SERVICE_UNAVAILABLE);
    let body = response.json();
    assert_eq!(body["code"], "not_ready");
    assert!(body["message"].as_str().expect("message").contains("not migrated"));
    // The database's own words stay in the log.
    assert!(!response.body.contains("schema_migrations"), "{}", response.body);

    app.store.migrate().await.expect("migrate");
    assert_eq!(app.get("/readyz").await.status, StatusCode::OK);
}
