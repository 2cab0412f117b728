//! Linkage integrity (紐付けの総点検, issue 8): the records behind the state of
//! a member's link, shared by both backends.
//!
//! Every new or changed link is judged by [`onshi_domain::linkage`] inside the
//! transaction that writes it ([`check_link`]): a link judged `mismatch` is
//! written [`LinkState::Suspended`], with a [`Suspension`] and a [`Notice`] to
//! the person it points at, so nobody reaches data through it before an
//! insurer has looked. Imports never clobber a suspended or confirmed link.
//!
//! The total inspection streams members with their linked residents in key
//! order ([`InspectionItem`], pages of [`crate::Store::inspection_batch`]) and
//! finds the resident of an unlinked member among those sharing its
//! [`match_key`] (normalised カナ氏名 and 生年月日), read through an index on
//! `residents.match_key` rather than a map held in memory, so memory stays
//! bounded by the page size whatever the size of the registry.
//!
//! Suspensions are keyed by (member, person) and notices by (person, kind,
//! reference): an inspection interrupted and run again creates neither twice.

use chrono::{DateTime, Utc};
use onshi_domain::Date;
use onshi_domain::id::InsurerNumber;
use onshi_domain::insurance::MemberKey;
use onshi_domain::linkage::{self, LinkVerdict};
use onshi_domain::person::FiveAttributes;
use onshi_domain::registry::ResidentCode;

use crate::decode::{RawAttributes, corrupt, parse};
use crate::{LinkState, MemberId, PersonId, StoreError};

/// The blocking key of a person: normalised カナ氏名 and 生年月日, `カナ|YYYY-MM-DD`.
/// A resident agreeing with a member on all 5 attributes agrees on this key,
/// so looking only at the residents sharing it loses no candidate.
pub fn match_key(name_kana: &str, birth_date: Date) -> String {
    format!("{}|{}", onshi_domain::text::normalise_kana_name(name_kana), birth_date.format("%Y-%m-%d"))
}

/// The judgement of a new or changed link, and the state it is written in.
pub(crate) fn check_link(member: &FiveAttributes, resident: &FiveAttributes) -> (LinkState, LinkVerdict) {
    let verdict = linkage::judge_link(&linkage::compare(member, resident));
    let state = match verdict {
        LinkVerdict::Mismatch { .. } => LinkState::Suspended,
        LinkVerdict::Match | LinkVerdict::Review { .. } => LinkState::Active,
    };
    (state, verdict)
}

/// The reasons of a verdict as stored: codes joined by `;`.
pub(crate) fn reasons_text(verdict: &LinkVerdict) -> String {
    match verdict {
        LinkVerdict::Match => String::new(),
        LinkVerdict::Review { reasons } | LinkVerdict::Mismatch { reasons } => reasons.join(";"),
    }
}

/// The notice kind asking a citizen to confirm an insurance record linked to them.
pub const NOTICE_LINKAGE_CHECK: &str = "linkage_check";

/// The notice to the person a suspended link points at: idempotency
/// reference and body (Japanese first, as the portal shows it).
pub(crate) fn linkage_notice(member_id: MemberId, insurer_number: &str) -> (String, String) {
    (
        format!("member:{}", member_id.0),
        format!(
            "保険者番号 {insurer_number} の資格情報とあなたの紐付けを確認しています。\
             確認が終わるまで、この資格情報ではご利用いただけません。\
             心当たりがない場合は保険者にお知らせください。"
        ),
    )
}

/// Where a suspension came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SuspensionSource {
    /// A member import linked the member by its My Number.
    Import,
    /// A registry import linked a member that was waiting for its resident.
    Registry,
    /// The total inspection (`onshi inspect`).
    Inspection,
}

impl SuspensionSource {
    pub fn code(self) -> &'static str {
        match self {
            SuspensionSource::Import => "import",
            SuspensionSource::Registry => "registry",
            SuspensionSource::Inspection => "inspection",
        }
    }

    pub fn from_code(code: &str) -> Option<SuspensionSource> {
        match code {
            "import" => Some(SuspensionSource::Import),
            "registry" => Some(SuspensionSource::Registry),
            "inspection" => Some(SuspensionSource::Inspection),
            _ => None,
        }
    }
}

/// How an insurer resolved a suspended link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Resolution {
    /// The link was right after all.
    Confirmed,
    /// The link was replaced (by another person, or by none).
    Corrected,
}

impl Resolution {
    pub fn code(self) -> &'static str {
        match self {
            Resolution::Confirmed => "confirmed",
            Resolution::Corrected => "corrected",
        }
    }

    pub fn from_code(code: &str) -> Option<Resolution> {
        match code {
            "confirmed" => Some(Resolution::Confirmed),
            "corrected" => Some(Resolution::Corrected),
            _ => None,
        }
    }
}

/// One suspension of a link (member → person), open until resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suspension {
    pub member_id: MemberId,
    pub person_id: PersonId,
    pub source: SuspensionSource,
    /// Codes of the verdict, e.g. `birth_date:other`.
    pub reasons: Vec<String>,
    pub suspended_at: DateTime<Utc>,
    pub resolution: Option<Resolution>,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolved_by: Option<String>,
    /// For a correction, the person the member was linked to instead (`None`: unlinked).
    pub corrected_to: Option<PersonId>,
}

/// A link held for inspection, with what an insurer needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuspendedLink {
    pub member_id: MemberId,
    pub key: MemberKey,
    pub person_id: PersonId,
    pub resident_code: ResidentCode,
    pub suspension: Suspension,
}

/// A link the inspection judged `mismatch`, to suspend.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSuspension {
    pub member_id: MemberId,
    pub person_id: PersonId,
    pub insurer_number: InsurerNumber,
    pub reasons: Vec<String>,
}

/// An insurer's decision on a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkDecision {
    /// Keep the link to the same person and make it usable again.
    Confirm,
    /// Link the member to this resident instead.
    CorrectTo(ResidentCode),
    /// Remove the link: the member's person is unknown.
    Unlink,
}

/// A notice to a citizen (お知らせ), shown in the portal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub notice_id: i64,
    pub person_id: PersonId,
    pub kind: String,
    /// The idempotency reference within (person, kind), e.g. `member:42`.
    pub reference: String,
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// One access to a person's medical information, with the linkage (member)
/// it went through. The minimal record the audit of suspended links reads;
/// the medical-information work writes it and extends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MedicalAccess {
    pub person_id: PersonId,
    pub member_id: Option<MemberId>,
    pub facility_code: Option<String>,
    /// Who viewed (a staff or client identifier).
    pub accessor: String,
    /// What was viewed, e.g. `drug_history`.
    pub what: String,
    /// On what basis, e.g. `consent`, `emergency`.
    pub basis: String,
    pub accessed_at: DateTime<Utc>,
}

/// A member as the inspection reads it, with its linked resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionItem {
    pub member_id: MemberId,
    pub key: MemberKey,
    pub attributes: FiveAttributes,
    /// The member carries a My Number (masked everywhere; only its presence is read here).
    pub has_my_number: bool,
    pub person_id: Option<PersonId>,
    pub link_state: Option<LinkState>,
    /// The linked resident; `None` when unlinked, or when the linked person
    /// is missing from the registry.
    pub resident: Option<(ResidentCode, FiveAttributes)>,
}

/// A resident found by [`match_key`], for finding unlinked members.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    pub match_key: String,
    pub person_id: PersonId,
    pub resident_code: ResidentCode,
    pub attributes: FiveAttributes,
}

pub(crate) fn not_linked(key: &MemberKey) -> StoreError {
    StoreError::Conflict {
        what: format!(
            "member {} {} {} {:02} has no link to confirm (link: none); correct it with a resident code instead",
            key.insurer_number.as_str(),
            key.symbol.as_str(),
            key.number.as_str(),
            key.branch.value()
        ),
    }
}

pub fn member_not_found(key: &MemberKey) -> StoreError {
    StoreError::NotFound {
        what: format!(
            "member (保険者番号 {}, 記号 {}, 番号 {}, 枝番 {:02})",
            key.insurer_number.as_str(),
            key.symbol.as_str(),
            key.number.as_str(),
            key.branch.value()
        ),
    }
}

pub(crate) fn resident_not_found(code: &ResidentCode) -> StoreError {
    StoreError::NotFound { what: format!("resident_code {}: no resident has this 住民票コード", code.as_str()) }
}

/// An [`InspectionItem`] as both backends read it, before decoding.
pub(crate) struct RawItem {
    pub(crate) member_id: i64,
    pub(crate) insurer_number: String,
    pub(crate) symbol: String,
    pub(crate) number: String,
    pub(crate) branch: i64,
    pub(crate) attributes: RawAttributes,
    pub(crate) has_my_number: bool,
    pub(crate) person_id: Option<i64>,
    pub(crate) link_state: Option<String>,
    pub(crate) resident: Option<(String, RawAttributes)>,
}

impl RawItem {
    pub(crate) fn decode(self) -> Result<InspectionItem, StoreError> {
        let table = "members";
        let key = format!("member_id={}", self.member_id);
        let branch = u8::try_from(self.branch)
            .ok()
            .and_then(onshi_domain::id::Branch::new)
            .ok_or_else(|| corrupt(table, &key, "branch", self.branch))?;
        let link_state = match self.link_state.as_deref() {
            None => None,
            Some(code) => Some(LinkState::from_code(code).ok_or_else(|| corrupt(table, &key, "link_state", code))?),
        };
        let resident = match self.resident {
            None => None,
            Some((code, attributes)) => {
                let resident_key = format!("person_id={}", self.person_id.unwrap_or_default());
                Some((
                    parse("residents", &resident_key, "resident_code", &code)?,
                    attributes.decode("residents", &resident_key)?,
                ))
            }
        };
        Ok(InspectionItem {
            member_id: MemberId(self.member_id),
            key: MemberKey {
                insurer_number: parse(table, &key, "insurer_number", &self.insurer_number)?,
                symbol: parse(table, &key, "symbol", &self.symbol)?,
                number: parse(table, &key, "number", &self.number)?,
                branch,
            },
            attributes: self.attributes.decode(table, &key)?,
            has_my_number: self.has_my_number,
            person_id: self.person_id.map(PersonId),
            link_state,
            resident,
        })
    }
}

/// A [`Suspension`] before decoding.
pub(crate) struct RawSuspension {
    pub(crate) member_id: i64,
    pub(crate) person_id: i64,
    pub(crate) source: String,
    pub(crate) reasons: String,
    pub(crate) suspended_at: DateTime<Utc>,
    pub(crate) resolution: Option<String>,
    pub(crate) resolved_at: Option<DateTime<Utc>>,
    pub(crate) resolved_by: Option<String>,
    pub(crate) corrected_to: Option<i64>,
}

impl RawSuspension {
    pub(crate) fn decode(self) -> Result<Suspension, StoreError> {
        let table = "linkage_suspensions";
        let key = format!("member_id={} person_id={}", self.member_id, self.person_id);
        let source =
            SuspensionSource::from_code(&self.source).ok_or_else(|| corrupt(table, &key, "source", &self.source))?;
        let resolution = match self.resolution.as_deref() {
            None => None,
            Some(code) => Some(Resolution::from_code(code).ok_or_else(|| corrupt(table, &key, "resolution", code))?),
        };
        Ok(Suspension {
            member_id: MemberId(self.member_id),
            person_id: PersonId(self.person_id),
            source,
            reasons: split_reasons(&self.reasons),
            suspended_at: self.suspended_at,
            resolution,
            resolved_at: self.resolved_at,
            resolved_by: self.resolved_by,
            corrected_to: self.corrected_to.map(PersonId),
        })
    }
}

pub(crate) fn split_reasons(text: &str) -> Vec<String> {
    text.split(';').filter(|r| !r.is_empty()).map(str::to_owned).collect()
}

/// The parts of a [`SuspendedLink`] beside its suspension, before decoding.
pub(crate) fn suspended_link(
    raw: RawSuspension,
    insurer_number: &str,
    symbol: &str,
    number: &str,
    branch: i64,
    resident_code: &str,
) -> Result<SuspendedLink, StoreError> {
    let table = "members";
    let key = format!("member_id={}", raw.member_id);
    let member_key = MemberKey {
        insurer_number: parse(table, &key, "insurer_number", insurer_number)?,
        symbol: parse(table, &key, "symbol", symbol)?,
        number: parse(table, &key, "number", number)?,
        branch: u8::try_from(branch)
            .ok()
            .and_then(onshi_domain::id::Branch::new)
            .ok_or_else(|| corrupt(table, &key, "branch", branch))?,
    };
    let resident_code = parse("residents", &format!("person_id={}", raw.person_id), "resident_code", resident_code)?;
    let suspension = raw.decode()?;
    Ok(SuspendedLink {
        member_id: suspension.member_id,
        key: member_key,
        person_id: suspension.person_id,
        resident_code,
        suspension,
    })
}
