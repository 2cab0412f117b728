//! Medical information (医療情報) as the platform receives it from insurers:
//! 薬剤情報, 診療情報 and 医療費情報 from the claims (レセプト), 特定健診等情報
//! from checkup data; the import format that carries them (JSON Lines, one
//! record per line, see `docs/medical-import.md`), and the windows in which
//! facilities and the portal see them.
//!
//! Every record is a type that holds only checked values. A line that breaks a
//! rule is refused with a [`RowError`] naming the field, the value and the
//! rule. The body of a record ([`MedicalRecord::to_json`]) is canonical JSON:
//! fields in a fixed order, numbers without trailing zeros, so the same record
//! always gives the same bytes.
//!
//! This module is the one place in the domain that knows a serialisation
//! format: the import format is part of the domain's contract with insurers.
//! It does no I/O; reading files is the caller's business.

mod checkup;
mod clinical;
mod drug;
mod expense;
mod json;
#[cfg(test)]
mod tests;
mod values;

use std::fmt;

use chrono::Months;

use crate::Date;
use crate::insurance::MemberKey;
use json::{Fields, Json, Writer};

pub use checkup::{
    BMI_TOLERANCE_TENTHS, CheckupItem, CheckupRecord, CheckupResult, CheckupResults, CheckupValue, Flag, Threshold,
    UrineLevel, bmi_tenths,
};
pub use clinical::{ClinicalCategory, ClinicalCode, ClinicalRecord, CodeSystem};
pub use drug::{DrugRecord, MAX_DAYS, MAX_TIMES, Prescriber, Route, Supply};
pub use expense::{ExpenseRecord, MAX_YEN};
pub use values::{
    CheckupFacilityCode, CodeError, DiseaseCode, DrugCode, Icd10, MAX_DOSE_CHARS, MAX_FACILITY_NAME_CHARS,
    MAX_NAME_CHARS, MAX_UNIT_CHARS, ProcedureCode, Quantity, YearMonth, YearMonthError, YjCode,
};

/// The four kinds of medical information.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RecordKind {
    /// 薬剤情報
    Drug,
    /// 診療情報
    Clinical,
    /// 医療費情報
    Expense,
    /// 特定健診等情報
    Checkup,
}

impl RecordKind {
    pub const ALL: [RecordKind; 4] = [RecordKind::Drug, RecordKind::Clinical, RecordKind::Expense, RecordKind::Checkup];

    /// The `type` of an import line: `drug`, `clinical`, `expense`, `checkup`.
    pub fn code(self) -> &'static str {
        match self {
            RecordKind::Drug => "drug",
            RecordKind::Clinical => "clinical",
            RecordKind::Expense => "expense",
            RecordKind::Checkup => "checkup",
        }
    }

    pub fn from_code(code: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|kind| kind.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            RecordKind::Drug => "薬剤情報",
            RecordKind::Clinical => "診療情報",
            RecordKind::Expense => "医療費情報",
            RecordKind::Checkup => "特定健診等情報",
        }
    }

    /// The fields of this kind's body, in the order `to_json` writes them.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            RecordKind::Drug => drug::FIELDS,
            RecordKind::Clinical => clinical::FIELDS,
            RecordKind::Expense => expense::FIELDS,
            RecordKind::Checkup => checkup::FIELDS,
        }
    }

    /// The field that holds the record's date.
    pub fn date_field(self) -> &'static str {
        match self {
            RecordKind::Drug => "dispensed_on",
            RecordKind::Clinical => "performed_on",
            RecordKind::Expense => "month",
            RecordKind::Checkup => "checked_on",
        }
    }

    fn what(self) -> &'static str {
        match self {
            RecordKind::Drug => "a drug record",
            RecordKind::Clinical => "a clinical record",
            RecordKind::Expense => "an expense record",
            RecordKind::Checkup => "a checkup record",
        }
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One record of medical information.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MedicalRecord {
    Drug(DrugRecord),
    Clinical(ClinicalRecord),
    Expense(ExpenseRecord),
    Checkup(CheckupRecord),
}

impl MedicalRecord {
    pub fn kind(&self) -> RecordKind {
        match self {
            MedicalRecord::Drug(_) => RecordKind::Drug,
            MedicalRecord::Clinical(_) => RecordKind::Clinical,
            MedicalRecord::Expense(_) => RecordKind::Expense,
            MedicalRecord::Checkup(_) => RecordKind::Checkup,
        }
    }

    /// The date windows are counted on: the dispensing date, the date
    /// performed or diagnosed, the first day of the expense's month, the
    /// checkup date.
    pub fn date(&self) -> Date {
        match self {
            MedicalRecord::Drug(record) => record.dispensed_on,
            MedicalRecord::Clinical(record) => record.performed_on,
            MedicalRecord::Expense(record) => record.month.first_day(),
            MedicalRecord::Checkup(record) => record.checked_on,
        }
    }

    /// The record's body as stored and as answered: canonical JSON of the
    /// record's own fields (no member key, no record id) in the order of
    /// [`RecordKind::fields`], optional fields left out when empty.
    pub fn to_json(&self) -> String {
        let mut out = Writer::new();
        self.write_fields(&mut out);
        out.finish()
    }

    /// Read a stored body back; `kind` says which record it is. The body is
    /// checked by the same rules as an import line, except the date against
    /// today (a body stored yesterday may be read tomorrow).
    pub fn from_json(kind: RecordKind, body: &str) -> Result<MedicalRecord, RowError> {
        let members = object(body)?;
        let fields = Fields::new("", members, &[kind.fields()], kind.what())?;
        read_body(kind, &fields)
    }

    fn write_fields(&self, out: &mut Writer) {
        match self {
            MedicalRecord::Drug(record) => record.write(out),
            MedicalRecord::Clinical(record) => record.write(out),
            MedicalRecord::Expense(record) => record.write(out),
            MedicalRecord::Checkup(record) => record.write(out),
        }
    }
}

/// One line of an import file, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportRow {
    /// The insurer's id of the record, unique per (insurer, kind): 1 to 64
    /// characters of `A–Z a–z 0–9 . _ : -`. Importing the same id again
    /// replaces the record.
    pub record_id: String,
    /// 保険者番号, 記号, 番号, 枝番 of the member.
    pub key: MemberKey,
    pub record: MedicalRecord,
}

impl ImportRow {
    /// The import line for this row (without the newline): `type`,
    /// `record_id`, the member key, then the body's fields. `parse_line`
    /// reads it back as the same row.
    pub fn to_line(&self) -> String {
        let mut out = Writer::new();
        out.str("type", self.record.kind().code());
        out.str("record_id", &self.record_id);
        out.str("insurer_number", self.key.insurer_number.as_str());
        out.str("symbol", self.key.symbol.as_str());
        out.str("number", self.key.number.as_str());
        out.str("branch", &self.key.branch.to_string());
        self.record.write_fields(&mut out);
        out.finish()
    }
}

/// The fields of an import line besides the record's own.
pub const ENVELOPE_FIELDS: [&str; 6] = ["type", "record_id", "insurer_number", "symbol", "number", "branch"];

/// Parse and validate one JSON line of an import file, without comparing its
/// date with today; [`parse_line_as_of`] refuses records dated in the future
/// too, and is what an importer should call.
pub fn parse_line(line: &str) -> Result<ImportRow, RowError> {
    let members = object(line)?;
    let kind = match members.iter().find(|(name, _)| name == "type").map(|(_, value)| value) {
        None | Some(Json::Null) => {
            return Err(RowError::new("type", "", "is required: drug, clinical, expense or checkup"));
        }
        Some(Json::String(code)) => RecordKind::from_code(code)
            .ok_or_else(|| RowError::new("type", code.as_str(), "must be drug, clinical, expense or checkup"))?,
        Some(other) => {
            return Err(RowError::new("type", other.shown(), "must be the string drug, clinical, expense or checkup"));
        }
    };
    let fields = Fields::new("", members, &[&ENVELOPE_FIELDS, kind.fields()], kind.what())?;
    let record_id = fields.required_str("record_id", "every line")?;
    if !values::record_id_ok(record_id) {
        return Err(fields.error("record_id", record_id, values::RECORD_ID_RULE));
    }
    let key = member_key(&fields)?;
    let record = read_body(kind, &fields)?;
    Ok(ImportRow { record_id: record_id.to_owned(), key, record })
}

/// [`parse_line`], and refuse a record dated after `today` (for an expense,
/// a month after today's).
pub fn parse_line_as_of(line: &str, today: Date) -> Result<ImportRow, RowError> {
    let row = parse_line(line)?;
    check_not_future(&row.record, today)?;
    Ok(row)
}

/// Refuse a record dated after `today`.
pub fn check_not_future(record: &MedicalRecord, today: Date) -> Result<(), RowError> {
    if record.date() <= today {
        return Ok(());
    }
    let kind = record.kind();
    let value = match record {
        MedicalRecord::Expense(expense) => expense.month.to_string(),
        other => crate::date::iso(other.date()),
    };
    Err(RowError::new(
        kind.date_field(),
        value,
        format!("is after today ({}); a record cannot be dated in the future", crate::date::iso(today)),
    ))
}

fn object(text: &str) -> Result<Vec<(String, Json)>, RowError> {
    match Json::parse(text) {
        Ok(Json::Object(members)) => Ok(members),
        Ok(other) => {
            Err(RowError::new("line", other.shown(), format!("must be a JSON object, not {}", other.type_name())))
        }
        Err(err) => Err(RowError::new("line", json::cut(text), format!("is not JSON: {err}"))),
    }
}

fn read_body(kind: RecordKind, fields: &Fields) -> Result<MedicalRecord, RowError> {
    Ok(match kind {
        RecordKind::Drug => MedicalRecord::Drug(DrugRecord::read(fields)?),
        RecordKind::Clinical => MedicalRecord::Clinical(ClinicalRecord::read(fields)?),
        RecordKind::Expense => MedicalRecord::Expense(ExpenseRecord::read(fields)?),
        RecordKind::Checkup => MedicalRecord::Checkup(CheckupRecord::read(fields)?),
    })
}

fn member_key(fields: &Fields) -> Result<MemberKey, RowError> {
    const WHAT: &str = "every line";
    let insurer_text = fields.required_str("insurer_number", WHAT)?;
    let insurer_number = insurer_text
        .parse()
        .map_err(|err: crate::id::InsurerNumberError| fields.error("insurer_number", insurer_text, err.to_string()))?;
    let symbol_text = fields.optional_str("symbol")?.unwrap_or("");
    let symbol = symbol_text
        .parse()
        .map_err(|err: crate::id::MemberKeyError| fields.error("symbol", symbol_text, err.to_string()))?;
    let number_text = fields.required_str("number", WHAT)?;
    let number = number_text
        .parse()
        .map_err(|err: crate::id::MemberKeyError| fields.error("number", number_text, err.to_string()))?;
    let branch_text = fields.required_str("branch", WHAT)?;
    let branch = branch_text
        .parse()
        .map_err(|err: crate::id::MemberKeyError| fields.error("branch", branch_text, err.to_string()))?;
    Ok(MemberKey { insurer_number, symbol, number, branch })
}

/// Why a line or a stored body was refused: the field (`results.hba1c` for
/// a checkup item; `line` when the line is not a JSON object), the value as
/// given (a string as itself, anything else as JSON, cut to 64 characters;
/// empty when the field is missing) and the rule it breaks.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {value:?}: {rule}")]
pub struct RowError {
    pub field: String,
    pub value: String,
    pub rule: String,
}

impl RowError {
    pub fn new(field: impl Into<String>, value: impl Into<String>, rule: impl Into<String>) -> RowError {
        RowError { field: field.into(), value: json::cut(&value.into()), rule: rule.into() }
    }
}

/// Years of drug history (薬剤情報) a facility sees under consent.
pub const DRUG_WINDOW_YEARS: u32 = 3;
/// Years of clinical history (診療情報) a facility sees under consent.
pub const CLINICAL_WINDOW_YEARS: u32 = 3;
/// Years of checkups (特定健診等情報) a facility sees under consent.
pub const CHECKUP_WINDOW_YEARS: u32 = 5;
/// Years of expenses (医療費情報) the portal shows (they are for the person,
/// never shown to facilities); counted in whole months.
pub const EXPENSE_WINDOW_YEARS: u32 = 5;

impl RecordKind {
    /// Years in this kind's window.
    pub fn window_years(self) -> u32 {
        match self {
            RecordKind::Drug => DRUG_WINDOW_YEARS,
            RecordKind::Clinical => CLINICAL_WINDOW_YEARS,
            RecordKind::Expense => EXPENSE_WINDOW_YEARS,
            RecordKind::Checkup => CHECKUP_WINDOW_YEARS,
        }
    }

    /// Whether facilities see this kind under consent (all but expenses,
    /// which are the portal's only).
    pub fn shown_to_facilities(self) -> bool {
        self != RecordKind::Expense
    }
}

/// The first day (inclusive) of the window of `kind` as of `today`: the same
/// day `window_years` years earlier, or the last day of that month when it
/// has no such day (2024-02-29 less 3 years is 2021-02-28, by analogy with
/// 民法 第143条, which ends such a period on the month's last day). Expenses are per month, so their window
/// starts on the first day of that month.
pub fn window_start(kind: RecordKind, today: Date) -> Date {
    let start = today.checked_sub_months(Months::new(12 * kind.window_years())).unwrap_or(Date::MIN);
    match kind {
        RecordKind::Expense => YearMonth::of(start).first_day(),
        _ => start,
    }
}

/// Whether a record dated `date` is in the window of `kind` as of `today`:
/// from [`window_start`] to `today`, both included.
pub fn in_window(kind: RecordKind, date: Date, today: Date) -> bool {
    (window_start(kind, today)..=today).contains(&date)
}
