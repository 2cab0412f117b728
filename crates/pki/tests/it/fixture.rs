//! One authority and one card for the whole binary: RSA key generation is
//! the slow part, and nothing here depends on fresh keys.

use std::sync::OnceLock;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use onshi_domain::person::Sex;
use onshi_pki::{Authority, Holder, IssuedCard, StatusUrls};

pub(crate) fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("test times are RFC 3339").with_timezone(&Utc)
}

pub(crate) fn ca_created() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
}

/// 2026-11-22 10:00 JST.
pub(crate) fn issued_at() -> DateTime<Utc> {
    t("2026-11-22T01:00:00Z")
}

pub(crate) fn holder() -> Holder {
    Holder {
        name: "髙橋 花子".to_owned(),
        name_substitute: Some("高橋 花子".to_owned()),
        sex: Sex::Female,
        birth_date: NaiveDate::from_ymd_opt(2000, 2, 29).unwrap(),
        address: "東京都千代田区霞が関一丁目1番1号".to_owned(),
        address_substitute: None,
    }
}

pub(crate) fn auth_urls() -> StatusUrls {
    StatusUrls {
        ocsp: "http://127.0.0.1:8080/jpki/ocsp/auth".to_owned(),
        crl: "http://127.0.0.1:8080/jpki/crl/auth.crl".to_owned(),
    }
}

pub(crate) fn sign_urls() -> StatusUrls {
    StatusUrls {
        ocsp: "http://127.0.0.1:8080/jpki/ocsp/sign".to_owned(),
        crl: "http://127.0.0.1:8080/jpki/crl/sign.crl".to_owned(),
    }
}

pub(crate) fn authority() -> &'static Authority {
    static A: OnceLock<Authority> = OnceLock::new();
    A.get_or_init(|| Authority::create(ca_created()).unwrap())
}

pub(crate) fn card() -> &'static IssuedCard {
    static C: OnceLock<IssuedCard> = OnceLock::new();
    C.get_or_init(|| authority().issue(&holder(), issued_at(), &auth_urls(), &sign_urls()).unwrap())
}

/// A second, unrelated authority with the same names: a foreign CA.
pub(crate) fn foreign() -> &'static (Authority, IssuedCard) {
    static F: OnceLock<(Authority, IssuedCard)> = OnceLock::new();
    F.get_or_init(|| {
        let a = Authority::create(ca_created()).unwrap();
        let c = a.issue(&holder(), issued_at(), &auth_urls(), &sign_urls()).unwrap();
        (a, c)
    })
}
