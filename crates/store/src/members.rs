//! The insurer's one-by-one flows on a member record: 資格取得 (acquire),
//! 変更 (change) and 喪失 (lose), each one transaction that writes the
//! record and a [`MemberEvent`] to the member's history; and the report of
//! registrations made later than the 5 days the rules allow.
//!
//! The record goes through the same write as a batch import, so a new or
//! changed link to a person is judged exactly as there (see [`crate::inspection`]).

use chrono::{DateTime, Utc};
use onshi_domain::Date;
use onshi_domain::insurance::MemberKey;

use crate::{MemberId, StoreError, StoredMember};

/// Insurers register a member within this many days of the employer's
/// notice (DESIGN.md: "Insurers register a member within 5 days of the
/// employer's notice").
pub const REGISTRATION_DEADLINE_DAYS: i64 = 5;

/// Days from the employer's notice (事業主等からの届出日) to the registration,
/// counted in calendar days in Japan: the day the platform received the
/// registration, as a date in Japan (JST), minus the notice date. The notice
/// day itself is day 0 (初日不算入), so a registration on the notice day is 0
/// days, and one on the 5th day after it is still in time.
pub fn registration_days(notified_on: Date, registered_at: DateTime<Utc>) -> i64 {
    (onshi_domain::date::in_japan(registered_at) - notified_on).num_days()
}

/// Whether a registration came later than [`REGISTRATION_DEADLINE_DAYS`]
/// after the notice: on the 6th day in Japan or later.
pub fn is_late(notified_on: Date, registered_at: DateTime<Utc>) -> bool {
    registration_days(notified_on, registered_at) > REGISTRATION_DEADLINE_DAYS
}

/// What happened to a member record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MemberEventKind {
    /// 資格取得: the record was registered one by one.
    Acquired,
    /// 変更
    Changed,
    /// 資格喪失
    Lost,
}

impl MemberEventKind {
    pub fn code(self) -> &'static str {
        match self {
            MemberEventKind::Acquired => "acquired",
            MemberEventKind::Changed => "changed",
            MemberEventKind::Lost => "lost",
        }
    }

    pub fn from_code(code: &str) -> Option<MemberEventKind> {
        match code {
            "acquired" => Some(MemberEventKind::Acquired),
            "changed" => Some(MemberEventKind::Changed),
            "lost" => Some(MemberEventKind::Lost),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            MemberEventKind::Acquired => "資格取得",
            MemberEventKind::Changed => "変更",
            MemberEventKind::Lost => "資格喪失",
        }
    }
}

/// One entry of a member's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberEvent {
    pub member_id: MemberId,
    pub kind: MemberEventKind,
    pub at: DateTime<Utc>,
    /// Who made the change (the insurer's operator or the batch).
    pub actor: String,
    /// What changed, one line per field (`field: old → new`); the My Number
    /// is never written out.
    pub changes: Vec<String>,
}

/// A registration made later than the rule allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LateRegistration {
    pub member: StoredMember,
    pub notified_on: Date,
    pub registered_at: DateTime<Utc>,
    /// [`registration_days`]: more than [`REGISTRATION_DEADLINE_DAYS`].
    pub days: i64,
}

/// What an acquisition writes to the history: the dates it registers and
/// the link it made.
pub(crate) fn acquired_changes(stored: &StoredMember) -> Vec<String> {
    let member = &stored.member;
    let mut changes = vec![format!("acquired_on: {}", member.acquired_on)];
    if let Some(notified_on) = member.notified_on {
        changes.push(format!("notified_on: {notified_on}"));
    }
    if let Some(limit) = member.limit_certificate {
        changes.push(format!(
            "limit: {} {} {}..{}",
            limit.kind.code(),
            limit.category.code(),
            limit.valid_from,
            limit.valid_until
        ));
    }
    if let Some(elderly) = member.elderly_recipient {
        changes.push(format!("elderly: {}割 {}..{}", elderly.copay_ratio, elderly.valid_from, elderly.valid_until));
    }
    changes.push(link_text(stored));
    changes
}

/// The link of a stored member in a history line.
pub(crate) fn link_text(stored: &StoredMember) -> String {
    match stored.link_state {
        Some(state) => format!("link: {}", state.code()),
        None => "link: none".to_owned(),
    }
}

/// The `Conflict` of an acquisition whose key is taken.
pub(crate) fn already_registered(key: &MemberKey, member_id: MemberId) -> StoreError {
    StoreError::Conflict {
        what: format!(
            "member (保険者番号 {}, 記号 {}, 番号 {}, 枝番 {:02}) is already registered (member_id {}); \
             change it (変更) instead of acquiring it again",
            key.insurer_number.as_str(),
            key.symbol.as_str(),
            key.number.as_str(),
            key.branch.value(),
            member_id.0
        ),
    }
}

/// The history lines of a change from `old` to `new`, with the link when it moved.
pub(crate) fn change_lines(old: &StoredMember, new: &StoredMember) -> Vec<String> {
    let mut changes = old.member.differences(&new.member);
    if (old.person_id, old.link_state) != (new.person_id, new.link_state) {
        changes.push(format!("{} → {}", link_text(old), link_text(new).trim_start_matches("link: ")));
    }
    changes
}

/// A member the late-registration query found.
pub(crate) fn late(member: StoredMember) -> Result<LateRegistration, StoreError> {
    let corrupt = || StoreError::Corrupt {
        what: format!("member_id={}: a late registration without its dates", member.member_id.0),
    };
    let notified_on = member.member.notified_on.ok_or_else(corrupt)?;
    let registered_at = member.registered_at.ok_or_else(corrupt)?;
    let days = registration_days(notified_on, registered_at);
    Ok(LateRegistration { member, notified_on, registered_at, days })
}

/// Stored history lines back into a list.
pub(crate) fn split_changes(text: &str) -> Vec<String> {
    text.lines().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
    }

    #[test]
    fn the_fifth_day_in_japan_is_in_time_and_the_sixth_late() {
        let notice = d("2025-04-01");
        assert_eq!(registration_days(notice, t("2025-04-01T00:00:00+09:00")), 0);
        assert!(!is_late(notice, t("2025-04-06T23:59:59+09:00")));
        // 2025-04-06T15:00Z is 2025-04-07 00:00 in Japan: the 6th day.
        assert!(is_late(notice, t("2025-04-06T15:00:00Z")));
        assert!(!is_late(notice, t("2025-04-06T14:59:59Z")));
        assert_eq!(registration_days(notice, t("2025-04-07T00:00:00+09:00")), 6);
    }
}
