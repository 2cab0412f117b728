//! The OpenID Connect provider's contract: relying parties, single-use pushed
//! requests, the life of an authorization transaction, single-use codes,
//! access tokens and assertion ids, on every backend.

use chrono::{DateTime, TimeDelta, Utc};
use onshi_store::oidc::{
    AccessToken, Authorization, AuthorizationCode, AuthorizationState, CodeTake, Decision, PushedRequest, RelyingParty,
};
use onshi_store::{PersonId, StoreError};

use super::*;

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn party(client_id: &str) -> RelyingParty {
    RelyingParty {
        client_id: client_id.into(),
        name: "八王子市電子申請".into(),
        redirect_uris: vec!["https://rp.example.jp/cb".into(), "https://rp.example.jp/cb2".into()],
        scopes: "openid name address".into(),
        sector_identifier: "rp.example.jp".into(),
        jwks: r#"{"keys":[]}"#.into(),
        client_secret_sha256: None,
        created_at: at("2026-04-01T00:00:00Z"),
        revoked_at: None,
    }
}

async fn person(store: &dyn Store) -> PersonId {
    store.upsert_residents(vec![resident(1, 1, "山田 太郎")]).await.expect("resident");
    store.resident_by_code(&"00000000001".parse().expect("code")).await.expect("read").expect("present").person_id
}

fn code(hash: u8, person_id: PersonId, issued: DateTime<Utc>) -> AuthorizationCode {
    AuthorizationCode {
        code_sha256: vec![hash; 32],
        client_id: "RP00000001".into(),
        person_id,
        redirect_uri: "https://rp.example.jp/cb".into(),
        scope: "openid name".into(),
        nonce: "n-0S6_WzA2Mj".into(),
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM".into(),
        claims: "name".into(),
        auth_time: issued - TimeDelta::seconds(5),
        issued_at: issued,
        expires_at: issued + TimeDelta::seconds(60),
    }
}

#[tokio::test]
async fn relying_parties_are_registered_once() {
    for store in stores("oidc_parties").await {
        let name = store.backend().name();
        store.insert_relying_party(party("RP00000001")).await.expect("register");
        assert_eq!(store.relying_party("RP00000001").await.expect("read"), Some(party("RP00000001")), "{name}");
        assert!(
            matches!(store.insert_relying_party(party("RP00000001")).await, Err(StoreError::Conflict { .. })),
            "{name}"
        );
        assert_eq!(store.relying_party("RP00000002").await.expect("read"), None, "{name}");
        let mut dev = party("DEV0001");
        dev.client_secret_sha256 = Some(vec![7; 32]);
        store.insert_relying_party(dev.clone()).await.expect("dev client");
        assert_eq!(store.relying_party("DEV0001").await.expect("read"), Some(dev), "{name}");
    }
}

#[tokio::test]
async fn a_pushed_request_is_taken_once_by_its_client_before_it_expires() {
    for store in stores("oidc_par").await {
        let name = store.backend().name();
        store.insert_relying_party(party("RP00000001")).await.expect("register");
        store.insert_relying_party(party("RP00000002")).await.expect("register");
        let t0 = at("2026-05-01T10:00:00Z");
        let req = |uri: &str| PushedRequest {
            request_uri: uri.into(),
            client_id: "RP00000001".into(),
            params: r#"{"scope":"openid"}"#.into(),
            expires_at: t0 + TimeDelta::seconds(60),
        };
        store.insert_pushed_request(req("urn:a")).await.expect("push");
        store.insert_pushed_request(req("urn:b")).await.expect("push");
        assert!(matches!(store.insert_pushed_request(req("urn:a")).await, Err(StoreError::Conflict { .. })), "{name}");
        // Another client cannot take it, and trying does not use it up.
        assert_eq!(store.take_pushed_request("urn:a", "RP00000002", t0).await.expect("take"), None, "{name}");
        assert_eq!(
            store.take_pushed_request("urn:a", "RP00000001", t0).await.expect("take"),
            Some(req("urn:a")),
            "{name}"
        );
        assert_eq!(store.take_pushed_request("urn:a", "RP00000001", t0).await.expect("again"), None, "{name}");
        let late = t0 + TimeDelta::seconds(61);
        assert_eq!(store.take_pushed_request("urn:b", "RP00000001", late).await.expect("late"), None, "{name}");
    }
}

#[tokio::test]
async fn an_authorization_is_decided_once_and_completed_once_with_its_code() {
    for store in stores("oidc_authz").await {
        let name = store.backend().name();
        store.insert_relying_party(party("RP00000001")).await.expect("register");
        let person_id = person(store.as_ref()).await;
        let t0 = at("2026-05-01T10:00:00Z");
        let authz = |id: &str, user_code: &str| Authorization {
            id: id.into(),
            user_code: user_code.into(),
            client_id: "RP00000001".into(),
            request: r#"{"state":"s"}"#.into(),
            created_at: t0,
            expires_at: t0 + TimeDelta::minutes(5),
        };
        store.insert_authorization(authz("A1", "ABCD-1234")).await.expect("insert");
        store.insert_authorization(authz("A2", "WXYZ-5678")).await.expect("insert");
        assert!(
            matches!(store.insert_authorization(authz("A3", "ABCD-1234")).await, Err(StoreError::Conflict { .. })),
            "{name}: user codes are unique"
        );
        let found = store.authorization_by_user_code("ABCD-1234").await.expect("read").expect("found");
        assert_eq!(
            (found.authorization, found.state),
            (authz("A1", "ABCD-1234"), AuthorizationState::Pending),
            "{name}"
        );

        // Completing before approval does nothing.
        assert!(!store.complete_authorization("A1", code(1, person_id, t0)).await.expect("complete"), "{name}");
        let t1 = t0 + TimeDelta::seconds(30);
        let approve = Decision::Approve { person_id, claims: "name".into(), auth_time: t1 };
        assert!(store.decide_authorization("A1", approve.clone(), t1).await.expect("approve"), "{name}");
        assert!(!store.decide_authorization("A1", Decision::Deny, t1).await.expect("decided already"), "{name}");
        assert_eq!(
            store.authorization("A1").await.expect("read").expect("found").state,
            AuthorizationState::Approved { person_id, claims: "name".into(), auth_time: t1 },
            "{name}"
        );
        let t2 = t1 + TimeDelta::seconds(2);
        assert!(store.complete_authorization("A1", code(1, person_id, t2)).await.expect("complete"), "{name}");
        assert!(!store.complete_authorization("A1", code(2, person_id, t2)).await.expect("twice"), "{name}");
        assert_eq!(
            store.authorization("A1").await.expect("read").expect("found").state,
            AuthorizationState::Completed { at: t2 },
            "{name}"
        );
        assert_eq!(store.take_code(&[2; 32], t2).await.expect("take"), CodeTake::Unknown, "{name}: no second code");

        // Denied, and too late.
        assert!(store.decide_authorization("A2", Decision::Deny, t1).await.expect("deny"), "{name}");
        assert_eq!(
            store.authorization("A2").await.expect("read").expect("found").state,
            AuthorizationState::Denied { at: t1 },
            "{name}"
        );
        store.insert_authorization(authz("A4", "LATE-0001")).await.expect("insert");
        let late = t0 + TimeDelta::minutes(6);
        assert!(!store.decide_authorization("A4", approve, late).await.expect("late"), "{name}");
        assert_eq!(store.authorization("nope").await.expect("read"), None, "{name}");
    }
}

#[tokio::test]
async fn a_code_is_taken_once_before_it_expires() {
    for store in stores("oidc_codes").await {
        let name = store.backend().name();
        store.insert_relying_party(party("RP00000001")).await.expect("register");
        let person_id = person(store.as_ref()).await;
        let t0 = at("2026-05-01T10:00:00Z");
        for (i, id) in ["C1", "C2"].into_iter().enumerate() {
            let a = Authorization {
                id: id.into(),
                user_code: format!("CODE-000{i}"),
                client_id: "RP00000001".into(),
                request: "{}".into(),
                created_at: t0,
                expires_at: t0 + TimeDelta::minutes(5),
            };
            store.insert_authorization(a).await.expect("insert");
            let approve = Decision::Approve { person_id, claims: "name".into(), auth_time: t0 };
            assert!(store.decide_authorization(id, approve, t0).await.expect("approve"));
            let hash = u8::try_from(10 + i).expect("small");
            assert!(store.complete_authorization(id, code(hash, person_id, t0)).await.expect("complete"));
        }
        let t1 = t0 + TimeDelta::seconds(10);
        assert_eq!(
            store.take_code(&[10; 32], t1).await.expect("take"),
            CodeTake::Taken(Box::new(code(10, person_id, t0))),
            "{name}"
        );
        assert_eq!(store.take_code(&[10; 32], t1).await.expect("replay"), CodeTake::Used { used_at: t1 }, "{name}");
        let late = t0 + TimeDelta::seconds(61);
        assert_eq!(
            store.take_code(&[11; 32], late).await.expect("late"),
            CodeTake::Expired { expired_at: t0 + TimeDelta::seconds(60) },
            "{name}"
        );
        assert_eq!(
            store.take_code(&[11; 32], late).await.expect("late again"),
            CodeTake::Used { used_at: late },
            "{name}"
        );
    }
}

#[tokio::test]
async fn access_tokens_and_assertion_ids() {
    for store in stores("oidc_tokens").await {
        let name = store.backend().name();
        store.insert_relying_party(party("RP00000001")).await.expect("register");
        let person_id = person(store.as_ref()).await;
        let t0 = at("2026-05-01T10:00:00Z");
        let token = AccessToken {
            token_sha256: vec![3; 32],
            client_id: "RP00000001".into(),
            person_id,
            scope: "openid name".into(),
            claims: "name".into(),
            issued_at: t0,
            expires_at: t0 + TimeDelta::minutes(10),
        };
        store.insert_access_token(token.clone()).await.expect("insert");
        assert_eq!(store.access_token(&[3; 32]).await.expect("read"), Some(token), "{name}");
        assert_eq!(store.access_token(&[4; 32]).await.expect("read"), None, "{name}");

        let exp = t0 + TimeDelta::minutes(5);
        assert!(store.use_assertion_id("RP00000001", "j1", exp, t0).await.expect("first"), "{name}");
        assert!(!store.use_assertion_id("RP00000001", "j1", exp, t0).await.expect("replay"), "{name}");
        assert!(store.use_assertion_id("RP00000001", "j2", exp, t0).await.expect("another"), "{name}");
    }
}
