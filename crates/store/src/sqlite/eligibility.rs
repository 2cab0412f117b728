//! The eligibility tables on SQLite (see [`crate::eligibility`]).

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Row, params};

use onshi_domain::usage::{InsurerTally, QueryTally};

use crate::eligibility::{
    Consent, DocumentKind, EligibilityDocument, EligibilityLogEntry, FacilityClient, OfflineVisit, OfflineVisitRecord,
    Registration, UsageTallies,
};
use crate::medical::StoredConsent;
use crate::{PersonId, StoreError};

use super::db_err;
use super::rows::{ts, ts_at};

fn list(text: &str) -> Vec<String> {
    text.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

pub(super) fn insert_facility_client(conn: &Connection, client: &FacilityClient) -> Result<(), StoreError> {
    let exists: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM facilities WHERE facility_code = ?1)", [&client.facility_code], |r| {
            r.get(0)
        })
        .map_err(db_err("looking up the facility"))?;
    if !exists {
        return Err(StoreError::NotFound { what: format!("facility {}", client.facility_code) });
    }
    conn.execute(
        "INSERT INTO facility_clients (client_id, facility_code, secret_sha256, name, created_at, revoked_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            client.client_id,
            client.facility_code,
            client.secret_sha256,
            client.name,
            ts(client.created_at),
            client.revoked_at.map(ts)
        ],
    )
    .map_err(db_err("recording a facility client"))?;
    Ok(())
}

pub(super) fn facility_client(conn: &Connection, client_id: &str) -> Result<Option<FacilityClient>, StoreError> {
    conn.prepare_cached(
        "SELECT client_id, facility_code, secret_sha256, name, created_at, revoked_at FROM facility_clients
         WHERE client_id = ?1",
    )
    .and_then(|mut stmt| {
        stmt.query_row([client_id], |row| {
            let revoked: Option<String> = row.get(5)?;
            Ok(FacilityClient {
                client_id: row.get(0)?,
                facility_code: row.get(1)?,
                secret_sha256: row.get(2)?,
                name: row.get(3)?,
                created_at: ts_at(row, 4)?,
                revoked_at: match revoked {
                    Some(_) => Some(ts_at(row, 5)?),
                    None => None,
                },
            })
        })
        .optional()
    })
    .map_err(db_err("reading a facility client"))
}

pub(super) fn record_consent(conn: &Connection, consent: &Consent) -> Result<i64, StoreError> {
    conn.prepare_cached(
        "INSERT INTO consents (person_id, facility_code, categories, given_at, expires_at, media, purpose,
                data_from, data_to, certificate_in_grace)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![
            consent.person_id.0,
            consent.facility_code,
            consent.categories.join(","),
            ts(consent.given_at),
            ts(consent.expires_at),
            consent.media,
            consent.purpose,
            consent.data_from.map(super::rows::iso),
            consent.data_to.map(super::rows::iso),
            consent.certificate_in_grace,
        ])
    })
    .map_err(db_err("recording a consent"))?;
    Ok(conn.last_insert_rowid())
}

/// The columns [`consent_row`] reads.
pub(super) const CONSENT_SELECT: &str = "SELECT consent_id, person_id, facility_code, categories, given_at,
    expires_at, media, purpose, data_from, data_to, certificate_in_grace, revoked_at, revoked_by FROM consents";

pub(super) fn consent_row(row: &Row<'_>) -> rusqlite::Result<StoredConsent> {
    let date = |idx: usize| -> rusqlite::Result<Option<onshi_domain::Date>> {
        match row.get::<_, Option<String>>(idx)? {
            None => Ok(None),
            Some(_) => date_at(row, idx).map(Some),
        }
    };
    Ok(StoredConsent {
        consent_id: row.get(0)?,
        consent: Consent {
            person_id: PersonId(row.get(1)?),
            facility_code: row.get(2)?,
            categories: list(&row.get::<_, String>(3)?),
            given_at: ts_at(row, 4)?,
            expires_at: ts_at(row, 5)?,
            media: row.get(6)?,
            purpose: row.get(7)?,
            data_from: date(8)?,
            data_to: date(9)?,
            certificate_in_grace: row.get(10)?,
        },
        revoked_at: match row.get::<_, Option<String>>(11)? {
            None => None,
            Some(_) => Some(ts_at(row, 11)?),
        },
        revoked_by: row.get(12)?,
    })
}

pub(super) fn consents_of_person(conn: &Connection, person_id: PersonId) -> Result<Vec<StoredConsent>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{CONSENT_SELECT} WHERE person_id = ?1 ORDER BY given_at, consent_id"))
        .map_err(db_err("preparing the consents query"))?;
    stmt.query_map([person_id.0], consent_row)
        .map_err(db_err("reading consents"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading consents"))
}

/// `consents` and log `entries` in one transaction.
pub(super) fn log_eligibility(
    conn: &mut Connection,
    consents: &[Consent],
    entries: &[EligibilityLogEntry],
) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    for consent in consents {
        record_consent(&tx, consent)?;
    }
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO eligibility_log (at, facility_code, facility_kind, method, result, person_id,
                        insurer_number, consent_categories)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .map_err(db_err("preparing the eligibility log"))?;
        for e in entries {
            insert
                .execute(params![
                    ts(e.at),
                    e.facility_code,
                    e.facility_kind,
                    e.method,
                    e.result,
                    e.person_id.map(|p| p.0),
                    e.insurer_number,
                    e.consent_categories.join(",")
                ])
                .map_err(db_err("writing the eligibility log"))?;
        }
    }
    tx.commit().map_err(db_err("committing the eligibility log"))
}

const OFFLINE_VISIT_COLUMNS: &str =
    "facility_code, visit_id, visited_at, received_at, person_id, result, status, answer";

fn offline_visit_row(row: &Row<'_>) -> rusqlite::Result<OfflineVisit> {
    Ok(OfflineVisit {
        facility_code: row.get(0)?,
        visit_id: row.get(1)?,
        visited_at: ts_at(row, 2)?,
        received_at: ts_at(row, 3)?,
        person_id: row.get::<_, Option<i64>>(4)?.map(PersonId),
        result: row.get(5)?,
        status: row.get(6)?,
        answer: row.get(7)?,
    })
}

pub(super) fn offline_visit(
    conn: &Connection,
    facility_code: &str,
    visit_id: &str,
) -> Result<Option<OfflineVisit>, StoreError> {
    conn.prepare_cached(&format!(
        "SELECT {OFFLINE_VISIT_COLUMNS} FROM offline_visits WHERE facility_code = ?1 AND visit_id = ?2"
    ))
    .and_then(|mut stmt| stmt.query_row([facility_code, visit_id], offline_visit_row).optional())
    .map_err(db_err("reading an offline visit"))
}

/// The visit, its consent and its log entry in one transaction; the
/// primary key decides who was first (`INSERT … ON CONFLICT DO NOTHING`).
pub(super) fn record_offline_visit(
    conn: &mut Connection,
    visit: &OfflineVisit,
    consent: Option<&Consent>,
    log: &EligibilityLogEntry,
) -> Result<OfflineVisitRecord, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let inserted = tx
        .execute(
            &format!(
                "INSERT INTO offline_visits ({OFFLINE_VISIT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (facility_code, visit_id) DO NOTHING"
            ),
            params![
                visit.facility_code,
                visit.visit_id,
                ts(visit.visited_at),
                ts(visit.received_at),
                visit.person_id.map(|p| p.0),
                visit.result,
                visit.status,
                visit.answer
            ],
        )
        .map_err(db_err("recording an offline visit"))?;
    if inserted == 0 {
        let stored = offline_visit(&tx, &visit.facility_code, &visit.visit_id)?.ok_or_else(|| {
            StoreError::NotFound { what: format!("offline visit {} of {}", visit.visit_id, visit.facility_code) }
        })?;
        return Ok(OfflineVisitRecord::Replayed(stored));
    }
    if let Some(consent) = consent {
        record_consent(&tx, consent)?;
    }
    tx.execute(
        "INSERT INTO eligibility_log (at, facility_code, facility_kind, method, result, person_id,
                insurer_number, consent_categories)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            ts(log.at),
            log.facility_code,
            log.facility_kind,
            log.method,
            log.result,
            log.person_id.map(|p| p.0),
            log.insurer_number,
            log.consent_categories.join(",")
        ],
    )
    .map_err(db_err("writing the eligibility log"))?;
    tx.commit().map_err(db_err("committing an offline visit"))?;
    Ok(OfflineVisitRecord::Recorded)
}

pub(super) fn set_registration(conn: &mut Connection, r: &Registration) -> Result<(), StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.execute(
        "INSERT INTO insurance_registrations (person_id, registered, changed_at, via) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (person_id) DO UPDATE SET registered = ?2, changed_at = ?3, via = ?4",
        params![r.person_id.0, r.registered, ts(r.changed_at), r.via],
    )
    .map_err(db_err("recording a registration"))?;
    tx.execute(
        "INSERT INTO registration_events (person_id, registered, at, via) VALUES (?1, ?2, ?3, ?4)",
        params![r.person_id.0, r.registered, ts(r.changed_at), r.via],
    )
    .map_err(db_err("recording a registration"))?;
    tx.commit().map_err(db_err("committing a registration"))
}

pub(super) fn registration(conn: &Connection, person_id: PersonId) -> Result<Option<Registration>, StoreError> {
    conn.query_row(
        "SELECT person_id, registered, changed_at, via FROM insurance_registrations WHERE person_id = ?1",
        [person_id.0],
        |row| {
            Ok(Registration {
                person_id: PersonId(row.get(0)?),
                registered: row.get(1)?,
                changed_at: ts_at(row, 2)?,
                via: row.get(3)?,
            })
        },
    )
    .optional()
    .map_err(db_err("reading a registration"))
}

pub(super) fn date_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<onshi_domain::Date> {
    let text: String = row.get(idx)?;
    onshi_domain::Date::parse_from_str(&text, "%Y-%m-%d")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

const DOCUMENT_SELECT: &str =
    "SELECT serial, member_id, person_id, kind, reason, issued_on, valid_until, created_at FROM eligibility_documents";

fn document_row(row: &Row<'_>) -> rusqlite::Result<(EligibilityDocument, String)> {
    let kind: String = row.get(3)?;
    let valid_until: Option<String> = row.get(6)?;
    Ok((
        EligibilityDocument {
            serial: row.get(0)?,
            member_id: crate::MemberId(row.get(1)?),
            person_id: row.get::<_, Option<i64>>(2)?.map(PersonId),
            kind: DocumentKind::Notice,
            reason: row.get(4)?,
            issued_on: date_at(row, 5)?,
            valid_until: match valid_until {
                Some(_) => Some(date_at(row, 6)?),
                None => None,
            },
            created_at: ts_at(row, 7)?,
        },
        kind,
    ))
}

fn decode_document((mut document, kind): (EligibilityDocument, String)) -> Result<EligibilityDocument, StoreError> {
    document.kind = DocumentKind::from_code(&kind)
        .ok_or_else(|| StoreError::Corrupt { what: format!("document {}: kind {kind:?}", document.serial) })?;
    Ok(document)
}

pub(super) fn insert_document(conn: &Connection, d: &EligibilityDocument) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO eligibility_documents (serial, member_id, person_id, kind, reason, issued_on, valid_until, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            d.serial,
            d.member_id.0,
            d.person_id.map(|p| p.0),
            d.kind.code(),
            d.reason,
            super::rows::iso(d.issued_on),
            d.valid_until.map(super::rows::iso),
            ts(d.created_at)
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(ref f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            StoreError::Conflict { what: format!("document {} exists", d.serial) }
        }
        other => StoreError::unavailable("recording a document", other),
    })?;
    Ok(())
}

pub(super) fn document(conn: &Connection, serial: &str) -> Result<Option<EligibilityDocument>, StoreError> {
    conn.query_row(&format!("{DOCUMENT_SELECT} WHERE serial = ?1"), [serial], document_row)
        .optional()
        .map_err(db_err("reading a document"))?
        .map(decode_document)
        .transpose()
}

pub(super) fn documents_of_member(
    conn: &Connection,
    member_id: crate::MemberId,
) -> Result<Vec<EligibilityDocument>, StoreError> {
    let mut stmt = conn
        .prepare_cached(&format!("{DOCUMENT_SELECT} WHERE member_id = ?1 ORDER BY issued_on, created_at, serial"))
        .map_err(db_err("preparing the documents query"))?;
    let rows = stmt
        .query_map([member_id.0], document_row)
        .map_err(db_err("reading documents"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading documents"))?;
    rows.into_iter().map(decode_document).collect()
}

pub(super) fn usage_tallies(
    conn: &Connection,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
    members_on: onshi_domain::Date,
) -> Result<UsageTallies, StoreError> {
    let mut stmt = conn.prepare(QUERY_TALLIES).map_err(db_err("reading the eligibility log"))?;
    let queries = stmt
        .query_map(params![ts(from), ts(to)], |row| {
            Ok(QueryTally {
                facility_kind: row.get(0)?,
                method: row.get(1)?,
                result: row.get(2)?,
                insurer_number: row.get(3)?,
                consent_categories: row.get(4)?,
                count: row.get::<_, i64>(5)?.try_into().unwrap_or_default(),
            })
        })
        .map_err(db_err("reading the eligibility log"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading the eligibility log"))?;
    let mut stmt = conn.prepare(INSURER_TALLIES).map_err(db_err("counting members"))?;
    let insurers = stmt
        .query_map(params![ts(to), members_on.to_string()], |row| {
            Ok(InsurerTally {
                insurer_number: row.get(0)?,
                insurer_name: row.get(1)?,
                members: row.get::<_, i64>(2)?.try_into().unwrap_or_default(),
                registered: row.get::<_, i64>(3)?.try_into().unwrap_or_default(),
            })
        })
        .map_err(db_err("counting members"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("counting members"))?;
    Ok(UsageTallies { queries, insurers })
}

const QUERY_TALLIES: &str = "SELECT facility_kind, method, result, insurer_number, consent_categories, COUNT(*)
         FROM eligibility_log WHERE at >= ?1 AND at < ?2
         GROUP BY facility_kind, method, result, insurer_number, consent_categories
         ORDER BY facility_kind, method, result, insurer_number, consent_categories";

const INSURER_TALLIES: &str = "WITH last AS (
             SELECT person_id, MAX(event_id) AS event_id FROM registration_events WHERE at < ?1 GROUP BY person_id
         ), registered AS (
             SELECT e.person_id FROM registration_events e JOIN last ON e.event_id = last.event_id WHERE e.registered
         )
         SELECT i.insurer_number, i.name, COUNT(m.member_id), COUNT(registered.person_id)
         FROM insurers i
         LEFT JOIN members m ON m.insurer_number = i.insurer_number
             AND m.acquired_on <= ?2 AND (m.lost_on IS NULL OR m.lost_on > ?2)
         LEFT JOIN registered ON registered.person_id = m.person_id
         GROUP BY i.insurer_number, i.name
         ORDER BY i.insurer_number";
