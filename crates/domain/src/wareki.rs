//! 和暦: Japanese era dates (明治, 大正, 昭和, 平成, 令和), read as clerks and
//! receipts write them and written back in the forms people expect.
//!
//! Parsing accepts the kanji era name or its one-letter abbreviation
//! (`M`/`T`/`S`/`H`/`R`, either case, full or half width) or its one-kanji
//! abbreviation (`明`, `大`, `昭`, `平`, `令`), followed by year, month and day
//! separated by `年月日` or by `.`, `/` or `-`. Numbers may be ASCII, full-width
//! or kanji numerals (`三十一`, `三一`, `〇`); the first year may be written
//! `元`. Spaces anywhere are ignored. The 7-digit receipt form `GYYMMDD`
//! (`G` the era digit, 1 明治 … 5 令和) is accepted too.
//!
//! This module deliberately does not handle dates before 明治6年1月1日
//! (1873-01-01): Japan used a lunisolar calendar until then, so an earlier
//! 和暦 date does not name the Gregorian day its numbers suggest. Such dates are
//! rejected with an error saying so, rather than converted wrongly.

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;

use crate::Date;

#[cfg(test)]
mod tests;

/// An era (元号) since the adoption of the Gregorian calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Era {
    /// 明治 (M, 1): supported only from 明治6年1月1日 = 1873-01-01.
    Meiji,
    /// 大正 (T, 2): from 1912-07-30.
    Taisho,
    /// 昭和 (S, 3): from 1926-12-25.
    Showa,
    /// 平成 (H, 4): from 1989-01-08.
    Heisei,
    /// 令和 (R, 5): from 2019-05-01.
    Reiwa,
}

/// A date written in an era: 令和元年5月1日 is `{ era: Reiwa, year: 1, month: 5, day: 1 }`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WarekiDate {
    pub era: Era,
    /// Year of the era, 1 for 元年.
    pub year: u32,
    pub month: u32,
    pub day: u32,
}

/// Why a value is not a 和暦 date (or a date has no 和暦 form).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarekiError {
    #[error("和暦 date must not be empty")]
    Empty,
    #[error(
        "和暦 date {value:?} is not in a known form: {reason} (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)"
    )]
    Format { value: String, reason: &'static str },
    #[error(
        "和暦 date {value:?} is before 明治6年1月1日 (1873-01-01): Japan used the lunisolar calendar until then, so onshi does not convert earlier 和暦 dates"
    )]
    BeforeGregorian { value: String },
    #[error("和暦 date {value:?} does not exist: {era}{year}年 has no {month}月{day}日")]
    NoSuchDay { value: String, era: Era, year: u32, month: u32, day: u32 },
    #[error("和暦 date {value:?} is outside {era}: {}", .era.range_ja())]
    OutsideEra { value: String, era: Era },
}

impl Era {
    /// All eras, oldest first.
    pub const ALL: [Era; 5] = [Era::Meiji, Era::Taisho, Era::Showa, Era::Heisei, Era::Reiwa];

    /// The kanji name: 明治, 大正, 昭和, 平成, 令和.
    pub fn kanji(self) -> &'static str {
        match self {
            Era::Meiji => "明治",
            Era::Taisho => "大正",
            Era::Showa => "昭和",
            Era::Heisei => "平成",
            Era::Reiwa => "令和",
        }
    }

    /// The one-letter abbreviation: M, T, S, H, R.
    pub fn letter(self) -> char {
        match self {
            Era::Meiji => 'M',
            Era::Taisho => 'T',
            Era::Showa => 'S',
            Era::Heisei => 'H',
            Era::Reiwa => 'R',
        }
    }

    /// The era digit of receipts (レセプト 元号区分) and the JPKI card: 1 明治,
    /// 2 大正, 3 昭和, 4 平成, 5 令和.
    pub fn digit(self) -> u8 {
        match self {
            Era::Meiji => 1,
            Era::Taisho => 2,
            Era::Showa => 3,
            Era::Heisei => 4,
            Era::Reiwa => 5,
        }
    }

    pub fn from_digit(digit: u8) -> Option<Era> {
        Era::ALL.into_iter().find(|era| era.digit() == digit)
    }

    /// The era for a one-letter abbreviation, in either case.
    pub fn from_letter(letter: char) -> Option<Era> {
        Era::ALL.into_iter().find(|era| era.letter() == letter.to_ascii_uppercase())
    }

    /// The first day onshi converts: the era's first day, except 明治, whose
    /// first convertible day is 1873-01-01 (明治6年1月1日).
    pub fn first_day(self) -> Date {
        let (y, m, d) = match self {
            Era::Meiji => (1873, 1, 1),
            Era::Taisho => (1912, 7, 30),
            Era::Showa => (1926, 12, 25),
            Era::Heisei => (1989, 1, 8),
            Era::Reiwa => (2019, 5, 1),
        };
        Date::from_ymd_opt(y, m, d).expect("era first days are valid dates")
    }

    /// The era's last day, or `None` for the current era.
    pub fn last_day(self) -> Option<Date> {
        let next = Era::ALL.into_iter().find(|era| *era > self)?;
        Some(next.first_day().pred_opt().expect("era first days are far from the calendar's start"))
    }

    /// The era a Gregorian date falls in, or `None` before 1873-01-01.
    pub fn of(date: Date) -> Option<Era> {
        Era::ALL.into_iter().rev().find(|era| era.first_day() <= date)
    }

    /// The Gregorian year of the era's 元年 (1868 for 明治).
    fn year_offset(self) -> i32 {
        match self {
            Era::Meiji => 1867,
            Era::Taisho => 1911,
            Era::Showa => 1925,
            Era::Heisei => 1988,
            Era::Reiwa => 2018,
        }
    }

    /// The era's range in words, for error messages.
    pub fn range_ja(self) -> String {
        let first = self.first_day();
        let from = if self == Era::Meiji {
            format!("明治 is converted from 明治6年1月1日 ({})", crate::date::iso(first))
        } else {
            format!("{} runs from {} ({})", self.kanji(), wareki_of(first), crate::date::iso(first))
        };
        match self.last_day() {
            Some(last) => format!("{from} to {} ({})", wareki_of(last), crate::date::iso(last)),
            None => format!("{from} on"),
        }
    }
}

/// The era, which is always known for an era's own boundary days.
fn wareki_of(date: Date) -> WarekiDate {
    from_date(date).expect("era boundaries are after 1873-01-01")
}

impl fmt::Display for Era {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kanji())
    }
}

impl WarekiDate {
    /// The Gregorian date, checking that the day exists and lies in the era.
    pub fn to_date(self) -> Result<Date, WarekiError> {
        to_date(self, &format!("{self}"))
    }

    /// Short form with the era letter: `R1.5.1`.
    pub fn short(self) -> String {
        format!("{}{}.{}.{}", self.era.letter(), self.year, self.month, self.day)
    }

    /// The 7-digit receipt form `GYYMMDD`: `5010501` for 令和元年5月1日.
    /// Years past 99 do not fit; they give `None`.
    pub fn digits7(self) -> Option<String> {
        (self.year <= 99).then(|| format!("{}{:02}{:02}{:02}", self.era.digit(), self.year, self.month, self.day))
    }
}

/// `令和元年5月1日`: kanji era, 元年 for the first year, no zero padding.
impl fmt::Display for WarekiDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.year == 1 {
            write!(f, "{}元年{}月{}日", self.era.kanji(), self.month, self.day)
        } else {
            write!(f, "{}{}年{}月{}日", self.era.kanji(), self.year, self.month, self.day)
        }
    }
}

impl FromStr for WarekiDate {
    type Err = WarekiError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        parse_parts(input).map(|(wareki, _)| wareki)
    }
}

/// Parse a 和暦 date in any accepted form into the Gregorian date.
pub fn parse(input: &str) -> Result<Date, WarekiError> {
    parse_parts(input).map(|(_, date)| date)
}

/// The 和暦 form of a date, or `BeforeGregorian` before 1873-01-01.
pub fn from_date(date: Date) -> Result<WarekiDate, WarekiError> {
    use chrono::Datelike;
    let Some(era) = Era::of(date) else {
        return Err(WarekiError::BeforeGregorian { value: crate::date::iso(date) });
    };
    let year = u32::try_from(date.year() - era.year_offset()).expect("a date in an era is after its 元年");
    Ok(WarekiDate { era, year, month: date.month(), day: date.day() })
}

/// `令和元年5月1日`.
pub fn format(date: Date) -> Result<String, WarekiError> {
    from_date(date).map(|wareki| wareki.to_string())
}

/// `R1.5.1`.
pub fn format_short(date: Date) -> Result<String, WarekiError> {
    from_date(date).map(WarekiDate::short)
}

fn to_date(wareki: WarekiDate, value: &str) -> Result<Date, WarekiError> {
    let WarekiDate { era, year, month, day } = wareki;
    if year == 0 {
        return Err(WarekiError::OutsideEra { value: value.to_owned(), era });
    }
    // 明治1–5年 were lunisolar years.
    if era == Era::Meiji && year < 6 {
        return Err(WarekiError::BeforeGregorian { value: value.to_owned() });
    }
    let gregorian = i32::try_from(year).ok().and_then(|year| year.checked_add(era.year_offset()));
    let date = gregorian
        .and_then(|gregorian| Date::from_ymd_opt(gregorian, month, day))
        .ok_or_else(|| WarekiError::NoSuchDay { value: value.to_owned(), era, year, month, day })?;
    let in_era = era.first_day() <= date && era.last_day().is_none_or(|last| date <= last);
    if !in_era {
        return Err(WarekiError::OutsideEra { value: value.to_owned(), era });
    }
    Ok(date)
}

/// Longest number we read (a year of 令和9999 is already far away).
const MAX_NUMBER_CHARS: usize = 4;

fn parse_parts(input: &str) -> Result<(WarekiDate, Date), WarekiError> {
    // NFKC folds full-width digits, letters and punctuation and the ideographic
    // space, and expands the era ligatures ㍾ ㍽ ㍼ ㍻ ㋿.
    let folded: String = input.nfkc().filter(|c| !c.is_whitespace()).collect();
    if folded.is_empty() {
        return Err(WarekiError::Empty);
    }
    let format_error = |reason| WarekiError::Format { value: input.to_owned(), reason };

    if folded.chars().all(|c| c.is_ascii_digit()) {
        return parse_digits7(input, &folded);
    }

    let (era, rest) =
        split_era(&folded).ok_or_else(|| format_error("it does not start with an era (令和, R, 令, …)"))?;
    let (year, rest) = if let Some(rest) = rest.strip_prefix('元') {
        (1, rest)
    } else {
        read_number(rest).ok_or_else(|| format_error("the era is not followed by a year"))?
    };
    let rest =
        strip_separator(rest, '年').ok_or_else(|| format_error("the year is not followed by 年, '.', '/' or '-'"))?;
    let (month, rest) = read_number(rest).ok_or_else(|| format_error("no month after the year"))?;
    let rest =
        strip_separator(rest, '月').ok_or_else(|| format_error("the month is not followed by 月, '.', '/' or '-'"))?;
    let (day, rest) = read_number(rest).ok_or_else(|| format_error("no day after the month"))?;
    let rest = rest.strip_prefix('日').unwrap_or(rest);
    if !rest.is_empty() {
        return Err(format_error("there is more after the day"));
    }
    let wareki = WarekiDate { era, year, month, day };
    to_date(wareki, input).map(|date| (wareki, date))
}

/// `GYYMMDD`: era digit, then 2 digits each for year, month, day.
fn parse_digits7(input: &str, digits: &str) -> Result<(WarekiDate, Date), WarekiError> {
    let format_error = |reason| WarekiError::Format { value: input.to_owned(), reason };
    if digits.len() != 7 {
        return Err(format_error("an all-digit 和暦 date must have 7 digits, GYYMMDD"));
    }
    let number = |range: std::ops::Range<usize>| digits[range].parse::<u32>().expect("ASCII digits checked above");
    let era = u8::try_from(number(0..1))
        .ok()
        .and_then(Era::from_digit)
        .ok_or_else(|| format_error("the era digit G of GYYMMDD must be 1 明治, 2 大正, 3 昭和, 4 平成 or 5 令和"))?;
    let wareki = WarekiDate { era, year: number(1..3), month: number(3..5), day: number(5..7) };
    to_date(wareki, input).map(|date| (wareki, date))
}

fn split_era(value: &str) -> Option<(Era, &str)> {
    for era in Era::ALL {
        if let Some(rest) = value.strip_prefix(era.kanji()) {
            return Some((era, rest));
        }
    }
    let first = value.chars().next()?;
    let rest = &value[first.len_utf8()..];
    let era = match first {
        '明' => Era::Meiji,
        '大' => Era::Taisho,
        '昭' => Era::Showa,
        '平' => Era::Heisei,
        '令' => Era::Reiwa,
        letter => Era::from_letter(letter)?,
    };
    Some((era, rest))
}

fn strip_separator(value: &str, kanji: char) -> Option<&str> {
    let first = value.chars().next()?;
    let is_separator = first == kanji || matches!(first, '.' | '/' | '-');
    is_separator.then(|| &value[first.len_utf8()..])
}

/// Read a number written in ASCII digits or kanji numerals; returns the value
/// and the rest of the input.
fn read_number(value: &str) -> Option<(u32, &str)> {
    let end = value.char_indices().find(|(_, c)| !is_number_char(*c)).map_or(value.len(), |(idx, _)| idx);
    let token = &value[..end];
    let n_chars = token.chars().count();
    if n_chars == 0 || n_chars > MAX_NUMBER_CHARS {
        return None;
    }
    let number = if token.bytes().all(|b| b.is_ascii_digit()) {
        token.parse().expect("1-4 ASCII digits")
    } else {
        kanji_number(token)?
    };
    Some((number, &value[end..]))
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || crate::numeral::kanji_digit(c).is_some() || c == '十' || c == '百'
}

/// Kanji numerals: positional (`三一` = 31, `二〇` = 20) or with 十 and 百
/// (`三十一`, `十`, `百二`). Digits and kanji are not mixed.
fn kanji_number(token: &str) -> Option<u32> {
    if !token.contains(['十', '百']) {
        return token.chars().try_fold(0, |acc, c| Some(acc * 10 + crate::numeral::kanji_digit(c)?));
    }
    let mut total = 0;
    let mut pending: Option<u32> = None;
    // The unit of the last 十 or 百 seen; each must be smaller than the one before.
    let mut last_unit = u32::MAX;
    for c in token.chars() {
        let unit = match c {
            '百' => 100,
            '十' => 10,
            other => {
                if pending.is_some() {
                    return None;
                }
                pending = Some(crate::numeral::kanji_digit(other)?);
                continue;
            }
        };
        if unit >= last_unit {
            return None;
        }
        // 十 alone is 10; 〇十 is not a way to write a number.
        let multiplier = pending.take().unwrap_or(1);
        if multiplier == 0 {
            return None;
        }
        total += multiplier * unit;
        last_unit = unit;
    }
    Some(total + pending.unwrap_or(0))
}
