//! Prints how many sign-in verifications per second
//! [`onshi_pki::TrustStore::verify_sign_in`] does on one core (parse the
//! certificate, check our CA's signature on it, check the challenge signature,
//! check validity: two RSA-2048 public-key operations), next to the bare RSA
//! verification that `openssl speed rsa2048` measures and OCSP answers per
//! second (parse, look up, sign: one RSA private-key operation).
//!
//! `cargo run --release -p onshi-pki --example verify_speed [seconds]`

use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use onshi_domain::person::Sex;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_pki::{Authority, CertState, Holder, IssuingCa, StatusEntry, StatusUrls, TrustStore};

fn rate(seconds: f64, mut op: impl FnMut()) -> f64 {
    // Warm up, then count whole operations for the given wall time.
    for _ in 0..100 {
        op();
    }
    let budget = Duration::from_secs_f64(seconds);
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..100 {
            op();
        }
        n += 100;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let seconds: f64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(5.0);
    let now: DateTime<Utc> = DateTime::from_timestamp(1_795_000_000, 0).expect("a valid time");
    let authority = Authority::create(now).expect("create the authority");
    let urls = StatusUrls { ocsp: "http://127.0.0.1/ocsp".to_owned(), crl: "http://127.0.0.1/crl".to_owned() };
    let holder = Holder {
        name: "山田 太郎".to_owned(),
        name_substitute: None,
        sex: Sex::Male,
        birth_date: NaiveDate::from_ymd_opt(1980, 6, 15).expect("a valid date"),
        address: "東京都千代田区".to_owned(),
        address_substitute: None,
    };
    let card = authority.issue(&holder, now, &urls, &urls).expect("issue a card");
    let trust = TrustStore::new(
        authority.root_cert_der(),
        authority.ca_cert_der(IssuingCa::UserAuthentication),
        authority.ca_cert_der(IssuingCa::Signing),
    )
    .expect("our own anchors");
    let challenge = [7u8; 32];
    let auth = &card.user_authentication;
    let signature = sign_digest_info(&auth.key_pkcs8_der, &sha256_digest_info(&challenge)).expect("the card signs");
    let at = now + TimeDelta::days(1);

    let sign_in = rate(seconds, || {
        trust.verify_sign_in(&auth.cert_der, &challenge, &signature, at).expect("a genuine sign-in verifies");
    });

    let spki = {
        let (_, cert) = x509_parser::parse_x509_certificate(&auth.cert_der).expect("our certificate");
        cert.public_key().subject_public_key.data.to_vec()
    };
    let key = aws_lc_rs::signature::UnparsedPublicKey::new(&aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256, spki);
    let bare = rate(seconds, || {
        key.verify(&challenge, &signature).expect("verifies");
    });

    // OCSP: one request for the user-authentication certificate.
    let entries = vec![StatusEntry { serial: auth.serial.clone(), state: CertState::Good }];
    let ocsp_request =
        onshi_pki::ocsp_request(authority.ca_cert_der(IssuingCa::UserAuthentication), &auth.serial).expect("a request");
    let ocsp = rate(seconds, || {
        let resp = authority.ocsp_response(&ocsp_request, &entries, at, at + TimeDelta::hours(1));
        assert!(resp.len() > 100, "a signed answer");
    });

    println!("sign-in verifications/s (parse + chain + challenge + validity): {sign_in:.0}");
    println!("bare RSA-2048 PKCS#1 v1.5 SHA-256 verifications/s (aws-lc-rs): {bare:.0}");
    println!("OCSP answers/s (parse + look up + RSA-2048 sign): {ocsp:.0}");
}
