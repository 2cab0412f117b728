//! One authority and one card, made once per fuzzing process: RSA key
//! generation is far too slow to repeat per input.

use chrono::{DateTime, NaiveDate, Utc};
use onshi_card::{CardFile, CardIssue, Pins};
use onshi_domain::person::Sex;
use onshi_pki::{Authority, Holder, IssuedCard, IssuingCa, StatusUrls};

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-21T01:00:00Z").expect("fixed time").with_timezone(&Utc)
}

pub fn authority_and_card() -> (Authority, IssuedCard, CardFile) {
    let authority = Authority::create(now()).expect("authority");
    let holder = Holder {
        name: "山田　太郎".to_owned(),
        name_substitute: None,
        sex: Sex::Male,
        birth_date: NaiveDate::from_ymd_opt(1980, 4, 1).expect("date"),
        address: "東京都八王子市元本郷町三丁目24番1号".to_owned(),
        address_substitute: None,
    };
    let urls = StatusUrls { ocsp: "http://127.0.0.1/ocsp".to_owned(), crl: "http://127.0.0.1/crl".to_owned() };
    let issued = authority.issue(&holder, now(), &urls, &urls).expect("issue");
    let file = CardFile::issue(CardIssue {
        serial: "00000001".to_owned(),
        auth_key_pkcs8: issued.user_authentication.key_pkcs8_der.clone(),
        auth_certificate: issued.user_authentication.cert_der.clone(),
        auth_ca_certificate: authority.ca_cert_der(IssuingCa::UserAuthentication).to_vec(),
        sign_key_pkcs8: issued.signing.key_pkcs8_der.clone(),
        sign_certificate: issued.signing.cert_der.clone(),
        sign_ca_certificate: authority.ca_cert_der(IssuingCa::Signing).to_vec(),
        pins: Some(Pins { auth_pin: "1234".to_owned(), sign_password: "ABC123".to_owned(), support_pin: "5678".to_owned() }),
        my_number: "621498320257".to_owned(),
        name: holder.name.clone(),
        address: holder.address.clone(),
        birth_date: "19800401".to_owned(),
        sex: "1".to_owned(),
        face_photo: Vec::new(),
    })
    .expect("card file");
    (authority, issued, file)
}
