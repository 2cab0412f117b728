//! The platform's sign-in check and the card's raw signature.
//!
//! [`TrustStore::verify_sign_in`] takes what a card sends (its DER
//! certificate and an RSASSA-PKCS1-v1_5 SHA-256 signature over the platform's
//! challenge) and checks, in this order: the certificate parses as one DER
//! X.509 certificate with nothing after it; it was issued by one of our two
//! issuing CAs (issuer name equal to the CA's subject, RFC 5280 §6.1.3 (a)(4),
//! and the CA's signature on it, §6.1.3 (a)(1)); the challenge signature
//! verifies under the certificate's key; the time lies within the
//! certificate's validity (§6.1.3 (a)(2)), or for a user-authentication
//! certificate within the 3-month grace after `notAfter` that DESIGN.md gives.
//! The issuing CAs are checked against the root once, when the store is built.
//! Status (revoked, suspended) is the caller's: it keeps the status entries.
//!
//! [`sign_digest_info`] is what the card's COMPUTE DIGITAL SIGNATURE does:
//! RSA with PKCS#1 v1.5 type-1 padding (RFC 8017 §9.2 step 3 onwards) over a
//! DigestInfo the caller has built.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use chrono::{DateTime, Utc};
use x509_parser::certificate::X509Certificate;

use crate::authority::IssuingCa;
use crate::validity;

/// Which certificate signed in.
pub type CertKind = IssuingCa;

/// Where the time lies in an accepted certificate's life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validity {
    /// notBefore ≤ time ≤ notAfter.
    Valid,
    /// A user-authentication certificate past notAfter but within the 3-month
    /// grace; `grace_ends` is the last instant it is accepted.
    WithinGrace { grace_ends: DateTime<Utc> },
}

/// An accepted sign-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub kind: CertKind,
    /// The serial number's INTEGER content octets, the key of the status list.
    pub serial: Vec<u8>,
    pub not_after: DateTime<Utc>,
    pub validity: Validity,
}

/// Why a sign-in was refused; each cause its own variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the certificate is not one DER X.509 certificate: {0}")]
    Malformed(String),
    #[error("the certificate's issuer is none of our issuing CAs")]
    UnknownIssuer,
    #[error("the certificate names our CA but our CA did not sign it")]
    ForeignCa,
    #[error("the challenge signature does not verify with the certificate's key")]
    BadSignature,
    #[error("the certificate is not valid before {not_before}")]
    NotYetValid { not_before: DateTime<Utc> },
    /// Past `notAfter` and past any grace. `beyond_grace` is always true
    /// from [`TrustStore::verify_sign_in`], which accepts a user-authentication
    /// certificate inside its grace as [`Validity::WithinGrace`]; the field lets
    /// a caller that refuses grace (e.g. for signing) report
    /// `Expired { beyond_grace: false }` with the same variant. A signing
    /// certificate has no grace.
    #[error("the certificate expired at {not_after}")]
    Expired { not_after: DateTime<Utc>, beyond_grace: bool },
    #[error("the trust anchors are not a valid root and issuing CAs: {0}")]
    BadTrustAnchors(String),
}

/// Our root and two issuing CAs, checked against each other once. Each
/// issuing CA's subject and RSA public key are kept apart so that a sign-in
/// parses only the end-entity certificate.
#[derive(Debug, Clone)]
pub struct TrustStore {
    root: Vec<u8>,
    user_authentication: Vec<u8>,
    signing: Vec<u8>,
    /// (kind, subject DN DER, RSAPublicKey DER) per issuing CA.
    issuers: Vec<(IssuingCa, Vec<u8>, Vec<u8>)>,
}

/// sha256WithRSAEncryption, the only signature our CAs make (RFC 4055 §5).
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";

fn parse_exact(der: &[u8]) -> Result<X509Certificate<'_>, VerifyError> {
    let (rest, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| VerifyError::Malformed(e.to_string()))?;
    if !rest.is_empty() {
        return Err(VerifyError::Malformed(format!("{} bytes after the certificate", rest.len())));
    }
    Ok(cert)
}

fn utc(t: x509_parser::time::ASN1Time) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

impl TrustStore {
    /// Checks that the root is self-signed and a CA and that both issuing CAs
    /// are CAs signed by it.
    pub fn new(root: &[u8], user_authentication: &[u8], signing: &[u8]) -> Result<Self, VerifyError> {
        let bad = |what: &str| VerifyError::BadTrustAnchors(what.to_owned());
        let root_cert = parse_exact(root).map_err(|e| bad(&format!("root: {e}")))?;
        let is_ca = |c: &X509Certificate<'_>| matches!(c.basic_constraints(), Ok(Some(bc)) if bc.value.ca);
        if !is_ca(&root_cert) || root_cert.subject().as_raw() != root_cert.issuer().as_raw() {
            return Err(bad("root is not a self-issued CA"));
        }
        root_cert.verify_signature(None).map_err(|_| bad("root's self-signature does not verify"))?;
        for (what, der) in [("user-authentication CA", user_authentication), ("signing CA", signing)] {
            let ca = parse_exact(der).map_err(|e| bad(&format!("{what}: {e}")))?;
            if !is_ca(&ca) || ca.issuer().as_raw() != root_cert.subject().as_raw() {
                return Err(bad(&format!("{what} is not a CA issued by the root")));
            }
            ca.verify_signature(Some(root_cert.public_key()))
                .map_err(|_| bad(&format!("{what} is not signed by the root")))?;
        }
        let mut issuers = Vec::new();
        for (kind, der) in [(IssuingCa::UserAuthentication, user_authentication), (IssuingCa::Signing, signing)] {
            let ca = parse_exact(der)?;
            issuers.push((kind, ca.subject().as_raw().to_vec(), ca.public_key().subject_public_key.data.to_vec()));
        }
        Ok(Self {
            root: root.to_vec(),
            user_authentication: user_authentication.to_vec(),
            signing: signing.to_vec(),
            issuers,
        })
    }

    pub fn root_der(&self) -> &[u8] {
        &self.root
    }

    pub fn ca_der(&self, ca: IssuingCa) -> &[u8] {
        match ca {
            IssuingCa::UserAuthentication => &self.user_authentication,
            IssuingCa::Signing => &self.signing,
        }
    }

    /// The sign-in check of the module docs, at time `at`. A
    /// user-authentication certificate within its grace is accepted with
    /// [`Validity::WithinGrace`]; the caller decides what that allows.
    pub fn verify_sign_in(
        &self,
        cert_der: &[u8],
        message: &[u8],
        signature: &[u8],
        at: DateTime<Utc>,
    ) -> Result<Verified, VerifyError> {
        self.verify(cert_der, Some((message, signature)), at)
    }

    /// The certificate alone: issued by our CA and valid (or within its
    /// grace) at `at`, with no proof that the card is present. For a reader
    /// that verified the holder by face, which the facility vouches for.
    pub fn verify_presented(&self, cert_der: &[u8], at: DateTime<Utc>) -> Result<Verified, VerifyError> {
        self.verify(cert_der, None, at)
    }

    fn verify(
        &self,
        cert_der: &[u8],
        signed: Option<(&[u8], &[u8])>,
        at: DateTime<Utc>,
    ) -> Result<Verified, VerifyError> {
        let cert = parse_exact(cert_der)?;

        let mut kind = None;
        for (candidate, subject, ca_key) in &self.issuers {
            if subject.as_slice() == cert.issuer().as_raw() {
                // Our CAs sign only with sha256WithRSAEncryption; anything else
                // under our name was signed by someone else.
                if cert.signature_algorithm.algorithm.to_id_string() != SHA256_WITH_RSA {
                    return Err(VerifyError::ForeignCa);
                }
                UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, ca_key)
                    .verify(cert.tbs_certificate.as_ref(), &cert.signature_value.data)
                    .map_err(|_| VerifyError::ForeignCa)?;
                kind = Some(*candidate);
                break;
            }
        }
        let kind = kind.ok_or(VerifyError::UnknownIssuer)?;

        // Only RSA keys are ours; the RSAPublicKey DER sits in the BIT STRING.
        let spki = cert.public_key();
        if spki.algorithm.algorithm != x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION {
            return Err(VerifyError::Malformed("the key is not RSA".to_owned()));
        }
        if let Some((message, signature)) = signed {
            UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, &spki.subject_public_key.data)
                .verify(message, signature)
                .map_err(|_| VerifyError::BadSignature)?;
        }

        let not_before = utc(cert.validity().not_before);
        let not_after = utc(cert.validity().not_after);
        if at < not_before {
            return Err(VerifyError::NotYetValid { not_before });
        }
        let validity = if at <= not_after {
            Validity::Valid
        } else {
            let grace_ends = validity::grace_end(not_after);
            if kind == IssuingCa::UserAuthentication && at <= grace_ends {
                Validity::WithinGrace { grace_ends }
            } else {
                return Err(VerifyError::Expired { not_after, beyond_grace: true });
            }
        };
        Ok(Verified { kind, serial: cert.raw_serial().to_vec(), not_after, validity })
    }
}

/// Why the card could not sign.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the key is not an RSA PKCS#8 key")]
    BadKey,
    #[error("the input is not a SHA-256, SHA-384 or SHA-512 DigestInfo")]
    NotDigestInfo,
    #[error("the RSA operation failed")]
    Failed,
}

/// DER prefixes of DigestInfo (RFC 8017 §9.2 note 1), followed by the hash.
const DIGEST_INFO_PREFIXES: [(&[u8], &digest::Algorithm, &dyn signature::RsaEncoding); 3] = [
    (
        &[
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
            0x20,
        ],
        &digest::SHA256,
        &signature::RSA_PKCS1_SHA256,
    ),
    (
        &[
            0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04,
            0x30,
        ],
        &digest::SHA384,
        &signature::RSA_PKCS1_SHA384,
    ),
    (
        &[
            0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
            0x40,
        ],
        &digest::SHA512,
        &signature::RSA_PKCS1_SHA512,
    ),
];

/// Signs a caller-built DigestInfo with a PKCS#8 RSA key, as the card's
/// COMPUTE DIGITAL SIGNATURE (`80 2A 00 80`) does: the result is
/// `RSASP1(EMSA-PKCS1-v1_5 padding type 1 ‖ DigestInfo)`.
///
/// aws-lc-rs pads and signs a given digest; it has no raw RSA, so the input
/// must be a SHA-256, SHA-384 or SHA-512 DigestInfo (aws-lc-rs does not
/// sign with SHA-1 PKCS#1 any more); SHA-256 is what the platform and JPKI
/// clients send. That gives the same bytes as raw type-1 padding
/// over the DigestInfo, because PKCS#1 v1.5 signing is exactly that.
pub fn sign_digest_info(key_pkcs8_der: &[u8], digest_info: &[u8]) -> Result<Vec<u8>, SignError> {
    let key = signature::RsaKeyPair::from_pkcs8(key_pkcs8_der).map_err(|_| SignError::BadKey)?;
    let (alg, encoding, hash) = DIGEST_INFO_PREFIXES
        .iter()
        .find_map(|(prefix, alg, encoding)| {
            let hash = digest_info.strip_prefix(*prefix)?;
            (hash.len() == alg.output_len()).then_some((*alg, *encoding, hash))
        })
        .ok_or(SignError::NotDigestInfo)?;
    let digest = digest::Digest::import_less_safe(hash, alg).map_err(|_| SignError::NotDigestInfo)?;
    let mut out = vec![0u8; key.public_modulus_len()];
    key.sign_digest(encoding, &digest, &mut out).map_err(|_| SignError::Failed)?;
    Ok(out)
}

/// The SHA-256 DigestInfo of `message`, as a client builds it before sending
/// COMPUTE DIGITAL SIGNATURE.
pub fn sha256_digest_info(message: &[u8]) -> Vec<u8> {
    let mut out = DIGEST_INFO_PREFIXES[0].0.to_vec();
    out.extend_from_slice(digest::digest(&digest::SHA256, message).as_ref());
    out
}
