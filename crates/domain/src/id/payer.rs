//! 保険者番号, 公費負担者番号 and 受給者番号: digits with the weights-2,1 check
//! digit of 厚生労働省「保険者番号等設定要領」.

use std::fmt;
use std::str::FromStr;

use super::{check_digit::modulus10_weights_21, digits_of, first_non_digit, normalise_digits};

/// A valid 保険者番号: 8 digits (法別番号 2 + 都道府県番号 2 + 保険者別番号 3 +
/// 検証番号 1), or 6 digits for 国民健康保険 (都道府県番号 2 + 保険者別番号 3 +
/// 検証番号 1).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct InsurerNumber(String);

/// Why a value is not a 保険者番号.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InsurerNumberError {
    #[error("保険者番号 must not be empty")]
    Empty,
    #[error("保険者番号 must be digits only, found {found:?} at position {position}")]
    NotDigit { position: usize, found: char },
    #[error("保険者番号 {value:?} must be 8 digits (6 for 国民健康保険), got {len}")]
    Length { value: String, len: usize },
    #[error("保険者番号 {value:?}: 都道府県番号 must be 01–47, got {found:02}")]
    Prefecture { value: String, found: u8 },
    #[error(
        "保険者番号 {value:?}: 検証番号 is {found}, but the weights-2,1 rule of 保険者番号等設定要領 gives {expected}"
    )]
    CheckDigit { value: String, expected: u8, found: u8 },
}

/// The kind of insurer, as the 法別番号 tells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InsurerKind {
    /// 協会けんぽ (法別 01) and 船員保険 (02).
    KyokaiKenpo,
    /// 健康保険組合 (06).
    KenpoKumiai,
    /// 共済組合 (31 国家公務員, 32 地方公務員, 33 警察, 34 私学).
    Kyosai,
    /// 国民健康保険 (6-digit numbers; 67 退職者医療).
    Kokuho,
    /// 後期高齢者医療広域連合 (39).
    KokiKorei,
    /// 自衛官等 (07) and others not covered above.
    Other,
}

impl InsurerKind {
    /// The Japanese name shown in the user interface.
    pub fn label_ja(self) -> &'static str {
        match self {
            InsurerKind::KyokaiKenpo => "協会けんぽ",
            InsurerKind::KenpoKumiai => "健康保険組合",
            InsurerKind::Kyosai => "共済組合",
            InsurerKind::Kokuho => "国民健康保険",
            InsurerKind::KokiKorei => "後期高齢者医療広域連合",
            InsurerKind::Other => "その他",
        }
    }

    /// Stable code used in storage and APIs.
    pub fn code(self) -> &'static str {
        match self {
            InsurerKind::KyokaiKenpo => "kyokai_kenpo",
            InsurerKind::KenpoKumiai => "kenpo_kumiai",
            InsurerKind::Kyosai => "kyosai",
            InsurerKind::Kokuho => "kokuho",
            InsurerKind::KokiKorei => "koki_korei",
            InsurerKind::Other => "other",
        }
    }
}

impl InsurerNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Build a valid number from the digits before the check digit (7 or 5).
    pub fn from_base(base: &[u8]) -> Result<InsurerNumber, InsurerNumberError> {
        let mut s: String = base.iter().map(|d| char::from(b'0' + d)).collect();
        s.push(char::from(b'0' + modulus10_weights_21(base)));
        s.parse()
    }

    /// 法別番号, or `None` for a 6-digit 国民健康保険 number.
    pub fn law_code(&self) -> Option<&str> {
        (self.0.len() == 8).then(|| &self.0[..2])
    }

    /// 都道府県番号 (01–47).
    pub fn prefecture(&self) -> u8 {
        let start = self.0.len() - 6;
        self.0[start..start + 2].parse().expect("digits checked at parse")
    }

    pub fn kind(&self) -> InsurerKind {
        match self.law_code() {
            None => InsurerKind::Kokuho,
            Some("01" | "02") => InsurerKind::KyokaiKenpo,
            Some("06") => InsurerKind::KenpoKumiai,
            Some("31" | "32" | "33" | "34") => InsurerKind::Kyosai,
            Some("39") => InsurerKind::KokiKorei,
            Some("67") => InsurerKind::Kokuho,
            Some(_) => InsurerKind::Other,
        }
    }

    /// The 8-character form used in OQS messages: 6-digit 国保 numbers are
    /// left-padded with zeros (which keeps the check digit valid).
    pub fn padded8(&self) -> String {
        format!("{:0>8}", self.0)
    }
}

impl FromStr for InsurerNumber {
    type Err = InsurerNumberError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = normalise_digits(input);
        if value.is_empty() {
            return Err(InsurerNumberError::Empty);
        }
        if let Some((position, found)) = first_non_digit(&value) {
            return Err(InsurerNumberError::NotDigit { position, found });
        }
        // OQS and some clinic software pad 6-digit 国保 numbers to 8 with "00".
        let value = match value.strip_prefix("00") {
            Some(rest) if value.len() == 8 => rest.to_owned(),
            _ => value,
        };
        if value.len() != 8 && value.len() != 6 {
            return Err(InsurerNumberError::Length { len: value.len(), value });
        }
        let digits = digits_of(&value);
        let pref_at = digits.len() - 6;
        let prefecture = digits[pref_at] * 10 + digits[pref_at + 1];
        if !(1..=47).contains(&prefecture) {
            return Err(InsurerNumberError::Prefecture { value, found: prefecture });
        }
        let (base, check) = digits.split_at(digits.len() - 1);
        let expected = modulus10_weights_21(base);
        if check[0] != expected {
            return Err(InsurerNumberError::CheckDigit { found: check[0], value, expected });
        }
        Ok(InsurerNumber(value))
    }
}

/// A valid 公費負担者番号: 8 digits (法別番号 2 + 都道府県番号 2 + 実施機関番号 3 +
/// 検証番号 1).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublicPayerNumber(String);

/// Why a value is not a 公費負担者番号.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicPayerNumberError {
    #[error("公費負担者番号 must not be empty")]
    Empty,
    #[error("公費負担者番号 must be digits only, found {found:?} at position {position}")]
    NotDigit { position: usize, found: char },
    #[error("公費負担者番号 {value:?} must be 8 digits, got {len}")]
    Length { value: String, len: usize },
    #[error("公費負担者番号 {value:?}: 都道府県番号 must be 01–47, got {found:02}")]
    Prefecture { value: String, found: u8 },
    #[error(
        "公費負担者番号 {value:?}: 検証番号 is {found}, but the weights-2,1 rule of 保険者番号等設定要領 gives {expected}"
    )]
    CheckDigit { value: String, expected: u8, found: u8 },
}

impl PublicPayerNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 法別番号 (e.g. 54 難病, 81/88/89 地方単独).
    pub fn law_code(&self) -> &str {
        &self.0[..2]
    }
}

impl FromStr for PublicPayerNumber {
    type Err = PublicPayerNumberError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = normalise_digits(input);
        if value.is_empty() {
            return Err(PublicPayerNumberError::Empty);
        }
        if let Some((position, found)) = first_non_digit(&value) {
            return Err(PublicPayerNumberError::NotDigit { position, found });
        }
        if value.len() != 8 {
            return Err(PublicPayerNumberError::Length { len: value.len(), value });
        }
        let digits = digits_of(&value);
        let prefecture = digits[2] * 10 + digits[3];
        if !(1..=47).contains(&prefecture) {
            return Err(PublicPayerNumberError::Prefecture { value, found: prefecture });
        }
        let expected = modulus10_weights_21(&digits[..7]);
        if digits[7] != expected {
            return Err(PublicPayerNumberError::CheckDigit { found: digits[7], value, expected });
        }
        Ok(PublicPayerNumber(value))
    }
}

/// A valid 受給者番号 of a national public-expense programme: 7 digits, the last
/// a weights-2,1 check digit over the first 6.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RecipientNumber(String);

/// Why a value is not a 受給者番号.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecipientNumberError {
    #[error("受給者番号 must not be empty")]
    Empty,
    #[error("受給者番号 must be digits only, found {found:?} at position {position}")]
    NotDigit { position: usize, found: char },
    #[error("受給者番号 {value:?} must be 7 digits, got {len}")]
    Length { value: String, len: usize },
    #[error(
        "受給者番号 {value:?}: 検証番号 is {found}, but the weights-2,1 rule of 保険者番号等設定要領 gives {expected}"
    )]
    CheckDigit { value: String, expected: u8, found: u8 },
}

impl RecipientNumber {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for RecipientNumber {
    type Err = RecipientNumberError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = normalise_digits(input);
        if value.is_empty() {
            return Err(RecipientNumberError::Empty);
        }
        if let Some((position, found)) = first_non_digit(&value) {
            return Err(RecipientNumberError::NotDigit { position, found });
        }
        if value.len() != 7 {
            return Err(RecipientNumberError::Length { len: value.len(), value });
        }
        let digits = digits_of(&value);
        let expected = modulus10_weights_21(&digits[..6]);
        if digits[6] != expected {
            return Err(RecipientNumberError::CheckDigit { found: digits[6], value, expected });
        }
        Ok(RecipientNumber(value))
    }
}

macro_rules! display_debug {
    ($($ty:ident),*) => {$(
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self.0)
            }
        }
    )*};
}
display_debug!(InsurerNumber, PublicPayerNumber, RecipientNumber);
