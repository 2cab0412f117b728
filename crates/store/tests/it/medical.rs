//! The medical-information contract: records attached to members and read
//! through usable links only, consents in force and revoked, staff, crews,
//! emergency designation, and the access log's chains, on every backend.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_domain::audit::{Access, verify_chain};
use onshi_store::PersonId;
use onshi_store::eligibility::Consent;
use onshi_store::inspection::NewSuspension;
use onshi_store::medical::{Crew, CrewClient, HeadSigner, NewRecord, Staff};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn record(member: &Member, kind: &str, id: &str, on: &str, body: &str) -> NewRecord {
    NewRecord {
        kind: kind.to_owned(),
        record_id: id.to_owned(),
        key: member.key.clone(),
        on: date(on),
        body: body.to_owned(),
    }
}

/// A signer whose signature is the message reversed: enough for the store,
/// which only keeps what it is given.
struct Reverse;

impl HeadSigner for Reverse {
    fn sign(&self, message: &[u8]) -> Vec<u8> {
        message.iter().rev().copied().collect()
    }
}

fn access(person: PersonId, at_: &str, basis_ref: &str) -> Access {
    Access {
        person: person.0,
        at: at(at_),
        actor_kind: "facility".into(),
        actor_id: "1311010001".into(),
        staff_id: "D001".into(),
        member_id: None,
        category: "drug".into(),
        purpose: "treatment".into(),
        basis: "consent".into(),
        basis_ref: basis_ref.into(),
    }
}

#[tokio::test]
async fn records_attach_to_members_and_are_read_only_through_usable_links() {
    for store in stores("med_records").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
        let linked = member("1", 0, Some(my_number(1)));
        let unlinked = member("2", 0, None);
        store.upsert_members(vec![linked.clone(), unlinked.clone()]).await.expect("members");
        let person = store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        let stranger = member("3", 0, None);

        let batch = vec![
            record(&linked, "drug", "r1", "2026-03-01", "{\"name\":\"アムロジピン\"}"),
            record(&linked, "drug", "r2", "2023-03-31", "{\"name\":\"old\"}"),
            record(&linked, "checkup", "c1", "2025-06-01", "{\"bmi\":24.1}"),
            record(&stranger, "drug", "r3", "2026-03-01", "{}"),
            record(&unlinked, "drug", "r4", "2026-03-02", "{}"),
        ];
        let outcome = store.upsert_medical_records(batch.clone(), at("2026-04-01T00:00:00Z")).await.expect("import");
        assert_eq!(outcome.inserted, 4, "{name}: {outcome:?}");
        assert_eq!(outcome.rejected.len(), 1, "{name}");
        assert_eq!(outcome.rejected[0].0, 3, "{name}: the unknown member's row");
        assert!(outcome.rejected[0].1.to_string().contains("番号 3"), "{name}: {}", outcome.rejected[0].1);

        // Sent again: nothing changes; one body changed: one update.
        let again = store.upsert_medical_records(batch.clone(), at("2026-04-02T00:00:00Z")).await.expect("again");
        assert_eq!((again.inserted, again.updated, again.unchanged), (0, 0, 4), "{name}");
        let mut changed = batch.clone();
        changed[0].body = "{\"name\":\"アムロジピンOD\"}".to_owned();
        let third = store.upsert_medical_records(changed, at("2026-04-03T00:00:00Z")).await.expect("changed");
        assert_eq!((third.inserted, third.updated, third.unchanged), (0, 1, 3), "{name}");

        let drugs =
            store.medical_records_of_person(person, vec!["drug".into()], date("2023-04-01")).await.expect("drugs");
        assert_eq!(drugs.len(), 1, "{name}: the window and the unlinked member's record: {drugs:?}");
        assert_eq!(drugs[0].body, "{\"name\":\"アムロジピンOD\"}", "{name}");
        let both = store
            .medical_records_of_person(person, vec!["drug".into(), "checkup".into()], date("2020-01-01"))
            .await
            .expect("both");
        let ids: Vec<&str> = both.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, ["r1", "c1", "r2"], "{name}: newest first across kinds");
        assert_eq!(store.medical_record_counts().await.expect("counts"), (1, 4), "{name}: one waits on a link");

        // A suspended link quarantines its records.
        let stored = store.member_by_key(&linked.key).await.expect("read").expect("member");
        let link = NewSuspension {
            member_id: stored.member_id,
            person_id: person,
            insurer_number: linked.key.insurer_number.clone(),
            reasons: vec!["birth_date:other".to_owned()],
        };
        store.suspend_links(vec![link], at("2026-04-04T00:00:00Z")).await.expect("suspend");
        let held = store.medical_records_of_person(person, vec!["drug".into()], date("2020-01-01")).await;
        assert_eq!(held.expect("read"), vec![], "{name}: quarantined");
        assert_eq!(store.medical_record_counts().await.expect("counts"), (4, 4), "{name}");
    }
}

#[tokio::test]
async fn consents_in_force_expire_and_are_revoked_once() {
    for store in stores("med_consents").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
        let person = store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        let code = facility(1).code.as_str().to_owned();
        let consent = Consent {
            person_id: person,
            facility_code: code.clone(),
            categories: vec!["clinical_drug".into()],
            given_at: at("2026-04-01T01:00:00Z"),
            expires_at: at("2026-04-02T01:00:00Z"),
            media: "card".into(),
            purpose: "treatment".into(),
            data_from: Some(date("2025-01-01")),
            data_to: None,
            certificate_in_grace: false,
        };
        let id = store.record_consent(consent.clone()).await.expect("consent");
        let in_force = |when: &'static str, facility: String| {
            let store = Arc::clone(&store);
            async move { store.consents_in_force(person, &facility, at(when)).await.expect("read") }
        };
        assert_eq!(in_force("2026-04-01T00:59:59Z", code.clone()).await, vec![], "{name}: before it was given");
        let now = in_force("2026-04-01T12:00:00Z", code.clone()).await;
        assert_eq!(now.len(), 1, "{name}");
        assert_eq!(now[0].consent_id, id, "{name}");
        assert_eq!(now[0].consent, consent, "{name}");
        assert!(now[0].in_force_for("clinical_drug", at("2026-04-01T12:00:00Z")), "{name}");
        assert!(!now[0].in_force_for("checkup", at("2026-04-01T12:00:00Z")), "{name}");
        assert_eq!(in_force("2026-04-02T01:00:00Z", code.clone()).await, vec![], "{name}: expired at the hour");
        let other = facility(2).code.as_str().to_owned();
        assert_eq!(in_force("2026-04-01T12:00:00Z", other).await, vec![], "{name}: another facility");

        let revoked = store.revoke_consent(id, at("2026-04-01T13:00:00Z"), "self").await.expect("revoke");
        assert_eq!(revoked.revoked_at, Some(at("2026-04-01T13:00:00Z")), "{name}");
        assert_eq!(revoked.status(at("2026-04-01T14:00:00Z")), "revoked", "{name}");
        let twice = store.revoke_consent(id, at("2026-04-01T15:00:00Z"), "operator").await.expect("again");
        assert_eq!(twice, revoked, "{name}: the first revocation stands");
        assert_eq!(in_force("2026-04-01T14:00:00Z", code.clone()).await, vec![], "{name}: revoked");
        assert_eq!(store.consent(id).await.expect("read"), Some(revoked), "{name}");
        let missing = store.revoke_consent(id + 100, at("2026-04-01T15:00:00Z"), "self").await;
        assert!(matches!(missing, Err(onshi_store::StoreError::NotFound { .. })), "{name}");
    }
}

#[tokio::test]
async fn staff_crews_and_emergency_designation_round_trip() {
    for store in stores("med_actors").await {
        let name = store.backend().name();
        let code = facility(1).code.as_str().to_owned();
        let staff = Staff {
            facility_code: code.clone(),
            staff_id: "D001".into(),
            name: "医師 一郎".into(),
            qualification: "doctor".into(),
            created_at: at("2026-04-01T00:00:00Z"),
            revoked_at: None,
        };
        let err = store.upsert_staff(staff.clone()).await.expect_err("facility not registered");
        assert!(matches!(err, onshi_store::StoreError::NotFound { .. }), "{name}: {err}");
        assert!(store.set_emergency_facility(&code, true, at("2026-04-01T00:00:00Z"), "op").await.is_err(), "{name}");
        store.upsert_facilities(vec![facility(1)]).await.expect("facility");
        store.upsert_staff(staff.clone()).await.expect("staff");
        assert_eq!(store.staff(&code, "D001").await.expect("read"), Some(staff.clone()), "{name}");
        assert_eq!(store.staff(&code, "D002").await.expect("read"), None, "{name}");

        assert!(!store.is_emergency_facility(&code).await.expect("read"), "{name}");
        store.set_emergency_facility(&code, true, at("2026-04-01T00:00:00Z"), "op").await.expect("designate");
        store.set_emergency_facility(&code, true, at("2026-04-02T00:00:00Z"), "op").await.expect("idempotent");
        assert!(store.is_emergency_facility(&code).await.expect("read"), "{name}");
        store.set_emergency_facility(&code, false, at("2026-04-03T00:00:00Z"), "op").await.expect("withdraw");
        assert!(!store.is_emergency_facility(&code).await.expect("read"), "{name}");

        let crew =
            Crew {
                crew_code: "131001".into(), name: "八王子消防署".into(), created_at: at("2026-04-01T00:00:00Z")
            };
        let client = CrewClient {
            client_id: "crew-1".into(),
            crew_code: crew.crew_code.clone(),
            secret_sha256: vec![7; 32],
            name: "救急車1号".into(),
            created_at: at("2026-04-01T00:00:00Z"),
            revoked_at: None,
        };
        let err = store.insert_crew_client(client.clone()).await.expect_err("no such department");
        assert!(matches!(err, onshi_store::StoreError::NotFound { .. }), "{name}: {err}");
        store.upsert_crew(crew.clone()).await.expect("crew");
        store.insert_crew_client(client.clone()).await.expect("client");
        let dup = store.insert_crew_client(client.clone()).await.expect_err("client id in use");
        assert!(matches!(dup, onshi_store::StoreError::Conflict { .. }), "{name}: {dup}");
        assert_eq!(store.crew("131001").await.expect("read"), Some(crew), "{name}");
        assert_eq!(store.crew_client("crew-1").await.expect("read"), Some(client), "{name}");
        assert_eq!(store.crew_client("crew-2").await.expect("read"), None, "{name}");
    }
}

#[tokio::test]
async fn the_access_log_chains_each_person_signs_heads_and_refuses_changes() {
    for store in stores("med_log").await {
        let name = store.backend().name();
        store
            .upsert_residents(vec![resident(1, 1, "山田 太郎"), resident(2, 2, "鈴木 花子")])
            .await
            .expect("residents");
        let p1 = store.resident_by_my_number(&my_number(1)).await.expect("read").expect("present").person_id;
        let p2 = store.resident_by_my_number(&my_number(2)).await.expect("read").expect("present").person_id;
        let signer: onshi_store::medical::Signer = Arc::new(Reverse);
        let first = store
            .append_accesses(
                vec![access(p1, "2026-04-01T01:00:00Z", "1"), access(p2, "2026-04-01T01:00:01Z", "2")],
                signer.clone(),
            )
            .await
            .expect("append");
        assert_eq!(first.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 1], "{name}");
        let second =
            store.append_accesses(vec![access(p1, "2026-04-01T02:00:00Z", "3")], signer.clone()).await.expect("append");
        assert_eq!(second[0].seq, 2, "{name}");
        assert_eq!(second[0].prev_hash, first[0].hash, "{name}");

        let log = store.access_log_of_person(p1).await.expect("log");
        assert_eq!(log.entries.len(), 2, "{name}");
        assert_eq!(log.entries[1], second[0], "{name}: read back as written");
        let head = log.head.clone().expect("head");
        assert_eq!((head.seq, head.hash), (2, second[0].hash), "{name}");
        let mut signed = onshi_domain::audit::head_message(p1.0, 2, &head.hash);
        signed.reverse();
        assert_eq!(head.signature, signed, "{name}: the signer's signature is kept");
        assert_eq!(verify_chain(p1.0, &log.entries, Some((head.seq, head.hash))), Ok(()), "{name}");

        // The walk pages through every person in order.
        let page = store.access_log_page(None, 2).await.expect("page");
        assert_eq!(page.iter().map(|e| (e.access.person, e.seq)).collect::<Vec<_>>(), [(p1.0, 1), (p1.0, 2)]);
        let rest = store.access_log_page(Some((p1, 2)), 10).await.expect("rest");
        assert_eq!(rest.iter().map(|e| (e.access.person, e.seq)).collect::<Vec<_>>(), [(p2.0, 1)], "{name}");
        let heads = store.access_heads_page(None, 10).await.expect("heads");
        assert_eq!(heads.iter().map(|h| (h.person_id, h.seq)).collect::<Vec<_>>(), [(p1, 2), (p2, 1)], "{name}");
        assert_eq!(store.access_heads_page(Some(p1), 10).await.expect("heads").len(), 1, "{name}");

        // Concurrent appends for one person never share a sequence number.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let store = Arc::clone(&store);
            let signer = signer.clone();
            tasks.push(tokio::spawn(async move {
                store.append_accesses(vec![access(p2, "2026-04-01T03:00:00Z", &i.to_string())], signer).await
            }));
        }
        for task in tasks {
            task.await.expect("task").expect("append");
        }
        let log2 = store.access_log_of_person(p2).await.expect("log");
        let head2 = log2.head.clone().expect("head");
        assert_eq!(log2.entries.len(), 9, "{name}");
        assert_eq!(verify_chain(p2.0, &log2.entries, Some((head2.seq, head2.hash))), Ok(()), "{name}");
    }
}

#[tokio::test]
async fn reads_through_a_link_are_found_by_the_inspection_audit() {
    for store in stores("med_audit").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
        let linked = member("1", 0, Some(my_number(1)));
        store.upsert_members(vec![linked.clone()]).await.expect("member");
        let stored = store.member_by_key(&linked.key).await.expect("read").expect("member");
        let person = stored.person_id.expect("linked");
        let mut through = access(person, "2026-04-01T01:00:00Z", "7");
        through.member_id = Some(stored.member_id.0);
        let elsewhere = access(person, "2026-04-01T02:00:00Z", "8");
        store.append_accesses(vec![through, elsewhere], Arc::new(Reverse)).await.expect("append");
        let found = store.accesses_through_link(stored.member_id, person).await.expect("audit");
        assert_eq!(found.len(), 1, "{name}: only the read through this link: {found:?}");
        assert_eq!(found[0].facility_code.as_deref(), Some("1311010001"), "{name}");
        assert_eq!(found[0].accessor, "facility:1311010001/D001", "{name}");
        assert_eq!((found[0].what.as_str(), found[0].basis.as_str()), ("drug", "consent"), "{name}");
        assert_eq!(found[0].accessed_at, at("2026-04-01T01:00:00Z"), "{name}");
    }
}
