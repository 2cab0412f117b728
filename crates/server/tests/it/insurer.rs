//! `/insurer`: links held by the linkage checks, and the insurer's decisions.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use onshi_domain::person::Sex;

use crate::{ADMIN_TOKEN, TestApp, TestResponse, fixture};

const MEMBER: &str = "/insurer/members/01130012/1234/2001/00/linkage";

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

/// A member carrying resident 1's My Number with someone else's attributes:
/// the import holds its link.
async fn held_member(app: &TestApp) {
    fixture::populate(app).await;
    let mut member = fixture::member("2001", Some(1));
    member.attributes.name_kanji = "佐藤 花子".to_owned();
    member.attributes.name_kana = "サトウ ハナコ".to_owned();
    member.attributes.sex = Sex::Female;
    member.attributes.birth_date = chrono::NaiveDate::from_ymd_opt(1975, 9, 9).expect("date");
    let outcome = app.store.upsert_members(vec![member]).await.expect("members");
    assert_eq!(outcome.suspended, 1);
}

#[tokio::test]
async fn a_held_link_is_listed_then_confirmed_by_the_insurer() {
    let app = TestApp::new().await.with_admin_token(ADMIN_TOKEN);
    held_member(&app).await;

    let anonymous = app.get("/insurer/linkages/suspended").await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    let listed = call(&app, "GET", "/insurer/linkages/suspended?insurer_number=01130012", "").await;
    assert_eq!(listed.status, StatusCode::OK, "{}", listed.body);
    let links = listed.json();
    assert_eq!(links.as_array().map(Vec::len), Some(1), "{links}");
    assert_eq!(links[0]["number"], "2001");
    assert_eq!(links[0]["branch"], "00");
    assert_eq!(links[0]["resident_code"], "00000000001");
    assert_eq!(links[0]["suspension"]["source"], "import");

    let before = call(&app, "GET", MEMBER, "").await;
    assert_eq!(before.json()["state"], "suspended", "{}", before.body);

    let confirmed = call(&app, "POST", &format!("{MEMBER}/confirm"), r#"{"by": "staff-7"}"#).await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.body);
    let view = confirmed.json();
    assert_eq!(view["state"], "confirmed");
    assert_eq!(view["suspensions"][0]["resolution"], "confirmed");
    assert_eq!(view["suspensions"][0]["resolved_by"], "staff-7");
    let after = call(&app, "GET", "/insurer/linkages/suspended", "").await;
    assert_eq!(after.json().as_array().map(Vec::len), Some(0), "{}", after.body);
}

#[tokio::test]
async fn corrections_name_what_is_wrong() {
    let app = TestApp::new().await.with_admin_token(ADMIN_TOKEN);
    held_member(&app).await;

    let unknown_resident =
        call(&app, "POST", &format!("{MEMBER}/correct"), r#"{"resident_code": "99999999999"}"#).await;
    assert_eq!(unknown_resident.status, StatusCode::NOT_FOUND, "{}", unknown_resident.body);
    assert_eq!(unknown_resident.json()["code"], "resident_not_found");
    assert!(unknown_resident.json()["message"].as_str().unwrap_or("").contains("99999999999"));

    let both =
        call(&app, "POST", &format!("{MEMBER}/correct"), r#"{"resident_code": "00000000002", "unlink": true}"#).await;
    assert_eq!(both.status, StatusCode::BAD_REQUEST, "{}", both.body);
    let bad_branch = call(&app, "GET", "/insurer/members/01130012/1234/2001/xx/linkage", "").await;
    assert_eq!(bad_branch.status, StatusCode::BAD_REQUEST, "{}", bad_branch.body);
    assert!(bad_branch.json()["message"].as_str().unwrap_or("").contains("xx"));
    let unknown_member = call(&app, "POST", "/insurer/members/01130012/1234/9999/00/linkage/confirm", "").await;
    assert_eq!(unknown_member.status, StatusCode::NOT_FOUND, "{}", unknown_member.body);
    assert_eq!(unknown_member.json()["code"], "member_not_found");

    let corrected = call(&app, "POST", &format!("{MEMBER}/correct"), r#"{"resident_code": "00000000002"}"#).await;
    assert_eq!(corrected.status, StatusCode::OK, "{}", corrected.body);
    assert_eq!(corrected.json()["resident_code"], "00000000002");
    assert_eq!(corrected.json()["state"], "confirmed");

    let unlinked = call(&app, "POST", &format!("{MEMBER}/correct"), r#"{"unlink": true}"#).await;
    assert_eq!(unlinked.json()["state"], serde_json::Value::Null, "{}", unlinked.body);
    let nothing = call(&app, "POST", &format!("{MEMBER}/confirm"), "").await;
    assert_eq!(nothing.status, StatusCode::CONFLICT, "{}", nothing.body);
    assert_eq!(nothing.json()["code"], "not_linked");
}
