//! 医療機関コード: 10 digits = 都道府県番号 2 + 点数表番号 1 + 医療機関等コード 7
//! (郡市区番号 2 + 番号 4 + 検証番号 1).
//!
//! The 検証番号 is the weights-2,1 rule of 保険者番号等設定要領 (Luhn), taken
//! over all nine digits before it: 都道府県番号, 点数表番号, 郡市区番号 and 番号.
//! That is the published rule ("末尾の検証番号は2桁の都道府県番号および1桁の点数表番号と
//! 合わせて算出する", ja.wikipedia 処方箋発行医療機関コード) and it holds for every one
//! of the 68,000 real 医科 codes of the 地方厚生局 lists outside 南関東 (see the
//! tests). The exception is real too: in 埼玉 (11), 千葉 (12), 東京 (13) and
//! 神奈川 (14) every listed code (28,900 of them) carries the check digit of
//! 郡市区番号 and 番号 alone, and none the nine-digit one. onshi follows the
//! codes as issued.

use std::fmt;
use std::str::FromStr;

use super::{check_digit::modulus10_weights_21, digits_of, first_non_digit, normalise_digits};

/// A valid 10-digit 医療機関コード.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FacilityCode(String);

/// 点数表番号: which fee schedule the facility bills under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FeeTable {
    /// 1: 医科 (hospitals and medical clinics).
    Medical,
    /// 3: 歯科.
    Dental,
    /// 4: 調剤 (pharmacies).
    Pharmacy,
    /// 6: 訪問看護.
    HomeNursing,
}

impl FeeTable {
    pub fn digit(self) -> u8 {
        match self {
            FeeTable::Medical => 1,
            FeeTable::Dental => 3,
            FeeTable::Pharmacy => 4,
            FeeTable::HomeNursing => 6,
        }
    }

    pub fn from_digit(digit: u8) -> Option<FeeTable> {
        match digit {
            1 => Some(FeeTable::Medical),
            3 => Some(FeeTable::Dental),
            4 => Some(FeeTable::Pharmacy),
            6 => Some(FeeTable::HomeNursing),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            FeeTable::Medical => "医科",
            FeeTable::Dental => "歯科",
            FeeTable::Pharmacy => "調剤",
            FeeTable::HomeNursing => "訪問看護",
        }
    }
}

/// Why a value is not a 医療機関コード.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FacilityCodeError {
    #[error("医療機関コード must not be empty")]
    Empty,
    #[error("医療機関コード must be digits only, found {found:?} at position {position}")]
    NotDigit { position: usize, found: char },
    #[error("医療機関コード {value:?} must be 10 digits (都道府県2 + 点数表1 + コード7), got {len}")]
    Length { value: String, len: usize },
    #[error("医療機関コード {value:?}: 都道府県番号 must be 01–47, got {found:02}")]
    Prefecture { value: String, found: u8 },
    #[error("医療機関コード {value:?}: 点数表番号 must be 1 医科, 3 歯科, 4 調剤 or 6 訪問看護, got {found}")]
    FeeTable { value: String, found: u8 },
    #[error("医療機関コード {value:?}: 検証番号 is {found}, but the weights-2,1 rule over {over} gives {expected}")]
    CheckDigit { value: String, expected: u8, found: u8, over: &'static str },
}

impl FacilityCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Build a valid code from its parts, computing the check digit.
    /// `district` is 郡市区番号 (0–99), `serial` is 番号 (0–9999).
    pub fn from_parts(
        prefecture: u8,
        table: FeeTable,
        district: u8,
        serial: u16,
    ) -> Result<FacilityCode, FacilityCodeError> {
        let nine = format!("{:02}{}{:02}{:04}", prefecture % 100, table.digit(), district % 100, serial % 10000);
        let (check, _) = check_digit(&digits_of(&nine));
        format!("{nine}{check}").parse()
    }

    /// 都道府県番号 (01–47).
    pub fn prefecture(&self) -> u8 {
        self.0[..2].parse().expect("digits checked at parse")
    }

    pub fn fee_table(&self) -> FeeTable {
        FeeTable::from_digit(self.0.as_bytes()[2] - b'0').expect("checked at parse")
    }

    /// The 7-digit 医療機関等コード without prefecture and table.
    pub fn seven(&self) -> &str {
        &self.0[3..]
    }
}

impl FromStr for FacilityCode {
    type Err = FacilityCodeError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = normalise_digits(input);
        if value.is_empty() {
            return Err(FacilityCodeError::Empty);
        }
        if let Some((position, found)) = first_non_digit(&value) {
            return Err(FacilityCodeError::NotDigit { position, found });
        }
        if value.len() != 10 {
            return Err(FacilityCodeError::Length { len: value.len(), value });
        }
        let digits = digits_of(&value);
        let prefecture = digits[0] * 10 + digits[1];
        if !(1..=47).contains(&prefecture) {
            return Err(FacilityCodeError::Prefecture { value, found: prefecture });
        }
        if FeeTable::from_digit(digits[2]).is_none() {
            return Err(FacilityCodeError::FeeTable { value, found: digits[2] });
        }
        let (expected, over) = check_digit(&digits[..9]);
        if digits[9] != expected {
            return Err(FacilityCodeError::CheckDigit { value, expected, found: digits[9], over });
        }
        Ok(FacilityCode(value))
    }
}

/// The prefectures whose codes carry the check digit of 郡市区番号 and 番号 only:
/// 埼玉, 千葉, 東京, 神奈川.
const SIX_DIGIT_CHECK_PREFECTURES: std::ops::RangeInclusive<u8> = 11..=14;

/// The check digit for the first nine digits of a code, and which digits it
/// covers (for the error message).
fn check_digit(nine: &[u8]) -> (u8, &'static str) {
    let prefecture = nine[0] * 10 + nine[1];
    if SIX_DIGIT_CHECK_PREFECTURES.contains(&prefecture) {
        (modulus10_weights_21(&nine[3..9]), "郡市区番号 and 番号 (埼玉・千葉・東京・神奈川)")
    } else {
        (modulus10_weights_21(nine), "都道府県番号, 点数表番号, 郡市区番号 and 番号")
    }
}

impl fmt::Display for FacilityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for FacilityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FacilityCode({})", self.0)
    }
}
