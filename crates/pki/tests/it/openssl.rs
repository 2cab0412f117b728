//! Real-peer tests with the `openssl` CLI (OpenSSL 3): it must accept our
//! certificates, CRLs and OCSP answers.
//!
//! OpenSSL judges validity against the system clock, so the card and the
//! status times here are taken around `Utc::now()`; the library itself never
//! reads the clock.

use std::path::Path;
use std::process::Command;

use chrono::{TimeDelta, Utc};
use onshi_pki::{CertState, IssuedCard, IssuingCa, RevocationReason, StatusEntry};

use crate::fixture::*;

fn openssl(dir: &Path, args: &[&str]) -> (bool, String) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().expect("openssl is installed");
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn pem(tag: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(tag, der.to_vec()))
}

fn fresh_card() -> IssuedCard {
    authority().issue(&holder(), Utc::now() - TimeDelta::hours(1), &auth_urls(), &sign_urls()).unwrap()
}

fn write_common(dir: &Path, card: &IssuedCard) {
    let a = authority();
    std::fs::write(dir.join("root.pem"), pem("CERTIFICATE", a.root_cert_der())).unwrap();
    std::fs::write(dir.join("auth-ca.pem"), pem("CERTIFICATE", a.ca_cert_der(IssuingCa::UserAuthentication))).unwrap();
    std::fs::write(dir.join("sign-ca.pem"), pem("CERTIFICATE", a.ca_cert_der(IssuingCa::Signing))).unwrap();
    std::fs::write(dir.join("auth.pem"), card.user_authentication.cert_pem()).unwrap();
    std::fs::write(dir.join("sign.pem"), card.signing.cert_pem()).unwrap();
}

#[test]
fn openssl_verify_accepts_both_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let card = fresh_card();
    write_common(dir.path(), &card);
    for (ca, cert) in [("auth-ca.pem", "auth.pem"), ("sign-ca.pem", "sign.pem")] {
        let (ok, out) = openssl(dir.path(), &["verify", "-x509_strict", "-CAfile", "root.pem", "-untrusted", ca, cert]);
        assert!(ok, "{out}");
        assert_eq!(out.trim(), format!("{cert}: OK"));
    }
    // The wrong issuing CA, and a foreign root, are refused.
    let (ok, _) = openssl(dir.path(), &["verify", "-CAfile", "root.pem", "-untrusted", "sign-ca.pem", "auth.pem"]);
    assert!(!ok);
    let (f, _) = foreign();
    std::fs::write(dir.path().join("foreign-root.pem"), pem("CERTIFICATE", f.root_cert_der())).unwrap();
    let (ok, _) =
        openssl(dir.path(), &["verify", "-CAfile", "foreign-root.pem", "-untrusted", "auth-ca.pem", "auth.pem"]);
    assert!(!ok);
    // openssl reads the SAN otherNames and the status URLs back.
    let (ok, out) = openssl(dir.path(), &["x509", "-in", "sign.pem", "-noout", "-text"]);
    assert!(ok, "{out}");
    for needle in [
        "othername: 1.2.392.200149.8.5.5.1::髙橋 花子",
        "othername: 1.2.392.200149.8.5.5.4::420000229",
        "OCSP - URI:http://127.0.0.1:8080/jpki/ocsp/sign",
        "URI:http://127.0.0.1:8080/jpki/crl/sign.crl",
        "Digital Signature, Non Repudiation",
    ] {
        assert!(out.contains(needle), "{needle} not in\n{out}");
    }
}

#[test]
fn openssl_crl_verifies_and_lists_reasons() {
    let dir = tempfile::tempdir().unwrap();
    let card = fresh_card();
    write_common(dir.path(), &card);
    let now = Utc::now();
    let entries = [
        StatusEntry {
            serial: card.user_authentication.serial.clone(),
            state: CertState::Suspended { since: now - TimeDelta::minutes(5) },
        },
        StatusEntry {
            serial: vec![0x42; 16],
            state: CertState::Revoked { reason: RevocationReason::KeyCompromise, at: now - TimeDelta::minutes(10) },
        },
    ];
    let crl = authority().crl(IssuingCa::UserAuthentication, &entries, now, now + TimeDelta::days(1), 1).unwrap();
    std::fs::write(dir.path().join("crl.der"), &crl.der).unwrap();
    std::fs::write(dir.path().join("crl.pem"), &crl.pem).unwrap();
    let (ok, out) =
        openssl(dir.path(), &["crl", "-in", "crl.der", "-inform", "DER", "-CAfile", "auth-ca.pem", "-noout", "-text"]);
    assert!(ok, "{out}");
    assert!(out.contains("verify OK"), "{out}");
    let serial_hex: String = card.user_authentication.serial.iter().map(|b| format!("{b:02X}")).collect();
    assert!(out.contains(&format!("Serial Number: {serial_hex}")), "{out}");
    assert!(out.contains("Certificate Hold"), "{out}");
    assert!(out.contains("Key Compromise"), "{out}");
    // Signed by the other CA it does not verify.
    let (_, out) = openssl(dir.path(), &["crl", "-in", "crl.pem", "-CAfile", "sign-ca.pem", "-noout"]);
    assert!(!out.contains("verify OK"), "{out}");
    // And `openssl verify -crl_check` now refuses the suspended certificate.
    let (ok, out) = openssl(
        dir.path(),
        &[
            "verify",
            "-crl_check",
            "-CRLfile",
            "crl.pem",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "auth-ca.pem",
            "auth.pem",
        ],
    );
    assert!(!ok, "{out}");
    assert!(out.contains("certificate revoked"), "{out}");
}

#[test]
fn openssl_ocsp_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let card = fresh_card();
    write_common(dir.path(), &card);
    let now = Utc::now();
    let entries = [
        StatusEntry {
            serial: card.user_authentication.serial.clone(),
            state: CertState::Suspended { since: now - TimeDelta::minutes(5) },
        },
        StatusEntry { serial: card.signing.serial.clone(), state: CertState::Good },
    ];
    let cases = [
        ("auth-ca.pem", "auth.pem", "auth.pem: revoked", Some("Reason: certificateHold")),
        ("sign-ca.pem", "sign.pem", "sign.pem: good", None),
    ];
    for (ca, cert, expect, reason) in cases {
        // openssl builds the request (with its default nonce) ...
        let (ok, out) = openssl(dir.path(), &["ocsp", "-issuer", ca, "-cert", cert, "-reqout", "req.der"]);
        assert!(ok, "{out}");
        let req = std::fs::read(dir.path().join("req.der")).unwrap();
        // ... we answer ...
        let resp = authority().ocsp_response(&req, &entries, now, now + TimeDelta::hours(1));
        std::fs::write(dir.path().join("resp.der"), resp).unwrap();
        // ... and openssl checks the signature, the chain to the root and
        // that the nonce of its request came back (`-reqin` without `-cert`:
        // with `-cert` openssl would build a new request with a new nonce) ...
        let (ok, out) =
            openssl(dir.path(), &["ocsp", "-reqin", "req.der", "-respin", "resp.der", "-CAfile", "root.pem"]);
        assert!(ok, "{out}");
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(!out.contains("WARNING") && !out.contains("Nonce"), "{out}");
        // ... and reports the status of the certificate.
        let (ok, out) = openssl(
            dir.path(),
            &["ocsp", "-no_nonce", "-respin", "resp.der", "-issuer", ca, "-CAfile", "root.pem", "-cert", cert],
        );
        assert!(ok, "{out}");
        assert!(out.contains("Response verify OK"), "{out}");
        assert!(out.contains(expect), "{expect} not in\n{out}");
        if let Some(reason) = reason {
            assert!(out.contains(reason), "{reason} not in\n{out}");
        }
        assert!(!out.contains("WARNING"), "{out}");
    }
}
