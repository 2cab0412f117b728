//! Medical facilities and pharmacies, under `/facility`: online eligibility
//! verification by card and by insured number. Every route takes a
//! [`FacilityUser`]: the clinic's system, signed in with OAuth 2.0 client
//! credentials at `POST /oauth/token` (RFC 6749 §4.4).
//!
//! Why client credentials and not mTLS: a clinic's 電子カルテ or レセコン
//! behind a reverse proxy, or a vendor's cloud, can present a bearer token
//! without TLS termination changes at every hop, and the token's signature
//! is checked in memory (an HMAC, no lookup of the client) on each of
//! thousands of checks per second; only the facility record is read. The
//! client secret is random (256 bits) and kept hashed; tokens live
//! [`TOKEN_MINUTES`] minutes.
//!
//! | route | answers |
//! | --- | --- |
//! | `POST /oauth/token` | `grant_type=client_credentials` with the client id and secret (HTTP Basic or form) → a bearer token; a fire department's client (マイナ救急) gets one too, for `/crew` only |
//! | `POST /facility/eligibility/card` | the reader's signed challenge (or, after 顔認証 at the reader, the certificate alone), the visit date and the consent choices → coverages and verdict |
//! | `POST /facility/eligibility/insured-number` | 保険者番号, 記号, 番号, 枝番 (optional), 生年月日, visit date → verdict |
//! | `POST /facility/eligibility/offline-visits` | a visit the reader accepted while the platform could not be reached (failure mode): visit id, visit time, certificate, the card's signature over the bound nonce, consent → the answer as of the visit, recorded once per visit id |
//! | `POST /facility/registrations` | the reader's signed challenge → the card registered as insurance card (利用登録) on the spot |
//! | `POST /facility/medical/…` | drug, clinical and checkup information under consent, and emergency viewing (see `crate::medical`) |
//!
//! A face-verified check (`verification: face`) carries no signature: the
//! card's signature needs its PIN, and at a face-recognition reader the
//! patient types none. The platform then trusts the facility's reader, as
//! the real system trusts a registered terminal, and checks the
//! certificate's chain, validity and status as for a signed check.
//!
//! Answers carry `validity` (`code` 1–5 of OQSCD006, `name`, `label` in
//! Japanese). A check that ends without a verdict answers `422` with its
//! code (`certificate_suspended`, `certificate_revoked`,
//! `certificate_expired`, `challenge_used`, `linkage_under_inspection`, …
//! see `onshi_app::eligibility`); bad fields `400 invalid_request` naming the
//! field; a missing or expired token `401 invalid_token`.

use std::sync::Arc;

use aws_lc_rs::hmac;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, Utc};
use onshi_app::eligibility::{
    Answer, CardQuery, CheckError, ConsentChoice, HolderProof, Method, NumberQuery, OfflineVisitQuery,
};
use onshi_domain::facility::Facility;
use onshi_domain::id::FacilityCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::jpki::invalid;
use crate::state::AppState;

/// How long an access token lives.
pub const TOKEN_MINUTES: i64 = 10;

/// The subject prefix of a fire department's tokens: `crew-{crew code}`.
pub(crate) const CREW_SUBJECT: &str = "crew-";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/eligibility/card", post(card_check))
        .route("/eligibility/insured-number", post(number_check))
        .route("/eligibility/offline-visits", post(offline_visit))
        .route("/registrations", post(register))
}

pub(crate) fn oauth_router() -> Router<AppState> {
    Router::new().route("/token", post(token))
}

/// The key that signs access tokens. Servers sharing a database must share
/// it (`onshi serve` keeps it in the data directory).
#[derive(Clone)]
pub struct TokenKey(Arc<hmac::Key>);

impl TokenKey {
    pub fn new(secret: &[u8]) -> TokenKey {
        TokenKey(Arc::new(hmac::Key::new(hmac::HMAC_SHA256, secret)))
    }

    fn sign(&self, payload: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac::sign(&self.0, payload.as_bytes()).as_ref())
    }

    /// `v1.{subject}.{client}.{expiry}.{mac}`: the subject is a facility
    /// code, `crew-{crew code}` or `person-{person id}`. Neither part may
    /// hold a `.` (callers check).
    pub(crate) fn issue(&self, facility: &str, client: &str, expires: DateTime<Utc>) -> String {
        let payload = format!("v1.{facility}.{client}.{}", expires.timestamp());
        let mac = self.sign(&payload);
        format!("{payload}.{mac}")
    }

    /// The facility code of a token that verifies and has not expired.
    fn verify(&self, token: &str, now: DateTime<Utc>) -> Option<String> {
        self.verify_claims(token, now).map(|(facility, _)| facility)
    }

    /// The subject (facility code, `crew-…`, `person-…`) and client id of
    /// a token that verifies and has not expired.
    pub(crate) fn verify_claims(&self, token: &str, now: DateTime<Utc>) -> Option<(String, String)> {
        let (payload, mac) = token.rsplit_once('.')?;
        let mac = URL_SAFE_NO_PAD.decode(mac).ok()?;
        hmac::verify(&self.0, payload.as_bytes(), &mac).ok()?;
        let mut parts = payload.split('.');
        let (version, facility, client, expiry) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let expiry: i64 = expiry.parse().ok()?;
        (version == "v1" && parts.next().is_none() && now.timestamp() <= expiry)
            .then(|| (facility.to_owned(), client.to_owned()))
    }
}

impl std::fmt::Debug for TokenKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenKey(***)")
    }
}

/// SHA-256 of a client secret, as stored.
pub fn secret_hash(secret: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, secret.as_bytes()).as_ref().to_vec()
}

/// A facility's system, authenticated by its access token.
#[derive(Debug, Clone)]
pub struct FacilityUser {
    pub facility: Facility,
}

pub(crate) fn invalid_token(message: &str) -> ApiError {
    ApiError::refused(StatusCode::UNAUTHORIZED, "invalid_token", message)
}

impl FromRequestParts<AppState> for FacilityUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<FacilityUser, ApiError> {
        let key = state.token_key.as_ref().ok_or_else(|| {
            ApiError::refused(StatusCode::SERVICE_UNAVAILABLE, "facility_api_disabled", "this server issues no tokens")
        })?;
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .ok_or_else(|| {
                invalid_token("send the access token from POST /oauth/token as `Authorization: Bearer …`")
            })?;
        let code = key.verify(token.trim(), state.clock.now()).ok_or_else(|| {
            invalid_token("the access token is invalid or expired; get a new one at POST /oauth/token")
        })?;
        let code: FacilityCode = code.parse().map_err(|_| invalid_token("the access token names no facility"))?;
        let facility = state.facilities.get(&state.store, &code).await?.ok_or_else(|| {
            ApiError::refused(StatusCode::FORBIDDEN, "unknown_facility", format!("facility {code} is not registered"))
        })?;
        Ok(FacilityUser { facility })
    }
}

/// RFC 6749 §5.2 error answer.
fn oauth_error(status: StatusCode, error: &'static str, description: &str) -> Response {
    let mut response =
        (status, Json(serde_json::json!({ "error": error, "error_description": description }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, header::HeaderValue::from_static("Basic realm=\"onshi\""));
    }
    response
}

/// The token answer (RFC 6749 §5.1).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TokenBody {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    expires_in: i64,
    /// The 医療機関コード the token acts for (an extension parameter, RFC
    /// 6749 §5.1): a reader binds its failure-mode visits to it. Absent
    /// for a fire department's client.
    #[serde(skip_serializing_if = "Option::is_none")]
    facility_code: Option<String>,
    /// The fire department (消防本部) a crew's token acts for (マイナ救急);
    /// absent for a facility's client.
    #[serde(skip_serializing_if = "Option::is_none")]
    crew_code: Option<String>,
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ").or_else(|| value.strip_prefix("basic "))?;
    let decoded = String::from_utf8(STANDARD.decode(encoded.trim()).ok()?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// An access token for a facility's client (OAuth 2.0 client credentials).
#[utoipa::path(
    post,
    path = "/oauth/token",
    tag = "facility",
    request_body(content = String, content_type = "application/x-www-form-urlencoded",
        description = "`grant_type=client_credentials`; the client id and secret as HTTP Basic or as `client_id` and `client_secret`"),
    responses(
        (status = 200, description = "A bearer token", body = TokenBody),
        (status = 400, description = "`unsupported_grant_type` or `invalid_request` (RFC 6749 §5.2)"),
        (status = 401, description = "`invalid_client`")
    )
)]
pub(crate) async fn token(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(key) = state.token_key.clone() else {
        return oauth_error(StatusCode::SERVICE_UNAVAILABLE, "temporarily_unavailable", "this server issues no tokens");
    };
    let form: Vec<(String, String)> = form_urlencoded(&body);
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    if field("grant_type").as_deref() != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type", "use grant_type=client_credentials");
    }
    let Some((client_id, secret)) =
        basic_credentials(&headers).or_else(|| Some((field("client_id")?, field("client_secret")?)))
    else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "give the client id and secret (HTTP Basic)");
    };
    let presented = secret_hash(&secret);
    let secret_matches = |stored: &[u8], revoked: bool| {
        !revoked && aws_lc_rs::constant_time::verify_slices_are_equal(stored, &presented).is_ok()
    };
    let refused =
        || oauth_error(StatusCode::UNAUTHORIZED, "invalid_client", "unknown client, wrong secret or revoked client");
    // A facility's client, else a fire department's (マイナ救急).
    let (subject, facility_code, crew_code) = match state.store.facility_client(&client_id).await {
        Err(e) => return ApiError::store("reading a client", e).into_response(),
        Ok(Some(client)) if secret_matches(&client.secret_sha256, client.revoked_at.is_some()) => {
            (client.facility_code.clone(), Some(client.facility_code), None)
        }
        Ok(Some(_)) => return refused(),
        Ok(None) => match state.store.crew_client(&client_id).await {
            Err(e) => return ApiError::store("reading a client", e).into_response(),
            Ok(Some(client))
                if secret_matches(&client.secret_sha256, client.revoked_at.is_some())
                    && !client.crew_code.contains('.')
                    && !client.client_id.contains('.') =>
            {
                (format!("{CREW_SUBJECT}{}", client.crew_code), None, Some(client.crew_code))
            }
            Ok(_) => return refused(),
        },
    };
    let expires = state.clock.now() + chrono::TimeDelta::minutes(TOKEN_MINUTES);
    let token = key.issue(&subject, &client_id, expires);
    let mut response = Json(TokenBody {
        access_token: token,
        token_type: "Bearer",
        expires_in: TOKEN_MINUTES * 60,
        facility_code,
        crew_code,
    })
    .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    response
}

/// `application/x-www-form-urlencoded` pairs (RFC 6749 §4.4.2).
fn form_urlencoded(body: &[u8]) -> Vec<(String, String)> {
    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => {
                    match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                        Ok(b) => {
                            out.push(b);
                            i += 2;
                        }
                        Err(_) => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    String::from_utf8_lossy(body)
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (decode(k), decode(v)),
            None => (decode(pair), String::new()),
        })
        .collect()
}

/// A card check from the reader.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct CardCheckRequest {
    /// `pin` (default): the card signed the challenge after its PIN; `face`:
    /// the facility's reader matched the holder's face with the card's
    /// photo, and sends the certificate alone.
    #[serde(default)]
    verification: Option<String>,
    /// From `POST /jpki/challenges` (`pin` only).
    #[serde(default)]
    challenge_id: Option<String>,
    /// The user-authentication certificate, DER in base64.
    certificate: String,
    /// The card's signature over the challenge, base64 (`pin` only).
    #[serde(default)]
    signature: Option<String>,
    /// `card` (default) or `smartphone`.
    #[serde(default)]
    media: Option<String>,
    /// `YYYY-MM-DD`; today (Japan) when absent.
    #[serde(default)]
    visit_date: Option<String>,
    #[serde(default)]
    consent: ConsentRequest,
}

/// The patient's choices at the reader.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub(crate) struct ConsentRequest {
    /// 診療・薬剤情報
    #[serde(default)]
    clinical_drug: bool,
    /// 特定健診等情報
    #[serde(default)]
    checkup: bool,
    /// Inpatient or home-visit care (入院・在宅医療): the consent lasts until
    /// this time (RFC 3339) unless the patient withdraws it, instead of 24
    /// hours; in the future and at most 366 days ahead
    /// (`422 invalid_consent_expiry` otherwise).
    #[serde(default)]
    #[schema(format = DateTime, example = "2026-05-01T00:00:00+09:00")]
    care_until: Option<String>,
}

/// An insured-number check.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NumberCheckRequest {
    insurer_number: String,
    symbol: String,
    number: String,
    /// Optional: without it, twins under one number answer 複数該当.
    #[serde(default)]
    branch: Option<String>,
    birth_date: String,
    #[serde(default)]
    visit_date: Option<String>,
}

/// 資格有効性.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ValidityBody {
    /// OQSCD006: 1 有効, 2 無効, 3 無効（新しい資格あり）, 4 該当資格なし, 5 複数該当.
    code: u8,
    name: &'static str,
    label: &'static str,
}

/// One coverage: what a clinic bills from.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CoverageBody {
    insurer_number: String,
    insurer_name: String,
    symbol: String,
    number: String,
    branch: String,
    /// 1 本人, 2 家族.
    relationship: u8,
    name: String,
    name_kana: String,
    birth_date: String,
    /// 1 男, 2 女, 3 未設定, 9 適用不能.
    sex: u8,
    address: String,
    acquired_on: String,
    lost_on: Option<String>,
    /// 一部負担金割合, in tenths (3 = 3割).
    copay_ratio: u8,
    /// 資格喪失事由 (01 死亡, 02 生活保護受給開始, 03 医療保険等の資格取得, 99 その他), with 資格喪失日.
    loss_reason: Option<crate::insurer_members::CodeView>,
    /// 限度額適用認定証関連情報: 証区分, 適用区分 (OQSCD012) and validity, when the member has one.
    limit: Option<crate::insurer_members::LimitView>,
    /// 高齢受給者証, when the member has one.
    elderly: Option<crate::insurer_members::ElderlyView>,
}

/// An eligibility answer.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AnswerBody {
    validity: ValidityBody,
    /// The date the answer is about.
    as_of: String,
    coverages: Vec<CoverageBody>,
    /// Card checks: `valid` or `within_grace`.
    certificate_validity: Option<&'static str>,
    /// Whether medical information may be shown (consent given, certificate not in its grace).
    medical_information_allowed: bool,
    /// Card checks: the consent recorded.
    consent_categories: Option<Vec<String>>,
    consent_expires_at: Option<String>,
    /// Card checks: whether the card is registered as insurance card
    /// (利用登録); when it is not, a reader offers `POST /facility/registrations`.
    card_registered: Option<bool>,
}

fn answer_body(answer: Answer) -> AnswerBody {
    AnswerBody {
        validity: ValidityBody {
            code: answer.validity.code(),
            name: answer.validity.name(),
            label: answer.validity.label_ja(),
        },
        as_of: answer.as_of.to_string(),
        coverages: answer
            .coverages
            .into_iter()
            .map(|c| {
                let m = c.member;
                CoverageBody {
                    insurer_number: m.key.insurer_number.as_str().to_owned(),
                    insurer_name: c.insurer_name,
                    symbol: m.key.symbol.as_str().to_owned(),
                    number: m.key.number.as_str().to_owned(),
                    branch: format!("{:02}", m.key.branch.value()),
                    relationship: m.relationship.code(),
                    name: m.attributes.name_kanji,
                    name_kana: m.attributes.name_kana,
                    birth_date: m.attributes.birth_date.to_string(),
                    sex: m.attributes.sex.code(),
                    address: m.attributes.address,
                    acquired_on: m.acquired_on.to_string(),
                    lost_on: m.lost_on.map(|d| d.to_string()),
                    copay_ratio: m.copay_ratio.tenths(),
                    loss_reason: m.loss_reason.map(crate::insurer_members::CodeView::loss_reason),
                    limit: m.limit_certificate.map(Into::into),
                    elderly: m.elderly_recipient.map(Into::into),
                }
            })
            .collect(),
        certificate_validity: answer.certificate.map(|v| match v {
            onshi_pki::Validity::Valid => "valid",
            onshi_pki::Validity::WithinGrace { .. } => "within_grace",
        }),
        medical_information_allowed: answer.medical_information_allowed,
        consent_categories: answer.consent.as_ref().map(|c| c.categories.clone()),
        consent_expires_at: answer.consent.map(|c| c.expires_at.to_rfc3339()),
        card_registered: answer.card_registered,
    }
}

fn check_error(error: CheckError) -> ApiError {
    match error {
        CheckError::Store(source) => ApiError::store("an eligibility check", source),
        CheckError::VisitInFuture(_) | CheckError::BirthInFuture(_) | CheckError::VisitBeforeBirth { .. } => {
            ApiError::refused(StatusCode::BAD_REQUEST, error.code(), error.to_string())
        }
        other => ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, other.code(), other.to_string()),
    }
}

fn date_field(field: &str, value: &str) -> Result<onshi_domain::Date, ApiError> {
    onshi_domain::date::parse_date(value).map_err(|e| invalid(format!("{field} {value:?}: {e}")))
}

fn eligibility(state: &AppState) -> Result<Arc<onshi_app::eligibility::Eligibility>, ApiError> {
    state.eligibility.clone().ok_or_else(|| {
        ApiError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "eligibility_not_configured",
            "this server runs without eligibility checks",
        )
    })
}

/// A card check (照会区分 1): the reader's answer to a challenge, the visit date and the consent.
#[utoipa::path(
    post,
    path = "/facility/eligibility/card",
    tag = "facility",
    security(("facility_token" = [])),
    request_body = CardCheckRequest,
    responses(
        (status = 200, description = "The verdict and coverages", body = AnswerBody),
        (status = 400, description = "A field is wrong (`invalid_request`, `visit_date_in_future`)", body = ErrorBody),
        (status = 401, description = "No valid access token (`invalid_token`)", body = ErrorBody),
        (status = 422, description = "No verdict: the card or the linkage refused (`certificate_suspended`, `linkage_under_inspection`, …)", body = ErrorBody)
    )
)]
pub(crate) async fn card_check(
    user: FacilityUser,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<AnswerBody>, ApiError> {
    let request: CardCheckRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not a card check: {e}")))?;
    let decode =
        |field: &str, value: &str| STANDARD.decode(value.trim()).map_err(|_| invalid(format!("{field} is not base64")));
    let media = match request.media.as_deref() {
        None | Some("card") => Method::Card,
        Some("smartphone") => Method::Smartphone,
        Some(other) => return Err(invalid(format!("media {other:?} is not card or smartphone"))),
    };
    let holder = match (request.verification.as_deref(), request.challenge_id, request.signature) {
        (None | Some("pin"), Some(challenge_id), Some(signature)) => {
            HolderProof::Signature { challenge_id, signature: decode("signature", &signature)? }
        }
        (None | Some("pin"), _, _) => return Err(invalid("challenge_id and signature are required".to_owned())),
        (Some("face"), None, None) => HolderProof::Face,
        (Some("face"), _, _) => {
            return Err(invalid("a face verification carries no challenge_id or signature".to_owned()));
        }
        (Some(other), _, _) => return Err(invalid(format!("verification {other:?} is not pin or face"))),
    };
    let query = CardQuery {
        certificate: decode("certificate", &request.certificate)?,
        holder,
        media,
        visit_date: request.visit_date.as_deref().map(|v| date_field("visit_date", v)).transpose()?,
        consent: ConsentChoice { clinical_drug: request.consent.clinical_drug, checkup: request.consent.checkup },
        care_until: request
            .consent
            .care_until
            .as_deref()
            .map(|v| {
                DateTime::parse_from_rfc3339(v.trim())
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| invalid(format!("consent.care_until {v:?}: not an RFC 3339 time ({e})")))
            })
            .transpose()?,
    };
    let answer =
        eligibility(&state)?.check_card(&user.facility, query, state.clock.now()).await.map_err(check_error)?;
    Ok(Json(answer_body(answer)))
}

/// An insured-number check (照会区分 2), for 資格確認書 holders and paper cards.
#[utoipa::path(
    post,
    path = "/facility/eligibility/insured-number",
    tag = "facility",
    security(("facility_token" = [])),
    request_body = NumberCheckRequest,
    responses(
        (status = 200, description = "The verdict and the coverage found", body = AnswerBody),
        (status = 400, description = "A field is wrong (`invalid_request` naming it, `birth_date_in_future`, …)", body = ErrorBody),
        (status = 401, description = "No valid access token (`invalid_token`)", body = ErrorBody)
    )
)]
pub(crate) async fn number_check(
    user: FacilityUser,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<AnswerBody>, ApiError> {
    let r: NumberCheckRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not an insured-number check: {e}")))?;
    let field = |name: &str, value: &str, e: &dyn std::fmt::Display| invalid(format!("{name} {value:?}: {e}"));
    let query = NumberQuery {
        insurer_number: r.insurer_number.parse().map_err(|e| field("insurer_number", &r.insurer_number, &e))?,
        symbol: r.symbol.parse().map_err(|e| field("symbol", &r.symbol, &e))?,
        number: r.number.parse().map_err(|e| field("number", &r.number, &e))?,
        branch: match r.branch.as_deref().map(str::trim).filter(|b| !b.is_empty()) {
            Some(b) => Some(b.parse().map_err(|e| field("branch", b, &e))?),
            None => None,
        },
        birth_date: date_field("birth_date", &r.birth_date)?,
        visit_date: r.visit_date.as_deref().map(|v| date_field("visit_date", v)).transpose()?,
    };
    let answer =
        eligibility(&state)?.check_number(&user.facility, query, state.clock.now()).await.map_err(check_error)?;
    Ok(Json(answer_body(answer)))
}

/// A visit the reader accepted while the platform could not be reached.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct OfflineVisitRequest {
    /// The reader's id of the visit, 1–64 letters, digits, `-` or `_`; the
    /// same id sent again answers the stored result.
    visit_id: String,
    /// When the patient was at the reader, RFC 3339.
    visited_at: String,
    /// `pin` (default): `signature` is the card's over the bound nonce
    /// (`onshi_app::eligibility::offline_visit_message`); `face`: the
    /// certificate alone, after 顔認証 at the reader.
    #[serde(default)]
    verification: Option<String>,
    /// The user-authentication certificate, DER in base64.
    certificate: String,
    /// RSASSA-PKCS1-v1_5 SHA-256 over the bound nonce, base64 (`pin` only).
    #[serde(default)]
    signature: Option<String>,
    #[serde(default)]
    consent: ConsentRequest,
}

/// A visit reconciled: the answer as of the visit, or its refusal, as first
/// given (`replayed` says the visit had been sent before).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OfflineVisitBody {
    visit_id: String,
    visited_at: String,
    /// When the platform first received the visit.
    reconciled_at: String,
    replayed: bool,
    /// The verdict's name (`valid`, …) or the refusal code.
    result: String,
    /// The eligibility answer as of the visit (`null` when refused).
    #[schema(value_type = Option<AnswerBody>)]
    answer: Option<serde_json::Value>,
    /// Why the visit was refused (`null` when answered).
    #[schema(value_type = Option<ErrorBody>)]
    refusal: Option<serde_json::Value>,
}

/// Reconcile a visit of the failure mode (障害時): the card as it stood at
/// the visit, the consent recorded with the visit time, the check logged;
/// once per visit id.
#[utoipa::path(
    post,
    path = "/facility/eligibility/offline-visits",
    tag = "facility",
    security(("facility_token" = [])),
    request_body = OfflineVisitRequest,
    responses(
        (status = 200, description = "Reconciled (now or before: see `replayed`): `answer`, or `refusal` when the card was refused as of the visit (`bad_signature`, `certificate_revoked`, `certificate_suspended`, …)", body = OfflineVisitBody),
        (status = 400, description = "A field is wrong (`invalid_request`, `visit_date_in_future`)", body = ErrorBody),
        (status = 401, description = "No valid access token (`invalid_token`)", body = ErrorBody),
        (status = 503, description = "The store failed; nothing was recorded, send the visit again", body = ErrorBody)
    )
)]
pub(crate) async fn offline_visit(
    user: FacilityUser,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<OfflineVisitBody>, ApiError> {
    let request: OfflineVisitRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not an offline visit: {e}")))?;
    let decode =
        |field: &str, value: &str| STANDARD.decode(value.trim()).map_err(|_| invalid(format!("{field} is not base64")));
    let id = request.visit_id.trim();
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
        return Err(invalid(format!("visit_id {id:?} is not 1–64 letters, digits, '-' or '_'")));
    }
    let visited_at = DateTime::parse_from_rfc3339(request.visited_at.trim())
        .map_err(|e| invalid(format!("visited_at {:?}: {e}", request.visited_at)))?
        .with_timezone(&Utc);
    let signature = match (request.verification.as_deref(), request.signature) {
        (None | Some("pin"), Some(signature)) => Some(decode("signature", &signature)?),
        (None | Some("pin"), None) => return Err(invalid("signature is required".to_owned())),
        (Some("face"), None) => None,
        (Some("face"), Some(_)) => return Err(invalid("a face verification carries no signature".to_owned())),
        (Some(other), _) => return Err(invalid(format!("verification {other:?} is not pin or face"))),
    };
    let query = OfflineVisitQuery {
        visit_id: id.to_owned(),
        visited_at,
        certificate: decode("certificate", &request.certificate)?,
        signature,
        consent: ConsentChoice { clinical_drug: request.consent.clinical_drug, checkup: request.consent.checkup },
    };
    let encode = |outcome: &Result<Answer, CheckError>| match outcome {
        Ok(answer) => (200, serde_json::to_string(&answer_body(answer.clone())).unwrap_or_default()),
        Err(e) => (422, serde_json::json!({ "code": e.code(), "message": e.to_string() }).to_string()),
    };
    let reconciled = eligibility(&state)?
        .reconcile_offline(&user.facility, query, state.clock.now(), encode)
        .await
        .map_err(check_error)?;
    let visit = reconciled.visit;
    let stored: Option<serde_json::Value> = serde_json::from_str(&visit.answer).ok();
    let refused = visit.status != 200;
    Ok(Json(OfflineVisitBody {
        visit_id: visit.visit_id,
        visited_at: visit.visited_at.to_rfc3339(),
        reconciled_at: visit.received_at.to_rfc3339(),
        replayed: reconciled.replayed,
        result: visit.result,
        answer: if refused { None } else { stored.clone() },
        refusal: if refused { stored } else { None },
    }))
}

/// A registration at the reader: the card's answer to a challenge.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct RegistrationRequest {
    challenge_id: String,
    /// The user-authentication certificate, DER in base64.
    certificate: String,
    /// The card's signature over the challenge, base64.
    signature: String,
}

/// A registration done.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RegistrationBody {
    registered: bool,
    /// 交付番号 of the 資格情報のお知らせ issued, one per coverage of the day.
    notices: Vec<String>,
}

/// Register the card as insurance card at the reader (利用登録), as the
/// reader offers when a card check finds it unregistered.
#[utoipa::path(
    post,
    path = "/facility/registrations",
    tag = "facility",
    security(("facility_token" = [])),
    request_body = RegistrationRequest,
    responses(
        (status = 201, description = "Registered", body = RegistrationBody),
        (status = 400, description = "A field is wrong (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "No valid access token (`invalid_token`)", body = ErrorBody),
        (status = 422, description = "The card refused (`certificate_suspended`, `challenge_used`, …)", body = ErrorBody)
    )
)]
pub(crate) async fn register(
    _user: FacilityUser,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<(StatusCode, Json<RegistrationBody>), ApiError> {
    let request: RegistrationRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not a registration: {e}")))?;
    let decode =
        |field: &str, value: &str| STANDARD.decode(value.trim()).map_err(|_| invalid(format!("{field} is not base64")));
    let certificate = decode("certificate", &request.certificate)?;
    let signature = decode("signature", &request.signature)?;
    let jpki = crate::jpki::service(&state)?;
    let now = state.clock.now();
    let signed_in = jpki.sign_in(&request.challenge_id, &certificate, &signature, now).await.map_err(|e| match e {
        onshi_app::jpki::SignInError::Store(source) => ApiError::store("signing in", source),
        other => ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, other.code(), other.to_string()),
    })?;
    let documents = onshi_app::documents::Documents::new(state.store.clone());
    let notices = documents.register_person(signed_in.person_id, "reader", now).await.map_err(|e| match e {
        onshi_app::documents::DocumentError::Store(source) => ApiError::store("registering", source),
        other => ApiError::Internal { context: "registering", source: Box::new(other) },
    })?;
    Ok((
        StatusCode::CREATED,
        Json(RegistrationBody { registered: true, notices: notices.into_iter().map(|d| d.serial).collect() }),
    ))
}

/// Registered facilities, kept in memory for [`FacilityCache::TTL`]: every
/// facility request names its facility, which changes rarely. A facility
/// not found is not kept, so a newly registered one is seen at once; a
/// change to a registered one (its kind, its name) is seen within the TTL.
#[derive(Debug, Default)]
pub(crate) struct FacilityCache {
    known: std::sync::Mutex<std::collections::HashMap<String, (std::time::Instant, Facility)>>,
}

impl FacilityCache {
    const TTL: std::time::Duration = std::time::Duration::from_secs(5);
    /// Above this many entries the cache starts again empty.
    const MAX: usize = 100_000;

    pub(crate) async fn get(
        &self,
        store: &std::sync::Arc<dyn onshi_store::Store>,
        code: &FacilityCode,
    ) -> Result<Option<Facility>, ApiError> {
        {
            let known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, facility)) = known.get(code.as_str())
                && at.elapsed() < Self::TTL
            {
                return Ok(Some(facility.clone()));
            }
        }
        let found = store.facility(code).await.map_err(|e| ApiError::store("reading the facility", e))?;
        if let Some(facility) = &found {
            let mut known = self.known.lock().unwrap_or_else(|p| p.into_inner());
            if known.len() >= Self::MAX {
                known.clear();
            }
            known.insert(code.as_str().to_owned(), (std::time::Instant::now(), facility.clone()));
        }
        Ok(found)
    }
}
