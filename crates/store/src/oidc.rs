//! Stored state of the OpenID Connect provider: the relying parties
//! (連携サービス), pushed authorization requests (RFC 9126), authorization
//! transactions waiting for the person's approval in the app, authorization
//! codes, access tokens, and the `jti`s of client assertions already used.
//!
//! Codes and access tokens are stored as the SHA-256 of their value only; a
//! copy of the database cannot be replayed. Single-use things (a pushed
//! request, an approved transaction, a code, an assertion `jti`) are taken
//! inside one transaction, so two concurrent uses cannot both succeed.

use chrono::{DateTime, Utc};

use crate::PersonId;

/// A relying party registered by the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelyingParty {
    /// e.g. `RP00000001`.
    pub client_id: String,
    /// The service's name, shown to the person (サービス名).
    pub name: String,
    /// Registered redirect URIs, matched exactly.
    pub redirect_uris: Vec<String>,
    /// The scopes it may ask for, space-separated (`openid name …`).
    pub scopes: String,
    /// The host its pairwise `sub` is computed for (OIDC Core §8.1).
    pub sector_identifier: String,
    /// Its JWK Set (JSON): the keys of its `private_key_jwt` assertions.
    pub jwks: String,
    /// SHA-256 of a client secret, for development clients only
    /// (`client_secret_basic`); `None` for every real relying party.
    pub client_secret_sha256: Option<Vec<u8>>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A pushed authorization request (RFC 9126), used at most once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushedRequest {
    /// `urn:ietf:params:oauth:request_uri:…`.
    pub request_uri: String,
    pub client_id: String,
    /// The validated request parameters (JSON object).
    pub params: String,
    pub expires_at: DateTime<Utc>,
}

/// An authorization transaction: a validated request waiting for the person
/// to approve it in the app with their card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// Secret to the browser that started it.
    pub id: String,
    /// The short code the person types in the app (ユーザーコード).
    pub user_code: String,
    pub client_id: String,
    /// The validated request parameters (JSON object).
    pub request: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Where a transaction stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthorizationState {
    Pending,
    /// The person approved with their card, releasing `claims`
    /// (space-separated claim scopes, possibly empty).
    Approved {
        person_id: PersonId,
        claims: String,
        auth_time: DateTime<Utc>,
    },
    Denied {
        at: DateTime<Utc>,
    },
    /// Its code was issued; nothing more can happen to it.
    Completed {
        at: DateTime<Utc>,
    },
}

impl AuthorizationState {
    pub fn code(&self) -> &'static str {
        match self {
            AuthorizationState::Pending => "pending",
            AuthorizationState::Approved { .. } => "approved",
            AuthorizationState::Denied { .. } => "denied",
            AuthorizationState::Completed { .. } => "completed",
        }
    }
}

/// A transaction with its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuthorization {
    pub authorization: Authorization,
    pub state: AuthorizationState,
}

/// The person's decision on a pending transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve { person_id: PersonId, claims: String, auth_time: DateTime<Utc> },
    Deny,
}

/// An authorization code, by the SHA-256 of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizationCode {
    pub code_sha256: Vec<u8>,
    pub client_id: String,
    pub person_id: PersonId,
    pub redirect_uri: String,
    pub scope: String,
    pub nonce: String,
    pub code_challenge: String,
    /// Claim scopes the person released, space-separated.
    pub claims: String,
    pub auth_time: DateTime<Utc>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What taking a code found. The first take marks it used, whatever the
/// token endpoint then decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeTake {
    Taken(Box<AuthorizationCode>),
    Unknown,
    Used { used_at: DateTime<Utc> },
    Expired { expired_at: DateTime<Utc> },
}

/// An access token, by the SHA-256 of its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessToken {
    pub token_sha256: Vec<u8>,
    pub client_id: String,
    pub person_id: PersonId,
    pub scope: String,
    pub claims: String,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub(crate) fn join_uris(uris: &[String]) -> String {
    uris.join("\n")
}

pub(crate) fn split_uris(text: &str) -> Vec<String> {
    text.split('\n').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}
