//! The resident registry (住民基本台帳): who lives where, with their My Number.

use std::fmt;
use std::str::FromStr;

use crate::id::MyNumber;
use crate::person::FiveAttributes;

/// 住民票コード: 11 digits assigned by the registry network. Its check-digit
/// rule is not public, so only the shape is checked.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResidentCode(String);

/// Why a value is not a 住民票コード.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("住民票コード must be 11 digits, got {value:?}")]
pub struct ResidentCodeError {
    pub value: String,
}

impl ResidentCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ResidentCode {
    type Err = ResidentCodeError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = crate::id_normalise_digits(input);
        if value.len() == 11 && value.bytes().all(|b| b.is_ascii_digit()) {
            Ok(ResidentCode(value))
        } else {
            Err(ResidentCodeError { value: input.to_owned() })
        }
    }
}

impl fmt::Display for ResidentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ResidentCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ResidentCode({})", self.0)
    }
}

/// A resident as the registry holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub resident_code: ResidentCode,
    pub my_number: MyNumber,
    pub attributes: FiveAttributes,
}
