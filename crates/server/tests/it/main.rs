//! HTTP tests of the whole router over a real in-memory SQLite store, with a
//! fixed clock, driven by `oneshot` (no ports), plus the config loader and one
//! test of `serve` over a real socket.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use chrono::{DateTime, Utc};
use onshi_server::{AppState, Clock, router};
use onshi_store::Store;
use tower::ServiceExt;

mod admin;
mod config;
mod facility;
mod fixture;
mod health;
mod insurer;
mod insurer_members;
mod jpki;
mod landing;
mod matrix;
mod medical;
mod metrics;
mod oidc;
mod openapi;
mod portal;
mod serve;

/// 2026-04-01 09:00 JST.
fn fixed_now() -> DateTime<Utc> {
    "2026-04-01T00:00:00Z".parse().expect("test instant")
}

pub(crate) const ADMIN_TOKEN: &str = "test-admin-token-0123456789";

/// A router over a fresh migrated in-memory store.
struct TestApp {
    store: Arc<dyn Store>,
    state: AppState,
}

/// What a test looks at in an answer.
#[derive(Debug)]
struct TestResponse {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl TestResponse {
    fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|error| panic!("not JSON ({error}): {}", self.body))
    }

    fn content_type(&self) -> &str {
        self.headers.get("content-type").and_then(|value| value.to_str().ok()).unwrap_or("")
    }
}

impl TestApp {
    async fn new() -> TestApp {
        let app = TestApp::unmigrated().await;
        app.store.migrate().await.expect("migrate the in-memory store");
        app
    }

    /// A store whose migrations have not run: real, but not ready.
    async fn unmigrated() -> TestApp {
        let store = onshi_store::open("sqlite::memory:").await.expect("open in-memory SQLite");
        let state = AppState::new(store.clone()).with_clock(Clock::Fixed(fixed_now()));
        TestApp { store, state }
    }

    fn with_admin_token(mut self, token: &str) -> TestApp {
        self.state = self.state.with_admin_token(Some(token.to_owned()));
        self
    }

    async fn get(&self, path: &str) -> TestResponse {
        self.send(Request::get(path).body(Body::empty()).expect("request")).await
    }

    async fn send(&self, request: Request<Body>) -> TestResponse {
        let response = router(self.state.clone()).oneshot(request).await.expect("the router is infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = axum::body::to_bytes(response.into_body(), 16 * 1024 * 1024).await.expect("read the body");
        TestResponse { status, headers, body: String::from_utf8(bytes.to_vec()).expect("UTF-8 body") }
    }
}

#[tokio::test]
async fn unknown_path_is_a_json_404() {
    let app = TestApp::new().await;
    let response = app.get("/no/such/route").await;
    assert_eq!(response.status, StatusCode::NOT_FOUND);
    assert_eq!(response.json()["code"], "not_found");
}

#[tokio::test]
async fn wrong_method_is_a_json_405() {
    let app = TestApp::new().await;
    let response = app.send(Request::post("/healthz").body(Body::empty()).expect("request")).await;
    assert_eq!(response.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.json()["code"], "method_not_allowed");
}

#[test]
fn a_bad_log_filter_is_refused_before_anything_is_installed() {
    let error = onshi_server::init_tracing(onshi_server::config::LogFormat::Json, "info,=[{").expect_err("bad filter");
    assert!(matches!(error, onshi_server::TelemetryError::Filter { .. }), "{error:?}");
}
