//! `onshi card`: the municipality's card desk (issue a card into a card
//! file) and the card itself (`onshi card serve`, the emulator on a local
//! socket, as a separate process like a real card).
//!
//! The JPKI authority lives in `{data_dir}/jpki/authority.pem` (mode 0600),
//! created on first use. Issuance is not yet recorded for certificate status
//! (CRL, OCSP): that comes with the status store.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use onshi_card::{Card, CardFile, CardIssue, Pins};
use onshi_domain::person::Sex;
use onshi_pki::{Authority, Holder, IssuingCa, StatusUrls};

use crate::settings::{self, DbArgs};

#[derive(Debug, Subcommand)]
pub(crate) enum CardCommand {
    /// Issue a card to a resident of the registry: both certificates, and a
    /// card file holding the keys, PINs (hashed) and the card's data.
    Issue(IssueArgs),
    /// Run the card emulator on a local socket (2-byte length + APDU frames);
    /// retry counters are written back to the card file.
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
pub(crate) struct IssueArgs {
    /// 住民票コード of the resident.
    #[arg(long, value_name = "CODE")]
    resident: String,
    /// Where to write the card file.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// 利用者証明用電子証明書の暗証番号: 4 digits.
    #[arg(long, value_name = "PIN", required_unless_present = "no_pin")]
    pin: Option<String>,
    /// 署名用電子証明書の暗証番号: 6–16 letters and digits.
    #[arg(long, value_name = "PASSWORD", required_unless_present = "no_pin")]
    password: Option<String>,
    /// 券面事項入力補助用の暗証番号: 4 digits.
    #[arg(long, value_name = "PIN", required_unless_present = "no_pin")]
    support_pin: Option<String>,
    /// Issue a card without PINs (for people who cannot manage one): it works
    /// only with face verification at a reader.
    #[arg(long, conflicts_with_all = ["pin", "password", "support_pin"])]
    no_pin: bool,
    #[command(flatten)]
    db: DbArgs,
}

#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The card file.
    file: PathBuf,
    /// Address to listen on (loopback only: a card belongs to one machine).
    #[arg(long, default_value = "127.0.0.1:35964", value_name = "HOST:PORT")]
    listen: String,
}

fn authority_path(data_dir: &Path) -> PathBuf {
    data_dir.join("jpki").join("authority.pem")
}

/// Load the authority, or create it (and say so) on first use.
fn load_or_create_authority(path: &Path, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<Authority> {
    if path.exists() {
        let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
        let files = onshi_pki::AuthorityFiles::from_pem(&text)
            .with_context(|| format!("{} is not a valid authority file", path.display()))?;
        return Authority::from_files(&files)
            .with_context(|| format!("{} does not hold a usable authority", path.display()));
    }
    let authority = Authority::create(now).context("cannot create the JPKI authority")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    write_private(path, authority.files().to_pem().as_bytes())?;
    eprintln!("created the JPKI authority (root and two issuing CAs) in {}", path.display());
    Ok(authority)
}

/// Write a file only its owner can read: it holds private keys.
fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).with_context(|| format!("cannot create {}", path.display()))?;
    file.write_all(bytes).and_then(|()| file.sync_all()).with_context(|| format!("cannot write {}", path.display()))
}

fn jpki_sex(sex: Sex) -> anyhow::Result<&'static str> {
    match sex {
        Sex::Male => Ok("1"),
        Sex::Female => Ok("2"),
        Sex::NotApplicable => Ok("9"),
        Sex::Unset => anyhow::bail!("the registry records no sex (3 未設定) for this resident; a card needs 1, 2 or 9"),
    }
}

async fn issue(config_file: Option<PathBuf>, args: IssueArgs) -> anyhow::Result<ExitCode> {
    let loaded = settings::load(config_file, &settings::db_overrides(&args.db))?;
    let store = settings::open_store(&loaded).await?;
    let code = args.resident.parse().map_err(|e| anyhow::anyhow!("--resident {:?}: {e}", args.resident))?;
    let stored = store
        .resident_by_code(&code)
        .await?
        .with_context(|| format!("no resident with 住民票コード {} in the registry; import it first", args.resident))?;
    let resident = stored.resident;
    let attributes = &resident.attributes;
    let now = onshi_server::Clock::System.now();
    let authority = load_or_create_authority(&authority_path(&loaded.config.data_dir), now)?;
    let holder = Holder {
        name: attributes.name_kanji.clone(),
        name_substitute: None,
        sex: attributes.sex,
        birth_date: attributes.birth_date,
        address: attributes.address.clone(),
        address_substitute: None,
    };
    let base = format!("http://{}/jpki", loaded.config.server.bind);
    let urls = |ca: &str| StatusUrls { ocsp: format!("{base}/{ca}/ocsp"), crl: format!("{base}/{ca}/crl") };
    let certificates =
        authority.issue(&holder, now, &urls("auth"), &urls("sign")).context("cannot issue the certificates")?;
    let pins = match (args.no_pin, args.pin, args.password, args.support_pin) {
        (true, ..) => None,
        (false, Some(auth_pin), Some(sign_password), Some(support_pin)) => {
            Some(Pins { auth_pin, sign_password, support_pin })
        }
        _ => anyhow::bail!("give --pin, --password and --support-pin, or --no-pin"),
    };
    let serial: String = certificates.user_authentication.serial.iter().map(|b| format!("{b:02X}")).collect();
    let card = CardFile::issue(CardIssue {
        serial: serial.clone(),
        auth_key_pkcs8: certificates.user_authentication.key_pkcs8_der.clone(),
        auth_certificate: certificates.user_authentication.cert_der.clone(),
        auth_ca_certificate: authority.ca_cert_der(IssuingCa::UserAuthentication).to_vec(),
        sign_key_pkcs8: certificates.signing.key_pkcs8_der.clone(),
        sign_certificate: certificates.signing.cert_der.clone(),
        sign_ca_certificate: authority.ca_cert_der(IssuingCa::Signing).to_vec(),
        pins,
        my_number: resident.my_number.as_str().to_owned(),
        name: attributes.name_kanji.clone(),
        address: attributes.address.clone(),
        birth_date: attributes.birth_date.format("%Y%m%d").to_string(),
        sex: jpki_sex(attributes.sex)?.to_owned(),
        // A stand-in for the face photo: the reader compares it, nothing more.
        face_photo: format!("face-photo-stand-in:{}", resident.resident_code).into_bytes(),
    })
    .context("the card data was refused")?;
    if args.out.exists() {
        anyhow::bail!(
            "{} exists; a card file is never overwritten (it holds the only copy of the keys)",
            args.out.display()
        );
    }
    card.save(&args.out).with_context(|| format!("cannot write the card file {}", args.out.display()))?;
    println!(
        "issued card {serial} to 住民票コード {} ({}); certificates valid until {}; card file {}",
        resident.resident_code,
        attributes.name_kanji,
        certificates.user_authentication.not_after.format("%Y-%m-%d"),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let card = Card::open(&args.file).with_context(|| format!("cannot open the card file {}", args.file.display()))?;
    let listener = tokio::net::TcpListener::bind(&args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    let addr = listener.local_addr().context("no local address")?;
    if !addr.ip().is_loopback() {
        anyhow::bail!("the card listens on loopback only, not {addr}");
    }
    eprintln!("card {} is in the reader at tcp://{addr} (Ctrl-C removes it)", args.file.display());
    tokio::select! {
        result = onshi_card::serve_local(card, listener) => result.context("the card stopped")?,
        _ = tokio::signal::ctrl_c() => eprintln!("card removed"),
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) async fn run(config_file: Option<PathBuf>, command: CardCommand) -> anyhow::Result<ExitCode> {
    match command {
        CardCommand::Issue(args) => issue(config_file, args).await,
        CardCommand::Serve(args) => serve(args).await,
    }
}
