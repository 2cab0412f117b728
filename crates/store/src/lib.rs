//! Storage for onshi: the [`Store`] trait and its two implementations,
//! SQLite (embedded, one file, WAL; the default) and PostgreSQL (production).
//!
//! Architecture invariant: dialect differences never leave `src/sqlite` and
//! `src/postgres`. Everything above this crate sees only the trait, and only
//! the binary (and tests) choose a backend, through [`open`].
//!
//! Writes of imported records go through batch upserts keyed by the record's
//! natural key. Each batch is one transaction: after a crash, every row holds
//! either its old or its new state, never a mix.

use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_domain::Date;
use onshi_domain::facility::Facility;
use onshi_domain::id::{InsurerKind, InsurerNumber, MyNumber};
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::registry::{Resident, ResidentCode};

mod decode;
pub mod eligibility;
pub mod inspection;
pub mod jpki;
pub mod medical;
pub mod members;
mod migrate;
pub mod oidc;
pub mod portal;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use migrate::{Migration, MigrationReport};
#[cfg(feature = "postgres")]
pub use postgres::PostgresStore;
#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

/// The surrogate key of a person (a resident of the registry). Person-keyed
/// tables carry it; a distributed PostgreSQL shards them on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId(pub i64);

/// The surrogate key of a member record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(pub i64);

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Which backend a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// Errors of the storage layer. Driver errors stay a `source`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {what}")]
    NotFound { what: String },
    #[error("conflict: {what}")]
    Conflict { what: String },
    #[error("the database is unavailable: {context}")]
    Unavailable {
        context: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the database URL {url:?} is not usable: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("stored data is corrupt: {what}")]
    Corrupt { what: String },
    #[error("migration {name} failed: {reason}")]
    Migration { name: String, reason: String },
    /// A member record that breaks a rule of the domain (field, value, rule).
    #[error("{0}")]
    Rule(#[from] onshi_domain::insurance::MemberRuleError),
}

impl StoreError {
    pub(crate) fn unavailable(
        context: impl Into<String>,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        StoreError::Unavailable { context: context.into(), source: Box::new(source) }
    }
}

/// What one batch upsert did. `rejected` holds the index (in the batch) and
/// reason of each row the database refused; the other rows were written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchOutcome {
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: Vec<(usize, RowConflict)>,
    /// Members newly linked to a resident by My Number in this batch (for a
    /// registry batch: waiting members whose number these residents carry).
    pub linked: u64,
    /// Of the links this batch wrote, those judged a different person and
    /// held: the member is stored, its link suspended (see [`inspection`]).
    pub suspended: u64,
}

impl BatchOutcome {
    pub fn absorb(&mut self, other: BatchOutcome, offset: usize) {
        self.inserted += other.inserted;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.linked += other.linked;
        self.suspended += other.suspended;
        self.rejected.extend(other.rejected.into_iter().map(|(idx, why)| (idx + offset, why)));
    }
}

/// Why the database refused a row that was valid on its own.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RowConflict {
    #[error("個人番号 {my_number} is already registered to 住民票コード {holder}")]
    MyNumberTaken { my_number: String, holder: String },
    #[error("no member {key} is registered: register the member (資格取得) before sending their records")]
    UnknownMember { key: String },
}

/// A resident with their storage key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResident {
    pub person_id: PersonId,
    pub resident: Resident,
}

/// How a member record is linked to a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkMethod {
    /// Through the registry by the My Number given on the 資格取得届.
    MyNumber,
    /// Set by an insurer correcting a suspended link (`onshi linkage correct`).
    Insurer,
}

/// The state of a member's link to a person (紐付けの状態), kept by the
/// linkage checks of issue 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LinkState {
    /// Checked on every new or changed link and usable.
    Active,
    /// Judged a different person (`mismatch`): held, unusable until an insurer
    /// confirms or corrects it. Eligibility answers "linkage under inspection".
    Suspended,
    /// Confirmed or corrected by an insurer; imports keep it as it is.
    Confirmed,
}

impl LinkState {
    pub fn code(self) -> &'static str {
        match self {
            LinkState::Active => "active",
            LinkState::Suspended => "suspended",
            LinkState::Confirmed => "confirmed",
        }
    }

    pub fn from_code(code: &str) -> Option<LinkState> {
        match code {
            "active" => Some(LinkState::Active),
            "suspended" => Some(LinkState::Suspended),
            "confirmed" => Some(LinkState::Confirmed),
            _ => None,
        }
    }

    /// Whether data may be reached through the link.
    pub fn usable(self) -> bool {
        !matches!(self, LinkState::Suspended)
    }
}

/// A member with its storage key and linkage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMember {
    pub member_id: MemberId,
    pub member: Member,
    pub person_id: Option<PersonId>,
    pub link_method: Option<LinkMethod>,
    /// `None` exactly when `person_id` is.
    pub link_state: Option<LinkState>,
    /// When the platform received the registration (資格取得) of the
    /// member; `None` for records written before it was kept.
    pub registered_at: Option<DateTime<Utc>>,
}

/// An insurer as registered with the platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insurer {
    pub insurer_number: InsurerNumber,
    pub kind: InsurerKind,
    /// Empty until the insurer registers its name.
    pub name: String,
}

/// Row counts, for the landing page, `/readyz` and metrics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub residents: u64,
    pub insurers: u64,
    pub members: u64,
    pub members_linked: u64,
    pub members_eligible_today: u64,
    pub facilities: u64,
}

/// The storage interface. One implementation per backend; the same contract
/// suite (`tests/it`) runs against both.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;

    /// Cheap round trip to the database.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Apply pending forward-only migrations. Safe to call on every start.
    async fn migrate(&self) -> Result<MigrationReport, StoreError>;

    /// Upsert residents by 住民票コード; then link waiting members whose My
    /// Number these residents carry. A row whose My Number belongs to another
    /// resident is rejected, the rest are written.
    async fn upsert_residents(&self, residents: Vec<Resident>) -> Result<BatchOutcome, StoreError>;

    /// Upsert members by (保険者番号, 記号, 番号, 枝番), registering unknown
    /// insurers, and link each member with a My Number to the resident who
    /// carries it.
    async fn upsert_members(&self, members: Vec<Member>) -> Result<BatchOutcome, StoreError>;

    /// Upsert insurers' names by 保険者番号 (the kind follows from the
    /// number). An insurer first seen in a members file has an empty name
    /// until this sets it.
    async fn upsert_insurers(&self, insurers: Vec<Insurer>) -> Result<BatchOutcome, StoreError>;

    /// Upsert facilities by 医療機関コード.
    async fn upsert_facilities(&self, facilities: Vec<Facility>) -> Result<BatchOutcome, StoreError>;

    async fn resident_by_code(&self, code: &ResidentCode) -> Result<Option<StoredResident>, StoreError>;

    async fn resident_by_person(&self, person_id: PersonId) -> Result<Option<StoredResident>, StoreError>;

    async fn resident_by_my_number(&self, my_number: &MyNumber) -> Result<Option<StoredResident>, StoreError>;

    async fn member_by_key(&self, key: &MemberKey) -> Result<Option<StoredMember>, StoreError>;

    /// Members linked to a person, oldest coverage first.
    async fn members_of_person(&self, person_id: PersonId) -> Result<Vec<StoredMember>, StoreError>;

    async fn insurers(&self) -> Result<Vec<Insurer>, StoreError>;

    async fn facility(&self, code: &onshi_domain::id::FacilityCode) -> Result<Option<Facility>, StoreError>;

    async fn counts(&self, today: Date) -> Result<Counts, StoreError>;

    // ---- JPKI: cards, certificates, status, challenges (see [`jpki`]) ----

    /// Record an issued card and its certificates (all good). `Conflict` if
    /// the serial or a certificate serial exists, `NotFound` if the person
    /// does not.
    async fn insert_card(&self, card: jpki::NewCard) -> Result<jpki::StoredCard, StoreError>;

    async fn card(&self, card_serial: &str) -> Result<Option<jpki::StoredCard>, StoreError>;

    /// A person's cards, newest first.
    async fn cards_of_person(&self, person_id: PersonId) -> Result<Vec<jpki::StoredCard>, StoreError>;

    /// Apply a municipality's change at `at` under the rules of [`jpki`]:
    /// `NotFound` for an unknown card, `Conflict` (saying what to do) for a
    /// change the card's state does not allow.
    async fn change_card(
        &self,
        card_serial: &str,
        change: jpki::CardChange,
        at: DateTime<Utc>,
    ) -> Result<jpki::StoredCard, StoreError>;

    /// The certificates on a card, current ones first.
    async fn certificates_of_card(&self, card_serial: &str) -> Result<Vec<jpki::StoredCertificate>, StoreError>;

    async fn certificate(&self, serial: &[u8]) -> Result<Option<jpki::StoredCertificate>, StoreError>;

    /// A card's history, oldest first.
    async fn card_events(&self, card_serial: &str) -> Result<Vec<jpki::CardEvent>, StoreError>;

    /// The number of the latest status change of a CA's certificates (0 if none).
    async fn status_number(&self, kind: jpki::CertKind) -> Result<u64, StoreError>;

    /// What the CA's CRL lists, read consistently with its number.
    async fn status_list(&self, kind: jpki::CertKind) -> Result<jpki::StatusList, StoreError>;

    /// Record a new challenge; also forgets challenges expired for a day.
    async fn insert_challenge(&self, challenge: jpki::Challenge) -> Result<(), StoreError>;

    /// Take a challenge at `at`: marks it used if it was unused and unexpired.
    async fn take_challenge(&self, id: &str, at: DateTime<Utc>) -> Result<jpki::ChallengeTake, StoreError>;

    /// Use up challenges the store never held (stateless challenges, whose
    /// id the service authenticates itself), each at its time, in one
    /// transaction: each is recorded as used until its expiry; the answer,
    /// in order, is `None` for a challenge used now and `Some(used_at)` for
    /// one used before (also the second of the same id in one call).
    /// Forgets challenges expired for a day.
    async fn use_challenges(
        &self,
        uses: Vec<(jpki::Challenge, DateTime<Utc>)>,
    ) -> Result<Vec<Option<DateTime<Utc>>>, StoreError>;

    // ---- Online eligibility (issue 4; see [`eligibility`]) ----

    /// Members with this 保険者番号, 記号 and 番号; with `branch`, only that
    /// 枝番; in 枝番 order.
    async fn members_by_number(
        &self,
        insurer_number: &onshi_domain::id::InsurerNumber,
        symbol: &onshi_domain::id::Symbol,
        number: &onshi_domain::id::InsuredNumber,
        branch: Option<onshi_domain::id::Branch>,
    ) -> Result<Vec<StoredMember>, StoreError>;

    /// Record a facility's API client; `NotFound` if the facility is not registered.
    async fn insert_facility_client(&self, client: eligibility::FacilityClient) -> Result<(), StoreError>;

    async fn facility_client(&self, client_id: &str) -> Result<Option<eligibility::FacilityClient>, StoreError>;

    /// Record a consent; returns its id.
    async fn record_consent(&self, consent: eligibility::Consent) -> Result<i64, StoreError>;

    /// A person's consents, oldest first.
    async fn consents_of_person(&self, person_id: PersonId) -> Result<Vec<medical::StoredConsent>, StoreError>;

    /// Append entries to the eligibility log, in one transaction.
    async fn log_eligibility(&self, entries: Vec<eligibility::EligibilityLogEntry>) -> Result<(), StoreError>;

    /// Record the consents and the log entries of several checks in one
    /// transaction (group commit): all of them or none.
    async fn record_checks(
        &self,
        consents: Vec<eligibility::Consent>,
        entries: Vec<eligibility::EligibilityLogEntry>,
    ) -> Result<(), StoreError>;

    /// Record a visit accepted in failure mode, with its consent (when one
    /// was given) and its log entry, in one transaction; a visit id the
    /// facility sent before writes nothing and gives back the stored visit.
    async fn record_offline_visit(
        &self,
        visit: eligibility::OfflineVisit,
        consent: Option<eligibility::Consent>,
        log: eligibility::EligibilityLogEntry,
    ) -> Result<eligibility::OfflineVisitRecord, StoreError>;

    async fn offline_visit(
        &self,
        facility_code: &str,
        visit_id: &str,
    ) -> Result<Option<eligibility::OfflineVisit>, StoreError>;

    /// Record a registration (利用登録) or its cancellation (解除).
    async fn set_registration(&self, registration: eligibility::Registration) -> Result<(), StoreError>;

    async fn registration(&self, person_id: PersonId) -> Result<Option<eligibility::Registration>, StoreError>;

    /// The usage report's tallies: the eligibility log from `from`
    /// (inclusive) to `to` (exclusive), grouped; and per insurer the members
    /// whose coverage holds on `members_on` (acquired on or before it, not
    /// lost on or before it), with how many of them are linked to a person
    /// whose last registration event before `to` is a registration.
    async fn usage_tallies(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        members_on: Date,
    ) -> Result<eligibility::UsageTallies, StoreError>;

    async fn member_by_id(&self, member_id: MemberId) -> Result<Option<StoredMember>, StoreError>;

    /// Members in `member_id` order after `after`, at most `limit`; only
    /// `insurer`'s when given. For batch work that must not hold them all.
    async fn members_page(
        &self,
        insurer: Option<&InsurerNumber>,
        after: Option<MemberId>,
        limit: u32,
    ) -> Result<Vec<StoredMember>, StoreError>;

    /// Record an issued document; `Conflict` if the serial exists.
    async fn insert_document(&self, document: eligibility::EligibilityDocument) -> Result<(), StoreError>;

    async fn document(&self, serial: &str) -> Result<Option<eligibility::EligibilityDocument>, StoreError>;

    /// A member's documents, oldest first.
    async fn documents_of_member(
        &self,
        member_id: MemberId,
    ) -> Result<Vec<eligibility::EligibilityDocument>, StoreError>;

    // ---- Linkage inspection (issue 8; see [`inspection`]) ----

    /// Members after `after` in key order (保険者番号, 記号, 番号, 枝番), at most
    /// `limit`, each with its linked resident; only `insurer`'s when given.
    async fn inspection_batch(
        &self,
        insurer: Option<InsurerNumber>,
        after: Option<MemberKey>,
        limit: u32,
    ) -> Result<Vec<inspection::InspectionItem>, StoreError>;

    /// How many members an inspection of `insurer` (or of every insurer) reads.
    async fn inspection_size(&self, insurer: Option<InsurerNumber>) -> Result<u64, StoreError>;

    /// Residents whose [`inspection::match_key`] is one of `keys`.
    async fn match_candidates(&self, keys: Vec<String>) -> Result<Vec<inspection::Candidate>, StoreError>;

    /// Compute the match key of up to `limit` residents written before it
    /// existed; returns how many were filled (0 when none is missing).
    async fn fill_match_keys(&self, limit: u32) -> Result<u64, StoreError>;

    /// Hold links the inspection judged `mismatch`: each link still active
    /// to that person becomes suspended, with its suspension and a notice to
    /// the person. Idempotent; returns how many links were newly suspended.
    async fn suspend_links(&self, links: Vec<inspection::NewSuspension>, at: DateTime<Utc>) -> Result<u64, StoreError>;

    /// Links currently suspended, only `insurer`'s when given, in member key order.
    async fn suspended_links(
        &self,
        insurer: Option<InsurerNumber>,
    ) -> Result<Vec<inspection::SuspendedLink>, StoreError>;

    /// A member's suspensions, oldest first.
    async fn suspensions_of_member(&self, member_id: MemberId) -> Result<Vec<inspection::Suspension>, StoreError>;

    /// Apply an insurer's decision on a member's link: `NotFound` for an
    /// unknown member or resident, `Conflict` when there is no link to confirm.
    async fn decide_link(
        &self,
        key: &MemberKey,
        decision: inspection::LinkDecision,
        by: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredMember, StoreError>;

    /// A person's notices, oldest first.
    async fn notices_of_person(&self, person_id: PersonId) -> Result<Vec<inspection::Notice>, StoreError>;

    /// Append one access to medical information to the access log.
    async fn record_medical_access(&self, access: inspection::MedicalAccess) -> Result<(), StoreError>;

    /// Accesses to `person_id`'s medical information made through member
    /// `member_id` (the link), oldest first: those of the access log
    /// ([`medical`]; `accessor` is `kind:id/staff`) and those recorded with
    /// [`Store::record_medical_access`].
    async fn accesses_through_link(
        &self,
        member_id: MemberId,
        person_id: PersonId,
    ) -> Result<Vec<inspection::MedicalAccess>, StoreError>;

    // ---- Medical information (issue 6; see [`medical`]) ----

    /// Upsert records by (保険者番号, kind, record id), each attached to the
    /// member its key names; a record whose member is not registered is
    /// rejected ([`RowConflict::UnknownMember`]), the rest are written, in
    /// one transaction. `unchanged` counts records sent again as they are.
    async fn upsert_medical_records(
        &self,
        records: Vec<medical::NewRecord>,
        at: DateTime<Utc>,
    ) -> Result<BatchOutcome, StoreError>;

    /// A person's records of these kinds dated on or after `from`, through
    /// the members linked to them whose link is usable (never a suspended
    /// one), newest first.
    async fn medical_records_of_person(
        &self,
        person_id: PersonId,
        kinds: Vec<String>,
        from: Date,
    ) -> Result<Vec<medical::StoredRecord>, StoreError>;

    /// How many records wait on members that are not linked or whose link
    /// is suspended (quarantined), and how many there are in all.
    async fn medical_record_counts(&self) -> Result<(u64, u64), StoreError>;

    /// The consents of `person_id` for `facility_code` not revoked and not
    /// expired at `at` (given at or before it), newest first.
    async fn consents_in_force(
        &self,
        person_id: PersonId,
        facility_code: &str,
        at: DateTime<Utc>,
    ) -> Result<Vec<medical::StoredConsent>, StoreError>;

    async fn consent(&self, consent_id: i64) -> Result<Option<medical::StoredConsent>, StoreError>;

    /// Revoke a consent at `at`; a consent revoked before stays as it was.
    /// `NotFound` for an unknown id.
    async fn revoke_consent(
        &self,
        consent_id: i64,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<medical::StoredConsent, StoreError>;

    /// Register or update a facility's staff member; `NotFound` for an
    /// unknown facility.
    async fn upsert_staff(&self, staff: medical::Staff) -> Result<(), StoreError>;

    async fn staff(&self, facility_code: &str, staff_id: &str) -> Result<Option<medical::Staff>, StoreError>;

    /// Designate (or stop designating) a facility for emergency viewing
    /// (救急時医療情報閲覧); `NotFound` for an unknown facility.
    async fn set_emergency_facility(
        &self,
        facility_code: &str,
        designated: bool,
        at: DateTime<Utc>,
        by: &str,
    ) -> Result<(), StoreError>;

    async fn is_emergency_facility(&self, facility_code: &str) -> Result<bool, StoreError>;

    /// Register or rename a fire department.
    async fn upsert_crew(&self, crew: medical::Crew) -> Result<(), StoreError>;

    async fn crew(&self, crew_code: &str) -> Result<Option<medical::Crew>, StoreError>;

    /// Record a fire department's API client; `NotFound` for an unknown
    /// department, `Conflict` for a client id in use.
    async fn insert_crew_client(&self, client: medical::CrewClient) -> Result<(), StoreError>;

    async fn crew_client(&self, client_id: &str) -> Result<Option<medical::CrewClient>, StoreError>;

    /// Append accesses to their people's chains and sign each new head with
    /// `signer`, all in one transaction: when this fails, nothing is logged
    /// (and the caller must not answer). Returns the new entries in order.
    async fn append_accesses(
        &self,
        accesses: Vec<onshi_domain::audit::Access>,
        signer: medical::Signer,
    ) -> Result<Vec<onshi_domain::audit::Entry>, StoreError>;

    /// A person's whole access log and its signed head.
    async fn access_log_of_person(&self, person_id: PersonId) -> Result<medical::PersonLog, StoreError>;

    /// Entries of every person in (person, seq) order after `after`, at
    /// most `limit`: the walk of a whole-log verification.
    async fn access_log_page(
        &self,
        after: Option<(PersonId, u64)>,
        limit: u32,
    ) -> Result<Vec<onshi_domain::audit::Entry>, StoreError>;

    /// Heads in person order after `after`, at most `limit`.
    async fn access_heads_page(
        &self,
        after: Option<PersonId>,
        limit: u32,
    ) -> Result<Vec<medical::AccessHead>, StoreError>;

    // ---- The insurer's one-by-one flows (see [`members`]) ----

    /// 資格取得: register a new member received at `at`, linked as a batch
    /// import links it, with an `acquired` event. `Rule` if the record breaks
    /// a rule, `Conflict` if its key is registered.
    async fn acquire_member(&self, member: Member, at: DateTime<Utc>, actor: &str) -> Result<StoredMember, StoreError>;

    /// 変更: apply `change` to an active member, re-judging its link, with a
    /// `changed` event (none when nothing differs). `NotFound` for an unknown
    /// key, `Rule` for a lost member or a broken rule.
    async fn change_member(
        &self,
        key: &MemberKey,
        change: onshi_domain::insurance::MemberChange,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError>;

    /// 資格喪失: set 資格喪失日 and 資格喪失事由 ([`Member::lose`]), with a
    /// `lost` event. `NotFound` for an unknown key, `Rule` when already lost
    /// or when `lost_on` is before 資格取得日.
    async fn lose_member(
        &self,
        key: &MemberKey,
        lost_on: Date,
        reason: onshi_domain::insurance::LossReason,
        at: DateTime<Utc>,
        actor: &str,
    ) -> Result<StoredMember, StoreError>;

    /// A member's history, oldest first.
    async fn member_events(&self, member_id: MemberId) -> Result<Vec<members::MemberEvent>, StoreError>;

    /// Members of `insurer` notified from `from` to `to` (事業主等からの届出日,
    /// both included) whose registration came more than
    /// [`members::REGISTRATION_DEADLINE_DAYS`] days later in Japan, in notice
    /// date and key order.
    async fn late_registrations(
        &self,
        insurer: &InsurerNumber,
        from: Date,
        to: Date,
    ) -> Result<Vec<members::LateRegistration>, StoreError>;

    // ---- The OpenID Connect provider (see [`oidc`]) ----

    /// Register a relying party; `Conflict` for a client id in use.
    async fn insert_relying_party(&self, party: oidc::RelyingParty) -> Result<(), StoreError>;

    async fn relying_party(&self, client_id: &str) -> Result<Option<oidc::RelyingParty>, StoreError>;

    /// Record a pushed authorization request (and forget those expired for
    /// a day); `Conflict` for a request URI in use.
    async fn insert_pushed_request(&self, request: oidc::PushedRequest) -> Result<(), StoreError>;

    /// Take a pushed request of `client_id` once: `None` when unknown, of
    /// another client, already taken or expired at `at`.
    async fn take_pushed_request(
        &self,
        request_uri: &str,
        client_id: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<oidc::PushedRequest>, StoreError>;

    /// Record a pending transaction (and forget those expired for a day);
    /// `Conflict` for an id or user code in use.
    async fn insert_authorization(&self, authorization: oidc::Authorization) -> Result<(), StoreError>;

    async fn authorization(&self, id: &str) -> Result<Option<oidc::StoredAuthorization>, StoreError>;

    async fn authorization_by_user_code(
        &self,
        user_code: &str,
    ) -> Result<Option<oidc::StoredAuthorization>, StoreError>;

    /// Decide a transaction that is pending and unexpired at `at`; false
    /// (and nothing changes) otherwise.
    async fn decide_authorization(
        &self,
        id: &str,
        decision: oidc::Decision,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Move an approved, unexpired transaction to completed and record its
    /// code, in one transaction (at `code.issued_at`); false (and nothing
    /// recorded) when it is not approved or has expired.
    async fn complete_authorization(&self, id: &str, code: oidc::AuthorizationCode) -> Result<bool, StoreError>;

    /// Take a code by its SHA-256 once (see [`oidc::CodeTake`]).
    async fn take_code(&self, code_sha256: &[u8], at: DateTime<Utc>) -> Result<oidc::CodeTake, StoreError>;

    async fn insert_access_token(&self, token: oidc::AccessToken) -> Result<(), StoreError>;

    /// A token by its SHA-256, whatever its expiry; `None` when unknown or revoked.
    async fn access_token(&self, token_sha256: &[u8]) -> Result<Option<oidc::AccessToken>, StoreError>;

    /// Record a client assertion's `jti` until `expires_at` (and forget those
    /// expired at `at`): false when the client already used it.
    async fn use_assertion_id(
        &self,
        client_id: &str,
        jti: &str,
        expires_at: DateTime<Utc>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    // ---- The citizen portal (see [`portal`]) ----

    /// Record a new session (and forget sessions expired for a day);
    /// `Conflict` for an id in use.
    async fn insert_portal_session(&self, session: portal::PortalSession) -> Result<(), StoreError>;

    /// The session unexpired at `at`, its `last_seen_at` moved to `at` and
    /// its `expires_at` to `expires_at`; `None` (and nothing changes) when
    /// unknown or expired.
    async fn touch_portal_session(
        &self,
        session_sha256: &[u8],
        at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<Option<portal::PortalSession>, StoreError>;

    /// Replace the waiting sign-in `pending_sha256` by `session` (signed in,
    /// a new id) in one transaction: its `previous_visit_at` is set from the
    /// person's last visit, which becomes `session.created_at`. `None` (and
    /// nothing changes) when the pending session is gone or expired.
    async fn sign_in_portal_session(
        &self,
        pending_sha256: &[u8],
        session: portal::PortalSession,
    ) -> Result<Option<portal::PortalSession>, StoreError>;

    /// Forget a session (sign-out); false when it was unknown.
    async fn end_portal_session(&self, session_sha256: &[u8]) -> Result<bool, StoreError>;

    /// Block (`blocked`) or unblock a facility for a person at `at`; blocking
    /// again renews the block. Unblocking a facility never blocked is
    /// `NotFound`.
    async fn set_facility_block(
        &self,
        person_id: PersonId,
        facility_code: &str,
        blocked: bool,
        at: DateTime<Utc>,
    ) -> Result<portal::FacilityBlock, StoreError>;

    /// The person's blocks, lifted ones too, by facility code.
    async fn facility_blocks_of_person(&self, person_id: PersonId) -> Result<Vec<portal::FacilityBlock>, StoreError>;

    /// Whether the person blocks the facility now.
    async fn is_facility_blocked(&self, person_id: PersonId, facility_code: &str) -> Result<bool, StoreError>;
}

/// How to open a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenOptions {
    /// Most connections to the database: the PostgreSQL pool size; for
    /// SQLite, one writer plus up to this many minus one readers (at least one).
    pub max_connections: u32,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { max_connections: 5 }
    }
}

/// Open the store a database URL names: `sqlite://PATH` (created if missing),
/// `sqlite::memory:`, or `postgres://…`. Migrations are not applied here.
pub async fn open(url: &str) -> Result<Arc<dyn Store>, StoreError> {
    open_with(url, OpenOptions::default()).await
}

/// As [`open`], with options.
pub async fn open_with(url: &str, options: OpenOptions) -> Result<Arc<dyn Store>, StoreError> {
    #[cfg(feature = "sqlite")]
    if url.starts_with("sqlite:") {
        return Ok(Arc::new(SqliteStore::open_with(url, options).await?));
    }
    #[cfg(feature = "postgres")]
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(Arc::new(PostgresStore::connect_with(url, None, options).await?));
    }
    let _ = options;
    Err(StoreError::BadUrl {
        url: url.to_owned(),
        reason: "use sqlite://PATH, sqlite::memory: or postgres://USER@HOST/DB (with the backend compiled in)".into(),
    })
}
