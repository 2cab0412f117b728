//! Medical facilities and pharmacies (医療機関・薬局).

use std::fmt;
use std::str::FromStr;

use crate::id::{FacilityCode, FeeTable};

/// The kind of facility, as the ministry's statistics split them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FacilityKind {
    /// 病院 (20 beds or more)
    Hospital,
    /// 医科診療所
    Clinic,
    /// 歯科診療所
    DentalClinic,
    /// 薬局
    Pharmacy,
}

/// Why a value is not a facility kind, or does not fit the facility code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FacilityKindError {
    #[error(
        "facility kind must be hospital (病院), clinic (医科診療所), dental_clinic (歯科診療所) or pharmacy (薬局), got {value:?}"
    )]
    Unknown { value: String },
    #[error("a {kind} must bill under 点数表 {expected}, but 医療機関コード {code} has 点数表 {found}")]
    FeeTableMismatch { kind: &'static str, code: String, expected: &'static str, found: &'static str },
}

impl FacilityKind {
    pub const ALL: [FacilityKind; 4] =
        [FacilityKind::Hospital, FacilityKind::Clinic, FacilityKind::DentalClinic, FacilityKind::Pharmacy];

    /// Stable code used in files, storage and APIs.
    pub fn code(self) -> &'static str {
        match self {
            FacilityKind::Hospital => "hospital",
            FacilityKind::Clinic => "clinic",
            FacilityKind::DentalClinic => "dental_clinic",
            FacilityKind::Pharmacy => "pharmacy",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            FacilityKind::Hospital => "病院",
            FacilityKind::Clinic => "医科診療所",
            FacilityKind::DentalClinic => "歯科診療所",
            FacilityKind::Pharmacy => "薬局",
        }
    }

    /// The fee table a facility of this kind bills under. Hospitals may also
    /// hold a dental code; onshi records one code per facility, so a
    /// hospital's dental department is a facility of its own.
    pub fn fee_tables(self) -> &'static [FeeTable] {
        match self {
            FacilityKind::Hospital => &[FeeTable::Medical, FeeTable::Dental],
            FacilityKind::Clinic => &[FeeTable::Medical],
            FacilityKind::DentalClinic => &[FeeTable::Dental],
            FacilityKind::Pharmacy => &[FeeTable::Pharmacy],
        }
    }

    /// Check that a facility code fits this kind.
    pub fn check_code(self, code: &FacilityCode) -> Result<(), FacilityKindError> {
        let table = code.fee_table();
        if self.fee_tables().contains(&table) {
            return Ok(());
        }
        Err(FacilityKindError::FeeTableMismatch {
            kind: self.code(),
            code: code.to_string(),
            expected: self.fee_tables()[0].label_ja(),
            found: table.label_ja(),
        })
    }
}

impl FromStr for FacilityKind {
    type Err = FacilityKindError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim() {
            "hospital" | "病院" => Ok(FacilityKind::Hospital),
            "clinic" | "医科診療所" | "診療所" => Ok(FacilityKind::Clinic),
            "dental_clinic" | "歯科診療所" => Ok(FacilityKind::DentalClinic),
            "pharmacy" | "薬局" => Ok(FacilityKind::Pharmacy),
            other => Err(FacilityKindError::Unknown { value: other.to_owned() }),
        }
    }
}

impl fmt::Display for FacilityKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A facility as registered with the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facility {
    pub code: FacilityCode,
    pub name: String,
    pub kind: FacilityKind,
    pub address: String,
}
