//! The OpenID Connect provider's tables on PostgreSQL.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Row};

use crate::oidc::{
    AccessToken, Authorization, AuthorizationCode, AuthorizationState, CodeTake, Decision, PushedRequest, RelyingParty,
    StoredAuthorization, join_uris, split_uris,
};
use crate::{PersonId, StoreError};

use super::{db_err, is_unique_violation};

fn insert_err(what: String, context: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| if is_unique_violation(&e) { StoreError::Conflict { what } } else { StoreError::unavailable(context, e) }
}

fn read(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::unavailable(context, e)
}

pub(super) async fn insert_relying_party(pool: &PgPool, rp: &RelyingParty) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO oidc_clients (client_id, name, redirect_uris, scopes, sector_identifier, jwks,
                                   client_secret_sha256, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&rp.client_id)
    .bind(&rp.name)
    .bind(join_uris(&rp.redirect_uris))
    .bind(&rp.scopes)
    .bind(&rp.sector_identifier)
    .bind(&rp.jwks)
    .bind(&rp.client_secret_sha256)
    .bind(rp.created_at)
    .bind(rp.revoked_at)
    .execute(pool)
    .await
    .map_err(insert_err(format!("client {} exists", rp.client_id), "registering a client"))?;
    Ok(())
}

pub(super) async fn relying_party(pool: &PgPool, client_id: &str) -> Result<Option<RelyingParty>, StoreError> {
    let row = sqlx::query(
        "SELECT client_id, name, redirect_uris, scopes, sector_identifier, jwks, client_secret_sha256,
                created_at, revoked_at
         FROM oidc_clients WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading a client"))?;
    let Some(row) = row else { return Ok(None) };
    let r = read("reading a client");
    Ok(Some(RelyingParty {
        client_id: row.try_get(0).map_err(&r)?,
        name: row.try_get(1).map_err(&r)?,
        redirect_uris: split_uris(&row.try_get::<String, _>(2).map_err(&r)?),
        scopes: row.try_get(3).map_err(&r)?,
        sector_identifier: row.try_get(4).map_err(&r)?,
        jwks: row.try_get(5).map_err(&r)?,
        client_secret_sha256: row.try_get(6).map_err(&r)?,
        created_at: row.try_get(7).map_err(&r)?,
        revoked_at: row.try_get(8).map_err(&r)?,
    }))
}

pub(super) async fn insert_pushed_request(pool: &PgPool, req: &PushedRequest) -> Result<(), StoreError> {
    sqlx::query(
        "WITH forgotten AS (DELETE FROM oidc_pushed_requests WHERE expires_at < $5)
         INSERT INTO oidc_pushed_requests (request_uri, client_id, params, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&req.request_uri)
    .bind(&req.client_id)
    .bind(&req.params)
    .bind(req.expires_at)
    .bind(req.expires_at - chrono::TimeDelta::days(1))
    .execute(pool)
    .await
    .map_err(insert_err(format!("request {} exists", req.request_uri), "recording a pushed request"))?;
    Ok(())
}

pub(super) async fn take_pushed_request(
    pool: &PgPool,
    request_uri: &str,
    client_id: &str,
    at: DateTime<Utc>,
) -> Result<Option<PushedRequest>, StoreError> {
    let row = sqlx::query(
        "UPDATE oidc_pushed_requests SET used_at = $3
         WHERE request_uri = $1 AND client_id = $2 AND used_at IS NULL AND expires_at >= $3
         RETURNING request_uri, client_id, params, expires_at",
    )
    .bind(request_uri)
    .bind(client_id)
    .bind(at)
    .fetch_optional(pool)
    .await
    .map_err(db_err("taking a pushed request"))?;
    let Some(row) = row else { return Ok(None) };
    let r = read("taking a pushed request");
    Ok(Some(PushedRequest {
        request_uri: row.try_get(0).map_err(&r)?,
        client_id: row.try_get(1).map_err(&r)?,
        params: row.try_get(2).map_err(&r)?,
        expires_at: row.try_get(3).map_err(&r)?,
    }))
}

pub(super) async fn insert_authorization(pool: &PgPool, a: &Authorization) -> Result<(), StoreError> {
    sqlx::query(
        "WITH forgotten AS (DELETE FROM oidc_authorizations WHERE expires_at < $7)
         INSERT INTO oidc_authorizations (authorization_id, user_code, client_id, request, created_at, expires_at, state)
         VALUES ($1, $2, $3, $4, $5, $6, 'pending')",
    )
    .bind(&a.id)
    .bind(&a.user_code)
    .bind(&a.client_id)
    .bind(&a.request)
    .bind(a.created_at)
    .bind(a.expires_at)
    .bind(a.created_at - chrono::TimeDelta::days(1))
    .execute(pool)
    .await
    .map_err(insert_err(format!("authorization {} or user code exists", a.id), "recording an authorization"))?;
    Ok(())
}

fn authorization_row(row: &PgRow) -> Result<StoredAuthorization, StoreError> {
    let r = read("reading an authorization");
    let authorization = Authorization {
        id: row.try_get(0).map_err(&r)?,
        user_code: row.try_get(1).map_err(&r)?,
        client_id: row.try_get(2).map_err(&r)?,
        request: row.try_get(3).map_err(&r)?,
        created_at: row.try_get(4).map_err(&r)?,
        expires_at: row.try_get(5).map_err(&r)?,
    };
    let state: String = row.try_get(6).map_err(&r)?;
    let person: Option<i64> = row.try_get(7).map_err(&r)?;
    let claims: Option<String> = row.try_get(8).map_err(&r)?;
    let auth_time: Option<DateTime<Utc>> = row.try_get(9).map_err(&r)?;
    let decided_at: Option<DateTime<Utc>> = row.try_get(10).map_err(&r)?;
    let state = match (state.as_str(), person, auth_time, decided_at) {
        ("pending", ..) => AuthorizationState::Pending,
        ("approved", Some(p), Some(auth_time), _) => {
            AuthorizationState::Approved { person_id: PersonId(p), claims: claims.unwrap_or_default(), auth_time }
        }
        ("denied", _, _, Some(at)) => AuthorizationState::Denied { at },
        ("completed", _, _, Some(at)) => AuthorizationState::Completed { at },
        _ => {
            return Err(StoreError::Corrupt { what: format!("authorization {}: state {state:?}", authorization.id) });
        }
    };
    Ok(StoredAuthorization { authorization, state })
}

pub(super) async fn authorization(pool: &PgPool, id: &str) -> Result<Option<StoredAuthorization>, StoreError> {
    let row = sqlx::query(
        "SELECT authorization_id, user_code, client_id, request, created_at, expires_at,
                state, person_id, claims, auth_time, decided_at FROM oidc_authorizations WHERE authorization_id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading an authorization"))?;
    row.as_ref().map(authorization_row).transpose()
}

pub(super) async fn authorization_by_user_code(
    pool: &PgPool,
    user_code: &str,
) -> Result<Option<StoredAuthorization>, StoreError> {
    let row = sqlx::query(
        "SELECT authorization_id, user_code, client_id, request, created_at, expires_at,
                state, person_id, claims, auth_time, decided_at FROM oidc_authorizations WHERE user_code = $1",
    )
    .bind(user_code)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading an authorization"))?;
    row.as_ref().map(authorization_row).transpose()
}

pub(super) async fn decide_authorization(
    pool: &PgPool,
    id: &str,
    decision: &Decision,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let done = match decision {
        Decision::Approve { person_id, claims, auth_time } => {
            sqlx::query(
                "UPDATE oidc_authorizations SET state = 'approved', person_id = $2, claims = $3, auth_time = $4,
                        decided_at = $5
                 WHERE authorization_id = $1 AND state = 'pending' AND expires_at >= $5",
            )
            .bind(id)
            .bind(person_id.0)
            .bind(claims)
            .bind(auth_time)
            .bind(at)
            .execute(pool)
            .await
        }
        Decision::Deny => {
            sqlx::query(
                "UPDATE oidc_authorizations SET state = 'denied', decided_at = $2
                 WHERE authorization_id = $1 AND state = 'pending' AND expires_at >= $2",
            )
            .bind(id)
            .bind(at)
            .execute(pool)
            .await
        }
    }
    .map_err(db_err("deciding an authorization"))?;
    Ok(done.rows_affected() == 1)
}

pub(super) async fn complete_authorization(
    pool: &PgPool,
    id: &str,
    code: &AuthorizationCode,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let done = sqlx::query(
        "UPDATE oidc_authorizations SET state = 'completed', decided_at = $2
         WHERE authorization_id = $1 AND state = 'approved' AND expires_at >= $2",
    )
    .bind(id)
    .bind(code.issued_at)
    .execute(&mut *tx)
    .await
    .map_err(db_err("completing an authorization"))?;
    if done.rows_affected() != 1 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO oidc_codes (code_sha256, client_id, person_id, redirect_uri, scope, nonce, code_challenge,
                                 claims, auth_time, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(&code.code_sha256)
    .bind(&code.client_id)
    .bind(code.person_id.0)
    .bind(&code.redirect_uri)
    .bind(&code.scope)
    .bind(&code.nonce)
    .bind(&code.code_challenge)
    .bind(&code.claims)
    .bind(code.auth_time)
    .bind(code.issued_at)
    .bind(code.expires_at)
    .execute(&mut *tx)
    .await
    .map_err(insert_err("an authorization code with this hash exists".into(), "recording a code"))?;
    tx.commit().await.map_err(db_err("committing a code"))?;
    Ok(true)
}

pub(super) async fn take_code(pool: &PgPool, code_sha256: &[u8], at: DateTime<Utc>) -> Result<CodeTake, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let row = sqlx::query(
        "SELECT code_sha256, client_id, person_id, redirect_uri, scope, nonce, code_challenge, claims,
                auth_time, issued_at, expires_at, used_at
         FROM oidc_codes WHERE code_sha256 = $1 FOR UPDATE",
    )
    .bind(code_sha256)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err("reading a code"))?;
    let r = read("reading a code");
    let outcome = match row {
        None => CodeTake::Unknown,
        Some(row) => {
            let used_at: Option<DateTime<Utc>> = row.try_get(11).map_err(&r)?;
            match used_at {
                Some(used_at) => CodeTake::Used { used_at },
                None => {
                    let code = AuthorizationCode {
                        code_sha256: row.try_get(0).map_err(&r)?,
                        client_id: row.try_get(1).map_err(&r)?,
                        person_id: PersonId(row.try_get(2).map_err(&r)?),
                        redirect_uri: row.try_get(3).map_err(&r)?,
                        scope: row.try_get(4).map_err(&r)?,
                        nonce: row.try_get(5).map_err(&r)?,
                        code_challenge: row.try_get(6).map_err(&r)?,
                        claims: row.try_get(7).map_err(&r)?,
                        auth_time: row.try_get(8).map_err(&r)?,
                        issued_at: row.try_get(9).map_err(&r)?,
                        expires_at: row.try_get(10).map_err(&r)?,
                    };
                    sqlx::query("UPDATE oidc_codes SET used_at = $2 WHERE code_sha256 = $1")
                        .bind(code_sha256)
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err("using a code"))?;
                    if at > code.expires_at {
                        CodeTake::Expired { expired_at: code.expires_at }
                    } else {
                        CodeTake::Taken(Box::new(code))
                    }
                }
            }
        }
    };
    tx.commit().await.map_err(db_err("committing a code"))?;
    Ok(outcome)
}

pub(super) async fn insert_access_token(pool: &PgPool, t: &AccessToken) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO oidc_access_tokens (token_sha256, client_id, person_id, scope, claims, issued_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&t.token_sha256)
    .bind(&t.client_id)
    .bind(t.person_id.0)
    .bind(&t.scope)
    .bind(&t.claims)
    .bind(t.issued_at)
    .bind(t.expires_at)
    .execute(pool)
    .await
    .map_err(insert_err("an access token with this hash exists".into(), "recording an access token"))?;
    Ok(())
}

pub(super) async fn access_token(pool: &PgPool, token_sha256: &[u8]) -> Result<Option<AccessToken>, StoreError> {
    let row = sqlx::query(
        "SELECT token_sha256, client_id, person_id, scope, claims, issued_at, expires_at
         FROM oidc_access_tokens WHERE token_sha256 = $1 AND revoked_at IS NULL",
    )
    .bind(token_sha256)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading an access token"))?;
    let Some(row) = row else { return Ok(None) };
    let r = read("reading an access token");
    Ok(Some(AccessToken {
        token_sha256: row.try_get(0).map_err(&r)?,
        client_id: row.try_get(1).map_err(&r)?,
        person_id: PersonId(row.try_get(2).map_err(&r)?),
        scope: row.try_get(3).map_err(&r)?,
        claims: row.try_get(4).map_err(&r)?,
        issued_at: row.try_get(5).map_err(&r)?,
        expires_at: row.try_get(6).map_err(&r)?,
    }))
}

pub(super) async fn use_assertion_id(
    pool: &PgPool,
    client_id: &str,
    jti: &str,
    expires_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    sqlx::query("DELETE FROM oidc_assertion_ids WHERE expires_at < $1")
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(db_err("forgetting old assertion ids"))?;
    let done = sqlx::query(
        "INSERT INTO oidc_assertion_ids (client_id, jti, expires_at) VALUES ($1, $2, $3)
         ON CONFLICT (client_id, jti) DO NOTHING",
    )
    .bind(client_id)
    .bind(jti)
    .bind(expires_at)
    .execute(&mut *tx)
    .await
    .map_err(db_err("recording an assertion id"))?;
    tx.commit().await.map_err(db_err("committing an assertion id"))?;
    Ok(done.rows_affected() == 1)
}
