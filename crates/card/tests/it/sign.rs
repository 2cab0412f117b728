//! COMPUTE DIGITAL SIGNATURE: PKCS#1 v1.5 over the caller's DigestInfo,
//! checked with the public key of the certificate read from the card.

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, UnparsedPublicKey};
use onshi_card::Card;

use crate::client::{check, der_children, der_value, hex, split};
use crate::fixture;

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SHA256_PREFIX: &str = "30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20";
const SHA384_PREFIX: &str = "30 41 30 0D 06 09 60 86 48 01 65 03 04 02 02 05 00 04 30";
const SHA1_PREFIX: &str = "30 21 30 09 06 05 2B 0E 03 02 1A 05 00 04 14";

/// `80 2A 00 80 Lc DigestInfo 00`.
fn sign_apdu(digest_info: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x80, 0x2A, 0x00, 0x80, digest_info.len() as u8];
    apdu.extend_from_slice(digest_info);
    apdu.push(0x00);
    apdu
}

fn digest_info(prefix: &str, hash: &[u8]) -> Vec<u8> {
    let mut info = hex(prefix);
    info.extend_from_slice(hash);
    info
}

/// The PKCS#1 RSAPublicKey inside a certificate's subjectPublicKeyInfo
/// (RFC 5280 §4.1: the 7th field of the TBSCertificate, after the explicit version).
fn rsa_public_key(certificate: &[u8]) -> Vec<u8> {
    let tbs = der_children(der_value(certificate))[0];
    let spki = der_children(der_value(tbs))[6];
    let bit_string = der_children(der_value(spki))[1];
    der_value(bit_string)[1..].to_vec()
}

fn sign(card: &mut Card, digest_info: &[u8]) -> Vec<u8> {
    let response = card.transmit(&sign_apdu(digest_info));
    let (data, sw) = split(&response);
    assert_eq!(sw, [0x90, 0x00]);
    assert_eq!(data.len(), 256);
    data.to_vec()
}

#[test]
fn auth_key_signs_a_sha256_digest_info_that_the_certificate_verifies() {
    let mut card = fixture::card();
    let certificate = crate::client::read_auth_certificate(&mut card).expect("certificate");
    let message = b"challenge from the platform";
    let hash = digest::digest(&digest::SHA256, message);
    check(
        &mut card,
        &[
            ("00 A4 02 0C 02 00 18", "90 00"),
            ("00 20 00 80 04 31 32 33 34", "90 00"),
            ("00 A4 02 0C 02 00 17", "90 00"),
        ],
    );
    let signature = sign(&mut card, &digest_info(SHA256_PREFIX, hash.as_ref()));
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA256, rsa_public_key(&certificate))
        .verify(message, &signature)
        .expect("signature verifies with the certificate's key");
    // The sign key is not verified by the auth PIN.
    check(
        &mut card,
        &[
            ("00 A4 02 0C 02 00 1A", "90 00"),
            (&crate::client::show(&sign_apdu(&digest_info(SHA256_PREFIX, hash.as_ref()))), "69 82"),
        ],
    );
}

#[test]
fn sign_key_signs_after_the_password_with_sha384() {
    let mut card = fixture::card();
    let message = b"document";
    let hash = digest::digest(&digest::SHA384, message);
    check(
        &mut card,
        &[
            (SELECT_JPKI, "90 00"),
            ("00 A4 02 0C 02 00 1B", "90 00"),
            ("00 20 00 80 06 41 42 43 31 32 33", "90 00"),
            ("00 A4 02 0C 02 00 1A", "90 00"),
        ],
    );
    let signature = sign(&mut card, &digest_info(SHA384_PREFIX, hash.as_ref()));
    UnparsedPublicKey::new(&signature::RSA_PKCS1_2048_8192_SHA384, rsa_public_key(&fixture::keys().sign.certificate))
        .verify(message, &signature)
        .expect("signature verifies");
}

#[test]
fn compute_signature_statuses() {
    let sha256 = digest_info(SHA256_PREFIX, &[0x11; 32]);
    let good = crate::client::show(&sign_apdu(&sha256));
    let case3 = crate::client::show(&sign_apdu(&sha256)[..sha256.len() + 5]);
    let mut short_le = sign_apdu(&sha256);
    *short_le.last_mut().expect("Le") = 0x10;
    let short_le = crate::client::show(&short_le);
    let p2 = good.replacen("80 2A 00 80", "80 2A 00 81", 1);
    let sha1 = crate::client::show(&sign_apdu(&digest_info(SHA1_PREFIX, &[0x22; 20])));
    let truncated = crate::client::show(&sign_apdu(&sha256[..40]));
    check(
        &mut fixture::card(),
        &[
            (&good, "69 86"),
            (SELECT_JPKI, "90 00"),
            (&good, "69 86"),
            ("00 A4 02 0C 02 00 0A", "90 00"),
            (&good, "69 81"),
            ("00 A4 02 0C 02 00 17", "90 00"),
            (&good, "69 82"),
            ("00 A4 02 0C 02 00 18", "90 00"),
            ("00 20 00 80 04 31 32 33 34", "90 00"),
            ("00 A4 02 0C 02 00 17", "90 00"),
            (&p2, "6A 86"),
            (&case3, "67 00"),
            (&short_le, "67 00"),
            ("80 2A 00 80 00", "67 00"),
            (&sha1, "6A 80"),
            (&truncated, "6A 80"),
            ("80 2A 00 80 03 01 02 03 00", "6A 80"),
            (&good, "…90 00"),
        ],
    );
}
