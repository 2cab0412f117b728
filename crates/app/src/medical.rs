//! Medical information under consent: who may read what, and the access
//! log written before any answer leaves.
//!
//! Every read goes through one of four doors, each deciding on the server
//! from what is stored, never from what the caller claims:
//!
//! | door | who | basis | what |
//! | --- | --- | --- | --- |
//! | [`Medical::facility_read`] | a facility's staff member | the patient's consent for that facility and category, in force, not revoked, not given within the certificate's grace | drug, clinical or checkup records in their windows |
//! | [`Medical::emergency_read`] | a staff member (doctor, dentist) of a facility designated for emergency care | 救急時医療情報閲覧: a stated reason, no consent | drug, clinical and checkup records |
//! | [`Medical::crew_read`] | a fire department's crew (マイナ救急), card read at the scene, face confirmed by the crew | the crew's incident | the emergency set |
//! | [`Medical::self_read`] | the person | self | everything, expenses too |
//!
//! A facility the person blocked in the portal (閲覧拒否) gets nothing through
//! either facility door, consent or emergency (`blocked_by_person`).
//!
//! A member whose link is suspended by the total inspection gives nothing
//! (its records stay quarantined), and a certificate in its post-expiry
//! grace gives eligibility only. Each read appends one entry per category
//! to the person's access log ([`onshi_domain::audit`]); when that append
//! fails, the read fails: nothing is answered that is not logged.

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};
use chrono::{DateTime, Utc};
use onshi_domain::Date;
use onshi_domain::audit::{Access, ActorKind, Basis, ChainError, ChainWalker, head_message, verify_chain};
use onshi_domain::insurance::MemberKey;
use onshi_domain::medical::RecordKind;
use onshi_pki::Validity as CertValidity;
use onshi_store::medical::{AccessHead, HeadSigner, PersonLog, StoredConsent, StoredRecord};
use onshi_store::{LinkState, PersonId, Store, StoreError};

use crate::jpki::{Jpki, SignInError};

/// The kinds of records (`onshi_domain::medical::RecordKind` codes) and
/// their windows: drug and clinical history of the last 3 years, checkups
/// of the last 5 (DESIGN.md); medical expenses are shown to the person only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// 薬剤情報
    Drug,
    /// 診療情報
    Clinical,
    /// 特定健診等情報
    Checkup,
    /// 医療費情報 (the person only)
    Expense,
}

impl Category {
    pub const ALL: [Category; 4] = [Category::Drug, Category::Clinical, Category::Checkup, Category::Expense];

    /// The record kind code.
    pub fn code(self) -> &'static str {
        match self {
            Category::Drug => "drug",
            Category::Clinical => "clinical",
            Category::Checkup => "checkup",
            Category::Expense => "expense",
        }
    }

    pub fn from_code(code: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The consent category that lets a facility read it (`None`: no
    /// facility ever reads it).
    pub fn consent_category(self) -> Option<&'static str> {
        match self {
            Category::Drug | Category::Clinical => Some("clinical_drug"),
            Category::Checkup => Some("checkup"),
            Category::Expense => None,
        }
    }

    /// Who within a facility may read it (DESIGN.md: drug history doctors,
    /// dentists and pharmacists; checkups doctors and dentists).
    pub fn qualified(self, qualification: &str) -> bool {
        match self {
            Category::Drug | Category::Clinical => matches!(qualification, "doctor" | "dentist" | "pharmacist"),
            Category::Checkup => matches!(qualification, "doctor" | "dentist"),
            Category::Expense => false,
        }
    }

    /// The record kind of the domain.
    pub fn kind(self) -> RecordKind {
        match self {
            Category::Drug => RecordKind::Drug,
            Category::Clinical => RecordKind::Clinical,
            Category::Checkup => RecordKind::Checkup,
            Category::Expense => RecordKind::Expense,
        }
    }

    /// The first day shown on `today` ([`onshi_domain::medical::window_start`]).
    pub fn window_start(self, today: Date) -> Date {
        onshi_domain::medical::window_start(self.kind(), today)
    }
}

/// The platform's key for signing access-log heads (Ed25519). Servers
/// sharing a database must share it; its public half is published so that
/// anyone can check a person's log.
pub struct AuditKey {
    pair: Ed25519KeyPair,
}

impl std::fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditKey(***)")
    }
}

impl AuditKey {
    /// A new key; returns it with its PKCS#8 document to keep.
    pub fn generate() -> Result<(AuditKey, Vec<u8>), String> {
        let document = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).map_err(|e| e.to_string())?;
        let bytes = document.as_ref().to_vec();
        Ok((AuditKey::from_pkcs8(&bytes)?, bytes))
    }

    pub fn from_pkcs8(document: &[u8]) -> Result<AuditKey, String> {
        Ed25519KeyPair::from_pkcs8(document)
            .map(|pair| AuditKey { pair })
            .map_err(|e| format!("not an Ed25519 PKCS#8 key: {e}"))
    }

    /// The raw 32-byte public key.
    pub fn public_key(&self) -> Vec<u8> {
        self.pair.public_key().as_ref().to_vec()
    }
}

impl HeadSigner for AuditKey {
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair.sign(message).as_ref().to_vec()
    }
}

/// Whether `head` is signed by the holder of `public_key`.
pub fn head_signed_by(public_key: &[u8], head: &AccessHead) -> bool {
    let message = head_message(head.person_id.0, head.seq, &head.hash);
    UnparsedPublicKey::new(&ED25519, public_key).verify(&message, &head.signature).is_ok()
}

/// Whom a facility means: the member it bills (保険者番号, 記号, 番号, 枝番),
/// as the real 薬剤情報 request names the patient, or the card itself.
#[derive(Debug, Clone)]
pub enum Patient {
    Member(MemberKey),
    /// A user-authentication certificate read from the card (no PIN: the
    /// facility's staff confirmed the face against the card).
    Card(Vec<u8>),
}

/// Why a read was refused. Codes are stable; messages say what to do.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("staff member {0:?} is not registered at this facility; register them (onshi facility add-staff)")]
    UnknownStaff(String),
    #[error(
        "a {qualification} may not view {category}: drug and clinical history doctors, dentists and pharmacists; checkups and emergency viewing doctors and dentists"
    )]
    NotQualified { qualification: String, category: &'static str },
    #[error("no member {0} is registered")]
    UnknownMember(String),
    #[error("this member is not linked to a person yet; their information cannot be shown")]
    NotLinked,
    #[error(
        "this person's link is under inspection (紐付け点検中); no information is shown until the insurer confirms it"
    )]
    LinkageUnderInspection,
    #[error(
        "the patient has not consented to this facility viewing {0}, or the consent expired or was revoked; ask the patient to check in with the card again"
    )]
    NoConsent(&'static str),
    #[error(
        "the card's certificate is in its post-expiry grace: eligibility only, no medical information (renew the certificate at the municipality)"
    )]
    CertificateInGrace,
    #[error("this facility is not designated for emergency viewing (救急時医療情報閲覧)")]
    NotEmergencyFacility,
    #[error(
        "the person has blocked this facility from viewing their information (閲覧拒否); only they can lift it, in the portal"
    )]
    BlockedByPerson,
    #[error("{field} is required: {rule}")]
    Invalid { field: &'static str, rule: &'static str },
    #[error("{0} is shown to the person only")]
    SelfOnly(&'static str),
    #[error("consent {0} is not one of yours")]
    UnknownConsent(i64),
    #[error(transparent)]
    Card(SignInError),
    #[error("the access log cannot be written, so nothing is shown: {0}")]
    LogUnavailable(StoreError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ReadError {
    pub fn code(&self) -> &'static str {
        match self {
            ReadError::UnknownStaff(_) => "unknown_staff",
            ReadError::NotQualified { .. } => "staff_not_qualified",
            ReadError::UnknownMember(_) => "unknown_member",
            ReadError::NotLinked => "member_not_linked",
            ReadError::LinkageUnderInspection => "linkage_under_inspection",
            ReadError::NoConsent(_) => "no_consent",
            ReadError::CertificateInGrace => "certificate_in_grace",
            ReadError::NotEmergencyFacility => "not_emergency_facility",
            ReadError::BlockedByPerson => "blocked_by_person",
            ReadError::Invalid { .. } => "invalid_request",
            ReadError::SelfOnly(_) => "self_only",
            ReadError::UnknownConsent(_) => "unknown_consent",
            ReadError::Card(e) => e.code(),
            ReadError::LogUnavailable(_) => "access_log_unavailable",
            ReadError::Store(_) => "unavailable",
        }
    }
}

/// Records read, with the basis they were read on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Records {
    pub person_id: PersonId,
    pub records: Vec<StoredRecord>,
    /// The consent id, the emergency reason, the crew's incident, `self`.
    pub basis: Basis,
    pub basis_ref: String,
}

/// What a crew sees (マイナ救急): who the patient is, where they were
/// treated, their history, medicines and checkups. Nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmergencySet {
    pub person_id: PersonId,
    pub name_kanji: String,
    pub name_kana: String,
    pub birth_date: Date,
    pub address: String,
    /// Facilities visited, from the records (code and name), newest first.
    pub facilities: Vec<(String, String)>,
    pub clinical: Vec<StoredRecord>,
    pub drugs: Vec<StoredRecord>,
    pub checkups: Vec<StoredRecord>,
}

/// A person's log with its verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedLog {
    pub log: PersonLog,
    /// `None` when the chain and the head's signature hold.
    pub problem: Option<String>,
}

/// The outcome of a whole-log verification.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    pub people: u64,
    pub entries: u64,
    /// Each person whose chain fails, with why.
    pub failures: Vec<(PersonId, String)>,
}

/// The service.
pub struct Medical {
    store: Arc<dyn Store>,
    jpki: Arc<Jpki>,
    key: Arc<AuditKey>,
}

impl std::fmt::Debug for Medical {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Medical").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

/// One access to log.
struct Logged<'a> {
    actor: ActorKind,
    actor_id: &'a str,
    staff_id: &'a str,
    member_id: Option<i64>,
    purpose: &'a str,
    basis: Basis,
    basis_ref: &'a str,
}

impl Medical {
    pub fn new(store: Arc<dyn Store>, jpki: Arc<Jpki>, key: Arc<AuditKey>) -> Medical {
        Medical { store, jpki, key }
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.key.public_key()
    }

    async fn log(
        &self,
        person: PersonId,
        at: DateTime<Utc>,
        who: &Logged<'_>,
        categories: &[&str],
    ) -> Result<(), ReadError> {
        let accesses = categories
            .iter()
            .map(|category| Access {
                person: person.0,
                at,
                actor_kind: who.actor.code().to_owned(),
                actor_id: who.actor_id.to_owned(),
                staff_id: who.staff_id.to_owned(),
                member_id: who.member_id,
                category: (*category).to_owned(),
                purpose: who.purpose.to_owned(),
                basis: who.basis.code().to_owned(),
                basis_ref: who.basis_ref.to_owned(),
            })
            .collect();
        let signer: onshi_store::medical::Signer = self.key.clone();
        self.store.append_accesses(accesses, signer).await.map_err(ReadError::LogUnavailable)?;
        Ok(())
    }

    async fn qualified_staff(&self, facility: &str, staff_id: &str, categories: &[Category]) -> Result<(), ReadError> {
        let staff = self
            .store
            .staff(facility, staff_id)
            .await?
            .filter(|s| s.revoked_at.is_none())
            .ok_or_else(|| ReadError::UnknownStaff(staff_id.to_owned()))?;
        for &category in categories {
            if !category.qualified(&staff.qualification) {
                return Err(ReadError::NotQualified {
                    qualification: staff.qualification.clone(),
                    category: category.kind().label_ja(),
                });
            }
        }
        Ok(())
    }

    /// Refuse a facility the person has blocked (閲覧拒否): before consent
    /// or emergency, so a block overrides both.
    async fn not_blocked(&self, person: PersonId, facility_code: &str) -> Result<(), ReadError> {
        if self.store.is_facility_blocked(person, facility_code).await? {
            return Err(ReadError::BlockedByPerson);
        }
        Ok(())
    }

    /// The person behind a member key, through a usable link: the member
    /// id and the person.
    async fn person_of_member(&self, key: &MemberKey) -> Result<(i64, PersonId), ReadError> {
        let member = self.store.member_by_key(key).await?.ok_or_else(|| ReadError::UnknownMember(key.to_string()))?;
        let person = member.person_id.ok_or(ReadError::NotLinked)?;
        if member.link_state.is_some_and(|s| !s.usable()) {
            return Err(ReadError::LinkageUnderInspection);
        }
        Ok((member.member_id.0, person))
    }

    /// The person holding a card, checked as at a face-recognition reader;
    /// a certificate in its grace gives nothing here.
    async fn person_of_card(&self, certificate: &[u8], now: DateTime<Utc>) -> Result<PersonId, ReadError> {
        let signed_in = self.jpki.face_verified(certificate, now).await.map_err(|e| match e {
            SignInError::Store(s) => ReadError::Store(s),
            other => ReadError::Card(other),
        })?;
        if matches!(signed_in.validity, CertValidity::WithinGrace { .. }) {
            return Err(ReadError::CertificateInGrace);
        }
        // Every coverage of the person's on a suspended link: nothing shown.
        let members = self.store.members_of_person(signed_in.person_id).await?;
        if !members.is_empty() && members.iter().all(|m| m.link_state == Some(LinkState::Suspended)) {
            return Err(ReadError::LinkageUnderInspection);
        }
        Ok(signed_in.person_id)
    }

    async fn records(
        &self,
        person: PersonId,
        category: Category,
        today: Date,
        range: (Option<Date>, Option<Date>),
    ) -> Result<Vec<StoredRecord>, ReadError> {
        let start = category.window_start(today);
        let from = range.0.map_or(start, |f| f.max(start));
        let mut records = self.store.medical_records_of_person(person, vec![category.code().to_owned()], from).await?;
        if let Some(to) = range.1 {
            records.retain(|r| r.on <= to);
        }
        Ok(records)
    }

    /// A facility's staff member reads one category of a patient's records
    /// under the patient's consent.
    pub async fn facility_read(
        &self,
        facility_code: &str,
        staff_id: &str,
        patient: &MemberKey,
        category: Category,
        now: DateTime<Utc>,
    ) -> Result<Records, ReadError> {
        let needed = category.consent_category().ok_or(ReadError::SelfOnly(category.code()))?;
        self.qualified_staff(facility_code, staff_id, &[category]).await?;
        let (member_id, person) = self.person_of_member(patient).await?;
        self.not_blocked(person, facility_code).await?;
        let consents = self.store.consents_in_force(person, facility_code, now).await?;
        let with_category: Vec<&StoredConsent> =
            consents.iter().filter(|c| c.consent.categories.iter().any(|k| k == needed)).collect();
        let consent = match with_category.iter().find(|c| c.in_force_for(needed, now)) {
            Some(consent) => *consent,
            None if with_category.iter().any(|c| c.consent.certificate_in_grace) => {
                return Err(ReadError::CertificateInGrace);
            }
            None => return Err(ReadError::NoConsent(needed)),
        };
        let today = onshi_domain::date::in_japan(now);
        let range = (consent.consent.data_from, consent.consent.data_to);
        let records = self.records(person, category, today, range).await?;
        let basis_ref = consent.consent_id.to_string();
        let who = Logged {
            actor: ActorKind::Facility,
            actor_id: facility_code,
            staff_id,
            member_id: Some(member_id),
            purpose: &consent.consent.purpose,
            basis: Basis::Consent,
            basis_ref: &basis_ref,
        };
        self.log(person, now, &who, &[category.code()]).await?;
        Ok(Records { person_id: person, records, basis: Basis::Consent, basis_ref })
    }

    /// 救急時医療情報閲覧: a designated facility's doctor opens a patient's
    /// drug, clinical and checkup records without consent, stating why.
    pub async fn emergency_read(
        &self,
        facility_code: &str,
        staff_id: &str,
        patient: &Patient,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Records, ReadError> {
        let reason = reason.trim();
        if reason.chars().count() < 2 || reason.chars().count() > 200 {
            return Err(ReadError::Invalid {
                field: "reason",
                rule: "state why the patient cannot consent (2 to 200 characters), e.g. 意識障害のため同意取得不可",
            });
        }
        if !self.store.is_emergency_facility(facility_code).await? {
            return Err(ReadError::NotEmergencyFacility);
        }
        let categories = [Category::Drug, Category::Clinical, Category::Checkup];
        let staff = self
            .store
            .staff(facility_code, staff_id)
            .await?
            .filter(|s| s.revoked_at.is_none())
            .ok_or_else(|| ReadError::UnknownStaff(staff_id.to_owned()))?;
        if !matches!(staff.qualification.as_str(), "doctor" | "dentist") {
            return Err(ReadError::NotQualified {
                qualification: staff.qualification, category: "救急時医療情報閲覧"
            });
        }
        let (member_id, person) = match patient {
            Patient::Member(key) => {
                let (member, person) = self.person_of_member(key).await?;
                (Some(member), person)
            }
            Patient::Card(certificate) => (None, self.person_of_card(certificate, now).await?),
        };
        self.not_blocked(person, facility_code).await?;
        let today = onshi_domain::date::in_japan(now);
        let mut records = Vec::new();
        for category in categories {
            records.extend(self.records(person, category, today, (None, None)).await?);
        }
        let who = Logged {
            actor: ActorKind::Facility,
            actor_id: facility_code,
            staff_id,
            member_id,
            purpose: "emergency",
            basis: Basis::Emergency,
            basis_ref: reason,
        };
        self.log(person, now, &who, &categories.map(Category::code)).await?;
        Ok(Records { person_id: person, records, basis: Basis::Emergency, basis_ref: reason.to_owned() })
    }

    /// マイナ救急: a crew reads the card at the scene (the crew confirms the
    /// face against the card; no PIN) and sees the emergency set.
    pub async fn crew_read(
        &self,
        crew_code: &str,
        crew_member: &str,
        certificate: &[u8],
        incident: &str,
        now: DateTime<Utc>,
    ) -> Result<EmergencySet, ReadError> {
        let incident = incident.trim();
        if incident.is_empty() || incident.chars().count() > 64 {
            return Err(ReadError::Invalid {
                field: "incident",
                rule: "the crew's incident (出動) reference, 1 to 64 characters",
            });
        }
        if crew_member.trim().is_empty() {
            return Err(ReadError::Invalid { field: "crew_member", rule: "the crew member who reads the card" });
        }
        let person = self.person_of_card(certificate, now).await?;
        let resident = self
            .store
            .resident_by_person(person)
            .await?
            .ok_or_else(|| ReadError::Store(StoreError::NotFound { what: format!("person {person}") }))?;
        let today = onshi_domain::date::in_japan(now);
        let drugs = self.records(person, Category::Drug, today, (None, None)).await?;
        let clinical = self.records(person, Category::Clinical, today, (None, None)).await?;
        let checkups = self.records(person, Category::Checkup, today, (None, None)).await?;
        let mut facilities: Vec<(String, String)> = Vec::new();
        let mut by_date: Vec<&StoredRecord> = drugs.iter().chain(&clinical).collect();
        by_date.sort_by_key(|r| std::cmp::Reverse(r.on));
        for record in by_date {
            if let Some(facility) = facility_of(&record.body)
                && !facilities.iter().any(|(code, _)| *code == facility.0)
            {
                facilities.push(facility);
            }
        }
        let who = Logged {
            actor: ActorKind::Crew,
            actor_id: crew_code,
            staff_id: crew_member.trim(),
            member_id: None,
            purpose: "emergency_transport",
            basis: Basis::Crew,
            basis_ref: incident,
        };
        self.log(person, now, &who, &["emergency_set"]).await?;
        let a = resident.resident.attributes;
        Ok(EmergencySet {
            person_id: person,
            name_kanji: a.name_kanji,
            name_kana: a.name_kana,
            birth_date: a.birth_date,
            address: a.address,
            facilities,
            clinical,
            drugs,
            checkups,
        })
    }

    /// The person reads their own records of one category.
    pub async fn self_read(
        &self,
        person: PersonId,
        category: Category,
        now: DateTime<Utc>,
    ) -> Result<Records, ReadError> {
        let today = onshi_domain::date::in_japan(now);
        let records = self.records(person, category, today, (None, None)).await?;
        let who = Logged {
            actor: ActorKind::Person,
            actor_id: &person.0.to_string(),
            staff_id: "",
            member_id: None,
            purpose: "self",
            basis: Basis::SelfAccess,
            basis_ref: "",
        };
        self.log(person, now, &who, &[category.code()]).await?;
        Ok(Records { person_id: person, records, basis: Basis::SelfAccess, basis_ref: String::new() })
    }

    /// The person's access log, checked: the chain and the head's signature.
    pub async fn own_log(&self, person: PersonId) -> Result<VerifiedLog, ReadError> {
        let log = self.store.access_log_of_person(person).await?;
        let problem = check_log(person, &log, &self.key.public_key());
        Ok(VerifiedLog { log, problem })
    }

    /// The person's consents, oldest first.
    pub async fn consents(&self, person: PersonId) -> Result<Vec<StoredConsent>, ReadError> {
        Ok(self.store.consents_of_person(person).await?)
    }

    /// The person revokes one of their consents.
    pub async fn revoke(
        &self,
        person: PersonId,
        consent_id: i64,
        now: DateTime<Utc>,
    ) -> Result<StoredConsent, ReadError> {
        match self.store.consent(consent_id).await? {
            Some(c) if c.consent.person_id == person => Ok(self.store.revoke_consent(consent_id, now, "self").await?),
            _ => Err(ReadError::UnknownConsent(consent_id)),
        }
    }

    /// Verify every person's chain and head signature, walking the log in
    /// pages; `progress` is told the entries checked so far. The future is
    /// `Send` (a server may run it in a request handler).
    pub async fn verify_all(&self, mut progress: impl FnMut(u64) + Send) -> Result<VerifyReport, StoreError> {
        verify_all(self.store.as_ref(), &self.key.public_key(), &mut progress).await
    }
}

/// The facility (code, name) a record body names.
fn facility_of(body: &str) -> Option<(String, String)> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let code = value.get("facility_code")?.as_str()?.to_owned();
    let name = value.get("facility_name").and_then(|n| n.as_str()).unwrap_or_default().to_owned();
    Some((code, name))
}

/// What is wrong with a person's log, if anything.
pub fn check_log(person: PersonId, log: &PersonLog, public_key: &[u8]) -> Option<String> {
    let head = log.head.as_ref().map(|h| (h.seq, h.hash));
    if let Err(e) = verify_chain(person.0, &log.entries, head) {
        return Some(e.to_string());
    }
    match &log.head {
        Some(h) if !head_signed_by(public_key, h) => Some("the head's signature does not verify".to_owned()),
        _ => None,
    }
}

/// The heads of a walk, paged in person order.
struct Heads<'a> {
    store: &'a dyn Store,
    buffer: std::collections::VecDeque<AccessHead>,
    after: Option<PersonId>,
    done: bool,
}

impl Heads<'_> {
    const PAGE: u32 = 5_000;

    async fn front(&mut self) -> Result<Option<&AccessHead>, StoreError> {
        if self.buffer.is_empty() && !self.done {
            let page = self.store.access_heads_page(self.after, Self::PAGE).await?;
            self.done = page.len() < Self::PAGE as usize;
            self.after = page.last().map(|h| h.person_id).or(self.after);
            self.buffer.extend(page);
        }
        Ok(self.buffer.front())
    }

    /// `person`'s head; heads of people before them have no entries at all
    /// (their entries were removed) and are reported.
    async fn take_for(
        &mut self,
        person: PersonId,
        report: &mut VerifyReport,
    ) -> Result<Option<AccessHead>, StoreError> {
        loop {
            match self.front().await?.map(|h| h.person_id) {
                Some(p) if p < person => {
                    let orphan = self.buffer.pop_front().expect("front");
                    report.orphan(&orphan);
                }
                Some(p) if p == person => return Ok(self.buffer.pop_front()),
                _ => return Ok(None),
            }
        }
    }
}

impl VerifyReport {
    fn orphan(&mut self, head: &AccessHead) {
        self.people += 1;
        let problem = ChainError::HeadMismatch { head_seq: head.seq, last_seq: 0 };
        self.failures.push((head.person_id, problem.to_string()));
    }
}

/// Walk every chain and head of `store` in person order, holding one page
/// at a time: each chain must verify, end at its head, and the head must be
/// signed by `public_key`; a head whose entries are all gone is reported too.
pub async fn verify_all(
    store: &dyn Store,
    public_key: &[u8],
    progress: &mut (dyn FnMut(u64) + Send),
) -> Result<VerifyReport, StoreError> {
    const PAGE: u32 = 5_000;
    let mut report = VerifyReport::default();
    let mut heads = Heads { store, buffer: Default::default(), after: None, done: false };
    // The person being walked, their walker, and the first problem found.
    let mut current: Option<(PersonId, ChainWalker, Option<String>)> = None;
    let mut after: Option<(PersonId, u64)> = None;
    loop {
        let page = store.access_log_page(after, PAGE).await?;
        for entry in &page {
            let person = PersonId(entry.access.person);
            if current.as_ref().is_some_and(|(p, _, _)| *p != person)
                && let Some((p, walker, problem)) = current.take()
            {
                finish(&mut heads, &mut report, public_key, p, walker, problem).await?;
            }
            let (_, walker, problem) = current.get_or_insert_with(|| (person, ChainWalker::default(), None));
            if problem.is_none()
                && let Err(e) = walker.feed(entry)
            {
                *problem = Some(e.to_string());
            }
            report.entries += 1;
            after = Some((person, entry.seq));
        }
        progress(report.entries);
        if page.len() < PAGE as usize {
            break;
        }
    }
    if let Some((p, walker, problem)) = current.take() {
        finish(&mut heads, &mut report, public_key, p, walker, problem).await?;
    }
    while heads.front().await?.is_some() {
        let orphan = heads.buffer.pop_front().expect("front");
        report.orphan(&orphan);
    }
    Ok(report)
}

async fn finish(
    heads: &mut Heads<'_>,
    report: &mut VerifyReport,
    public_key: &[u8],
    person: PersonId,
    mut walker: ChainWalker,
    problem: Option<String>,
) -> Result<(), StoreError> {
    let head = heads.take_for(person, report).await?;
    let problem = problem
        .or_else(|| walker.finish(head.as_ref().map(|h| (h.seq, h.hash))).err().map(|e| e.to_string()))
        .or_else(|| {
            head.as_ref()
                .filter(|h| !head_signed_by(public_key, h))
                .map(|_| "the head's signature does not verify".to_owned())
        });
    report.people += 1;
    if let Some(problem) = problem {
        report.failures.push((person, problem));
    }
    Ok(())
}
