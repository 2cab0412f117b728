//! Insured members (被保険者・被扶養者) as an insurer holds them, with the
//! certificates the eligibility answer carries (限度額適用認定証, 高齢受給者証)
//! and the reason a membership ended (資格喪失事由).

use std::fmt;
use std::str::FromStr;

use chrono::Datelike;

use crate::Date;
use crate::id::{Branch, InsuredNumber, InsurerNumber, MyNumber, Symbol};
use crate::person::{CopayRatio, FiveAttributes, Relationship};

#[cfg(test)]
mod tests;

/// The key of a member at an insurer: 保険者番号 + 記号 + 番号 + 枝番.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MemberKey {
    pub insurer_number: InsurerNumber,
    pub symbol: Symbol,
    pub number: InsuredNumber,
    pub branch: Branch,
}

impl std::fmt::Display for MemberKey {
    /// `保険者番号 06139999 記号 1234 番号 5678 枝番 01`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "保険者番号 {} 記号 {} 番号 {} 枝番 {}",
            self.insurer_number.as_str(),
            self.symbol.as_str(),
            self.number.as_str(),
            self.branch
        )
    }
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
    /// 資格喪失事由; only with `lost_on`, and required when the loss is
    /// registered one by one ([`Member::lose`]).
    pub loss_reason: Option<LossReason>,
    /// 限度額適用認定証 (or 標準負担額減額認定証) and its 区分.
    pub limit_certificate: Option<LimitCertificate>,
    /// 高齢受給者証 (ages 70–74).
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// 事業主等からの届出日: the day the employer's notice (資格取得届) reached
    /// the insurer; the 5-day registration rule counts from it.
    pub notified_on: Option<Date>,
}

/// 資格喪失事由 (OQS `ReasonOfLoss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LossReason {
    /// 01 死亡
    Death,
    /// 02 生活保護受給開始
    PublicAssistance,
    /// 03 医療保険等の資格取得
    OtherInsurance,
    /// 99 その他
    Other,
}

/// Why a value is not a 資格喪失事由.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "資格喪失事由 must be 01 (死亡), 02 (生活保護受給開始), 03 (医療保険等の資格取得) or 99 (その他), got {value:?}"
)]
pub struct LossReasonError {
    pub value: String,
}

impl LossReason {
    pub const ALL: [LossReason; 4] =
        [LossReason::Death, LossReason::PublicAssistance, LossReason::OtherInsurance, LossReason::Other];

    /// The 2-digit code of the real system.
    pub fn code(self) -> &'static str {
        match self {
            LossReason::Death => "01",
            LossReason::PublicAssistance => "02",
            LossReason::OtherInsurance => "03",
            LossReason::Other => "99",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            LossReason::Death => "死亡",
            LossReason::PublicAssistance => "生活保護受給開始",
            LossReason::OtherInsurance => "医療保険等の資格取得",
            LossReason::Other => "その他",
        }
    }

    pub fn from_code(code: &str) -> Option<LossReason> {
        LossReason::ALL.into_iter().find(|reason| reason.code() == code)
    }
}

impl FromStr for LossReason {
    type Err = LossReasonError;
    /// The code (`1` and `01` alike) or the Japanese name.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = crate::id_normalise_digits(input);
        let value = value.trim();
        let padded = if value.len() == 1 { format!("0{value}") } else { value.to_owned() };
        LossReason::from_code(&padded)
            .or_else(|| LossReason::ALL.into_iter().find(|reason| reason.label_ja() == value))
            .ok_or_else(|| LossReasonError { value: input.to_owned() })
    }
}

impl fmt::Display for LossReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// 限度額適用認定証関連情報の証区分 (OQS `LimitApplicationCertificateClassification`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitCertificateKind {
    /// 01 限度額適用認定証
    Limit,
    /// 02 限度額適用・標準負担額減額認定証
    LimitAndMealReduction,
    /// 03 標準負担額減額認定証
    MealReduction,
}

/// Why a value is not a certificate classification.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "限度額適用認定証の証区分 must be 01 (限度額適用認定証), 02 (限度額適用・標準負担額減額認定証) or 03 (標準負担額減額認定証), got {value:?}"
)]
pub struct LimitCertificateKindError {
    pub value: String,
}

impl LimitCertificateKind {
    pub const ALL: [LimitCertificateKind; 3] =
        [LimitCertificateKind::Limit, LimitCertificateKind::LimitAndMealReduction, LimitCertificateKind::MealReduction];

    pub fn code(self) -> &'static str {
        match self {
            LimitCertificateKind::Limit => "01",
            LimitCertificateKind::LimitAndMealReduction => "02",
            LimitCertificateKind::MealReduction => "03",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            LimitCertificateKind::Limit => "限度額適用認定証",
            LimitCertificateKind::LimitAndMealReduction => "限度額適用・標準負担額減額認定証",
            LimitCertificateKind::MealReduction => "標準負担額減額認定証",
        }
    }

    pub fn from_code(code: &str) -> Option<LimitCertificateKind> {
        LimitCertificateKind::ALL.into_iter().find(|kind| kind.code() == code)
    }
}

impl FromStr for LimitCertificateKind {
    type Err = LimitCertificateKindError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = crate::id_normalise_digits(input);
        let value = value.trim();
        let padded = if value.len() == 1 { format!("0{value}") } else { value.to_owned() };
        LimitCertificateKind::from_code(&padded)
            .or_else(|| LimitCertificateKind::ALL.into_iter().find(|kind| kind.label_ja() == value))
            .ok_or_else(|| LimitCertificateKindError { value: input.to_owned() })
    }
}

/// 限度額適用認定証の適用区分 (OQS code table OQSCD012): A01–A06 for those
/// under 70, B01–B10 for those 70 and over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitCategory {
    /// A01 ア
    A,
    /// A02 イ
    I,
    /// A03 ウ
    U,
    /// A04 エ
    E,
    /// A05 オ
    O,
    /// A06 オ（境）
    OBorderline,
    /// B01 現役並みⅢ
    WorkingLevelIii,
    /// B02 現役並みⅡ
    WorkingLevelIi,
    /// B03 現役並みⅠ
    WorkingLevelI,
    /// B04 一般
    General,
    /// B05 低所得Ⅱ
    LowIncomeIi,
    /// B06 低所得Ⅰ
    LowIncomeI,
    /// B07 低所得Ⅰ（老福）
    LowIncomeIWelfarePension,
    /// B08 低所得Ⅰ（境）
    LowIncomeIBorderline,
    /// B09 一般Ⅱ
    GeneralIi,
    /// B10 一般Ⅰ
    GeneralI,
}

/// Why a value is not a limit category.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("適用区分 must be an OQSCD012 code, A01–A06 (ア…オ（境）) or B01–B10 (現役並みⅢ…一般Ⅰ), got {value:?}")]
pub struct LimitCategoryError {
    pub value: String,
}

impl LimitCategory {
    pub const ALL: [LimitCategory; 16] = [
        LimitCategory::A,
        LimitCategory::I,
        LimitCategory::U,
        LimitCategory::E,
        LimitCategory::O,
        LimitCategory::OBorderline,
        LimitCategory::WorkingLevelIii,
        LimitCategory::WorkingLevelIi,
        LimitCategory::WorkingLevelI,
        LimitCategory::General,
        LimitCategory::LowIncomeIi,
        LimitCategory::LowIncomeI,
        LimitCategory::LowIncomeIWelfarePension,
        LimitCategory::LowIncomeIBorderline,
        LimitCategory::GeneralIi,
        LimitCategory::GeneralI,
    ];

    /// The OQSCD012 code.
    pub fn code(self) -> &'static str {
        match self {
            LimitCategory::A => "A01",
            LimitCategory::I => "A02",
            LimitCategory::U => "A03",
            LimitCategory::E => "A04",
            LimitCategory::O => "A05",
            LimitCategory::OBorderline => "A06",
            LimitCategory::WorkingLevelIii => "B01",
            LimitCategory::WorkingLevelIi => "B02",
            LimitCategory::WorkingLevelI => "B03",
            LimitCategory::General => "B04",
            LimitCategory::LowIncomeIi => "B05",
            LimitCategory::LowIncomeI => "B06",
            LimitCategory::LowIncomeIWelfarePension => "B07",
            LimitCategory::LowIncomeIBorderline => "B08",
            LimitCategory::GeneralIi => "B09",
            LimitCategory::GeneralI => "B10",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            LimitCategory::A => "ア",
            LimitCategory::I => "イ",
            LimitCategory::U => "ウ",
            LimitCategory::E => "エ",
            LimitCategory::O => "オ",
            LimitCategory::OBorderline => "オ（境）",
            LimitCategory::WorkingLevelIii => "現役並みⅢ",
            LimitCategory::WorkingLevelIi => "現役並みⅡ",
            LimitCategory::WorkingLevelI => "現役並みⅠ",
            LimitCategory::General => "一般",
            LimitCategory::LowIncomeIi => "低所得Ⅱ",
            LimitCategory::LowIncomeI => "低所得Ⅰ",
            LimitCategory::LowIncomeIWelfarePension => "低所得Ⅰ（老福）",
            LimitCategory::LowIncomeIBorderline => "低所得Ⅰ（境）",
            LimitCategory::GeneralIi => "一般Ⅱ",
            LimitCategory::GeneralI => "一般Ⅰ",
        }
    }

    /// Whether the category is one for those aged 70 and over (B01–B10).
    pub fn is_seventy_and_over(self) -> bool {
        self.code().starts_with('B')
    }

    pub fn from_code(code: &str) -> Option<LimitCategory> {
        LimitCategory::ALL.into_iter().find(|category| category.code() == code)
    }
}

impl FromStr for LimitCategory {
    type Err = LimitCategoryError;
    /// The code (`a01` and full-width forms too) or the Japanese name.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        use unicode_normalization::UnicodeNormalization;
        let value: String = input.trim().nfkc().collect::<String>().to_ascii_uppercase();
        LimitCategory::from_code(&value)
            .or_else(|| LimitCategory::ALL.into_iter().find(|category| category.label_ja() == input.trim()))
            .ok_or_else(|| LimitCategoryError { value: input.to_owned() })
    }
}

impl fmt::Display for LimitCategory {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// 限度額適用認定証関連情報: the certificate, its 区分 and validity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LimitCertificate {
    /// 証区分
    pub kind: LimitCertificateKind,
    /// 適用区分 (OQSCD012)
    pub category: LimitCategory,
    /// 交付年月日
    pub issued_on: Date,
    /// 有効開始年月日
    pub valid_from: Date,
    /// 有効終了年月日 (the last valid day)
    pub valid_until: Date,
}

/// 高齢受給者証: the copay certificate of ages 70–74.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElderlyRecipient {
    /// 交付年月日
    pub issued_on: Date,
    /// 有効開始年月日
    pub valid_from: Date,
    /// 有効終了年月日 (the last valid day)
    pub valid_until: Date,
    /// 一部負担金の割合
    pub copay_ratio: CopayRatio,
}

/// The day a person born on `birth` reaches `years` of age, as Japanese law
/// counts it (年齢計算ニ関スル法律): the birthday of that year; for someone
/// born on 29 February, 1 March in a common year.
pub fn birthday(birth: Date, years: i32) -> Date {
    let year = birth.year() + years;
    birth
        .with_year(year)
        .or_else(|| Date::from_ymd_opt(year, 3, 1))
        .expect("1 March exists in every year chrono represents")
}

/// Full years of age on `date` for someone born on `birth` (0 before the first birthday).
pub fn age_on(birth: Date, date: Date) -> i32 {
    if date < birth {
        return 0;
    }
    let mut years = date.year() - birth.year();
    if birthday(birth, years) > date {
        years -= 1;
    }
    years
}

/// Which of a member's certificates a rule is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Certificate {
    /// 限度額適用認定証
    Limit,
    /// 高齢受給者証
    Elderly,
}

impl Certificate {
    pub fn label_ja(self) -> &'static str {
        match self {
            Certificate::Limit => "限度額適用認定証",
            Certificate::Elderly => "高齢受給者証",
        }
    }

    /// The prefix of the certificate's fields in files and APIs.
    pub fn field_prefix(self) -> &'static str {
        match self {
            Certificate::Limit => "limit",
            Certificate::Elderly => "elderly",
        }
    }
}

/// The first age of a 高齢受給者証 and the age at which it ends (後期高齢者医療 begins).
pub const ELDERLY_FROM_AGE: i32 = 70;
pub const ELDERLY_UNTIL_AGE: i32 = 75;

/// A rule between the fields of a member record that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MemberRuleError {
    #[error("資格喪失日 {lost_on} is before 資格取得日 {acquired_on}")]
    LostBeforeAcquired { acquired_on: Date, lost_on: Date },
    #[error("資格取得日 {acquired_on} is before 生年月日 {birth_date}")]
    AcquiredBeforeBirth { acquired_on: Date, birth_date: Date },
    #[error("資格喪失事由 {reason} ({}) is given but there is no 資格喪失日", reason.label_ja())]
    ReasonWithoutLoss { reason: LossReason },
    #[error(
        "資格喪失日 {lost_on} needs a 資格喪失事由 (01 死亡, 02 生活保護受給開始, 03 医療保険等の資格取得, 99 その他)"
    )]
    LossWithoutReason { lost_on: Date },
    #[error("the member already lost eligibility on {lost_on}; a lost membership is not changed or lost again")]
    AlreadyLost { lost_on: Date },
    #[error("{} 有効終了年月日 {valid_until} is before its 有効開始年月日 {valid_from}", certificate.label_ja())]
    CertificateEndsBeforeStart { certificate: Certificate, valid_from: Date, valid_until: Date },
    #[error("{} 交付年月日 {issued_on} is after its 有効終了年月日 {valid_until}", certificate.label_ja())]
    CertificateIssuedAfterEnd { certificate: Certificate, issued_on: Date, valid_until: Date },
    #[error(
        "{} 有効開始年月日 {valid_from} is before 資格取得日 {acquired_on}: a certificate is valid only inside the membership",
        certificate.label_ja()
    )]
    CertificateBeforeMembership { certificate: Certificate, valid_from: Date, acquired_on: Date },
    #[error(
        "{} 有効終了年月日 {valid_until} is on or after 資格喪失日 {lost_on}: a certificate is valid only inside the membership",
        certificate.label_ja()
    )]
    CertificateAfterMembership { certificate: Certificate, valid_until: Date, lost_on: Date },
    #[error(
        "高齢受給者証 有効開始年月日 {valid_from}: the member is {age} then; the certificate is only for ages 70 to 74"
    )]
    ElderlyAge { valid_from: Date, age: i32 },
    #[error(
        "高齢受給者証 有効終了年月日 {valid_until} is on or after the 75th birthday {seventy_fifth}, when 後期高齢者医療 begins"
    )]
    ElderlyPastSeventyFive { valid_until: Date, seventy_fifth: Date },
    #[error(
        "適用区分 {} ({}) is for ages {}, but the member is {age} on 有効開始年月日 {valid_from}",
        category.code(), category.label_ja(), if category.is_seventy_and_over() { "70 and over (B01–B10)" } else { "under 70 (A01–A06)" }
    )]
    CategoryForAge { category: LimitCategory, valid_from: Date, age: i32 },
}

impl MemberRuleError {
    /// The field (as files and APIs name it) the broken rule is reported on.
    pub fn field(&self) -> &'static str {
        use MemberRuleError::*;
        match self {
            LostBeforeAcquired { .. } | LossWithoutReason { .. } | AlreadyLost { .. } => "lost_on",
            AcquiredBeforeBirth { .. } => "acquired_on",
            ReasonWithoutLoss { .. } => "loss_reason",
            CertificateEndsBeforeStart { certificate, .. } | CertificateAfterMembership { certificate, .. } => {
                match certificate {
                    Certificate::Limit => "limit_valid_until",
                    Certificate::Elderly => "elderly_valid_until",
                }
            }
            CertificateIssuedAfterEnd { certificate, .. } => match certificate {
                Certificate::Limit => "limit_issued_on",
                Certificate::Elderly => "elderly_issued_on",
            },
            CertificateBeforeMembership { certificate, .. } => match certificate {
                Certificate::Limit => "limit_valid_from",
                Certificate::Elderly => "elderly_valid_from",
            },
            ElderlyAge { .. } => "elderly_valid_from",
            ElderlyPastSeventyFive { .. } => "elderly_valid_until",
            CategoryForAge { .. } => "limit_category",
        }
    }

    /// The value of [`field`](Self::field) that broke the rule, as ISO text or a code.
    pub fn value(&self) -> String {
        use MemberRuleError::*;
        let iso = crate::date::iso;
        match self {
            LostBeforeAcquired { lost_on, .. } | LossWithoutReason { lost_on } | AlreadyLost { lost_on } => {
                iso(*lost_on)
            }
            AcquiredBeforeBirth { acquired_on, .. } => iso(*acquired_on),
            ReasonWithoutLoss { reason } => reason.code().to_owned(),
            CertificateEndsBeforeStart { valid_until, .. } | CertificateAfterMembership { valid_until, .. } => {
                iso(*valid_until)
            }
            CertificateIssuedAfterEnd { issued_on, .. } => iso(*issued_on),
            CertificateBeforeMembership { valid_from, .. } | ElderlyAge { valid_from, .. } => iso(*valid_from),
            ElderlyPastSeventyFive { valid_until, .. } => iso(*valid_until),
            CategoryForAge { category, .. } => category.code().to_owned(),
        }
    }
}

/// The span of a certificate, for the rules both kinds share.
struct Span {
    certificate: Certificate,
    issued_on: Date,
    valid_from: Date,
    valid_until: Date,
}

impl Member {
    /// Check the rules between fields. Returns the first broken one.
    ///
    /// - 資格取得日 is not before 生年月日, 資格喪失日 not before 資格取得日;
    /// - 資格喪失事由 only with a 資格喪失日;
    /// - each certificate ends on or after it starts, is issued by its last
    ///   day, and is valid only inside the membership (from 資格取得日, up to
    ///   the day before 資格喪失日);
    /// - a 高齢受給者証 starts at an age of 70 to 74 and ends before the 75th
    ///   birthday (then 後期高齢者医療 takes over);
    /// - a 適用区分 of A01–A06 is for those under 70 on its start, B01–B10
    ///   for those 70 and over.
    pub fn check(&self) -> Result<(), MemberRuleError> {
        if let Some(lost_on) = self.lost_on
            && lost_on < self.acquired_on
        {
            return Err(MemberRuleError::LostBeforeAcquired { acquired_on: self.acquired_on, lost_on });
        }
        let birth = self.attributes.birth_date;
        if self.acquired_on < birth {
            return Err(MemberRuleError::AcquiredBeforeBirth { acquired_on: self.acquired_on, birth_date: birth });
        }
        if let (Some(reason), None) = (self.loss_reason, self.lost_on) {
            return Err(MemberRuleError::ReasonWithoutLoss { reason });
        }
        let spans = [
            self.limit_certificate.map(|c| Span {
                certificate: Certificate::Limit,
                issued_on: c.issued_on,
                valid_from: c.valid_from,
                valid_until: c.valid_until,
            }),
            self.elderly_recipient.map(|c| Span {
                certificate: Certificate::Elderly,
                issued_on: c.issued_on,
                valid_from: c.valid_from,
                valid_until: c.valid_until,
            }),
        ];
        for span in spans.into_iter().flatten() {
            let Span { certificate, issued_on, valid_from, valid_until } = span;
            if valid_until < valid_from {
                return Err(MemberRuleError::CertificateEndsBeforeStart { certificate, valid_from, valid_until });
            }
            if issued_on > valid_until {
                return Err(MemberRuleError::CertificateIssuedAfterEnd { certificate, issued_on, valid_until });
            }
            if valid_from < self.acquired_on {
                return Err(MemberRuleError::CertificateBeforeMembership {
                    certificate,
                    valid_from,
                    acquired_on: self.acquired_on,
                });
            }
            if let Some(lost_on) = self.lost_on
                && valid_until >= lost_on
            {
                return Err(MemberRuleError::CertificateAfterMembership { certificate, valid_until, lost_on });
            }
        }
        if let Some(elderly) = self.elderly_recipient {
            let age = age_on(birth, elderly.valid_from);
            if !(ELDERLY_FROM_AGE..ELDERLY_UNTIL_AGE).contains(&age) {
                return Err(MemberRuleError::ElderlyAge { valid_from: elderly.valid_from, age });
            }
            let seventy_fifth = birthday(birth, ELDERLY_UNTIL_AGE);
            if elderly.valid_until >= seventy_fifth {
                return Err(MemberRuleError::ElderlyPastSeventyFive {
                    valid_until: elderly.valid_until,
                    seventy_fifth,
                });
            }
        }
        if let Some(limit) = self.limit_certificate {
            let age = age_on(birth, limit.valid_from);
            if limit.category.is_seventy_and_over() != (age >= ELDERLY_FROM_AGE) {
                return Err(MemberRuleError::CategoryForAge {
                    category: limit.category,
                    valid_from: limit.valid_from,
                    age,
                });
            }
        }
        Ok(())
    }

    /// Whether the member is eligible on `date`.
    pub fn is_eligible_on(&self, date: Date) -> bool {
        self.acquired_on <= date && self.lost_on.is_none_or(|lost_on| date < lost_on)
    }

    /// The record after a loss of eligibility (資格喪失) registered one by one:
    /// `lost_on` is the first day without eligibility and the reason is
    /// required. A certificate valid past the loss ends with the membership,
    /// on the day before `lost_on`; one that starts on or after it is an
    /// error (change it first). An already lost member is not lost again.
    pub fn lose(&self, lost_on: Date, reason: LossReason) -> Result<Member, MemberRuleError> {
        if let Some(lost_on) = self.lost_on {
            return Err(MemberRuleError::AlreadyLost { lost_on });
        }
        let mut lost = self.clone();
        lost.lost_on = Some(lost_on);
        lost.loss_reason = Some(reason);
        let last_day = lost_on.pred_opt().unwrap_or(lost_on);
        if let Some(limit) = &mut lost.limit_certificate
            && limit.valid_from < lost_on
        {
            limit.valid_until = limit.valid_until.min(last_day);
        }
        if let Some(elderly) = &mut lost.elderly_recipient
            && elderly.valid_from < lost_on
        {
            elderly.valid_until = elderly.valid_until.min(last_day);
        }
        lost.check()?;
        Ok(lost)
    }

    /// What differs between this record and `new`, one line per field
    /// (`field: old → new`), for a member's history. The My Number is never
    /// written out, only that it changed.
    pub fn differences(&self, new: &Member) -> Vec<String> {
        fn opt<T: fmt::Display>(value: &Option<T>) -> String {
            value.as_ref().map_or_else(|| "-".to_owned(), ToString::to_string)
        }
        fn limit(c: &Option<LimitCertificate>) -> String {
            c.map_or_else(
                || "-".to_owned(),
                |c| {
                    format!(
                        "{} {} {}..{} (交付 {})",
                        c.kind.code(),
                        c.category.code(),
                        c.valid_from,
                        c.valid_until,
                        c.issued_on
                    )
                },
            )
        }
        fn elderly(c: &Option<ElderlyRecipient>) -> String {
            c.map_or_else(
                || "-".to_owned(),
                |c| format!("{}割 {}..{} (交付 {})", c.copay_ratio, c.valid_from, c.valid_until, c.issued_on),
            )
        }
        let mut out = Vec::new();
        let mut diff = |field: &str, old: String, new: String| {
            if old != new {
                out.push(format!("{field}: {old} → {new}"));
            }
        };
        let (a, b) = (&self.attributes, &new.attributes);
        diff("relationship", self.relationship.to_string(), new.relationship.to_string());
        diff("name_kanji", a.name_kanji.clone(), b.name_kanji.clone());
        diff("name_kana", a.name_kana.clone(), b.name_kana.clone());
        diff("birth_date", a.birth_date.to_string(), b.birth_date.to_string());
        diff("sex", a.sex.to_string(), b.sex.to_string());
        diff("address", a.address.clone(), b.address.clone());
        if self.my_number != new.my_number {
            out.push(format!(
                "my_number: {}",
                match (&self.my_number, &new.my_number) {
                    (None, Some(_)) => "given",
                    (Some(_), None) => "removed",
                    _ => "changed",
                }
            ));
        }
        let mut diff = |field: &str, old: String, new: String| {
            if old != new {
                out.push(format!("{field}: {old} → {new}"));
            }
        };
        diff("copay_ratio", self.copay_ratio.to_string(), new.copay_ratio.to_string());
        diff("acquired_on", self.acquired_on.to_string(), new.acquired_on.to_string());
        diff("lost_on", opt(&self.lost_on), opt(&new.lost_on));
        diff("loss_reason", opt(&self.loss_reason), opt(&new.loss_reason));
        diff("limit", limit(&self.limit_certificate), limit(&new.limit_certificate));
        diff("elderly", elderly(&self.elderly_recipient), elderly(&new.elderly_recipient));
        diff("notified_on", opt(&self.notified_on), opt(&new.notified_on));
        out
    }
}

/// A change (変更) of an active member's record, field by field: `None`
/// leaves a field as it is. The key (保険者番号・記号・番号・枝番) never
/// changes, and a loss goes through [`Member::lose`], not here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberChange {
    pub relationship: Option<Relationship>,
    pub name_kanji: Option<String>,
    pub name_kana: Option<String>,
    pub birth_date: Option<Date>,
    pub sex: Option<crate::person::Sex>,
    pub address: Option<String>,
    /// A My Number given or corrected; it is not removed once given.
    pub my_number: Option<MyNumber>,
    pub copay_ratio: Option<CopayRatio>,
    pub acquired_on: Option<Date>,
    /// `Some(None)` withdraws the certificate.
    pub limit_certificate: Option<Option<LimitCertificate>>,
    /// `Some(None)` withdraws the certificate.
    pub elderly_recipient: Option<Option<ElderlyRecipient>>,
    pub notified_on: Option<Date>,
}

impl MemberChange {
    /// The record after the change, checked; a lost member is not changed.
    pub fn apply(&self, member: &Member) -> Result<Member, MemberRuleError> {
        if let Some(lost_on) = member.lost_on {
            return Err(MemberRuleError::AlreadyLost { lost_on });
        }
        let mut new = member.clone();
        let attributes = &mut new.attributes;
        if let Some(value) = self.relationship {
            new.relationship = value;
        }
        if let Some(value) = &self.name_kanji {
            attributes.name_kanji.clone_from(value);
        }
        if let Some(value) = &self.name_kana {
            attributes.name_kana.clone_from(value);
        }
        if let Some(value) = self.birth_date {
            attributes.birth_date = value;
        }
        if let Some(value) = self.sex {
            attributes.sex = value;
        }
        if let Some(value) = &self.address {
            attributes.address.clone_from(value);
        }
        if let Some(value) = &self.my_number {
            new.my_number = Some(value.clone());
        }
        if let Some(value) = self.copay_ratio {
            new.copay_ratio = value;
        }
        if let Some(value) = self.acquired_on {
            new.acquired_on = value;
        }
        if let Some(value) = self.limit_certificate {
            new.limit_certificate = value;
        }
        if let Some(value) = self.elderly_recipient {
            new.elderly_recipient = value;
        }
        if let Some(value) = self.notified_on {
            new.notified_on = Some(value);
        }
        new.check()?;
        Ok(new)
    }
}
