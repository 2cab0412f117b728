//! The person's own view, for the portal (マイナポータル): sign in with the
//! card, then read one's own records, consents and access log
//! (やりとり履歴) with the proof that no entry was removed or altered.
//!
//! This is the minimal sign-in the portal needs today, not the portal's
//! OpenID Connect sign-in (digital authentication app), which comes later
//! and will issue the same kind of [`CitizenUser`] token: the card signs a
//! challenge from `POST /jpki/challenges` with its user-authentication key
//! (PIN), and the answer is a bearer token for [`TOKEN_MINUTES`] minutes
//! naming the person and nothing else. A certificate in its post-expiry
//! grace is refused (`403 certificate_in_grace`): the portal shows no
//! medical information then.
//!
//! | route | answers |
//! | --- | --- |
//! | `POST /citizen/sign-in` | `challenge_id`, `certificate`, `signature` (as `/jpki/sign-in`) → a bearer token |
//! | `GET /me/medical/{drugs,clinical,checkups,expenses}` | one's own records (logged as `self`) |
//! | `GET /me/consents` | one's consents: facility, categories, given and expiry times, status |
//! | `POST /me/consents/{id}/revoke` | withdraw one of them; facilities stop seeing at once |
//! | `GET /me/access-log` | every read of one's information, its hash chain, the signed head, and whether they verify |
//!
//! Refusals: `401 invalid_token` and the card's sign-in codes
//! (`bad_signature`, `challenge_used`, `certificate_revoked`, …, as
//! `/jpki/sign-in`); `403 certificate_in_grace`; `404 unknown_consent`
//! (not one of the caller's), `unknown_category`; `422 invalid_request`;
//! `503 access_log_unavailable`, `medical_api_disabled`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, SecondsFormat, Utc};
use onshi_app::jpki::SignInError;
use onshi_domain::audit::{ActorKind, Basis};
use onshi_domain::id::FacilityCode;
use onshi_pki::Validity;
use onshi_store::medical::StoredConsent;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{CitizenUser, PERSON_SUBJECT};
use crate::medical::{RecordsBody, category, hex, invalid, json_body, read_error, service};
use crate::state::AppState;

/// How long a person's token lives.
pub const TOKEN_MINUTES: i64 = 10;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/sign-in", post(sign_in))
}

pub(crate) fn me_router() -> Router<AppState> {
    Router::new()
        .route("/medical/{category}", get(own_records))
        .route("/consents", get(consents))
        .route("/consents/{id}/revoke", post(revoke))
        .route("/access-log", get(access_log))
}

/// The card's answer to a challenge (as `POST /jpki/sign-in`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CitizenSignInRequest {
    /// From `POST /jpki/challenges`.
    challenge_id: String,
    /// The user-authentication certificate, DER in base64.
    certificate: String,
    /// RSASSA-PKCS1-v1_5 SHA-256 over the challenge bytes, base64 (needs the card's PIN).
    signature: String,
}

/// A person's access token.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CitizenTokenBody {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    expires_in: i64,
}

/// Sign in with the card for the person's own information (the minimal
/// stand-in for the portal's OpenID Connect sign-in).
#[utoipa::path(
    post,
    path = "/citizen/sign-in",
    tag = "citizen",
    request_body = CitizenSignInRequest,
    responses(
        (status = 200, description = "A bearer token for `/me`", body = CitizenTokenBody),
        (status = 401, description = "The card refused; the code says why (as `/jpki/sign-in`)", body = ErrorBody),
        (status = 403, description = "`certificate_in_grace`: no medical information until the certificate is renewed", body = ErrorBody),
        (status = 422, description = "A field is wrong or unknown (`invalid_request`)", body = ErrorBody),
        (status = 503, description = "`medical_api_disabled`", body = ErrorBody)
    )
)]
pub(crate) async fn sign_in(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let key = state.token_key.clone().ok_or_else(|| {
        ApiError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "medical_api_disabled",
            "this server issues no access tokens; start it with `onshi serve`, which keeps a token key",
        )
    })?;
    service(&state)?;
    let r: CitizenSignInRequest = json_body(&body, "a sign-in (challenge_id, certificate, signature)")?;
    let decode =
        |field: &str, value: &str| STANDARD.decode(value.trim()).map_err(|_| invalid(format!("{field} is not base64")));
    let certificate = decode("certificate", &r.certificate)?;
    let signature = decode("signature", &r.signature)?;
    if certificate.len() > 16 * 1024 || signature.len() > 1024 {
        return Err(invalid("certificate or signature is too large: send the DER certificate and the signature only"));
    }
    let jpki = crate::jpki::service(&state)?;
    let now = state.clock.now();
    let signed_in = jpki.sign_in(&r.challenge_id, &certificate, &signature, now).await.map_err(|e| match e {
        SignInError::Store(source) => ApiError::store("signing in", source),
        other => ApiError::refused(StatusCode::UNAUTHORIZED, other.code(), other.to_string()),
    })?;
    if let Validity::WithinGrace { grace_ends } = signed_in.validity {
        return Err(ApiError::refused(
            StatusCode::FORBIDDEN,
            "certificate_in_grace",
            format!(
                "the card's certificate expired on {}: until it is renewed at the municipality (by {}), no medical \
                 information is shown",
                signed_in.not_after.to_rfc3339(),
                grace_ends.to_rfc3339()
            ),
        ));
    }
    let expires = now + chrono::TimeDelta::minutes(TOKEN_MINUTES);
    let subject = format!("{PERSON_SUBJECT}{}", signed_in.person_id.0);
    let client: String = signed_in.certificate_serial.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut response = Json(CitizenTokenBody {
        access_token: key.issue(&subject, &client, expires),
        token_type: "Bearer",
        expires_in: TOKEN_MINUTES * 60,
    })
    .into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-store"));
    Ok(response)
}

/// One's own records of a category (logged as `self`).
#[utoipa::path(
    get,
    path = "/me/medical/{category}",
    tag = "citizen",
    security(("citizen_token" = [])),
    params(("category" = String, Path, description = "`drugs`, `clinical`, `checkups` or `expenses` (医療費情報)")),
    responses(
        (status = 200, description = "The records, `basis: self`", body = RecordsBody),
        (status = 401, description = "No valid person's token (`invalid_token`)", body = ErrorBody),
        (status = 404, description = "`unknown_category`", body = ErrorBody),
        (status = 503, description = "`access_log_unavailable`: nothing shown", body = ErrorBody)
    )
)]
pub(crate) async fn own_records(
    user: CitizenUser,
    State(state): State<AppState>,
    Path(category_path): Path<String>,
) -> Result<Json<RecordsBody>, ApiError> {
    let category = category(&category_path)?;
    let medical = service(&state)?;
    let records = medical.self_read(user.person_id, category, state.clock.now()).await.map_err(read_error)?;
    Ok(Json(records.into()))
}

/// A category of consent, with its Japanese label.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ConsentCategoryView {
    /// `clinical_drug` or `checkup`.
    code: String,
    /// 診療・薬剤情報, 特定健診等情報.
    label: &'static str,
}

/// The facility a consent is for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ConsentFacilityView {
    code: String,
    /// Empty when the facility is no longer registered.
    name: String,
}

/// One of the person's consents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ConsentView {
    id: i64,
    facility: ConsentFacilityView,
    categories: Vec<ConsentCategoryView>,
    given_at: String,
    expires_at: String,
    /// `granted`, `revoked` or `expired`, now.
    status: &'static str,
    /// 同意中, 撤回済み, 期限切れ.
    status_label: &'static str,
    /// Why the data is shared, e.g. `treatment` (診療・調剤).
    purpose: String,
    /// The range of data covered; `null`: each category's window (3 years of drug and clinical history, 5 of checkups).
    data_from: Option<String>,
    data_to: Option<String>,
    revoked_at: Option<String>,
    /// `card` or `smartphone`.
    media: String,
    /// Given with a certificate in its post-expiry grace: lets nobody view.
    certificate_in_grace: bool,
}

/// The person's consents.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ConsentsBody {
    /// Oldest first.
    consents: Vec<ConsentView>,
}

fn category_label(code: &str) -> &'static str {
    match code {
        "clinical_drug" => "診療・薬剤情報",
        "checkup" => "特定健診等情報",
        _ => "その他",
    }
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

async fn consent_views(
    state: &AppState,
    consents: Vec<StoredConsent>,
    now: DateTime<Utc>,
) -> Result<Vec<ConsentView>, ApiError> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut views = Vec::with_capacity(consents.len());
    for c in consents {
        let code = c.consent.facility_code.clone();
        if !names.contains_key(&code) {
            let name = match code.parse::<FacilityCode>() {
                Ok(parsed) => state
                    .store
                    .facility(&parsed)
                    .await
                    .map_err(|e| ApiError::store("reading a facility", e))?
                    .map(|f| f.name)
                    .unwrap_or_default(),
                Err(_) => String::new(),
            };
            names.insert(code.clone(), name);
        }
        let status = c.status(now);
        views.push(ConsentView {
            id: c.consent_id,
            facility: ConsentFacilityView { name: names.get(&code).cloned().unwrap_or_default(), code },
            categories: c
                .consent
                .categories
                .iter()
                .map(|k| ConsentCategoryView { code: k.clone(), label: category_label(k) })
                .collect(),
            given_at: time(c.consent.given_at),
            expires_at: time(c.consent.expires_at),
            status,
            status_label: match status {
                "granted" => "同意中",
                "revoked" => "撤回済み",
                _ => "期限切れ",
            },
            purpose: c.consent.purpose,
            data_from: c.consent.data_from.map(|d| d.to_string()),
            data_to: c.consent.data_to.map(|d| d.to_string()),
            revoked_at: c.revoked_at.map(time),
            media: c.consent.media,
            certificate_in_grace: c.consent.certificate_in_grace,
        });
    }
    Ok(views)
}

/// One's consents, oldest first, with their status now.
#[utoipa::path(
    get,
    path = "/me/consents",
    tag = "citizen",
    security(("citizen_token" = [])),
    responses(
        (status = 200, description = "The consents", body = ConsentsBody),
        (status = 401, description = "No valid person's token (`invalid_token`)", body = ErrorBody)
    )
)]
pub(crate) async fn consents(user: CitizenUser, State(state): State<AppState>) -> Result<Json<ConsentsBody>, ApiError> {
    let medical = service(&state)?;
    let consents = medical.consents(user.person_id).await.map_err(read_error)?;
    Ok(Json(ConsentsBody { consents: consent_views(&state, consents, state.clock.now()).await? }))
}

/// Withdraw one of one's consents: the facility stops seeing at once. A
/// consent withdrawn before stays as it was.
#[utoipa::path(
    post,
    path = "/me/consents/{id}/revoke",
    tag = "citizen",
    security(("citizen_token" = [])),
    params(("id" = i64, Path, description = "The consent's id, from `GET /me/consents`")),
    responses(
        (status = 200, description = "The consent, `status: revoked`", body = ConsentView),
        (status = 401, description = "No valid person's token (`invalid_token`)", body = ErrorBody),
        (status = 404, description = "`unknown_consent`: not one of the caller's", body = ErrorBody)
    )
)]
pub(crate) async fn revoke(
    user: CitizenUser,
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<ConsentView>, ApiError> {
    let medical = service(&state)?;
    let id: i64 = id.trim().parse().map_err(|_| {
        ApiError::refused(
            StatusCode::NOT_FOUND,
            "unknown_consent",
            format!("consent {id:?} is not one of yours: use an id from GET /me/consents"),
        )
    })?;
    let now = state.clock.now();
    let revoked = medical.revoke(user.person_id, id, now).await.map_err(read_error)?;
    let mut views = consent_views(&state, vec![revoked], now).await?;
    views.pop().map(Json).ok_or_else(|| ApiError::Internal {
        context: "revoking a consent",
        source: "no view of the revoked consent".into(),
    })
}

/// One entry of the person's access log, with every field its hash covers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AccessEntryView {
    /// 1, 2, … without a gap.
    seq: u64,
    /// RFC 3339 in UTC with milliseconds, exactly as hashed.
    at: String,
    /// `facility`, `crew`, `insurer`, `self`, `operator`.
    actor_kind: String,
    /// 医療機関・薬局, 救急隊, 保険者, ご本人, 運用者.
    actor_label: &'static str,
    /// 医療機関コード, the fire department's code, the person.
    actor_id: String,
    /// The staff or crew member who looked; empty when none.
    staff_id: String,
    /// The member record the read went through, when one did (hashed as its decimal digits, or empty).
    member_id: Option<i64>,
    /// `drug`, `clinical`, `checkup`, `expense`, `emergency_set`.
    category: String,
    /// `treatment`, `emergency`, `emergency_transport`, `self`.
    purpose: String,
    /// `consent`, `emergency`, `crew`, `self`.
    basis: String,
    /// 同意に基づく閲覧, 救急時医療情報閲覧（同意なし）, マイナ救急, ご本人による閲覧.
    basis_label: &'static str,
    /// The consent id, the emergency reason, the crew's incident.
    basis_ref: String,
    /// Hex.
    prev_hash: String,
    /// Hex: SHA-256 as `onshi_domain::audit::entry_hash` computes it.
    hash: String,
}

/// The signed end of the person's chain.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct HeadView {
    seq: u64,
    /// Hex.
    hash: String,
    /// Ed25519 over `onshi-access-log-head/1\nperson={person_id}\nseq={seq}\nhash={hash}\n`, base64.
    signature: String,
    /// The platform's raw Ed25519 public key, base64 (also at `GET /access-log/public-key`).
    public_key: String,
    signed_at: String,
}

/// The person's access log with its proof.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct AccessLogBody {
    /// The platform's reference of the person (never the My Number), as hashed and signed.
    person_id: i64,
    /// Oldest first.
    entries: Vec<AccessEntryView>,
    /// `null` while nobody has read anything.
    head: Option<HeadView>,
    /// The chain and the head's signature hold.
    verified: bool,
    /// What fails, naming the first entry removed or altered; `null` when verified.
    problem: Option<String>,
}

/// Who read one's information, what, when and on what basis (やりとり
///履歴), with the hash chain and the signed head: enough to check oneself,
/// with the platform's public key, that no entry was removed or altered.
#[utoipa::path(
    get,
    path = "/me/access-log",
    tag = "citizen",
    security(("citizen_token" = [])),
    responses(
        (status = 200, description = "The log, its head, and the verdict", body = AccessLogBody),
        (status = 401, description = "No valid person's token (`invalid_token`)", body = ErrorBody)
    )
)]
pub(crate) async fn access_log(
    user: CitizenUser,
    State(state): State<AppState>,
) -> Result<Json<AccessLogBody>, ApiError> {
    let medical = service(&state)?;
    let verified = medical.own_log(user.person_id).await.map_err(read_error)?;
    let public_key = STANDARD.encode(medical.public_key());
    let entries = verified
        .log
        .entries
        .into_iter()
        .map(|e| {
            let a = e.access;
            AccessEntryView {
                seq: e.seq,
                at: time(a.at),
                actor_label: ActorKind::from_code(&a.actor_kind).map_or("不明", ActorKind::label_ja),
                basis_label: Basis::from_code(&a.basis).map_or("不明", Basis::label_ja),
                actor_kind: a.actor_kind,
                actor_id: a.actor_id,
                staff_id: a.staff_id,
                member_id: a.member_id,
                category: a.category,
                purpose: a.purpose,
                basis: a.basis,
                basis_ref: a.basis_ref,
                prev_hash: hex(&e.prev_hash),
                hash: hex(&e.hash),
            }
        })
        .collect();
    Ok(Json(AccessLogBody {
        person_id: user.person_id.0,
        entries,
        head: verified.log.head.map(|h| HeadView {
            seq: h.seq,
            hash: hex(&h.hash),
            signature: STANDARD.encode(&h.signature),
            public_key: public_key.clone(),
            signed_at: time(h.at),
        }),
        verified: verified.problem.is_none(),
        problem: verified.problem,
    }))
}
