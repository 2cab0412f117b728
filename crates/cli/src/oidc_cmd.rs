//! `onshi oidc`: the OpenID Connect provider's relying parties (連携サービス),
//! registered by the operator, and the provider's keys kept by `onshi serve`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Args, Subcommand};
use onshi_app::oidc::{NewClient, ProviderKeys};

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum OidcCommand {
    /// Register a relying party: a service that signs people in with their
    /// card through the platform (authorization code flow, PKCE S256,
    /// private_key_jwt).
    AddClient(AddClientArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AddClientArgs {
    /// The client id: ASCII letters and digits, e.g. RP00000001.
    #[arg(long)]
    client_id: String,
    /// The service's name shown to the person (サービス名).
    #[arg(long)]
    name: String,
    /// A redirect URI, matched exactly (https://, or http:// for localhost);
    /// repeat for several.
    #[arg(long = "redirect-uri", required = true)]
    redirect_uris: Vec<String>,
    /// The scopes it may ask for, space-separated, among openid name address
    /// birthdate gender sign; openid is required.
    #[arg(long, default_value = "openid name address birthdate gender")]
    scopes: String,
    /// The host its pairwise `sub` is computed for: services of one sector
    /// see the same `sub` for a person.
    #[arg(long)]
    sector_identifier: String,
    /// A file with its JWK Set (the public keys of its private_key_jwt
    /// client assertions).
    #[arg(long)]
    jwks: Option<PathBuf>,
    /// A development client: also give it a secret (client_secret_basic),
    /// printed once. Never for a real service.
    #[arg(long)]
    dev_secret: bool,
    #[command(flatten)]
    db: DbArgs,
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: OidcCommand) -> anyhow::Result<ExitCode> {
    match command {
        OidcCommand::AddClient(args) => add_client(config_file, args).await,
    }
}

async fn add_client(config_file: Option<PathBuf>, args: AddClientArgs) -> anyhow::Result<ExitCode> {
    let jwks = match &args.jwks {
        Some(path) => {
            std::fs::read_to_string(path).with_context(|| format!("--jwks: cannot read {}", path.display()))?
        }
        None if args.dev_secret => r#"{"keys":[]}"#.to_owned(),
        None => anyhow::bail!("--jwks is required: the relying party's JWK Set for private_key_jwt"),
    };
    let secret = args.dev_secret.then(|| URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()));
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let client = NewClient {
        client_id: args.client_id,
        name: args.name,
        redirect_uris: args.redirect_uris,
        scopes: args.scopes,
        sector_identifier: args.sector_identifier,
        jwks,
        dev_secret: secret.clone(),
    };
    let party = onshi_app::oidc::register_client(store.as_ref(), client, onshi_server::Clock::System.now())
        .await
        .map_err(|e| anyhow::anyhow!("{} ({})", e, e.code()))?;
    println!("relying party {} {}: registered", party.client_id, party.name);
    println!("issuer: {}", loaded.config.server.public_base_url());
    if let Some(secret) = secret {
        println!("client_secret (development only, shown once): {secret}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Where the provider's keys (ID-token signing key, pairwise secret) live.
pub(crate) fn provider_keys_path(data_dir: &Path) -> PathBuf {
    data_dir.join("oidc").join("provider-keys.json")
}

/// Load the provider's keys, or create them (readable by their owner only).
pub(crate) fn load_or_create_provider_keys(path: &Path) -> anyhow::Result<Arc<ProviderKeys>> {
    if path.exists() {
        let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
        let keys = ProviderKeys::from_file(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        return Ok(Arc::new(keys));
    }
    let (keys, file) = ProviderKeys::generate().map_err(|e| anyhow::anyhow!("cannot make the provider's keys: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    onshi_app::jpki::write_private(path, &file).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(Arc::new(keys))
}
