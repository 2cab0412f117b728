//! Any valid notice renders, whatever its text: long names wrap or shrink,
//! characters the font lacks are refused, nothing panics.

use onshi_domain::Date;
use onshi_domain::person::{MAX_ADDRESS_CHARS, MAX_NAME_CHARS};
use onshi_notice::{EligibilityCertificate, EligibilityNotice, LimitCategory, NoticeError, latest_expiry, render_pdf};
use proptest::prelude::*;

use crate::fixture::{certificate, font, notice};

/// Kanji, kana, Latin, digits, spaces and old-form kanji.
const POOL: &[char] = &[
    '山', '田', '髙', '﨑', '邊', '齋', '花', '子', '太', '郎', 'あ', 'ア', 'ｱ', 'ー', '・', 'A', 'z', '0', '9', '-',
    ' ', '\u{3000}', '丁', '目', '番', '号', '、', '。',
];
/// Characters the IPAex fonts lack: 𠮷 (U+20BB7, outside the BMP, the first
/// character of a real surname) and an emoji. One of them ends a name now and
/// then.
const UNPRINTABLE: &[char] = &['𠮷', '\u{1F600}'];
const KANA_POOL: &[char] = &['ア', 'イ', 'ウ', 'ン', 'ー', 'ｱ', 'ﾞ', 'あ', ' ', '\u{3000}', '・'];

fn text(pool: &'static [char], max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(pool), 1..=max).prop_map(|chars| chars.into_iter().collect())
}

/// Non-blank text: a leading kanji so trimming never empties it.
fn name(max: usize) -> impl Strategy<Value = String> {
    (text(POOL, max - 2), prop::option::weighted(0.1, prop::sample::select(UNPRINTABLE)))
        .prop_map(|(rest, odd)| format!("山{rest}{}", odd.map(String::from).unwrap_or_default()))
}

fn day(from: &str, n_days: i64) -> impl Strategy<Value = Date> {
    let from: Date = from.parse().expect("ISO date");
    (0..n_days).prop_map(move |offset| from + chrono::Days::new(offset as u64))
}

prop_compose! {
    fn any_certificate()(
        name in name(MAX_NAME_CHARS),
        kana in text(KANA_POOL, 40).prop_map(|rest| format!("ア{rest}")),
        address in prop::option::of(name(MAX_ADDRESS_CHARS)),
        insurer_name in name(60),
        birth in day("1900-01-01", 45_000),
        acquired_after_birth in 0i64..20_000,
        issued_after_acquisition in -60i64..3_000,
        validity_share in 0.0f64..=1.0,
        limit in prop::option::of(prop::sample::select(LimitCategory::ALL.to_vec())),
    ) -> EligibilityCertificate {
        let mut certificate = certificate();
        certificate.holder.name = name.clone();
        certificate.holder.name_kana = kana;
        certificate.holder.address = address.clone();
        certificate.holder.birth_date = birth;
        certificate.holder.acquired_on = birth + chrono::Days::new(acquired_after_birth as u64);
        let issued = certificate.holder.acquired_on + chrono::TimeDelta::days(issued_after_acquisition);
        certificate.issued_on = issued.max(birth);
        let longest = (latest_expiry(certificate.issued_on) - certificate.issued_on).num_days();
        let after_acquisition = (certificate.holder.acquired_on - certificate.issued_on).num_days().max(0);
        let days = ((longest as f64 * validity_share) as i64).max(after_acquisition);
        certificate.expires_on = certificate.issued_on + chrono::Days::new(days as u64);
        certificate.insurer.name = insurer_name;
        certificate.limit_category = limit;
        certificate.addressee.name = name;
        certificate.addressee.address = address.unwrap_or_else(|| "東京都".to_owned());
        certificate
    }
}

fn renders_or_refuses_the_character(result: Result<Vec<u8>, NoticeError>) -> Result<(), TestCaseError> {
    match result {
        Ok(pdf) => prop_assert!(pdf.starts_with(b"%PDF-")),
        Err(NoticeError::Unprintable { character, .. }) => {
            prop_assert!(UNPRINTABLE.contains(&character), "{character:?} refused");
        }
        Err(other) => prop_assert!(false, "valid input refused: {other}"),
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn any_valid_certificate_renders(certificate in any_certificate()) {
        prop_assert!(certificate.check().is_ok(), "{:?}", certificate.check());
        renders_or_refuses_the_character(render_pdf(&certificate, font()))?;
    }

    #[test]
    fn any_valid_notice_renders(certificate in any_certificate()) {
        let notice = EligibilityNotice {
            holder: certificate.holder,
            insurer: certificate.insurer,
            addressee: certificate.addressee,
            issued_on: certificate.issued_on,
            ..notice()
        };
        prop_assert!(notice.check().is_ok(), "{:?}", notice.check());
        renders_or_refuses_the_character(render_pdf(&notice, font()))?;
    }
}
