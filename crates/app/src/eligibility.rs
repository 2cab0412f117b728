//! Online eligibility verification (オンライン資格確認) for facilities: the
//! card check (the reader's signed challenge, the visit date and the
//! patient's consent choices) and the insured-number check (保険者番号, 記号,
//! 番号, 枝番 and 生年月日), each answered with the coverages a clinic bills
//! from and a verdict in the real system's vocabulary
//! ([`onshi_domain::eligibility::Validity`]), and each logged for the usage
//! report.
//!
//! Outcomes that are not a verdict have their own code ([`CheckError::code`]):
//! every refusal of the card (`certificate_suspended`, `certificate_revoked`,
//! `certificate_expired`, `challenge_used`, …, as the JPKI sign-in names
//! them), `linkage_under_inspection` (the person's only coverages of the day
//! hang on links suspended by the total inspection), `visit_date_in_future`,
//! `birth_date_in_future`, `visit_before_birth`.
//!
//! A user-authentication certificate expired for less than 3 months still
//! gives eligibility, with `medical_information_allowed` false (DESIGN.md).
//! A consent lets the facility view for [`CONSENT_HOURS`] hours.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};
use onshi_domain::Date;
use onshi_domain::eligibility::{self, Validity};
use onshi_domain::facility::Facility;
use onshi_domain::id::{Branch, InsuredNumber, InsurerNumber, Symbol};
use onshi_domain::insurance::Member;
use onshi_pki::Validity as CertValidity;
use onshi_store::eligibility::{Consent, EligibilityLogEntry, OfflineVisit, OfflineVisitRecord};
use onshi_store::{LinkState, PersonId, Store, StoreError, StoredMember};

use crate::group_commit::{Commit, GroupCommit};
use crate::jpki::{Jpki, SignInError, SignedIn};

/// How long a consent given at the reader lets the facility view.
pub const CONSENT_HOURS: i64 = 24;

/// How the patient identified themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Card,
    Smartphone,
    InsuredNumber,
}

impl Method {
    pub fn code(self) -> &'static str {
        match self {
            Method::Card => "card",
            Method::Smartphone => "smartphone",
            Method::InsuredNumber => "insured_number",
        }
    }
}

/// The patient's choices at the reader.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ConsentChoice {
    /// 診療・薬剤情報
    pub clinical_drug: bool,
    /// 特定健診等情報
    pub checkup: bool,
}

impl ConsentChoice {
    pub fn categories(self) -> Vec<String> {
        let mut out = Vec::new();
        if self.clinical_drug {
            out.push("clinical_drug".to_owned());
        }
        if self.checkup {
            out.push("checkup".to_owned());
        }
        out
    }
}

/// A card check: what the reader sends.
#[derive(Debug, Clone)]
pub struct CardQuery {
    /// The user-authentication certificate, DER.
    pub certificate: Vec<u8>,
    /// How the reader knows the holder is present.
    pub holder: HolderProof,
    /// `Card` or `Smartphone` (a certificate on a phone, same protocol).
    pub media: Method,
    /// The visit date (today when `None`; a past visit may be asked).
    pub visit_date: Option<Date>,
    pub consent: ConsentChoice,
    /// Inpatient or home-visit care (入院・在宅): the consent lasts until
    /// then, unless the patient withdraws it, instead of [`CONSENT_HOURS`].
    /// It must be in the future and at most [`CARE_CONSENT_DAYS`] days ahead.
    pub care_until: Option<DateTime<Utc>>,
}

/// A consent as the patient gave it at the reader, before it is recorded.
#[derive(Debug, Clone, Copy)]
struct Given {
    choice: ConsentChoice,
    at: DateTime<Utc>,
    /// For continuing care; otherwise [`CONSENT_HOURS`] after `at`.
    until: Option<DateTime<Utc>>,
    method: Method,
}

/// The longest consent for continuing care a check may record.
pub const CARE_CONSENT_DAYS: i64 = 366;

/// How a reader verified the card's holder.
#[derive(Debug, Clone)]
pub enum HolderProof {
    /// 暗証番号: the card signed the platform's one-time challenge after its PIN.
    Signature { challenge_id: String, signature: Vec<u8> },
    /// 顔認証: the facility's reader matched the holder's face with the
    /// card's photo; the facility, signed in with its client credentials,
    /// vouches for its reader as the real system trusts a registered terminal.
    Face,
}

/// An insured-number check.
#[derive(Debug, Clone)]
pub struct NumberQuery {
    pub insurer_number: InsurerNumber,
    pub symbol: Symbol,
    pub number: InsuredNumber,
    /// `None` when the 枝番 is not known (then twins give 複数該当).
    pub branch: Option<Branch>,
    pub birth_date: Date,
    pub visit_date: Option<Date>,
}

/// A visit a reader accepted while the platform could not be reached
/// (failure mode, 障害時), sent when the platform answers again.
#[derive(Debug, Clone)]
pub struct OfflineVisitQuery {
    /// The reader's id of the visit (unique within the facility; a resent
    /// visit carries the same id).
    pub visit_id: String,
    /// When the patient was at the reader.
    pub visited_at: DateTime<Utc>,
    /// The user-authentication certificate, DER.
    pub certificate: Vec<u8>,
    /// The card's signature over [`offline_visit_message`] (PIN), or `None`
    /// after 顔認証 (the facility vouches for its reader).
    pub signature: Option<Vec<u8>>,
    pub consent: ConsentChoice,
}

/// How long a reader's clock may run ahead of the platform's.
pub const OFFLINE_CLOCK_SKEW_MINUTES: i64 = 5;

/// The bytes a card signs for a visit in failure mode: the facility, the
/// visit id, the visit time (RFC 3339, UTC, seconds) and the consent
/// choices, so that none of them can be changed or the signature moved to
/// another visit or facility. With no platform to give a challenge, the
/// reader makes this nonce itself; the visit id makes it unique and the
/// platform's unique key on (facility, visit id) makes it single-use.
pub fn offline_visit_message(
    facility_code: &str,
    visit_id: &str,
    visited_at: DateTime<Utc>,
    consent: ConsentChoice,
) -> Vec<u8> {
    format!(
        "onshi-offline-visit/1\nfacility={facility_code}\nvisit={visit_id}\nat={}\nclinical_drug={}\ncheckup={}\n",
        visited_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        u8::from(consent.clinical_drug),
        u8::from(consent.checkup),
    )
    .into_bytes()
}

/// What the platform answered to an offline visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconciled {
    /// The visit as stored: its result, status and answer.
    pub visit: OfflineVisit,
    /// True when the facility had sent this visit before: the stored
    /// answer, and nothing written again.
    pub replayed: bool,
}

/// One coverage in an answer: what a clinic bills from. The member record
/// carries, when the insurer registered them, the 限度額適用認定証 (証区分,
/// 適用区分 and validity), the 高齢受給者証 and, for a lost coverage, the
/// 資格喪失事由; the answer gives them as they are, with their dates.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coverage {
    pub member: Member,
    pub insurer_name: String,
}

/// The answer to a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub validity: Validity,
    pub as_of: Date,
    /// The coverages the verdict is about: every coverage of the day for a
    /// card check; the one record found for an insured-number check.
    pub coverages: Vec<Coverage>,
    /// Card checks: the certificate's state (`WithinGrace`: expired less
    /// than 3 months ago).
    pub certificate: Option<CertValidity>,
    /// Whether medical information may be shown under the consent given
    /// (never for an insured-number check, nor within the grace period).
    pub medical_information_allowed: bool,
    /// The consent recorded with a card check.
    pub consent: Option<Consent>,
    /// Card checks: whether the card is registered as insurance card
    /// (利用登録); a reader offers registration on the spot when it is not.
    pub card_registered: Option<bool>,
}

/// A check that ends without a verdict.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error(transparent)]
    Card(SignInError),
    #[error(
        "this person's coverages are under inspection (紐付け点検中); ask for the 資格確認書 or the insured number"
    )]
    LinkageUnderInspection,
    #[error("visit date {0} is in the future")]
    VisitInFuture(Date),
    #[error("生年月日 {0} is in the future")]
    BirthInFuture(Date),
    #[error("visit date {visit} is before 生年月日 {birth}")]
    VisitBeforeBirth { visit: Date, birth: Date },
    #[error(
        "care_until {0}: a consent for continuing care must end in the future, at most {CARE_CONSENT_DAYS} days ahead"
    )]
    CareUntil(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl CheckError {
    /// The stable result code.
    pub fn code(&self) -> &'static str {
        match self {
            CheckError::Card(e) => e.code(),
            CheckError::LinkageUnderInspection => "linkage_under_inspection",
            CheckError::VisitInFuture(_) => "visit_date_in_future",
            CheckError::BirthInFuture(_) => "birth_date_in_future",
            CheckError::VisitBeforeBirth { .. } => "visit_before_birth",
            CheckError::CareUntil(_) => "invalid_consent_expiry",
            CheckError::Store(_) => "unavailable",
        }
    }
}

/// The eligibility service.
pub struct Eligibility {
    store: Arc<dyn Store>,
    jpki: Arc<Jpki>,
    /// Insurers' names by number, read again after [`INSURER_NAMES_TTL`]
    /// or when a number is missing (a new insurer).
    insurer_names: std::sync::Mutex<Option<(std::time::Instant, InsurerNames)>>,
    /// The checks' consents and log entries, committed in groups.
    writer: GroupCommit<(Option<Consent>, EligibilityLogEntry), ()>,
}

/// Insurer number → name.
type InsurerNames = Arc<HashMap<String, String>>;

/// How long the insurers' names are kept in memory.
const INSURER_NAMES_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl std::fmt::Debug for Eligibility {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Eligibility").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

impl Eligibility {
    pub fn new(store: Arc<dyn Store>, jpki: Arc<Jpki>) -> Eligibility {
        let writer_store = store.clone();
        let writer =
            GroupCommit::new("recording the checks", move |checks: Vec<(Option<Consent>, EligibilityLogEntry)>| {
                let store = writer_store.clone();
                Box::pin(async move {
                    let count = checks.len();
                    let (consents, entries): (Vec<Option<Consent>>, Vec<EligibilityLogEntry>) =
                        checks.into_iter().unzip();
                    store.record_checks(consents.into_iter().flatten().collect(), entries).await?;
                    Ok(vec![(); count])
                }) as Commit<()>
            });
        Eligibility { writer, store, jpki, insurer_names: std::sync::Mutex::new(None) }
    }

    fn as_of(visit: Option<Date>, now: DateTime<Utc>) -> Result<Date, CheckError> {
        let today = onshi_domain::date::in_japan(now);
        match visit {
            Some(date) if date > today => Err(CheckError::VisitInFuture(date)),
            Some(date) => Ok(date),
            None => Ok(today),
        }
    }

    /// The insurers' names by number, from memory while fresh.
    async fn insurer_names(&self, refresh: bool) -> Result<InsurerNames, StoreError> {
        if !refresh {
            let cached = self.insurer_names.lock().unwrap_or_else(|p| p.into_inner());
            if let Some((at, names)) = cached.as_ref()
                && at.elapsed() < INSURER_NAMES_TTL
            {
                return Ok(names.clone());
            }
        }
        let names: HashMap<String, String> =
            self.store.insurers().await?.into_iter().map(|i| (i.insurer_number.as_str().to_owned(), i.name)).collect();
        let names = Arc::new(names);
        *self.insurer_names.lock().unwrap_or_else(|p| p.into_inner()) =
            Some((std::time::Instant::now(), names.clone()));
        Ok(names)
    }

    async fn coverages(&self, members: impl IntoIterator<Item = Member>) -> Result<Vec<Coverage>, StoreError> {
        let members: Vec<Member> = members.into_iter().collect();
        let mut names = self.insurer_names(false).await?;
        if members.iter().any(|m| !names.contains_key(m.key.insurer_number.as_str())) {
            names = self.insurer_names(true).await?;
        }
        Ok(members
            .into_iter()
            .map(|member| {
                let insurer_name = names.get(member.key.insurer_number.as_str()).cloned().unwrap_or_default();
                Coverage { member, insurer_name }
            })
            .collect())
    }

    /// Record the check: its log entry and the consent given (if any), in
    /// a group commit with other checks.
    async fn log(
        &self,
        facility: &Facility,
        method: Method,
        now: DateTime<Utc>,
        outcome: &Result<Answer, CheckError>,
        person_id: Option<PersonId>,
        consent: &[String],
    ) -> Result<(), StoreError> {
        let (result, insurer, given) = match outcome {
            Ok(answer) => (
                answer.validity.name().to_owned(),
                answer.coverages.first().map(|c| c.member.key.insurer_number.as_str().to_owned()),
                answer.consent.clone(),
            ),
            Err(e) => (e.code().to_owned(), None, None),
        };
        let entry = EligibilityLogEntry {
            at: now,
            facility_code: facility.code.as_str().to_owned(),
            facility_kind: facility.kind.code().to_owned(),
            method: method.code().to_owned(),
            result,
            person_id,
            insurer_number: insurer,
            consent_categories: consent.to_vec(),
        };
        self.writer.write((given, entry)).await
    }

    /// A card (or smartphone) check at `facility`: verify the card's answer
    /// to the challenge, find the person's coverages on the visit date,
    /// record the consent, log the query.
    pub async fn check_card(
        &self,
        facility: &Facility,
        query: CardQuery,
        now: DateTime<Utc>,
    ) -> Result<Answer, CheckError> {
        let method = if query.media == Method::Smartphone { Method::Smartphone } else { Method::Card };
        let mut person = None;
        let categories = query.consent.categories();
        let outcome = self.card_answer(facility, &query, method, now, &mut person).await;
        let logged = if outcome.as_ref().is_ok_and(|a| a.consent.is_some()) { categories } else { Vec::new() };
        self.log(facility, method, now, &outcome, person, &logged).await?;
        outcome
    }

    async fn card_answer(
        &self,
        facility: &Facility,
        query: &CardQuery,
        method: Method,
        now: DateTime<Utc>,
        person: &mut Option<PersonId>,
    ) -> Result<Answer, CheckError> {
        let as_of = Self::as_of(query.visit_date, now)?;
        if let Some(until) = query.care_until
            && (until <= now || until > now + TimeDelta::days(CARE_CONSENT_DAYS))
        {
            return Err(CheckError::CareUntil(until.to_rfc3339()));
        }
        let signed_in = match &query.holder {
            HolderProof::Signature { challenge_id, signature } => {
                self.jpki.sign_in(challenge_id, &query.certificate, signature, now).await
            }
            HolderProof::Face => self.jpki.face_verified(&query.certificate, now).await,
        }
        .map_err(|e| match e {
            SignInError::Store(s) => CheckError::Store(s),
            other => CheckError::Card(other),
        })?;
        *person = Some(signed_in.person_id);
        let given = Given { choice: query.consent, at: now, until: query.care_until, method };
        // The consent is recorded with the check's log entry (`log`).
        self.answer_without_consent_record(facility, &signed_in, as_of, given).await
    }

    /// The coverages of a signed-in card's holder on `as_of`, with the
    /// consent `given` (not yet recorded: the caller records it).
    async fn answer_without_consent_record(
        &self,
        facility: &Facility,
        signed_in: &SignedIn,
        as_of: Date,
        given: Given,
    ) -> Result<Answer, CheckError> {
        let Given { choice, at: given_at, until: care_until, method } = given;
        let stored = self.store.members_of_person(signed_in.person_id).await?;
        let (usable, held): (Vec<StoredMember>, Vec<StoredMember>) =
            stored.into_iter().partition(|m| m.link_state.is_none_or(LinkState::usable));
        let members: Vec<Member> = usable.into_iter().map(|m| m.member).collect();
        let (validity, eligible) = eligibility::judge_by_person(&members, as_of);
        if eligible.is_empty() && held.iter().any(|m| m.member.is_eligible_on(as_of)) {
            return Err(CheckError::LinkageUnderInspection);
        }
        let coverages = self.coverages(eligible.iter().map(|&i| members[i].clone())).await?;
        let within_grace = matches!(signed_in.validity, CertValidity::WithinGrace { .. });
        let consent = Consent {
            person_id: signed_in.person_id,
            facility_code: facility.code.as_str().to_owned(),
            categories: choice.categories(),
            given_at,
            expires_at: care_until.unwrap_or(given_at + TimeDelta::hours(CONSENT_HOURS)),
            media: if method == Method::Smartphone { "smartphone" } else { "card" }.to_owned(),
            purpose: "treatment".to_owned(),
            data_from: None,
            data_to: None,
            certificate_in_grace: within_grace,
        };
        let registered = self.store.registration(signed_in.person_id).await?.is_some_and(|r| r.registered);
        Ok(Answer {
            validity,
            as_of,
            medical_information_allowed: validity == Validity::Valid && !within_grace && !consent.categories.is_empty(),
            coverages,
            certificate: Some(signed_in.validity),
            consent: Some(consent),
            card_registered: Some(registered),
        })
    }

    /// Reconcile a visit a reader accepted in failure mode: judged as it
    /// stood at the visit (the card's signature over the bound nonce, the
    /// certificate's validity and status at `visited_at`, the coverages of
    /// that day in Japan), the consent recorded with the visit time, the
    /// check logged at the visit time as a card check. `encode` gives the
    /// answer as sent (HTTP status and body); the visit, its consent and its
    /// log entry are written in one transaction, once per (facility, visit
    /// id): a visit sent again gets the stored answer and writes nothing.
    /// Store failures are errors, recorded nowhere, so the reader retries.
    pub async fn reconcile_offline(
        &self,
        facility: &Facility,
        query: OfflineVisitQuery,
        now: DateTime<Utc>,
        encode: impl FnOnce(&Result<Answer, CheckError>) -> (u16, String),
    ) -> Result<Reconciled, CheckError> {
        let code = facility.code.as_str();
        if let Some(visit) = self.store.offline_visit(code, &query.visit_id).await? {
            return Ok(Reconciled { visit, replayed: true });
        }
        if query.visited_at > now + TimeDelta::minutes(OFFLINE_CLOCK_SKEW_MINUTES) {
            return Err(CheckError::VisitInFuture(onshi_domain::date::in_japan(query.visited_at)));
        }
        let as_of = onshi_domain::date::in_japan(query.visited_at);
        let message = offline_visit_message(code, &query.visit_id, query.visited_at, query.consent);
        let signed_in = self
            .jpki
            .offline_visit(&query.certificate, &message, query.signature.as_deref(), query.visited_at)
            .await
            .map_err(|e| match e {
                SignInError::Store(s) => CheckError::Store(s),
                other => CheckError::Card(other),
            });
        let person_id = signed_in.as_ref().ok().map(|s| s.person_id);
        let outcome = match signed_in {
            Ok(signed_in) => {
                let given = Given { choice: query.consent, at: query.visited_at, until: None, method: Method::Card };
                self.answer_without_consent_record(facility, &signed_in, as_of, given).await
            }
            Err(e) => Err(e),
        };
        if let Err(CheckError::Store(e)) = outcome {
            return Err(CheckError::Store(e));
        }
        let (result, insurer) = match &outcome {
            Ok(answer) => (
                answer.validity.name().to_owned(),
                answer.coverages.first().map(|c| c.member.key.insurer_number.as_str().to_owned()),
            ),
            Err(e) => (e.code().to_owned(), None),
        };
        let consent = outcome.as_ref().ok().and_then(|a| a.consent.clone());
        let log = EligibilityLogEntry {
            at: query.visited_at,
            facility_code: code.to_owned(),
            facility_kind: facility.kind.code().to_owned(),
            method: Method::Card.code().to_owned(),
            result: result.clone(),
            person_id,
            insurer_number: insurer,
            consent_categories: consent.as_ref().map(|c| c.categories.clone()).unwrap_or_default(),
        };
        let (status, answer) = encode(&outcome);
        let visit = OfflineVisit {
            facility_code: code.to_owned(),
            visit_id: query.visit_id,
            visited_at: query.visited_at,
            received_at: now,
            person_id,
            result,
            status,
            answer,
        };
        match self.store.record_offline_visit(visit.clone(), consent, log).await? {
            OfflineVisitRecord::Recorded => Ok(Reconciled { visit, replayed: false }),
            OfflineVisitRecord::Replayed(stored) => Ok(Reconciled { visit: stored, replayed: true }),
        }
    }

    /// An insured-number check at `facility` (eligibility only).
    pub async fn check_number(
        &self,
        facility: &Facility,
        query: NumberQuery,
        now: DateTime<Utc>,
    ) -> Result<Answer, CheckError> {
        let mut person = None;
        let outcome = self.number_answer(&query, now, &mut person).await;
        self.log(facility, Method::InsuredNumber, now, &outcome, person, &[]).await?;
        outcome
    }

    async fn number_answer(
        &self,
        query: &NumberQuery,
        now: DateTime<Utc>,
        person: &mut Option<PersonId>,
    ) -> Result<Answer, CheckError> {
        let today = onshi_domain::date::in_japan(now);
        if query.birth_date > today {
            return Err(CheckError::BirthInFuture(query.birth_date));
        }
        let as_of = Self::as_of(query.visit_date, now)?;
        if as_of < query.birth_date {
            return Err(CheckError::VisitBeforeBirth { visit: as_of, birth: query.birth_date });
        }
        let stored =
            self.store.members_by_number(&query.insurer_number, &query.symbol, &query.number, query.branch).await?;
        let records: Vec<Member> = stored.iter().map(|m| m.member.clone()).collect();
        // 無効（新しい資格あり）: the same person holds another coverage that day.
        let mut newer = Vec::with_capacity(stored.len());
        for m in &stored {
            let found = match m.person_id {
                Some(person_id) if m.link_state.is_none_or(LinkState::usable) => self
                    .store
                    .members_of_person(person_id)
                    .await?
                    .iter()
                    .any(|other| other.member_id != m.member_id && other.member.is_eligible_on(as_of)),
                _ => false,
            };
            newer.push(found);
        }
        let verdict = eligibility::judge_by_key(&records, query.birth_date, as_of, |i| newer[i]);
        *person = verdict.record.and_then(|i| stored[i].person_id);
        let coverages = self.coverages(verdict.record.map(|i| records[i].clone())).await?;
        Ok(Answer {
            validity: verdict.validity,
            as_of,
            coverages,
            certificate: None,
            medical_information_allowed: false,
            consent: None,
            card_registered: None,
        })
    }
}
