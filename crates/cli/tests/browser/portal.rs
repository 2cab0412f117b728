//! The citizen portal (マイナポータル) in a real headless Chromium, on the
//! real platform (`onshi serve` over the demo town): the person signs in by
//! approving the page's user code in "the app" (the card's signature, sent
//! as the app sends it: `/oidc/app/challenge`, `/oidc/app/approve`) and the
//! page continues by itself; each page shows what it should; a consent is
//! revoked and a facility blocked from the pages, and the clinic's reads
//! over the facility API are refused accordingly; the eligibility PDF is
//! downloaded with the session cookie, rendered by `pdftoppm` and read by
//! `pdftotext`; the home page on a phone-sized screen is saved as a PNG in
//! `target/tmp/portal-screens/`, checked not blank and not wider than the
//! screen.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

use crate::cdp::{Browser, Page};
use crate::common::{Server, onshi, run, stderr};

/// The demo clinic's 医療機関コード and doctor.
const CLINIC: &str = "1319990011";
const DOCTOR: &str = "D0001";

fn screens_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("portal-screens");
    std::fs::create_dir_all(&dir).expect("screenshot dir");
    dir
}

/// One HTTP/1.1 exchange over a fresh connection: (status, headers, body bytes).
fn http(addr: &str, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut stream = std::net::TcpStream::connect(addr).expect("connect");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).expect("send");
    stream.write_all(body).expect("send body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("a status line");
    (status, head, raw[split + 4..].to_vec())
}

fn post_json(addr: &str, path: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut headers = vec![("Content-Type", "application/json".to_owned())];
    if let Some(token) = token {
        headers.push(("Authorization", format!("Bearer {token}")));
    }
    let (status, _, bytes) = http(addr, "POST", path, &headers, body.to_string().as_bytes());
    (status, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

/// The card's signature over a fresh platform challenge: (challenge id, certificate, signature), base64.
fn card_signs(addr: &str, path: &str, card: &onshi_card::CardFile) -> Value {
    let (status, challenge) = post_json(addr, path, None, &json!({}));
    assert_eq!(status, 201, "{challenge}");
    let nonce = STANDARD.decode(challenge["challenge"].as_str().expect("challenge")).expect("base64");
    let digest = onshi_pki::verify::sha256_digest_info(&nonce);
    let signature = onshi_pki::verify::sign_digest_info(&card.jpki.auth.key_pkcs8, &digest).expect("the card signs");
    json!({
        "challenge_id": challenge["challenge_id"],
        "certificate": STANDARD.encode(&card.jpki.auth.certificate),
        "signature": STANDARD.encode(signature),
    })
}

/// The demo clinic's access token.
fn clinic_token(addr: &str, data_dir: &Path) -> String {
    let env = std::fs::read_to_string(data_dir.join("demo/facility-client.env")).expect("client file");
    let value = |name: &str| {
        env.lines().find_map(|l| l.strip_prefix(&format!("{name}="))).unwrap_or_else(|| panic!("{name}")).to_owned()
    };
    let basic = STANDARD.encode(format!("{}:{}", value("ONSHI_CLIENT_ID"), value("ONSHI_CLIENT_SECRET")));
    let (status, _, body) = http(
        addr,
        "POST",
        "/oauth/token",
        &[("Authorization", format!("Basic {basic}")), ("Content-Type", "application/x-www-form-urlencoded".into())],
        b"grant_type=client_credentials",
    );
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let body: Value = serde_json::from_slice(&body).expect("JSON");
    body["access_token"].as_str().expect("token").to_owned()
}

/// Non-white pixels of an 8-bit grey or RGB(A) PNG.
fn ink(png_bytes: &[u8]) -> (usize, u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buffer = vec![0; reader.output_buffer_size().expect("size")];
    let frame = reader.next_frame(&mut buffer).expect("a frame");
    let channels = frame.color_type.samples();
    assert_eq!(frame.bit_depth, png::BitDepth::Eight);
    let pixels = &buffer[..frame.buffer_size()];
    let inked = pixels.chunks(channels).filter(|p| p.iter().take(3).any(|&c| c < 200)).count();
    (inked, frame.width, frame.height)
}

fn page_text(page: &mut Page) -> String {
    page.eval("document.body.innerText").as_str().unwrap_or_default().to_owned()
}

/// Open a portal page and wait for its heading.
fn open(page: &mut Page, base: &str, path: &str, heading: &str) -> String {
    page.goto(&format!("{base}{path}"));
    page.wait_for(&format!("document.querySelector('h1')?.innerText === {heading:?}"), heading);
    page_text(page)
}

#[test]
fn a_person_signs_in_with_the_app_and_uses_every_page_of_the_portal() {
    let data_dir = tempfile::tempdir().expect("data dir");
    // Seed 2: a town of 150 with clinics, so with medical histories.
    let out = run(onshi().env("ONSHI_DATA_DIR", data_dir.path()).args([
        "demo",
        "--people",
        "150",
        "--seed",
        "2",
        "--no-serve",
    ]));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(!stderr(&out).contains("medical.jsonl: 0 rows"), "the demo town has medical histories: {}", stderr(&out));
    let server =
        Server::start_in(&format!("sqlite://{}", data_dir.path().join("onshi.db").display()), data_dir.path(), &[]);
    let addr = server.addr.clone();
    let base = format!("http://{addr}");
    let card = onshi_card::CardFile::load(&data_dir.path().join("demo/cards/card-1.json")).expect("card file");

    // The patient checks in at the demo clinic with consent to 診療・薬剤情報.
    let token = clinic_token(&addr, data_dir.path());
    let mut check = card_signs(&addr, "/jpki/challenges", &card);
    check["consent"] = json!({"clinical_drug": true, "checkup": false});
    let (status, answer) = post_json(&addr, "/facility/eligibility/card", Some(&token), &check);
    assert_eq!(status, 200, "{answer}");
    let coverage = &answer["coverages"][0];
    let read = json!({
        "insurer_number": coverage["insurer_number"], "symbol": coverage["symbol"],
        "number": coverage["number"], "branch": coverage["branch"], "staff_id": DOCTOR,
    });
    let clinic_reads = |expected: u16, code: Option<&str>| {
        let (status, body) = post_json(&addr, "/facility/medical/drugs", Some(&token), &read);
        assert_eq!(status, expected, "{body}");
        if let Some(code) = code {
            assert_eq!(body["code"], code, "{body}");
        }
    };
    clinic_reads(200, None);

    // Sign-in: the page shows the code; the app approves; the page goes on by itself.
    let shots = screens_dir();
    let browser = Browser::start(390, 844);
    let mut page = browser.page();
    page.emulate_phone(390, 844, 3);
    page.goto(&format!("{base}/portal/"));
    page.wait_for("document.getElementById('user-code') !== null", "the user code");
    let user_code = page.text("#user-code");
    assert_eq!(user_code.len(), 9, "{user_code}");
    assert_eq!(page.eval("document.querySelectorAll('.qr svg').length"), json!(1), "the QR code");
    page.screenshot(&shots.join("sign-in.png"));
    let mut approval = card_signs(&addr, "/oidc/app/challenge", &card);
    approval["user_code"] = user_code.clone().into();
    approval["claims"] = json!([]);
    let (status, approved) = post_json(&addr, "/oidc/app/approve", None, &approval);
    assert_eq!(status, 200, "{approved}");
    page.wait_for("document.querySelector('h1')?.innerText === 'ホーム'", "the home page after the app's approval");

    // The session cookie as Chromium keeps it.
    let cookies = page.cookies();
    let session = cookies
        .as_array()
        .and_then(|all| all.iter().find(|c| c["name"] == "__Host-onshi_portal"))
        .unwrap_or_else(|| panic!("the session cookie in {cookies}"))
        .clone();
    assert_eq!(
        (&session["path"], &session["secure"], &session["httpOnly"], &session["sameSite"]),
        (&json!("/"), &json!(true), &json!(true), &json!("Lax")),
        "{session}"
    );
    let cookie = format!("__Host-onshi_portal={}", session["value"].as_str().expect("value"));

    // Home on a phone: not blank, nothing wider than the screen.
    let home = page_text(&mut page);
    assert!(home.contains("さん") && home.contains("お知らせ"), "{home}");
    let png = page.screenshot_png();
    std::fs::write(shots.join("home.png"), &png).expect("write the screenshot");
    let (inked, width, height) = ink(&png);
    assert_eq!((width, height), (390 * 3, 844 * 3), "deviceScaleFactor 3");
    assert!(inked > 20_000, "the home page is not blank: {inked} non-white pixels");
    assert_eq!(
        page.eval("document.documentElement.scrollWidth <= window.innerWidth"),
        json!(true),
        "horizontal overflow: {} > {}",
        page.eval("document.documentElement.scrollWidth"),
        page.eval("window.innerWidth")
    );

    // 健康保険証, and the eligibility information as a PDF with the session cookie.
    let insurance = open(&mut page, &base, "/portal/insurance", "健康保険証");
    for label in ["保険者番号", "記号・番号・枝番", "本人・家族", "一部負担金の割合", "資格取得日", "資格情報のPDF"]
    {
        assert!(insurance.contains(label), "{label}: {insurance}");
    }
    assert!(insurance.contains(coverage["insurer_number"].as_str().expect("insurer")), "{insurance}");
    page.screenshot(&shots.join("insurance.png"));
    let (status, head, pdf) =
        http(&addr, "GET", "/portal/insurance/1/eligibility.pdf", &[("Cookie", cookie.clone())], b"");
    assert_eq!(status, 200, "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: application/pdf"), "{head}");
    let pdf_path = shots.join("eligibility.pdf");
    std::fs::write(&pdf_path, &pdf).expect("write the PDF");
    let rendered = shots.join("eligibility");
    let out = Command::new("pdftoppm").args(["-png", "-r", "60", "-singlefile"]).arg(&pdf_path).arg(&rendered).output();
    let out = out.expect("pdftoppm runs (poppler-utils; scripts/ensure-tools.sh installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (inked, _, _) = ink(&std::fs::read(rendered.with_extension("png")).expect("the rendered page"));
    assert!(inked > 2_000, "the PDF is not blank: {inked} non-white pixels");
    let text = Command::new("pdftotext").args(["-enc", "UTF-8"]).arg(&pdf_path).arg("-").output().expect("pdftotext");
    let text = String::from_utf8_lossy(&text.stdout).into_owned();
    assert!(text.contains("資格情報のお知らせ"), "{text}");
    let (status, _, _) = http(&addr, "GET", "/portal/insurance/1/eligibility.pdf", &[], b"");
    assert_eq!(status, 303, "no PDF without the session");

    // お薬, 診療情報, 健診, 医療費: each read logged as the person's own.
    let drugs = open(&mut page, &base, "/portal/medical/drugs", "お薬の情報");
    assert!(drugs.contains("調剤日") && drugs.contains("用法"), "a drug history: {drugs}");
    page.screenshot(&shots.join("drugs.png"));
    for (path, heading) in [
        ("/portal/medical/clinical", "診療情報"),
        ("/portal/medical/checkups", "健診の結果"),
        ("/portal/medical/expenses", "医療費の情報"),
    ] {
        let text = open(&mut page, &base, path, heading);
        assert!(text.contains("ご本人による閲覧"), "{text}");
    }

    // やりとり履歴: the clinic's read and the person's own four, verified.
    let log = open(&mut page, &base, "/portal/access-log", "やりとり履歴");
    assert!(log.contains("検証済み"), "{log}");
    assert!(log.contains(CLINIC) && log.contains("同意に基づく閲覧") && log.contains(DOCTOR), "{log}");
    assert_eq!(log.matches("ご本人による閲覧").count(), 4, "{log}");
    page.screenshot(&shots.join("access-log.png"));

    // 閲覧拒否: the clinic is blocked although it holds a consent.
    open(&mut page, &base, "/portal/blocks", "閲覧拒否");
    page.eval(&format!("document.getElementById('facility_code').value = {CLINIC:?}"));
    page.click("form.card button[type=submit]");
    page.wait_for("document.getElementById('done') !== null", "the block");
    let blocks = page_text(&mut page);
    assert!(blocks.contains(CLINIC), "{blocks}");
    clinic_reads(403, Some("blocked_by_person"));
    page.click("li.block button[type=submit]");
    page.wait_for("document.getElementById('done')?.innerText.includes('解除')", "the unblock");
    clinic_reads(200, None);

    // 同意: revoked from the page; the clinic stops seeing.
    let consents = open(&mut page, &base, "/portal/consents", "同意");
    assert!(consents.contains("同意中") && consents.contains("診療・薬剤情報"), "{consents}");
    page.click("li.consent[data-status=granted] button[type=submit]");
    page.wait_for("document.getElementById('done') !== null", "the revocation");
    assert!(page_text(&mut page).contains("撤回済み"));
    clinic_reads(403, Some("no_consent"));

    // 登録状況 and 保険証利用登録 (the demo's cards are registered): cancelled, a 資格確認書 issued.
    let linkage = open(&mut page, &base, "/portal/linkage", "登録状況");
    assert!(linkage.contains("登録済み"), "{linkage}");
    let registration = open(&mut page, &base, "/portal/registration", "保険証利用登録");
    assert!(registration.contains("利用登録済み"), "{registration}");
    page.click("form button.danger");
    page.wait_for("document.getElementById('done') !== null", "the cancellation");
    let cancelled = page_text(&mut page);
    assert!(cancelled.contains("資格確認書が交付されました") && cancelled.contains("有効期限"), "{cancelled}");
    page.screenshot(&shots.join("registration.png"));
    let home = open(&mut page, &base, "/portal/", "ホーム");
    assert!(home.contains("資格確認書が交付されています"), "{home}");

    // ログアウト: the cookie no longer opens anything.
    page.click("form.signout button");
    page.wait_for("document.querySelector('h1')?.innerText === 'ログアウトしました'", "the sign-out");
    let (status, _, _) = http(&addr, "GET", "/portal/insurance", &[("Cookie", cookie)], b"");
    assert_eq!(status, 303);
    drop(server);
}
