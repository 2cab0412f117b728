//! The insurer's one-by-one flows over a real SQLite store: a 資格取得 given
//! as text, linked by My Number or by all 5 attributes (unique match or
//! nothing), a 変更, a 喪失 with its reason, the history and the report of late
//! registrations; every refusal names its field.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_app::members::{ChangeForm, LimitForm, Lookup, MemberForm, Members, MembersError, parse_loss};
use onshi_domain::Date;
use onshi_domain::registry::Resident;
use onshi_store::members::MemberEventKind;
use onshi_store::{LinkState, Store};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("instant")
}

fn today() -> Date {
    Date::from_ymd_opt(2026, 5, 1).expect("date")
}

fn my_number(base: u64) -> onshi_domain::id::MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

fn resident(code: u64, number: u64, kanji: &str, address: &str) -> Resident {
    Resident {
        resident_code: format!("{code:011}").parse().expect("code"),
        my_number: my_number(number),
        attributes: onshi_domain::person::FiveAttributes {
            name_kanji: kanji.into(),
            name_kana: "ヤマダ タロウ".into(),
            birth_date: Date::from_ymd_opt(1980, 6, 15).expect("date"),
            sex: onshi_domain::person::Sex::Male,
            address: address.into(),
        },
    }
}

fn form(number: &str) -> MemberForm {
    MemberForm {
        insurer_number: "01130012".into(),
        symbol: "1234".into(),
        number: number.into(),
        branch: "00".into(),
        // Written as clerks write: full-width space, 旧字体 and kanji numerals
        // fold to the registry's form.
        name_kanji: "山田　太郎".into(),
        name_kana: "ﾔﾏﾀﾞ ﾀﾛｳ".into(),
        birth_date: "昭和55年6月15日".into(),
        sex: "1".into(),
        address: "東京都八王子市元本郷町3-24-1".into(),
        my_number: None,
        relationship: "1".into(),
        copay_ratio: "3".into(),
        acquired_on: "2026-04-01".into(),
        notified_on: Some("2026-04-01".into()),
        limit: None,
        elderly: None,
    }
}

async fn service() -> (Members, Arc<dyn Store>) {
    let store = onshi_store::open("sqlite::memory:").await.expect("store");
    store.migrate().await.expect("migrate");
    store
        .upsert_residents(vec![
            resident(1, 1, "山田 太郎", "東京都八王子市元本郷町三丁目24番1号"),
            // A namesake elsewhere: same kana, birth date and sex.
            resident(2, 2, "山田 太郎", "大阪府大阪市北区梅田1-1-1"),
        ])
        .await
        .expect("residents");
    (Members::new(store.clone()), store)
}

#[tokio::test]
async fn a_member_without_my_number_is_linked_only_when_all_five_attributes_agree_with_one_resident() {
    let (members, _store) = service().await;
    let member = form("1").parse(today()).expect("form");
    let acquired = members.acquire(member, at("2026-04-02T01:00:00Z"), "clerk").await.expect("acquire");
    assert_eq!(acquired.lookup, Lookup::FiveAttributes);
    assert_eq!(acquired.member.link_state, Some(LinkState::Active));
    assert_eq!(acquired.member.member.my_number, Some(my_number(1)), "the number the registry answered");

    // Moved: the address agrees with no resident, so nothing is linked, and
    // the namesake in Osaka is never chosen.
    let mut moved = form("2");
    moved.address = "北海道札幌市中央区北1条西2丁目".into();
    let acquired = members.acquire(moved.parse(today()).expect("form"), at("2026-04-02T01:00:00Z"), "clerk").await;
    let acquired = acquired.expect("acquire");
    assert_eq!((acquired.lookup, acquired.member.person_id), (Lookup::NotFound, None));
}

#[tokio::test]
async fn bad_input_names_the_field_value_and_rule_and_writes_nothing() {
    let (_, store) = service().await;
    let mut bad = form("1");
    bad.limit = Some(LimitForm {
        kind: "01".into(),
        category: "B01".into(),
        issued_on: "2026-04-01".into(),
        valid_from: "2026-04-01".into(),
        valid_until: "2027-07-31".into(),
    });
    let err = bad.parse(today()).expect_err("B01 is for 70 and over");
    assert_eq!((err.field.as_str(), err.value.as_str()), ("limit_category", "B01"));
    assert!(err.rule.contains("70 and over"), "{err}");

    let mut bad = form("1");
    bad.my_number = Some("123456789012".into());
    let err = bad.parse(today()).expect_err("check digit");
    assert_eq!((err.field.as_str(), err.value.as_str()), ("my_number", "********9012"));

    let err = parse_loss("2026-05-01", "04").expect_err("no such reason");
    assert_eq!(err.field, "loss_reason");
    let err = ChangeForm::default().parse(today()).expect_err("empty change");
    assert_eq!(err.field, "body");
    assert_eq!(store.counts(today()).await.expect("counts").members, 0);
}

#[tokio::test]
async fn change_lose_and_history_of_one_member() {
    let (members, _store) = service().await;
    let member = form("1").parse(today()).expect("form");
    let key = member.key.clone();
    members.acquire(member, at("2026-04-02T01:00:00Z"), "clerk").await.expect("acquire");
    let err = members.acquire(form("1").parse(today()).expect("form"), at("2026-04-02T02:00:00Z"), "clerk").await;
    assert!(matches!(err, Err(MembersError::Duplicate(_))), "{err:?}");

    let change = ChangeForm { copay_ratio: Some("2".into()), ..ChangeForm::default() }.parse(today()).expect("change");
    let changed = members.change(&key, change, at("2026-04-10T01:00:00Z"), "clerk").await.expect("change");
    assert_eq!(changed.member.copay_ratio.tenths(), 2);

    let (lost_on, reason) = parse_loss("2026-03-31", "01").expect("loss");
    let err = members.lose(&key, lost_on, reason, at("2026-04-20T01:00:00Z"), "clerk").await.expect_err("early");
    match err {
        MembersError::Invalid(e) => assert_eq!((e.field.as_str(), e.value.as_str()), ("lost_on", "2026-03-31")),
        other => panic!("{other}"),
    }
    let (lost_on, reason) = parse_loss("2026-04-20", "死亡").expect("loss");
    members.lose(&key, lost_on, reason, at("2026-04-20T01:00:00Z"), "clerk").await.expect("lose");

    let (member, events) = members.events(&key).await.expect("events");
    assert_eq!(member.member.loss_reason.map(|r| r.code()), Some("01"));
    let kinds: Vec<MemberEventKind> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [MemberEventKind::Acquired, MemberEventKind::Changed, MemberEventKind::Lost]);
    assert_eq!(events[1].changes, ["copay_ratio: 3 → 2"]);

    let missing = onshi_app::members::parse_key("01130012", "1234", "999", "00").expect("key");
    let err = members.events(&missing).await.expect_err("unknown");
    assert!(matches!(err, MembersError::NotFound(_)), "{err:?}");
}

#[tokio::test]
async fn the_late_report_lists_registrations_after_the_fifth_day() {
    let (members, _store) = service().await;
    for (number, received) in [("1", "2026-04-06T14:59:00Z"), ("2", "2026-04-06T15:00:00Z")] {
        let mut f = form(number);
        f.my_number = None;
        let member = f.parse(today()).expect("form");
        members.acquire(member, at(received), "clerk").await.expect("acquire");
    }
    let late = members.late("01130012", "2026-04-01", "2026-04-30").await.expect("report");
    let numbers: Vec<(&str, i64)> = late.iter().map(|l| (l.member.member.key.number.as_str(), l.days)).collect();
    assert_eq!(numbers, [("2", 6)]);
    let err = members.late("01130012", "2026-04-30", "2026-04-01").await.expect_err("reversed");
    assert!(matches!(&err, MembersError::Invalid(e) if e.field == "to"), "{err:?}");
}
