//! `onshi registry import`, `onshi members import`, `onshi facilities import`,
//! `onshi insurers import`, `onshi medical import`.

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use onshi_app::import::{self, ImportOptions, ImportReport, Kind, Reject, RejectSink};

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum ImportCommand {
    /// Import a file: CSV (UTF-8, header row), or JSON Lines for medical
    /// information. Invalid rows are reported and skipped; valid rows are
    /// upserted by key, so re-importing changes nothing.
    ///
    /// Exit status: 0 when every row was imported, 2 when some rows were
    /// rejected (the others were imported), 1 on an error that stopped the import.
    Import(ImportArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The file (CSV; JSON Lines for `onshi medical import`).
    file: PathBuf,
    #[command(flatten)]
    db: DbArgs,
    /// Where to write rejected rows (default: FILE with `.rejects.csv`).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    /// Rows per transaction.
    #[arg(long, default_value_t = 50_000, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    batch_size: u32,
    /// Show no progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// Writes rejects to the reject file and the first few to the screen.
struct Rejects {
    path: PathBuf,
    writer: Option<csv::Writer<BufWriter<File>>>,
    shown: usize,
    bar: ProgressBar,
    error: Option<std::io::Error>,
}

const SHOWN_ON_SCREEN: usize = 20;

impl RejectSink for Rejects {
    fn reject(&mut self, reject: &Reject) {
        if self.shown < SHOWN_ON_SCREEN {
            self.bar.println(format!("  line {}: {} {:?}: {}", reject.line, reject.field, reject.value, reject.rule));
        } else if self.shown == SHOWN_ON_SCREEN {
            self.bar.println(format!("  … more in {}", self.path.display()));
        }
        self.shown += 1;
        if self.writer.is_none() && self.error.is_none() {
            match File::create(&self.path) {
                Ok(file) => {
                    let mut writer = csv::Writer::from_writer(BufWriter::new(file));
                    if let Err(e) = writer.write_record(["line", "field", "value", "rule"]) {
                        self.error = Some(e.into());
                    }
                    self.writer = Some(writer);
                }
                Err(e) => self.error = Some(e),
            }
        }
        if let Some(writer) = &mut self.writer {
            let line = reject.line.to_string();
            if let Err(e) = writer.write_record([line.as_str(), &reject.field, &reject.value, &reject.rule]) {
                self.error.get_or_insert(e.into());
            }
        }
    }
}

fn default_rejects_path(file: &Path) -> PathBuf {
    let stem = file.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "import".to_owned());
    file.with_file_name(format!("{stem}.rejects.csv"))
}

pub(crate) fn bar(total: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:>10} [{bar:30}] {percent:>3}% {bytes}/{total_bytes} · {elapsed} (eta {eta})",
        )
        .expect("static progress template")
        .progress_chars("=> "),
    );
    bar.set_message(what.to_owned());
    bar
}

/// Import `file` into `store`, with a progress bar and a reject file.
pub(crate) async fn import_file(
    store: std::sync::Arc<dyn onshi_store::Store>,
    kind: Kind,
    file: &Path,
    rejects_path: PathBuf,
    batch_size: usize,
    quiet: bool,
) -> anyhow::Result<(ImportReport, std::time::Duration)> {
    let input = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let total = input.metadata().map(|m| m.len()).unwrap_or(0);
    // A stale reject file from an earlier run would mislead; it is rewritten
    // only when this run rejects rows.
    if rejects_path.exists() {
        std::fs::remove_file(&rejects_path)
            .with_context(|| format!("cannot remove the old reject file {}", rejects_path.display()))?;
    }
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bar = bar(total, quiet, &name);
    let mut sink = Rejects { path: rejects_path, writer: None, shown: 0, bar: bar.clone(), error: None };
    let mut options = ImportOptions::new(onshi_server::Clock::System.today());
    options.batch_size = batch_size;
    let started = Instant::now();
    let progress_bar = bar.clone();
    let report = import::import(
        store,
        kind,
        Box::new(BufReader::with_capacity(1 << 20, input)),
        options,
        &mut sink,
        &mut move |progress| progress_bar.set_position(progress.bytes_read),
    )
    .await
    .with_context(|| format!("import of {} stopped", file.display()))?;
    let elapsed = started.elapsed();
    bar.finish_and_clear();
    if let Some(mut writer) = sink.writer.take() {
        writer.flush().with_context(|| format!("cannot write {}", sink.path.display()))?;
    }
    if let Some(e) = sink.error {
        return Err(e).with_context(|| format!("cannot write the reject file {}", sink.path.display()));
    }
    Ok((report, elapsed))
}

pub(crate) fn print_report(file: &Path, report: &ImportReport, elapsed: std::time::Duration, rejects: &Path) {
    let rate = report.rows as f64 / elapsed.as_secs_f64().max(1e-9);
    println!(
        "{}: {} rows in {:.1} s ({:.0} rows/s): inserted {}, updated {}, unchanged {}, rejected {}, linked {}",
        file.display(),
        report.rows,
        elapsed.as_secs_f64(),
        rate,
        report.inserted,
        report.updated,
        report.unchanged,
        report.rejected_rows,
        report.linked
    );
    if report.suspended > 0 {
        println!(
            "{} members were stored with their link held (judged another person than the My Number's holder); \
             `onshi linkage suspended` lists them, `onshi linkage confirm|correct` decides",
            report.suspended
        );
    }
    if report.rejected_rows > 0 {
        println!(
            "rejected rows are listed in {} (line, field, value, rule); fix them and import the file again",
            rejects.display()
        );
    }
}

pub(crate) async fn run(config_file: Option<PathBuf>, kind: Kind, command: ImportCommand) -> anyhow::Result<ExitCode> {
    let ImportCommand::Import(args) = command;
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let rejects = args.rejects.clone().unwrap_or_else(|| default_rejects_path(&args.file));
    let (report, elapsed) =
        import_file(store, kind, &args.file, rejects.clone(), args.batch_size as usize, args.quiet).await?;
    print_report(&args.file, &report, elapsed, &rejects);
    Ok(if report.rejected_rows > 0 { ExitCode::from(2) } else { ExitCode::SUCCESS })
}
