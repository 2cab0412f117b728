//! `onshi app`, the citizen's app, against the real platform and a real
//! card: a pushed authorization request of a (development) relying party,
//! the authorization page's user code, the app approving it with the card,
//! the page's redirect and the code exchanged; a wrong PIN spending the
//! card's own retry counter down to the lock; the person's mistakes and a
//! platform or card that is not there, each said in words.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::process::{Output, Stdio};

use serde_json::Value;

use crate::common::{Server, free_port, onshi, run, stderr, stdout};
use crate::jpki::{CardProcess, Desk};

const REDIRECT: &str = "http://127.0.0.1:9/cb";
const VERIFIER: &str = "a-pkce-verifier-of-at-least-forty-three-characters";

/// The platform with a development relying party (client_secret_basic).
struct World {
    desk: Desk,
    _server: Server,
    platform: String,
    secret: String,
    http: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl World {
    fn start() -> World {
        let desk = Desk::new();
        let out = run(desk.onshi().args([
            "oidc",
            "add-client",
            "--client-id",
            "DEV0000001",
            "--name",
            "テスト市電子申請",
            "--redirect-uri",
            REDIRECT,
            "--scopes",
            "openid name birthdate",
            "--sector-identifier",
            "city.example.jp",
            "--dev-secret",
        ]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let secret = stdout(&out)
            .lines()
            .find_map(|l| l.strip_prefix("client_secret (development only, shown once): "))
            .expect("the secret is printed")
            .to_owned();
        let bind = format!("127.0.0.1:{}", free_port());
        let server = Server::start_at(&desk.db, &desk.data_dir(), &bind, &[]);
        let platform = format!("http://{}", server.addr);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("http");
        World { desk, _server: server, platform, secret, http, runtime }
    }

    /// PAR with the client's secret, then the browser opens the authorization
    /// page: the user code and the transaction id the page polls with.
    fn pending(&self) -> (String, String) {
        let challenge = onshi_domain::oidc::s256_challenge(VERIFIER);
        self.runtime.block_on(async {
            let pushed: Value = self
                .http
                .post(format!("{}/oidc/par", self.platform))
                .basic_auth("DEV0000001", Some(&self.secret))
                .form(&[
                    ("response_type", "code"),
                    ("redirect_uri", REDIRECT),
                    ("scope", "openid name birthdate"),
                    ("state", "st-1"),
                    ("nonce", "nonce-1"),
                    ("code_challenge", challenge.as_str()),
                    ("code_challenge_method", "S256"),
                ])
                .send()
                .await
                .expect("par")
                .json()
                .await
                .expect("json");
            let request_uri = pushed["request_uri"].as_str().unwrap_or_else(|| panic!("{pushed}"));
            let html = self
                .http
                .get(format!("{}/oidc/authorize", self.platform))
                .query(&[("client_id", "DEV0000001"), ("request_uri", request_uri)])
                .send()
                .await
                .expect("authorize")
                .text()
                .await
                .expect("html");
            (between(&html, "id=\"user-code\">", "<"), between(&html, "status?id=", "'"))
        })
    }

    fn status(&self, id: &str) -> Value {
        self.runtime.block_on(async {
            let url = format!("{}/oidc/authorize/status?id={id}", self.platform);
            self.http.get(url).send().await.expect("status").json().await.expect("json")
        })
    }

    /// The code exchanged with the client's secret; userinfo read with the token.
    fn exchange(&self, code: &str) -> Value {
        self.runtime.block_on(async {
            let token: Value = self
                .http
                .post(format!("{}/oidc/token", self.platform))
                .basic_auth("DEV0000001", Some(&self.secret))
                .form(&[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", REDIRECT),
                    ("code_verifier", VERIFIER),
                ])
                .send()
                .await
                .expect("token")
                .json()
                .await
                .expect("json");
            let access = token["access_token"].as_str().unwrap_or_else(|| panic!("{token}"));
            self.http
                .get(format!("{}/oidc/userinfo", self.platform))
                .bearer_auth(access)
                .send()
                .await
                .expect("userinfo")
                .json()
                .await
                .expect("json")
        })
    }

    fn app(&self, user_code: &str, card: &[&str], pin: &str, extra: &[&str]) -> Output {
        run(onshi()
            .args(["app", "approve", "--user-code", user_code, "--platform", &self.platform])
            .args(card)
            .args(["--pin", pin])
            .args(extra)
            .stdin(Stdio::null()))
    }
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).map(|i| i + start.len()).unwrap_or_else(|| panic!("{start:?} in {text}"));
    let len = text[from..].find(end).expect("end marker");
    text[from..from + len].to_owned()
}

fn card_file_arg(file: &Path) -> [&str; 2] {
    ["--card-file", file.to_str().expect("utf-8 path")]
}

fn tries_left(file: &Path) -> u8 {
    onshi_card::CardFile::load(file).expect("card file").jpki.auth.pin.tries_left()
}

#[test]
fn the_app_approves_a_pushed_request_and_the_service_gets_only_what_was_released() {
    let w = World::start();
    let (card, _) = w.desk.issue(0);
    let (user_code, id) = w.pending();
    assert_eq!(w.status(&id)["status"], "pending");

    let out = w.app(&user_code, &card_file_arg(&card), "1234", &["--yes", "--release", "name"]);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let screen = stdout(&out);
    assert!(screen.contains("連携サービス「テスト市電子申請」") && screen.contains(&user_code), "{screen}");
    let (given, withheld) = screen.split_once("提供しない情報").expect("the withheld attributes are listed");
    assert!(given.contains("・氏名") && !given.contains("・生年月日"), "{screen}");
    assert!(withheld.contains("・生年月日"), "{screen}");
    assert!(screen.contains("承認しました"), "{screen}");
    assert_eq!(tries_left(&card), 3, "a right PIN leaves the counter full");

    // The page follows the redirect; the service exchanges the code.
    let done = w.status(&id);
    assert_eq!(done["status"], "redirect", "{done}");
    let location = url_query(done["location"].as_str().expect("location"));
    assert_eq!(location.get("state").map(String::as_str), Some("st-1"));
    let info = w.exchange(&location["code"]);
    assert!(info["name"].as_str().is_some_and(|n| !n.is_empty()), "{info}");
    assert!(info.get("birthdate").is_none(), "birthdate was not released: {info}");
    assert_eq!(info["sub"].as_str().map(str::len), Some(43), "{info}");

    // The code is used: the app cannot approve it again.
    let again = w.app(&user_code, &card_file_arg(&card), "1234", &["--yes"]);
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains(&format!("ユーザーコード {user_code} の要求はありません")), "{}", stderr(&again));
}

/// The query of a redirect; codes and our states need no percent-decoding.
fn url_query(url: &str) -> HashMap<String, String> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query.split('&').filter_map(|pair| pair.split_once('=')).map(|(k, v)| (k.to_owned(), v.to_owned())).collect()
}

#[test]
fn a_wrong_pin_spends_the_cards_own_counter_down_to_the_lock() {
    let w = World::start();
    let (card, _) = w.desk.issue(1);
    let (user_code, id) = w.pending();

    // The card in this process: the counter is written back to its file.
    let out = w.app(&user_code, &card_file_arg(&card), "9999", &["--yes"]);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(stderr(&out).contains("暗証番号が違います。あと2回"), "{}", stderr(&out));
    assert_eq!(tries_left(&card), 2);

    // The card in a reader of its own process (`onshi card serve`).
    let served = CardProcess::start(&card);
    let out = w.app(&user_code, &["--card", &served.target], "0000", &["--yes"]);
    assert!(stderr(&out).contains("あと1回"), "{}", stderr(&out));
    let out = w.app(&user_code, &["--card", &served.target], "1111", &["--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ロックされています") && stderr(&out).contains("市区町村の窓口"), "{}", stderr(&out));
    // Locked: even the right PIN is not tried.
    let out = w.app(&user_code, &["--card", &served.target], "1234", &["--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ロックされています"), "{}", stderr(&out));
    drop(served);
    assert_eq!(tries_left(&card), 0);
    assert_eq!(w.status(&id)["status"], "pending", "nothing was approved");
}

#[test]
fn unknown_codes_a_missing_platform_or_card_and_a_refusal_are_said_in_words() {
    let w = World::start();
    let (card, _) = w.desk.issue(2);

    let out = w.app("ZZZZ-ZZZZ", &card_file_arg(&card), "1234", &["--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ユーザーコード ZZZZ-ZZZZ の要求はありません"), "{}", stderr(&out));

    let nowhere = format!("http://127.0.0.1:{}", free_port());
    let out = run(onshi()
        .args(["app", "approve", "--user-code", "ABCD-EFGH", "--platform", &nowhere, "--pin", "1234", "--yes"])
        .stdin(Stdio::null()));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains(&format!("プラットフォーム {nowhere} に接続できません")), "{}", stderr(&out));

    // A real request, but no card in the reader named.
    let (user_code, id) = w.pending();
    let empty_reader = format!("127.0.0.1:{}", free_port());
    let out = w.app(&user_code, &["--card", &empty_reader], "1234", &["--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("マイナンバーカードが見つかりません"), "{}", stderr(&out));

    // Asked on the terminal (here: standard input), the person says no.
    let mut child = onshi()
        .args(["app", "approve", "--user-code", &user_code, "--platform", &w.platform])
        .args(card_file_arg(&card))
        .args(["--pin", "1234"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the app");
    child.stdin.take().expect("stdin").write_all(b"n\n").expect("answer");
    let out = child.wait_with_output().expect("the app ends");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("中止しました"), "{}", stderr(&out));
    assert_eq!(w.status(&id)["status"], "pending");

    // Typed answers on standard input: yes, then the PIN.
    let mut child = onshi()
        .args(["app", "approve", "--user-code", &user_code, "--platform", &w.platform])
        .args(card_file_arg(&card))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the app");
    child.stdin.take().expect("stdin").write_all(b"y\n1234\n").expect("answers");
    let out = child.wait_with_output().expect("the app ends");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(w.status(&id)["status"], "redirect");
}
