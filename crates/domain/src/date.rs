//! Dates as clerks type them: ISO `1989-03-31` (also `1989/03/31` and
//! `1989/3/31`), `19890331`, and 和暦 (`平成元年3月31日`, `H1.3.31`, the 7-digit
//! receipt form `4010331`, …; see `wareki`).
//!
//! Full-width digits, letters and punctuation and surrounding or inner spaces
//! are accepted. Output is always ISO (`iso`) or 和暦 (`wareki::format`).

use unicode_normalization::UnicodeNormalization;

use crate::Date;

#[cfg(test)]
mod tests;

/// Why a value is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("date must not be empty")]
    Empty,
    #[error(
        "date {value:?} is not in a known form: use YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or 和暦 (e.g. 平成元年3月31日)"
    )]
    Format { value: String },
    #[error("date {value:?} does not exist: {year:04}-{month:02} has no day {day}")]
    NoSuchDay { value: String, year: i32, month: u32, day: u32 },
    #[error(transparent)]
    Wareki(#[from] crate::wareki::WarekiError),
}

/// Which form a parsed date was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateForm {
    /// `YYYY-MM-DD` or `YYYY/MM/DD`.
    Iso,
    /// `YYYYMMDD`.
    Compact,
    /// Any 和暦 form, including the 7-digit `GYYMMDD`.
    Wareki,
}

/// Parse a date in any of the accepted forms.
pub fn parse_date(input: &str) -> Result<Date, DateError> {
    parse_date_form(input).map(|(date, _)| date)
}

/// Parse a date and say which form it was written in, so that a caller (the
/// `onshi wareki` command) can answer in the other calendar.
pub fn parse_date_form(input: &str) -> Result<(Date, DateForm), DateError> {
    let value: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    if value.is_empty() {
        return Err(DateError::Empty);
    }
    let all_digits = value.bytes().all(|b| b.is_ascii_digit());
    if !value.starts_with(|c: char| c.is_ascii_digit()) || (all_digits && value.len() == 7) {
        return Ok((crate::wareki::parse(input)?, DateForm::Wareki));
    }
    let format_error = || DateError::Format { value: input.to_owned() };
    let (year, month, day, form) = if all_digits && value.len() == 8 {
        (&value[..4], &value[4..6], &value[6..8], DateForm::Compact)
    } else {
        let separator = if value.contains('-') { '-' } else { '/' };
        let mut parts = value.split(separator);
        match (parts.next(), parts.next(), parts.next(), parts.next()) {
            (Some(year), Some(month), Some(day), None) => (year, month, day, DateForm::Iso),
            _ => return Err(format_error()),
        }
    };
    let number = |part: &str, lengths: std::ops::RangeInclusive<usize>| {
        let ok = lengths.contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| part.parse::<u32>().expect("1-4 ASCII digits"))
    };
    let (Some(year), Some(month), Some(day)) = (number(year, 4..=4), number(month, 1..=2), number(day, 1..=2)) else {
        return Err(format_error());
    };
    let year = i32::try_from(year).expect("4 digits fit");
    let date = Date::from_ymd_opt(year, month, day).ok_or_else(|| DateError::NoSuchDay {
        value: input.to_owned(),
        year,
        month,
        day,
    })?;
    Ok((date, form))
}

/// The date in Japan (JST, UTC+9; Japan has kept no daylight saving time
/// since 1951) at `instant`: eligibility, issue and expiry dates are Japanese
/// calendar dates, whatever the server's time zone.
pub fn in_japan(instant: chrono::DateTime<chrono::Utc>) -> Date {
    time_in_japan(instant).date()
}

/// The wall-clock time in Japan at `instant` (JST, as [`in_japan`]), as
/// Japanese systems write times, e.g. the eligibility terminal's yyyyMMddHHmmss.
pub fn time_in_japan(instant: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    (instant + chrono::TimeDelta::hours(9)).naive_utc()
}

/// The instant a day begins in Japan (00:00 JST), the inverse of
/// [`in_japan`]: a day or month of records in Japan is the instants from
/// this day's start to the next day's.
pub fn start_in_japan(day: Date) -> chrono::DateTime<chrono::Utc> {
    day.and_time(chrono::NaiveTime::MIN).and_utc() - chrono::TimeDelta::hours(9)
}

/// Format as ISO `YYYY-MM-DD`.
pub fn iso(date: Date) -> String {
    date.format("%Y-%m-%d").to_string()
}
