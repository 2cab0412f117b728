//! Signing in to the portal with the app, and out.

use axum::extract::State;
use axum::extract::rejection::FormRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Form, Json};
use chrono::{DateTime, Utc};
use onshi_app::portal::{NewSession, Portal, Session, SignIn};
use serde::Deserialize;
use serde_json::json;

use super::{escape, failure, jst, page, portal, protect, removed_cookie, see_other, session, with_session};
use crate::state::AppState;

/// `/portal/`: the home page when signed in; otherwise the sign-in page of
/// the session waiting for the app (a new one when there is none, or when
/// its request is over).
pub(crate) async fn front(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let portal = match portal(&state) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let now = state.clock.now();
    let current = match session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    match current {
        Some(s) if s.person().is_some() => super::pages::home(&state, &portal, &s).await,
        Some(s) => match portal.sign_in_status(&s, now).await {
            Ok(SignIn::Waiting { user_code, expires_at }) => sign_in_page(&state, &user_code, expires_at, None),
            Ok(SignIn::SignedIn(new)) => with_session(see_other("/portal/"), &new),
            Ok(SignIn::Denied) => {
                start(&state, &portal, Some("アプリで承認されなかったため、ログインを中止しました。")).await
            }
            Ok(SignIn::Over) => start(&state, &portal, None).await,
            Err(e) => failure(e),
        },
        None => start(&state, &portal, None).await,
    }
}

/// A new sign-in and its page, with the session's cookie.
async fn start(state: &AppState, portal: &Portal, note: Option<&str>) -> Response {
    match portal.start_sign_in(state.clock.now()).await {
        Ok((new, user_code)) => {
            let expires = state.clock.now() + onshi_app::oidc::AUTHORIZATION_LIFETIME;
            with_session(sign_in_page(state, &user_code, expires, note), &new)
        }
        Err(e) => failure(e),
    }
}

fn sign_in_page(state: &AppState, user_code: &str, expires_at: DateTime<Utc>, note: Option<&str>) -> Response {
    let issuer = state.oidc.as_ref().map(|p| p.issuer().to_owned()).unwrap_or_default();
    // What the app reads from the QR code: the user code, at this platform.
    let qr = super::qr::svg(&format!("{issuer}/oidc/app?user_code={user_code}"));
    let note = note.map(|n| format!("<p class=\"warn\">{}</p>", escape(n))).unwrap_or_default();
    let body = format!(
        "<h1>ログイン</h1>{note}\
         <p>スマートフォンのデジタル認証アプリで次のユーザーコードを入力するか、QRコードを読み取ってください。\
         マイナンバーカードを読み取り、利用者証明用電子証明書の暗証番号（数字4桁）で承認すると、\
         この画面は自動的に進みます。</p>\
         <section class=\"code\"><p>ユーザーコード</p><p id=\"user-code\" class=\"user-code\">{code}</p>\
         <div class=\"qr\" role=\"img\" aria-label=\"ユーザーコードのQRコード\">{qr}</div>\
         <p>有効期限: {expires}</p></section>\
         <p id=\"status\" data-poll=\"/portal/sign-in/status\" aria-live=\"polite\">アプリでの承認を待っています…</p>\
         <p class=\"small\">アプリに「マイナポータル」と表示されることを確かめてから承認してください。\
         ご自身で始めたものでないコードは承認しないでください。</p>\
         <noscript><p><a href=\"/portal/\">承認したらここを押してください</a></p></noscript>\
         <script src=\"/portal/portal.js\" defer></script>",
        code = escape(user_code),
        expires = jst(expires_at),
    );
    page(StatusCode::OK, "ログイン", None, &body)
}

/// The sign-in page's polling: `waiting`, `signed_in` (with the person's
/// session cookie), `denied` or `over`.
pub(crate) async fn status(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let answer = |status: &str, new: Option<&NewSession>| {
        let mut response = Json(json!({ "status": status })).into_response();
        protect(response.headers_mut());
        match new {
            Some(new) => with_session(response, new),
            None => response,
        }
    };
    let portal = match portal(&state) {
        Ok(p) => p,
        Err(response) => return response,
    };
    let current: Option<Session> = match session(&state, &headers).await {
        Ok(s) => s,
        Err(response) => return response,
    };
    let Some(s) = current else { return answer("over", None) };
    if s.person().is_some() {
        return answer("signed_in", None);
    }
    match portal.sign_in_status(&s, state.clock.now()).await {
        Ok(SignIn::Waiting { .. }) => answer("waiting", None),
        Ok(SignIn::SignedIn(new)) => answer("signed_in", Some(&new)),
        Ok(SignIn::Denied) => answer("denied", None),
        Ok(SignIn::Over) => answer("over", None),
        Err(e) => failure(e),
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: Option<String>,
}

/// ログアウト: the session is forgotten, and its cookie removed.
pub(crate) async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<CsrfForm>, FormRejection>,
) -> Response {
    let token = form.ok().and_then(|Form(f)| f.csrf);
    let (portal, session) = match super::signed_in_form(&state, &headers, token.as_deref()).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    if let Err(e) = portal.sign_out(&session).await {
        return failure(e);
    }
    let mut response = page(
        StatusCode::OK,
        "ログアウトしました",
        None,
        "<h1>ログアウトしました</h1><p><a href=\"/portal/\">もう一度ログインする</a></p>",
    );
    response.headers_mut().append(header::SET_COOKIE, removed_cookie());
    response
}
