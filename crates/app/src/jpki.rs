//! The JPKI service (公的個人認証サービス): the municipality's card desk
//! (issue, suspend, resume, revoke, renew, PIN reset), certificate status
//! for relying parties (CRL, OCSP, a JSON status answer) and the platform's
//! challenge sign-in.
//!
//! [`Jpki`] joins the authority (`onshi-pki`), the store (status, history,
//! challenges) and the card file (`onshi-card`). It reads no clock: every
//! operation takes `now`, so tests move time as they like.
//!
//! Freshness: OCSP answers and sign-ins read the status from the store on
//! every request, so a suspension is visible to them as soon as its
//! transaction commits, on every server sharing the database. A CRL is
//! regenerated whenever its CA's status number has moved (every change) and
//! at least hourly; it says `nextUpdate` one day ahead.
//!
//! Challenges: 32 unpredictable bytes, valid for [`CHALLENGE_LIFETIME`],
//! usable once. The card signs SHA-256 of those 32 bytes (a DigestInfo, as
//! JPKI's COMPUTE DIGITAL SIGNATURE does). A sign-in first uses up the
//! challenge, so each challenge gets one attempt, right or wrong: a replay
//! always fails with `challenge_used`.
//!
//! Challenges are stateless: making one writes nothing. Its id carries its
//! expiry and 16 random bytes, authenticated with an HMAC-SHA-256 tag; its
//! 32 bytes are the HMAC of the same, so only this service (and any other
//! process holding the same authority) can make or read them. The key is
//! derived from the user-authentication CA's private key, which every
//! process serving this platform's data directory already holds. Using a
//! challenge records its id in the store until a day after its expiry
//! ([`Store::use_challenges`], committed in groups), which is what stops a
//! replay.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, TimeDelta, Utc};
use onshi_card::{CardFile, CardIssue, PinSlot, Pins};
use onshi_domain::person::Sex;
use onshi_domain::registry::ResidentCode;
use onshi_pki::{
    Authority, CertState, Crl, Holder, IssuedCard, IssuingCa, RevocationReason, StatusEntry, StatusUrls, TrustStore,
    Validity, VerifyError,
};
use onshi_store::jpki::{
    CardChange, CardEvent, CertKind, CertStatus, Challenge, ChallengeTake, NewCard, NewCertificate, StoredCard,
    StoredCertificate, hex,
};
use onshi_store::{PersonId, Store, StoreError};

use crate::group_commit::{Commit, GroupCommit};

/// How long a sign-in challenge can be answered.
pub const CHALLENGE_LIFETIME: TimeDelta = TimeDelta::minutes(5);

/// A cached CRL is regenerated after this long even if nothing changed.
const CRL_REFRESH: TimeDelta = TimeDelta::hours(1);

/// Why a JPKI operation failed.
#[derive(Debug, thiserror::Error)]
pub enum JpkiError {
    #[error("no resident with 住民票コード {0} in the registry; import the registry first")]
    NoResident(String),
    #[error("no card with serial {0}")]
    NoCard(String),
    #[error("{0}")]
    Refused(String),
    #[error("the registry records 性別 3 (未設定) for this resident; a card needs 1, 2 or 9")]
    SexUnset,
    #[error("the card file does not belong to card {expected}: it is card {found}")]
    WrongCardFile { expected: String, found: String },
    #[error(transparent)]
    Card(#[from] onshi_card::CardFileError),
    #[error(transparent)]
    Pki(#[from] onshi_pki::PkiError),
    #[error(transparent)]
    Store(StoreError),
    #[error("the JPKI authority file {path}: {reason}")]
    AuthorityFile { path: PathBuf, reason: String },
}

impl From<StoreError> for JpkiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict { what } => JpkiError::Refused(what),
            StoreError::NotFound { what } if what.starts_with("card ") => {
                JpkiError::NoCard(what.trim_start_matches("card ").to_owned())
            }
            other => JpkiError::Store(other),
        }
    }
}

/// Why a sign-in was refused. Each cause has its own [`SignInError::code`],
/// documented in the API.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the challenge is unknown: get a new one")]
    ChallengeUnknown,
    #[error("the challenge was already used at {used_at}: get a new one (replays are refused)")]
    ChallengeUsed { used_at: DateTime<Utc> },
    #[error("the challenge expired at {expired_at}: get a new one")]
    ChallengeExpired { expired_at: DateTime<Utc> },
    #[error("the certificate is not one DER X.509 certificate: {0}")]
    CertificateMalformed(String),
    #[error("the certificate was not issued by this platform's JPKI")]
    UnknownIssuer,
    #[error("the certificate names our CA but was not signed by it")]
    ForeignCa,
    #[error("the signature over the challenge does not verify with the certificate's key")]
    BadSignature,
    #[error("this is a signing certificate; sign in with the user-authentication certificate (利用者証明用)")]
    WrongCertificateKind,
    #[error("the certificate is not valid before {not_before}")]
    NotYetValid { not_before: DateTime<Utc> },
    #[error("the certificate expired at {not_after}, and its 3-month grace is over")]
    Expired { not_after: DateTime<Utc> },
    #[error("the card is suspended (一時停止) since {since}")]
    Suspended { since: DateTime<Utc> },
    #[error("the certificate is revoked ({reason}) since {at}")]
    Revoked { reason: &'static str, at: DateTime<Utc> },
    #[error("the certificate is not on record")]
    CertificateUnknown,
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl SignInError {
    /// The stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SignInError::ChallengeUnknown => "challenge_unknown",
            SignInError::ChallengeUsed { .. } => "challenge_used",
            SignInError::ChallengeExpired { .. } => "challenge_expired",
            SignInError::CertificateMalformed(_) => "certificate_malformed",
            SignInError::UnknownIssuer => "unknown_issuer",
            SignInError::ForeignCa => "foreign_ca",
            SignInError::BadSignature => "bad_signature",
            SignInError::WrongCertificateKind => "wrong_certificate_kind",
            SignInError::NotYetValid { .. } => "certificate_not_yet_valid",
            SignInError::Expired { .. } => "certificate_expired",
            SignInError::Suspended { .. } => "certificate_suspended",
            SignInError::Revoked { .. } => "certificate_revoked",
            SignInError::CertificateUnknown => "certificate_unknown",
            SignInError::Store(_) => "unavailable",
        }
    }
}

/// An accepted sign-in: who, with which card, and the certificate's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedIn {
    /// The platform's internal person reference; never the My Number.
    pub person_id: PersonId,
    pub card_serial: String,
    pub certificate_serial: String,
    pub not_after: DateTime<Utc>,
    /// `WithinGrace`: expired less than 3 months ago. Eligibility may be
    /// answered, medical information may not (DESIGN.md).
    pub validity: Validity,
}

/// A freshly issued card: its record and the card file to write.
#[derive(Debug)]
pub struct IssuedCardFile {
    pub card: StoredCard,
    pub file: CardFile,
    pub name: String,
}

/// A certificate's status as relying parties see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusAnswer {
    pub certificate: Option<StoredCertificate>,
    /// `good`, `suspended`, `revoked` or `unknown`.
    pub status: &'static str,
    pub reason: Option<&'static str>,
    /// When it was suspended or revoked.
    pub since: Option<DateTime<Utc>>,
    /// `valid`, `within_grace`, `expired` or `not_yet_valid` at the time asked.
    pub validity: &'static str,
    pub grace_ends: Option<DateTime<Utc>>,
}

/// The JPKI service. Cheap to share behind an `Arc`.
pub struct Jpki {
    store: Arc<dyn Store>,
    authority: Authority,
    trust: TrustStore,
    base_url: String,
    crls: Mutex<HashMap<CertKind, CachedCrl>>,
    /// Authenticates stateless challenges (see the module docs).
    challenge_key: aws_lc_rs::hmac::Key,
    /// Challenges used up, committed in groups.
    uses: GroupCommit<(Challenge, DateTime<Utc>), Option<DateTime<Utc>>>,
}

/// The version byte of stateless challenge ids.
const CHALLENGE_V1: u8 = 1;
/// Version, expiry (Unix milliseconds, big-endian) and 16 random bytes.
const CHALLENGE_BODY: usize = 1 + 8 + 16;
/// Bytes of the id's tag.
const CHALLENGE_TAG: usize = 16;

#[derive(Clone)]
struct CachedCrl {
    status_number: u64,
    made_at: DateTime<Utc>,
    crl: Arc<Crl>,
}

impl std::fmt::Debug for Jpki {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Jpki").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

fn kind_of(ca: IssuingCa) -> CertKind {
    match ca {
        IssuingCa::UserAuthentication => CertKind::UserAuthentication,
        IssuingCa::Signing => CertKind::Signing,
    }
}

fn reason_name(code: u8) -> &'static str {
    RevocationReason::from_code(code).map_or("unspecified", RevocationReason::name)
}

fn cert_state(status: CertStatus) -> CertState {
    match status {
        CertStatus::Good => CertState::Good,
        CertStatus::Suspended { since } => CertState::Suspended { since },
        CertStatus::Revoked { reason, at } => CertState::Revoked {
            reason: RevocationReason::from_code(reason).unwrap_or(RevocationReason::Unspecified),
            at,
        },
    }
}

fn jpki_sex_code(sex: Sex) -> Result<&'static str, JpkiError> {
    match sex {
        Sex::Male => Ok("1"),
        Sex::Female => Ok("2"),
        Sex::NotApplicable => Ok("9"),
        Sex::Unset => Err(JpkiError::SexUnset),
    }
}

/// Where the authority lives in a data directory.
pub fn authority_path(data_dir: &Path) -> PathBuf {
    data_dir.join("jpki").join("authority.pem")
}

/// Load the authority from `path`, or create it there on first use (the file
/// holds the CA private keys and is written readable by its owner only).
/// Returns whether it was created.
pub fn load_or_create_authority(path: &Path, now: DateTime<Utc>) -> Result<(Authority, bool), JpkiError> {
    let bad = |reason: String| JpkiError::AuthorityFile { path: path.to_owned(), reason };
    if path.exists() {
        let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot be read: {e}")))?;
        let files = onshi_pki::AuthorityFiles::from_pem(&text).map_err(|e| bad(e.to_string()))?;
        return Ok((Authority::from_files(&files).map_err(|e| bad(e.to_string()))?, false));
    }
    let authority = Authority::create(now)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| bad(format!("cannot create its directory: {e}")))?;
    }
    write_private(path, authority.files().to_pem().as_bytes()).map_err(|e| bad(format!("cannot be written: {e}")))?;
    Ok((authority, true))
}

/// Write a new file only its owner can read (it holds a secret); never
/// overwrites one.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

impl Jpki {
    /// The service over `store` with `authority`; certificates it issues
    /// point relying parties at `{base_url}/{auth|sign}/{ocsp|crl}`.
    pub fn new(store: Arc<dyn Store>, authority: Authority, base_url: &str) -> Result<Jpki, JpkiError> {
        let trust = TrustStore::new(
            authority.root_cert_der(),
            authority.ca_cert_der(IssuingCa::UserAuthentication),
            authority.ca_cert_der(IssuingCa::Signing),
        )
        .map_err(|e| JpkiError::Refused(format!("the authority's certificates do not chain: {e}")))?;
        use aws_lc_rs::hmac;
        let seed = hmac::sign(
            &hmac::Key::new(hmac::HMAC_SHA256, &authority.files().user_authentication.key_pkcs8_der),
            b"onshi/jpki/challenges/v1",
        );
        let challenge_key = hmac::Key::new(hmac::HMAC_SHA256, seed.as_ref());
        let uses_store = store.clone();
        let uses = GroupCommit::new("using up challenges", move |uses: Vec<(Challenge, DateTime<Utc>)>| {
            let store = uses_store.clone();
            Box::pin(async move { store.use_challenges(uses).await }) as Commit<Option<DateTime<Utc>>>
        });
        Ok(Jpki {
            store,
            authority,
            trust,
            base_url: base_url.trim_end_matches('/').to_owned(),
            crls: Mutex::new(HashMap::new()),
            challenge_key,
            uses,
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    pub fn trust(&self) -> &TrustStore {
        &self.trust
    }

    /// The status URLs written into certificates of `ca`.
    pub fn status_urls(&self, ca: IssuingCa) -> StatusUrls {
        let code = kind_of(ca).code();
        StatusUrls { ocsp: format!("{}/{code}/ocsp", self.base_url), crl: format!("{}/{code}/crl", self.base_url) }
    }

    fn issue_certificates(&self, holder: &Holder, now: DateTime<Utc>) -> Result<IssuedCard, JpkiError> {
        Ok(self.authority.issue(
            holder,
            now,
            &self.status_urls(IssuingCa::UserAuthentication),
            &self.status_urls(IssuingCa::Signing),
        )?)
    }

    /// The holder's attributes as the registry has them now.
    async fn holder(&self, person_id: PersonId) -> Result<(onshi_domain::registry::Resident, Holder), JpkiError> {
        let stored = self
            .store
            .resident_by_person(person_id)
            .await?
            .ok_or_else(|| JpkiError::NoResident(format!("(person {person_id})")))?;
        let a = &stored.resident.attributes;
        let holder = Holder {
            name: a.name_kanji.clone(),
            name_substitute: None,
            sex: a.sex,
            birth_date: a.birth_date,
            address: a.address.clone(),
            address_substitute: None,
        };
        Ok((stored.resident, holder))
    }

    /// Issue a card to a resident: both certificates (valid to the 5th
    /// birthday after issue), the card record (valid to the 10th, or 5th if
    /// under 18) and the card file holding the keys. `pins` `None` issues a
    /// card without PINs (face verification only). The caller writes the file.
    pub async fn issue_card(
        &self,
        resident_code: &str,
        pins: Option<Pins>,
        now: DateTime<Utc>,
    ) -> Result<IssuedCardFile, JpkiError> {
        let code: ResidentCode = resident_code.parse().map_err(|_| JpkiError::NoResident(resident_code.to_owned()))?;
        let stored =
            self.store.resident_by_code(&code).await?.ok_or_else(|| JpkiError::NoResident(resident_code.to_owned()))?;
        let (resident, holder) = self.holder(stored.person_id).await?;
        let sex = jpki_sex_code(holder.sex)?;
        let certificates = self.issue_certificates(&holder, now)?;
        let serial = hex(&certificates.user_authentication.serial);
        let has_pin = pins.is_some();
        // Build (and so check) the card file before recording anything.
        let file = CardFile::issue(CardIssue {
            serial: serial.clone(),
            auth_key_pkcs8: certificates.user_authentication.key_pkcs8_der.clone(),
            auth_certificate: certificates.user_authentication.cert_der.clone(),
            auth_ca_certificate: self.authority.ca_cert_der(IssuingCa::UserAuthentication).to_vec(),
            sign_key_pkcs8: certificates.signing.key_pkcs8_der.clone(),
            sign_certificate: certificates.signing.cert_der.clone(),
            sign_ca_certificate: self.authority.ca_cert_der(IssuingCa::Signing).to_vec(),
            pins,
            my_number: resident.my_number.as_str().to_owned(),
            name: holder.name.clone(),
            address: holder.address.clone(),
            birth_date: holder.birth_date.format("%Y%m%d").to_string(),
            sex: sex.to_owned(),
            // A stand-in for the face photo: the reader compares it, nothing more.
            face_photo: format!("face-photo-stand-in:{}", resident.resident_code).into_bytes(),
        })?;
        let issued_on = onshi_domain::date::in_japan(now);
        let card = self
            .store
            .insert_card(NewCard {
                card_serial: serial,
                person_id: stored.person_id,
                issued_at: now,
                expires_on: onshi_pki::validity::card_expiry_date(holder.birth_date, issued_on),
                has_pin,
                certificates: new_certificates(&certificates),
            })
            .await?;
        Ok(IssuedCardFile { card, file, name: holder.name })
    }

    /// Suspend a card (一時停止): at any hour, effective at once.
    pub async fn suspend(&self, card_serial: &str, now: DateTime<Utc>) -> Result<StoredCard, JpkiError> {
        Ok(self.store.change_card(card_serial, CardChange::Suspend, now).await?)
    }

    /// Lift a suspension (一時停止解除), e.g. the lost card was found.
    pub async fn resume(&self, card_serial: &str, now: DateTime<Utc>) -> Result<StoredCard, JpkiError> {
        Ok(self.store.change_card(card_serial, CardChange::Resume, now).await?)
    }

    /// Revoke a card and its certificates for good (廃止).
    pub async fn revoke(
        &self,
        card_serial: &str,
        reason: RevocationReason,
        now: DateTime<Utc>,
    ) -> Result<StoredCard, JpkiError> {
        Ok(self.store.change_card(card_serial, CardChange::Revoke { reason: reason.code() }, now).await?)
    }

    /// Renew both certificates (更新): new keys into `file` (the card at the
    /// desk), new certificates recorded, the old ones revoked as superseded.
    /// The caller must save `file` afterwards; it is changed only if the
    /// store accepted the renewal.
    pub async fn renew(&self, file: &mut CardFile, now: DateTime<Utc>) -> Result<StoredCard, JpkiError> {
        let card = self.card_of_file(file).await?;
        let (_, holder) = self.holder(card.person_id).await?;
        let certificates = self.issue_certificates(&holder, now)?;
        let stored = self
            .store
            .change_card(&card.card_serial, CardChange::Renew { certificates: new_certificates(&certificates) }, now)
            .await?;
        file.jpki.auth.key_pkcs8 = certificates.user_authentication.key_pkcs8_der.clone();
        file.jpki.auth.certificate = certificates.user_authentication.cert_der.clone();
        file.jpki.sign.key_pkcs8 = certificates.signing.key_pkcs8_der.clone();
        file.jpki.sign.certificate = certificates.signing.cert_der.clone();
        Ok(stored)
    }

    /// Reset a locked PIN at the municipal desk (the card is present):
    /// recorded in the card's history, then set on the card.
    pub async fn reset_pin(
        &self,
        file: &mut CardFile,
        which: PinSlot,
        new_pin: &str,
        now: DateTime<Utc>,
    ) -> Result<StoredCard, JpkiError> {
        let card = self.card_of_file(file).await?;
        // Check the new PIN's shape before recording anything.
        let mut changed = file.clone();
        changed.reset_pin(which, new_pin)?;
        let stored = self
            .store
            .change_card(&card.card_serial, CardChange::PinReset { which: which.field().to_owned() }, now)
            .await?;
        *file = changed;
        Ok(stored)
    }

    async fn card_of_file(&self, file: &CardFile) -> Result<StoredCard, JpkiError> {
        self.store.card(&file.serial).await?.ok_or_else(|| JpkiError::NoCard(file.serial.clone()))
    }

    pub async fn card(&self, card_serial: &str) -> Result<StoredCard, JpkiError> {
        self.store.card(card_serial).await?.ok_or_else(|| JpkiError::NoCard(card_serial.to_owned()))
    }

    pub async fn certificates(&self, card_serial: &str) -> Result<Vec<StoredCertificate>, JpkiError> {
        Ok(self.store.certificates_of_card(card_serial).await?)
    }

    pub async fn history(&self, card_serial: &str) -> Result<Vec<CardEvent>, JpkiError> {
        Ok(self.store.card_events(card_serial).await?)
    }

    /// The current CRL of `ca`, regenerated if anything changed since the
    /// cached one or it is older than an hour. Its CRL number is the status
    /// number shifted left 24 bits plus the hours since 1970 (mod 2^24):
    /// every regeneration gets a larger number.
    pub async fn crl(&self, ca: IssuingCa, now: DateTime<Utc>) -> Result<Arc<Crl>, JpkiError> {
        let kind = kind_of(ca);
        let number = self.store.status_number(kind).await?;
        if let Some(cached) = self.cached_crl(kind)
            && cached.status_number == number
            && now - cached.made_at < CRL_REFRESH
        {
            return Ok(cached.crl);
        }
        let list = self.store.status_list(kind).await?;
        let entries: Vec<StatusEntry> = list
            .entries
            .into_iter()
            .map(|(serial, status)| StatusEntry { serial, state: cert_state(status) })
            .collect();
        let hours = (now.timestamp().max(0) / 3600) as u64 & 0xFF_FFFF;
        let crl_number = (list.number << 24) | hours;
        let crl = Arc::new(self.authority.crl(ca, &entries, now, now + TimeDelta::days(1), crl_number)?);
        let mut cache = self.crls.lock().unwrap_or_else(|p| p.into_inner());
        cache.insert(kind, CachedCrl { status_number: list.number, made_at: now, crl: Arc::clone(&crl) });
        Ok(crl)
    }

    fn cached_crl(&self, kind: CertKind) -> Option<CachedCrl> {
        self.crls.lock().unwrap_or_else(|p| p.into_inner()).get(&kind).cloned()
    }

    /// Answer a DER OCSP request with a DER OCSP response (RFC 6960), reading
    /// the status of each certificate asked about from the store.
    pub async fn ocsp(&self, request_der: &[u8], now: DateTime<Utc>) -> Result<Vec<u8>, JpkiError> {
        let mut entries = Vec::new();
        for serial in onshi_pki::requested_serials(request_der).into_iter().take(16) {
            if let Some(cert) = self.store.certificate(&serial).await? {
                entries.push(StatusEntry { serial, state: cert_state(cert.status) });
            }
        }
        Ok(self.authority.ocsp_response(request_der, &entries, now, now + TimeDelta::minutes(1)))
    }

    /// A certificate's status at `now`, for the JSON status endpoint.
    pub async fn status(&self, serial: &[u8], now: DateTime<Utc>) -> Result<StatusAnswer, JpkiError> {
        let Some(cert) = self.store.certificate(serial).await? else {
            return Ok(StatusAnswer {
                certificate: None,
                status: "unknown",
                reason: None,
                since: None,
                validity: "unknown",
                grace_ends: None,
            });
        };
        let (status, reason, since) = match cert.status {
            CertStatus::Good => ("good", None, None),
            CertStatus::Suspended { since } => ("suspended", None, Some(since)),
            CertStatus::Revoked { reason, at } => ("revoked", Some(reason_name(reason)), Some(at)),
        };
        let grace = onshi_pki::validity::grace_end(cert.not_after);
        let (validity, grace_ends) = if now < cert.not_before {
            ("not_yet_valid", None)
        } else if now <= cert.not_after {
            ("valid", None)
        } else if cert.kind == CertKind::UserAuthentication && now <= grace {
            ("within_grace", Some(grace))
        } else {
            ("expired", None)
        };
        Ok(StatusAnswer { certificate: Some(cert), status, reason, since, validity, grace_ends })
    }

    /// A new one-time challenge; writes nothing (see the module docs).
    pub async fn new_challenge(&self, now: DateTime<Utc>) -> Result<Challenge, JpkiError> {
        let expires_at = now + CHALLENGE_LIFETIME;
        let mut body = [0u8; CHALLENGE_BODY];
        body[0] = CHALLENGE_V1;
        body[1..9].copy_from_slice(&expires_at.timestamp_millis().to_be_bytes());
        body[9..].copy_from_slice(&random_bytes::<16>());
        Ok(self.challenge_of(&body, now).0)
    }

    /// The challenge of an id's `body`, and the id's full tag.
    fn challenge_of(&self, body: &[u8; CHALLENGE_BODY], issued_at: DateTime<Utc>) -> (Challenge, [u8; CHALLENGE_TAG]) {
        use aws_lc_rs::hmac;
        use base64::Engine as _;
        let sign = |label: &[u8]| {
            let mut ctx = hmac::Context::with_key(&self.challenge_key);
            ctx.update(label);
            ctx.update(body);
            ctx.sign()
        };
        let mut tag = [0u8; CHALLENGE_TAG];
        tag.copy_from_slice(&sign(b"id").as_ref()[..CHALLENGE_TAG]);
        let mut id = body.to_vec();
        id.extend_from_slice(&tag);
        let millis = i64::from_be_bytes(body[1..9].try_into().unwrap_or_default());
        let expires_at = DateTime::from_timestamp_millis(millis).unwrap_or_default();
        let challenge = Challenge {
            id: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&id),
            nonce: sign(b"nonce").as_ref().to_vec(),
            issued_at,
            expires_at,
        };
        (challenge, tag)
    }

    /// The challenge an id names, if this service made it.
    fn decode_challenge(&self, id: &str) -> Option<Challenge> {
        use base64::Engine as _;
        if id.len() != ((CHALLENGE_BODY + CHALLENGE_TAG) * 4).div_ceil(3) {
            return None;
        }
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(id).ok()?;
        let (body, tag) = bytes.split_at_checked(CHALLENGE_BODY)?;
        let body: &[u8; CHALLENGE_BODY] = body.try_into().ok()?;
        if body[0] != CHALLENGE_V1 || tag.len() != CHALLENGE_TAG {
            return None;
        }
        let millis = i64::from_be_bytes(body[1..9].try_into().ok()?);
        let issued_at = DateTime::from_timestamp_millis(millis)? - CHALLENGE_LIFETIME;
        let (challenge, expected) = self.challenge_of(body, issued_at);
        aws_lc_rs::constant_time::verify_slices_are_equal(tag, &expected).ok()?;
        Some(challenge)
    }

    /// Use up the challenge `id` at `now`: the challenge if it was ours,
    /// unexpired and unused.
    async fn take_challenge(&self, id: &str, now: DateTime<Utc>) -> Result<Challenge, SignInError> {
        let Some(challenge) = self.decode_challenge(id) else {
            // Not a stateless id: one stored before (or unknown).
            return match self.store.take_challenge(id, now).await? {
                ChallengeTake::Taken(challenge) => Ok(challenge),
                ChallengeTake::Unknown => Err(SignInError::ChallengeUnknown),
                ChallengeTake::Used { used_at } => Err(SignInError::ChallengeUsed { used_at }),
                ChallengeTake::Expired { expired_at } => Err(SignInError::ChallengeExpired { expired_at }),
            };
        };
        if now > challenge.expires_at {
            return Err(SignInError::ChallengeExpired { expired_at: challenge.expires_at });
        }
        match self.uses.write((challenge.clone(), now)).await? {
            None => Ok(challenge),
            Some(used_at) => Err(SignInError::ChallengeUsed { used_at }),
        }
    }

    /// The platform's sign-in check: the challenge is ours, unexpired and
    /// unused (and is used up now); the certificate chains to our
    /// user-authentication CA; the signature over the challenge verifies;
    /// the certificate is on record, neither suspended nor revoked, and
    /// valid or within its grace at `now`.
    pub async fn sign_in(
        &self,
        challenge_id: &str,
        cert_der: &[u8],
        signature: &[u8],
        now: DateTime<Utc>,
    ) -> Result<SignedIn, SignInError> {
        let challenge = self.take_challenge(challenge_id, now).await?;
        let verified = self.trust.verify_sign_in(cert_der, &challenge.nonce, signature, now).map_err(verify_error)?;
        self.signed_in(verified).await
    }

    /// A user-authentication certificate presented by a reader that
    /// verified its holder by face (顔認証), so without the card's signature:
    /// the chain, validity or grace, and the certificate's status, checked
    /// as for [`Jpki::sign_in`]. Only facilities' readers may use it.
    pub async fn face_verified(&self, cert_der: &[u8], now: DateTime<Utc>) -> Result<SignedIn, SignInError> {
        let verified = self.trust.verify_presented(cert_der, now).map_err(verify_error)?;
        self.signed_in(verified).await
    }

    /// A card checked at a reader while the platform could not be reached
    /// (failure mode), judged as it stood at `visited_at`: the card's
    /// signature over `message` (the visit's bound nonce, see
    /// [`crate::eligibility::offline_visit_message`]) or, after 顔認証, the
    /// certificate alone; the chain; validity or grace at the visit; and its
    /// status at the visit: a certificate suspended or revoked at or before
    /// `visited_at` is refused, one suspended or revoked later is not.
    ///
    /// The status kept is the current one with the time it began, so a card
    /// suspended and then resumed before the platform hears of the visit is
    /// judged as good (the PIN or the face was verified at the reader).
    pub async fn offline_visit(
        &self,
        cert_der: &[u8],
        message: &[u8],
        signature: Option<&[u8]>,
        visited_at: DateTime<Utc>,
    ) -> Result<SignedIn, SignInError> {
        let verified = match signature {
            Some(signature) => self.trust.verify_sign_in(cert_der, message, signature, visited_at),
            None => self.trust.verify_presented(cert_der, visited_at),
        }
        .map_err(verify_error)?;
        if verified.kind != IssuingCa::UserAuthentication {
            return Err(SignInError::WrongCertificateKind);
        }
        let cert = self.store.certificate(&verified.serial).await?.ok_or(SignInError::CertificateUnknown)?;
        match cert.status {
            CertStatus::Suspended { since } if since <= visited_at => return Err(SignInError::Suspended { since }),
            CertStatus::Revoked { reason, at } if at <= visited_at => {
                return Err(SignInError::Revoked { reason: reason_name(reason), at });
            }
            _ => {}
        }
        Ok(SignedIn {
            person_id: cert.person_id,
            card_serial: cert.card_serial,
            certificate_serial: hex(&cert.serial),
            not_after: verified.not_after,
            validity: verified.validity,
        })
    }

    async fn signed_in(&self, verified: onshi_pki::Verified) -> Result<SignedIn, SignInError> {
        if verified.kind != IssuingCa::UserAuthentication {
            return Err(SignInError::WrongCertificateKind);
        }
        let cert = self.store.certificate(&verified.serial).await?.ok_or(SignInError::CertificateUnknown)?;
        match cert.status {
            CertStatus::Good => {}
            CertStatus::Suspended { since } => return Err(SignInError::Suspended { since }),
            CertStatus::Revoked { reason, at } => return Err(SignInError::Revoked { reason: reason_name(reason), at }),
        }
        Ok(SignedIn {
            person_id: cert.person_id,
            card_serial: cert.card_serial,
            certificate_serial: hex(&cert.serial),
            not_after: verified.not_after,
            validity: verified.validity,
        })
    }
}

fn verify_error(error: VerifyError) -> SignInError {
    match error {
        VerifyError::Malformed(m) => SignInError::CertificateMalformed(m),
        VerifyError::UnknownIssuer => SignInError::UnknownIssuer,
        VerifyError::ForeignCa | VerifyError::BadTrustAnchors(_) => SignInError::ForeignCa,
        VerifyError::BadSignature => SignInError::BadSignature,
        VerifyError::NotYetValid { not_before } => SignInError::NotYetValid { not_before },
        VerifyError::Expired { not_after, .. } => SignInError::Expired { not_after },
    }
}

fn new_certificates(issued: &IssuedCard) -> Vec<NewCertificate> {
    [(CertKind::UserAuthentication, &issued.user_authentication), (CertKind::Signing, &issued.signing)]
        .into_iter()
        .map(|(kind, c)| NewCertificate {
            serial: c.serial.clone(),
            kind,
            not_before: c.not_before,
            not_after: c.not_after,
            cert_der: c.cert_der.clone(),
        })
        .collect()
}

/// Random bytes from the thread's CSPRNG (ChaCha, seeded from the OS).
fn random_bytes<const N: usize>() -> [u8; N] {
    rand::random()
}

/// Parse upper- or lower-case hex (a certificate or card serial).
pub fn parse_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.is_empty() || !text.len().is_multiple_of(2) || text.len() > 80 {
        return None;
    }
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok()).collect()
}
