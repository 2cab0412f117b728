//! `onshi registration` (the card registered as insurance card, 利用登録, and
//! its cancellation, 解除) and `onshi documents` (資格確認書 without
//! application, and the PDF of any issued document).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use onshi_app::documents::Documents;

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum RegistrationCommand {
    /// Register a resident's card as insurance card; each coverage of the day
    /// gets a 資格情報のお知らせ.
    Register(RegisterArgs),
    /// Cancel the registration; each coverage of the day gets a 資格確認書.
    Cancel(CancelArgs),
}

#[derive(Debug, Args)]
pub(crate) struct RegisterArgs {
    /// 住民票コード.
    #[arg(long, value_name = "CODE")]
    resident: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CancelArgs {
    /// 住民票コード.
    #[arg(long, value_name = "CODE")]
    resident: String,
    /// 有効期限 of the 資格確認書 (at most 5 years from today).
    #[arg(long, value_name = "DATE")]
    valid_until: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum DocumentsCommand {
    /// Issue a 資格確認書 without application (職権交付) to every member covered
    /// today whose card is not registered and who holds none valid today.
    Issue(IssueArgs),
    /// Write the PDF of an issued document.
    Pdf(PdfArgs),
}

#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// Only this insurer's members (保険者番号).
    #[arg(long, value_name = "NUMBER")]
    insurer: Option<String>,
    /// 有効期限 (at most 5 years from today).
    #[arg(long, value_name = "DATE")]
    valid_until: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct PdfArgs {
    /// 交付番号 of the document.
    serial: String,
    /// Where to write the PDF.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// A TrueType/OpenType font with Japanese glyphs (default: IPAex Gothic from
    /// Debian's fonts-ipaexfont-gothic, or another of the usual paths).
    #[arg(long, value_name = "FILE")]
    font: Option<PathBuf>,
    #[command(flatten)]
    db: DbArgs,
}

async fn documents(config_file: Option<PathBuf>, db: &DbArgs) -> anyhow::Result<Documents> {
    let loaded = settings::load(config_file, &settings::db_overrides(db))?;
    Ok(Documents::new(settings::open_store(&loaded).await?))
}

fn date(field: &str, value: &str) -> anyhow::Result<onshi_domain::Date> {
    onshi_domain::date::parse_date(value).map_err(|e| anyhow::anyhow!("--{field} {value:?}: {e}"))
}

fn now() -> chrono::DateTime<chrono::Utc> {
    onshi_server::Clock::System.now()
}

pub(crate) async fn registration(
    config_file: Option<PathBuf>,
    command: RegistrationCommand,
) -> anyhow::Result<ExitCode> {
    match command {
        RegistrationCommand::Register(args) => {
            let docs = documents(config_file, &args.db).await?;
            let issued = docs.register(&args.resident, "desk", now()).await?;
            println!("住民票コード {}: the card is registered as insurance card (利用登録)", args.resident);
            for d in issued {
                println!("  資格情報のお知らせ {} issued", d.serial);
            }
        }
        RegistrationCommand::Cancel(args) => {
            let docs = documents(config_file, &args.db).await?;
            let valid_until = date("valid-until", &args.valid_until)?;
            let issued = docs.cancel(&args.resident, "desk", valid_until, now()).await?;
            println!("住民票コード {}: the registration is cancelled (解除)", args.resident);
            for d in issued {
                println!("  資格確認書 {} issued, valid until {valid_until}", d.serial);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: DocumentsCommand) -> anyhow::Result<ExitCode> {
    match command {
        DocumentsCommand::Issue(args) => {
            let docs = documents(config_file, &args.db).await?;
            let valid_until = date("valid-until", &args.valid_until)?;
            let insurer = match &args.insurer {
                Some(n) => Some(n.parse().map_err(|e| anyhow::anyhow!("--insurer {n:?}: {e}"))?),
                None => None,
            };
            let bar = indicatif::ProgressBar::new_spinner();
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            let report = docs
                .issue_without_application(insurer.as_ref(), valid_until, now(), |r| {
                    bar.set_message(format!("{} members seen, {} 資格確認書 issued", r.members_seen, r.issued));
                    bar.tick();
                })
                .await?;
            bar.finish_and_clear();
            println!(
                "{} members seen: {} 資格確認書 issued (valid until {valid_until}), {} with a registered card, {} already holding one",
                report.members_seen, report.issued, report.registered, report.already_held
            );
        }
        DocumentsCommand::Pdf(args) => {
            let docs = documents(config_file, &args.db).await?;
            let font = onshi_notice::NoticeFont::find(args.font.as_deref())?;
            let pdf = docs.render(&args.serial, &font).await?;
            std::fs::write(&args.out, pdf).with_context(|| format!("cannot write {}", args.out.display()))?;
            println!("{} written", args.out.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
