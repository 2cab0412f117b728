//! Linkage integrity (issue 8): link states, suspensions, notices and the
//! access audit; each case runs against every backend from `stores`.

use super::*;
use onshi_store::LinkState;

#[tokio::test]
async fn a_new_link_is_active_and_an_unlinked_member_has_no_state() {
    for store in stores("link_state").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        store
            .upsert_members(vec![member("100", 0, Some(my_number(1))), member("200", 0, None)])
            .await
            .expect("members");
        let linked = store.member_by_key(&member("100", 0, None).key).await.expect("read").expect("present");
        assert_eq!(linked.link_state, Some(LinkState::Active), "{name}");
        let unlinked = store.member_by_key(&member("200", 0, None).key).await.expect("read").expect("present");
        assert_eq!((unlinked.person_id, unlinked.link_state), (None, None), "{name}");
    }
}

use chrono::{TimeZone, Utc};
use onshi_store::inspection::{LinkDecision, MedicalAccess, NewSuspension, Resolution, SuspensionSource};
use onshi_store::{MemberId, PersonId, StoreError};

fn at(hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, hour, 0, 0).single().expect("time")
}

/// Someone else entirely: another name, birth date, sex and address.
fn stranger(number: &str, my_number: Option<MyNumber>) -> Member {
    let mut m = member(number, 0, my_number);
    m.attributes = FiveAttributes {
        name_kanji: "佐藤 花子".to_owned(),
        name_kana: "サトウ ハナコ".to_owned(),
        birth_date: date("1975-09-09"),
        sex: Sex::Female,
        address: "大阪府大阪市北区梅田1-1-1".to_owned(),
    };
    m
}

async fn person(store: &dyn Store, number: u64) -> PersonId {
    store.resident_by_my_number(&my_number(number)).await.expect("read").expect("resident").person_id
}

#[tokio::test]
async fn a_wrong_link_is_held_at_import_with_its_suspension_and_notice() {
    for store in stores("held_at_import").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        let outcome = store
            .upsert_members(vec![stranger("100", Some(my_number(1))), member("200", 0, None)])
            .await
            .expect("members");
        assert_eq!((outcome.inserted, outcome.linked, outcome.suspended), (2, 1, 1), "{name}: held, not dropped");

        let held = store.member_by_key(&stranger("100", None).key).await.expect("read").expect("stored");
        assert_eq!(held.link_state, Some(LinkState::Suspended), "{name}");
        assert!(!LinkState::Suspended.usable());
        // The person → members lookup still returns the member, with its
        // state, so eligibility can answer "linkage under inspection".
        let p = person(store.as_ref(), 1).await;
        let of_person = store.members_of_person(p).await.expect("members of person");
        assert_eq!(of_person.len(), 1, "{name}");
        assert_eq!(of_person[0].link_state, Some(LinkState::Suspended), "{name}");

        let suspensions = store.suspensions_of_member(held.member_id).await.expect("suspensions");
        assert_eq!(suspensions.len(), 1, "{name}");
        assert_eq!(suspensions[0].source, SuspensionSource::Import, "{name}");
        assert_eq!(suspensions[0].person_id, p, "{name}");
        assert!(suspensions[0].reasons.iter().any(|r| r.starts_with("sex:")), "{name}: {:?}", suspensions[0].reasons);
        assert_eq!(suspensions[0].resolution, None, "{name}");

        let notices = store.notices_of_person(p).await.expect("notices");
        assert_eq!(notices.len(), 1, "{name}");
        assert_eq!(notices[0].kind, onshi_store::inspection::NOTICE_LINKAGE_CHECK, "{name}");
        assert!(notices[0].body.contains("01130012"), "{name}: {}", notices[0].body);

        let listed = store.suspended_links(None).await.expect("suspended links");
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(listed[0].resident_code.as_str(), "00000000001", "{name}");
        assert_eq!(listed[0].key, held.member.key, "{name}");
        let other_insurer = Some("06139992".parse().expect("insurer"));
        assert!(store.suspended_links(other_insurer).await.expect("suspended links").is_empty(), "{name}");
    }
}

#[tokio::test]
async fn re_imports_keep_suspended_and_confirmed_links() {
    for store in stores("no_clobber").await {
        let name = store.backend().name();
        store
            .upsert_residents(vec![resident(1, 1, "山田 太郎"), resident(2, 2, "山田 次郎")])
            .await
            .expect("residents");
        store.upsert_members(vec![stranger("100", Some(my_number(1)))]).await.expect("members");
        let key = stranger("100", None).key;
        let p1 = person(store.as_ref(), 1).await;

        // The same file again, and a corrected file whose attributes now
        // agree: the link stays held until an insurer decides.
        let again = store.upsert_members(vec![stranger("100", Some(my_number(1)))]).await.expect("again");
        assert_eq!((again.unchanged, again.suspended), (1, 0), "{name}");
        let agreeing = store.upsert_members(vec![member("100", 0, Some(my_number(1)))]).await.expect("agreeing");
        assert_eq!((agreeing.updated, agreeing.suspended), (1, 0), "{name}");
        let stored = store.member_by_key(&key).await.expect("read").expect("stored");
        assert_eq!((stored.person_id, stored.link_state), (Some(p1), Some(LinkState::Suspended)), "{name}");
        assert_eq!(stored.member.attributes.name_kanji, "山田 太郎", "{name}: the attributes are updated");
        assert_eq!(store.suspensions_of_member(stored.member_id).await.expect("suspensions").len(), 1, "{name}");
        assert_eq!(store.notices_of_person(p1).await.expect("notices").len(), 1, "{name}");

        // Confirmed by the insurer: usable again, and kept by a re-import
        // that now names another person's My Number.
        let confirmed =
            store.decide_link(&key, LinkDecision::Confirm, "insurer-staff-1", at(10)).await.expect("confirm");
        assert_eq!((confirmed.person_id, confirmed.link_state), (Some(p1), Some(LinkState::Confirmed)), "{name}");
        store.upsert_members(vec![member("100", 0, Some(my_number(2)))]).await.expect("re-import");
        let kept = store.member_by_key(&key).await.expect("read").expect("stored");
        assert_eq!((kept.person_id, kept.link_state), (Some(p1), Some(LinkState::Confirmed)), "{name}");
    }
}

#[tokio::test]
async fn suspension_then_confirmation_restores_the_link() {
    for store in stores("confirm").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        store.upsert_members(vec![stranger("100", Some(my_number(1)))]).await.expect("members");
        let key = stranger("100", None).key;
        let p1 = person(store.as_ref(), 1).await;
        let held = store.member_by_key(&key).await.expect("read").expect("stored");
        assert!(!held.link_state.expect("linked").usable(), "{name}");

        let restored =
            store.decide_link(&key, LinkDecision::Confirm, "insurer-staff-1", at(10)).await.expect("confirm");
        assert!(restored.link_state.expect("linked").usable(), "{name}");
        assert_eq!(store.members_of_person(p1).await.expect("members")[0].link_state, Some(LinkState::Confirmed));
        let suspensions = store.suspensions_of_member(held.member_id).await.expect("suspensions");
        assert_eq!(suspensions[0].resolution, Some(Resolution::Confirmed), "{name}");
        assert_eq!(suspensions[0].resolved_by.as_deref(), Some("insurer-staff-1"), "{name}");
        assert_eq!(suspensions[0].resolved_at, Some(at(10)), "{name}");
        assert!(store.suspended_links(None).await.expect("list").is_empty(), "{name}");
    }
}

#[tokio::test]
async fn an_insurer_corrects_a_link_to_another_resident_or_removes_it() {
    for store in stores("correct").await {
        let name = store.backend().name();
        store
            .upsert_residents(vec![resident(1, 1, "山田 太郎"), resident(2, 2, "佐藤 花子")])
            .await
            .expect("residents");
        store.upsert_members(vec![stranger("100", Some(my_number(1)))]).await.expect("members");
        let key = stranger("100", None).key;
        let (p1, p2) = (person(store.as_ref(), 1).await, person(store.as_ref(), 2).await);

        let missing: onshi_domain::registry::ResidentCode = "99999999999".parse().expect("code");
        let err = store.decide_link(&key, LinkDecision::CorrectTo(missing), "staff", at(9)).await.expect_err("unknown");
        assert!(matches!(&err, StoreError::NotFound { what } if what.contains("99999999999")), "{name}: {err}");
        let unknown_member = member("999", 0, None).key;
        let err = store.decide_link(&unknown_member, LinkDecision::Confirm, "staff", at(9)).await.expect_err("unknown");
        assert!(matches!(&err, StoreError::NotFound { what } if what.contains("999")), "{name}: {err}");

        let code = "00000000002".parse().expect("code");
        let corrected = store.decide_link(&key, LinkDecision::CorrectTo(code), "staff", at(10)).await.expect("correct");
        assert_eq!((corrected.person_id, corrected.link_state), (Some(p2), Some(LinkState::Confirmed)), "{name}");
        assert_eq!(corrected.link_method, Some(LinkMethod::Insurer), "{name}");
        let suspension = &store.suspensions_of_member(corrected.member_id).await.expect("suspensions")[0];
        assert_eq!((suspension.person_id, suspension.corrected_to), (p1, Some(p2)), "{name}");
        assert_eq!(suspension.resolution, Some(Resolution::Corrected), "{name}");

        let unlinked = store.decide_link(&key, LinkDecision::Unlink, "staff", at(11)).await.expect("unlink");
        assert_eq!((unlinked.person_id, unlinked.link_state, unlinked.link_method), (None, None, None), "{name}");
        let err =
            store.decide_link(&key, LinkDecision::Confirm, "staff", at(12)).await.expect_err("nothing to confirm");
        assert!(matches!(err, StoreError::Conflict { .. }), "{name}: {err}");
    }
}

#[tokio::test]
async fn a_waiting_member_is_judged_when_its_resident_arrives() {
    for store in stores("held_at_registry").await {
        let name = store.backend().name();
        store
            .upsert_members(vec![stranger("100", Some(my_number(1))), member("200", 0, Some(my_number(2)))])
            .await
            .expect("members");
        let registry = store
            .upsert_residents(vec![resident(1, 1, "山田 太郎"), resident(2, 2, "山田 太郎")])
            .await
            .expect("residents");
        assert_eq!((registry.linked, registry.suspended), (2, 1), "{name}");
        let held = store.member_by_key(&stranger("100", None).key).await.expect("read").expect("stored");
        assert_eq!(held.link_state, Some(LinkState::Suspended), "{name}");
        let suspensions = store.suspensions_of_member(held.member_id).await.expect("suspensions");
        assert_eq!(suspensions[0].source, SuspensionSource::Registry, "{name}");
        let good = store.member_by_key(&member("200", 0, None).key).await.expect("read").expect("stored");
        assert_eq!(good.link_state, Some(LinkState::Active), "{name}");
    }
}

#[tokio::test]
async fn suspending_twice_creates_one_suspension_and_one_notice() {
    for store in stores("idempotent").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        store.upsert_members(vec![member("100", 0, Some(my_number(1)))]).await.expect("members");
        let stored = store.member_by_key(&member("100", 0, None).key).await.expect("read").expect("stored");
        let p1 = stored.person_id.expect("linked");
        let link = NewSuspension {
            member_id: stored.member_id,
            person_id: p1,
            insurer_number: stored.member.key.insurer_number.clone(),
            reasons: vec!["birth_date:other".to_owned(), "sex:sex".to_owned()],
        };
        // An interrupted inspection run again: the same suspension twice.
        assert_eq!(store.suspend_links(vec![link.clone()], at(1)).await.expect("first"), 1, "{name}");
        assert_eq!(store.suspend_links(vec![link.clone()], at(2)).await.expect("again"), 0, "{name}");
        let suspensions = store.suspensions_of_member(stored.member_id).await.expect("suspensions");
        assert_eq!(suspensions.len(), 1, "{name}");
        assert_eq!(suspensions[0].suspended_at, at(1), "{name}");
        assert_eq!(suspensions[0].source, SuspensionSource::Inspection, "{name}");
        assert_eq!(suspensions[0].reasons, link.reasons, "{name}");
        assert_eq!(store.notices_of_person(p1).await.expect("notices").len(), 1, "{name}");

        // A suspension of a link that is not (or no longer) this one does nothing.
        let stale = NewSuspension { person_id: PersonId(p1.0 + 1000), ..link };
        assert_eq!(store.suspend_links(vec![stale], at(3)).await.expect("stale"), 0, "{name}");
    }
}

#[tokio::test]
async fn accesses_through_a_link_are_read_back_for_the_audit() {
    for store in stores("access_audit").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        store.upsert_members(vec![stranger("100", Some(my_number(1)))]).await.expect("members");
        let held = store.member_by_key(&stranger("100", None).key).await.expect("read").expect("stored");
        let p1 = held.person_id.expect("linked");
        for (hour, what) in [(9, "drug_history"), (8, "checkups")] {
            store
                .record_medical_access(MedicalAccess {
                    person_id: p1,
                    member_id: Some(held.member_id),
                    facility_code: Some("1310100011".to_owned()),
                    accessor: "doctor-7".to_owned(),
                    what: what.to_owned(),
                    basis: "consent".to_owned(),
                    accessed_at: at(hour),
                })
                .await
                .expect("record");
        }
        let accesses = store.accesses_through_link(held.member_id, p1).await.expect("audit");
        assert_eq!(
            accesses.iter().map(|a| a.what.as_str()).collect::<Vec<_>>(),
            ["checkups", "drug_history"],
            "{name}"
        );
        assert_eq!(accesses[0].accessed_at, at(8), "{name}");
        assert!(store.accesses_through_link(MemberId(held.member_id.0 + 1), p1).await.expect("audit").is_empty());
        let err = store
            .record_medical_access(MedicalAccess { person_id: PersonId(p1.0 + 1000), ..accesses[0].clone() })
            .await
            .expect_err("unknown person");
        assert!(matches!(err, StoreError::NotFound { .. }), "{name}: {err}");
    }
}

#[tokio::test]
async fn the_inspection_pages_through_members_in_key_order() {
    for store in stores("inspection_pages").await {
        let name = store.backend().name();
        store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("residents");
        let mut other = member("1", 0, None);
        other.key.insurer_number = "06139992".parse().expect("insurer");
        store
            .upsert_members(vec![
                member("30", 0, None),
                member("10", 1, Some(my_number(1))),
                member("10", 0, None),
                member("20", 0, Some(my_number(9))),
                other,
            ])
            .await
            .expect("members");
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store.inspection_batch(None, after.clone(), 2).await.expect("page");
            if page.is_empty() {
                break;
            }
            assert!(page.len() <= 2, "{name}");
            after = page.last().map(|item| item.key.clone());
            seen.extend(page);
        }
        let keys: Vec<(String, String, u8)> = seen
            .iter()
            .map(|i| (i.key.insurer_number.as_str().to_owned(), i.key.number.as_str().to_owned(), i.key.branch.value()))
            .collect();
        let expected = [
            ("01130012", "10", 0),
            ("01130012", "10", 1),
            ("01130012", "20", 0),
            ("01130012", "30", 0),
            ("06139992", "1", 0),
        ];
        assert_eq!(
            keys,
            expected.iter().map(|(i, n, b)| (i.to_string(), n.to_string(), *b)).collect::<Vec<_>>(),
            "{name}"
        );
        let linked = &seen[1];
        assert_eq!(linked.link_state, Some(LinkState::Active), "{name}");
        let (code, attributes) = linked.resident.as_ref().expect("linked resident");
        assert_eq!(code.as_str(), "00000000001", "{name}");
        assert_eq!(attributes.name_kanji, "山田 太郎", "{name}");
        // A member whose My Number is in no resident's hands waits, unlinked.
        assert_eq!((seen[2].has_my_number, seen[2].person_id, &seen[2].resident), (true, None, &None), "{name}");
        assert_eq!((seen[0].has_my_number, seen[0].link_state), (false, None), "{name}");

        let insurer: onshi_domain::id::InsurerNumber = "06139992".parse().expect("insurer");
        let only = store.inspection_batch(Some(insurer.clone()), None, 10).await.expect("page");
        assert_eq!(only.len(), 1, "{name}");
        assert_eq!(store.inspection_size(Some(insurer)).await.expect("size"), 1, "{name}");
        assert_eq!(store.inspection_size(None).await.expect("size"), 5, "{name}");
    }
}

#[tokio::test]
async fn residents_are_found_by_their_match_key() {
    for store in stores("match_key").await {
        let name = store.backend().name();
        let mut half_width = resident(2, 2, "山田 太郎");
        half_width.attributes.name_kana = "ﾔﾏﾀﾞ ﾀﾛｳ".to_owned();
        let mut other_day = resident(3, 3, "山田 太郎");
        other_day.attributes.birth_date = date("1980-04-02");
        store.upsert_residents(vec![resident(1, 1, "山田 太郎"), half_width, other_day]).await.expect("residents");
        assert_eq!(store.fill_match_keys(100).await.expect("fill"), 0, "{name}: keys are computed at upsert");
        let key = onshi_store::inspection::match_key("ヤマダタロウ", date("1980-04-01"));
        let candidates = store.match_candidates(vec![key.clone(), "none|2000-01-01".to_owned()]).await.expect("read");
        let mut codes: Vec<&str> = candidates.iter().map(|c| c.resident_code.as_str()).collect();
        codes.sort_unstable();
        assert_eq!(codes, ["00000000001", "00000000002"], "{name}");
        assert!(candidates.iter().all(|c| c.match_key == key), "{name}");
    }
}
