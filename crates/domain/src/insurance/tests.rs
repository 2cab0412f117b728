use proptest::prelude::*;

use super::*;
use crate::person::Sex;

fn d(s: &str) -> Date {
    Date::parse_from_str(s, "%Y-%m-%d").expect("test date")
}

fn member(birth: &str, acquired: &str) -> Member {
    Member {
        key: MemberKey {
            insurer_number: "01130012".parse().expect("insurer"),
            symbol: "1234".parse().expect("symbol"),
            number: "5678".parse().expect("number"),
            branch: Branch::new(0).expect("branch"),
        },
        relationship: Relationship::Insured,
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
        lost_on: None,
        loss_reason: None,
        limit_certificate: None,
        elderly_recipient: None,
        notified_on: None,
    }
}

fn limit(category: LimitCategory, from: Date, until: Date) -> LimitCertificate {
    LimitCertificate {
        kind: LimitCertificateKind::Limit,
        category,
        issued_on: from,
        valid_from: from,
        valid_until: until,
    }
}

fn elderly(from: Date, until: Date) -> ElderlyRecipient {
    ElderlyRecipient {
        issued_on: from,
        valid_from: from,
        valid_until: until,
        copay_ratio: CopayRatio::new(2).expect("2"),
    }
}

#[test]
fn codes_are_the_real_vocabulary() {
    let reasons: Vec<(&str, &str)> = LossReason::ALL.iter().map(|r| (r.code(), r.label_ja())).collect();
    assert_eq!(reasons, [("01", "死亡"), ("02", "生活保護受給開始"), ("03", "医療保険等の資格取得"), ("99", "その他")]);
    let codes: Vec<&str> = LimitCategory::ALL.iter().map(|c| c.code()).collect();
    assert_eq!(
        codes,
        [
            "A01", "A02", "A03", "A04", "A05", "A06", "B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B09",
            "B10"
        ]
    );
    assert_eq!(LimitCategory::OBorderline.label_ja(), "オ（境）");
    assert_eq!(LimitCategory::LowIncomeIWelfarePension.label_ja(), "低所得Ⅰ（老福）");
    assert_eq!(LimitCertificateKind::LimitAndMealReduction.label_ja(), "限度額適用・標準負担額減額認定証");
    for category in LimitCategory::ALL {
        assert_eq!(category.code().parse::<LimitCategory>(), Ok(category));
        assert_eq!(category.label_ja().parse::<LimitCategory>(), Ok(category));
        assert_eq!(category.code().to_lowercase().parse::<LimitCategory>(), Ok(category));
    }
    for reason in LossReason::ALL {
        assert_eq!(reason.code().parse::<LossReason>(), Ok(reason));
        assert_eq!(reason.label_ja().parse::<LossReason>(), Ok(reason));
    }
    assert_eq!("1".parse::<LossReason>(), Ok(LossReason::Death));
    assert_eq!("３".parse::<LimitCertificateKind>(), Ok(LimitCertificateKind::MealReduction));
    let err = "04".parse::<LossReason>().expect_err("refused").to_string();
    assert!(err.contains("資格喪失事由") && err.contains("\"04\""), "{err}");
    let err = "B11".parse::<LimitCategory>().expect_err("refused").to_string();
    assert!(err.contains("適用区分") && err.contains("\"B11\""), "{err}");
}

#[test]
fn age_counts_birthdays_and_leap_day_births_age_on_first_of_march() {
    assert_eq!(age_on(d("1954-05-15"), d("2024-05-14")), 69);
    assert_eq!(age_on(d("1954-05-15"), d("2024-05-15")), 70);
    assert_eq!(birthday(d("1952-02-29"), 70), d("2022-03-01"));
    assert_eq!(age_on(d("1952-02-29"), d("2022-02-28")), 69);
    assert_eq!(age_on(d("1952-02-29"), d("2022-03-01")), 70);
    assert_eq!(age_on(d("1952-02-29"), d("2024-02-29")), 72);
}

#[test]
fn reason_without_loss_and_loss_of_a_lost_member_are_refused() {
    let mut m = member("1980-01-01", "2020-04-01");
    m.loss_reason = Some(LossReason::Death);
    let err = m.check().expect_err("refused");
    assert_eq!((err.field(), err.value()), ("loss_reason", "01".to_owned()));

    let lost = member("1980-01-01", "2020-04-01").lose(d("2024-04-01"), LossReason::OtherInsurance).expect("lose");
    assert_eq!((lost.lost_on, lost.loss_reason), (Some(d("2024-04-01")), Some(LossReason::OtherInsurance)));
    let err = lost.lose(d("2024-05-01"), LossReason::Other).expect_err("refused");
    assert_eq!(err, MemberRuleError::AlreadyLost { lost_on: d("2024-04-01") });
    assert_eq!(err.field(), "lost_on");
}

#[test]
fn the_seventy_fifth_birthday_ends_the_elderly_certificate() {
    let mut m = member("1950-08-10", "2000-04-01");
    m.elderly_recipient = Some(elderly(d("2020-09-01"), d("2025-08-09")));
    assert_eq!(m.check(), Ok(()));
    m.elderly_recipient = Some(elderly(d("2020-09-01"), d("2025-08-10")));
    let err = m.check().expect_err("refused");
    assert_eq!((err.field(), err.value()), ("elderly_valid_until", "2025-08-10".to_owned()));
    assert!(err.to_string().contains("後期高齢者医療"), "{err}");
}

#[test]
fn a_category_belongs_to_an_age() {
    let mut m = member("1960-01-01", "2000-04-01");
    m.limit_certificate = Some(limit(LimitCategory::U, d("2024-08-01"), d("2025-07-31")));
    assert_eq!(m.check(), Ok(()));
    m.limit_certificate = Some(limit(LimitCategory::General, d("2024-08-01"), d("2025-07-31")));
    let err = m.check().expect_err("refused");
    assert_eq!((err.field(), err.value()), ("limit_category", "B04".to_owned()));
    assert!(err.to_string().contains("70 and over"), "{err}");
}

#[test]
fn loss_ends_certificates_with_the_membership_and_refuses_one_starting_after() {
    let mut m = member("1960-01-01", "2000-04-01");
    m.limit_certificate = Some(limit(LimitCategory::E, d("2024-08-01"), d("2025-07-31")));
    let lost = m.lose(d("2025-01-01"), LossReason::Death).expect("lose");
    assert_eq!(lost.limit_certificate.map(|c| c.valid_until), Some(d("2024-12-31")));
    let err = m.lose(d("2024-08-01"), LossReason::Death).expect_err("refused");
    assert_eq!(err.field(), "limit_valid_until");
    assert!(err.to_string().contains("inside the membership"), "{err}");
    let changes = m.differences(&lost);
    assert_eq!(
        changes,
        [
            "lost_on: - → 2025-01-01",
            "loss_reason: - → 01",
            "limit: 01 A04 2024-08-01..2025-07-31 (交付 2024-08-01) → 01 A04 2024-08-01..2024-12-31 (交付 2024-08-01)"
        ]
    );
}

fn date_strategy() -> impl Strategy<Value = Date> {
    (0i64..40_000).prop_map(|days| d("1920-01-01") + chrono::TimeDelta::days(days))
}

proptest! {
    #[test]
    fn age_is_the_count_of_birthdays_passed(birth in date_strategy(), years in 0i32..100) {
        let day = birthday(birth, years);
        prop_assert_eq!(age_on(birth, day), years);
        if years > 0 {
            prop_assert_eq!(age_on(birth, day.pred_opt().expect("day before")), years - 1);
        }
    }

    #[test]
    fn elderly_certificate_is_accepted_exactly_for_ages_70_to_74(birth in date_strategy(), offset in 0i64..40_000) {
        let from = birth + chrono::TimeDelta::days(offset);
        let mut m = member("1900-01-01", "1900-01-01");
        m.attributes.birth_date = birth;
        m.acquired_on = birth;
        let until = birthday(birth, 75).pred_opt().expect("day before").max(from);
        m.elderly_recipient = Some(elderly(from, until));
        let age = age_on(birth, from);
        match m.check() {
            Ok(()) => prop_assert!((70..=74).contains(&age)),
            Err(e) => {
                prop_assert!(!(70..=74).contains(&age), "{e}");
                prop_assert_eq!(e.field(), "elderly_valid_from");
            }
        }
    }

    #[test]
    fn a_certificate_ending_before_it_starts_is_refused_by_field(
        from in date_strategy(), back in 1i64..1000, which: bool,
    ) {
        let until = from - chrono::TimeDelta::days(back);
        let mut m = member("1900-01-01", "1900-01-01");
        let field = if which {
            m.limit_certificate = Some(limit(LimitCategory::A, from, until));
            "limit_valid_until"
        } else {
            m.elderly_recipient = Some(elderly(from, until));
            "elderly_valid_until"
        };
        let err = m.check().expect_err("ends before start");
        prop_assert_eq!(err.field(), field);
        let is_ends_before_start = matches!(err, MemberRuleError::CertificateEndsBeforeStart { .. });
        prop_assert!(is_ends_before_start);
    }

    #[test]
    fn a_certificate_is_accepted_only_inside_the_membership(
        acquired in date_strategy(), from_off in -400i64..400, len in 0i64..800, lost_off in proptest::option::of(1i64..1200),
    ) {
        let mut m = member("1900-01-01", "1900-01-01");
        m.attributes.birth_date = d("1990-01-01").min(acquired);
        m.acquired_on = acquired;
        m.lost_on = lost_off.map(|off| acquired + chrono::TimeDelta::days(off));
        m.loss_reason = m.lost_on.map(|_| LossReason::Other);
        let from = acquired + chrono::TimeDelta::days(from_off);
        let until = from + chrono::TimeDelta::days(len);
        let age = age_on(m.attributes.birth_date, from);
        let category = if age >= 70 { LimitCategory::General } else { LimitCategory::A };
        m.limit_certificate = Some(limit(category, from, until));
        let inside = from >= acquired && m.lost_on.is_none_or(|lost| until < lost);
        prop_assert_eq!(m.check().is_ok(), inside, "{:?}", m.check());
    }

    #[test]
    fn a_loss_leaves_a_valid_record_or_names_a_field(
        acquired in date_strategy(), from_off in 0i64..400, len in 0i64..800, lost_off in 0i64..1200,
    ) {
        let mut m = member("1900-01-01", "1900-01-01");
        m.attributes.birth_date = d("1990-01-01").min(acquired);
        m.acquired_on = acquired;
        let from = acquired + chrono::TimeDelta::days(from_off);
        let age = age_on(m.attributes.birth_date, from);
        let category = if age >= 70 { LimitCategory::General } else { LimitCategory::A };
        m.limit_certificate = Some(limit(category, from, from + chrono::TimeDelta::days(len)));
        prop_assume!(m.check().is_ok());
        let lost_on = acquired + chrono::TimeDelta::days(lost_off);
        match m.lose(lost_on, LossReason::Death) {
            Ok(lost) => {
                prop_assert_eq!(lost.check(), Ok(()));
                prop_assert!(lost.limit_certificate.expect("kept").valid_until < lost_on);
                prop_assert!(!lost.is_eligible_on(lost_on));
            }
            Err(e) => {
                prop_assert!(from >= lost_on, "{e}");
                prop_assert_eq!(e.field(), "limit_valid_until");
            }
        }
    }
}

#[test]
fn a_change_is_checked_and_a_lost_member_is_not_changed() {
    let m = member("1960-01-01", "2000-04-01");
    let change = MemberChange {
        copay_ratio: CopayRatio::new(2),
        limit_certificate: Some(Some(limit(LimitCategory::U, d("2024-08-01"), d("2025-07-31")))),
        ..MemberChange::default()
    };
    let changed = change.apply(&m).expect("change");
    assert_eq!(changed.copay_ratio, CopayRatio::new(2).expect("2"));
    assert_eq!(m.differences(&changed).len(), 2);
    let bad = MemberChange { acquired_on: Some(d("1959-12-31")), ..MemberChange::default() };
    assert_eq!(bad.apply(&m).expect_err("refused").field(), "acquired_on");
    let lost = m.lose(d("2024-01-01"), LossReason::Other).expect("lose");
    assert_eq!(change.apply(&lost).expect_err("refused"), MemberRuleError::AlreadyLost { lost_on: d("2024-01-01") });
    let withdraw = MemberChange { limit_certificate: Some(None), ..MemberChange::default() };
    assert_eq!(withdraw.apply(&changed).expect("withdraw").limit_certificate, None);
}
