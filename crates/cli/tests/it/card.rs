//! `onshi card issue` and `onshi card serve`: a resident of an imported
//! registry gets a card file; the emulator serves it on a local socket; a
//! reader verifies the PIN and has the card sign a challenge, which the
//! platform's verification accepts against the authority in the data dir.

use std::io::{BufRead, BufReader};
use std::process::Stdio;

use onshi_card::LocalReader;
use onshi_pki::{Authority, AuthorityFiles, IssuingCa, TrustStore, Validity};

use crate::common::{onshi, run, stderr, stdout};

const OK: [u8; 2] = [0x90, 0x00];

fn select_ap(aid: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
    apdu.extend_from_slice(aid);
    apdu
}

fn select_ef(fid: u16) -> Vec<u8> {
    let [hi, lo] = fid.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

fn sw(response: &[u8]) -> [u8; 2] {
    [response[response.len() - 2], response[response.len() - 1]]
}

async fn read_certificate(reader: &mut LocalReader) -> Vec<u8> {
    let head = reader.exchange(&[0x00, 0xB0, 0x00, 0x00, 0x07]).await.expect("read");
    assert_eq!(sw(&head), OK);
    // A certificate is a SEQUENCE with a two-byte length (82 LL LL).
    assert_eq!(&head[..2], &[0x30, 0x82]);
    let total = 4 + (usize::from(head[2]) << 8 | usize::from(head[3]));
    let mut certificate = head[..head.len() - 2].to_vec();
    while certificate.len() < total {
        let [hi, lo] = (certificate.len() as u16).to_be_bytes();
        let chunk = (total - certificate.len()).min(255) as u8;
        let response = reader.exchange(&[0x00, 0xB0, hi, lo, chunk]).await.expect("read");
        assert_eq!(sw(&response), OK);
        certificate.extend_from_slice(&response[..response.len() - 2]);
    }
    certificate
}

#[test]
fn a_resident_gets_a_card_that_signs_in() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let db = format!("sqlite://{}", dir.path().join("onshi.db").display());
    let town = dir.path().join("town");
    let out = run(onshi()
        .args(["synth", "--people", "30", "--seed", "5", "--as-of", "2026-04-01", "-q", "--out"])
        .arg(&town));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = run(onshi().args(["registry", "import", "-q", "--db", &db]).arg(town.join("registry.csv")));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let registry = std::fs::read_to_string(town.join("registry.csv")).expect("registry");
    let code = registry.lines().nth(1).and_then(|line| line.split(',').next()).expect("a resident").to_owned();

    let card_file = dir.path().join("card.json");
    let issue = |file: &std::path::Path| {
        run(onshi()
            .env("ONSHI_DATA_DIR", &data_dir)
            .args([
                "card",
                "issue",
                "--resident",
                &code,
                "--pin",
                "1234",
                "--password",
                "abc123",
                "--support-pin",
                "5678",
            ])
            .args(["--db", &db, "--out"])
            .arg(file))
    };
    let out = issue(&card_file);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains(&code), "{}", stdout(&out));
    assert!(stderr(&out).contains("created the JPKI authority"), "{}", stderr(&out));
    let again = issue(&card_file);
    assert_eq!(again.status.code(), Some(1), "a card file is never overwritten");
    let unknown = run(onshi()
        .env("ONSHI_DATA_DIR", &data_dir)
        .args(["card", "issue", "--resident", "99999999999", "--no-pin", "--db", &db, "--out"])
        .arg(dir.path().join("none.json")));
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("import the registry first"), "{}", stderr(&unknown));

    let file_text = std::fs::read_to_string(&card_file).expect("card file");
    assert!(!file_text.contains("1234\""), "the PIN is not stored in clear");

    let mut card = onshi()
        .args(["card", "serve", "--listen", "127.0.0.1:0"])
        .arg(&card_file)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn the card");
    let mut line = String::new();
    BufReader::new(card.stderr.take().expect("stderr")).read_line(&mut line).expect("read");
    let addr = line.split("tcp://").nth(1).and_then(|rest| rest.split_whitespace().next()).map(str::to_owned);

    let pem = std::fs::read_to_string(data_dir.join("jpki").join("authority.pem")).expect("authority file");
    let authority = Authority::from_files(&AuthorityFiles::from_pem(&pem).expect("pem")).expect("authority");
    let trust = TrustStore::new(
        authority.root_cert_der(),
        authority.ca_cert_der(IssuingCa::UserAuthentication),
        authority.ca_cert_der(IssuingCa::Signing),
    )
    .expect("trust");

    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let result = runtime.block_on(async {
        let addr = addr.unwrap_or_else(|| panic!("no listening line: {line}"));
        let mut reader = LocalReader::connect(addr.as_str()).await.expect("connect to the card");
        let atr = reader.power_on().await.expect("power on");
        assert_eq!(atr, onshi_card::ATR);
        for apdu in [select_ap(&onshi_card::JPKI_AID), select_ef(0x000A)] {
            assert_eq!(reader.exchange(&apdu).await.expect("apdu"), OK);
        }
        let certificate = read_certificate(&mut reader).await;
        assert_eq!(reader.exchange(&select_ef(0x0018)).await.expect("apdu"), OK);
        let mut wrong = vec![0x00, 0x20, 0x00, 0x80, 0x04];
        wrong.extend_from_slice(b"9999");
        assert_eq!(reader.exchange(&wrong).await.expect("apdu"), [0x63, 0xC2]);
        let mut right = vec![0x00, 0x20, 0x00, 0x80, 0x04];
        right.extend_from_slice(b"1234");
        assert_eq!(reader.exchange(&right).await.expect("apdu"), OK);
        assert_eq!(reader.exchange(&select_ef(0x0017)).await.expect("apdu"), OK);
        let challenge = b"platform challenge 0001";
        let digest_info = onshi_pki::verify::sha256_digest_info(challenge);
        let mut sign = vec![0x80, 0x2A, 0x00, 0x80, digest_info.len() as u8];
        sign.extend_from_slice(&digest_info);
        sign.push(0x00);
        let response = reader.exchange(&sign).await.expect("apdu");
        assert_eq!(sw(&response), OK);
        let signature = &response[..response.len() - 2];
        trust.verify_sign_in(&certificate, challenge, signature, onshi_server::Clock::System.now())
    });
    let _ = card.kill();
    let _ = card.wait();
    let verified = result.expect("the platform accepts the card's signature");
    assert_eq!(verified.validity, Validity::Valid);
}
