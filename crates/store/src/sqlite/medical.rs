//! Medical information on SQLite (see [`crate::medical`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use onshi_domain::Date;
use onshi_domain::audit::{Access, Entry, head_message};

use crate::medical::{
    AccessHead, Crew, CrewClient, NewRecord, PersonLog, Signer, Staff, StoredConsent, StoredRecord, hash32,
};
use crate::{BatchOutcome, MemberId, PersonId, RowConflict, StoreError};

use super::db_err;
use super::eligibility::{CONSENT_SELECT, consent_row, date_at};
use super::rows::{iso, ts, ts_at};

fn opt_ts(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    match row.get::<_, Option<String>>(idx)? {
        None => Ok(None),
        Some(_) => ts_at(row, idx).map(Some),
    }
}

pub(super) fn upsert_records(
    conn: &mut Connection,
    records: &[NewRecord],
    at: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    let at = ts(at);
    let mut out = BatchOutcome::default();
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    {
        let mut member = tx
            .prepare_cached(
                "SELECT member_id FROM members WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND branch = ?4",
            )
            .map_err(db_err("preparing the member lookup"))?;
        let mut existing = tx
            .prepare_cached(
                "SELECT member_id, on_date, body FROM medical_records
                 WHERE insurer_number = ?1 AND kind = ?2 AND record_id = ?3",
            )
            .map_err(db_err("preparing the record lookup"))?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO medical_records (insurer_number, kind, record_id, member_id, on_date, body, imported_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )
            .map_err(db_err("preparing the record insert"))?;
        let mut update = tx
            .prepare_cached(
                "UPDATE medical_records SET member_id = ?4, on_date = ?5, body = ?6, imported_at = ?7
                 WHERE insurer_number = ?1 AND kind = ?2 AND record_id = ?3",
            )
            .map_err(db_err("preparing the record update"))?;
        let mut members: HashMap<&onshi_domain::insurance::MemberKey, Option<i64>> = HashMap::new();
        for (idx, record) in records.iter().enumerate() {
            let key = &record.key;
            let member_id = match members.get(key) {
                Some(found) => *found,
                None => {
                    let found = member
                        .query_row(
                            params![
                                key.insurer_number.as_str(),
                                key.symbol.as_str(),
                                key.number.as_str(),
                                key.branch.value()
                            ],
                            |row| row.get::<_, i64>(0),
                        )
                        .optional()
                        .map_err(db_err("looking up a member"))?;
                    members.insert(key, found);
                    found
                }
            };
            let Some(member_id) = member_id else {
                out.rejected.push((idx, RowConflict::UnknownMember { key: key.to_string() }));
                continue;
            };
            let insurer = key.insurer_number.as_str();
            let on = iso(record.on);
            let before = existing
                .query_row(params![insurer, record.kind, record.record_id], |row| {
                    Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?, row.get::<_, String>(2)?))
                })
                .optional()
                .map_err(db_err("reading a record"))?;
            let values = params![insurer, record.kind, record.record_id, member_id, on, record.body, at];
            match before {
                None => {
                    insert.execute(values).map_err(db_err("writing a record"))?;
                    out.inserted += 1;
                }
                Some((m, d, b)) if m == member_id && d == on && b == record.body => out.unchanged += 1,
                Some(_) => {
                    update.execute(values).map_err(db_err("updating a record"))?;
                    out.updated += 1;
                }
            }
        }
    }
    tx.commit().map_err(db_err("committing records"))?;
    Ok(out)
}

pub(super) fn records_of_person(
    conn: &Connection,
    person_id: PersonId,
    kinds: &[String],
    from: Date,
) -> Result<Vec<StoredRecord>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT r.member_id, r.insurer_number, r.kind, r.record_id, r.on_date, r.body
             FROM members m JOIN medical_records r ON r.member_id = m.member_id
             WHERE m.person_id = ?1 AND m.link_state <> 'suspended' AND r.kind = ?2 AND r.on_date >= ?3
             ORDER BY r.on_date DESC, r.record_id DESC",
        )
        .map_err(db_err("preparing the records query"))?;
    let from = iso(from);
    let mut out = Vec::new();
    for kind in kinds {
        let rows = stmt
            .query_map(params![person_id.0, kind, from], |row| {
                Ok(StoredRecord {
                    member_id: MemberId(row.get(0)?),
                    insurer_number: row.get(1)?,
                    kind: row.get(2)?,
                    record_id: row.get(3)?,
                    on: date_at(row, 4)?,
                    body: row.get(5)?,
                })
            })
            .map_err(db_err("reading records"))?;
        for row in rows {
            out.push(row.map_err(db_err("reading records"))?);
        }
    }
    if kinds.len() > 1 {
        out.sort_by(|a, b| b.on.cmp(&a.on).then_with(|| b.record_id.cmp(&a.record_id)));
    }
    Ok(out)
}

pub(super) fn record_counts(conn: &Connection) -> Result<(u64, u64), StoreError> {
    conn.query_row(
        "SELECT COALESCE(SUM(CASE WHEN m.person_id IS NULL OR m.link_state = 'suspended' THEN 1 ELSE 0 END), 0),
                COUNT(*)
         FROM medical_records r JOIN members m ON m.member_id = r.member_id",
        [],
        |row| Ok((row.get::<_, i64>(0)? as u64, row.get::<_, i64>(1)? as u64)),
    )
    .map_err(db_err("counting records"))
}

pub(super) fn consents_in_force(
    conn: &Connection,
    person_id: PersonId,
    facility_code: &str,
    at: DateTime<Utc>,
) -> Result<Vec<StoredConsent>, StoreError> {
    let at = ts(at);
    let mut stmt = conn
        .prepare_cached(&format!(
            "{CONSENT_SELECT} WHERE facility_code = ?1 AND person_id = ?2 AND expires_at > ?3 AND given_at <= ?3
             AND revoked_at IS NULL ORDER BY given_at DESC, consent_id DESC"
        ))
        .map_err(db_err("preparing the consents query"))?;
    stmt.query_map(params![facility_code, person_id.0, at], consent_row)
        .map_err(db_err("reading consents"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading consents"))
}

pub(super) fn consent(conn: &Connection, consent_id: i64) -> Result<Option<StoredConsent>, StoreError> {
    conn.query_row(&format!("{CONSENT_SELECT} WHERE consent_id = ?1"), [consent_id], consent_row)
        .optional()
        .map_err(db_err("reading a consent"))
}

pub(super) fn revoke_consent(
    conn: &mut Connection,
    consent_id: i64,
    at: DateTime<Utc>,
    by: &str,
) -> Result<StoredConsent, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.execute(
        "UPDATE consents SET revoked_at = ?2, revoked_by = ?3 WHERE consent_id = ?1 AND revoked_at IS NULL",
        params![consent_id, ts(at), by],
    )
    .map_err(db_err("revoking a consent"))?;
    let stored =
        consent(&tx, consent_id)?.ok_or_else(|| StoreError::NotFound { what: format!("consent {consent_id}") })?;
    tx.commit().map_err(db_err("committing a revocation"))?;
    Ok(stored)
}

fn facility_exists(conn: &Connection, code: &str) -> Result<bool, StoreError> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM facilities WHERE facility_code = ?1)", [code], |r| r.get(0))
        .map_err(db_err("looking up the facility"))
}

pub(super) fn upsert_staff(conn: &Connection, staff: &Staff) -> Result<(), StoreError> {
    if !facility_exists(conn, &staff.facility_code)? {
        return Err(StoreError::NotFound { what: format!("facility {}", staff.facility_code) });
    }
    conn.execute(
        "INSERT INTO facility_staff (facility_code, staff_id, name, qualification, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (facility_code, staff_id) DO UPDATE SET name = ?3, qualification = ?4, revoked_at = ?6",
        params![
            staff.facility_code,
            staff.staff_id,
            staff.name,
            staff.qualification,
            ts(staff.created_at),
            staff.revoked_at.map(ts)
        ],
    )
    .map_err(db_err("recording a staff member"))?;
    Ok(())
}

pub(super) fn staff(conn: &Connection, facility_code: &str, staff_id: &str) -> Result<Option<Staff>, StoreError> {
    conn.query_row(
        "SELECT facility_code, staff_id, name, qualification, created_at, revoked_at FROM facility_staff
         WHERE facility_code = ?1 AND staff_id = ?2",
        params![facility_code, staff_id],
        |row| {
            Ok(Staff {
                facility_code: row.get(0)?,
                staff_id: row.get(1)?,
                name: row.get(2)?,
                qualification: row.get(3)?,
                created_at: ts_at(row, 4)?,
                revoked_at: opt_ts(row, 5)?,
            })
        },
    )
    .optional()
    .map_err(db_err("reading a staff member"))
}

pub(super) fn set_emergency(
    conn: &Connection,
    code: &str,
    designated: bool,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), StoreError> {
    if !facility_exists(conn, code)? {
        return Err(StoreError::NotFound { what: format!("facility {code}") });
    }
    if designated {
        conn.execute(
            "INSERT INTO emergency_facilities (facility_code, designated_at, designated_by) VALUES (?1, ?2, ?3)
             ON CONFLICT (facility_code) DO NOTHING",
            params![code, ts(at), by],
        )
    } else {
        conn.execute("DELETE FROM emergency_facilities WHERE facility_code = ?1", [code])
    }
    .map_err(db_err("designating an emergency facility"))?;
    Ok(())
}

pub(super) fn is_emergency(conn: &Connection, code: &str) -> Result<bool, StoreError> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM emergency_facilities WHERE facility_code = ?1)")
        .and_then(|mut stmt| stmt.query_row([code], |r| r.get(0)))
        .map_err(db_err("reading the emergency designation"))
}

pub(super) fn upsert_crew(conn: &Connection, crew: &Crew) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO crews (crew_code, name, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (crew_code) DO UPDATE SET name = ?2",
        params![crew.crew_code, crew.name, ts(crew.created_at)],
    )
    .map_err(db_err("recording a fire department"))?;
    Ok(())
}

pub(super) fn crew(conn: &Connection, code: &str) -> Result<Option<Crew>, StoreError> {
    conn.query_row("SELECT crew_code, name, created_at FROM crews WHERE crew_code = ?1", [code], |row| {
        Ok(Crew { crew_code: row.get(0)?, name: row.get(1)?, created_at: ts_at(row, 2)? })
    })
    .optional()
    .map_err(db_err("reading a fire department"))
}

pub(super) fn insert_crew_client(conn: &Connection, client: &CrewClient) -> Result<(), StoreError> {
    if crew(conn, &client.crew_code)?.is_none() {
        return Err(StoreError::NotFound { what: format!("fire department {}", client.crew_code) });
    }
    conn.execute(
        "INSERT INTO crew_clients (client_id, crew_code, secret_sha256, name, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            client.client_id,
            client.crew_code,
            client.secret_sha256,
            client.name,
            ts(client.created_at),
            client.revoked_at.map(ts)
        ],
    )
    .map_err(|e| {
        if super::is_unique_violation(&e) || matches!(&e, rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
        {
            StoreError::Conflict { what: format!("client id {} is in use", client.client_id) }
        } else {
            StoreError::unavailable("recording a crew client", e)
        }
    })?;
    Ok(())
}

pub(super) fn crew_client(conn: &Connection, client_id: &str) -> Result<Option<CrewClient>, StoreError> {
    conn.query_row(
        "SELECT client_id, crew_code, secret_sha256, name, created_at, revoked_at FROM crew_clients
         WHERE client_id = ?1",
        [client_id],
        |row| {
            Ok(CrewClient {
                client_id: row.get(0)?,
                crew_code: row.get(1)?,
                secret_sha256: row.get(2)?,
                name: row.get(3)?,
                created_at: ts_at(row, 4)?,
                revoked_at: opt_ts(row, 5)?,
            })
        },
    )
    .optional()
    .map_err(db_err("reading a crew client"))
}

pub(super) fn append(conn: &mut Connection, accesses: Vec<Access>, signer: &Signer) -> Result<Vec<Entry>, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let mut out = Vec::with_capacity(accesses.len());
    {
        let mut head = tx
            .prepare_cached("SELECT seq, hash FROM access_log_heads WHERE person_id = ?1")
            .map_err(db_err("preparing the head lookup"))?;
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO access_log (person_id, seq, at, actor_kind, actor_id, staff_id, member_id, category,
                        purpose, basis, basis_ref, prev_hash, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )
            .map_err(db_err("preparing the log insert"))?;
        let mut set_head = tx
            .prepare_cached(
                "INSERT INTO access_log_heads (person_id, seq, hash, signature, at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (person_id) DO UPDATE SET seq = ?2, hash = ?3, signature = ?4, at = ?5",
            )
            .map_err(db_err("preparing the head update"))?;
        for access in accesses {
            let person = access.person;
            let last = head
                .query_row([person], |row| Ok((row.get::<_, i64>(0)?, row.get::<_, Vec<u8>>(1)?)))
                .optional()
                .map_err(db_err("reading a log head"))?
                .map(|(seq, hash)| hash32(&hash, "a log head's hash").map(|h| (seq as u64, h)))
                .transpose()?;
            let entry = onshi_domain::audit::chain(access, last);
            let a = &entry.access;
            insert
                .execute(params![
                    a.person,
                    entry.seq as i64,
                    ts(a.at),
                    a.actor_kind,
                    a.actor_id,
                    a.staff_id,
                    a.member_id,
                    a.category,
                    a.purpose,
                    a.basis,
                    a.basis_ref,
                    &entry.prev_hash[..],
                    &entry.hash[..]
                ])
                .map_err(db_err("writing the access log"))?;
            let signature = signer.sign(&head_message(person, entry.seq, &entry.hash));
            set_head
                .execute(params![person, entry.seq as i64, &entry.hash[..], signature, ts(a.at)])
                .map_err(db_err("writing a log head"))?;
            out.push(entry);
        }
    }
    tx.commit().map_err(db_err("committing the access log"))?;
    Ok(out)
}

const ENTRY_SELECT: &str = "SELECT person_id, seq, at, actor_kind, actor_id, staff_id, member_id, category, purpose,
    basis, basis_ref, prev_hash, hash FROM access_log";

fn entry_row(row: &Row<'_>) -> rusqlite::Result<(Entry, Vec<u8>, Vec<u8>)> {
    let entry = Entry {
        seq: row.get::<_, i64>(1)? as u64,
        access: Access {
            person: row.get(0)?,
            at: ts_at(row, 2)?,
            actor_kind: row.get(3)?,
            actor_id: row.get(4)?,
            staff_id: row.get(5)?,
            member_id: row.get(6)?,
            category: row.get(7)?,
            purpose: row.get(8)?,
            basis: row.get(9)?,
            basis_ref: row.get(10)?,
        },
        prev_hash: [0; 32],
        hash: [0; 32],
    };
    Ok((entry, row.get(11)?, row.get(12)?))
}

fn finish_entry((mut entry, prev, hash): (Entry, Vec<u8>, Vec<u8>)) -> Result<Entry, StoreError> {
    entry.prev_hash = hash32(&prev, "an entry's previous hash")?;
    entry.hash = hash32(&hash, "an entry's hash")?;
    Ok(entry)
}

fn head_row(row: &Row<'_>) -> rusqlite::Result<crate::medical::RawHead> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?, ts_at(row, 4)?))
}

fn finish_head(
    (person, seq, hash, signature, at): (i64, i64, Vec<u8>, Vec<u8>, DateTime<Utc>),
) -> Result<AccessHead, StoreError> {
    Ok(AccessHead {
        person_id: PersonId(person),
        seq: seq as u64,
        hash: hash32(&hash, "a head's hash")?,
        signature,
        at,
    })
}

pub(super) fn log_of_person(conn: &Connection, person_id: PersonId) -> Result<PersonLog, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{ENTRY_SELECT} WHERE person_id = ?1 ORDER BY seq"))
        .map_err(db_err("preparing the log query"))?;
    let raws = stmt
        .query_map([person_id.0], entry_row)
        .map_err(db_err("reading the access log"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading the access log"))?;
    let entries = raws.into_iter().map(finish_entry).collect::<Result<Vec<_>, _>>()?;
    let head = conn
        .query_row(
            "SELECT person_id, seq, hash, signature, at FROM access_log_heads WHERE person_id = ?1",
            [person_id.0],
            head_row,
        )
        .optional()
        .map_err(db_err("reading a log head"))?
        .map(finish_head)
        .transpose()?;
    Ok(PersonLog { entries, head })
}

pub(super) fn log_page(
    conn: &Connection,
    after: Option<(PersonId, u64)>,
    limit: u32,
) -> Result<Vec<Entry>, StoreError> {
    let (person, seq) = after.map_or((i64::MIN, 0), |(p, s)| (p.0, s as i64));
    let mut stmt = conn
        .prepare_cached(&format!(
            "{ENTRY_SELECT} WHERE person_id > ?1 OR (person_id = ?1 AND seq > ?2) ORDER BY person_id, seq LIMIT ?3"
        ))
        .map_err(db_err("preparing the log walk"))?;
    let raws = stmt
        .query_map(params![person, seq, limit], entry_row)
        .map_err(db_err("reading the access log"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading the access log"))?;
    raws.into_iter().map(finish_entry).collect()
}

pub(super) fn heads_page(
    conn: &Connection,
    after: Option<PersonId>,
    limit: u32,
) -> Result<Vec<AccessHead>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT person_id, seq, hash, signature, at FROM access_log_heads WHERE person_id > ?1
             ORDER BY person_id LIMIT ?2",
        )
        .map_err(db_err("preparing the heads walk"))?;
    let raws = stmt
        .query_map(params![after.map_or(i64::MIN, |p| p.0), limit], head_row)
        .map_err(db_err("reading log heads"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading log heads"))?;
    raws.into_iter().map(finish_head).collect()
}
