//! The OpenID Connect provider against an independent relying party: the
//! `openidconnect` crate, over real HTTP. Discovery, PAR (posted here: the
//! crate has no PAR), PKCE S256, the person approving in "the app" with a real
//! card's signature, the code exchanged with `private_key_jwt` (the crate has
//! no client assertions: the assertion is built with jsonwebtoken and sent as
//! extra parameters), the ID token validated by the crate (signature through
//! the JWKS, nonce), userinfo read by the crate.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::Utc;
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use onshi_app::jpki::Jpki;
use onshi_app::oidc::{JWT_BEARER, NewClient, ProviderKeys};
use onshi_card::CardFile;
use onshi_pki::Authority;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_server::{AppState, Clock, router};
use onshi_store::Store;
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreErrorResponseType, CoreJwsSigningAlgorithm, CoreProviderMetadata,
    CoreUserInfoClaims,
};
use openidconnect::{
    AuthorizationCode, ClientId, CsrfToken, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge, PkceCodeVerifier,
    RedirectUrl, RequestTokenError, Scope, TokenResponse,
};
use serde_json::{Value, json};

use crate::fixture;

const REDIRECT: &str = "http://127.0.0.1:9/cb";

/// A relying party: its id, its signing key (P-256 PKCS#8) and kid.
struct Rp {
    client_id: String,
    pkcs8: Vec<u8>,
    kid: String,
}

impl Rp {
    fn new(client_id: &str) -> (Rp, String) {
        use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        let rng = aws_lc_rs::rand::SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key").as_ref().to_vec();
        let kid = format!("{client_id}-key-1");
        let mut jwk = Jwk::from_encoding_key(&EncodingKey::from_ec_der(&pkcs8), Algorithm::ES256).expect("jwk");
        jwk.common.key_id = Some(kid.clone());
        let jwks = serde_json::to_string(&JwkSet { keys: vec![jwk] }).expect("jwks");
        (Rp { client_id: client_id.into(), pkcs8, kid }, jwks)
    }

    /// A fresh `private_key_jwt` assertion for `aud`.
    fn assertion(&self, aud: &str) -> String {
        let mut jti = [0u8; 16];
        aws_lc_rs::rand::fill(&mut jti).expect("random");
        let now = Utc::now().timestamp();
        let claims = json!({
            "iss": self.client_id, "sub": self.client_id, "aud": aud,
            "iat": now, "exp": now + 120, "jti": URL_SAFE_NO_PAD.encode(jti),
        });
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&self.pkcs8)).expect("assertion")
    }
}

struct World {
    issuer: String,
    http: reqwest::Client,
    jpki: Arc<Jpki>,
    store: Arc<dyn Store>,
    cards: Vec<CardFile>,
    rp_a: Rp,
    rp_b: Rp,
    rp_b_same_sector: Rp,
}

/// The stores to run on: SQLite, and PostgreSQL when `ONSHI_TEST_POSTGRES_URL` is set.
async fn stores(test: &str) -> Vec<Arc<dyn Store>> {
    let sqlite = onshi_store::open("sqlite::memory:").await.expect("store");
    sqlite.migrate().await.expect("migrate");
    let mut stores = vec![sqlite];
    if let Ok(url) = std::env::var("ONSHI_TEST_POSTGRES_URL") {
        let schema = format!("t_oidc_{}_{}", test, std::process::id());
        let postgres = onshi_store::PostgresStore::connect_in_schema(&url, Some(&schema))
            .await
            .expect("ONSHI_TEST_POSTGRES_URL is set but PostgreSQL is unreachable");
        postgres.reset_schema_for_tests(&schema).await.expect("reset test schema");
        postgres.migrate().await.expect("migrate postgres");
        stores.push(Arc::new(postgres));
    }
    stores
}

impl World {
    async fn start(store: Arc<dyn Store>) -> World {
        World::start_with(store, Clock::System).await
    }

    async fn start_with(store: Arc<dyn Store>, clock: Clock) -> World {
        store.upsert_residents(vec![fixture::resident(1), fixture::resident(2)]).await.expect("residents");
        let now = Utc::now();
        let jpki =
            Arc::new(Jpki::new(store.clone(), Authority::create(now).expect("ca"), "http://x/jpki").expect("jpki"));
        let mut cards = Vec::new();
        for who in [1u64, 2] {
            let pins = onshi_card::Pins {
                auth_pin: "1234".into(),
                sign_password: "abc123".into(),
                support_pin: "5678".into(),
            };
            cards.push(jpki.issue_card(&format!("{who:011}"), Some(pins), now).await.expect("card").file);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("address"));
        let (keys, _) = ProviderKeys::generate().expect("provider keys");
        let state = AppState::new(store.clone())
            .with_clock(clock)
            .with_jpki(jpki.clone(), None)
            .with_oidc(Arc::new(keys), &issuer);
        let provider = state.oidc().expect("provider").clone();
        let mut rps = Vec::new();
        for (id, sector) in
            [("RP00000001", "a.example.jp"), ("RP00000002", "b.example.jp"), ("RP00000003", "a.example.jp")]
        {
            let (rp, jwks) = Rp::new(id);
            let client = NewClient {
                client_id: id.into(),
                name: format!("テストサービス{id}"),
                redirect_uris: vec![REDIRECT.into()],
                scopes: "openid name address birthdate gender".into(),
                sector_identifier: sector.into(),
                jwks,
                dev_secret: None,
            };
            provider.register_client(client, now).await.expect("register");
            rps.push(rp);
        }
        let dev = NewClient {
            client_id: "DEV0000001".into(),
            name: "開発用クライアント".into(),
            redirect_uris: vec![REDIRECT.into()],
            scopes: "openid name".into(),
            sector_identifier: "dev.example.jp".into(),
            jwks: r#"{"keys":[]}"#.into(),
            dev_secret: Some("dev-secret".into()),
        };
        provider.register_client(dev, now).await.expect("register a development client");
        tokio::spawn(async move { axum::serve(listener, router(state)).await });
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
        let rp_b_same_sector = rps.pop().expect("rp");
        let rp_b = rps.pop().expect("rp");
        let rp_a = rps.pop().expect("rp");
        World { issuer, http, jpki, store, cards, rp_a, rp_b, rp_b_same_sector }
    }

    async fn client(
        &self,
        rp: &Rp,
    ) -> openidconnect::core::CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    > {
        let metadata =
            CoreProviderMetadata::discover_async(IssuerUrl::new(self.issuer.clone()).expect("issuer"), &self.http)
                .await
                .expect("discovery");
        CoreClient::from_provider_metadata(metadata, ClientId::new(rp.client_id.clone()), None)
            .set_redirect_uri(RedirectUrl::new(REDIRECT.into()).expect("redirect"))
    }

    async fn post_form(&self, path: &str, form: &[(String, String)]) -> (u16, Value) {
        let response = self.http.post(format!("{}{path}", self.issuer)).form(form).send().await.expect("post");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    async fn post_json(&self, path: &str, body: Value) -> (u16, Value) {
        let response = self.http.post(format!("{}{path}", self.issuer)).json(&body).send().await.expect("post");
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    /// The person `who` approves `user_code` in the app with the card.
    async fn approve(&self, who: usize, user_code: &str, claims: &[&str]) -> (u16, Value) {
        let (status, challenge) = self.post_json("/oidc/app/challenge", json!({})).await;
        assert_eq!(status, 201, "{challenge}");
        let nonce = STANDARD.decode(challenge["challenge"].as_str().expect("challenge")).expect("base64");
        let card = &self.cards[who - 1];
        let signature = sign_digest_info(&card.jpki.auth.key_pkcs8, &sha256_digest_info(&nonce)).expect("sign");
        self.post_json(
            "/oidc/app/approve",
            json!({
                "user_code": user_code,
                "challenge_id": challenge["challenge_id"],
                "certificate": STANDARD.encode(&card.jpki.auth.certificate),
                "signature": STANDARD.encode(signature),
                "claims": claims,
            }),
        )
        .await
    }
}

/// What one sign-in ended with.
struct SignedIn {
    sub: String,
    userinfo: CoreUserInfoClaims,
    code: String,
    verifier: String,
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).map(|i| i + start.len()).unwrap_or_else(|| panic!("{start:?} in {text}"));
    let len = text[from..].find(end).expect("end marker");
    &text[from..from + len]
}

/// Run the whole flow for person `who` at relying party `rp`.
async fn sign_in(w: &World, rp: &Rp, who: usize) -> SignedIn {
    let client = w.client(rp).await;
    let (pkce, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, csrf, nonce) = client
        .authorize_url(CoreAuthenticationFlow::AuthorizationCode, CsrfToken::new_random, Nonce::new_random)
        .add_scope(Scope::new("name".into()))
        .add_scope(Scope::new("address".into()))
        .add_scope(Scope::new("birthdate".into()))
        .add_scope(Scope::new("gender".into()))
        .set_pkce_challenge(pkce)
        .url();
    // PAR: the crate's parameters, pushed with a client assertion.
    let mut form: Vec<(String, String)> = url.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
    form.push(("client_assertion_type".into(), JWT_BEARER.into()));
    form.push(("client_assertion".into(), rp.assertion(&format!("{}/oidc/par", w.issuer))));
    let (status, pushed) = w.post_form("/oidc/par", &form).await;
    assert_eq!(status, 201, "{pushed}");
    assert_eq!(pushed["expires_in"], 60);
    let request_uri = pushed["request_uri"].as_str().expect("request_uri");
    assert!(request_uri.starts_with("urn:ietf:params:oauth:request_uri:"));

    // The browser opens the authorization page.
    let page = w
        .http
        .get(format!("{}/oidc/authorize", w.issuer))
        .query(&[("client_id", rp.client_id.as_str()), ("request_uri", request_uri)])
        .send()
        .await
        .expect("authorize");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("テストサービス") && html.contains("氏名") && html.contains("住所"), "{html}");
    let user_code = between(&html, "id=\"user-code\">", "<").to_owned();
    let id = between(&html, "status?id=", "'").to_owned();
    let status_url = format!("{}/oidc/authorize/status?id={id}", w.issuer);
    let pending: Value = w.http.get(&status_url).send().await.expect("status").json().await.expect("json");
    assert_eq!(pending["status"], "pending");

    // The app: the person releases all four attributes with the card.
    let (status, approved) = w.approve(who, &user_code, &["name", "address", "birthdate", "gender"]).await;
    assert_eq!(status, 200, "{approved}");

    // The page follows the redirect, once.
    let done: Value = w.http.get(&status_url).send().await.expect("status").json().await.expect("json");
    assert_eq!(done["status"], "redirect", "{done}");
    let location = url::Url::parse(done["location"].as_str().expect("location")).expect("url");
    assert!(location.as_str().starts_with(REDIRECT));
    let query: std::collections::HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(query.get("state").map(String::as_str), Some(csrf.secret().as_str()));
    assert_eq!(query.get("iss").map(String::as_str), Some(w.issuer.as_str()));
    let again: Value = w.http.get(&status_url).send().await.expect("status").json().await.expect("json");
    assert_eq!(again["status"], "over", "the code is handed out once");
    let code = query.get("code").expect("code").clone();

    // The crate exchanges the code, validates the ID token, reads userinfo.
    let verifier_secret = verifier.secret().clone();
    let token = client
        .exchange_code(AuthorizationCode::new(code.clone()))
        .expect("token endpoint")
        .set_pkce_verifier(verifier)
        .add_extra_param("client_assertion_type", JWT_BEARER)
        .add_extra_param("client_assertion", rp.assertion(&format!("{}/oidc/token", w.issuer)))
        .request_async(&w.http)
        .await
        .expect("token");
    let id_token = token.id_token().expect("id token");
    let verifier_id = client.id_token_verifier().set_allowed_algs(vec![CoreJwsSigningAlgorithm::EcdsaP256Sha256]);
    let claims = id_token.claims(&verifier_id, &nonce).expect("the ID token verifies");
    assert!(claims.auth_time().is_some());
    let userinfo: CoreUserInfoClaims = client
        .user_info(token.access_token().clone(), None)
        .expect("userinfo endpoint")
        .request_async(&w.http)
        .await
        .expect("userinfo");
    assert_eq!(userinfo.subject(), claims.subject());
    SignedIn { sub: claims.subject().to_string(), userinfo, code, verifier: verifier_secret }
}

#[tokio::test]
async fn openidconnect_signs_in_with_par_pkce_and_private_key_jwt_and_the_pairwise_sub_holds() {
    for store in stores("flow").await {
        full_flow(store).await;
    }
}

async fn full_flow(store: Arc<dyn Store>) {
    let mut w = World::start(store).await;
    let first = sign_in(&w, &w.rp_a, 1).await;
    let name = first.userinfo.name().and_then(|n| n.get(None)).map(|n| n.to_string());
    assert_eq!(name.as_deref(), Some("山田 太郎"));
    assert_eq!(first.userinfo.birthdate().map(|b| b.to_string()).as_deref(), Some("1980-04-01"));
    assert_eq!(first.userinfo.gender().map(|g| g.to_string()).as_deref(), Some("male"));
    let address = first.userinfo.address().and_then(|a| a.formatted.as_ref()).map(|f| f.to_string());
    assert_eq!(address.as_deref(), Some("東京都八王子市元本郷町三丁目24番1号"));

    // The same person again: the same sub.
    let second = sign_in(&w, &w.rp_a, 1).await;
    assert_eq!(second.sub, first.sub);
    // Another person: another sub.
    let other = sign_in(&w, &w.rp_a, 2).await;
    assert_ne!(other.sub, first.sub);
    // Another sector: another sub; a client of the same sector: the same.
    let b = sign_in(&w, &w.rp_b, 1).await;
    assert_ne!(b.sub, first.sub);
    let same_sector = sign_in(&w, &w.rp_b_same_sector, 1).await;
    assert_eq!(same_sector.sub, first.sub);

    // The card's certificates renewed: the sub survives.
    let old_cert = w.cards[0].jpki.auth.certificate.clone();
    let jpki = w.jpki.clone();
    jpki.renew(&mut w.cards[0], Utc::now()).await.expect("renew");
    assert_ne!(w.cards[0].jpki.auth.certificate, old_cert);
    let renewed = sign_in(&w, &w.rp_a, 1).await;
    assert_eq!(renewed.sub, first.sub);
    assert!(w.store.relying_party("RP00000001").await.expect("read").is_some());
}

fn error_of<E: std::error::Error + 'static>(
    e: RequestTokenError<E, openidconnect::StandardErrorResponse<CoreErrorResponseType>>,
) -> CoreErrorResponseType {
    match e {
        RequestTokenError::ServerResponse(r) => r.error().clone(),
        other => panic!("not an OAuth error answer: {other:?}"),
    }
}

#[tokio::test]
async fn a_wrong_verifier_and_a_replayed_code_are_invalid_grant() {
    for store in stores("grant").await {
        refused_grants(store).await;
    }
}

async fn refused_grants(store: Arc<dyn Store>) {
    let w = World::start(store).await;
    let done = sign_in(&w, &w.rp_a, 1).await;
    let client = w.client(&w.rp_a).await;
    // The code was used by the sign-in: a replay is refused.
    let replay = client
        .exchange_code(AuthorizationCode::new(done.code.clone()))
        .expect("token endpoint")
        .set_pkce_verifier(PkceCodeVerifier::new(done.verifier.clone()))
        .add_extra_param("client_assertion_type", JWT_BEARER)
        .add_extra_param("client_assertion", w.rp_a.assertion(&format!("{}/oidc/token", w.issuer)))
        .request_async(&w.http)
        .await
        .expect_err("a replayed code");
    assert_eq!(error_of(replay), CoreErrorResponseType::InvalidGrant);

    // A fresh code with a wrong verifier.
    let client_code = fresh_code(&w).await;
    let wrong = client
        .exchange_code(AuthorizationCode::new(client_code))
        .expect("token endpoint")
        .set_pkce_verifier(PkceCodeVerifier::new("x".repeat(43)))
        .add_extra_param("client_assertion_type", JWT_BEARER)
        .add_extra_param("client_assertion", w.rp_a.assertion(&format!("{}/oidc/token", w.issuer)))
        .request_async(&w.http)
        .await
        .expect_err("a wrong verifier");
    assert_eq!(error_of(wrong), CoreErrorResponseType::InvalidGrant);

    // Only what the person released is in userinfo (here: name, of name asked).
    let token = client
        .exchange_code(AuthorizationCode::new(fresh_code(&w).await))
        .expect("token endpoint")
        .set_pkce_verifier(PkceCodeVerifier::new("v".repeat(43)))
        .add_extra_param("client_assertion_type", JWT_BEARER)
        .add_extra_param("client_assertion", w.rp_a.assertion(&format!("{}/oidc/token", w.issuer)))
        .request_async(&w.http)
        .await
        .expect("token");
    let info: Value = w
        .http
        .get(format!("{}/oidc/userinfo", w.issuer))
        .bearer_auth(token.access_token().secret())
        .send()
        .await
        .expect("userinfo")
        .json()
        .await
        .expect("json");
    assert_eq!(info["name"], "山田 太郎", "{info}");
    assert!(info.get("address").is_none() && info.get("birthdate").is_none() && info.get("gender").is_none(), "{info}");
    assert_eq!(info["sub"], done.sub.as_str());

    // No client assertion: invalid_client.
    let (status, body) = w
        .post_form(
            "/oidc/token",
            &[("grant_type".into(), "authorization_code".into()), ("code".into(), done.code.clone())],
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");
}

/// A code for person 1 at RP A through plain authorization parameters.
async fn fresh_code(w: &World) -> String {
    let challenge =
        URL_SAFE_NO_PAD.encode(aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, b"v".repeat(43).as_slice()));
    let page = w
        .http
        .get(format!("{}/oidc/authorize", w.issuer))
        .query(&[
            ("response_type", "code"),
            ("client_id", "RP00000001"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid name"),
            ("state", "st"),
            ("nonce", "nn"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("authorize");
    let html = page.text().await.expect("html");
    let user_code = between(&html, "id=\"user-code\">", "<").to_owned();
    let id = between(&html, "status?id=", "'").to_owned();
    let (status, body) = w.approve(1, &user_code, &["name"]).await;
    assert_eq!(status, 200, "{body}");
    let done: Value = w
        .http
        .get(format!("{}/oidc/authorize/status?id={id}", w.issuer))
        .send()
        .await
        .expect("status")
        .json()
        .await
        .expect("json");
    let location = url::Url::parse(done["location"].as_str().expect("location")).expect("url");
    location.query_pairs().find(|(k, _)| k == "code").map(|(_, v)| v.into_owned()).expect("code")
}

#[tokio::test]
async fn bad_requests_are_refused_without_redirecting() {
    let store = stores("bad").await.remove(0);
    let w = World::start(store).await;
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let base = [
        ("response_type", "code"),
        ("client_id", "RP00000001"),
        ("scope", "openid name"),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ];
    // An unregistered redirect URI: an error page, no redirect.
    let mut query: Vec<(&str, &str)> = base.to_vec();
    query.extend([("redirect_uri", "https://evil.example/cb"), ("state", "s"), ("nonce", "n")]);
    let page = w.http.get(format!("{}/oidc/authorize", w.issuer)).query(&query).send().await.expect("authorize");
    assert_eq!(page.status().as_u16(), 400);
    assert!(page.headers().get("location").is_none());
    let html = page.text().await.expect("html");
    assert!(html.contains("受け付けられません") && html.contains("evil.example"), "{html}");

    // Missing state, or missing nonce, at PAR: invalid_request.
    for missing in ["state", "nonce"] {
        let mut form: Vec<(String, String)> = base.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
        form.push(("redirect_uri".into(), REDIRECT.into()));
        for present in ["state", "nonce"].into_iter().filter(|p| *p != missing) {
            form.push((present.into(), "x".into()));
        }
        form.push(("client_assertion_type".into(), JWT_BEARER.into()));
        form.push(("client_assertion".into(), w.rp_a.assertion(&format!("{}/oidc/par", w.issuer))));
        let (status, body) = w.post_form("/oidc/par", &form).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{missing}: {body}");
        assert!(body["error_description"].as_str().expect("description").contains(missing), "{body}");
    }

    // A replayed client assertion: invalid_client.
    let assertion = w.rp_a.assertion(&format!("{}/oidc/par", w.issuer));
    let mut form: Vec<(String, String)> = base.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    form.extend([
        ("redirect_uri".into(), REDIRECT.into()),
        ("state".into(), "s".into()),
        ("nonce".into(), "n".into()),
        ("client_assertion_type".into(), JWT_BEARER.into()),
        ("client_assertion".into(), assertion),
    ]);
    let (status, _) = w.post_form("/oidc/par", &form).await;
    assert_eq!(status, 201);
    let (status, body) = w.post_form("/oidc/par", &form).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")), "{body}");

    // A development client authenticates with client_secret_basic; a wrong
    // secret, or a real client without a secret, is invalid_client.
    let mut form: Vec<(String, String)> = base.iter().map(|(k, v)| ((*k).into(), (*v).into())).collect();
    form.retain(|(k, _)| k != "client_id");
    form.extend([("redirect_uri".into(), REDIRECT.into()), ("state".into(), "s".into()), ("nonce".into(), "n".into())]);
    for (id, secret, expected) in
        [("DEV0000001", "dev-secret", 201), ("DEV0000001", "wrong", 401), ("RP00000001", "anything", 401)]
    {
        let response = w
            .http
            .post(format!("{}/oidc/par", w.issuer))
            .basic_auth(id, Some(secret))
            .form(&form)
            .send()
            .await
            .expect("par");
        assert_eq!(response.status().as_u16(), expected, "{id} {secret}");
    }

    // Discovery says what the provider does.
    let config: Value = w
        .http
        .get(format!("{}/.well-known/openid-configuration", w.issuer))
        .send()
        .await
        .expect("discovery")
        .json()
        .await
        .expect("json");
    assert_eq!(config["issuer"], w.issuer.as_str());
    assert_eq!(config["code_challenge_methods_supported"], json!(["S256"]));
    assert_eq!(config["subject_types_supported"], json!(["pairwise"]));
    assert_eq!(config["response_types_supported"], json!(["code"]));
}

/// A pending request for person 1 at RP A through plain parameters: its
/// user code.
async fn pending_user_code(w: &World, scope: &str) -> String {
    let challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";
    let page = w
        .http
        .get(format!("{}/oidc/authorize", w.issuer))
        .query(&[
            ("response_type", "code"),
            ("client_id", "RP00000001"),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st"),
            ("nonce", "nn"),
            ("code_challenge", challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()
        .await
        .expect("authorize");
    let html = page.text().await.expect("html");
    between(&html, "id=\"user-code\">", "<").to_owned()
}

#[tokio::test]
async fn the_app_releases_only_what_was_asked_and_refuses_a_certificate_in_its_grace() {
    let store = stores("app").await.remove(0);
    let w = World::start(store.clone()).await;
    let user_code = pending_user_code(&w, "openid name").await;
    let (status, body) = w.approve(1, &user_code, &["name", "address"]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "{body}");
    assert!(body["error_description"].as_str().expect("description").contains("\"address\" was not asked for"));
    let (status, body) = w.approve(1, &user_code, &["name"]).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = w.approve(1, &user_code, &["name"]).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("invalid_request")), "decided once: {body}");

    // A month after the certificate expired (within its 3-month grace).
    let store = stores("grace").await.remove(0);
    let clock = Clock::manual(Utc::now());
    let w = World::start_with(store, clock.clone()).await;
    let not_after = w.jpki.certificates(&w.cards[0].serial).await.expect("certificates")[0].not_after;
    clock.set(not_after + chrono::TimeDelta::days(30));
    let user_code = pending_user_code(&w, "openid name").await;
    let (status, body) = w.approve(1, &user_code, &["name"]).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("access_denied")), "{body}");
    assert!(body["error_description"].as_str().expect("description").contains("grace"), "{body}");
}
