//! Linkage integrity on SQLite (see [`crate::inspection`]).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use onshi_domain::id::InsurerNumber;
use onshi_domain::insurance::MemberKey;
use onshi_domain::linkage::LinkVerdict;
use onshi_domain::person::FiveAttributes;

use crate::decode::RawAttributes;
use crate::inspection::{
    self, Candidate, InspectionItem, LinkDecision, MedicalAccess, NewSuspension, Notice, RawItem, RawSuspension,
    SuspendedLink, Suspension, SuspensionSource,
};
use crate::{LinkState, MemberId, PersonId, StoreError, StoredMember};

use super::rows::{parse_ts, ts, ts_at};
use super::{db_err, rows};

fn opt_ts_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<DateTime<Utc>>> {
    row.get::<_, Option<String>>(idx)?.map(|text| parse_ts(idx, &text)).transpose()
}

/// The resident carrying a My Number, with the 5 attributes a new link is judged on.
pub(super) fn resident_for_link(
    conn: &Connection,
    my_number: &str,
) -> Result<Option<(i64, FiveAttributes)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT person_id, name_kanji, name_kana, birth_date, sex, address FROM residents WHERE my_number = ?1",
        )
        .map_err(db_err("preparing the person lookup"))?;
    let raw = stmt
        .query_row([my_number], |row| Ok((row.get::<_, i64>(0)?, rows::attributes(row, 1)?)))
        .optional()
        .map_err(db_err("looking up a person by My Number"))?;
    raw.map(|(person_id, attributes)| {
        Ok((person_id, attributes.decode("residents", &format!("person_id={person_id}"))?))
    })
    .transpose()
}

/// Record a held link: its suspension (reopened if it had been resolved) and
/// a notice to the person. Both are keyed, so holding twice changes nothing.
pub(super) fn hold(
    tx: &Connection,
    member_id: i64,
    person_id: i64,
    insurer_number: &str,
    source: SuspensionSource,
    reasons: &str,
    at: &str,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO linkage_suspensions (member_id, person_id, source, reasons, suspended_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (member_id, person_id) DO UPDATE SET
             source = excluded.source, reasons = excluded.reasons, suspended_at = excluded.suspended_at,
             resolution = NULL, resolved_at = NULL, resolved_by = NULL, corrected_to = NULL
         WHERE linkage_suspensions.resolution IS NOT NULL",
    )
    .map_err(db_err("preparing the suspension insert"))?
    .execute(params![member_id, person_id, source.code(), reasons, at])
    .map_err(db_err("recording a suspension"))?;
    let (reference, body) = inspection::linkage_notice(MemberId(member_id), insurer_number);
    tx.prepare_cached(
        "INSERT INTO notices (person_id, kind, reference, body, created_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (person_id, kind, reference) DO NOTHING",
    )
    .map_err(db_err("preparing the notice insert"))?
    .execute(params![person_id, inspection::NOTICE_LINKAGE_CHECK, reference, body, at])
    .map_err(db_err("recording a notice"))?;
    Ok(())
}

/// Link the members waiting for this resident's My Number, each judged
/// against the resident; returns (linked, suspended).
pub(super) fn link_waiting(
    tx: &Connection,
    resident_code: &str,
    my_number: &str,
    resident: &FiveAttributes,
    at: &str,
) -> Result<(u64, u64), StoreError> {
    let waiting: Vec<(i64, String, RawAttributes)> = {
        let mut stmt = tx
            .prepare_cached(
                "SELECT member_id, insurer_number, name_kanji, name_kana, birth_date, sex, address FROM members
                 WHERE person_id IS NULL AND my_number = ?1",
            )
            .map_err(db_err("preparing the waiting members query"))?;
        stmt.query_map([my_number], |row| Ok((row.get(0)?, row.get(1)?, rows::attributes(row, 2)?)))
            .map_err(db_err("reading waiting members"))?
            .collect::<Result<_, _>>()
            .map_err(db_err("reading waiting members"))?
    };
    if waiting.is_empty() {
        return Ok((0, 0));
    }
    let person_id: i64 = tx
        .query_row("SELECT person_id FROM residents WHERE resident_code = ?1", [resident_code], |row| row.get(0))
        .map_err(db_err("reading the person of a resident"))?;
    let (mut linked, mut suspended) = (0, 0);
    for (member_id, insurer_number, raw) in waiting {
        let member = raw.decode("members", &format!("member_id={member_id}"))?;
        let (state, verdict) = inspection::check_link(&member, resident);
        tx.prepare_cached(
            "UPDATE members SET person_id = ?2, link_method = 'my_number', link_state = ?3, updated_at = ?4
             WHERE member_id = ?1",
        )
        .map_err(db_err("preparing the member link"))?
        .execute(params![member_id, person_id, state.code(), at])
        .map_err(db_err("linking a waiting member"))?;
        linked += 1;
        if state == LinkState::Suspended {
            hold(
                tx,
                member_id,
                person_id,
                &insurer_number,
                SuspensionSource::Registry,
                &inspection::reasons_text(&verdict),
                at,
            )?;
            suspended += 1;
        }
    }
    Ok((linked, suspended))
}

const ITEM_COLUMNS: &str = "SELECT m.member_id, m.insurer_number, m.symbol, m.number, m.branch,
        m.name_kanji, m.name_kana, m.birth_date, m.sex, m.address, m.my_number IS NOT NULL, m.person_id, m.link_state,
        r.resident_code, r.name_kanji, r.name_kana, r.birth_date, r.sex, r.address
    FROM members AS m LEFT JOIN residents AS r ON r.person_id = m.person_id";

fn item_raw(row: &Row<'_>) -> rusqlite::Result<RawItem> {
    let resident_code: Option<String> = row.get(13)?;
    let resident = match resident_code {
        Some(code) => Some((code, rows::attributes(row, 14)?)),
        None => None,
    };
    Ok(RawItem {
        member_id: row.get(0)?,
        insurer_number: row.get(1)?,
        symbol: row.get(2)?,
        number: row.get(3)?,
        branch: row.get(4)?,
        attributes: rows::attributes(row, 5)?,
        has_my_number: row.get(10)?,
        person_id: row.get(11)?,
        link_state: row.get(12)?,
        resident,
    })
}

pub(super) fn inspection_batch(
    conn: &Connection,
    insurer: Option<&InsurerNumber>,
    after: Option<&MemberKey>,
    limit: u32,
) -> Result<Vec<InspectionItem>, StoreError> {
    // Keyset pagination on the unique key: each page is an index range scan
    // starting where the last one stopped, however far into the table.
    let (a_insurer, a_symbol, a_number, a_branch) = match after {
        Some(key) => {
            (key.insurer_number.as_str(), key.symbol.as_str(), key.number.as_str(), i64::from(key.branch.value()))
        }
        None => ("", "", "", -1),
    };
    let order = "ORDER BY m.insurer_number, m.symbol, m.number, m.branch LIMIT ?5";
    let raws: Vec<RawItem> = match insurer {
        Some(insurer) => {
            let sql = format!(
                "{ITEM_COLUMNS} WHERE m.insurer_number = ?6 AND (m.insurer_number, m.symbol, m.number, m.branch) > (?1, ?2, ?3, ?4) {order}"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the inspection query"))?;
            stmt.query_map(params![a_insurer, a_symbol, a_number, a_branch, limit, insurer.as_str()], item_raw)
                .map_err(db_err("reading members to inspect"))?
                .collect::<Result<_, _>>()
                .map_err(db_err("reading members to inspect"))?
        }
        None => {
            let sql = format!(
                "{ITEM_COLUMNS} WHERE (m.insurer_number, m.symbol, m.number, m.branch) > (?1, ?2, ?3, ?4) {order}"
            );
            let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the inspection query"))?;
            stmt.query_map(params![a_insurer, a_symbol, a_number, a_branch, limit], item_raw)
                .map_err(db_err("reading members to inspect"))?
                .collect::<Result<_, _>>()
                .map_err(db_err("reading members to inspect"))?
        }
    };
    raws.into_iter().map(RawItem::decode).collect()
}

pub(super) fn inspection_size(conn: &Connection, insurer: Option<&InsurerNumber>) -> Result<u64, StoreError> {
    let n: i64 = match insurer {
        Some(insurer) => {
            conn.query_row("SELECT count(*) FROM members WHERE insurer_number = ?1", [insurer.as_str()], |row| {
                row.get(0)
            })
        }
        None => conn.query_row("SELECT count(*) FROM members", [], |row| row.get(0)),
    }
    .map_err(db_err("counting members"))?;
    Ok(n as u64)
}

pub(super) fn match_candidates(conn: &Connection, keys: &[String]) -> Result<Vec<Candidate>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT match_key, person_id, resident_code, name_kanji, name_kana, birth_date, sex, address
             FROM residents WHERE match_key = ?1",
        )
        .map_err(db_err("preparing the candidates query"))?;
    let mut out = Vec::new();
    let mut sorted: Vec<&String> = keys.iter().collect();
    sorted.sort_unstable();
    sorted.dedup();
    for key in sorted {
        let raws: Vec<(String, i64, String, RawAttributes)> = stmt
            .query_map([key], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, rows::attributes(row, 3)?)))
            .map_err(db_err("reading candidates"))?
            .collect::<Result<_, _>>()
            .map_err(db_err("reading candidates"))?;
        for (match_key, person_id, code, attributes) in raws {
            let key = format!("person_id={person_id}");
            out.push(Candidate {
                match_key,
                person_id: PersonId(person_id),
                resident_code: crate::decode::parse("residents", &key, "resident_code", &code)?,
                attributes: attributes.decode("residents", &key)?,
            });
        }
    }
    Ok(out)
}

pub(super) fn fill_match_keys(conn: &mut Connection, limit: u32) -> Result<u64, StoreError> {
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let missing: Vec<(i64, String, onshi_domain::Date)> = {
        let mut stmt = tx
            .prepare_cached("SELECT person_id, name_kana, birth_date FROM residents WHERE match_key IS NULL LIMIT ?1")
            .map_err(db_err("preparing the missing keys query"))?;
        stmt.query_map([limit], |row| Ok((row.get(0)?, row.get(1)?, rows::date_at(row, 2)?)))
            .map_err(db_err("reading residents without a match key"))?
            .collect::<Result<_, _>>()
            .map_err(db_err("reading residents without a match key"))?
    };
    {
        let mut update = tx
            .prepare_cached("UPDATE residents SET match_key = ?2 WHERE person_id = ?1")
            .map_err(db_err("preparing the match key update"))?;
        for (person_id, kana, birth) in &missing {
            update
                .execute(params![person_id, inspection::match_key(kana, *birth)])
                .map_err(db_err("writing a match key"))?;
        }
    }
    tx.commit().map_err(db_err("committing match keys"))?;
    Ok(missing.len() as u64)
}

pub(super) fn suspend_links(
    conn: &mut Connection,
    links: &[NewSuspension],
    at: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let at = ts(at);
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let mut suspended = 0;
    for link in links {
        let changed = tx
            .prepare_cached(
                "UPDATE members SET link_state = 'suspended', updated_at = ?3
                 WHERE member_id = ?1 AND person_id = ?2 AND link_state = 'active'",
            )
            .map_err(db_err("preparing the suspension"))?
            .execute(params![link.member_id.0, link.person_id.0, at])
            .map_err(db_err("suspending a link"))?;
        // The state, the suspension and the notice change in one
        // transaction: a link already held was recorded when it was held.
        if changed == 1 {
            hold(
                &tx,
                link.member_id.0,
                link.person_id.0,
                link.insurer_number.as_str(),
                SuspensionSource::Inspection,
                &link.reasons.join(";"),
                &at,
            )?;
        }
        suspended += changed as u64;
    }
    tx.commit().map_err(db_err("committing suspensions"))?;
    Ok(suspended)
}

const SUSPENSION_COLUMNS: &str = "s.member_id, s.person_id, s.source, s.reasons, s.suspended_at, s.resolution,
    s.resolved_at, s.resolved_by, s.corrected_to";

fn suspension_raw(row: &Row<'_>) -> rusqlite::Result<RawSuspension> {
    Ok(RawSuspension {
        member_id: row.get(0)?,
        person_id: row.get(1)?,
        source: row.get(2)?,
        reasons: row.get(3)?,
        suspended_at: ts_at(row, 4)?,
        resolution: row.get(5)?,
        resolved_at: opt_ts_at(row, 6)?,
        resolved_by: row.get(7)?,
        corrected_to: row.get(8)?,
    })
}

pub(super) fn suspended_links(
    conn: &Connection,
    insurer: Option<&InsurerNumber>,
) -> Result<Vec<SuspendedLink>, StoreError> {
    let sql = format!(
        "SELECT {SUSPENSION_COLUMNS}, m.insurer_number, m.symbol, m.number, m.branch, r.resident_code
         FROM members AS m
         JOIN linkage_suspensions AS s ON s.member_id = m.member_id AND s.person_id = m.person_id
         JOIN residents AS r ON r.person_id = m.person_id
         WHERE m.link_state = 'suspended' AND s.resolution IS NULL AND (?1 IS NULL OR m.insurer_number = ?1)
         ORDER BY m.insurer_number, m.symbol, m.number, m.branch"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the suspended links query"))?;
    let raws: Vec<(RawSuspension, String, String, String, i64, String)> = stmt
        .query_map([insurer.map(InsurerNumber::as_str)], |row| {
            Ok((suspension_raw(row)?, row.get(9)?, row.get(10)?, row.get(11)?, row.get(12)?, row.get(13)?))
        })
        .map_err(db_err("reading suspended links"))?
        .collect::<Result<_, _>>()
        .map_err(db_err("reading suspended links"))?;
    raws.into_iter()
        .map(|(raw, insurer, symbol, number, branch, code)| {
            inspection::suspended_link(raw, &insurer, &symbol, &number, branch, &code)
        })
        .collect()
}

pub(super) fn suspensions_of_member(conn: &Connection, member_id: MemberId) -> Result<Vec<Suspension>, StoreError> {
    let sql = format!(
        "SELECT {SUSPENSION_COLUMNS} FROM linkage_suspensions AS s WHERE s.member_id = ?1 ORDER BY s.suspended_at, s.person_id"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(db_err("preparing the suspensions query"))?;
    let raws: Vec<RawSuspension> = stmt
        .query_map([member_id.0], suspension_raw)
        .map_err(db_err("reading suspensions"))?
        .collect::<Result<_, _>>()
        .map_err(db_err("reading suspensions"))?;
    raws.into_iter().map(RawSuspension::decode).collect()
}

pub(super) fn member_in(conn: &Connection, key: &MemberKey) -> Result<Option<StoredMember>, StoreError> {
    let sql =
        format!("{} WHERE insurer_number = ?1 AND symbol = ?2 AND number = ?3 AND branch = ?4", rows::MEMBER_SELECT);
    conn.query_row(
        &sql,
        params![key.insurer_number.as_str(), key.symbol.as_str(), key.number.as_str(), key.branch.value()],
        rows::member_raw,
    )
    .optional()
    .map_err(db_err("reading a member"))?
    .map(rows::RawMember::decode)
    .transpose()
}

pub(super) fn decide_link(
    conn: &mut Connection,
    key: &MemberKey,
    decision: &LinkDecision,
    by: &str,
    at: DateTime<Utc>,
) -> Result<StoredMember, StoreError> {
    let at = ts(at);
    let tx = conn.transaction().map_err(db_err("starting a transaction"))?;
    let member = member_in(&tx, key)?.ok_or_else(|| inspection::member_not_found(key))?;
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
            let person: i64 = tx
                .query_row("SELECT person_id FROM residents WHERE resident_code = ?1", [code.as_str()], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(db_err("reading a resident"))?
                .ok_or_else(|| inspection::resident_not_found(code))?;
            (Some(person), Some("insurer"), Some("confirmed"), "corrected")
        }
        LinkDecision::Unlink => (None, None, None, "corrected"),
    };
    tx.execute(
        "UPDATE members SET person_id = ?2, link_method = ?3, link_state = ?4, updated_at = ?5 WHERE member_id = ?1",
        params![member_id, person_id, method, state, at],
    )
    .map_err(db_err("deciding a link"))?;
    if let Some(old_person) = old_person {
        let corrected_to = if resolution == "corrected" { person_id } else { None };
        tx.execute(
            "UPDATE linkage_suspensions SET resolution = ?3, resolved_at = ?4, resolved_by = ?5, corrected_to = ?6
             WHERE member_id = ?1 AND person_id = ?2 AND resolution IS NULL",
            params![member_id, old_person, resolution, at, by, corrected_to],
        )
        .map_err(db_err("resolving a suspension"))?;
    }
    let decided = member_in(&tx, key)?.ok_or_else(|| inspection::member_not_found(key))?;
    tx.commit().map_err(db_err("committing a link decision"))?;
    Ok(decided)
}

pub(super) fn notices_of_person(conn: &Connection, person_id: PersonId) -> Result<Vec<Notice>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT notice_id, person_id, kind, reference, body, created_at, read_at FROM notices
             WHERE person_id = ?1 ORDER BY created_at, notice_id",
        )
        .map_err(db_err("preparing the notices query"))?;
    stmt.query_map([person_id.0], |row| {
        Ok(Notice {
            notice_id: row.get(0)?,
            person_id: PersonId(row.get(1)?),
            kind: row.get(2)?,
            reference: row.get(3)?,
            body: row.get(4)?,
            created_at: ts_at(row, 5)?,
            read_at: opt_ts_at(row, 6)?,
        })
    })
    .map_err(db_err("reading notices"))?
    .collect::<Result<_, _>>()
    .map_err(db_err("reading notices"))
}

pub(super) fn record_medical_access(conn: &Connection, access: &MedicalAccess) -> Result<(), StoreError> {
    conn.execute(
        "INSERT INTO medical_access_log (person_id, member_id, facility_code, accessor, what, basis, accessed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            access.person_id.0,
            access.member_id.map(|m| m.0),
            access.facility_code,
            access.accessor,
            access.what,
            access.basis,
            ts(access.accessed_at)
        ],
    )
    .map_err(|e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY => {
            StoreError::NotFound { what: format!("person_id {} or member_id {:?}", access.person_id, access.member_id) }
        }
        e => StoreError::unavailable("recording a medical access", e),
    })?;
    Ok(())
}

pub(super) fn accesses_through_link(
    conn: &Connection,
    member_id: MemberId,
    person_id: PersonId,
) -> Result<Vec<MedicalAccess>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT person_id, member_id, facility_code, accessor, what, basis, accessed_at FROM (
                SELECT person_id, member_id, facility_code, accessor, what, basis, accessed_at, 0 AS src,
                       access_id AS ord
                FROM medical_access_log WHERE member_id = ?1 AND person_id = ?2
                UNION ALL
                SELECT person_id, member_id, CASE WHEN actor_kind = 'facility' THEN actor_id END,
                       actor_kind || ':' || actor_id || CASE WHEN staff_id <> '' THEN '/' || staff_id ELSE '' END,
                       category, basis, at, 1, seq
                FROM access_log WHERE member_id = ?1 AND person_id = ?2
             ) AS a ORDER BY accessed_at, src, ord",
        )
        .map_err(db_err("preparing the access log query"))?;
    stmt.query_map(params![member_id.0, person_id.0], |row| {
        Ok(MedicalAccess {
            person_id: PersonId(row.get(0)?),
            member_id: row.get::<_, Option<i64>>(1)?.map(MemberId),
            facility_code: row.get(2)?,
            accessor: row.get(3)?,
            what: row.get(4)?,
            basis: row.get(5)?,
            accessed_at: ts_at(row, 6)?,
        })
    })
    .map_err(db_err("reading the access log"))?
    .collect::<Result<_, _>>()
    .map_err(db_err("reading the access log"))
}

/// The judgement written with a link: its state and, when held, the reasons.
pub(super) fn judged(member: &FiveAttributes, resident: &FiveAttributes) -> (LinkState, String) {
    let (state, verdict) = inspection::check_link(member, resident);
    let reasons = match verdict {
        LinkVerdict::Mismatch { .. } => inspection::reasons_text(&verdict),
        _ => String::new(),
    };
    (state, reasons)
}
