//! Probes for orchestrators and load balancers: `GET /healthz` (liveness: the
//! process answers) and `GET /readyz` (readiness: the database answers and is
//! migrated). Neither needs authentication and neither reveals data.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::state::AppState;

/// The body of a successful probe.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `ok`.
    pub(crate) status: &'static str,
}

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(healthz)).route("/readyz", get(readyz))
}

/// Liveness: answers as long as the process serves HTTP. Does not touch the
/// database, so a database outage does not get the process restarted.
#[utoipa::path(
    get,
    path = "/healthz",
    tag = "operations",
    responses((status = 200, description = "The process is alive", body = Health))
)]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

/// Readiness: the database answers a round trip and its migrations are
/// applied. A load balancer should stop sending traffic while this fails.
#[utoipa::path(
    get,
    path = "/readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database does not answer or is not migrated (`not_ready`)", body = ErrorBody)
    )
)]
pub(crate) async fn readyz(State(state): State<AppState>) -> Result<Json<Health>, ApiError> {
    // The store's ping reads the migration table, so it fails on an
    // unmigrated database as well as on an unreachable one.
    state.store.ping().await.map_err(|source| ApiError::NotReady { context: "pinging the store", source })?;
    Ok(Json(Health { status: "ok" }))
}
