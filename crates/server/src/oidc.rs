//! The OpenID Connect provider over HTTP (see `onshi_app::oidc`):
//! discovery, JWKS, PAR, the authorization page, the app's approval, the
//! token and userinfo endpoints.
//!
//! Errors of the OAuth endpoints answer as RFC 6749 §5.2 says
//! (`{"error": …, "error_description": …}`), not with the platform's
//! `{code, message}`: relying-party libraries read them. The authorization
//! page shows its errors in Japanese and never redirects on one, so an
//! unregistered `redirect_uri` cannot be used as an open redirect.

use axum::extract::rejection::FormRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use onshi_app::oidc::{AuthParams, ClientAuth, OidcError, Provider, Status, TokenParams};
use onshi_domain::oidc::Scope;
use serde::Deserialize;
use serde_json::json;

use crate::state::AppState;

pub(crate) fn well_known_router() -> Router<AppState> {
    Router::new().route("/.well-known/openid-configuration", get(discovery))
}

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/jwks", get(jwks))
        .route("/par", post(par))
        .route("/authorize", get(authorize))
        .route("/authorize/status", get(status))
        .route("/authorize/cancel", post(cancel))
        .route("/app/request", post(app_request))
        .route("/app/challenge", post(app_challenge))
        .route("/app/approve", post(app_approve))
        .route("/token", post(token))
        .route("/userinfo", get(userinfo).post(userinfo))
}

/// An OAuth error answer.
pub(crate) struct OAuthError(OidcError);

impl From<OidcError> for OAuthError {
    fn from(e: OidcError) -> Self {
        OAuthError(e)
    }
}

impl IntoResponse for OAuthError {
    fn into_response(self) -> Response {
        let e = self.0;
        let status = match &e {
            OidcError::InvalidClient(_) | OidcError::InvalidToken(_) | OidcError::SignIn(_) => StatusCode::UNAUTHORIZED,
            OidcError::AccessDenied(_) => StatusCode::FORBIDDEN,
            OidcError::Unavailable(source) => {
                tracing::error!(error = %source, "OpenID provider: store unavailable");
                StatusCode::SERVICE_UNAVAILABLE
            }
            _ => StatusCode::BAD_REQUEST,
        };
        let mut response =
            (status, Json(json!({ "error": e.code(), "error_description": e.to_string() }))).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        if let OidcError::InvalidToken(_) = e {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer error=\"invalid_token\""));
        } else if let OidcError::InvalidClient(_) = e {
            headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic realm=\"onshi\""));
        }
        response
    }
}

fn provider(state: &AppState) -> Result<&Provider, OAuthError> {
    state.oidc.as_deref().ok_or_else(|| {
        OAuthError(OidcError::InvalidRequest(
            "this server runs no OpenID provider; start it with `onshi serve`, which keeps the provider's keys".into(),
        ))
    })
}

fn form<T>(form: Result<Form<T>, FormRejection>) -> Result<T, OAuthError> {
    form.map(|Form(t)| t)
        .map_err(|e| OAuthError(OidcError::InvalidRequest(format!("the body is not a valid form: {}", e.body_text()))))
}

#[utoipa::path(
    get,
    path = "/.well-known/openid-configuration",
    tag = "oidc",
    responses((status = 200, description = "OpenID Provider Metadata (discovery): endpoints, `code` only, S256, `private_key_jwt`, pairwise subjects, ES256"))
)]
pub(crate) async fn discovery(State(state): State<AppState>) -> Result<Response, OAuthError> {
    let p = provider(&state)?;
    let issuer = p.issuer();
    let scopes: Vec<&str> = Scope::ALL.iter().map(|s| s.code()).collect();
    Ok(Json(json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/oidc/authorize"),
        "token_endpoint": p.token_endpoint(),
        "userinfo_endpoint": format!("{issuer}/oidc/userinfo"),
        "jwks_uri": format!("{issuer}/oidc/jwks"),
        "pushed_authorization_request_endpoint": p.par_endpoint(),
        "require_pushed_authorization_requests": false,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["ES256"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"],
        "token_endpoint_auth_signing_alg_values_supported": ["ES256", "RS256", "PS256"],
        "code_challenge_methods_supported": ["S256"],
        "scopes_supported": scopes,
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "auth_time", "nonce", "name", "address", "birthdate", "gender"],
        "authorization_response_iss_parameter_supported": true,
        "ui_locales_supported": ["ja"],
    }))
    .into_response())
}

#[utoipa::path(
    get,
    path = "/oidc/jwks",
    tag = "oidc",
    responses((status = 200, description = "The JWK Set of the ID-token signing key (ES256, `kid` = RFC 7638 thumbprint)"))
)]
pub(crate) async fn jwks(State(state): State<AppState>) -> Result<Response, OAuthError> {
    Ok(Json(provider(&state)?.keys().jwks()).into_response())
}

/// The client's credentials from the body and the Authorization header.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct ClientFields {
    client_id: Option<String>,
    client_assertion_type: Option<String>,
    client_assertion: Option<String>,
}

fn client_auth(headers: &HeaderMap, fields: ClientFields) -> ClientAuth {
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| STANDARD.decode(b.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(id, secret)| (id.to_owned(), secret.to_owned())));
    ClientAuth {
        client_id: fields.client_id,
        client_assertion_type: fields.client_assertion_type,
        client_assertion: fields.client_assertion,
        basic,
    }
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct ParForm {
    #[serde(flatten)]
    client: ClientFields,
    response_type: Option<String>,
    redirect_uri: Option<String>,
    scope: Option<String>,
    state: Option<String>,
    nonce: Option<String>,
    code_challenge: Option<String>,
    code_challenge_method: Option<String>,
    request_uri: Option<String>,
}

#[utoipa::path(
    post,
    path = "/oidc/par",
    tag = "oidc",
    responses((status = 201, description = "201 `{request_uri, expires_in: 60}` (RFC 9126); 400 `invalid_request`/`invalid_scope`, 401 `invalid_client` as RFC 6749 §5.2"))
)]
pub(crate) async fn par(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<ParForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let p = provider(&state)?;
    let f = form(body)?;
    let params = AuthParams {
        response_type: f.response_type,
        client_id: f.client.client_id.clone(),
        redirect_uri: f.redirect_uri,
        scope: f.scope,
        state: f.state,
        nonce: f.nonce,
        code_challenge: f.code_challenge,
        code_challenge_method: f.code_challenge_method,
        request_uri: f.request_uri,
    };
    let auth = client_auth(&headers, f.client);
    let (request_uri, expires_in) = p.push(&auth, &params, state.clock.now()).await?;
    let mut response =
        (StatusCode::CREATED, Json(json!({ "request_uri": request_uri, "expires_in": expires_in }))).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '&' => "&amp;".into(),
            '<' => "&lt;".into(),
            '>' => "&gt;".into(),
            '"' => "&quot;".into(),
            '\'' => "&#39;".into(),
            other => other.to_string(),
        })
        .collect()
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title}</title></head><body><main>{body}</main></body></html>\n",
        title = escape(title)
    );
    let mut response = (status, Html(html)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    response
}

/// The authorization page: which service asks for what, and the user code
/// to enter in the app. It polls the status and follows the redirect.
#[utoipa::path(
    get,
    path = "/oidc/authorize",
    tag = "oidc",
    responses((status = 200, description = "200: the Japanese page with the service, the attributes asked for and the user code; 400: an error page, never a redirect"))
)]
pub(crate) async fn authorize(State(state): State<AppState>, Query(params): Query<AuthParams>) -> Response {
    let Some(p) = state.oidc.as_deref() else {
        return page(StatusCode::SERVICE_UNAVAILABLE, "利用できません", "<h1>この認証サービスは利用できません</h1>");
    };
    match p.authorize(&params, state.clock.now()).await {
        Ok(pending) => {
            let items: String =
                pending.scopes.iter().filter(|s| s.is_claim()).map(|s| format!("<li>{}</li>", s.label_ja())).collect();
            let items = if items.is_empty() { "<li>利用者の識別子のみ</li>".to_owned() } else { items };
            let body = format!(
                "<h1>マイナンバーカードでログイン</h1>\
                 <p><strong>{client}</strong> が、次の情報の提供を求めています。</p><ul>{items}</ul>\
                 <p>スマートフォンのアプリで次のユーザーコードを入力し、マイナンバーカードを読み取って\
                 利用者証明用電子証明書の暗証番号（4桁）を入力してください。</p>\
                 <p>ユーザーコード: <strong id=\"user-code\">{code}</strong></p>\
                 <p>有効期限: {expires}</p><p id=\"status\">アプリでの承認を待っています…</p>\
                 <form method=\"post\" action=\"/oidc/authorize/cancel\"><input type=\"hidden\" name=\"id\" value=\"{id}\">\
                 <button type=\"submit\">キャンセル</button></form>\
                 <script>\
                 (function poll() {{ fetch('/oidc/authorize/status?id={id}').then(r => r.json()).then(s => {{\
                   if (s.status === 'redirect') {{ window.location.replace(s.location); }}\
                   else if (s.status === 'over') {{ document.getElementById('status').textContent = 'この要求は終了しました。最初からやり直してください。'; }}\
                   else {{ setTimeout(poll, 2000); }} }}).catch(() => setTimeout(poll, 5000)); }})();\
                 </script>",
                client = escape(&pending.client_name),
                code = escape(&pending.user_code),
                expires = pending.expires_at.with_timezone(&chrono_tz_japan()).format("%H:%M"),
                id = escape(&pending.id),
            );
            page(StatusCode::OK, "マイナンバーカードでログイン", &body)
        }
        Err(OidcError::Unavailable(source)) => {
            tracing::error!(error = %source, "authorization page: store unavailable");
            page(
                StatusCode::SERVICE_UNAVAILABLE,
                "エラー",
                "<h1>ただいま利用できません</h1><p>しばらくしてからやり直してください。</p>",
            )
        }
        Err(e) => page(
            StatusCode::BAD_REQUEST,
            "エラー",
            &format!(
                "<h1>このログイン要求は受け付けられません</h1>\
                 <p>連携サービスの要求に誤りがあります。連携サービスに問い合わせてください。</p>\
                 <p><code>{}</code>: {}</p>",
                e.code(),
                escape(&e.to_string())
            ),
        ),
    }
}

/// Japan's offset (JST, no daylight saving).
fn chrono_tz_japan() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("UTC"))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct IdQuery {
    id: String,
}

#[utoipa::path(
    get,
    path = "/oidc/authorize/status",
    tag = "oidc",
    responses((status = 200, description = "`{status: pending}`, `{status: redirect, location}` (once: the code or `error=access_denied`), or `{status: over}`"))
)]
pub(crate) async fn status(State(state): State<AppState>, Query(q): Query<IdQuery>) -> Result<Response, OAuthError> {
    let p = provider(&state)?;
    let answer = match p.status(&q.id, state.clock.now()).await? {
        Status::Pending => json!({ "status": "pending" }),
        Status::Redirect(location) => json!({ "status": "redirect", "location": location }),
        Status::Over => json!({ "status": "over" }),
    };
    let mut response = Json(answer).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

#[utoipa::path(
    post,
    path = "/oidc/authorize/cancel",
    tag = "oidc",
    responses((status = 303, description = "303 to the redirect URI with `error=access_denied`"))
)]
pub(crate) async fn cancel(State(state): State<AppState>, body: Result<Form<IdQuery>, FormRejection>) -> Response {
    let Some(p) = state.oidc.as_deref() else {
        return page(StatusCode::SERVICE_UNAVAILABLE, "利用できません", "<h1>この認証サービスは利用できません</h1>");
    };
    let Ok(Form(q)) = body else {
        return page(StatusCode::BAD_REQUEST, "エラー", "<h1>要求が正しくありません</h1>");
    };
    let now = state.clock.now();
    if p.cancel(&q.id, now).await.is_ok()
        && let Ok(Status::Redirect(location)) = p.status(&q.id, now).await
    {
        let mut response = StatusCode::SEE_OTHER.into_response();
        if let Ok(value) = HeaderValue::from_str(&location) {
            response.headers_mut().insert(header::LOCATION, value);
        }
        return response;
    }
    page(StatusCode::OK, "キャンセル", "<h1>この要求は終了しました</h1>")
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct UserCodeBody {
    user_code: String,
}

/// The app: what a user code's request asks for.
#[utoipa::path(
    post,
    path = "/oidc/app/request",
    tag = "oidc",
    responses((status = 200, description = "The app: what the request of a user code asks for (`{client_name, claims}`)"))
)]
pub(crate) async fn app_request(
    State(state): State<AppState>,
    Json(b): Json<UserCodeBody>,
) -> Result<Response, OAuthError> {
    let p = provider(&state)?;
    let asked = p.app_request(&b.user_code, state.clock.now()).await?;
    let claims: Vec<serde_json::Value> =
        asked.claims.iter().map(|c| json!({ "claim": c.code(), "label": c.label_ja() })).collect();
    Ok(Json(json!({ "client_name": asked.client_name, "claims": claims })).into_response())
}

/// The app: a JPKI challenge for the card to sign.
#[utoipa::path(
    post,
    path = "/oidc/app/challenge",
    tag = "oidc",
    responses((status = 201, description = "The app: 201 a one-time JPKI challenge for the card to sign"))
)]
pub(crate) async fn app_challenge(State(state): State<AppState>) -> Result<Response, OAuthError> {
    let jpki = state.jpki.as_ref().ok_or_else(|| OAuthError(OidcError::InvalidRequest("no JPKI service".into())))?;
    let challenge = jpki.new_challenge(state.clock.now()).await.map_err(|e| {
        tracing::error!(error = %e, "app challenge");
        OAuthError(OidcError::InvalidRequest("no challenge can be made now; try again".into()))
    })?;
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "challenge_id": challenge.id,
            "challenge": STANDARD.encode(&challenge.nonce),
            "expires_at": challenge.expires_at.to_rfc3339(),
        })),
    )
        .into_response())
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct ApproveBody {
    user_code: String,
    challenge_id: String,
    /// The user-authentication certificate, DER, base64.
    certificate: String,
    /// The card's signature over the challenge, base64.
    signature: String,
    /// The attributes the person agrees to release.
    #[serde(default)]
    claims: Vec<String>,
}

/// The app: the person approves with the card's signature.
#[utoipa::path(
    post,
    path = "/oidc/app/approve",
    tag = "oidc",
    responses((status = 200, description = "The app: the card's signature approves the request for the released claims; 401 with the sign-in refusal code, 403 `access_denied` for a certificate in its grace"))
)]
pub(crate) async fn app_approve(
    State(state): State<AppState>,
    body: Result<Json<ApproveBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, OAuthError> {
    let p = provider(&state)?;
    let Json(b) = body.map_err(|e| OAuthError(OidcError::InvalidRequest(format!("the body: {}", e.body_text()))))?;
    let decode = |field: &str, value: &str| {
        STANDARD
            .decode(value.trim())
            .map_err(|_| OAuthError(OidcError::InvalidRequest(format!("{field} is not base64"))))
    };
    let certificate = decode("certificate", &b.certificate)?;
    let signature = decode("signature", &b.signature)?;
    let mut claims = Vec::new();
    for code in &b.claims {
        let scope = Scope::from_code(code).filter(|s| s.is_claim()).ok_or_else(|| {
            OAuthError(OidcError::InvalidRequest(format!(
                "claims {code:?}: only name, address, birthdate and gender can be released"
            )))
        })?;
        claims.push(scope);
    }
    p.approve(&b.user_code, &b.challenge_id, &certificate, &signature, &claims, state.clock.now()).await?;
    Ok(Json(json!({ "status": "approved" })).into_response())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub(crate) struct TokenForm {
    #[serde(flatten)]
    client: ClientFields,
    grant_type: Option<String>,
    code: Option<String>,
    redirect_uri: Option<String>,
    code_verifier: Option<String>,
}

#[utoipa::path(
    post,
    path = "/oidc/token",
    tag = "oidc",
    responses((status = 200, description = "The authorization code grant: `{access_token, token_type, expires_in, id_token, scope}`; errors as RFC 6749 §5.2 (`invalid_grant`, `invalid_client`, `unsupported_grant_type`)"))
)]
pub(crate) async fn token(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Form<TokenForm>, FormRejection>,
) -> Result<Response, OAuthError> {
    let p = provider(&state)?;
    let f = form(body)?;
    let auth = client_auth(&headers, f.client);
    let params = TokenParams {
        grant_type: f.grant_type,
        code: f.code,
        redirect_uri: f.redirect_uri,
        code_verifier: f.code_verifier,
    };
    let answer = p.token(&auth, &params, state.clock.now()).await?;
    let mut response = Json(answer).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    Ok(response)
}

#[utoipa::path(
    method(get, post),
    path = "/oidc/userinfo",
    tag = "oidc",
    responses((status = 200, description = "`sub` and the released claims among name, address (`{formatted}`), birthdate, gender; 401 `invalid_token`"))
)]
pub(crate) async fn userinfo(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, OAuthError> {
    let p = provider(&state)?;
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| OAuthError(OidcError::InvalidToken("send the access token as Authorization: Bearer".into())))?;
    let claims = p.userinfo(bearer.trim(), state.clock.now()).await?;
    let mut response = Json(claims).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
