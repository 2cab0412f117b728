//! `onshi card`: the municipality's card desk (issue, suspend, resume,
//! revoke, renew, reset a PIN, show) and the card itself (`onshi card serve`,
//! the emulator, as a separate process like a real card).
//!
//! The desk commands act on the database directly, as the municipality's own
//! system does; the same operations are on the API under `/municipality`.
//! The JPKI authority lives in `{data_dir}/jpki/authority.pem` (mode 0600),
//! created on first use. Certificates carry the OCSP and CRL addresses of
//! `server.public_url`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand, ValueEnum};
use onshi_app::jpki::Jpki;
use onshi_card::{Card, CardFile, PinSlot, Pins};
use onshi_pki::RevocationReason;
use onshi_store::jpki::CertStatus;

use onshi_server::config::Loaded;

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum CardCommand {
    /// Issue a card to a resident of the registry: both certificates, and a
    /// card file holding the keys, PINs (hashed) and the card's data.
    Issue(IssueArgs),
    /// Run the card emulator: on a local socket (2-byte length + APDU
    /// frames) for `onshi reader`, or inside vsmartcard's vpcd for PC/SC.
    /// Retry counters are written back to the card file.
    Serve(ServeArgs),
    /// Show a card: state, certificates and history.
    Show(SerialArgs),
    /// Suspend a lost card (一時停止): effective at once.
    Suspend(SerialArgs),
    /// Lift a suspension (一時停止解除).
    Resume(SerialArgs),
    /// Revoke a card and its certificates for good (廃止).
    Revoke(RevokeArgs),
    /// Renew both certificates (更新): new keys into the card file.
    Renew(FileArgs),
    /// Reset a locked PIN (暗証番号の再設定) on the card file.
    ResetPin(ResetPinArgs),
}

#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// 住民票コード of the resident.
    #[arg(long, value_name = "CODE")]
    resident: String,
    /// Where to write the card file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// 利用者証明用電子証明書の暗証番号: 4 digits.
    #[arg(long, value_name = "PIN", required_unless_present = "no_pin")]
    pin: Option<String>,
    /// 署名用電子証明書の暗証番号: 6–16 letters and digits.
    #[arg(long, value_name = "PASSWORD", required_unless_present = "no_pin")]
    password: Option<String>,
    /// 券面事項入力補助用の暗証番号: 4 digits.
    #[arg(long, value_name = "PIN", required_unless_present = "no_pin")]
    support_pin: Option<String>,
    /// Issue a card without PINs (for people who cannot manage one): it works
    /// only with face verification at a reader.
    #[arg(long, conflicts_with_all = ["pin", "password", "support_pin"])]
    no_pin: bool,
    #[command(flatten)]
    db: DbArgs,
}

/// Where the emulator listens by default: beside vpcd's 35963/35964, not on them.
pub(crate) const DEFAULT_CARD_ADDRESS: &str = "127.0.0.1:35990";

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The card file.
    file: PathBuf,
    /// Address to listen on (loopback only: a card belongs to one machine).
    #[arg(long, default_value = DEFAULT_CARD_ADDRESS, value_name = "HOST:PORT", conflicts_with = "vpcd")]
    listen: String,
    /// Instead of listening, put the card into vsmartcard's virtual reader
    /// (`vpcd`, run by pcscd) at this address, e.g. 127.0.0.1:35963, so that
    /// PC/SC applications see it.
    #[arg(long, value_name = "HOST:PORT")]
    vpcd: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct SerialArgs {
    /// The card serial (upper-case hex, as `onshi card issue` prints it).
    serial: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReasonArg {
    /// The card was returned, or its holder died (default).
    CessationOfOperation,
    /// The key may be known to someone else.
    KeyCompromise,
    AffiliationChanged,
    Superseded,
    PrivilegeWithdrawn,
    Unspecified,
}

impl ReasonArg {
    fn reason(self) -> RevocationReason {
        match self {
            ReasonArg::CessationOfOperation => RevocationReason::CessationOfOperation,
            ReasonArg::KeyCompromise => RevocationReason::KeyCompromise,
            ReasonArg::AffiliationChanged => RevocationReason::AffiliationChanged,
            ReasonArg::Superseded => RevocationReason::Superseded,
            ReasonArg::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
            ReasonArg::Unspecified => RevocationReason::Unspecified,
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// The card serial.
    serial: String,
    /// Why (RFC 5280 reason).
    #[arg(long, value_enum, default_value = "cessation-of-operation")]
    reason: ReasonArg,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct FileArgs {
    /// The card file (the card must be at the desk, not in a reader).
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum PinArg {
    /// 利用者証明用電子証明書の暗証番号 (4 digits).
    Auth,
    /// 署名用電子証明書の暗証番号 (6–16 letters and digits).
    Sign,
    /// 券面事項入力補助用の暗証番号 (4 digits).
    Support,
}

#[derive(Debug, Args)]
pub(crate) struct ResetPinArgs {
    /// The card file (the card must be at the desk, not in a reader).
    #[arg(long, value_name = "FILE")]
    file: PathBuf,
    /// Which PIN.
    #[arg(long, value_enum)]
    which: PinArg,
    /// The new PIN, chosen by the holder.
    #[arg(long, value_name = "PIN")]
    new_pin: String,
    #[command(flatten)]
    db: DbArgs,
}

/// The JPKI service over the configured store, with the authority of the
/// data directory (created on first use).
pub(crate) async fn jpki_service(loaded: &Loaded, store: Arc<dyn onshi_store::Store>) -> anyhow::Result<Arc<Jpki>> {
    let path = onshi_app::jpki::authority_path(&loaded.config.data_dir);
    let (authority, created) = onshi_app::jpki::load_or_create_authority(&path, onshi_server::Clock::System.now())
        .context("the JPKI authority is not usable")?;
    if created {
        eprintln!("created the JPKI authority (root and two issuing CAs) in {}", path.display());
    }
    let base = format!("{}/jpki", loaded.config.server.public_base_url());
    Ok(Arc::new(Jpki::new(store, authority, &base)?))
}

async fn desk(config_file: Option<PathBuf>, db: &DbArgs) -> anyhow::Result<Arc<Jpki>> {
    let loaded = settings::load(config_file, &settings::db_overrides(db))?;
    let store = settings::open_store(&loaded).await?;
    jpki_service(&loaded, store).await
}

fn now() -> chrono::DateTime<chrono::Utc> {
    onshi_server::Clock::System.now()
}

async fn issue(config_file: Option<PathBuf>, args: IssueArgs) -> anyhow::Result<ExitCode> {
    if args.out.exists() {
        anyhow::bail!(
            "{} exists; a card file is never overwritten (it holds the only copy of the keys)",
            args.out.display()
        );
    }
    let pins = match (args.no_pin, args.pin, args.password, args.support_pin) {
        (true, ..) => None,
        (false, Some(auth_pin), Some(sign_password), Some(support_pin)) => {
            Some(Pins { auth_pin, sign_password, support_pin })
        }
        _ => anyhow::bail!("give --pin, --password and --support-pin, or --no-pin"),
    };
    let jpki = desk(config_file, &args.db).await?;
    let issued = jpki.issue_card(&args.resident, pins, now()).await?;
    issued.file.save(&args.out).with_context(|| {
        format!(
            "card {} is recorded but its file could not be written to {}; revoke it with `onshi card revoke {}` and issue again",
            issued.card.card_serial,
            args.out.display(),
            issued.card.card_serial
        )
    })?;
    let certificates = jpki.certificates(&issued.card.card_serial).await?;
    let not_after = certificates.first().map(|c| c.not_after.format("%Y-%m-%d").to_string()).unwrap_or_default();
    println!(
        "issued card {} to 住民票コード {} ({}); certificates valid until {not_after}, card until {}; card file {}",
        issued.card.card_serial,
        args.resident,
        issued.name,
        issued.card.expires_on,
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let card = Card::open(&args.file).with_context(|| format!("cannot open the card file {}", args.file.display()))?;
    if let Some(vpcd) = &args.vpcd {
        eprintln!("card {} goes into the vpcd reader at {vpcd} (Ctrl-C removes it)", args.file.display());
        tokio::select! {
            result = onshi_card::connect_vpcd(card, vpcd.as_str()) => {
                result.with_context(|| format!("the vpcd reader at {vpcd} closed or cannot be reached; is pcscd running with vsmartcard-vpcd?"))?;
            }
            _ = tokio::signal::ctrl_c() => eprintln!("card removed"),
        }
        return Ok(ExitCode::SUCCESS);
    }
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {} (another card there? choose --listen)", args.listen))?;
    let addr = listener.local_addr().context("no local address")?;
    if !addr.ip().is_loopback() {
        anyhow::bail!("the card listens on loopback only, not {addr}");
    }
    eprintln!("card {} is in the reader at tcp://{addr} (Ctrl-C removes it)", args.file.display());
    tokio::select! {
        result = onshi_card::serve_local(card, listener) => result.context("the card stopped")?,
        _ = tokio::signal::ctrl_c() => eprintln!("card removed"),
    }
    Ok(ExitCode::SUCCESS)
}

fn status_text(status: CertStatus) -> String {
    match status {
        CertStatus::Good => "good".to_owned(),
        CertStatus::Suspended { since } => format!("suspended since {}", since.to_rfc3339()),
        CertStatus::Revoked { reason, at } => format!(
            "revoked ({}) at {}",
            RevocationReason::from_code(reason).map_or("unspecified", RevocationReason::name),
            at.to_rfc3339()
        ),
    }
}

async fn show(jpki: &Jpki, serial: &str) -> anyhow::Result<()> {
    let card = jpki.card(serial).await?;
    println!(
        "card {}  {}  issued {}  valid until {}{}",
        card.card_serial,
        card.state.code(),
        card.issued_at.format("%Y-%m-%d"),
        card.expires_on,
        if card.has_pin { "" } else { "  (no PIN: face verification only)" }
    );
    for cert in jpki.certificates(serial).await? {
        println!(
            "  {} certificate {}  until {}  {}",
            cert.kind.code(),
            onshi_store::jpki::hex(&cert.serial),
            cert.not_after.format("%Y-%m-%d"),
            status_text(cert.status)
        );
    }
    for event in jpki.history(serial).await? {
        let detail = if event.detail.is_empty() { String::new() } else { format!(" ({})", event.detail) };
        println!("  {}  {}{detail}", event.at.to_rfc3339(), event.operation);
    }
    Ok(())
}

fn load_file(path: &Path) -> anyhow::Result<CardFile> {
    CardFile::load(path).with_context(|| format!("cannot read the card file {}", path.display()))
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: CardCommand) -> anyhow::Result<ExitCode> {
    match command {
        CardCommand::Issue(args) => issue(config_file, args).await,
        CardCommand::Serve(args) => serve(args).await,
        CardCommand::Show(args) => {
            show(&*desk(config_file, &args.db).await?, &args.serial).await?;
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Suspend(args) => {
            let jpki = desk(config_file, &args.db).await?;
            jpki.suspend(&args.serial, now()).await?;
            println!("card {} is suspended (一時停止): sign-in and OCSP refuse it from now on", args.serial);
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Resume(args) => {
            let jpki = desk(config_file, &args.db).await?;
            jpki.resume(&args.serial, now()).await?;
            println!("card {} is active again (一時停止解除)", args.serial);
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Revoke(args) => {
            let jpki = desk(config_file, &args.db).await?;
            jpki.revoke(&args.serial, args.reason.reason(), now()).await?;
            println!("card {} is revoked (廃止, {})", args.serial, args.reason.reason().name());
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::Renew(args) => {
            let jpki = desk(config_file, &args.db).await?;
            let mut file = load_file(&args.file)?;
            jpki.renew(&mut file, now()).await?;
            file.save(&args.file).with_context(|| {
                format!("the renewal is recorded but {} could not be written; renew again", args.file.display())
            })?;
            println!("card {}: both certificates renewed; the old ones are revoked (superseded)", file.serial);
            Ok(ExitCode::SUCCESS)
        }
        CardCommand::ResetPin(args) => {
            let jpki = desk(config_file, &args.db).await?;
            let mut file = load_file(&args.file)?;
            let which = match args.which {
                PinArg::Auth => PinSlot::UserAuthentication,
                PinArg::Sign => PinSlot::Signing,
                PinArg::Support => PinSlot::Support,
            };
            jpki.reset_pin(&mut file, which, &args.new_pin, now()).await?;
            file.save(&args.file).with_context(|| format!("cannot write {}", args.file.display()))?;
            println!("card {}: {} reset, with a full retry counter", file.serial, which.field());
            Ok(ExitCode::SUCCESS)
        }
    }
}
