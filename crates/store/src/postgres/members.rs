//! The insurer's one-by-one flows on PostgreSQL (see [`crate::members`]).

use chrono::{DateTime, Utc};
use sqlx::{AssertSqlSafe, PgPool, Postgres, Row, Transaction};

use onshi_domain::Date;
use onshi_domain::id::InsurerNumber;
use onshi_domain::insurance::{LossReason, Member, MemberChange, MemberKey, MemberRuleError};

use crate::inspection::member_not_found;
use crate::members::{self, LateRegistration, MemberEvent, MemberEventKind};
use crate::{MemberId, StoreError, StoredMember};

use super::inspection::member_in;
use super::{MEMBER_SELECT, db_err, member_raw, write_members};

async fn record_event(
    tx: &mut Transaction<'static, Postgres>,
    member_id: MemberId,
    kind: MemberEventKind,
    at: DateTime<Utc>,
    actor: &str,
    changes: &[String],
) -> Result<(), StoreError> {
    sqlx::query("INSERT INTO member_events (member_id, kind, at, actor, changes) VALUES ($1, $2, $3, $4, $5)")
        .bind(member_id.0)
        .bind(kind.code())
        .bind(at)
        .bind(actor)
        .bind(changes.join("\n"))
        .execute(&mut **tx)
        .await
        .map_err(db_err("recording a member event"))?;
    Ok(())
}

async fn written(tx: &mut Transaction<'static, Postgres>, key: &MemberKey) -> Result<StoredMember, StoreError> {
    member_in(tx, key, false)
        .await?
        .ok_or_else(|| StoreError::Corrupt { what: "a member just written is not there".into() })
}

pub(super) async fn acquire(
    pool: &PgPool,
    member: Member,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<StoredMember, StoreError> {
    member.check()?;
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    if let Some(existing) = member_in(&mut tx, &member.key, false).await? {
        return Err(members::already_registered(&member.key, existing.member_id));
    }
    // Two acquisitions of one key at once: the second's upsert waits for the
    // first to commit and then finds the row; it inserted nothing, so it is
    // refused and rolled back rather than overwriting the first.
    let outcome = write_members(&mut tx, std::slice::from_ref(&member), at).await?;
    let stored = written(&mut tx, &member.key).await?;
    if outcome.inserted != 1 {
        return Err(members::already_registered(&member.key, stored.member_id));
    }
    record_event(&mut tx, stored.member_id, MemberEventKind::Acquired, at, actor, &members::acquired_changes(&stored))
        .await?;
    tx.commit().await.map_err(db_err("committing an acquisition"))?;
    Ok(stored)
}

async fn update(
    pool: &PgPool,
    key: &MemberKey,
    kind: MemberEventKind,
    at: DateTime<Utc>,
    actor: &str,
    next: impl FnOnce(&Member) -> Result<Member, MemberRuleError>,
) -> Result<StoredMember, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    // FOR UPDATE: a concurrent change waits, then applies to this one's result.
    let old = member_in(&mut tx, key, true).await?.ok_or_else(|| member_not_found(key))?;
    let new = next(&old.member)?;
    if new == old.member {
        return Ok(old);
    }
    write_members(&mut tx, std::slice::from_ref(&new), at).await?;
    let stored = written(&mut tx, key).await?;
    record_event(&mut tx, stored.member_id, kind, at, actor, &members::change_lines(&old, &stored)).await?;
    tx.commit().await.map_err(db_err("committing a member change"))?;
    Ok(stored)
}

pub(super) async fn change(
    pool: &PgPool,
    key: &MemberKey,
    change: &MemberChange,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<StoredMember, StoreError> {
    update(pool, key, MemberEventKind::Changed, at, actor, |member| change.apply(member)).await
}

pub(super) async fn lose(
    pool: &PgPool,
    key: &MemberKey,
    lost_on: Date,
    reason: LossReason,
    at: DateTime<Utc>,
    actor: &str,
) -> Result<StoredMember, StoreError> {
    update(pool, key, MemberEventKind::Lost, at, actor, |member| member.lose(lost_on, reason)).await
}

pub(super) async fn events(pool: &PgPool, member_id: MemberId) -> Result<Vec<MemberEvent>, StoreError> {
    let rows = sqlx::query("SELECT kind, at, actor, changes FROM member_events WHERE member_id = $1 ORDER BY event_id")
        .bind(member_id.0)
        .fetch_all(pool)
        .await
        .map_err(db_err("reading member events"))?;
    rows.iter()
        .map(|row| {
            let get = db_err("decoding a member event");
            let kind: String = row.try_get(0).map_err(get)?;
            let kind = MemberEventKind::from_code(&kind).ok_or_else(|| {
                crate::decode::corrupt("member_events", &format!("member_id={}", member_id.0), "kind", &kind)
            })?;
            Ok(MemberEvent {
                member_id,
                kind,
                at: row.try_get(1).map_err(db_err("decoding a member event"))?,
                actor: row.try_get(2).map_err(db_err("decoding a member event"))?,
                changes: members::split_changes(
                    &row.try_get::<String, _>(3).map_err(db_err("decoding a member event"))?,
                ),
            })
        })
        .collect()
}

pub(super) async fn late_registrations(
    pool: &PgPool,
    insurer: &InsurerNumber,
    from: Date,
    to: Date,
) -> Result<Vec<LateRegistration>, StoreError> {
    // The date in Japan of registered_at: UTC plus 9 hours (JST has no
    // daylight saving), as domain::date::in_japan computes it.
    let rows = sqlx::query(AssertSqlSafe(format!(
        "{MEMBER_SELECT} WHERE insurer_number = $1 AND notified_on BETWEEN $2 AND $3 AND registered_at IS NOT NULL
           AND ((registered_at AT TIME ZONE 'UTC') + interval '9 hours')::date > notified_on + $4::int4
         ORDER BY notified_on, symbol, number, branch"
    )))
    .bind(insurer.as_str())
    .bind(from)
    .bind(to)
    .bind(members::REGISTRATION_DEADLINE_DAYS as i32)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading late registrations"))?;
    rows.iter().map(|row| members::late(member_raw(row).map_err(db_err("decoding a member"))?.decode()?)).collect()
}
