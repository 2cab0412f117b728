//! The OpenID Connect provider (デジタル認証アプリ-style): relying parties
//! sign people in with their My Number card through the platform.
//!
//! The flow is the authorization code flow only, with PKCE S256 and `state`
//! and `nonce` required:
//!
//! 1. the relying party pushes its request (PAR, RFC 9126), authenticated
//!    with `private_key_jwt`, and gets a `request_uri`; or sends plain
//!    parameters to the authorization endpoint;
//! 2. the browser opens the authorization page: a pending transaction with a
//!    short user code (ユーザーコード);
//! 3. the person's app signs a JPKI challenge with the card (利用者証明用,
//!    PIN-protected) and approves the transaction for the attributes they
//!    agree to release ([`Provider::approve`]);
//! 4. the page, polling, gets the redirect with a one-time code
//!    ([`Provider::status`]);
//! 5. the relying party exchanges the code ([`Provider::token`]) for an ID
//!    token (ES256) and an access token, and reads [`Provider::userinfo`].
//!
//! The `sub` is pairwise ([`onshi_domain::oidc::pairwise_subject`]) per the
//! client's sector identifier, computed from the platform's person id: it
//! stays the same across sign-ins and card renewals, and differs between
//! sectors. Errors carry the RFC 6749 / OIDC error codes and say what is
//! wrong with the request, never whether a code or token exists for someone
//! else.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use onshi_domain::oidc::{self as rules, ParamError, Scope, Scopes};
use onshi_domain::person::Sex;
use onshi_pki::Validity;
use onshi_store::oidc::{
    AccessToken, Authorization, AuthorizationCode, AuthorizationState, CodeTake, Decision, PushedRequest, RelyingParty,
};
use onshi_store::{Store, StoreError};
use serde::{Deserialize, Serialize};

use crate::jpki::{Jpki, SignInError};

/// How long a `request_uri` from PAR can be used.
pub const PAR_LIFETIME: TimeDelta = TimeDelta::seconds(60);
/// How long the person has to approve in the app.
pub const AUTHORIZATION_LIFETIME: TimeDelta = TimeDelta::minutes(5);
/// How long an authorization code can be exchanged.
pub const CODE_LIFETIME: TimeDelta = TimeDelta::seconds(60);
/// How long an access token reads userinfo, and an ID token is valid.
pub const TOKEN_LIFETIME: TimeDelta = TimeDelta::minutes(10);
/// The longest a client assertion may live (exp − now).
pub const ASSERTION_MAX_LIFETIME: TimeDelta = TimeDelta::minutes(5);
/// The clock skew allowed on a client assertion's `exp`.
const ASSERTION_LEEWAY: u64 = 30;

/// `client_assertion_type` of `private_key_jwt` (RFC 7523).
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The prefix of the request URIs PAR answers.
pub const REQUEST_URI_PREFIX: &str = "urn:ietf:params:oauth:request_uri:";

/// SHA-256, through aws-lc-rs (the app's crypto library).
fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref().to_vec()
}

/// Why a request was refused, by its RFC 6749 / OIDC error code.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    #[error("{0}")]
    InvalidRequest(String),
    #[error("client authentication failed: {0}")]
    InvalidClient(String),
    #[error("{0}")]
    InvalidGrant(String),
    #[error("{0}")]
    UnauthorizedClient(String),
    #[error("grant_type {0:?}: only authorization_code is supported")]
    UnsupportedGrantType(String),
    #[error("response_type {0:?}: only code is supported")]
    UnsupportedResponseType(String),
    #[error("{0}")]
    InvalidScope(String),
    #[error("{0}")]
    AccessDenied(String),
    #[error("{0}")]
    InvalidToken(String),
    /// The card sign-in in the app was refused.
    #[error("{0}")]
    SignIn(SignInError),
    #[error("the platform cannot answer now; try again")]
    Unavailable(#[source] StoreError),
}

impl OidcError {
    /// The error code on the wire.
    pub fn code(&self) -> &'static str {
        match self {
            OidcError::InvalidRequest(_) => "invalid_request",
            OidcError::InvalidClient(_) => "invalid_client",
            OidcError::InvalidGrant(_) => "invalid_grant",
            OidcError::UnauthorizedClient(_) => "unauthorized_client",
            OidcError::UnsupportedGrantType(_) => "unsupported_grant_type",
            OidcError::UnsupportedResponseType(_) => "unsupported_response_type",
            OidcError::InvalidScope(_) => "invalid_scope",
            OidcError::AccessDenied(_) => "access_denied",
            OidcError::InvalidToken(_) => "invalid_token",
            OidcError::SignIn(e) => e.code(),
            OidcError::Unavailable(_) => "temporarily_unavailable",
        }
    }
}

impl From<StoreError> for OidcError {
    fn from(e: StoreError) -> Self {
        OidcError::Unavailable(e)
    }
}

fn bad(e: ParamError) -> OidcError {
    if e.param == "scope" { OidcError::InvalidScope(e.to_string()) } else { OidcError::InvalidRequest(e.to_string()) }
}

/// The provider's keys: the ES256 key that signs ID tokens and the secret
/// of the pairwise subjects. Kept in one file (JSON, private to the
/// platform), like the audit key.
pub struct ProviderKeys {
    encoding: EncodingKey,
    jwk: Jwk,
    pairwise_secret: Vec<u8>,
}

impl std::fmt::Debug for ProviderKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ProviderKeys(kid {:?}, ***)", self.kid())
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    /// PKCS#8 of the P-256 signing key, base64.
    signing_pkcs8: String,
    /// 32 random bytes, base64.
    pairwise_secret: String,
}

impl ProviderKeys {
    /// New keys, with the file content to keep.
    pub fn generate() -> Result<(ProviderKeys, Vec<u8>), String> {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).map_err(|e| e.to_string())?;
        let mut secret = [0u8; 32];
        aws_lc_rs::rand::fill(&mut secret).map_err(|e| e.to_string())?;
        let file = KeyFile { signing_pkcs8: STANDARD.encode(pkcs8.as_ref()), pairwise_secret: STANDARD.encode(secret) };
        let bytes = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
        Ok((ProviderKeys::from_file(&bytes)?, bytes))
    }

    /// Keys from their file content.
    pub fn from_file(bytes: &[u8]) -> Result<ProviderKeys, String> {
        let file: KeyFile =
            serde_json::from_slice(bytes).map_err(|e| format!("not an OpenID provider key file: {e}"))?;
        let pkcs8 = STANDARD.decode(&file.signing_pkcs8).map_err(|e| format!("signing_pkcs8: {e}"))?;
        let pairwise_secret = STANDARD.decode(&file.pairwise_secret).map_err(|e| format!("pairwise_secret: {e}"))?;
        if pairwise_secret.len() < 32 {
            return Err(format!("pairwise_secret: {} bytes, at least 32 needed", pairwise_secret.len()));
        }
        let encoding = EncodingKey::from_ec_der(&pkcs8);
        let mut jwk = Jwk::from_encoding_key(&encoding, Algorithm::ES256)
            .map_err(|e| format!("signing_pkcs8: not a P-256 PKCS#8 key: {e}"))?;
        let thumbprint = match &jwk.algorithm {
            jsonwebtoken::jwk::AlgorithmParameters::EllipticCurve(ec) => {
                // RFC 7638: the members in lexicographic order, no spaces.
                let canonical = format!(r#"{{"crv":"P-256","kty":"EC","x":"{}","y":"{}"}}"#, ec.x, ec.y);
                URL_SAFE_NO_PAD.encode(sha256(canonical.as_bytes()))
            }
            _ => return Err("signing_pkcs8: not an EC key".into()),
        };
        jwk.common.key_id = Some(thumbprint);
        jwk.common.public_key_use = Some(PublicKeyUse::Signature);
        jwk.common.key_algorithm = Some(KeyAlgorithm::ES256);
        Ok(ProviderKeys { encoding, jwk, pairwise_secret })
    }

    /// The key id (`kid`): the RFC 7638 thumbprint of the public key.
    pub fn kid(&self) -> &str {
        self.jwk.common.key_id.as_deref().unwrap_or_default()
    }

    /// The public JWK Set to publish.
    pub fn jwks(&self) -> JwkSet {
        JwkSet { keys: vec![self.jwk.clone()] }
    }
}

/// Register a relying party (operator): a client id of ASCII letters and
/// digits, https redirect URIs (http for localhost), scopes among the known
/// ones with `openid`, a host as sector identifier, and a JWK Set holding at
/// least one usable key (a development client with a secret may have none).
pub async fn register_client(
    store: &dyn Store,
    client: NewClient,
    now: DateTime<Utc>,
) -> Result<RelyingParty, OidcError> {
    rules::check_client_id(&client.client_id).map_err(bad)?;
    if client.name.trim().is_empty() {
        return Err(OidcError::InvalidRequest("name is required: the service's name shown to the person".into()));
    }
    if client.redirect_uris.is_empty() {
        return Err(OidcError::InvalidRequest("redirect_uri: register at least one".into()));
    }
    for uri in &client.redirect_uris {
        rules::check_redirect_uri(uri).map_err(bad)?;
    }
    let scopes = Scopes::parse(&client.scopes).map_err(bad)?;
    let sector = client.sector_identifier.trim();
    if sector.is_empty() || sector.contains(['/', ' ', '\n']) {
        return Err(OidcError::InvalidRequest(format!(
            "sector_identifier {sector:?}: must be a host name (e.g. rp.example.jp)"
        )));
    }
    let jwks: JwkSet = serde_json::from_str(&client.jwks)
        .map_err(|e| OidcError::InvalidRequest(format!("jwks: not a JWK Set: {e}")))?;
    if jwks.keys.is_empty() && client.dev_secret.is_none() {
        return Err(OidcError::InvalidRequest("jwks: holds no key; private_key_jwt needs one".into()));
    }
    for key in &jwks.keys {
        DecodingKey::from_jwk(key).map_err(|e| OidcError::InvalidRequest(format!("jwks: unusable key: {e}")))?;
    }
    let party = RelyingParty {
        client_id: client.client_id,
        name: client.name.trim().to_owned(),
        redirect_uris: client.redirect_uris,
        scopes: scopes.to_string(),
        sector_identifier: sector.to_owned(),
        jwks: client.jwks,
        client_secret_sha256: client.dev_secret.map(|s| sha256(s.as_bytes())),
        created_at: now,
        revoked_at: None,
    };
    match store.insert_relying_party(party.clone()).await {
        Ok(()) => Ok(party),
        Err(StoreError::Conflict { what }) => Err(OidcError::InvalidRequest(what)),
        Err(e) => Err(e.into()),
    }
}

/// A relying party to register (operator).
#[derive(Debug, Clone)]
pub struct NewClient {
    pub client_id: String,
    pub name: String,
    pub redirect_uris: Vec<String>,
    pub scopes: String,
    pub sector_identifier: String,
    /// The client's JWK Set (JSON) for `private_key_jwt`.
    pub jwks: String,
    /// A development client's secret (`client_secret_basic`); `None` for
    /// real relying parties.
    pub dev_secret: Option<String>,
}

/// Authorization request parameters as received (query, form or PAR body).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AuthParams {
    pub response_type: Option<String>,
    pub client_id: Option<String>,
    pub redirect_uri: Option<String>,
    pub scope: Option<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub code_challenge_method: Option<String>,
    pub request_uri: Option<String>,
}

/// A validated authorization request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scope: String,
    pub state: String,
    pub nonce: String,
    pub code_challenge: String,
}

/// How the client authenticated at the PAR or token endpoint.
#[derive(Debug, Clone, Default)]
pub struct ClientAuth {
    /// `client_id` in the body.
    pub client_id: Option<String>,
    pub client_assertion_type: Option<String>,
    pub client_assertion: Option<String>,
    /// `client_secret_basic`: id and secret from the Authorization header.
    pub basic: Option<(String, String)>,
}

/// The token request's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenParams {
    pub grant_type: Option<String>,
    pub code: Option<String>,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
}

/// The token endpoint's answer (RFC 6749 §5.1, OIDC Core §3.1.3.3).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub id_token: String,
    pub scope: String,
}

/// A pending transaction as the authorization page shows it.
#[derive(Debug, Clone)]
pub struct Pending {
    pub id: String,
    pub user_code: String,
    pub client_name: String,
    pub scopes: Scopes,
    pub expires_at: DateTime<Utc>,
}

/// What the authorization page does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Keep waiting for the app.
    Pending,
    /// Go to this URL (with `code` and `state`, or `error=access_denied`).
    Redirect(String),
    /// The transaction is over (expired, or its code was already handed out).
    Over,
}

/// What the app shows before the person approves.
#[derive(Debug, Clone)]
pub struct AppRequest {
    pub client_name: String,
    /// The attributes asked for (among name, address, birthdate, gender).
    pub claims: Vec<Scope>,
}

#[derive(Debug, Deserialize)]
struct AssertionClaims {
    iss: String,
    sub: String,
    exp: i64,
    jti: Option<String>,
}

#[derive(Debug, Serialize)]
struct IdTokenClaims<'a> {
    iss: &'a str,
    sub: &'a str,
    aud: &'a str,
    exp: i64,
    iat: i64,
    auth_time: i64,
    nonce: &'a str,
}

/// The provider.
pub struct Provider {
    store: Arc<dyn Store>,
    jpki: Arc<Jpki>,
    keys: Arc<ProviderKeys>,
    issuer: String,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider").field("issuer", &self.issuer).finish_non_exhaustive()
    }
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The system's randomness failing is not recoverable for a provider.
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut buf).expect("the system random generator works");
    URL_SAFE_NO_PAD.encode(buf)
}

fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 8];
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut buf).expect("the system random generator works");
    let chars: String = buf.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

fn required<'a>(param: &'static str, value: &'a Option<String>) -> Result<&'a str, OidcError> {
    match value.as_deref() {
        Some(v) if !v.is_empty() => Ok(v),
        _ => Err(OidcError::InvalidRequest(format!("{param} is required"))),
    }
}

/// Append query parameters to a redirect URI.
fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let mut url = base.to_owned();
    let mut sep = if base.contains('?') { '&' } else { '?' };
    for (k, v) in params {
        url.push(sep);
        url.push_str(k);
        url.push('=');
        url.push_str(&percent_encode(v));
        sep = '&';
    }
    url
}

fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Provider {
    /// `issuer` is the platform's public URL (no trailing slash); endpoints
    /// hang under it.
    pub fn new(store: Arc<dyn Store>, jpki: Arc<Jpki>, keys: Arc<ProviderKeys>, issuer: &str) -> Provider {
        Provider { store, jpki, keys, issuer: issuer.trim_end_matches('/').to_owned() }
    }

    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn keys(&self) -> &ProviderKeys {
        &self.keys
    }

    pub fn token_endpoint(&self) -> String {
        format!("{}/oidc/token", self.issuer)
    }

    pub fn par_endpoint(&self) -> String {
        format!("{}/oidc/par", self.issuer)
    }

    /// Register a relying party (operator); see [`register_client`].
    pub async fn register_client(&self, client: NewClient, now: DateTime<Utc>) -> Result<RelyingParty, OidcError> {
        register_client(self.store.as_ref(), client, now).await
    }

    async fn client(&self, client_id: &str) -> Result<Option<RelyingParty>, OidcError> {
        Ok(self.store.relying_party(client_id).await?.filter(|rp| rp.revoked_at.is_none()))
    }

    /// Authenticate a client at `endpoint` (the PAR or token endpoint's URL):
    /// `private_key_jwt`, or `client_secret_basic` for development clients.
    pub async fn authenticate(
        &self,
        auth: &ClientAuth,
        endpoint: &str,
        now: DateTime<Utc>,
    ) -> Result<RelyingParty, OidcError> {
        if auth.basic.is_some() && (auth.client_assertion.is_some() || auth.client_assertion_type.is_some()) {
            return Err(OidcError::InvalidRequest(
                "use one client authentication method: private_key_jwt or client_secret_basic, not both".into(),
            ));
        }
        if let Some((id, secret)) = &auth.basic {
            let rp = self.client(id).await?.ok_or_else(|| OidcError::InvalidClient("unknown client".into()))?;
            let expected = rp.client_secret_sha256.as_deref().ok_or_else(|| {
                OidcError::InvalidClient("client_secret_basic is for development clients; use private_key_jwt".into())
            })?;
            if !rules::constant_time_eq(&sha256(secret.as_bytes()), expected) {
                return Err(OidcError::InvalidClient("wrong client secret".into()));
            }
            return Ok(rp);
        }
        let (Some(kind), Some(assertion)) = (&auth.client_assertion_type, &auth.client_assertion) else {
            return Err(OidcError::InvalidClient(
                "send client_assertion_type and client_assertion (private_key_jwt)".into(),
            ));
        };
        if kind != JWT_BEARER {
            return Err(OidcError::InvalidClient(format!("client_assertion_type {kind:?}: must be {JWT_BEARER}")));
        }
        let header = jsonwebtoken::decode_header(assertion)
            .map_err(|e| OidcError::InvalidClient(format!("client_assertion is not a JWT: {e}")))?;
        if !matches!(header.alg, Algorithm::ES256 | Algorithm::RS256 | Algorithm::PS256) {
            return Err(OidcError::InvalidClient(format!(
                "client_assertion alg {:?}: use ES256, RS256 or PS256",
                header.alg
            )));
        }
        // The issuer names the client; read it before verifying to find its keys.
        let unverified = assertion.split('.').nth(1).and_then(|p| URL_SAFE_NO_PAD.decode(p).ok());
        let claimed: Option<AssertionClaims> = unverified.and_then(|p| serde_json::from_slice(&p).ok());
        let client_id = claimed
            .map(|c| c.iss)
            .ok_or_else(|| OidcError::InvalidClient("client_assertion: iss, sub and exp are required".into()))?;
        if auth.client_id.as_deref().is_some_and(|id| id != client_id) {
            return Err(OidcError::InvalidClient("client_id differs from the assertion's iss".into()));
        }
        let rp = self.client(&client_id).await?.ok_or_else(|| OidcError::InvalidClient("unknown client".into()))?;
        let jwks: JwkSet = serde_json::from_str(&rp.jwks)
            .map_err(|_| OidcError::InvalidClient("the client's registered keys are unusable".into()))?;
        let jwk = match &header.kid {
            Some(kid) => jwks.find(kid),
            None if jwks.keys.len() == 1 => jwks.keys.first(),
            None => None,
        }
        .ok_or_else(|| {
            OidcError::InvalidClient("no registered key of the client matches the assertion's kid".into())
        })?;
        let key = DecodingKey::from_jwk(jwk)
            .map_err(|_| OidcError::InvalidClient("the client's registered key is unusable".into()))?;
        let mut validation = Validation::new(header.alg);
        validation.leeway = ASSERTION_LEEWAY;
        validation.set_issuer(&[&client_id]);
        validation.sub = Some(client_id.clone());
        validation.set_audience(&[endpoint, self.issuer.as_str(), self.token_endpoint().as_str()]);
        validation.set_required_spec_claims(&["exp", "iss", "sub", "aud"]);
        let claims = jsonwebtoken::decode::<AssertionClaims>(assertion, &key, &validation)
            .map_err(|e| OidcError::InvalidClient(format!("client_assertion refused: {e}")))?
            .claims;
        let exp = DateTime::from_timestamp(claims.exp, 0)
            .ok_or_else(|| OidcError::InvalidClient("client_assertion: exp out of range".into()))?;
        if exp - now > ASSERTION_MAX_LIFETIME + TimeDelta::seconds(ASSERTION_LEEWAY as i64) {
            return Err(OidcError::InvalidClient(format!(
                "client_assertion exp {exp}: at most {} minutes ahead",
                ASSERTION_MAX_LIFETIME.num_minutes()
            )));
        }
        let jti = claims
            .jti
            .filter(|j| !j.is_empty())
            .ok_or_else(|| OidcError::InvalidClient("client_assertion: jti is required".into()))?;
        debug_assert_eq!(claims.sub, client_id);
        if !self.store.use_assertion_id(&client_id, &jti, exp, now).await? {
            return Err(OidcError::InvalidClient(format!("client_assertion jti {jti:?} was already used")));
        }
        Ok(rp)
    }

    /// Check every parameter of an authorization request against the client.
    fn validate(&self, rp: &RelyingParty, params: &AuthParams) -> Result<AuthRequest, OidcError> {
        let redirect_uri = required("redirect_uri", &params.redirect_uri)?;
        if rules::match_redirect_uri(&rp.redirect_uris, redirect_uri).is_none() {
            return Err(OidcError::InvalidRequest(format!(
                "redirect_uri {redirect_uri:?}: not registered for client {}",
                rp.client_id
            )));
        }
        let response_type = required("response_type", &params.response_type)?;
        if response_type != "code" {
            return Err(OidcError::UnsupportedResponseType(response_type.to_owned()));
        }
        let scope = Scopes::parse(required("scope", &params.scope)?).map_err(bad)?;
        let allowed = Scopes::parse(&rp.scopes).map_err(bad)?;
        if !scope.is_subset(&allowed) {
            return Err(OidcError::InvalidScope(format!(
                "scope {:?}: client {} may ask only for {:?}",
                scope.to_string(),
                rp.client_id,
                rp.scopes
            )));
        }
        let state = required("state", &params.state)?;
        rules::check_opaque("state", state).map_err(bad)?;
        let nonce = required("nonce", &params.nonce)?;
        rules::check_opaque("nonce", nonce).map_err(bad)?;
        let challenge = required("code_challenge", &params.code_challenge)?;
        rules::check_code_challenge(challenge).map_err(bad)?;
        match params.code_challenge_method.as_deref() {
            Some("S256") => {}
            other => {
                return Err(OidcError::InvalidRequest(format!("code_challenge_method {other:?}: S256 is required")));
            }
        }
        Ok(AuthRequest {
            client_id: rp.client_id.clone(),
            redirect_uri: redirect_uri.to_owned(),
            scope: scope.to_string(),
            state: state.to_owned(),
            nonce: nonce.to_owned(),
            code_challenge: challenge.to_owned(),
        })
    }

    /// PAR (RFC 9126): authenticate the client, validate the request, keep
    /// it; answer the `request_uri` and its lifetime in seconds.
    pub async fn push(
        &self,
        auth: &ClientAuth,
        params: &AuthParams,
        now: DateTime<Utc>,
    ) -> Result<(String, i64), OidcError> {
        let rp = self.authenticate(auth, &self.par_endpoint(), now).await?;
        if params.request_uri.is_some() {
            return Err(OidcError::InvalidRequest("request_uri must not be pushed".into()));
        }
        if params.client_id.as_deref().is_some_and(|id| id != rp.client_id) {
            return Err(OidcError::InvalidRequest("client_id differs from the authenticated client".into()));
        }
        let request = self.validate(&rp, params)?;
        let request_uri = format!("{REQUEST_URI_PREFIX}{}", random_token(24));
        let stored = PushedRequest {
            request_uri: request_uri.clone(),
            client_id: rp.client_id,
            params: serde_json::to_string(&request).map_err(|e| OidcError::InvalidRequest(e.to_string()))?,
            expires_at: now + PAR_LIFETIME,
        };
        self.store.insert_pushed_request(stored).await?;
        Ok((request_uri, PAR_LIFETIME.num_seconds()))
    }

    /// The authorization endpoint: a pushed request (`request_uri` and
    /// `client_id`) or plain parameters; starts a transaction waiting for
    /// the app. Errors are shown, never redirected.
    pub async fn authorize(&self, params: &AuthParams, now: DateTime<Utc>) -> Result<Pending, OidcError> {
        let client_id = required("client_id", &params.client_id)?;
        let rp = self
            .client(client_id)
            .await?
            .ok_or_else(|| OidcError::InvalidRequest(format!("client_id {client_id:?}: no such relying party")))?;
        let request = match &params.request_uri {
            Some(uri) => {
                let pushed = self.store.take_pushed_request(uri, &rp.client_id, now).await?.ok_or_else(|| {
                    OidcError::InvalidRequest(format!(
                        "request_uri {uri:?}: unknown, already used, expired or of another client"
                    ))
                })?;
                serde_json::from_str::<AuthRequest>(&pushed.params)
                    .map_err(|e| OidcError::InvalidRequest(format!("request_uri: unreadable request: {e}")))?
            }
            None => self.validate(&rp, params)?,
        };
        let scopes = Scopes::parse(&request.scope).map_err(bad)?;
        let body = serde_json::to_string(&request).map_err(|e| OidcError::InvalidRequest(e.to_string()))?;
        for _ in 0..5 {
            let authorization = Authorization {
                id: random_token(24),
                user_code: user_code(),
                client_id: rp.client_id.clone(),
                request: body.clone(),
                created_at: now,
                expires_at: now + AUTHORIZATION_LIFETIME,
            };
            match self.store.insert_authorization(authorization.clone()).await {
                Ok(()) => {
                    return Ok(Pending {
                        id: authorization.id,
                        user_code: authorization.user_code,
                        client_name: rp.name,
                        scopes,
                        expires_at: authorization.expires_at,
                    });
                }
                Err(StoreError::Conflict { .. }) => continue, // a user code in use: draw another
                Err(e) => return Err(e.into()),
            }
        }
        Err(OidcError::Unavailable(StoreError::Conflict { what: "no free user code after 5 draws".into() }))
    }

    /// What the page does next for transaction `id`: wait, or redirect.
    /// An approved transaction is completed here, once: its code is drawn,
    /// stored (as SHA-256) and put in the redirect.
    pub async fn status(&self, id: &str, now: DateTime<Utc>) -> Result<Status, OidcError> {
        let stored = self
            .store
            .authorization(id)
            .await?
            .ok_or_else(|| OidcError::InvalidRequest("unknown authorization".into()))?;
        let request: AuthRequest = serde_json::from_str(&stored.authorization.request)
            .map_err(|e| OidcError::InvalidRequest(format!("unreadable request: {e}")))?;
        let expired = now > stored.authorization.expires_at;
        match stored.state {
            AuthorizationState::Pending if expired => Ok(Status::Over),
            AuthorizationState::Pending => Ok(Status::Pending),
            AuthorizationState::Denied { .. } => Ok(Status::Redirect(with_query(
                &request.redirect_uri,
                &[("error", "access_denied"), ("state", &request.state), ("iss", &self.issuer)],
            ))),
            AuthorizationState::Completed { .. } => Ok(Status::Over),
            AuthorizationState::Approved { person_id, claims, auth_time } => {
                let code = random_token(32);
                let record = AuthorizationCode {
                    code_sha256: sha256(code.as_bytes()),
                    client_id: request.client_id.clone(),
                    person_id,
                    redirect_uri: request.redirect_uri.clone(),
                    scope: request.scope.clone(),
                    nonce: request.nonce.clone(),
                    code_challenge: request.code_challenge.clone(),
                    claims,
                    auth_time,
                    issued_at: now,
                    expires_at: now + CODE_LIFETIME,
                };
                if !self.store.complete_authorization(id, record).await? {
                    return Ok(Status::Over);
                }
                Ok(Status::Redirect(with_query(
                    &request.redirect_uri,
                    &[("code", &code), ("state", &request.state), ("iss", &self.issuer)],
                )))
            }
        }
    }

    /// The browser gives up (キャンセル): the transaction is denied.
    pub async fn cancel(&self, id: &str, now: DateTime<Utc>) -> Result<(), OidcError> {
        self.store.decide_authorization(id, Decision::Deny, now).await?;
        Ok(())
    }

    /// What a pending transaction asks, for the app, by its user code.
    pub async fn app_request(&self, user_code: &str, now: DateTime<Utc>) -> Result<AppRequest, OidcError> {
        let (_, request, rp) = self.pending_by_user_code(user_code, now).await?;
        let claims = Scopes::parse(&request.scope).map_err(bad)?.claims();
        Ok(AppRequest { client_name: rp.name, claims })
    }

    async fn pending_by_user_code(
        &self,
        user_code: &str,
        now: DateTime<Utc>,
    ) -> Result<(Authorization, AuthRequest, RelyingParty), OidcError> {
        let not_pending = || OidcError::InvalidRequest(format!("user code {user_code:?}: no request waits for it"));
        let stored = self.store.authorization_by_user_code(&user_code.trim().to_uppercase()).await?;
        let stored = stored.filter(|s| s.state == AuthorizationState::Pending).ok_or_else(not_pending)?;
        if now > stored.authorization.expires_at {
            return Err(not_pending());
        }
        let request: AuthRequest = serde_json::from_str(&stored.authorization.request)
            .map_err(|e| OidcError::InvalidRequest(format!("unreadable request: {e}")))?;
        let rp = self.client(&request.client_id).await?.ok_or_else(not_pending)?;
        Ok((stored.authorization, request, rp))
    }

    /// The person approves in the app: the card's signature over a JPKI
    /// challenge names them ([`Jpki::sign_in`]); a certificate in its grace
    /// period is refused; `claims` (what they agree to release) must be among
    /// the attributes asked for.
    pub async fn approve(
        &self,
        user_code: &str,
        challenge_id: &str,
        cert_der: &[u8],
        signature: &[u8],
        claims: &[Scope],
        now: DateTime<Utc>,
    ) -> Result<(), OidcError> {
        let (authorization, request, _) = self.pending_by_user_code(user_code, now).await?;
        let asked = Scopes::parse(&request.scope).map_err(bad)?;
        if let Some(extra) = claims.iter().find(|c| !c.is_claim() || !asked.contains(**c)) {
            return Err(OidcError::InvalidRequest(format!(
                "claims: {:?} was not asked for; release only among {:?}",
                extra.code(),
                asked.claims().iter().map(|c| c.code()).collect::<Vec<_>>()
            )));
        }
        let signed = self.jpki.sign_in(challenge_id, cert_der, signature, now).await.map_err(OidcError::SignIn)?;
        let in_grace = matches!(signed.validity, Validity::WithinGrace { .. });
        // The portal (first party) lets a certificate in its grace in, to show no medical information.
        if in_grace && request.client_id != crate::portal::CLIENT_ID {
            return Err(OidcError::AccessDenied(
                "the card's certificate has expired (in its grace period); renew the certificate to sign in to services"
                    .into(),
            ));
        }
        let mut released: Vec<Scope> = claims.to_vec();
        released.sort();
        released.dedup();
        let mut claims = released.iter().map(|c| c.code()).collect::<Vec<_>>().join(" ");
        if in_grace {
            claims = crate::portal::IN_GRACE.to_owned();
        }
        let decision = Decision::Approve { person_id: signed.person_id, claims, auth_time: now };
        if !self.store.decide_authorization(&authorization.id, decision, now).await? {
            return Err(OidcError::InvalidRequest(format!("user code {user_code:?}: no request waits for it")));
        }
        Ok(())
    }

    /// The token endpoint: the authorization code grant only.
    pub async fn token(
        &self,
        auth: &ClientAuth,
        params: &TokenParams,
        now: DateTime<Utc>,
    ) -> Result<TokenResponse, OidcError> {
        let rp = self.authenticate(auth, &self.token_endpoint(), now).await?;
        let grant_type = required("grant_type", &params.grant_type)?;
        if grant_type != "authorization_code" {
            return Err(OidcError::UnsupportedGrantType(grant_type.to_owned()));
        }
        let code = required("code", &params.code)?;
        let redirect_uri = required("redirect_uri", &params.redirect_uri)?;
        let verifier = required("code_verifier", &params.code_verifier)?;
        let refused = || OidcError::InvalidGrant("the code is unknown, used, expired or not this client's".into());
        let code = match self.store.take_code(&sha256(code.as_bytes()), now).await? {
            CodeTake::Taken(code) => *code,
            CodeTake::Unknown | CodeTake::Used { .. } | CodeTake::Expired { .. } => return Err(refused()),
        };
        if code.client_id != rp.client_id {
            return Err(refused());
        }
        if code.redirect_uri != redirect_uri {
            return Err(OidcError::InvalidGrant(
                "redirect_uri differs from the one of the authorization request".into(),
            ));
        }
        if !rules::pkce_s256_matches(verifier, &code.code_challenge) {
            return Err(OidcError::InvalidGrant("code_verifier does not match the code_challenge (S256)".into()));
        }
        let sub = self.subject(&rp, code.person_id);
        let claims = IdTokenClaims {
            iss: &self.issuer,
            sub: &sub,
            aud: &rp.client_id,
            exp: (now + TOKEN_LIFETIME).timestamp(),
            iat: now.timestamp(),
            auth_time: code.auth_time.timestamp(),
            nonce: &code.nonce,
        };
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.keys.kid().to_owned());
        let id_token = jsonwebtoken::encode(&header, &claims, &self.keys.encoding)
            .map_err(|e| OidcError::Unavailable(StoreError::Corrupt { what: format!("signing the ID token: {e}") }))?;
        let access_token = random_token(32);
        self.store
            .insert_access_token(AccessToken {
                token_sha256: sha256(access_token.as_bytes()),
                client_id: rp.client_id.clone(),
                person_id: code.person_id,
                scope: code.scope.clone(),
                claims: code.claims.clone(),
                issued_at: now,
                expires_at: now + TOKEN_LIFETIME,
            })
            .await?;
        Ok(TokenResponse {
            access_token,
            token_type: "Bearer".into(),
            expires_in: TOKEN_LIFETIME.num_seconds(),
            id_token,
            scope: code.scope,
        })
    }

    fn subject(&self, rp: &RelyingParty, person_id: onshi_store::PersonId) -> String {
        rules::pairwise_subject(&self.keys.pairwise_secret, &rp.sector_identifier, &person_id.0.to_string())
    }

    /// The userinfo endpoint: `sub` and the claims the person released,
    /// read from the registry now.
    pub async fn userinfo(&self, bearer: &str, now: DateTime<Utc>) -> Result<serde_json::Value, OidcError> {
        let invalid = || OidcError::InvalidToken("the access token is unknown, expired or revoked".into());
        let token = self.store.access_token(&sha256(bearer.as_bytes())).await?.ok_or_else(invalid)?;
        if now > token.expires_at {
            return Err(invalid());
        }
        let rp = self.store.relying_party(&token.client_id).await?.ok_or_else(invalid)?;
        let mut out = serde_json::Map::new();
        out.insert("sub".into(), self.subject(&rp, token.person_id).into());
        let released: Vec<Scope> = token.claims.split(' ').filter_map(Scope::from_code).collect();
        if !released.is_empty() {
            let resident = self.store.resident_by_person(token.person_id).await?.ok_or_else(invalid)?;
            let a = &resident.resident.attributes;
            for claim in released {
                match claim {
                    Scope::Name => {
                        out.insert("name".into(), a.name_kanji.clone().into());
                    }
                    Scope::Address => {
                        out.insert("address".into(), serde_json::json!({ "formatted": a.address }));
                    }
                    Scope::Birthdate => {
                        out.insert("birthdate".into(), a.birth_date.format("%Y-%m-%d").to_string().into());
                    }
                    Scope::Gender => {
                        let gender = match a.sex {
                            Sex::Male => "male",
                            Sex::Female => "female",
                            Sex::Unset | Sex::NotApplicable => "unspecified",
                        };
                        out.insert("gender".into(), gender.into());
                    }
                    Scope::OpenId | Scope::Sign => {}
                }
            }
        }
        Ok(serde_json::Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_their_file_with_a_thumbprint_kid() {
        let (keys, file) = ProviderKeys::generate().expect("generate");
        let again = ProviderKeys::from_file(&file).expect("reload");
        assert_eq!(keys.kid(), again.kid());
        assert_eq!(keys.kid().len(), 43);
        let jwks = serde_json::to_value(keys.jwks()).expect("json");
        assert_eq!(jwks["keys"][0]["kty"], "EC");
        assert_eq!(jwks["keys"][0]["crv"], "P-256");
        assert_eq!(jwks["keys"][0]["alg"], "ES256");
        assert!(ProviderKeys::from_file(b"{}").is_err());
    }

    #[test]
    fn redirect_queries_are_percent_encoded() {
        assert_eq!(
            with_query("https://rp.example.jp/cb", &[("code", "a-b_c"), ("state", "x y&z")]),
            "https://rp.example.jp/cb?code=a-b_c&state=x%20y%26z"
        );
        assert_eq!(with_query("https://rp.example.jp/cb?t=1", &[("code", "c")]), "https://rp.example.jp/cb?t=1&code=c");
        let code = user_code();
        assert_eq!(code.len(), 9);
        assert_eq!(&code[4..5], "-");
    }
}
