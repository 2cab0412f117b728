//! `onshi kiosk` in a real headless Chromium, with the real platform
//! (`onshi serve` over the demo clinic), the real card emulator (`onshi card
//! serve`) and the real kiosk process. Every kiosk screen is written as a
//! PNG into `target/tmp/kiosk-screens/`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use crate::cdp::{Browser, Page};
use crate::common::{Server, onshi, run, stderr};

/// The demo's clinic on a running platform: its data directory, client and cards.
struct Clinic {
    data_dir: tempfile::TempDir,
    server: Server,
    client_id: String,
    client_secret: String,
}

impl Clinic {
    fn start() -> Clinic {
        let data_dir = tempfile::tempdir().expect("data dir");
        let out = run(onshi().env("ONSHI_DATA_DIR", data_dir.path()).args(["demo", "--people", "150", "--no-serve"]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let env = std::fs::read_to_string(data_dir.path().join("demo/facility-client.env")).expect("client file");
        let value = |name: &str| {
            env.lines()
                .find_map(|line| line.strip_prefix(&format!("{name}=")))
                .unwrap_or_else(|| panic!("{name} in {env}"))
                .to_owned()
        };
        let server =
            Server::start_in(&format!("sqlite://{}", data_dir.path().join("onshi.db").display()), data_dir.path(), &[]);
        Clinic { client_id: value("ONSHI_CLIENT_ID"), client_secret: value("ONSHI_CLIENT_SECRET"), server, data_dir }
    }

    fn card(&self, n: u32) -> PathBuf {
        self.data_dir.path().join(format!("demo/cards/card-{n}.json"))
    }

    /// The categories of the last consent the platform recorded.
    fn last_consent(&self) -> String {
        let db = rusqlite::Connection::open_with_flags(
            self.data_dir.path().join("onshi.db"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .expect("open the platform's database");
        db.query_row("SELECT categories FROM consents ORDER BY consent_id DESC LIMIT 1", [], |row| row.get(0))
            .expect("a consent recorded")
    }
}

/// A spawned process printing `PREFIX…` lines we wait for; killed on drop.
struct Process {
    child: Child,
    lines: Vec<String>,
}

impl Process {
    fn start(command: &mut std::process::Command, wanted: &[&str]) -> Process {
        let mut child = command.stderr(Stdio::piped()).stdout(Stdio::null()).spawn().expect("spawn onshi");
        let mut reader = BufReader::new(child.stderr.take().expect("stderr"));
        let mut process = Process { child, lines: Vec::new() };
        let mut seen = String::new();
        while !wanted.iter().all(|w| process.lines.iter().any(|l| l.contains(w))) {
            let mut line = String::new();
            if reader.read_line(&mut line).expect("read stderr") == 0 {
                panic!("the process ended before printing {wanted:?}: {seen}");
            }
            seen.push_str(&line);
            process.lines.push(line);
        }
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        process
    }

    /// The `http://…/` or `tcp://…` address on the line containing `marker`.
    fn address(&self, marker: &str, scheme: &str) -> String {
        let line = self.lines.iter().find(|l| l.contains(marker)).expect("the line");
        let rest = line.split(scheme).nth(1).expect("an address");
        format!("{scheme}{}", rest.split_whitespace().next().expect("address").trim_end_matches('/'))
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn card_in_reader(file: &Path) -> (Process, String) {
    let card = Process::start(onshi().args(["card", "serve", "--listen", "127.0.0.1:0"]).arg(file), &["tcp://"]);
    let target = card.address("tcp://", "tcp://");
    (card, target)
}

/// `onshi kiosk` for the clinic with the card at `card`: (process, kiosk URL, reception URL).
fn kiosk(clinic: &Clinic, card: &str) -> (Process, String, String) {
    kiosk_with(clinic, card, &[])
}

fn kiosk_with(clinic: &Clinic, card: &str, extra: &[&str]) -> (Process, String, String) {
    let process = Process::start(
        onshi()
            .env("ONSHI_DATA_DIR", clinic.data_dir.path())
            .args([
                "kiosk",
                "--card",
                card,
                "--platform",
                &format!("http://{}", clinic.server.addr),
                "--client-id",
                &clinic.client_id,
                // `=`: a random secret may begin with `-`.
                &format!("--client-secret={}", clinic.client_secret),
                "--listen",
                "127.0.0.1:0",
                "--reception",
                "127.0.0.1:0",
            ])
            .args(extra),
        &["kiosk screen", "reception page"],
    );
    let kiosk = process.address("kiosk screen", "http://");
    let reception = process.address("reception page", "http://");
    (process, kiosk, reception)
}

fn screens_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("kiosk-screens");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

fn type_pin(page: &mut Page, pin: &str) {
    for digit in pin.chars() {
        page.click(&format!("[data-digit=\"{digit}\"]"));
    }
}

#[test]
fn a_card_check_at_the_kiosk_appears_live_on_the_reception_page_and_the_consent_reaches_the_platform() {
    let clinic = Clinic::start();
    let (_card, target) = card_in_reader(&clinic.card(1));
    let (_kiosk, kiosk_url, reception_url) = kiosk(&clinic, &target);
    let shots = screens_dir();
    let browser = Browser::start(1024, 1024);

    let mut reception = browser.page();
    reception.goto(&format!("{reception_url}/"));
    assert!(reception.text("#checks").contains("まだ確認はありません"));

    let mut screen = browser.page();
    screen.goto(&format!("{kiosk_url}/"));
    screen.screen("waiting");
    assert_eq!(screen.text("h1"), "マイナンバーカードを置いてください");
    screen.screenshot(&shots.join("1-card.png"));
    screen.click("#start");
    screen.screen("method");
    assert!(screen.text("main").contains("顔認証"));
    screen.screenshot(&shots.join("2-method.png"));
    screen.click("#pin-method");
    screen.screen("pin");
    type_pin(&mut screen, "1234");
    assert_eq!(screen.text("#dots"), "●●●●");
    screen.screenshot(&shots.join("3-pin.png"));
    screen.click("#enter");
    screen.screen("consent-clinical-drug");
    assert_eq!(screen.text("h1"), "診療・薬剤情報の提供に同意しますか");
    screen.screenshot(&shots.join("4-consent-clinical-drug.png"));
    screen.click("#agree");
    screen.screen("consent-checkup");
    assert_eq!(screen.text("h1"), "特定健診等情報の提供に同意しますか");
    screen.screenshot(&shots.join("4-consent-checkup.png"));
    screen.click("#disagree");
    screen.screen("done");
    assert_eq!(screen.text("h1"), "受付が完了しました");
    let patient = screen.text(".name");
    assert!(patient.ends_with(" 様") && patient.chars().count() > 3, "{patient}");
    screen.screenshot(&shots.join("5-done.png"));

    // The reception page was not reloaded: the check arrives by itself.
    reception.wait_for("document.querySelector('[data-method=card]') !== null", "the card check on reception");
    let check = reception.text("[data-method=card]");
    let name = patient.trim_end_matches(" 様");
    assert!(check.contains(name), "{check}");
    assert!(check.contains("有効"), "{check}");
    assert!(check.contains("割"), "the copay: {check}");
    assert!(reception.eval("document.querySelector('[data-method=card] .kana').innerText.length > 0") == true);
    assert_eq!(reception.text("[data-consent=clinical_drug]"), "同意あり");
    assert_eq!(reception.text("[data-consent=checkup]"), "同意なし");
    reception.screenshot(&shots.join("reception.png"));

    // The choices reached the platform, which recorded them.
    assert_eq!(clinic.last_consent(), "clinical_drug");

    // The printable view of the check.
    let id = reception.eval("document.querySelector('[data-method=card]').dataset.checkId");
    let mut print = browser.page();
    print.goto(&format!("{reception_url}/checks/{}", id.as_str().expect("an id")));
    assert!(print.text("main").contains(name));
    assert!(print.text("h1").contains("オンライン資格確認 結果"));

    // The patient leaves: the kiosk is ready for the next one.
    screen.click("#reset");
    screen.screen("waiting");

    // Reception checks the same patient by insured number, from what the card check showed.
    let coverage = |reception: &mut Page, row: &str| {
        let expression = format!(
            "[...document.querySelectorAll('[data-method=card] tr')].find(r => r.querySelector('th')?.innerText === {row:?})?.querySelector('td')?.innerText ?? ''"
        );
        reception.eval(&expression).as_str().unwrap_or_default().to_owned()
    };
    let insurer = coverage(&mut reception, "保険者");
    let numbers = coverage(&mut reception, "記号・番号・枝番");
    let birth = coverage(&mut reception, "生年月日");
    let insurer = insurer.split_whitespace().next().expect("insurer number");
    let numbers: Vec<&str> = numbers.split_whitespace().next().expect("numbers").split('・').collect();
    for (field, value) in [
        ("insurer_number", insurer),
        ("symbol", numbers[0]),
        ("number", numbers[1]),
        ("branch", numbers[2]),
        ("birth_date", birth.as_str()),
    ] {
        reception.eval(&format!("document.getElementById({field:?}).value = {value:?}"));
    }
    reception.click("#number-check");
    reception.wait_for(
        "document.readyState === 'complete' && document.querySelector('[data-method=insured-number]') !== null",
        "the insured-number check",
    );
    let check = reception.text("[data-method=insured-number]");
    assert!(check.contains(name) && check.contains("有効"), "{check}");
    assert!(check.contains("医療情報の閲覧はできません"), "{check}");
}

#[test]
fn a_wrong_pin_shows_the_tries_left_and_a_locked_card_is_sent_to_the_municipality() {
    let clinic = Clinic::start();
    let (_card, target) = card_in_reader(&clinic.card(2));
    let (_kiosk, kiosk_url, reception_url) = kiosk(&clinic, &target);
    let shots = screens_dir();
    let browser = Browser::start(1024, 1024);
    let mut screen = browser.page();
    screen.goto(&format!("{kiosk_url}/"));
    screen.screen("waiting");
    screen.click("#start");
    screen.screen("method");
    screen.click("#pin-method");

    for tries_left in [2, 1] {
        screen.screen("pin");
        type_pin(&mut screen, "9999");
        screen.click("#enter");
        // The PIN screen comes back with the card's count.
        screen.wait_for(
            &format!("document.getElementById('pin-message')?.innerText.includes('残り回数 {tries_left}回') === true"),
            "the tries left",
        );
        let message = screen.text("#pin-message");
        assert!(message.contains("暗証番号が違います"), "{message}");
        assert!(message.contains(&format!("残り回数 {tries_left}")), "{message}");
        if tries_left == 2 {
            screen.screenshot(&shots.join("3-pin-wrong.png"));
        }
    }
    type_pin(&mut screen, "9999");
    screen.click("#enter");
    screen.screen("refused");
    assert_eq!(screen.text("h1"), "暗証番号がロックされています");
    let message = screen.text("#refusal");
    assert!(message.contains("市区町村の窓口"), "{message}");
    screen.screenshot(&shots.join("3-pin-locked.png"));

    // Placed again, the locked card is refused before any PIN is asked.
    screen.click("#reset");
    screen.screen("waiting");
    screen.click("#start");
    screen.screen("refused");
    assert_eq!(screen.text("h1"), "暗証番号がロックされています");

    // Even the right PIN cannot be tried on a locked card.
    let mut reception = browser.page();
    reception.goto(&format!("{reception_url}/"));
    let check = reception.text("[data-method=card]");
    assert!(check.contains("資格確認できませんでした"), "{check}");
    assert!(check.contains("ロック"), "{check}");
}

#[test]
fn a_card_not_registered_as_insurance_card_is_registered_on_the_spot() {
    let clinic = Clinic::start();
    // A resident of the demo town who gets a card but never registers it.
    let town = std::fs::read_dir(clinic.data_dir.path())
        .expect("data dir")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|path| path.file_name().is_some_and(|n| n.to_string_lossy().starts_with("demo-town-")))
        .expect("the demo town");
    let registry = std::fs::read_to_string(town.join("registry.csv")).expect("registry.csv");
    let resident = registry.lines().last().and_then(|l| l.split(',').next()).expect("a resident").to_owned();
    let card_file = clinic.data_dir.path().join("unregistered.json");
    let out = run(onshi()
        .env("ONSHI_DATA_DIR", clinic.data_dir.path())
        .args(["card", "issue", "--resident", &resident, "--pin", "1234", "--password", "abc123"])
        .args(["--support-pin", "5678", "--out"])
        .arg(&card_file));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (_card, target) = card_in_reader(&card_file);
    let (_kiosk, kiosk_url, reception_url) = kiosk(&clinic, &target);
    let browser = Browser::start(1024, 1024);
    let mut screen = browser.page();
    let check_in = |screen: &mut Page| {
        screen.goto(&format!("{kiosk_url}/"));
        screen.screen("waiting");
        screen.click("#start");
        screen.screen("method");
        screen.click("#pin-method");
        screen.screen("pin");
        type_pin(screen, "1234");
        screen.click("#enter");
        for consent in ["consent-clinical-drug", "consent-checkup"] {
            screen.screen(consent);
            screen.click("#agree");
        }
    };
    check_in(&mut screen);
    screen.screen("register");
    assert_eq!(screen.text("h1"), "保険証の利用登録がされていません");
    screen.screenshot(&screens_dir().join("5-register.png"));
    screen.click("#register-yes");
    screen.screen("done");
    assert!(screen.text("main").contains("保険証として利用登録しました"), "{}", screen.text("main"));

    let db = rusqlite::Connection::open_with_flags(
        clinic.data_dir.path().join("onshi.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the platform's database");
    let via: String = db
        .query_row("SELECT via FROM insurance_registrations WHERE registered = 1 AND via <> 'desk'", [], |row| {
            row.get(0)
        })
        .expect("the registration recorded by the platform");
    assert_eq!(via, "reader");

    let mut reception = browser.page();
    reception.goto(&format!("{reception_url}/"));
    assert!(reception.text("[data-method=card]").contains("この場でマイナ保険証の利用登録をしました"));

    // Next time the card goes straight to the result.
    screen.click("#reset");
    screen.screen("waiting");
    check_in(&mut screen);
    screen.screen("done");
}

#[test]
fn face_verification_compares_the_camera_with_the_card_photo_and_falls_back_to_the_pin() {
    let clinic = Clinic::start();
    let browser = Browser::start(1024, 1024);
    {
        // The holder of card 1 in front of the camera, card 1 on the reader.
        let (_card, target) = card_in_reader(&clinic.card(1));
        let camera = clinic.card(1).display().to_string();
        let (_kiosk, kiosk_url, reception_url) = kiosk_with(&clinic, &target, &["--camera", &camera]);
        let mut screen = browser.page();
        screen.goto(&format!("{kiosk_url}/"));
        screen.screen("waiting");
        screen.click("#start");
        screen.screen("method");
        screen.click("#face");
        // No PIN: straight to the consent.
        screen.screen("consent-clinical-drug");
        screen.click("#disagree");
        screen.screen("consent-checkup");
        screen.click("#agree");
        screen.screen("done");
        assert_eq!(clinic.last_consent(), "checkup");
        let mut reception = browser.page();
        reception.goto(&format!("{reception_url}/"));
        let check = reception.text("[data-method=card]");
        assert!(check.contains("本人確認: 顔認証") && check.contains("有効"), "{check}");
    }
    // Someone else's face (card 2's holder) in front of card 3.
    let (_card, target) = card_in_reader(&clinic.card(3));
    let camera = clinic.card(2).display().to_string();
    let (_kiosk, kiosk_url, _) = kiosk_with(&clinic, &target, &["--camera", &camera]);
    let mut screen = browser.page();
    screen.goto(&format!("{kiosk_url}/"));
    screen.screen("waiting");
    screen.click("#start");
    screen.screen("method");
    screen.click("#face");
    screen.screen("pin");
    assert!(screen.text("#pin-message").contains("顔が確認できませんでした"), "{}", screen.text("main"));
    screen.screenshot(&screens_dir().join("3-face-mismatch.png"));
    type_pin(&mut screen, "1234");
    screen.click("#enter");
    screen.screen("consent-clinical-drug");
}

/// One patient through the five screens with the PIN, ending on 完了.
fn check_in_with_pin(screen: &mut Page, kiosk_url: &str) {
    screen.goto(&format!("{kiosk_url}/"));
    screen.screen("waiting");
    screen.click("#start");
    screen.screen("method");
    screen.click("#pin-method");
    screen.screen("pin");
    type_pin(screen, "1234");
    screen.click("#enter");
    screen.screen("consent-clinical-drug");
    screen.click("#agree");
    screen.screen("consent-checkup");
    screen.click("#agree");
    screen.screen("done");
}

#[test]
fn the_failure_mode_banner_marks_the_last_known_answer_on_the_kiosk_and_at_reception() {
    let clinic = Clinic::start();
    let (_card, target) = card_in_reader(&clinic.card(1));
    let (_kiosk, kiosk_url, reception_url) = kiosk_with(&clinic, &target, &["--sync-secs", "1"]);
    let shots = screens_dir();
    let browser = Browser::start(1024, 1024);
    let mut screen = browser.page();
    check_in_with_pin(&mut screen, &kiosk_url);
    assert!(screen.eval("document.getElementById('failure-mode') === null") == true);
    screen.click("#reset");
    screen.screen("waiting");
    // The kiosk keeps the CA certificates and the CRL (fetched every second here).
    let kept = clinic.data_dir.path().join("kiosk/kiosk.db");
    let trust = || {
        rusqlite::Connection::open_with_flags(&kept, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .and_then(|db| db.query_row("SELECT count(*) FROM trust", [], |row| row.get::<_, i64>(0)))
            .unwrap_or(0)
    };
    let start = std::time::Instant::now();
    while trust() < 4 {
        assert!(start.elapsed() < std::time::Duration::from_secs(30), "the kiosk kept no trust material");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }

    // The platform is killed; the same patient checks in again.
    let killed =
        std::process::Command::new("kill").args(["-9", &clinic.server.child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    check_in_with_pin(&mut screen, &kiosk_url);
    assert_eq!(screen.text("h1"), "受付が完了しました");
    let banner = screen.text("#failure-mode");
    assert!(banner.contains("障害時モード") && banner.contains("前回確認時点"), "{banner}");
    screen.screenshot(&shots.join("5-done-failure-mode.png"));

    let mut reception = browser.page();
    reception.goto(&format!("{reception_url}/"));
    let banner = reception.text("#failure-mode");
    assert!(banner.contains("障害時モード"), "{banner}");
    let queued = reception.text("#offline-queue [data-state=queued]");
    assert!(queued.contains("照合待ち"), "{queued}");
    reception.screenshot(&shots.join("reception-failure-mode.png"));
}

/// The demo clinic's 医療機関コード (`onshi demo`).
const DEMO_CLINIC: &str = "1319990011";

#[test]
fn reception_opens_the_consented_drug_history_for_a_doctor_and_refuses_a_nurse() {
    let clinic = Clinic::start();
    let (_card, target) = card_in_reader(&clinic.card(1));
    let (_kiosk, kiosk_url, reception_url) = kiosk(&clinic, &target);
    let shots = screens_dir();
    let browser = Browser::start(1024, 1024);
    let onshi_here = || {
        let mut command = onshi();
        command.env("ONSHI_DATA_DIR", clinic.data_dir.path());
        command
    };

    // The patient checks in and agrees to 診療・薬剤情報 only.
    let mut screen = browser.page();
    screen.goto(&format!("{kiosk_url}/"));
    screen.screen("waiting");
    screen.click("#start");
    screen.screen("method");
    screen.click("#pin-method");
    screen.screen("pin");
    type_pin(&mut screen, "1234");
    screen.click("#enter");
    screen.screen("consent-clinical-drug");
    screen.click("#agree");
    screen.screen("consent-checkup");
    screen.click("#disagree");
    screen.screen("done");

    let mut reception = browser.page();
    reception.goto(&format!("{reception_url}/"));
    reception.wait_for("document.querySelector('[data-method=card] form.viewing') !== null", "the viewing form");
    assert_eq!(reception.eval("document.querySelectorAll('form.viewing [data-category]').length"), 2);
    assert_eq!(reception.text("[data-category=drugs]"), "薬剤情報");
    assert_eq!(reception.text("[data-category=clinical]"), "診療情報");

    // The insurer's drug record for the member the check showed.
    let cell = |reception: &mut Page, row: &str| {
        let expression = format!(
            "[...document.querySelectorAll('[data-method=card] tr')].find(r => r.querySelector('th')?.innerText === {row:?})?.querySelector('td')?.innerText ?? ''"
        );
        reception.eval(&expression).as_str().unwrap_or_default().to_owned()
    };
    let insurer = cell(&mut reception, "保険者");
    let insurer = insurer.split_whitespace().next().expect("insurer number").to_owned();
    let numbers = cell(&mut reception, "記号・番号・枝番");
    let numbers: Vec<&str> = numbers.split_whitespace().next().expect("numbers").split('・').collect();
    let dispensed = (chrono::Utc::now() - chrono::TimeDelta::days(30)).format("%Y-%m-%d");
    let record = serde_json::json!({
        "type": "drug", "record_id": "RX-BROWSER-1", "insurer_number": insurer,
        "symbol": numbers[0], "number": numbers[1], "branch": numbers[2],
        "dispensed_on": dispensed.to_string(), "facility_code": "1342000016", "facility_name": "ひかり薬局　本町店",
        "drug_code": "620008676", "name": "アムロジピン錠5mg", "ingredient": "アムロジピンベシル酸塩",
        "route": "internal", "dose": "1日1回朝食後", "quantity": 1, "unit": "錠", "days": 28,
    });
    let file = clinic.data_dir.path().join("drugs.jsonl");
    std::fs::write(&file, format!("{record}\n")).expect("write the records");
    let out = run(onshi_here().args(["medical", "import", "-q"]).arg(&file));
    assert_eq!(out.status.code(), Some(0), "{}{}", crate::common::stdout(&out), stderr(&out));
    for (staff, qualification) in [("D0002", "doctor"), ("N0001", "nurse")] {
        let out = run(onshi_here()
            .args(["facility", "add-staff", "--facility", DEMO_CLINIC, "--staff-id", staff, "--name", "受付　試験"])
            .args(["--qualification", qualification]));
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }

    // The form opens a new tab; the test submits it in this one instead.
    let view = |reception: &mut Page, staff: &str| {
        reception.goto(&format!("{reception_url}/"));
        reception.wait_for("document.querySelector('form.viewing') !== null", "the viewing form");
        reception.eval(&format!(
            "(() => {{ const f = document.querySelector('form.viewing'); f.removeAttribute('target'); \
             f.querySelector('[name=staff_id]').value = {staff:?}; return true; }})()"
        ));
        reception.click("[data-category=drugs]");
        reception.wait_for(
            "document.readyState === 'complete' && document.querySelector('h1')?.innerText === '薬剤情報'",
            "the drug history page",
        );
    };
    view(&mut reception, "D0002");
    let table = reception.text("table.records");
    assert!(table.contains("アムロジピン錠5mg"), "{table}");
    assert!(table.contains("1日1回朝食後") && table.contains("ひかり薬局"), "{table}");
    assert!(reception.text(".basis").contains("本人同意"), "{}", reception.text("main"));
    reception.screenshot(&shots.join("6-medical-drugs.png"));

    view(&mut reception, "N0001");
    let main = reception.text("main");
    assert!(main.contains("閲覧できませんでした（staff_not_qualified）"), "{main}");
    assert!(main.contains("この職員の資格では閲覧できません"), "{main}");
    assert!(!main.contains("アムロジピン"), "{main}");
    reception.screenshot(&shots.join("6-medical-refused.png"));

    // The doctor's read is in the patient's access log; the nurse's is not.
    let db = rusqlite::Connection::open_with_flags(
        clinic.data_dir.path().join("onshi.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the platform's database");
    let logged = |staff: &str| -> i64 {
        db.query_row("SELECT count(*) FROM access_log WHERE staff_id = ?1", [staff], |row| row.get(0)).expect("count")
    };
    assert_eq!(logged("D0002"), 1);
    assert_eq!(logged("N0001"), 0);
}
