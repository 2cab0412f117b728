//! `GET /`: the Japanese landing page.

use axum::http::StatusCode;

use crate::{TestApp, fixture};

#[tokio::test]
async fn landing_page_is_japanese_html_with_the_counts() {
    let app = TestApp::new().await;
    fixture::populate(&app).await;
    let response = app.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(response.content_type(), "text/html; charset=utf-8");
    let html = &response.body;
    assert!(html.starts_with("<!doctype html>"));
    assert!(html.contains(r#"<html lang="ja">"#));
    assert!(html.contains(r#"<meta charset="utf-8">"#));
    assert!(html.contains(r#"<meta name="viewport" content="width=device-width, initial-scale=1">"#));
    assert!(html.contains("<title>onshi — オンライン資格確認等システム</title>"));
    for (label, count) in [("住民", 3), ("保険者", 1), ("被保険者", 2), ("紐付け済み", 1), ("医療機関", 4)]
    {
        let row = format!("<tr><th scope=\"row\">{label}</th><td>{count}</td></tr>");
        assert!(html.contains(&row), "missing {row} in\n{html}");
    }
    for link in ["/healthz", "/metrics", "/openapi.json"] {
        assert!(html.contains(&format!("href=\"{link}\"")), "{link}");
    }
    assert!(!html.contains("http://") && !html.contains("https://"), "no external assets");
}

#[tokio::test]
async fn landing_page_still_renders_when_the_store_cannot_count() {
    let app = TestApp::unmigrated().await;
    let response = app.get("/").await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(response.body.contains("データベースに接続できません"));
}
