//! `onshi report usage`: the month's usage report (マイナ保険証の利用状況),
//! the ministry's two tables printed and written as CSV.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use onshi_app::report::{self, Month};
use unicode_width::UnicodeWidthStr;

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum ReportCommand {
    /// The month's eligibility checks by facility kind and by insurer, with
    /// マイナ保険証利用率 and 登録率 rounded as the ministry rounds them.
    Usage(UsageArgs),
}

#[derive(Debug, Args)]
pub(crate) struct UsageArgs {
    /// The month, YYYY-MM, in Japan time (default: last month).
    #[arg(long, value_name = "YYYY-MM")]
    month: Option<Month>,
    /// Where to write `usage-YYYY-MM-facility-kinds.csv` and
    /// `usage-YYYY-MM-insurers.csv` (UTF-8).
    #[arg(long, value_name = "DIR", default_value = ".")]
    out_dir: PathBuf,
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: ReportCommand) -> anyhow::Result<ExitCode> {
    let ReportCommand::Usage(args) = command;
    let month = args.month.unwrap_or_else(|| {
        let today = onshi_domain::date::in_japan(chrono::Utc::now());
        Month::of(Month::of(today).first_day().pred_opt().unwrap_or(today))
    });
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let usage = report::usage(store.as_ref(), month).await.context("cannot read the month's checks")?;

    let kinds = (report::by_kind_header(), report::by_kind_rows(&usage));
    let insurers = (report::by_insurer_header(), report::by_insurer_rows(&usage));
    println!("マイナ保険証の利用状況 {month} (checks from {} to {}, UTC)", month.start(), month.end());
    println!();
    println!("【施設類型別】");
    print_table(&kinds.0, &kinds.1);
    println!();
    println!("【保険者別】 加入者数 on {}; 登録者数 registered at the month's end", month.last_day());
    print_table(&insurers.0, &insurers.1);

    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("cannot create the output directory {}", args.out_dir.display()))?;
    for (name, (header, rows)) in [("facility-kinds", &kinds), ("insurers", &insurers)] {
        let path = args.out_dir.join(format!("usage-{month}-{name}.csv"));
        let bytes = report::csv(header, rows).context("cannot format the CSV")?;
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Print a table with columns aligned by display width (full-width
/// characters take two cells); counts and rates right-aligned, the first
/// column (a label or an insurer number) left-aligned.
fn print_table(header: &[String], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: &[String]| {
        let mut out = String::new();
        for (i, (cell, w)) in cells.iter().zip(&widths).enumerate() {
            let pad = " ".repeat(w.saturating_sub(cell.width()));
            let numeric = i > 0 && !cell.is_empty() && cell.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '%');
            if i > 0 {
                out.push_str("  ");
            }
            if numeric {
                out.push_str(&pad);
                out.push_str(cell);
            } else {
                out.push_str(cell);
                out.push_str(&pad);
            }
        }
        println!("{}", out.trim_end());
    };
    line(header);
    for row in rows {
        line(row);
    }
}
