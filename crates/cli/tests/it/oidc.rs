//! `onshi oidc add-client` and the provider `onshi serve` runs: its keys kept
//! in the data directory across restarts, its discovery document and JWKS.

use crate::common::{Server, free_port, http_get, onshi, run, stderr, stdout};

/// RFC 7517 Appendix A.1's P-256 public key.
const JWKS: &str = r#"{"keys":[{"kty":"EC","crv":"P-256","x":"MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4","y":"4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM","kid":"rp-key-1"}]}"#;

#[test]
fn the_operator_registers_relying_parties_and_serve_publishes_the_provider() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    let jwks = dir.path().join("rp.jwks.json");
    std::fs::write(&jwks, JWKS).expect("jwks file");
    let onshi_in = || {
        let mut command = onshi();
        command.env("ONSHI_DATA_DIR", &data_dir).env("ONSHI_DB", &db);
        command
    };
    let out = run(onshi_in().args(["migrate"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let add = |id: &str, redirect: &str| {
        run(onshi_in().args(["oidc", "add-client", "--client-id", id, "--name", "八王子市電子申請"]).args([
            "--redirect-uri",
            redirect,
            "--redirect-uri",
            "https://rp.example.jp/cb2",
            "--scopes",
            "openid name address",
            "--sector-identifier",
            "rp.example.jp",
            "--jwks",
            jwks.to_str().expect("path"),
        ]))
    };
    let out = add("RP00000001", "https://rp.example.jp/cb");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("relying party RP00000001 八王子市電子申請: registered"), "{}", stdout(&out));
    let out = add("RP00000001", "https://rp.example.jp/cb");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("client RP00000001 exists"), "{}", stderr(&out));
    let out = add("RP00000002", "http://rp.example.jp/cb");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .contains("redirect_uri \"http://rp.example.jp/cb\": must be https:// (http:// only for localhost)"),
        "{}",
        stderr(&out)
    );
    let out = run(onshi_in().args(["oidc", "add-client", "--client-id", "RP-3", "--name", "x"]).args([
        "--redirect-uri",
        "https://rp.example.jp/cb",
        "--sector-identifier",
        "rp.example.jp",
        "--jwks",
        jwks.to_str().expect("path"),
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("client_id \"RP-3\": must be 1 to 255 ASCII letters and digits"), "{}", stderr(&out));

    // The server makes the provider's keys once and keeps them. The issuer
    // is the public URL, which defaults to the bind address: bind a known port.
    let bind = format!("127.0.0.1:{}", free_port());
    let server = Server::start_at(&db, &data_dir, &bind, &[]);
    let discovery = http_get(&server.addr, "/.well-known/openid-configuration");
    assert!(discovery.starts_with("HTTP/1.1 200"), "{discovery}");
    assert!(discovery.contains(&format!("\"issuer\":\"http://{}\"", server.addr)), "{discovery}");
    assert!(discovery.contains("\"subject_types_supported\":[\"pairwise\"]"), "{discovery}");
    let jwks_before = http_get(&server.addr, "/oidc/jwks");
    assert!(jwks_before.contains("\"alg\":\"ES256\""), "{jwks_before}");
    assert_eq!(server.stop(), Some(0));
    assert!(data_dir.join("oidc").join("provider-keys.json").exists());
    let server = Server::start_at(&db, &data_dir, &bind, &[]);
    let jwks_after = http_get(&server.addr, "/oidc/jwks");
    let body = |response: &str| response.split("\r\n\r\n").nth(1).unwrap_or_default().to_owned();
    assert_eq!(body(&jwks_after), body(&jwks_before), "the same key after a restart");
}
