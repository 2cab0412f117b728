//! Pages in a real headless Chromium (Debian's `chromium`, installed by
//! `.ci/run` and `scripts/test.sh`). Each test starts the real `onshi serve`;
//! `kiosk` drives `onshi kiosk` over the DevTools protocol (`cdp`).

use std::path::Path;
use std::process::Command;

mod cdp;
#[path = "../common/mod.rs"]
mod common;
mod kiosk;
mod portal;

use common::{Server, onshi, run, stderr};

/// The page as Chromium renders it (`--dump-dom`: the DOM after parsing and
/// scripts), with the flags a sandboxed CI machine needs.
fn rendered(url: &str, profile: &Path) -> String {
    let chromium = std::env::var("ONSHI_TEST_CHROMIUM").unwrap_or_else(|_| "chromium".to_owned());
    let output = Command::new(&chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=390,844",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(["--dump-dom", url])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {chromium}: {e}; install it with `apt-get install chromium` (scripts/test.sh does)")
        });
    assert!(output.status.success(), "chromium failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8 DOM")
}

#[test]
fn the_landing_page_shows_the_counts_in_japanese() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    let town = dir.path().join("town");
    let out = run(onshi()
        .args(["synth", "--people", "120", "--seed", "4", "--as-of", "2026-04-01", "-q", "--out"])
        .arg(&town));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (what, file) in [("registry", "registry.csv"), ("facilities", "facilities.csv")] {
        let out = run(onshi().args([what, "import", "-q", "--db", &db]).arg(town.join(file)));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let server = Server::start(&db);
    let dom = rendered(&format!("http://{}/", server.addr), &dir.path().join("profile"));
    assert!(dom.contains("<html lang=\"ja\">"), "{dom}");
    assert!(dom.contains("<title>onshi — オンライン資格確認等システム</title>"), "{dom}");
    assert!(dom.contains("<th scope=\"row\">住民</th><td>120</td>"), "{dom}");
    assert!(dom.contains("href=\"/openapi.json\""), "{dom}");
}
