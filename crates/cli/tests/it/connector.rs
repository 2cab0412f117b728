//! The eligibility terminal's file exchange end to end: `onshi serve` with a
//! synthetic town, a facility client from `onshi facility add-client`, and
//! `onshi connector` answering request files written as the published
//! template shows them (UTF-8 and Shift_JIS, padded insurer numbers, empty
//! 枝番, CRLF), malformed and half-written files, the platform stopped and
//! restarted with a new token key; and `onshi reader check` writing the
//! terminal's card-check file with an emulated card.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onshi_oqs::codes::{ConsentFlag, QualificationValidity, ReferenceClassification, SegmentOfResult};
use onshi_oqs::{EligibilityResponse, TextEncoding, parse_response};

use crate::common::{Server, onshi, run, stderr, stdout};
use crate::jpki::CardProcess;

/// A town imported into a database, its one facility and an API client of it.
struct Clinic {
    dir: tempfile::TempDir,
    db: String,
    facility: String,
    client_id: String,
    client_secret: String,
    /// Member rows imported without reject and covered today.
    members: Vec<Vec<String>>,
    registry: String,
}

impl Clinic {
    fn new() -> Clinic {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
        let town = dir.path().join("town");
        let out = run(onshi()
            .args(["synth", "--people", "40", "--seed", "3", "--as-of", "2026-04-01", "-q", "--out"])
            .arg(&town));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        for (kind, file) in [("registry", "registry.csv"), ("members", "members.csv"), ("facilities", "facilities.csv")]
        {
            let out = run(onshi().args([kind, "import", "-q", "--db", &db]).arg(town.join(file)));
            assert!(matches!(out.status.code(), Some(0 | 2)), "{kind}: {}", stderr(&out));
        }
        let rejected: Vec<usize> = std::fs::read_to_string(town.join("members.rejects.csv"))
            .unwrap_or_default()
            .lines()
            .skip(1)
            .filter_map(|l| l.split(',').next()?.parse().ok())
            .collect();
        let members = std::fs::read_to_string(town.join("members.csv"))
            .expect("members")
            .lines()
            .enumerate()
            .skip(1)
            .filter(|(i, _)| !rejected.contains(&(i + 1)))
            .map(|(_, l)| l.split(',').map(str::to_owned).collect::<Vec<_>>())
            .filter(|f| f.len() == 14 && f[13].is_empty())
            .collect();
        let facilities = std::fs::read_to_string(town.join("facilities.csv")).expect("facilities");
        let facility = facilities.lines().nth(1).and_then(|l| l.split(',').next()).expect("a facility").to_owned();
        let out = run(onshi().env("ONSHI_DATA_DIR", dir.path().join("data")).args([
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
        let registry = std::fs::read_to_string(town.join("registry.csv")).expect("registry");
        Clinic {
            client_id: value("client_id"),
            client_secret: value("client_secret"),
            dir,
            db,
            facility,
            members,
            registry,
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    fn server(&self, sets: &[&str]) -> Server {
        Server::start_in(&self.db, &self.data_dir(), sets)
    }

    /// The first covered member whose insurer number has `digits` digits and whose 記号 is `symbol_kind`.
    fn member(&self, digits: usize, japanese_symbol: bool) -> &[String] {
        self.members
            .iter()
            .find(|f| f[0].len() == digits && !f[1].is_empty() && f[1].is_ascii() != japanese_symbol)
            .unwrap_or_else(|| panic!("a covered member with a {digits}-digit insurer number"))
    }
}

/// `onshi connector` on an exchange folder; its log lines are collected, and
/// it is killed on drop.
struct Connector {
    child: Child,
    log: Arc<Mutex<String>>,
}

impl Connector {
    fn start(clinic: &Clinic, exchange: &Path, platform: &str, secret: &str) -> Connector {
        let mut child = onshi()
            .env("ONSHI_DATA_DIR", clinic.data_dir())
            .args(["connector", "--dir"])
            .arg(exchange)
            .args(["--platform", platform, "--client-id", &clinic.client_id, "--client-secret", secret])
            .args(["--facility", &clinic.facility, "--poll-ms", "100", "--settle-ms", "300", "--incomplete-ms", "5000"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("spawn the connector");
        let log = Arc::new(Mutex::new(String::new()));
        let lines = BufReader::new(child.stderr.take().expect("stderr"));
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in lines.lines().map_while(Result::ok) {
                let mut log = sink.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        Connector { child, log }
    }

    fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    fn wait_log(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let log = self.log();
            if log.contains(needle) {
                return log;
            }
            assert!(start.elapsed() < Duration::from_secs(20), "no {needle:?} in the log:\n{log}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM, and the exit code.
    fn stop(mut self) -> Option<i32> {
        let status = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().expect("kill");
        assert!(status.success());
        self.child.wait().expect("wait").code()
    }
}

impl Drop for Connector {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Today in Japan, `yyyyMMdd`.
fn today() -> String {
    (chrono::Utc::now() + chrono::TimeDelta::hours(9)).format("%Y%m%d").to_string()
}

/// A request exactly as the published template (sanox road12) writes it.
fn template(
    facility: &str,
    file_id: &str,
    insurer: &str,
    symbol: &str,
    number: &str,
    branch: &str,
    birth: &str,
) -> String {
    format!(
        "<?xml version='1.0' encoding='UTF-8' standalone='no'?>
<XmlMsg>
<MessageHeader>
    <QualificationConfirmationDate>{date}</QualificationConfirmationDate>
    <MedicalInstitutionCode>{facility}</MedicalInstitutionCode>
    <ArbitraryFileIdentifier>{file_id}</ArbitraryFileIdentifier>
</MessageHeader>
<MessageBody>
    <QualificationConfirmSearchInfo>
        <InsurerNumber>{insurer}</InsurerNumber>
        <InsuredCardSymbol>{symbol}</InsuredCardSymbol>
        <InsuredIdentificationNumber>{number}</InsuredIdentificationNumber>
        <InsuredBranchNumber>{branch}</InsuredBranchNumber>
        <Birthdate>{birth}</Birthdate>
        <LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>
    </QualificationConfirmSearchInfo>
</MessageBody>
</XmlMsg>
",
        date = today()
    )
}

/// The member's request in the template, 枝番 as given.
fn request_for(clinic: &Clinic, member: &[String], file_id: &str, insurer: &str, branch: &str) -> String {
    template(&clinic.facility, file_id, insurer, &member[1], &member[2], branch, &member[6].replace('-', ""))
}

/// CRLF line ends.
fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// The template as a Windows clinic system writes it: Shift_JIS, declared so, CRLF.
fn shift_jis(text: &str) -> Vec<u8> {
    let text = crlf(&text.replace("encoding='UTF-8'", "encoding='Shift_JIS'"));
    let encoded = TextEncoding::ShiftJis.encode(&text);
    assert!(encoded.replaced.is_empty(), "{:?}", encoded.replaced);
    encoded.bytes
}

/// Write a request the way a careful clinic system does: a hidden file, then a rename.
fn drop_request(exchange: &Path, name: &str, bytes: &[u8]) {
    let hidden = exchange.join("req").join(format!(".{name}.part"));
    std::fs::write(&hidden, bytes).expect("write the request");
    std::fs::rename(&hidden, exchange.join("req").join(name)).expect("rename the request");
}

/// The answer's bytes once the connector has written them.
fn wait_answer(exchange: &Path, name: &str) -> Vec<u8> {
    let path = exchange.join("res").join(name);
    let start = Instant::now();
    loop {
        if let Ok(bytes) = std::fs::read(&path) {
            return bytes;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no answer {}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn parsed(bytes: &[u8]) -> EligibilityResponse {
    parse_response(bytes).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(bytes)))
}

/// A normal answer with 資格有効性 有効 for `member`, in `encoding`.
fn assert_valid(bytes: &[u8], member: &[String], encoding: TextEncoding) -> EligibilityResponse {
    let response = parsed(bytes);
    assert_eq!(response.header.segment, SegmentOfResult::Normal, "{:?}", response.header.error);
    assert_eq!(response.header.encoding, encoding);
    assert_eq!(response.header.reference, ReferenceClassification::InsuredCardInfo);
    assert_eq!(response.answer.validity, Some(QualificationValidity::Valid), "{response:?}");
    let result = &response.answer.results[0];
    assert_eq!(result.name, member[4]);
    assert_eq!(result.insurer_number.as_ref().map(|n| n.as_str()), Some(member[0].as_str()));
    assert_eq!(result.number.as_ref().map(|n| n.as_str()), Some(member[2].as_str()));
    assert_eq!(result.birthdate.format("%Y-%m-%d").to_string(), member[6]);
    response
}

fn error_code(bytes: &[u8]) -> String {
    let response = parsed(bytes);
    assert_eq!(response.header.segment, SegmentOfResult::Abnormal, "{response:?}");
    response.header.error.expect("an error").code
}

#[test]
fn the_connector_answers_request_files_as_the_terminal_does() {
    let clinic = Clinic::new();
    let server = clinic.server(&[]);
    let platform = format!("http://{}", server.addr);
    let exchange = clinic.dir.path().join("oqs");
    std::fs::create_dir_all(exchange.join("req")).expect("req");
    let employee = clinic.member(8, false).to_vec();
    let kokuho = clinic.member(6, true).to_vec();

    // Already waiting when the connector starts: the template as published,
    // UTF-8 with LF, 枝番 empty.
    std::fs::write(
        exchange.join("req").join("OQSsiquc01req_01.xml"),
        request_for(&clinic, &employee, "CLINIC01", &employee[0], ""),
    )
    .expect("write");
    let connector = Connector::start(&clinic, &exchange, &platform, &clinic.client_secret);
    let answer = wait_answer(&exchange, "OQSsiquc01res_01.xml");
    let text = String::from_utf8(answer.clone()).expect("UTF-8");
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>"), "{text}");
    assert!(text.contains("<CharacterCodeIdentifier>0</CharacterCodeIdentifier>"), "{text}");
    assert!(text.contains("<InsuredBranchNumber></InsuredBranchNumber>"), "the empty 枝番 is echoed: {text}");
    assert!(text.contains("<ArbitraryFileIdentifier>CLINIC01</ArbitraryFileIdentifier>"), "{text}");
    let response = assert_valid(&answer, &employee, TextEncoding::Utf8);
    assert_eq!(response.answer.results[0].branch.map(|b| b.to_string()).as_deref(), Some(employee[3].as_str()));
    assert!(exchange.join("res").is_dir() && exchange.join("done").join("OQSsiquc01req_01.xml").is_file());
    assert!(!exchange.join("req").join("OQSsiquc01req_01.xml").exists(), "the answered request left req");

    // Shift_JIS with CRLF, a 国保 number padded to 8 with leading spaces, a
    // Japanese 記号 and file identifier: answered in Shift_JIS, byte for byte.
    let padded = format!("{:>8}", kokuho[0]);
    let request = request_for(&clinic, &kokuho, "受付０２", &padded, &kokuho[3]);
    drop_request(&exchange, "OQSsiquc01req_02.xml", &shift_jis(&request));
    let answer = wait_answer(&exchange, "OQSsiquc01res_02.xml");
    assert!(std::str::from_utf8(&answer).is_err(), "not UTF-8");
    assert!(answer.starts_with(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>\r\n"));
    for expected in [
        "<ArbitraryFileIdentifier>受付０２</ArbitraryFileIdentifier>".to_owned(),
        format!("<InsuredCardSymbol>{}</InsuredCardSymbol>", kokuho[1]),
        format!("<Name>{}</Name>", kokuho[4]),
        "<CharacterCodeIdentifier>1</CharacterCodeIdentifier>".to_owned(),
        format!("<InsurerNumber>00{}</InsurerNumber>", kokuho[0]),
    ] {
        let bytes = TextEncoding::ShiftJis.encode(&expected).bytes;
        assert!(answer.windows(bytes.len()).any(|w| w == bytes.as_slice()), "{expected} in Shift_JIS");
    }
    assert_valid(&answer, &kokuho, TextEncoding::ShiftJis);

    // UTF-8 with CRLF, the 国保 number padded with zeros.
    let request = crlf(&request_for(&clinic, &kokuho, "CLINIC03", &format!("00{}", kokuho[0]), &kokuho[3]));
    drop_request(&exchange, "OQSsiquc01req_03.xml", request.as_bytes());
    assert_valid(&wait_answer(&exchange, "OQSsiquc01res_03.xml"), &kokuho, TextEncoding::Utf8);

    // A wrong birth date finds nothing: 該当資格なし.
    let wrong_birth = request_for(&clinic, &employee, "CLINIC04", &employee[0], &employee[3]).replace(
        &format!("<Birthdate>{}</Birthdate>", employee[6].replace('-', "")),
        "<Birthdate>19010101</Birthdate>",
    );
    drop_request(&exchange, "OQSsiquc01req_04.xml", wrong_birth.as_bytes());
    let response = parsed(&wait_answer(&exchange, "OQSsiquc01res_04.xml"));
    assert_eq!(response.answer.validity, Some(QualificationValidity::NotFound));
    assert!(response.answer.results.is_empty());

    // Malformed: a bad check digit is answered with ONS009 naming the element.
    let bad = request_for(&clinic, &employee, "CLINIC05", "12345679", "");
    drop_request(&exchange, "OQSsiquc01req_05.xml", bad.as_bytes());
    let answer = wait_answer(&exchange, "OQSsiquc01res_05.xml");
    assert_eq!(error_code(&answer), "ONS009");
    let text = String::from_utf8(answer).expect("UTF-8");
    assert!(
        text.contains("<ErrorMessage>QualificationConfirmSearchInfo/InsurerNumber (保険者番号) \"12345679\""),
        "{text}"
    );
    assert!(text.contains("<ArbitraryFileIdentifier>CLINIC05</ArbitraryFileIdentifier>"), "{text}");

    // Another facility's request is refused, naming the code.
    let other =
        template("1318814790", "CLINIC06", &employee[0], &employee[1], &employee[2], "", &employee[6].replace('-', ""));
    drop_request(&exchange, "OQSsiquc01req_06.xml", other.as_bytes());
    let answer = wait_answer(&exchange, "OQSsiquc01res_06.xml");
    assert_eq!(error_code(&answer), "ONS009");
    assert!(String::from_utf8_lossy(&answer).contains(&clinic.facility));

    // Half written, with a pause longer than the settle time: not answered
    // until the rest arrives, then answered normally.
    let whole = request_for(&clinic, &employee, "CLINIC07", &employee[0], &employee[3]);
    let cut = whole.len() * 3 / 5;
    let path = exchange.join("req").join("OQSsiquc01req_07.xml");
    std::fs::write(&path, &whole.as_bytes()[..cut]).expect("first part");
    connector.wait_log("OQSsiquc01req_07.xml not answered yet");
    std::thread::sleep(Duration::from_millis(600));
    assert!(!exchange.join("res").join("OQSsiquc01res_07.xml").exists(), "a half-written file was answered");
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).expect("open");
        file.write_all(&whole.as_bytes()[cut..]).expect("the rest");
    }
    assert_valid(&wait_answer(&exchange, "OQSsiquc01res_07.xml"), &employee, TextEncoding::Utf8);

    // Cut off for good: answered as malformed once its time is up.
    std::fs::write(exchange.join("req").join("OQSsiquc01req_08.xml"), &whole.as_bytes()[..cut]).expect("cut");
    assert_eq!(error_code(&wait_answer(&exchange, "OQSsiquc01res_08.xml")), "ONS004");

    // Hidden and non-XML files are left alone.
    std::fs::write(exchange.join("req").join(".OQSsiquc01req_09.xml.part"), "x").expect("hidden");
    std::fs::write(exchange.join("req").join("memo.txt"), "x").expect("memo");

    let log = connector.log();
    for n in 1..=8 {
        assert!(log.contains(&format!("answered OQSsiquc01req_0{n}.xml")), "no log line for {n}:\n{log}");
    }
    assert!(log.contains("error ONS004"), "{log}");
    assert_eq!(connector.stop(), Some(0), "SIGTERM stops the connector cleanly");
    let mut left: Vec<String> = std::fs::read_dir(exchange.join("req"))
        .expect("req")
        .map(|e| e.expect("entry").file_name().into_string().expect("name"))
        .collect();
    left.sort();
    assert_eq!(left, [".OQSsiquc01req_09.xml.part", "memo.txt"]);
    assert_eq!(std::fs::read_dir(exchange.join("res")).expect("res").count(), 8, "one answer per request");
    drop(server);
}

#[test]
fn the_connector_answers_with_an_error_while_the_platform_is_down_and_gets_a_new_token_after() {
    let clinic = Clinic::new();
    let server = clinic.server(&[]);
    let addr = server.addr.clone();
    let platform = format!("http://{addr}");
    let exchange = clinic.dir.path().join("oqs");
    let member = clinic.member(8, false).to_vec();
    let connector = Connector::start(&clinic, &exchange, &platform, &clinic.client_secret);
    connector.wait_log("connector answering requests");
    let request = |id: &str| request_for(&clinic, &member, id, &member[0], &member[3]);

    drop_request(&exchange, "OQSsiquc01req_1.xml", request("A1").as_bytes());
    assert_valid(&wait_answer(&exchange, "OQSsiquc01res_1.xml"), &member, TextEncoding::Utf8);

    // The platform stops: the request is answered with ONS101, echoing the query.
    assert_eq!(server.stop(), Some(0));
    drop_request(&exchange, "OQSsiquc01req_2.xml", request("A2").as_bytes());
    let answer = wait_answer(&exchange, "OQSsiquc01res_2.xml");
    assert_eq!(error_code(&answer), "ONS101");
    let response = parsed(&answer);
    assert_eq!(response.search.map(|s| s.number.as_str().to_owned()), Some(member[2].clone()));
    let log = connector.wait_log("cannot be reached");
    assert!(log.contains(&format!("the platform at {platform} cannot be reached")), "{log}");

    // It comes back at the same address with a new token key: the token the
    // connector holds is refused, and it gets a new one on its own.
    std::fs::remove_file(clinic.data_dir().join("oauth").join("token.key")).expect("remove the token key");
    let bind = format!("server.bind={addr}");
    let server = clinic.server(&[&bind]);
    drop_request(&exchange, "OQSsiquc01req_3.xml", request("A3").as_bytes());
    assert_valid(&wait_answer(&exchange, "OQSsiquc01res_3.xml"), &member, TextEncoding::Utf8);
    connector.wait_log("no longer accepts the token");

    // A connector with a wrong secret answers with ONS102.
    let elsewhere = clinic.dir.path().join("oqs2");
    let wrong = Connector::start(&clinic, &elsewhere, &platform, "not-the-secret");
    wrong.wait_log("connector answering requests");
    drop_request(&elsewhere, "OQSsiquc01req_1.xml", request("B1").as_bytes());
    assert_eq!(error_code(&wait_answer(&elsewhere, "OQSsiquc01res_1.xml")), "ONS102");
    assert!(wrong.wait_log("invalid_client").contains("refused the client"));

    assert_eq!(wrong.stop(), Some(0));
    assert_eq!(connector.stop(), Some(0));
    drop(server);
}

#[test]
fn a_card_check_is_written_as_the_terminals_card_check_file() {
    let clinic = Clinic::new();
    // A member linked to a resident by My Number, and that resident's card.
    // A member whose 5 attributes agree with the registry, so the link is sound.
    let (member, resident) = clinic
        .members
        .iter()
        .find_map(|m| {
            let row = clinic.registry.lines().map(|l| l.split(',').collect::<Vec<_>>()).find(|r| {
                !m[9].is_empty() && r.get(1) == Some(&m[9].as_str()) && r[2..7] == [&m[4], &m[5], &m[6], &m[7], &m[8]]
            })?;
            Some((m.clone(), row[0].to_owned()))
        })
        .expect("a member linked to a resident");
    let card_file = clinic.dir.path().join("card.json");
    let out = run(onshi()
        .env("ONSHI_DATA_DIR", clinic.data_dir())
        .env("ONSHI_DB", &clinic.db)
        .args(["card", "issue", "--resident", &resident, "--pin", "1234", "--password", "abc123"])
        .args(["--support-pin", "5678", "--out"])
        .arg(&card_file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let serial = stdout(&out).split_whitespace().nth(2).expect("serial").to_owned();
    let server = clinic.server(&[]);
    let card = CardProcess::start(&card_file);
    let exchange = clinic.dir.path().join("oqs");
    let check = |pin: &str| {
        run(onshi()
            .args(["reader", "check", "--dir"])
            .arg(&exchange)
            .args(["--facility", &clinic.facility, "--card", &card.target])
            .args(["--platform", &format!("http://{}", server.addr)])
            .args(["--client-id", &clinic.client_id, "--client-secret", &clinic.client_secret, "--pin", pin])
            .args(["--consent", "clinical-drug", "--encoding", "shift_jis"]))
    };

    let out = check("1234");
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("資格有効性 1 (有効)"), "{}", stdout(&out));
    let files: Vec<PathBuf> =
        std::fs::read_dir(exchange.join("face")).expect("face").map(|e| e.expect("entry").path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().and_then(|n| n.to_str()).expect("name").to_owned();
    assert!(name.starts_with(&format!("OQSsiquc01res_face_{}0", clinic.facility)), "{name}");
    assert!(name.ends_with(".xml") && name.len() == "OQSsiquc01res_face_".len() + 10 + 1 + 17 + 1 + 14 + 4, "{name}");
    let bytes = std::fs::read(&files[0]).expect("the card-check file");
    assert!(bytes.starts_with(b"<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>"));
    let response = parsed(&bytes);
    assert_eq!(response.header.reference, ReferenceClassification::Card);
    assert_eq!(response.header.segment, SegmentOfResult::Normal);
    assert_eq!(response.header.encoding, TextEncoding::ShiftJis);
    assert_eq!(response.header.medical_institution_code.as_deref(), Some(clinic.facility.as_str()));
    assert!(response.search.is_none());
    assert_eq!(response.answer.validity, Some(QualificationValidity::Valid));
    let result = response
        .answer
        .results
        .iter()
        .find(|r| r.number.as_ref().map(|n| n.as_str()) == Some(member[2].as_str()))
        .expect("the member's coverage");
    assert_eq!(result.name, member[4]);
    let flag = |c: &Option<onshi_oqs::ViewingConsent>| c.as_ref().map(|c| c.flag);
    assert_eq!(flag(&result.drug_consent), Some(ConsentFlag::Given));
    assert_eq!(flag(&result.diagnosis_consent), Some(ConsentFlag::Given));
    assert_eq!(flag(&result.checkups_consent), Some(ConsentFlag::NotGiven));
    assert!(result.drug_consent.as_ref().and_then(|c| c.available_until).is_some());

    // A wrong PIN writes nothing: the patient tries again at the reader.
    let out = check("0000");
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("2 tries left"), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(exchange.join("face")).expect("face").count(), 1);

    // A card the platform refuses (suspended at the municipal desk): the
    // error is written for the clinic system, with the platform's reason.
    let out = run(onshi()
        .env("ONSHI_DATA_DIR", clinic.data_dir())
        .env("ONSHI_DB", &clinic.db)
        .args(["card", "suspend", &serial]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = check("1234");
    assert_eq!(out.status.code(), Some(1), "{}{}", stdout(&out), stderr(&out));
    assert!(stderr(&out).contains("certificate_suspended"), "{}", stderr(&out));
    let refused = std::fs::read_dir(exchange.join("face"))
        .expect("face")
        .map(|e| e.expect("entry").path())
        .find(|p| *p != files[0])
        .expect("a second card-check file");
    let response = parsed(&std::fs::read(&refused).expect("read"));
    assert_eq!(response.header.reference, ReferenceClassification::Card);
    let error = response.header.error.expect("an error");
    assert_eq!(error.code, "ONS104");
    assert!(error.message.contains("certificate_suspended"), "{}", error.message);
    assert_eq!(response.answer.validity, None);
    drop(card);
    drop(server);
}

/// What an insurer records on a member — a 限度額適用認定証 (`onshi members
/// change`) and a 資格喪失 with its 喪失事由 (`onshi members lose`) — reaches
/// the answer file with the terminal's elements and codes.
#[test]
fn the_answer_file_carries_the_limit_certificate_and_the_reason_of_loss() {
    use onshi_oqs::codes::{LimitCategory, LimitCertificateClassification, ReasonOfLoss};
    let clinic = Clinic::new();
    let member = clinic.member(8, false).to_vec();
    let key = |command: &str| {
        let mut c = onshi();
        c.args(["members", command, "--insurer", &member[0], "--symbol", &member[1], "--number", &member[2]])
            .args(["--branch", &member[3], "--db", &clinic.db]);
        c
    };
    let today = chrono::Utc::now() + chrono::TimeDelta::hours(9);
    let birth_year: i32 = member[6][..4].parse().expect("birth year");
    let seventy = birth_year + 70 < chrono::Datelike::year(&today.date_naive());
    let (category, code) = if seventy { ("B04", LimitCategory::B04) } else { ("A03", LimitCategory::A03) };
    let from = member[12].clone();
    let out = run(key("change").args(["--limit-kind", "01", "--limit-category", category]).args([
        "--limit-issued-on",
        &from,
        "--limit-valid-from",
        &from,
        "--limit-valid-until",
        "2027-07-31",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));
    let lost_on = today.format("%Y-%m-%d").to_string();
    let out = run(key("lose").args(["--lost-on", &lost_on, "--reason", "03"]));
    assert_eq!(out.status.code(), Some(0), "{}{}", stdout(&out), stderr(&out));

    let server = clinic.server(&[]);
    let exchange = clinic.dir.path().join("oqs");
    std::fs::create_dir_all(exchange.join("req")).expect("req");
    let connector = Connector::start(&clinic, &exchange, &format!("http://{}", server.addr), &clinic.client_secret);
    drop_request(
        &exchange,
        "OQSsiquc01req_loss.xml",
        request_for(&clinic, &member, "LOSS01", &member[0], &member[3]).as_bytes(),
    );
    let answer = wait_answer(&exchange, "OQSsiquc01res_loss.xml");
    let response = parsed(&answer);
    let text = String::from_utf8_lossy(&answer);
    assert!(
        matches!(
            response.answer.validity,
            Some(QualificationValidity::Invalid | QualificationValidity::InvalidNewerExists)
        ),
        "lost today: {text}"
    );
    let result = &response.answer.results[0];
    assert_eq!(result.reason_of_loss, Some(ReasonOfLoss::OtherInsurance), "{text}");
    assert_eq!(result.lost_on.map(|d| d.format("%Y-%m-%d").to_string()), Some(lost_on.clone()), "{text}");
    let limit = result.limit_certificate.as_ref().expect("the limit certificate");
    assert_eq!(limit.classification, LimitCertificateClassification::Limit, "{text}");
    assert_eq!(limit.category, Some(code), "{text}");
    assert_eq!(
        limit.valid_until,
        today.date_naive().pred_opt(),
        "the certificate ends the day before the loss: {text}"
    );
    assert!(text.contains("<ReasonOfLoss>03</ReasonOfLoss>"), "{text}");
    assert!(text.contains(&format!("<LimitApplicationCertificateClassificationFlag>{category}<")), "{text}");
    drop(connector);
}
