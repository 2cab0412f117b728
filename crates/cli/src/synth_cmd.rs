//! `onshi synth`: write a synthetic town as CSV files.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use onshi_synth::{Summary, SynthConfig};

#[derive(Debug, Args)]
pub(crate) struct SynthArgs {
    /// Residents in the registry.
    #[arg(long, default_value_t = 10_000)]
    pub(crate) people: usize,
    /// Output directory (created if missing).
    #[arg(long, value_name = "DIR")]
    pub(crate) out: PathBuf,
    /// Seed; the same seed, size and --as-of give byte-identical files.
    #[arg(long, default_value_t = 1)]
    pub(crate) seed: u64,
    /// The day the data describes (ages, current coverage), YYYY-MM-DD.
    /// Default: today in Japan.
    #[arg(long, value_name = "DATE")]
    pub(crate) as_of: Option<String>,
    /// Share of member rows a clerk got wrong on purpose (bad check digits,
    /// impossible dates, empty names), to exercise the reject report.
    #[arg(long, default_value_t = 0.0)]
    pub(crate) invalid_rate: f64,
    /// Share of residents with a namesake (same カナ氏名, 生年月日, 性別).
    #[arg(long)]
    pub(crate) namesake_rate: Option<f64>,
    /// Also write medical.jsonl: drug, clinical, expense and checkup
    /// histories of the members in the medical-information import format
    /// (about 15 kB per resident).
    #[arg(long)]
    pub(crate) medical: bool,
    /// Show no progress bar.
    #[arg(long, short)]
    pub(crate) quiet: bool,
}

pub(crate) fn config(args: &SynthArgs) -> anyhow::Result<SynthConfig> {
    let as_of = match &args.as_of {
        Some(text) => onshi_domain::date::parse_date(text).with_context(|| format!("--as-of {text:?}"))?,
        None => onshi_server::Clock::System.today(),
    };
    let mut config = SynthConfig {
        people: args.people,
        seed: args.seed,
        as_of,
        invalid_rate: args.invalid_rate,
        medical: args.medical,
        ..SynthConfig::default()
    };
    if let Some(rate) = args.namesake_rate {
        config.namesake_rate = rate;
    }
    Ok(config)
}

pub(crate) fn generate(config: &SynthConfig, out: &Path, quiet: bool) -> anyhow::Result<Summary> {
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(config.people as u64) };
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {percent:>3}% {pos}/{len} people · {elapsed} (eta {eta})")
            .expect("static progress template")
            .progress_chars("=> "),
    );
    bar.set_message("synth");
    let progress_bar = bar.clone();
    let summary = onshi_synth::generate(config, out, &mut |p| progress_bar.set_position(p.people_done as u64))
        .with_context(|| format!("cannot generate the town into {}", out.display()))?;
    bar.finish_and_clear();
    Ok(summary)
}

pub(crate) fn run(args: &SynthArgs) -> anyhow::Result<ExitCode> {
    let config = config(args)?;
    let started = std::time::Instant::now();
    let summary = generate(&config, &args.out, args.quiet)?;
    let medical = if config.medical { format!(", {} medical records", summary.medical_records) } else { String::new() };
    println!(
        "wrote {} residents, {} member rows, {} facilities{medical} to {} in {:.1} s (seed {}, as of {})",
        summary.residents,
        summary.members,
        summary.facilities,
        args.out.display(),
        started.elapsed().as_secs_f64(),
        config.seed,
        config.as_of
    );
    Ok(ExitCode::SUCCESS)
}
