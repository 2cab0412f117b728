//! The eligibility contract: members by insured number, facility clients,
//! consents and the query log, on every backend.

use chrono::{DateTime, Utc};
use onshi_store::eligibility::{Consent, EligibilityLogEntry, FacilityClient};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

#[tokio::test]
async fn members_are_found_by_number_with_or_without_branch() {
    for store in stores("elig_members").await {
        let name = store.backend().name();
        store
            .upsert_members(vec![member("5678", 0, None), member("5678", 1, None), member("9999", 0, None)])
            .await
            .expect("members");
        let key = member("5678", 0, None).key;
        let all = store.members_by_number(&key.insurer_number, &key.symbol, &key.number, None).await.expect("read");
        assert_eq!(all.iter().map(|m| m.member.key.branch.value()).collect::<Vec<_>>(), [0, 1], "{name}");
        let one = store
            .members_by_number(
                &key.insurer_number,
                &key.symbol,
                &key.number,
                Some(onshi_domain::id::Branch::new(1).expect("branch")),
            )
            .await
            .expect("read");
        assert_eq!(one.len(), 1, "{name}");
        assert_eq!(one[0].member.key.branch.value(), 1, "{name}");
        let none = store
            .members_by_number(&key.insurer_number, &key.symbol, &"1111".parse().expect("number"), None)
            .await
            .expect("read");
        assert!(none.is_empty(), "{name}");
    }
}

#[tokio::test]
async fn facility_clients_consents_and_the_log_round_trip() {
    for store in stores("elig_records").await {
        let name = store.backend().name();
        let client = FacilityClient {
            client_id: "c-1".into(),
            facility_code: facility(1).code.as_str().to_owned(),
            secret_sha256: vec![1; 32],
            name: "レセコン".into(),
            created_at: at("2026-04-01T00:00:00Z"),
            revoked_at: None,
        };
        let err = store.insert_facility_client(client.clone()).await.expect_err("facility not registered");
        assert!(matches!(err, onshi_store::StoreError::NotFound { .. }), "{name}: {err}");
        store.upsert_facilities(vec![facility(1)]).await.expect("facility");
        store.insert_facility_client(client.clone()).await.expect("client");
        assert_eq!(store.facility_client("c-1").await.expect("read"), Some(client), "{name}");
        assert_eq!(store.facility_client("c-2").await.expect("read"), None, "{name}");

        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
        let person = store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        let consent = Consent {
            person_id: person,
            facility_code: facility(1).code.as_str().to_owned(),
            categories: vec!["clinical_drug".into(), "checkup".into()],
            given_at: at("2026-04-01T01:00:00Z"),
            expires_at: at("2026-04-02T01:00:00Z"),
            media: "card".into(),
            purpose: "treatment".into(),
            data_from: None,
            data_to: None,
            certificate_in_grace: false,
        };
        let first = store.record_consent(consent.clone()).await.expect("consent");
        let refused = Consent { categories: vec![], given_at: at("2026-04-03T01:00:00Z"), ..consent.clone() };
        let second = store.record_consent(refused.clone()).await.expect("refusal");
        assert!(second > first, "{name}: ids grow");
        let stored: Vec<Consent> =
            store.consents_of_person(person).await.expect("read").into_iter().map(|c| c.consent).collect();
        assert_eq!(stored, vec![consent, refused], "{name}");

        let entry = |result: &str| EligibilityLogEntry {
            at: at("2026-04-01T01:00:00Z"),
            facility_code: facility(1).code.as_str().to_owned(),
            facility_kind: "hospital".into(),
            method: "card".into(),
            result: result.into(),
            person_id: Some(person),
            insurer_number: Some("01130012".into()),
            consent_categories: vec!["clinical_drug".into()],
        };
        store.log_eligibility(vec![entry("valid"), entry("certificate_suspended")]).await.expect("log");
        store.log_eligibility(vec![]).await.expect("an empty batch is fine");

        // Group commit: the consents and entries of several checks together,
        // all or nothing.
        let later = |hour: u32| Consent {
            given_at: at(&format!("2026-04-05T{hour:02}:00:00Z")),
            expires_at: at(&format!("2026-04-06T{hour:02}:00:00Z")),
            ..stored[0].clone()
        };
        store
            .record_checks(vec![later(1), later(2)], vec![entry("valid"), entry("valid"), entry("not_found")])
            .await
            .expect("a group of checks");
        let count = || async { store.consents_of_person(person).await.expect("read").len() };
        assert_eq!(count().await, 4, "{name}: both consents of the group");
        let stranger = Consent { person_id: onshi_store::PersonId(999_999), ..later(3) };
        store
            .record_checks(vec![later(4), stranger], vec![entry("valid")])
            .await
            .expect_err("a consent of no resident breaks the group");
        assert_eq!(count().await, 4, "{name}: nothing of a failed group is written");
        store.record_checks(vec![], vec![entry("valid")]).await.expect("entries alone");
        store.record_checks(vec![], vec![]).await.expect("an empty group is fine");
    }
}

#[tokio::test]
async fn an_offline_visit_is_recorded_once_and_a_replay_gets_the_stored_answer() {
    use onshi_store::eligibility::{OfflineVisit, OfflineVisitRecord};
    for store in stores("elig_offline").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
        let person = store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        let code = facility(1).code.as_str().to_owned();
        let visit = OfflineVisit {
            facility_code: code.clone(),
            visit_id: "v-1".into(),
            visited_at: at("2026-04-01T01:00:00Z"),
            received_at: at("2026-04-01T03:00:00Z"),
            person_id: Some(person),
            result: "valid".into(),
            status: 200,
            answer: "{\"validity\":1}".into(),
        };
        let consent = Consent {
            person_id: person,
            facility_code: code.clone(),
            categories: vec!["checkup".into()],
            given_at: visit.visited_at,
            expires_at: at("2026-04-02T01:00:00Z"),
            media: "card".into(),
            purpose: "treatment".into(),
            data_from: None,
            data_to: None,
            certificate_in_grace: false,
        };
        let log = EligibilityLogEntry {
            at: visit.visited_at,
            facility_code: code.clone(),
            facility_kind: "clinic".into(),
            method: "card".into(),
            result: "valid".into(),
            person_id: Some(person),
            insurer_number: None,
            consent_categories: vec!["checkup".into()],
        };
        assert_eq!(store.offline_visit(&code, "v-1").await.expect("read"), None, "{name}");
        let first = store.record_offline_visit(visit.clone(), Some(consent.clone()), log.clone()).await;
        assert_eq!(first.expect("first"), OfflineVisitRecord::Recorded, "{name}");
        // The same visit sent again, even with another answer, changes nothing.
        let again = OfflineVisit { received_at: at("2026-04-01T04:00:00Z"), answer: "{}".into(), ..visit.clone() };
        let replay = store.record_offline_visit(again, Some(consent.clone()), log.clone()).await.expect("replay");
        assert_eq!(replay, OfflineVisitRecord::Replayed(visit.clone()), "{name}");
        assert_eq!(store.offline_visit(&code, "v-1").await.expect("read"), Some(visit.clone()), "{name}");
        let stored: Vec<Consent> =
            store.consents_of_person(person).await.expect("read").into_iter().map(|c| c.consent).collect();
        assert_eq!(stored, vec![consent.clone()], "{name}");
        // The same visit id at another facility is another visit.
        let other = OfflineVisit { facility_code: facility(2).code.as_str().to_owned(), ..visit.clone() };
        let recorded = store.record_offline_visit(other, None, EligibilityLogEntry { ..log.clone() }).await;
        assert_eq!(recorded.expect("other facility"), OfflineVisitRecord::Recorded, "{name}");
        let tallies = store
            .usage_tallies(at("2026-03-31T15:00:00Z"), at("2026-04-30T15:00:00Z"), date("2026-04-30"))
            .await
            .expect("tallies");
        let logged: u64 = tallies.queries.iter().map(|q| q.count).sum();
        assert_eq!(logged, 2, "{name}: one log entry per recorded visit");
    }
}

#[tokio::test]
async fn registrations_documents_and_member_pages() {
    use onshi_store::eligibility::{DocumentKind, EligibilityDocument, Registration};
    for store in stores("elig_documents").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
        let person = store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        assert_eq!(store.registration(person).await.expect("read"), None, "{name}");
        let registered = Registration {
            person_id: person,
            registered: true,
            changed_at: at("2026-04-01T00:00:00Z"),
            via: "portal".into(),
        };
        store.set_registration(registered.clone()).await.expect("register");
        let cancelled = Registration { registered: false, changed_at: at("2026-05-01T00:00:00Z"), ..registered };
        store.set_registration(cancelled.clone()).await.expect("cancel");
        assert_eq!(store.registration(person).await.expect("read"), Some(cancelled), "{name}");

        store
            .upsert_members(vec![
                member("0001", 0, Some(my_number(1))),
                member("0002", 0, None),
                member("0003", 0, None),
            ])
            .await
            .expect("members");
        let first = store.members_page(None, None, 2).await.expect("page");
        assert_eq!(first.len(), 2, "{name}");
        let rest = store.members_page(None, Some(first[1].member_id), 10).await.expect("page");
        assert_eq!(rest.len(), 1, "{name}");
        let other: onshi_domain::id::InsurerNumber = "06139992".parse().expect("insurer");
        assert!(store.members_page(Some(&other), None, 10).await.expect("page").is_empty(), "{name}");
        let member_id = first[0].member_id;
        assert_eq!(store.member_by_id(member_id).await.expect("read").map(|m| m.member_id), Some(member_id), "{name}");

        let document = EligibilityDocument {
            serial: "C-0001".into(),
            member_id,
            person_id: Some(person),
            kind: DocumentKind::Certificate,
            reason: "cancellation".into(),
            issued_on: date("2026-05-01"),
            valid_until: Some(date("2031-05-01")),
            created_at: at("2026-05-01T00:00:00Z"),
        };
        store.insert_document(document.clone()).await.expect("document");
        assert!(
            matches!(store.insert_document(document.clone()).await, Err(onshi_store::StoreError::Conflict { .. })),
            "{name}"
        );
        assert_eq!(store.document("C-0001").await.expect("read"), Some(document.clone()), "{name}");
        assert_eq!(store.documents_of_member(member_id).await.expect("read"), vec![document], "{name}");
    }
}

/// The usage report's tallies: the month's log grouped (the month's first
/// instant in, its end out), members counted on the month's last day, and
/// registrations as they stood at the month's end.
#[tokio::test]
async fn usage_tallies_count_the_month_and_its_last_day() {
    use onshi_domain::usage::{InsurerTally, QueryTally};
    use onshi_store::eligibility::Registration;
    // April 2026 in Japan: 2026-03-31T15:00Z ..< 2026-04-30T15:00Z.
    let (from, to) = (at("2026-03-31T15:00:00Z"), at("2026-04-30T15:00:00Z"));
    for store in stores("elig_usage").await {
        let name = store.backend().name();
        store
            .upsert_residents(vec![
                resident(1, 1, "山田 太郎"),
                resident(2, 2, "山田 花子"),
                resident(3, 3, "山田 次郎"),
            ])
            .await
            .expect("residents");
        let lost_on_last_day = Member { lost_on: Some(date("2026-04-30")), ..member("0005", 0, None) };
        let lost_after = Member { lost_on: Some(date("2026-05-01")), ..member("0007", 0, None) };
        let joins_next_month = Member { acquired_on: date("2026-05-01"), ..member("0006", 0, None) };
        store
            .upsert_members(vec![
                member("0001", 0, Some(my_number(1))),
                member("0002", 0, Some(my_number(2))),
                member("0003", 0, Some(my_number(3))),
                member("0004", 0, None),
                lost_on_last_day,
                lost_after,
                joins_next_month,
            ])
            .await
            .expect("members");
        let person = |n| {
            let store = Arc::clone(&store);
            async move { store.resident_by_my_number(&my_number(n)).await.expect("read").expect("present").person_id }
        };
        let registration = |person_id, registered, when: &str| Registration {
            person_id,
            registered,
            changed_at: at(when),
            via: "portal".into(),
        };
        // Registered before the month and still: counts.
        store.set_registration(registration(person(1).await, true, "2026-03-01T00:00:00Z")).await.expect("reg");
        // Registered, then cancelled within the month: does not.
        store.set_registration(registration(person(2).await, true, "2026-04-10T00:00:00Z")).await.expect("reg");
        store.set_registration(registration(person(2).await, false, "2026-04-20T00:00:00Z")).await.expect("reg");
        // Registered at 00:30 on 1 May in Japan: after the month.
        store.set_registration(registration(person(3).await, true, "2026-04-30T15:30:00Z")).await.expect("reg");

        let entry = |when: &str, method: &str, result: &str, consent: &[&str]| EligibilityLogEntry {
            at: at(when),
            facility_code: facility(1).code.as_str().to_owned(),
            facility_kind: "hospital".into(),
            method: method.into(),
            result: result.into(),
            person_id: None,
            insurer_number: (result == "valid").then(|| "01130012".to_owned()),
            consent_categories: consent.iter().map(|c| (*c).to_owned()).collect(),
        };
        store
            .log_eligibility(vec![
                entry("2026-03-31T14:59:59.999Z", "card", "valid", &["checkup"]),
                entry("2026-03-31T15:00:00Z", "card", "valid", &["clinical_drug", "checkup"]),
                entry("2026-04-15T03:00:00Z", "card", "valid", &["clinical_drug", "checkup"]),
                entry("2026-04-15T03:00:01Z", "insured_number", "valid", &[]),
                entry("2026-04-20T03:00:00Z", "card", "certificate_revoked", &[]),
                entry("2026-04-30T14:59:59.999Z", "smartphone", "valid", &[]),
                entry("2026-04-30T15:00:00Z", "card", "valid", &[]),
            ])
            .await
            .expect("log");

        let tallies = store.usage_tallies(from, to, date("2026-04-30")).await.expect("tallies");
        let tally = |method: &str, result: &str, consent: &str, count| QueryTally {
            facility_kind: "hospital".into(),
            method: method.into(),
            result: result.into(),
            insurer_number: (result == "valid").then(|| "01130012".to_owned()),
            consent_categories: consent.into(),
            count,
        };
        assert_eq!(
            tallies.queries,
            vec![
                tally("card", "certificate_revoked", "", 1),
                tally("card", "valid", "clinical_drug,checkup", 2),
                tally("insured_number", "valid", "", 1),
                tally("smartphone", "valid", "", 1),
            ],
            "{name}"
        );
        assert_eq!(
            tallies.insurers,
            vec![InsurerTally {
                insurer_number: "01130012".into(),
                insurer_name: store
                    .insurers()
                    .await
                    .expect("insurers")
                    .into_iter()
                    .find(|i| i.insurer_number.as_str() == "01130012")
                    .map(|i| i.name)
                    .unwrap_or_default(),
                members: 5,
                registered: 1,
            }],
            "{name}: 0001–0004 and the member lost on 1 May; person 1 registered"
        );
        // A month with nothing logged still counts the members.
        let empty = store.usage_tallies(at("2025-12-31T15:00:00Z"), at("2026-01-31T15:00:00Z"), date("2026-01-31"));
        let empty = empty.await.expect("tallies");
        assert!(empty.queries.is_empty(), "{name}");
        assert_eq!(empty.insurers.iter().map(|i| (i.members, i.registered)).collect::<Vec<_>>(), [(6, 0)], "{name}");
    }
}
