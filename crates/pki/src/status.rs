//! Certificate status for relying parties: a signed X.509 v2 CRL per issuing
//! CA (RFC 5280 §5) and an OCSP responder (RFC 6960).
//!
//! The caller keeps one [`StatusEntry`] per issued certificate. A suspension
//! (一時停止, a lost card) is published as reason `certificateHold`
//! (RFC 5280 §5.3.1), which RFC 6960 §2.2 lets OCSP answer as `revoked` with
//! that reason; resuming the card simply drops it from the next CRL, which
//! RFC 5280 allows for `certificateHold` only.
//!
//! OCSP answers are signed by the issuing CA itself (RFC 6960 §4.2.2.2, the
//! first of the three allowed signers), not by a delegated responder: there is
//! no responder certificate to issue, rotate or mark `id-pkix-ocsp-nocheck`,
//! at the price of using the CA key online, which this platform does anyway
//! to sign CRLs on every change. The responder identifies itself `byKey`
//! (SHA-1 of the CA's public key) and includes the CA certificate.
//! A certificate that is not in the caller's list is `unknown`; a request
//! naming a CA we do not run gets `unauthorized` (§2.3); one that does not
//! parse gets `malformedRequest`. The request's nonce extension (§4.4.1) is
//! echoed unchanged.

use aws_lc_rs::digest;
use chrono::{DateTime, Utc};
use der::asn1::{BitString, Null, OctetString};
use der::{Any, Decode, Encode};
use rcgen::{CertificateRevocationListParams, KeyIdMethod, RevokedCertParams, SerialNumber};
use spki::AlgorithmIdentifierOwned;
use x509_cert::ext::pkix::CrlReason;
use x509_ocsp::{
    BasicOcspResponse, CertStatus, OcspGeneralizedTime, OcspRequest, OcspResponse, ResponderId, ResponseData,
    RevokedInfo, SingleResponse,
};

use crate::authority::{Authority, IssuingCa, PkiError};

/// Why a certificate was revoked (RFC 5280 §5.3.1 CRLReason; certificateHold is
/// [`CertState::Suspended`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    /// e.g. the name or address changed: the signing certificate is revoked.
    AffiliationChanged,
    /// e.g. the certificate was renewed.
    Superseded,
    /// e.g. the card was returned or the holder died.
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    /// The reason with this CRLReason code, if the platform uses it.
    pub fn from_code(code: u8) -> Option<Self> {
        [
            Self::Unspecified,
            Self::KeyCompromise,
            Self::CaCompromise,
            Self::AffiliationChanged,
            Self::Superseded,
            Self::CessationOfOperation,
            Self::PrivilegeWithdrawn,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }

    /// The RFC 5280 name, as `openssl` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unspecified => "unspecified",
            Self::KeyCompromise => "keyCompromise",
            Self::CaCompromise => "cACompromise",
            Self::AffiliationChanged => "affiliationChanged",
            Self::Superseded => "superseded",
            Self::CessationOfOperation => "cessationOfOperation",
            Self::PrivilegeWithdrawn => "privilegeWithdrawn",
        }
    }

    /// The CRLReason code.
    pub fn code(self) -> u8 {
        match self {
            Self::Unspecified => 0,
            Self::KeyCompromise => 1,
            Self::CaCompromise => 2,
            Self::AffiliationChanged => 3,
            Self::Superseded => 4,
            Self::CessationOfOperation => 5,
            Self::PrivilegeWithdrawn => 9,
        }
    }

    fn rcgen(self) -> rcgen::RevocationReason {
        use rcgen::RevocationReason as R;
        match self {
            Self::Unspecified => R::Unspecified,
            Self::KeyCompromise => R::KeyCompromise,
            Self::CaCompromise => R::CaCompromise,
            Self::AffiliationChanged => R::AffiliationChanged,
            Self::Superseded => R::Superseded,
            Self::CessationOfOperation => R::CessationOfOperation,
            Self::PrivilegeWithdrawn => R::PrivilegeWithdrawn,
        }
    }

    fn ocsp(self) -> CrlReason {
        match self {
            Self::Unspecified => CrlReason::Unspecified,
            Self::KeyCompromise => CrlReason::KeyCompromise,
            Self::CaCompromise => CrlReason::CaCompromise,
            Self::AffiliationChanged => CrlReason::AffiliationChanged,
            Self::Superseded => CrlReason::Superseded,
            Self::CessationOfOperation => CrlReason::CessationOfOperation,
            Self::PrivilegeWithdrawn => CrlReason::PrivilegeWithdrawn,
        }
    }
}

/// The state of one certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertState {
    Good,
    Revoked { reason: RevocationReason, at: DateTime<Utc> },
    Suspended { since: DateTime<Utc> },
}

/// One issued certificate's state, keyed by its serial number's INTEGER
/// content octets (as [`crate::IssuedCertificate::serial`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEntry {
    pub serial: Vec<u8>,
    pub state: CertState,
}

/// A signed CRL in both encodings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crl {
    pub der: Vec<u8>,
    pub pem: String,
}

fn to_offset(t: DateTime<Utc>) -> Result<time::OffsetDateTime, PkiError> {
    time::OffsetDateTime::from_unix_timestamp(t.timestamp()).map_err(|_| PkiError::BadTime(t))
}

fn to_generalized(t: DateTime<Utc>) -> Result<OcspGeneralizedTime, PkiError> {
    let secs = u64::try_from(t.timestamp()).map_err(|_| PkiError::BadTime(t))?;
    let dt =
        der::DateTime::from_unix_duration(std::time::Duration::from_secs(secs)).map_err(|_| PkiError::BadTime(t))?;
    Ok(OcspGeneralizedTime::from(dt))
}

/// sha256WithRSAEncryption with NULL parameters (RFC 4055 §5).
fn sha256_with_rsa() -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: const_oid::db::rfc5912::SHA_256_WITH_RSA_ENCRYPTION,
        parameters: Some(Any::from(Null)),
    }
}

impl Authority {
    /// The CRL of issuing CA `ca` listing every revoked or suspended entry,
    /// with `thisUpdate` = `this_update`, `nextUpdate` = `next_update` and the
    /// given monotonic `crl_number` (RFC 5280 §5.2.3).
    pub fn crl(
        &self,
        ca: IssuingCa,
        entries: &[StatusEntry],
        this_update: DateTime<Utc>,
        next_update: DateTime<Utc>,
        crl_number: u64,
    ) -> Result<Crl, PkiError> {
        let mut revoked_certs = Vec::new();
        for entry in entries {
            let (time, reason) = match entry.state {
                CertState::Good => continue,
                CertState::Revoked { reason, at } => (at, reason.rcgen()),
                CertState::Suspended { since } => (since, rcgen::RevocationReason::CertificateHold),
            };
            revoked_certs.push(RevokedCertParams {
                serial_number: SerialNumber::from_slice(&entry.serial),
                revocation_time: to_offset(time)?,
                reason_code: Some(reason),
                invalidity_date: None,
            });
        }
        let params = CertificateRevocationListParams {
            this_update: to_offset(this_update)?,
            next_update: to_offset(next_update)?,
            crl_number: SerialNumber::from(crl_number),
            issuing_distribution_point: None,
            revoked_certs,
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.ca(ca).issuer).map_err(|e| PkiError::Crypto(e.to_string()))?;
        Ok(Crl { der: crl.der().to_vec(), pem: crl.pem().map_err(|e| PkiError::Crypto(e.to_string()))? })
    }

    /// Answers a DER `OCSPRequest` (RFC 6960 §4.1) with a DER `OCSPResponse`
    /// (§4.2): never fails and never panics; see the module docs for which
    /// status each case gets. `thisUpdate` and `producedAt` are `now`,
    /// `nextUpdate` is `next_update`.
    pub fn ocsp_response(
        &self,
        request_der: &[u8],
        entries: &[StatusEntry],
        now: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Vec<u8> {
        let response = match self.try_ocsp(request_der, entries, now, next_update) {
            Ok(r) => r,
            Err(OcspFailure::Malformed) => OcspResponse::malformed_request(),
            Err(OcspFailure::Unauthorized) => OcspResponse::unauthorized(),
            Err(OcspFailure::Internal) => OcspResponse::internal_error(),
        };
        // A response without responseBytes always encodes.
        response.to_der().unwrap_or_else(|_| vec![0x30, 0x03, 0x0a, 0x01, 0x02])
    }

    fn try_ocsp(
        &self,
        request_der: &[u8],
        entries: &[StatusEntry],
        now: DateTime<Utc>,
        next_update: DateTime<Utc>,
    ) -> Result<OcspResponse, OcspFailure> {
        let request = OcspRequest::from_der(request_der).map_err(|_| OcspFailure::Malformed)?;
        let list = &request.tbs_request.request_list;
        if list.is_empty() {
            return Err(OcspFailure::Malformed);
        }
        // Every CertID must name the same one of our issuing CAs: one response
        // has one signer.
        let mut ca_kind = None;
        for single in list {
            let kind = self.match_issuer(&single.req_cert)?;
            if ca_kind.is_some_and(|k| k != kind) {
                return Err(OcspFailure::Unauthorized);
            }
            ca_kind = Some(kind);
        }
        let ca_kind = ca_kind.ok_or(OcspFailure::Malformed)?;
        let ca = self.ca(ca_kind);

        let this_update = to_generalized(now).map_err(|_| OcspFailure::Internal)?;
        let next = to_generalized(next_update).map_err(|_| OcspFailure::Internal)?;
        let mut responses = Vec::with_capacity(list.len());
        for single in list {
            let serial = single.req_cert.serial_number.as_bytes();
            let status = match entries.iter().find(|e| e.serial == serial).map(|e| e.state) {
                None => CertStatus::Unknown(Null),
                Some(CertState::Good) => CertStatus::Good(Null),
                Some(CertState::Revoked { reason, at }) => CertStatus::Revoked(RevokedInfo {
                    revocation_time: to_generalized(at).map_err(|_| OcspFailure::Internal)?,
                    revocation_reason: Some(reason.ocsp()),
                }),
                Some(CertState::Suspended { since }) => CertStatus::Revoked(RevokedInfo {
                    revocation_time: to_generalized(since).map_err(|_| OcspFailure::Internal)?,
                    revocation_reason: Some(CrlReason::CertificateHold),
                }),
            };
            responses.push(SingleResponse {
                cert_id: single.req_cert.clone(),
                cert_status: status,
                this_update,
                next_update: Some(next),
                single_extensions: None,
            });
        }

        // Echo the nonce extension as it came (RFC 6960 §4.4.1).
        let nonce: Vec<_> = request
            .tbs_request
            .request_extensions
            .iter()
            .flatten()
            .filter(|e| e.extn_id == const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE)
            .cloned()
            .collect();

        let (_, ca_cert) = x509_parser::parse_x509_certificate(&ca.cert_der).map_err(|_| OcspFailure::Internal)?;
        let key_hash = digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &ca_cert.public_key().subject_public_key.data);
        let tbs = ResponseData {
            version: Default::default(),
            responder_id: ResponderId::ByKey(OctetString::new(key_hash.as_ref()).map_err(|_| OcspFailure::Internal)?),
            produced_at: this_update,
            responses,
            response_extensions: if nonce.is_empty() { None } else { Some(nonce) },
        };
        let tbs_der = tbs.to_der().map_err(|_| OcspFailure::Internal)?;
        let mut signature = vec![0u8; ca.signer.public_modulus_len()];
        ca.signer
            .sign(
                &aws_lc_rs::signature::RSA_PKCS1_SHA256,
                &aws_lc_rs::rand::SystemRandom::new(),
                &tbs_der,
                &mut signature,
            )
            .map_err(|_| OcspFailure::Internal)?;
        let basic = BasicOcspResponse {
            tbs_response_data: tbs,
            signature_algorithm: sha256_with_rsa(),
            signature: BitString::from_bytes(&signature).map_err(|_| OcspFailure::Internal)?,
            certs: Some(vec![x509_cert::Certificate::from_der(&ca.cert_der).map_err(|_| OcspFailure::Internal)?]),
        };
        OcspResponse::successful(basic).map_err(|_| OcspFailure::Internal)
    }

    /// Which of our issuing CAs a CertID names (RFC 6960 §4.1.1: hashes of the
    /// issuer's DN and of its public key, with SHA-1 or SHA-256).
    fn match_issuer(&self, cert_id: &x509_ocsp::CertId) -> Result<IssuingCa, OcspFailure> {
        let alg = match cert_id.hash_algorithm.oid {
            const_oid::db::rfc5912::ID_SHA_1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            const_oid::db::rfc5912::ID_SHA_256 => &digest::SHA256,
            _ => return Err(OcspFailure::Unauthorized),
        };
        for kind in [IssuingCa::UserAuthentication, IssuingCa::Signing] {
            let (_, cert) =
                x509_parser::parse_x509_certificate(&self.ca(kind).cert_der).map_err(|_| OcspFailure::Internal)?;
            let name_hash = digest::digest(alg, cert.subject().as_raw());
            let key_hash = digest::digest(alg, &cert.public_key().subject_public_key.data);
            if cert_id.issuer_name_hash.as_bytes() == name_hash.as_ref()
                && cert_id.issuer_key_hash.as_bytes() == key_hash.as_ref()
            {
                return Ok(kind);
            }
        }
        Err(OcspFailure::Unauthorized)
    }
}

/// A minimal DER `OCSPRequest` (RFC 6960 §4.1.1) for one certificate of the
/// CA whose certificate is `issuer_der`: a SHA-1 CertID, as OpenSSL sends by
/// default, no nonce, unsigned. For clients of the responder (readers that
/// check a card, benchmarks, tests).
pub fn ocsp_request(issuer_der: &[u8], serial: &[u8]) -> Result<Vec<u8>, PkiError> {
    fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else if len <= 0xFF {
            out.extend_from_slice(&[0x81, len as u8]);
        } else {
            out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
        }
        out.extend_from_slice(content);
        out
    }
    let (_, ca) = x509_parser::parse_x509_certificate(issuer_der)
        .map_err(|e| PkiError::Crypto(format!("the issuer certificate does not parse: {e}")))?;
    let sha1 = [tlv(0x06, &[0x2b, 0x0e, 0x03, 0x02, 0x1a]), vec![0x05, 0x00]].concat();
    let cert_id = tlv(
        0x30,
        &[
            tlv(0x30, &sha1),
            tlv(0x04, digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, ca.subject().as_raw()).as_ref()),
            tlv(
                0x04,
                digest::digest(&digest::SHA1_FOR_LEGACY_USE_ONLY, &ca.public_key().subject_public_key.data).as_ref(),
            ),
            tlv(0x02, serial),
        ]
        .concat(),
    );
    // OCSPRequest { TBSRequest { requestList { Request { CertID } } } }
    Ok(tlv(0x30, &tlv(0x30, &tlv(0x30, &tlv(0x30, &cert_id)))))
}

/// The serial numbers (INTEGER content octets) an OCSP request asks about,
/// so the caller can look up only those; empty if the request does not parse
/// (then [`Authority::ocsp_response`] answers `malformedRequest` anyway).
pub fn requested_serials(request_der: &[u8]) -> Vec<Vec<u8>> {
    match OcspRequest::from_der(request_der) {
        Ok(request) => request
            .tbs_request
            .request_list
            .iter()
            .map(|single| single.req_cert.serial_number.as_bytes().to_vec())
            .collect(),
        Err(_) => Vec::new(),
    }
}

enum OcspFailure {
    Malformed,
    Unauthorized,
    Internal,
}
