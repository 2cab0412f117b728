//! Stored records of online eligibility verification (オンライン資格確認):
//! facilities' API clients, the consents patients give at the reader, and
//! the log of every eligibility query (the source of the usage report).

use chrono::{DateTime, Utc};

use crate::PersonId;

/// An OAuth 2.0 client of a facility (the clinic's system). Only a hash of
/// the secret is kept; the secret is shown once, when the client is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FacilityClient {
    pub client_id: String,
    /// 医療機関コード of the facility the client acts for.
    pub facility_code: String,
    /// SHA-256 of the client secret.
    pub secret_sha256: Vec<u8>,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A consent given at the reader: which facility may see what, until when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent {
    pub person_id: PersonId,
    pub facility_code: String,
    /// Category codes, e.g. `clinical_drug` (診療・薬剤情報) and `checkup`
    /// (特定健診等情報); empty when the patient refused everything.
    pub categories: Vec<String>,
    pub given_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    /// `card` or `smartphone`.
    pub media: String,
    /// Why the data is shared: `treatment` (診療・調剤) for a reader's consent.
    pub purpose: String,
    /// The range of data the consent covers; `None`: each category's window
    /// (drug and clinical history of the last 3 years, checkups of 5).
    pub data_from: Option<onshi_domain::Date>,
    pub data_to: Option<onshi_domain::Date>,
    /// Given with a user-authentication certificate in its post-expiry
    /// grace: eligibility only, so the consent lets nobody view (DESIGN.md).
    pub certificate_in_grace: bool,
}

/// A month's tallies for the usage report (see [`onshi_domain::usage`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UsageTallies {
    /// The month's log, grouped by facility kind, method, result, insurer
    /// and consent categories.
    pub queries: Vec<onshi_domain::usage::QueryTally>,
    /// Every registered insurer (those with no members too): its members on
    /// the month's last day and how many of them were registered at its end,
    /// by insurer number.
    pub insurers: Vec<onshi_domain::usage::InsurerTally>,
}

/// One eligibility query, as the usage report counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityLogEntry {
    pub at: DateTime<Utc>,
    pub facility_code: String,
    /// The facility's kind code (`hospital`, `clinic`, `dental`, `pharmacy`, …).
    pub facility_kind: String,
    /// `card`, `insured_number` or `smartphone`.
    pub method: String,
    /// The validity name (`valid`, …) or the refusal code.
    pub result: String,
    pub person_id: Option<PersonId>,
    /// The insurer of the coverage answered, for the per-insurer table.
    pub insurer_number: Option<String>,
    /// The consent categories given with this query (card and smartphone).
    pub consent_categories: Vec<String>,
}

/// A visit a reader accepted while the platform could not be reached
/// (failure mode), as the platform reconciled it: the answer it gave, and
/// with a new record the consent and the log entry written with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfflineVisit {
    pub facility_code: String,
    /// The reader's id of the visit, unique within the facility.
    pub visit_id: String,
    pub visited_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub person_id: Option<PersonId>,
    /// The validity name (`valid`, …) or the refusal code.
    pub result: String,
    /// The HTTP status the answer was given with (200, 422).
    pub status: u16,
    /// The answer as the platform sent it (JSON), sent again on a replay.
    pub answer: String,
}

/// What [`crate::Store::record_offline_visit`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfflineVisitRecord {
    /// The visit is new: it, its consent and its log entry were written.
    Recorded,
    /// The facility had sent this visit id before: the stored visit, unchanged.
    Replayed(OfflineVisit),
}

/// A person's registration of the card as insurance card (利用登録).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub person_id: PersonId,
    /// False after a cancellation (解除).
    pub registered: bool,
    pub changed_at: DateTime<Utc>,
    /// Where: `portal`, `reader`, `desk`.
    pub via: String,
}

/// Which document an insurer issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// 資格確認書.
    Certificate,
    /// 資格情報のお知らせ.
    Notice,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Certificate => "certificate",
            DocumentKind::Notice => "notice",
        }
    }

    pub fn from_code(code: &str) -> Option<DocumentKind> {
        match code {
            "certificate" => Some(DocumentKind::Certificate),
            "notice" => Some(DocumentKind::Notice),
            _ => None,
        }
    }
}

/// A 資格確認書 or 資格情報のお知らせ as issued (the PDF is rendered from it
/// and the member record when asked for).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityDocument {
    /// 交付番号.
    pub serial: String,
    pub member_id: crate::MemberId,
    pub person_id: Option<PersonId>,
    pub kind: DocumentKind,
    /// `without_application` (職権交付), `cancellation`, `renewal`, `registration`.
    pub reason: String,
    pub issued_on: onshi_domain::Date,
    /// 有効期限 (certificates only).
    pub valid_until: Option<onshi_domain::Date>,
    pub created_at: DateTime<Utc>,
}
