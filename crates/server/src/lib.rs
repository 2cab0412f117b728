//! The HTTP server of onshi: [`router`] builds the whole application as one
//! axum `Router` over an [`AppState`]; [`serve`] binds it and shuts it down
//! gracefully. Configuration ([`config`]) and logging ([`init_tracing`]) live
//! here too, because the server is their first user.
//!
//! Layout: one module per audience, each with `fn router() -> Router<AppState>`
//! (`admin`, `jpki`, `municipality`, `facility`, `insurer`, `medical`,
//! `citizen`), plus the operational routes (`health`,
//! `telemetry`'s `/metrics`, `openapi`) and the landing page. Audiences never
//! call each other; what they share lives in `extract`, `error` and `state`.
//!
//! Routes:
//!
//! | route | module | audience |
//! | --- | --- | --- |
//! | `GET /` | `landing` | anyone (Japanese page) |
//! | `GET /healthz`, `GET /readyz` | `health` | orchestrators |
//! | `GET /metrics` | `telemetry` | Prometheus |
//! | `GET /openapi.json` | `openapi` | API clients |
//! | `GET /admin/stats` | `admin` | operators (bearer token) |
//! | `/jpki/…` (CRL, OCSP, CA certificates, status, challenge sign-in) | `jpki` | relying parties, card holders |
//! | `/municipality/cards…` (issue, suspend, resume, revoke, renew, PIN reset) | `municipality` | municipal desks (bearer token) |
//! | `POST /oauth/token`, `/facility/eligibility/{card,insured-number}` | `facility` | clinics' and pharmacies' systems (OAuth client credentials) |
//! | `/insurer/linkages/suspended`, `/insurer/members/…/linkage` (confirm, correct) | `insurer` | insurers (bearer token) |
//! | `POST /facility/medical/{category}`, `POST /facility/medical/emergency` | `medical` | clinics' and pharmacies' systems: information under consent, 救急時医療情報閲覧 |
//! | `POST /crew/emergency-set` | `medical` | fire departments' crews (マイナ救急; OAuth client credentials) |
//! | `POST /citizen/sign-in`, `/me/…` (records, consents, revoke, access log) | `citizen` | the person, through the portal (card sign-in) |
//! | `GET /access-log/public-key` | `medical` | anyone checking an access log |
//! | `GET /admin/access-log/verify` | `medical` | operators (bearer token) |
//! | `GET /.well-known/openid-configuration`, `/oidc/…` (JWKS, PAR, authorize, token, userinfo, the app's approval) | `oidc` | relying parties (OpenID Connect), the person's browser and app |
//! | `/portal/…` (sign-in with the app, home, coverages and their PDF, medical information, access log, consents, registration, linkage, facility blocks) | `portal` | the person, in a browser (マイナポータル; session cookie) |

use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::error_handling::HandleErrorLayer;
use tower::ServiceBuilder;

mod admin;
mod citizen;
pub mod config;
mod error;
mod extract;
mod facility;
mod health;
mod insurer;
mod insurer_members;
mod jpki;
mod landing;
mod medical;
mod municipality;
mod oidc;
mod openapi;
mod portal;
mod state;
mod telemetry;
pub mod throttle;

pub use citizen::TOKEN_MINUTES as CITIZEN_TOKEN_MINUTES;
pub use config::Config;
pub use error::{ApiError, ErrorBody};
pub use extract::{AdminUser, CitizenUser, CrewUser};
pub use facility::{FacilityUser, TOKEN_MINUTES, TokenKey, secret_hash};
pub use openapi::ApiDoc;
pub use state::{AppState, Clock};
pub use telemetry::{Metrics, TelemetryError, init_tracing};

/// The whole application.
pub fn router(state: AppState) -> Router {
    let throttled = axum::middleware::from_fn_with_state(state.clone(), throttle::guard);
    let timeout =
        ServiceBuilder::new().layer(HandleErrorLayer::new(error::from_middleware)).timeout(state.request_timeout);
    Router::new()
        .merge(landing::router())
        .merge(health::router())
        .merge(telemetry::router())
        .merge(openapi::router())
        .nest("/admin", admin::router())
        .nest("/jpki", jpki::router())
        .nest("/municipality", municipality::router())
        .nest("/facility", facility::router().merge(medical::facility_router()).layer(throttled.clone()))
        .nest("/insurer", insurer::router())
        .nest("/crew", medical::crew_router())
        .nest("/citizen", citizen::router())
        .nest("/me", citizen::me_router())
        .merge(medical::public_router())
        .merge(oidc::well_known_router())
        .nest("/oidc", oidc::router())
        .merge(portal::router())
        .nest("/oauth", facility::oauth_router().layer(throttled))
        .fallback(|| async { ApiError::NotFound })
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(timeout)
        .layer(axum::middleware::from_fn_with_state(state.clone(), telemetry::track))
        .with_state(state)
}

/// Why [`serve`] stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot listen on {bind}")]
    Bind {
        bind: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the HTTP server failed")]
    Serve(#[source] std::io::Error),
}

/// Serve the application until SIGINT or SIGTERM, then shut down gracefully.
/// See [`serve_with_shutdown`].
pub async fn serve(config: &Config, state: AppState, ready: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    serve_with_shutdown(config, state, ready, shutdown_signal()).await
}

/// Bind `server.bind`, call `ready` with the bound address (port 0 becomes
/// the real port), and serve [`router`] until `shutdown` completes. Then stop
/// accepting connections, let requests in flight finish for up to
/// `server.shutdown_grace_seconds`, and return. Connections still open after
/// that are abandoned (the caller is about to exit).
///
/// The state takes its admin token and request timeout from `config`
/// ([`AppState::with_config`]).
pub async fn serve_with_shutdown(
    config: &Config,
    state: AppState,
    ready: impl FnOnce(SocketAddr),
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServerError> {
    let bind = config.server.bind.as_str();
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|source| ServerError::Bind { bind: bind.to_owned(), source })?;
    let address = listener.local_addr().map_err(|source| ServerError::Bind { bind: bind.to_owned(), source })?;

    let state = state.with_config(config);
    let metrics = state.metrics.clone();
    let upkeep = tokio::spawn(async move {
        let mut every = tokio::time::interval(Duration::from_secs(5));
        loop {
            every.tick().await;
            metrics.run_upkeep();
        }
    });

    let grace = Duration::from_secs(config.server.shutdown_grace_seconds);
    let (signalled_tx, signalled_rx) = tokio::sync::oneshot::channel::<()>();
    let signal = async move {
        shutdown.await;
        tracing::info!(grace_seconds = grace.as_secs(), "shutting down: no new connections, draining requests");
        let _ = signalled_tx.send(());
    };

    tracing::info!(%address, "listening");
    ready(address);
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown(signal).into_future();
    let grace_over = async move {
        // The sender is only dropped unsent if the server ended on its own,
        // in which case the select below has already finished.
        if signalled_rx.await.is_err() {
            std::future::pending::<()>().await;
        }
        tokio::time::sleep(grace).await;
    };
    let outcome = tokio::select! {
        served = server => served.map_err(ServerError::Serve),
        () = grace_over => {
            tracing::warn!(grace_seconds = grace.as_secs(), "grace period over; abandoning open connections");
            Ok(())
        }
    };
    upkeep.abort();
    if outcome.is_ok() {
        tracing::info!("stopped");
    }
    outcome
}

/// Completes on the first SIGINT (Ctrl-C) or SIGTERM; the server's and every
/// other long-running command's (`onshi connector`) way to stop cleanly.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            tracing::error!(%error, "cannot listen for Ctrl-C; only SIGTERM will stop the server");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM; only Ctrl-C will stop the server");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
}
