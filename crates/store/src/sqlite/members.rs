//! The insurer's one-by-one flows on SQLite (see [`crate::members`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use onshi_domain::Date;
use onshi_domain::id::InsurerNumber;
use onshi_domain::insurance::{LossReason, Member, MemberChange, MemberKey};

use crate::inspection::member_not_found;
use crate::members::{self, LateRegistration, MemberEvent, MemberEventKind};
use crate::{MemberId, StoreError, StoredMember};

use super::inspection::member_in;
use super::rows::{self, ts, ts_at};
use super::{db_err, write_members};

fn record_event(
    tx: &Connection,
    member_id: MemberId,
    kind: MemberEventKind,
    at: &str,
    actor: &str,
    changes: &[String],
) -> Result<(), StoreError> {
    tx.prepare_cached("INSERT INTO member_events (member_id, kind, at, actor, changes) VALUES (?1, ?2, ?3, ?4, ?5)")
        .map_err(db_err("preparing the member event insert"))?
        .execute(params![member_id.0, kind.code(), at, actor, changes.join("\n")])
        .map_err(db_err("recording a member event"))?;
    Ok(())
}

fn written(tx: &Connection, key: &MemberKey) -> Result<StoredMember, StoreError> {
    member_in(tx, key)?.ok_or_else(|| StoreError::Corrupt { what: "a member just written is not there".into() })
}

pub(super) fn acquire(
    conn: &mut Connection,
    member: Member,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<StoredMember, StoreError> {
    member.check()?;
    let at = ts(at);
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    if let Some(existing) = member_in(&tx, &member.key)? {
        return Err(members::already_registered(&member.key, existing.member_id));
    }
    let outcome = write_members(&tx, std::slice::from_ref(&member), &[None], &at)?;
    let stored = written(&tx, &member.key)?;
    if outcome.inserted != 1 {
        return Err(members::already_registered(&member.key, stored.member_id));
    }
    record_event(&tx, stored.member_id, MemberEventKind::Acquired, &at, actor, &members::acquired_changes(&stored))?;
    tx.commit().map_err(db_err("committing an acquisition"))?;
    Ok(stored)
}

/// Read the member, compute its new record with `next`, write it and its event.
fn update(
    conn: &mut Connection,
    key: &MemberKey,
    kind: MemberEventKind,
    at: DateTime<Utc>,
    actor: &str,
    next: impl FnOnce(&Member) -> Result<Member, onshi_domain::insurance::MemberRuleError>,
) -> Result<StoredMember, StoreError> {
    let at = ts(at);
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let old = member_in(&tx, key)?.ok_or_else(|| member_not_found(key))?;
    let new = next(&old.member)?;
    if new == old.member {
        return Ok(old);
    }
    write_members(&tx, std::slice::from_ref(&new), &[None], &at)?;
    let stored = written(&tx, key)?;
    record_event(&tx, stored.member_id, kind, &at, actor, &members::change_lines(&old, &stored))?;
    tx.commit().map_err(db_err("committing a member change"))?;
    Ok(stored)
}

pub(super) fn change(
    conn: &mut Connection,
    key: &MemberKey,
    change: &MemberChange,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<StoredMember, StoreError> {
    update(conn, key, MemberEventKind::Changed, at, actor, |member| change.apply(member))
}

pub(super) fn lose(
    conn: &mut Connection,
    key: &MemberKey,
    lost_on: Date,
    reason: LossReason,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<StoredMember, StoreError> {
    update(conn, key, MemberEventKind::Lost, at, actor, |member| member.lose(lost_on, reason))
}

pub(super) fn events(conn: &Connection, member_id: MemberId) -> Result<Vec<MemberEvent>, StoreError> {
    let mut stmt = conn
        .prepare_cached("SELECT kind, at, actor, changes FROM member_events WHERE member_id = ?1 ORDER BY event_id")
        .map_err(db_err("preparing the member events query"))?;
    let raws: Vec<(String, DateTime<Utc>, String, String)> = stmt
        .query_map([member_id.0], |row| Ok((row.get(0)?, ts_at(row, 1)?, row.get(2)?, row.get(3)?)))
        .map_err(db_err("reading member events"))?
        .collect::<Result<_, _>>()
        .map_err(db_err("reading member events"))?;
    raws.into_iter()
        .map(|(kind, at, actor, changes)| {
            let kind = MemberEventKind::from_code(&kind).ok_or_else(|| {
                crate::decode::corrupt("member_events", &format!("member_id={}", member_id.0), "kind", &kind)
            })?;
            Ok(MemberEvent { member_id, kind, at, actor, changes: members::split_changes(&changes) })
        })
        .collect()
}

pub(super) fn late_registrations(
    conn: &Connection,
    insurer: &InsurerNumber,
    from: Date,
    to: Date,
) -> Result<Vec<LateRegistration>, StoreError> {
    // registered_at is UTC text; '+9 hours' makes it the date in Japan.
    let sql = format!(
        "{} WHERE insurer_number = ?1 AND notified_on BETWEEN ?2 AND ?3 AND registered_at IS NOT NULL
           AND date(registered_at, '+9 hours') > date(notified_on, '+{} days')
         ORDER BY notified_on, symbol, number, branch",
        rows::MEMBER_SELECT,
        members::REGISTRATION_DEADLINE_DAYS
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the late registrations query"))?;
    let raws = stmt
        .query_map(params![insurer.as_str(), rows::iso(from), rows::iso(to)], rows::member_raw)
        .map_err(db_err("reading late registrations"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(db_err("reading late registrations"))?;
    raws.into_iter().map(|raw| members::late(raw.decode()?)).collect()
}
