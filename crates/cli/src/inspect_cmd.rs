//! `onshi inspect`: the total inspection of member links (総点検), and
//! `onshi linkage`: an insurer's decisions on links held for inspection.
//!
//! The same decisions are on the API under `/insurer`.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use onshi_app::inspection::{self, InspectOptions};
use onshi_domain::id::{Branch, InsuredNumber, InsurerNumber, Symbol};
use onshi_domain::insurance::MemberKey;
use onshi_domain::registry::ResidentCode;
use onshi_store::inspection::LinkDecision;

use crate::settings::{self, DbArgs};

#[derive(Debug, Args)]
pub(crate) struct InspectArgs {
    /// Only this insurer's members (保険者番号); every member by default.
    #[arg(long, value_name = "N")]
    insurer: Option<InsurerNumber>,
    /// The report: one row per member (UTF-8 CSV).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// The accesses made through each suspended link (default: FILE with
    /// `.accesses.csv`).
    #[arg(long, value_name = "FILE")]
    accesses: Option<PathBuf>,
    /// Members read per page; memory follows it, not the number of members.
    #[arg(long, default_value_t = 5_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    page_size: u32,
    #[command(flatten)]
    db: DbArgs,
    /// Show no progress bar.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum LinkageCommand {
    /// List the links held for inspection (suspended).
    Suspended {
        /// Only this insurer's (保険者番号).
        #[arg(long, value_name = "N")]
        insurer: Option<InsurerNumber>,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Confirm a member's link: it was right; it is usable again.
    Confirm(DecideArgs),
    /// Correct a member's link: to another resident (--resident-code) or to
    /// none (--unlink).
    Correct(CorrectArgs),
}

#[derive(Debug, Args)]
pub(crate) struct MemberArgs {
    /// 保険者番号.
    #[arg(long)]
    insurer: InsurerNumber,
    /// 記号.
    #[arg(long)]
    symbol: Symbol,
    /// 番号.
    #[arg(long)]
    number: InsuredNumber,
    /// 枝番.
    #[arg(long, default_value = "0", value_parser = parse_branch)]
    branch: Branch,
    /// Who decides (recorded with the decision).
    #[arg(long, default_value = "insurer")]
    by: String,
}

#[derive(Debug, Args)]
pub(crate) struct DecideArgs {
    #[command(flatten)]
    member: MemberArgs,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CorrectArgs {
    #[command(flatten)]
    member: MemberArgs,
    /// The resident the member really is (住民票コード).
    #[arg(long, conflicts_with = "unlink", required_unless_present = "unlink")]
    resident_code: Option<ResidentCode>,
    /// Remove the link: the member's person is unknown.
    #[arg(long)]
    unlink: bool,
    #[command(flatten)]
    db: DbArgs,
}

fn parse_branch(text: &str) -> Result<Branch, String> {
    text.parse::<u8>().ok().and_then(Branch::new).ok_or_else(|| format!("branch (枝番) {text:?} must be 00 to 99"))
}

impl MemberArgs {
    fn key(&self) -> MemberKey {
        MemberKey {
            insurer_number: self.insurer.clone(),
            symbol: self.symbol.clone(),
            number: self.number.clone(),
            branch: self.branch,
        }
    }
}

fn default_accesses_path(out: &Path) -> PathBuf {
    let stem = out.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "inspection".to_owned());
    out.with_file_name(format!("{stem}.accesses.csv"))
}

fn bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "inspect [{bar:30}] {percent:>3}% {human_pos}/{human_len} members · {per_sec} · {elapsed} (eta {eta})",
        )
        .expect("static progress template")
        .progress_chars("=> "),
    );
    bar
}

pub(crate) async fn inspect(config_file: Option<PathBuf>, args: InspectArgs) -> anyhow::Result<ExitCode> {
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let accesses_path = args.accesses.clone().unwrap_or_else(|| default_accesses_path(&args.out));
    let report = File::create(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let accesses =
        File::create(&accesses_path).with_context(|| format!("cannot create {}", accesses_path.display()))?;
    let total = store.inspection_size(args.insurer.clone()).await?;
    let bar = bar(total, args.quiet);
    let mut options = InspectOptions::new(onshi_server::Clock::System.now());
    options.insurer = args.insurer.clone();
    options.page_size = args.page_size;
    let started = Instant::now();
    let progress = bar.clone();
    let summary = inspection::inspect(
        store,
        options,
        BufWriter::with_capacity(1 << 20, report),
        BufWriter::new(accesses),
        move |done| progress.set_position(done),
    )
    .await
    .context("the inspection stopped; run it again: it suspends nothing twice")?;
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    println!(
        "{} members in {:.1} s ({:.0} members/s): match {}, review {}, mismatch {}; unlinked: found {}, ambiguous {}, not_found {}",
        summary.members,
        elapsed.as_secs_f64(),
        summary.members as f64 / elapsed.as_secs_f64().max(1e-9),
        summary.matched,
        summary.review,
        summary.mismatch,
        summary.found,
        summary.ambiguous,
        summary.not_found
    );
    println!(
        "{} links suspended by this run; {} held for inspection in all, with {} accesses to medical information through them",
        summary.suspended_now, summary.suspended_links, summary.accesses
    );
    println!("report: {}; accesses: {}", args.out.display(), accesses_path.display());
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn linkage(config_file: Option<PathBuf>, command: LinkageCommand) -> anyhow::Result<ExitCode> {
    let now = onshi_server::Clock::System.now();
    match command {
        LinkageCommand::Suspended { insurer, db } => {
            let loaded = settings::load(config_file, &settings::db_overrides(&db))?;
            let store = settings::open_store(&loaded).await?;
            let links = store.suspended_links(insurer).await?;
            println!("insurer_number,symbol,number,branch,resident_code,suspended_at,source,reasons");
            for link in &links {
                println!(
                    "{},{},{},{:02},{},{},{},{}",
                    link.key.insurer_number.as_str(),
                    link.key.symbol.as_str(),
                    link.key.number.as_str(),
                    link.key.branch.value(),
                    link.resident_code.as_str(),
                    link.suspension.suspended_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                    link.suspension.source.code(),
                    link.suspension.reasons.join(";")
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        LinkageCommand::Confirm(args) => {
            let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
            let store = settings::open_store(&loaded).await?;
            let key = args.member.key();
            let member = store.decide_link(&key, LinkDecision::Confirm, &args.member.by, now).await?;
            println!(
                "member {} is linked as confirmed (person {}); the link is usable again",
                describe(&key),
                member.person_id.map_or_else(String::new, |p| p.to_string())
            );
            Ok(ExitCode::SUCCESS)
        }
        LinkageCommand::Correct(args) => {
            let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
            let store = settings::open_store(&loaded).await?;
            let key = args.member.key();
            let decision = match &args.resident_code {
                Some(code) => LinkDecision::CorrectTo(code.clone()),
                None => LinkDecision::Unlink,
            };
            store.decide_link(&key, decision, &args.member.by, now).await?;
            match &args.resident_code {
                Some(code) => println!("member {} is now linked to 住民票コード {} (confirmed)", describe(&key), code),
                None => println!("member {} is no longer linked to anyone", describe(&key)),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn describe(key: &MemberKey) -> String {
    format!("{} {} {} {:02}", key.insurer_number.as_str(), key.symbol.as_str(), key.number.as_str(), key.branch.value())
}
