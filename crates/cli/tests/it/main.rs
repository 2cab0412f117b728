//! End-to-end tests of the `onshi` binary: each spawns the real executable.

use std::path::Path;

mod app;
mod card;
#[path = "../common/mod.rs"]
mod common;
mod connector;
mod facility;
mod inspect;
mod jpki;
mod kiosk;
mod medical;
mod members;
mod oidc;

use common::{Server, http_get, onshi, run, stderr, stdout};

#[test]
fn validate_prints_the_normalised_value_or_the_broken_rule() {
    let ok = run(onshi().args(["validate", "my-number", "６２１４９８３２０２５７"]));
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(stdout(&ok), "621498320257\n");

    let bad = run(onshi().args(["validate", "my-number", "621498320258"]));
    assert_eq!(bad.status.code(), Some(1));
    assert!(stderr(&bad).contains("check digit"), "{}", stderr(&bad));

    for (kind, value) in [
        ("insurer-number", "33120015"),
        ("insurer-number", "138057"),
        ("public-payer-number", "81136244"),
        ("facility-code", "1318814790"),
    ] {
        let out = run(onshi().args(["validate", kind, value]));
        assert_eq!(out.status.code(), Some(0), "{kind} {value}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), value);
    }
    let short = run(onshi().args(["validate", "recipient-number", "123"]));
    assert_eq!(short.status.code(), Some(1));
    assert!(stderr(&short).contains("7 digits"), "{}", stderr(&short));
}

#[test]
fn wareki_converts_both_ways_at_the_era_boundary() {
    for (input, expected) in [
        ("平成31年4月30日", "2019-04-30"),
        ("2019-05-01", "令和元年5月1日"),
        ("19890107", "昭和64年1月7日"),
        ("H1.1.8", "1989-01-08"),
    ] {
        let out = run(onshi().args(["wareki", input]));
        assert_eq!(out.status.code(), Some(0), "{input}: {}", stderr(&out));
        assert_eq!(stdout(&out).trim(), expected, "{input}");
    }
    let out = run(onshi().args(["wareki", "令和元年4月30日"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("令和"), "{}", stderr(&out));
}

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["demo", "--help"],
        vec!["serve", "--help"],
        vec!["migrate", "--help"],
        vec!["registry", "import", "--help"],
        vec!["members", "import", "--help"],
        vec!["members", "acquire", "--help"],
        vec!["members", "change", "--help"],
        vec!["members", "lose", "--help"],
        vec!["members", "events", "--help"],
        vec!["members", "late", "--help"],
        vec!["facilities", "import", "--help"],
        vec!["card", "issue", "--help"],
        vec!["card", "serve", "--help"],
        vec!["synth", "--help"],
        vec!["validate", "--help"],
        vec!["wareki", "--help"],
        vec!["config", "check", "--help"],
        vec!["config", "show", "--help"],
        vec!["inspect", "--help"],
        vec!["linkage", "confirm", "--help"],
        vec!["linkage", "correct", "--help"],
        vec!["linkage", "suspended", "--help"],
        vec!["connector", "--help"],
        vec!["reader", "check", "--help"],
        vec!["kiosk", "--help"],
        vec!["medical", "import", "--help"],
        vec!["facility", "add-staff", "--help"],
        vec!["facility", "emergency", "--help"],
        vec!["crew", "add", "--help"],
        vec!["crew", "add-client", "--help"],
        vec!["oidc", "add-client", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["app", "approve", "--help"],
    ] {
        let out = run(onshi().args(&args));
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(stdout(&out).contains("Usage:"), "{args:?}: {}", stdout(&out));
    }
}

#[test]
fn synth_then_import_reports_rejects_and_reimport_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let town = dir.path().join("town");
    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    let out = run(onshi()
        .args([
            "synth",
            "--people",
            "300",
            "--seed",
            "9",
            "--as-of",
            "2026-04-01",
            "--invalid-rate",
            "0.05",
            "-q",
            "--out",
        ])
        .arg(&town));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let registry = run(onshi().args(["registry", "import", "-q", "--db", &db]).arg(town.join("registry.csv")));
    assert_eq!(registry.status.code(), Some(0), "{}{}", stdout(&registry), stderr(&registry));
    assert!(stdout(&registry).contains("inserted 300"), "{}", stdout(&registry));

    let members = run(onshi().args(["members", "import", "-q", "--db", &db]).arg(town.join("members.csv")));
    assert_eq!(members.status.code(), Some(2), "some rows are invalid on purpose: {}", stdout(&members));
    let rejects = std::fs::read_to_string(town.join("members.rejects.csv")).expect("reject file written");
    assert!(rejects.starts_with("line,field,value,rule\n"), "{rejects}");
    assert!(rejects.lines().count() > 1);

    let again = run(onshi().args(["members", "import", "-q", "--db", &db]).arg(town.join("members.csv")));
    assert!(stdout(&again).contains("inserted 0, updated 0"), "{}", stdout(&again));
}

#[test]
fn config_check_rejects_an_unknown_key_naming_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let file = dir.path().join("onshi.toml");
    std::fs::write(&file, "[server]\nbind = \"127.0.0.1:9\"\nbnid = \"typo\"\n").expect("write config");
    let out = run(onshi().arg("--config").arg(&file).args(["config", "check"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("bnid"), "{}", stderr(&out));
}

#[test]
fn serve_answers_health_and_stops_gracefully_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", Path::new(dir.path()).join("onshi.db").display());
    let server = Server::start(&db);
    let health = http_get(&server.addr, "/healthz");
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    let ready = http_get(&server.addr, "/readyz");
    assert!(ready.starts_with("HTTP/1.1 200"), "{ready}");
    assert_eq!(server.stop(), Some(0), "graceful shutdown exits 0");
}
