//! `onshi crew`: fire departments (消防本部) whose crews (救急隊) read
//! patients' cards at the scene (マイナ救急), and their systems' API clients.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Subcommand};
use onshi_store::medical::{Crew, CrewClient};

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum CrewCommand {
    /// Register (or rename) a fire department.
    Add(AddArgs),
    /// Register a fire department's system (the crews' tablets) as an API
    /// client; prints its id and secret once.
    AddClient(AddClientArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AddArgs {
    /// The department's code: 6 digits (the 全国地方公共団体コード of its
    /// municipality with its check digit, or the department's own number).
    #[arg(long)]
    code: String,
    /// Its name, e.g. 八王子市消防本部.
    #[arg(long)]
    name: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AddClientArgs {
    /// The department's code (`onshi crew add`).
    #[arg(long)]
    code: String,
    /// A name for the client.
    #[arg(long, default_value = "")]
    name: String,
    #[command(flatten)]
    db: DbArgs,
}

/// A department code: 6 ASCII digits.
pub(crate) fn check_code(code: &str) -> anyhow::Result<&str> {
    let code = code.trim();
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(code)
    } else {
        anyhow::bail!("--code {code:?}: a fire department's code is 6 digits")
    }
}

async fn add(config_file: Option<PathBuf>, args: AddArgs) -> anyhow::Result<ExitCode> {
    let code = check_code(&args.code)?;
    let name = args.name.trim();
    if name.is_empty() {
        anyhow::bail!("--name is empty: give the fire department's name");
    }
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let created_at = store.crew(code).await?.map_or_else(|| onshi_server::Clock::System.now(), |c| c.created_at);
    store.upsert_crew(Crew { crew_code: code.to_owned(), name: name.to_owned(), created_at }).await?;
    println!("fire department {code} {name}: registered");
    Ok(ExitCode::SUCCESS)
}

async fn add_client(config_file: Option<PathBuf>, args: AddClientArgs) -> anyhow::Result<ExitCode> {
    let code = check_code(&args.code)?;
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let (client_id, secret) = crate::facility_cmd::new_credentials("cc");
    store
        .insert_crew_client(CrewClient {
            client_id: client_id.clone(),
            crew_code: code.to_owned(),
            secret_sha256: onshi_server::secret_hash(&secret),
            name: args.name,
            created_at: onshi_server::Clock::System.now(),
            revoked_at: None,
        })
        .await
        .map_err(|e| match e {
            onshi_store::StoreError::NotFound { .. } => {
                anyhow::anyhow!("fire department {code} is not registered; register it with `onshi crew add` first")
            }
            other => other.into(),
        })?;
    crate::facility_cmd::print_credentials(&client_id, &secret);
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: CrewCommand) -> anyhow::Result<ExitCode> {
    match command {
        CrewCommand::Add(args) => add(config_file, args).await,
        CrewCommand::AddClient(args) => add_client(config_file, args).await,
    }
}
