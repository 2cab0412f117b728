//! The card and the authority together: certificates issued by `onshi-pki`
//! go into a card file, the card is driven through APDUs exactly as a reader
//! would, and its signature over a platform challenge is checked by the
//! platform's sign-in verification.

use chrono::{DateTime, NaiveDate, Utc};
use onshi_card::{Card, CardFile, CardIssue, InMemory, JPKI_AID, Pins};
use onshi_domain::person::Sex;
use onshi_pki::{Authority, Holder, IssuingCa, StatusUrls, TrustStore, Validity, VerifyError};

use crate::client::{read_auth_certificate, select_ap, select_ef, split, verify};

pub(crate) fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).expect("test time").with_timezone(&Utc)
}

/// A card whose certificates `onshi-pki` issued, and the platform's trust
/// store for them. The PIN is 1234, the signing password ABC123.
pub(crate) struct Issued {
    pub(crate) card: Card,
    pub(crate) trust: TrustStore,
}

pub(crate) fn issue() -> Issued {
    let issued_at = at("2026-11-21T01:00:00Z");
    let authority = Authority::create(issued_at).expect("authority");
    let holder = Holder {
        name: "山田　太郎".to_owned(),
        name_substitute: None,
        sex: Sex::Male,
        birth_date: NaiveDate::from_ymd_opt(1980, 4, 1).expect("date"),
        address: "東京都八王子市元本郷町三丁目24番1号".to_owned(),
        address_substitute: None,
    };
    let urls =
        StatusUrls { ocsp: "http://127.0.0.1/jpki/ocsp".to_owned(), crl: "http://127.0.0.1/jpki/crl".to_owned() };
    let certificates = authority.issue(&holder, issued_at, &urls, &urls).expect("issue");
    let file = CardFile::issue(CardIssue {
        serial: "0000000000000001".to_owned(),
        auth_key_pkcs8: certificates.user_authentication.key_pkcs8_der.clone(),
        auth_certificate: certificates.user_authentication.cert_der.clone(),
        auth_ca_certificate: authority.ca_cert_der(IssuingCa::UserAuthentication).to_vec(),
        sign_key_pkcs8: certificates.signing.key_pkcs8_der.clone(),
        sign_certificate: certificates.signing.cert_der.clone(),
        sign_ca_certificate: authority.ca_cert_der(IssuingCa::Signing).to_vec(),
        pins: Some(Pins {
            auth_pin: "1234".to_owned(),
            sign_password: "ABC123".to_owned(),
            support_pin: "5678".to_owned(),
        }),
        my_number: "621498320257".to_owned(),
        name: holder.name.clone(),
        address: holder.address.clone(),
        birth_date: "19800401".to_owned(),
        sex: "1".to_owned(),
        face_photo: vec![0xFF, 0xD8],
    })
    .expect("card file");
    let trust = TrustStore::new(
        authority.root_cert_der(),
        authority.ca_cert_der(IssuingCa::UserAuthentication),
        authority.ca_cert_der(IssuingCa::Signing),
    )
    .expect("trust store");
    Issued { card: Card::new(file, InMemory).expect("card"), trust }
}

/// What a reader does: select the JPKI applet, verify the PIN, select the
/// user-authentication key and sign the SHA-256 DigestInfo of the challenge.
fn sign_challenge(card: &mut Card, pin: &[u8], challenge: &[u8]) -> Result<Vec<u8>, [u8; 2]> {
    for apdu in [select_ap(&JPKI_AID), select_ef(0x0018), verify(pin), select_ef(0x0017)] {
        let response = card.transmit(&apdu);
        if response != [0x90, 0x00] {
            return Err(split(&response).1);
        }
    }
    let digest_info = onshi_pki::verify::sha256_digest_info(challenge);
    let mut apdu = vec![0x80, 0x2A, 0x00, 0x80, digest_info.len() as u8];
    apdu.extend_from_slice(&digest_info);
    apdu.push(0x00);
    let response = card.transmit(&apdu);
    let (signature, sw) = split(&response);
    if sw == [0x90, 0x00] { Ok(signature.to_vec()) } else { Err(sw) }
}

#[test]
fn the_right_pin_signs_a_challenge_the_platform_accepts() {
    let Issued { mut card, trust } = issue();
    let certificate = read_auth_certificate(&mut card).expect("the auth certificate is readable without a PIN");
    let challenge = b"onshi sign-in challenge 7f3a";
    let signature = sign_challenge(&mut card, b"1234", challenge).expect("signature");
    let verified =
        trust.verify_sign_in(&certificate, challenge, &signature, at("2026-11-21T02:00:00Z")).expect("accepted");
    assert_eq!(verified.validity, Validity::Valid);

    // The same signature does not answer another challenge.
    let other = trust.verify_sign_in(&certificate, b"another challenge", &signature, at("2026-11-21T02:00:00Z"));
    assert!(matches!(other, Err(VerifyError::BadSignature)), "{other:?}");
}

#[test]
fn three_wrong_pins_lock_the_card_and_the_right_pin_no_longer_works() {
    let Issued { mut card, .. } = issue();
    assert_eq!(sign_challenge(&mut card, b"0000", b"c"), Err([0x63, 0xC2]));
    assert_eq!(sign_challenge(&mut card, b"1111", b"c"), Err([0x63, 0xC1]));
    assert_eq!(sign_challenge(&mut card, b"2222", b"c"), Err([0x69, 0x83]));
    assert_eq!(sign_challenge(&mut card, b"1234", b"c"), Err([0x69, 0x83]));
}

#[test]
fn an_expired_user_certificate_is_accepted_only_within_the_grace() {
    let Issued { mut card, trust } = issue();
    let certificate = read_auth_certificate(&mut card).expect("certificate");
    let signature = sign_challenge(&mut card, b"1234", b"c").expect("signature");
    // Issued 2026-11-21 to a holder born 1980-04-01: valid to the 5th birthday
    // after issue, 2031-04-01 (end of that day in Japan), then 3 months of grace.
    let grace = trust.verify_sign_in(&certificate, b"c", &signature, at("2031-05-15T00:00:00Z")).expect("in grace");
    assert!(matches!(grace.validity, Validity::WithinGrace { .. }), "{grace:?}");
    let beyond = trust.verify_sign_in(&certificate, b"c", &signature, at("2031-08-15T00:00:00Z"));
    assert!(matches!(beyond, Err(VerifyError::Expired { beyond_grace: true, .. })), "{beyond:?}");
    let before = trust.verify_sign_in(&certificate, b"c", &signature, at("2026-11-20T00:00:00Z"));
    assert!(matches!(before, Err(VerifyError::NotYetValid { .. })), "{before:?}");
}
