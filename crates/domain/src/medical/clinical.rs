//! 診療情報: a procedure (診療行為), an operation (手術) or a diagnosis (傷病名)
//! on one day at one facility, as the claims carry them.

use std::fmt;

use super::RowError;
use super::drug::required_facility_code;
use super::json::{Fields, Writer};
use super::values::{self, DiseaseCode, Icd10, MAX_FACILITY_NAME_CHARS, MAX_NAME_CHARS, ProcedureCode};
use crate::Date;
use crate::id::FacilityCode;

/// A clinical event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicalRecord {
    /// 診療日 (実施日 of a procedure or operation, 診療開始日 of a diagnosis).
    pub performed_on: Date,
    pub facility_code: FacilityCode,
    pub facility_name: String,
    /// The category and its code in one of the code systems.
    pub code: ClinicalCode,
    /// 診療行為名称, 手術名 or 傷病名.
    pub name: String,
}

/// What the record is, with its code; the code system is the one each
/// category allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClinicalCode {
    /// 診療行為, レセプト電算 診療行為 code.
    Procedure(ProcedureCode),
    /// 手術, レセプト電算 診療行為 code (手術 are in the same master).
    Surgery(ProcedureCode),
    /// 傷病名 with its レセプト電算 傷病名 code, and the ICD-10 code beside it
    /// when the insurer has it.
    DiagnosisDensan { code: DiseaseCode, icd10: Option<Icd10> },
    /// 傷病名 coded in ICD-10 only.
    DiagnosisIcd10(Icd10),
}

/// 区分 of a clinical record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClinicalCategory {
    /// 診療行為
    Procedure,
    /// 手術
    Surgery,
    /// 傷病名
    Diagnosis,
}

impl ClinicalCategory {
    pub const ALL: [ClinicalCategory; 3] =
        [ClinicalCategory::Procedure, ClinicalCategory::Surgery, ClinicalCategory::Diagnosis];

    pub fn code(self) -> &'static str {
        match self {
            ClinicalCategory::Procedure => "procedure",
            ClinicalCategory::Surgery => "surgery",
            ClinicalCategory::Diagnosis => "diagnosis",
        }
    }

    pub fn from_code(code: &str) -> Option<ClinicalCategory> {
        ClinicalCategory::ALL.into_iter().find(|category| category.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ClinicalCategory::Procedure => "診療行為",
            ClinicalCategory::Surgery => "手術",
            ClinicalCategory::Diagnosis => "傷病名",
        }
    }
}

/// The code system of a clinical record's `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CodeSystem {
    /// レセプト電算処理システム マスター (診療行為, 傷病名).
    Densan,
    /// ICD-10.
    Icd10,
}

impl CodeSystem {
    pub fn code(self) -> &'static str {
        match self {
            CodeSystem::Densan => "densan",
            CodeSystem::Icd10 => "icd10",
        }
    }
}

impl fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl ClinicalCode {
    pub fn category(&self) -> ClinicalCategory {
        match self {
            ClinicalCode::Procedure(_) => ClinicalCategory::Procedure,
            ClinicalCode::Surgery(_) => ClinicalCategory::Surgery,
            ClinicalCode::DiagnosisDensan { .. } | ClinicalCode::DiagnosisIcd10(_) => ClinicalCategory::Diagnosis,
        }
    }

    pub fn system(&self) -> CodeSystem {
        match self {
            ClinicalCode::DiagnosisIcd10(_) => CodeSystem::Icd10,
            _ => CodeSystem::Densan,
        }
    }

    /// The code in its system.
    pub fn as_str(&self) -> &str {
        match self {
            ClinicalCode::Procedure(code) | ClinicalCode::Surgery(code) => code.as_str(),
            ClinicalCode::DiagnosisDensan { code, .. } => code.as_str(),
            ClinicalCode::DiagnosisIcd10(code) => code.as_str(),
        }
    }

    /// The ICD-10 code, whether it is the code or beside it.
    pub fn icd10(&self) -> Option<&Icd10> {
        match self {
            ClinicalCode::DiagnosisDensan { icd10, .. } => icd10.as_ref(),
            ClinicalCode::DiagnosisIcd10(code) => Some(code),
            _ => None,
        }
    }
}

pub(crate) const FIELDS: &[&str] =
    &["performed_on", "facility_code", "facility_name", "category", "code_system", "code", "name", "icd10"];

const WHAT: &str = "a clinical record";

impl ClinicalRecord {
    pub fn category(&self) -> ClinicalCategory {
        self.code.category()
    }

    pub(crate) fn read(fields: &Fields) -> Result<ClinicalRecord, RowError> {
        let performed_on = values::required_date(fields, "performed_on", WHAT)?;
        let facility_code = required_facility_code(fields, "facility_code", WHAT)?;
        let facility_name = values::required_text(fields, "facility_name", WHAT, MAX_FACILITY_NAME_CHARS)?;
        let category_text = fields.required_str("category", WHAT)?;
        let category = ClinicalCategory::from_code(category_text).ok_or_else(|| {
            fields.error(
                "category",
                category_text,
                "must be procedure (診療行為), surgery (手術) or diagnosis (傷病名)",
            )
        })?;
        let system_text = fields.required_str("code_system", WHAT)?;
        let system = match system_text {
            "densan" => CodeSystem::Densan,
            "icd10" => CodeSystem::Icd10,
            _ => {
                return Err(fields.error(
                    "code_system",
                    system_text,
                    "must be densan (レセプト電算処理システム マスター) or icd10 (ICD-10)",
                ));
            }
        };
        let code_text = fields.required_str("code", WHAT)?;
        let icd10 = match fields.optional_str("icd10")? {
            None => None,
            Some(text) => {
                if !(category == ClinicalCategory::Diagnosis && system == CodeSystem::Densan) {
                    return Err(fields.error(
                        "icd10",
                        text,
                        "is only given beside a densan code of a diagnosis (category diagnosis, code_system densan)",
                    ));
                }
                Some(text.parse::<Icd10>().map_err(|err| fields.error("icd10", text, err.rule))?)
            }
        };
        let bad_code = |err: values::CodeError| fields.error("code", code_text, err.rule);
        let code = match (category, system) {
            (ClinicalCategory::Procedure, CodeSystem::Densan) => {
                ClinicalCode::Procedure(code_text.parse().map_err(bad_code)?)
            }
            (ClinicalCategory::Surgery, CodeSystem::Densan) => {
                ClinicalCode::Surgery(code_text.parse().map_err(bad_code)?)
            }
            (ClinicalCategory::Diagnosis, CodeSystem::Densan) => {
                ClinicalCode::DiagnosisDensan { code: code_text.parse().map_err(bad_code)?, icd10 }
            }
            (ClinicalCategory::Diagnosis, CodeSystem::Icd10) => {
                ClinicalCode::DiagnosisIcd10(code_text.parse().map_err(bad_code)?)
            }
            (_, CodeSystem::Icd10) => {
                return Err(fields.error(
                    "code_system",
                    system_text,
                    format!("icd10 codes diagnoses only; a {} is coded densan", category.code()),
                ));
            }
        };
        let name = values::required_text(fields, "name", WHAT, MAX_NAME_CHARS)?;
        Ok(ClinicalRecord { performed_on, facility_code, facility_name, code, name })
    }

    pub(crate) fn write(&self, out: &mut Writer) {
        out.str("performed_on", &crate::date::iso(self.performed_on));
        out.str("facility_code", self.facility_code.as_str());
        out.str("facility_name", &self.facility_name);
        out.str("category", self.code.category().code());
        out.str("code_system", self.code.system().code());
        out.str("code", self.code.as_str());
        out.str("name", &self.name);
        if let ClinicalCode::DiagnosisDensan { icd10: Some(icd10), .. } = &self.code {
            out.str("icd10", icd10.as_str());
        }
    }
}
