//! The card file: JSON round trip, no PIN in clear, atomic writes, and
//! retry counters that survive the card process.

use onshi_card::{Card, CardFile, CardFileError, CounterSink};

use crate::client::check;
use crate::fixture;

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_AUTH_PIN: &str = "00 A4 02 0C 02 00 18";
const WRONG_AUTH_PIN: &str = "00 20 00 80 04 30 30 30 30";

#[test]
fn json_round_trip_and_no_pin_in_clear() {
    let file = fixture::card_file();
    let json = file.to_json();
    let again = CardFile::from_json(&json).expect("round trip");
    assert_eq!(again.to_json(), json);
    let text = String::from_utf8(json).expect("UTF-8");
    assert!(text.contains("\"format\": \"onshi-card/1\""));
    for secret in ["\"1234\"", "31323334", "ABC123", "414243313233", "\"5678\"", "35363738"] {
        assert!(!text.contains(secret), "{secret} in the card file");
    }
    assert!(!format!("{file:?}").contains(fixture::MY_NUMBER));
}

#[test]
fn refuses_foreign_or_tampered_files() {
    let json = String::from_utf8(fixture::card_file().to_json()).expect("UTF-8");
    let other_format = json.replace("onshi-card/1", "onshi-card/9");
    assert!(matches!(CardFile::from_json(other_format.as_bytes()), Err(CardFileError::Format { .. })));
    let tries = json.replacen("\"tries_left\": 3", "\"tries_left\": 9", 1);
    assert!(matches!(CardFile::from_json(tries.as_bytes()), Err(CardFileError::Invalid { .. })));
    assert!(CardFile::from_json(b"{}").is_err());
    assert!(CardFile::from_json(b"\xFF").is_err());
}

#[test]
fn retry_counter_survives_drop_and_reload() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("card.json");
    fixture::card_file().save(&path).expect("save");

    let mut card = Card::open(&path).expect("open");
    check(&mut card, &[(SELECT_JPKI, "90 00"), (SELECT_AUTH_PIN, "90 00"), (WRONG_AUTH_PIN, "63 C2")]);
    // The process dies here: nothing is flushed on drop, the file already has it.
    drop(card);
    assert_eq!(CardFile::load(&path).expect("load").jpki.auth.pin.tries_left(), 2);

    let mut card = Card::open(&path).expect("reopen");
    check(
        &mut card,
        &[(SELECT_JPKI, "90 00"), (SELECT_AUTH_PIN, "90 00"), ("00 20 00 80", "63 C2"), (WRONG_AUTH_PIN, "63 C1")],
    );
    drop(card);
    let mut card = Card::open(&path).expect("reopen");
    check(&mut card, &[(SELECT_JPKI, "90 00"), (SELECT_AUTH_PIN, "90 00"), (WRONG_AUTH_PIN, "69 83")]);
    drop(card);
    let mut card = Card::open(&path).expect("reopen");
    check(&mut card, &[(SELECT_JPKI, "90 00"), (SELECT_AUTH_PIN, "90 00"), ("00 20 00 80 04 31 32 33 34", "69 83")]);
    // Only the card file is left in the directory: no temporary files.
    let names: Vec<_> =
        std::fs::read_dir(dir.path()).expect("read dir").map(|entry| entry.expect("entry").file_name()).collect();
    assert_eq!(names, ["card.json"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

struct Broken;

impl CounterSink for Broken {
    fn persist(&mut self, _file: &CardFile) -> Result<(), CardFileError> {
        Err(CardFileError::Invalid { field: "disk", rule: "full" })
    }
}

#[test]
fn a_counter_that_cannot_be_persisted_is_a_memory_failure() {
    let mut card = Card::new(fixture::card_file(), Broken).expect("card");
    check(
        &mut card,
        &[
            (SELECT_JPKI, "90 00"),
            (SELECT_AUTH_PIN, "90 00"),
            // The try still counts in the chip; the client learns something is wrong.
            (WRONG_AUTH_PIN, "65 81"),
            ("00 20 00 80", "63 C2"),
            // A correct PIN that cannot restore the counter grants nothing.
            ("00 20 00 80 04 31 32 33 34", "65 81"),
            ("00 20 00 80", "63 C3"),
        ],
    );
}

#[test]
fn save_to_a_missing_directory_fails() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("missing").join("card.json");
    assert!(matches!(fixture::card_file().save(&path), Err(CardFileError::Io { .. })));
}
