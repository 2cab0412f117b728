//! The JPKI contract: cards, certificate status, the rules of card changes,
//! the name/address rule and one-time challenges, on every backend.

use chrono::{DateTime, TimeDelta, Utc};
use onshi_store::jpki::{
    CardChange, CardState, CertKind, CertStatus, Challenge, ChallengeTake, NewCard, NewCertificate, reason,
};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn cert(serial: u8, kind: CertKind) -> NewCertificate {
    NewCertificate {
        serial: vec![0x40, serial],
        kind,
        not_before: at("2026-04-01T00:00:00Z"),
        not_after: at("2031-03-31T14:59:59Z"),
        cert_der: vec![0x30, 0x03, 0x02, 0x01, serial],
    }
}

/// A stored resident with one card (serials 1 auth, 2 sign).
async fn with_card(store: &dyn Store) -> onshi_store::jpki::StoredCard {
    store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
    let person = store.resident_by_code(&"00000000001".parse().expect("code")).await.expect("read").expect("present");
    store
        .insert_card(NewCard {
            card_serial: "C0001".into(),
            person_id: person.person_id,
            issued_at: at("2026-04-01T00:00:00Z"),
            expires_on: date("2036-04-01"),
            has_pin: true,
            certificates: vec![cert(1, CertKind::UserAuthentication), cert(2, CertKind::Signing)],
        })
        .await
        .expect("insert card")
}

fn status(stored: Option<onshi_store::jpki::StoredCertificate>) -> CertStatus {
    stored.expect("certificate recorded").status
}

#[tokio::test]
async fn issue_records_the_card_and_both_certificates_as_good() {
    for store in stores("jpki_issue").await {
        let name = store.backend().name();
        let card = with_card(store.as_ref()).await;
        assert_eq!(
            (card.state, card.has_pin, card.expires_on),
            (CardState::Active, true, date("2036-04-01")),
            "{name}"
        );
        let auth = store.certificate(&[0x40, 1]).await.expect("read").expect("auth recorded");
        assert_eq!(
            (auth.kind, auth.status, auth.card_serial.as_str()),
            (CertKind::UserAuthentication, CertStatus::Good, "C0001"),
            "{name}"
        );
        assert_eq!(auth.not_after, at("2031-03-31T14:59:59Z"), "{name}");
        assert_eq!(auth.cert_der, vec![0x30, 0x03, 0x02, 0x01, 1], "{name}");
        assert!(store.certificate(&[0x40, 9]).await.expect("read").is_none(), "{name}");
        assert_eq!(store.cards_of_person(card.person_id).await.expect("cards").len(), 1, "{name}");
        let events = store.card_events("C0001").await.expect("events");
        assert_eq!(events.iter().map(|e| e.operation.as_str()).collect::<Vec<_>>(), ["issue"], "{name}");
        for kind in CertKind::ALL {
            let list = store.status_list(kind).await.expect("list");
            assert!(list.entries.is_empty(), "{name}: nothing revoked yet");
            assert!(list.number > 0, "{name}: issuance is a status event");
        }
        // The same serial twice is a conflict, and nothing is half-written.
        let mut again = NewCard {
            card_serial: "C0002".into(),
            person_id: card.person_id,
            issued_at: at("2026-04-02T00:00:00Z"),
            expires_on: date("2036-04-01"),
            has_pin: true,
            certificates: vec![cert(3, CertKind::UserAuthentication), cert(1, CertKind::Signing)],
        };
        let err = store.insert_card(again.clone()).await.expect_err("duplicate certificate serial");
        assert!(matches!(err, onshi_store::StoreError::Conflict { .. }), "{name}: {err}");
        assert!(store.card("C0002").await.expect("read").is_none(), "{name}: the failed card was rolled back");
        again.card_serial = "C0001".into();
        again.certificates = vec![];
        assert!(
            matches!(store.insert_card(again.clone()).await, Err(onshi_store::StoreError::Conflict { .. })),
            "{name}"
        );
        again.card_serial = "C0003".into();
        again.person_id = onshi_store::PersonId(999_999);
        assert!(matches!(store.insert_card(again).await, Err(onshi_store::StoreError::NotFound { .. })), "{name}");
    }
}

#[tokio::test]
async fn suspend_resume_revoke_follow_the_rules_and_change_the_crl_number() {
    for store in stores("jpki_changes").await {
        let name = store.backend().name();
        with_card(store.as_ref()).await;
        let before = store.status_number(CertKind::UserAuthentication).await.expect("number");

        let suspended =
            store.change_card("C0001", CardChange::Suspend, at("2026-05-01T03:00:00Z")).await.expect("suspend");
        assert_eq!(suspended.state, CardState::Suspended, "{name}");
        assert_eq!(
            status(store.certificate(&[0x40, 1]).await.expect("read")),
            CertStatus::Suspended { since: at("2026-05-01T03:00:00Z") },
            "{name}"
        );
        let after = store.status_number(CertKind::UserAuthentication).await.expect("number");
        assert!(after > before, "{name}: a suspension changes the CRL number");
        let list = store.status_list(CertKind::UserAuthentication).await.expect("list");
        assert_eq!(list.number, after, "{name}");
        assert_eq!(
            list.entries,
            vec![(vec![0x40, 1], CertStatus::Suspended { since: at("2026-05-01T03:00:00Z") })],
            "{name}"
        );

        let err = store.change_card("C0001", CardChange::Suspend, at("2026-05-01T04:00:00Z")).await.expect_err("twice");
        assert!(err.to_string().contains("already suspended"), "{name}: {err}");
        let err = store
            .change_card(
                "C0001",
                CardChange::Renew { certificates: vec![cert(5, CertKind::UserAuthentication)] },
                at("2026-05-01T04:00:00Z"),
            )
            .await
            .expect_err("renew while suspended");
        assert!(err.to_string().contains("resume it"), "{name}: {err}");
        assert!(store.certificate(&[0x40, 5]).await.expect("read").is_none(), "{name}: nothing half-written");

        store.change_card("C0001", CardChange::Resume, at("2026-05-02T00:00:00Z")).await.expect("resume");
        assert_eq!(status(store.certificate(&[0x40, 1]).await.expect("read")), CertStatus::Good, "{name}");
        assert!(store.status_list(CertKind::UserAuthentication).await.expect("list").entries.is_empty(), "{name}");

        let revoked = store
            .change_card(
                "C0001",
                CardChange::Revoke { reason: reason::CESSATION_OF_OPERATION },
                at("2026-06-01T00:00:00Z"),
            )
            .await
            .expect("revoke");
        assert_eq!(revoked.state, CardState::Revoked, "{name}");
        for serial in [1, 2] {
            assert_eq!(
                status(store.certificate(&[0x40, serial]).await.expect("read")),
                CertStatus::Revoked { reason: 5, at: at("2026-06-01T00:00:00Z") },
                "{name}"
            );
        }
        let err =
            store.change_card("C0001", CardChange::Resume, at("2026-06-02T00:00:00Z")).await.expect_err("revoked");
        assert!(err.to_string().contains("revoked"), "{name}: {err}");
        assert!(matches!(
            store.change_card("NOPE", CardChange::Suspend, at("2026-06-02T00:00:00Z")).await,
            Err(onshi_store::StoreError::NotFound { .. })
        ));
        let ops: Vec<String> =
            store.card_events("C0001").await.expect("events").into_iter().map(|e| e.operation).collect();
        assert_eq!(ops, ["issue", "suspend", "resume", "revoke"], "{name}: failed changes leave no event");
    }
}

#[tokio::test]
async fn renewal_supersedes_the_old_certificates() {
    for store in stores("jpki_renew").await {
        let name = store.backend().name();
        with_card(store.as_ref()).await;
        let renewed = store
            .change_card(
                "C0001",
                CardChange::Renew {
                    certificates: vec![cert(11, CertKind::UserAuthentication), cert(12, CertKind::Signing)],
                },
                at("2031-03-01T00:00:00Z"),
            )
            .await
            .expect("renew");
        assert_eq!(renewed.state, CardState::Active, "{name}");
        let certs = store.certificates_of_card("C0001").await.expect("certs");
        let good: Vec<_> = certs.iter().filter(|c| c.status == CertStatus::Good).map(|c| c.serial[1]).collect();
        assert_eq!(good.len(), 2, "{name}");
        assert!(good.contains(&11) && good.contains(&12), "{name}: {good:?}");
        assert_eq!(certs[0].status, CertStatus::Good, "{name}: current certificates come first");
        assert_eq!(
            status(store.certificate(&[0x40, 1]).await.expect("read")),
            CertStatus::Revoked { reason: reason::SUPERSEDED, at: at("2031-03-01T00:00:00Z") },
            "{name}"
        );
    }
}

#[tokio::test]
async fn a_new_name_or_address_revokes_only_the_signing_certificate() {
    for store in stores("jpki_identity").await {
        let name = store.backend().name();
        with_card(store.as_ref()).await;
        let sign_before = store.status_number(CertKind::Signing).await.expect("number");
        // A kana-only change: the signing certificate carries no kana.
        let mut kana = resident(1, 1, "山田 太郎");
        kana.attributes.name_kana = "ヤマダ タロー".into();
        store.upsert_residents(vec![kana]).await.expect("kana change");
        assert_eq!(status(store.certificate(&[0x40, 2]).await.expect("read")), CertStatus::Good, "{name}");

        // The name changes (marriage).
        store.upsert_residents(vec![resident(1, 1, "佐藤 太郎")]).await.expect("name change");
        assert_eq!(
            status(store.certificate(&[0x40, 1]).await.expect("read")),
            CertStatus::Good,
            "{name}: auth stays good"
        );
        match status(store.certificate(&[0x40, 2]).await.expect("read")) {
            CertStatus::Revoked { reason: 3, .. } => {}
            other => panic!("{name}: signing certificate should be revoked with affiliationChanged, is {other:?}"),
        }
        assert!(store.status_number(CertKind::Signing).await.expect("number") > sign_before, "{name}");
        let list = store.status_list(CertKind::Signing).await.expect("list");
        assert_eq!(list.entries.len(), 1, "{name}");
        let ops: Vec<String> =
            store.card_events("C0001").await.expect("events").into_iter().map(|e| e.operation).collect();
        assert_eq!(ops, ["issue", "signing_revoked"], "{name}");

        // After renewal, a change of address revokes the new signing certificate.
        store
            .change_card(
                "C0001",
                CardChange::Renew {
                    certificates: vec![cert(21, CertKind::UserAuthentication), cert(22, CertKind::Signing)],
                },
                at("2026-07-01T00:00:00Z"),
            )
            .await
            .expect("renew");
        let mut moved = resident(1, 1, "佐藤 太郎");
        moved.attributes.address = "東京都八王子市大横町11番1号".into();
        store.upsert_residents(vec![moved]).await.expect("move");
        assert!(
            matches!(
                status(store.certificate(&[0x40, 22]).await.expect("read")),
                CertStatus::Revoked { reason: 3, .. }
            ),
            "{name}"
        );
        assert_eq!(status(store.certificate(&[0x40, 21]).await.expect("read")), CertStatus::Good, "{name}");
    }
}

#[tokio::test]
async fn a_challenge_is_taken_once_and_only_before_it_expires() {
    for store in stores("jpki_challenges").await {
        let name = store.backend().name();
        let issued = at("2026-05-01T00:00:00Z");
        let challenge = |id: &str| Challenge {
            id: id.into(),
            nonce: vec![7; 32],
            issued_at: issued,
            expires_at: issued + TimeDelta::minutes(5),
        };
        store.insert_challenge(challenge("a")).await.expect("insert");
        store.insert_challenge(challenge("b")).await.expect("insert");
        assert!(
            matches!(store.insert_challenge(challenge("a")).await, Err(onshi_store::StoreError::Conflict { .. })),
            "{name}"
        );
        let taken = store.take_challenge("a", issued + TimeDelta::seconds(10)).await.expect("take");
        assert_eq!(taken, ChallengeTake::Taken(challenge("a")), "{name}");
        assert_eq!(
            store.take_challenge("a", issued + TimeDelta::seconds(11)).await.expect("again"),
            ChallengeTake::Used { used_at: issued + TimeDelta::seconds(10) },
            "{name}"
        );
        assert_eq!(
            store.take_challenge("b", issued + TimeDelta::minutes(6)).await.expect("late"),
            ChallengeTake::Expired { expired_at: issued + TimeDelta::minutes(5) },
            "{name}"
        );
        assert_eq!(store.take_challenge("zz", issued).await.expect("unknown"), ChallengeTake::Unknown, "{name}");
        // Challenges expired for more than a day are forgotten.
        let mut later = challenge("c");
        later.issued_at = issued + TimeDelta::days(2);
        later.expires_at = later.issued_at + TimeDelta::minutes(5);
        store.insert_challenge(later).await.expect("insert later");
        assert_eq!(store.take_challenge("b", issued).await.expect("gone"), ChallengeTake::Unknown, "{name}");
    }
}

#[tokio::test]
async fn stateless_challenges_are_used_once_each_in_a_group() {
    for store in stores("jpki_used_challenges").await {
        let name = store.backend().name();
        let issued = at("2026-05-01T00:00:00Z");
        let challenge = |id: &str| Challenge {
            id: id.into(),
            nonce: vec![9; 32],
            issued_at: issued,
            expires_at: issued + TimeDelta::minutes(5),
        };
        let first = issued + TimeDelta::seconds(10);
        let answers = store
            .use_challenges(vec![(challenge("s1"), first), (challenge("s2"), first), (challenge("s1"), first)])
            .await
            .expect("use");
        assert_eq!(answers, vec![None, None, Some(first)], "{name}: the repeated id is used by its first");
        let second = issued + TimeDelta::seconds(20);
        // One stored the old way and never taken is used now.
        store.insert_challenge(challenge("old")).await.expect("insert");
        let answers = store
            .use_challenges(vec![(challenge("s2"), second), (challenge("s3"), second), (challenge("old"), second)])
            .await
            .expect("use");
        assert_eq!(answers, vec![Some(first), None, None], "{name}");
        assert_eq!(
            store.take_challenge("old", second).await.expect("take"),
            ChallengeTake::Used { used_at: second },
            "{name}"
        );
        assert_eq!(store.use_challenges(vec![]).await.expect("nothing"), vec![], "{name}");
        // Forgotten a day after their expiry.
        let much_later = issued + TimeDelta::days(2);
        let answers = store.use_challenges(vec![(challenge("s9"), much_later)]).await.expect("use");
        assert_eq!(answers, vec![None], "{name}");
        assert_eq!(store.take_challenge("s1", much_later).await.expect("gone"), ChallengeTake::Unknown, "{name}");
    }
}
