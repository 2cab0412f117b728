//! 資格情報のお知らせ: the notice an insurer sends to a member whose My Number
//! card is registered as insurance card (マイナ保険証), so that they know their
//! insurance details. It is not a certificate: the member is seen with the
//! card, and the notice alone does not entitle them to care.

use onshi_domain::Date;

use crate::items::{Addressee, Holder, Insurer};
use crate::{NoticeError, check_serial};

/// A 資格情報のお知らせ ready to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityNotice {
    /// 交付番号: the insurer's serial for this notice, 1–20 ASCII letters,
    /// digits or '-'.
    pub serial: String,
    pub insurer: Insurer,
    pub holder: Holder,
    /// 交付年月日.
    pub issued_on: Date,
    pub addressee: Addressee,
}

impl EligibilityNotice {
    /// Check every item and the rules between the dates; returns the first
    /// broken one. [`crate::render_pdf`] calls it before drawing anything.
    pub fn check(&self) -> Result<(), NoticeError> {
        check_serial(&self.serial)?;
        self.insurer.check()?;
        self.holder.check()?;
        self.addressee.check()?;
        crate::wareki_of("交付年月日", self.issued_on)?;
        if self.issued_on < self.holder.birth_date {
            return Err(NoticeError::DateOrder {
                earlier_field: "生年月日",
                earlier: self.holder.birth_date,
                later_field: "交付年月日",
                later: self.issued_on,
                rule: "a notice cannot be issued before its holder is born",
            });
        }
        Ok(())
    }
}
