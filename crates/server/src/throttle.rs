//! Throttling of facilities' systems that send garbage, without touching the
//! others.
//!
//! Every answer a caller earns by its own fault — malformed JSON or a bad
//! field (`400`), wrong or expired credentials (`401`), an unknown facility
//! (`403`), an unknown route or method, a body too large or of the wrong
//! type — takes one credit from the caller's bucket; the bucket holds
//! [`Throttle::capacity`] credits and refills at one credit per
//! [`Throttle::refill`]. A caller whose bucket is empty gets
//! `429 too_many_bad_requests` with `Retry-After` for everything, good
//! requests included, until a credit has come back. Verdicts and refusals
//! of a check (`422`, e.g. `certificate_suspended`) are answers, not
//! garbage, and cost nothing; nor do server failures.
//!
//! The caller is the client named in a valid access token, so one clinic's
//! broken system never slows another clinic behind the same address. A
//! caller without a valid token (wrong secret, forged or expired token) is
//! its network address: a clinic cannot be locked out by someone else
//! sending its client id with wrong secrets.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Duration;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use crate::error::ApiError;
use crate::state::AppState;

/// Buckets above this many are pruned of the full ones (callers that have
/// behaved since), so that a flood of addresses cannot grow memory forever.
const PRUNE_ABOVE: usize = 10_000;

/// Per-caller buckets of bad-request credits.
#[derive(Debug)]
pub struct Throttle {
    capacity: f64,
    refill: Duration,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    credits: f64,
    at: DateTime<Utc>,
}

impl Default for Throttle {
    /// 20 bad requests in a burst, then one more every 3 seconds.
    fn default() -> Throttle {
        Throttle::new(20, Duration::from_secs(3))
    }
}

impl Throttle {
    /// `capacity` bad requests in a burst; one credit back per `refill`.
    pub fn new(capacity: u32, refill: Duration) -> Throttle {
        Throttle {
            capacity: f64::from(capacity.max(1)),
            refill: refill.max(Duration::from_millis(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn capacity(&self) -> u32 {
        self.capacity as u32
    }

    pub fn refill(&self) -> Duration {
        self.refill
    }

    fn refilled(&self, bucket: Bucket, now: DateTime<Utc>) -> f64 {
        let elapsed = (now - bucket.at).to_std().unwrap_or_default();
        (bucket.credits + elapsed.as_secs_f64() / self.refill.as_secs_f64()).min(self.capacity)
    }

    /// How long `caller` must wait, when its bucket is empty.
    pub fn blocked(&self, caller: &str, now: DateTime<Utc>) -> Option<Duration> {
        let buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = *buckets.get(caller)?;
        let credits = self.refilled(bucket, now);
        (credits < 1.0).then(|| self.refill.mul_f64(1.0 - credits))
    }

    /// Take a credit for a bad request of `caller`; true when this emptied
    /// the bucket (the caller is throttled from now on).
    pub fn record_bad(&self, caller: &str, now: DateTime<Utc>) -> bool {
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| self.refilled(*b, now) < self.capacity);
        }
        let bucket = buckets.entry(caller.to_owned()).or_insert(Bucket { credits: self.capacity, at: now });
        let credits = self.refilled(*bucket, now) - 1.0;
        *bucket = Bucket { credits: credits.max(0.0), at: now };
        credits < 1.0
    }
}

/// Whether an answer was earned by the caller's own bad request. A `403`
/// to a read of medical information is the rules answering (no consent
/// for this patient, a staff member not qualified), not a malformed
/// request: a clinic's system that asks for every patient it checks in
/// must not lose its eligibility checks for it. Those refusals are logged
/// by the route instead.
fn is_garbage(path: &str, status: StatusCode) -> bool {
    if status == StatusCode::FORBIDDEN && path.contains("/medical/") {
        return false;
    }
    matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::UNAUTHORIZED
            | StatusCode::FORBIDDEN
            | StatusCode::NOT_FOUND
            | StatusCode::METHOD_NOT_ALLOWED
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
    )
}

/// Who is calling: the client of a valid access token, else the address.
fn caller(state: &AppState, request: &Request, now: DateTime<Utc>) -> String {
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")));
    if let (Some(token), Some(key)) = (bearer, state.token_key.as_ref())
        && let Some((_, client)) = key.verify_claims(token.trim(), now)
    {
        return format!("client:{client}");
    }
    match request.extensions().get::<ConnectInfo<SocketAddr>>() {
        Some(ConnectInfo(addr)) => format!("addr:{}", addr.ip()),
        None => "addr:unknown".to_owned(),
    }
}

/// The middleware on `/facility` and `/oauth`.
pub(crate) async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let now = state.clock.now();
    let who = caller(&state, &request, now);
    let path = request.uri().path().to_owned();
    if let Some(wait) = state.throttle.blocked(&who, now) {
        return too_many(wait);
    }
    let response = next.run(request).await;
    if is_garbage(&path, response.status()) && state.throttle.record_bad(&who, now) {
        tracing::warn!(
            caller = %who,
            capacity = state.throttle.capacity(),
            refill_seconds = state.throttle.refill().as_secs_f64(),
            "too many bad requests: throttled until its requests improve"
        );
    }
    response
}

fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
    let mut response = ApiError::refused(
        StatusCode::TOO_MANY_REQUESTS,
        "too_many_bad_requests",
        format!(
            "this client sent too many malformed or unauthorised requests; retry after {seconds} s, \
             and fix the requests the earlier error answers name"
        ),
    )
    .into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_under_the_medical_rules_is_not_garbage_but_a_malformed_read_is() {
        assert!(!is_garbage("/medical/drugs", StatusCode::FORBIDDEN));
        assert!(!is_garbage("/facility/medical/emergency", StatusCode::FORBIDDEN));
        assert!(is_garbage("/medical/drugs", StatusCode::BAD_REQUEST));
        assert!(is_garbage("/medical/drugs", StatusCode::UNAUTHORIZED));
        assert!(is_garbage("/eligibility/card", StatusCode::FORBIDDEN));
        assert!(!is_garbage("/eligibility/card", StatusCode::OK));
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("instant")
    }

    #[test]
    fn a_burst_empties_the_bucket_and_time_refills_it() {
        let t = Throttle::new(3, Duration::from_secs(2));
        let now = at("2026-05-01T00:00:00Z");
        assert!(!t.record_bad("a", now));
        assert!(!t.record_bad("a", now));
        assert_eq!(t.blocked("a", now), None);
        assert!(t.record_bad("a", now), "the third bad request empties it");
        assert_eq!(t.blocked("a", now), Some(Duration::from_secs(2)));
        assert_eq!(t.blocked("b", now), None, "another caller is untouched");
        let later = at("2026-05-01T00:00:01Z");
        assert_eq!(t.blocked("a", later), Some(Duration::from_secs(1)));
        let refilled = at("2026-05-01T00:00:02Z");
        assert_eq!(t.blocked("a", refilled), None, "one credit back");
        assert!(t.record_bad("a", refilled), "and spent at once");
        let long_after = at("2026-05-01T01:00:00Z");
        assert!(!t.record_bad("a", long_after), "a full bucket after an hour");
    }
}
