//! The sign-in verification: one accepted case per validity state and one
//! distinct error per failure.

use chrono::{DateTime, Utc};
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_pki::{IssuingCa, SignError, TrustStore, Validity, VerifyError};

use crate::fixture::*;

pub(crate) fn trust() -> TrustStore {
    let a = authority();
    TrustStore::new(a.root_cert_der(), a.ca_cert_der(IssuingCa::UserAuthentication), a.ca_cert_der(IssuingCa::Signing))
        .unwrap()
}

const CHALLENGE: &[u8] = b"onshi sign-in challenge 0123456789abcdef";

fn card_sign(key: &[u8], message: &[u8]) -> Vec<u8> {
    sign_digest_info(key, &sha256_digest_info(message)).unwrap()
}

fn check(cert: &[u8], sig: &[u8], at: DateTime<Utc>) -> String {
    match trust().verify_sign_in(cert, CHALLENGE, sig, at) {
        Ok(v) => format!("ok {:?} {:?}", v.kind, v.validity),
        Err(VerifyError::Malformed(_)) => "Malformed".to_owned(),
        Err(e) => format!("{e:?}"),
    }
}

#[test]
fn sign_in_by_time_and_kind() {
    let auth = &card().user_authentication;
    let sign = &card().signing;
    let auth_sig = card_sign(&auth.key_pkcs8_der, CHALLENGE);
    let sign_sig = card_sign(&sign.key_pkcs8_der, CHALLENGE);
    let cases = [
        (auth, &auth_sig, "2026-11-22T01:00:00Z", "ok UserAuthentication Valid"),
        (auth, &auth_sig, "2031-02-28T14:59:59Z", "ok UserAuthentication Valid"),
        (
            auth,
            &auth_sig,
            "2031-03-01T00:00:00Z",
            "ok UserAuthentication WithinGrace { grace_ends: 2031-05-28T14:59:59Z }",
        ),
        (
            auth,
            &auth_sig,
            "2031-05-28T14:59:59Z",
            "ok UserAuthentication WithinGrace { grace_ends: 2031-05-28T14:59:59Z }",
        ),
        (auth, &auth_sig, "2031-05-28T15:00:00Z", "Expired { not_after: 2031-02-28T14:59:59Z, beyond_grace: true }"),
        (auth, &auth_sig, "2026-11-22T00:59:59Z", "NotYetValid { not_before: 2026-11-22T01:00:00Z }"),
        (sign, &sign_sig, "2027-01-01T00:00:00Z", "ok Signing Valid"),
        (sign, &sign_sig, "2031-03-01T00:00:00Z", "Expired { not_after: 2031-02-28T14:59:59Z, beyond_grace: true }"),
        (auth, &sign_sig, "2027-01-01T00:00:00Z", "BadSignature"),
    ];
    for (cert, sig, at, expect) in cases {
        assert_eq!(check(&cert.cert_der, sig, t(at)), expect, "at {at}");
    }
}

#[test]
fn each_failure_has_its_error() {
    let auth = &card().user_authentication;
    let sig = card_sign(&auth.key_pkcs8_der, CHALLENGE);
    let at = t("2027-01-01T00:00:00Z");

    let mut tampered_sig = sig.clone();
    tampered_sig[100] ^= 1;
    let mut tampered_cert = auth.cert_der.clone();
    // Flip a bit inside the CA's signature (the last bytes of the certificate).
    let last = tampered_cert.len() - 3;
    tampered_cert[last] ^= 1;
    let mut tbs_tampered = auth.cert_der.clone();
    // Flip a bit in the serial number: the CA's signature no longer covers it.
    let pos = tbs_tampered.windows(16).position(|w| w == auth.serial.as_slice()).unwrap();
    tbs_tampered[pos + 5] ^= 1;
    let (_, foreign_card) = foreign();
    let foreign_sig = card_sign(&foreign_card.user_authentication.key_pkcs8_der, CHALLENGE);
    let mut trailing = auth.cert_der.clone();
    trailing.push(0);

    let cases: [(&str, &[u8], &[u8], &str); 9] = [
        ("genuine", &auth.cert_der, &sig, "ok UserAuthentication Valid"),
        ("tampered challenge signature", &auth.cert_der, &tampered_sig, "BadSignature"),
        ("empty signature", &auth.cert_der, &[], "BadSignature"),
        ("tampered CA signature", &tampered_cert, &sig, "ForeignCa"),
        ("tampered serial", &tbs_tampered, &sig, "ForeignCa"),
        ("foreign CA with our names", &foreign_card.user_authentication.cert_der, &foreign_sig, "ForeignCa"),
        ("garbage", b"\x30\x82\x01\x00garbage", &sig, "Malformed"),
        ("truncated", &auth.cert_der[..auth.cert_der.len() / 2], &sig, "Malformed"),
        ("trailing byte", &trailing, &sig, "Malformed"),
    ];
    for (why, cert, sig, expect) in cases {
        assert_eq!(check(cert, sig, at), expect, "{why}");
    }
    // A CA certificate (not an end entity of our issuing CAs) is an unknown issuer.
    let a = authority();
    assert_eq!(check(a.ca_cert_der(IssuingCa::Signing), &sig, at), "UnknownIssuer");
    assert_eq!(check(a.root_cert_der(), &sig, at), "UnknownIssuer");
}

#[test]
fn trust_store_checks_its_anchors() {
    let a = authority();
    let (f, _) = foreign();
    let auth = a.ca_cert_der(IssuingCa::UserAuthentication);
    let sign = a.ca_cert_der(IssuingCa::Signing);
    assert!(TrustStore::new(a.root_cert_der(), auth, sign).is_ok());
    let err = |r: Result<TrustStore, VerifyError>| matches!(r, Err(VerifyError::BadTrustAnchors(_)));
    assert!(err(TrustStore::new(f.root_cert_der(), auth, sign)), "foreign root");
    assert!(err(TrustStore::new(auth, auth, sign)), "issuing CA as root");
    assert!(err(TrustStore::new(b"junk", auth, sign)), "junk root");
    assert!(err(TrustStore::new(a.root_cert_der(), &card().signing.cert_der, sign)), "end entity as CA");
}

#[test]
fn card_signature_is_pkcs1_v15_over_the_digest_info() {
    let key = &card().user_authentication.key_pkcs8_der;
    // aws-lc-rs' own PKCS#1 v1.5 SHA-256 signature is deterministic and must
    // equal the card's signature over the DigestInfo.
    let pair = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(key).unwrap();
    let mut expect = vec![0; pair.public_modulus_len()];
    pair.sign(&aws_lc_rs::signature::RSA_PKCS1_SHA256, &aws_lc_rs::rand::SystemRandom::new(), CHALLENGE, &mut expect)
        .unwrap();
    assert_eq!(card_sign(key, CHALLENGE), expect);

    assert_eq!(sign_digest_info(b"not a key", &sha256_digest_info(b"x")), Err(SignError::BadKey));
    let di = sha256_digest_info(b"x");
    assert_eq!(sign_digest_info(key, &di[..di.len() - 1]), Err(SignError::NotDigestInfo));
    assert_eq!(sign_digest_info(key, &[0u8; 32]), Err(SignError::NotDigestInfo));
    let mut long = di.clone();
    long.push(0);
    assert_eq!(sign_digest_info(key, &long), Err(SignError::NotDigestInfo));
    let _ = Validity::Valid;
}
