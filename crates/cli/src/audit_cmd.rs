//! `onshi audit`: the access log (やりとり履歴) for operators: verify every
//! person's hash chain and the platform's signature on its head.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use onshi_app::medical::AuditKey;

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum AuditCommand {
    /// Verify the whole access log: every entry chained to the one before,
    /// every person's log ending at their signed head. Exits 1 and lists
    /// the people whose log was altered or cut.
    Verify(VerifyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct VerifyArgs {
    /// Show at most this many failures (all are counted).
    #[arg(long, default_value_t = 50)]
    show: usize,
    #[command(flatten)]
    db: DbArgs,
}

/// Where the key that signs the access log's heads lives.
pub(crate) fn audit_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("audit").join("head-signing.pk8")
}

/// Load the audit key, or create it (Ed25519, PKCS#8, readable by its owner only).
pub(crate) fn load_or_create_audit_key(path: &Path) -> anyhow::Result<Arc<AuditKey>> {
    if path.exists() {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let key = AuditKey::from_pkcs8(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        return Ok(Arc::new(key));
    }
    let (key, document) = AuditKey::generate().map_err(|e| anyhow::anyhow!("cannot make an audit key: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    onshi_app::jpki::write_private(path, &document).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Arc::new(key))
}

async fn verify(config_file: Option<PathBuf>, args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let path = audit_key_path(&loaded.config.data_dir);
    if !path.exists() {
        anyhow::bail!(
            "no audit key at {}: the access log is signed by the key `onshi serve` keeps there; \
             run this where the server's data directory is",
            path.display()
        );
    }
    let key = load_or_create_audit_key(&path)?;
    let store = settings::open_store(&loaded).await?;
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {elapsed_precise} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    let mut tick = |entries: u64| bar.set_message(format!("{entries} entries checked"));
    let report = onshi_app::medical::verify_all(store.as_ref(), &key.public_key(), &mut tick).await?;
    bar.finish_and_clear();
    println!("people: {}", report.people);
    println!("entries: {}", report.entries);
    if report.failures.is_empty() {
        println!("the access log is intact: every chain verifies and ends at its signed head");
        return Ok(ExitCode::SUCCESS);
    }
    println!("FAILED: {} people's logs do not verify", report.failures.len());
    for (person, problem) in report.failures.iter().take(args.show) {
        println!("  person {person}: {problem}");
    }
    if report.failures.len() > args.show {
        println!("  … and {} more (--show N to list more)", report.failures.len() - args.show);
    }
    Ok(ExitCode::FAILURE)
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: AuditCommand) -> anyhow::Result<ExitCode> {
    match command {
        AuditCommand::Verify(args) => verify(config_file, args).await,
    }
}
