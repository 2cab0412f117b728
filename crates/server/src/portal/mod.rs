//! The citizen portal (マイナポータル) under `/portal/`: server-rendered
//! Japanese pages for a phone-sized screen, one small stylesheet and one
//! small script (the sign-in page's polling); no framework.
//!
//! Sign-in goes through the platform's own OpenID provider as a first-party
//! relying party (see `onshi_app::portal`): the page shows the user code and
//! its QR code, the person approves in the app with the card, the page
//! notices by itself and continues.
//!
//! The session is a random 256-bit id in a cookie (the store keeps only its
//! SHA-256):
//!
//! `__Host-onshi_portal={id}; Path=/; Max-Age=900; Secure; HttpOnly; SameSite=Lax`
//!
//! The `__Host-` prefix makes browsers refuse the cookie unless it is
//! `Secure`, set by a secure origin, without `Domain` and with `Path=/`: a
//! sibling subdomain or a plain-HTTP page cannot plant or overwrite it
//! (session fixation by cookie tossing); the session id is also replaced at
//! sign-in. The prefix requires `Path=/` (Chromium refuses `__Host-` with
//! `Path=/portal`), so the cookie also travels with requests to the rest of
//! the origin; nothing there reads it, since every API takes a bearer token.
//! Chromium accepts `Secure` and `__Host-` cookies from `http://127.0.0.1`
//! and `http://localhost`, which it counts as secure origins (the browser
//! test checks the cookie it kept); anywhere else the portal must be served
//! over HTTPS.
//!
//! Every POST carries the session's synchronizer token (`csrf`), checked on
//! the server before anything changes; a missing or wrong token is refused
//! with `403` and changes nothing. Pages answer `Cache-Control: no-store`, a
//! strict Content-Security-Policy (no inline script), `X-Frame-Options:
//! DENY` and `Referrer-Policy: no-referrer`. URLs carry no personal data:
//! documents and coverages are named by their position on the page, consents
//! and facilities travel in POST bodies; the request log names only routes.
//!
//! | route | page |
//! | --- | --- |
//! | `GET /portal/` | sign-in (user code, QR code, polling) or ホーム with notices |
//! | `GET /portal/sign-in/status` | the sign-in page's polling (JSON); sets the session cookie once approved |
//! | `POST /portal/sign-out` | ログアウト |
//! | `GET /portal/insurance`, `…/insurance/{n}/eligibility.pdf` | 健康保険証: coverages, and the eligibility information as a PDF |
//! | `GET /portal/medical/{drugs,clinical,checkups,expenses}` | お薬, 診療情報, 健診, 医療費 (each read logged as `self`) |
//! | `GET /portal/access-log` | やりとり履歴, verified |
//! | `GET, POST /portal/consents` | 同意 and their revocation |
//! | `GET, POST /portal/registration`, `…/registration/documents/{n}` | 保険証利用登録 and 解除, the documents as PDFs |
//! | `GET /portal/linkage` | 登録状況 per insurer |
//! | `GET, POST /portal/blocks` | 閲覧拒否 of facilities |

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use onshi_app::portal::{NewSession, Portal, PortalError, Session};

use crate::state::AppState;

mod pages;
mod qr;
mod signin;

/// The session cookie's name.
pub(crate) const COOKIE: &str = "__Host-onshi_portal";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/portal", get(|| async { Redirect::permanent("/portal/") }))
        .route("/portal/", get(signin::front))
        .route("/portal/portal.css", get(css))
        .route("/portal/portal.js", get(js))
        .route("/portal/sign-in/status", get(signin::status))
        .route("/portal/sign-out", post(signin::sign_out))
        .route("/portal/insurance", get(pages::insurance))
        .route("/portal/insurance/{n}/eligibility.pdf", get(pages::insurance_pdf))
        .route("/portal/medical/{category}", get(pages::records))
        .route("/portal/access-log", get(pages::access_log))
        .route("/portal/consents", get(pages::consents).post(pages::revoke))
        .route("/portal/registration", get(pages::registration).post(pages::change_registration))
        .route("/portal/registration/documents/{n}", get(pages::document_pdf))
        .route("/portal/linkage", get(pages::linkage))
        .route("/portal/blocks", get(pages::blocks).post(pages::change_block))
}

const CSS: &str = include_str!("portal.css");
const JS: &str = include_str!("portal.js");

async fn css() -> Response {
    static_asset("text/css; charset=utf-8", CSS)
}

async fn js() -> Response {
    static_asset("text/javascript; charset=utf-8", JS)
}

fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    response
}

/// Escape text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

/// The headers every portal answer carries.
fn protect(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' data:; connect-src 'self'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
}

/// The cookie that carries a session.
fn session_cookie(cookie: &str) -> HeaderValue {
    let max_age = onshi_app::portal::IDLE_TIMEOUT.num_seconds();
    HeaderValue::from_str(&format!("{COOKIE}={cookie}; Path=/; Max-Age={max_age}; Secure; HttpOnly; SameSite=Lax"))
        .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The cookie that removes the session from the browser.
fn removed_cookie() -> HeaderValue {
    HeaderValue::from_static("__Host-onshi_portal=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax")
}

/// Set a new session's cookie on a response.
fn with_session(mut response: Response, new: &NewSession) -> Response {
    response.headers_mut().append(header::SET_COOKIE, session_cookie(&new.cookie));
    response
}

/// The session id a request's cookie carries.
fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value.to_owned())
}

/// The portal, or the page saying it is not served here.
#[allow(clippy::result_large_err, reason = "the error is the handler's answer, returned at once")]
pub(crate) fn portal(state: &AppState) -> Result<Arc<Portal>, Response> {
    state.portal.clone().ok_or_else(|| {
        page(
            StatusCode::SERVICE_UNAVAILABLE,
            "利用できません",
            None,
            "<h1>マイナポータルは利用できません</h1><p>このサーバーはポータルを提供していません\
             （<code>onshi serve</code> で起動してください）。</p>",
        )
    })
}

/// The request's session, unexpired (its idle time restarted).
pub(crate) async fn session(state: &AppState, headers: &HeaderMap) -> Result<Option<Session>, Response> {
    let portal = portal(state)?;
    let Some(cookie) = cookie_value(headers) else { return Ok(None) };
    portal.session(&cookie, state.clock.now()).await.map_err(failure)
}

/// A signed-in session, or the way to sign in.
pub(crate) async fn signed_in(state: &AppState, headers: &HeaderMap) -> Result<(Arc<Portal>, Session), Response> {
    let portal = portal(state)?;
    match session(state, headers).await? {
        Some(s) if s.person().is_some() => Ok((portal, s)),
        _ => Err(see_other("/portal/")),
    }
}

/// A form's session and token, checked before anything changes.
pub(crate) async fn signed_in_form(
    state: &AppState,
    headers: &HeaderMap,
    csrf: Option<&str>,
) -> Result<(Arc<Portal>, Session), Response> {
    let (portal, session) = signed_in(state, headers).await.map_err(|_| csrf_refused())?;
    match csrf {
        Some(token) if session.csrf_ok(token) => Ok((portal, session)),
        _ => Err(csrf_refused()),
    }
}

fn csrf_refused() -> Response {
    tracing::info!("portal: a form without a valid session token was refused");
    page(
        StatusCode::FORBIDDEN,
        "操作を受け付けられません",
        None,
        "<h1>この操作は受け付けられません</h1><p>画面の有効期限が切れたか、正しくない画面からの操作です。\
         何も変更していません。</p><p><a href=\"/portal/\">マイナポータルのトップへ</a></p>",
    )
}

pub(crate) fn see_other(location: &'static str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    response.headers_mut().insert(header::LOCATION, HeaderValue::from_static(location));
    protect(response.headers_mut());
    response
}

/// A failure of the platform, for the log and a Japanese page.
pub(crate) fn failure(error: PortalError) -> Response {
    match error {
        PortalError::CertificateInGrace => page(
            StatusCode::FORBIDDEN,
            "電子証明書の更新が必要です",
            None,
            "<h1>電子証明書の更新が必要です</h1><p class=\"warn\">利用者証明用電子証明書の有効期限が切れています\
             （更新の猶予期間中）。お薬・診療情報・健診・医療費の情報は、市区町村の窓口で電子証明書を更新するまで\
             表示できません。</p><p><a href=\"/portal/\">ホームへ戻る</a></p>",
        ),
        PortalError::NotFound(_) => page(
            StatusCode::NOT_FOUND,
            "見つかりません",
            None,
            "<h1>お探しの情報は見つかりません</h1><p><a href=\"/portal/\">ホームへ戻る</a></p>",
        ),
        other => {
            tracing::error!(error = %other, "portal: the platform could not answer");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "ただいま利用できません",
                None,
                "<h1>ただいま利用できません</h1><p>しばらくしてからもう一度お試しください。</p>\
                 <p><a href=\"/portal/\">ホームへ戻る</a></p>",
            )
        }
    }
}

/// The navigation of a signed-in page.
fn nav(session: &Session) -> String {
    let links = [
        ("/portal/", "ホーム"),
        ("/portal/insurance", "健康保険証"),
        ("/portal/medical/drugs", "お薬"),
        ("/portal/medical/clinical", "診療情報"),
        ("/portal/medical/checkups", "健診"),
        ("/portal/medical/expenses", "医療費"),
        ("/portal/access-log", "やりとり履歴"),
        ("/portal/consents", "同意"),
        ("/portal/registration", "保険証利用登録"),
        ("/portal/linkage", "登録状況"),
        ("/portal/blocks", "閲覧拒否"),
    ];
    let items: String = links.iter().map(|(href, label)| format!("<li><a href=\"{href}\">{label}</a></li>")).collect();
    format!(
        "<nav aria-label=\"メニュー\"><ul>{items}</ul>\
         <form method=\"post\" action=\"/portal/sign-out\" class=\"signout\">{csrf}\
         <button type=\"submit\">ログアウト</button></form></nav>",
        csrf = csrf_field(session)
    )
}

/// The hidden field with the session's token, for every form.
pub(crate) fn csrf_field(session: &Session) -> String {
    format!("<input type=\"hidden\" name=\"csrf\" value=\"{}\">", escape(&session.csrf_token))
}

/// A whole page: `body` is trusted HTML (escaped by its maker); with a
/// signed-in `session`, the menu.
pub(crate) fn page(status: StatusCode, title: &str, session: Option<&Session>, body: &str) -> Response {
    let nav = session.filter(|s| s.person().is_some()).map(nav).unwrap_or_default();
    let html = format!(
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} | マイナポータル</title><link rel=\"stylesheet\" href=\"/portal/portal.css\"></head>\
         <body><header><a class=\"brand\" href=\"/portal/\">マイナポータル</a></header>\
         <main>{body}</main>{nav}<footer>onshi — オンライン資格確認等システム</footer></body></html>\n",
        title = escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    protect(response.headers_mut());
    response
}

/// A PDF to download.
pub(crate) fn pdf(bytes: Vec<u8>, filename: &'static str) -> Response {
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    protect(headers);
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pdf"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// A time in Japan, `YYYY年M月D日 HH:MM`.
pub(crate) fn jst(at: chrono::DateTime<chrono::Utc>) -> String {
    let offset =
        chrono::FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"));
    at.with_timezone(&offset).format("%Y年%-m月%-d日 %H:%M").to_string()
}

/// A date in 和暦 (falling back to ISO).
pub(crate) fn wareki(date: onshi_domain::Date) -> String {
    onshi_domain::wareki::format(date).unwrap_or_else(|_| date.to_string())
}
