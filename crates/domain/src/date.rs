//! Dates as clerks type them: ISO `1989-03-31` (also `1989/03/31`), `19890331`,
//! and 和暦 (`平成元年3月31日`, `H1.3.31`, …; see `wareki`).

use crate::Date;

/// Why a value is not a date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    #[error("date must not be empty")]
    Empty,
    #[error("{value:?} is not a date: use YYYY-MM-DD, YYYYMMDD or 和暦 (e.g. 平成元年3月31日)")]
    Format { value: String },
    #[error("{value:?} is not a calendar date (no such day)")]
    NoSuchDay { value: String },
    #[error(transparent)]
    Wareki(#[from] crate::wareki::WarekiError),
}

/// Parse a date in any of the accepted forms.
pub fn parse_date(input: &str) -> Result<Date, DateError> {
    let value = crate::id_normalise_digits(input);
    if value.is_empty() {
        return Err(DateError::Empty);
    }
    let bytes = value.as_bytes();
    if bytes.first().is_some_and(|b| !b.is_ascii_digit()) {
        return Ok(crate::wareki::parse(&value)?);
    }
    let (y, m, d) = if bytes.len() == 8 && bytes.iter().all(u8::is_ascii_digit) {
        (&value[..4], &value[4..6], &value[6..8])
    } else if bytes.len() == 10 && (bytes[4] == b'-' && bytes[7] == b'-' || bytes[4] == b'/' && bytes[7] == b'/') {
        (&value[..4], &value[5..7], &value[8..10])
    } else {
        return Err(DateError::Format { value: input.to_owned() });
    };
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(y) && all_digits(m) && all_digits(d)) {
        return Err(DateError::Format { value: input.to_owned() });
    }
    let parsed = |s: &str| s.parse::<u32>().expect("ASCII digits");
    Date::from_ymd_opt(parsed(y) as i32, parsed(m), parsed(d))
        .ok_or_else(|| DateError::NoSuchDay { value: input.to_owned() })
}

/// Format as ISO `YYYY-MM-DD`.
pub fn iso(date: Date) -> String {
    date.format("%Y-%m-%d").to_string()
}
