//! Linkage integrity on PostgreSQL (see [`crate::inspection`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, PgConnection, PgPool, Postgres, Row, Transaction};

use onshi_domain::Date;
use onshi_domain::id::InsurerNumber;
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::linkage::LinkVerdict;
use onshi_domain::person::FiveAttributes;

use crate::inspection::{
    self, Candidate, InspectionItem, LinkDecision, MedicalAccess, NewSuspension, Notice, RawItem, RawSuspension,
    SuspendedLink, Suspension, SuspensionSource,
};
use crate::{BatchOutcome, LinkState, MemberId, PersonId, StoreError, StoredMember};

use super::{MEMBER_SELECT, attributes, db_err, member_raw};

/// Links to hold: member, person, insurer number and reasons, as columns.
#[derive(Default)]
pub(super) struct Holds {
    member_id: Vec<i64>,
    person_id: Vec<i64>,
    insurer_number: Vec<String>,
    reasons: Vec<String>,
}

impl Holds {
    fn push(&mut self, member_id: i64, person_id: i64, insurer_number: &str, reasons: String) {
        self.member_id.push(member_id);
        self.person_id.push(person_id);
        self.insurer_number.push(insurer_number.to_owned());
        self.reasons.push(reasons);
    }

    /// Record each held link's suspension (reopened if it had been resolved)
    /// and a notice to its person; both are keyed, so holding twice changes nothing.
    pub(super) async fn record(
        self,
        conn: &mut PgConnection,
        source: SuspensionSource,
        at: DateTime<Utc>,
    ) -> Result<u64, StoreError> {
        let n = self.member_id.len() as u64;
        if n == 0 {
            return Ok(0);
        }
        sqlx::query(
            "INSERT INTO linkage_suspensions (member_id, person_id, source, reasons, suspended_at)
             SELECT u.member_id, u.person_id, $3, u.reasons, $4
             FROM UNNEST($1::int8[], $2::int8[], $5::text[]) AS u(member_id, person_id, reasons)
             ON CONFLICT (member_id, person_id) DO UPDATE SET
                 source = EXCLUDED.source, reasons = EXCLUDED.reasons, suspended_at = EXCLUDED.suspended_at,
                 resolution = NULL, resolved_at = NULL, resolved_by = NULL, corrected_to = NULL
             WHERE linkage_suspensions.resolution IS NOT NULL",
        )
        .bind(&self.member_id)
        .bind(&self.person_id)
        .bind(source.code())
        .bind(at)
        .bind(&self.reasons)
        .execute(&mut *conn)
        .await
        .map_err(db_err("recording suspensions"))?;
        let (references, bodies): (Vec<String>, Vec<String>) = self
            .member_id
            .iter()
            .zip(&self.insurer_number)
            .map(|(member_id, insurer)| inspection::linkage_notice(MemberId(*member_id), insurer))
            .unzip();
        sqlx::query(
            "INSERT INTO notices (person_id, kind, reference, body, created_at)
             SELECT u.person_id, $2, u.reference, u.body, $3
             FROM UNNEST($1::int8[], $4::text[], $5::text[]) AS u(person_id, reference, body)
             ON CONFLICT (person_id, kind, reference) DO NOTHING",
        )
        .bind(&self.person_id)
        .bind(inspection::NOTICE_LINKAGE_CHECK)
        .bind(at)
        .bind(references)
        .bind(bodies)
        .execute(&mut *conn)
        .await
        .map_err(db_err("recording notices"))?;
        Ok(n)
    }
}

fn read(context: &'static str) -> impl Fn(sqlx::Error) -> StoreError {
    move |e| StoreError::unavailable(context, e)
}

/// The residents carrying these My Numbers, with the 5 attributes a new
/// link is judged on, by My Number.
async fn residents_for_links(
    conn: &mut PgConnection,
    numbers: Vec<String>,
) -> Result<HashMap<String, (i64, FiveAttributes)>, StoreError> {
    let rows = sqlx::query(
        "SELECT my_number, person_id, name_kanji, name_kana, birth_date, sex, address FROM residents
         WHERE my_number = ANY($1::text[])",
    )
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err("looking up persons by My Number"))?;
    let mut out = HashMap::with_capacity(rows.len());
    for row in rows {
        let decode = read("decoding a resident");
        let my_number: String = row.try_get(0).map_err(&decode)?;
        let person_id: i64 = row.try_get(1).map_err(&decode)?;
        let attrs = attributes(&row, 2).map_err(&decode)?.decode("residents", &format!("person_id={person_id}"))?;
        out.insert(my_number, (person_id, attrs));
    }
    Ok(out)
}

const MEMBER_UPSERT: &str = "
    INSERT INTO members (insurer_number, symbol, number, branch, relationship, name_kanji, name_kana, birth_date,
                         sex, address, my_number, copay_ratio, acquired_on, lost_on, person_id, link_method,
                         link_state, loss_reason, limit_kind, limit_category, limit_issued_on, limit_valid_from,
                         limit_valid_until, elderly_issued_on, elderly_valid_from, elderly_valid_until,
                         elderly_copay_ratio, notified_on, registered_at)
    SELECT u.*, $29::timestamptz
    FROM UNNEST($1::text[], $2::text[], $3::text[], $4::int2[], $5::int2[], $6::text[], $7::text[],
                $8::date[], $9::int2[], $10::text[], $11::text[], $12::int2[], $13::date[], $14::date[],
                $15::int8[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::date[],
                $22::date[], $23::date[], $24::date[], $25::date[], $26::date[], $27::int2[], $28::date[]) AS u
    ON CONFLICT (insurer_number, symbol, number, branch) DO UPDATE SET
        relationship = EXCLUDED.relationship, name_kanji = EXCLUDED.name_kanji, name_kana = EXCLUDED.name_kana,
        birth_date = EXCLUDED.birth_date, sex = EXCLUDED.sex, address = EXCLUDED.address,
        my_number = EXCLUDED.my_number, copay_ratio = EXCLUDED.copay_ratio, acquired_on = EXCLUDED.acquired_on,
        lost_on = EXCLUDED.lost_on, loss_reason = EXCLUDED.loss_reason, limit_kind = EXCLUDED.limit_kind,
        limit_category = EXCLUDED.limit_category, limit_issued_on = EXCLUDED.limit_issued_on,
        limit_valid_from = EXCLUDED.limit_valid_from, limit_valid_until = EXCLUDED.limit_valid_until,
        elderly_issued_on = EXCLUDED.elderly_issued_on, elderly_valid_from = EXCLUDED.elderly_valid_from,
        elderly_valid_until = EXCLUDED.elderly_valid_until, elderly_copay_ratio = EXCLUDED.elderly_copay_ratio,
        notified_on = EXCLUDED.notified_on,
        person_id = CASE WHEN members.link_state IN ('suspended', 'confirmed') THEN members.person_id
                         ELSE EXCLUDED.person_id END,
        link_method = CASE WHEN members.link_state IN ('suspended', 'confirmed') THEN members.link_method
                           ELSE EXCLUDED.link_method END,
        link_state = CASE WHEN members.link_state IN ('suspended', 'confirmed') THEN members.link_state
                          ELSE EXCLUDED.link_state END,
        updated_at = now()
    WHERE (members.relationship, members.name_kanji, members.name_kana, members.birth_date, members.sex,
           members.address, members.my_number, members.copay_ratio, members.acquired_on, members.lost_on,
           members.loss_reason, members.limit_kind, members.limit_category, members.limit_issued_on,
           members.limit_valid_from, members.limit_valid_until, members.elderly_issued_on,
           members.elderly_valid_from, members.elderly_valid_until, members.elderly_copay_ratio, members.notified_on)
          IS DISTINCT FROM
          (EXCLUDED.relationship, EXCLUDED.name_kanji, EXCLUDED.name_kana, EXCLUDED.birth_date, EXCLUDED.sex,
           EXCLUDED.address, EXCLUDED.my_number, EXCLUDED.copay_ratio, EXCLUDED.acquired_on, EXCLUDED.lost_on,
           EXCLUDED.loss_reason, EXCLUDED.limit_kind, EXCLUDED.limit_category, EXCLUDED.limit_issued_on,
           EXCLUDED.limit_valid_from, EXCLUDED.limit_valid_until, EXCLUDED.elderly_issued_on,
           EXCLUDED.elderly_valid_from, EXCLUDED.elderly_valid_until, EXCLUDED.elderly_copay_ratio,
           EXCLUDED.notified_on)
       OR (COALESCE(members.link_state, 'active') = 'active' AND
           (members.person_id, members.link_method, members.link_state)
           IS DISTINCT FROM (EXCLUDED.person_id, EXCLUDED.link_method, EXCLUDED.link_state))
    RETURNING member_id, (xmax = 0) AS inserted, insurer_number, symbol, number, branch, person_id, link_state";

/// Upsert a batch of members: each new or changed link is judged first, and
/// a suspended or confirmed link is kept as it is.
pub(super) async fn upsert_members(
    tx: &mut Transaction<'static, Postgres>,
    members: &[Member],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<BatchOutcome, StoreError> {
    let details: Vec<crate::decode::DetailColumns> = members.iter().map(crate::decode::DetailColumns::of).collect();
    let column = |f: fn(&crate::decode::DetailColumns) -> Option<Date>| details.iter().map(f).collect::<Vec<_>>();
    let numbers: Vec<String> =
        members.iter().filter_map(|m| m.my_number.as_ref().map(|n| n.as_str().to_owned())).collect();
    let residents = if numbers.is_empty() { HashMap::new() } else { residents_for_links(tx, numbers).await? };
    let n = members.len();
    let (mut person_id, mut link_method, mut link_state, mut reasons) =
        (Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n), Vec::with_capacity(n));
    for member in members {
        match member.my_number.as_ref().and_then(|number| residents.get(number.as_str())) {
            Some((person, resident)) => {
                let (state, verdict) = inspection::check_link(&member.attributes, resident);
                person_id.push(Some(*person));
                link_method.push(Some("my_number"));
                link_state.push(Some(state.code()));
                reasons.push(match verdict {
                    LinkVerdict::Mismatch { .. } => inspection::reasons_text(&verdict),
                    _ => String::new(),
                });
            }
            None => {
                person_id.push(None);
                link_method.push(None);
                link_state.push(None);
                reasons.push(String::new());
            }
        }
    }
    let rows = sqlx::query(MEMBER_UPSERT)
        .bind(members.iter().map(|m| m.key.insurer_number.as_str().to_owned()).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.key.symbol.as_str().to_owned()).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.key.number.as_str().to_owned()).collect::<Vec<_>>())
        .bind(members.iter().map(|m| i16::from(m.key.branch.value())).collect::<Vec<_>>())
        .bind(members.iter().map(|m| i16::from(m.relationship.code())).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.attributes.name_kanji.clone()).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.attributes.name_kana.clone()).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.attributes.birth_date).collect::<Vec<_>>())
        .bind(members.iter().map(|m| i16::from(m.attributes.sex.code())).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.attributes.address.clone()).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.my_number.as_ref().map(|n| n.as_str().to_owned())).collect::<Vec<_>>())
        .bind(members.iter().map(|m| i16::from(m.copay_ratio.tenths())).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.acquired_on).collect::<Vec<_>>())
        .bind(members.iter().map(|m| m.lost_on).collect::<Vec<_>>())
        .bind(&person_id)
        .bind(&link_method)
        .bind(&link_state)
        .bind(details.iter().map(|d| d.loss_reason).collect::<Vec<_>>())
        .bind(details.iter().map(|d| d.limit_kind).collect::<Vec<_>>())
        .bind(details.iter().map(|d| d.limit_category).collect::<Vec<_>>())
        .bind(column(|d| d.limit_issued_on))
        .bind(column(|d| d.limit_valid_from))
        .bind(column(|d| d.limit_valid_until))
        .bind(column(|d| d.elderly_issued_on))
        .bind(column(|d| d.elderly_valid_from))
        .bind(column(|d| d.elderly_valid_until))
        .bind(details.iter().map(|d| d.elderly_copay_ratio.map(i16::from)).collect::<Vec<_>>())
        .bind(column(|d| d.notified_on))
        .bind(now)
        .fetch_all(&mut **tx)
        .await
        .map_err(db_err("upserting members"))?;
    let index: HashMap<(&str, &str, &str, i16), usize> = members
        .iter()
        .enumerate()
        .map(|(idx, m)| {
            (
                (
                    m.key.insurer_number.as_str(),
                    m.key.symbol.as_str(),
                    m.key.number.as_str(),
                    i16::from(m.key.branch.value()),
                ),
                idx,
            )
        })
        .collect();
    let mut outcome = BatchOutcome { unchanged: (n - rows.len()) as u64, ..BatchOutcome::default() };
    let mut holds = Holds::default();
    for row in rows {
        let get = read("reading the upsert result");
        if row.try_get::<bool, _>("inserted").map_err(&get)? {
            outcome.inserted += 1;
        } else {
            outcome.updated += 1;
        }
        let insurer: String = row.try_get("insurer_number").map_err(&get)?;
        let symbol: String = row.try_get("symbol").map_err(&get)?;
        let number: String = row.try_get("number").map_err(&get)?;
        let branch: i16 = row.try_get("branch").map_err(&get)?;
        let Some(&idx) = index.get(&(insurer.as_str(), symbol.as_str(), number.as_str(), branch)) else { continue };
        let written_person: Option<i64> = row.try_get("person_id").map_err(&get)?;
        let written_state: Option<String> = row.try_get("link_state").map_err(&get)?;
        // Only a link written as judged here counts; a kept one is not new.
        if written_person != person_id[idx] || written_state.as_deref() != link_state[idx] {
            continue;
        }
        if let Some(person) = person_id[idx] {
            outcome.linked += 1;
            if link_state[idx] == Some(LinkState::Suspended.code()) {
                let member_id: i64 = row.try_get("member_id").map_err(&get)?;
                holds.push(member_id, person, &insurer, std::mem::take(&mut reasons[idx]));
            }
        }
    }
    outcome.suspended = holds.record(tx, SuspensionSource::Import, Utc::now()).await?;
    Ok(outcome)
}

/// Link the members waiting for these My Numbers, each judged against its
/// resident; returns (linked, suspended).
pub(super) async fn link_waiting(conn: &mut PgConnection, numbers: Vec<String>) -> Result<(u64, u64), StoreError> {
    let rows = sqlx::query(
        "SELECT m.member_id, m.insurer_number, m.name_kanji, m.name_kana, m.birth_date, m.sex, m.address,
                r.person_id, r.name_kanji, r.name_kana, r.birth_date, r.sex, r.address
         FROM members AS m JOIN residents AS r ON r.my_number = m.my_number
         WHERE m.person_id IS NULL AND r.my_number = ANY($1::text[])
         FOR UPDATE OF m",
    )
    .bind(numbers)
    .fetch_all(&mut *conn)
    .await
    .map_err(db_err("reading waiting members"))?;
    if rows.is_empty() {
        return Ok((0, 0));
    }
    let (mut member_ids, mut person_ids, mut states) = (Vec::new(), Vec::new(), Vec::new());
    let mut holds = Holds::default();
    for row in &rows {
        let decode = read("decoding a waiting member");
        let member_id: i64 = row.try_get(0).map_err(&decode)?;
        let insurer: String = row.try_get(1).map_err(&decode)?;
        let member = attributes(row, 2).map_err(&decode)?.decode("members", &format!("member_id={member_id}"))?;
        let person_id: i64 = row.try_get(7).map_err(&decode)?;
        let resident = attributes(row, 8).map_err(&decode)?.decode("residents", &format!("person_id={person_id}"))?;
        let (state, verdict) = inspection::check_link(&member, &resident);
        if state == LinkState::Suspended {
            holds.push(member_id, person_id, &insurer, inspection::reasons_text(&verdict));
        }
        member_ids.push(member_id);
        person_ids.push(person_id);
        states.push(state.code());
    }
    let linked = sqlx::query(
        "UPDATE members AS m SET person_id = u.person_id, link_method = 'my_number', link_state = u.state,
                updated_at = now()
         FROM UNNEST($1::int8[], $2::int8[], $3::text[]) AS u(member_id, person_id, state)
         WHERE m.member_id = u.member_id",
    )
    .bind(member_ids)
    .bind(person_ids)
    .bind(states)
    .execute(&mut *conn)
    .await
    .map_err(db_err("linking waiting members"))?
    .rows_affected();
    let suspended = holds.record(conn, SuspensionSource::Registry, Utc::now()).await?;
    Ok((linked, suspended))
}

const ITEM_COLUMNS: &str = "SELECT m.member_id, m.insurer_number, m.symbol, m.number, m.branch,
        m.name_kanji, m.name_kana, m.birth_date, m.sex, m.address, m.my_number IS NOT NULL, m.person_id, m.link_state,
        r.resident_code, r.name_kanji, r.name_kana, r.birth_date, r.sex, r.address
    FROM members AS m LEFT JOIN residents AS r ON r.person_id = m.person_id";

fn item_raw(row: &PgRow) -> Result<RawItem, sqlx::Error> {
    let resident_code: Option<String> = row.try_get(13)?;
    let resident = match resident_code {
        Some(code) => Some((code, attributes(row, 14)?)),
        None => None,
    };
    Ok(RawItem {
        member_id: row.try_get(0)?,
        insurer_number: row.try_get(1)?,
        symbol: row.try_get(2)?,
        number: row.try_get(3)?,
        branch: i64::from(row.try_get::<i16, _>(4)?),
        attributes: attributes(row, 5)?,
        has_my_number: row.try_get(10)?,
        person_id: row.try_get(11)?,
        link_state: row.try_get(12)?,
        resident,
    })
}

pub(super) async fn inspection_batch(
    pool: &PgPool,
    insurer: Option<&InsurerNumber>,
    after: Option<&MemberKey>,
    limit: u32,
) -> Result<Vec<InspectionItem>, StoreError> {
    // Keyset pagination on the unique key: each page is an index range scan
    // starting where the last one stopped, however far into the table.
    let (a_insurer, a_symbol, a_number, a_branch) = match after {
        Some(key) => {
            (key.insurer_number.as_str(), key.symbol.as_str(), key.number.as_str(), i16::from(key.branch.value()))
        }
        None => ("", "", "", -1),
    };
    let sql = format!(
        "{ITEM_COLUMNS} WHERE ($6::text IS NULL OR m.insurer_number = $6)
           AND (m.insurer_number, m.symbol, m.number, m.branch) > ($1, $2, $3, $4)
         ORDER BY m.insurer_number, m.symbol, m.number, m.branch LIMIT $5"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(a_insurer)
        .bind(a_symbol)
        .bind(a_number)
        .bind(a_branch)
        .bind(i64::from(limit))
        .bind(insurer.map(InsurerNumber::as_str))
        .fetch_all(pool)
        .await
        .map_err(db_err("reading members to inspect"))?;
    rows.iter().map(|row| item_raw(row).map_err(db_err("decoding a member to inspect"))?.decode()).collect()
}

pub(super) async fn inspection_size(pool: &PgPool, insurer: Option<&InsurerNumber>) -> Result<u64, StoreError> {
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM members WHERE $1::text IS NULL OR insurer_number = $1")
        .bind(insurer.map(InsurerNumber::as_str))
        .fetch_one(pool)
        .await
        .map_err(db_err("counting members"))?;
    Ok(n as u64)
}

pub(super) async fn match_candidates(pool: &PgPool, keys: Vec<String>) -> Result<Vec<Candidate>, StoreError> {
    let rows = sqlx::query(
        "SELECT match_key, person_id, resident_code, name_kanji, name_kana, birth_date, sex, address
         FROM residents WHERE match_key = ANY($1::text[]) ORDER BY match_key, person_id",
    )
    .bind(keys)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading candidates"))?;
    rows.iter()
        .map(|row| {
            let decode = read("decoding a candidate");
            let person_id: i64 = row.try_get(1).map_err(&decode)?;
            let key = format!("person_id={person_id}");
            let code: String = row.try_get(2).map_err(&decode)?;
            Ok(Candidate {
                match_key: row.try_get(0).map_err(&decode)?,
                person_id: PersonId(person_id),
                resident_code: crate::decode::parse("residents", &key, "resident_code", &code)?,
                attributes: attributes(row, 3).map_err(&decode)?.decode("residents", &key)?,
            })
        })
        .collect()
}

pub(super) async fn fill_match_keys(pool: &PgPool, limit: u32) -> Result<u64, StoreError> {
    let rows = sqlx::query("SELECT person_id, name_kana, birth_date FROM residents WHERE match_key IS NULL LIMIT $1")
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(db_err("reading residents without a match key"))?;
    let (mut ids, mut keys) = (Vec::with_capacity(rows.len()), Vec::with_capacity(rows.len()));
    for row in &rows {
        let decode = read("decoding a resident");
        ids.push(row.try_get::<i64, _>(0).map_err(&decode)?);
        keys.push(inspection::match_key(
            &row.try_get::<String, _>(1).map_err(&decode)?,
            row.try_get(2).map_err(&decode)?,
        ));
    }
    if ids.is_empty() {
        return Ok(0);
    }
    sqlx::query(
        "UPDATE residents AS r SET match_key = u.match_key
         FROM UNNEST($1::int8[], $2::text[]) AS u(person_id, match_key) WHERE r.person_id = u.person_id",
    )
    .bind(&ids)
    .bind(keys)
    .execute(pool)
    .await
    .map_err(db_err("writing match keys"))?;
    Ok(ids.len() as u64)
}

pub(super) async fn suspend_links(
    pool: &PgPool,
    links: Vec<NewSuspension>,
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let member_ids: Vec<i64> = links.iter().map(|l| l.member_id.0).collect();
    let person_ids: Vec<i64> = links.iter().map(|l| l.person_id.0).collect();
    // The state, the suspension and the notice change in one transaction: a
    // link already held was recorded when it was held.
    let changed: Vec<i64> = sqlx::query_scalar(
        "UPDATE members AS m SET link_state = 'suspended', updated_at = $3
         FROM UNNEST($1::int8[], $2::int8[]) AS u(member_id, person_id)
         WHERE m.member_id = u.member_id AND m.person_id = u.person_id AND m.link_state = 'active'
         RETURNING m.member_id",
    )
    .bind(&member_ids)
    .bind(&person_ids)
    .bind(at)
    .fetch_all(&mut *tx)
    .await
    .map_err(db_err("suspending links"))?;
    let changed: std::collections::HashSet<i64> = changed.into_iter().collect();
    let mut holds = Holds::default();
    for link in links.into_iter().filter(|l| changed.contains(&l.member_id.0)) {
        holds.push(link.member_id.0, link.person_id.0, link.insurer_number.as_str(), link.reasons.join(";"));
    }
    let n = holds.record(&mut tx, SuspensionSource::Inspection, at).await?;
    tx.commit().await.map_err(db_err("committing suspensions"))?;
    Ok(n)
}

const SUSPENSION_COLUMNS: &str = "s.member_id, s.person_id, s.source, s.reasons, s.suspended_at, s.resolution,
    s.resolved_at, s.resolved_by, s.corrected_to";

fn suspension_raw(row: &PgRow) -> Result<RawSuspension, sqlx::Error> {
    Ok(RawSuspension {
        member_id: row.try_get(0)?,
        person_id: row.try_get(1)?,
        source: row.try_get(2)?,
        reasons: row.try_get(3)?,
        suspended_at: row.try_get(4)?,
        resolution: row.try_get(5)?,
        resolved_at: row.try_get(6)?,
        resolved_by: row.try_get(7)?,
        corrected_to: row.try_get(8)?,
    })
}

pub(super) async fn suspended_links(
    pool: &PgPool,
    insurer: Option<&InsurerNumber>,
) -> Result<Vec<SuspendedLink>, StoreError> {
    let sql = format!(
        "SELECT {SUSPENSION_COLUMNS}, m.insurer_number, m.symbol, m.number, m.branch, r.resident_code
         FROM members AS m
         JOIN linkage_suspensions AS s ON s.member_id = m.member_id AND s.person_id = m.person_id
         JOIN residents AS r ON r.person_id = m.person_id
         WHERE m.link_state = 'suspended' AND s.resolution IS NULL AND ($1::text IS NULL OR m.insurer_number = $1)
         ORDER BY m.insurer_number, m.symbol, m.number, m.branch"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(insurer.map(InsurerNumber::as_str))
        .fetch_all(pool)
        .await
        .map_err(db_err("reading suspended links"))?;
    rows.iter()
        .map(|row| {
            let decode = read("decoding a suspended link");
            let raw = suspension_raw(row).map_err(&decode)?;
            let insurer: String = row.try_get(9).map_err(&decode)?;
            let symbol: String = row.try_get(10).map_err(&decode)?;
            let number: String = row.try_get(11).map_err(&decode)?;
            let branch: i16 = row.try_get(12).map_err(&decode)?;
            let code: String = row.try_get(13).map_err(&decode)?;
            inspection::suspended_link(raw, &insurer, &symbol, &number, i64::from(branch), &code)
        })
        .collect()
}

pub(super) async fn suspensions_of_member(pool: &PgPool, member_id: MemberId) -> Result<Vec<Suspension>, StoreError> {
    let sql = format!(
        "SELECT {SUSPENSION_COLUMNS} FROM linkage_suspensions AS s WHERE s.member_id = $1
         ORDER BY s.suspended_at, s.person_id"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(member_id.0)
        .fetch_all(pool)
        .await
        .map_err(db_err("reading suspensions"))?;
    rows.iter().map(|row| suspension_raw(row).map_err(db_err("decoding a suspension"))?.decode()).collect()
}

pub(super) async fn member_in(
    conn: &mut PgConnection,
    key: &MemberKey,
    lock: bool,
) -> Result<Option<StoredMember>, StoreError> {
    let sql = format!(
        "{MEMBER_SELECT} WHERE insurer_number = $1 AND symbol = $2 AND number = $3 AND branch = $4{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    let row = sqlx::query(AssertSqlSafe(sql))
        .bind(key.insurer_number.as_str())
        .bind(key.symbol.as_str())
        .bind(key.number.as_str())
        .bind(i16::from(key.branch.value()))
        .fetch_optional(&mut *conn)
        .await
        .map_err(db_err("reading a member"))?;
    row.map(|row| member_raw(&row).map_err(db_err("decoding a member"))?.decode()).transpose()
}

pub(super) async fn decide_link(
    pool: &PgPool,
    key: &MemberKey,
    decision: &LinkDecision,
    by: &str,
    at: DateTime<Utc>,
) -> Result<StoredMember, StoreError> {
    let mut tx = pool.begin().await.map_err(db_err("starting a transaction"))?;
    let member = member_in(&mut tx, key, true).await?.ok_or_else(|| inspection::member_not_found(key))?;
    let member_id = member.member_id.0;
    let old_person = member.person_id.map(|p| p.0);
    let (person_id, method, state, resolution): (Option<i64>, Option<&str>, Option<&str>, &str) = match decision {
        LinkDecision::Confirm => {
            if old_person.is_none() {
                return Err(inspection::not_linked(key));
            }
            (old_person, member.link_method.map(crate::decode::link_method_code), Some("confirmed"), "confirmed")
        }
        LinkDecision::CorrectTo(code) => {
            let person: i64 = sqlx::query_scalar("SELECT person_id FROM residents WHERE resident_code = $1")
                .bind(code.as_str())
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err("reading a resident"))?
                .ok_or_else(|| inspection::resident_not_found(code))?;
            (Some(person), Some("insurer"), Some("confirmed"), "corrected")
        }
        LinkDecision::Unlink => (None, None, None, "corrected"),
    };
    sqlx::query(
        "UPDATE members SET person_id = $2, link_method = $3, link_state = $4, updated_at = $5 WHERE member_id = $1",
    )
    .bind(member_id)
    .bind(person_id)
    .bind(method)
    .bind(state)
    .bind(at)
    .execute(&mut *tx)
    .await
    .map_err(db_err("deciding a link"))?;
    if let Some(old_person) = old_person {
        let corrected_to = if resolution == "corrected" { person_id } else { None };
        sqlx::query(
            "UPDATE linkage_suspensions SET resolution = $3, resolved_at = $4, resolved_by = $5, corrected_to = $6
             WHERE member_id = $1 AND person_id = $2 AND resolution IS NULL",
        )
        .bind(member_id)
        .bind(old_person)
        .bind(resolution)
        .bind(at)
        .bind(by)
        .bind(corrected_to)
        .execute(&mut *tx)
        .await
        .map_err(db_err("resolving a suspension"))?;
    }
    let decided = member_in(&mut tx, key, false).await?.ok_or_else(|| inspection::member_not_found(key))?;
    tx.commit().await.map_err(db_err("committing a link decision"))?;
    Ok(decided)
}

pub(super) async fn notices_of_person(pool: &PgPool, person_id: PersonId) -> Result<Vec<Notice>, StoreError> {
    let rows = sqlx::query(
        "SELECT notice_id, person_id, kind, reference, body, created_at, read_at FROM notices
         WHERE person_id = $1 ORDER BY created_at, notice_id",
    )
    .bind(person_id.0)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading notices"))?;
    rows.iter()
        .map(|row| {
            let decode = read("decoding a notice");
            Ok(Notice {
                notice_id: row.try_get(0).map_err(&decode)?,
                person_id: PersonId(row.try_get(1).map_err(&decode)?),
                kind: row.try_get(2).map_err(&decode)?,
                reference: row.try_get(3).map_err(&decode)?,
                body: row.try_get(4).map_err(&decode)?,
                created_at: row.try_get(5).map_err(&decode)?,
                read_at: row.try_get(6).map_err(&decode)?,
            })
        })
        .collect()
}

pub(super) async fn record_medical_access(pool: &PgPool, access: &MedicalAccess) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO medical_access_log (person_id, member_id, facility_code, accessor, what, basis, accessed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(access.person_id.0)
    .bind(access.member_id.map(|m| m.0))
    .bind(&access.facility_code)
    .bind(&access.accessor)
    .bind(&access.what)
    .bind(&access.basis)
    .bind(access.accessed_at)
    .execute(pool)
    .await
    .map_err(|e| {
        if e.as_database_error().and_then(|db| db.code()).is_some_and(|code| code == "23503") {
            StoreError::NotFound { what: format!("person_id {} or member_id {:?}", access.person_id, access.member_id) }
        } else {
            StoreError::unavailable("recording a medical access", e)
        }
    })?;
    Ok(())
}

pub(super) async fn accesses_through_link(
    pool: &PgPool,
    member_id: MemberId,
    person_id: PersonId,
) -> Result<Vec<MedicalAccess>, StoreError> {
    let rows = sqlx::query(
        "SELECT person_id, member_id, facility_code, accessor, what, basis, accessed_at FROM (
                SELECT person_id, member_id, facility_code, accessor, what, basis, accessed_at, 0 AS src,
                       access_id AS ord
                FROM medical_access_log WHERE member_id = $1 AND person_id = $2
                UNION ALL
                SELECT person_id, member_id, CASE WHEN actor_kind = 'facility' THEN actor_id END,
                       actor_kind || ':' || actor_id || CASE WHEN staff_id <> '' THEN '/' || staff_id ELSE '' END,
                       category, basis, at, 1, seq
                FROM access_log WHERE member_id = $1 AND person_id = $2
             ) AS a ORDER BY accessed_at, src, ord",
    )
    .bind(member_id.0)
    .bind(person_id.0)
    .fetch_all(pool)
    .await
    .map_err(db_err("reading the access log"))?;
    rows.iter()
        .map(|row| {
            let decode = read("decoding an access");
            Ok(MedicalAccess {
                person_id: PersonId(row.try_get(0).map_err(&decode)?),
                member_id: row.try_get::<Option<i64>, _>(1).map_err(&decode)?.map(MemberId),
                facility_code: row.try_get(2).map_err(&decode)?,
                accessor: row.try_get(3).map_err(&decode)?,
                what: row.try_get(4).map_err(&decode)?,
                basis: row.try_get(5).map_err(&decode)?,
                accessed_at: row.try_get(6).map_err(&decode)?,
            })
        })
        .collect()
}
