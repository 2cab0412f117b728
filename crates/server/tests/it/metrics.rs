//! `/metrics`: request counters and histograms, store gauges.

use axum::http::StatusCode;

use crate::{TestApp, fixture};

/// The value of the first sample line that starts with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines().find(|line| line.starts_with(prefix)).and_then(|line| line.rsplit(' ').next()?.parse().ok())
}

#[tokio::test]
async fn requests_are_counted_by_method_route_and_status() {
    let app = TestApp::new().await;
    app.get("/healthz").await;
    app.get("/healthz").await;
    app.get("/nowhere").await;

    let response = app.get("/metrics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.content_type().starts_with("text/plain; version=0.0.4"), "{}", response.content_type());
    let text = &response.body;
    assert_eq!(
        sample(text, r#"onshi_http_requests_total{method="GET",route="/healthz",status="200"}"#),
        Some(2.0),
        "{text}"
    );
    assert_eq!(sample(text, r#"onshi_http_requests_total{method="GET",route="unmatched",status="404"}"#), Some(1.0));
    assert!(text.contains("# TYPE onshi_http_request_duration_seconds histogram"), "{text}");
    assert_eq!(
        sample(text, r#"onshi_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"}"#),
        Some(2.0)
    );
    assert!(text.contains(
        r#"onshi_http_request_duration_seconds_bucket{method="GET",route="/healthz",status="200",le="0.005"}"#
    ));
}

#[tokio::test]
async fn gauges_show_the_store_counts() {
    let app = TestApp::new().await;
    fixture::populate(&app).await;
    let text = app.get("/metrics").await.body;
    for (name, expected) in [
        ("onshi_residents ", 3.0),
        ("onshi_insurers ", 1.0),
        ("onshi_members ", 2.0),
        ("onshi_members_linked ", 1.0),
        ("onshi_members_eligible_today ", 2.0),
        ("onshi_facilities ", 4.0),
    ] {
        assert_eq!(sample(&text, name), Some(expected), "{name}in\n{text}");
    }
    assert!(text.contains("# TYPE onshi_residents gauge"));
}

#[tokio::test]
async fn routers_do_not_share_metrics() {
    let first = TestApp::new().await;
    let second = TestApp::new().await;
    first.get("/healthz").await;
    let text = second.get("/metrics").await.body;
    assert!(!text.contains(r#"route="/healthz""#), "{text}");
}

#[tokio::test]
async fn scrape_still_answers_when_the_store_cannot_count() {
    let app = TestApp::unmigrated().await;
    let response = app.get("/metrics").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(sample(&response.body, "onshi_store_scrape_errors_total "), Some(1.0), "{}", response.body);
}
