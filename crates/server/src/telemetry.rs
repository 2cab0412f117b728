//! Observability: structured logs ([`init_tracing`]), Prometheus metrics
//! ([`Metrics`], the `GET /metrics` route) and the middleware that logs and
//! counts every request.
//!
//! Each [`AppState`] holds its own recorder instead of installing the global
//! one, so one process (a test binary, say) can run many routers without
//! their numbers mixing. Metrics are therefore recorded with
//! [`metrics::with_local_recorder`], never through the global macros alone.
//!
//! Metric names:
//!
//! - `onshi_http_requests_total{method, route, status}`: counter;
//! - `onshi_http_request_duration_seconds{method, route, status}`: histogram;
//! - `onshi_residents`, `onshi_insurers`, `onshi_members`,
//!   `onshi_members_linked`, `onshi_members_eligible_today`,
//!   `onshi_facilities`: gauges, refreshed from the store on each scrape;
//! - `onshi_store_scrape_errors_total`: counter of failed refreshes.
//!
//! `route` is the matched route template (`/admin/stats`), never the raw path,
//! so that label stays bounded; requests that match no route count as
//! `unmatched`.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use onshi_store::Counts;

use crate::config::LogFormat;
use crate::error::InternalCause;
use crate::state::AppState;

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("log filter {filter:?} is not valid")]
    Filter {
        filter: String,
        #[source]
        source: tracing_subscriber::filter::ParseError,
    },
    #[error("a global tracing subscriber is already installed: {0}")]
    AlreadyInstalled(String),
}

/// Install the global log subscriber: JSON lines or human-readable lines on
/// standard error, filtered by `filter` (`tracing` `EnvFilter` syntax).
/// [`LogFormat::Auto`] picks JSON when standard error is not a terminal.
///
/// Logs go to standard error so that standard output stays free for what the
/// command prints for people (such as the address to open).
pub fn init_tracing(format: LogFormat, filter: &str) -> Result<(), TelemetryError> {
    let env_filter = tracing_subscriber::EnvFilter::try_new(filter)
        .map_err(|source| TelemetryError::Filter { filter: filter.to_owned(), source })?;
    let json = match format {
        LogFormat::Json => true,
        LogFormat::Pretty => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let builder = tracing_subscriber::fmt().with_env_filter(env_filter).with_writer(std::io::stderr);
    let installed = if json {
        builder.json().flatten_event(true).with_current_span(true).with_span_list(false).try_init()
    } else {
        builder.with_ansi(std::io::stderr().is_terminal()).try_init()
    };
    installed.map_err(|error| TelemetryError::AlreadyInstalled(error.to_string()))
}

const HTTP_REQUESTS: &str = "onshi_http_requests_total";
const HTTP_DURATION: &str = "onshi_http_request_duration_seconds";
const STORE_SCRAPE_ERRORS: &str = "onshi_store_scrape_errors_total";

/// Latency buckets in seconds: from a cache hit to the request timeout.
const DURATION_BUCKETS: &[f64] = &[0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// A Prometheus recorder of one router, and the handle that renders it.
#[derive(Clone)]
pub struct Metrics {
    recorder: Arc<PrometheusRecorder>,
    handle: PrometheusHandle,
}

impl Metrics {
    pub fn new() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(HTTP_DURATION.to_owned()), DURATION_BUCKETS)
            .expect("the bucket list is a non-empty constant")
            .build_recorder();
        let handle = recorder.handle();
        let metrics = Metrics { recorder: Arc::new(recorder), handle };
        metrics.with(|| {
            metrics::describe_counter!(HTTP_REQUESTS, "HTTP requests answered, by method, matched route and status");
            metrics::describe_histogram!(
                HTTP_DURATION,
                metrics::Unit::Seconds,
                "Time to answer HTTP requests, by method, matched route and status"
            );
            metrics::describe_counter!(STORE_SCRAPE_ERRORS, "Scrapes of /metrics whose store counts failed");
            for (name, _, help) in gauges(&Counts::default()) {
                metrics::describe_gauge!(name, help);
            }
        });
        metrics
    }

    /// The current values in the Prometheus text format.
    pub fn render(&self) -> String {
        self.handle.render()
    }

    /// Drain histogram samples into their buckets. [`Self::render`] does it
    /// too; [`crate::serve`] also runs it every few seconds so memory stays
    /// bounded when nobody scrapes.
    pub fn run_upkeep(&self) {
        self.handle.run_upkeep();
    }

    fn with<T>(&self, f: impl FnOnce() -> T) -> T {
        metrics::with_local_recorder(self.recorder.as_ref(), f)
    }

    fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = [("method", method.to_owned()), ("route", route.to_owned()), ("status", status.to_string())];
        self.with(|| {
            metrics::counter!(HTTP_REQUESTS, &labels).increment(1);
            metrics::histogram!(HTTP_DURATION, &labels).record(elapsed.as_secs_f64());
        });
    }

    fn set_counts(&self, counts: &Counts) {
        self.with(|| {
            for (name, value, _) in gauges(counts) {
                // Counts stay far below 2^53, where f64 is still exact.
                metrics::gauge!(name).set(value as f64);
            }
        });
    }

    fn count_scrape_error(&self) {
        self.with(|| metrics::counter!(STORE_SCRAPE_ERRORS).increment(1));
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

fn gauges(counts: &Counts) -> [(&'static str, u64, &'static str); 6] {
    [
        ("onshi_residents", counts.residents, "Residents in the registry (住民)"),
        ("onshi_insurers", counts.insurers, "Registered insurers (保険者)"),
        ("onshi_members", counts.members, "Member records (被保険者)"),
        ("onshi_members_linked", counts.members_linked, "Members linked to a resident (紐付け済み)"),
        ("onshi_members_eligible_today", counts.members_eligible_today, "Members whose coverage includes today"),
        ("onshi_facilities", counts.facilities, "Medical facilities and pharmacies (医療機関・薬局)"),
    ]
}

/// The `/metrics` route.
pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/metrics", get(metrics))
}

/// Prometheus metrics of this server, with the row counts refreshed from the
/// store.
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition format 0.0.4", body = String,
         content_type = "text/plain; version=0.0.4")
    )
)]
pub(crate) async fn metrics(State(state): State<AppState>) -> Response {
    // A scrape must still answer when the database does not: the request
    // metrics are what tells the operator something is wrong.
    match state.store.counts(state.clock.today()).await {
        Ok(counts) => state.metrics.set_counts(&counts),
        Err(error) => {
            tracing::warn!(error = %error, "store counts for /metrics failed");
            state.metrics.count_scrape_error();
        }
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], state.metrics.render()).into_response()
}

/// Middleware around every route: count and time the request, then log one
/// line for it, with the internal cause of a failure when there is one.
pub(crate) async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let route = match request.extensions().get::<MatchedPath>() {
        Some(matched) => matched.as_str().to_owned(),
        None => "unmatched".to_owned(),
    };
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics.record_request(method.as_str(), &route, status, elapsed);

    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    match response.extensions().get::<InternalCause>() {
        Some(InternalCause(cause)) => {
            tracing::error!(method = %method, route, status, latency_ms, cause = %cause, "request failed");
        }
        None => tracing::info!(method = %method, route, status, latency_ms, "request"),
    }
    response
}
