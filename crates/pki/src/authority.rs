//! The JPKI-like certificate authority: a root CA and two issuing CAs, one for
//! user-authentication certificates (利用者証明用) and one for signing
//! certificates (署名用), all RSA-2048 with sha256WithRSAEncryption
//! (PKCS#1 v1.5), and the issuance of a card holder's two certificates.
//!
//! Profiles (RFC 5280 §4.1, §4.2):
//! - root: self-signed, basicConstraints cA (critical), keyUsage keyCertSign +
//!   cRLSign, subjectKeyIdentifier; valid 20 years from creation.
//! - issuing CAs: basicConstraints cA with pathLenConstraint 0, keyUsage
//!   keyCertSign + cRLSign, subject/authority key identifiers; valid 15 years,
//!   longer than any certificate they issue (at most 5 birthdays ≈ 5 years).
//! - user-authentication certificate: subject `C=JP, CN=<serial in hex>` and
//!   nothing personal (REFERENCE.md §2: JPKI's user-authentication certificate
//!   carries no personal attributes); keyUsage digitalSignature;
//!   extendedKeyUsage clientAuth.
//! - signing certificate: the same kind of subject; keyUsage digitalSignature +
//!   nonRepudiation (contentCommitment); subjectAltName with the 4 attributes
//!   as otherName UTF8String values under 1.2.392.200149.8.5.5.{1..6}
//!   (REFERENCE.md §2).
//! - both: notBefore = issue time, notAfter = the end (23:59:59 JST) of the 5th
//!   birthday after issue ([`crate::validity`]); authorityInfoAccess with the
//!   caller's OCSP URL (§4.2.2.1) and cRLDistributionPoints with the caller's
//!   CRL URL (§4.2.1.13).
//!
//! Serial numbers are 16 random bytes from the OS RNG with the top bit cleared
//! and the next bit set, so each is a positive 16-byte INTEGER (RFC 5280
//! §4.1.2.2 allows up to 20 octets) with 126 random bits: collisions are not a
//! practical concern and no counter has to survive restarts.

use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use onshi_domain::person::Sex;
use rcgen::{
    BasicConstraints, CertificateParams, CrlDistributionPoint, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair, KeyUsagePurpose, OtherNameValue, PKCS_RSA_SHA256, RsaKeySize,
    SanType, SerialNumber,
};
use rustls_pki_types::{CertificateDer, PrivatePkcs8KeyDer};

use crate::der;
use crate::validity;

/// Which of the two issuing CAs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IssuingCa {
    /// 利用者証明用: issues user-authentication certificates.
    UserAuthentication,
    /// 署名用: issues signing certificates.
    Signing,
}

/// Why the authority could not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PkiError {
    #[error("the stored authority is not usable: {0}")]
    BadAuthorityFile(String),
    #[error("URL {0:?} is not ASCII, which an IA5String URI needs")]
    BadUrl(String),
    #[error("time {0} cannot be written in a certificate")]
    BadTime(DateTime<Utc>),
    #[error("the holder's {field} is empty")]
    EmptyAttribute { field: &'static str },
    #[error("性別 {0:?} is not one of JPKI's codes 1 (男), 2 (女), 9 (適用不能)")]
    SexNotInJpki(Sex),
    #[error("the holder's birth date {0} has no Japanese era")]
    NoEra(NaiveDate),
    #[error("cryptographic operation failed: {0}")]
    Crypto(String),
}

fn crypto(e: impl std::fmt::Display) -> PkiError {
    PkiError::Crypto(e.to_string())
}

/// The persistent form of an [`Authority`]: each CA's certificate (DER) and
/// private key (PKCS#8 v1 DER). [`AuthorityFiles::to_pem`] writes them as one
/// PEM text of six blocks (root, user-authentication CA, signing CA; each a
/// `CERTIFICATE` then a `PRIVATE KEY`) for a file in the data directory. It
/// holds the CA private keys: keep the file readable by the platform only.
#[derive(Clone, PartialEq, Eq)]
pub struct AuthorityFiles {
    pub root: CaFiles,
    pub user_authentication: CaFiles,
    pub signing: CaFiles,
}

/// One CA's certificate and key.
#[derive(Clone, PartialEq, Eq)]
pub struct CaFiles {
    pub cert_der: Vec<u8>,
    pub key_pkcs8_der: Vec<u8>,
}

impl std::fmt::Debug for CaFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is a secret: never print it.
        f.debug_struct("CaFiles")
            .field("cert_der", &format_args!("{} bytes", self.cert_der.len()))
            .field("key_pkcs8_der", &"<redacted>")
            .finish()
    }
}

impl std::fmt::Debug for AuthorityFiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthorityFiles")
            .field("root", &self.root)
            .field("user_authentication", &self.user_authentication)
            .field("signing", &self.signing)
            .finish()
    }
}

impl AuthorityFiles {
    /// Six PEM blocks: root cert, root key, auth CA cert, auth CA key, signing
    /// CA cert, signing CA key.
    pub fn to_pem(&self) -> String {
        let mut blocks = Vec::new();
        for ca in [&self.root, &self.user_authentication, &self.signing] {
            blocks.push(pem::Pem::new("CERTIFICATE", ca.cert_der.clone()));
            blocks.push(pem::Pem::new("PRIVATE KEY", ca.key_pkcs8_der.clone()));
        }
        pem::encode_many(&blocks)
    }

    /// Reads what [`AuthorityFiles::to_pem`] wrote.
    pub fn from_pem(text: &str) -> Result<Self, PkiError> {
        let blocks = pem::parse_many(text).map_err(|e| PkiError::BadAuthorityFile(e.to_string()))?;
        let expected = ["CERTIFICATE", "PRIVATE KEY"].repeat(3);
        let tags: Vec<&str> = blocks.iter().map(|b| b.tag()).collect();
        if tags != expected {
            return Err(PkiError::BadAuthorityFile(format!("expected blocks {expected:?}, found {tags:?}")));
        }
        let ca = |i: usize| CaFiles {
            cert_der: blocks[2 * i].contents().to_vec(),
            key_pkcs8_der: blocks[2 * i + 1].contents().to_vec(),
        };
        Ok(Self { root: ca(0), user_authentication: ca(1), signing: ca(2) })
    }
}

/// One loaded CA: its certificate, its key for rcgen and for aws-lc-rs.
pub(crate) struct Ca {
    pub(crate) cert_der: Vec<u8>,
    key_pkcs8_der: Vec<u8>,
    pub(crate) issuer: Issuer<'static, KeyPair>,
    pub(crate) signer: aws_lc_rs::signature::RsaKeyPair,
}

impl Ca {
    fn load(files: &CaFiles, what: &str) -> Result<Self, PkiError> {
        let bad = |e: &dyn std::fmt::Display| PkiError::BadAuthorityFile(format!("{what}: {e}"));
        let key = KeyPair::from_pkcs8_der_and_sign_algo(
            &PrivatePkcs8KeyDer::from(files.key_pkcs8_der.as_slice()),
            &PKCS_RSA_SHA256,
        )
        .map_err(|e| bad(&e))?;
        let (_, cert) = x509_parser::parse_x509_certificate(&files.cert_der).map_err(|e| bad(&e))?;
        if *cert.public_key().subject_public_key.data != *key.public_key_raw() {
            return Err(bad(&"the key does not belong to the certificate"));
        }
        let issuer =
            Issuer::from_ca_cert_der(&CertificateDer::from(files.cert_der.as_slice()), key).map_err(|e| bad(&e))?;
        let signer = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&files.key_pkcs8_der).map_err(|e| bad(&e))?;
        Ok(Self { cert_der: files.cert_der.clone(), key_pkcs8_der: files.key_pkcs8_der.clone(), issuer, signer })
    }

    fn files(&self) -> CaFiles {
        CaFiles { cert_der: self.cert_der.clone(), key_pkcs8_der: self.key_pkcs8_der.clone() }
    }
}

/// The root and the two issuing CAs, ready to issue and to sign status.
pub struct Authority {
    pub(crate) root: Ca,
    pub(crate) user_authentication: Ca,
    pub(crate) signing: Ca,
}

impl std::fmt::Debug for Authority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authority").finish_non_exhaustive()
    }
}

/// The distinguished names of the hierarchy; `O` names onshi so that nobody
/// mistakes these for J-LIS certificates.
fn ca_name(ou: Option<&str>, cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CountryName, "JP");
    dn.push(DnType::OrganizationName, "onshi JPKI");
    if let Some(ou) = ou {
        dn.push(DnType::OrganizationalUnitName, ou);
    }
    dn.push(DnType::CommonName, cn);
    dn
}

fn to_offset(t: DateTime<Utc>) -> Result<time::OffsetDateTime, PkiError> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|_| PkiError::BadTime(t))
}

fn years_later(t: DateTime<Utc>, years: u32) -> Result<DateTime<Utc>, PkiError> {
    t.checked_add_months(chrono::Months::new(12 * years)).ok_or(PkiError::BadTime(t))
}

fn new_rsa_key() -> Result<KeyPair, PkiError> {
    KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_2048).map_err(crypto)
}

/// 16 random bytes, positive, exactly 16 octets when DER-encoded.
fn random_serial() -> Result<[u8; 16], PkiError> {
    let mut serial = [0u8; 16];
    SystemRandom::new().fill(&mut serial).map_err(crypto)?;
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}

/// The card holder's attributes as the signing certificate carries them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// 氏名 as registered.
    pub name: String,
    /// 氏名代替文字: the name with characters outside the card's set replaced;
    /// omitted from the certificate when `None`.
    pub name_substitute: Option<String>,
    pub sex: Sex,
    pub birth_date: NaiveDate,
    /// 住所 as registered.
    pub address: String,
    /// 住所代替文字; omitted when `None`.
    pub address_substitute: Option<String>,
}

/// The status URLs written into certificates of one issuing CA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUrls {
    /// OCSP responder (authorityInfoAccess id-ad-ocsp).
    pub ocsp: String,
    /// CRL (cRLDistributionPoints).
    pub crl: String,
}

/// One issued certificate with its private key.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCertificate {
    /// The serial number's INTEGER content octets (16 bytes).
    pub serial: Vec<u8>,
    pub cert_der: Vec<u8>,
    /// The private key for the card file (PKCS#8 v1 DER). The platform must
    /// not keep it.
    pub key_pkcs8_der: Vec<u8>,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

impl std::fmt::Debug for IssuedCertificate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCertificate")
            .field("serial", &hex_upper(&self.serial))
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key_pkcs8_der", &"<redacted>")
            .finish_non_exhaustive()
    }
}

impl IssuedCertificate {
    pub fn cert_pem(&self) -> String {
        pem::encode(&pem::Pem::new("CERTIFICATE", self.cert_der.clone()))
    }
}

/// The two certificates of one card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuedCard {
    pub user_authentication: IssuedCertificate,
    pub signing: IssuedCertificate,
}

/// OIDs of the JPKI signing certificate's subjectAltName otherNames
/// (REFERENCE.md §2).
pub mod oid {
    pub const NAME: &str = "1.2.392.200149.8.5.5.1";
    pub const NAME_SUBSTITUTE: &str = "1.2.392.200149.8.5.5.2";
    pub const GENDER: &str = "1.2.392.200149.8.5.5.3";
    pub const DATE_OF_BIRTH: &str = "1.2.392.200149.8.5.5.4";
    pub const ADDRESS: &str = "1.2.392.200149.8.5.5.5";
    pub const ADDRESS_SUBSTITUTE: &str = "1.2.392.200149.8.5.5.6";
}

const JPKI_ATTR_ARC: [u64; 8] = [1, 2, 392, 200149, 8, 5, 5, 0];

fn attr_oid(last: u64) -> Vec<u64> {
    let mut oid = JPKI_ATTR_ARC.to_vec();
    oid[7] = last;
    oid
}

/// Date of birth as the signing certificate writes it: one era digit
/// (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和) then the Gregorian date as
/// `YYYYMMDD`, e.g. `420000229` for 2000-02-29 (平成). Source: REFERENCE.md §2
/// ("format `E YYYYMMDD`, 1 era digit + 8 digits", citing the J-LIS
/// certificate profile 3.2); the era digits are those of
/// [`onshi_domain::wareki::Era::digit`].
pub fn jpki_birth_date(date: NaiveDate) -> Result<String, PkiError> {
    let era = onshi_domain::wareki::Era::of(date).ok_or(PkiError::NoEra(date))?;
    Ok(format!("{}{:04}{:02}{:02}", era.digit(), date.year(), date.month(), date.day()))
}

impl Authority {
    /// A fresh hierarchy whose certificates start at `now`. Keys come from
    /// the OS RNG (aws-lc-rs).
    pub fn create(now: DateTime<Utc>) -> Result<Self, PkiError> {
        let root_key = new_rsa_key()?;
        let mut root_params = CertificateParams::default();
        root_params.distinguished_name = ca_name(None, "onshi JPKI Root CA");
        root_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        root_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        root_params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
        root_params.not_before = to_offset(now)?;
        root_params.not_after = to_offset(years_later(now, 20)?)?;
        let root_cert = root_params.self_signed(&root_key).map_err(crypto)?;
        let root_files = CaFiles { cert_der: root_cert.der().to_vec(), key_pkcs8_der: root_key.serialize_der() };
        let root_issuer = Issuer::new(root_params, root_key);

        let issuing = |ou: &str, cn: &str| -> Result<CaFiles, PkiError> {
            let key = new_rsa_key()?;
            let mut params = CertificateParams::default();
            params.distinguished_name = ca_name(Some(ou), cn);
            params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
            params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
            params.serial_number = Some(SerialNumber::from_slice(&random_serial()?));
            params.use_authority_key_identifier_extension = true;
            params.not_before = to_offset(now)?;
            params.not_after = to_offset(years_later(now, 15)?)?;
            let cert = params.signed_by(&key, &root_issuer).map_err(crypto)?;
            Ok(CaFiles { cert_der: cert.der().to_vec(), key_pkcs8_der: key.serialize_der() })
        };
        let files = AuthorityFiles {
            root: root_files,
            user_authentication: issuing("JPKI for user authentication", "onshi JPKI User Authentication CA")?,
            signing: issuing("JPKI for digital signature", "onshi JPKI Signing CA")?,
        };
        Self::from_files(&files)
    }

    /// Loads a stored hierarchy; each key must match its certificate.
    pub fn from_files(files: &AuthorityFiles) -> Result<Self, PkiError> {
        Ok(Self {
            root: Ca::load(&files.root, "root")?,
            user_authentication: Ca::load(&files.user_authentication, "user-authentication CA")?,
            signing: Ca::load(&files.signing, "signing CA")?,
        })
    }

    /// What to persist so that the same hierarchy survives a restart.
    pub fn files(&self) -> AuthorityFiles {
        AuthorityFiles {
            root: self.root.files(),
            user_authentication: self.user_authentication.files(),
            signing: self.signing.files(),
        }
    }

    pub fn root_cert_der(&self) -> &[u8] {
        &self.root.cert_der
    }

    pub fn ca_cert_der(&self, ca: IssuingCa) -> &[u8] {
        &self.ca(ca).cert_der
    }

    pub(crate) fn ca(&self, ca: IssuingCa) -> &Ca {
        match ca {
            IssuingCa::UserAuthentication => &self.user_authentication,
            IssuingCa::Signing => &self.signing,
        }
    }

    /// Issues the two certificates of a card for `holder` at `issued_at`,
    /// each with a fresh RSA-2048 key pair.
    pub fn issue(
        &self,
        holder: &Holder,
        issued_at: DateTime<Utc>,
        auth_urls: &StatusUrls,
        sign_urls: &StatusUrls,
    ) -> Result<IssuedCard, PkiError> {
        for (field, value) in [("name", &holder.name), ("address", &holder.address)] {
            if value.trim().is_empty() {
                return Err(PkiError::EmptyAttribute { field });
            }
        }
        // JPKI's 4 attributes know 1, 2 and 9 only (REFERENCE.md §2); OQS's
        // 3 (未設定) has no place on the card.
        if holder.sex == Sex::Unset {
            return Err(PkiError::SexNotInJpki(holder.sex));
        }
        let not_after = validity::certificate_not_after(holder.birth_date, issued_at);

        let auth = self.issue_one(IssuingCa::UserAuthentication, Vec::new(), issued_at, not_after, auth_urls)?;

        let mut sans = vec![SanType::OtherName((attr_oid(1), OtherNameValue::Utf8String(holder.name.clone())))];
        if let Some(sub) = &holder.name_substitute {
            sans.push(SanType::OtherName((attr_oid(2), OtherNameValue::Utf8String(sub.clone()))));
        }
        sans.push(SanType::OtherName((attr_oid(3), OtherNameValue::Utf8String(holder.sex.code().to_string()))));
        sans.push(SanType::OtherName((attr_oid(4), OtherNameValue::Utf8String(jpki_birth_date(holder.birth_date)?))));
        sans.push(SanType::OtherName((attr_oid(5), OtherNameValue::Utf8String(holder.address.clone()))));
        if let Some(sub) = &holder.address_substitute {
            sans.push(SanType::OtherName((attr_oid(6), OtherNameValue::Utf8String(sub.clone()))));
        }
        let sign = self.issue_one(IssuingCa::Signing, sans, issued_at, not_after, sign_urls)?;
        Ok(IssuedCard { user_authentication: auth, signing: sign })
    }

    fn issue_one(
        &self,
        ca: IssuingCa,
        sans: Vec<SanType>,
        not_before: DateTime<Utc>,
        not_after: DateTime<Utc>,
        urls: &StatusUrls,
    ) -> Result<IssuedCertificate, PkiError> {
        for url in [&urls.ocsp, &urls.crl] {
            if !url.is_ascii() || url.is_empty() {
                return Err(PkiError::BadUrl(url.clone()));
            }
        }
        let key = new_rsa_key()?;
        let serial = random_serial()?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CountryName, "JP");
        dn.push(DnType::CommonName, hex_upper(&serial));
        params.distinguished_name = dn;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        params.is_ca = IsCa::ExplicitNoCa;
        params.use_authority_key_identifier_extension = true;
        params.not_before = to_offset(not_before)?;
        params.not_after = to_offset(not_after)?;
        params.subject_alt_names = sans;
        match ca {
            IssuingCa::UserAuthentication => {
                params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
                params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
            }
            IssuingCa::Signing => {
                params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::ContentCommitment];
            }
        }
        params.crl_distribution_points = vec![CrlDistributionPoint { uris: vec![urls.crl.clone()] }];
        params.custom_extensions =
            vec![CustomExtension::from_oid_content(&der::AIA_OID, der::authority_info_access_ocsp(&urls.ocsp))];
        let cert = params.signed_by(&key, &self.ca(ca).issuer).map_err(crypto)?;
        Ok(IssuedCertificate {
            serial: serial.to_vec(),
            cert_der: cert.der().to_vec(),
            key_pkcs8_der: key.serialize_der(),
            not_before,
            not_after,
        })
    }
}
