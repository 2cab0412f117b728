//! 記号・番号・枝番: the member's identifiers at the insurer.
//!
//! 記号 and 番号 are defined by each insurer; onshi accepts what insurers print
//! on cards within these documented limits:
//!
//! - 記号 (`Symbol`): 0–38 characters after NFKC width folding and trimming;
//!   may be empty (後期高齢者医療 and many 国保 have none); letters (including
//!   kanji and kana), digits, `-` and `・`; no spaces or control characters.
//! - 番号 (`InsuredNumber`): 1–38 characters after the same folding; letters,
//!   digits and `-`; no spaces or control characters.
//! - 枝番 (`Branch`): exactly 2 digits (`00`–`99`); a single digit is read as
//!   its zero-padded form, as clerks type it.
//!
//! The 38-character ceiling is the widest field that OQS messages carry for
//! these elements; values are compared after folding, so `ＡＢ１` and `AB1` are
//! the same 記号.

use std::fmt;
use std::str::FromStr;

use unicode_normalization::UnicodeNormalization;

use super::normalise_digits;

/// Maximum characters in 記号 and 番号.
pub const MAX_SYMBOL_NUMBER_CHARS: usize = 38;

/// Why a value is not a 記号, 番号 or 枝番.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberKeyError {
    #[error("{field} must be at most {max} characters, got {len}")]
    TooLong { field: &'static str, max: usize, len: usize },
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} may hold letters, digits, '-' and '・' only, found {found:?} at position {position}")]
    Character { field: &'static str, position: usize, found: char },
    #[error("枝番 must be 2 digits (00–99), got {value:?}")]
    Branch { value: String },
}

fn fold(input: &str) -> String {
    let folded: String = input.nfkc().collect();
    folded.trim().to_owned()
}

fn check_chars(field: &'static str, value: &str, allow_dot: bool) -> Result<(), MemberKeyError> {
    let len = value.chars().count();
    if len > MAX_SYMBOL_NUMBER_CHARS {
        return Err(MemberKeyError::TooLong { field, max: MAX_SYMBOL_NUMBER_CHARS, len });
    }
    for (idx, c) in value.chars().enumerate() {
        let ok = c.is_alphanumeric() || c == '-' || (allow_dot && c == '・');
        if !ok {
            return Err(MemberKeyError::Character { field, position: idx + 1, found: c });
        }
    }
    Ok(())
}

/// 記号 (may be empty).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Symbol(String);

impl Symbol {
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromStr for Symbol {
    type Err = MemberKeyError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = fold(input);
        check_chars("記号", &value, true)?;
        Ok(Symbol(value))
    }
}

/// 番号 (never empty).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InsuredNumber(String);

impl InsuredNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for InsuredNumber {
    type Err = MemberKeyError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = fold(input);
        if value.is_empty() {
            return Err(MemberKeyError::Empty { field: "番号" });
        }
        check_chars("番号", &value, false)?;
        Ok(InsuredNumber(value))
    }
}

/// 枝番: 2 digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Branch(u8);

impl Branch {
    pub fn new(value: u8) -> Option<Branch> {
        (value <= 99).then_some(Branch(value))
    }
    pub fn value(self) -> u8 {
        self.0
    }
}

impl FromStr for Branch {
    type Err = MemberKeyError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = normalise_digits(input);
        let ok = (1..=2).contains(&value.len()) && value.bytes().all(|b| b.is_ascii_digit());
        if !ok {
            return Err(MemberKeyError::Branch { value: input.to_owned() });
        }
        Ok(Branch(value.parse().expect("1-2 ASCII digits")))
    }
}

impl fmt::Display for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02}", self.0)
    }
}

impl fmt::Debug for Branch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Branch({:02})", self.0)
    }
}

macro_rules! string_display {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(&self.0) }
        }
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({:?})"), self.0)
            }
        }
    )*};
}
string_display!(Symbol, InsuredNumber);
