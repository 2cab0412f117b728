//! Stored medical information (issue 6): the records insurers send
//! (薬剤情報, 診療情報, 医療費情報, 特定健診等情報), facilities' staff and
//! emergency designation, fire departments' crews, consents as artefacts,
//! and the access log (one hash chain per person, see
//! [`onshi_domain::audit`]).
//!
//! Records are attached to the member they are about, never directly to a
//! person: a person's records are those of their members whose link is
//! usable, so the records of a member whose link is suspended by the total
//! inspection stay quarantined until an insurer confirms it, and records of
//! a member not yet linked appear once the link is made.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_domain::Date;
use onshi_domain::audit::Entry;
use onshi_domain::insurance::MemberKey;

use crate::eligibility::Consent;
use crate::{MemberId, PersonId};

/// A record as an import sends it, validated by `onshi_domain::medical`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewRecord {
    /// `drug`, `clinical`, `expense` or `checkup`.
    pub kind: String,
    /// The insurer's id of the record, unique per insurer and kind.
    pub record_id: String,
    /// The member the record is about (its insurer number is the record's).
    pub key: MemberKey,
    /// The date windows are counted on.
    pub on: Date,
    /// The record's body, canonical JSON.
    pub body: String,
}

/// A stored record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRecord {
    pub member_id: MemberId,
    pub insurer_number: String,
    pub kind: String,
    pub record_id: String,
    pub on: Date,
    pub body: String,
}

/// A consent with its storage id and lifecycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredConsent {
    pub consent_id: i64,
    pub consent: Consent,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Who revoked it: `self` (the patient), `operator`.
    pub revoked_by: Option<String>,
}

impl StoredConsent {
    /// `granted`, `revoked` or `expired` at `now`.
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        if self.revoked_at.is_some_and(|at| at <= now) {
            "revoked"
        } else if self.consent.expires_at <= now {
            "expired"
        } else {
            "granted"
        }
    }

    /// Whether the consent lets its facility view `category` at `now`.
    pub fn in_force_for(&self, category: &str, now: DateTime<Utc>) -> bool {
        self.status(now) == "granted"
            && self.consent.given_at <= now
            && !self.consent.certificate_in_grace
            && self.consent.categories.iter().any(|c| c == category)
    }
}

/// A facility's staff member (医師, 歯科医師, 薬剤師, 看護師, 事務).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    pub facility_code: String,
    pub staff_id: String,
    pub name: String,
    /// `doctor`, `dentist`, `pharmacist`, `nurse`, `clerk`.
    pub qualification: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A fire department (消防本部) whose crews (救急隊) use マイナ救急.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crew {
    pub crew_code: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// An API client of a fire department's system (the crews' tablets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CrewClient {
    pub client_id: String,
    pub crew_code: String,
    /// SHA-256 of the client secret.
    pub secret_sha256: Vec<u8>,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The signed end of a person's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessHead {
    pub person_id: PersonId,
    pub seq: u64,
    pub hash: [u8; 32],
    /// The platform's signature over [`onshi_domain::audit::head_message`].
    pub signature: Vec<u8>,
    pub at: DateTime<Utc>,
}

/// Signs the heads of the access log, inside the transaction that appends.
pub trait HeadSigner: Send + Sync {
    fn sign(&self, message: &[u8]) -> Vec<u8>;
}

/// The signer handed to [`crate::Store::append_accesses`].
pub type Signer = Arc<dyn HeadSigner>;

/// A person's whole log: their entries, oldest first, and their head.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PersonLog {
    pub entries: Vec<Entry>,
    pub head: Option<AccessHead>,
}

/// A stored 32-byte hash.
pub(crate) fn hash32(bytes: &[u8], what: &str) -> Result<[u8; 32], crate::StoreError> {
    bytes.try_into().map_err(|_| crate::StoreError::Corrupt { what: format!("{what} is not 32 bytes") })
}

/// A head as read from a row: person, seq, hash, signature, time.
pub(crate) type RawHead = (i64, i64, Vec<u8>, Vec<u8>, DateTime<Utc>);
