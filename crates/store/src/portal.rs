//! Stored state of the citizen portal (マイナポータル): its server-side
//! sessions, each person's last visit, and the facilities a person blocks
//! from viewing their information (閲覧拒否).
//!
//! A session is kept by the SHA-256 of the random id in the browser's
//! cookie; a copy of the database cannot be replayed as a cookie. A session
//! is first a sign-in waiting for the person's app (it holds the provider's
//! authorization id), then, once the app approved, a new session of the
//! person (a fresh id: the one the browser had before signing in is
//! dropped in the same transaction).

use chrono::{DateTime, Utc};

use crate::PersonId;

/// A portal session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalSession {
    pub session_sha256: Vec<u8>,
    /// The synchronizer token every form of the session carries.
    pub csrf_token: String,
    /// A sign-in waiting for the app: the provider's transaction id.
    pub authorization_id: Option<String>,
    /// Signed in: the person.
    pub person_id: Option<PersonId>,
    /// Signed in with a certificate in its post-expiry grace: no medical
    /// information is shown.
    pub certificate_in_grace: bool,
    /// The end of the person's previous visit (their last sign-in before
    /// this one); set by [`crate::Store::sign_in_portal_session`].
    pub previous_visit_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    /// Idle expiry: `last_seen_at` plus the idle timeout.
    pub expires_at: DateTime<Utc>,
}

/// A facility a person blocked (閲覧拒否), maybe lifted since.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityBlock {
    pub person_id: PersonId,
    /// 医療機関コード.
    pub facility_code: String,
    pub blocked_at: DateTime<Utc>,
    pub unblocked_at: Option<DateTime<Utc>>,
}

impl FacilityBlock {
    /// Whether the block is in force.
    pub fn in_force(&self) -> bool {
        self.unblocked_at.is_none()
    }
}
