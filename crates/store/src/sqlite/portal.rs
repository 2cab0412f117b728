//! The citizen portal's tables on SQLite.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::portal::{FacilityBlock, PortalSession};
use crate::{PersonId, StoreError};

use super::rows::{parse_ts, ts, ts_at};
use super::{db_err, is_unique_violation};

fn opt_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    let text: Option<String> = row.get(idx)?;
    text.map(|t| parse_ts(idx, &t)).transpose()
}

const SESSION_COLUMNS: &str = "session_sha256, csrf_token, authorization_id, person_id, certificate_in_grace, \
                               previous_visit_at, created_at, last_seen_at, expires_at";

fn session_row(row: &Row<'_>) -> rusqlite::Result<PortalSession> {
    Ok(PortalSession {
        session_sha256: row.get(0)?,
        csrf_token: row.get(1)?,
        authorization_id: row.get(2)?,
        person_id: row.get::<_, Option<i64>>(3)?.map(PersonId),
        certificate_in_grace: row.get(4)?,
        previous_visit_at: opt_ts(row, 5)?,
        created_at: ts_at(row, 6)?,
        last_seen_at: ts_at(row, 7)?,
        expires_at: ts_at(row, 8)?,
    })
}

fn insert(conn: &Connection, s: &PortalSession) -> Result<(), StoreError> {
    conn.execute(
        &format!("INSERT INTO portal_sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
        params![
            s.session_sha256,
            s.csrf_token,
            s.authorization_id,
            s.person_id.map(|p| p.0),
            s.certificate_in_grace,
            s.previous_visit_at.map(ts),
            ts(s.created_at),
            ts(s.last_seen_at),
            ts(s.expires_at),
        ],
    )
    .map_err(|e| {
        if is_unique_violation(&e)
            || matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
        {
            StoreError::Conflict { what: "a portal session with this id exists".into() }
        } else {
            StoreError::unavailable("recording a portal session", e)
        }
    })?;
    Ok(())
}

pub(super) fn insert_session(conn: &mut Connection, session: &PortalSession) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.execute(
        "DELETE FROM portal_sessions WHERE expires_at < ?1",
        [ts(session.created_at - chrono::TimeDelta::days(1))],
    )
    .map_err(db_err("forgetting old portal sessions"))?;
    insert(&tx, session)?;
    tx.commit().map_err(db_err("committing a portal session"))
}

pub(super) fn touch_session(
    conn: &mut Connection,
    session_sha256: &[u8],
    at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> Result<Option<PortalSession>, StoreError> {
    conn.query_row(
        &format!(
            "UPDATE portal_sessions SET last_seen_at = ?2, expires_at = ?3
             WHERE session_sha256 = ?1 AND expires_at > ?2
             RETURNING {SESSION_COLUMNS}"
        ),
        params![session_sha256, ts(at), ts(expires_at)],
        session_row,
    )
    .optional()
    .map_err(db_err("reading a portal session"))
}

pub(super) fn sign_in_session(
    conn: &mut Connection,
    pending_sha256: &[u8],
    mut session: PortalSession,
) -> Result<Option<PortalSession>, StoreError> {
    let person = session
        .person_id
        .ok_or_else(|| StoreError::Corrupt { what: "a signed-in portal session needs its person".into() })?;
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let removed = tx
        .execute(
            "DELETE FROM portal_sessions WHERE session_sha256 = ?1 AND expires_at > ?2 AND person_id IS NULL",
            params![pending_sha256, ts(session.created_at)],
        )
        .map_err(db_err("ending a waiting sign-in"))?;
    if removed == 0 {
        return Ok(None);
    }
    let previous: Option<String> = tx
        .query_row("SELECT last_visit_at FROM portal_visits WHERE person_id = ?1", [person.0], |row| row.get(0))
        .optional()
        .map_err(db_err("reading the last visit"))?;
    session.previous_visit_at =
        previous.map(|t| parse_ts(0, &t)).transpose().map_err(db_err("reading the last visit"))?;
    tx.execute(
        "INSERT INTO portal_visits (person_id, last_visit_at) VALUES (?1, ?2)
         ON CONFLICT (person_id) DO UPDATE SET last_visit_at = excluded.last_visit_at",
        params![person.0, ts(session.created_at)],
    )
    .map_err(db_err("recording the visit"))?;
    insert(&tx, &session)?;
    tx.commit().map_err(db_err("committing a sign-in"))?;
    Ok(Some(session))
}

pub(super) fn end_session(conn: &mut Connection, session_sha256: &[u8]) -> Result<bool, StoreError> {
    let removed = conn
        .execute("DELETE FROM portal_sessions WHERE session_sha256 = ?1", [session_sha256])
        .map_err(db_err("ending a portal session"))?;
    Ok(removed > 0)
}

fn block_row(row: &Row<'_>) -> rusqlite::Result<FacilityBlock> {
    Ok(FacilityBlock {
        person_id: PersonId(row.get(0)?),
        facility_code: row.get(1)?,
        blocked_at: ts_at(row, 2)?,
        unblocked_at: opt_ts(row, 3)?,
    })
}

pub(super) fn set_block(
    conn: &mut Connection,
    person: PersonId,
    facility_code: &str,
    blocked: bool,
    at: DateTime<Utc>,
) -> Result<FacilityBlock, StoreError> {
    let row = if blocked {
        conn.query_row(
            "INSERT INTO facility_blocks (person_id, facility_code, blocked_at, unblocked_at) VALUES (?1, ?2, ?3, NULL)
             ON CONFLICT (person_id, facility_code) DO UPDATE SET blocked_at = excluded.blocked_at, unblocked_at = NULL
             RETURNING person_id, facility_code, blocked_at, unblocked_at",
            params![person.0, facility_code, ts(at)],
            block_row,
        )
        .optional()
    } else {
        conn.query_row(
            "UPDATE facility_blocks SET unblocked_at = COALESCE(unblocked_at, ?3)
             WHERE person_id = ?1 AND facility_code = ?2
             RETURNING person_id, facility_code, blocked_at, unblocked_at",
            params![person.0, facility_code, ts(at)],
            block_row,
        )
        .optional()
    };
    match row {
        Ok(Some(block)) => Ok(block),
        Ok(None) => Err(StoreError::NotFound { what: format!("no block of facility {facility_code}") }),
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            Err(StoreError::NotFound { what: format!("no facility {facility_code}") })
        }
        Err(e) => Err(StoreError::unavailable("recording a facility block", e)),
    }
}

pub(super) fn blocks_of_person(conn: &Connection, person: PersonId) -> Result<Vec<FacilityBlock>, StoreError> {
    let mut statement = conn
        .prepare_cached(
            "SELECT person_id, facility_code, blocked_at, unblocked_at FROM facility_blocks
             WHERE person_id = ?1 ORDER BY facility_code",
        )
        .map_err(db_err("reading facility blocks"))?;
    let rows = statement.query_map([person.0], block_row).map_err(db_err("reading facility blocks"))?;
    rows.collect::<Result<Vec<_>, _>>().map_err(db_err("reading facility blocks"))
}

pub(super) fn is_blocked(conn: &Connection, person: PersonId, facility_code: &str) -> Result<bool, StoreError> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM facility_blocks
                        WHERE person_id = ?1 AND facility_code = ?2 AND unblocked_at IS NULL)",
        params![person.0, facility_code],
        |row| row.get(0),
    )
    .map_err(db_err("reading a facility block"))
}
