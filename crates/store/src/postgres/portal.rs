//! The citizen portal's tables on PostgreSQL.

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgPool, Postgres, Row, Transaction};

use crate::portal::{FacilityBlock, PortalSession};
use crate::{PersonId, StoreError};

use super::{db_err, is_unique_violation};

const SESSION_COLUMNS: &str = "session_sha256, csrf_token, authorization_id, person_id, certificate_in_grace, \
                               previous_visit_at, created_at, last_seen_at, expires_at";

fn session_row(row: &PgRow) -> Result<PortalSession, sqlx::Error> {
    Ok(PortalSession {
        session_sha256: row.try_get(0)?,
        csrf_token: row.try_get(1)?,
        authorization_id: row.try_get(2)?,
        person_id: row.try_get::<Option<i64>, _>(3)?.map(PersonId),
        certificate_in_grace: row.try_get(4)?,
        previous_visit_at: row.try_get(5)?,
        created_at: row.try_get(6)?,
        last_seen_at: row.try_get(7)?,
        expires_at: row.try_get(8)?,
    })
}

async fn insert(tx: &mut Transaction<'_, Postgres>, s: &PortalSession) -> Result<(), StoreError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO portal_sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(&s.session_sha256)
    .bind(&s.csrf_token)
    .bind(&s.authorization_id)
    .bind(s.person_id.map(|p| p.0))
    .bind(s.certificate_in_grace)
    .bind(s.previous_visit_at)
    .bind(s.created_at)
    .bind(s.last_seen_at)
    .bind(s.expires_at)
    .execute(&mut **tx)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            StoreError::Conflict { what: "a portal session with this id exists".into() }
        } else {
            StoreError::unavailable("recording a portal session", e)
        }
    })?;
    Ok(())
}

pub(super) async fn insert_session(pool: &PgPool, session: &PortalSession) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    sqlx::query("DELETE FROM portal_sessions WHERE expires_at < $1")
        .bind(session.created_at - chrono::TimeDelta::days(1))
        .execute(&mut *tx)
        .await
        .map_err(db_err("forgetting old portal sessions"))?;
    insert(&mut tx, session).await?;
    tx.commit().await.map_err(db_err("committing a portal session"))
}

pub(super) async fn touch_session(
    pool: &PgPool,
    session_sha256: &[u8],
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Option<PortalSession>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "UPDATE portal_sessions SET last_seen_at = $2, expires_at = $3
         WHERE session_sha256 = $1 AND expires_at > $2
         RETURNING {SESSION_COLUMNS}"
    )))
    .bind(session_sha256)
    .bind(at)
    .bind(expires_at)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading a portal session"))?;
    row.as_ref().map(session_row).transpose().map_err(db_err("reading a portal session"))
}

pub(super) async fn sign_in_session(
    pool: &PgPool,
    pending_sha256: &[u8],
    mut session: PortalSession,
) -> Result<Option<PortalSession>, StoreError> {
    let person = session
        .person_id
        .ok_or_else(|| StoreError::Corrupt { what: "a signed-in portal session needs its person".into() })?;
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let removed =
        sqlx::query("DELETE FROM portal_sessions WHERE session_sha256 = $1 AND expires_at > $2 AND person_id IS NULL")
            .bind(pending_sha256)
            .bind(session.created_at)
            .execute(&mut *tx)
            .await
            .map_err(db_err("ending a waiting sign-in"))?;
    if removed.rows_affected() == 0 {
        return Ok(None);
    }
    // The old visit, then the new one, in one statement.
    let previous: Option<DateTime<Utc>> = sqlx::query_scalar(
        "WITH old AS (SELECT last_visit_at FROM portal_visits WHERE person_id = $1 FOR UPDATE),
              new AS (INSERT INTO portal_visits (person_id, last_visit_at) VALUES ($1, $2)
                      ON CONFLICT (person_id) DO UPDATE SET last_visit_at = EXCLUDED.last_visit_at)
         SELECT last_visit_at FROM old",
    )
    .bind(person.0)
    .bind(session.created_at)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err("recording the visit"))?;
    session.previous_visit_at = previous;
    insert(&mut tx, &session).await?;
    tx.commit().await.map_err(db_err("committing a sign-in"))?;
    Ok(Some(session))
}

pub(super) async fn end_session(pool: &PgPool, session_sha256: &[u8]) -> Result<bool, StoreError> {
    let done = sqlx::query("DELETE FROM portal_sessions WHERE session_sha256 = $1")
        .bind(session_sha256)
        .execute(pool)
        .await
        .map_err(db_err("ending a portal session"))?;
    Ok(done.rows_affected() > 0)
}

fn block_row(row: &PgRow) -> Result<FacilityBlock, sqlx::Error> {
    Ok(FacilityBlock {
        person_id: PersonId(row.try_get(0)?),
        facility_code: row.try_get(1)?,
        blocked_at: row.try_get(2)?,
        unblocked_at: row.try_get(3)?,
    })
}

pub(super) async fn set_block(
    pool: &PgPool,
    person: PersonId,
    facility_code: &str,
    blocked: bool,
    at: DateTime<Utc>,
) -> Result<FacilityBlock, StoreError> {
    let sql = if blocked {
        "INSERT INTO facility_blocks (person_id, facility_code, blocked_at, unblocked_at) VALUES ($1, $2, $3, NULL)
         ON CONFLICT (person_id, facility_code) DO UPDATE SET blocked_at = EXCLUDED.blocked_at, unblocked_at = NULL
         RETURNING person_id, facility_code, blocked_at, unblocked_at"
    } else {
        "UPDATE facility_blocks SET unblocked_at = COALESCE(unblocked_at, $3)
         WHERE person_id = $1 AND facility_code = $2
         RETURNING person_id, facility_code, blocked_at, unblocked_at"
    };
    let row = sqlx::query(sql).bind(person.0).bind(facility_code).bind(at).fetch_optional(pool).await;
    match row {
        Ok(Some(row)) => block_row(&row).map_err(db_err("reading a facility block")),
        Ok(None) => Err(StoreError::NotFound { what: format!("no block of facility {facility_code}") }),
        Err(e) if e.as_database_error().and_then(|d| d.code()).is_some_and(|c| c == "23503") => {
            Err(StoreError::NotFound { what: format!("no facility {facility_code}") })
        }
        Err(e) => Err(StoreError::unavailable("recording a facility block", e)),
    }
}

pub(super) async fn blocks_of_person(pool: &PgPool, person: PersonId) -> Result<Vec<FacilityBlock>, StoreError> {
    let rows = sqlx::query(
        "SELECT person_id, facility_code, blocked_at, unblocked_at FROM facility_blocks
         WHERE person_id = $1 ORDER BY facility_code",
    )
    .bind(person.0)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading facility blocks"))?;
    rows.iter().map(block_row).collect::<Result<Vec<_>, _>>().map_err(db_err("reading facility blocks"))
}

pub(super) async fn is_blocked(pool: &PgPool, person: PersonId, facility_code: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM facility_blocks
                        WHERE person_id = $1 AND facility_code = $2 AND unblocked_at IS NULL)",
    )
    .bind(person.0)
    .bind(facility_code)
    .fetch_one(pool)
    .await
    .map_err(db_err("reading a facility block"))
}
