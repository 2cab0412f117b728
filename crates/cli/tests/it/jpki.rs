//! The card and JPKI end to end, every part a real process: `onshi card
//! issue` at the municipal desk, `onshi serve` (the platform), `onshi card
//! serve` (the card), `onshi reader sign-in` (the reader), the desk's
//! suspend, resume, reset-pin and revoke, and openssl as the relying party
//! checking our certificates, CRL and OCSP answers over HTTP.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Server, http_get, onshi, run, stderr, stdout};

/// A town in a registry, a data directory with the authority, and a card.
pub(crate) struct Desk {
    pub(crate) dir: tempfile::TempDir,
    pub(crate) db: String,
    pub(crate) codes: Vec<String>,
}

impl Desk {
    pub(crate) fn new() -> Desk {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
        let town = dir.path().join("town");
        let out = run(onshi()
            .args(["synth", "--people", "30", "--seed", "9", "--as-of", "2026-04-01", "-q", "--out"])
            .arg(&town));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let out = run(onshi().args(["registry", "import", "-q", "--db", &db]).arg(town.join("registry.csv")));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let registry = std::fs::read_to_string(town.join("registry.csv")).expect("registry");
        let codes = registry.lines().skip(1).filter_map(|l| l.split(',').next()).map(str::to_owned).collect();
        Desk { dir, db, codes }
    }

    pub(crate) fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub(crate) fn onshi(&self) -> Command {
        let mut command = onshi();
        command.env("ONSHI_DATA_DIR", self.data_dir()).env("ONSHI_DB", &self.db);
        command
    }

    /// Issue a card with PIN 1234 to the `n`th resident; returns (file, serial).
    pub(crate) fn issue(&self, n: usize) -> (PathBuf, String) {
        let file = self.dir.path().join(format!("card{n}.json"));
        let out = run(self
            .onshi()
            .args(["card", "issue", "--resident", &self.codes[n], "--pin", "1234", "--password", "abc123"])
            .args(["--support-pin", "5678", "--out"])
            .arg(&file));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let serial = stdout(&out).split_whitespace().nth(2).expect("serial").to_owned();
        (file, serial)
    }

    fn desk(&self, args: &[&str]) -> Output {
        let out = run(self.onshi().args(["card"]).args(args));
        assert_eq!(out.status.code(), Some(0), "card {args:?}: {}", stderr(&out));
        out
    }
}

/// `onshi card serve` on a free loopback port; removed (killed) on drop.
pub(crate) struct CardProcess {
    child: Child,
    pub(crate) target: String,
}

impl CardProcess {
    pub(crate) fn start(file: &Path) -> CardProcess {
        CardProcess::start_at(file, "127.0.0.1:0")
    }

    /// In the reader at a given address (another card in the same reader).
    pub(crate) fn start_at(file: &Path, listen: &str) -> CardProcess {
        let mut child = onshi()
            .args(["card", "serve", "--listen", listen])
            .arg(file)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn the card");
        let mut line = String::new();
        BufReader::new(child.stderr.take().expect("stderr")).read_line(&mut line).expect("read");
        let addr = line.split("tcp://").nth(1).and_then(|rest| rest.split_whitespace().next());
        let target = format!("tcp://{}", addr.unwrap_or_else(|| panic!("no listening line: {line}")));
        CardProcess { child, target }
    }
}

impl Drop for CardProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn sign_in(card: &str, server: &Server, pin: &str) -> Output {
    run(onshi()
        .args(["reader", "sign-in", "--card", card, "--platform", &format!("http://{}", server.addr)])
        .args(["--pin", pin]))
}

fn signed_in(out: &Output) {
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(out), stderr(out));
    assert!(stdout(out).contains("signed in: person"), "{}", stdout(out));
}

fn refused(out: &Output, what: &str) {
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(out), stderr(out));
    assert!(stderr(out).contains(what), "expected {what:?}: {}", stderr(out));
}

/// The body of an HTTP answer.
fn body(response: &str) -> &str {
    response.split("\r\n\r\n").nth(1).unwrap_or("")
}

fn write_der_as_pem(der: &[u8], path: &Path) {
    let b64 = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let lines: Vec<&str> = b64.as_bytes().chunks(64).map(|c| std::str::from_utf8(c).expect("ascii")).collect();
    std::fs::write(path, format!("-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n", lines.join("\n")))
        .expect("write pem");
}

fn http_get_bytes(addr: &str, path: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("send");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read");
    let start = response.windows(4).position(|w| w == b"\r\n\r\n").expect("header end") + 4;
    response[start..].to_vec()
}

fn openssl(args: &[&str]) -> String {
    let out = Command::new("openssl").args(args).output().expect("openssl is installed (scripts/ensure-tools.sh)");
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

#[test]
fn sign_in_with_the_card_through_lock_suspension_and_revocation() {
    let desk = Desk::new();
    let (file, serial) = desk.issue(0);
    let server = Server::start_in(&desk.db, &desk.data_dir(), &[]);
    let card = CardProcess::start(&file);

    // The right PIN signs in.
    signed_in(&sign_in(&card.target, &server, "1234"));

    // Three wrong PINs lock it; the fourth try, with the right PIN, fails too.
    refused(&sign_in(&card.target, &server, "0000"), "2 tries left");
    refused(&sign_in(&card.target, &server, "0000"), "1 try left");
    refused(&sign_in(&card.target, &server, "0000"), "locked");
    refused(&sign_in(&card.target, &server, "1234"), "locked");
    refused(&sign_in(&card.target, &server, "12345"), "must be");

    // The counter survives the card leaving the reader.
    drop(card);
    let card = CardProcess::start(&file);
    refused(&sign_in(&card.target, &server, "1234"), "locked");
    drop(card);

    // The municipality resets the PIN with the card at the desk.
    desk.desk(&["reset-pin", "--file", file.to_str().expect("utf-8"), "--which", "auth", "--new-pin", "4321"]);
    let card = CardProcess::start(&file);
    refused(&sign_in(&card.target, &server, "1234"), "2 tries left");
    signed_in(&sign_in(&card.target, &server, "4321"));

    // Suspension is visible at once: the status answer right after the desk
    // command already says so, and the next sign-in is refused.
    desk.desk(&["suspend", &serial]);
    let suspended_at = Instant::now();
    let status = http_get(&server.addr, &format!("/jpki/certificates/{serial}/status"));
    let seen = suspended_at.elapsed();
    assert!(body(&status).contains("\"status\":\"suspended\""), "{status}");
    assert!(seen < Duration::from_secs(1), "the suspension took {seen:?} to show");
    refused(&sign_in(&card.target, &server, "4321"), "certificate_suspended");

    desk.desk(&["resume", &serial]);
    signed_in(&sign_in(&card.target, &server, "4321"));

    desk.desk(&["revoke", &serial]);
    refused(&sign_in(&card.target, &server, "4321"), "certificate_revoked");
    let shown = stdout(&desk.desk(&["show", &serial]));
    for operation in ["issue", "pin_reset", "suspend", "resume", "revoke"] {
        assert!(shown.contains(operation), "{operation} missing from the history: {shown}");
    }
    // A revoked card allows nothing more.
    let again = run(desk.onshi().args(["card", "resume", &serial]));
    assert_eq!(again.status.code(), Some(1));
    assert!(stderr(&again).contains("revoked"), "{}", stderr(&again));
    drop(card);
}

#[test]
fn openssl_accepts_our_certificates_crl_and_ocsp_over_http() {
    let desk = Desk::new();
    let (file, serial) = desk.issue(1);
    let server = Server::start_in(&desk.db, &desk.data_dir(), &[]);
    let dir = desk.dir.path();
    let pem = |name: &str| dir.join(name).to_str().expect("utf-8").to_owned();

    for (ca, name) in [("root", "root.pem"), ("auth", "auth-ca.pem"), ("sign", "sign-ca.pem")] {
        let der = http_get_bytes(&server.addr, &format!("/jpki/{ca}/certificate"));
        write_der_as_pem(&der, &dir.join(name));
    }
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("card file")).expect("json");
    let hex = |v: &serde_json::Value| -> Vec<u8> {
        let text = v.as_str().expect("hex");
        (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
    };
    write_der_as_pem(&hex(&card["jpki"]["auth"]["certificate"]), &dir.join("auth.pem"));
    write_der_as_pem(&hex(&card["jpki"]["sign"]["certificate"]), &dir.join("sign.pem"));

    let verify = openssl(&["verify", "-CAfile", &pem("root.pem"), "-untrusted", &pem("auth-ca.pem"), &pem("auth.pem")]);
    assert!(verify.contains(": OK"), "{verify}");
    let verify = openssl(&["verify", "-CAfile", &pem("root.pem"), "-untrusted", &pem("sign-ca.pem"), &pem("sign.pem")]);
    assert!(verify.contains(": OK"), "{verify}");

    let ocsp = |ca: &str, cert: &str| {
        openssl(&[
            "ocsp",
            "-issuer",
            &pem(&format!("{ca}-ca.pem")),
            "-cert",
            &pem(cert),
            "-url",
            &format!("http://{}/jpki/{ca}/ocsp", server.addr),
            "-CAfile",
            &pem("root.pem"),
        ])
    };
    let good = ocsp("auth", "auth.pem");
    assert!(good.contains("Response verify OK") && good.contains("auth.pem: good"), "{good}");

    let crl_path = dir.join("auth.crl");
    let crl_text = |path: &Path| {
        std::fs::write(path, http_get_bytes(&server.addr, "/jpki/auth/crl")).expect("write crl");
        openssl(&[
            "crl",
            "-inform",
            "DER",
            "-in",
            path.to_str().expect("utf-8"),
            "-CAfile",
            &pem("auth-ca.pem"),
            "-noout",
            "-text",
        ])
    };
    let empty = crl_text(&crl_path);
    assert!(empty.contains("verify OK") && empty.contains("No Revoked Certificates"), "{empty}");

    desk.desk(&["suspend", &serial]);
    let held = ocsp("auth", "auth.pem");
    assert!(held.contains("auth.pem: revoked") && held.contains("certificateHold"), "{held}");
    let listed = crl_text(&crl_path);
    assert!(
        listed.contains("verify OK") && listed.contains(&serial) && listed.contains("Certificate Hold"),
        "{listed}"
    );

    desk.desk(&["resume", &serial]);
    desk.desk(&["revoke", &serial, "--reason", "key-compromise"]);
    let revoked = ocsp("auth", "auth.pem");
    assert!(revoked.contains("auth.pem: revoked") && revoked.contains("keyCompromise"), "{revoked}");
    let signing = ocsp("sign", "sign.pem");
    assert!(signing.contains("sign.pem: revoked"), "{signing}");
    let listed = crl_text(&crl_path);
    assert!(listed.contains("Key Compromise"), "{listed}");
}

#[test]
fn the_municipality_api_issues_and_suspends_with_the_operator_token() {
    let desk = Desk::new();
    let token = "municipal-desk-token-0123456789";
    let server = Server::start_in(&desk.db, &desk.data_dir(), &[&format!("admin.token={token}")]);
    let post = |path: &str, json: &str, with_token: bool| {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&server.addr).expect("connect");
        let auth = if with_token { format!("Authorization: Bearer {token}\r\n") } else { String::new() };
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{json}",
            json.len()
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response
    };
    let request =
        format!(r#"{{"resident_code":"{}","pin":"1234","password":"abc123","support_pin":"5678"}}"#, desk.codes[3]);
    let unauthorised = post("/municipality/cards", &request, false);
    assert!(unauthorised.starts_with("HTTP/1.1 401"), "{unauthorised}");
    let created = post("/municipality/cards", &request, true);
    assert!(created.starts_with("HTTP/1.1 201"), "{created}");
    let view: serde_json::Value = serde_json::from_str(body(&created)).expect("json");
    let serial = view["card_serial"].as_str().expect("serial").to_owned();
    let card_file = PathBuf::from(view["card_file"].as_str().expect("card file path"));
    assert!(card_file.starts_with(desk.data_dir()), "{}", card_file.display());
    assert!(!body(&created).contains("key_pkcs8"), "no key travels over HTTP");

    let bad = post("/municipality/cards", &format!(r#"{{"resident_code":"{}","pin":"12"}}"#, desk.codes[4]), true);
    assert!(bad.starts_with("HTTP/1.1 400") && bad.contains("invalid_request"), "{bad}");
    let none = post("/municipality/cards", r#"{"resident_code":"99999999999","no_pin":true}"#, true);
    assert!(none.starts_with("HTTP/1.1 404") && none.contains("resident_not_found"), "{none}");

    let suspended = post(&format!("/municipality/cards/{serial}/suspend"), "", true);
    assert!(suspended.contains("\"state\":\"suspended\""), "{suspended}");
    let twice = post(&format!("/municipality/cards/{serial}/suspend"), "", true);
    assert!(twice.starts_with("HTTP/1.1 409") && twice.contains("card_state_conflict"), "{twice}");

    let card = CardProcess::start(&card_file);
    refused(&sign_in(&card.target, &server, "1234"), "certificate_suspended");
    let resumed = post(&format!("/municipality/cards/{serial}/resume"), "", true);
    assert!(resumed.contains("\"state\":\"active\""), "{resumed}");
    signed_in(&sign_in(&card.target, &server, "1234"));
}

#[cfg(feature = "pcsc")]
mod pcsc {
    //! The PC/SC path: pcscd with vsmartcard-vpcd, our card inside vpcd
    //! (`onshi card serve --vpcd`) and `onshi reader sign-in --card pcsc`.

    use super::*;

    /// A foreground pcscd for the test; stopped on drop.
    struct Pcscd(Child);

    impl Drop for Pcscd {
        fn drop(&mut self) {
            let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
            let deadline = Instant::now() + Duration::from_secs(5);
            while Instant::now() < deadline && matches!(self.0.try_wait(), Ok(None)) {
                std::thread::sleep(Duration::from_millis(50));
            }
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    #[test]
    fn a_pc_sc_reader_signs_in() {
        let desk = Desk::new();
        let (file, _) = desk.issue(5);
        let server = Server::start_in(&desk.db, &desk.data_dir(), &[]);
        let pcscd = ["/usr/sbin/pcscd", "/sbin/pcscd"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("pcscd is installed (scripts/ensure-tools.sh)");
        let _pcscd = Pcscd(
            Command::new(pcscd)
                .args(["--foreground", "--info"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start pcscd"),
        );
        // The card connects to vpcd once pcscd has loaded its driver.
        let mut card = None;
        let deadline = Instant::now() + Duration::from_secs(20);
        while card.is_none() {
            assert!(Instant::now() < deadline, "vpcd never listened on 127.0.0.1:35963");
            if std::net::TcpStream::connect("127.0.0.1:35963").is_ok() {
                // That probe took the slot for a moment; give vpcd time to notice it left.
                std::thread::sleep(Duration::from_millis(500));
                card = Some(CardGuard(
                    onshi()
                        .args(["card", "serve", "--vpcd", "127.0.0.1:35963"])
                        .arg(&file)
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .spawn()
                        .expect("spawn the card"),
                ));
            } else {
                std::thread::sleep(Duration::from_millis(100));
            }
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = sign_in("pcsc", &server, "1234");
            if out.status.success() {
                signed_in(&out);
                break;
            }
            assert!(Instant::now() < deadline, "the PC/SC reader never signed in: {}", stderr(&out));
            std::thread::sleep(Duration::from_millis(250));
        }
        drop(card);
    }

    struct CardGuard(Child);

    impl Drop for CardGuard {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}
