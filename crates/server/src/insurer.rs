//! Insurers (保険者), under `/insurer`: the links held by the linkage checks
//! of the total inspection (総点検) and the insurer's decision on each:
//! confirm the link (it was right: usable again) or correct it (to another
//! resident, or to none).
//!
//! A link is held (`suspended`) when a member import, a registry import or
//! `onshi inspect` judged that the member's record describes another person
//! than the My Number's holder; eligibility answers "linkage under
//! inspection" for it until an insurer decides here or with `onshi linkage`.
//!
//! Every route needs the operator token for now (`Authorization: Bearer`,
//! see `[admin] token`); insurer staff accounts come later. Refusals:
//! `member_not_found`, `resident_not_found` (404), `not_linked` (409: there
//! is no link to confirm), `invalid_request` (400).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use onshi_domain::id::{Branch, InsurerNumber};
use onshi_domain::insurance::MemberKey;
use onshi_store::StoreError;
use onshi_store::inspection::{LinkDecision, SuspendedLink, Suspension};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::extract::AdminUser;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/linkages/suspended", get(suspended))
        .route("/members/{insurer_number}/{symbol}/{number}/{branch}/linkage", get(linkage))
        .route("/members/{insurer_number}/{symbol}/{number}/{branch}/linkage/confirm", post(confirm))
        .route("/members/{insurer_number}/{symbol}/{number}/{branch}/linkage/correct", post(correct))
        .merge(crate::insurer_members::router())
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::refused(StatusCode::BAD_REQUEST, "invalid_request", message)
}

fn store_error(context: &'static str, error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound { what } if what.starts_with("resident_code") => {
            ApiError::refused(StatusCode::NOT_FOUND, "resident_not_found", what)
        }
        StoreError::NotFound { what } => ApiError::refused(StatusCode::NOT_FOUND, "member_not_found", what),
        StoreError::Conflict { what } => ApiError::refused(StatusCode::CONFLICT, "not_linked", what),
        other => ApiError::store(context, other),
    }
}

/// The member key in the path: 保険者番号, 記号, 番号, 枝番.
fn member_key(insurer_number: &str, symbol: &str, number: &str, branch: &str) -> Result<MemberKey, ApiError> {
    Ok(MemberKey {
        insurer_number: insurer_number.parse().map_err(|e| invalid(format!("{e}")))?,
        symbol: symbol.parse().map_err(|e| invalid(format!("{e}")))?,
        number: number.parse().map_err(|e| invalid(format!("{e}")))?,
        branch: branch
            .parse::<u8>()
            .ok()
            .and_then(Branch::new)
            .ok_or_else(|| invalid(format!("branch (枝番) {branch:?} must be 00 to 99")))?,
    })
}

/// One suspension of a link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SuspensionView {
    /// `import`, `registry` or `inspection`.
    source: &'static str,
    /// Machine-readable differences, e.g. `birth_date:other`.
    reasons: Vec<String>,
    suspended_at: String,
    /// `confirmed` or `corrected`; absent while the link is held.
    resolution: Option<&'static str>,
    resolved_at: Option<String>,
    resolved_by: Option<String>,
}

impl From<&Suspension> for SuspensionView {
    fn from(s: &Suspension) -> Self {
        let time = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        SuspensionView {
            source: s.source.code(),
            reasons: s.reasons.clone(),
            suspended_at: time(s.suspended_at),
            resolution: s.resolution.map(|r| r.code()),
            resolved_at: s.resolved_at.map(time),
            resolved_by: s.resolved_by.clone(),
        }
    }
}

/// A link held for inspection.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct SuspendedLinkView {
    insurer_number: String,
    symbol: String,
    number: String,
    /// 枝番, two digits.
    branch: String,
    /// 住民票コード of the person the link points at.
    resident_code: String,
    suspension: SuspensionView,
}

impl From<&SuspendedLink> for SuspendedLinkView {
    fn from(link: &SuspendedLink) -> Self {
        SuspendedLinkView {
            insurer_number: link.key.insurer_number.as_str().to_owned(),
            symbol: link.key.symbol.as_str().to_owned(),
            number: link.key.number.as_str().to_owned(),
            branch: format!("{:02}", link.key.branch.value()),
            resident_code: link.resident_code.as_str().to_owned(),
            suspension: SuspensionView::from(&link.suspension),
        }
    }
}

/// A member's link.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct LinkageView {
    insurer_number: String,
    symbol: String,
    number: String,
    branch: String,
    /// `active`, `suspended` or `confirmed`; absent when the member is not linked.
    state: Option<&'static str>,
    /// 住民票コード of the linked person; absent when the member is not linked.
    resident_code: Option<String>,
    /// Every suspension of the member's links, oldest first.
    suspensions: Vec<SuspensionView>,
}

async fn linkage_view(state: &AppState, key: &MemberKey) -> Result<LinkageView, ApiError> {
    let store = &state.store;
    let member =
        store.member_by_key(key).await.map_err(|e| store_error("reading a member", e))?.ok_or_else(|| {
            store_error("reading a member", onshi_store::StoreError::NotFound { what: describe(key) })
        })?;
    let resident_code = match member.person_id {
        Some(person) => store
            .resident_by_person(person)
            .await
            .map_err(|e| store_error("reading a resident", e))?
            .map(|r| r.resident.resident_code.as_str().to_owned()),
        None => None,
    };
    let suspensions =
        store.suspensions_of_member(member.member_id).await.map_err(|e| store_error("reading suspensions", e))?;
    Ok(LinkageView {
        insurer_number: key.insurer_number.as_str().to_owned(),
        symbol: key.symbol.as_str().to_owned(),
        number: key.number.as_str().to_owned(),
        branch: format!("{:02}", key.branch.value()),
        state: member.link_state.map(|s| s.code()),
        resident_code,
        suspensions: suspensions.iter().map(SuspensionView::from).collect(),
    })
}

fn describe(key: &MemberKey) -> String {
    format!(
        "member (保険者番号 {}, 記号 {}, 番号 {}, 枝番 {:02})",
        key.insurer_number.as_str(),
        key.symbol.as_str(),
        key.number.as_str(),
        key.branch.value()
    )
}

/// Filter of the list of held links.
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub(crate) struct SuspendedQuery {
    /// Only this insurer's links (保険者番号).
    insurer_number: Option<String>,
}

/// The links held for inspection, in member key order.
#[utoipa::path(
    get,
    path = "/insurer/linkages/suspended",
    tag = "insurer",
    security(("admin_token" = [])),
    params(SuspendedQuery),
    responses(
        (status = 200, description = "The held links", body = Vec<SuspendedLinkView>),
        (status = 400, description = "A malformed insurer number (`invalid_request`)", body = ErrorBody)
    )
)]
pub(crate) async fn suspended(
    _user: AdminUser,
    State(state): State<AppState>,
    Query(query): Query<SuspendedQuery>,
) -> Result<Json<Vec<SuspendedLinkView>>, ApiError> {
    let insurer: Option<InsurerNumber> = match &query.insurer_number {
        Some(text) => Some(text.parse().map_err(|e| invalid(format!("{e}")))?),
        None => None,
    };
    let links = state.store.suspended_links(insurer).await.map_err(|e| store_error("listing held links", e))?;
    Ok(Json(links.iter().map(SuspendedLinkView::from).collect()))
}

/// A member's link: its state, the linked resident and its suspensions.
#[utoipa::path(
    get,
    path = "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/linkage",
    tag = "insurer",
    security(("admin_token" = [])),
    params(
        ("insurer_number" = String, Path, description = "保険者番号"),
        ("symbol" = String, Path, description = "記号"),
        ("number" = String, Path, description = "番号"),
        ("branch" = String, Path, description = "枝番, e.g. 00")
    ),
    responses(
        (status = 200, description = "The link", body = LinkageView),
        (status = 404, description = "No such member (`member_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn linkage(
    _user: AdminUser,
    State(state): State<AppState>,
    Path((insurer_number, symbol, number, branch)): Path<(String, String, String, String)>,
) -> Result<Json<LinkageView>, ApiError> {
    let key = member_key(&insurer_number, &symbol, &number, &branch)?;
    Ok(Json(linkage_view(&state, &key).await?))
}

/// Who decides, recorded with the decision.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub(crate) struct ConfirmRequest {
    /// Who decides (staff identifier); `insurer` when absent.
    by: Option<String>,
}

/// A correction of a link.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct CorrectRequest {
    /// 住民票コード of the resident the member really is; absent with `unlink`.
    resident_code: Option<String>,
    /// Remove the link: the member's person is unknown.
    #[serde(default)]
    unlink: bool,
    /// Who decides (staff identifier); `insurer` when absent.
    by: Option<String>,
}

/// Confirm a member's link: it was right; it becomes usable again and
/// imports keep it.
#[utoipa::path(
    post,
    path = "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/linkage/confirm",
    tag = "insurer",
    security(("admin_token" = [])),
    params(
        ("insurer_number" = String, Path, description = "保険者番号"),
        ("symbol" = String, Path, description = "記号"),
        ("number" = String, Path, description = "番号"),
        ("branch" = String, Path, description = "枝番, e.g. 00")
    ),
    request_body(content = ConfirmRequest, description = "Optional"),
    responses(
        (status = 200, description = "Confirmed", body = LinkageView),
        (status = 404, description = "No such member (`member_not_found`)", body = ErrorBody),
        (status = 409, description = "The member has no link to confirm (`not_linked`)", body = ErrorBody)
    )
)]
pub(crate) async fn confirm(
    _user: AdminUser,
    State(state): State<AppState>,
    Path((insurer_number, symbol, number, branch)): Path<(String, String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<LinkageView>, ApiError> {
    let key = member_key(&insurer_number, &symbol, &number, &branch)?;
    let request: ConfirmRequest = if body.is_empty() {
        ConfirmRequest::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not a confirmation: {e}")))?
    };
    let by = request.by.unwrap_or_else(|| "insurer".to_owned());
    state
        .store
        .decide_link(&key, LinkDecision::Confirm, &by, state.clock.now())
        .await
        .map_err(|e| store_error("confirming a link", e))?;
    Ok(Json(linkage_view(&state, &key).await?))
}

/// Correct a member's link: to another resident, or to none.
#[utoipa::path(
    post,
    path = "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/linkage/correct",
    tag = "insurer",
    security(("admin_token" = [])),
    params(
        ("insurer_number" = String, Path, description = "保険者番号"),
        ("symbol" = String, Path, description = "記号"),
        ("number" = String, Path, description = "番号"),
        ("branch" = String, Path, description = "枝番, e.g. 00")
    ),
    request_body = CorrectRequest,
    responses(
        (status = 200, description = "Corrected", body = LinkageView),
        (status = 400, description = "Neither or both of resident_code and unlink (`invalid_request`)", body = ErrorBody),
        (status = 404, description = "No such member or resident (`member_not_found`, `resident_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn correct(
    _user: AdminUser,
    State(state): State<AppState>,
    Path((insurer_number, symbol, number, branch)): Path<(String, String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Json<LinkageView>, ApiError> {
    let key = member_key(&insurer_number, &symbol, &number, &branch)?;
    let request: CorrectRequest =
        serde_json::from_slice(&body).map_err(|e| invalid(format!("the body is not a correction: {e}")))?;
    let decision = match (&request.resident_code, request.unlink) {
        (Some(code), false) => LinkDecision::CorrectTo(code.parse().map_err(|e| invalid(format!("{e}")))?),
        (None, true) => LinkDecision::Unlink,
        _ => return Err(invalid("give either resident_code or \"unlink\": true")),
    };
    let by = request.by.unwrap_or_else(|| "insurer".to_owned());
    state
        .store
        .decide_link(&key, decision, &by, state.clock.now())
        .await
        .map_err(|e| store_error("correcting a link", e))?;
    Ok(Json(linkage_view(&state, &key).await?))
}
