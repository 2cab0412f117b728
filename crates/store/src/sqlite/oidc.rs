//! The OpenID Connect provider's tables on SQLite.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::oidc::{
    AccessToken, Authorization, AuthorizationCode, AuthorizationState, CodeTake, Decision, PushedRequest, RelyingParty,
    StoredAuthorization, join_uris, split_uris,
};
use crate::{PersonId, StoreError};

use super::rows::{parse_ts, ts, ts_at};
use super::{db_err, is_unique_violation};

fn is_key_violation(err: &rusqlite::Error) -> bool {
    is_unique_violation(err)
        || matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn insert_err(what: String, context: &'static str) -> impl FnOnce(rusqlite::Error) -> StoreError {
    move |e| if is_key_violation(&e) { StoreError::Conflict { what } } else { StoreError::unavailable(context, e) }
}

fn opt_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| parse_ts(idx, &t)).transpose()
}

pub(super) fn insert_relying_party(conn: &mut Connection, rp: &RelyingParty) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO oidc_clients (client_id, name, redirect_uris, scopes, sector_identifier, jwks,
                                   client_secret_sha256, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            rp.client_id,
            rp.name,
            join_uris(&rp.redirect_uris),
            rp.scopes,
            rp.sector_identifier,
            rp.jwks,
            rp.client_secret_sha256,
            ts(rp.created_at),
            rp.revoked_at.map(ts),
        ],
    )
    .map_err(insert_err(format!("client {} exists", rp.client_id), "registering a client"))?;
    Ok(())
}

pub(super) fn relying_party(conn: &Connection, client_id: &str) -> Result<Option<RelyingParty>, StoreError> {
    conn.query_row(
        "SELECT client_id, name, redirect_uris, scopes, sector_identifier, jwks, client_secret_sha256,
                created_at, revoked_at
         FROM oidc_clients WHERE client_id = ?1",
        [client_id],
        |row| {
            Ok(RelyingParty {
                client_id: row.get(0)?,
                name: row.get(1)?,
                redirect_uris: split_uris(&row.get::<_, String>(2)?),
                scopes: row.get(3)?,
                sector_identifier: row.get(4)?,
                jwks: row.get(5)?,
                client_secret_sha256: row.get(6)?,
                created_at: ts_at(row, 7)?,
                revoked_at: opt_ts(row, 8)?,
            })
        },
    )
    .optional()
    .map_err(db_err("reading a client"))
}

pub(super) fn insert_pushed_request(conn: &mut Connection, req: &PushedRequest) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.execute(
        "DELETE FROM oidc_pushed_requests WHERE expires_at < ?1",
        [ts(req.expires_at - chrono::TimeDelta::days(1))],
    )
    .map_err(db_err("forgetting old pushed requests"))?;
    tx.execute(
        "INSERT INTO oidc_pushed_requests (request_uri, client_id, params, expires_at) VALUES (?1, ?2, ?3, ?4)",
        params![req.request_uri, req.client_id, req.params, ts(req.expires_at)],
    )
    .map_err(insert_err(format!("request {} exists", req.request_uri), "recording a pushed request"))?;
    tx.commit().map_err(db_err("committing a pushed request"))
}

pub(super) fn take_pushed_request(
    conn: &mut Connection,
    request_uri: &str,
    client_id: &str,
    at: DateTime<Utc>,
) -> Result<Option<PushedRequest>, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let found = tx
        .query_row(
            "UPDATE oidc_pushed_requests SET used_at = ?3
             WHERE request_uri = ?1 AND client_id = ?2 AND used_at IS NULL AND expires_at >= ?3
             RETURNING request_uri, client_id, params, expires_at",
            params![request_uri, client_id, ts(at)],
            |row| {
                Ok(PushedRequest {
                    request_uri: row.get(0)?,
                    client_id: row.get(1)?,
                    params: row.get(2)?,
                    expires_at: ts_at(row, 3)?,
                })
            },
        )
        .optional()
        .map_err(db_err("taking a pushed request"))?;
    tx.commit().map_err(db_err("committing a pushed request"))?;
    Ok(found)
}

pub(super) fn insert_authorization(conn: &mut Connection, a: &Authorization) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.execute(
        "DELETE FROM oidc_authorizations WHERE expires_at < ?1",
        [ts(a.created_at - chrono::TimeDelta::days(1))],
    )
    .map_err(db_err("forgetting old authorizations"))?;
    tx.execute(
        "INSERT INTO oidc_authorizations (authorization_id, user_code, client_id, request, created_at, expires_at, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'pending')",
        params![a.id, a.user_code, a.client_id, a.request, ts(a.created_at), ts(a.expires_at)],
    )
    .map_err(insert_err(format!("authorization {} or user code exists", a.id), "recording an authorization"))?;
    tx.commit().map_err(db_err("committing an authorization"))
}

const AUTHORIZATION_SELECT: &str = "SELECT authorization_id, user_code, client_id, request, created_at, expires_at,
        state, person_id, claims, auth_time, decided_at FROM oidc_authorizations";

fn authorization_row(row: &Row<'_>) -> rusqlite::Result<(Authorization, String, Option<i64>, Option<String>)> {
    Ok((
        Authorization {
            id: row.get(0)?,
            user_code: row.get(1)?,
            client_id: row.get(2)?,
            request: row.get(3)?,
            created_at: ts_at(row, 4)?,
            expires_at: ts_at(row, 5)?,
        },
        row.get(6)?,
        row.get(7)?,
        row.get(8)?,
    ))
}

fn read_authorization(conn: &Connection, column: &str, value: &str) -> Result<Option<StoredAuthorization>, StoreError> {
    let sql = format!("{AUTHORIZATION_SELECT} WHERE {column} = ?1");
    let found = conn
        .query_row(&sql, [value], |row| {
            let (a, state, person, claims) = authorization_row(row)?;
            Ok((a, state, person, claims, opt_ts(row, 9)?, opt_ts(row, 10)?))
        })
        .optional()
        .map_err(db_err("reading an authorization"))?;
    let Some((authorization, state, person, claims, auth_time, decided_at)) = found else {
        return Ok(None);
    };
    let corrupt = || StoreError::Corrupt { what: format!("authorization {}: state {state:?}", authorization.id) };
    let state = match (state.as_str(), person, auth_time, decided_at) {
        ("pending", ..) => AuthorizationState::Pending,
        ("approved", Some(p), Some(auth_time), _) => {
            AuthorizationState::Approved { person_id: PersonId(p), claims: claims.unwrap_or_default(), auth_time }
        }
        ("denied", _, _, Some(at)) => AuthorizationState::Denied { at },
        ("completed", _, _, Some(at)) => AuthorizationState::Completed { at },
        _ => return Err(corrupt()),
    };
    Ok(Some(StoredAuthorization { authorization, state }))
}

pub(super) fn authorization(conn: &Connection, id: &str) -> Result<Option<StoredAuthorization>, StoreError> {
    read_authorization(conn, "authorization_id", id)
}

pub(super) fn authorization_by_user_code(
    conn: &Connection,
    user_code: &str,
) -> Result<Option<StoredAuthorization>, StoreError> {
    read_authorization(conn, "user_code", user_code)
}

pub(super) fn decide_authorization(
    conn: &mut Connection,
    id: &str,
    decision: &Decision,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = match decision {
        Decision::Approve { person_id, claims, auth_time } => conn.execute(
            "UPDATE oidc_authorizations SET state = 'approved', person_id = ?2, claims = ?3, auth_time = ?4,
                    decided_at = ?5
             WHERE authorization_id = ?1 AND state = 'pending' AND expires_at >= ?5",
            params![id, person_id.0, claims, ts(*auth_time), ts(at)],
        ),
        Decision::Deny => conn.execute(
            "UPDATE oidc_authorizations SET state = 'denied', decided_at = ?2
             WHERE authorization_id = ?1 AND state = 'pending' AND expires_at >= ?2",
            params![id, ts(at)],
        ),
    }
    .map_err(db_err("deciding an authorization"))?;
    Ok(changed == 1)
}

pub(super) fn complete_authorization(
    conn: &mut Connection,
    id: &str,
    code: &AuthorizationCode,
) -> Result<bool, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let changed = tx
        .execute(
            "UPDATE oidc_authorizations SET state = 'completed', decided_at = ?2
             WHERE authorization_id = ?1 AND state = 'approved' AND expires_at >= ?2",
            params![id, ts(code.issued_at)],
        )
        .map_err(db_err("completing an authorization"))?;
    if changed != 1 {
        return Ok(false);
    }
    tx.execute(
        "INSERT INTO oidc_codes (code_sha256, client_id, person_id, redirect_uri, scope, nonce, code_challenge,
                                 claims, auth_time, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            code.code_sha256,
            code.client_id,
            code.person_id.0,
            code.redirect_uri,
            code.scope,
            code.nonce,
            code.code_challenge,
            code.claims,
            ts(code.auth_time),
            ts(code.issued_at),
            ts(code.expires_at),
        ],
    )
    .map_err(insert_err("an authorization code with this hash exists".into(), "recording a code"))?;
    tx.commit().map_err(db_err("committing a code"))?;
    Ok(true)
}

pub(super) fn take_code(conn: &mut Connection, code_sha256: &[u8], at: DateTime<Utc>) -> Result<CodeTake, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let found = tx
        .query_row(
            "SELECT code_sha256, client_id, person_id, redirect_uri, scope, nonce, code_challenge, claims,
                    auth_time, issued_at, expires_at, used_at
             FROM oidc_codes WHERE code_sha256 = ?1",
            [code_sha256],
            |row| {
                Ok((
                    AuthorizationCode {
                        code_sha256: row.get(0)?,
                        client_id: row.get(1)?,
                        person_id: PersonId(row.get(2)?),
                        redirect_uri: row.get(3)?,
                        scope: row.get(4)?,
                        nonce: row.get(5)?,
                        code_challenge: row.get(6)?,
                        claims: row.get(7)?,
                        auth_time: ts_at(row, 8)?,
                        issued_at: ts_at(row, 9)?,
                        expires_at: ts_at(row, 10)?,
                    },
                    opt_ts(row, 11)?,
                ))
            },
        )
        .optional()
        .map_err(db_err("reading a code"))?;
    let outcome = match found {
        None => CodeTake::Unknown,
        Some((_, Some(used_at))) => CodeTake::Used { used_at },
        Some((code, None)) => {
            tx.execute("UPDATE oidc_codes SET used_at = ?2 WHERE code_sha256 = ?1", params![code_sha256, ts(at)])
                .map_err(db_err("using a code"))?;
            if at > code.expires_at {
                CodeTake::Expired { expired_at: code.expires_at }
            } else {
                CodeTake::Taken(Box::new(code))
            }
        }
    };
    tx.commit().map_err(db_err("committing a code"))?;
    Ok(outcome)
}

pub(super) fn insert_access_token(conn: &mut Connection, t: &AccessToken) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO oidc_access_tokens (token_sha256, client_id, person_id, scope, claims, issued_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![t.token_sha256, t.client_id, t.person_id.0, t.scope, t.claims, ts(t.issued_at), ts(t.expires_at)],
    )
    .map_err(insert_err("an access token with this hash exists".into(), "recording an access token"))?;
    Ok(())
}

pub(super) fn access_token(conn: &Connection, token_sha256: &[u8]) -> Result<Option<AccessToken>, StoreError> {
    conn.query_row(
        "SELECT token_sha256, client_id, person_id, scope, claims, issued_at, expires_at
         FROM oidc_access_tokens WHERE token_sha256 = ?1 AND revoked_at IS NULL",
        [token_sha256],
        |row| {
            Ok(AccessToken {
                token_sha256: row.get(0)?,
                client_id: row.get(1)?,
                person_id: PersonId(row.get(2)?),
                scope: row.get(3)?,
                claims: row.get(4)?,
                issued_at: ts_at(row, 5)?,
                expires_at: ts_at(row, 6)?,
            })
        },
    )
    .optional()
    .map_err(db_err("reading an access token"))
}

pub(super) fn use_assertion_id(
    conn: &mut Connection,
    client_id: &str,
    jti: &str,
    expires_at: DateTime<Utc>,
    at: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.execute("DELETE FROM oidc_assertion_ids WHERE expires_at < ?1", [ts(at)])
        .map_err(db_err("forgetting old assertion ids"))?;
    let inserted = tx
        .execute(
            "INSERT INTO oidc_assertion_ids (client_id, jti, expires_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (client_id, jti) DO NOTHING",
            params![client_id, jti, ts(expires_at)],
        )
        .map_err(db_err("recording an assertion id"))?;
    tx.commit().map_err(db_err("committing an assertion id"))?;
    Ok(inserted == 1)
}
