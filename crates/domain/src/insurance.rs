//! Insured members (被保険者・被扶養者) as an insurer holds them.

use crate::Date;
use crate::id::{Branch, InsuredNumber, InsurerNumber, MyNumber, Symbol};
use crate::person::{CopayRatio, FiveAttributes, Relationship};

/// The key of a member at an insurer: 保険者番号 + 記号 + 番号 + 枝番.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberKey {
    pub insurer_number: InsurerNumber,
    pub symbol: Symbol,
    pub number: InsuredNumber,
    pub branch: Branch,
}

/// A member record as the insurer registers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    pub key: MemberKey,
    pub relationship: Relationship,
    /// The 5 attributes as the insurer holds them (they may differ from the
    /// registry's; linkage decides whether they are the same person).
    pub attributes: FiveAttributes,
    /// Given on the 資格取得届 (mandatory since 2023-06-01); used only to link
    /// the member to a resident through the registry.
    pub my_number: Option<MyNumber>,
    pub copay_ratio: CopayRatio,
    /// 資格取得日
    pub acquired_on: Date,
    /// 資格喪失日: the first day without eligibility.
    pub lost_on: Option<Date>,
}

/// A rule between the fields of a member record that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberRuleError {
    #[error("資格喪失日 {lost_on} is before 資格取得日 {acquired_on}")]
    LostBeforeAcquired { acquired_on: Date, lost_on: Date },
    #[error("資格取得日 {acquired_on} is before 生年月日 {birth_date}")]
    AcquiredBeforeBirth { acquired_on: Date, birth_date: Date },
}

impl Member {
    /// Check the rules between fields. Returns the first broken one.
    pub fn check(&self) -> Result<(), MemberRuleError> {
        if let Some(lost_on) = self.lost_on
            && lost_on < self.acquired_on
        {
            return Err(MemberRuleError::LostBeforeAcquired { acquired_on: self.acquired_on, lost_on });
        }
        if self.acquired_on < self.attributes.birth_date {
            return Err(MemberRuleError::AcquiredBeforeBirth {
                acquired_on: self.acquired_on,
                birth_date: self.attributes.birth_date,
            });
        }
        Ok(())
    }

    /// Whether the member is eligible on `date`.
    pub fn is_eligible_on(&self, date: Date) -> bool {
        self.acquired_on <= date && self.lost_on.is_none_or(|lost_on| date < lost_on)
    }
}
