//! The JPKI tables on SQLite (see [`crate::jpki`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::jpki::{
    self, CardChange, CardEvent, CertKind, Challenge, ChallengeTake, NewCard, NewCertificate, StatusList, StoredCard,
    StoredCertificate,
};
use crate::{PersonId, StoreError};

use super::rows::{ts, ts_at};
use super::{db_err, is_unique_violation, rows};

/// A UNIQUE or PRIMARY KEY constraint refused the row.
fn is_key_violation(err: &rusqlite::Error) -> bool {
    is_unique_violation(err)
        || matches!(err, rusqlite::Error::SqliteFailure(e, _) if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

const CARD_SELECT: &str =
    "SELECT card_serial, person_id, issued_at, expires_on, has_pin, state, state_changed_at FROM cards";

const CERT_SELECT: &str = "SELECT c.serial, c.kind, k.card_serial, c.person_id, c.not_before, c.not_after, c.state,
    c.reason, c.state_changed_at, c.cert_der FROM certificates AS c JOIN cards AS k ON k.card_id = c.card_id";

struct RawCard {
    serial: String,
    person_id: i64,
    issued_at: DateTime<Utc>,
    expires_on: String,
    has_pin: bool,
    state: String,
    changed_at: DateTime<Utc>,
}

fn card_raw(row: &Row<'_>) -> rusqlite::Result<RawCard> {
    Ok(RawCard {
        serial: row.get(0)?,
        person_id: row.get(1)?,
        issued_at: ts_at(row, 2)?,
        expires_on: row.get(3)?,
        has_pin: row.get(4)?,
        state: row.get(5)?,
        changed_at: ts_at(row, 6)?,
    })
}

impl RawCard {
    fn decode(self) -> Result<StoredCard, StoreError> {
        let expires_on = chrono::NaiveDate::parse_from_str(&self.expires_on, "%Y-%m-%d").map_err(|_| {
            StoreError::Corrupt { what: format!("card {}: expires_on {:?}", self.serial, self.expires_on) }
        })?;
        Ok(StoredCard {
            state: jpki::decode_card_state(&self.serial, &self.state)?,
            card_serial: self.serial,
            person_id: PersonId(self.person_id),
            issued_at: self.issued_at,
            expires_on,
            has_pin: self.has_pin,
            state_changed_at: self.changed_at,
        })
    }
}

struct RawCert {
    serial: Vec<u8>,
    kind: String,
    card_serial: String,
    person_id: i64,
    not_before: DateTime<Utc>,
    not_after: DateTime<Utc>,
    state: String,
    reason: Option<i64>,
    changed_at: DateTime<Utc>,
    cert_der: Vec<u8>,
}

fn cert_raw(row: &Row<'_>) -> rusqlite::Result<RawCert> {
    Ok(RawCert {
        serial: row.get(0)?,
        kind: row.get(1)?,
        card_serial: row.get(2)?,
        person_id: row.get(3)?,
        not_before: ts_at(row, 4)?,
        not_after: ts_at(row, 5)?,
        state: row.get(6)?,
        reason: row.get(7)?,
        changed_at: ts_at(row, 8)?,
        cert_der: row.get(9)?,
    })
}

impl RawCert {
    fn decode(self) -> Result<StoredCertificate, StoreError> {
        Ok(StoredCertificate {
            kind: jpki::decode_kind(&self.serial, &self.kind)?,
            status: jpki::decode_status(&self.serial, &self.state, self.reason, self.changed_at)?,
            serial: self.serial,
            card_serial: self.card_serial,
            person_id: PersonId(self.person_id),
            not_before: self.not_before,
            not_after: self.not_after,
            cert_der: self.cert_der,
        })
    }
}

pub(super) fn card(conn: &Connection, serial: &str) -> Result<Option<StoredCard>, StoreError> {
    let sql = format!("{CARD_SELECT} WHERE card_serial = ?1");
    conn.query_row(&sql, [serial], card_raw)
        .optional()
        .map_err(db_err("reading a card"))?
        .map(RawCard::decode)
        .transpose()
}

pub(super) fn cards_of_person(conn: &Connection, person_id: PersonId) -> Result<Vec<StoredCard>, StoreError> {
    let sql = format!("{CARD_SELECT} WHERE person_id = ?1 ORDER BY issued_at DESC, card_id DESC");
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the cards query"))?;
    let raws = stmt
        .query_map([person_id.0], card_raw)
        .map_err(db_err("reading cards"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading cards"))?;
    raws.into_iter().map(RawCard::decode).collect()
}

fn insert_certificates(
    tx: &Connection,
    card_id: i64,
    person_id: i64,
    certificates: &[NewCertificate],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO certificates (serial, kind, card_id, person_id, not_before, not_after, state, reason,
                    state_changed_at, cert_der)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'good', NULL, ?7, ?8)",
        )
        .map_err(db_err("preparing the certificate insert"))?;
    let mut event = tx
        .prepare_cached(
            "INSERT INTO certificate_events (serial, kind, at, state, reason, cause) VALUES (?1, ?2, ?3, 'good', NULL, 'issue')",
        )
        .map_err(db_err("preparing the certificate event"))?;
    for cert in certificates {
        insert
            .execute(params![
                cert.serial,
                cert.kind.code(),
                card_id,
                person_id,
                ts(cert.not_before),
                ts(cert.not_after),
                ts(at),
                cert.cert_der
            ])
            .map_err(|e| {
                if is_key_violation(&e) {
                    StoreError::Conflict {
                        what: format!("certificate serial {} is already recorded", jpki::hex(&cert.serial)),
                    }
                } else {
                    StoreError::unavailable("inserting a certificate", e)
                }
            })?;
        event
            .execute(params![cert.serial, cert.kind.code(), ts(at)])
            .map_err(db_err("recording a certificate event"))?;
    }
    Ok(())
}

fn card_event(
    tx: &Connection,
    card_id: i64,
    at: DateTime<Utc>,
    operation: &str,
    detail: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO card_events (card_id, at, operation, detail) VALUES (?1, ?2, ?3, ?4)",
        params![card_id, ts(at), operation, detail],
    )
    .map_err(db_err("recording a card event"))?;
    Ok(())
}

pub(super) fn insert_card(conn: &mut Connection, card: NewCard) -> Result<StoredCard, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let person_exists: bool = tx
        .query_row("SELECT EXISTS (SELECT 1 FROM residents WHERE person_id = ?1)", [card.person_id.0], |row| row.get(0))
        .map_err(db_err("looking up the card holder"))?;
    if !person_exists {
        return Err(StoreError::NotFound { what: format!("person {}", card.person_id) });
    }
    let inserted = tx.execute(
        "INSERT INTO cards (card_serial, person_id, issued_at, expires_on, has_pin, state, state_changed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?3)",
        params![card.card_serial, card.person_id.0, ts(card.issued_at), rows::iso(card.expires_on), card.has_pin],
    );
    match inserted {
        Ok(_) => {}
        Err(e) if is_key_violation(&e) => {
            return Err(StoreError::Conflict { what: format!("card {} is already recorded", card.card_serial) });
        }
        Err(e) => return Err(StoreError::unavailable("inserting a card", e)),
    }
    let card_id = tx.last_insert_rowid();
    insert_certificates(&tx, card_id, card.person_id.0, &card.certificates, card.issued_at)?;
    card_event(&tx, card_id, card.issued_at, "issue", if card.has_pin { "" } else { "no_pin" })?;
    let stored = self::card(&tx, &card.card_serial)?.ok_or_else(|| StoreError::Corrupt {
        what: format!("card {} vanished while being issued", card.card_serial),
    })?;
    tx.commit().map_err(db_err("committing a card"))?;
    Ok(stored)
}

pub(super) fn change_card(
    conn: &mut Connection,
    serial: &str,
    change: CardChange,
    at: DateTime<Utc>,
) -> Result<StoredCard, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let (card_id, person_id, state): (i64, i64, String) = tx
        .query_row("SELECT card_id, person_id, state FROM cards WHERE card_serial = ?1", [serial], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()
        .map_err(db_err("reading a card"))?
        .ok_or_else(|| StoreError::NotFound { what: format!("card {serial}") })?;
    let state = jpki::decode_card_state(serial, &state)?;
    let plan = jpki::plan(serial, state, &change)?;
    let at_text = ts(at);
    let cause = change.operation();
    for from in plan.certificates_from {
        tx.execute(
            "INSERT INTO certificate_events (serial, kind, at, state, reason, cause)
             SELECT serial, kind, ?2, ?3, ?4, ?5 FROM certificates WHERE card_id = ?1 AND state = ?6",
            params![card_id, at_text, plan.to, plan.reason, cause, from],
        )
        .map_err(db_err("recording certificate events"))?;
        tx.execute(
            "UPDATE certificates SET state = ?2, reason = ?3, state_changed_at = ?4 WHERE card_id = ?1 AND state = ?5",
            params![card_id, plan.to, plan.reason, at_text, from],
        )
        .map_err(db_err("changing certificate status"))?;
    }
    if let CardChange::Renew { certificates } = &change {
        insert_certificates(&tx, card_id, person_id, certificates, at)?;
    }
    if plan.card_state != state {
        tx.execute(
            "UPDATE cards SET state = ?2, state_changed_at = ?3 WHERE card_id = ?1",
            params![card_id, plan.card_state.code(), at_text],
        )
        .map_err(db_err("changing the card state"))?;
    }
    card_event(&tx, card_id, at, cause, &plan.detail)?;
    let stored = self::card(&tx, serial)?
        .ok_or_else(|| StoreError::Corrupt { what: format!("card {serial} vanished while being changed") })?;
    tx.commit().map_err(db_err("committing a card change"))?;
    Ok(stored)
}

pub(super) fn certificates_of_card(conn: &Connection, serial: &str) -> Result<Vec<StoredCertificate>, StoreError> {
    let sql = format!(
        "{CERT_SELECT} WHERE k.card_serial = ?1
         ORDER BY c.state = 'revoked', c.not_before DESC, c.kind"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the certificates query"))?;
    let raws = stmt
        .query_map([serial], cert_raw)
        .map_err(db_err("reading certificates"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading certificates"))?;
    raws.into_iter().map(RawCert::decode).collect()
}

pub(super) fn certificate(conn: &Connection, serial: &[u8]) -> Result<Option<StoredCertificate>, StoreError> {
    let sql = format!("{CERT_SELECT} WHERE c.serial = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the certificate query"))?;
    stmt.query_row([serial], cert_raw)
        .optional()
        .map_err(db_err("reading a certificate"))?
        .map(RawCert::decode)
        .transpose()
}

pub(super) fn card_events(conn: &Connection, serial: &str) -> Result<Vec<CardEvent>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT e.at, e.operation, e.detail FROM card_events AS e JOIN cards AS k ON k.card_id = e.card_id
             WHERE k.card_serial = ?1 ORDER BY e.event_id",
        )
        .map_err(db_err("preparing the card events query"))?;
    stmt.query_map([serial], |row| Ok(CardEvent { at: ts_at(row, 0)?, operation: row.get(1)?, detail: row.get(2)? }))
        .map_err(db_err("reading card events"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading card events"))
}

pub(super) fn status_number(conn: &Connection, kind: CertKind) -> Result<u64, StoreError> {
    let number: Option<i64> = conn
        .prepare_cached("SELECT max(event_id) FROM certificate_events WHERE kind = ?1")
        .and_then(|mut stmt| stmt.query_row([kind.code()], |row| row.get(0)))
        .map_err(db_err("reading the status number"))?;
    Ok(number.unwrap_or(0).max(0) as u64)
}

pub(super) fn status_list(conn: &Connection, kind: CertKind) -> Result<StatusList, StoreError> {
    // One read transaction: the number and the entries are of the same moment.
    let tx = conn.unchecked_transaction().map_err(db_err("starting a read"))?;
    let number = status_number(&tx, kind)?;
    let mut stmt = tx
        .prepare_cached(
            "SELECT serial, state, reason, state_changed_at FROM certificates
             WHERE kind = ?1 AND state <> 'good' ORDER BY serial",
        )
        .map_err(db_err("preparing the status list"))?;
    let raws = stmt
        .query_map([kind.code()], |row| {
            Ok((row.get::<_, Vec<u8>>(0)?, row.get::<_, String>(1)?, row.get::<_, Option<i64>>(2)?, ts_at(row, 3)?))
        })
        .map_err(db_err("reading the status list"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading the status list"))?;
    drop(stmt);
    tx.commit().map_err(db_err("ending a read"))?;
    let entries = raws
        .into_iter()
        .map(|(serial, state, reason, at)| {
            let status = jpki::decode_status(&serial, &state, reason, at)?;
            Ok((serial, status))
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    Ok(StatusList { number, entries })
}

pub(super) fn insert_challenge(conn: &mut Connection, challenge: &Challenge) -> Result<(), StoreError> {
    // One transaction (one commit) for the insert and the forgetting of
    // challenges expired for a day, which the index finds without a scan.
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.prepare_cached("DELETE FROM sign_in_challenges WHERE expires_at < ?1")
        .and_then(|mut stmt| stmt.execute([ts(challenge.issued_at - chrono::TimeDelta::days(1))]))
        .map_err(db_err("forgetting old challenges"))?;
    tx.prepare_cached(
        "INSERT INTO sign_in_challenges (challenge_id, nonce, issued_at, expires_at) VALUES (?1, ?2, ?3, ?4)",
    )
    .and_then(|mut stmt| {
        stmt.execute(params![challenge.id, challenge.nonce, ts(challenge.issued_at), ts(challenge.expires_at)])
    })
    .map_err(|e| {
        if is_key_violation(&e) {
            StoreError::Conflict { what: format!("challenge {} exists", challenge.id) }
        } else {
            StoreError::unavailable("recording a challenge", e)
        }
    })?;
    tx.commit().map_err(db_err("committing a challenge"))?;
    Ok(())
}

pub(super) fn use_challenges(
    conn: &mut Connection,
    uses: &[(Challenge, DateTime<Utc>)],
) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
    let Some(latest) = uses.iter().map(|(_, at)| *at).max() else {
        return Ok(Vec::new());
    };
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    tx.prepare_cached("DELETE FROM sign_in_challenges WHERE expires_at < ?1")
        .and_then(|mut stmt| stmt.execute([ts(latest - chrono::TimeDelta::days(1))]))
        .map_err(db_err("forgetting old challenges"))?;
    let mut answers = Vec::with_capacity(uses.len());
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO sign_in_challenges (challenge_id, nonce, issued_at, expires_at, used_at)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (challenge_id) DO NOTHING",
            )
            .map_err(db_err("preparing the use of challenges"))?;
        let mut used = tx
            .prepare_cached("SELECT used_at FROM sign_in_challenges WHERE challenge_id = ?1")
            .map_err(db_err("preparing the use of challenges"))?;
        for (c, at) in uses {
            let at = *at;
            let inserted = insert
                .execute(params![c.id, c.nonce, ts(c.issued_at), ts(c.expires_at), ts(at)])
                .map_err(db_err("using a challenge"))?;
            if inserted == 1 {
                answers.push(None);
                continue;
            }
            let used_at: Option<String> =
                used.query_row([&c.id], |row| row.get(0)).map_err(db_err("reading a used challenge"))?;
            let used_at = match used_at {
                Some(text) => DateTime::parse_from_rfc3339(&text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| StoreError::Corrupt { what: format!("challenge {}: used_at {text:?}", c.id) })?,
                // Stored by `insert_challenge` and never taken: used now.
                None => {
                    tx.execute(
                        "UPDATE sign_in_challenges SET used_at = ?2 WHERE challenge_id = ?1",
                        params![c.id, ts(at)],
                    )
                    .map_err(db_err("using a challenge"))?;
                    answers.push(None);
                    continue;
                }
            };
            answers.push(Some(used_at));
        }
    }
    tx.commit().map_err(db_err("committing used challenges"))?;
    Ok(answers)
}

pub(super) fn take_challenge(conn: &mut Connection, id: &str, at: DateTime<Utc>) -> Result<ChallengeTake, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let found = tx
        .query_row(
            "SELECT challenge_id, nonce, issued_at, expires_at, used_at FROM sign_in_challenges WHERE challenge_id = ?1",
            [id],
            |row| {
                let used: Option<String> = row.get(4)?;
                Ok((
                    Challenge { id: row.get(0)?, nonce: row.get(1)?, issued_at: ts_at(row, 2)?, expires_at: ts_at(row, 3)? },
                    used,
                ))
            },
        )
        .optional()
        .map_err(db_err("reading a challenge"))?;
    let outcome = match found {
        None => ChallengeTake::Unknown,
        Some((_, Some(used))) => ChallengeTake::Used {
            used_at: DateTime::parse_from_rfc3339(&used)
                .map(|t| t.with_timezone(&Utc))
                .map_err(|_| StoreError::Corrupt { what: format!("challenge {id}: used_at {used:?}") })?,
        },
        Some((challenge, None)) if at > challenge.expires_at => {
            ChallengeTake::Expired { expired_at: challenge.expires_at }
        }
        Some((challenge, None)) => {
            tx.execute("UPDATE sign_in_challenges SET used_at = ?2 WHERE challenge_id = ?1", params![id, ts(at)])
                .map_err(db_err("using a challenge"))?;
            ChallengeTake::Taken(challenge)
        }
    };
    tx.commit().map_err(db_err("committing a challenge"))?;
    Ok(outcome)
}
