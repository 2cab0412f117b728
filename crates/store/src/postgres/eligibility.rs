//! The eligibility tables on PostgreSQL (see [`crate::eligibility`]).

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};

use onshi_domain::usage::{InsurerTally, QueryTally};

use crate::eligibility::{
    Consent, DocumentKind, EligibilityDocument, EligibilityLogEntry, FacilityClient, OfflineVisit, OfflineVisitRecord,
    Registration, UsageTallies,
};
use crate::medical::StoredConsent;
use crate::{PersonId, StoreError};

use super::db_err;

fn list(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub(super) async fn insert_facility_client(pool: &PgPool, client: &FacilityClient) -> Result<(), StoreError> {
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM facilities WHERE facility_code = $1)")
        .bind(&client.facility_code)
        .fetch_one(pool)
        .await
        .map_err(db_err("looking up the facility"))?;
    if !exists {
        return Err(StoreError::NotFound { what: format!("facility {}", client.facility_code) });
    }
    sqlx::query(
        "INSERT INTO facility_clients (client_id, facility_code, secret_sha256, name, created_at, revoked_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&client.client_id)
    .bind(&client.facility_code)
    .bind(&client.secret_sha256)
    .bind(&client.name)
    .bind(client.created_at)
    .bind(client.revoked_at)
    .execute(pool)
    .await
    .map_err(db_err("recording a facility client"))?;
    Ok(())
}

pub(super) async fn facility_client(pool: &PgPool, client_id: &str) -> Result<Option<FacilityClient>, StoreError> {
    let row = sqlx::query(
        "SELECT client_id, facility_code, secret_sha256, name, created_at, revoked_at FROM facility_clients
         WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(pool)
    .await
    .map_err(db_err("reading a facility client"))?;
    row.map(|row| {
        Ok(FacilityClient {
            client_id: row.try_get(0)?,
            facility_code: row.try_get(1)?,
            secret_sha256: row.try_get(2)?,
            name: row.try_get(3)?,
            created_at: row.try_get(4)?,
            revoked_at: row.try_get(5)?,
        })
    })
    .transpose()
    .map_err(db_err("decoding a facility client"))
}

pub(super) async fn record_consent<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    consent: &Consent,
) -> Result<i64, StoreError> {
    sqlx::query_scalar(
        "INSERT INTO consents (person_id, facility_code, categories, given_at, expires_at, media, purpose,
                data_from, data_to, certificate_in_grace)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING consent_id",
    )
    .bind(consent.person_id.0)
    .bind(&consent.facility_code)
    .bind(consent.categories.join(","))
    .bind(consent.given_at)
    .bind(consent.expires_at)
    .bind(&consent.media)
    .bind(&consent.purpose)
    .bind(consent.data_from)
    .bind(consent.data_to)
    .bind(consent.certificate_in_grace)
    .fetch_one(executor)
    .await
    .map_err(db_err("recording a consent"))
}

/// The columns [`consent_row`] reads.
pub(super) const CONSENT_SELECT: &str = "SELECT consent_id, person_id, facility_code, categories, given_at,
    expires_at, media, purpose, data_from, data_to, certificate_in_grace, revoked_at, revoked_by FROM consents";

pub(super) fn consent_row(row: &sqlx::postgres::PgRow) -> Result<StoredConsent, sqlx::Error> {
    let categories: String = row.try_get(3)?;
    Ok(StoredConsent {
        consent_id: row.try_get(0)?,
        consent: Consent {
            person_id: PersonId(row.try_get(1)?),
            facility_code: row.try_get(2)?,
            categories: list(&categories),
            given_at: row.try_get(4)?,
            expires_at: row.try_get(5)?,
            media: row.try_get(6)?,
            purpose: row.try_get(7)?,
            data_from: row.try_get(8)?,
            data_to: row.try_get(9)?,
            certificate_in_grace: row.try_get(10)?,
        },
        revoked_at: row.try_get(11)?,
        revoked_by: row.try_get(12)?,
    })
}

pub(super) async fn consents_of_person(pool: &PgPool, person_id: PersonId) -> Result<Vec<StoredConsent>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{CONSENT_SELECT} WHERE person_id = $1 ORDER BY given_at, consent_id"
    )))
    .bind(person_id.0)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading consents"))?;
    rows.iter().map(consent_row).collect::<Result<Vec<_>, sqlx::Error>>().map_err(db_err("decoding consents"))
}

/// `consents` and log `entries` of several checks in one transaction, one
/// round trip for each table.
pub(super) async fn record_checks(
    pool: &PgPool,
    consents: &[Consent],
    entries: &[EligibilityLogEntry],
) -> Result<(), StoreError> {
    if consents.is_empty() {
        return log_eligibility(pool, entries).await;
    }
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let person: Vec<i64> = consents.iter().map(|c| c.person_id.0).collect();
    let facility: Vec<&str> = consents.iter().map(|c| c.facility_code.as_str()).collect();
    let categories: Vec<String> = consents.iter().map(|c| c.categories.join(",")).collect();
    let given: Vec<DateTime<Utc>> = consents.iter().map(|c| c.given_at).collect();
    let expires: Vec<DateTime<Utc>> = consents.iter().map(|c| c.expires_at).collect();
    let media: Vec<&str> = consents.iter().map(|c| c.media.as_str()).collect();
    let purpose: Vec<&str> = consents.iter().map(|c| c.purpose.as_str()).collect();
    let from: Vec<Option<onshi_domain::Date>> = consents.iter().map(|c| c.data_from).collect();
    let to: Vec<Option<onshi_domain::Date>> = consents.iter().map(|c| c.data_to).collect();
    let grace: Vec<bool> = consents.iter().map(|c| c.certificate_in_grace).collect();
    sqlx::query(
        "INSERT INTO consents (person_id, facility_code, categories, given_at, expires_at, media, purpose,
                data_from, data_to, certificate_in_grace)
         SELECT * FROM UNNEST($1::int8[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[],
                $6::text[], $7::text[], $8::date[], $9::date[], $10::bool[])",
    )
    .bind(person)
    .bind(facility)
    .bind(categories)
    .bind(given)
    .bind(expires)
    .bind(media)
    .bind(purpose)
    .bind(from)
    .bind(to)
    .bind(grace)
    .execute(&mut *tx)
    .await
    .map_err(db_err("recording consents"))?;
    log_eligibility(&mut *tx, entries).await?;
    tx.commit().await.map_err(db_err("committing checks"))
}

pub(super) async fn log_eligibility<'e>(
    executor: impl sqlx::PgExecutor<'e>,
    entries: &[EligibilityLogEntry],
) -> Result<(), StoreError> {
    // One round trip for the whole batch.
    let at: Vec<DateTime<Utc>> = entries.iter().map(|e| e.at).collect();
    let facility: Vec<&str> = entries.iter().map(|e| e.facility_code.as_str()).collect();
    let kind: Vec<&str> = entries.iter().map(|e| e.facility_kind.as_str()).collect();
    let method: Vec<&str> = entries.iter().map(|e| e.method.as_str()).collect();
    let result: Vec<&str> = entries.iter().map(|e| e.result.as_str()).collect();
    let person: Vec<Option<i64>> = entries.iter().map(|e| e.person_id.map(|p| p.0)).collect();
    let insurer: Vec<Option<&str>> = entries.iter().map(|e| e.insurer_number.as_deref()).collect();
    let consent: Vec<String> = entries.iter().map(|e| e.consent_categories.join(",")).collect();
    sqlx::query(
        "INSERT INTO eligibility_log (at, facility_code, facility_kind, method, result, person_id, insurer_number,
                consent_categories)
         SELECT * FROM UNNEST($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int8[],
                $7::text[], $8::text[])",
    )
    .bind(at)
    .bind(facility)
    .bind(kind)
    .bind(method)
    .bind(result)
    .bind(person)
    .bind(insurer)
    .bind(consent)
    .execute(executor)
    .await
    .map_err(db_err("writing the eligibility log"))?;
    Ok(())
}

const SELECT_OFFLINE_VISIT: &str = "SELECT facility_code, visit_id, visited_at, received_at, person_id, result, status,
        answer FROM offline_visits WHERE facility_code = $1 AND visit_id = $2";

fn offline_visit_row(row: &sqlx::postgres::PgRow) -> Result<OfflineVisit, sqlx::Error> {
    let status: i16 = row.try_get(6)?;
    Ok(OfflineVisit {
        facility_code: row.try_get(0)?,
        visit_id: row.try_get(1)?,
        visited_at: row.try_get(2)?,
        received_at: row.try_get(3)?,
        person_id: row.try_get::<Option<i64>, _>(4)?.map(PersonId),
        result: row.try_get(5)?,
        status: u16::try_from(status).unwrap_or_default(),
        answer: row.try_get(7)?,
    })
}

pub(super) async fn offline_visit(
    pool: &PgPool,
    facility_code: &str,
    visit_id: &str,
) -> Result<Option<OfflineVisit>, StoreError> {
    let row = sqlx::query(SELECT_OFFLINE_VISIT)
        .bind(facility_code)
        .bind(visit_id)
        .fetch_optional(pool)
        .await
        .map_err(db_err("reading an offline visit"))?;
    row.as_ref().map(offline_visit_row).transpose().map_err(db_err("decoding an offline visit"))
}

/// The visit, its consent and its log entry in one transaction; the
/// primary key decides who was first (`INSERT … ON CONFLICT DO NOTHING`;
/// a concurrent second insert waits for the first to commit, then does nothing).
pub(super) async fn record_offline_visit(
    pool: &PgPool,
    visit: &OfflineVisit,
    consent: Option<&Consent>,
    log: &EligibilityLogEntry,
) -> Result<OfflineVisitRecord, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let inserted = sqlx::query(
        "INSERT INTO offline_visits (facility_code, visit_id, visited_at, received_at, person_id, result, status,
                answer)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (facility_code, visit_id) DO NOTHING",
    )
    .bind(&visit.facility_code)
    .bind(&visit.visit_id)
    .bind(visit.visited_at)
    .bind(visit.received_at)
    .bind(visit.person_id.map(|p| p.0))
    .bind(&visit.result)
    .bind(i16::try_from(visit.status).unwrap_or(i16::MAX))
    .bind(&visit.answer)
    .execute(&mut *tx)
    .await
    .map_err(db_err("recording an offline visit"))?
    .rows_affected();
    if inserted == 0 {
        let row = sqlx::query(SELECT_OFFLINE_VISIT)
            .bind(&visit.facility_code)
            .bind(&visit.visit_id)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err("reading an offline visit"))?;
        let stored = offline_visit_row(&row).map_err(db_err("decoding an offline visit"))?;
        tx.commit().await.map_err(db_err("ending a transaction"))?;
        return Ok(OfflineVisitRecord::Replayed(stored));
    }
    if let Some(consent) = consent {
        record_consent(&mut *tx, consent).await?;
    }
    sqlx::query(
        "INSERT INTO eligibility_log (at, facility_code, facility_kind, method, result, person_id, insurer_number,
                consent_categories)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(log.at)
    .bind(&log.facility_code)
    .bind(&log.facility_kind)
    .bind(&log.method)
    .bind(&log.result)
    .bind(log.person_id.map(|p| p.0))
    .bind(&log.insurer_number)
    .bind(log.consent_categories.join(","))
    .execute(&mut *tx)
    .await
    .map_err(db_err("writing the eligibility log"))?;
    tx.commit().await.map_err(db_err("committing an offline visit"))?;
    Ok(OfflineVisitRecord::Recorded)
}

pub(super) async fn set_registration(pool: &PgPool, r: &Registration) -> Result<(), StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    sqlx::query(
        "INSERT INTO insurance_registrations (person_id, registered, changed_at, via) VALUES ($1, $2, $3, $4)
         ON CONFLICT (person_id) DO UPDATE SET registered = $2, changed_at = $3, via = $4",
    )
    .bind(r.person_id.0)
    .bind(r.registered)
    .bind(r.changed_at)
    .bind(&r.via)
    .execute(&mut *tx)
    .await
    .map_err(db_err("recording a registration"))?;
    sqlx::query("INSERT INTO registration_events (person_id, registered, at, via) VALUES ($1, $2, $3, $4)")
        .bind(r.person_id.0)
        .bind(r.registered)
        .bind(r.changed_at)
        .bind(&r.via)
        .execute(&mut *tx)
        .await
        .map_err(db_err("recording a registration"))?;
    tx.commit().await.map_err(db_err("committing a registration"))
}

pub(super) async fn registration(pool: &PgPool, person_id: PersonId) -> Result<Option<Registration>, StoreError> {
    let row =
        sqlx::query("SELECT person_id, registered, changed_at, via FROM insurance_registrations WHERE person_id = $1")
            .bind(person_id.0)
            .fetch_optional(pool)
            .await
            .map_err(db_err("reading a registration"))?;
    row.map(|row| {
        Ok(Registration {
            person_id: PersonId(row.try_get(0)?),
            registered: row.try_get(1)?,
            changed_at: row.try_get(2)?,
            via: row.try_get(3)?,
        })
    })
    .transpose()
    .map_err(db_err("decoding a registration"))
}

const DOCUMENT_SELECT: &str =
    "SELECT serial, member_id, person_id, kind, reason, issued_on, valid_until, created_at FROM eligibility_documents";

fn document_row(row: &sqlx::postgres::PgRow) -> Result<EligibilityDocument, StoreError> {
    let read = |e: sqlx::Error| StoreError::unavailable("reading a document", e);
    let serial: String = row.try_get(0).map_err(read)?;
    let kind: String = row.try_get(3).map_err(read)?;
    Ok(EligibilityDocument {
        kind: DocumentKind::from_code(&kind)
            .ok_or_else(|| StoreError::Corrupt { what: format!("document {serial}: kind {kind:?}") })?,
        member_id: crate::MemberId(row.try_get(1).map_err(read)?),
        person_id: row.try_get::<Option<i64>, _>(2).map_err(read)?.map(PersonId),
        reason: row.try_get(4).map_err(read)?,
        issued_on: row.try_get(5).map_err(read)?,
        valid_until: row.try_get(6).map_err(read)?,
        created_at: row.try_get(7).map_err(read)?,
        serial,
    })
}

pub(super) async fn insert_document(pool: &PgPool, d: &EligibilityDocument) -> Result<(), StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO eligibility_documents (serial, member_id, person_id, kind, reason, issued_on, valid_until, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&d.serial)
    .bind(d.member_id.0)
    .bind(d.person_id.map(|p| p.0))
    .bind(d.kind.code())
    .bind(&d.reason)
    .bind(d.issued_on)
    .bind(d.valid_until)
    .bind(d.created_at)
    .execute(pool)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if super::is_unique_violation(&e) => {
            Err(StoreError::Conflict { what: format!("document {} exists", d.serial) })
        }
        Err(e) => Err(StoreError::unavailable("recording a document", e)),
    }
}

pub(super) async fn document(pool: &PgPool, serial: &str) -> Result<Option<EligibilityDocument>, StoreError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{DOCUMENT_SELECT} WHERE serial = $1")))
        .bind(serial)
        .fetch_optional(pool)
        .await
        .map_err(db_err("reading a document"))?;
    row.as_ref().map(document_row).transpose()
}

pub(super) async fn documents_of_member(
    pool: &PgPool,
    member_id: crate::MemberId,
) -> Result<Vec<EligibilityDocument>, StoreError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{DOCUMENT_SELECT} WHERE member_id = $1 ORDER BY issued_on, created_at, serial"
    )))
    .bind(member_id.0)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading documents"))?;
    rows.iter().map(document_row).collect()
}

pub(super) async fn usage_tallies(
    pool: &PgPool,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    members_on: onshi_domain::Date,
) -> Result<UsageTallies, StoreError> {
    let rows = sqlx::query(QUERY_TALLIES)
        .bind(from)
        .bind(to)
        .fetch_all(pool)
        .await
        .map_err(db_err("reading the eligibility log"))?;
    let queries = rows
        .iter()
        .map(|row| {
            Ok(QueryTally {
                facility_kind: row.try_get(0)?,
                method: row.try_get(1)?,
                result: row.try_get(2)?,
                insurer_number: row.try_get(3)?,
                consent_categories: row.try_get(4)?,
                count: row.try_get::<i64, _>(5)?.try_into().unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db_err("decoding the eligibility log"))?;
    let rows = sqlx::query(INSURER_TALLIES)
        .bind(to)
        .bind(members_on)
        .fetch_all(pool)
        .await
        .map_err(db_err("counting members"))?;
    let insurers = rows
        .iter()
        .map(|row| {
            Ok(InsurerTally {
                insurer_number: row.try_get(0)?,
                insurer_name: row.try_get(1)?,
                members: row.try_get::<i64, _>(2)?.try_into().unwrap_or_default(),
                registered: row.try_get::<i64, _>(3)?.try_into().unwrap_or_default(),
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db_err("decoding member counts"))?;
    Ok(UsageTallies { queries, insurers })
}

const QUERY_TALLIES: &str = "SELECT facility_kind, method, result, insurer_number, consent_categories, COUNT(*)
         FROM eligibility_log WHERE at >= $1 AND at < $2
         GROUP BY facility_kind, method, result, insurer_number, consent_categories
         ORDER BY facility_kind, method, result, insurer_number, consent_categories";

const INSURER_TALLIES: &str = "WITH last AS (
             SELECT person_id, MAX(event_id) AS event_id FROM registration_events WHERE at < $1 GROUP BY person_id
         ), registered AS (
             SELECT e.person_id FROM registration_events e JOIN last ON e.event_id = last.event_id WHERE e.registered
         )
         SELECT i.insurer_number, i.name, COUNT(m.member_id), COUNT(registered.person_id)
         FROM insurers i
         LEFT JOIN members m ON m.insurer_number = i.insurer_number
             AND m.acquired_on <= $2 AND (m.lost_on IS NULL OR m.lost_on > $2)
         LEFT JOIN registered ON registered.person_id = m.person_id
         GROUP BY i.insurer_number, i.name
         ORDER BY i.insurer_number";
