//! Configuration for the subcommands, `onshi config`, `onshi serve` and
//! `onshi migrate`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Args, Subcommand};
use onshi_server::config::{self, ConfigSources, Loaded};

/// `--db` for commands that only need the database.
#[derive(Debug, Args)]
pub(crate) struct DbArgs {
    /// Database URL: `sqlite://PATH` or `postgres://USER@HOST/DB`
    /// (default: an SQLite file in the data directory).
    #[arg(long, env = "ONSHI_DB", value_name = "URL")]
    pub(crate) db: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    #[command(flatten)]
    pub(crate) db: DbArgs,
    /// Address to listen on, `HOST:PORT` (default 127.0.0.1:8080).
    #[arg(long, value_name = "HOST:PORT")]
    pub(crate) bind: Option<String>,
    /// Override any configuration key, e.g. `--set log.filter=debug`.
    #[arg(long = "set", value_name = "SECTION.KEY=VALUE")]
    pub(crate) overrides: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum ConfigCommand {
    /// Load every layer and report errors and warnings; exit 1 on an error.
    Check {
        /// Override keys as `serve --set` does.
        #[arg(long = "set", value_name = "SECTION.KEY=VALUE")]
        overrides: Vec<String>,
    },
    /// Print the effective configuration as TOML, secrets redacted.
    Show {
        #[arg(long = "set", value_name = "SECTION.KEY=VALUE")]
        overrides: Vec<String>,
    },
}

/// Load the configuration with flag overrides; warnings go to stderr.
pub(crate) fn load(config_file: Option<PathBuf>, overrides: &[(String, String)]) -> anyhow::Result<Loaded> {
    let mut sources = ConfigSources::from_process();
    if let Some(path) = config_file {
        sources = sources.config_file(path);
    }
    for (key, value) in overrides {
        sources = sources.set(key.clone(), value.clone());
    }
    let loaded = config::load(sources).context("the configuration is invalid")?;
    for warning in &loaded.warnings {
        eprintln!("warning: {warning}");
    }
    Ok(loaded)
}

fn parse_overrides(given: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    given.iter().map(|g| config::parse_override(g).map_err(anyhow::Error::from)).collect()
}

pub(crate) fn db_overrides(db: &DbArgs) -> Vec<(String, String)> {
    db.db.iter().map(|url| ("database.url".to_owned(), url.clone())).collect()
}

pub(crate) fn config_command(config_file: Option<PathBuf>, command: &ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Check { overrides } => {
            let loaded = load(config_file, &parse_overrides(overrides)?)?;
            let layers: Vec<String> = loaded.layers.iter().map(|layer| format!("{layer:?}")).collect();
            println!("configuration ok (layers: {})", layers.join(" < "));
            println!("database: {}", config::redact_url(&loaded.config.database_url()));
            println!("listening on: {}", loaded.config.server.bind);
            Ok(ExitCode::SUCCESS)
        }
        ConfigCommand::Show { overrides } => {
            let loaded = load(config_file, &parse_overrides(overrides)?)?;
            print!("{}", loaded.config.to_redacted_toml());
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Open the configured database and bring its schema up to date.
pub(crate) async fn open_store(loaded: &Loaded) -> anyhow::Result<Arc<dyn onshi_store::Store>> {
    let url = loaded.config.database_url();
    let shown = config::redact_url(&url);
    let options = onshi_store::OpenOptions { max_connections: loaded.config.database.max_connections };
    let store = onshi_store::open_with(&url, options)
        .await
        .with_context(|| format!("cannot open the database {shown}; check --db, ONSHI_DB or database.url"))?;
    let report = store.migrate().await.with_context(|| format!("cannot migrate the database {shown}"))?;
    for name in &report.applied {
        eprintln!("applied migration {name}");
    }
    Ok(store)
}

pub(crate) async fn migrate(config_file: Option<PathBuf>, args: DbArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(config_file, &db_overrides(&args))?;
    let store = open_store(&loaded).await?;
    let report = store.migrate().await?;
    println!(
        "database {} is up to date ({} migrations in place)",
        config::redact_url(&loaded.config.database_url()),
        report.already
    );
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn serve_overrides(args: &ServeArgs) -> anyhow::Result<Vec<(String, String)>> {
    let mut overrides = db_overrides(&args.db);
    if let Some(bind) = &args.bind {
        overrides.push(("server.bind".to_owned(), bind.clone()));
    }
    overrides.extend(parse_overrides(&args.overrides)?);
    Ok(overrides)
}

pub(crate) async fn serve(config_file: Option<PathBuf>, args: ServeArgs) -> anyhow::Result<ExitCode> {
    let loaded = load(config_file, &serve_overrides(&args)?)?;
    onshi_server::init_tracing(loaded.config.log.format, &loaded.config.log.filter)?;
    let store = open_store(&loaded).await?;
    run_server(&loaded, store, |addr| {
        eprintln!("onshi is listening on http://{addr}/ (Ctrl-C to stop)");
    })
    .await?;
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run_server(
    loaded: &Loaded,
    store: Arc<dyn onshi_store::Store>,
    ready: impl FnOnce(std::net::SocketAddr),
) -> anyhow::Result<()> {
    let jpki = crate::card_cmd::jpki_service(loaded, store.clone()).await?;
    let card_dir = loaded.config.data_dir.join("cards");
    let token_key =
        crate::facility_cmd::load_or_create_token_key(&crate::facility_cmd::token_key_path(&loaded.config.data_dir))?;
    let audit_key =
        crate::audit_cmd::load_or_create_audit_key(&crate::audit_cmd::audit_key_path(&loaded.config.data_dir))?;
    let provider_keys =
        crate::oidc_cmd::load_or_create_provider_keys(&crate::oidc_cmd::provider_keys_path(&loaded.config.data_dir))?;
    let state = onshi_server::AppState::new(store)
        .with_config(&loaded.config)
        .with_jpki(jpki, Some(card_dir))
        .with_token_key(token_key)
        .with_audit_key(audit_key)
        .with_oidc(provider_keys, &loaded.config.server.public_base_url());
    onshi_server::serve(&loaded.config, state, ready)
        .await
        .with_context(|| format!("the server on {} failed", loaded.config.server.bind))
}
