//! Issuance profiles, parsed back with x509-parser, and persistence.

use der::Decode;
use onshi_pki::authority::{jpki_birth_date, oid};
use onshi_pki::{Authority, AuthorityFiles, IssuingCa};
use x509_parser::extensions::{DistributionPointName, GeneralName, ParsedExtension};
use x509_parser::prelude::*;

use crate::fixture::*;

/// Every extension of a certificate as `oid critical summary` lines.
fn extensions(der: &[u8]) -> Vec<String> {
    let (_, cert) = parse_x509_certificate(der).unwrap();
    cert.extensions()
        .iter()
        .map(|ext| {
            let summary = match ext.parsed_extension() {
                ParsedExtension::BasicConstraints(bc) => format!("ca={} pathlen={:?}", bc.ca, bc.path_len_constraint),
                ParsedExtension::KeyUsage(ku) => format!("{ku}"),
                ParsedExtension::ExtendedKeyUsage(eku) => format!(
                    "client_auth={} server_auth={} any={} other={}",
                    eku.client_auth,
                    eku.server_auth,
                    eku.any,
                    eku.other.len()
                ),
                ParsedExtension::AuthorityInfoAccess(aia) => aia
                    .accessdescs
                    .iter()
                    .map(|d| format!("{} {}", d.access_method, name(&d.access_location)))
                    .collect::<Vec<_>>()
                    .join(","),
                ParsedExtension::CRLDistributionPoints(dps) => dps
                    .points
                    .iter()
                    .map(|p| match &p.distribution_point {
                        Some(DistributionPointName::FullName(names)) => {
                            names.iter().map(name).collect::<Vec<_>>().join(",")
                        }
                        other => format!("{other:?}"),
                    })
                    .collect::<Vec<_>>()
                    .join(";"),
                ParsedExtension::SubjectAlternativeName(san) => {
                    san.general_names.iter().map(name).collect::<Vec<_>>().join(" | ")
                }
                ParsedExtension::SubjectKeyIdentifier(_) => "ski".to_owned(),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    format!("aki keyid={}", aki.key_identifier.is_some())
                }
                other => format!("unexpected {other:?}"),
            };
            format!("{} critical={} {summary}", ext.oid, ext.critical)
        })
        .collect()
}

fn name(n: &GeneralName<'_>) -> String {
    match n {
        GeneralName::URI(u) => format!("URI:{u}"),
        GeneralName::OtherName(oid, value) => {
            // [0] EXPLICIT UTF8String
            let any = der::Any::from_der(value).unwrap();
            assert_eq!(
                der::Tagged::tag(&any),
                der::Tag::ContextSpecific { constructed: true, number: der::TagNumber::N0 }
            );
            let s = der::asn1::Utf8StringRef::from_der(any.value()).unwrap();
            format!("{oid}={}", s.as_str())
        }
        other => format!("{other:?}"),
    }
}

fn subject(der: &[u8]) -> (String, String, String, String, usize) {
    let (_, cert) = parse_x509_certificate(der).unwrap();
    (
        cert.subject().to_string(),
        cert.issuer().to_string(),
        cert.validity().not_before.to_datetime().to_string(),
        cert.validity().not_after.to_datetime().to_string(),
        cert.public_key()
            .parsed()
            .map(|k| match k {
                x509_parser::public_key::PublicKey::RSA(rsa) => rsa.key_size(),
                _ => 0,
            })
            .unwrap(),
    )
}

#[test]
fn user_authentication_profile() {
    let cert = &card().user_authentication;
    let serial_hex: String = cert.serial.iter().map(|b| format!("{b:02X}")).collect();
    assert_eq!(cert.serial.len(), 16);
    assert!(cert.serial[0] & 0xc0 == 0x40, "positive, exactly 16 octets");
    let (subj, issuer, nb, na, bits) = subject(&cert.cert_der);
    assert_eq!(subj, format!("C=JP, CN={serial_hex}"), "no personal attribute in the subject");
    assert_eq!(issuer, "C=JP, O=onshi JPKI, OU=JPKI for user authentication, CN=onshi JPKI User Authentication CA");
    assert_eq!(nb, "2026-11-22 1:00:00.0 +00:00:00");
    // born 2000-02-29, issued 2026-11-22 → 5th birthday after issue 2031-02-28, end of day JST.
    assert_eq!(na, "2031-02-28 14:59:59.0 +00:00:00");
    assert_eq!(bits, 2048);
    let (_, parsed) = parse_x509_certificate(&cert.cert_der).unwrap();
    assert_eq!(parsed.signature_algorithm.algorithm.to_id_string(), "1.2.840.113549.1.1.11");
    assert_eq!(parsed.raw_serial(), cert.serial.as_slice());
    assert_eq!(
        extensions(&cert.cert_der),
        [
            "2.5.29.35 critical=false aki keyid=true",
            "2.5.29.15 critical=true Digital Signature",
            "2.5.29.37 critical=false client_auth=true server_auth=false any=false other=0",
            "2.5.29.31 critical=false URI:http://127.0.0.1:8080/jpki/crl/auth.crl",
            "2.5.29.14 critical=false ski",
            "2.5.29.19 critical=true ca=false pathlen=None",
            "1.3.6.1.5.5.7.1.1 critical=false 1.3.6.1.5.5.7.48.1 URI:http://127.0.0.1:8080/jpki/ocsp/auth",
        ]
    );
    // No personal attribute anywhere in the certificate.
    let der = &cert.cert_der;
    for needle in ["髙橋", "東京都", "1.2.392.200149"] {
        let bytes: Vec<u8> = if needle.starts_with("1.") {
            vec![0x2a, 0x83, 0x08, 0x8c, 0x9a, 0x55] // 1.2.392.200149 encoded
        } else {
            needle.as_bytes().to_vec()
        };
        assert!(!der.windows(bytes.len()).any(|w| w == bytes.as_slice()), "{needle} found");
    }
}

#[test]
fn signing_profile() {
    let cert = &card().signing;
    let serial_hex: String = cert.serial.iter().map(|b| format!("{b:02X}")).collect();
    let (subj, issuer, nb, na, bits) = subject(&cert.cert_der);
    assert_eq!(subj, format!("C=JP, CN={serial_hex}"));
    assert_eq!(issuer, "C=JP, O=onshi JPKI, OU=JPKI for digital signature, CN=onshi JPKI Signing CA");
    assert_eq!(nb, "2026-11-22 1:00:00.0 +00:00:00");
    assert_eq!(na, "2031-02-28 14:59:59.0 +00:00:00");
    assert_eq!(bits, 2048);
    assert_ne!(cert.serial, card().user_authentication.serial);
    assert_eq!(
        extensions(&cert.cert_der),
        [
            "2.5.29.35 critical=false aki keyid=true",
            "2.5.29.17 critical=false 1.2.392.200149.8.5.5.1=髙橋 花子 | 1.2.392.200149.8.5.5.2=高橋 花子 | 1.2.392.200149.8.5.5.3=2 | 1.2.392.200149.8.5.5.4=420000229 | 1.2.392.200149.8.5.5.5=東京都千代田区霞が関一丁目1番1号",
            "2.5.29.15 critical=true Digital Signature, Non Repudiation",
            "2.5.29.31 critical=false URI:http://127.0.0.1:8080/jpki/crl/sign.crl",
            "2.5.29.14 critical=false ski",
            "2.5.29.19 critical=true ca=false pathlen=None",
            "1.3.6.1.5.5.7.1.1 critical=false 1.3.6.1.5.5.7.48.1 URI:http://127.0.0.1:8080/jpki/ocsp/sign",
        ]
    );
    assert_eq!(oid::NAME, "1.2.392.200149.8.5.5.1");
}

#[test]
fn ca_profiles() {
    let a = authority();
    let root = extensions(a.root_cert_der());
    assert_eq!(
        root,
        [
            "2.5.29.15 critical=true Key Cert Sign, CRL Sign",
            "2.5.29.14 critical=false ski",
            "2.5.29.19 critical=true ca=true pathlen=None",
        ]
    );
    for ca in [IssuingCa::UserAuthentication, IssuingCa::Signing] {
        assert_eq!(
            extensions(a.ca_cert_der(ca)),
            [
                "2.5.29.35 critical=false aki keyid=true",
                "2.5.29.15 critical=true Key Cert Sign, CRL Sign",
                "2.5.29.14 critical=false ski",
                "2.5.29.19 critical=true ca=true pathlen=Some(0)",
            ]
        );
    }
}

#[test]
fn birth_dates_in_jpki_form() {
    let cases = [
        ("2000-02-29", "420000229"),
        ("1989-01-07", "319890107"),
        ("1989-01-08", "419890108"),
        ("2019-05-01", "520190501"),
        ("1926-12-25", "319261225"),
        ("1912-07-29", "119120729"),
    ];
    for (date, expect) in cases {
        assert_eq!(jpki_birth_date(date.parse().unwrap()).unwrap(), expect, "{date}");
    }
}

#[test]
fn authority_survives_a_restart() {
    let a = authority();
    let pem = a.files().to_pem();
    assert_eq!(pem.matches("-----BEGIN CERTIFICATE-----").count(), 3);
    assert_eq!(pem.matches("-----BEGIN PRIVATE KEY-----").count(), 3);
    let files = AuthorityFiles::from_pem(&pem).unwrap();
    assert_eq!(files, a.files());
    let again = Authority::from_files(&files).unwrap();
    assert_eq!(again.root_cert_der(), a.root_cert_der());
    // The reloaded authority issues certificates the original trust accepts.
    let card = again.issue(&holder(), issued_at(), &auth_urls(), &sign_urls()).unwrap();
    let (_, cert) = parse_x509_certificate(&card.user_authentication.cert_der).unwrap();
    let (_, ca) = parse_x509_certificate(a.ca_cert_der(IssuingCa::UserAuthentication)).unwrap();
    cert.verify_signature(Some(ca.public_key())).unwrap();
    // Debug never shows key material.
    assert!(format!("{files:?}").contains("<redacted>"));
}

#[test]
fn bad_authority_files_are_refused() {
    let a = authority();
    let mut files = a.files();
    std::mem::swap(&mut files.root.key_pkcs8_der, &mut files.signing.key_pkcs8_der);
    assert!(Authority::from_files(&files).is_err(), "swapped keys");
    assert!(AuthorityFiles::from_pem("garbage").is_err());
    let mut pem = a.files().to_pem();
    pem.truncate(pem.len() / 2);
    assert!(AuthorityFiles::from_pem(&pem).is_err());
}

#[test]
fn bad_holders_and_urls_are_refused() {
    let a = authority();
    let mut h = holder();
    h.name = " ".to_owned();
    assert!(a.issue(&h, issued_at(), &auth_urls(), &sign_urls()).is_err());
    let mut urls = auth_urls();
    urls.ocsp = "http://例え.jp/ocsp".to_owned();
    assert!(a.issue(&holder(), issued_at(), &urls, &sign_urls()).is_err());
    let mut h = holder();
    h.sex = onshi_domain::person::Sex::Unset;
    assert!(a.issue(&h, issued_at(), &auth_urls(), &sign_urls()).is_err());
}

#[test]
fn long_urls_and_attributes_use_long_form_lengths() {
    let long = format!("http://ocsp.example.jp/{}", "a".repeat(300));
    let urls = onshi_pki::StatusUrls { ocsp: long.clone(), crl: format!("{long}.crl") };
    let mut h = holder();
    h.address = "東京都千代田区霞が関一丁目1番1号".repeat(10);
    let card = authority().issue(&h, issued_at(), &urls, &urls).unwrap();
    let ext = extensions(&card.signing.cert_der);
    assert!(ext.contains(&format!("1.3.6.1.5.5.7.1.1 critical=false 1.3.6.1.5.5.7.48.1 URI:{long}")), "{ext:?}");
    assert!(ext.iter().any(|e| e.contains(&h.address)), "{ext:?}");
}
