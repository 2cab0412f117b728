//! 資格確認書: the certificate an insurer issues, without application, to a
//! member whose My Number card is not registered as insurance card (or whose
//! registration was cancelled), so that they can still be seen at a clinic.

use onshi_domain::Date;

use crate::items::{Addressee, Holder, Insurer, LimitCategory};
use crate::{NoticeError, check_serial};

/// The longest validity of a 資格確認書, in years (健康保険法施行規則: the
/// insurer sets it within 5 years).
pub const MAX_VALIDITY_YEARS: u32 = 5;

/// A 資格確認書 ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityCertificate {
    /// 交付番号: the insurer's serial for this issue, 1–20 ASCII letters,
    /// digits or '-'.
    pub serial: String,
    pub insurer: Insurer,
    pub holder: Holder,
    /// 限度額適用区分, printed when the member asked for it.
    pub limit_category: Option<LimitCategory>,
    /// 交付年月日.
    pub issued_on: Date,
    /// 有効期限: the last day the certificate may be used; at most
    /// [`latest_expiry`] of `issued_on`.
    pub expires_on: Date,
    pub addressee: Addressee,
}

/// The latest 有効期限 a 資格確認書 issued on `issued_on` may carry: the 5th
/// anniversary of the issue. 民法 140条 leaves the day of issue out of the
/// period and 143条 ends a period of years on the day before the anniversary
/// of its first day, so 5 years from 2025-12-01 end with 2030-12-01. An issue on
/// 29 February ends on 28 February.
pub fn latest_expiry(issued_on: Date) -> Date {
    // One rule for the whole platform: the domain's.
    onshi_domain::eligibility::certificate_latest_valid_until(issued_on)
}

impl EligibilityCertificate {
    /// Check every item and the rules between the dates; returns the first
    /// broken one. [`crate::render_pdf`] calls it before drawing anything.
    pub fn check(&self) -> Result<(), NoticeError> {
        check_serial(&self.serial)?;
        self.insurer.check()?;
        self.holder.check()?;
        self.addressee.check()?;
        crate::wareki_of("交付年月日", self.issued_on)?;
        crate::wareki_of("有効期限", self.expires_on)?;
        if self.issued_on < self.holder.birth_date {
            return Err(NoticeError::DateOrder {
                earlier_field: "生年月日",
                earlier: self.holder.birth_date,
                later_field: "交付年月日",
                later: self.issued_on,
                rule: "a certificate cannot be issued before its holder is born",
            });
        }
        if self.expires_on < self.issued_on {
            return Err(NoticeError::DateOrder {
                earlier_field: "交付年月日",
                earlier: self.issued_on,
                later_field: "有効期限",
                later: self.expires_on,
                rule: "a certificate cannot expire before it is issued",
            });
        }
        // 資格取得年月日 may follow the issue (a 後期高齢者医療 certificate is
        // mailed before the 75th birthday), but not the end of validity.
        if self.expires_on < self.holder.acquired_on {
            return Err(NoticeError::DateOrder {
                earlier_field: "資格取得年月日",
                earlier: self.holder.acquired_on,
                later_field: "有効期限",
                later: self.expires_on,
                rule: "a certificate must be valid on some day of eligibility",
            });
        }
        let latest = latest_expiry(self.issued_on);
        if self.expires_on > latest {
            return Err(NoticeError::ValidityTooLong {
                issued_on: self.issued_on,
                expires_on: self.expires_on,
                latest,
                max_years: MAX_VALIDITY_YEARS,
            });
        }
        Ok(())
    }
}
