//! The insurer's one-by-one flows (資格取得・変更・喪失), their history and
//! the late-registration report; each case runs against every backend.

use chrono::{DateTime, Utc};
use onshi_domain::insurance::{LimitCategory, LimitCertificate, LimitCertificateKind, LossReason, MemberChange};
use onshi_store::members::MemberEventKind;
use onshi_store::{LinkState, StoreError};

use super::*;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).expect("time").with_timezone(&Utc)
}

fn limit() -> LimitCertificate {
    LimitCertificate {
        kind: LimitCertificateKind::Limit,
        category: LimitCategory::U,
        issued_on: date("2025-04-01"),
        valid_from: date("2025-04-01"),
        valid_until: date("2026-07-31"),
    }
}

#[tokio::test]
async fn acquire_links_by_my_number_keeps_the_details_and_records_the_event() {
    for store in stores("acquire").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        let mut new = member("100", 0, Some(my_number(1)));
        new.acquired_on = date("2025-04-01");
        new.notified_on = Some(date("2025-04-01"));
        new.limit_certificate = Some(limit());
        let at = t("2025-04-03T10:00:00+09:00");
        let stored = store.acquire_member(new.clone(), at, "operator").await.expect("acquire");
        assert_eq!(stored.member, new, "{name}: every field kept");
        assert_eq!(stored.link_state, Some(LinkState::Active), "{name}: linked through the registry");
        assert_eq!(stored.registered_at, Some(at), "{name}");
        let again = store.member_by_key(&new.key).await.expect("read").expect("stored");
        assert_eq!(again, stored, "{name}");

        let events = store.member_events(stored.member_id).await.expect("events");
        assert_eq!(events.len(), 1, "{name}");
        assert_eq!(
            (events[0].kind, events[0].at, events[0].actor.as_str()),
            (MemberEventKind::Acquired, at, "operator")
        );
        assert!(events[0].changes.contains(&"acquired_on: 2025-04-01".to_owned()), "{name}: {:?}", events[0].changes);
        assert!(events[0].changes.contains(&"link: active".to_owned()), "{name}: {:?}", events[0].changes);

        let err = store.acquire_member(new.clone(), at, "operator").await.expect_err("duplicate key");
        assert!(matches!(&err, StoreError::Conflict { what } if what.contains("already registered")), "{name}: {err}");
        assert_eq!(store.member_events(stored.member_id).await.expect("events").len(), 1, "{name}: no partial write");
    }
}

#[tokio::test]
async fn acquire_refuses_a_broken_record_without_writing() {
    for store in stores("acquire_rule").await {
        let name = store.backend().name();
        let mut bad = member("100", 0, None);
        bad.limit_certificate = Some(LimitCertificate { valid_until: date("2025-03-31"), ..limit() });
        let err = store.acquire_member(bad.clone(), t("2025-04-03T10:00:00Z"), "operator").await.expect_err("rule");
        match &err {
            StoreError::Rule(rule) => assert_eq!(rule.field(), "limit_valid_until", "{name}"),
            other => panic!("{name}: {other}"),
        }
        assert_eq!(store.member_by_key(&bad.key).await.expect("read"), None, "{name}");
    }
}

#[tokio::test]
async fn change_updates_an_active_member_relinks_and_records_what_changed() {
    for store in stores("change").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        let new = member("100", 0, None);
        let acquired = store.acquire_member(new.clone(), t("2025-04-03T10:00:00Z"), "a").await.expect("acquire");
        assert_eq!(acquired.link_state, None, "{name}");

        let change =
            MemberChange { my_number: Some(my_number(1)), copay_ratio: CopayRatio::new(2), ..MemberChange::default() };
        let changed = store.change_member(&new.key, change, t("2025-05-01T10:00:00Z"), "b").await.expect("change");
        assert_eq!(changed.member.copay_ratio.tenths(), 2, "{name}");
        assert_eq!(changed.link_state, Some(LinkState::Active), "{name}: the new My Number links");
        assert_eq!(changed.registered_at, acquired.registered_at, "{name}: registration time kept");
        let events = store.member_events(acquired.member_id).await.expect("events");
        assert_eq!(
            events.iter().map(|e| e.kind).collect::<Vec<_>>(),
            [MemberEventKind::Acquired, MemberEventKind::Changed]
        );
        assert_eq!(
            events[1].changes,
            ["my_number: given", "copay_ratio: 3 → 2", "link: none → active"],
            "{name}: the My Number is never written out"
        );

        let unchanged = store
            .change_member(
                &new.key,
                MemberChange { copay_ratio: CopayRatio::new(2), ..MemberChange::default() },
                t("2025-05-02T00:00:00Z"),
                "b",
            )
            .await
            .expect("no-op change");
        assert_eq!(unchanged, changed, "{name}");
        assert_eq!(
            store.member_events(acquired.member_id).await.expect("events").len(),
            2,
            "{name}: nothing to record"
        );

        let missing = member("999", 0, None).key;
        let err = store.change_member(&missing, MemberChange::default(), t("2025-05-02T00:00:00Z"), "b").await;
        assert!(matches!(err, Err(StoreError::NotFound { .. })), "{name}: {err:?}");
    }
}

#[tokio::test]
async fn lose_sets_the_date_and_reason_once_and_never_before_acquisition() {
    for store in stores("lose").await {
        let name = store.backend().name();
        let mut new = member("100", 0, None);
        new.acquired_on = date("2025-04-01");
        new.limit_certificate = Some(limit());
        let acquired = store.acquire_member(new.clone(), t("2025-04-03T10:00:00Z"), "a").await.expect("acquire");

        let err = store
            .lose_member(&new.key, date("2025-03-31"), LossReason::Death, t("2025-06-01T00:00:00Z"), "a")
            .await
            .expect_err("before acquisition");
        assert!(matches!(&err, StoreError::Rule(rule) if rule.field() == "lost_on"), "{name}: {err}");

        let lost = store
            .lose_member(&new.key, date("2025-06-01"), LossReason::OtherInsurance, t("2025-06-02T00:00:00Z"), "a")
            .await
            .expect("lose");
        assert_eq!(
            (lost.member.lost_on, lost.member.loss_reason),
            (Some(date("2025-06-01")), Some(LossReason::OtherInsurance))
        );
        assert_eq!(
            lost.member.limit_certificate.map(|c| c.valid_until),
            Some(date("2025-05-31")),
            "{name}: ends with the membership"
        );

        let err = store
            .lose_member(&new.key, date("2025-07-01"), LossReason::Death, t("2025-07-02T00:00:00Z"), "a")
            .await
            .expect_err("already lost");
        assert!(matches!(&err, StoreError::Rule(rule) if rule.to_string().contains("already lost")), "{name}: {err}");
        let err = store
            .change_member(
                &new.key,
                MemberChange { copay_ratio: CopayRatio::new(1), ..MemberChange::default() },
                t("2025-07-02T00:00:00Z"),
                "a",
            )
            .await
            .expect_err("a lost member is not changed");
        assert!(matches!(&err, StoreError::Rule(_)), "{name}: {err}");

        let events = store.member_events(acquired.member_id).await.expect("events");
        assert_eq!(events.last().map(|e| e.kind), Some(MemberEventKind::Lost), "{name}");
        assert!(events.last().expect("lost").changes.contains(&"loss_reason: - → 03".to_owned()), "{name}");
        assert_eq!(events.len(), 2, "{name}: refused changes leave no event");
    }
}

#[tokio::test]
async fn late_registrations_count_days_in_japan() {
    for store in stores("late").await {
        let name = store.backend().name();
        let notified = |number: &str, notice: &str| {
            let mut m = member(number, 0, None);
            m.notified_on = Some(date(notice));
            m
        };
        // Notice on 04-01: the 5th day in Japan (04-06) is in time, the 6th is late.
        for (number, at) in [
            ("100", "2025-04-06T23:59:00+09:00"),
            ("200", "2025-04-06T15:00:00Z"),
            ("300", "2025-04-10T09:00:00+09:00"),
        ] {
            store.acquire_member(notified(number, "2025-04-01"), t(at), "a").await.expect("acquire");
        }
        // Outside the period asked for.
        store.acquire_member(notified("400", "2025-05-01"), t("2025-05-20T00:00:00Z"), "a").await.expect("acquire");
        // No notice date: never counted.
        store.acquire_member(member("500", 0, None), t("2025-05-20T00:00:00Z"), "a").await.expect("acquire");

        let insurer = member("100", 0, None).key.insurer_number;
        let late = store.late_registrations(&insurer, date("2025-04-01"), date("2025-04-30")).await.expect("late");
        let found: Vec<(&str, i64)> = late.iter().map(|l| (l.member.member.key.number.as_str(), l.days)).collect();
        assert_eq!(found, [("200", 6), ("300", 9)], "{name}");
        assert_eq!(late[0].notified_on, date("2025-04-01"));
        let all = store.late_registrations(&insurer, date("2025-01-01"), date("2025-12-31")).await.expect("late");
        assert_eq!(all.len(), 3, "{name}");
    }
}

#[tokio::test]
async fn the_batch_import_writes_and_reads_the_new_columns() {
    for store in stores("batch_details").await {
        let name = store.backend().name();
        let mut m = member("100", 0, None);
        m.limit_certificate = Some(limit());
        m.acquired_on = date("2025-04-01");
        m.notified_on = Some(date("2025-03-30"));
        let outcome = store.upsert_members(vec![m.clone()]).await.expect("upsert");
        assert_eq!(outcome.inserted, 1);
        let stored = store.member_by_key(&m.key).await.expect("read").expect("stored");
        assert_eq!(stored.member, m, "{name}");
        assert!(stored.registered_at.is_some(), "{name}: an import registers too");
        m.limit_certificate = None;
        let outcome = store.upsert_members(vec![m.clone()]).await.expect("upsert");
        assert_eq!(outcome.updated, 1, "{name}: a withdrawn certificate is a change");
        let outcome = store.upsert_members(vec![m.clone()]).await.expect("upsert");
        assert_eq!(outcome.unchanged, 1, "{name}");
        assert_eq!(store.member_by_key(&m.key).await.expect("read").expect("stored").member, m, "{name}");
    }
}

#[tokio::test]
async fn two_acquisitions_of_one_key_at_once_register_it_once() {
    for store in stores("acquire_race").await {
        let name = store.backend().name();
        let first = member("100", 0, None);
        let mut second = member("100", 0, None);
        second.copay_ratio = CopayRatio::new(1).expect("1");
        let at = t("2025-04-03T10:00:00Z");
        let (a, b) = tokio::join!(store.acquire_member(first, at, "a"), store.acquire_member(second, at, "b"));
        assert_eq!(a.is_ok() as u8 + b.is_ok() as u8, 1, "{name}: {a:?} {b:?}");
        let winner = a.or(b).expect("one registered");
        let stored = store.member_by_key(&winner.member.key).await.expect("read").expect("stored");
        assert_eq!(stored, winner, "{name}: the loser changed nothing");
        assert_eq!(store.member_events(winner.member_id).await.expect("events").len(), 1, "{name}");
    }
}
