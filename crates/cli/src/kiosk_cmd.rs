//! `onshi kiosk`: the face-recognition card reader at a clinic's reception
//! (顔認証付きカードリーダー) and the reception page its staff watch.
//!
//! One process at the clinic holds the card reader (the emulator's local
//! socket or a PC/SC reader) and the facility's client credentials, and
//! serves two pages:
//!
//! - the kiosk screen, on loopback only, for the touch screen beside the
//!   reader: the patient walks the real reader's five screens (place the
//!   card, face or PIN, authenticate, consent per category, done). The PIN
//!   goes from that screen to this process and from here only to the card;
//!   the platform sees the card's signature, never the PIN.
//! - the reception page, for the staff's browsers on the clinic LAN: every
//!   finished check, live, a printable view of each, and the manual check by
//!   insured number (資格確認書 or a paper card).
//!
//! Face verification (顔認証) is simulated: the camera is a card file
//! (`--camera`) whose holder stands before it, and the reader compares that
//! face stand-in with the photo it reads from the card's 券面確認AP. A match
//! checks eligibility without a PIN, so without the card's signature: the
//! certificate alone goes to the platform (`verification: face`), which
//! trusts the facility's reader as the real system trusts its terminal.
//!
//! Failure mode (障害時, `kiosk_offline`): when the platform cannot be
//! reached, the reader verifies the card itself (the card's signature over a
//! nonce it makes, bound to facility, visit id, time and consent; the chain
//! to the root it keeps; the last CRL it fetched), queues the visit durably
//! before the patient sees 完了, shows the last known eligibility marked as
//! such, and a background task reconciles the queue when the platform
//! answers again.
//!
//! Patient data stays at the clinic: the checks live in this process's
//! memory and are gone when it stops, as the real terminal's screen is; the
//! failure mode's queue and last known answers are kept in the kiosk's state
//! directory (mode 0600), on the clinic's machine only.
//! The reader serves one patient at a time: the visit under way is one
//! state, advanced by the kiosk screen's forms.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, NaiveDateTime, TimeDelta, Utc};
use clap::Args;
use onshi_card::{CardConnection, JpkiSession, ReaderError};
use serde::Deserialize;

use crate::connector_cmd::japan_now;
use crate::kiosk_offline::{self as offline, OfflineState, QueuedVisit, VisitState};
use crate::kiosk_pages as pages;
use crate::platform::{self, ApiFailure, FacilityApi};
use crate::settings;

#[derive(Debug, Args)]
pub(crate) struct KioskArgs {
    /// The card reader: `tcp://HOST:PORT` (the emulator of `onshi card
    /// serve`), `pcsc` (the first PC/SC reader with a card) or `pcsc:READER NAME`.
    #[arg(long, default_value = "tcp://127.0.0.1:35990", value_name = "CARD")]
    card: String,
    #[command(flatten)]
    client: crate::platform::ClientArgs,
    /// Where the kiosk screen is served; a loopback address only, since the
    /// PIN is typed on it (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:7800", value_name = "HOST:PORT")]
    listen: SocketAddr,
    /// Where the reception page is served: a clinic LAN address for the
    /// staff's browsers, or loopback when reception uses this machine.
    #[arg(long, default_value = "127.0.0.1:7801", value_name = "HOST:PORT")]
    reception: SocketAddr,
    /// The visit date sent with every check (default: today in Japan).
    #[arg(long, value_name = "DATE")]
    visit_date: Option<String>,
    /// The face-recognition camera, simulated: a card file whose holder
    /// stands in front of it (its face photo stand-in is the face the camera
    /// sees). Without it, 顔認証 sends the patient to the PIN.
    #[arg(long, value_name = "CARD FILE")]
    camera: Option<PathBuf>,
    /// Where the failure mode's state is kept (the CA certificates, the last
    /// CRL, the last known answers and the queue of offline visits, mode
    /// 0600; default: `kiosk` in the data directory).
    #[arg(long, value_name = "DIR")]
    state_dir: Option<PathBuf>,
    /// How often the CA certificates and the CRL are fetched again and the
    /// queue of offline visits is sent, in seconds.
    #[arg(long, default_value_t = 60, value_name = "SECONDS")]
    sync_secs: u64,
}

/// How long before its end a certificate's expiry is announced at the reader.
const EXPIRY_NOTICE_DAYS: i64 = 90;

/// The reader and the reception list, shared by both pages.
pub(crate) struct Kiosk {
    card: String,
    api: tokio::sync::Mutex<FacilityApi>,
    visit_date: Option<onshi_domain::Date>,
    /// The face in front of the simulated camera.
    camera: Option<Vec<u8>>,
    visit: tokio::sync::Mutex<Visit>,
    reception: std::sync::Mutex<Vec<Check>>,
    /// The failure mode's durable state.
    offline: OfflineState,
    /// Wakes the sync task (a visit was queued).
    wake: tokio::sync::Notify,
    /// Whether the platform answered the last sync.
    reachable: AtomicBool,
    sync_secs: u64,
}

/// The patient at the reader.
#[derive(Default)]
struct Visit {
    screen: Screen,
    /// The card, with the PIN verified once the patient authenticated.
    session: Option<JpkiSession>,
    /// The card's user-authentication certificate, DER.
    certificate: Vec<u8>,
    /// The holder was verified by face (no PIN, so the card cannot sign).
    face: bool,
    /// 診療・薬剤情報, as answered on the first consent screen.
    clinical_drug: bool,
    /// Said on every screen of this visit: the certificate expires soon.
    expiry_notice: Option<String>,
    /// The answer waiting while the patient decides on registration.
    pending: Option<platform::Answer>,
}

/// Where the patient is in the reader's five steps.
#[derive(Debug, Clone, Default)]
pub(crate) enum Screen {
    /// 1. カードを置いてください.
    #[default]
    Waiting,
    /// The card could not be read; the patient places it again.
    Unreadable(String),
    /// 2. 顔認証 or 暗証番号; `pin` is false for a card issued without PINs.
    Method {
        pin: bool,
    },
    /// 3. The PIN pad, with what the last try said.
    Pin {
        message: Option<String>,
    },
    /// 4. Consent, one category per screen.
    ConsentClinicalDrug,
    ConsentCheckup,
    /// The card is not registered as insurance card: register now?
    Register,
    /// 5. Done, with the result.
    Done(Done),
    /// The reader cannot go on with this card (locked PIN, suspended
    /// certificate, platform refusal); the patient goes to the desk.
    Refused {
        title: String,
        message: String,
    },
}

/// What the last screen tells the patient.
#[derive(Debug, Clone)]
pub(crate) struct Done {
    pub(crate) name: String,
    pub(crate) lines: Vec<String>,
    /// Failure mode: the banner that says the answer is not the platform's.
    pub(crate) failure_mode: Option<String>,
}

/// How a check was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CheckMethod {
    /// マイナ保険証 at the reader.
    Card,
    /// 保険者番号・記号・番号 typed at reception.
    InsuredNumber,
}

/// Where a check's answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    /// The platform answered.
    Platform,
    /// The platform was unreachable: the answer is the last one known
    /// (failure mode, issue 5 part 4); the page marks it in a banner.
    FailureMode,
}

/// One finished check, as the reception page shows it.
#[derive(Debug, Clone)]
pub(crate) struct Check {
    pub(crate) id: u64,
    pub(crate) at: NaiveDateTime,
    pub(crate) method: CheckMethod,
    pub(crate) source: Source,
    pub(crate) outcome: Outcome,
    /// What staff should know beyond the answer (certificate in its grace,
    /// card just registered, …).
    pub(crate) notes: Vec<String>,
}

/// A check's result.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    Answer(platform::Answer),
    /// No verdict: the card or the platform refused, or the platform failed.
    Refused {
        code: String,
        message: String,
    },
}

impl Kiosk {
    fn record(&self, method: CheckMethod, outcome: Outcome, notes: Vec<String>) -> u64 {
        self.record_from(Source::Platform, method, outcome, notes)
    }

    fn record_from(&self, source: Source, method: CheckMethod, outcome: Outcome, notes: Vec<String>) -> u64 {
        let mut checks = self.reception.lock().expect("the reception list is never poisoned");
        let id = checks.last().map_or(1, |c| c.id + 1);
        checks.push(Check { id, at: japan_now(), method, source, outcome, notes });
        id
    }

    fn checks(&self) -> Vec<Check> {
        self.reception.lock().expect("the reception list is never poisoned").clone()
    }
}

pub(crate) async fn run(config_file: Option<PathBuf>, args: KioskArgs) -> anyhow::Result<ExitCode> {
    if !args.listen.ip().is_loopback() {
        anyhow::bail!(
            "--listen {}: the kiosk screen takes the patient's PIN and is served on a loopback address only",
            args.listen
        );
    }
    let config = match (&args.client.platform, &args.state_dir) {
        (Some(_), Some(_)) => None,
        _ => Some(settings::load(config_file, &[])?.config),
    };
    let platform = match (args.client.platform, &config) {
        (Some(url), _) => url.trim_end_matches('/').to_owned(),
        (None, Some(config)) => config.server.public_base_url(),
        (None, None) => unreachable!("the configuration is loaded when --platform is not given"),
    };
    let state_dir = match (args.state_dir, &config) {
        (Some(dir), _) => dir,
        (None, Some(config)) => config.data_dir.join("kiosk"),
        (None, None) => unreachable!("the configuration is loaded when --state-dir is not given"),
    };
    if args.sync_secs == 0 {
        anyhow::bail!("--sync-secs must be at least 1");
    }
    let offline = OfflineState::open(&state_dir)?;
    let visit_date = match &args.visit_date {
        Some(text) => {
            Some(onshi_domain::date::parse_date(text).map_err(|e| anyhow::anyhow!("--visit-date {text:?}: {e}"))?)
        }
        None => None,
    };
    let camera = match &args.camera {
        Some(path) => Some(
            onshi_card::CardFile::load(path)
                .with_context(|| format!("--camera {}: not a card file", path.display()))?
                .face_photo,
        ),
        None => None,
    };
    let kiosk = Arc::new(Kiosk {
        card: args.card,
        api: tokio::sync::Mutex::new(FacilityApi::new(&platform, &args.client.client_id, &args.client.client_secret)?),
        visit_date,
        camera,
        visit: tokio::sync::Mutex::new(Visit::default()),
        reception: std::sync::Mutex::new(Vec::new()),
        offline,
        wake: tokio::sync::Notify::new(),
        reachable: AtomicBool::new(true),
        sync_secs: args.sync_secs,
    });
    let kiosk_listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {} for the kiosk screen", args.listen))?;
    let reception_listener = tokio::net::TcpListener::bind(args.reception)
        .await
        .with_context(|| format!("cannot listen on {} for the reception page", args.reception))?;
    let kiosk_addr = kiosk_listener.local_addr().context("the kiosk screen's address")?;
    let reception_addr = reception_listener.local_addr().context("the reception page's address")?;
    eprintln!("onshi kiosk: card {}, platform {platform}, state {}", kiosk.card, state_dir.display());
    eprintln!("  kiosk screen (the patient, beside the reader): http://{kiosk_addr}/");
    eprintln!("  reception page (staff):                       http://{reception_addr}/");
    eprintln!("  Ctrl-C stops the kiosk");

    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let kiosk_server = axum::serve(kiosk_listener, kiosk_router(kiosk.clone()))
        .with_graceful_shutdown(stopped(stop_rx.clone()))
        .into_future();
    let reception_server = axum::serve(reception_listener, reception_router(kiosk.clone()))
        .with_graceful_shutdown(stopped(stop_rx))
        .into_future();
    let sync_task = tokio::spawn(sync(kiosk.clone()));
    let signal = async move {
        onshi_server::shutdown_signal().await;
        let _ = stop_tx.send(true);
    };
    let (kiosk_result, reception_result, ()) = tokio::join!(kiosk_server, reception_server, signal);
    sync_task.abort();
    kiosk_result.context("the kiosk screen's server failed")?;
    reception_result.context("the reception page's server failed")?;
    eprintln!("onshi kiosk stopped");
    Ok(ExitCode::SUCCESS)
}

fn kiosk_router(kiosk: Arc<Kiosk>) -> Router {
    Router::new()
        .route("/", get(kiosk_screen))
        .route("/start", post(start))
        .route("/method", post(method))
        .route("/pin", post(pin))
        .route("/consent", post(consent))
        .route("/register", post(register))
        .route("/reset", post(reset))
        .with_state(kiosk)
}

fn reception_router(kiosk: Arc<Kiosk>) -> Router {
    Router::new()
        .route("/", get(reception_page))
        .route("/checks", get(checks_fragment))
        .route("/checks/{id}", get(print_view))
        .route("/checks/{id}/medical", post(medical_view))
        .route("/insured-number", post(number_check))
        .with_state(kiosk)
}

fn html(body: String) -> Response {
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], Html(body))
        .into_response()
}

/// Every form answers with the screen it leads to, so that a reload of `/`
/// shows the same screen (POST, then redirect, then GET).
fn to_screen() -> Response {
    Redirect::to("/").into_response()
}

async fn kiosk_screen(State(kiosk): State<Arc<Kiosk>>) -> Response {
    let visit = kiosk.visit.lock().await;
    html(pages::kiosk(&visit.screen, visit.expiry_notice.as_deref()))
}

/// 1 → 2: read the card. A card whose PIN is already locked is refused here,
/// before the patient chooses how to authenticate.
async fn start(State(kiosk): State<Arc<Kiosk>>) -> Response {
    let mut visit = kiosk.visit.lock().await;
    *visit = Visit::default();
    let opened = async {
        let connection = CardConnection::connect(&kiosk.card).await?;
        let mut session = JpkiSession::open(connection).await?;
        let certificate = session.read_auth_certificate().await?;
        let tries_left = match session.auth_pin_tries_left().await {
            Ok(tries_left) => Some(tries_left),
            // 69 84: a card issued without PINs, usable with face verification only.
            Err(ReaderError::Card { sw: onshi_card::StatusWord(0x69, 0x84), .. }) => None,
            Err(e) => return Err(e),
        };
        Ok::<_, ReaderError>((session, certificate, tries_left))
    }
    .await;
    match opened {
        Ok((session, certificate, tries_left)) => {
            visit.expiry_notice = expiry_notice(&certificate, Utc::now());
            visit.certificate = certificate;
            if tries_left == Some(0) {
                refuse_locked(&kiosk, &mut visit);
            } else {
                visit.session = Some(session);
                visit.screen = Screen::Method { pin: tries_left.is_some() };
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "the card could not be read");
            visit.screen = Screen::Unreadable(
                "カードを読み取れませんでした。カードを置き直して、もう一度「はじめる」を押してください。".to_owned(),
            );
        }
    }
    to_screen()
}

fn refuse_locked(kiosk: &Kiosk, visit: &mut Visit) {
    visit.session = None;
    visit.screen = Screen::Refused {
        title: "暗証番号がロックされています".to_owned(),
        message: "暗証番号を続けて間違えたため、このカードは使えません。\
                  お住まいの市区町村の窓口で暗証番号の再設定をしてください。\
                  本日の受付は、受付窓口にお声がけください。"
            .to_owned(),
    };
    kiosk.record(
        CheckMethod::Card,
        Outcome::Refused {
            code: "pin_locked".to_owned(),
            message: "利用者証明用暗証番号がロックされています（市区町村で再設定が必要）".to_owned(),
        },
        Vec::new(),
    );
}

/// The certificate's end, said at the reader when it is near.
fn expiry_notice(certificate: &[u8], now: DateTime<Utc>) -> Option<String> {
    let (_, parsed) = x509_parser::parse_x509_certificate(certificate).ok()?;
    let not_after = DateTime::from_timestamp(parsed.validity().not_after.timestamp(), 0)?;
    if now < not_after && not_after - now <= TimeDelta::days(EXPIRY_NOTICE_DAYS) {
        let day = onshi_domain::date::in_japan(not_after);
        Some(format!(
            "電子証明書の有効期限が近づいています（{}まで）。お住まいの市区町村の窓口で更新の手続きをしてください。",
            pages::japanese_date(day)
        ))
    } else {
        None
    }
}

#[derive(Debug, Deserialize)]
struct MethodForm {
    method: String,
}

/// 2 → 3: the PIN pad, or the face compared with the card's photo (the
/// camera is simulated; see `--camera`). A face that does not match sends
/// the patient to the PIN, as a real reader does.
async fn method(State(kiosk): State<Arc<Kiosk>>, Form(form): Form<MethodForm>) -> Response {
    let mut visit = kiosk.visit.lock().await;
    let Screen::Method { pin: has_pin } = visit.screen else {
        return to_screen();
    };
    let to_pin = |message: &str| {
        if has_pin {
            Screen::Pin { message: (!message.is_empty()).then(|| message.to_owned()) }
        } else {
            Screen::Refused {
                title: "本人確認ができませんでした".to_owned(),
                message: "このカードは暗証番号なしで発行されているため、顔認証でのみ受付できます。                          受付窓口にお声がけください。"
                    .to_owned(),
            }
        }
    };
    if form.method != "face" {
        visit.screen = to_pin("");
        return to_screen();
    }
    let Some(camera) = kiosk.camera.clone() else {
        visit.screen = to_pin("顔認証用のカメラが使えません。暗証番号を入力してください。");
        return to_screen();
    };
    let Some(session) = visit.session.as_mut() else {
        visit.screen = Screen::Waiting;
        return to_screen();
    };
    match session.read_face_photo().await {
        Ok(photo) if photo == camera => {
            visit.face = true;
            visit.screen = Screen::ConsentClinicalDrug;
        }
        Ok(_) => visit.screen = to_pin("顔が確認できませんでした。暗証番号を入力してください。"),
        Err(e) => {
            tracing::warn!(error = %e, "the card's face photo could not be read");
            visit.screen = to_pin("顔写真を読み取れませんでした。暗証番号を入力してください。");
        }
    }
    to_screen()
}

#[derive(Deserialize)]
struct PinForm {
    pin: String,
}

/// 3 → 4: the PIN goes to the card, and nowhere else.
async fn pin(State(kiosk): State<Arc<Kiosk>>, Form(form): Form<PinForm>) -> Response {
    let mut visit = kiosk.visit.lock().await;
    if !matches!(visit.screen, Screen::Pin { .. }) {
        return to_screen();
    }
    let Some(session) = visit.session.as_mut() else {
        visit.screen = Screen::Waiting;
        return to_screen();
    };
    match session.verify_auth_pin(form.pin.trim()).await {
        Ok(()) => match visit.pending.take() {
            // A face-verified patient who chose to register typed the PIN for it.
            Some(answer) => register_card(&kiosk, &mut visit, answer).await,
            None => visit.screen = Screen::ConsentClinicalDrug,
        },
        Err(ReaderError::BadPinShape { .. }) => {
            visit.screen = Screen::Pin {
                message: Some("暗証番号は数字4桁です。もう一度入力してください。".to_owned())
            }
        }
        Err(ReaderError::WrongPin { tries_left, .. }) => {
            visit.screen = Screen::Pin {
                message: Some(format!(
                    "暗証番号が違います（残り回数 {tries_left}回）。あと{tries_left}回間違えると、カードがロックされます。"
                )),
            }
        }
        Err(ReaderError::Locked { .. }) => refuse_locked(&kiosk, &mut visit),
        Err(e) => {
            tracing::warn!(error = %e, "the card failed during the PIN");
            *visit = Visit::default();
            visit.screen = Screen::Unreadable(
                "カードとの通信が切れました。カードを置き直して、もう一度「はじめる」を押してください。".to_owned(),
            );
        }
    }
    to_screen()
}

#[derive(Debug, Deserialize)]
struct ConsentForm {
    /// `yes` or `no`.
    choice: String,
}

/// 4: 診療・薬剤情報, then 特定健診等情報; after the second the check runs.
async fn consent(State(kiosk): State<Arc<Kiosk>>, Form(form): Form<ConsentForm>) -> Response {
    let mut visit = kiosk.visit.lock().await;
    let agreed = form.choice == "yes";
    match visit.screen {
        Screen::ConsentClinicalDrug => {
            visit.clinical_drug = agreed;
            visit.screen = Screen::ConsentCheckup;
        }
        Screen::ConsentCheckup => {
            let clinical_drug = visit.clinical_drug;
            card_check(&kiosk, &mut visit, clinical_drug, agreed).await;
        }
        _ => {}
    }
    to_screen()
}

/// Why no signed challenge: the platform (then the failure mode may go
/// on) or the card.
enum ChallengeFailure {
    Platform(ApiFailure),
    Card(String),
}

impl std::fmt::Display for ChallengeFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChallengeFailure::Platform(failure) => write!(f, "the platform {failure}"),
            ChallengeFailure::Card(detail) => write!(f, "the card failed: {detail}"),
        }
    }
}

/// A challenge from the platform, signed by the card whose PIN is verified.
async fn signed_challenge(
    api: &FacilityApi,
    session: &mut JpkiSession,
) -> Result<(String, Vec<u8>, Vec<u8>), ChallengeFailure> {
    let down = |detail: String| ChallengeFailure::Platform(ApiFailure::Unreachable(detail));
    let failed = |detail: String| ChallengeFailure::Platform(ApiFailure::Unavailable(detail));
    let response = api
        .http()
        .post(format!("{}/jpki/challenges", api.base()))
        .send()
        .await
        .map_err(|e| down(format!("the platform cannot be reached: {e}")))?;
    let challenge: serde_json::Value = response
        .error_for_status()
        .map_err(|e| failed(format!("the platform refused a challenge: {e}")))?
        .json()
        .await
        .map_err(|e| failed(format!("the platform's challenge is not JSON: {e}")))?;
    let (Some(id), Some(nonce)) = (challenge["challenge_id"].as_str(), challenge["challenge"].as_str()) else {
        return Err(failed(format!("the platform's challenge lacks challenge_id or challenge: {challenge}")));
    };
    let nonce = STANDARD.decode(nonce).map_err(|_| failed("the platform's challenge is not base64".to_owned()))?;
    let certificate = session.read_auth_certificate().await.map_err(|e| ChallengeFailure::Card(e.to_string()))?;
    let signature = session
        .sign_with_auth_key(&onshi_card::sha256_digest_info(&nonce))
        .await
        .map_err(|e| ChallengeFailure::Card(e.to_string()))?;
    Ok((id.to_owned(), certificate, signature))
}

/// Failures that put the reader in failure mode: the platform cannot be
/// reached, or it fails (5xx); not a refusal, which is an answer.
fn platform_down(failure: &ApiFailure) -> bool {
    matches!(failure, ApiFailure::Unreachable(_) | ApiFailure::Unavailable(_))
}

fn unavailable_screen() -> Screen {
    Screen::Refused {
        title: "ただいま資格確認ができません".to_owned(),
        message: "オンライン資格確認につながりません。受付窓口にお声がけください。".to_owned(),
    }
}

async fn card_check(kiosk: &Kiosk, visit: &mut Visit, clinical_drug: bool, checkup: bool) {
    let mut api = kiosk.api.lock().await;
    let consent = serde_json::json!({ "clinical_drug": clinical_drug, "checkup": checkup });
    let mut query = if visit.face {
        serde_json::json!({
            "verification": "face",
            "certificate": STANDARD.encode(&visit.certificate),
            "consent": consent,
        })
    } else {
        let Some(session) = visit.session.as_mut() else {
            visit.screen = Screen::Waiting;
            return;
        };
        let (challenge_id, certificate, signature) = match signed_challenge(&api, session).await {
            Ok(signed) => signed,
            Err(ChallengeFailure::Platform(failure)) if platform_down(&failure) => {
                drop(api);
                offline_check(kiosk, visit, clinical_drug, checkup, &failure.to_string()).await;
                return;
            }
            Err(failure) => {
                let detail = failure.to_string();
                tracing::warn!(%detail, "no signed challenge");
                kiosk.record(
                    CheckMethod::Card,
                    Outcome::Refused { code: "unavailable".to_owned(), message: detail },
                    Vec::new(),
                );
                visit.screen = unavailable_screen();
                return;
            }
        };
        serde_json::json!({
            "challenge_id": challenge_id,
            "certificate": STANDARD.encode(&certificate),
            "signature": STANDARD.encode(&signature),
            "consent": consent,
        })
    };
    if let Some(date) = kiosk.visit_date {
        query["visit_date"] = onshi_domain::date::iso(date).into();
    }
    let posted = api.post("/facility/eligibility/card", &query).await;
    if let Some(code) = api.facility_code()
        && kiosk.offline.facility_code().as_deref() != Some(code)
        && let Err(e) = kiosk.offline.set_facility_code(code)
    {
        tracing::warn!(error = %e, "the facility code could not be kept");
    }
    drop(api);
    let answer = match posted {
        Ok(body) => {
            // The last known answer for this card, for the failure mode.
            if let Some(serial) = offline::certificate_serial(&visit.certificate)
                && let Err(e) = kiosk.offline.set_last_known(&serial, &body.to_string(), Utc::now())
            {
                tracing::warn!(error = %e, "the answer could not be kept as last known");
            }
            serde_json::from_value::<platform::Answer>(body).map_err(|e| {
                ApiFailure::Unavailable(format!("the platform's answer is not an eligibility answer: {e}"))
            })
        }
        Err(failure) if platform_down(&failure) => {
            offline_check(kiosk, visit, clinical_drug, checkup, &failure.to_string()).await;
            return;
        }
        Err(failure) => Err(failure),
    };
    match answer {
        Ok(answer) if answer.card_registered == Some(false) => {
            visit.pending = Some(answer);
            visit.screen = Screen::Register;
        }
        Ok(answer) => finish(kiosk, visit, answer, Vec::new(), Vec::new()),
        Err(ApiFailure::Refused { code, message }) => {
            visit.screen = refusal_screen(&code);
            kiosk.record(CheckMethod::Card, Outcome::Refused { code, message }, Vec::new());
        }
        Err(failure) => {
            tracing::warn!(%failure, "the card check failed");
            kiosk.record(
                CheckMethod::Card,
                Outcome::Refused { code: "unavailable".to_owned(), message: failure.to_string() },
                Vec::new(),
            );
            visit.screen = unavailable_screen();
        }
    }
}

/// The answer goes to reception and the patient sees the last screen.
fn finish(kiosk: &Kiosk, visit: &mut Visit, answer: platform::Answer, mut lines: Vec<String>, mut notes: Vec<String>) {
    if answer.certificate_validity.as_deref() == Some("within_grace") {
        lines.push(
            "電子証明書の有効期限が切れています。資格の確認はできましたが、診療・お薬などの情報は提供されません。\
             お住まいの市区町村の窓口で更新の手続きをしてください。"
                .to_owned(),
        );
        notes.push("電子証明書の有効期限切れ（3か月の猶予期間中）: 医療情報は提供されません".to_owned());
    }
    if let Some(notice) = &visit.expiry_notice {
        lines.push(notice.clone());
        notes.push("電子証明書の有効期限が近づいています".to_owned());
    }
    notes.insert(0, if visit.face { "本人確認: 顔認証" } else { "本人確認: 暗証番号" }.to_owned());
    let name = answer.coverages.first().map(|c| c.name.clone()).unwrap_or_default();
    let valid = answer.validity.code == 1;
    if !valid {
        lines.insert(
            0,
            format!("保険の資格を確認できませんでした（{}）。受付窓口にお声がけください。", answer.validity.label),
        );
    }
    kiosk.record(CheckMethod::Card, Outcome::Answer(answer), notes);
    visit.session = None;
    visit.screen = Screen::Done(Done { name, lines, failure_mode: None });
}

/// `2026年5月1日 9:30`, Japan time.
fn japanese_time(at: DateTime<Utc>) -> String {
    onshi_domain::date::time_in_japan(at).format("%Y年%-m月%-d日 %-H:%M").to_string()
}

/// The platform cannot be reached: the card is verified here, the visit
/// queued (committed before the patient sees 完了) and the last known
/// answer shown, marked as such. Without the trust material or the
/// facility code (a kiosk that never reached the platform) the patient is
/// sent to the desk as before.
async fn offline_check(kiosk: &Kiosk, visit: &mut Visit, clinical_drug: bool, checkup: bool, why: &str) {
    tracing::warn!(why, "the platform cannot be reached: failure mode");
    let (Some(facility), Some(trust)) = (kiosk.offline.facility_code(), kiosk.offline.trust()) else {
        kiosk.record(
            CheckMethod::Card,
            Outcome::Refused {
                code: "unavailable".to_owned(),
                message: format!("{why}（障害時モードの準備なし: 証明書と失効リストをまだ取得していません）"),
            },
            Vec::new(),
        );
        visit.screen = unavailable_screen();
        return;
    };
    let visited_at = DateTime::from_timestamp(Utc::now().timestamp(), 0).unwrap_or_else(Utc::now);
    let visit_id: String = rand::random::<[u8; 16]>().iter().map(|b| format!("{b:02x}")).collect();
    let consent = onshi_app::eligibility::ConsentChoice { clinical_drug, checkup };
    let message = onshi_app::eligibility::offline_visit_message(&facility, &visit_id, visited_at, consent);
    let signature = if visit.face {
        None
    } else {
        let Some(session) = visit.session.as_mut() else {
            visit.screen = Screen::Waiting;
            return;
        };
        match session.sign_with_auth_key(&onshi_card::sha256_digest_info(&message)).await {
            Ok(signature) => Some(signature),
            Err(e) => {
                tracing::warn!(error = %e, "the card did not sign the visit");
                *visit = Visit::default();
                visit.screen = Screen::Unreadable(
                    "カードとの通信が切れました。カードを置き直して、もう一度「はじめる」を押してください。".to_owned(),
                );
                return;
            }
        }
    };
    let crl_note = trust.crl_made_at().map(|at| format!("、{}時点", japanese_time(at))).unwrap_or_default();
    if let Err(refusal) = trust.verify(&visit.certificate, &message, signature.as_deref(), visited_at) {
        visit.session = None;
        visit.screen = refusal_screen(refusal.code);
        kiosk.record_from(
            Source::FailureMode,
            CheckMethod::Card,
            Outcome::Refused { code: refusal.code.to_owned(), message: refusal.message },
            vec![format!("障害時モード: カードを端末内で検証し、受け付けませんでした（失効リスト{crl_note}）")],
        );
        return;
    }
    let serial = offline::certificate_serial(&visit.certificate).unwrap_or_default();
    let last = kiosk
        .offline
        .last_known(&serial)
        .and_then(|(json, at)| serde_json::from_str::<platform::Answer>(&json).ok().map(|answer| (answer, at)));
    let name = last.as_ref().and_then(|(a, _)| a.coverages.first().map(|c| c.name.clone())).unwrap_or_default();
    let queued = QueuedVisit {
        visit_id: visit_id.clone(),
        visited_at,
        certificate: visit.certificate.clone(),
        signature,
        clinical_drug,
        checkup,
        name: name.clone(),
        state: VisitState::Queued,
        outcome: None,
        attempts: 0,
    };
    if let Err(e) = kiosk.offline.enqueue(&queued) {
        tracing::error!(error = %e, "the visit could not be queued");
        kiosk.record(
            CheckMethod::Card,
            Outcome::Refused { code: "unavailable".to_owned(), message: format!("{why}; the queue failed: {e}") },
            Vec::new(),
        );
        visit.screen = unavailable_screen();
        return;
    }
    let mut notes = vec![
        format!("障害時モード: 照合待ち（受付番号 {}）", &visit_id[..8]),
        format!("カードは端末内で検証済み（署名・証明書チェーン・失効リスト{crl_note}）"),
        if visit.face { "本人確認: 顔認証" } else { "本人確認: 暗証番号" }.to_owned(),
    ];
    let (banner, outcome) = match last {
        Some((mut answer, at)) => {
            // This visit's consent; medical information waits for the platform.
            answer.consent_categories = Some(consent.categories());
            answer.medical_information_allowed = false;
            notes.insert(1, format!("前回確認時点の情報（{}）", japanese_time(at)));
            (
                format!(
                    "障害時モード: オンライン資格確認につながらないため、前回確認時点（{}）の情報で受け付けました。                     つながり次第、あらためて確認します。",
                    japanese_time(at)
                ),
                Outcome::Answer(answer),
            )
        }
        None => (
            "障害時モード: オンライン資格確認につながらないため、カードの確認のみで受け付けました。             保険の資格は受付窓口で確認します。"
                .to_owned(),
            Outcome::Refused {
                code: "no_last_known".to_owned(),
                message: "このカードの前回確認時点の情報がありません。資格情報のお知らせ・資格確認書などで確認してください。"
                    .to_owned(),
            },
        ),
    };
    kiosk.record_from(Source::FailureMode, CheckMethod::Card, outcome, notes);
    visit.session = None;
    visit.screen = Screen::Done(Done { name, lines: Vec::new(), failure_mode: Some(banner) });
    kiosk.wake.notify_one();
}

/// The failure mode's background work, at start and every `--sync-secs`
/// (sooner when a visit was queued): fetch the trust material again, learn
/// the facility code, send the queue.
async fn sync(kiosk: Arc<Kiosk>) {
    loop {
        sync_once(&kiosk).await;
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(kiosk.sync_secs)) => {}
            () = kiosk.wake.notified() => {}
        }
    }
}

async fn sync_once(kiosk: &Kiosk) {
    let now = Utc::now();
    match refresh_trust(kiosk, now).await {
        Ok(()) => {
            if !kiosk.reachable.swap(true, Ordering::SeqCst) {
                tracing::info!("the platform answers again: sending the queue");
                kiosk.offline.all_due_now(now);
            }
        }
        Err(e) => {
            if kiosk.reachable.swap(false, Ordering::SeqCst) {
                tracing::warn!(error = %e, "the platform cannot be reached; the kiosk keeps its last CRL");
            }
            return;
        }
    }
    drain(kiosk).await;
}

/// Fetch the CA certificates and the CRL, check them, keep them; and a
/// token, whose answer names the facility.
async fn refresh_trust(kiosk: &Kiosk, now: DateTime<Utc>) -> anyhow::Result<()> {
    let mut api = kiosk.api.lock().await;
    let root = api.get_bytes("/jpki/root/certificate").await?;
    let auth = api.get_bytes("/jpki/auth/certificate").await?;
    let sign = api.get_bytes("/jpki/sign/certificate").await?;
    let crl = api.get_bytes("/jpki/auth/crl").await?;
    match api.sign_in().await {
        Ok(()) => {
            if let Some(code) = api.facility_code()
                && kiosk.offline.facility_code().as_deref() != Some(code)
            {
                kiosk.offline.set_facility_code(code)?;
            }
        }
        Err(e) => tracing::warn!(error = %e, "no token from the platform"),
    }
    drop(api);
    let store = onshi_pki::TrustStore::new(&root, &auth, &sign)
        .map_err(|e| anyhow::anyhow!("the platform's CA certificates do not hold together: {e}"))?;
    if let Some(kept) = kiosk.offline.trust()
        && kept.store.root_der() != root.as_slice()
    {
        anyhow::bail!("the platform's root certificate changed; the kiosk keeps the one it trusts");
    }
    offline::check_crl(&store, &crl)?;
    kiosk.offline.set_trust(&root, &auth, &sign, &crl, now)
}

/// Send every due visit of the queue; a visit is marked reconciled only
/// once the platform answered it.
async fn drain(kiosk: &Kiosk) {
    for visit in kiosk.offline.due(Utc::now()) {
        let mut query = serde_json::json!({
            "visit_id": visit.visit_id,
            "visited_at": visit.visited_at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "certificate": STANDARD.encode(&visit.certificate),
            "consent": { "clinical_drug": visit.clinical_drug, "checkup": visit.checkup },
        });
        match &visit.signature {
            Some(signature) => query["signature"] = STANDARD.encode(signature).into(),
            None => query["verification"] = "face".into(),
        }
        let sent = kiosk.api.lock().await.post("/facility/eligibility/offline-visits", &query).await;
        let now = Utc::now();
        let settled = match sent {
            Ok(body) => {
                tracing::info!(visit = %visit.visit_id, result = %body["result"], "offline visit reconciled");
                if let (Some(answer), Some(serial)) =
                    (body.get("answer").filter(|a| !a.is_null()), offline::certificate_serial(&visit.certificate))
                    && kiosk.offline.last_known(&serial).is_none_or(|(_, at)| at < visit.visited_at)
                {
                    let _ = kiosk.offline.set_last_known(&serial, &answer.to_string(), visit.visited_at);
                }
                kiosk.offline.settle(&visit.visit_id, VisitState::Reconciled, &body.to_string(), now)
            }
            Err(ApiFailure::Refused { code, message }) => {
                tracing::warn!(visit = %visit.visit_id, %code, %message, "the platform refused an offline visit");
                let body = serde_json::json!({ "code": code, "message": message }).to_string();
                kiosk.offline.settle(&visit.visit_id, VisitState::Rejected, &body, now)
            }
            Err(failure) => {
                tracing::warn!(visit = %visit.visit_id, %failure, "offline visit not reconciled yet");
                let unreachable = matches!(failure, ApiFailure::Unreachable(_));
                let kept = kiosk.offline.retry_later(&visit.visit_id, visit.attempts, now);
                if unreachable {
                    kiosk.reachable.store(false, Ordering::SeqCst);
                    if let Err(e) = kept {
                        tracing::error!(error = %e, "the queue could not be updated");
                    }
                    return;
                }
                kept
            }
        };
        if let Err(e) = settled {
            tracing::error!(error = %e, "the queue could not be updated");
        }
    }
}

/// What the patient reads when the platform refused the card.
fn refusal_screen(code: &str) -> Screen {
    let (title, message) = match code {
        "certificate_suspended" => (
            "このカードは一時停止されています",
            "電子証明書が一時停止されています。受付窓口にお声がけください。\
             カードが見つかった場合は、お住まいの市区町村で停止の解除ができます。",
        ),
        "certificate_revoked" => (
            "このカードの電子証明書は失効しています",
            "お住まいの市区町村の窓口で電子証明書の再発行をしてください。本日の受付は受付窓口にお声がけください。",
        ),
        "certificate_expired" => (
            "電子証明書の有効期限が切れています",
            "有効期限から3か月を過ぎたため、このカードでは資格を確認できません。\
             お住まいの市区町村の窓口で更新の手続きをしてください。本日は資格確認書を受付窓口にお出しください。",
        ),
        "linkage_under_inspection" => (
            "保険の資格を確認できませんでした",
            "登録内容を確認中です。資格確認書または資格情報のお知らせを受付窓口にお出しください。",
        ),
        _ => ("このカードでは受付できませんでした", "受付窓口にお声がけください。"),
    };
    Screen::Refused { title: title.to_owned(), message: message.to_owned() }
}

#[derive(Debug, Deserialize)]
struct RegisterForm {
    choice: String,
}

/// The card is not registered as insurance card: the patient registers it
/// on the spot (`POST /facility/registrations`, one more signature by the
/// card) or not; either way the check's answer goes to reception.
async fn register(State(kiosk): State<Arc<Kiosk>>, Form(form): Form<RegisterForm>) -> Response {
    let mut visit = kiosk.visit.lock().await;
    if !matches!(visit.screen, Screen::Register) {
        return to_screen();
    }
    let Some(answer) = visit.pending.take() else {
        return to_screen();
    };
    if form.choice != "yes" {
        let notes = vec!["マイナ保険証の利用登録なし（患者が登録しませんでした）".to_owned()];
        let lines = vec!["保険証としての利用登録は、マイナポータルや受付でもできます。".to_owned()];
        finish(&kiosk, &mut visit, answer, lines, notes);
        return to_screen();
    }
    if visit.face {
        // Registering takes the card's signature, hence its PIN.
        visit.pending = Some(answer);
        visit.screen = Screen::Pin {
            message: Some("利用登録のため、暗証番号を入力してください。".to_owned())
        };
        return to_screen();
    }
    register_card(&kiosk, &mut visit, answer).await;
    to_screen()
}

/// 利用登録 with one more signature by the card (PIN verified), then the result.
async fn register_card(kiosk: &Kiosk, visit: &mut Visit, answer: platform::Answer) {
    let registered = match visit.session.as_mut() {
        Some(session) => {
            let mut api = kiosk.api.lock().await;
            match signed_challenge(&api, session).await {
                Ok((challenge_id, certificate, signature)) => {
                    let query = serde_json::json!({
                        "challenge_id": challenge_id,
                        "certificate": STANDARD.encode(&certificate),
                        "signature": STANDARD.encode(&signature),
                    });
                    api.post("/facility/registrations", &query).await.map_err(|e| e.to_string())
                }
                Err(failure) => Err(failure.to_string()),
            }
        }
        None => Err("the card session ended".to_owned()),
    };
    let (lines, notes) = match registered {
        Ok(_) => (
            vec!["マイナンバーカードを保険証として利用登録しました。".to_owned()],
            vec!["この場でマイナ保険証の利用登録をしました".to_owned()],
        ),
        Err(detail) => {
            tracing::warn!(%detail, "the registration failed");
            (
                vec!["利用登録ができませんでした。受付窓口にお声がけください。".to_owned()],
                vec![format!("マイナ保険証の利用登録に失敗しました: {detail}")],
            )
        }
    };
    finish(kiosk, visit, answer, lines, notes);
}

/// Back to the first screen; the card session ends (the card forgets its PIN).
async fn reset(State(kiosk): State<Arc<Kiosk>>) -> Response {
    *kiosk.visit.lock().await = Visit::default();
    to_screen()
}

async fn reception_page(State(kiosk): State<Arc<Kiosk>>) -> Response {
    html(pages::reception(&kiosk.checks(), &kiosk.offline.all(), None))
}

async fn checks_fragment(State(kiosk): State<Arc<Kiosk>>) -> Response {
    html(pages::checks_and_queue(&kiosk.checks(), &kiosk.offline.all()))
}

async fn print_view(State(kiosk): State<Arc<Kiosk>>, Path(id): Path<u64>) -> Response {
    match kiosk.checks().into_iter().find(|c| c.id == id) {
        Some(check) => html(pages::print(&check)),
        None => (StatusCode::NOT_FOUND, html(pages::not_found())).into_response(),
    }
}

#[derive(Debug, Deserialize)]
struct MedicalForm {
    staff_id: String,
    category: String,
}

/// Open a patient's drug, clinical or checkup information under the
/// consent given at the reader: the platform decides, from its own record
/// of the consent, and logs the read in the patient's access log.
async fn medical_view(State(kiosk): State<Arc<Kiosk>>, Path(id): Path<u64>, Form(form): Form<MedicalForm>) -> Response {
    let Some(check) = kiosk.checks().into_iter().find(|c| c.id == id) else {
        return (StatusCode::NOT_FOUND, html(pages::not_found())).into_response();
    };
    let Outcome::Answer(answer) = &check.outcome else {
        return (StatusCode::NOT_FOUND, html(pages::not_found())).into_response();
    };
    let Some(coverage) = answer.coverages.first() else {
        return (StatusCode::NOT_FOUND, html(pages::not_found())).into_response();
    };
    if !matches!(form.category.as_str(), "drugs" | "clinical" | "checkups") {
        return (StatusCode::BAD_REQUEST, "category must be drugs, clinical or checkups").into_response();
    }
    let query = serde_json::json!({
        "insurer_number": coverage.insurer_number,
        "symbol": coverage.symbol,
        "number": coverage.number,
        "branch": coverage.branch,
        "staff_id": form.staff_id.trim(),
    });
    let path = format!("/facility/medical/{}", form.category);
    let result = kiosk.api.lock().await.post(&path, &query).await;
    let outcome = match &result {
        Ok(body) => Ok(body),
        Err(ApiFailure::Refused { code, message } | ApiFailure::Unauthorized { code, message }) => {
            Err((code.clone(), message.clone()))
        }
        Err(other) => Err(("unavailable".to_owned(), other.to_string())),
    };
    html(pages::medical(id, &coverage.name, &form.category, outcome))
}

#[derive(Debug, Deserialize)]
struct NumberForm {
    insurer_number: String,
    symbol: String,
    number: String,
    #[serde(default)]
    branch: String,
    birth_date: String,
}

/// The manual check at reception (照会区分 2), for 資格確認書 and paper cards.
async fn number_check(State(kiosk): State<Arc<Kiosk>>, Form(form): Form<NumberForm>) -> Response {
    let mut query = serde_json::json!({
        "insurer_number": form.insurer_number.trim(),
        "symbol": form.symbol.trim(),
        "number": form.number.trim(),
        "birth_date": form.birth_date.trim(),
    });
    if !form.branch.trim().is_empty() {
        query["branch"] = form.branch.trim().into();
    }
    if let Some(date) = kiosk.visit_date {
        query["visit_date"] = onshi_domain::date::iso(date).into();
    }
    let result = kiosk.api.lock().await.post("/facility/eligibility/insured-number", &query).await;
    let answer = result.and_then(|body| {
        serde_json::from_value::<platform::Answer>(body)
            .map_err(|e| ApiFailure::Unavailable(format!("the platform's answer is not an eligibility answer: {e}")))
    });
    match answer {
        Ok(answer) => {
            kiosk.record(CheckMethod::InsuredNumber, Outcome::Answer(answer), Vec::new());
            Redirect::to("/").into_response()
        }
        // A typing error stays on the form with the platform's reason.
        Err(ApiFailure::Refused { code, message }) if code == "invalid_request" => html(pages::reception(
            &kiosk.checks(),
            &kiosk.offline.all(),
            Some(&format!("入力を確認してください: {message}")),
        )),
        Err(failure) => {
            let (code, message) = match failure {
                ApiFailure::Refused { code, message } => (code, message),
                other => ("unavailable".to_owned(), other.to_string()),
            };
            kiosk.record(CheckMethod::InsuredNumber, Outcome::Refused { code, message }, Vec::new());
            Redirect::to("/").into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{NaiveDate, TimeZone as _};
    use onshi_pki::{Authority, Holder, StatusUrls};

    use super::*;

    /// A user-authentication certificate of a holder born on `birth`,
    /// issued at `issued` (valid to the 5th birthday after issue).
    fn certificate(birth: NaiveDate, issued: DateTime<Utc>) -> Vec<u8> {
        let authority = Authority::create(issued).expect("authority");
        let holder = Holder {
            name: "山田　花子".to_owned(),
            name_substitute: None,
            sex: onshi_domain::person::Sex::Female,
            birth_date: birth,
            address: "東京都八王子市元本郷町三丁目24番1号".to_owned(),
            address_substitute: None,
        };
        let urls = StatusUrls { ocsp: "http://127.0.0.1/ocsp".to_owned(), crl: "http://127.0.0.1/crl".to_owned() };
        authority.issue(&holder, issued, &urls, &urls).expect("issue").user_authentication.cert_der
    }

    #[test]
    fn the_certificate_end_is_announced_in_its_last_90_days_only() {
        let birth = NaiveDate::from_ymd_opt(1950, 6, 15).expect("date");
        let issued = Utc.with_ymd_and_hms(2021, 7, 1, 0, 0, 0).single().expect("time");
        // Valid to the 5th birthday after issue: 2026-06-15, end of day in Japan.
        let der = certificate(birth, issued);
        let at = |y, m, d| Utc.with_ymd_and_hms(y, m, d, 3, 0, 0).single().expect("time");
        assert_eq!(expiry_notice(&der, at(2026, 3, 1)), None, "106 days before");
        let notice = expiry_notice(&der, at(2026, 3, 20)).expect("87 days before");
        assert!(notice.contains("有効期限が近づいています（2026年6月15日まで）"), "{notice}");
        assert_eq!(expiry_notice(&der, at(2026, 6, 16)), None, "expired: the platform's answer says so");
        assert_eq!(expiry_notice(b"not a certificate", at(2026, 3, 20)), None);
    }
}
