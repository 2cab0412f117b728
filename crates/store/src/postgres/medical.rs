//! Medical information on PostgreSQL (see [`crate::medical`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgPool, Row};

use onshi_domain::Date;
use onshi_domain::audit::{Access, Entry, head_message};
use onshi_domain::insurance::MemberKey;

use crate::medical::{
    AccessHead, Crew, CrewClient, NewRecord, PersonLog, Signer, Staff, StoredConsent, StoredRecord, hash32,
};
use crate::{BatchOutcome, MemberId, PersonId, RowConflict, StoreError};

use super::db_err;
use super::eligibility::{CONSENT_SELECT, consent_row};

pub(super) async fn upsert_records(
    pool: &PgPool,
    records: &[NewRecord],
    at: DateTime<Utc>,
) -> Result<BatchOutcome, StoreError> {
    let mut out = BatchOutcome::default();
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;

    // Resolve the distinct member keys in one round trip.
    let mut keys: Vec<&MemberKey> = Vec::new();
    let mut index: HashMap<&MemberKey, usize> = HashMap::new();
    for record in records {
        index.entry(&record.key).or_insert_with(|| {
            keys.push(&record.key);
            keys.len() - 1
        });
    }
    let rows = sqlx::query(
        "SELECT k.i, m.member_id
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int2[]) WITH ORDINALITY AS k(ins, sym, num, br, i)
         JOIN members m ON m.insurer_number = k.ins AND m.symbol = k.sym AND m.number = k.num AND m.branch = k.br",
    )
    .bind(keys.iter().map(|k| k.insurer_number.as_str()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.symbol.as_str()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| k.number.as_str()).collect::<Vec<_>>())
    .bind(keys.iter().map(|k| i16::from(k.branch.value())).collect::<Vec<_>>())
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err("looking up members"))?;
    let mut member_of: Vec<Option<i64>> = vec![None; keys.len()];
    for row in rows {
        let i: i64 = row.try_get(0).map_err(db_err("decoding a member lookup"))?;
        member_of[(i - 1) as usize] = Some(row.try_get(1).map_err(db_err("decoding a member lookup"))?);
    }

    // The last occurrence of a record id in the batch wins; earlier ones
    // count as unchanged.
    let mut last: HashMap<(&str, &str, &str), usize> = HashMap::new();
    for (idx, record) in records.iter().enumerate() {
        if member_of[index[&record.key]].is_none() {
            out.rejected.push((idx, RowConflict::UnknownMember { key: record.key.to_string() }));
            continue;
        }
        if last.insert((record.key.insurer_number.as_str(), &record.kind, &record.record_id), idx).is_some() {
            out.unchanged += 1;
        }
    }
    let mut chosen: Vec<usize> = last.into_values().collect();
    chosen.sort_unstable();
    let sent = chosen.len() as u64;
    let inserted: Vec<bool> = sqlx::query_scalar(
        "INSERT INTO medical_records (insurer_number, kind, record_id, member_id, on_date, body, imported_at)
         SELECT t.ins, t.kind, t.rid, t.mid, t.d, t.body, $7
         FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int8[], $5::date[], $6::text[])
              AS t(ins, kind, rid, mid, d, body)
         ON CONFLICT (insurer_number, kind, record_id) DO UPDATE
             SET member_id = EXCLUDED.member_id, on_date = EXCLUDED.on_date, body = EXCLUDED.body,
                 imported_at = EXCLUDED.imported_at
             WHERE (medical_records.member_id, medical_records.on_date, medical_records.body)
                   IS DISTINCT FROM (EXCLUDED.member_id, EXCLUDED.on_date, EXCLUDED.body)
         RETURNING (xmax = 0)",
    )
    .bind(chosen.iter().map(|&i| records[i].key.insurer_number.as_str()).collect::<Vec<_>>())
    .bind(chosen.iter().map(|&i| records[i].kind.as_str()).collect::<Vec<_>>())
    .bind(chosen.iter().map(|&i| records[i].record_id.as_str()).collect::<Vec<_>>())
    .bind(chosen.iter().map(|&i| member_of[index[&records[i].key]].unwrap_or_default()).collect::<Vec<_>>())
    .bind(chosen.iter().map(|&i| records[i].on).collect::<Vec<Date>>())
    .bind(chosen.iter().map(|&i| records[i].body.as_str()).collect::<Vec<_>>())
    .bind(at)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err("writing records"))?;
    tx.commit().await.map_err(db_err("committing records"))?;
    let new = inserted.iter().filter(|&&i| i).count() as u64;
    out.inserted += new;
    out.updated += inserted.len() as u64 - new;
    out.unchanged += sent - inserted.len() as u64;
    Ok(out)
}

pub(super) async fn records_of_person(
    pool: &PgPool,
    person_id: PersonId,
    kinds: &[String],
    from: Date,
) -> Result<Vec<StoredRecord>, StoreError> {
    let rows = sqlx::query(
        "SELECT r.member_id, r.insurer_number, r.kind, r.record_id, r.on_date, r.body
         FROM members m JOIN medical_records r ON r.member_id = m.member_id
         WHERE m.person_id = $1 AND m.link_state <> 'suspended' AND r.kind = ANY($2) AND r.on_date >= $3
         ORDER BY r.on_date DESC, r.record_id DESC",
    )
    .bind(person_id.0)
    .bind(kinds)
    .bind(from)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading records"))?;
    rows.iter()
        .map(|row| {
            Ok(StoredRecord {
                member_id: MemberId(row.try_get(0)?),
                insurer_number: row.try_get(1)?,
                kind: row.try_get(2)?,
                record_id: row.try_get(3)?,
                on: row.try_get(4)?,
                body: row.try_get(5)?,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db_err("decoding records"))
}

pub(super) async fn record_counts(pool: &PgPool) -> Result<(u64, u64), StoreError> {
    let (held, all): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*) FILTER (WHERE m.person_id IS NULL OR m.link_state = 'suspended'), COUNT(*)
         FROM medical_records r JOIN members m ON m.member_id = r.member_id",
    )
    .fetch_one(pool)
    .await
    .map_err(db_err("counting records"))?;
    Ok((held as u64, all as u64))
}

pub(super) async fn consents_in_force(
    pool: &PgPool,
    person_id: PersonId,
    facility_code: &str,
    at: DateTime<Utc>,
) -> Result<Vec<StoredConsent>, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{CONSENT_SELECT} WHERE facility_code = $1 AND person_id = $2 AND expires_at > $3 AND given_at <= $3
         AND revoked_at IS NULL ORDER BY given_at DESC, consent_id DESC"
    )))
    .bind(facility_code)
    .bind(person_id.0)
    .bind(at)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading consents"))?;
    rows.iter().map(consent_row).collect::<Result<Vec<_>, _>>().map_err(db_err("decoding consents"))
}

pub(super) async fn consent<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    consent_id: i64,
) -> Result<Option<StoredConsent>, StoreError> {
    let row = sqlx::query(AssertSqlSafe(format!("{CONSENT_SELECT} WHERE consent_id = $1")))
        .bind(consent_id)
        .fetch_optional(executor)
        .await
        .map_err(db_err("reading a consent"))?;
    row.as_ref().map(consent_row).transpose().map_err(db_err("decoding a consent"))
}

pub(super) async fn revoke_consent(
    pool: &PgPool,
    consent_id: i64,
    at: DateTime<Utc>,
    by: &str,
) -> Result<StoredConsent, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    sqlx::query("UPDATE consents SET revoked_at = $2, revoked_by = $3 WHERE consent_id = $1 AND revoked_at IS NULL")
        .bind(consent_id)
        .bind(at)
        .bind(by)
        .execute(&mut *tx)
        .await
        .map_err(db_err("revoking a consent"))?;
    let stored = consent(&mut *tx, consent_id)
        .await?
        .ok_or_else(|| StoreError::NotFound { what: format!("consent {consent_id}") })?;
    tx.commit().await.map_err(db_err("committing a revocation"))?;
    Ok(stored)
}

async fn facility_exists(pool: &PgPool, code: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM facilities WHERE facility_code = $1)")
        .bind(code)
        .fetch_one(pool)
        .await
        .map_err(db_err("looking up the facility"))
}

pub(super) async fn upsert_staff(pool: &PgPool, staff: &Staff) -> Result<(), StoreError> {
    if !facility_exists(pool, &staff.facility_code).await? {
        return Err(StoreError::NotFound { what: format!("facility {}", staff.facility_code) });
    }
    sqlx::query(
        "INSERT INTO facility_staff (facility_code, staff_id, name, qualification, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (facility_code, staff_id) DO UPDATE SET name = $3, qualification = $4, revoked_at = $6",
    )
    .bind(&staff.facility_code)
    .bind(&staff.staff_id)
    .bind(&staff.name)
    .bind(&staff.qualification)
    .bind(staff.created_at)
    .bind(staff.revoked_at)
    .execute(pool)
    .await
    .map_err(db_err("recording a staff member"))?;
    Ok(())
}

pub(super) async fn staff(pool: &PgPool, facility_code: &str, staff_id: &str) -> Result<Option<Staff>, StoreError> {
    let row = sqlx::query(
        "SELECT facility_code, staff_id, name, qualification, created_at, revoked_at FROM facility_staff
         WHERE facility_code = $1 AND staff_id = $2",
    )
    .bind(facility_code)
    .bind(staff_id)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading a staff member"))?;
    row.map(|row| {
        Ok(Staff {
            facility_code: row.try_get(0)?,
            staff_id: row.try_get(1)?,
            name: row.try_get(2)?,
            qualification: row.try_get(3)?,
            created_at: row.try_get(4)?,
            revoked_at: row.try_get(5)?,
        })
    })
    .transpose()
    .map_err(db_err("decoding a staff member"))
}

pub(super) async fn set_emergency(
    pool: &PgPool,
    code: &str,
    designated: bool,
    at: DateTime<Utc>,
    by: &str,
) -> Result<(), StoreError> {
    if !facility_exists(pool, code).await? {
        return Err(StoreError::NotFound { what: format!("facility {code}") });
    }
    let query = if designated {
        sqlx::query(
            "INSERT INTO emergency_facilities (facility_code, designated_at, designated_by) VALUES ($1, $2, $3)
             ON CONFLICT (facility_code) DO NOTHING",
        )
        .bind(code)
        .bind(at)
        .bind(by)
    } else {
        sqlx::query("DELETE FROM emergency_facilities WHERE facility_code = $1").bind(code)
    };
    query.execute(pool).await.map_err(db_err("designating an emergency facility"))?;
    Ok(())
}

pub(super) async fn is_emergency(pool: &PgPool, code: &str) -> Result<bool, StoreError> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM emergency_facilities WHERE facility_code = $1)")
        .bind(code)
        .fetch_one(pool)
        .await
        .map_err(db_err("reading the emergency designation"))
}

pub(super) async fn upsert_crew(pool: &PgPool, crew: &Crew) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO crews (crew_code, name, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (crew_code) DO UPDATE SET name = $2",
    )
    .bind(&crew.crew_code)
    .bind(&crew.name)
    .bind(crew.created_at)
    .execute(pool)
    .await
    .map_err(db_err("recording a fire department"))?;
    Ok(())
}

pub(super) async fn crew(pool: &PgPool, code: &str) -> Result<Option<Crew>, StoreError> {
    let row = sqlx::query("SELECT crew_code, name, created_at FROM crews WHERE crew_code = $1")
        .bind(code)
        .fetch_optional(pool)
        .await
        .map_err(db_err("reading a fire department"))?;
    row.map(|row| Ok(Crew { crew_code: row.try_get(0)?, name: row.try_get(1)?, created_at: row.try_get(2)? }))
        .transpose()
        .map_err(db_err("decoding a fire department"))
}

pub(super) async fn insert_crew_client(pool: &PgPool, client: &CrewClient) -> Result<(), StoreError> {
    if crew(pool, &client.crew_code).await?.is_none() {
        return Err(StoreError::NotFound { what: format!("fire department {}", client.crew_code) });
    }
    sqlx::query(
        "INSERT INTO crew_clients (client_id, crew_code, secret_sha256, name, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&client.client_id)
    .bind(&client.crew_code)
    .bind(&client.secret_sha256)
    .bind(&client.name)
    .bind(client.created_at)
    .bind(client.revoked_at)
    .execute(pool)
    .await
    .map_err(|e| {
        if super::is_unique_violation(&e) {
            StoreError::Conflict { what: format!("client id {} is in use", client.client_id) }
        } else {
            StoreError::unavailable("recording a crew client", e)
        }
    })?;
    Ok(())
}

pub(super) async fn crew_client(pool: &PgPool, client_id: &str) -> Result<Option<CrewClient>, StoreError> {
    let row = sqlx::query(
        "SELECT client_id, crew_code, secret_sha256, name, created_at, revoked_at FROM crew_clients
         WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading a crew client"))?;
    row.map(|row| {
        Ok(CrewClient {
            client_id: row.try_get(0)?,
            crew_code: row.try_get(1)?,
            secret_sha256: row.try_get(2)?,
            name: row.try_get(3)?,
            created_at: row.try_get(4)?,
            revoked_at: row.try_get(5)?,
        })
    })
    .transpose()
    .map_err(db_err("decoding a crew client"))
}

pub(super) async fn append(pool: &PgPool, accesses: Vec<Access>, signer: &Signer) -> Result<Vec<Entry>, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    // One writer per person's chain at a time; other people's appends run
    // in parallel. Lock in person order so two batches cannot deadlock.
    let mut people: Vec<i64> = accesses.iter().map(|a| a.person).collect();
    people.sort_unstable();
    people.dedup();
    for person in &people {
        sqlx::query("SELECT pg_advisory_xact_lock(7305, $1::int4)")
            .bind(i32::try_from(*person).unwrap_or(i32::MAX))
            .execute(&mut *tx)
            .await
            .map_err(db_err("locking a person's log"))?;
    }
    let mut out = Vec::with_capacity(accesses.len());
    for access in accesses {
        let person = access.person;
        let last: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT seq, hash FROM access_log_heads WHERE person_id = $1")
                .bind(person)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err("reading a log head"))?;
        let last = last.map(|(seq, hash)| hash32(&hash, "a log head's hash").map(|h| (seq as u64, h))).transpose()?;
        let entry = onshi_domain::audit::chain(access, last);
        let a = &entry.access;
        sqlx::query(
            "INSERT INTO access_log (person_id, seq, at, actor_kind, actor_id, staff_id, member_id, category,
                    purpose, basis, basis_ref, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(a.person)
        .bind(entry.seq as i64)
        .bind(a.at)
        .bind(&a.actor_kind)
        .bind(&a.actor_id)
        .bind(&a.staff_id)
        .bind(a.member_id)
        .bind(&a.category)
        .bind(&a.purpose)
        .bind(&a.basis)
        .bind(&a.basis_ref)
        .bind(&entry.prev_hash[..])
        .bind(&entry.hash[..])
        .execute(&mut *tx)
        .await
        .map_err(db_err("writing the access log"))?;
        let signature = signer.sign(&head_message(person, entry.seq, &entry.hash));
        sqlx::query(
            "INSERT INTO access_log_heads (person_id, seq, hash, signature, at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (person_id) DO UPDATE SET seq = $2, hash = $3, signature = $4, at = $5",
        )
        .bind(person)
        .bind(entry.seq as i64)
        .bind(&entry.hash[..])
        .bind(signature)
        .bind(a.at)
        .execute(&mut *tx)
        .await
        .map_err(db_err("writing a log head"))?;
        out.push(entry);
    }
    tx.commit().await.map_err(db_err("committing the access log"))?;
    Ok(out)
}

const ENTRY_SELECT: &str = "SELECT person_id, seq, at, actor_kind, actor_id, staff_id, member_id, category, purpose,
    basis, basis_ref, prev_hash, hash FROM access_log";

fn entry_row(row: &PgRow) -> Result<Entry, StoreError> {
    let decode = || -> Result<(Entry, Vec<u8>, Vec<u8>), sqlx::Error> {
        let entry = Entry {
            seq: row.try_get::<i64, _>(1)? as u64,
            access: Access {
                person: row.try_get(0)?,
                at: row.try_get(2)?,
                actor_kind: row.try_get(3)?,
                actor_id: row.try_get(4)?,
                staff_id: row.try_get(5)?,
                member_id: row.try_get(6)?,
                category: row.try_get(7)?,
                purpose: row.try_get(8)?,
                basis: row.try_get(9)?,
                basis_ref: row.try_get(10)?,
            },
            prev_hash: [0; 32],
            hash: [0; 32],
        };
        Ok((entry, row.try_get(11)?, row.try_get(12)?))
    };
    let (mut entry, prev, hash) = decode().map_err(db_err("decoding the access log"))?;
    entry.prev_hash = hash32(&prev, "an entry's previous hash")?;
    entry.hash = hash32(&hash, "an entry's hash")?;
    Ok(entry)
}

fn head_row(row: &PgRow) -> Result<AccessHead, StoreError> {
    let decode = || -> Result<crate::medical::RawHead, sqlx::Error> {
        Ok((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?, row.try_get(4)?))
    };
    let (person, seq, hash, signature, at) = decode().map_err(db_err("decoding a log head"))?;
    Ok(AccessHead {
        person_id: PersonId(person),
        seq: seq as u64,
        hash: hash32(&hash, "a head's hash")?,
        signature,
        at,
    })
}

pub(super) async fn log_of_person(pool: &PgPool, person_id: PersonId) -> Result<PersonLog, StoreError> {
    let rows = sqlx::query(AssertSqlSafe(format!("{ENTRY_SELECT} WHERE person_id = $1 ORDER BY seq")))
        .bind(person_id.0)
        .fetch_all(pool)
        .await
        .map_err(db_err("reading the access log"))?;
    let entries = rows.iter().map(entry_row).collect::<Result<Vec<_>, _>>()?;
    let head = sqlx::query("SELECT person_id, seq, hash, signature, at FROM access_log_heads WHERE person_id = $1")
        .bind(person_id.0)
        .fetch_optional(pool)
        .await
        .map_err(db_err("reading a log head"))?;
    Ok(PersonLog { entries, head: head.as_ref().map(head_row).transpose()? })
}

pub(super) async fn log_page(
    pool: &PgPool,
    after: Option<(PersonId, u64)>,
    limit: u32,
) -> Result<Vec<Entry>, StoreError> {
    let (person, seq) = after.map_or((i64::MIN, 0), |(p, s)| (p.0, s as i64));
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{ENTRY_SELECT} WHERE (person_id, seq) > ($1, $2) ORDER BY person_id, seq LIMIT $3"
    )))
    .bind(person)
    .bind(seq)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err("reading the access log"))?;
    rows.iter().map(entry_row).collect()
}

pub(super) async fn heads_page(
    pool: &PgPool,
    after: Option<PersonId>,
    limit: u32,
) -> Result<Vec<AccessHead>, StoreError> {
    let rows = sqlx::query(
        "SELECT person_id, seq, hash, signature, at FROM access_log_heads WHERE person_id > $1
         ORDER BY person_id LIMIT $2",
    )
    .bind(after.map_or(i64::MIN, |p| p.0))
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await
    .map_err(db_err("reading log heads"))?;
    rows.iter().map(head_row).collect()
}
