//! The card inside a real PC/SC stack: our own `pcscd` with
//! vsmartcard-vpcd's driver, the emulated card connected to vpcd, OpenSC's
//! `pkcs15-tool` listing and reading its certificates through OpenSC's JPKI
//! driver, and the reader library signing in through `pcsc`.
//!
//! Needs the Debian packages pcscd, vsmartcard-vpcd and opensc
//! (`scripts/ensure-tools.sh` installs them) and root, since `pcscd` keeps
//! its socket in /run/pcscd. Only one pcscd can run on a machine, so
//! everything that needs it is one test function, and a guard stops the
//! daemon even when an assertion fails.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use onshi_card::reader::Pin;
use onshi_card::transport::VPCD_PORT;
use onshi_card::{CardConnection, JpkiSession, ReaderError, connect_vpcd, sha256_digest_info};
use onshi_pki::{IssuingCa, Validity};

use crate::client::{der_children, der_value};
use crate::signin::{Issued, at, issue};

const SOCKET: &str = "/run/pcscd/pcscd.comm";
const PID_FILE: &str = "/run/pcscd/pcscd.pid";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
/// The first of the two slots vpcd's Debian configuration opens (ports 35963 and 35964).
const VPCD_READER: &str = "Virtual PCD 00 00";
const ENSURE_TOOLS: &str = "run scripts/ensure-tools.sh (Debian packages pcscd, vsmartcard-vpcd, opensc)";

/// Finds an executable on PATH or in the system directories a non-root PATH lacks.
fn tool(name: &str) -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| panic!("{name} is not installed: {ENSURE_TOOLS}"))
}

/// A foreground `pcscd` for the length of the test; stopped on drop, and
/// its log printed when the test is failing.
struct Pcscd {
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Pcscd {
    /// Fails when the tools are missing or another pcscd is running.
    fn check_can_start() {
        tool("pcscd");
        assert!(Path::new(VPCD_DRIVER).is_file(), "vsmartcard-vpcd's driver {VPCD_DRIVER} is missing: {ENSURE_TOOLS}");
        if let Ok(pid) = std::fs::read_to_string(PID_FILE)
            && Path::new("/proc").join(pid.trim()).exists()
        {
            panic!(
                "a pcscd is already running (pid {}); this test starts its own with vpcd's driver: stop it first \
                 (systemctl stop pcscd.socket pcscd, or kill {})",
                pid.trim(),
                pid.trim()
            );
        }
    }

    fn start() -> Pcscd {
        Pcscd::check_can_start();
        let pcscd = tool("pcscd");
        let dir = tempfile::tempdir().expect("temporary directory");
        let log = dir.path().join("pcscd.log");
        let out = std::fs::File::create(&log).expect("pcscd log");
        let err = out.try_clone().expect("pcscd log");
        // -f: stay in the foreground and log to stdout; -a: log every APDU;
        // -i: info level. The reader list comes from /etc/reader.conf.d,
        // where vsmartcard-vpcd puts its entry.
        let child = Command::new(&pcscd)
            .args(["--foreground", "--apdu", "--info"])
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start {}: {error}", pcscd.display()));
        Pcscd { child, log, _dir: dir }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Fails with the daemon's log if it has exited.
    fn check_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "pcscd exited ({status}); it needs root for {SOCKET} and no other pcscd running. Its log:\n{}",
                self.log()
            );
        }
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        // SIGTERM lets pcscd remove its socket and pid file; SIGKILL after 5 s.
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("--- pcscd log ---\n{}--- end of pcscd log ---", self.log());
        }
    }
}

/// Polls `attempt` every 100 ms until it gives a value or `what` times out.
async fn wait_for<T>(what: &str, pcscd: &mut Pcscd, mut attempt: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        pcscd.check_alive();
        if let Some(value) = attempt().await {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs a command on the blocking pool (the card answers on the runtime
/// meanwhile) and returns its stdout, failing with its stderr.
async fn run(program: PathBuf, args: &[&str]) -> String {
    let args: Vec<String> = args.iter().map(|arg| (*arg).to_owned()).collect();
    let shown = format!("{} {}", program.display(), args.join(" "));
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || Command::new(program).args(args).stdin(Stdio::null()).output()),
    )
    .await
    .unwrap_or_else(|_| panic!("{shown} did not finish within 60 s"))
    .expect("task")
    .unwrap_or_else(|error| panic!("cannot run {shown}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{shown} failed ({}):\n{stdout}\n{stderr}", output.status);
    stdout
}

/// The serial number of a DER certificate as pkcs15-tool prints it: the
/// INTEGER's tag and length as spaced hex, then its value as one hex run.
fn encoded_serial(certificate: &[u8]) -> String {
    let tbs = der_children(der_value(certificate))[0];
    let serial = der_children(der_value(tbs))[1];
    assert_eq!(serial[0], 0x02, "the serial follows the version");
    let value: String = serial[2..].iter().map(|b| format!("{b:02X}")).collect();
    format!("Encoded serial : {:02X} {:02X} {value}", serial[0], serial[1])
}

/// Decodes the body of a PEM block (RFC 7468).
fn pem_to_der(pem: &str) -> Vec<u8> {
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for byte in body.bytes().filter(|b| *b != b'=' && !b.is_ascii_whitespace()) {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {byte:?} in {pem}"),
        };
        bits = bits << 6 | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opensc_and_the_pcsc_reader_see_the_emulated_card() {
    let pkcs15_tool = tool("pkcs15-tool");
    Pcscd::check_can_start();
    // Without pcscd, the reader library says so.
    let result = CardConnection::connect("pcsc").await;
    assert!(matches!(result, Err(ReaderError::NoReader { .. })), "{result:?}");
    assert!(result.expect_err("no pcscd").to_string().contains("start pcscd"));

    let mut pcscd = Pcscd::start();
    let Issued { card, trust } = issue();
    let file = card.file().clone();

    // pcscd is up when it lists vpcd's reader (empty until the card connects).
    wait_for("pcscd to list vpcd's reader", &mut pcscd, async || {
        match CardConnection::connect(&format!("pcsc:{VPCD_READER}")).await {
            Err(ReaderError::NoCard { .. }) => Some(()),
            Ok(_) => panic!("{VPCD_READER} has a card before ours connected: is another card emulator running?"),
            Err(_) => None,
        }
    })
    .await;
    let result = CardConnection::connect("pcsc:No Such Reader").await;
    let message = result.expect_err("no such reader").to_string();
    assert!(message.contains("No Such Reader") && message.contains(VPCD_READER), "{message}");
    let card_task = tokio::spawn(connect_vpcd(card, ("127.0.0.1", VPCD_PORT)));
    wait_for("the card in vpcd's reader", &mut pcscd, async || CardConnection::connect("pcsc").await.ok()).await;

    // a. OpenSC knows the card by its ATR and lists the 4 certificates of
    // its JPKI emulation; the signing certificate is private (it needs the
    // signing password), so it is listed without being read.
    let listing = run(pkcs15_tool.clone(), &["--list-certificates"]).await;
    println!("pkcs15-tool --list-certificates:\n{listing}");
    let blocks: Vec<&str> = listing.split("X.509 Certificate [").skip(1).collect();
    let block = |label: &str| {
        blocks
            .iter()
            .find(|block| block.starts_with(&format!("{label}]")))
            .unwrap_or_else(|| panic!("pkcs15-tool does not list the {label}:\n{listing}"))
    };
    assert_eq!(blocks.len(), 4, "{listing}");
    let auth = block("User Authentication Certificate");
    assert!(auth.contains("ID             : 01"), "{auth}");
    assert!(auth.contains(&encoded_serial(&file.jpki.auth.certificate)), "{auth}");
    let auth_ca = block("User Authentication Certificate CA");
    assert!(auth_ca.contains("Authority      : yes"), "{auth_ca}");
    assert!(auth_ca.contains(&encoded_serial(trust.ca_der(IssuingCa::UserAuthentication))), "{auth_ca}");
    let sign_ca = block("Digital Signature Certificate CA");
    assert!(sign_ca.contains(&encoded_serial(trust.ca_der(IssuingCa::Signing))), "{sign_ca}");
    let sign = block("Digital Signature Certificate");
    assert!(sign.contains("private"), "{sign}");
    assert!(!sign.contains("Encoded serial"), "read without the password: {sign}");

    // The certificate OpenSC reads is ours, byte for byte.
    let pem = run(pkcs15_tool, &["--read-certificate", "01"]).await;
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    assert_eq!(pem_to_der(&pem), file.jpki.auth.certificate);

    // OpenSC signs with the user-authentication key (it builds the
    // DigestInfo, the card pads and signs), and the platform accepts it.
    let dir = tempfile::tempdir().expect("temporary directory");
    let challenge = b"onshi sign-in challenge through OpenSC";
    let (hash, signature) = (dir.path().join("challenge.sha256"), dir.path().join("signature"));
    std::fs::write(&hash, &sha256_digest_info(challenge)[19..]).expect("write the hash");
    let path = |path: &Path| path.to_str().expect("UTF-8 path").to_owned();
    let (hash, signature) = (path(&hash), path(&signature));
    let args =
        ["--sign", "--key", "01", "--sha-256", "--pkcs1", "--pin", "1234", "--input", &hash, "--output", &signature];
    run(tool("pkcs15-crypt"), &args).await;
    let signature = std::fs::read(&signature).expect("OpenSC's signature");
    let verified = trust
        .verify_sign_in(&file.jpki.auth.certificate, challenge, &signature, at("2026-11-21T02:00:00Z"))
        .expect("OpenSC's signature is accepted");
    assert_eq!(verified.kind, IssuingCa::UserAuthentication);

    // b. The reader library through PC/SC: read, verify, sign, accepted.
    let connection = CardConnection::connect("pcsc").await.expect("the card through PC/SC");
    assert_eq!(connection.reader_name(), VPCD_READER);
    assert_eq!(connection.atr(), onshi_card::ATR);
    let mut session = JpkiSession::open(connection).await.expect("JPKI applet");
    let certificate = session.read_auth_certificate().await.expect("certificate");
    assert_eq!(certificate, file.jpki.auth.certificate);
    let wrong = session.verify_auth_pin("9999").await;
    assert!(matches!(wrong, Err(ReaderError::WrongPin { pin: Pin::Auth, tries_left: 2 })), "{wrong:?}");
    session.verify_auth_pin("1234").await.expect("PIN");
    let challenge = b"onshi sign-in challenge through PC/SC";
    let signature = session.sign_with_auth_key(&sha256_digest_info(challenge)).await.expect("signature");
    let verified =
        trust.verify_sign_in(&certificate, challenge, &signature, at("2026-11-21T02:00:00Z")).expect("accepted");
    assert_eq!(verified.validity, Validity::Valid);
    drop(session);

    // Dropping the session reset the card: the PIN is no longer verified.
    let mut session = JpkiSession::open(CardConnection::connect("pcsc").await.expect("again")).await.expect("applet");
    let unverified = session.sign_with_auth_key(&sha256_digest_info(challenge)).await;
    assert!(matches!(unverified, Err(ReaderError::Card { .. })), "{unverified:?}");
    assert_eq!(session.auth_pin_tries_left().await.expect("tries"), 3);
    drop(session);

    // Stopping pcscd pulls the card out of vpcd; the card task ends cleanly.
    drop(pcscd);
    let card = tokio::time::timeout(Duration::from_secs(10), card_task)
        .await
        .expect("the card task ends when vpcd closes")
        .expect("task")
        .expect("clean end of the vpcd connection");
    assert_eq!(card.file().serial, file.serial);
}
