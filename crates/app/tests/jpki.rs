//! The JPKI service over a real SQLite store: issuance, the desk's changes,
//! certificate status and the challenge sign-in with each of its refusals.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use onshi_app::jpki::{Jpki, SignInError};
use onshi_card::{CardFile, PinSlot, Pins};
use onshi_domain::person::{FiveAttributes, Sex};
use onshi_domain::registry::Resident;
use onshi_pki::verify::{sha256_digest_info, sign_digest_info};
use onshi_pki::{Authority, IssuingCa, RevocationReason, Validity};
use onshi_store::Store;
use onshi_store::jpki::{CardState, CertKind, CertStatus};

fn at(s: &str) -> DateTime<Utc> {
    s.parse().expect("test instant")
}

fn my_number(base: u64) -> onshi_domain::id::MyNumber {
    let digits: Vec<u8> = format!("{base:011}").bytes().map(|b| b - b'0').collect();
    onshi_domain::id::MyNumber::from_base(&digits.try_into().expect("11 digits"))
}

fn resident(code: u64, name: &str, birth: &str, address: &str) -> Resident {
    Resident {
        resident_code: format!("{code:011}").parse().expect("resident code"),
        my_number: my_number(code),
        attributes: FiveAttributes {
            name_kanji: name.to_owned(),
            name_kana: "ヤマダ タロウ".to_owned(),
            birth_date: NaiveDate::parse_from_str(birth, "%Y-%m-%d").expect("birth"),
            sex: Sex::Male,
            address: address.to_owned(),
        },
    }
}

const ISSUED: &str = "2026-04-01T01:00:00Z";

struct Desk {
    jpki: Jpki,
    store: Arc<dyn Store>,
}

async fn desk() -> Desk {
    let store = onshi_store::open("sqlite::memory:").await.expect("store");
    store.migrate().await.expect("migrate");
    store
        .upsert_residents(vec![
            resident(1, "山田 太郎", "1980-06-15", "東京都八王子市元本郷町三丁目24番1号"),
            resident(2, "山田 花子", "2015-06-15", "東京都八王子市元本郷町三丁目24番1号"),
        ])
        .await
        .expect("residents");
    let authority = Authority::create(at("2026-01-01T00:00:00Z")).expect("authority");
    let jpki = Jpki::new(store.clone(), authority, "http://127.0.0.1:8080/jpki").expect("jpki");
    Desk { jpki, store }
}

fn pins() -> Pins {
    Pins { auth_pin: "1234".into(), sign_password: "abc123".into(), support_pin: "5678".into() }
}

/// What a card returns for a challenge: its certificate and signature.
fn answer(file: &CardFile, nonce: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let signature = sign_digest_info(&file.jpki.auth.key_pkcs8, &sha256_digest_info(nonce)).expect("sign");
    (file.jpki.auth.certificate.clone(), signature)
}

async fn sign_in(desk: &Desk, file: &CardFile, now: DateTime<Utc>) -> Result<onshi_app::jpki::SignedIn, SignInError> {
    let challenge = desk.jpki.new_challenge(now).await.expect("challenge");
    let (cert, signature) = answer(file, &challenge.nonce);
    desk.jpki.sign_in(&challenge.id, &cert, &signature, now).await
}

#[tokio::test]
async fn issue_then_sign_in_answers_the_person_and_never_the_my_number() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    assert_eq!(issued.card.state, CardState::Active);
    // Issued 2026-04-01 to someone born 1980-06-15: the 10th birthday after
    // issue (the 1st is 2026-06-15).
    assert_eq!(issued.card.expires_on.to_string(), "2035-06-15");
    let certs = desk.jpki.certificates(&issued.card.card_serial).await.expect("certs");
    assert_eq!(certs.len(), 2);
    assert!(certs.iter().all(|c| c.status == CertStatus::Good));
    // 5th birthday after issue, end of day in Japan.
    assert!(certs.iter().all(|c| c.not_after == at("2030-06-15T14:59:59Z")), "{:?}", certs[0].not_after);

    let signed_in = sign_in(&desk, &issued.file, at("2026-05-01T00:00:00Z")).await.expect("sign in");
    let person =
        desk.store.resident_by_code(&"00000000001".parse().expect("code")).await.expect("read").expect("present");
    assert_eq!(signed_in.person_id, person.person_id);
    assert_eq!(signed_in.card_serial, issued.card.card_serial);
    assert_eq!(signed_in.validity, Validity::Valid);
    let shown = format!("{signed_in:?}");
    assert!(!shown.contains(person.resident.my_number.as_str()), "{shown}");
}

#[tokio::test]
async fn a_child_s_card_is_valid_to_the_5th_birthday() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000002", None, at(ISSUED)).await.expect("issue");
    assert_eq!(issued.card.expires_on.to_string(), "2030-06-15");
    assert!(!issued.card.has_pin);
    assert!(issued.file.no_pin);
    assert!(matches!(
        desk.jpki.issue_card("99999999999", None, at(ISSUED)).await,
        Err(onshi_app::jpki::JpkiError::NoResident(_))
    ));
}

#[tokio::test]
async fn each_refusal_has_its_own_code() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    let now = at("2026-05-01T00:00:00Z");
    let code = |r: Result<onshi_app::jpki::SignedIn, SignInError>| r.expect_err("refused").code();

    // Replay: the same answer to the same challenge.
    let challenge = desk.jpki.new_challenge(now).await.expect("challenge");
    let (cert, signature) = answer(&issued.file, &challenge.nonce);
    desk.jpki.sign_in(&challenge.id, &cert, &signature, now).await.expect("first");
    assert_eq!(code(desk.jpki.sign_in(&challenge.id, &cert, &signature, now).await), "challenge_used");
    assert_eq!(code(desk.jpki.sign_in("00", &cert, &signature, now).await), "challenge_unknown");

    let late = desk.jpki.new_challenge(now).await.expect("challenge");
    let (cert, signature) = answer(&issued.file, &late.nonce);
    assert_eq!(
        code(desk.jpki.sign_in(&late.id, &cert, &signature, now + TimeDelta::minutes(6)).await),
        "challenge_expired"
    );

    // A signature over something else.
    let wrong = desk.jpki.new_challenge(now).await.expect("challenge");
    let (cert, signature) = answer(&issued.file, b"not the challenge");
    assert_eq!(code(desk.jpki.sign_in(&wrong.id, &cert, &signature, now).await), "bad_signature");

    // Garbage and truncated DER.
    let c = desk.jpki.new_challenge(now).await.expect("challenge");
    let (cert, signature) = answer(&issued.file, &c.nonce);
    assert_eq!(
        code(desk.jpki.sign_in(&c.id, &cert[..cert.len() - 10], &signature, now).await),
        "certificate_malformed"
    );

    // The signing certificate is not for sign-in.
    let c = desk.jpki.new_challenge(now).await.expect("challenge");
    let signature = sign_digest_info(&issued.file.jpki.sign.key_pkcs8, &sha256_digest_info(&c.nonce)).expect("sign");
    assert_eq!(
        code(desk.jpki.sign_in(&c.id, &issued.file.jpki.sign.certificate, &signature, now).await),
        "wrong_certificate_kind"
    );

    // A card of another authority with the same CA names.
    let other_store = onshi_store::open("sqlite::memory:").await.expect("store");
    other_store.migrate().await.expect("migrate");
    other_store
        .upsert_residents(vec![resident(1, "山田 太郎", "1980-06-15", "東京都八王子市")])
        .await
        .expect("resident");
    let other = Jpki::new(other_store, Authority::create(now).expect("authority"), "http://x/jpki").expect("other");
    let foreign = other.issue_card("00000000001", Some(pins()), now).await.expect("foreign card");
    let c = desk.jpki.new_challenge(now).await.expect("challenge");
    let (cert, signature) = answer(&foreign.file, &c.nonce);
    assert_eq!(code(desk.jpki.sign_in(&c.id, &cert, &signature, now).await), "foreign_ca");

    // Challenges are stateless: one made by another authority's service, or
    // with any character of its id changed, is not ours.
    let theirs = other.new_challenge(now).await.expect("their challenge");
    let (cert, signature) = answer(&issued.file, &theirs.nonce);
    assert_eq!(code(desk.jpki.sign_in(&theirs.id, &cert, &signature, now).await), "challenge_unknown");
    let ours = desk.jpki.new_challenge(now).await.expect("challenge");
    let (cert, signature) = answer(&issued.file, &ours.nonce);
    for i in 0..ours.id.len() {
        let mut id = ours.id.clone().into_bytes();
        id[i] = if id[i] == b'A' { b'B' } else { b'A' };
        let id = String::from_utf8(id).expect("ascii");
        assert_eq!(code(desk.jpki.sign_in(&id, &cert, &signature, now).await), "challenge_unknown", "{id}");
    }
    // The id left intact still works: the altered ones did not use it up.
    desk.jpki.sign_in(&ours.id, &cert, &signature, now).await.expect("the real id");
}

/// Making a challenge writes nothing; using one records it, so a second
/// service over the same store and authority (another server process)
/// accepts the first's challenges and refuses their replays.
#[tokio::test]
async fn challenges_made_by_one_process_are_used_once_across_processes() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    let now = at("2026-05-01T00:00:00Z");
    let authority = Authority::from_files(&desk.jpki.authority().files()).expect("the same authority");
    let twin = Jpki::new(desk.store.clone(), authority, "http://127.0.0.1:8080/jpki").expect("twin");
    let challenge = desk.jpki.new_challenge(now).await.expect("challenge");
    assert_eq!(challenge.nonce.len(), 32);
    assert_eq!(challenge.expires_at, now + onshi_app::jpki::CHALLENGE_LIFETIME);
    let (cert, signature) = answer(&issued.file, &challenge.nonce);
    twin.sign_in(&challenge.id, &cert, &signature, now + TimeDelta::seconds(5)).await.expect("the twin accepts it");
    let again = desk.jpki.sign_in(&challenge.id, &cert, &signature, now + TimeDelta::seconds(6)).await;
    assert!(
        matches!(again, Err(SignInError::ChallengeUsed { used_at }) if used_at == now + TimeDelta::seconds(5)),
        "{again:?}"
    );
    // Two challenges made at the same instant differ.
    let (a, b) = (desk.jpki.new_challenge(now).await.expect("a"), desk.jpki.new_challenge(now).await.expect("b"));
    assert_ne!((a.id, a.nonce), (b.id, b.nonce));
}

#[tokio::test]
async fn suspend_resume_revoke_change_what_sign_in_answers() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    let serial = issued.card.card_serial.clone();
    let now = at("2026-05-01T00:00:00Z");
    desk.jpki.suspend(&serial, now).await.expect("suspend");
    let err = sign_in(&desk, &issued.file, now).await.expect_err("suspended");
    assert_eq!(err.code(), "certificate_suspended");
    assert!(desk.jpki.suspend(&serial, now).await.is_err(), "twice");
    desk.jpki.resume(&serial, now).await.expect("resume");
    sign_in(&desk, &issued.file, now).await.expect("works again");
    desk.jpki.revoke(&serial, RevocationReason::CessationOfOperation, now).await.expect("revoke");
    let err = sign_in(&desk, &issued.file, now).await.expect_err("revoked");
    assert_eq!(err.code(), "certificate_revoked");
    assert!(err.to_string().contains("cessationOfOperation"), "{err}");
    let ops: Vec<String> =
        desk.jpki.history(&serial).await.expect("history").into_iter().map(|e| e.operation).collect();
    assert_eq!(ops, ["issue", "suspend", "resume", "revoke"]);
}

#[tokio::test]
async fn an_expired_certificate_signs_in_within_the_grace_and_not_after() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    // notAfter is 2030-06-15T14:59:59Z; the grace ends 3 months later.
    let inside = sign_in(&desk, &issued.file, at("2030-08-01T00:00:00Z")).await.expect("within grace");
    assert_eq!(inside.validity, Validity::WithinGrace { grace_ends: at("2030-09-15T14:59:59Z") });
    let status =
        desk.jpki.status(&hex_decode(&inside.certificate_serial), at("2030-08-01T00:00:00Z")).await.expect("status");
    assert_eq!((status.status, status.validity), ("good", "within_grace"));
    let beyond = sign_in(&desk, &issued.file, at("2030-09-15T15:00:00Z")).await.expect_err("beyond grace");
    assert_eq!(beyond.code(), "certificate_expired");
}

fn hex_decode(text: &str) -> Vec<u8> {
    onshi_app::jpki::parse_hex(text).expect("hex")
}

#[tokio::test]
async fn a_new_name_revokes_the_signing_certificate_and_sign_in_still_works() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    desk.store
        .upsert_residents(vec![resident(1, "佐藤 太郎", "1980-06-15", "東京都八王子市元本郷町三丁目24番1号")])
        .await
        .expect("marriage");
    let certs = desk.jpki.certificates(&issued.card.card_serial).await.expect("certs");
    let sign = certs.iter().find(|c| c.kind == CertKind::Signing).expect("signing");
    assert!(matches!(sign.status, CertStatus::Revoked { reason: 3, .. }), "{:?}", sign.status);
    sign_in(&desk, &issued.file, at("2026-05-01T00:00:00Z")).await.expect("auth certificate still good");
    let crl = desk.jpki.crl(IssuingCa::Signing, at("2026-05-01T00:00:00Z")).await.expect("crl");
    assert!(crl.der.windows(sign.serial.len()).any(|w| w == sign.serial.as_slice()), "the CRL lists the serial");
}

#[tokio::test]
async fn renewal_puts_new_keys_on_the_card_and_retires_the_old_certificate() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    let old = issued.file.clone();
    let mut file = issued.file;
    desk.jpki.renew(&mut file, at("2030-03-01T00:00:00Z")).await.expect("renew");
    assert_ne!(file.jpki.auth.certificate, old.jpki.auth.certificate);
    let now = at("2030-03-02T00:00:00Z");
    sign_in(&desk, &file, now).await.expect("renewed card signs in");
    let err = sign_in(&desk, &old, now).await.expect_err("old certificate");
    assert_eq!(err.code(), "certificate_revoked");
    assert!(err.to_string().contains("superseded"), "{err}");
}

#[tokio::test]
async fn a_pin_reset_is_recorded_and_checked_for_shape() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    let mut file = issued.file;
    let err = desk.jpki.reset_pin(&mut file, PinSlot::UserAuthentication, "12a4", at(ISSUED)).await.expect_err("shape");
    assert!(err.to_string().contains("4 digits"), "{err}");
    desk.jpki.reset_pin(&mut file, PinSlot::UserAuthentication, "9876", at(ISSUED)).await.expect("reset");
    let ops: Vec<String> =
        desk.jpki.history(&issued.card.card_serial).await.expect("history").into_iter().map(|e| e.operation).collect();
    assert_eq!(ops, ["issue", "pin_reset"]);
    // The card accepts the new PIN and refuses the old one.
    let mut card = onshi_card::Card::new(file, onshi_card::InMemory).expect("card");
    card.reset();
    let mut select = vec![0x00, 0xA4, 0x04, 0x0C, onshi_card::JPKI_AID.len() as u8];
    select.extend_from_slice(&onshi_card::JPKI_AID);
    assert_eq!(card.transmit(&select), [0x90, 0x00]);
    assert_eq!(card.transmit(&[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x18]), [0x90, 0x00]);
    assert_eq!(card.transmit(&[0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']), [0x63, 0xC2]);
    assert_eq!(card.transmit(&[0x00, 0x20, 0x00, 0x80, 0x04, b'9', b'8', b'7', b'6']), [0x90, 0x00]);
}

#[tokio::test]
async fn the_crl_is_regenerated_on_every_change_and_only_then() {
    let desk = desk().await;
    let issued = desk.jpki.issue_card("00000000001", Some(pins()), at(ISSUED)).await.expect("issue");
    let now = at("2026-05-01T00:00:00Z");
    let first = desk.jpki.crl(IssuingCa::UserAuthentication, now).await.expect("crl");
    let again = desk.jpki.crl(IssuingCa::UserAuthentication, now + TimeDelta::seconds(5)).await.expect("crl");
    assert!(Arc::ptr_eq(&first, &again), "nothing changed: the same CRL");
    desk.jpki.suspend(&issued.card.card_serial, now).await.expect("suspend");
    let after = desk.jpki.crl(IssuingCa::UserAuthentication, now + TimeDelta::seconds(6)).await.expect("crl");
    assert_ne!(first.der, after.der);
    let serial = desk.jpki.certificates(&issued.card.card_serial).await.expect("certs")[0].serial.clone();
    assert!(after.der.windows(serial.len()).any(|w| w == serial.as_slice()));
    let hourly = desk.jpki.crl(IssuingCa::UserAuthentication, now + TimeDelta::hours(2)).await.expect("crl");
    assert_ne!(after.der, hourly.der, "regenerated at least hourly");
}
