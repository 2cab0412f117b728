//! `onshi facility`: register a facility's system as an OAuth 2.0 client
//! (the clinic's レセコン or 電子カルテ, which then checks eligibility over
//! `/facility`), and check eligibility by insured number from the command
//! line through the platform's API, as a clinic's system does.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use clap::{Args, Subcommand};
use onshi_store::eligibility::FacilityClient;

use crate::platform::{ApiFailure, FacilityApi};
use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum FacilityCommand {
    /// Register a facility's system as an API client; prints its id and
    /// secret once (the secret is stored only as a hash).
    AddClient(AddClientArgs),
    /// Check eligibility by insured number through the platform's API (照会区分 2).
    CheckNumber(CheckNumberArgs),
    /// Register (or update) a staff member of a facility, with the
    /// qualification that decides what they may view: drug and clinical
    /// history doctors, dentists and pharmacists; checkups doctors and dentists.
    AddStaff(AddStaffArgs),
    /// Designate a facility for emergency viewing (救急時医療情報閲覧), or
    /// withdraw the designation.
    Emergency(EmergencyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct AddStaffArgs {
    /// 医療機関コード of a registered facility.
    #[arg(long, value_name = "CODE")]
    facility: String,
    /// The facility's id of the staff member, as its system sends it (1 to 32 characters).
    #[arg(long)]
    staff_id: String,
    /// 氏名.
    #[arg(long)]
    name: String,
    /// doctor (医師), dentist (歯科医師), pharmacist (薬剤師), nurse (看護師) or clerk (事務).
    #[arg(long)]
    qualification: String,
    /// Mark the staff member as having left (they can no longer view).
    #[arg(long)]
    revoke: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct EmergencyArgs {
    /// 医療機関コード of a registered facility.
    #[arg(long, value_name = "CODE")]
    facility: String,
    /// Withdraw the designation instead.
    #[arg(long)]
    withdraw: bool,
    #[command(flatten)]
    db: DbArgs,
}

/// The qualifications a staff member may hold, with their Japanese names.
pub(crate) const QUALIFICATIONS: [(&str, &str); 5] =
    [("doctor", "医師"), ("dentist", "歯科医師"), ("pharmacist", "薬剤師"), ("nurse", "看護師"), ("clerk", "事務")];

fn parse_facility(value: &str) -> anyhow::Result<onshi_domain::id::FacilityCode> {
    value.parse().map_err(|e| anyhow::anyhow!("--facility {value:?}: {e}"))
}

fn not_registered(code: &onshi_domain::id::FacilityCode) -> impl FnOnce(onshi_store::StoreError) -> anyhow::Error + '_ {
    move |e| match e {
        onshi_store::StoreError::NotFound { .. } => {
            anyhow::anyhow!("facility {code} is not registered; import it with `onshi facilities import` first")
        }
        other => other.into(),
    }
}

async fn add_staff(config_file: Option<PathBuf>, args: AddStaffArgs) -> anyhow::Result<ExitCode> {
    let code = parse_facility(&args.facility)?;
    let qualification = QUALIFICATIONS
        .iter()
        .find(|(en, ja)| args.qualification == *en || args.qualification == *ja)
        .map(|(en, _)| *en)
        .with_context(|| {
            let names: Vec<String> = QUALIFICATIONS.iter().map(|(en, ja)| format!("{en} ({ja})")).collect();
            format!("--qualification {:?}: must be one of {}", args.qualification, names.join(", "))
        })?;
    let staff_id = args.staff_id.trim();
    if staff_id.is_empty() || staff_id.chars().count() > 32 || staff_id.contains(char::is_whitespace) {
        anyhow::bail!("--staff-id {:?}: 1 to 32 characters without spaces", args.staff_id);
    }
    if args.name.trim().is_empty() {
        anyhow::bail!("--name is empty: give the staff member's name");
    }
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let now = onshi_server::Clock::System.now();
    let created_at = store.staff(code.as_str(), staff_id).await?.map_or(now, |s| s.created_at);
    store
        .upsert_staff(onshi_store::medical::Staff {
            facility_code: code.as_str().to_owned(),
            staff_id: staff_id.to_owned(),
            name: args.name.trim().to_owned(),
            qualification: qualification.to_owned(),
            created_at,
            revoked_at: args.revoke.then_some(now),
        })
        .await
        .map_err(not_registered(&code))?;
    let state = if args.revoke { "left (can no longer view)" } else { "registered" };
    println!("staff {staff_id} of facility {code}: {qualification}, {state}");
    Ok(ExitCode::SUCCESS)
}

async fn emergency(config_file: Option<PathBuf>, args: EmergencyArgs) -> anyhow::Result<ExitCode> {
    let code = parse_facility(&args.facility)?;
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    store
        .set_emergency_facility(code.as_str(), !args.withdraw, onshi_server::Clock::System.now(), "operator")
        .await
        .map_err(not_registered(&code))?;
    if args.withdraw {
        println!("facility {code} is no longer designated for emergency viewing");
    } else {
        println!("facility {code} is designated for emergency viewing (救急時医療情報閲覧)");
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(Debug, Args)]
pub(crate) struct AddClientArgs {
    /// 医療機関コード of a registered facility (`onshi facilities import`).
    #[arg(long, value_name = "CODE")]
    facility: String,
    /// A name for the client, e.g. the system's product name.
    #[arg(long, default_value = "")]
    name: String,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct CheckNumberArgs {
    #[command(flatten)]
    client: crate::platform::ClientArgs,
    /// 保険者番号.
    #[arg(long)]
    insurer: String,
    /// 記号.
    #[arg(long)]
    symbol: String,
    /// 番号.
    #[arg(long)]
    number: String,
    /// 枝番 (optional).
    #[arg(long)]
    branch: Option<String>,
    /// 生年月日 (ISO, YYYYMMDD or 和暦).
    #[arg(long)]
    birth_date: String,
    /// The visit date (default: today in Japan).
    #[arg(long)]
    visit_date: Option<String>,
}

/// Where the key that signs facilities' access tokens lives.
pub(crate) fn token_key_path(data_dir: &Path) -> PathBuf {
    data_dir.join("oauth").join("token.key")
}

/// Load the token key, or create it (32 random bytes, readable by its owner only).
pub(crate) fn load_or_create_token_key(path: &Path) -> anyhow::Result<onshi_server::TokenKey> {
    if path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let key = URL_SAFE_NO_PAD
            .decode(text.trim())
            .ok()
            .filter(|k| k.len() >= 32)
            .with_context(|| format!("{} is not a token key (base64url of 32 bytes or more)", path.display()))?;
        return Ok(onshi_server::TokenKey::new(&key));
    }
    let key: [u8; 32] = rand::random();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    onshi_app::jpki::write_private(path, URL_SAFE_NO_PAD.encode(key).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(onshi_server::TokenKey::new(&key))
}

async fn add_client(config_file: Option<PathBuf>, args: AddClientArgs) -> anyhow::Result<ExitCode> {
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let code: onshi_domain::id::FacilityCode =
        args.facility.parse().map_err(|e| anyhow::anyhow!("--facility {:?}: {e}", args.facility))?;
    let (client_id, secret) = new_credentials("fc");
    store
        .insert_facility_client(FacilityClient {
            client_id: client_id.clone(),
            facility_code: code.as_str().to_owned(),
            secret_sha256: onshi_server::secret_hash(&secret),
            name: args.name,
            created_at: onshi_server::Clock::System.now(),
            revoked_at: None,
        })
        .await
        .map_err(|e| match e {
            onshi_store::StoreError::NotFound { .. } => {
                anyhow::anyhow!("facility {code} is not registered; import it with `onshi facilities import` first")
            }
            other => other.into(),
        })?;
    print_credentials(&client_id, &secret);
    Ok(ExitCode::SUCCESS)
}

/// A new client id (`{prefix}-` and 96 random bits) and secret (256 random bits).
pub(crate) fn new_credentials(prefix: &str) -> (String, String) {
    let client_id = format!("{prefix}-{}", URL_SAFE_NO_PAD.encode(rand::random::<[u8; 12]>()));
    (client_id, URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>()))
}

/// Show new credentials once.
pub(crate) fn print_credentials(client_id: &str, secret: &str) {
    println!("client_id={client_id}");
    println!("client_secret={secret}");
    eprintln!("keep the secret now: it is stored only as a hash and cannot be shown again");
}

async fn check_number(config_file: Option<PathBuf>, args: CheckNumberArgs) -> anyhow::Result<ExitCode> {
    let platform = match args.client.platform {
        Some(url) => url.trim_end_matches('/').to_owned(),
        None => settings::load(config_file, &[])?.config.server.public_base_url(),
    };
    let mut api = FacilityApi::new(&platform, &args.client.client_id, &args.client.client_secret)?;
    let mut query = serde_json::json!({
        "insurer_number": args.insurer, "symbol": args.symbol, "number": args.number, "birth_date": args.birth_date,
    });
    if let Some(branch) = args.branch {
        query["branch"] = branch.into();
    }
    if let Some(visit) = args.visit_date {
        query["visit_date"] = visit.into();
    }
    match api.post("/facility/eligibility/insured-number", &query).await {
        Ok(body) => {
            println!("{}", serde_json::to_string_pretty(&body).context("cannot print the answer")?);
            Ok(ExitCode::SUCCESS)
        }
        Err(ApiFailure::Refused { code, message }) => {
            eprintln!("refused ({code}): {message}");
            Ok(ExitCode::FAILURE)
        }
        Err(failure) => anyhow::bail!("the platform at {platform} {failure}"),
    }
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: FacilityCommand) -> anyhow::Result<ExitCode> {
    match command {
        FacilityCommand::AddClient(args) => add_client(config_file, args).await,
        FacilityCommand::CheckNumber(args) => check_number(config_file, args).await,
        FacilityCommand::AddStaff(args) => add_staff(config_file, args).await,
        FacilityCommand::Emergency(args) => emergency(config_file, args).await,
    }
}
