//! The card's registration as insurance card (利用登録) and its cancellation
//! (解除), and the documents insurers issue because of them (DESIGN.md,
//! "資格確認書" and "Registration"):
//!
//! - a registration gives each of the person's coverages of the day a
//!   資格情報のお知らせ;
//! - a cancellation gives each of them a 資格確認書, valid as long as the
//!   insurer chooses within 5 years;
//! - every member covered today whose person has no registered card gets a
//!   資格確認書 without application (職権交付) from
//!   [`Documents::issue_without_application`], which an insurer runs as a
//!   batch; it skips members who already hold one valid today, so running it
//!   again issues nothing twice.
//!
//! Documents are recorded, not stored as files: [`Documents::render`] makes
//! the PDF (`onshi-notice`) from the record and the member as they are.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_domain::Date;
use onshi_domain::eligibility::{CertificateValidityError, check_certificate_validity};
use onshi_domain::id::InsurerNumber;
use onshi_notice::{Addressee, EligibilityCertificate, EligibilityNotice, Holder, Insurer, NoticeError, NoticeFont};
use onshi_store::eligibility::{DocumentKind, EligibilityDocument, Registration};
use onshi_store::{LinkState, PersonId, Store, StoreError, StoredMember};

/// Why a registration or a document could not be made.
#[derive(Debug, thiserror::Error)]
pub enum DocumentError {
    #[error("no resident with 住民票コード {0} in the registry")]
    NoResident(String),
    #[error("no document with 交付番号 {0}")]
    NoDocument(String),
    #[error(transparent)]
    Validity(#[from] CertificateValidityError),
    #[error("the document cannot be printed: {0}")]
    Render(#[from] NoticeError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What a batch issuance did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct IssueReport {
    pub members_seen: u64,
    pub issued: u64,
    /// Covered members whose person has the card registered (they get notices).
    pub registered: u64,
    /// Members that already hold a 資格確認書 valid today.
    pub already_held: u64,
}

/// Registrations and documents.
pub struct Documents {
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for Documents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Documents").field("backend", &self.store.backend()).finish()
    }
}

/// 交付番号: kind letter, member id and issue date (at most 20 characters).
fn serial(kind: DocumentKind, member: &StoredMember, issued_on: Date) -> String {
    let letter = if kind == DocumentKind::Certificate { 'C' } else { 'N' };
    format!("{letter}{}-{}", member.member_id.0, issued_on.format("%Y%m%d"))
}

impl Documents {
    pub fn new(store: Arc<dyn Store>) -> Documents {
        Documents { store }
    }

    async fn person(&self, resident_code: &str) -> Result<PersonId, DocumentError> {
        let code = resident_code.parse().map_err(|_| DocumentError::NoResident(resident_code.to_owned()))?;
        Ok(self
            .store
            .resident_by_code(&code)
            .await?
            .ok_or_else(|| DocumentError::NoResident(resident_code.to_owned()))?
            .person_id)
    }

    /// The person's coverages of the day, through usable links only.
    async fn covered(&self, person_id: PersonId, today: Date) -> Result<Vec<StoredMember>, StoreError> {
        Ok(self
            .store
            .members_of_person(person_id)
            .await?
            .into_iter()
            .filter(|m| m.link_state.is_none_or(LinkState::usable) && m.member.is_eligible_on(today))
            .collect())
    }

    async fn issue(
        &self,
        member: &StoredMember,
        kind: DocumentKind,
        reason: &str,
        today: Date,
        valid_until: Option<Date>,
        now: DateTime<Utc>,
    ) -> Result<EligibilityDocument, DocumentError> {
        let document = EligibilityDocument {
            serial: serial(kind, member, today),
            member_id: member.member_id,
            person_id: member.person_id,
            kind,
            reason: reason.to_owned(),
            issued_on: today,
            valid_until,
            created_at: now,
        };
        match self.store.insert_document(document.clone()).await {
            Ok(()) => Ok(document),
            // The same document of the same day already exists: issued once.
            Err(StoreError::Conflict { .. }) => Ok(self.store.document(&document.serial).await?.unwrap_or(document)),
            Err(other) => Err(other.into()),
        }
    }

    /// Register the card as insurance card (利用登録): a 資格情報のお知らせ
    /// for each coverage of the day.
    pub async fn register(
        &self,
        resident_code: &str,
        via: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<EligibilityDocument>, DocumentError> {
        let person_id = self.person(resident_code).await?;
        self.register_person(person_id, via, now).await
    }

    /// As [`Documents::register`], for a person already identified (by the
    /// card at a reader, or signed in to the portal).
    pub async fn register_person(
        &self,
        person_id: PersonId,
        via: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<EligibilityDocument>, DocumentError> {
        self.store
            .set_registration(Registration { person_id, registered: true, changed_at: now, via: via.to_owned() })
            .await?;
        let today = onshi_domain::date::in_japan(now);
        let mut out = Vec::new();
        for member in self.covered(person_id, today).await? {
            out.push(self.issue(&member, DocumentKind::Notice, "registration", today, None, now).await?);
        }
        Ok(out)
    }

    /// Cancel the registration (解除): a 資格確認書 valid until `valid_until`
    /// (at most 5 years) for each coverage of the day.
    pub async fn cancel(
        &self,
        resident_code: &str,
        via: &str,
        valid_until: Date,
        now: DateTime<Utc>,
    ) -> Result<Vec<EligibilityDocument>, DocumentError> {
        let person_id = self.person(resident_code).await?;
        self.cancel_person(person_id, via, valid_until, now).await
    }

    /// As [`Documents::cancel`], for a person already identified (signed in
    /// to the portal).
    pub async fn cancel_person(
        &self,
        person_id: PersonId,
        via: &str,
        valid_until: Date,
        now: DateTime<Utc>,
    ) -> Result<Vec<EligibilityDocument>, DocumentError> {
        let today = onshi_domain::date::in_japan(now);
        check_certificate_validity(today, valid_until)?;
        self.store
            .set_registration(Registration { person_id, registered: false, changed_at: now, via: via.to_owned() })
            .await?;
        let mut out = Vec::new();
        for member in self.covered(person_id, today).await? {
            out.push(
                self.issue(&member, DocumentKind::Certificate, "cancellation", today, Some(valid_until), now).await?,
            );
        }
        Ok(out)
    }

    /// 職権交付: a 資格確認書 for every member covered today (of `insurer`, or
    /// all) whose person has no registered card and who holds none valid
    /// today. Streams the members in pages; `progress` is called after each.
    pub async fn issue_without_application(
        &self,
        insurer: Option<&InsurerNumber>,
        valid_until: Date,
        now: DateTime<Utc>,
        mut progress: impl FnMut(&IssueReport),
    ) -> Result<IssueReport, DocumentError> {
        let today = onshi_domain::date::in_japan(now);
        check_certificate_validity(today, valid_until)?;
        let mut report = IssueReport::default();
        let mut after = None;
        loop {
            let page = self.store.members_page(insurer, after, 1000).await?;
            let Some(last) = page.last() else { break };
            after = Some(last.member_id);
            for member in &page {
                report.members_seen += 1;
                if !member.member.is_eligible_on(today) {
                    continue;
                }
                if let Some(person_id) = member.person_id
                    && self.store.registration(person_id).await?.is_some_and(|r| r.registered)
                {
                    report.registered += 1;
                    continue;
                }
                let held = self.store.documents_of_member(member.member_id).await?.iter().any(|d| {
                    d.kind == DocumentKind::Certificate
                        && d.issued_on <= today
                        && d.valid_until.is_some_and(|v| today <= v)
                });
                if held {
                    report.already_held += 1;
                    continue;
                }
                self.issue(member, DocumentKind::Certificate, "without_application", today, Some(valid_until), now)
                    .await?;
                report.issued += 1;
            }
            progress(&report);
        }
        Ok(report)
    }

    /// The insurer's name as printed: its registered name, else its number.
    async fn insurer_of(&self, member: &StoredMember) -> Result<Insurer, StoreError> {
        let insurers = self.store.insurers().await?;
        let name = insurers
            .iter()
            .find(|i| i.insurer_number == member.member.key.insurer_number)
            .map(|i| i.name.clone())
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| format!("保険者番号 {}", member.member.key.insurer_number));
        Ok(Insurer { name, address: None, phone: None })
    }

    fn addressee(member: &StoredMember) -> Addressee {
        Addressee {
            postal_code: None,
            address: member.member.attributes.address.clone(),
            name: member.member.attributes.name_kanji.clone(),
        }
    }

    /// The person's eligibility information of one coverage as a
    /// 資格情報のお知らせ-style PDF, printed now from the member record (the
    /// page the portal offers to show at reception when the reader fails).
    /// Not recorded as an issued document: its number is `P{member}-{date}`.
    pub async fn eligibility_pdf(
        &self,
        member: &StoredMember,
        now: DateTime<Utc>,
        font: &NoticeFont,
    ) -> Result<Vec<u8>, DocumentError> {
        let today = onshi_domain::date::in_japan(now);
        let notice = EligibilityNotice {
            serial: format!("P{}-{}", member.member_id.0, today.format("%Y%m%d")),
            insurer: self.insurer_of(member).await?,
            holder: Holder::from_member(&member.member),
            issued_on: today,
            addressee: Self::addressee(member),
        };
        Ok(onshi_notice::render_pdf(&notice, font)?)
    }

    /// The PDF of a recorded document, from the member record as it is now.
    pub async fn render(&self, serial: &str, font: &NoticeFont) -> Result<Vec<u8>, DocumentError> {
        let document =
            self.store.document(serial).await?.ok_or_else(|| DocumentError::NoDocument(serial.to_owned()))?;
        let member = self
            .store
            .member_by_id(document.member_id)
            .await?
            .ok_or_else(|| DocumentError::NoDocument(serial.to_owned()))?;
        let insurer = self.insurer_of(&member).await?;
        let holder = Holder::from_member(&member.member);
        let addressee = Self::addressee(&member);
        let pdf = match (document.kind, document.valid_until) {
            (DocumentKind::Certificate, Some(expires_on)) => onshi_notice::render_pdf(
                &EligibilityCertificate {
                    serial: document.serial,
                    insurer,
                    holder,
                    limit_category: None,
                    issued_on: document.issued_on,
                    expires_on,
                    addressee,
                },
                font,
            )?,
            _ => onshi_notice::render_pdf(
                &EligibilityNotice {
                    serial: document.serial,
                    insurer,
                    holder,
                    issued_on: document.issued_on,
                    addressee,
                },
                font,
            )?,
        };
        Ok(pdf)
    }
}
