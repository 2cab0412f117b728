use proptest::prelude::*;

use super::*;
use crate::insurance::MemberKey;
use crate::person::{CopayRatio, FiveAttributes, Relationship, Sex};

fn d(s: &str) -> Date {
    Date::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn member(branch: u8, birth: &str, acquired: &str, lost: Option<&str>) -> Member {
    Member {
        key: MemberKey {
            insurer_number: "01130012".parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: "5678".parse().expect("number"),
            branch: crate::id::Branch::new(branch).expect("branch"),
        },
        relationship: if branch == 0 { Relationship::Insured } else { Relationship::Dependent },
        attributes: FiveAttributes {
            name_kanji: "山田 太郎".into(),
            name_kana: "ヤマダ タロウ".into(),
            birth_date: d(birth),
            sex: Sex::Male,
            address: "東京都八王子市".into(),
        },
        my_number: None,
        copay_ratio: CopayRatio::new(3).expect("copay"),
        acquired_on: d(acquired),
        lost_on: lost.map(d),
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

#[test]
fn codes_and_labels_are_the_real_vocabulary() {
    let all = [
        Validity::Valid,
        Validity::Invalid,
        Validity::InvalidNewerExists,
        Validity::NoQualification,
        Validity::Multiple,
    ];
    assert_eq!(all.map(Validity::code), [1, 2, 3, 4, 5]);
    assert_eq!(all.map(Validity::label_ja), ["有効", "無効", "無効（新しい資格あり）", "該当資格なし", "複数該当"]);
}

#[test]
fn insured_number_verdicts() {
    let records = [member(0, "1980-06-15", "2020-04-01", Some("2026-04-01"))];
    let never = |_| false;
    let v = |as_of: &str, birth: &str, newer: bool| judge_by_key(&records, d(birth), d(as_of), |_| newer).validity;
    assert_eq!(v("2026-03-31", "1980-06-15", false), Validity::Valid);
    // 資格喪失日 is the first day without eligibility.
    assert_eq!(v("2026-04-01", "1980-06-15", false), Validity::Invalid);
    assert_eq!(v("2026-04-01", "1980-06-15", true), Validity::InvalidNewerExists);
    assert_eq!(v("2020-03-31", "1980-06-15", false), Validity::Invalid, "before acquisition");
    assert_eq!(v("2026-03-31", "1980-06-16", false), Validity::NoQualification, "wrong birth date");
    assert_eq!(judge_by_key(&[], d("1980-06-15"), d("2026-01-01"), never).validity, Validity::NoQualification);
    // Twins under one number, queried without 枝番.
    let twins = [member(1, "2015-01-01", "2015-01-01", None), member(2, "2015-01-01", "2015-01-01", None)];
    assert_eq!(judge_by_key(&twins, d("2015-01-01"), d("2026-01-01"), never).validity, Validity::Multiple);
    let verdict = judge_by_key(&twins[1..], d("2015-01-01"), d("2026-01-01"), never);
    assert_eq!((verdict.validity, verdict.record), (Validity::Valid, Some(0)));
}

#[test]
fn card_verdicts_list_every_coverage_of_the_day() {
    let old = member(0, "1980-06-15", "2010-04-01", Some("2026-04-01"));
    let new = member(0, "1980-06-15", "2026-04-01", None);
    let both = [new.clone(), old.clone()];
    assert_eq!(judge_by_person(&both, d("2026-03-31")), (Validity::Valid, vec![1]));
    assert_eq!(judge_by_person(&both, d("2026-04-01")), (Validity::Valid, vec![0]));
    assert_eq!(judge_by_person(&[old], d("2026-04-01")), (Validity::Invalid, vec![]));
    assert_eq!(judge_by_person(&[], d("2026-04-01")), (Validity::NoQualification, vec![]));
    // Overlapping coverages are all returned, oldest acquisition first.
    let overlap =
        [member(0, "1980-06-15", "2026-03-01", None), member(0, "1980-06-15", "2020-01-01", Some("2026-05-01"))];
    assert_eq!(judge_by_person(&overlap, d("2026-04-01")), (Validity::Valid, vec![1, 0]));
}

#[test]
fn paper_cards_end_on_their_own_expiry_or_the_transition_day() {
    let general = InsurerKind::KyokaiKenpo;
    let late = InsurerKind::KokiKorei;
    assert_eq!(paper_card_valid_until(general, d("2024-12-01"), None), Some(d("2025-12-01")));
    assert_eq!(paper_card_valid_until(general, d("2024-12-02"), None), None, "issued after the end");
    assert_eq!(paper_card_valid_until(late, d("2024-08-01"), Some(d("2026-07-31"))), Some(d("2025-07-31")));
    assert_eq!(paper_card_valid_until(general, d("2023-04-01"), Some(d("2025-03-31"))), Some(d("2025-03-31")));
    assert!(paper_card_valid_on(general, d("2024-12-01"), None, d("2025-12-01")));
    assert!(!paper_card_valid_on(general, d("2024-12-01"), None, d("2025-12-02")));
    assert!(paper_card_valid_on(late, d("2024-12-01"), None, d("2025-07-31")));
    assert!(!paper_card_valid_on(late, d("2024-12-01"), None, d("2025-08-01")));
    assert!(!paper_card_valid_on(general, d("2024-12-01"), None, d("2024-11-30")), "before its issue");
}

#[test]
fn a_certificate_is_valid_for_at_most_five_years() {
    assert_eq!(certificate_latest_valid_until(d("2025-12-01")), d("2030-12-01"));
    assert_eq!(certificate_latest_valid_until(d("2026-04-01")), d("2031-04-01"));
    assert_eq!(certificate_latest_valid_until(d("2024-02-29")), d("2029-02-28"));
    assert!(check_certificate_validity(d("2026-04-01"), d("2031-04-01")).is_ok());
    let err = check_certificate_validity(d("2026-04-01"), d("2031-04-02")).expect_err("too long");
    assert!(err.to_string().contains("5 years") && err.to_string().contains("2031-04-01"), "{err}");
    assert!(check_certificate_validity(d("2026-04-01"), d("2026-03-31")).is_err());
    assert!(check_certificate_validity(d("2026-04-01"), d("2026-04-01")).is_ok());
}

fn date_strategy() -> impl Strategy<Value = Date> {
    (0i64..30_000).prop_map(|n| d("1950-01-01") + chrono::TimeDelta::days(n))
}

fn kind_strategy() -> impl Strategy<Value = InsurerKind> {
    prop_oneof![
        Just(InsurerKind::KyokaiKenpo),
        Just(InsurerKind::KenpoKumiai),
        Just(InsurerKind::Kyosai),
        Just(InsurerKind::Kokuho),
        Just(InsurerKind::KokiKorei),
        Just(InsurerKind::Other)
    ]
}

proptest! {
    /// A paper card is valid exactly on the days from its issue to the earlier
    /// of its own expiry and the transition's last day, and never if issued
    /// from 2024-12-02 on.
    #[test]
    fn paper_card_validity_matches_its_definition(
        kind in kind_strategy(), issued in date_strategy(), own in proptest::option::of(date_strategy()), on in date_strategy()
    ) {
        let last = if kind == InsurerKind::KokiKorei { d("2025-07-31") } else { d("2025-12-01") };
        let expected = issued < d("2024-12-02") && issued <= on && on <= last && own.is_none_or(|own| on <= own);
        prop_assert_eq!(paper_card_valid_on(kind, issued, own, on), expected);
    }

    /// Around each transition boundary, validity flips on exactly that day.
    #[test]
    fn paper_cards_flip_on_the_boundary(kind in kind_strategy(), issued in date_strategy()) {
        prop_assume!(issued < d("2024-12-02"));
        let last = paper_card_last_day(kind);
        prop_assume!(issued <= last);
        prop_assert!(paper_card_valid_on(kind, issued, None, last));
        prop_assert!(!paper_card_valid_on(kind, issued, None, last.succ_opt().expect("date")));
    }

    /// The 5-year cap: the latest day passes, the next day fails, for every issue day.
    #[test]
    fn the_five_year_cap_holds_on_every_issue_day(issued in date_strategy()) {
        let latest = certificate_latest_valid_until(issued);
        prop_assert!(check_certificate_validity(issued, latest).is_ok());
        prop_assert!(check_certificate_validity(issued, latest.succ_opt().expect("date")).is_err());
        prop_assert!(latest > issued.checked_add_months(chrono::Months::new(59)).expect("date"));
        prop_assert!(latest <= issued.checked_add_months(chrono::Months::new(60)).expect("date"));
    }

    /// A one-record insured-number query is 有効 exactly when the member is eligible that day.
    #[test]
    fn key_verdict_follows_eligibility(acquired in date_strategy(), span in proptest::option::of(1i64..10_000), on in date_strategy(), newer: bool) {
        let lost = span.map(|s| (acquired + chrono::TimeDelta::days(s)).format("%Y-%m-%d").to_string());
        let acquired_text = acquired.format("%Y-%m-%d").to_string();
        let record = member(0, "1940-01-01", &acquired_text, lost.as_deref());
        let verdict = judge_by_key(std::slice::from_ref(&record), d("1940-01-01"), on, |_| newer);
        let expected = if record.is_eligible_on(on) {
            Validity::Valid
        } else if newer {
            Validity::InvalidNewerExists
        } else {
            Validity::Invalid
        };
        prop_assert_eq!(verdict.validity, expected);
    }
}
