//! The citizen portal (マイナポータル): a first-party relying party of the
//! platform's own OpenID provider, and what its pages read.
//!
//! **Sign-in.** The browser gets a session waiting for the app: the portal
//! starts an authorization transaction of its built-in client
//! ([`CLIENT_ID`], 「マイナポータル」) straight in the store, so the page can
//! show the user code. The person approves in the app exactly as for any
//! service (`/oidc/app/…`, the card's signature with the PIN). The page
//! polls; once approved, the portal completes the transaction through the
//! provider ([`Provider::status`]), takes the one-time code itself at once
//! and gets the person id from it: the code never leaves the server, there
//! is no ID token and no pairwise `sub`. The built-in client has no redirect
//! URI, no key and no secret, so nothing outside the process can start,
//! redirect or redeem one of its transactions. The waiting session is then
//! replaced by the person's session under a new id (no session fixation).
//!
//! A certificate in its post-expiry grace is let in (the provider refuses
//! it for every other service): the approval records [`IN_GRACE`] instead
//! of released claims, and the session then shows no medical information
//! ([`PortalError::CertificateInGrace`]), as the citizen API refuses it.
//!
//! **Sessions** live in the store, keyed by the SHA-256 of a random 256-bit
//! id the browser holds in a cookie, expire after [`IDLE_TIMEOUT`] without
//! a request, and end at sign-out. Each carries a synchronizer token every
//! form posts back ([`Session::csrf_ok`]).
//!
//! **Pages** read through the services everyone else uses: medical records
//! through [`Medical::self_read`], so each is logged as `self` in the
//! person's access log; the log itself through [`Medical::own_log`], checked.

use std::sync::{Arc, OnceLock};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use onshi_domain::Date;
use onshi_domain::audit::{Basis, Entry};
use onshi_domain::id::FacilityCode;
use onshi_notice::NoticeFont;
use onshi_store::eligibility::{DocumentKind, EligibilityDocument};
use onshi_store::inspection::Notice;
use onshi_store::jpki::{CertKind, CertStatus};
use onshi_store::medical::StoredConsent;
use onshi_store::oidc::{Authorization, CodeTake, RelyingParty};
use onshi_store::portal::{FacilityBlock, PortalSession};
use onshi_store::{LinkState, PersonId, Store, StoreError, StoredMember};

use crate::documents::{DocumentError, Documents};
use crate::medical::{Category, Medical, ReadError, Records, VerifiedLog};
use crate::oidc::{AUTHORIZATION_LIFETIME, AuthRequest, OidcError, Provider, Status};

/// The portal's client id at the provider.
pub const CLIENT_ID: &str = "onshiportal";
/// The name the app shows for the portal.
pub const CLIENT_NAME: &str = "マイナポータル";
/// What an approval records instead of released claims when the card's
/// certificate was in its grace (only the portal admits one).
pub const IN_GRACE: &str = "certificate_in_grace";
/// A session ends after this long without a request.
pub const IDLE_TIMEOUT: TimeDelta = TimeDelta::minutes(15);
/// The user-authentication certificate's expiry is announced this long ahead.
pub const EXPIRY_NOTICE: chrono::Months = chrono::Months::new(3);

fn sha256(data: &[u8]) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, data).as_ref().to_vec()
}

fn random(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    // The system's randomness failing is not recoverable for sessions.
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut buf).expect("the system random generator works");
    URL_SAFE_NO_PAD.encode(buf)
}

fn user_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut buf = [0u8; 8];
    #[allow(clippy::expect_used)]
    aws_lc_rs::rand::fill(&mut buf).expect("the system random generator works");
    let chars: String = buf.iter().map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])).collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

/// Why a portal request could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum PortalError {
    #[error(
        "the card's certificate is in its post-expiry grace: no medical information is shown until it is renewed at the municipality"
    )]
    CertificateInGrace,
    #[error("{field} {value:?}: {rule}")]
    Invalid { field: &'static str, value: String, rule: String },
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error(transparent)]
    Document(#[from] DocumentError),
    #[error("the provider refused: {0}")]
    Provider(#[from] OidcError),
    #[error("the PDF cannot be printed: {0}")]
    Font(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A session as the pages use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    id_sha256: Vec<u8>,
    pub csrf_token: String,
    /// `None` while the sign-in waits for the app.
    pub person_id: Option<PersonId>,
    authorization_id: Option<String>,
    pub certificate_in_grace: bool,
    /// When the person last signed in before this session.
    pub previous_visit_at: Option<DateTime<Utc>>,
    pub expires_at: DateTime<Utc>,
}

impl Session {
    fn from_stored(s: PortalSession) -> Session {
        Session {
            id_sha256: s.session_sha256,
            csrf_token: s.csrf_token,
            person_id: s.person_id,
            authorization_id: s.authorization_id,
            certificate_in_grace: s.certificate_in_grace,
            previous_visit_at: s.previous_visit_at,
            expires_at: s.expires_at,
        }
    }

    /// Whether a form's token is this session's (constant time).
    pub fn csrf_ok(&self, token: &str) -> bool {
        onshi_domain::oidc::constant_time_eq(&sha256(token.as_bytes()), &sha256(self.csrf_token.as_bytes()))
    }

    /// The signed-in person; `None` while waiting for the app.
    pub fn person(&self) -> Option<PersonId> {
        self.person_id
    }
}

/// A new session: the cookie value to set, and the session.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub cookie: String,
    pub session: Session,
}

/// Where a waiting sign-in stands.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Waiting for the app: the code to show.
    Waiting { user_code: String, expires_at: DateTime<Utc> },
    /// Approved: the person's new session replaces the waiting one.
    SignedIn(NewSession),
    /// The person refused in the app, or cancelled.
    Denied,
    /// Expired (or already completed): start again.
    Over,
}

/// One of the person's coverages, as the 健康保険証 page shows it.
#[derive(Debug, Clone)]
pub struct Coverage {
    pub member: StoredMember,
    pub insurer_name: String,
    /// Covered on the day asked.
    pub current: bool,
    /// Held by the total inspection (総点検中): nothing is shown through it.
    pub under_inspection: bool,
}

/// Something the home page tells the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HomeNotice {
    /// A 資格確認書 was issued (交付番号, valid until).
    CertificateIssued { serial: String, valid_until: Option<Date> },
    /// The user-authentication certificate expires soon (on).
    CertificateExpiring { on: Date },
    /// The certificate has expired; in its grace until `grace_ends`.
    CertificateInGrace,
    /// No coverage is linked to the person (data not registered at an insurer).
    NoLinkedCoverage,
    /// A link is held by the total inspection.
    LinkUnderInspection { insurer_name: String },
    /// Emergency reads (救急時医療情報閲覧, マイナ救急) since the last visit.
    EmergencyAccess { count: usize, last_at: DateTime<Utc> },
    /// A notice of the platform (the inspection's).
    Platform(Notice),
}

/// The registration of the card as insurance card, with the documents.
#[derive(Debug, Clone)]
pub struct RegistrationView {
    pub registered: bool,
    pub changed_at: Option<DateTime<Utc>>,
    /// The person's documents (資格情報のお知らせ, 資格確認書), newest first.
    pub documents: Vec<EligibilityDocument>,
}

/// A blocked facility with its name.
#[derive(Debug, Clone)]
pub struct BlockView {
    pub block: FacilityBlock,
    pub facility_name: String,
}

/// The portal's service.
pub struct Portal {
    store: Arc<dyn Store>,
    provider: Arc<Provider>,
    medical: Arc<Medical>,
    documents: Documents,
    font: OnceLock<Result<NoticeFont, String>>,
}

impl std::fmt::Debug for Portal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Portal").field("backend", &self.store.backend()).finish_non_exhaustive()
    }
}

impl Portal {
    pub fn new(store: Arc<dyn Store>, provider: Arc<Provider>, medical: Arc<Medical>) -> Portal {
        let documents = Documents::new(store.clone());
        Portal { store, provider, medical, documents, font: OnceLock::new() }
    }

    /// The built-in client, registered on first use.
    async fn ensure_client(&self, now: DateTime<Utc>) -> Result<(), StoreError> {
        if self.store.relying_party(CLIENT_ID).await?.is_some() {
            return Ok(());
        }
        let client = RelyingParty {
            client_id: CLIENT_ID.into(),
            name: CLIENT_NAME.into(),
            // None: no outside request can name the portal's client.
            redirect_uris: Vec::new(),
            scopes: "openid".into(),
            sector_identifier: "portal.onshi.invalid".into(),
            jwks: r#"{"keys":[]}"#.into(),
            client_secret_sha256: None,
            created_at: now,
            revoked_at: None,
        };
        match self.store.insert_relying_party(client).await {
            Ok(()) | Err(StoreError::Conflict { .. }) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A new sign-in: an authorization transaction of the portal waiting
    /// for the app, and a session waiting for it.
    pub async fn start_sign_in(&self, now: DateTime<Utc>) -> Result<(NewSession, String), PortalError> {
        self.ensure_client(now).await?;
        let request = AuthRequest {
            client_id: CLIENT_ID.into(),
            redirect_uri: format!("{}/portal/", self.provider.issuer()),
            scope: "openid".into(),
            state: random(16),
            nonce: random(16),
            // Of a verifier nobody keeps: the code is redeemed in-process only.
            code_challenge: random(32),
        };
        let body = serde_json::to_string(&request).map_err(|e| StoreError::Corrupt { what: e.to_string() })?;
        let mut authorization = None;
        for _ in 0..5 {
            let candidate = Authorization {
                id: random(24),
                user_code: user_code(),
                client_id: CLIENT_ID.into(),
                request: body.clone(),
                created_at: now,
                expires_at: now + AUTHORIZATION_LIFETIME,
            };
            match self.store.insert_authorization(candidate.clone()).await {
                Ok(()) => {
                    authorization = Some(candidate);
                    break;
                }
                Err(StoreError::Conflict { .. }) => continue, // a user code in use: draw another
                Err(e) => return Err(e.into()),
            }
        }
        let authorization =
            authorization.ok_or_else(|| StoreError::Conflict { what: "no free user code after 5 draws".into() })?;
        let cookie = random(32);
        let stored = PortalSession {
            session_sha256: sha256(cookie.as_bytes()),
            csrf_token: random(24),
            authorization_id: Some(authorization.id),
            person_id: None,
            certificate_in_grace: false,
            previous_visit_at: None,
            created_at: now,
            last_seen_at: now,
            expires_at: now + IDLE_TIMEOUT,
        };
        self.store.insert_portal_session(stored.clone()).await?;
        Ok((NewSession { cookie, session: Session::from_stored(stored) }, authorization.user_code))
    }

    /// The session of a cookie, unexpired, its idle time restarted.
    pub async fn session(&self, cookie: &str, now: DateTime<Utc>) -> Result<Option<Session>, PortalError> {
        if cookie.is_empty() || cookie.len() > 128 {
            return Ok(None);
        }
        let stored = self.store.touch_portal_session(&sha256(cookie.as_bytes()), now, now + IDLE_TIMEOUT).await?;
        Ok(stored.map(Session::from_stored))
    }

    /// Where a waiting sign-in stands; once approved, the person's session.
    pub async fn sign_in_status(&self, session: &Session, now: DateTime<Utc>) -> Result<SignIn, PortalError> {
        let Some(id) = &session.authorization_id else { return Ok(SignIn::Over) };
        let Some(stored) = self.store.authorization(id).await? else { return Ok(SignIn::Over) };
        let location = match self.provider.status(id, now).await? {
            Status::Pending => {
                return Ok(SignIn::Waiting {
                    user_code: stored.authorization.user_code,
                    expires_at: stored.authorization.expires_at,
                });
            }
            Status::Over => return Ok(SignIn::Over),
            Status::Redirect(location) => location,
        };
        let query = location.split_once('?').map(|(_, q)| q).unwrap_or_default();
        let Some(code) = query.split('&').find_map(|pair| pair.strip_prefix("code=")) else {
            return Ok(SignIn::Denied);
        };
        let code = match self.store.take_code(&sha256(code.as_bytes()), now).await? {
            CodeTake::Taken(code) if code.client_id == CLIENT_ID => *code,
            _ => return Ok(SignIn::Over),
        };
        let cookie = random(32);
        let signed_in = PortalSession {
            session_sha256: sha256(cookie.as_bytes()),
            csrf_token: random(24),
            authorization_id: None,
            person_id: Some(code.person_id),
            certificate_in_grace: code.claims == IN_GRACE,
            previous_visit_at: None,
            created_at: now,
            last_seen_at: now,
            expires_at: now + IDLE_TIMEOUT,
        };
        match self.store.sign_in_portal_session(&session.id_sha256, signed_in).await? {
            Some(stored) => Ok(SignIn::SignedIn(NewSession { cookie, session: Session::from_stored(stored) })),
            None => Ok(SignIn::Over),
        }
    }

    /// Sign out: the session is forgotten.
    pub async fn sign_out(&self, session: &Session) -> Result<(), PortalError> {
        self.store.end_portal_session(&session.id_sha256).await?;
        Ok(())
    }

    fn signed_in(session: &Session) -> Result<PersonId, PortalError> {
        session.person_id.ok_or_else(|| PortalError::NotFound("not signed in".into()))
    }

    fn medical_allowed(session: &Session) -> Result<PersonId, PortalError> {
        let person = Self::signed_in(session)?;
        if session.certificate_in_grace {
            return Err(PortalError::CertificateInGrace);
        }
        Ok(person)
    }

    /// The person's name (漢字) for the header.
    pub async fn name(&self, session: &Session) -> Result<String, PortalError> {
        let person = Self::signed_in(session)?;
        Ok(self.store.resident_by_person(person).await?.map(|r| r.resident.attributes.name_kanji).unwrap_or_default())
    }

    /// The person's own records of a category, logged as `self`.
    pub async fn records(
        &self,
        session: &Session,
        category: Category,
        now: DateTime<Utc>,
    ) -> Result<Records, PortalError> {
        let person = Self::medical_allowed(session)?;
        Ok(self.medical.self_read(person, category, now).await?)
    }

    /// The person's access log, checked (chain and signed head).
    pub async fn access_log(&self, session: &Session) -> Result<VerifiedLog, PortalError> {
        let person = Self::signed_in(session)?;
        Ok(self.medical.own_log(person).await?)
    }

    /// The person's consents, oldest first.
    pub async fn consents(&self, session: &Session) -> Result<Vec<StoredConsent>, PortalError> {
        Ok(self.medical.consents(Self::signed_in(session)?).await?)
    }

    pub async fn revoke(
        &self,
        session: &Session,
        consent_id: i64,
        now: DateTime<Utc>,
    ) -> Result<StoredConsent, PortalError> {
        Ok(self.medical.revoke(Self::signed_in(session)?, consent_id, now).await?)
    }

    /// A facility's name by its code, empty when unknown.
    pub async fn facility_name(&self, code: &str) -> Result<String, PortalError> {
        Ok(match code.parse::<FacilityCode>() {
            Ok(parsed) => self.store.facility(&parsed).await?.map(|f| f.name).unwrap_or_default(),
            Err(_) => String::new(),
        })
    }

    /// Every coverage linked to the person, current ones first.
    pub async fn coverages(&self, session: &Session, now: DateTime<Utc>) -> Result<Vec<Coverage>, PortalError> {
        let person = Self::signed_in(session)?;
        let today = onshi_domain::date::in_japan(now);
        let insurers = self.store.insurers().await?;
        let mut out: Vec<Coverage> = self
            .store
            .members_of_person(person)
            .await?
            .into_iter()
            .map(|member| {
                let insurer_name = insurers
                    .iter()
                    .find(|i| i.insurer_number == member.member.key.insurer_number)
                    .map(|i| i.name.clone())
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| format!("保険者番号 {}", member.member.key.insurer_number));
                Coverage {
                    current: member.member.is_eligible_on(today),
                    under_inspection: member.link_state == Some(LinkState::Suspended),
                    insurer_name,
                    member,
                }
            })
            .collect();
        out.sort_by_key(|c| (!c.current, std::cmp::Reverse(c.member.member.acquired_on)));
        Ok(out)
    }

    fn font(&self) -> Result<&NoticeFont, PortalError> {
        self.font
            .get_or_init(|| NoticeFont::find(None).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| PortalError::Font(e.clone()))
    }

    /// The eligibility information of the `index`th coverage (as
    /// [`Portal::coverages`] lists them) as a PDF.
    pub async fn coverage_pdf(
        &self,
        session: &Session,
        index: usize,
        now: DateTime<Utc>,
    ) -> Result<Vec<u8>, PortalError> {
        let coverages = self.coverages(session, now).await?;
        let coverage = coverages
            .into_iter()
            .nth(index)
            .filter(|c| c.current && !c.under_inspection)
            .ok_or_else(|| PortalError::NotFound(format!("no current coverage number {}", index + 1)))?;
        let font = self.font()?;
        Ok(self.documents.eligibility_pdf(&coverage.member, now, font).await?)
    }

    /// The registration of the card as insurance card and the documents.
    pub async fn registration(&self, session: &Session) -> Result<RegistrationView, PortalError> {
        let person = Self::signed_in(session)?;
        let registration = self.store.registration(person).await?;
        let mut documents = Vec::new();
        for member in self.store.members_of_person(person).await? {
            documents.extend(self.store.documents_of_member(member.member_id).await?);
        }
        documents.sort_by(|a, b| b.created_at.cmp(&a.created_at).then_with(|| b.serial.cmp(&a.serial)));
        Ok(RegistrationView {
            registered: registration.as_ref().is_some_and(|r| r.registered),
            changed_at: registration.map(|r| r.changed_at),
            documents,
        })
    }

    /// Register the card as insurance card (利用登録) from the portal.
    pub async fn register(
        &self,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<Vec<EligibilityDocument>, PortalError> {
        Ok(self.documents.register_person(Self::signed_in(session)?, "portal", now).await?)
    }

    /// Cancel the registration (解除): a 資格確認書 for each coverage of the
    /// day, valid for the longest the law allows (5 years; the insurer may
    /// shorten it).
    pub async fn cancel_registration(
        &self,
        session: &Session,
        now: DateTime<Utc>,
    ) -> Result<Vec<EligibilityDocument>, PortalError> {
        let today = onshi_domain::date::in_japan(now);
        let valid_until = onshi_domain::eligibility::certificate_latest_valid_until(today);
        Ok(self.documents.cancel_person(Self::signed_in(session)?, "portal", valid_until, now).await?)
    }

    /// The PDF of the `index`th document of [`Portal::registration`].
    pub async fn document_pdf(&self, session: &Session, index: usize) -> Result<Vec<u8>, PortalError> {
        let view = self.registration(session).await?;
        let document = view
            .documents
            .get(index)
            .ok_or_else(|| PortalError::NotFound(format!("no document number {}", index + 1)))?;
        let font = self.font()?;
        Ok(self.documents.render(&document.serial, font).await?)
    }

    /// The facilities the person blocks or blocked, with their names.
    pub async fn blocks(&self, session: &Session) -> Result<Vec<BlockView>, PortalError> {
        let person = Self::signed_in(session)?;
        let mut out = Vec::new();
        for block in self.store.facility_blocks_of_person(person).await? {
            let facility_name = self.facility_name(&block.facility_code).await?;
            out.push(BlockView { block, facility_name });
        }
        Ok(out)
    }

    /// Block (閲覧拒否) or unblock a facility by its 医療機関コード.
    pub async fn set_block(
        &self,
        session: &Session,
        facility_code: &str,
        blocked: bool,
        now: DateTime<Utc>,
    ) -> Result<BlockView, PortalError> {
        let person = Self::signed_in(session)?;
        let typed = facility_code.trim();
        let code: FacilityCode = typed.parse().map_err(|e: onshi_domain::id::FacilityCodeError| {
            PortalError::Invalid { field: "医療機関コード", value: typed.to_owned(), rule: e.to_string() }
        })?;
        let facility = self.store.facility(&code).await?.ok_or_else(|| PortalError::Invalid {
            field: "医療機関コード",
            value: typed.to_owned(),
            rule: "no facility with this code is registered".into(),
        })?;
        let block = self.store.set_facility_block(person, code.as_str(), blocked, now).await.map_err(|e| match e {
            StoreError::NotFound { .. } => PortalError::Invalid {
                field: "医療機関コード",
                value: typed.to_owned(),
                rule: "this facility is not blocked".into(),
            },
            other => other.into(),
        })?;
        Ok(BlockView { block, facility_name: facility.name })
    }

    /// What the home page tells the person now.
    pub async fn notices(&self, session: &Session, now: DateTime<Utc>) -> Result<Vec<HomeNotice>, PortalError> {
        let person = Self::signed_in(session)?;
        let today = onshi_domain::date::in_japan(now);
        let mut notices = Vec::new();
        // The user-authentication certificate: in its grace, or expiring soon.
        if session.certificate_in_grace {
            notices.push(HomeNotice::CertificateInGrace);
        } else {
            let mut expiry: Option<DateTime<Utc>> = None;
            for card in self.store.cards_of_person(person).await? {
                for cert in self.store.certificates_of_card(&card.card_serial).await? {
                    if cert.kind == CertKind::UserAuthentication
                        && cert.status == CertStatus::Good
                        && cert.not_after > now
                    {
                        expiry = Some(expiry.map_or(cert.not_after, |e| e.max(cert.not_after)));
                    }
                }
            }
            if let Some(not_after) = expiry {
                let on = onshi_domain::date::in_japan(not_after);
                if today.checked_add_months(EXPIRY_NOTICE).is_some_and(|limit| on <= limit) {
                    notices.push(HomeNotice::CertificateExpiring { on });
                }
            }
        }
        // Coverages: none linked, or held by the inspection.
        let coverages = self.coverages(session, now).await?;
        if !coverages.iter().any(|c| c.current && !c.under_inspection) {
            notices.push(HomeNotice::NoLinkedCoverage);
        }
        for c in coverages.iter().filter(|c| c.under_inspection) {
            notices.push(HomeNotice::LinkUnderInspection { insurer_name: c.insurer_name.clone() });
        }
        // 資格確認書 valid today.
        for c in &coverages {
            for d in self.store.documents_of_member(c.member.member_id).await? {
                if d.kind == DocumentKind::Certificate && d.valid_until.is_none_or(|v| today <= v) {
                    notices.push(HomeNotice::CertificateIssued { serial: d.serial, valid_until: d.valid_until });
                }
            }
        }
        // Emergency reads since the previous visit.
        let log = self.store.access_log_of_person(person).await?;
        let emergency: Vec<&Entry> = log
            .entries
            .iter()
            .filter(|e| matches!(Basis::from_code(&e.access.basis), Some(Basis::Emergency | Basis::Crew)))
            .filter(|e| session.previous_visit_at.is_none_or(|since| e.access.at > since))
            .collect();
        // One read logs an entry per category: count reads, not entries.
        let mut reads: Vec<(DateTime<Utc>, &str)> =
            emergency.iter().map(|e| (e.access.at, e.access.actor_id.as_str())).collect();
        reads.sort();
        reads.dedup();
        if let Some(last) = reads.iter().map(|(at, _)| *at).max() {
            notices.push(HomeNotice::EmergencyAccess { count: reads.len(), last_at: last });
        }
        for notice in self.store.notices_of_person(person).await? {
            notices.push(HomeNotice::Platform(notice));
        }
        Ok(notices)
    }
}
