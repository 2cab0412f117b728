//! `onshi reader`: a minimal card reader client. It drives the card over the
//! emulator's local socket or over PC/SC, asks for the PIN, signs the
//! platform's one-time challenge with the user-authentication key and either
//! signs in (`sign-in`) or checks eligibility as a facility's reader does
//! (`check`), writing the terminal's card-check file for the clinic system.
//! The reception reader grows from this.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use clap::{Args, Subcommand};
use onshi_card::{CardConnection, JpkiSession, ReaderError};
use onshi_oqs::files::{ExchangeDir, face_file_name, write_atomically};
use onshi_oqs::{EligibilityAnswer, EligibilityResponse, ServiceFailure, TextEncoding};

use crate::connector_cmd::{japan_now, oqs_answer, service_failure};
use crate::platform::{self, FacilityApi};
use crate::settings;

#[derive(Debug, Subcommand)]
pub(crate) enum ReaderCommand {
    /// Sign in to the platform with the card (利用者証明用電子証明書 and its PIN).
    SignIn(SignInArgs),
    /// Check eligibility with the card (照会区分 1) and write the terminal's
    /// card-check result file into DIR/face.
    Check(CheckArgs),
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

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// The exchange folder; the result goes to DIR/face (created if missing).
    #[arg(long, value_name = "DIR")]
    dir: PathBuf,
    /// This facility's 医療機関コード, written in the file and its name.
    #[arg(long, value_name = "CODE")]
    facility: String,
    /// The card, as for `sign-in`.
    #[arg(long, default_value = "tcp://127.0.0.1:35990", value_name = "CARD")]
    card: String,
    #[command(flatten)]
    client: crate::platform::ClientArgs,
    /// The 4-digit PIN, as for `sign-in`. Also `ONSHI_PIN`.
    #[arg(long, env = "ONSHI_PIN", hide_env_values = true, value_name = "PIN")]
    pin: Option<String>,
    /// The visit date (default: today in Japan).
    #[arg(long, value_name = "DATE")]
    visit_date: Option<String>,
    /// What the patient agreed to show at the reader (repeat for both):
    /// `clinical-drug` (診療・薬剤情報) or `checkup` (特定健診等情報).
    #[arg(long, value_enum, value_name = "WHAT")]
    consent: Vec<ConsentChoice>,
    /// The encoding of the result file.
    #[arg(long, value_enum, default_value = "utf-8")]
    encoding: FileEncoding,
}

/// A consent chosen at the reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ConsentChoice {
    /// 診療・薬剤情報
    ClinicalDrug,
    /// 特定健診等情報
    Checkup,
}

/// The encoding of a written file (文字コード識別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum FileEncoding {
    #[value(name = "utf-8")]
    Utf8,
    #[value(name = "shift_jis")]
    ShiftJis,
}

impl From<FileEncoding> for TextEncoding {
    fn from(encoding: FileEncoding) -> TextEncoding {
        match encoding {
            FileEncoding::Utf8 => TextEncoding::Utf8,
            FileEncoding::ShiftJis => TextEncoding::ShiftJis,
        }
    }
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

/// The card's answer to a one-time challenge of the platform: what a card
/// check and a sign-in send.
struct SignedChallenge {
    challenge_id: String,
    /// The user-authentication certificate, DER.
    certificate: Vec<u8>,
    signature: Vec<u8>,
}

/// Read the card's user-authentication certificate, get a challenge from the
/// platform, verify the PIN (asked for when not given) and sign the
/// challenge. `Ok(Err(sentence))` when the card refused (locked, wrong PIN).
async fn sign_challenge(
    card: &str,
    platform: &str,
    http: &reqwest::Client,
    pin: Option<String>,
) -> anyhow::Result<Result<SignedChallenge, String>> {
    let connection = CardConnection::connect(card).await?;
    let mut session = JpkiSession::open(connection).await?;
    let certificate = session.read_auth_certificate().await?;
    if session.auth_pin_tries_left().await? == 0 {
        return Ok(Err(ReaderError::Locked { pin: onshi_card::reader::Pin::Auth }.to_string()));
    }
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

    let pin = match pin {
        Some(pin) => pin,
        None => read_pin()?,
    };
    match session.verify_auth_pin(&pin).await {
        Ok(()) => {}
        Err(e @ (ReaderError::WrongPin { .. } | ReaderError::Locked { .. } | ReaderError::BadPinShape { .. })) => {
            return Ok(Err(e.to_string()));
        }
        Err(other) => return Err(other.into()),
    }
    let signature = session.sign_with_auth_key(&onshi_card::sha256_digest_info(&nonce)).await?;
    Ok(Ok(SignedChallenge { challenge_id: id.to_owned(), certificate, signature }))
}

async fn sign_in(config_file: Option<PathBuf>, args: SignInArgs) -> anyhow::Result<ExitCode> {
    let platform = match args.platform {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => settings::load(config_file, &[])?.config.server.public_base_url(),
    };
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .context("cannot start the HTTP client")?;
    let signed = match sign_challenge(&args.card, &platform, &http, args.pin).await? {
        Ok(signed) => signed,
        Err(refusal) => return refuse(refusal),
    };
    let response = http
        .post(format!("{platform}/jpki/sign-in"))
        .json(&serde_json::json!({
            "challenge_id": signed.challenge_id,
            "certificate": STANDARD.encode(&signed.certificate),
            "signature": STANDARD.encode(&signed.signature),
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

/// A card check at reception, written as the terminal writes it: the card
/// signs the platform's challenge, `POST /facility/eligibility/card` answers
/// with the visit date and the patient's consent, and the answer goes to
/// `DIR/face` as a card-check result file (照会区分 1) named as the terminal
/// names them (`OQSsiquc01res_face_…`). A check the platform could not
/// answer is written too, as an error file (ONS101–ONS104), and exits 1;
/// a card that refused (wrong PIN, locked) writes nothing, as the patient
/// tries again at the reader.
async fn check(config_file: Option<PathBuf>, args: CheckArgs) -> anyhow::Result<ExitCode> {
    let platform = match args.client.platform {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => settings::load(config_file, &[])?.config.server.public_base_url(),
    };
    let facility: onshi_domain::id::FacilityCode =
        args.facility.parse().map_err(|e| anyhow::anyhow!("--facility {:?}: {e}", args.facility))?;
    let visit_date = match &args.visit_date {
        Some(text) => {
            Some(onshi_domain::date::parse_date(text).map_err(|e| anyhow::anyhow!("--visit-date {text:?}: {e}"))?)
        }
        None => None,
    };
    let exchange = ExchangeDir::new(&args.dir);
    exchange
        .create_all()
        .with_context(|| format!("cannot create the exchange folders under {}", args.dir.display()))?;
    let mut api = FacilityApi::new(&platform, &args.client.client_id, &args.client.client_secret)?;
    let signed = match sign_challenge(&args.card, &platform, api.http(), args.pin).await? {
        Ok(signed) => signed,
        Err(refusal) => return refuse(refusal),
    };
    let mut query = serde_json::json!({
        "challenge_id": signed.challenge_id,
        "certificate": STANDARD.encode(&signed.certificate),
        "signature": STANDARD.encode(&signed.signature),
        "consent": {
            "clinical_drug": args.consent.contains(&ConsentChoice::ClinicalDrug),
            "checkup": args.consent.contains(&ConsentChoice::Checkup),
        },
    });
    if let Some(date) = visit_date {
        query["visit_date"] = onshi_domain::date::iso(date).into();
    }
    let at = japan_now();
    let file_answer =
        |answer| EligibilityResponse::card_check(answer, Some(facility.as_str().to_owned()), at, args.encoding.into());
    let (response, failure) = match api.post("/facility/eligibility/card", &query).await {
        Ok(body) => {
            let answer = serde_json::from_value::<platform::Answer>(body)
                .map_err(|e| format!("the platform's answer is not an eligibility answer: {e}"))
                .and_then(|answer| oqs_answer(&answer, at));
            match answer {
                Ok(answer) => (file_answer(answer), None),
                Err(detail) => (
                    file_answer(EligibilityAnswer::not_found()).failed(ServiceFailure::Unavailable, &detail),
                    Some(detail),
                ),
            }
        }
        Err(failure) => {
            let detail = format!("the platform at {platform} {failure}");
            (file_answer(EligibilityAnswer::not_found()).failed(service_failure(&failure), &detail), Some(detail))
        }
    };
    let serial = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_micros() % 100_000_000_000_000_000).unwrap_or(0))
        .unwrap_or(0);
    let name = face_file_name(facility.as_str(), serial, at);
    let encoded = response.to_xml();
    let path = write_atomically(&exchange.face_dir(), &name, &encoded.bytes)
        .with_context(|| format!("cannot write the card-check file {name} in {}", exchange.face_dir().display()))?;
    if let Some(detail) = failure {
        eprintln!("{detail}; the error is written to {}", path.display());
        return Ok(ExitCode::FAILURE);
    }
    let validity = response.answer.validity.map(|v| format!("{} ({})", v.code(), v.label_ja())).unwrap_or_default();
    println!("資格有効性 {validity}: written to {}", path.display());
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: ReaderCommand) -> anyhow::Result<ExitCode> {
    match command {
        ReaderCommand::SignIn(args) => sign_in(config_file, args).await,
        ReaderCommand::Check(args) => check(config_file, args).await,
    }
}
