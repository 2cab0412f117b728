//! 特定健診等情報: the results of one checkup, the items of the 特定健康診査
//! with their units, the range of values onshi takes as plausible, and the
//! 保健指導判定値 of 厚生労働省「標準的な健診・保健指導プログラム（令和6年度版）」
//! against which each result is flagged.

use std::fmt;

use super::RowError;
use super::json::{Fields, Json, Writer};
use super::values::{self, CheckupFacilityCode, MAX_FACILITY_NAME_CHARS};
use crate::Date;
use crate::person::Sex;

/// One checkup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckupRecord {
    /// 健診実施日.
    pub checked_on: Date,
    /// 健診機関番号.
    pub facility_code: CheckupFacilityCode,
    pub facility_name: String,
    pub results: CheckupResults,
}

/// A checkup item (健診項目).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CheckupItem {
    Height,
    Weight,
    Bmi,
    Waist,
    SystolicBp,
    DiastolicBp,
    Hba1c,
    FastingGlucose,
    Triglycerides,
    Hdl,
    Ldl,
    Ast,
    Alt,
    GammaGt,
    UrineGlucose,
    UrineProtein,
}

/// Where a result stands against its 保健指導判定値.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag {
    /// Below the threshold (for HDL: at or above it).
    Within,
    /// At or beyond the 保健指導判定値.
    Beyond,
}

/// The threshold of an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threshold {
    /// Beyond at or above this many tenths.
    AtLeast(u32),
    /// Beyond below this many tenths (HDL).
    Below(u32),
    /// 腹囲: beyond at or above the first for men, the second for women (tenths).
    BySex { male: u32, female: u32 },
    /// A qualitative result: beyond at or above this level.
    Level(UrineLevel),
}

/// A qualitative urine result: −, ±, +, 2+, 3+.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UrineLevel {
    /// (−)
    Negative,
    /// (±)
    Trace,
    /// (+)
    Plus1,
    /// (2+)
    Plus2,
    /// (3+)
    Plus3,
}

impl UrineLevel {
    pub const ALL: [UrineLevel; 5] =
        [UrineLevel::Negative, UrineLevel::Trace, UrineLevel::Plus1, UrineLevel::Plus2, UrineLevel::Plus3];

    /// The canonical symbol: `−` (U+2212), `±`, `+`, `2+`, `3+`.
    pub fn symbol(self) -> &'static str {
        match self {
            UrineLevel::Negative => "\u{2212}",
            UrineLevel::Trace => "±",
            UrineLevel::Plus1 => "+",
            UrineLevel::Plus2 => "2+",
            UrineLevel::Plus3 => "3+",
        }
    }

    /// The symbol or one of its usual ASCII and full-width spellings
    /// (`-`, `－`, `+-`, `+/-`, `1+`, `＋`, `++`, `+++`).
    pub fn parse(text: &str) -> Option<UrineLevel> {
        match text.trim() {
            "\u{2212}" | "-" | "－" | "\u{2010}" | "ー" => Some(UrineLevel::Negative),
            "±" | "+-" | "+/-" | "＋－" => Some(UrineLevel::Trace),
            "+" | "＋" | "1+" | "1＋" => Some(UrineLevel::Plus1),
            "2+" | "2＋" | "２＋" | "++" => Some(UrineLevel::Plus2),
            "3+" | "3＋" | "３＋" | "+++" => Some(UrineLevel::Plus3),
            _ => None,
        }
    }
}

impl fmt::Display for UrineLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.symbol())
    }
}

/// A result value: a measurement (kept in tenths, at most 1 decimal) or a
/// qualitative urine level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckupValue {
    Tenths(u32),
    Urine(UrineLevel),
}

impl fmt::Display for CheckupValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CheckupValue::Tenths(tenths) => f.write_str(&values::decimal_text(u64::from(*tenths), 1)),
            CheckupValue::Urine(level) => f.write_str(level.symbol()),
        }
    }
}

/// One item's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct CheckupResult {
    pub item: CheckupItem,
    pub value: CheckupValue,
}

impl CheckupResult {
    /// Within or beyond the item's 保健指導判定値; `None` for items without
    /// one (height, weight) and for 腹囲 when the sex is not 男 or 女.
    pub fn flag(&self, sex: Option<Sex>) -> Option<Flag> {
        let beyond = match (self.item.threshold()?, self.value) {
            (Threshold::AtLeast(limit), CheckupValue::Tenths(value)) => value >= limit,
            (Threshold::Below(limit), CheckupValue::Tenths(value)) => value < limit,
            (Threshold::BySex { male, female }, CheckupValue::Tenths(value)) => match sex {
                Some(Sex::Male) => value >= male,
                Some(Sex::Female) => value >= female,
                _ => return None,
            },
            (Threshold::Level(limit), CheckupValue::Urine(level)) => level >= limit,
            _ => return None,
        };
        Some(if beyond { Flag::Beyond } else { Flag::Within })
    }
}

impl CheckupItem {
    pub const ALL: [CheckupItem; 16] = [
        CheckupItem::Height,
        CheckupItem::Weight,
        CheckupItem::Bmi,
        CheckupItem::Waist,
        CheckupItem::SystolicBp,
        CheckupItem::DiastolicBp,
        CheckupItem::Hba1c,
        CheckupItem::FastingGlucose,
        CheckupItem::Triglycerides,
        CheckupItem::Hdl,
        CheckupItem::Ldl,
        CheckupItem::Ast,
        CheckupItem::Alt,
        CheckupItem::GammaGt,
        CheckupItem::UrineGlucose,
        CheckupItem::UrineProtein,
    ];

    /// The field name in `results`.
    pub fn code(self) -> &'static str {
        match self {
            CheckupItem::Height => "height",
            CheckupItem::Weight => "weight",
            CheckupItem::Bmi => "bmi",
            CheckupItem::Waist => "waist",
            CheckupItem::SystolicBp => "systolic_bp",
            CheckupItem::DiastolicBp => "diastolic_bp",
            CheckupItem::Hba1c => "hba1c",
            CheckupItem::FastingGlucose => "fasting_glucose",
            CheckupItem::Triglycerides => "triglycerides",
            CheckupItem::Hdl => "hdl",
            CheckupItem::Ldl => "ldl",
            CheckupItem::Ast => "ast",
            CheckupItem::Alt => "alt",
            CheckupItem::GammaGt => "gamma_gt",
            CheckupItem::UrineGlucose => "urine_glucose",
            CheckupItem::UrineProtein => "urine_protein",
        }
    }

    pub fn from_code(code: &str) -> Option<CheckupItem> {
        CheckupItem::ALL.into_iter().find(|item| item.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            CheckupItem::Height => "身長",
            CheckupItem::Weight => "体重",
            CheckupItem::Bmi => "BMI",
            CheckupItem::Waist => "腹囲",
            CheckupItem::SystolicBp => "収縮期血圧",
            CheckupItem::DiastolicBp => "拡張期血圧",
            CheckupItem::Hba1c => "HbA1c（NGSP値）",
            CheckupItem::FastingGlucose => "空腹時血糖",
            CheckupItem::Triglycerides => "中性脂肪（空腹時）",
            CheckupItem::Hdl => "HDLコレステロール",
            CheckupItem::Ldl => "LDLコレステロール",
            CheckupItem::Ast => "AST（GOT）",
            CheckupItem::Alt => "ALT（GPT）",
            CheckupItem::GammaGt => "γ-GT（γ-GTP）",
            CheckupItem::UrineGlucose => "尿糖",
            CheckupItem::UrineProtein => "尿蛋白",
        }
    }

    /// The unit; empty for the qualitative urine items.
    pub fn unit(self) -> &'static str {
        match self {
            CheckupItem::Height | CheckupItem::Waist => "cm",
            CheckupItem::Weight => "kg",
            CheckupItem::Bmi => "kg/m²",
            CheckupItem::SystolicBp | CheckupItem::DiastolicBp => "mmHg",
            CheckupItem::Hba1c => "%",
            CheckupItem::FastingGlucose | CheckupItem::Triglycerides | CheckupItem::Hdl | CheckupItem::Ldl => "mg/dL",
            CheckupItem::Ast | CheckupItem::Alt | CheckupItem::GammaGt => "U/L",
            CheckupItem::UrineGlucose | CheckupItem::UrineProtein => "",
        }
    }

    /// Whether the item is qualitative (−, ±, +, 2+, 3+) rather than measured.
    pub fn is_qualitative(self) -> bool {
        matches!(self, CheckupItem::UrineGlucose | CheckupItem::UrineProtein)
    }

    /// The plausible values of a measured item, in tenths, inclusive; a value
    /// outside is taken for a mistake (a unit slip, a typo) and refused.
    pub fn plausible_tenths(self) -> Option<(u32, u32)> {
        Some(match self {
            CheckupItem::Height => (1000, 2300),
            CheckupItem::Weight => (200, 3000),
            CheckupItem::Bmi => (100, 800),
            CheckupItem::Waist => (400, 2000),
            CheckupItem::SystolicBp => (600, 3000),
            CheckupItem::DiastolicBp => (300, 2000),
            CheckupItem::Hba1c => (30, 200),
            CheckupItem::FastingGlucose => (200, 8000),
            CheckupItem::Triglycerides => (100, 50000),
            CheckupItem::Hdl => (50, 2500),
            CheckupItem::Ldl => (100, 10000),
            CheckupItem::Ast | CheckupItem::Alt | CheckupItem::GammaGt => (10, 50000),
            CheckupItem::UrineGlucose | CheckupItem::UrineProtein => return None,
        })
    }

    /// The 保健指導判定値; `None` for height and weight.
    pub fn threshold(self) -> Option<Threshold> {
        Some(match self {
            CheckupItem::Height | CheckupItem::Weight => return None,
            CheckupItem::Bmi => Threshold::AtLeast(250),
            CheckupItem::Waist => Threshold::BySex { male: 850, female: 900 },
            CheckupItem::SystolicBp => Threshold::AtLeast(1300),
            CheckupItem::DiastolicBp => Threshold::AtLeast(850),
            CheckupItem::Hba1c => Threshold::AtLeast(56),
            CheckupItem::FastingGlucose => Threshold::AtLeast(1000),
            CheckupItem::Triglycerides => Threshold::AtLeast(1500),
            CheckupItem::Hdl => Threshold::Below(400),
            CheckupItem::Ldl => Threshold::AtLeast(1200),
            CheckupItem::Ast | CheckupItem::Alt => Threshold::AtLeast(310),
            CheckupItem::GammaGt => Threshold::AtLeast(510),
            CheckupItem::UrineGlucose => Threshold::Level(UrineLevel::Plus1),
            CheckupItem::UrineProtein => Threshold::Level(UrineLevel::Trace),
        })
    }

    /// The range within the 保健指導判定値, as a reader of the result sees
    /// it (`25未満`, `男性85未満・女性90未満`, `40以上`, `(−)`); empty for
    /// items without a threshold.
    pub fn reference_ja(self) -> &'static str {
        match self {
            CheckupItem::Height | CheckupItem::Weight => "",
            CheckupItem::Bmi => "25未満",
            CheckupItem::Waist => "男性85未満・女性90未満",
            CheckupItem::SystolicBp => "130未満",
            CheckupItem::DiastolicBp => "85未満",
            CheckupItem::Hba1c => "5.6未満",
            CheckupItem::FastingGlucose => "100未満",
            CheckupItem::Triglycerides => "150未満",
            CheckupItem::Hdl => "40以上",
            CheckupItem::Ldl => "120未満",
            CheckupItem::Ast | CheckupItem::Alt => "31未満",
            CheckupItem::GammaGt => "51未満",
            CheckupItem::UrineGlucose => "(−)(±)",
            CheckupItem::UrineProtein => "(−)",
        }
    }
}

impl fmt::Display for CheckupItem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The results of a checkup: at least one item, each at most once, kept in
/// the order of [`CheckupItem::ALL`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckupResults(Vec<CheckupResult>);

/// The largest allowed difference, in tenths, between a given BMI and the
/// one height and weight give.
pub const BMI_TOLERANCE_TENTHS: u32 = 2;

impl CheckupResults {
    /// Check and order the results: the value kind and range of each item,
    /// at least one item and none twice, a BMI that agrees with height and
    /// weight (±0.2), a diastolic pressure below the systolic.
    pub fn new(results: impl IntoIterator<Item = CheckupResult>) -> Result<CheckupResults, RowError> {
        let mut list: Vec<CheckupResult> = Vec::new();
        for result in results {
            let field = format!("results.{}", result.item.code());
            if list.iter().any(|seen| seen.item == result.item) {
                return Err(RowError::new(field, result.value.to_string(), "is given twice"));
            }
            check_value(result.item, result.value)?;
            list.push(result);
        }
        if list.is_empty() {
            return Err(RowError::new(
                "results",
                "{}",
                format!("must hold at least one of: {}", CheckupItem::ALL.map(CheckupItem::code).join(", ")),
            ));
        }
        list.sort_by_key(|result| result.item);
        let results = CheckupResults(list);
        results.check_consistency()?;
        Ok(results)
    }

    pub fn get(&self, item: CheckupItem) -> Option<CheckupValue> {
        self.0.iter().find(|result| result.item == item).map(|result| result.value)
    }

    pub fn iter(&self) -> impl Iterator<Item = &CheckupResult> {
        self.0.iter()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Always false: a checkup has at least one result.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn tenths(&self, item: CheckupItem) -> Option<u32> {
        match self.get(item)? {
            CheckupValue::Tenths(tenths) => Some(tenths),
            CheckupValue::Urine(_) => None,
        }
    }

    fn check_consistency(&self) -> Result<(), RowError> {
        if let (Some(bmi), Some(height), Some(weight)) =
            (self.tenths(CheckupItem::Bmi), self.tenths(CheckupItem::Height), self.tenths(CheckupItem::Weight))
        {
            let expected = bmi_tenths(height, weight);
            if bmi.abs_diff(expected) > BMI_TOLERANCE_TENTHS {
                return Err(RowError::new(
                    "results.bmi",
                    values::decimal_text(u64::from(bmi), 1),
                    format!(
                        "disagrees with height {} cm and weight {} kg, which give {} (allowed difference 0.2)",
                        values::decimal_text(u64::from(height), 1),
                        values::decimal_text(u64::from(weight), 1),
                        values::decimal_text(u64::from(expected), 1),
                    ),
                ));
            }
        }
        if let (Some(systolic), Some(diastolic)) =
            (self.tenths(CheckupItem::SystolicBp), self.tenths(CheckupItem::DiastolicBp))
            && diastolic >= systolic
        {
            return Err(RowError::new(
                "results.diastolic_bp",
                values::decimal_text(u64::from(diastolic), 1),
                format!("must be below systolic_bp {}", values::decimal_text(u64::from(systolic), 1)),
            ));
        }
        Ok(())
    }
}

/// BMI in tenths, rounded half up, from height and weight in tenths.
pub fn bmi_tenths(height_tenths: u32, weight_tenths: u32) -> u32 {
    // weight / (height/100)^2 = weight_tenths/10 / (height_tenths/1000)^2,
    // and ×10 for tenths: weight_tenths × 10^6 / height_tenths².
    let numerator = u64::from(weight_tenths) * 1_000_000;
    let denominator = u64::from(height_tenths).pow(2).max(1);
    u32::try_from((numerator * 2 + denominator) / (denominator * 2)).unwrap_or(u32::MAX)
}

fn check_value(item: CheckupItem, value: CheckupValue) -> Result<(), RowError> {
    let field = format!("results.{}", item.code());
    match (item.plausible_tenths(), value) {
        (Some((low, high)), CheckupValue::Tenths(tenths)) => {
            if !(low..=high).contains(&tenths) {
                return Err(RowError::new(field, value.to_string(), range_rule(item, low, high)));
            }
            Ok(())
        }
        (None, CheckupValue::Urine(_)) => Ok(()),
        (Some(_), CheckupValue::Urine(level)) => Err(RowError::new(
            field,
            level.symbol(),
            format!("{} is a measured value in {}", item.label_ja(), item.unit()),
        )),
        (None, CheckupValue::Tenths(_)) => Err(RowError::new(field, value.to_string(), urine_rule(item))),
    }
}

fn range_rule(item: CheckupItem, low: u32, high: u32) -> String {
    format!(
        "{} must be a number from {} to {} {} with at most 1 decimal (a plausible value)",
        item.label_ja(),
        values::decimal_text(u64::from(low), 1),
        values::decimal_text(u64::from(high), 1),
        item.unit()
    )
}

fn urine_rule(item: CheckupItem) -> String {
    format!("{} is one of \"−\", \"±\", \"+\", \"2+\", \"3+\" (also \"-\" and \"+-\")", item.label_ja())
}

pub(crate) const FIELDS: &[&str] = &["checked_on", "facility_code", "facility_name", "results"];

const WHAT: &str = "a checkup record";

impl CheckupRecord {
    pub(crate) fn read(fields: &Fields) -> Result<CheckupRecord, RowError> {
        let checked_on = values::required_date(fields, "checked_on", WHAT)?;
        let code_text = fields.required_str("facility_code", WHAT)?;
        let facility_code: CheckupFacilityCode =
            code_text.parse().map_err(|err: values::CodeError| fields.error("facility_code", code_text, err.rule))?;
        let facility_name = values::required_text(fields, "facility_name", WHAT, MAX_FACILITY_NAME_CHARS)?;
        let results = match fields.required("results", WHAT)? {
            Json::Object(members) => read_results(members.clone())?,
            other => {
                return Err(fields.error(
                    "results",
                    other.shown(),
                    format!("must be an object of checkup items, not {}", other.type_name()),
                ));
            }
        };
        Ok(CheckupRecord { checked_on, facility_code, facility_name, results })
    }

    pub(crate) fn write(&self, out: &mut Writer) {
        out.str("checked_on", &crate::date::iso(self.checked_on));
        out.str("facility_code", self.facility_code.as_str());
        out.str("facility_name", &self.facility_name);
        let mut results = Writer::new();
        for result in self.results.iter() {
            match result.value {
                CheckupValue::Tenths(_) => results.raw(result.item.code(), &result.value.to_string()),
                CheckupValue::Urine(level) => results.str(result.item.code(), level.symbol()),
            }
        }
        out.raw("results", &results.finish());
    }
}

const ITEM_CODES: &[&str] = &[
    "height",
    "weight",
    "bmi",
    "waist",
    "systolic_bp",
    "diastolic_bp",
    "hba1c",
    "fasting_glucose",
    "triglycerides",
    "hdl",
    "ldl",
    "ast",
    "alt",
    "gamma_gt",
    "urine_glucose",
    "urine_protein",
];

fn read_results(members: Vec<(String, Json)>) -> Result<CheckupResults, RowError> {
    let fields = Fields::new("results.", members, &[ITEM_CODES], "the checkup results")?;
    let mut results = Vec::new();
    for item in CheckupItem::ALL {
        let Some(json) = fields.get(item.code()) else { continue };
        let value = match item.plausible_tenths() {
            Some((low, high)) => {
                let tenths = values::scaled_decimal(json, 1, u64::from(u32::MAX))
                    .and_then(|tenths| u32::try_from(tenths).ok())
                    .ok_or_else(|| fields.error(item.code(), json.shown(), range_rule(item, low, high)))?;
                CheckupValue::Tenths(tenths)
            }
            None => {
                let level = match json {
                    Json::String(text) => UrineLevel::parse(text),
                    _ => None,
                };
                CheckupValue::Urine(level.ok_or_else(|| fields.error(item.code(), json.shown(), urine_rule(item)))?)
            }
        };
        results.push(CheckupResult { item, value });
    }
    CheckupResults::new(results)
}
