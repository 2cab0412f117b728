//! The municipality's card desk (市区町村窓口), under `/municipality`: issue a
//! card, suspend (一時停止, at any hour, effective at once), resume, revoke
//! (廃止), renew the certificates (更新), reset a locked PIN, and read a card
//! with its certificates and history.
//!
//! Card files issued through the API are written on the server, into the
//! card directory (`{data_dir}/cards/{serial}.json`), as a card production
//! centre would: private keys never travel over HTTP. Renewal and PIN reset
//! act on that file, so the card must be at the desk, not in a reader.
//!
//! Every route needs the operator token for now (`Authorization: Bearer`,
//! see `[admin] token`); municipal staff accounts come with the staff
//! accounts of facilities. Refusals: `resident_not_found`, `card_not_found`
//! (404), `card_state_conflict` (409: e.g. resuming a card that is not
//! suspended; the message says what to do), `invalid_request` (400),
//! `card_desk_disabled` (503: no card directory).

use std::path::PathBuf;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use onshi_card::{CardFile, PinSlot, Pins};
use onshi_pki::RevocationReason;
use onshi_store::jpki::{CardState, CertStatus};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::AdminUser;
use crate::jpki::{invalid, jpki_error, service};
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/cards", post(issue))
        .route("/cards/{serial}", get(card))
        .route("/cards/{serial}/suspend", post(suspend))
        .route("/cards/{serial}/resume", post(resume))
        .route("/cards/{serial}/revoke", post(revoke))
        .route("/cards/{serial}/renew", post(renew))
        .route("/cards/{serial}/pin-reset", post(pin_reset))
}

/// A card issuance request.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct IssueRequest {
    /// 住民票コード of the resident.
    resident_code: String,
    /// 利用者証明用電子証明書の暗証番号: 4 digits.
    pin: Option<String>,
    /// 署名用電子証明書の暗証番号: 6–16 letters and digits.
    password: Option<String>,
    /// 券面事項入力補助用の暗証番号: 4 digits.
    support_pin: Option<String>,
    /// Issue without PINs (face verification only); then give no PINs.
    #[serde(default)]
    no_pin: bool,
}

/// One certificate on a card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct CertificateView {
    serial: String,
    /// `auth` or `sign`.
    kind: &'static str,
    /// `good`, `suspended` or `revoked`.
    status: &'static str,
    reason: Option<u8>,
    since: Option<String>,
    not_before: String,
    not_after: String,
}

/// One entry of a card's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct EventView {
    at: String,
    operation: String,
    detail: String,
}

/// A card as the desk sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct CardView {
    card_serial: String,
    /// `active`, `suspended` or `revoked`.
    state: &'static str,
    issued_at: String,
    /// Last day of the card's validity.
    expires_on: String,
    has_pin: bool,
    certificates: Vec<CertificateView>,
    history: Vec<EventView>,
    /// Where the card file is, for cards issued through the API.
    card_file: Option<String>,
}

fn card_dir(state: &AppState) -> Result<PathBuf, ApiError> {
    state.card_dir.clone().ok_or_else(|| {
        ApiError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "card_desk_disabled",
            "this server has no card directory; issue cards with `onshi card issue`",
        )
    })
}

fn card_path(dir: &std::path::Path, serial: &str) -> Result<PathBuf, ApiError> {
    if serial.is_empty() || serial.len() > 64 || !serial.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(invalid(format!("card serial {serial:?} is not hex")));
    }
    Ok(dir.join(format!("{}.json", serial.to_ascii_uppercase())))
}

async fn view(state: &AppState, serial: &str) -> Result<CardView, ApiError> {
    let jpki = service(state)?;
    let card = jpki.card(serial).await.map_err(jpki_error)?;
    let certificates = jpki.certificates(serial).await.map_err(jpki_error)?;
    let history = jpki.history(serial).await.map_err(jpki_error)?;
    let card_file = state
        .card_dir
        .as_deref()
        .and_then(|dir| card_path(dir, serial).ok())
        .filter(|path| path.exists())
        .map(|path| path.display().to_string());
    Ok(CardView {
        state: match card.state {
            CardState::Active => "active",
            CardState::Suspended => "suspended",
            CardState::Revoked => "revoked",
        },
        issued_at: card.issued_at.to_rfc3339(),
        expires_on: card.expires_on.to_string(),
        has_pin: card.has_pin,
        certificates: certificates
            .into_iter()
            .map(|c| {
                let (status, reason, since) = match c.status {
                    CertStatus::Good => ("good", None, None),
                    CertStatus::Suspended { since } => ("suspended", None, Some(since.to_rfc3339())),
                    CertStatus::Revoked { reason, at } => ("revoked", Some(reason), Some(at.to_rfc3339())),
                };
                CertificateView {
                    serial: onshi_store::jpki::hex(&c.serial),
                    kind: c.kind.code(),
                    status,
                    reason,
                    since,
                    not_before: c.not_before.to_rfc3339(),
                    not_after: c.not_after.to_rfc3339(),
                }
            })
            .collect(),
        history: history
            .into_iter()
            .map(|e| EventView { at: e.at.to_rfc3339(), operation: e.operation, detail: e.detail })
            .collect(),
        card_file,
        card_serial: card.card_serial,
    })
}

/// Issue a card to a resident; the card file is written into the card directory.
#[utoipa::path(
    post,
    path = "/municipality/cards",
    tag = "municipality",
    security(("admin_token" = [])),
    request_body = IssueRequest,
    responses(
        (status = 201, description = "Issued", body = CardView),
        (status = 400, description = "PINs missing or of the wrong shape (`invalid_request`)", body = ErrorBody),
        (status = 404, description = "No such resident (`resident_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn issue(
    _user: AdminUser,
    State(state): State<AppState>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<CardView>), ApiError> {
    let request: IssueRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not an issuance request: {e}")))?;
    let pins = match (request.no_pin, request.pin, request.password, request.support_pin) {
        (true, None, None, None) => None,
        (true, ..) => return Err(invalid("no_pin is true: give no pin, password or support_pin")),
        (false, Some(auth_pin), Some(sign_password), Some(support_pin)) => {
            Some(Pins { auth_pin, sign_password, support_pin })
        }
        (false, ..) => return Err(invalid("give pin, password and support_pin, or no_pin: true")),
    };
    let dir = card_dir(&state)?;
    let jpki = service(&state)?;
    let issued = jpki.issue_card(&request.resident_code, pins, state.clock.now()).await.map_err(jpki_error)?;
    let path = card_path(&dir, &issued.card.card_serial)?;
    std::fs::create_dir_all(&dir)
        .and_then(|()| issued.file.save(&path).map_err(std::io::Error::other))
        .map_err(|e| ApiError::Internal { context: "writing the card file", source: Box::new(e) })?;
    Ok((StatusCode::CREATED, Json(view(&state, &issued.card.card_serial).await?)))
}

/// A card with its certificates and history.
#[utoipa::path(
    get,
    path = "/municipality/cards/{serial}",
    tag = "municipality",
    security(("admin_token" = [])),
    params(("serial" = String, Path, description = "The card serial")),
    responses(
        (status = 200, description = "The card", body = CardView),
        (status = 404, description = "No such card (`card_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn card(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(serial): Path<String>,
) -> Result<Json<CardView>, ApiError> {
    Ok(Json(view(&state, &serial).await?))
}

/// Suspend a card (一時停止): effective at once for sign-in, OCSP and the next CRL.
#[utoipa::path(
    post,
    path = "/municipality/cards/{serial}/suspend",
    tag = "municipality",
    security(("admin_token" = [])),
    params(("serial" = String, Path, description = "The card serial")),
    responses(
        (status = 200, description = "Suspended", body = CardView),
        (status = 409, description = "Already suspended, or revoked (`card_state_conflict`)", body = ErrorBody)
    )
)]
pub(crate) async fn suspend(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(serial): Path<String>,
) -> Result<Json<CardView>, ApiError> {
    service(&state)?.suspend(&serial, state.clock.now()).await.map_err(jpki_error)?;
    Ok(Json(view(&state, &serial).await?))
}

/// Lift a suspension (一時停止解除).
#[utoipa::path(
    post,
    path = "/municipality/cards/{serial}/resume",
    tag = "municipality",
    security(("admin_token" = [])),
    params(("serial" = String, Path, description = "The card serial")),
    responses(
        (status = 200, description = "Active again", body = CardView),
        (status = 409, description = "Not suspended (`card_state_conflict`)", body = ErrorBody)
    )
)]
pub(crate) async fn resume(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(serial): Path<String>,
) -> Result<Json<CardView>, ApiError> {
    service(&state)?.resume(&serial, state.clock.now()).await.map_err(jpki_error)?;
    Ok(Json(view(&state, &serial).await?))
}

/// Why a card is revoked.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub(crate) struct RevokeRequest {
    /// RFC 5280 reason name: `cessationOfOperation` (returned, death; the
    /// default), `keyCompromise`, `affiliationChanged`, `superseded`,
    /// `privilegeWithdrawn` or `unspecified`.
    reason: Option<String>,
}

fn reason_named(name: &str) -> Option<RevocationReason> {
    (0..=10).filter_map(RevocationReason::from_code).find(|r| r.name() == name)
}

/// Revoke a card and its certificates (廃止).
#[utoipa::path(
    post,
    path = "/municipality/cards/{serial}/revoke",
    tag = "municipality",
    security(("admin_token" = [])),
    params(("serial" = String, Path, description = "The card serial")),
    request_body = RevokeRequest,
    responses(
        (status = 200, description = "Revoked", body = CardView),
        (status = 409, description = "Already revoked (`card_state_conflict`)", body = ErrorBody)
    )
)]
pub(crate) async fn revoke(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(serial): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<CardView>, ApiError> {
    let request: RevokeRequest = if body.is_empty() {
        RevokeRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not a revocation request: {e}")))?
    };
    let reason = match request.reason.as_deref() {
        None => RevocationReason::CessationOfOperation,
        Some(name) => reason_named(name).ok_or_else(|| {
            invalid(format!("reason {name:?} is not one of cessationOfOperation, keyCompromise, affiliationChanged, superseded, privilegeWithdrawn, unspecified"))
        })?,
    };
    service(&state)?.revoke(&serial, reason, state.clock.now()).await.map_err(jpki_error)?;
    Ok(Json(view(&state, &serial).await?))
}

fn load_card_file(state: &AppState, serial: &str) -> Result<(PathBuf, CardFile), ApiError> {
    let path = card_path(&card_dir(state)?, serial)?;
    if !path.exists() {
        return Err(ApiError::refused(
            StatusCode::NOT_FOUND,
            "card_file_not_found",
            format!(
                "card {serial} was not issued through this server's card directory; use `onshi card` with the card file"
            ),
        ));
    }
    let file = CardFile::load(&path)
        .map_err(|e| ApiError::Internal { context: "reading a card file", source: Box::new(e) })?;
    Ok((path, file))
}

/// Renew both certificates: new keys into the card file, the old certificates superseded.
#[utoipa::path(
    post,
    path = "/municipality/cards/{serial}/renew",
    tag = "municipality",
    security(("admin_token" = [])),
    params(("serial" = String, Path, description = "The card serial")),
    responses(
        (status = 200, description = "Renewed", body = CardView),
        (status = 409, description = "Suspended or revoked (`card_state_conflict`)", body = ErrorBody)
    )
)]
pub(crate) async fn renew(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(serial): Path<String>,
) -> Result<Json<CardView>, ApiError> {
    let (path, mut file) = load_card_file(&state, &serial)?;
    service(&state)?.renew(&mut file, state.clock.now()).await.map_err(jpki_error)?;
    file.save(&path).map_err(|e| ApiError::Internal { context: "writing the card file", source: Box::new(e) })?;
    Ok(Json(view(&state, &serial).await?))
}

/// A PIN reset at the desk.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct PinResetRequest {
    /// `auth_pin`, `sign_password` or `support_pin`.
    which: String,
    new_pin: String,
}

/// Reset a locked PIN (暗証番号の再設定): a new PIN with a full retry counter.
#[utoipa::path(
    post,
    path = "/municipality/cards/{serial}/pin-reset",
    tag = "municipality",
    security(("admin_token" = [])),
    params(("serial" = String, Path, description = "The card serial")),
    request_body = PinResetRequest,
    responses(
        (status = 200, description = "Reset", body = CardView),
        (status = 400, description = "Unknown PIN or wrong shape (`invalid_request`)", body = ErrorBody)
    )
)]
pub(crate) async fn pin_reset(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(serial): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<CardView>, ApiError> {
    let request: PinResetRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not a PIN reset request: {e}")))?;
    let which = [PinSlot::UserAuthentication, PinSlot::Signing, PinSlot::Support]
        .into_iter()
        .find(|slot| slot.field() == request.which)
        .ok_or_else(|| invalid(format!("which {:?} is not auth_pin, sign_password or support_pin", request.which)))?;
    let (path, mut file) = load_card_file(&state, &serial)?;
    service(&state)?.reset_pin(&mut file, which, &request.new_pin, state.clock.now()).await.map_err(jpki_error)?;
    file.save(&path).map_err(|e| ApiError::Internal { context: "writing the card file", source: Box::new(e) })?;
    Ok(Json(view(&state, &serial).await?))
}
