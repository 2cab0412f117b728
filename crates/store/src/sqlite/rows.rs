//! SQLite row readers and value formats: dates are ISO `YYYY-MM-DD` text.

use chrono::Datelike;
use rusqlite::Row;
use rusqlite::types::Type;

use onshi_domain::Date;

use crate::decode::RawAttributes;
pub(super) use crate::decode::{RawDetails, RawMember, RawResident, facility, insurer};

pub(super) const RESIDENT_SELECT: &str =
    "SELECT person_id, resident_code, my_number, name_kanji, name_kana, birth_date, sex, address FROM residents";

pub(super) const MEMBER_SELECT: &str = "SELECT member_id, insurer_number, symbol, number, branch, relationship,
    name_kanji, name_kana, birth_date, sex, address, my_number, copay_ratio, acquired_on, lost_on, person_id,
    link_method, link_state, loss_reason, limit_kind, limit_category, limit_issued_on, limit_valid_from,
    limit_valid_until, elderly_issued_on, elderly_valid_from, elderly_valid_until, elderly_copay_ratio, notified_on,
    registered_at FROM members";

/// ISO date text, written without going through a formatter (hot path).
pub(super) fn iso(date: Date) -> String {
    let (year, month, day) = (date.year(), date.month(), date.day());
    if !(0..=9999).contains(&year) {
        return date.format("%Y-%m-%d").to_string();
    }
    let year = year as u32;
    let digits =
        [year / 1000, year / 100 % 10, year / 10 % 10, year % 10, 10, month / 10, month % 10, 10, day / 10, day % 10];
    digits.iter().map(|&d| if d == 10 { '-' } else { char::from(b'0' + d as u8) }).collect()
}

/// The `updated_at` stamp of a batch, as the SQL default writes it.
pub(super) fn now() -> String {
    ts(chrono::Utc::now())
}

/// A UTC instant as fixed-width text `YYYY-MM-DDTHH:MM:SS.mmmZ`, so that text
/// order is time order.
pub(super) fn ts(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// An instant written by [`ts`], read from column `idx`.
pub(super) fn ts_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    let text: String = row.get(idx)?;
    parse_ts(idx, &text)
}

/// An instant written by [`ts`], parsed from `text` (of column `idx`).
pub(super) fn parse_ts(idx: usize, text: &str) -> rusqlite::Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

/// Indexes of `rows` in the order of `key`. Writing a batch in key order
/// walks each unique index from left to right instead of jumping around it,
/// which keeps the touched pages hot in the cache.
pub(super) fn sorted_order<'a, T, K: Ord>(rows: &'a [T], key: impl Fn(&'a T) -> K) -> Vec<usize> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_unstable_by(|&a, &b| key(&rows[a]).cmp(&key(&rows[b])));
    order
}

fn parse_date(idx: usize, text: &str) -> rusqlite::Result<Date> {
    Date::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(idx, Type::Text, Box::new(e)))
}

pub(super) fn date_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Date> {
    parse_date(idx, &row.get::<_, String>(idx)?)
}

pub(super) fn opt_date_at(row: &Row<'_>, idx: usize) -> rusqlite::Result<Option<Date>> {
    row.get::<_, Option<String>>(idx)?.map(|text| parse_date(idx, &text)).transpose()
}

/// The 5 attributes in five consecutive columns from `first`.
pub(super) fn attributes(row: &Row<'_>, first: usize) -> rusqlite::Result<RawAttributes> {
    Ok(RawAttributes {
        name_kanji: row.get(first)?,
        name_kana: row.get(first + 1)?,
        birth_date: date_at(row, first + 2)?,
        sex: row.get(first + 3)?,
        address: row.get(first + 4)?,
    })
}

pub(super) fn resident_raw(row: &Row<'_>) -> rusqlite::Result<RawResident> {
    Ok(RawResident {
        person_id: row.get(0)?,
        resident_code: row.get(1)?,
        my_number: row.get(2)?,
        attributes: attributes(row, 3)?,
    })
}

pub(super) fn member_raw(row: &Row<'_>) -> rusqlite::Result<RawMember> {
    Ok(RawMember {
        member_id: row.get(0)?,
        insurer_number: row.get(1)?,
        symbol: row.get(2)?,
        number: row.get(3)?,
        branch: row.get(4)?,
        relationship: row.get(5)?,
        attributes: attributes(row, 6)?,
        my_number: row.get(11)?,
        copay_ratio: row.get(12)?,
        acquired_on: date_at(row, 13)?,
        lost_on: opt_date_at(row, 14)?,
        person_id: row.get(15)?,
        link_method: row.get(16)?,
        link_state: row.get(17)?,
        details: RawDetails {
            loss_reason: row.get(18)?,
            limit_kind: row.get(19)?,
            limit_category: row.get(20)?,
            limit_issued_on: opt_date_at(row, 21)?,
            limit_valid_from: opt_date_at(row, 22)?,
            limit_valid_until: opt_date_at(row, 23)?,
            elderly_issued_on: opt_date_at(row, 24)?,
            elderly_valid_from: opt_date_at(row, 25)?,
            elderly_valid_until: opt_date_at(row, 26)?,
            elderly_copay_ratio: row.get(27)?,
            notified_on: opt_date_at(row, 28)?,
            registered_at: row.get::<_, Option<String>>(29)?.map(|text| parse_ts(29, &text)).transpose()?,
        },
    })
}
