//! 個人番号 (My Number): 12 digits, the last a check digit.
//!
//! Only the registry and insurers ever hold one; see `ARCHITECTURE.md`. The
//! `Debug` form is masked so that the number cannot leak through a log line.

use std::fmt;
use std::str::FromStr;

use super::{check_digit::modulus11_my_number, first_non_digit, normalise_digits};

/// A valid 個人番号.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MyNumber(String);

/// Why a value is not a 個人番号.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MyNumberError {
    #[error("個人番号 must not be empty")]
    Empty,
    #[error("個人番号 must be 12 digits, got {len}")]
    Length { len: usize },
    #[error("個人番号 must be digits only, found {found:?} at position {position}")]
    NotDigit { position: usize, found: char },
    #[error("個人番号 check digit is {found}, but 総務省令第85号 §5 gives {expected} for the first 11 digits")]
    CheckDigit { expected: u8, found: u8 },
}

impl MyNumber {
    /// The 12 ASCII digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Build a valid number from 11 leading digits by appending the check digit.
    pub fn from_base(base: &[u8; 11]) -> MyNumber {
        let check = modulus11_my_number(base);
        let mut s: String = base.iter().map(|d| char::from(b'0' + d)).collect();
        s.push(char::from(b'0' + check));
        MyNumber(s)
    }

    /// The number with all but the last 4 digits masked, for screens that must
    /// show which number is meant without showing the number.
    pub fn masked(&self) -> String {
        format!("********{}", &self.0[8..])
    }
}

impl FromStr for MyNumber {
    type Err = MyNumberError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = normalise_digits(input);
        if value.is_empty() {
            return Err(MyNumberError::Empty);
        }
        if let Some((position, found)) = first_non_digit(&value) {
            return Err(MyNumberError::NotDigit { position, found });
        }
        if value.len() != 12 {
            return Err(MyNumberError::Length { len: value.len() });
        }
        let digits = super::digits_of(&value);
        let base: [u8; 11] = digits[..11].try_into().expect("12 digits checked above");
        let expected = modulus11_my_number(&base);
        if digits[11] != expected {
            return Err(MyNumberError::CheckDigit { expected, found: digits[11] });
        }
        Ok(MyNumber(value))
    }
}

impl fmt::Debug for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MyNumber({})", self.masked())
    }
}

impl fmt::Display for MyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
