//! `onshi kiosk` over plain HTTP: what the browser tests (`tests/browser`)
//! do not need a browser for.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Stdio};

use crate::common::{http_get, onshi, run, stderr};
use crate::jpki::CardProcess;

/// `onshi kiosk` on free loopback ports; killed on drop.
struct Kiosk {
    child: Child,
    screen: String,
    reception: String,
}

impl Kiosk {
    fn start(card: &str, platform: &str) -> Kiosk {
        Kiosk::start_with(card, platform, "not-needed")
    }

    /// With the demo clinic's client (`fc-demo`) and its secret.
    fn start_with(card: &str, platform: &str, secret: &str) -> Kiosk {
        let mut child = onshi()
            .args(["kiosk", "--card", card, "--platform", platform, "--client-id", "fc-demo"])
            .arg(format!("--client-secret={secret}"))
            .args(["--listen", "127.0.0.1:0", "--reception", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn onshi kiosk");
        let mut lines = BufReader::new(child.stderr.take().expect("stderr"));
        let mut addresses = Vec::new();
        while addresses.len() < 2 {
            let mut line = String::new();
            assert!(lines.read_line(&mut line).expect("read") > 0, "the kiosk printed no addresses");
            if !(line.contains("kiosk screen") || line.contains("reception page")) {
                continue;
            }
            if let Some(rest) = line.split("http://").nth(1) {
                addresses.push(rest.trim().trim_end_matches('/').to_owned());
            }
        }
        std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
        Kiosk { child, screen: addresses[0].clone(), reception: addresses[1].clone() }
    }

    fn post(&self, path: &str, form: &str) {
        let mut stream = std::net::TcpStream::connect(&self.screen).expect("connect");
        write!(
            stream,
            "POST {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{form}",
            self.screen,
            form.len()
        )
        .expect("send");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        assert!(response.starts_with("HTTP/1.1 303"), "POST {path}: {response}");
    }

    fn screen(&self) -> String {
        http_get(&self.screen, "/")
    }
}

impl Drop for Kiosk {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn the_kiosk_screen_takes_the_pin_so_it_is_served_on_loopback_only() {
    let out = run(onshi().args(["kiosk", "--listen", "0.0.0.0:0", "--client-id", "x", "--client-secret", "y"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
}

#[test]
fn an_unreachable_platform_sends_the_patient_to_the_desk_and_tells_reception() {
    let dir = tempfile::tempdir().expect("data dir");
    let out = run(onshi().env("ONSHI_DATA_DIR", dir.path()).args(["demo", "--people", "120", "--no-serve"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let card = CardProcess::start(&dir.path().join("demo/cards/card-1.json"));
    // Nothing listens on port 9 of loopback (discard, never served here).
    let kiosk = Kiosk::start(&card.target, "http://127.0.0.1:9");
    assert!(kiosk.screen().contains("data-screen=\"waiting\""));
    kiosk.post("/start", "");
    assert!(kiosk.screen().contains("data-screen=\"method\""), "{}", kiosk.screen());
    kiosk.post("/method", "method=pin");
    // The PIN is checked by the card alone: no platform is needed for it.
    kiosk.post("/pin", "pin=1234");
    assert!(kiosk.screen().contains("data-screen=\"consent-clinical-drug\""), "{}", kiosk.screen());
    kiosk.post("/consent", "choice=yes");
    kiosk.post("/consent", "choice=no");
    let screen = kiosk.screen();
    assert!(screen.contains("data-screen=\"refused\""), "{screen}");
    assert!(screen.contains("ただいま資格確認ができません"), "{screen}");
    let checks = http_get(&kiosk.reception, "/checks");
    assert!(checks.contains("資格確認できませんでした（unavailable）"), "{checks}");
    assert!(checks.contains("cannot be reached"), "{checks}");
}

#[test]
fn a_suspended_card_is_refused_with_the_platform_reason_and_reception_sees_it() {
    let dir = tempfile::tempdir().expect("data dir");
    let out = run(onshi().env("ONSHI_DATA_DIR", dir.path()).args(["demo", "--people", "120", "--no-serve"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let card_file = dir.path().join("demo/cards/card-2.json");
    let card: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&card_file).expect("card file")).expect("JSON");
    let serial = card["serial"].as_str().expect("serial");
    let out = run(onshi().env("ONSHI_DATA_DIR", dir.path()).args(["card", "suspend", serial]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let client = std::fs::read_to_string(dir.path().join("demo/facility-client.env")).expect("client");
    let secret = client.lines().find_map(|l| l.strip_prefix("ONSHI_CLIENT_SECRET=")).expect("secret");

    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    let server = crate::common::Server::start_in(&db, dir.path(), &[]);
    let card = CardProcess::start(&card_file);
    let kiosk = Kiosk::start_with(&card.target, &format!("http://{}", server.addr), secret);
    kiosk.post("/start", "");
    kiosk.post("/method", "method=pin");
    kiosk.post("/pin", "pin=1234");
    kiosk.post("/consent", "choice=yes");
    kiosk.post("/consent", "choice=yes");
    let screen = kiosk.screen();
    assert!(screen.contains("data-screen=\"refused\""), "{screen}");
    assert!(screen.contains("このカードは一時停止されています"), "{screen}");
    let checks = http_get(&kiosk.reception, "/checks");
    assert!(checks.contains("資格確認できませんでした（certificate_suspended）"), "{checks}");
}
