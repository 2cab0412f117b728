//! The operator audience, under `/admin`: statistics, and the access log's
//! verification (`GET /admin/access-log/verify`, in `crate::medical`).
//! Every route takes an [`AdminUser`].

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::AdminUser;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/stats", get(stats)).route("/access-log/verify", get(crate::medical::verify))
}

/// Row counts of the platform on a given day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Stats {
    /// The day the counts refer to (Japan time), `YYYY-MM-DD`.
    #[schema(format = Date, example = "2026-04-01")]
    pub(crate) today: String,
    /// `sqlite` or `postgres`.
    pub(crate) backend: &'static str,
    /// 住民: residents in the registry.
    pub(crate) residents: u64,
    /// 保険者: registered insurers.
    pub(crate) insurers: u64,
    /// 被保険者: member records.
    pub(crate) members: u64,
    /// 紐付け済み: members linked to a resident.
    pub(crate) members_linked: u64,
    /// Members whose coverage includes `today`.
    pub(crate) members_eligible_today: u64,
    /// 医療機関・薬局: facilities.
    pub(crate) facilities: u64,
}

/// Row counts, for operators.
#[utoipa::path(
    get,
    path = "/admin/stats",
    tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "Counts as of today (Japan time)", body = Stats),
        (status = 401, description = "Missing or wrong token (`unauthorized`)", body = ErrorBody),
        (status = 403, description = "No admin token configured on the server (`admin_disabled`)", body = ErrorBody),
        (status = 503, description = "The database is unavailable (`store_unavailable`)", body = ErrorBody)
    )
)]
pub(crate) async fn stats(_admin: AdminUser, State(state): State<AppState>) -> Result<Json<Stats>, ApiError> {
    let today = state.clock.today();
    let counts = state.store.counts(today).await.map_err(|error| ApiError::store("counting rows", error))?;
    Ok(Json(Stats {
        today: today.to_string(),
        backend: state.store.backend().name(),
        residents: counts.residents,
        insurers: counts.insurers,
        members: counts.members,
        members_linked: counts.members_linked,
        members_eligible_today: counts.members_eligible_today,
        facilities: counts.facilities,
    }))
}
