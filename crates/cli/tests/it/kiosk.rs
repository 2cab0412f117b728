//! `onshi kiosk` over plain HTTP: what the browser tests (`tests/browser`)
//! do not need a browser for, and the failure mode with the platform
//! stopped and the kiosk killed.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::common::{Server, free_port, http_get, onshi, run, stderr};
use crate::jpki::CardProcess;

/// `onshi kiosk` on free loopback ports; killed (SIGKILL) on drop.
struct Kiosk {
    child: Child,
    screen: String,
    reception: String,
    _state: Option<tempfile::TempDir>,
}

impl Kiosk {
    fn start(card: &str, platform: &str) -> Kiosk {
        Kiosk::start_with(card, platform, "not-needed")
    }

    /// With the demo clinic's client (`fc-demo`) and its secret.
    fn start_with(card: &str, platform: &str, secret: &str) -> Kiosk {
        let state = tempfile::tempdir().expect("state dir");
        let mut kiosk = Kiosk::start_in(card, platform, secret, state.path());
        kiosk._state = Some(state);
        kiosk
    }

    /// With its failure-mode state in `state`, synchronised every second.
    fn start_in(card: &str, platform: &str, secret: &str, state: &Path) -> Kiosk {
        let mut child = onshi()
            .args(["kiosk", "--card", card, "--platform", platform, "--client-id", "fc-demo"])
            .arg(format!("--client-secret={secret}"))
            .args(["--listen", "127.0.0.1:0", "--reception", "127.0.0.1:0", "--sync-secs", "1"])
            .arg("--state-dir")
            .arg(state)
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
        Kiosk { child, screen: addresses[0].clone(), reception: addresses[1].clone(), _state: None }
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

/// Poll `what` for up to 30 seconds.
fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(30), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).expect("open");
    conn.query_row(sql, [], |row| row.get(0)).expect("count")
}

/// The patient's five screens with the PIN; the last screen's HTML.
fn check_in(kiosk: &Kiosk, clinical_drug: bool, checkup: bool) -> String {
    let yes_no = |agreed: bool| if agreed { "choice=yes" } else { "choice=no" };
    kiosk.post("/start", "");
    assert!(kiosk.screen().contains("data-screen=\"method\""), "{}", kiosk.screen());
    kiosk.post("/method", "method=pin");
    kiosk.post("/pin", "pin=1234");
    kiosk.post("/consent", yes_no(clinical_drug));
    kiosk.post("/consent", yes_no(checkup));
    let screen = kiosk.screen();
    kiosk.post("/reset", "");
    screen
}

#[test]
fn failure_mode_queues_card_checks_through_a_kiosk_kill_and_reconciles_each_once() {
    let dir = tempfile::tempdir().expect("data dir");
    let out = run(onshi().env("ONSHI_DATA_DIR", dir.path()).args(["demo", "--people", "120", "--no-serve"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let client = std::fs::read_to_string(dir.path().join("demo/facility-client.env")).expect("client");
    let secret = client.lines().find_map(|l| l.strip_prefix("ONSHI_CLIENT_SECRET=")).expect("secret");
    let platform_db = dir.path().join("onshi.db");
    let db = format!("sqlite://{}", platform_db.display());
    let bind = format!("127.0.0.1:{}", free_port());
    let platform = format!("http://{bind}");
    let reader = format!("127.0.0.1:{}", free_port());
    let state = tempfile::tempdir().expect("kiosk state");
    let kiosk_db = state.path().join("kiosk.db");

    // Online: one check, so that the kiosk knows this card's last answer,
    // and the kiosk keeps the CA certificates, the CRL and the facility code.
    let server = Server::start_at(&db, dir.path(), &bind, &[]);
    let card = CardProcess::start_at(&dir.path().join("demo/cards/card-1.json"), &reader);
    let kiosk = Kiosk::start_in(&format!("tcp://{reader}"), &platform, secret, state.path());
    let online = check_in(&kiosk, true, false);
    assert!(online.contains("受付が完了しました") && !online.contains("failure-mode"), "{online}");
    wait_for("the trust material and the facility code", || {
        count(&kiosk_db, "SELECT count(*) FROM trust") == 4
            && count(&kiosk_db, "SELECT count(*) FROM settings WHERE key = 'facility_code'") == 1
    });
    let checks_before = count(&platform_db, "SELECT count(*) FROM eligibility_log WHERE method = 'card'");
    let consents_before = count(&platform_db, "SELECT count(*) FROM consents");

    // The platform stops (killed); two patients check in at the reader.
    drop(server);
    let first = check_in(&kiosk, true, true);
    assert!(first.contains("受付が完了しました"), "{first}");
    assert!(first.contains("id=\"failure-mode\"") && first.contains("前回確認時点"), "{first}");
    drop(card);
    let card = CardProcess::start_at(&dir.path().join("demo/cards/card-2.json"), &reader);
    let second = check_in(&kiosk, false, true);
    assert!(second.contains("受付が完了しました") && second.contains("カードの確認のみで受け付けました"), "{second}");
    let checks = http_get(&kiosk.reception, "/checks");
    assert!(checks.contains("障害時モードの結果") && checks.contains("前回確認時点の情報"), "{checks}");
    assert!(checks.contains("資格確認できませんでした（no_last_known）"), "{checks}");
    assert_eq!(checks.matches("data-state=\"queued\"").count(), 2, "{checks}");

    // The kiosk is killed; the queue is on disk and private.
    drop(kiosk);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&kiosk_db).expect("the queue file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    assert_eq!(count(&kiosk_db, "SELECT count(*) FROM offline_visits WHERE state = 'queued'"), 2);
    let kiosk = Kiosk::start_in(&format!("tcp://{reader}"), &platform, secret, state.path());
    let checks = http_get(&kiosk.reception, "/checks");
    assert_eq!(checks.matches("data-state=\"queued\"").count(), 2, "after the restart: {checks}");
    assert!(checks.contains("照合待ち"), "{checks}");

    // The platform is back on the same database: both visits reconciled.
    let _server = Server::start_at(&db, dir.path(), &bind, &[]);
    wait_for("both visits reconciled at the kiosk", || {
        http_get(&kiosk.reception, "/checks").matches("data-state=\"reconciled\"").count() == 2
    });
    let checks = http_get(&kiosk.reception, "/checks");
    assert!(checks.contains("照合済み: 資格有効"), "{checks}");
    assert_eq!(count(&platform_db, "SELECT count(*) FROM offline_visits"), 2);
    let card_checks = || count(&platform_db, "SELECT count(*) FROM eligibility_log WHERE method = 'card'");
    assert_eq!(card_checks(), checks_before + 2, "each visit logged once as a card check");
    assert_eq!(count(&platform_db, "SELECT count(*) FROM consents"), consents_before + 2);
    assert_eq!(
        count(&platform_db, "SELECT count(*) FROM consents WHERE categories = 'clinical_drug,checkup'"),
        1,
        "the first visit's consent"
    );

    // Killed between sending and marking: the kiosk sends a visit again,
    // and the platform answers the stored result without a duplicate.
    {
        let conn = rusqlite::Connection::open(&kiosk_db).expect("open the queue");
        conn.execute("UPDATE offline_visits SET state = 'queued' WHERE rowid = 1", []).expect("requeue");
    }
    wait_for("the resent visit reconciled", || {
        count(&kiosk_db, "SELECT count(*) FROM offline_visits WHERE state = 'reconciled'") == 2
    });
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(count(&platform_db, "SELECT count(*) FROM offline_visits"), 2);
    assert_eq!(card_checks(), checks_before + 2, "nothing duplicated");
    assert_eq!(count(&platform_db, "SELECT count(*) FROM consents"), consents_before + 2);
    let outcome: String = rusqlite::Connection::open(&kiosk_db)
        .expect("open")
        .query_row("SELECT outcome FROM offline_visits WHERE rowid = 1", [], |r| r.get(0))
        .expect("outcome");
    assert!(outcome.contains("\"replayed\":true"), "{outcome}");
    drop(card);
}
