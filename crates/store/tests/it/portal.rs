//! The citizen portal's contract: sessions kept by the hash of their id,
//! touched only while unexpired, a waiting sign-in replaced once by the
//! person's session with their previous visit, sign-out; facility blocks
//! set, renewed, lifted, and only of registered facilities; on every backend.

use chrono::{DateTime, TimeDelta, Utc};
use onshi_store::portal::PortalSession;
use onshi_store::{PersonId, StoreError};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

async fn person(store: &dyn Store) -> PersonId {
    store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
    store.resident_by_code(&"00000000001".parse().expect("code")).await.expect("read").expect("present").person_id
}

fn waiting(id: u8, now: DateTime<Utc>) -> PortalSession {
    PortalSession {
        session_sha256: vec![id; 32],
        csrf_token: format!("csrf-{id}"),
        authorization_id: Some(format!("authz-{id}")),
        person_id: None,
        certificate_in_grace: false,
        previous_visit_at: None,
        created_at: now,
        last_seen_at: now,
        expires_at: now + TimeDelta::minutes(15),
    }
}

fn signed_in(id: u8, person: PersonId, now: DateTime<Utc>) -> PortalSession {
    PortalSession {
        authorization_id: None,
        person_id: Some(person),
        certificate_in_grace: id % 2 == 1,
        ..waiting(id, now)
    }
}

#[tokio::test]
async fn a_session_is_touched_while_unexpired_and_ends_at_sign_out() {
    for store in stores("portal_sessions").await {
        let name = store.backend().name();
        let t0 = at("2026-05-01T01:00:00Z");
        store.insert_portal_session(waiting(1, t0)).await.expect("insert");
        assert!(
            matches!(store.insert_portal_session(waiting(1, t0)).await, Err(StoreError::Conflict { .. })),
            "{name}: the same id twice"
        );
        let t1 = t0 + TimeDelta::minutes(10);
        let touched = store
            .touch_portal_session(&[1; 32], t1, t1 + TimeDelta::minutes(15))
            .await
            .expect("touch")
            .expect("unexpired");
        assert_eq!(
            touched,
            PortalSession { last_seen_at: t1, expires_at: t1 + TimeDelta::minutes(15), ..waiting(1, t0) }
        );
        // 15 minutes idle after t1: expired, and not extended.
        let late = t1 + TimeDelta::minutes(15);
        assert_eq!(
            store.touch_portal_session(&[1; 32], late, late + TimeDelta::minutes(15)).await.expect("touch"),
            None,
            "{name}"
        );
        assert_eq!(store.touch_portal_session(&[9; 32], t1, t1).await.expect("unknown"), None, "{name}");
        // Sign-out forgets it.
        store.insert_portal_session(waiting(2, t0)).await.expect("insert");
        assert!(store.end_portal_session(&[2; 32]).await.expect("end"), "{name}");
        assert!(!store.end_portal_session(&[2; 32]).await.expect("end again"), "{name}");
        assert_eq!(store.touch_portal_session(&[2; 32], t1, t1).await.expect("touch"), None, "{name}");
    }
}

#[tokio::test]
async fn a_waiting_sign_in_becomes_the_persons_session_once_with_their_previous_visit() {
    for store in stores("portal_sign_in").await {
        let name = store.backend().name();
        let person = person(store.as_ref()).await;
        let t0 = at("2026-05-01T01:00:00Z");
        store.insert_portal_session(waiting(1, t0)).await.expect("waiting");
        let t1 = t0 + TimeDelta::minutes(1);
        let first = store.sign_in_portal_session(&[1; 32], signed_in(3, person, t1)).await.expect("sign in");
        assert_eq!(first, Some(signed_in(3, person, t1)), "{name}: a first visit has no previous one");
        assert_eq!(
            store.touch_portal_session(&[1; 32], t1, t1).await.expect("old id"),
            None,
            "{name}: the old id is gone"
        );
        assert!(
            store.sign_in_portal_session(&[1; 32], signed_in(5, person, t1)).await.expect("again").is_none(),
            "{name}: a waiting sign-in is used once"
        );
        assert_eq!(store.touch_portal_session(&[5; 32], t1, t1).await.expect("touch"), None, "{name}");

        let grace = store.touch_portal_session(&[3; 32], t1, t1 + TimeDelta::minutes(15)).await.expect("touch");
        assert_eq!(grace.map(|s| s.certificate_in_grace), Some(true), "{name}");

        // The next visit sees the first one (and forgets sessions expired for a day).
        let t2 = at("2026-05-08T01:00:00Z");
        store.insert_portal_session(waiting(7, t2)).await.expect("waiting");
        let second = store.sign_in_portal_session(&[7; 32], signed_in(8, person, t2)).await.expect("sign in");
        assert_eq!(second.map(|s| s.previous_visit_at), Some(Some(t1)), "{name}");
        let touched = store.touch_portal_session(&[8; 32], t2, t2 + TimeDelta::minutes(15)).await.expect("touch");
        assert_eq!(
            touched.map(|s| (s.person_id, s.previous_visit_at, s.certificate_in_grace)),
            Some((Some(person), Some(t1), false))
        );

        // An expired waiting sign-in cannot be completed.
        store.insert_portal_session(waiting(10, t2)).await.expect("waiting");
        let late = t2 + TimeDelta::minutes(16);
        assert!(
            store.sign_in_portal_session(&[10; 32], signed_in(11, person, late)).await.expect("late").is_none(),
            "{name}"
        );
        // A session already signed in is not a waiting sign-in.
        assert!(
            store.sign_in_portal_session(&[8; 32], signed_in(12, person, t2)).await.expect("signed").is_none(),
            "{name}"
        );
    }
}

#[tokio::test]
async fn facility_blocks_are_set_renewed_and_lifted() {
    for store in stores("portal_blocks").await {
        let name = store.backend().name();
        let person = person(store.as_ref()).await;
        store.upsert_facilities(vec![facility(1), facility(2)]).await.expect("facilities");
        let code = facility(1).code.as_str().to_owned();
        let other = facility(2).code.as_str().to_owned();
        let t0 = at("2026-05-01T01:00:00Z");
        assert!(!store.is_facility_blocked(person, &code).await.expect("read"), "{name}");
        assert!(
            matches!(store.set_facility_block(person, &code, false, t0).await, Err(StoreError::NotFound { .. })),
            "{name}: nothing to lift"
        );
        let block = store.set_facility_block(person, &code, true, t0).await.expect("block");
        assert_eq!((block.facility_code.as_str(), block.blocked_at, block.unblocked_at), (code.as_str(), t0, None));
        assert!(block.in_force());
        assert!(store.is_facility_blocked(person, &code).await.expect("read"), "{name}");
        assert!(!store.is_facility_blocked(person, &other).await.expect("read"), "{name}: another facility");

        let t1 = t0 + TimeDelta::days(1);
        let lifted = store.set_facility_block(person, &code, false, t1).await.expect("unblock");
        assert_eq!((lifted.blocked_at, lifted.unblocked_at), (t0, Some(t1)), "{name}");
        assert!(!store.is_facility_blocked(person, &code).await.expect("read"), "{name}");
        let t2 = t1 + TimeDelta::days(1);
        let again = store.set_facility_block(person, &code, true, t2).await.expect("block again");
        assert_eq!((again.blocked_at, again.unblocked_at), (t2, None), "{name}");
        store.set_facility_block(person, &other, true, t2).await.expect("block another");
        store.set_facility_block(person, &other, false, t2).await.expect("lift it");
        let all = store.facility_blocks_of_person(person).await.expect("list");
        let listed: Vec<(&str, bool)> = all.iter().map(|b| (b.facility_code.as_str(), b.in_force())).collect();
        let mut expected = vec![(code.as_str(), true), (other.as_str(), false)];
        expected.sort();
        assert_eq!(listed, expected, "{name}");

        assert!(
            matches!(store.set_facility_block(person, "1319999999", true, t2).await, Err(StoreError::NotFound { .. })),
            "{name}: an unregistered facility"
        );
    }
}
