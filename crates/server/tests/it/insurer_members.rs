//! `/insurer/members` and the late-registration report: 資格取得, 変更, 喪失
//! and the history over HTTP, with errors naming the field.

use axum::body::Body;
use axum::http::{Request, StatusCode};

use crate::{ADMIN_TOKEN, TestApp, TestResponse, fixture};

const PATH: &str = "/insurer/members/01130012/1234/3001/00";

async fn call(app: &TestApp, method: &str, path: &str, body: &str) -> TestResponse {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .expect("request");
    app.send(request).await
}

/// The fixture's residents share all 5 attributes, so a member without My
/// Number cannot be told apart: the acquisition names resident 1's number.
const ACQUIRE: &str = r#"{
    "insurer_number": "01130012", "symbol": "1234", "number": "3001", "branch": "00",
    "name_kanji": "山田 太郎", "name_kana": "ヤマダ タロウ", "birth_date": "1980-04-01", "sex": 1,
    "address": "東京都八王子市元本郷町三丁目24番1号", "my_number": "000000000019",
    "relationship": 1, "copay_ratio": 3, "acquired_on": "2026-03-25", "notified_on": "2026-03-25",
    "limit": {"kind": "01", "category": "A03", "issued_on": "2026-03-25", "valid_from": "2026-03-25", "valid_until": "2026-07-31"},
    "by": "clerk-1"
}"#;

#[tokio::test]
async fn acquire_change_lose_and_read_the_history() {
    let app = TestApp::new().await.with_admin_token(ADMIN_TOKEN);
    fixture::populate(&app).await;

    let anonymous = app.get(&format!("{PATH}/events")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let created = call(&app, "POST", "/insurer/members", ACQUIRE).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    let view = created.json();
    assert_eq!(view["lookup"], "my_number");
    assert_eq!(view["link_state"], "active");
    assert_eq!(view["my_number_given"], true);
    assert!(view.get("my_number").is_none() && !created.body.contains("000000000019"), "{}", created.body);
    assert_eq!(view["limit"]["category"]["code"], "A03");
    assert_eq!(view["limit"]["category"]["name"], "ウ");
    assert_eq!(view["registered_at"], "2026-04-01T00:00:00.000Z");

    let again = call(&app, "POST", "/insurer/members", ACQUIRE).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(again.json()["code"], "member_exists");

    let changed = call(&app, "PATCH", PATH, r#"{"copay_ratio": "2", "limit": null}"#).await;
    assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
    assert_eq!(changed.json()["copay_ratio"], 2);
    assert!(changed.json()["limit"].is_null(), "{}", changed.body);

    let early = call(&app, "POST", &format!("{PATH}/loss"), r#"{"lost_on": "2026-03-01", "loss_reason": "03"}"#).await;
    assert_eq!(early.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", early.body);
    assert_eq!(
        (early.json()["code"].as_str(), early.json()["field"].as_str()),
        (Some("invalid_field"), Some("lost_on"))
    );

    let lost = call(&app, "POST", &format!("{PATH}/loss"), r#"{"lost_on": "2026-04-01", "loss_reason": "03"}"#).await;
    assert_eq!(lost.status, StatusCode::OK, "{}", lost.body);
    assert_eq!(lost.json()["loss_reason"]["name"], "医療保険等の資格取得");

    let history = call(&app, "GET", &format!("{PATH}/events"), "").await;
    assert_eq!(history.status, StatusCode::OK, "{}", history.body);
    let events = history.json()["events"].clone();
    let kinds: Vec<&str> = events.as_array().expect("events").iter().filter_map(|e| e["kind"].as_str()).collect();
    assert_eq!(kinds, ["acquired", "changed", "lost"]);
    assert_eq!(events[0]["by"], "clerk-1");
    assert_eq!(events[1]["changes"][0], "copay_ratio: 3 → 2");

    let missing = call(&app, "GET", "/insurer/members/01130012/1234/9999/00/events", "").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.body);
}

#[tokio::test]
async fn bad_fields_are_named_and_nothing_is_written() {
    let app = TestApp::new().await.with_admin_token(ADMIN_TOKEN);
    fixture::populate(&app).await;
    let bad = ACQUIRE.replace(r#""category": "A03""#, r#""category": "Z99""#);
    let refused = call(&app, "POST", "/insurer/members", &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    let body = refused.json();
    assert_eq!(body["field"], "limit_category");
    assert!(body["message"].as_str().unwrap_or("").contains("Z99"), "{body}");

    let elderly = ACQUIRE.replace(
        r#""by": "clerk-1""#,
        r#""elderly": {"issued_on": "2026-03-25", "valid_from": "2026-03-25", "valid_until": "2027-03-31", "copay_ratio": 2}"#,
    );
    let refused = call(&app, "POST", "/insurer/members", &elderly).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["field"], "elderly_valid_from", "{}", refused.body);

    let not_json = call(&app, "POST", "/insurer/members", "{").await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST, "{}", not_json.body);
    let empty = call(&app, "PATCH", "/insurer/members/01130012/1234/1001/00", "{}").await;
    assert_eq!((empty.status, empty.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("body")));

    let events = call(&app, "GET", &format!("{PATH}/events"), "").await;
    assert_eq!(events.status, StatusCode::NOT_FOUND, "nothing was written: {}", events.body);
}

#[tokio::test]
async fn an_ambiguous_search_links_nobody_and_the_late_report_counts_days_in_japan() {
    let app = TestApp::new().await.with_admin_token(ADMIN_TOKEN);
    fixture::populate(&app).await;
    // Notified 2026-03-20; received 2026-04-01T00:00Z (09:00 in Japan): 12 days.
    let body = ACQUIRE
        .replace(r#""my_number": "000000000019","#, "")
        .replace(r#""notified_on": "2026-03-25""#, r#""notified_on": "2026-03-20""#);
    let created = call(&app, "POST", "/insurer/members", &body).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
    assert_eq!(created.json()["lookup"], "ambiguous");
    assert!(created.json()["link_state"].is_null(), "{}", created.body);

    let report =
        call(&app, "GET", "/insurer/reports/late-registrations?insurer=01130012&from=2026-03-01&to=2026-03-31", "")
            .await;
    assert_eq!(report.status, StatusCode::OK, "{}", report.body);
    let rows = report.json();
    assert_eq!(rows.as_array().map(Vec::len), Some(1), "{rows}");
    assert_eq!((rows[0]["number"].as_str(), rows[0]["days"].as_i64()), (Some("3001"), Some(12)));

    let bad =
        call(&app, "GET", "/insurer/reports/late-registrations?insurer=01130012&from=2026-13-01&to=2026-03-31", "")
            .await;
    assert_eq!((bad.status, bad.json()["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("from")));
}
