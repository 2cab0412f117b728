//! The insurer's one-by-one flows (資格取得・変更・喪失), for the API and the
//! command line alike: requests arrive as text ([`MemberForm`],
//! [`ChangeForm`]), are parsed into domain records with an error naming the
//! field, the value and the rule ([`FieldError`]), and are written through
//! the store, one transaction each, with the member's history.
//!
//! A new member is linked as the rules say (see `onshi_domain::linkage`):
//! through the registry by the My Number of the 資格取得届; without one, the
//! insurer looks the number up in the registry, which answers only when
//! exactly one resident agrees on all 5 attributes after normalisation; the
//! number found is then the member's, and the link is judged as every link is.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_domain::date::parse_date;
use onshi_domain::insurance::{
    ElderlyRecipient, LimitCertificate, LossReason, Member, MemberChange, MemberKey, MemberRuleError,
};
use onshi_domain::linkage::{self, FindVerdict};
use onshi_domain::person::{CopayRatio, FiveAttributes, MAX_ADDRESS_CHARS, MAX_NAME_CHARS, check_kana, check_text};
use onshi_domain::{Date, date};
use onshi_store::inspection::match_key;
use onshi_store::members::{LateRegistration, MemberEvent};
use onshi_store::{Store, StoreError, StoredMember};

/// A field that is not acceptable: which, its value (masked for a My
/// Number) and the rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} {value:?}: {rule}")]
pub struct FieldError {
    pub field: String,
    pub value: String,
    pub rule: String,
}

impl FieldError {
    pub fn new(field: &str, value: &str, rule: impl ToString) -> FieldError {
        let value = if field == "my_number" { mask(value) } else { value.to_owned() };
        FieldError { field: field.to_owned(), value, rule: rule.to_string() }
    }
}

impl From<MemberRuleError> for FieldError {
    fn from(e: MemberRuleError) -> FieldError {
        FieldError::new(e.field(), &e.value(), &e)
    }
}

fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().min(4);
    "*".repeat(chars.len() - keep) + &chars[chars.len() - keep..].iter().collect::<String>()
}

/// Why a one-by-one operation was refused.
#[derive(Debug, thiserror::Error)]
pub enum MembersError {
    /// A field breaks its format or a rule (HTTP 422).
    #[error("{0}")]
    Invalid(#[from] FieldError),
    /// The key is registered already (HTTP 409).
    #[error("{0}")]
    Duplicate(String),
    /// No member with this key (HTTP 404).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(StoreError),
}

impl From<StoreError> for MembersError {
    fn from(e: StoreError) -> MembersError {
        match e {
            StoreError::Rule(rule) => MembersError::Invalid(rule.into()),
            StoreError::Conflict { what } => MembersError::Duplicate(what),
            StoreError::NotFound { what } => MembersError::NotFound(what),
            other => MembersError::Store(other),
        }
    }
}

fn parse<T, E: ToString>(field: &str, value: &str, parse: impl FnOnce(&str) -> Result<T, E>) -> Result<T, FieldError> {
    parse(value).map_err(|e| FieldError::new(field, value, e))
}

fn parse_opt<T, E: ToString>(
    field: &str,
    value: Option<&str>,
    f: impl FnOnce(&str) -> Result<T, E>,
) -> Result<Option<T>, FieldError> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => parse(field, value, f).map(Some),
    }
}

/// The member key as text: 保険者番号, 記号, 番号, 枝番.
pub fn parse_key(insurer_number: &str, symbol: &str, number: &str, branch: &str) -> Result<MemberKey, FieldError> {
    Ok(MemberKey {
        insurer_number: parse("insurer_number", insurer_number, str::parse)?,
        symbol: parse("symbol", symbol, str::parse)?,
        number: parse("number", number, str::parse)?,
        branch: parse("branch", branch, str::parse)?,
    })
}

/// A 限度額適用認定証 as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LimitForm {
    /// 証区分: 01, 02 or 03.
    pub kind: String,
    /// 適用区分 (OQSCD012): A01–A06, B01–B10.
    pub category: String,
    pub issued_on: String,
    pub valid_from: String,
    pub valid_until: String,
}

impl LimitForm {
    pub fn parse(&self) -> Result<LimitCertificate, FieldError> {
        Ok(LimitCertificate {
            kind: parse("limit_kind", &self.kind, str::parse)?,
            category: parse("limit_category", &self.category, str::parse)?,
            issued_on: parse("limit_issued_on", &self.issued_on, parse_date)?,
            valid_from: parse("limit_valid_from", &self.valid_from, parse_date)?,
            valid_until: parse("limit_valid_until", &self.valid_until, parse_date)?,
        })
    }
}

/// A 高齢受給者証 as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ElderlyForm {
    pub issued_on: String,
    pub valid_from: String,
    pub valid_until: String,
    /// 一部負担金の割合: 1, 2 or 3.
    pub copay_ratio: String,
}

impl ElderlyForm {
    pub fn parse(&self) -> Result<ElderlyRecipient, FieldError> {
        Ok(ElderlyRecipient {
            issued_on: parse("elderly_issued_on", &self.issued_on, parse_date)?,
            valid_from: parse("elderly_valid_from", &self.valid_from, parse_date)?,
            valid_until: parse("elderly_valid_until", &self.valid_until, parse_date)?,
            copay_ratio: parse("elderly_copay_ratio", &self.copay_ratio, str::parse::<CopayRatio>)?,
        })
    }
}

/// A 資格取得 as text, field names as in the members CSV.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberForm {
    pub insurer_number: String,
    pub symbol: String,
    pub number: String,
    pub branch: String,
    pub name_kanji: String,
    pub name_kana: String,
    pub birth_date: String,
    pub sex: String,
    pub address: String,
    pub my_number: Option<String>,
    /// 1 本人, 2 家族.
    pub relationship: String,
    pub copay_ratio: String,
    pub acquired_on: String,
    /// 事業主等からの届出日.
    pub notified_on: Option<String>,
    pub limit: Option<LimitForm>,
    pub elderly: Option<ElderlyForm>,
}

fn birth_date(value: &str, today: Date) -> Result<Date, FieldError> {
    let birth = parse("birth_date", value, parse_date)?;
    if birth > today {
        return Err(FieldError::new(
            "birth_date",
            value,
            format!("生年月日 must not be after today ({})", date::iso(today)),
        ));
    }
    Ok(birth)
}

impl MemberForm {
    /// The member record, checked; `today` bounds the birth date.
    pub fn parse(&self, today: Date) -> Result<Member, FieldError> {
        let member = Member {
            key: parse_key(&self.insurer_number, &self.symbol, &self.number, &self.branch)?,
            relationship: parse("relationship", &self.relationship, str::parse)?,
            attributes: FiveAttributes {
                name_kanji: parse("name_kanji", &self.name_kanji, |s| check_text("漢字氏名", s, MAX_NAME_CHARS))?,
                name_kana: parse("name_kana", &self.name_kana, |s| check_kana("カナ氏名", s))?,
                birth_date: birth_date(&self.birth_date, today)?,
                sex: parse("sex", &self.sex, str::parse)?,
                address: parse("address", &self.address, |s| check_text("住所", s, MAX_ADDRESS_CHARS))?,
            },
            my_number: parse_opt("my_number", self.my_number.as_deref(), str::parse)?,
            copay_ratio: parse("copay_ratio", &self.copay_ratio, str::parse)?,
            acquired_on: parse("acquired_on", &self.acquired_on, parse_date)?,
            lost_on: None,
            loss_reason: None,
            limit_certificate: self.limit.as_ref().map(LimitForm::parse).transpose()?,
            elderly_recipient: self.elderly.as_ref().map(ElderlyForm::parse).transpose()?,
            notified_on: parse_opt("notified_on", self.notified_on.as_deref(), parse_date)?,
        };
        member.check()?;
        Ok(member)
    }
}

/// A 変更 as text: absent fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeForm {
    pub name_kanji: Option<String>,
    pub name_kana: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub address: Option<String>,
    pub my_number: Option<String>,
    pub relationship: Option<String>,
    pub copay_ratio: Option<String>,
    pub acquired_on: Option<String>,
    pub notified_on: Option<String>,
    /// `Some(None)` withdraws the certificate.
    pub limit: Option<Option<LimitForm>>,
    /// `Some(None)` withdraws the certificate.
    pub elderly: Option<Option<ElderlyForm>>,
}

impl ChangeForm {
    pub fn parse(&self, today: Date) -> Result<MemberChange, FieldError> {
        let change = MemberChange {
            relationship: parse_opt("relationship", self.relationship.as_deref(), str::parse)?,
            name_kanji: parse_opt("name_kanji", self.name_kanji.as_deref(), |s| {
                check_text("漢字氏名", s, MAX_NAME_CHARS)
            })?,
            name_kana: parse_opt("name_kana", self.name_kana.as_deref(), |s| check_kana("カナ氏名", s))?,
            birth_date: self.birth_date.as_deref().map(|s| birth_date(s, today)).transpose()?,
            sex: parse_opt("sex", self.sex.as_deref(), str::parse)?,
            address: parse_opt("address", self.address.as_deref(), |s| check_text("住所", s, MAX_ADDRESS_CHARS))?,
            my_number: parse_opt("my_number", self.my_number.as_deref(), str::parse)?,
            copay_ratio: parse_opt("copay_ratio", self.copay_ratio.as_deref(), str::parse)?,
            acquired_on: parse_opt("acquired_on", self.acquired_on.as_deref(), parse_date)?,
            limit_certificate: match &self.limit {
                None => None,
                Some(None) => Some(None),
                Some(Some(form)) => Some(Some(form.parse()?)),
            },
            elderly_recipient: match &self.elderly {
                None => None,
                Some(None) => Some(None),
                Some(Some(form)) => Some(Some(form.parse()?)),
            },
            notified_on: parse_opt("notified_on", self.notified_on.as_deref(), parse_date)?,
        };
        if change == MemberChange::default() {
            return Err(FieldError::new("body", "", "a change (変更) needs at least one field to change"));
        }
        Ok(change)
    }
}

/// A 資格喪失 as text.
pub fn parse_loss(lost_on: &str, reason: &str) -> Result<(Date, LossReason), FieldError> {
    Ok((parse("lost_on", lost_on, parse_date)?, parse("loss_reason", reason, str::parse)?))
}

/// How a new member's person was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// The 資格取得届 gave the My Number.
    MyNumber,
    /// No My Number was given; the registry had exactly one resident agreeing
    /// on all 5 attributes, whose number the member now carries.
    FiveAttributes,
    /// No My Number, and several residents agree on all 5: none is chosen.
    Ambiguous(usize),
    /// No My Number, and no resident agrees on all 5.
    NotFound,
}

impl Lookup {
    pub fn code(self) -> &'static str {
        match self {
            Lookup::MyNumber => "my_number",
            Lookup::FiveAttributes => "five_attributes",
            Lookup::Ambiguous(_) => "ambiguous",
            Lookup::NotFound => "not_found",
        }
    }
}

/// A registered member and how its person was looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acquired {
    pub member: StoredMember,
    pub lookup: Lookup,
}

/// The service.
#[derive(Clone)]
pub struct Members {
    store: Arc<dyn Store>,
}

impl Members {
    pub fn new(store: Arc<dyn Store>) -> Members {
        Members { store }
    }

    /// 資格取得 received at `at`.
    pub async fn acquire(&self, mut member: Member, at: DateTime<Utc>, actor: &str) -> Result<Acquired, MembersError> {
        let lookup = if member.my_number.is_some() {
            Lookup::MyNumber
        } else {
            let key = match_key(&member.attributes.name_kana, member.attributes.birth_date);
            let candidates = self.store.match_candidates(vec![key]).await?;
            let found = linkage::find(&member.attributes, candidates.iter().map(|c| (c.person_id, &c.attributes)));
            match found {
                FindVerdict::Found(person_id) => {
                    let resident = self.store.resident_by_person(person_id).await?.ok_or_else(|| {
                        MembersError::Store(StoreError::Corrupt { what: format!("person {person_id} vanished") })
                    })?;
                    member.my_number = Some(resident.resident.my_number);
                    Lookup::FiveAttributes
                }
                FindVerdict::Ambiguous(people) => Lookup::Ambiguous(people.len()),
                FindVerdict::NotFound => Lookup::NotFound,
            }
        };
        let member = self.store.acquire_member(member, at, actor).await?;
        Ok(Acquired { member, lookup })
    }

    /// 変更 of an active member.
    pub async fn change(
        &self,
        key: &MemberKey,
        change: MemberChange,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<StoredMember, MembersError> {
        Ok(self.store.change_member(key, change, at, actor).await?)
    }

    /// 資格喪失 with its reason.
    pub async fn lose(
        &self,
        key: &MemberKey,
        lost_on: Date,
        reason: LossReason,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<StoredMember, MembersError> {
        Ok(self.store.lose_member(key, lost_on, reason, at, actor).await?)
    }

    /// A member and its history, oldest first.
    pub async fn events(&self, key: &MemberKey) -> Result<(StoredMember, Vec<MemberEvent>), MembersError> {
        let member = self
            .store
            .member_by_key(key)
            .await?
            .ok_or_else(|| MembersError::from(onshi_store::inspection::member_not_found(key)))?;
        let events = self.store.member_events(member.member_id).await?;
        Ok((member, events))
    }

    /// Registrations more than 5 days after the employer's notice, for
    /// notices from `from` to `to`.
    pub async fn late(&self, insurer: &str, from: &str, to: &str) -> Result<Vec<LateRegistration>, MembersError> {
        let insurer = parse("insurer", insurer, str::parse)?;
        let from_date = parse("from", from, parse_date)?;
        let to_date = parse("to", to, parse_date)?;
        if to_date < from_date {
            return Err(FieldError::new(
                "to",
                to,
                format!("the period ends before it starts ({})", date::iso(from_date)),
            )
            .into());
        }
        Ok(self.store.late_registrations(&insurer, from_date, to_date).await?)
    }
}
