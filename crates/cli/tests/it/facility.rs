//! A clinic's system end to end: `onshi facility add-client` registers it,
//! `onshi serve` answers, `onshi facility check-number` gets a token and
//! checks an insured member of the synthetic town by insured number; `onshi
//! report usage` counts the check.

use crate::common::{Server, onshi, run, stderr, stdout};

#[test]
fn a_registered_client_checks_eligibility_by_insured_number() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    let data_dir = dir.path().join("data");
    let town = dir.path().join("town");
    let out = run(onshi()
        .args(["synth", "--people", "40", "--seed", "3", "--as-of", "2026-04-01", "-q", "--out"])
        .arg(&town));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (kind, file) in [
        ("registry", "registry.csv"),
        ("insurers", "insurers.csv"),
        ("members", "members.csv"),
        ("facilities", "facilities.csv"),
    ] {
        let out = run(onshi().args([kind, "import", "-q", "--db", &db]).arg(town.join(file)));
        assert!(matches!(out.status.code(), Some(0 | 2)), "{kind}: {}", stderr(&out));
    }
    let facilities = std::fs::read_to_string(town.join("facilities.csv")).expect("facilities");
    let facility = facilities.lines().nth(1).and_then(|l| l.split(',').next()).expect("a facility").to_owned();

    let out = run(onshi().env("ONSHI_DATA_DIR", &data_dir).args([
        "facility",
        "add-client",
        "--facility",
        "1310000000",
        "--db",
        &db,
    ]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("is not registered") || stderr(&out).contains("check digit"), "{}", stderr(&out));
    let out = run(onshi().env("ONSHI_DATA_DIR", &data_dir).args([
        "facility",
        "add-client",
        "--facility",
        &facility,
        "--name",
        "レセコン",
        "--db",
        &db,
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    let value =
        |key: &str| printed.lines().find_map(|l| l.strip_prefix(&format!("{key}="))).expect("printed").to_owned();
    let (client_id, secret) = (value("client_id"), value("client_secret"));

    // A member still covered today, with its key and birth date.
    let members = std::fs::read_to_string(town.join("members.csv")).expect("members");
    let fields: Vec<&str> = members
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect::<Vec<_>>())
        .find(|f| f.len() == 14 && f[13].is_empty() && !f[2].is_empty())
        .expect("a covered member");
    let server = Server::start_in(&db, &data_dir, &[]);
    let check = |secret: &str| {
        run(onshi()
            .args(["facility", "check-number", "--platform", &format!("http://{}", server.addr)])
            .args(["--client-id", &client_id, "--client-secret", secret])
            .args(["--insurer", fields[0], "--symbol", fields[1], "--number", fields[2], "--branch", fields[3]])
            .args(["--birth-date", fields[6]]))
    };
    let out = check(&secret);
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let answer: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON answer");
    assert_eq!(answer["validity"]["label"], "有効", "{answer}");
    assert_eq!(answer["coverages"][0]["number"], fields[2]);
    let insurers = std::fs::read_to_string(town.join("insurers.csv")).expect("insurers");
    let insurer_name = insurers.lines().find_map(|l| {
        let f: Vec<&str> = l.split(',').collect();
        (f[0] == fields[0]).then(|| f[2].to_owned())
    });
    assert_eq!(answer["coverages"][0]["insurer_name"].as_str(), insurer_name.as_deref(), "{answer}");
    let wrong = check("not-the-secret");
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr(&wrong).contains("invalid_client"), "{}", stderr(&wrong));
    // Secrets are base64url and may start with '-': taken as the value, not a flag.
    let dashed = check("-not-the-secret");
    assert!(stderr(&dashed).contains("invalid_client"), "{}", stderr(&dashed));

    drop(server);

    // The month's usage report counts the one answered check.
    let jst = chrono::Utc::now() + chrono::TimeDelta::hours(9);
    let month = jst.format("%Y-%m").to_string();
    let reports = dir.path().join("reports");
    let out = run(onshi().args(["report", "usage", "--month", &month, "--db", &db, "--out-dir"]).arg(&reports));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stdout(&out);
    assert!(printed.contains("【施設類型別】") && printed.contains("【保険者別】"), "{printed}");
    let kinds = std::fs::read_to_string(reports.join(format!("usage-{month}-facility-kinds.csv"))).expect("CSV");
    assert!(kinds.contains("\r\n総計,1,0,1,0,0,0.00%,0\r\n"), "{kinds}");
    let insurers = std::fs::read_to_string(reports.join(format!("usage-{month}-insurers.csv"))).expect("CSV");
    let row = insurers.lines().find(|l| l.starts_with(fields[0])).expect("the member's insurer");
    assert!(row.contains(insurer_name.as_deref().expect("named")), "{row}");
    let cells: Vec<&str> = row.split(',').collect();
    assert_eq!(cells[5..].to_vec(), ["0", "1", "0.00%"], "{row}");
    let members: u64 = cells[2].parse().expect("加入者数");
    assert!(members >= 1, "{row}");
    assert_eq!(cells[4], if members > 0 { "0.0%" } else { "-" }, "{row}: nobody registered a card");

    let out = run(onshi().args(["report", "usage", "--month", "2026-13", "--db", &db]));
    assert_eq!(out.status.code(), Some(2), "clap rejects it");
    assert!(stderr(&out).contains("YYYY-MM"), "{}", stderr(&out));
}
