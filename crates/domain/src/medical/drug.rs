//! 薬剤情報: one medicine dispensed on one day, as the claims (調剤レセプト
//! and the 医科 claims of 院内処方) carry it. The fields are what a prescriber
//! needs to avoid a duplicate: the platform's 重複投薬 check compares 成分
//! and 投与経路 (same ingredient, same route).

use super::RowError;
use super::json::{Fields, Writer};
use super::values::{
    self, DrugCode, MAX_DOSE_CHARS, MAX_FACILITY_NAME_CHARS, MAX_NAME_CHARS, MAX_UNIT_CHARS, Quantity, YjCode,
};
use crate::Date;
use crate::id::FacilityCode;

/// A dispensed medicine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrugRecord {
    /// 調剤日 (or 処方日 for 院内処方).
    pub dispensed_on: Date,
    /// 医療機関コード of the pharmacy or facility that dispensed.
    pub facility_code: FacilityCode,
    pub facility_name: String,
    /// The facility that prescribed, when another one dispensed (院外処方).
    pub prescriber: Option<Prescriber>,
    /// レセプト電算処理システム用コード; at least one of it and `yj_code`.
    pub drug_code: Option<DrugCode>,
    /// YJコード.
    pub yj_code: Option<YjCode>,
    /// 医薬品名 as dispensed (brand or generic name with strength).
    pub name: String,
    /// 成分名.
    pub ingredient: String,
    /// 投与経路.
    pub route: Route,
    /// 用法, e.g. "1日1回朝食後".
    pub dose: String,
    /// Per day when `supply` is days, per time when it is 頓用.
    pub quantity: Quantity,
    /// 単位: 錠, カプセル, g, mL, 包, 枚, 本, 個 …
    pub unit: String,
    pub supply: Supply,
}

/// 処方元: the facility whose prescription was dispensed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prescriber {
    pub facility_code: FacilityCode,
    pub facility_name: String,
}

/// 投与経路, the route that the 重複投薬 check compares with the 成分.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    /// 内服
    Internal,
    /// 外用
    External,
    /// 注射
    Injection,
}

impl Route {
    pub const ALL: [Route; 3] = [Route::Internal, Route::External, Route::Injection];

    pub fn code(self) -> &'static str {
        match self {
            Route::Internal => "internal",
            Route::External => "external",
            Route::Injection => "injection",
        }
    }

    pub fn from_code(code: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|route| route.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Route::Internal => "内服",
            Route::External => "外用",
            Route::Injection => "注射",
        }
    }
}

/// How much was supplied: a number of days (投与日数), or 頓用 (as needed) a
/// number of times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Supply {
    /// 投与日数, 1–365.
    Days(u16),
    /// 頓用: `times` doses (回数), 1–100.
    AsNeeded { times: u16 },
}

/// Longest supply in days.
pub const MAX_DAYS: u16 = 365;
/// Most doses of an as-needed medicine.
pub const MAX_TIMES: u16 = 100;

pub(crate) const FIELDS: &[&str] = &[
    "dispensed_on",
    "facility_code",
    "facility_name",
    "prescriber_facility_code",
    "prescriber_facility_name",
    "drug_code",
    "yj_code",
    "name",
    "ingredient",
    "route",
    "dose",
    "quantity",
    "unit",
    "days",
    "as_needed",
    "times",
];

const WHAT: &str = "a drug record";

pub(crate) fn optional_facility_code(fields: &Fields, name: &str) -> Result<Option<FacilityCode>, RowError> {
    let Some(text) = fields.optional_str(name)? else { return Ok(None) };
    text.parse().map(Some).map_err(|err: crate::id::FacilityCodeError| fields.error(name, text, err.to_string()))
}

pub(crate) fn required_facility_code(fields: &Fields, name: &str, what: &str) -> Result<FacilityCode, RowError> {
    fields.required(name, what)?;
    Ok(optional_facility_code(fields, name)?.expect("present"))
}

impl DrugRecord {
    pub(crate) fn read(fields: &Fields) -> Result<DrugRecord, RowError> {
        let dispensed_on = values::required_date(fields, "dispensed_on", WHAT)?;
        let facility_code = required_facility_code(fields, "facility_code", WHAT)?;
        let facility_name = values::required_text(fields, "facility_name", WHAT, MAX_FACILITY_NAME_CHARS)?;
        let prescriber_code = optional_facility_code(fields, "prescriber_facility_code")?;
        let prescriber_name = fields
            .optional_str("prescriber_facility_name")?
            .map(|value| values::text(fields, "prescriber_facility_name", value, MAX_FACILITY_NAME_CHARS))
            .transpose()?;
        let prescriber = match (prescriber_code, prescriber_name) {
            (Some(facility_code), Some(facility_name)) => Some(Prescriber { facility_code, facility_name }),
            (None, None) => None,
            (Some(code), None) => {
                return Err(fields.error(
                    "prescriber_facility_name",
                    "",
                    format!("is required with prescriber_facility_code {code}"),
                ));
            }
            (None, Some(name)) => {
                return Err(fields.error(
                    "prescriber_facility_code",
                    "",
                    format!("is required with prescriber_facility_name {name:?}"),
                ));
            }
        };
        let drug_code = code(fields, "drug_code")?;
        let yj_code = code(fields, "yj_code")?;
        if drug_code.is_none() && yj_code.is_none() {
            return Err(fields.error("drug_code", "", "a drug record needs a drug_code, a yj_code or both"));
        }
        let name = values::required_text(fields, "name", WHAT, MAX_NAME_CHARS)?;
        let ingredient = values::required_text(fields, "ingredient", WHAT, MAX_NAME_CHARS)?;
        let route_text = fields.required_str("route", WHAT)?;
        let route = Route::from_code(route_text).ok_or_else(|| {
            fields.error("route", route_text, "must be internal (内服), external (外用) or injection (注射)")
        })?;
        let dose = values::required_text(fields, "dose", WHAT, MAX_DOSE_CHARS)?;
        let quantity_value = fields.required("quantity", WHAT)?;
        let quantity = values::scaled_decimal(quantity_value, 3, Quantity::MAX_THOUSANDTHS)
            .and_then(Quantity::from_thousandths)
            .ok_or_else(|| {
                fields.error(
                    "quantity",
                    quantity_value.shown(),
                    "must be a number greater than 0 and at most 100000, with at most 3 decimals",
                )
            })?;
        let unit = values::required_text(fields, "unit", WHAT, MAX_UNIT_CHARS)?;
        let supply = supply(fields)?;
        Ok(DrugRecord {
            dispensed_on,
            facility_code,
            facility_name,
            prescriber,
            drug_code,
            yj_code,
            name,
            ingredient,
            route,
            dose,
            quantity,
            unit,
            supply,
        })
    }

    pub(crate) fn write(&self, out: &mut Writer) {
        out.str("dispensed_on", &crate::date::iso(self.dispensed_on));
        out.str("facility_code", self.facility_code.as_str());
        out.str("facility_name", &self.facility_name);
        if let Some(prescriber) = &self.prescriber {
            out.str("prescriber_facility_code", prescriber.facility_code.as_str());
            out.str("prescriber_facility_name", &prescriber.facility_name);
        }
        if let Some(code) = &self.drug_code {
            out.str("drug_code", code.as_str());
        }
        if let Some(code) = &self.yj_code {
            out.str("yj_code", code.as_str());
        }
        out.str("name", &self.name);
        out.str("ingredient", &self.ingredient);
        out.str("route", self.route.code());
        out.str("dose", &self.dose);
        out.raw("quantity", &self.quantity.to_string());
        out.str("unit", &self.unit);
        match self.supply {
            Supply::Days(days) => out.raw("days", &days.to_string()),
            Supply::AsNeeded { times } => {
                out.raw("as_needed", "true");
                out.raw("times", &times.to_string());
            }
        }
    }
}

fn code<T: std::str::FromStr<Err = values::CodeError>>(fields: &Fields, name: &str) -> Result<Option<T>, RowError> {
    let Some(text) = fields.optional_str(name)? else { return Ok(None) };
    text.parse().map(Some).map_err(|err: values::CodeError| fields.error(name, text, err.rule))
}

fn supply(fields: &Fields) -> Result<Supply, RowError> {
    let as_needed = match fields.get("as_needed") {
        None => false,
        Some(super::json::Json::Bool(flag)) => *flag,
        Some(other) => {
            return Err(fields.error("as_needed", other.shown(), "must be true or false"));
        }
    };
    if as_needed {
        if let Some(days) = fields.get("days") {
            return Err(fields.error(
                "days",
                days.shown(),
                "must be left out of an as-needed (頓用) record, which gives times",
            ));
        }
        let times = fields.required("times", "an as-needed (頓用) drug record")?;
        let rule = format!("頓用 回数 must be a whole number from 1 to {MAX_TIMES}");
        let times = fields.whole("times", times, 1..=u64::from(MAX_TIMES), &rule)?;
        Ok(Supply::AsNeeded { times: u16::try_from(times).expect("at most 100") })
    } else {
        if let Some(times) = fields.get("times") {
            return Err(fields.error(
                "times",
                times.shown(),
                "is only for as-needed (頓用) records, with as_needed: true",
            ));
        }
        let days = fields.required("days", "a drug record that is not as-needed (頓用)")?;
        let rule = format!("投与日数 must be a whole number from 1 to {MAX_DAYS}");
        let days = fields.whole("days", days, 1..=u64::from(MAX_DAYS), &rule)?;
        Ok(Supply::Days(u16::try_from(days).expect("at most 365")))
    }
}
