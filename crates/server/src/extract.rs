//! Role extractors: a handler that takes one of these only runs for a caller
//! who holds that role. Shared by the audience routers, which never call each
//! other.
//!
//! There is only [`AdminUser`] so far; `FacilityUser`, `InsurerUser` and the
//! others arrive with the first route of their audience.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use crate::error::ApiError;
use crate::state::AppState;

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
