//! The small values the records are made of: strict ISO dates and months,
//! names, decimal amounts, and the codes of the claims code systems with their
//! shapes.

use std::fmt;
use std::str::FromStr;

use chrono::Datelike;

use super::RowError;
use super::json::{Fields, Json};
use crate::Date;

/// A calendar month, `YYYY-MM` (医療費情報 are per month of care, 診療年月).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct YearMonth {
    first_day: Date,
}

impl YearMonth {
    /// `month` is 1–12.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        Date::from_ymd_opt(year, month, 1).map(|first_day| YearMonth { first_day })
    }

    /// The month a date falls in.
    pub fn of(date: Date) -> YearMonth {
        YearMonth { first_day: date.with_day(1).expect("every month has a first day") }
    }

    pub fn first_day(self) -> Date {
        self.first_day
    }

    pub fn year(self) -> i32 {
        self.first_day.year()
    }

    pub fn month(self) -> u32 {
        self.first_day.month()
    }

    /// Days in the month (28–31).
    pub fn days(self) -> u32 {
        let next = self.first_day.checked_add_months(chrono::Months::new(1)).unwrap_or(Date::MAX);
        u32::try_from((next - self.first_day).num_days()).expect("a month is 28 to 31 days")
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year(), self.month())
    }
}

/// Why a text is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a month is written YYYY-MM with a month from 01 to 12")]
pub struct YearMonthError;

impl FromStr for YearMonth {
    type Err = YearMonthError;
    fn from_str(text: &str) -> Result<YearMonth, YearMonthError> {
        let bytes = text.as_bytes();
        let shaped = bytes.len() == 7
            && bytes[4] == b'-'
            && bytes.iter().enumerate().all(|(idx, b)| idx == 4 || b.is_ascii_digit());
        if !shaped {
            return Err(YearMonthError);
        }
        let year = text[..4].parse().map_err(|_| YearMonthError)?;
        let month = text[5..].parse().map_err(|_| YearMonthError)?;
        YearMonth::new(year, month).ok_or(YearMonthError)
    }
}

/// A strict ISO date, `YYYY-MM-DD` (import files are machine-written, so the
/// clerk forms of [`crate::date::parse_date`] are not accepted).
pub(crate) fn parse_iso_date(text: &str) -> Result<Date, &'static str> {
    let bytes = text.as_bytes();
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && bytes.iter().enumerate().all(|(idx, b)| idx == 4 || idx == 7 || b.is_ascii_digit());
    if !shaped {
        return Err("a date is written YYYY-MM-DD");
    }
    let (Ok(year), Ok(month), Ok(day)) = (text[..4].parse(), text[5..7].parse(), text[8..].parse()) else {
        return Err("a date is written YYYY-MM-DD");
    };
    Date::from_ymd_opt(year, month, day).ok_or("is not a calendar date")
}

pub(crate) fn required_date(fields: &Fields, name: &str, what: &str) -> Result<Date, RowError> {
    let text = fields.required_str(name, what)?;
    parse_iso_date(text).map_err(|rule| fields.error(name, text, rule))
}

/// A free text (a name, 用法): trimmed, 1 to `max` characters, no control
/// characters.
pub(crate) fn text(fields: &Fields, name: &str, value: &str, max: usize) -> Result<String, RowError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(fields.error(name, value, "must not be empty"));
    }
    if let Some(found) = trimmed.chars().find(|c| c.is_control()) {
        return Err(fields.error(
            name,
            value,
            format!("must not contain control characters, found U+{:04X}", found as u32),
        ));
    }
    let len = trimmed.chars().count();
    if len > max {
        return Err(fields.error(name, value, format!("must be at most {max} characters, got {len}")));
    }
    Ok(trimmed.to_owned())
}

pub(crate) fn required_text(fields: &Fields, name: &str, what: &str, max: usize) -> Result<String, RowError> {
    let value = fields.required_str(name, what)?;
    text(fields, name, value, max)
}

/// Maximum characters of a facility name.
pub const MAX_FACILITY_NAME_CHARS: usize = 100;
/// Maximum characters of a drug, procedure or diagnosis name and of a 成分名.
pub const MAX_NAME_CHARS: usize = 200;
/// Maximum characters of a 用法.
pub const MAX_DOSE_CHARS: usize = 100;
/// Maximum characters of a unit.
pub const MAX_UNIT_CHARS: usize = 8;

/// A decimal number ≥ 0 with at most `decimals` digits after the point, as
/// an integer count of 10^-decimals, at most `max_scaled`. `None` when the
/// value is not such a number.
pub(crate) fn scaled_decimal(value: &Json, decimals: u32, max_scaled: u64) -> Option<u64> {
    let scale = 10u64.pow(decimals);
    match value {
        Json::Integer(number) => {
            let scaled = u64::try_from(*number).ok()?.checked_mul(scale)?;
            (scaled <= max_scaled).then_some(scaled)
        }
        Json::Float(number) => {
            if !number.is_finite() || *number < 0.0 || *number > 1e12 {
                return None;
            }
            // Rust prints the shortest text that reads back as the same f64,
            // never with an exponent: the digits the file had.
            let text = number.to_string();
            let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
            if fraction.len() > decimals as usize {
                return None;
            }
            let whole: u64 = whole.parse().ok()?;
            let padded = format!("{fraction:0<width$}", width = decimals as usize);
            let fraction: u64 = if padded.is_empty() { 0 } else { padded.parse().ok()? };
            let scaled = whole.checked_mul(scale)?.checked_add(fraction)?;
            (scaled <= max_scaled).then_some(scaled)
        }
        _ => None,
    }
}

/// The JSON text of `scaled` × 10^-decimals, without trailing zeros.
pub(crate) fn decimal_text(scaled: u64, decimals: u32) -> String {
    let scale = 10u64.pow(decimals);
    let (whole, fraction) = (scaled / scale, scaled % scale);
    if fraction == 0 {
        whole.to_string()
    } else {
        let digits = format!("{fraction:0width$}", width = decimals as usize);
        format!("{whole}.{}", digits.trim_end_matches('0'))
    }
}

/// A quantity (数量) greater than 0 and at most 100,000, with at most 3
/// decimals, kept exactly as thousandths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quantity(u64);

impl Quantity {
    /// The largest quantity: 100,000.
    pub const MAX_THOUSANDTHS: u64 = 100_000_000;

    pub fn from_thousandths(thousandths: u64) -> Option<Quantity> {
        (1..=Quantity::MAX_THOUSANDTHS).contains(&thousandths).then_some(Quantity(thousandths))
    }

    pub fn thousandths(self) -> u64 {
        self.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&decimal_text(self.0, 3))
    }
}

macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), self.0)
            }
        }

        impl FromStr for $name {
            type Err = CodeError;
            fn from_str(text: &str) -> Result<$name, CodeError> {
                if $name::shape_ok(text) {
                    Ok($name(text.to_owned()))
                } else {
                    Err(CodeError { rule: $name::RULE })
                }
            }
        }
    };
}

/// Why a text is not a code of a code system; `rule` is the shape it missed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{rule}")]
pub struct CodeError {
    pub rule: &'static str,
}

fn digits(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit())
}

code_type!(
    /// レセプト電算処理システム用コード of a medicine (医薬品マスター): 9 digits,
    /// the first 6 (6 marks 医薬品 among the master's code ranges).
    DrugCode
);

impl DrugCode {
    pub const RULE: &'static str = "a レセプト電算 drug code is 9 digits starting with 6";
    fn shape_ok(text: &str) -> bool {
        text.len() == 9 && digits(text) && text.starts_with('6')
    }
}

code_type!(
    /// YJコード (個別医薬品コード): 12 characters, 7 digits (薬効分類 4, 投与経路
    /// and 成分 3), one capital letter for the dosage form (剤形), then 4
    /// digits (規格, 銘柄 and a check character). onshi checks the shape only.
    YjCode
);

impl YjCode {
    pub const RULE: &'static str = "a YJ code is 12 characters: 7 digits, a capital letter (剤形), 4 digits";
    fn shape_ok(text: &str) -> bool {
        let bytes = text.as_bytes();
        bytes.len() == 12
            && digits(&text[..7])
            && bytes[7].is_ascii_uppercase()
            && bytes[8..].iter().all(|b| b.is_ascii_digit())
    }
}

code_type!(
    /// ICD-10 code (WHO ICD-10, as 厚生労働省 adapts it for 傷病名): a capital
    /// letter and 2 digits, optionally `.` and 1 or 2 digits (`E11`, `E11.9`).
    Icd10
);

impl Icd10 {
    pub const RULE: &'static str =
        "an ICD-10 code is a capital letter and 2 digits, optionally '.' and 1 or 2 digits (e.g. E11.9)";
    fn shape_ok(text: &str) -> bool {
        let bytes = text.as_bytes();
        let head = bytes.len() >= 3 && bytes[0].is_ascii_uppercase() && digits(&text[1..3]);
        head && match &bytes[3..] {
            [] => true,
            [b'.', rest @ ..] => (1..=2).contains(&rest.len()) && rest.iter().all(|b| b.is_ascii_digit()),
            _ => false,
        }
    }
}

code_type!(
    /// レセプト電算処理システム用コード of a 診療行為 (診療行為マスター): 9
    /// digits starting with 1.
    ProcedureCode
);

impl ProcedureCode {
    pub const RULE: &'static str = "a レセプト電算 診療行為 code is 9 digits starting with 1";
    fn shape_ok(text: &str) -> bool {
        text.len() == 9 && digits(text) && text.starts_with('1')
    }
}

code_type!(
    /// レセプト電算処理システム用コード of a 傷病名 (傷病名マスター): 7 digits.
    DiseaseCode
);

impl DiseaseCode {
    pub const RULE: &'static str = "a レセプト電算 傷病名 code is 7 digits";
    fn shape_ok(text: &str) -> bool {
        text.len() == 7 && digits(text)
    }
}

code_type!(
    /// 健診機関番号: 10 digits. Not necessarily a 医療機関コード, so only the
    /// shape is checked.
    CheckupFacilityCode
);

impl CheckupFacilityCode {
    pub const RULE: &'static str = "a 健診機関番号 is 10 digits";
    fn shape_ok(text: &str) -> bool {
        text.len() == 10 && digits(text)
    }
}

/// The insurer's id of a record: 1 to 64 characters of `A–Z a–z 0–9 . _ : -`.
pub(crate) const RECORD_ID_RULE: &str = "a record id is 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'";

pub(crate) fn record_id_ok(text: &str) -> bool {
    (1..=64).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
}
