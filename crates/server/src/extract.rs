//! Role extractors: a handler that takes one of these only runs for a caller
//! who holds that role. Shared by the audience routers, which never call each
//! other.
//!
//! | extractor | who | credential |
//! | --- | --- | --- |
//! | [`AdminUser`] | operators (and, for now, insurers and municipal desks) | the static admin token |
//! | `FacilityUser` (in `facility`) | a facility's system | an access token whose subject is a 医療機関コード |
//! | [`CrewUser`] | a fire department's system (マイナ救急) | an access token whose subject is `crew-{crew code}` |
//! | [`CitizenUser`] | a person (the portal) | an access token whose subject is `person-{id}`, from `POST /citizen/sign-in` |
//!
//! Access tokens are all signed with the one `TokenKey`; the subject's
//! form decides the role, so a token of one role is refused by every other
//! role's extractor (`invalid_token`).

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use axum::http::StatusCode;
use onshi_store::PersonId;

use crate::error::ApiError;
use crate::facility::{CREW_SUBJECT, invalid_token};
use crate::state::AppState;

/// The subject prefix of a person's tokens: `person-{person id}`.
pub(crate) const PERSON_SUBJECT: &str = "person-";

/// An operator, allowed on `/admin`.
///
/// FIXME(#admin-auth): for now this is anyone who presents the static token
/// of `[admin] token` as `Authorization: Bearer …`. When operator accounts
/// exist it must identify the account (and carry it, for the audit log)
/// instead; handlers keep taking `AdminUser`, so they do not change.
#[derive(Debug, Clone, Copy)]
pub struct AdminUser {
    _private: (),
}

impl FromRequestParts<AppState> for AdminUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<AdminUser, ApiError> {
        let Some(expected) = state.admin_token.as_deref() else {
            return Err(ApiError::AdminDisabled);
        };
        let presented = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(bearer_token)
            .ok_or(ApiError::Unauthorized)?;
        if constant_time_eq(presented.as_bytes(), expected.as_bytes()) {
            Ok(AdminUser { _private: () })
        } else {
            Err(ApiError::Unauthorized)
        }
    }
}

/// The token of an `Authorization: Bearer <token>` header. RFC 6750 §2.1:
/// the scheme name is case-insensitive.
fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Compare without stopping at the first differing byte, so the time taken
/// does not reveal how much of the token a guess got right. The length is not
/// secret.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The subject and client of the request's access token, verified.
fn token_claims(parts: &Parts, state: &AppState, sign_in: &str) -> Result<(String, String), ApiError> {
    let key = state.token_key.as_ref().ok_or_else(|| {
        ApiError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "medical_api_disabled",
            "this server issues no access tokens; start it with `onshi serve`, which keeps a token key",
        )
    })?;
    let token = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(bearer_token)
        .ok_or_else(|| {
        invalid_token(&format!("send the access token from {sign_in} as `Authorization: Bearer …`"))
    })?;
    key.verify_claims(token, state.clock.now())
        .ok_or_else(|| invalid_token(&format!("the access token is invalid or expired; get a new one at {sign_in}")))
}

/// A fire department's system (消防本部の救急隊, マイナ救急), signed in
/// with its client credentials at `POST /oauth/token`. Its client must
/// still be registered, unrevoked, for the department the token names.
#[derive(Debug, Clone)]
pub struct CrewUser {
    /// The fire department's code.
    pub crew_code: String,
    /// The client (the crews' tablet system) the token was issued to.
    pub client_id: String,
}

impl FromRequestParts<AppState> for CrewUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<CrewUser, ApiError> {
        let (subject, client_id) = token_claims(parts, state, "POST /oauth/token")?;
        let crew_code = subject
            .strip_prefix(CREW_SUBJECT)
            .ok_or_else(|| invalid_token("this access token is not a fire department's (マイナ救急)"))?;
        let crew = state.store.crew(crew_code).await.map_err(|e| ApiError::store("reading the fire department", e))?;
        let client =
            state.store.crew_client(&client_id).await.map_err(|e| ApiError::store("reading the crew's client", e))?;
        let client_ok = client.is_some_and(|c| c.revoked_at.is_none() && c.crew_code == crew_code);
        if crew.is_none() || !client_ok {
            return Err(ApiError::refused(
                StatusCode::FORBIDDEN,
                "unknown_crew",
                format!(
                    "fire department {crew_code:?} or its client {client_id:?} is not registered or was revoked; \
                     register the department and its client, then get a new token at POST /oauth/token"
                ),
            ));
        }
        Ok(CrewUser { crew_code: crew_code.to_owned(), client_id })
    }
}

/// A person signed in with their card at `POST /citizen/sign-in` (the
/// minimal stand-in for the portal's OpenID Connect sign-in, which comes
/// later). Only their own information is reachable with it.
#[derive(Debug, Clone, Copy)]
pub struct CitizenUser {
    pub person_id: PersonId,
}

impl FromRequestParts<AppState> for CitizenUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<CitizenUser, ApiError> {
        let (subject, _) = token_claims(parts, state, "POST /citizen/sign-in")?;
        let person = subject
            .strip_prefix(PERSON_SUBJECT)
            .and_then(|id| id.parse::<i64>().ok())
            .ok_or_else(|| invalid_token("this access token is not a person's; sign in at POST /citizen/sign-in"))?;
        Ok(CitizenUser { person_id: PersonId(person) })
    }
}
