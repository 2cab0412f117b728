//! Stored JPKI state: cards, their certificates and the status of each, the
//! history of every change, and the one-time sign-in challenges.
//!
//! The store keeps public things only: certificates and their status. Private
//! keys live in the card file and nowhere else.
//!
//! Rules the store enforces inside one transaction (so two desks acting on the
//! same card at once cannot break them), through [`crate::Store::change_card`]:
//!
//! | change | allowed from | card becomes | certificates |
//! | --- | --- | --- | --- |
//! | suspend (一時停止) | active | suspended | good → suspended |
//! | resume (一時停止解除) | suspended | active | suspended → good |
//! | revoke (廃止) | active, suspended | revoked | all → revoked (reason) |
//! | renew (更新) | active | active | all → revoked (superseded); new ones good |
//! | PIN reset (暗証番号初期化) | active, suspended | unchanged | unchanged |
//!
//! And one rule the store enforces on every write of the registry, whatever
//! the caller: when a resident's 氏名 or 住所 changes, their signing
//! certificates (which carry them) are revoked with reason
//! affiliationChanged; user-authentication certificates carry nothing personal
//! and stay good. Both databases do this in a trigger on `residents`.
//!
//! Every certificate status change appends a row to `certificate_events`;
//! the latest event number of an issuing CA is its CRL number, so a CRL is
//! regenerated exactly when something it lists has changed.

use chrono::{DateTime, Utc};
use onshi_domain::Date;

use crate::PersonId;

/// Which of the two certificates on a card, and so which issuing CA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CertKind {
    /// 利用者証明用電子証明書.
    UserAuthentication,
    /// 署名用電子証明書.
    Signing,
}

impl CertKind {
    pub const ALL: [CertKind; 2] = [CertKind::UserAuthentication, CertKind::Signing];

    /// The code stored in the database and used in URLs.
    pub fn code(self) -> &'static str {
        match self {
            CertKind::UserAuthentication => "auth",
            CertKind::Signing => "sign",
        }
    }

    pub fn from_code(code: &str) -> Option<CertKind> {
        match code {
            "auth" => Some(CertKind::UserAuthentication),
            "sign" => Some(CertKind::Signing),
            _ => None,
        }
    }
}

/// The status of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertStatus {
    Good,
    /// Suspended with its card (certificateHold on the CRL).
    Suspended {
        since: DateTime<Utc>,
    },
    /// Revoked for good; `reason` is the RFC 5280 CRLReason code.
    Revoked {
        reason: u8,
        at: DateTime<Utc>,
    },
}

/// RFC 5280 CRLReason codes the platform uses.
pub mod reason {
    pub const UNSPECIFIED: u8 = 0;
    pub const KEY_COMPROMISE: u8 = 1;
    /// The name or address changed (signing certificate).
    pub const AFFILIATION_CHANGED: u8 = 3;
    /// Replaced by a renewed certificate.
    pub const SUPERSEDED: u8 = 4;
    /// The card was returned, or its holder died.
    pub const CESSATION_OF_OPERATION: u8 = 5;
}

/// The state of a card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardState {
    Active,
    Suspended,
    Revoked,
}

impl CardState {
    pub fn code(self) -> &'static str {
        match self {
            CardState::Active => "active",
            CardState::Suspended => "suspended",
            CardState::Revoked => "revoked",
        }
    }

    pub fn from_code(code: &str) -> Option<CardState> {
        match code {
            "active" => Some(CardState::Active),
            "suspended" => Some(CardState::Suspended),
            "revoked" => Some(CardState::Revoked),
            _ => None,
        }
    }
}

/// A certificate to record (public parts only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCertificate {
    /// The serial number's INTEGER content octets.
    pub serial: Vec<u8>,
    pub kind: CertKind,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub cert_der: Vec<u8>,
}

/// A card to record at issuance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCard {
    /// The card's serial (upper-case hex), unique.
    pub card_serial: String,
    pub person_id: PersonId,
    pub issued_at: DateTime<Utc>,
    /// Last day of the card's validity.
    pub expires_on: Date,
    /// False for a card issued without PINs (face verification only).
    pub has_pin: bool,
    pub certificates: Vec<NewCertificate>,
}

/// A recorded card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCard {
    pub card_serial: String,
    pub person_id: PersonId,
    pub issued_at: DateTime<Utc>,
    pub expires_on: Date,
    pub has_pin: bool,
    pub state: CardState,
    pub state_changed_at: DateTime<Utc>,
}

/// A recorded certificate with its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    pub serial: Vec<u8>,
    pub kind: CertKind,
    pub card_serial: String,
    pub person_id: PersonId,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
    pub status: CertStatus,
    pub cert_der: Vec<u8>,
}

/// A change a municipality makes to a card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardChange {
    Suspend,
    Resume,
    Revoke {
        reason: u8,
    },
    /// New certificates replace every certificate still on the card.
    Renew {
        certificates: Vec<NewCertificate>,
    },
    /// A locked PIN was reset at the desk; which one, for the history.
    PinReset {
        which: String,
    },
}

impl CardChange {
    pub fn operation(&self) -> &'static str {
        match self {
            CardChange::Suspend => "suspend",
            CardChange::Resume => "resume",
            CardChange::Revoke { .. } => "revoke",
            CardChange::Renew { .. } => "renew",
            CardChange::PinReset { .. } => "pin_reset",
        }
    }
}

/// One entry of a card's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardEvent {
    pub at: DateTime<Utc>,
    /// `issue`, `suspend`, `resume`, `revoke`, `renew`, `pin_reset`.
    pub operation: String,
    pub detail: String,
}

/// What a CRL of one issuing CA lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusList {
    /// Monotonic: grows with every status change of this CA's certificates.
    pub number: u64,
    /// Every suspended or revoked certificate of the CA.
    pub entries: Vec<(Vec<u8>, CertStatus)>,
}

/// A one-time sign-in challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub id: String,
    pub nonce: Vec<u8>,
    pub issued_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// What taking a challenge found. A challenge is taken at most once: the
/// first take marks it used, whatever the sign-in then decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChallengeTake {
    Taken(Challenge),
    Unknown,
    Used { used_at: DateTime<Utc> },
    Expired { expired_at: DateTime<Utc> },
}

/// What a [`CardChange`] does to the rows, decided from the card's state by
/// the table in the module docs. Both backends execute it inside the
/// transaction that read the state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Plan {
    pub(crate) card_state: CardState,
    /// Certificates of the card in one of these states move to `to`.
    pub(crate) certificates_from: &'static [&'static str],
    pub(crate) to: &'static str,
    pub(crate) reason: Option<u8>,
    /// Whether the change inserts new certificates (renewal).
    pub(crate) inserts: bool,
    /// For the card's history.
    pub(crate) detail: String,
}

pub(crate) fn plan(card_serial: &str, state: CardState, change: &CardChange) -> Result<Plan, crate::StoreError> {
    use CardState::{Active, Revoked, Suspended};
    let refuse = |what: String| Err(crate::StoreError::Conflict { what });
    let in_force: &'static [&'static str] = &["good", "suspended"];
    match (change, state) {
        (_, Revoked) => {
            refuse(format!("card {card_serial} is revoked (廃止); nothing more can be done with it: issue a new card"))
        }
        (CardChange::Suspend, Active) => Ok(Plan {
            card_state: Suspended,
            certificates_from: &["good"],
            to: "suspended",
            reason: None,
            inserts: false,
            detail: String::new(),
        }),
        (CardChange::Suspend, Suspended) => refuse(format!("card {card_serial} is already suspended (一時停止中)")),
        (CardChange::Resume, Suspended) => Ok(Plan {
            card_state: Active,
            certificates_from: &["suspended"],
            to: "good",
            reason: None,
            inserts: false,
            detail: String::new(),
        }),
        (CardChange::Resume, Active) => {
            refuse(format!("card {card_serial} is not suspended; there is nothing to resume"))
        }
        (CardChange::Revoke { reason }, _) => Ok(Plan {
            card_state: Revoked,
            certificates_from: in_force,
            to: "revoked",
            reason: Some(*reason),
            inserts: false,
            detail: format!("reason {reason}"),
        }),
        (CardChange::Renew { .. }, Active) => Ok(Plan {
            card_state: Active,
            certificates_from: in_force,
            to: "revoked",
            reason: Some(reason::SUPERSEDED),
            inserts: true,
            detail: String::new(),
        }),
        (CardChange::Renew { .. }, Suspended) => {
            refuse(format!("card {card_serial} is suspended (一時停止中); resume it before renewing its certificates"))
        }
        (CardChange::PinReset { which }, state) => Ok(Plan {
            card_state: state,
            certificates_from: &[],
            to: "good",
            reason: None,
            inserts: false,
            detail: which.clone(),
        }),
    }
}

/// A certificate's status from its stored columns.
pub(crate) fn decode_status(
    serial: &[u8],
    state: &str,
    reason: Option<i64>,
    changed_at: DateTime<Utc>,
) -> Result<CertStatus, crate::StoreError> {
    let corrupt = |what: String| crate::StoreError::Corrupt { what };
    match state {
        "good" => Ok(CertStatus::Good),
        "suspended" => Ok(CertStatus::Suspended { since: changed_at }),
        "revoked" => {
            let reason = reason
                .and_then(|r| u8::try_from(r).ok())
                .ok_or_else(|| corrupt(format!("certificate {}: revoked without a reason", hex(serial))))?;
            Ok(CertStatus::Revoked { reason, at: changed_at })
        }
        other => Err(corrupt(format!("certificate {}: state {other:?}", hex(serial)))),
    }
}

pub(crate) fn decode_kind(serial: &[u8], kind: &str) -> Result<CertKind, crate::StoreError> {
    CertKind::from_code(kind)
        .ok_or_else(|| crate::StoreError::Corrupt { what: format!("certificate {}: kind {kind:?}", hex(serial)) })
}

pub(crate) fn decode_card_state(card_serial: &str, state: &str) -> Result<CardState, crate::StoreError> {
    CardState::from_code(state)
        .ok_or_else(|| crate::StoreError::Corrupt { what: format!("card {card_serial}: state {state:?}") })
}

/// Upper-case hex, as serials are shown.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_card_allows_nothing() {
        for change in [
            CardChange::Suspend,
            CardChange::Resume,
            CardChange::Revoke { reason: 0 },
            CardChange::Renew { certificates: vec![] },
            CardChange::PinReset { which: "auth".into() },
        ] {
            assert!(plan("C1", CardState::Revoked, &change).is_err(), "{change:?}");
        }
    }

    #[test]
    fn suspension_moves_only_good_certificates_and_resume_only_suspended_ones() {
        let suspend = plan("C1", CardState::Active, &CardChange::Suspend).expect("suspend");
        assert_eq!(
            (suspend.card_state, suspend.certificates_from, suspend.to),
            (CardState::Suspended, &["good"][..], "suspended")
        );
        assert!(plan("C1", CardState::Suspended, &CardChange::Suspend).is_err());
        let resume = plan("C1", CardState::Suspended, &CardChange::Resume).expect("resume");
        assert_eq!(
            (resume.card_state, resume.certificates_from, resume.to),
            (CardState::Active, &["suspended"][..], "good")
        );
        assert!(plan("C1", CardState::Active, &CardChange::Resume).is_err());
    }

    #[test]
    fn renewal_needs_an_active_card_and_supersedes() {
        let renew = plan("C1", CardState::Active, &CardChange::Renew { certificates: vec![] }).expect("renew");
        assert_eq!((renew.reason, renew.inserts), (Some(reason::SUPERSEDED), true));
        let err = plan("C1", CardState::Suspended, &CardChange::Renew { certificates: vec![] }).expect_err("suspended");
        assert!(err.to_string().contains("resume it"), "{err}");
    }

    #[test]
    fn revocation_works_from_active_and_suspended() {
        for state in [CardState::Active, CardState::Suspended] {
            let revoke = plan("C1", state, &CardChange::Revoke { reason: 5 }).expect("revoke");
            assert_eq!((revoke.card_state, revoke.to, revoke.reason), (CardState::Revoked, "revoked", Some(5)));
        }
    }
}
