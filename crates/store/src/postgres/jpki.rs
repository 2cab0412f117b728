//! The JPKI tables on PostgreSQL (see [`crate::jpki`]).

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Row};

use crate::jpki::{
    self, CardChange, CardEvent, CertKind, Challenge, ChallengeTake, NewCard, NewCertificate, StatusList, StoredCard,
    StoredCertificate,
};
use crate::{PersonId, StoreError};

use super::{db_err, is_unique_violation};

const CARD_SELECT: &str =
    "SELECT card_serial, person_id, issued_at, expires_on, has_pin, state, state_changed_at FROM cards";

const CERT_SELECT: &str = "SELECT c.serial, c.kind, k.card_serial, c.person_id, c.not_before, c.not_after, c.state,
    c.reason, c.state_changed_at, c.cert_der FROM certificates AS c JOIN cards AS k ON k.card_id = c.card_id";

fn card_row(row: &PgRow) -> Result<StoredCard, StoreError> {
    let read = |e: sqlx::Error| StoreError::unavailable("reading a card", e);
    let serial: String = row.try_get(0).map_err(read)?;
    let state: String = row.try_get(5).map_err(read)?;
    Ok(StoredCard {
        state: jpki::decode_card_state(&serial, &state)?,
        person_id: PersonId(row.try_get(1).map_err(read)?),
        issued_at: row.try_get(2).map_err(read)?,
        expires_on: row.try_get(3).map_err(read)?,
        has_pin: row.try_get(4).map_err(read)?,
        state_changed_at: row.try_get(6).map_err(read)?,
        card_serial: serial,
    })
}

fn cert_row(row: &PgRow) -> Result<StoredCertificate, StoreError> {
    let read = |e: sqlx::Error| StoreError::unavailable("reading a certificate", e);
    let serial: Vec<u8> = row.try_get(0).map_err(read)?;
    let kind: String = row.try_get(1).map_err(read)?;
    let state: String = row.try_get(6).map_err(read)?;
    let reason: Option<i16> = row.try_get(7).map_err(read)?;
    let changed_at: DateTime<Utc> = row.try_get(8).map_err(read)?;
    Ok(StoredCertificate {
        kind: jpki::decode_kind(&serial, &kind)?,
        status: jpki::decode_status(&serial, &state, reason.map(i64::from), changed_at)?,
        card_serial: row.try_get(2).map_err(read)?,
        person_id: PersonId(row.try_get(3).map_err(read)?),
        not_before: row.try_get(4).map_err(read)?,
        not_after: row.try_get(5).map_err(read)?,
        cert_der: row.try_get(9).map_err(read)?,
        serial,
    })
}

async fn card_in(conn: &mut PgConnection, serial: &str) -> Result<Option<StoredCard>, StoreError> {
    let sql = format!("{CARD_SELECT} WHERE card_serial = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(serial)
        .fetch_optional(conn)
        .await
        .map_err(db_err("reading a card"))?;
    row.as_ref().map(card_row).transpose()
}

pub(super) async fn card(pool: &PgPool, serial: &str) -> Result<Option<StoredCard>, StoreError> {
    let mut conn = pool.acquire().await.map_err(db_err("connecting"))?;
    card_in(&mut conn, serial).await
}

pub(super) async fn cards_of_person(pool: &PgPool, person_id: PersonId) -> Result<Vec<StoredCard>, StoreError> {
    let sql = format!("{CARD_SELECT} WHERE person_id = $1 ORDER BY issued_at DESC, card_id DESC");
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(person_id.0)
        .fetch_all(pool)
        .await
        .map_err(db_err("reading cards"))?;
    rows.iter().map(card_row).collect()
}

async fn insert_certificates(
    tx: &mut PgConnection,
    card_id: i64,
    person_id: i64,
    certificates: &[NewCertificate],
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    for cert in certificates {
        let inserted = sqlx::query(
            "INSERT INTO certificates (serial, kind, card_id, person_id, not_before, not_after, state, reason,
                    state_changed_at, cert_der)
             VALUES ($1, $2, $3, $4, $5, $6, 'good', NULL, $7, $8)",
        )
        .bind(&cert.serial)
        .bind(cert.kind.code())
        .bind(card_id)
        .bind(person_id)
        .bind(cert.not_before)
        .bind(cert.not_after)
        .bind(at)
        .bind(&cert.cert_der)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => {}
            Err(e) if is_unique_violation(&e) => {
                return Err(StoreError::Conflict {
                    what: format!("certificate serial {} is already recorded", jpki::hex(&cert.serial)),
                });
            }
            Err(e) => return Err(StoreError::unavailable("inserting a certificate", e)),
        }
        sqlx::query(
            "INSERT INTO certificate_events (serial, kind, at, state, reason, cause) VALUES ($1, $2, $3, 'good', NULL, 'issue')",
        )
        .bind(&cert.serial)
        .bind(cert.kind.code())
        .bind(at)
        .execute(&mut *tx)
        .await
        .map_err(db_err("recording a certificate event"))?;
    }
    Ok(())
}

async fn card_event(
    tx: &mut PgConnection,
    card_id: i64,
    at: DateTime<Utc>,
    operation: &str,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO card_events (card_id, at, operation, detail) VALUES ($1, $2, $3, $4)")
        .bind(card_id)
        .bind(at)
        .bind(operation)
        .bind(detail)
        .execute(tx)
        .await
        .map_err(db_err("recording a card event"))?;
    Ok(())
}

pub(super) async fn insert_card(pool: &PgPool, card: NewCard) -> Result<StoredCard, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let person_exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM residents WHERE person_id = $1)")
        .bind(card.person_id.0)
        .fetch_one(&mut *tx)
        .await
        .map_err(db_err("looking up the card holder"))?;
    if !person_exists {
        return Err(StoreError::NotFound { what: format!("person {}", card.person_id) });
    }
    let inserted: Result<i64, sqlx::Error> = sqlx::query_scalar(
        "INSERT INTO cards (card_serial, person_id, issued_at, expires_on, has_pin, state, state_changed_at)
         VALUES ($1, $2, $3, $4, $5, 'active', $3) RETURNING card_id",
    )
    .bind(&card.card_serial)
    .bind(card.person_id.0)
    .bind(card.issued_at)
    .bind(card.expires_on)
    .bind(card.has_pin)
    .fetch_one(&mut *tx)
    .await;
    let card_id = match inserted {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            return Err(StoreError::Conflict { what: format!("card {} is already recorded", card.card_serial) });
        }
        Err(e) => return Err(StoreError::unavailable("inserting a card", e)),
    };
    insert_certificates(&mut tx, card_id, card.person_id.0, &card.certificates, card.issued_at).await?;
    card_event(&mut tx, card_id, card.issued_at, "issue", if card.has_pin { "" } else { "no_pin" }).await?;
    let stored = card_in(&mut tx, &card.card_serial).await?.ok_or_else(|| StoreError::Corrupt {
        what: format!("card {} vanished while being issued", card.card_serial),
    })?;
    tx.commit().await.map_err(db_err("committing a card"))?;
    Ok(stored)
}

pub(super) async fn change_card(
    pool: &PgPool,
    serial: &str,
    change: CardChange,
    at: DateTime<Utc>,
) -> Result<StoredCard, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    // FOR UPDATE: two desks changing one card at once take turns.
    let row = sqlx::query("SELECT card_id, person_id, state FROM cards WHERE card_serial = $1 FOR UPDATE")
        .bind(serial)
        .fetch_optional(&mut *tx)
        .await
        .map_err(db_err("reading a card"))?
        .ok_or_else(|| StoreError::NotFound { what: format!("card {serial}") })?;
    let read = |e: sqlx::Error| StoreError::unavailable("reading a card", e);
    let card_id: i64 = row.try_get(0).map_err(read)?;
    let person_id: i64 = row.try_get(1).map_err(read)?;
    let state: String = row.try_get(2).map_err(read)?;
    let state = jpki::decode_card_state(serial, &state)?;
    let plan = jpki::plan(serial, state, &change)?;
    let cause = change.operation();
    let reason = plan.reason.map(i16::from);
    for from in plan.certificates_from {
        sqlx::query(
            "INSERT INTO certificate_events (serial, kind, at, state, reason, cause)
             SELECT serial, kind, $2, $3, $4, $5 FROM certificates WHERE card_id = $1 AND state = $6",
        )
        .bind(card_id)
        .bind(at)
        .bind(plan.to)
        .bind(reason)
        .bind(cause)
        .bind(*from)
        .execute(&mut *tx)
        .await
        .map_err(db_err("recording certificate events"))?;
        sqlx::query(
            "UPDATE certificates SET state = $2, reason = $3, state_changed_at = $4 WHERE card_id = $1 AND state = $5",
        )
        .bind(card_id)
        .bind(plan.to)
        .bind(reason)
        .bind(at)
        .bind(*from)
        .execute(&mut *tx)
        .await
        .map_err(db_err("changing certificate status"))?;
    }
    if let CardChange::Renew { certificates } = &change {
        insert_certificates(&mut tx, card_id, person_id, certificates, at).await?;
    }
    if plan.card_state != state {
        sqlx::query("UPDATE cards SET state = $2, state_changed_at = $3 WHERE card_id = $1")
            .bind(card_id)
            .bind(plan.card_state.code())
            .bind(at)
            .execute(&mut *tx)
            .await
            .map_err(db_err("changing the card state"))?;
    }
    card_event(&mut tx, card_id, at, cause, &plan.detail).await?;
    let stored = card_in(&mut tx, serial)
        .await?
        .ok_or_else(|| StoreError::Corrupt { what: format!("card {serial} vanished while being changed") })?;
    tx.commit().await.map_err(db_err("committing a card change"))?;
    Ok(stored)
}

pub(super) async fn certificates_of_card(pool: &PgPool, serial: &str) -> Result<Vec<StoredCertificate>, StoreError> {
    let sql = format!(
        "{CERT_SELECT} WHERE k.card_serial = $1
         ORDER BY c.state = 'revoked', c.not_before DESC, c.kind"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(serial)
        .fetch_all(pool)
        .await
        .map_err(db_err("reading certificates"))?;
    rows.iter().map(cert_row).collect()
}

pub(super) async fn certificate(pool: &PgPool, serial: &[u8]) -> Result<Option<StoredCertificate>, StoreError> {
    let sql = format!("{CERT_SELECT} WHERE c.serial = $1");
    let row = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(serial)
        .fetch_optional(pool)
        .await
        .map_err(db_err("reading a certificate"))?;
    row.as_ref().map(cert_row).transpose()
}

pub(super) async fn card_events(pool: &PgPool, serial: &str) -> Result<Vec<CardEvent>, StoreError> {
    let rows = sqlx::query(
        "SELECT e.at, e.operation, e.detail FROM card_events AS e JOIN cards AS k ON k.card_id = e.card_id
         WHERE k.card_serial = $1 ORDER BY e.event_id",
    )
    .bind(serial)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading card events"))?;
    rows.iter()
        .map(|row| Ok(CardEvent { at: row.try_get(0)?, operation: row.try_get(1)?, detail: row.try_get(2)? }))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(db_err("reading card events"))
}

async fn status_number_in(conn: &mut PgConnection, kind: CertKind) -> Result<u64, StoreError> {
    let number: Option<i64> = sqlx::query_scalar("SELECT max(event_id) FROM certificate_events WHERE kind = $1")
        .bind(kind.code())
        .fetch_one(conn)
        .await
        .map_err(db_err("reading the status number"))?;
    Ok(number.unwrap_or(0).max(0) as u64)
}

pub(super) async fn status_number(pool: &PgPool, kind: CertKind) -> Result<u64, StoreError> {
    let mut conn = pool.acquire().await.map_err(db_err("connecting"))?;
    status_number_in(&mut conn, kind).await
}

pub(super) async fn status_list(pool: &PgPool, kind: CertKind) -> Result<StatusList, StoreError> {
    // REPEATABLE READ: the number and the entries are of the same snapshot.
    let mut tx = pool.begin().await.map_err(db_err("starting a read"))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await
        .map_err(db_err("starting a read"))?;
    let number = status_number_in(&mut tx, kind).await?;
    let rows = sqlx::query(
        "SELECT serial, state, reason, state_changed_at FROM certificates
         WHERE kind = $1 AND state <> 'good' ORDER BY serial",
    )
    .bind(kind.code())
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err("reading the status list"))?;
    tx.commit().await.map_err(db_err("ending a read"))?;
    let read = |e: sqlx::Error| StoreError::unavailable("reading the status list", e);
    let mut entries = Vec::with_capacity(rows.len());
    for row in &rows {
        let serial: Vec<u8> = row.try_get(0).map_err(read)?;
        let state: String = row.try_get(1).map_err(read)?;
        let reason: Option<i16> = row.try_get(2).map_err(read)?;
        let at: DateTime<Utc> = row.try_get(3).map_err(read)?;
        let status = jpki::decode_status(&serial, &state, reason.map(i64::from), at)?;
        entries.push((serial, status));
    }
    Ok(StatusList { number, entries })
}

pub(super) async fn insert_challenge(pool: &PgPool, challenge: &Challenge) -> Result<(), StoreError> {
    // One round trip: forget challenges expired for a day, insert this one.
    let inserted = sqlx::query(
        "WITH forgotten AS (DELETE FROM sign_in_challenges WHERE expires_at < $5)
         INSERT INTO sign_in_challenges (challenge_id, nonce, issued_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&challenge.id)
    .bind(&challenge.nonce)
    .bind(challenge.issued_at)
    .bind(challenge.expires_at)
    .bind(challenge.issued_at - chrono::TimeDelta::days(1))
    .execute(pool)
    .await;
    match inserted {
        Ok(_) => Ok(()),
        Err(e) if is_unique_violation(&e) => {
            Err(StoreError::Conflict { what: format!("challenge {} exists", challenge.id) })
        }
        Err(e) => Err(StoreError::unavailable("recording a challenge", e)),
    }
}

pub(super) async fn use_challenges(
    pool: &PgPool,
    uses: &[(Challenge, DateTime<Utc>)],
) -> Result<Vec<Option<DateTime<Utc>>>, StoreError> {
    let Some(latest) = uses.iter().map(|(_, at)| *at).max() else {
        return Ok(Vec::new());
    };
    let challenges: Vec<&Challenge> = uses.iter().map(|(c, _)| c).collect();
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    sqlx::query("DELETE FROM sign_in_challenges WHERE expires_at < $1")
        .bind(latest - chrono::TimeDelta::days(1))
        .execute(&mut *tx)
        .await
        .map_err(db_err("forgetting old challenges"))?;
    let ids: Vec<&str> = challenges.iter().map(|c| c.id.as_str()).collect();
    let nonces: Vec<&[u8]> = challenges.iter().map(|c| c.nonce.as_slice()).collect();
    let issued: Vec<DateTime<Utc>> = challenges.iter().map(|c| c.issued_at).collect();
    let expires: Vec<DateTime<Utc>> = challenges.iter().map(|c| c.expires_at).collect();
    let used: Vec<DateTime<Utc>> = uses.iter().map(|(_, at)| *at).collect();
    // One round trip: the new ones inserted (a repeated id once), the
    // others' use read back.
    let inserted: Vec<String> = sqlx::query_scalar(
        "INSERT INTO sign_in_challenges (challenge_id, nonce, issued_at, expires_at, used_at)
         SELECT id, nonce, issued, expires, used FROM UNNEST($1::text[], $2::bytea[], $3::timestamptz[],
                $4::timestamptz[], $5::timestamptz[]) AS u (id, nonce, issued, expires, used)
         ON CONFLICT (challenge_id) DO NOTHING RETURNING challenge_id",
    )
    .bind(&ids)
    .bind(&nonces)
    .bind(&issued)
    .bind(&expires)
    .bind(&used)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err("using challenges"))?;
    let mut fresh: std::collections::HashSet<String> = inserted.into_iter().collect();
    let others: Vec<&str> = ids.iter().copied().filter(|id| !fresh.contains(*id)).collect();
    let mut before: std::collections::HashMap<String, Option<DateTime<Utc>>> = std::collections::HashMap::new();
    if !others.is_empty() {
        let rows =
            sqlx::query("SELECT challenge_id, used_at FROM sign_in_challenges WHERE challenge_id = ANY($1) FOR UPDATE")
                .bind(&others)
                .fetch_all(&mut *tx)
                .await
                .map_err(db_err("reading used challenges"))?;
        for row in rows {
            let read = |e: sqlx::Error| StoreError::unavailable("reading a used challenge", e);
            before.insert(row.try_get(0).map_err(read)?, row.try_get(1).map_err(read)?);
        }
    }
    let mut answers = Vec::with_capacity(challenges.len());
    for (id, &at) in ids.into_iter().zip(&used) {
        if fresh.remove(id) {
            answers.push(None);
            continue;
        }
        match before.get(id).copied().flatten() {
            Some(used_at) => answers.push(Some(used_at)),
            None if before.contains_key(id) => {
                // Stored by `insert_challenge` and never taken: used now.
                sqlx::query("UPDATE sign_in_challenges SET used_at = $2 WHERE challenge_id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err("using a challenge"))?;
                before.insert(id.to_owned(), Some(at));
                answers.push(None);
            }
            // The second of a repeated id inserted by this call.
            None => answers.push(Some(at)),
        }
    }
    tx.commit().await.map_err(db_err("committing used challenges"))?;
    Ok(answers)
}

pub(super) async fn take_challenge(pool: &PgPool, id: &str, at: DateTime<Utc>) -> Result<ChallengeTake, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let row = sqlx::query(
        "SELECT challenge_id, nonce, issued_at, expires_at, used_at FROM sign_in_challenges
         WHERE challenge_id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .map_err(db_err("reading a challenge"))?;
    let read = |e: sqlx::Error| StoreError::unavailable("reading a challenge", e);
    let outcome = match row {
        None => ChallengeTake::Unknown,
        Some(row) => {
            let challenge = Challenge {
                id: row.try_get(0).map_err(read)?,
                nonce: row.try_get(1).map_err(read)?,
                issued_at: row.try_get(2).map_err(read)?,
                expires_at: row.try_get(3).map_err(read)?,
            };
            let used_at: Option<DateTime<Utc>> = row.try_get(4).map_err(read)?;
            match used_at {
                Some(used_at) => ChallengeTake::Used { used_at },
                None if at > challenge.expires_at => ChallengeTake::Expired { expired_at: challenge.expires_at },
                None => {
                    sqlx::query("UPDATE sign_in_challenges SET used_at = $2 WHERE challenge_id = $1")
                        .bind(id)
                        .bind(at)
                        .execute(&mut *tx)
                        .await
                        .map_err(db_err("using a challenge"))?;
                    ChallengeTake::Taken(challenge)
                }
            }
        }
    };
    tx.commit().await.map_err(db_err("committing a challenge"))?;
    Ok(outcome)
}
