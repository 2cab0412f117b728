//! Turning stored rows back into domain values, shared by both backends.
//!
//! The database holds only values that passed the domain's parsers, so a
//! failure here means the data was changed behind onshi's back; it is reported
//! as [`StoreError::Corrupt`] naming the table, key and column.

use onshi_domain::Date;
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::InsurerNumber;
use onshi_domain::insurance::{
    ElderlyRecipient, LimitCategory, LimitCertificate, LimitCertificateKind, LossReason, Member, MemberKey,
};
use onshi_domain::person::{CopayRatio, FiveAttributes, Relationship, Sex};
use onshi_domain::registry::Resident;

use crate::{Insurer, LinkMethod, LinkState, MemberId, PersonId, StoreError, StoredMember, StoredResident};

/// All but the last 4 digits hidden, for messages and logs.
pub(crate) fn mask_my_number(my_number: &str) -> String {
    let keep = my_number.len().saturating_sub(4);
    format!("{}{}", "*".repeat(keep), &my_number[keep..])
}

pub(crate) fn corrupt(table: &str, key: &str, column: &str, value: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt { what: format!("{table} {key}: column {column} holds {value:?}") }
}

pub(crate) fn parse<T: std::str::FromStr>(table: &str, key: &str, column: &str, value: &str) -> Result<T, StoreError> {
    value.parse().map_err(|_| corrupt(table, key, column, value))
}

pub(crate) struct RawAttributes {
    pub(crate) name_kanji: String,
    pub(crate) name_kana: String,
    pub(crate) birth_date: Date,
    pub(crate) sex: i64,
    pub(crate) address: String,
}

impl RawAttributes {
    pub(crate) fn decode(self, table: &str, key: &str) -> Result<FiveAttributes, StoreError> {
        let sex =
            u8::try_from(self.sex).ok().and_then(Sex::from_code).ok_or_else(|| corrupt(table, key, "sex", self.sex))?;
        Ok(FiveAttributes {
            name_kanji: self.name_kanji,
            name_kana: self.name_kana,
            birth_date: self.birth_date,
            sex,
            address: self.address,
        })
    }
}

pub(crate) struct RawResident {
    pub(crate) person_id: i64,
    pub(crate) resident_code: String,
    pub(crate) my_number: String,
    pub(crate) attributes: RawAttributes,
}

impl RawResident {
    pub(crate) fn decode(self) -> Result<StoredResident, StoreError> {
        let key = format!("person_id={}", self.person_id);
        Ok(StoredResident {
            person_id: PersonId(self.person_id),
            resident: Resident {
                resident_code: parse("residents", &key, "resident_code", &self.resident_code)?,
                my_number: parse("residents", &key, "my_number", &self.my_number)?,
                attributes: self.attributes.decode("residents", &key)?,
            },
        })
    }
}

pub(crate) struct RawMember {
    pub(crate) member_id: i64,
    pub(crate) insurer_number: String,
    pub(crate) symbol: String,
    pub(crate) number: String,
    pub(crate) branch: i64,
    pub(crate) relationship: i64,
    pub(crate) attributes: RawAttributes,
    pub(crate) my_number: Option<String>,
    pub(crate) copay_ratio: i64,
    pub(crate) acquired_on: Date,
    pub(crate) lost_on: Option<Date>,
    pub(crate) person_id: Option<i64>,
    pub(crate) link_method: Option<String>,
    pub(crate) link_state: Option<String>,
    pub(crate) details: RawDetails,
}

/// The columns of migration 0007: certificates, the loss reason, the
/// employer's notice date and when the platform received the registration.
#[derive(Default)]
pub(crate) struct RawDetails {
    pub(crate) loss_reason: Option<String>,
    pub(crate) limit_kind: Option<String>,
    pub(crate) limit_category: Option<String>,
    pub(crate) limit_issued_on: Option<Date>,
    pub(crate) limit_valid_from: Option<Date>,
    pub(crate) limit_valid_until: Option<Date>,
    pub(crate) elderly_issued_on: Option<Date>,
    pub(crate) elderly_valid_from: Option<Date>,
    pub(crate) elderly_valid_until: Option<Date>,
    pub(crate) elderly_copay_ratio: Option<i64>,
    pub(crate) notified_on: Option<Date>,
    pub(crate) registered_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The certificate columns of a member as stored, for both backends' writes.
pub(crate) struct DetailColumns {
    pub(crate) loss_reason: Option<&'static str>,
    pub(crate) limit_kind: Option<&'static str>,
    pub(crate) limit_category: Option<&'static str>,
    pub(crate) limit_issued_on: Option<Date>,
    pub(crate) limit_valid_from: Option<Date>,
    pub(crate) limit_valid_until: Option<Date>,
    pub(crate) elderly_issued_on: Option<Date>,
    pub(crate) elderly_valid_from: Option<Date>,
    pub(crate) elderly_valid_until: Option<Date>,
    pub(crate) elderly_copay_ratio: Option<u8>,
    pub(crate) notified_on: Option<Date>,
}

impl DetailColumns {
    pub(crate) fn of(member: &Member) -> DetailColumns {
        let limit = member.limit_certificate;
        let elderly = member.elderly_recipient;
        DetailColumns {
            loss_reason: member.loss_reason.map(LossReason::code),
            limit_kind: limit.map(|c| c.kind.code()),
            limit_category: limit.map(|c| c.category.code()),
            limit_issued_on: limit.map(|c| c.issued_on),
            limit_valid_from: limit.map(|c| c.valid_from),
            limit_valid_until: limit.map(|c| c.valid_until),
            elderly_issued_on: elderly.map(|c| c.issued_on),
            elderly_valid_from: elderly.map(|c| c.valid_from),
            elderly_valid_until: elderly.map(|c| c.valid_until),
            elderly_copay_ratio: elderly.map(|c| c.copay_ratio.tenths()),
            notified_on: member.notified_on,
        }
    }
}

/// The decoded details: 資格喪失事由, 限度額適用認定証, 高齢受給者証.
type Details = (Option<LossReason>, Option<LimitCertificate>, Option<ElderlyRecipient>);

impl RawDetails {
    fn decode(self, table: &str, key: &str) -> Result<Details, StoreError> {
        let loss_reason = match self.loss_reason.as_deref() {
            None => None,
            Some(code) => Some(LossReason::from_code(code).ok_or_else(|| corrupt(table, key, "loss_reason", code))?),
        };
        let limit = match (
            self.limit_kind.as_deref(),
            self.limit_category.as_deref(),
            self.limit_issued_on,
            self.limit_valid_from,
            self.limit_valid_until,
        ) {
            (None, None, None, None, None) => None,
            (Some(kind), Some(category), Some(issued_on), Some(valid_from), Some(valid_until)) => {
                Some(LimitCertificate {
                    kind: LimitCertificateKind::from_code(kind)
                        .ok_or_else(|| corrupt(table, key, "limit_kind", kind))?,
                    category: LimitCategory::from_code(category)
                        .ok_or_else(|| corrupt(table, key, "limit_category", category))?,
                    issued_on,
                    valid_from,
                    valid_until,
                })
            }
            (kind, ..) => return Err(corrupt(table, key, "limit_*", format!("partly empty (limit_kind {kind:?})"))),
        };
        let elderly =
            match (self.elderly_issued_on, self.elderly_valid_from, self.elderly_valid_until, self.elderly_copay_ratio)
            {
                (None, None, None, None) => None,
                (Some(issued_on), Some(valid_from), Some(valid_until), Some(ratio)) => Some(ElderlyRecipient {
                    issued_on,
                    valid_from,
                    valid_until,
                    copay_ratio: u8::try_from(ratio)
                        .ok()
                        .and_then(CopayRatio::new)
                        .ok_or_else(|| corrupt(table, key, "elderly_copay_ratio", ratio))?,
                }),
                _ => return Err(corrupt(table, key, "elderly_*", "partly empty")),
            };
        Ok((loss_reason, limit, elderly))
    }
}

impl RawMember {
    pub(crate) fn decode(self) -> Result<StoredMember, StoreError> {
        let key = format!("member_id={}", self.member_id);
        let table = "members";
        let branch = u8::try_from(self.branch)
            .ok()
            .and_then(onshi_domain::id::Branch::new)
            .ok_or_else(|| corrupt(table, &key, "branch", self.branch))?;
        let relationship = u8::try_from(self.relationship)
            .ok()
            .and_then(Relationship::from_code)
            .ok_or_else(|| corrupt(table, &key, "relationship", self.relationship))?;
        let copay_ratio = u8::try_from(self.copay_ratio)
            .ok()
            .and_then(CopayRatio::new)
            .ok_or_else(|| corrupt(table, &key, "copay_ratio", self.copay_ratio))?;
        let my_number = match &self.my_number {
            Some(value) => Some(parse(table, &key, "my_number", value)?),
            None => None,
        };
        let link_method = match self.link_method.as_deref() {
            None => None,
            Some("my_number") => Some(LinkMethod::MyNumber),
            Some("insurer") => Some(LinkMethod::Insurer),
            Some(other) => return Err(corrupt(table, &key, "link_method", other)),
        };
        let link_state = match self.link_state.as_deref() {
            None => None,
            Some(code) => Some(LinkState::from_code(code).ok_or_else(|| corrupt(table, &key, "link_state", code))?),
        };
        let notified_on = self.details.notified_on;
        let registered_at = self.details.registered_at;
        let (loss_reason, limit_certificate, elderly_recipient) = self.details.decode(table, &key)?;
        if link_state.is_some() != self.person_id.is_some() {
            return Err(corrupt(table, &key, "link_state", (&self.link_state, self.person_id)));
        }
        Ok(StoredMember {
            member_id: MemberId(self.member_id),
            member: Member {
                key: MemberKey {
                    insurer_number: parse(table, &key, "insurer_number", &self.insurer_number)?,
                    symbol: parse(table, &key, "symbol", &self.symbol)?,
                    number: parse(table, &key, "number", &self.number)?,
                    branch,
                },
                relationship,
                attributes: self.attributes.decode(table, &key)?,
                my_number,
                copay_ratio,
                acquired_on: self.acquired_on,
                lost_on: self.lost_on,
                loss_reason,
                limit_certificate,
                elderly_recipient,
                notified_on,
            },
            person_id: self.person_id.map(PersonId),
            link_method,
            link_state,
            registered_at,
        })
    }
}

pub(crate) fn link_method_code(method: LinkMethod) -> &'static str {
    match method {
        LinkMethod::MyNumber => "my_number",
        LinkMethod::Insurer => "insurer",
    }
}

pub(crate) fn insurer(number: &str, name: String) -> Result<Insurer, StoreError> {
    let insurer_number: InsurerNumber = parse("insurers", number, "insurer_number", number)?;
    Ok(Insurer { kind: insurer_number.kind(), insurer_number, name })
}

pub(crate) fn facility(code: &str, name: String, kind: &str, address: String) -> Result<Facility, StoreError> {
    Ok(Facility {
        code: parse("facilities", code, "facility_code", code)?,
        kind: parse::<FacilityKind>("facilities", code, "kind", kind)?,
        name,
        address,
    })
}
