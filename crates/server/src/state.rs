//! [`AppState`], what every handler can reach: the store, the clock, the
//! metrics recorder and the operator token. Built once by the binary (or a
//! test) and cloned cheaply into each request.

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use onshi_app::eligibility::Eligibility;
use onshi_app::jpki::Jpki;
use onshi_app::medical::{AuditKey, Medical};
use onshi_app::oidc::{Provider, ProviderKeys};
use onshi_app::portal::Portal;

use crate::facility::TokenKey;
use onshi_domain::Date;
use onshi_store::Store;
use std::path::PathBuf;

use crate::config::Config;
use crate::telemetry::Metrics;

/// The shared state of the router.
#[derive(Clone)]
pub struct AppState {
    pub(crate) store: Arc<dyn Store>,
    pub(crate) clock: Clock,
    pub(crate) metrics: Metrics,
    pub(crate) admin_token: Option<Arc<str>>,
    pub(crate) request_timeout: Duration,
    /// The JPKI service; `/jpki` and `/municipality` answer
    /// `jpki_not_configured` without it.
    pub(crate) jpki: Option<Arc<Jpki>>,
    /// Where `/municipality` writes the card files it issues (the card
    /// production desk); `None`: the API does not issue cards.
    pub(crate) card_dir: Option<PathBuf>,
    /// Online eligibility for facilities (with the JPKI service).
    pub(crate) eligibility: Option<Arc<Eligibility>>,
    /// Signs facilities' access tokens; `/oauth/token` and `/facility`
    /// answer `facility_api_disabled` without it.
    pub(crate) token_key: Option<TokenKey>,
    /// Bad-request budgets of facilities' systems (see [`crate::throttle`]).
    pub(crate) throttle: Arc<crate::throttle::Throttle>,
    /// Facilities read by the token extractor, kept a few seconds.
    pub(crate) facilities: Arc<crate::facility::FacilityCache>,
    /// Signs the heads of the access log (Ed25519).
    pub(crate) audit_key: Option<Arc<AuditKey>>,
    /// Medical information under consent, emergency viewing, マイナ救急 and
    /// the person's own view: present once both the JPKI service and the
    /// audit key are set; the medical routes answer `medical_api_disabled`
    /// without it.
    pub(crate) medical: Option<Arc<Medical>>,
    /// The OpenID provider's keys and issuer (public URL), kept until JPKI is there too.
    pub(crate) oidc_keys: Option<(Arc<ProviderKeys>, String)>,
    pub(crate) oidc: Option<Arc<Provider>>,
    /// The citizen portal: present once the medical service and the
    /// provider are (`/portal/` answers that it is unavailable without it).
    pub(crate) portal: Option<Arc<Portal>>,
}

impl AppState {
    /// State over `store`, with the system clock, a fresh metrics recorder,
    /// no admin token (so `/admin` is disabled) and a 30 s request timeout.
    pub fn new(store: Arc<dyn Store>) -> AppState {
        AppState {
            store,
            clock: Clock::System,
            metrics: Metrics::new(),
            admin_token: None,
            request_timeout: Duration::from_secs(30),
            jpki: None,
            card_dir: None,
            eligibility: None,
            token_key: None,
            throttle: Arc::new(crate::throttle::Throttle::default()),
            facilities: Arc::new(crate::facility::FacilityCache::default()),
            audit_key: None,
            medical: None,
            oidc_keys: None,
            oidc: None,
            portal: None,
        }
    }

    /// Serve `/jpki` and `/municipality` with this service; the API writes
    /// the card files it issues into `card_dir`.
    pub fn with_jpki(mut self, jpki: Arc<Jpki>, card_dir: Option<PathBuf>) -> AppState {
        self.eligibility = Some(Arc::new(Eligibility::new(self.store.clone(), jpki.clone())));
        self.jpki = Some(jpki);
        self.card_dir = card_dir;
        self.with_medical_if_ready()
    }

    /// Sign the access log's heads with this key. With the JPKI service
    /// ([`AppState::with_jpki`], before or after) this turns on the medical
    /// routes: `/facility/medical`, `/crew`, `/citizen`, `/me`,
    /// `/access-log` and `/admin/access-log`.
    pub fn with_audit_key(mut self, key: Arc<AuditKey>) -> AppState {
        self.audit_key = Some(key);
        self.with_medical_if_ready()
    }

    /// Build the medical service once both of its parts are set, whatever
    /// the order they came in.
    /// Run the OpenID provider with `keys`, as `issuer` (the public URL);
    /// it starts once JPKI is there too.
    pub fn with_oidc(mut self, keys: Arc<ProviderKeys>, issuer: &str) -> AppState {
        self.oidc_keys = Some((keys, issuer.to_owned()));
        self.with_medical_if_ready()
    }

    pub fn oidc(&self) -> Option<&Arc<Provider>> {
        self.oidc.as_ref()
    }

    fn with_medical_if_ready(mut self) -> AppState {
        self.medical = match (&self.jpki, &self.audit_key) {
            (Some(jpki), Some(key)) => Some(Arc::new(Medical::new(self.store.clone(), jpki.clone(), key.clone()))),
            _ => None,
        };
        self.oidc = match (&self.jpki, &self.oidc_keys) {
            (Some(jpki), Some((keys, issuer))) => {
                Some(Arc::new(Provider::new(self.store.clone(), jpki.clone(), keys.clone(), issuer)))
            }
            _ => None,
        };
        self.portal = match (&self.oidc, &self.medical) {
            (Some(provider), Some(medical)) => {
                Some(Arc::new(Portal::new(self.store.clone(), provider.clone(), medical.clone())))
            }
            _ => None,
        };
        self
    }

    /// The medical service, when the JPKI service and the audit key are set.
    pub fn medical(&self) -> Option<&Arc<Medical>> {
        self.medical.as_ref()
    }

    /// Issue and accept facilities' access tokens signed with this key.
    pub fn with_token_key(mut self, key: TokenKey) -> AppState {
        self.token_key = Some(key);
        self
    }

    /// Throttle facilities' systems that send bad requests with these
    /// budgets instead of the default (20 in a burst, one more every 3 s).
    pub fn with_throttle(mut self, throttle: crate::throttle::Throttle) -> AppState {
        self.throttle = Arc::new(throttle);
        self
    }

    pub fn jpki(&self) -> Option<&Arc<Jpki>> {
        self.jpki.as_ref()
    }

    /// Use this clock, e.g. [`Clock::Fixed`] in tests.
    pub fn with_clock(mut self, clock: Clock) -> AppState {
        self.clock = clock;
        self
    }

    /// Require this bearer token on `/admin`; `None` disables `/admin`.
    pub fn with_admin_token(mut self, token: Option<String>) -> AppState {
        self.admin_token = token.map(Arc::from);
        self
    }

    /// Answer `503 timeout` to requests that take longer than this.
    pub fn with_request_timeout(mut self, timeout: Duration) -> AppState {
        self.request_timeout = timeout;
        self
    }

    /// Take the admin token and the request timeout from `config`.
    /// [`crate::serve`] does this itself.
    pub fn with_config(self, config: &Config) -> AppState {
        self.with_admin_token(config.admin.token.clone())
            .with_request_timeout(Duration::from_secs(config.server.request_timeout_seconds))
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The token is a secret: say only whether it is set.
        f.debug_struct("AppState")
            .field("backend", &self.store.backend())
            .field("clock", &self.clock)
            .field("admin_token", &self.admin_token.as_ref().map(|_| "***"))
            .field("request_timeout", &self.request_timeout)
            .finish_non_exhaustive()
    }
}

/// Where "now" comes from. Handlers never read the system time directly, so
/// tests can fix it ([`Clock::Fixed`]) or move it while the server runs
/// ([`Clock::manual`]).
#[derive(Debug, Clone)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
    /// A clock a test sets and advances; clones share the same time.
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    /// A settable clock starting at `start`.
    pub fn manual(start: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    /// Set a [`Clock::Manual`] to `instant`; other clocks ignore it.
    pub fn set(&self, instant: DateTime<Utc>) {
        if let Clock::Manual(shared) = self {
            *shared.lock().unwrap_or_else(|p| p.into_inner()) = instant;
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(instant) => *instant,
            Clock::Manual(shared) => *shared.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Today's date in Japan: eligibility and coverage dates are Japanese
    /// calendar dates, whatever the server's time zone.
    pub fn today(&self) -> Date {
        onshi_domain::date::in_japan(self.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_date_in_japan() {
        let at = |instant: &str| Clock::Fixed(instant.parse().expect("test instant")).today().to_string();
        assert_eq!(at("2026-03-31T14:59:59Z"), "2026-03-31");
        assert_eq!(at("2026-03-31T15:00:00Z"), "2026-04-01");
    }
}
