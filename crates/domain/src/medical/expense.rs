//! 医療費情報: what one month of care at one facility cost, as the claim for
//! that month says (the 医療費通知 the portal shows and 確定申告 uses).

use super::RowError;
use super::drug::required_facility_code;
use super::json::{Fields, Writer};
use super::values::{self, MAX_FACILITY_NAME_CHARS, YearMonth};
use crate::id::FacilityCode;

/// One month of care at one facility.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpenseRecord {
    /// 診療年月.
    pub month: YearMonth,
    pub facility_code: FacilityCode,
    pub facility_name: String,
    /// 診療実日数: 1 to the days of the month.
    pub days: u8,
    /// 医療費の総額 in yen.
    pub total_yen: u64,
    /// 窓口負担相当額 in yen: at most the total.
    pub copay_yen: u64,
}

/// The largest amount accepted, in yen (ten billion less one).
pub const MAX_YEN: u64 = 9_999_999_999;

pub(crate) const FIELDS: &[&str] = &["month", "facility_code", "facility_name", "days", "total_yen", "copay_yen"];

const WHAT: &str = "an expense record";

impl ExpenseRecord {
    pub(crate) fn read(fields: &Fields) -> Result<ExpenseRecord, RowError> {
        let month_text = fields.required_str("month", WHAT)?;
        let month: YearMonth = month_text
            .parse()
            .map_err(|err: values::YearMonthError| fields.error("month", month_text, err.to_string()))?;
        let facility_code = required_facility_code(fields, "facility_code", WHAT)?;
        let facility_name = values::required_text(fields, "facility_name", WHAT, MAX_FACILITY_NAME_CHARS)?;
        let days_value = fields.required("days", WHAT)?;
        let days = fields.whole("days", days_value, 1..=31, "診療実日数 must be a whole number from 1 to 31")?;
        if days > u64::from(month.days()) {
            return Err(fields.error(
                "days",
                days.to_string(),
                format!("診療実日数 cannot exceed the {} days of {month}", month.days()),
            ));
        }
        let yen_rule = format!("must be a whole number of yen from 0 to {MAX_YEN}");
        let total_yen = fields.whole("total_yen", fields.required("total_yen", WHAT)?, 0..=MAX_YEN, &yen_rule)?;
        let copay_yen = fields.whole("copay_yen", fields.required("copay_yen", WHAT)?, 0..=MAX_YEN, &yen_rule)?;
        if copay_yen > total_yen {
            return Err(fields.error(
                "copay_yen",
                copay_yen.to_string(),
                format!("窓口負担相当額 cannot exceed total_yen {total_yen}"),
            ));
        }
        Ok(ExpenseRecord {
            month,
            facility_code,
            facility_name,
            days: u8::try_from(days).expect("at most 31"),
            total_yen,
            copay_yen,
        })
    }

    pub(crate) fn write(&self, out: &mut Writer) {
        out.str("month", &self.month.to_string());
        out.str("facility_code", self.facility_code.as_str());
        out.str("facility_name", &self.facility_name);
        out.raw("days", &self.days.to_string());
        out.raw("total_yen", &self.total_yen.to_string());
        out.raw("copay_yen", &self.copay_yen.to_string());
    }
}
