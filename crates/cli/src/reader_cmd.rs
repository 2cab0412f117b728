//! `onshi reader`: a minimal card reader client. It drives the card over the
//! emulator's local socket or over PC/SC, asks for the PIN, signs the
//! platform's one-time challenge with the user-authentication key and prints
//! what the platform answered. The reception reader grows from this.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use onshi_card::{CardConnection, JpkiSession, ReaderError};

use crate::settings;

#[derive(Debug, Subcommand)]
pub(crate) enum ReaderCommand {
    /// Sign in to the platform with the card (利用者証明用電子証明書 and its PIN).
    SignIn(SignInArgs),
}

#[derive(Debug, Args)]
pub(crate) struct SignInArgs {
    /// The card: `tcp://HOST:PORT` (the emulator of `onshi card serve`),
    /// `pcsc` (the first PC/SC reader with a card) or `pcsc:READER NAME`.
    #[arg(long, default_value = "tcp://127.0.0.1:35990", value_name = "CARD")]
    card: String,
    /// The platform's base URL (default: `server.public_url`, else `http://` and `server.bind`).
    #[arg(long, value_name = "URL")]
    platform: Option<String>,
    /// The 4-digit PIN; without it, the PIN is read from standard input
    /// (a prompt on a terminal). Also `ONSHI_PIN`.
    #[arg(long, env = "ONSHI_PIN", hide_env_values = true, value_name = "PIN")]
    pin: Option<String>,
    /// Print the platform's JSON answer instead of a sentence.
    #[arg(long)]
    json: bool,
}

fn read_pin() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("利用者証明用電子証明書の暗証番号 (4 digits): ");
        std::io::stderr().flush().ok();
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line).context("cannot read the PIN from standard input")?;
    Ok(line.trim().to_owned())
}

/// What went wrong, as a sentence for the person at the reader, and exit 1.
fn refuse(message: impl std::fmt::Display) -> anyhow::Result<ExitCode> {
    eprintln!("{message}");
    Ok(ExitCode::FAILURE)
}

async fn sign_in(config_file: Option<PathBuf>, args: SignInArgs) -> anyhow::Result<ExitCode> {
    let platform = match args.platform {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => settings::load(config_file, &[])?.config.server.public_base_url(),
    };
    let connection = CardConnection::connect(&args.card).await?;
    let mut session = JpkiSession::open(connection).await?;
    let certificate = session.read_auth_certificate().await?;
    if session.auth_pin_tries_left().await? == 0 {
        return refuse(ReaderError::Locked { pin: onshi_card::reader::Pin::Auth });
    }

    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .context("cannot start the HTTP client")?;
    let challenge: serde_json::Value = http
        .post(format!("{platform}/jpki/challenges"))
        .send()
        .await
        .with_context(|| format!("the platform at {platform} cannot be reached"))?
        .error_for_status()
        .with_context(|| format!("the platform at {platform} refused to give a challenge"))?
        .json()
        .await
        .context("the platform's challenge is not JSON")?;
    let (Some(id), Some(nonce)) = (challenge["challenge_id"].as_str(), challenge["challenge"].as_str()) else {
        anyhow::bail!("the platform's challenge lacks challenge_id or challenge: {challenge}");
    };
    let nonce = STANDARD.decode(nonce).context("the platform's challenge is not base64")?;

    let pin = match args.pin {
        Some(pin) => pin,
        None => read_pin()?,
    };
    match session.verify_auth_pin(&pin).await {
        Ok(()) => {}
        Err(e @ (ReaderError::WrongPin { .. } | ReaderError::Locked { .. } | ReaderError::BadPinShape { .. })) => {
            return refuse(e);
        }
        Err(other) => return Err(other.into()),
    }
    let signature = session.sign_with_auth_key(&onshi_card::sha256_digest_info(&nonce)).await?;

    let response = http
        .post(format!("{platform}/jpki/sign-in"))
        .json(&serde_json::json!({
            "challenge_id": id,
            "certificate": STANDARD.encode(&certificate),
            "signature": STANDARD.encode(&signature),
        }))
        .send()
        .await
        .with_context(|| format!("the platform at {platform} cannot be reached"))?;
    let status = response.status();
    let body: serde_json::Value = response.json().await.context("the platform's answer is not JSON")?;
    if args.json {
        println!("{body}");
    }
    if !status.is_success() {
        let code = body["code"].as_str().unwrap_or("unknown");
        let message = body["message"].as_str().unwrap_or("");
        return refuse(format!("sign-in refused ({code}): {message}"));
    }
    if !args.json {
        let grace = match body["grace_ends"].as_str() {
            Some(ends) => format!(
                "; the certificate has expired and is in its grace period until {ends}: renew it at the municipal office"
            ),
            None => String::new(),
        };
        println!(
            "signed in: person {} with card {} (certificate {}, valid until {}){grace}",
            body["person_id"],
            body["card_serial"].as_str().unwrap_or("?"),
            body["certificate_serial"].as_str().unwrap_or("?"),
            body["not_after"].as_str().unwrap_or("?"),
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: ReaderCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReaderCommand::SignIn(args) => sign_in(config_file, args).await,
    }
}
