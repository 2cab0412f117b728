//! Medical information end to end on a SQLite file: `onshi synth --medical`
//! writes a town with histories, the imports load it (twice: nothing
//! changes), a bad file is refused line by line; the operator registers a
//! doctor, designates the facility for emergency viewing and registers a
//! fire department; `onshi serve` signs the access log as a facility reads
//! through HTTP, and `onshi audit verify` finds the log intact, then finds
//! the one entry altered behind the platform's back.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Output;

use crate::common::{Server, onshi, run, stderr, stdout};

/// An HTTP POST with extra header lines; (status, body).
fn http_post(addr: &str, path: &str, headers: &str, content_type: &str, body: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Content-Type: {content_type}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let status = response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    let body = response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default();
    (status, body)
}

/// The value of a `key=value` line printed by a registering command.
fn printed(out: &Output, key: &str) -> String {
    stdout(out)
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key}= in {}", stdout(out)))
        .to_owned()
}

/// The numbers of an import's report line: (rows, inserted, updated, unchanged, rejected).
fn report(out: &Output) -> (u64, u64, u64, u64, u64) {
    let line = stdout(out).lines().find(|l| l.contains(" rows in ")).expect("a report line").to_owned();
    let number = |after: &str| -> u64 {
        let rest = line.split(after).nth(1).unwrap_or_else(|| panic!("{after} in {line}"));
        rest.trim_start().split(|c: char| !c.is_ascii_digit()).next().and_then(|n| n.parse().ok()).expect("a number")
    };
    let rows = line.split(": ").nth(1).and_then(|r| r.split(' ').next()).and_then(|n| n.parse().ok()).expect("rows");
    (rows, number("inserted"), number("updated"), number("unchanged"), number("rejected"))
}

/// Break the access log behind the platform's back: lift the append-only
/// trigger and rewrite who looked in one entry.
fn tamper(db: &Path, person: i64, seq: i64) {
    let conn = rusqlite::Connection::open(db).expect("open the platform's database");
    conn.execute_batch("DROP TRIGGER access_log_no_update").expect("drop the trigger");
    let changed = conn
        .execute("UPDATE access_log SET staff_id = 'D9999' WHERE person_id = ?1 AND seq = ?2", (person, seq))
        .expect("update an entry");
    assert_eq!(changed, 1);
}

#[test]
fn medical_histories_import_then_a_logged_read_and_the_audit_finds_a_tampered_entry() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db_file = dir.path().join("onshi.db");
    let db = format!("sqlite://{}", db_file.display());
    let data_dir = dir.path().join("data");
    let town = dir.path().join("town");
    let onshi_in = || {
        let mut command = onshi();
        command.env("ONSHI_DATA_DIR", &data_dir).env("ONSHI_DB", &db);
        command
    };

    let out = run(onshi().args(["synth", "--people", "40", "--seed", "3", "--medical", "-q", "--out"]).arg(&town));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("medical records"), "{}", stdout(&out));
    for (kind, file) in [
        ("registry", "registry.csv"),
        ("insurers", "insurers.csv"),
        ("members", "members.csv"),
        ("facilities", "facilities.csv"),
    ] {
        let out = run(onshi_in().args([kind, "import", "-q"]).arg(town.join(file)));
        assert_eq!(out.status.code(), Some(0), "{kind}: {}{}", stdout(&out), stderr(&out));
    }

    // Every line of the synthetic histories is imported, none rejected.
    let medical = town.join("medical.jsonl");
    let text = std::fs::read_to_string(&medical).expect("medical.jsonl");
    let lines = text.lines().count() as u64;
    assert!(lines > 100, "a town of 40 has histories: {lines} lines");
    let out = run(onshi_in().args(["medical", "import", "-q"]).arg(&medical));
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(report(&out), (lines, lines, 0, 0, 0), "{}", stdout(&out));
    assert!(!town.join("medical.rejects.csv").exists());
    let again = run(onshi_in().args(["medical", "import", "-q"]).arg(&medical));
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(report(&again), (lines, 0, 0, lines, 0), "the same file again: {}", stdout(&again));

    // A drug record of the synthetic town: the member and the line.
    let drug: serde_json::Value = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .find(|v| v["type"] == "drug")
        .expect("a drug record");
    let field = |name: &str| drug[name].as_str().unwrap_or_default().to_owned();

    // A hand-made file: one good line (unchanged), three bad ones.
    let mut bad_days = drug.clone();
    bad_days["record_id"] = "HAND-1".into();
    bad_days["days"] = 366.into();
    bad_days.as_object_mut().expect("an object").remove("as_needed");
    bad_days.as_object_mut().expect("an object").remove("times");
    let mut stranger = drug.clone();
    stranger["record_id"] = "HAND-2".into();
    stranger["number"] = "99999999".into();
    let bad = dir.path().join("bad.jsonl");
    std::fs::write(&bad, format!("{drug}\n{bad_days}\n[1,2]\n{stranger}\n")).expect("write the bad file");
    let out = run(onshi_in().args(["medical", "import", "-q"]).arg(&bad));
    assert_eq!(out.status.code(), Some(2), "{}{}", stdout(&out), stderr(&out));
    assert_eq!(report(&out), (4, 0, 0, 1, 3), "{}", stdout(&out));
    assert!(stdout(&out).contains("bad.rejects.csv"), "{}", stdout(&out));
    let rejects = std::fs::read_to_string(dir.path().join("bad.rejects.csv")).expect("the reject file");
    let rows: Vec<&str> = rejects.lines().collect();
    assert_eq!(rows[0], "line,field,value,rule", "{rejects}");
    assert!(rows.iter().any(|r| r.starts_with("2,days,366,") && r.contains("1 to 365")), "{rejects}");
    assert!(rows.iter().any(|r| r.starts_with("3,line,") && r.contains("JSON object")), "{rejects}");
    assert!(rows.iter().any(|r| r.starts_with("4,member,") && r.contains("99999999")), "{rejects}");

    // The operator's registrations.
    let facilities = std::fs::read_to_string(town.join("facilities.csv")).expect("facilities");
    let facility = facilities.lines().nth(1).and_then(|l| l.split(',').next()).expect("a facility").to_owned();
    let add_staff = |staff: &str, qualification: &str| {
        run(onshi_in().args(["facility", "add-staff", "--facility", &facility, "--staff-id", staff]).args([
            "--name",
            "試験　医師",
            "--qualification",
            qualification,
        ]))
    };
    let out = add_staff("D0001", "doctor");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("staff D0001") && stdout(&out).contains("doctor, registered"), "{}", stdout(&out));
    let out = add_staff("N0001", "看護師");
    assert_eq!(out.status.code(), Some(0), "a qualification in Japanese: {}", stderr(&out));
    let out = add_staff("X0001", "surgeon");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--qualification \"surgeon\": must be one of doctor (医師)"), "{}", stderr(&out));
    let out = run(onshi_in().args(["facility", "emergency", "--facility", &facility]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("designated for emergency viewing"), "{}", stdout(&out));
    let out = run(onshi_in().args(["facility", "add-client", "--facility", &facility, "--name", "電子カルテ"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (client_id, secret) = (printed(&out, "client_id"), printed(&out, "client_secret"));

    let out = run(onshi_in().args(["crew", "add-client", "--code", "132012"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("register it with `onshi crew add` first"), "{}", stderr(&out));
    let out = run(onshi_in().args(["crew", "add", "--code", "132012", "--name", "八王子市消防本部"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(onshi_in().args(["crew", "add-client", "--code", "132012", "--name", "救急隊タブレット"]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(printed(&out, "client_id").starts_with("cc-"), "{}", stdout(&out));
    assert!(printed(&out, "client_secret").len() >= 40, "{}", stdout(&out));

    // Before the server ever ran there is no key that signs the log.
    let out = run(onshi_in().args(["audit", "verify"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no audit key at") && stderr(&out).contains("onshi serve"), "{}", stderr(&out));

    // The server creates the key; a doctor of the designated facility opens
    // the member's records in an emergency, which the access log records.
    let server = Server::start_in(&db, &data_dir, &[]);
    let basic = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, format!("{client_id}:{secret}"));
    let (status, token) = http_post(
        &server.addr,
        "/oauth/token",
        &format!("Authorization: Basic {basic}\r\n"),
        "application/x-www-form-urlencoded",
        "grant_type=client_credentials",
    );
    assert_eq!(status, 200, "{token}");
    let token: serde_json::Value = serde_json::from_str(&token).expect("JSON token");
    let bearer = format!("Authorization: Bearer {}\r\n", token["access_token"].as_str().expect("access_token"));
    let view = |staff: &str| {
        let query = serde_json::json!({
            "staff_id": staff,
            "reason": "意識障害のため同意取得不可",
            "patient": {
                "insurer_number": field("insurer_number"), "symbol": field("symbol"),
                "number": field("number"), "branch": field("branch"),
            },
        });
        http_post(&server.addr, "/facility/medical/emergency", &bearer, "application/json", &query.to_string())
    };
    let (status, nurse) = view("N0001");
    assert_eq!(status, 403, "{nurse}");
    assert!(nurse.contains("staff_not_qualified"), "{nurse}");
    let (status, body) = view("D0001");
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).expect("JSON records");
    assert_eq!(answer["basis"], "emergency", "{answer}");
    let records = answer["records"].as_array().expect("records");
    assert!(records.iter().any(|r| r["record_id"] == drug["record_id"]), "the drug record is shown: {answer}");
    assert_eq!(server.stop(), Some(0));
    assert!(data_dir.join("audit/head-signing.pk8").exists());

    let out = run(onshi_in().args(["audit", "verify"]));
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("people: 1\n"), "{}", stdout(&out));
    assert!(stdout(&out).contains("the access log is intact"), "{}", stdout(&out));

    // One entry rewritten in the file: the audit names the person and the entry.
    let person: i64 = rusqlite::Connection::open(&db_file)
        .expect("open")
        .query_row("SELECT person_id FROM access_log WHERE seq = 2", [], |row| row.get(0))
        .expect("a second entry of the emergency view");
    tamper(&db_file, person, 2);
    let out = run(onshi_in().args(["audit", "verify"]));
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("FAILED: 1 people's logs do not verify"), "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("person {person}: entry 2 was altered")), "{}", stdout(&out));
}

#[test]
fn the_demo_imports_medical_histories_and_registers_a_doctor_and_a_fire_department() {
    let dir = tempfile::tempdir().expect("data dir");
    let demo = || {
        run(onshi().env("ONSHI_DATA_DIR", dir.path()).args(["demo", "--people", "150", "--seed", "2", "--no-serve"]))
    };
    let out = demo();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let printed = stderr(&out);
    assert!(printed.contains("[6/7] importing medical.jsonl"), "{printed}");
    let reports = stdout(&out);
    let line = reports.lines().find(|l| l.contains("medical.jsonl: ")).expect("the medical report line");
    assert!(line.contains("rejected 0"), "{line}");
    assert!(printed.contains("[7/7] "), "{printed}");
    let crew = std::fs::read_to_string(dir.path().join("demo/crew-client.env")).expect("the crew's client file");
    assert!(crew.starts_with("CREW_CLIENT_ID=cc-demo\nCREW_CLIENT_SECRET="), "{crew}");

    let db =
        rusqlite::Connection::open_with_flags(dir.path().join("onshi.db"), rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open the database");
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |row| row.get(0)).expect(sql) };
    assert_eq!(count("SELECT count(*) FROM facility_staff WHERE staff_id = 'D0001' AND qualification = 'doctor'"), 1);
    assert_eq!(count("SELECT count(*) FROM crew_clients WHERE client_id = 'cc-demo'"), 1);
    let records = count("SELECT count(*) FROM medical_records");
    assert!(records > 100, "{records} records");

    // Run again: everything is reused, nothing duplicated.
    let out = demo();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("[1/7] reusing the town"), "{}", stderr(&out));
    assert_eq!(count("SELECT count(*) FROM medical_records"), records);
    assert_eq!(std::fs::read_to_string(dir.path().join("demo/crew-client.env")).expect("kept"), crew);
}
