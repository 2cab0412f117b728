//! The access log (やりとり履歴) as a tamper-evident structure: every read of
//! a person's information is an [`Access`], appended to that person's own
//! hash chain. Entry `n` commits to its sequence number, its fields and the
//! hash of entry `n - 1` ([`GENESIS`] for the first), so a changed or
//! removed entry breaks every later hash; the head (last sequence number
//! and hash) is signed by the platform ([`head_message`]), so removing the
//! newest entries is caught too. A person holding their entries, the signed
//! head and the platform's public key can check all of it themself
//! ([`verify_chain`]).
//!
//! One chain per person, not one for the platform: appends for different
//! people never wait for each other, and a person's proof is their own
//! entries only, never anyone else's.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// The `prev_hash` of a person's first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// Who read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKind {
    /// A medical facility or pharmacy (its system, and the staff member named).
    Facility,
    /// An emergency crew (救急隊) of a fire department (マイナ救急).
    Crew,
    /// An insurer (保険者).
    Insurer,
    /// The person themself (本人), through the portal or its API.
    Person,
    /// A platform operator (運用者).
    Operator,
}

impl ActorKind {
    pub const ALL: [ActorKind; 5] =
        [ActorKind::Facility, ActorKind::Crew, ActorKind::Insurer, ActorKind::Person, ActorKind::Operator];

    pub fn code(self) -> &'static str {
        match self {
            ActorKind::Facility => "facility",
            ActorKind::Crew => "crew",
            ActorKind::Insurer => "insurer",
            ActorKind::Person => "self",
            ActorKind::Operator => "operator",
        }
    }

    pub fn from_code(code: &str) -> Option<ActorKind> {
        ActorKind::ALL.into_iter().find(|k| k.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            ActorKind::Facility => "医療機関・薬局",
            ActorKind::Crew => "救急隊",
            ActorKind::Insurer => "保険者",
            ActorKind::Person => "ご本人",
            ActorKind::Operator => "運用者",
        }
    }
}

/// On what legal basis the read happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Basis {
    /// The patient's consent; `basis_ref` is the consent id.
    Consent,
    /// 救急時医療情報閲覧 without consent; `basis_ref` is the stated reason.
    Emergency,
    /// マイナ救急: a crew read the card at the scene; `basis_ref` is the
    /// crew's incident reference.
    Crew,
    /// The person's own request (本人).
    SelfAccess,
}

impl Basis {
    pub const ALL: [Basis; 4] = [Basis::Consent, Basis::Emergency, Basis::Crew, Basis::SelfAccess];

    pub fn code(self) -> &'static str {
        match self {
            Basis::Consent => "consent",
            Basis::Emergency => "emergency",
            Basis::Crew => "crew",
            Basis::SelfAccess => "self",
        }
    }

    pub fn from_code(code: &str) -> Option<Basis> {
        Basis::ALL.into_iter().find(|b| b.code() == code)
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Basis::Consent => "同意に基づく閲覧",
            Basis::Emergency => "救急時医療情報閲覧（同意なし）",
            Basis::Crew => "マイナ救急",
            Basis::SelfAccess => "ご本人による閲覧",
        }
    }
}

/// One read of a person's information, as logged. Kinds and bases are kept
/// as their codes so that an entry altered to an unknown code is still read
/// back and shown failing verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Access {
    /// The platform's person reference (never the My Number).
    pub person: i64,
    pub at: DateTime<Utc>,
    /// [`ActorKind::code`].
    pub actor_kind: String,
    /// 医療機関コード, crew code, 保険者番号, the person, the operator.
    pub actor_id: String,
    /// The staff member or crew member who looked; empty when none is known.
    pub staff_id: String,
    /// The member record (the link) the read went through, when one did.
    pub member_id: Option<i64>,
    /// What was read: a record kind (`drug`, `clinical`, `expense`,
    /// `checkup`), `emergency_set`, `access_log`, `consents`.
    pub category: String,
    /// Why: `treatment`, `emergency`, `self`, …
    pub purpose: String,
    /// [`Basis::code`].
    pub basis: String,
    /// The consent id, the emergency reason, the crew's incident reference.
    pub basis_ref: String,
}

/// An access with its place in the person's chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1 for the person's first entry, then one more each time.
    pub seq: u64,
    pub access: Access,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// Append one field, length-prefixed so that no two field lists encode alike.
fn field(hasher: &mut Sha256, value: &[u8]) {
    hasher.update((value.len() as u64).to_be_bytes());
    hasher.update(value);
}

/// The hash of entry `seq` of `access`'s person after `prev`: SHA-256 over
/// a version tag, `prev`, and every field length-prefixed.
pub fn entry_hash(seq: u64, access: &Access, prev: &[u8; 32]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(b"onshi-access-log/1\n");
    hasher.update(prev);
    field(&mut hasher, access.person.to_string().as_bytes());
    field(&mut hasher, seq.to_string().as_bytes());
    field(&mut hasher, access.at.to_rfc3339_opts(SecondsFormat::Millis, true).as_bytes());
    field(&mut hasher, access.actor_kind.as_bytes());
    field(&mut hasher, access.actor_id.as_bytes());
    field(&mut hasher, access.staff_id.as_bytes());
    field(&mut hasher, access.member_id.map(|m| m.to_string()).unwrap_or_default().as_bytes());
    field(&mut hasher, access.category.as_bytes());
    field(&mut hasher, access.purpose.as_bytes());
    field(&mut hasher, access.basis.as_bytes());
    field(&mut hasher, access.basis_ref.as_bytes());
    hasher.finalize().into()
}

/// Chain `access` after `(seq, hash)` of the person's last entry (`None`
/// for their first).
pub fn chain(access: Access, last: Option<(u64, [u8; 32])>) -> Entry {
    let (seq, prev_hash) = match last {
        Some((seq, hash)) => (seq + 1, hash),
        None => (1, GENESIS),
    };
    let hash = entry_hash(seq, &access, &prev_hash);
    Entry { seq, access, prev_hash, hash }
}

/// The bytes the platform signs for a person's head: their last sequence
/// number and hash.
pub fn head_message(person: i64, seq: u64, hash: &[u8; 32]) -> Vec<u8> {
    let mut out = format!("onshi-access-log-head/1\nperson={person}\nseq={seq}\nhash=").into_bytes();
    for byte in hash {
        out.extend_from_slice(format!("{byte:02x}").as_bytes());
    }
    out.push(b'\n');
    out
}

/// Why a chain does not verify. Each names the first entry found wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("entry {found} is not the person's: expected person {expected}")]
    OtherPerson { expected: i64, found: i64 },
    #[error("entry {expected} is missing (the next one is {found}): an entry was removed")]
    Gap { expected: u64, found: u64 },
    #[error(
        "entry {seq} does not follow entry {previous}: its previous hash differs (an entry was removed or altered)"
    )]
    Broken { seq: u64, previous: u64 },
    #[error("entry {seq} was altered: its fields no longer give its hash")]
    Altered { seq: u64 },
    #[error(
        "the signed head is at entry {head_seq} but the log ends at entry {last_seq}: entries were removed or added"
    )]
    HeadMismatch { head_seq: u64, last_seq: u64 },
    #[error("the last entry's hash is not the one the head signs: the log was altered")]
    HeadHash,
    #[error("the log has entries but no signed head")]
    MissingHead,
}

/// Check a person's whole chain, oldest first: every entry is the person's,
/// numbered 1, 2, … without a gap, chained to its predecessor, and hashing
/// to what it says; and the head, when given, is at the last entry with its
/// hash. (The head's signature is checked by whoever holds the key.)
pub fn verify_chain(person: i64, entries: &[Entry], head: Option<(u64, [u8; 32])>) -> Result<(), ChainError> {
    let mut prev = GENESIS;
    for (i, entry) in entries.iter().enumerate() {
        let expected = i as u64 + 1;
        if entry.access.person != person {
            return Err(ChainError::OtherPerson { expected: person, found: entry.access.person });
        }
        if entry.seq != expected {
            return Err(ChainError::Gap { expected, found: entry.seq });
        }
        if entry.prev_hash != prev {
            return Err(ChainError::Broken { seq: entry.seq, previous: expected - 1 });
        }
        if entry_hash(entry.seq, &entry.access, &entry.prev_hash) != entry.hash {
            return Err(ChainError::Altered { seq: entry.seq });
        }
        prev = entry.hash;
    }
    let last_seq = entries.len() as u64;
    match head {
        None if entries.is_empty() => Ok(()),
        None => Err(ChainError::MissingHead),
        Some((head_seq, _)) if head_seq != last_seq => Err(ChainError::HeadMismatch { head_seq, last_seq }),
        Some((_, hash)) if hash != prev => Err(ChainError::HeadHash),
        Some(_) => Ok(()),
    }
}

/// Incremental verification for a walk over many people's chains in
/// (person, seq) order, holding one entry at a time: feed every entry,
/// then [`ChainWalker::finish`] each person with their head.
#[derive(Debug, Clone, Default)]
pub struct ChainWalker {
    current: Option<(i64, u64, [u8; 32])>,
}

impl ChainWalker {
    /// Check the next entry of the walk. Entries of a new person must start
    /// at 1; call [`ChainWalker::finish`] for the previous person first.
    pub fn feed(&mut self, entry: &Entry) -> Result<(), ChainError> {
        let person = entry.access.person;
        let (seq, prev) = match self.current {
            Some((p, seq, hash)) if p == person => (seq, hash),
            _ => (0, GENESIS),
        };
        let expected = seq + 1;
        if entry.seq != expected {
            return Err(ChainError::Gap { expected, found: entry.seq });
        }
        if entry.prev_hash != prev {
            return Err(ChainError::Broken { seq: entry.seq, previous: seq });
        }
        if entry_hash(entry.seq, &entry.access, &entry.prev_hash) != entry.hash {
            return Err(ChainError::Altered { seq: entry.seq });
        }
        self.current = Some((person, entry.seq, entry.hash));
        Ok(())
    }

    /// The person whose entries were fed last, if any.
    pub fn person(&self) -> Option<i64> {
        self.current.map(|(p, _, _)| p)
    }

    /// End the current person's chain against their head (`None`: no head
    /// stored) and start afresh.
    pub fn finish(&mut self, head: Option<(u64, [u8; 32])>) -> Result<(), ChainError> {
        let current = self.current.take();
        match (current, head) {
            (None, None) => Ok(()),
            (None, Some((head_seq, _))) => Err(ChainError::HeadMismatch { head_seq, last_seq: 0 }),
            (Some(_), None) => Err(ChainError::MissingHead),
            (Some((_, last_seq, _)), Some((head_seq, _))) if head_seq != last_seq => {
                Err(ChainError::HeadMismatch { head_seq, last_seq })
            }
            (Some((_, _, last)), Some((_, hash))) if last != hash => Err(ChainError::HeadHash),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn access(person: i64, i: u32) -> Access {
        Access {
            person,
            at: DateTime::from_timestamp(1_775_000_000 + i64::from(i) * 60, 0).expect("time"),
            actor_kind: ActorKind::Facility.code().to_owned(),
            actor_id: "1319990011".to_owned(),
            staff_id: format!("D{i:03}"),
            member_id: Some(7),
            category: "drug".to_owned(),
            purpose: "treatment".to_owned(),
            basis: Basis::Consent.code().to_owned(),
            basis_ref: i.to_string(),
        }
    }

    fn build(person: i64, n: u32) -> Vec<Entry> {
        let mut out: Vec<Entry> = Vec::new();
        for i in 0..n {
            let last = out.last().map(|e| (e.seq, e.hash));
            out.push(chain(access(person, i), last));
        }
        out
    }

    fn head(entries: &[Entry]) -> Option<(u64, [u8; 32])> {
        entries.last().map(|e| (e.seq, e.hash))
    }

    #[test]
    fn an_intact_chain_verifies_and_codes_round_trip() {
        let entries = build(42, 5);
        assert_eq!(entries[0].prev_hash, GENESIS);
        assert_eq!(entries[4].seq, 5);
        assert_eq!(verify_chain(42, &entries, head(&entries)), Ok(()));
        assert_eq!(verify_chain(42, &[], None), Ok(()));
        for kind in ActorKind::ALL {
            assert_eq!(ActorKind::from_code(kind.code()), Some(kind));
        }
        for basis in Basis::ALL {
            assert_eq!(Basis::from_code(basis.code()), Some(basis));
        }
    }

    #[test]
    fn each_kind_of_tampering_is_named() {
        let entries = build(42, 5);
        let h = head(&entries);

        let mut altered = entries.clone();
        altered[2].access.basis = "emergency".to_owned();
        assert_eq!(verify_chain(42, &altered, h), Err(ChainError::Altered { seq: 3 }));

        let mut removed = entries.clone();
        removed.remove(1);
        assert_eq!(verify_chain(42, &removed, h), Err(ChainError::Gap { expected: 2, found: 3 }));

        // Removing the last entry and renumbering nothing: the head catches it.
        let truncated = &entries[..4];
        assert_eq!(verify_chain(42, truncated, h), Err(ChainError::HeadMismatch { head_seq: 5, last_seq: 4 }));

        // A rewritten entry with a fresh hash breaks its successor's link.
        let mut rehashed = entries.clone();
        rehashed[2].access.staff_id = "X".to_owned();
        rehashed[2].hash = entry_hash(3, &rehashed[2].access, &rehashed[2].prev_hash);
        assert_eq!(verify_chain(42, &rehashed, h), Err(ChainError::Broken { seq: 4, previous: 3 }));

        // Rewriting the whole tail forward still differs from the signed head.
        let mut forged = entries[..2].to_vec();
        for i in 2..5 {
            let mut a = access(42, i);
            a.category = "checkup".to_owned();
            forged.push(chain(a, head(&forged)));
        }
        assert_eq!(verify_chain(42, &forged, h), Err(ChainError::HeadHash));

        assert_eq!(verify_chain(42, &entries, None), Err(ChainError::MissingHead));
        assert_eq!(verify_chain(7, &entries, h), Err(ChainError::OtherPerson { expected: 7, found: 42 }));
    }

    #[test]
    fn the_walker_agrees_with_verify_chain_over_several_people() {
        let a = build(1, 3);
        let b = build(2, 4);
        let mut walker = ChainWalker::default();
        for e in &a {
            walker.feed(e).expect("a");
        }
        assert_eq!(walker.person(), Some(1));
        walker.finish(head(&a)).expect("head a");
        for e in &b {
            walker.feed(e).expect("b");
        }
        assert_eq!(walker.finish(head(&a)), Err(ChainError::HeadMismatch { head_seq: 3, last_seq: 4 }));
        assert_eq!(walker.finish(Some((1, GENESIS))), Err(ChainError::HeadMismatch { head_seq: 1, last_seq: 0 }));
    }

    #[test]
    fn the_head_message_names_person_seq_and_hash() {
        let text = String::from_utf8(head_message(42, 3, &[0xab; 32])).expect("utf-8");
        assert!(text.starts_with("onshi-access-log-head/1\nperson=42\nseq=3\nhash=abab"), "{text}");
    }

    proptest! {
        /// Any single-field change anywhere in any entry fails verification.
        #[test]
        fn any_altered_field_fails(n in 1u32..12, victim in 0usize..12, which in 0usize..9) {
            let entries = build(9, n);
            let victim = victim % entries.len();
            let mut bad = entries.clone();
            let a = &mut bad[victim].access;
            match which {
                0 => a.at += chrono::TimeDelta::milliseconds(1),
                1 => a.actor_kind.push('x'),
                2 => a.actor_id.push('0'),
                3 => a.staff_id.push('!'),
                4 => a.member_id = a.member_id.map(|m| m + 1),
                5 => a.category.push('s'),
                6 => a.purpose.push('s'),
                7 => a.basis.push('s'),
                _ => a.basis_ref.push('s'),
            }
            prop_assert!(verify_chain(9, &bad, head(&entries)).is_err());
            prop_assert_eq!(verify_chain(9, &entries, head(&entries)), Ok(()));
        }

        /// Moving text between adjacent fields changes the hash (length prefixes).
        #[test]
        fn field_boundaries_matter(s in "[a-z]{0,6}", t in "[a-z]{1,6}") {
            let mut one = access(1, 0);
            one.purpose = format!("{s}{t}");
            one.basis = String::new();
            let mut two = one.clone();
            two.purpose = s.clone();
            two.basis = t.clone();
            prop_assert_ne!(entry_hash(1, &one, &GENESIS), entry_hash(1, &two, &GENESIS));
        }
    }
}
