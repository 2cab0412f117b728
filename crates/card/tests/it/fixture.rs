//! Throwaway keys and certificates, and card builders over them.

use std::sync::OnceLock;

use onshi_card::{Card, CardFile, CardIssue, InMemory, Pins};

pub(crate) struct Slot {
    pub(crate) key_pkcs8: Vec<u8>,
    pub(crate) certificate: Vec<u8>,
    pub(crate) ca_certificate: Vec<u8>,
}

pub(crate) struct Keys {
    pub(crate) auth: Slot,
    pub(crate) sign: Slot,
}

/// RSA-2048 generation is slow, so the test binary makes its two keys once.
pub(crate) fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| Keys {
        auth: slot("auth.card.onshi.test", "Auth CA"),
        sign: slot("sign.card.onshi.test", "Sign CA"),
    })
}

fn slot(name: &str, ca_name: &str) -> Slot {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).expect("RSA-2048 key");
    let certificate =
        rcgen::CertificateParams::new(vec![name.to_owned()]).expect("params").self_signed(&key).expect("certificate");
    let ca_key = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).expect("CA key");
    let ca = rcgen::CertificateParams::new(vec![ca_name.to_owned()])
        .expect("params")
        .self_signed(&ca_key)
        .expect("CA certificate");
    Slot { key_pkcs8: key.serialize_der(), certificate: certificate.der().to_vec(), ca_certificate: ca.der().to_vec() }
}

pub(crate) const AUTH_PIN: &str = "1234";
pub(crate) const SIGN_PASSWORD: &str = "ABC123";
pub(crate) const SUPPORT_PIN: &str = "5678";
pub(crate) const MY_NUMBER: &str = "123456789018";

pub(crate) fn issue(pins: Option<Pins>) -> CardIssue {
    let keys = keys();
    CardIssue {
        serial: "ONSHI-0001".to_owned(),
        auth_key_pkcs8: keys.auth.key_pkcs8.clone(),
        auth_certificate: keys.auth.certificate.clone(),
        auth_ca_certificate: keys.auth.ca_certificate.clone(),
        sign_key_pkcs8: keys.sign.key_pkcs8.clone(),
        sign_certificate: keys.sign.certificate.clone(),
        sign_ca_certificate: keys.sign.ca_certificate.clone(),
        pins,
        my_number: MY_NUMBER.to_owned(),
        name: "番号 花子".to_owned(),
        address: "東京都千代田区霞が関二丁目1番2号".to_owned(),
        birth_date: "19800401".to_owned(),
        sex: "2".to_owned(),
        face_photo: b"face".to_vec(),
    }
}

pub(crate) fn pins() -> Pins {
    Pins { auth_pin: AUTH_PIN.to_owned(), sign_password: SIGN_PASSWORD.to_owned(), support_pin: SUPPORT_PIN.to_owned() }
}

pub(crate) fn card_file() -> CardFile {
    CardFile::issue(issue(Some(pins()))).expect("valid issue")
}

pub(crate) fn card() -> Card {
    Card::new(card_file(), InMemory).expect("card")
}
