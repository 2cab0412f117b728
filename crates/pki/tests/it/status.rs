//! CRL and OCSP round trips, parsed back with x509-parser and x509-ocsp.

use der::{Decode, Encode};
use onshi_pki::{CertState, IssuingCa, RevocationReason, StatusEntry};
use x509_ocsp::{BasicOcspResponse, CertStatus, OcspRequest, OcspResponse, OcspResponseStatus};
use x509_parser::prelude::*;

use crate::fixture::*;

pub(crate) fn entries() -> Vec<StatusEntry> {
    let c = card();
    vec![
        StatusEntry {
            serial: c.user_authentication.serial.clone(),
            state: CertState::Suspended { since: t("2027-03-01T03:00:00Z") },
        },
        StatusEntry {
            serial: c.signing.serial.clone(),
            state: CertState::Revoked { reason: RevocationReason::AffiliationChanged, at: t("2027-02-01T00:00:00Z") },
        },
        StatusEntry { serial: vec![0x41; 16], state: CertState::Good },
        StatusEntry {
            serial: vec![0x42; 16],
            state: CertState::Revoked { reason: RevocationReason::KeyCompromise, at: t("2027-01-15T00:00:00Z") },
        },
    ]
}

#[test]
fn crl_lists_revoked_and_suspended() {
    let a = authority();
    let crl = a
        .crl(IssuingCa::UserAuthentication, &entries(), t("2027-03-01T03:00:01Z"), t("2027-03-02T03:00:01Z"), 7)
        .unwrap();
    assert!(crl.pem.starts_with("-----BEGIN X509 CRL-----"));
    let (rest, parsed) = parse_x509_crl(&crl.der).unwrap();
    assert!(rest.is_empty());
    assert_eq!(parsed.version(), Some(X509Version::V2));
    assert_eq!(
        parsed.issuer().to_string(),
        "C=JP, O=onshi JPKI, OU=JPKI for user authentication, CN=onshi JPKI User Authentication CA"
    );
    assert_eq!(parsed.last_update().to_datetime().to_string(), "2027-03-01 3:00:01.0 +00:00:00");
    assert_eq!(parsed.next_update().unwrap().to_datetime().to_string(), "2027-03-02 3:00:01.0 +00:00:00");
    assert_eq!(parsed.crl_number().map(|n| n.to_string()), Some("7".to_owned()));
    let listed: Vec<String> = parsed
        .iter_revoked_certificates()
        .map(|r| {
            format!(
                "{} {} {:?}",
                r.raw_serial().iter().map(|b| format!("{b:02x}")).collect::<String>(),
                r.revocation_date.to_datetime(),
                r.reason_code().map(|(_, c)| c.0)
            )
        })
        .collect();
    let c = card();
    let hex = |s: &[u8]| s.iter().map(|b| format!("{b:02x}")).collect::<String>();
    assert_eq!(
        listed,
        [
            format!("{} 2027-03-01 3:00:00.0 +00:00:00 Some(6)", hex(&c.user_authentication.serial)),
            format!("{} 2027-02-01 0:00:00.0 +00:00:00 Some(3)", hex(&c.signing.serial)),
            format!("{} 2027-01-15 0:00:00.0 +00:00:00 Some(1)", "42".repeat(16)),
        ]
    );
    let (_, ca) = parse_x509_certificate(a.ca_cert_der(IssuingCa::UserAuthentication)).unwrap();
    parsed.verify_signature(ca.public_key()).unwrap();
    let (_, other) = parse_x509_certificate(a.ca_cert_der(IssuingCa::Signing)).unwrap();
    assert!(parsed.verify_signature(other.public_key()).is_err());
}

/// An OCSP request for `serial` issued by `ca`, built with x509-ocsp's
/// types: SHA-1 CertID as OpenSSL sends by default, optional nonce.
pub(crate) fn request(ca: IssuingCa, serial: &[u8], nonce: Option<&[u8]>) -> Vec<u8> {
    use aws_lc_rs::digest::{SHA1_FOR_LEGACY_USE_ONLY, digest};
    let (_, ca_cert) = parse_x509_certificate(authority().ca_cert_der(ca)).unwrap();
    let cert_id = x509_ocsp::CertId {
        hash_algorithm: spki::AlgorithmIdentifierOwned {
            oid: const_oid::db::rfc5912::ID_SHA_1,
            parameters: Some(der::Any::from(der::asn1::Null)),
        },
        issuer_name_hash: der::asn1::OctetString::new(
            digest(&SHA1_FOR_LEGACY_USE_ONLY, ca_cert.subject().as_raw()).as_ref(),
        )
        .unwrap(),
        issuer_key_hash: der::asn1::OctetString::new(
            digest(&SHA1_FOR_LEGACY_USE_ONLY, &ca_cert.public_key().subject_public_key.data).as_ref(),
        )
        .unwrap(),
        serial_number: x509_cert::serial_number::SerialNumber::new(serial).unwrap(),
    };
    let extensions = nonce.map(|n| {
        vec![x509_cert::ext::Extension {
            extn_id: const_oid::db::rfc6960::ID_PKIX_OCSP_NONCE,
            critical: false,
            extn_value: der::asn1::OctetString::new(der::asn1::OctetString::new(n).unwrap().to_der().unwrap()).unwrap(),
        }]
    });
    OcspRequest {
        tbs_request: x509_ocsp::TbsRequest {
            version: Default::default(),
            requestor_name: None,
            request_list: vec![x509_ocsp::Request { req_cert: cert_id, single_request_extensions: None }],
            request_extensions: extensions,
        },
        optional_signature: None,
    }
    .to_der()
    .unwrap()
}

fn answer(req: &[u8]) -> (OcspResponseStatus, Option<BasicOcspResponse>) {
    let der = authority().ocsp_response(req, &entries(), t("2027-03-01T04:00:00Z"), t("2027-03-01T05:00:00Z"));
    let resp = OcspResponse::from_der(&der).unwrap();
    let basic = resp.response_bytes.map(|b| BasicOcspResponse::from_der(b.response.as_bytes()).unwrap());
    (resp.response_status, basic)
}

fn status_line(s: &CertStatus) -> String {
    match s {
        CertStatus::Good(_) => "good".to_owned(),
        CertStatus::Unknown(_) => "unknown".to_owned(),
        CertStatus::Revoked(info) => {
            format!("revoked {} {:?}", info.revocation_time.0.to_unix_duration().as_secs(), info.revocation_reason)
        }
    }
}

#[test]
fn ocsp_answers_each_state() {
    let c = card();
    let cases: [(IssuingCa, &[u8], &str); 5] = [
        (IssuingCa::UserAuthentication, &c.user_authentication.serial, "revoked 1803870000 Some(CertificateHold)"),
        (IssuingCa::Signing, &c.signing.serial, "revoked 1801440000 Some(AffiliationChanged)"),
        (IssuingCa::UserAuthentication, &[0x41; 16], "good"),
        (IssuingCa::UserAuthentication, &[0x42; 16], "revoked 1799971200 Some(KeyCompromise)"),
        (IssuingCa::Signing, &[0x43; 16], "unknown"),
    ];
    for (ca, serial, expect) in cases {
        let (status, basic) = answer(&request(ca, serial, Some(b"0123456789abcdef")));
        assert_eq!(status, OcspResponseStatus::Successful);
        let basic = basic.unwrap();
        let single = &basic.tbs_response_data.responses[0];
        assert_eq!(status_line(&single.cert_status), expect);
        assert_eq!(single.cert_id.serial_number.as_bytes(), serial);
        assert_eq!(single.this_update.0.to_unix_duration().as_secs(), 1803873600);
        assert_eq!(single.next_update.unwrap().0.to_unix_duration().as_secs(), 1803877200);
        // The nonce is echoed.
        let nonce = basic.nonce().unwrap();
        assert_eq!(nonce.0.as_bytes(), b"0123456789abcdef");
        // Signed by the issuing CA over the DER of tbsResponseData.
        let (_, ca_cert) = parse_x509_certificate(authority().ca_cert_der(ca)).unwrap();
        let tbs = basic.tbs_response_data.to_der().unwrap();
        aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            &ca_cert.public_key().subject_public_key.data,
        )
        .verify(&tbs, basic.signature.raw_bytes())
        .unwrap();
    }
    // Without a nonce there is no response extension.
    let (_, basic) = answer(&request(IssuingCa::Signing, &[0x41; 16], None));
    assert!(basic.unwrap().tbs_response_data.response_extensions.is_none());
}

#[test]
fn ocsp_refuses_bad_requests() {
    let (_, foreign_card) = foreign();
    let _ = foreign_card;
    let good = request(IssuingCa::UserAuthentication, &[0x41; 16], None);
    let mut foreign_req = good.clone();
    // Corrupt the issuer key hash: nobody we know.
    let pos = foreign_req.len() - 20;
    foreign_req[pos] ^= 0xff;
    let cases: [(&str, Vec<u8>, OcspResponseStatus); 5] = [
        ("empty", vec![], OcspResponseStatus::MalformedRequest),
        ("garbage", b"garbage".to_vec(), OcspResponseStatus::MalformedRequest),
        ("truncated", good[..good.len() - 4].to_vec(), OcspResponseStatus::MalformedRequest),
        ("unknown issuer", foreign_req, OcspResponseStatus::Unauthorized),
        ("good", good, OcspResponseStatus::Successful),
    ];
    for (why, req, expect) in cases {
        assert_eq!(answer(&req).0, expect, "{why}");
    }
}

#[test]
fn every_reason_reaches_crl_and_ocsp() {
    use RevocationReason as R;
    let cases = [
        (R::Unspecified, 0, "Unspecified"),
        (R::KeyCompromise, 1, "KeyCompromise"),
        (R::CaCompromise, 2, "CaCompromise"),
        (R::AffiliationChanged, 3, "AffiliationChanged"),
        (R::Superseded, 4, "Superseded"),
        (R::CessationOfOperation, 5, "CessationOfOperation"),
        (R::PrivilegeWithdrawn, 9, "PrivilegeWithdrawn"),
    ];
    let a = authority();
    let serial = vec![0x44; 16];
    for (reason, code, ocsp_name) in cases {
        assert_eq!(reason.code(), code);
        let entries = [StatusEntry {
            serial: serial.clone(),
            state: CertState::Revoked { reason, at: t("2027-01-01T00:00:00Z") },
        }];
        let crl = a.crl(IssuingCa::Signing, &entries, t("2027-01-02T00:00:00Z"), t("2027-01-03T00:00:00Z"), 1).unwrap();
        let (_, parsed) = parse_x509_crl(&crl.der).unwrap();
        let got: Vec<_> = parsed.iter_revoked_certificates().map(|r| r.reason_code().map(|(_, c)| c.0)).collect();
        // RFC 5280 §5.3.1: reasonCode unspecified SHOULD be absent, and it is.
        let expect = if code == 0 { None } else { Some(code) };
        assert_eq!(got, [expect], "{reason:?}");
        let der = a.ocsp_response(
            &request(IssuingCa::Signing, &serial, None),
            &entries,
            t("2027-01-02T00:00:00Z"),
            t("2027-01-03T00:00:00Z"),
        );
        let resp = OcspResponse::from_der(&der).unwrap();
        let basic = BasicOcspResponse::from_der(resp.response_bytes.unwrap().response.as_bytes()).unwrap();
        let line = status_line(&basic.tbs_response_data.responses[0].cert_status);
        assert_eq!(line, format!("revoked 1798761600 Some({ocsp_name})"), "{reason:?}");
    }
}
