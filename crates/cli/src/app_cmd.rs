//! `onshi app`: the citizen's smartphone app of the digital authentication
//! service (デジタル認証アプリ), as a command. A service's page shows a user
//! code; the person types it here, sees which service asks for what, agrees,
//! and the card (through the reader client of `onshi_card`) proves it is
//! them:
//!
//! - `approve`: a sign-in. The card's user-authentication key
//!   (利用者証明用, 4-digit PIN) signs a one-time JPKI challenge and the
//!   platform approves the request for the attributes released; the
//!   service's page then continues on its own.
//!
//! The PIN goes to the card only, never to the platform, and a wrong one
//! counts on the card's own retry counter.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use onshi_card::reader::Pin;
use onshi_card::{Card, CardConnection, JpkiSession, ReaderError};
use onshi_domain::oidc::Scope;
use serde_json::{Value, json};

use crate::card_cmd::DEFAULT_CARD_ADDRESS;
use crate::settings;

#[derive(Debug, Subcommand)]
pub(crate) enum AppCommand {
    /// Approve a sign-in to a service (連携サービスへのログイン) with the card:
    /// the user code from the service's page, the consent, the 4-digit PIN.
    Approve(ApproveArgs),
}

/// Where the platform and the card are, and whether to ask before acting.
#[derive(Debug, Args)]
pub(crate) struct AppArgs {
    /// The user code the service's page shows (ユーザーコード), e.g. ABCD-EFGH.
    #[arg(long, value_name = "CODE")]
    user_code: String,
    /// The platform's base URL (default: `server.public_url`, else `http://` and `server.bind`).
    #[arg(long, value_name = "URL")]
    platform: Option<String>,
    /// The card: `tcp://HOST:PORT` or `HOST:PORT` (a card served by `onshi
    /// card serve`), `pcsc` (the first PC/SC reader with a card) or `pcsc:READER NAME`.
    #[arg(long, value_name = "CARD", conflicts_with = "card_file")]
    card: Option<String>,
    /// A card file to put in a reader inside this process (as `onshi card
    /// serve` would); its retry counters are written back to the file.
    #[arg(long, value_name = "FILE")]
    card_file: Option<PathBuf>,
    /// Agree without asking (the consent is still printed).
    #[arg(long)]
    yes: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ApproveArgs {
    #[command(flatten)]
    app: AppArgs,
    /// The 4-digit PIN of the user-authentication certificate
    /// (利用者証明用電子証明書の暗証番号); without it, it is asked for on the
    /// terminal (or read from standard input). Also `ONSHI_PIN`.
    #[arg(long, env = "ONSHI_PIN", hide_env_values = true, value_name = "PIN")]
    pin: Option<String>,
    /// The attributes to release, comma-separated among those asked:
    /// name, address, birthdate, gender (default: all that are asked).
    #[arg(long, value_delimiter = ',', value_name = "CLAIMS")]
    release: Option<Vec<String>>,
}

/// What went wrong, for the person, and exit 1.
fn refuse(message: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("{message}");
    Ok(ExitCode::FAILURE)
}

/// The platform as the app sees it: its URL and an HTTP client.
struct Platform {
    url: String,
    http: reqwest::Client,
}

/// A failed call to the platform, in words for the person.
enum CallError {
    /// Nothing answered at the URL.
    Unreachable(String),
    /// An OAuth-style refusal (`error`, `error_description`) with its status.
    Refused { status: u16, error: String, description: String },
}

impl Platform {
    fn new(config_file: Option<PathBuf>, given: Option<&str>) -> anyhow::Result<Platform> {
        let url = match given {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => settings::load(config_file, &[])?.config.server.public_base_url(),
        };
        let http = reqwest::Client::builder()
            .timeout(std::time::Duration::from_secs(15))
            .build()
            .context("cannot start the HTTP client")?;
        Ok(Platform { url, http })
    }

    async fn post(&self, path: &str, body: &Value) -> Result<Value, CallError> {
        let url = format!("{}{path}", self.url);
        let response = self.http.post(&url).json(body).send().await.map_err(|e| {
            CallError::Unreachable(format!(
                "プラットフォーム {} に接続できません。URL (--platform) が正しいか、プラットフォームが動いているか確かめてください\n\
                 (cannot reach the platform at {url}: {e}; check --platform, or start the platform with `onshi serve`)",
                self.url
            ))
        })?;
        let status = response.status();
        let text = response.text().await.map_err(|e| {
            CallError::Unreachable(format!(
                "プラットフォームの応答が途中で切れました (the answer of {url} broke off: {e})"
            ))
        })?;
        let value: Value = serde_json::from_str(&text).unwrap_or_else(|_| json!({ "error_description": text }));
        if status.is_success() {
            return Ok(value);
        }
        Err(CallError::Refused {
            status: status.as_u16(),
            error: value["error"].as_str().or(value["code"].as_str()).unwrap_or("unknown").to_owned(),
            description: value["error_description"].as_str().or(value["message"].as_str()).unwrap_or("").to_owned(),
        })
    }
}

/// A refusal of `/oidc/app/request`: unknown or expired code, in words.
fn request_refusal(user_code: &str, error: CallError) -> String {
    match error {
        CallError::Unreachable(message) => message,
        CallError::Refused { status: 400, error, description } if error == "invalid_request" => format!(
            "ユーザーコード {user_code} の要求はありません。期限切れ（5分）、使用済み、または入力の誤りです。\
             連携サービスの画面に表示されたコードを確かめ、必要なら最初からやり直してください\n\
             (no request waits for user code {user_code:?}: unknown, expired or already decided; {description})"
        ),
        CallError::Refused { status, error, description } => {
            format!("プラットフォームが要求を拒否しました (the platform answered {status} {error}: {description})")
        }
    }
}

/// How the card is reached; an in-process card is served until dropped.
struct CardAccess {
    target: String,
    _served: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for CardAccess {
    fn drop(&mut self) {
        if let Some(task) = &self._served {
            task.abort();
        }
    }
}

async fn card_access(app: &AppArgs) -> anyhow::Result<CardAccess> {
    if let Some(path) = &app.card_file {
        let card = Card::open(path).with_context(|| {
            format!("カードファイル {} を開けません (cannot open the card file {})", path.display(), path.display())
        })?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.context("cannot open a local card reader")?;
        let addr = listener.local_addr().context("no local address")?;
        let task = tokio::spawn(async move {
            let _ = onshi_card::serve_local(card, listener).await;
        });
        return Ok(CardAccess { target: format!("tcp://{addr}"), _served: Some(task) });
    }
    let target = match app.card.as_deref() {
        None => format!("tcp://{DEFAULT_CARD_ADDRESS}"),
        Some(t) if t.starts_with("tcp://") || t == "pcsc" || t.starts_with("pcsc:") => t.to_owned(),
        Some(t) if t.parse::<std::net::SocketAddr>().is_ok() || t.contains(':') => format!("tcp://{t}"),
        Some(t) => t.to_owned(),
    };
    Ok(CardAccess { target, _served: None })
}

/// A card error in words for the person: what the card said and what to do.
fn card_refusal(error: &ReaderError) -> String {
    let which = |pin: &Pin| match pin {
        Pin::Auth => "利用者証明用電子証明書の暗証番号",
        Pin::Sign => "署名用電子証明書のパスワード",
    };
    match error {
        ReaderError::WrongPin { pin, tries_left } => {
            format!("{}が違います。あと{tries_left}回間違えるとロックされます ({error})", which(pin))
        }
        ReaderError::Locked { pin } => format!(
            "{}はロックされています。お住まいの市区町村の窓口で暗証番号の再設定を受けてください ({error})",
            which(pin)
        ),
        ReaderError::BadPinShape { pin, .. } => format!("{}の形式が違います ({error})", which(pin)),
        ReaderError::NoCard { .. } | ReaderError::NoReader { .. } | ReaderError::BadTarget { .. } => {
            format!("マイナンバーカードが見つかりません。カードをリーダーに置いてください ({error})")
        }
        other => format!("カードとのやりとりに失敗しました ({other})"),
    }
}

/// A secret from the flag or environment, else from the terminal without
/// echo (or a line of standard input).
fn read_secret(given: Option<String>, prompt: &str) -> anyhow::Result<String> {
    if let Some(secret) = given {
        return Ok(secret);
    }
    let stdin = std::io::stdin();
    let terminal = stdin.is_terminal();
    if terminal {
        eprint!("{prompt}: ");
        std::io::stderr().flush().ok();
    }
    let echo_off = terminal && set_echo(false);
    let mut line = String::new();
    let read = stdin.lock().read_line(&mut line);
    if echo_off {
        set_echo(true);
        eprintln!();
    }
    read.context("cannot read the PIN from standard input")?;
    Ok(line.trim().to_owned())
}

/// Switch the terminal's echo with `stty`; whether it worked.
fn set_echo(on: bool) -> bool {
    std::process::Command::new("stty")
        .arg(if on { "echo" } else { "-echo" })
        .stdin(std::process::Stdio::inherit())
        .status()
        .is_ok_and(|s| s.success())
}

/// Ask yes or no on the terminal (or standard input); no unless `y`/`yes`/`はい`.
fn confirm(question: &str) -> anyhow::Result<bool> {
    eprint!("{question} [y/N]: ");
    std::io::stderr().flush().ok();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).context("cannot read the answer from standard input")?;
    Ok(matches!(line.trim().to_lowercase().as_str(), "y" | "yes" | "はい"))
}

/// The claims to release: all asked, or those named, each among those asked.
fn released(asked: &[Scope], wanted: Option<&[String]>) -> Result<Vec<Scope>, String> {
    let Some(wanted) = wanted else { return Ok(asked.to_vec()) };
    let mut out = Vec::new();
    for code in wanted.iter().map(|c| c.trim()).filter(|c| !c.is_empty()) {
        let scope = Scope::from_code(code).filter(|s| s.is_claim()).ok_or_else(|| {
            format!("--release {code:?}: name only name, address, birthdate or gender (氏名, 住所, 生年月日, 性別)")
        })?;
        if !asked.contains(&scope) {
            let asked: Vec<&str> = asked.iter().map(|s| s.code()).collect();
            return Err(format!(
                "--release {code:?}: the service did not ask for {} ({code}); it asked for: {}",
                scope.label_ja(),
                if asked.is_empty() { "nothing but the identifier".to_owned() } else { asked.join(", ") }
            ));
        }
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    out.sort();
    Ok(out)
}

/// The consent screen: which service, which attributes go to it and which do not.
fn consent_text(client_name: &str, user_code: &str, asked: &[Scope], release: &[Scope]) -> String {
    let mut text = format!(
        "連携サービス「{client_name}」が、マイナンバーカードでのログインを求めています（ユーザーコード {user_code}）。\n"
    );
    text.push_str("このサービスに提供する情報:\n");
    text.push_str("  ・利用者の識別子（このサービス向けの番号。マイナンバーではありません）\n");
    for scope in release {
        text.push_str(&format!("  ・{}\n", scope.label_ja()));
    }
    let withheld: Vec<&Scope> = asked.iter().filter(|s| !release.contains(s)).collect();
    if !withheld.is_empty() {
        text.push_str("求められていますが、提供しない情報:\n");
        for scope in withheld {
            text.push_str(&format!("  ・{}\n", scope.label_ja()));
        }
    }
    text.push_str("マイナンバー（個人番号）が提供されることはありません。\n");
    text
}

async fn approve(config_file: Option<PathBuf>, args: ApproveArgs) -> anyhow::Result<ExitCode> {
    let app = &args.app;
    let platform = Platform::new(config_file, app.platform.as_deref())?;
    let user_code = app.user_code.trim().to_uppercase();
    let asked = match platform.post("/oidc/app/request", &json!({ "user_code": user_code })).await {
        Ok(asked) => asked,
        Err(e) => return refuse(request_refusal(&user_code, e)),
    };
    let client_name = asked["client_name"].as_str().unwrap_or("(名称不明)").to_owned();
    let asked_claims: Vec<Scope> = asked["claims"]
        .as_array()
        .map(|claims| claims.iter().filter_map(|c| c["claim"].as_str().and_then(Scope::from_code)).collect())
        .unwrap_or_default();
    let release = match released(&asked_claims, args.release.as_deref()) {
        Ok(release) => release,
        Err(message) => return refuse(message),
    };
    println!("{}", consent_text(&client_name, &user_code, &asked_claims, &release));
    if !app.yes && !confirm("この内容で同意してログインしますか？")? {
        return refuse("ログインを中止しました。連携サービスの画面でキャンセルしてください (not approved)");
    }

    let access = card_access(app).await?;
    let result: Result<(String, Vec<u8>, Vec<u8>), String> = async {
        let connection = CardConnection::connect(&access.target).await.map_err(|e| card_refusal(&e))?;
        let mut session = JpkiSession::open(connection).await.map_err(|e| card_refusal(&e))?;
        let certificate = session.read_auth_certificate().await.map_err(|e| card_refusal(&e))?;
        if session.auth_pin_tries_left().await.map_err(|e| card_refusal(&e))? == 0 {
            return Err(card_refusal(&ReaderError::Locked { pin: Pin::Auth }));
        }
        let pin = read_secret(args.pin.clone(), "利用者証明用電子証明書の暗証番号（数字4桁）")
            .map_err(|e| format!("{e:#}"))?;
        session.verify_auth_pin(&pin).await.map_err(|e| card_refusal(&e))?;
        let challenge = platform.post("/oidc/app/challenge", &json!({})).await.map_err(|e| match e {
            CallError::Unreachable(message) => message,
            CallError::Refused { status, error, description } => {
                format!("プラットフォームがチャレンジを発行しませんでした ({status} {error}: {description})")
            }
        })?;
        let (Some(id), Some(nonce)) = (challenge["challenge_id"].as_str(), challenge["challenge"].as_str()) else {
            return Err(format!("the platform's challenge lacks challenge_id or challenge: {challenge}"));
        };
        let nonce = STANDARD.decode(nonce).map_err(|_| "the platform's challenge is not base64".to_owned())?;
        let signature =
            session.sign_with_auth_key(&onshi_card::sha256_digest_info(&nonce)).await.map_err(|e| card_refusal(&e))?;
        Ok((id.to_owned(), certificate, signature))
    }
    .await;
    drop(access);
    let (challenge_id, certificate, signature) = match result {
        Ok(signed) => signed,
        Err(message) => return refuse(message),
    };

    let body = json!({
        "user_code": user_code,
        "challenge_id": challenge_id,
        "certificate": STANDARD.encode(&certificate),
        "signature": STANDARD.encode(&signature),
        "claims": release.iter().map(|s| s.code()).collect::<Vec<_>>(),
    });
    match platform.post("/oidc/app/approve", &body).await {
        Ok(_) => {
            println!(
                "承認しました。連携サービス「{client_name}」の画面が自動で進みます。\n\
                 (approved: the service's page continues on its own)"
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(CallError::Unreachable(message)) => refuse(message),
        Err(CallError::Refused { error, description, .. }) => {
            refuse(approval_refusal(&user_code, &error, &description))
        }
    }
}

/// A refusal of the approval, in words.
fn approval_refusal(user_code: &str, error: &str, description: &str) -> String {
    let sentence = match error {
        "invalid_request" => {
            format!("ユーザーコード {user_code} の要求は、もう承認できません（期限切れ、または決定済み）")
        }
        "certificate_suspended" => {
            "このカードは一時停止されています。市区町村の窓口またはコールセンターにお問い合わせください".into()
        }
        "certificate_revoked" => {
            "このカードの電子証明書は失効しています（氏名や住所が変わると署名用電子証明書は失効します）。\
                                  市区町村の窓口で発行を受けてください"
                .into()
        }
        "bad_signature" | "wrong_certificate_kind" => "カードの署名を確認できませんでした".into(),
        "certificate_expired" | "access_denied" => {
            "電子証明書の有効期限が切れています。市区町村の窓口で更新してください".into()
        }
        "unknown_issuer" | "foreign_ca" | "certificate_unknown" => {
            "このカードの電子証明書は、このプラットフォームでは確認できません".into()
        }
        _ => "承認できませんでした".into(),
    };
    format!("{sentence} ({error}: {description})")
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: AppCommand) -> anyhow::Result<ExitCode> {
    match command {
        AppCommand::Approve(args) => approve(config_file, args).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_defaults_to_what_is_asked_and_refuses_the_rest() {
        let asked = [Scope::Name, Scope::Birthdate];
        assert_eq!(released(&asked, None).expect("all"), asked.to_vec());
        let some = vec!["birthdate".to_owned(), "name".to_owned(), "name".to_owned()];
        assert_eq!(released(&asked, Some(&some)).expect("subset"), vec![Scope::Name, Scope::Birthdate]);
        let extra = vec!["address".to_owned()];
        let err = released(&asked, Some(&extra)).expect_err("not asked");
        assert!(err.contains("did not ask for 住所") && err.contains("name, birthdate"), "{err}");
        let unknown = vec!["email".to_owned()];
        assert!(released(&asked, Some(&unknown)).expect_err("unknown").contains("\"email\""));
        assert_eq!(released(&asked, Some(&[])).expect("none"), vec![]);
    }

    #[test]
    fn the_consent_names_the_service_and_what_is_withheld() {
        let text = consent_text("八王子市電子申請", "ABCD-EFGH", &[Scope::Name, Scope::Address], &[Scope::Name]);
        assert!(text.contains("「八王子市電子申請」") && text.contains("ABCD-EFGH"), "{text}");
        let (give, keep) = text.split_once("提供しない情報").expect("withheld part");
        assert!(give.contains("・氏名") && !give.contains("・住所"), "{text}");
        assert!(keep.contains("・住所"), "{text}");
    }

    #[test]
    fn wrong_and_locked_pins_say_what_to_do() {
        let wrong = card_refusal(&ReaderError::WrongPin { pin: Pin::Auth, tries_left: 2 });
        assert!(wrong.contains("あと2回") && wrong.contains("2 tries left"), "{wrong}");
        let locked = card_refusal(&ReaderError::Locked { pin: Pin::Sign });
        assert!(locked.contains("市区町村の窓口") && locked.contains("署名用電子証明書のパスワード"), "{locked}");
    }
}
