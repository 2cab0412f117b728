//! `onshi`: the one binary. Every subcommand is a thin shell over the library
//! crates: it reads flags and configuration, calls `app`, `synth` or `server`,
//! and reports in words a clerk or an operator can act on.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// mimalloc instead of the system allocator: imports hand batches of
/// thousands of small strings from the parsing thread to the writing thread,
/// a pattern glibc malloc serves poorly (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod app_cmd;
mod audit_cmd;
mod card_cmd;
mod check;
mod connector_cmd;
mod crew_cmd;
mod demo;
mod documents_cmd;
mod facility_cmd;
mod import_cmd;
mod inspect_cmd;
mod kiosk_cmd;
mod kiosk_offline;
mod kiosk_pages;
mod members_cmd;
mod oidc_cmd;
mod platform;
mod reader_cmd;
mod report_cmd;
mod settings;
mod synth_cmd;

/// onshi — an open implementation of Japan's My Number card medical platform
/// (オンライン資格確認等システム).
///
/// Start with `onshi demo`: it builds a synthetic town, imports it and starts
/// the server. Configuration is read from built-in defaults, then `onshi.toml`,
/// then `ONSHI_*` environment variables, then flags.
#[derive(Debug, Parser)]
#[command(name = "onshi", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// Config file (default: $ONSHI_CONFIG, else ./onshi.toml if present).
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Build a synthetic town, import it into the embedded database and serve it.
    Demo(demo::DemoArgs),
    /// Run the HTTP server.
    Serve(settings::ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate(settings::DbArgs),
    /// The resident registry (住民基本台帳).
    Registry {
        #[command(subcommand)]
        command: import_cmd::ImportCommand,
    },
    /// Insured members (被保険者): import a file, or register, change and
    /// end one member at a time, with its history.
    Members {
        #[command(subcommand)]
        command: members_cmd::MembersCommand,
    },
    /// Insurers (保険者): their names, for answers and reports.
    Insurers {
        #[command(subcommand)]
        command: import_cmd::ImportCommand,
    },
    /// Medical facilities and pharmacies (医療機関・薬局).
    Facilities {
        #[command(subcommand)]
        command: import_cmd::ImportCommand,
    },
    /// My Number cards: the municipality's desk (issue, suspend, resume,
    /// revoke, renew, reset a PIN) and the card emulator.
    Card {
        #[command(subcommand)]
        command: card_cmd::CardCommand,
    },
    /// Facilities' systems: API clients, and eligibility checks by insured number.
    Facility {
        #[command(subcommand)]
        command: facility_cmd::FacilityCommand,
    },
    /// Medical information from claims and checkups (薬剤情報, 診療情報,
    /// 医療費情報, 特定健診等情報): import an insurer's JSON Lines file.
    Medical {
        #[command(subcommand)]
        command: import_cmd::ImportCommand,
    },
    /// The card registered as insurance card (利用登録) and its cancellation (解除).
    Registration {
        #[command(subcommand)]
        command: documents_cmd::RegistrationCommand,
    },
    /// 資格確認書 and 資格情報のお知らせ: issue without application, print as PDF.
    Documents {
        #[command(subcommand)]
        command: documents_cmd::DocumentsCommand,
    },
    /// Inspect every member's link against the registry (総点検): one report
    /// row per member; wrong links are suspended at once.
    Inspect(inspect_cmd::InspectArgs),
    /// An insurer's decisions on links held for inspection.
    Linkage {
        #[command(subcommand)]
        command: inspect_cmd::LinkageCommand,
    },
    /// The eligibility terminal's file exchange: answer the 資格確認 request
    /// files clinic software drops into DIR/req, in DIR/res.
    Connector(connector_cmd::ConnectorArgs),
    /// Reports: the month's usage (マイナ保険証の利用状況).
    Report {
        #[command(subcommand)]
        command: report_cmd::ReportCommand,
    },
    /// The reception card reader and the reception page: a kiosk screen
    /// for the patient (card, PIN, consent) and a live page for staff.
    Kiosk(kiosk_cmd::KioskArgs),
    /// A card reader: sign in to the platform with a card, or check
    /// eligibility with it and write the terminal's card-check file.
    Reader {
        #[command(subcommand)]
        command: reader_cmd::ReaderCommand,
    },
    /// Fire departments (消防本部) and their crews' systems (マイナ救急).
    Crew {
        #[command(subcommand)]
        command: crew_cmd::CrewCommand,
    },
    /// The OpenID Connect provider: register relying parties (連携サービス).
    Oidc {
        #[command(subcommand)]
        command: oidc_cmd::OidcCommand,
    },
    /// The citizen's authentication app (デジタル認証アプリ): approve a
    /// service's sign-in with the card.
    App {
        #[command(subcommand)]
        command: app_cmd::AppCommand,
    },
    /// The access log (やりとり履歴): verify its hash chains and signatures.
    Audit {
        #[command(subcommand)]
        command: audit_cmd::AuditCommand,
    },
    /// Write a deterministic synthetic population as CSV files.
    Synth(synth_cmd::SynthArgs),
    /// Check an identifier: prints the normalised value (exit 0) or the rule it breaks (exit 1).
    Validate(check::ValidateArgs),
    /// Convert a date between 和暦 and the Western calendar, either way.
    Wareki(check::WarekiArgs),
    /// Inspect the configuration.
    Config {
        #[command(subcommand)]
        command: settings::ConfigCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let config_file = cli.config;
    let result = match cli.command {
        Command::Validate(args) => return check::validate(&args),
        Command::Wareki(args) => return check::wareki(&args),
        Command::Synth(args) => synth_cmd::run(&args),
        Command::Config { command } => settings::config_command(config_file, &command),
        Command::Demo(args) => runtime().and_then(|rt| rt.block_on(demo::run(config_file, args))),
        Command::Serve(args) => runtime().and_then(|rt| rt.block_on(settings::serve(config_file, args))),
        Command::Migrate(args) => runtime().and_then(|rt| rt.block_on(settings::migrate(config_file, args))),
        Command::Registry { command } => runtime()
            .and_then(|rt| rt.block_on(import_cmd::run(config_file, onshi_app::import::Kind::Registry, command))),
        Command::Members { command } => runtime().and_then(|rt| rt.block_on(members_cmd::run(config_file, command))),
        Command::Card { command } => runtime().and_then(|rt| rt.block_on(card_cmd::run(config_file, command))),
        Command::Facility { command } => runtime().and_then(|rt| rt.block_on(facility_cmd::run(config_file, command))),
        Command::Registration { command } => {
            runtime().and_then(|rt| rt.block_on(documents_cmd::registration(config_file, command)))
        }
        Command::Documents { command } => {
            runtime().and_then(|rt| rt.block_on(documents_cmd::run(config_file, command)))
        }
        Command::Connector(args) => runtime().and_then(|rt| rt.block_on(connector_cmd::run(config_file, args))),
        Command::Report { command } => runtime().and_then(|rt| rt.block_on(report_cmd::run(config_file, command))),
        Command::Kiosk(args) => runtime().and_then(|rt| rt.block_on(kiosk_cmd::run(config_file, args))),
        Command::Reader { command } => runtime().and_then(|rt| rt.block_on(reader_cmd::run(config_file, command))),
        Command::Inspect(args) => runtime().and_then(|rt| rt.block_on(inspect_cmd::inspect(config_file, args))),
        Command::Linkage { command } => {
            runtime().and_then(|rt| rt.block_on(inspect_cmd::linkage(config_file, command)))
        }
        Command::Crew { command } => runtime().and_then(|rt| rt.block_on(crew_cmd::run(config_file, command))),
        Command::Oidc { command } => runtime().and_then(|rt| rt.block_on(oidc_cmd::run(config_file, command))),
        Command::App { command } => runtime().and_then(|rt| rt.block_on(app_cmd::run(config_file, command))),
        Command::Audit { command } => runtime().and_then(|rt| rt.block_on(audit_cmd::run(config_file, command))),
        Command::Medical { command } => runtime()
            .and_then(|rt| rt.block_on(import_cmd::run(config_file, onshi_app::import::Kind::Medical, command))),
        Command::Insurers { command } => runtime()
            .and_then(|rt| rt.block_on(import_cmd::run(config_file, onshi_app::import::Kind::Insurers, command))),
        Command::Facilities { command } => runtime()
            .and_then(|rt| rt.block_on(import_cmd::run(config_file, onshi_app::import::Kind::Facilities, command))),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the async runtime")
}
