//! Relying parties and card holders, under `/jpki`: certificate status (CRL,
//! OCSP, JSON), the CA certificates, and the challenge sign-in. No
//! authentication: these answers are public, as JPKI's are.
//!
//! | route | answers |
//! | --- | --- |
//! | `GET /jpki/{auth,sign}/crl` | the issuing CA's CRL, DER (`application/pkix-crl`) |
//! | `POST /jpki/{auth,sign}/ocsp` | OCSP (RFC 6960): DER request in, DER response out |
//! | `GET /jpki/{auth,sign}/ocsp/{base64 request}` | the same, GET form (RFC 6960 A.1) |
//! | `GET /jpki/{root,auth,sign}/certificate` | a CA certificate, DER |
//! | `GET /jpki/certificates/{serial}/status` | one certificate's status, JSON |
//! | `POST /jpki/challenges` | a one-time challenge for the card to sign |
//! | `POST /jpki/sign-in` | certificate + signature over the challenge → person reference |
//!
//! Sign-in refusals answer `401` with one code each: `challenge_unknown`,
//! `challenge_used` (a replay), `challenge_expired`, `certificate_malformed`,
//! `unknown_issuer`, `foreign_ca`, `bad_signature`, `wrong_certificate_kind`,
//! `certificate_not_yet_valid`, `certificate_expired`,
//! `certificate_suspended`, `certificate_revoked`, `certificate_unknown`.
//! Bad request bodies answer `400` `invalid_request` naming the field.
//! Without a configured JPKI service every route answers `503`
//! `jpki_not_configured`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use onshi_app::jpki::{Jpki, JpkiError, SignInError, parse_hex};
use onshi_pki::{IssuingCa, Validity};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The largest OCSP request accepted (a request for a few certificates is a
/// few hundred bytes).
const MAX_OCSP_REQUEST: usize = 16 * 1024;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/{ca}/crl", get(crl))
        .route("/{ca}/ocsp", post(ocsp_post))
        .route("/{ca}/ocsp/{request}", get(ocsp_get))
        .route("/{ca}/certificate", get(ca_certificate))
        .route("/certificates/{serial}/status", get(status))
        .route("/challenges", post(challenge))
        .route("/sign-in", post(sign_in))
}

pub(crate) fn service(state: &AppState) -> Result<Arc<Jpki>, ApiError> {
    state.jpki.clone().ok_or_else(|| {
        ApiError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "jpki_not_configured",
            "this server runs without the JPKI service; start it with `onshi serve`, which loads the authority",
        )
    })
}

pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::refused(StatusCode::BAD_REQUEST, "invalid_request", message)
}

/// Map a JPKI service error to an answer.
pub(crate) fn jpki_error(error: JpkiError) -> ApiError {
    match error {
        JpkiError::NoCard(serial) => {
            ApiError::refused(StatusCode::NOT_FOUND, "card_not_found", format!("no card with serial {serial}"))
        }
        JpkiError::NoResident(code) => ApiError::refused(
            StatusCode::NOT_FOUND,
            "resident_not_found",
            format!("no resident with 住民票コード {code}; import the registry first"),
        ),
        JpkiError::Refused(what) => ApiError::refused(StatusCode::CONFLICT, "card_state_conflict", what),
        JpkiError::SexUnset | JpkiError::Card(_) | JpkiError::WrongCardFile { .. } => invalid(error.to_string()),
        JpkiError::Store(source) => ApiError::store("a JPKI operation", source),
        other => ApiError::Internal { context: "a JPKI operation", source: Box::new(other) },
    }
}

fn issuing_ca(code: &str) -> Result<IssuingCa, ApiError> {
    match code {
        "auth" => Ok(IssuingCa::UserAuthentication),
        "sign" => Ok(IssuingCa::Signing),
        other => Err(ApiError::refused(
            StatusCode::NOT_FOUND,
            "unknown_ca",
            format!("no issuing CA {other:?}: use auth (利用者証明用) or sign (署名用)"),
        )),
    }
}

fn der(content_type: &'static str, bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], bytes).into_response()
}

/// The current CRL of an issuing CA (DER).
#[utoipa::path(
    get,
    path = "/jpki/{ca}/crl",
    tag = "jpki",
    params(("ca" = String, Path, description = "`auth` (利用者証明用) or `sign` (署名用)")),
    responses(
        (status = 200, description = "X.509 v2 CRL, DER", content_type = "application/pkix-crl"),
        (status = 404, description = "No such CA (`unknown_ca`)", body = ErrorBody)
    )
)]
pub(crate) async fn crl(State(state): State<AppState>, Path(ca): Path<String>) -> Result<Response, ApiError> {
    let ca = issuing_ca(&ca)?;
    let jpki = service(&state)?;
    let crl = jpki.crl(ca, state.clock.now()).await.map_err(jpki_error)?;
    Ok(der("application/pkix-crl", crl.der.clone()))
}

async fn answer_ocsp(state: &AppState, ca: &str, request: &[u8]) -> Result<Response, ApiError> {
    issuing_ca(ca)?;
    let jpki = service(state)?;
    let response = jpki.ocsp(request, state.clock.now()).await.map_err(jpki_error)?;
    Ok(der("application/ocsp-response", response))
}

/// OCSP (RFC 6960), POST form: the body is a DER `OCSPRequest`. A request
/// that does not parse gets a DER `malformedRequest` response.
#[utoipa::path(
    post,
    path = "/jpki/{ca}/ocsp",
    tag = "jpki",
    params(("ca" = String, Path, description = "`auth` or `sign`")),
    request_body(content = Vec<u8>, content_type = "application/ocsp-request"),
    responses(
        (status = 200, description = "DER OCSPResponse", content_type = "application/ocsp-response"),
        (status = 400, description = "Request too large (`invalid_request`)", body = ErrorBody)
    )
)]
pub(crate) async fn ocsp_post(
    State(state): State<AppState>,
    Path(ca): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    if body.len() > MAX_OCSP_REQUEST {
        return Err(invalid(format!("the OCSP request is {} bytes; at most {MAX_OCSP_REQUEST}", body.len())));
    }
    answer_ocsp(&state, &ca, &body).await
}

/// OCSP, GET form: the DER request in base64 (URL-encoded) as the last path segment.
#[utoipa::path(
    get,
    path = "/jpki/{ca}/ocsp/{request}",
    tag = "jpki",
    params(
        ("ca" = String, Path, description = "`auth` or `sign`"),
        ("request" = String, Path, description = "base64 of the DER OCSPRequest")
    ),
    responses((status = 200, description = "DER OCSPResponse", content_type = "application/ocsp-response"))
)]
pub(crate) async fn ocsp_get(
    State(state): State<AppState>,
    Path((ca, request)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    if request.len() > MAX_OCSP_REQUEST * 2 {
        return Err(invalid("the OCSP request is too large"));
    }
    let trimmed = request.trim_end_matches('=');
    let bytes = STANDARD
        .decode(&request)
        .or_else(|_| URL_SAFE_NO_PAD.decode(trimmed))
        .map_err(|_| invalid("the OCSP request in the path is not base64"))?;
    answer_ocsp(&state, &ca, &bytes).await
}

/// A CA certificate (DER): `root`, `auth` or `sign`.
#[utoipa::path(
    get,
    path = "/jpki/{ca}/certificate",
    tag = "jpki",
    params(("ca" = String, Path, description = "`root`, `auth` or `sign`")),
    responses((status = 200, description = "X.509 certificate, DER", content_type = "application/pkix-cert"))
)]
pub(crate) async fn ca_certificate(
    State(state): State<AppState>,
    Path(ca): Path<String>,
) -> Result<Response, ApiError> {
    let jpki = service(&state)?;
    let bytes = if ca == "root" {
        jpki.authority().root_cert_der().to_vec()
    } else {
        jpki.authority().ca_cert_der(issuing_ca(&ca)?).to_vec()
    };
    Ok(der("application/pkix-cert", bytes))
}

/// One certificate's status.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct CertificateStatus {
    /// Serial number, upper-case hex.
    serial: String,
    /// `auth` or `sign`; absent when unknown.
    kind: Option<&'static str>,
    /// `good`, `suspended`, `revoked` or `unknown`.
    status: &'static str,
    /// For `revoked`: the RFC 5280 reason name, e.g. `affiliationChanged`.
    reason: Option<&'static str>,
    /// When it was suspended or revoked.
    since: Option<String>,
    not_after: Option<String>,
    /// At the server's time: `valid`, `within_grace`, `expired`, `not_yet_valid` or `unknown`.
    validity: &'static str,
    /// For `within_grace`: the last instant a user-authentication certificate is accepted.
    grace_ends: Option<String>,
}

/// A certificate's status, for relying parties that prefer JSON to OCSP.
#[utoipa::path(
    get,
    path = "/jpki/certificates/{serial}/status",
    tag = "jpki",
    params(("serial" = String, Path, description = "Serial number in hex")),
    responses(
        (status = 200, description = "The status (`unknown` if we never issued it)", body = CertificateStatus),
        (status = 400, description = "The serial is not hex (`invalid_request`)", body = ErrorBody)
    )
)]
pub(crate) async fn status(
    State(state): State<AppState>,
    Path(serial): Path<String>,
) -> Result<Json<CertificateStatus>, ApiError> {
    let bytes = parse_hex(&serial).ok_or_else(|| invalid(format!("serial {serial:?} is not hex (2 to 80 digits)")))?;
    let jpki = service(&state)?;
    let answer = jpki.status(&bytes, state.clock.now()).await.map_err(jpki_error)?;
    Ok(Json(CertificateStatus {
        serial: serial.to_ascii_uppercase(),
        kind: answer.certificate.as_ref().map(|c| c.kind.code()),
        status: answer.status,
        reason: answer.reason,
        since: answer.since.map(|t| t.to_rfc3339()),
        not_after: answer.certificate.as_ref().map(|c| c.not_after.to_rfc3339()),
        validity: answer.validity,
        grace_ends: answer.grace_ends.map(|t| t.to_rfc3339()),
    }))
}

/// A one-time challenge.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ChallengeBody {
    /// Send it back with the answer.
    challenge_id: String,
    /// 32 bytes, base64: the card signs SHA-256 of these bytes (DigestInfo).
    challenge: String,
    expires_at: String,
}

/// Get a one-time challenge (valid 5 minutes, usable once).
#[utoipa::path(
    post,
    path = "/jpki/challenges",
    tag = "jpki",
    responses((status = 201, description = "A new challenge", body = ChallengeBody))
)]
pub(crate) async fn challenge(State(state): State<AppState>) -> Result<(StatusCode, Json<ChallengeBody>), ApiError> {
    let jpki = service(&state)?;
    let challenge = jpki.new_challenge(state.clock.now()).await.map_err(jpki_error)?;
    Ok((
        StatusCode::CREATED,
        Json(ChallengeBody {
            challenge_id: challenge.id,
            challenge: STANDARD.encode(&challenge.nonce),
            expires_at: challenge.expires_at.to_rfc3339(),
        }),
    ))
}

/// The card's answer to a challenge.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct SignInRequest {
    challenge_id: String,
    /// The user-authentication certificate, DER in base64.
    certificate: String,
    /// RSASSA-PKCS1-v1_5 SHA-256 signature over the challenge bytes, base64.
    signature: String,
}

/// An accepted sign-in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SignedInBody {
    /// The platform's internal person reference (never the My Number).
    person_id: i64,
    card_serial: String,
    certificate_serial: String,
    not_after: String,
    /// `valid`, or `within_grace`: expired less than 3 months ago; eligibility
    /// may be answered, medical information may not.
    validity: &'static str,
    grace_ends: Option<String>,
}

/// Sign in with the card: the user-authentication certificate and its
/// signature over the challenge.
#[utoipa::path(
    post,
    path = "/jpki/sign-in",
    tag = "jpki",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = SignedInBody),
        (status = 400, description = "A field is missing or not base64 (`invalid_request`)", body = ErrorBody),
        (status = 401, description = "Refused; the code says why (see the module docs)", body = ErrorBody)
    )
)]
pub(crate) async fn sign_in(State(state): State<AppState>, body: Bytes) -> Result<Json<SignedInBody>, ApiError> {
    let request: SignInRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not a sign-in request: {e}")))?;
    let decode =
        |field: &str, value: &str| STANDARD.decode(value.trim()).map_err(|_| invalid(format!("{field} is not base64")));
    let certificate = decode("certificate", &request.certificate)?;
    let signature = decode("signature", &request.signature)?;
    if certificate.len() > 16 * 1024 || signature.len() > 1024 {
        return Err(invalid("certificate or signature is too large"));
    }
    let jpki = service(&state)?;
    let signed_in = jpki.sign_in(&request.challenge_id, &certificate, &signature, state.clock.now()).await.map_err(
        |e| match e {
            SignInError::Store(source) => ApiError::store("signing in", source),
            other => ApiError::refused(StatusCode::UNAUTHORIZED, other.code(), other.to_string()),
        },
    )?;
    let (validity, grace_ends) = match signed_in.validity {
        Validity::Valid => ("valid", None),
        Validity::WithinGrace { grace_ends } => ("within_grace", Some(grace_ends.to_rfc3339())),
    };
    Ok(Json(SignedInBody {
        person_id: signed_in.person_id.0,
        card_serial: signed_in.card_serial,
        certificate_serial: signed_in.certificate_serial,
        not_after: signed_in.not_after.to_rfc3339(),
        validity,
        grace_ends,
    }))
}
