//! What a printed notice must satisfy, and the errors that say what is wrong.

use std::path::Path;

use onshi_notice::{
    EligibilityCertificate, Form, LimitCategory, NoticeError, NoticeFont, PostalCode, latest_expiry, render_pdf,
};

use crate::fixture::{certificate, date, font, notice};

fn with_validity(issued_on: &str, expires_on: &str) -> EligibilityCertificate {
    EligibilityCertificate { issued_on: date(issued_on), expires_on: date(expires_on), ..certificate() }
}

#[test]
fn validity_of_exactly_five_years_is_accepted() {
    // 民法 140条・143条: 5 years from 2025-12-01 end with 2030-12-01.
    assert_eq!(latest_expiry(date("2025-12-01")), date("2030-12-01"));
    let certificate = with_validity("2025-12-01", "2030-12-01");
    assert!(certificate.check().is_ok());
    assert!(render_pdf(&certificate, font()).is_ok());
}

#[test]
fn validity_longer_than_five_years_is_rejected_naming_field_value_and_rule() {
    let error = with_validity("2025-12-01", "2030-12-02").check().expect_err("5 years and a day");
    assert!(matches!(error, NoticeError::ValidityTooLong { max_years: 5, .. }), "{error:?}");
    let message = error.to_string();
    for expected in ["有効期限", "2030-12-02", "交付年月日 2025-12-01", "at most 5 years", "2030-12-01"] {
        assert!(message.contains(expected), "{expected:?} not in {message:?}");
    }
    // render_pdf refuses it too: no over-long certificate can be printed.
    assert!(matches!(
        render_pdf(&with_validity("2025-12-01", "2035-12-01"), font()),
        Err(NoticeError::ValidityTooLong { .. })
    ));
}

#[test]
fn validity_from_a_leap_day_ends_on_28_february() {
    assert_eq!(latest_expiry(date("2028-02-29")), date("2033-02-28"));
    assert!(with_validity("2028-02-29", "2033-02-28").check().is_ok());
    assert!(with_validity("2028-02-29", "2033-03-01").check().is_err());
}

#[test]
fn a_short_validity_chosen_by_the_insurer_is_accepted() {
    assert!(with_validity("2025-12-01", "2026-07-31").check().is_ok());
    assert!(with_validity("2025-12-01", "2025-12-01").check().is_ok());
}

#[test]
fn dates_out_of_order_are_rejected_naming_both() {
    let message = with_validity("2025-12-01", "2025-11-30").check().expect_err("expires before issue").to_string();
    assert!(message.contains("有効期限 2025-11-30 is before 交付年月日 2025-12-01"), "{message}");

    let mut born_after_acquisition = certificate();
    born_after_acquisition.holder.acquired_on = date("1985-03-31");
    let message = born_after_acquisition.check().expect_err("acquired before birth").to_string();
    assert!(message.contains("資格取得年月日 1985-03-31 is before 生年月日 1985-04-01"), "{message}");

    let mut acquired_after_expiry = certificate();
    acquired_after_expiry.holder.acquired_on = date("2031-01-01");
    let message = acquired_after_expiry.check().expect_err("acquired after expiry").to_string();
    assert!(message.contains("有効期限 2030-11-30 is before 資格取得年月日 2031-01-01"), "{message}");

    let mut notice_before_birth = notice();
    notice_before_birth.issued_on = date("1980-01-01");
    assert!(matches!(notice_before_birth.check(), Err(NoticeError::DateOrder { later_field: "交付年月日", .. })));
}

#[test]
fn acquisition_after_issue_is_accepted() {
    // A 後期高齢者医療 certificate is mailed before the 75th birthday that starts it.
    let mut mailed_ahead = certificate();
    mailed_ahead.holder.acquired_on = date("2025-12-20");
    assert!(mailed_ahead.check().is_ok());
}

#[test]
fn a_date_without_wareki_is_rejected() {
    let mut certificate = certificate();
    certificate.holder.birth_date = date("1872-12-31");
    let message = certificate.check().expect_err("before 明治6年").to_string();
    assert!(message.contains("生年月日 1872-12-31 cannot be written in 和暦"), "{message}");
}

#[test]
fn bad_text_items_are_rejected_by_field() {
    let mut empty_name = certificate();
    empty_name.holder.name = "　".to_owned();
    assert_eq!(empty_name.check().expect_err("empty").to_string(), "氏名 must not be empty");

    let mut latin_kana = notice();
    latin_kana.holder.name_kana = "Hanako".to_owned();
    assert!(latin_kana.check().expect_err("not kana").to_string().starts_with("フリガナ must be written in kana"));

    let mut serial = certificate();
    serial.serial = "交付-1".to_owned();
    assert!(serial.check().expect_err("not ASCII").to_string().starts_with("交付番号 \"交付-1\" is not valid"));

    let mut phone = certificate();
    phone.insurer.phone = Some("03-1234".to_owned());
    assert!(phone.check().expect_err("too short").to_string().contains("10 or 11 digits"));
}

#[test]
fn a_character_the_font_lacks_is_refused_naming_the_field() {
    let mut certificate = certificate();
    // U+1F600 is not in a Japanese text font.
    certificate.holder.name = "髙橋 花子\u{1F600}".to_owned();
    let error = render_pdf(&certificate, font()).expect_err("unprintable");
    assert!(matches!(error, NoticeError::Unprintable { field: "氏名", character: '\u{1F600}', .. }), "{error:?}");
    assert!(error.to_string().contains("U+1F600"), "{error}");
}

#[test]
fn a_variation_selector_prints_its_base_character() {
    // 葛 with an ideographic variation selector (IVS): a name as the registry
    // may hold it. The base is printed; the selector is no character of its own.
    let mut certificate = certificate();
    certificate.holder.name = "葛\u{E0100}城 花子".to_owned();
    assert!(render_pdf(&certificate, font()).is_ok());
}

#[test]
fn postal_codes_in_the_forms_clerks_write() {
    for written in ["1008916", "100-8916", "〒100-8916", "〒 １００－８９１６"] {
        let code: PostalCode = written.parse().unwrap_or_else(|error| panic!("{written}: {error}"));
        assert_eq!(code.to_string(), "〒100-8916");
        assert_eq!(code.digits(), "1008916");
    }
    for wrong in ["", "100891", "10089160", "10-08916", "100-891a"] {
        let error = wrong.parse::<PostalCode>().expect_err(wrong);
        assert!(error.to_string().starts_with("郵便番号 must be 7 digits"), "{error}");
    }
}

#[test]
fn every_limit_category_prints() {
    for category in LimitCategory::ALL {
        let certificate = EligibilityCertificate { limit_category: Some(category), ..certificate() };
        assert!(render_pdf(&certificate, font()).is_ok(), "{}", category.label_ja());
    }
}

#[test]
fn a_missing_font_names_the_package_to_install() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let missing = dir.path().join("no-such-font.ttf");
    let message = NoticeFont::find(Some(&missing)).expect_err("no font there").to_string();
    assert!(message.contains("fonts-ipaexfont-gothic"), "{message}");
    assert!(message.contains("no-such-font.ttf"), "{message}");
}

#[test]
fn a_file_that_is_not_a_japanese_font_is_refused() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let not_a_font = dir.path().join("notes.ttf");
    std::fs::write(&not_a_font, "not a font").expect("write");
    let error = NoticeFont::load(&not_a_font).expect_err("not a font");
    assert!(matches!(error, NoticeError::FontInvalid { .. }), "{error:?}");

    // DejaVu has Latin glyphs but no kanji.
    let latin = Path::new("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf");
    if latin.is_file() {
        let message = NoticeFont::load(latin).expect_err("no kanji").to_string();
        assert!(message.contains("cannot print Japanese"), "{message}");
    }
}

#[test]
fn the_title_says_which_form() {
    assert_eq!(Form::from(&certificate()).title(), "資格確認書");
    assert_eq!(Form::from(&notice()).title(), "資格情報のお知らせ");
}
