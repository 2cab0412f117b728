//! Eligibility verdicts (資格有効性) as the online eligibility system gives
//! them, and the transition rules of the paper insurance card and the
//! 資格確認書 (DESIGN.md, "End of the paper insurance card" and "資格確認書").
//!
//! Vocabulary and codes (OQSCD006, REFERENCE.md §1.3): 1 有効, 2 無効,
//! 3 無効（新しい資格あり）, 4 該当資格なし, 5 複数該当.
//!
//! The rules, all as of a date (the visit date, which may be in the past):
//!
//! - **By insured number** (照会区分 2: 保険者番号, 記号, 番号, optional 枝番,
//!   生年月日): the records with that key (every 枝番 when none is given)
//!   whose birth date equals the one given are the candidates. None:
//!   該当資格なし. More than one (twins under one number without 枝番):
//!   複数該当. One, eligible on the date: 有効. One, not eligible on the
//!   date: 無効（新しい資格あり） when the same person holds another coverage
//!   eligible on that date, else 無効.
//! - **By card** (照会区分 1): the person's coverages eligible on the date, all
//!   of them (several at once is possible around a change of insurer): 有効.
//!   None eligible but some on record: 無効. None on record: 該当資格なし.

use crate::Date;
use crate::id::InsurerKind;
use crate::insurance::Member;

/// 資格有効性 (OQSCD006).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Validity {
    /// 1 有効
    Valid,
    /// 2 無効
    Invalid,
    /// 3 無効（新しい資格あり）
    InvalidNewerExists,
    /// 4 該当資格なし
    NoQualification,
    /// 5 複数該当
    Multiple,
}

impl Validity {
    pub const ALL: [Validity; 5] = [
        Validity::Valid,
        Validity::Invalid,
        Validity::InvalidNewerExists,
        Validity::NoQualification,
        Validity::Multiple,
    ];

    /// The OQSCD006 code.
    pub fn code(self) -> u8 {
        match self {
            Validity::Valid => 1,
            Validity::Invalid => 2,
            Validity::InvalidNewerExists => 3,
            Validity::NoQualification => 4,
            Validity::Multiple => 5,
        }
    }

    /// The label the real system shows.
    pub fn label_ja(self) -> &'static str {
        match self {
            Validity::Valid => "有効",
            Validity::Invalid => "無効",
            Validity::InvalidNewerExists => "無効（新しい資格あり）",
            Validity::NoQualification => "該当資格なし",
            Validity::Multiple => "複数該当",
        }
    }

    /// The verdict a [`Validity::name`] names.
    pub fn from_name(name: &str) -> Option<Validity> {
        Validity::ALL.into_iter().find(|v| v.name() == name)
    }

    /// A stable machine-readable name for APIs.
    pub fn name(self) -> &'static str {
        match self {
            Validity::Valid => "valid",
            Validity::Invalid => "invalid",
            Validity::InvalidNewerExists => "invalid_newer_exists",
            Validity::NoQualification => "no_qualification",
            Validity::Multiple => "multiple",
        }
    }
}

/// The verdict of an insured-number query: the validity, and the index (in
/// `records`) of the record it is about when there is exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyVerdict {
    pub validity: Validity,
    pub record: Option<usize>,
}

/// Judge an insured-number query. `records` are the member records with the
/// queried key (every 枝番 when the query gave none); `birth_date` is the
/// one given; `newer_exists(i)` says whether the person of `records[i]`
/// holds another coverage eligible on `as_of` (asked only when needed).
pub fn judge_by_key(
    records: &[Member],
    birth_date: Date,
    as_of: Date,
    mut newer_exists: impl FnMut(usize) -> bool,
) -> KeyVerdict {
    let mut matching = records.iter().enumerate().filter(|(_, m)| m.attributes.birth_date == birth_date);
    let Some((index, member)) = matching.next() else {
        return KeyVerdict { validity: Validity::NoQualification, record: None };
    };
    if matching.next().is_some() {
        return KeyVerdict { validity: Validity::Multiple, record: None };
    }
    let validity = if member.is_eligible_on(as_of) {
        Validity::Valid
    } else if newer_exists(index) {
        Validity::InvalidNewerExists
    } else {
        Validity::Invalid
    };
    KeyVerdict { validity, record: Some(index) }
}

/// Judge a card query over all of a person's coverages: the validity and the
/// indexes of the coverages eligible on `as_of`, oldest acquisition first.
pub fn judge_by_person(coverages: &[Member], as_of: Date) -> (Validity, Vec<usize>) {
    let mut eligible: Vec<usize> = (0..coverages.len()).filter(|&i| coverages[i].is_eligible_on(as_of)).collect();
    eligible.sort_by_key(|&i| coverages[i].acquired_on);
    let validity = if !eligible.is_empty() {
        Validity::Valid
    } else if coverages.is_empty() {
        Validity::NoQualification
    } else {
        Validity::Invalid
    };
    (validity, eligible)
}

/// The day new paper insurance cards stopped being issued.
pub fn paper_card_issuance_ended() -> Date {
    Date::from_ymd_opt(2024, 12, 2).expect("a valid date")
}

/// The last day any paper card is valid: 2025-12-01, or 2025-07-31 for
/// 後期高齢者医療.
pub fn paper_card_last_day(kind: InsurerKind) -> Date {
    match kind {
        InsurerKind::KokiKorei => Date::from_ymd_opt(2025, 7, 31).expect("a valid date"),
        _ => Date::from_ymd_opt(2025, 12, 1).expect("a valid date"),
    }
}

/// The last day a paper insurance card issued on `issued_on` with its own
/// expiry `expires_on` (None: no printed expiry) is valid as a document:
/// the earlier of its own expiry and the transition's last day. `None` when
/// it was issued on or after 2024-12-02, when no paper card is valid.
pub fn paper_card_valid_until(kind: InsurerKind, issued_on: Date, expires_on: Option<Date>) -> Option<Date> {
    if issued_on >= paper_card_issuance_ended() {
        return None;
    }
    let last = paper_card_last_day(kind);
    Some(expires_on.map_or(last, |own| own.min(last)))
}

/// Whether a paper insurance card is valid as a document on `on`.
pub fn paper_card_valid_on(kind: InsurerKind, issued_on: Date, expires_on: Option<Date>, on: Date) -> bool {
    issued_on <= on && paper_card_valid_until(kind, issued_on, expires_on).is_some_and(|last| on <= last)
}

/// Why a 資格確認書's validity is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateValidityError {
    #[error("有効期限 {valid_until} is before 交付年月日 {issued_on}")]
    EndsBeforeIssue { issued_on: Date, valid_until: Date },
    #[error(
        "有効期限 {valid_until} is more than 5 years after 交付年月日 {issued_on} (the last allowed day is {latest})"
    )]
    LongerThanFiveYears { issued_on: Date, valid_until: Date, latest: Date },
}

/// The last day a 資格確認書 issued on `issued_on` may be valid: 5 years
/// from the issue. The issue day is not counted (民法第140条: a period that
/// does not start at 0:00 starts the next day) and a period of years ends on
/// the day before the anniversary of its first day (第143条), so 5 years
/// from 2025-12-01 end with 2030-12-01. Issued on 29 February, the period
/// ends on 28 February, the last day of that month in the common year.
pub fn certificate_latest_valid_until(issued_on: Date) -> Date {
    issued_on.checked_add_months(chrono::Months::new(60)).expect("dates onshi handles are far from chrono's limits")
}

/// Check the validity an insurer chose for a 資格確認書: at most 5 years.
pub fn check_certificate_validity(issued_on: Date, valid_until: Date) -> Result<(), CertificateValidityError> {
    if valid_until < issued_on {
        return Err(CertificateValidityError::EndsBeforeIssue { issued_on, valid_until });
    }
    let latest = certificate_latest_valid_until(issued_on);
    if valid_until > latest {
        return Err(CertificateValidityError::LongerThanFiveYears { issued_on, valid_until, latest });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
