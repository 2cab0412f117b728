//! PIN rules: 3 tries for the user-authentication PIN and the support AP's
//! PIN, 5 for the signing password, `63 Cx` counting down, `69 83` once
//! blocked, and a correct PIN restoring the counter.

use onshi_card::{Card, CardFile, CardIssue, InMemory, Pins};

use crate::client::check;
use crate::fixture;

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_AUTH_PIN: &str = "00 A4 02 0C 02 00 18";
const RIGHT_AUTH_PIN: &str = "00 20 00 80 04 31 32 33 34";
const WRONG_AUTH_PIN: &str = "00 20 00 80 04 30 30 30 30";

#[test]
fn three_wrong_auth_pins_lock_and_the_right_one_then_fails() {
    let mut card = fixture::card();
    check(
        &mut card,
        &[
            (SELECT_JPKI, "90 00"),
            (SELECT_AUTH_PIN, "90 00"),
            ("00 20 00 80", "63 C3"),
            (WRONG_AUTH_PIN, "63 C2"),
            (WRONG_AUTH_PIN, "63 C1"),
            ("00 20 00 80", "63 C1"),
            (WRONG_AUTH_PIN, "69 83"),
            (RIGHT_AUTH_PIN, "69 83"),
            ("00 20 00 80", "69 83"),
        ],
    );
    assert_eq!(card.file().jpki.auth.pin.tries_left(), 0);
    card.reset();
    check(&mut card, &[(SELECT_JPKI, "90 00"), (SELECT_AUTH_PIN, "90 00"), (RIGHT_AUTH_PIN, "69 83")]);
}

#[test]
fn right_pin_restores_the_counter_and_status_shows_verified() {
    let mut card = fixture::card();
    check(
        &mut card,
        &[
            (SELECT_JPKI, "90 00"),
            (SELECT_AUTH_PIN, "90 00"),
            (WRONG_AUTH_PIN, "63 C2"),
            (WRONG_AUTH_PIN, "63 C1"),
            (RIGHT_AUTH_PIN, "90 00"),
            ("00 20 00 80", "90 00"),
            // A wrong try drops the verified state as well as a try.
            (WRONG_AUTH_PIN, "63 C2"),
            ("00 20 00 80", "63 C2"),
            (RIGHT_AUTH_PIN, "90 00"),
            // Selecting the application again starts a new security state.
            (SELECT_JPKI, "90 00"),
            (SELECT_AUTH_PIN, "90 00"),
            ("00 20 00 80", "63 C3"),
        ],
    );
    assert_eq!(card.file().jpki.auth.pin.tries_left(), 3);
    card.reset();
    check(&mut card, &[(SELECT_JPKI, "90 00"), (SELECT_AUTH_PIN, "90 00"), ("00 20 00 80", "63 C3")]);
}

#[test]
fn five_wrong_signing_passwords_lock() {
    check(
        &mut fixture::card(),
        &[
            (SELECT_JPKI, "90 00"),
            ("00 A4 02 0C 02 00 1B", "90 00"),
            ("00 20 00 80", "63 C5"),
            // Lower case is a different password to the chip; clients upper-case.
            ("00 20 00 80 06 61 62 63 31 32 33", "63 C4"),
            ("00 20 00 80 06 41 42 43 31 32 34", "63 C3"),
            ("00 20 00 80 06 41 42 43 31 32 34", "63 C2"),
            ("00 20 00 80 06 41 42 43 31 32 34", "63 C1"),
            ("00 20 00 80 06 41 42 43 31 32 34", "69 83"),
            ("00 20 00 80 06 41 42 43 31 32 33", "69 83"),
            // The auth PIN is a separate counter.
            (SELECT_AUTH_PIN, "90 00"),
            (RIGHT_AUTH_PIN, "90 00"),
        ],
    );
}

#[test]
fn pins_of_the_wrong_shape_cost_a_try() {
    check(
        &mut fixture::card(),
        &[
            (SELECT_JPKI, "90 00"),
            (SELECT_AUTH_PIN, "90 00"),
            ("00 20 00 80 05 31 32 33 34 35", "63 C2"),
            ("00 20 00 80 01 31", "63 C1"),
            ("00 20 00 80 04 31 32 33 34", "90 00"),
            ("00 A4 02 0C 02 00 1B", "90 00"),
            ("00 20 00 80 05 41 42 43 31 32", "63 C4"),
            ("00 20 00 80 11 41 42 43 31 32 33 41 42 43 31 32 33 41 42 43 31 32", "63 C3"),
        ],
    );
}

#[test]
fn support_pin_locks_after_three() {
    check(
        &mut fixture::card(),
        &[
            ("00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08", "90 00"),
            ("00 A4 02 0C 02 00 11", "90 00"),
            ("00 20 00 80", "63 C3"),
            // The JPKI auth PIN is not this AP's PIN, even if issued the same.
            (RIGHT_AUTH_PIN, "63 C2"),
            (RIGHT_AUTH_PIN, "63 C1"),
            (RIGHT_AUTH_PIN, "69 83"),
            ("00 20 00 80 04 35 36 37 38", "69 83"),
        ],
    );
}

#[test]
fn verify_needs_a_pin_ef_and_its_parameters() {
    check(
        &mut fixture::card(),
        &[
            ("00 20 00 80 04 31 32 33 34", "69 86"),
            (SELECT_JPKI, "90 00"),
            ("00 20 00 80 04 31 32 33 34", "69 86"),
            ("00 A4 02 0C 02 00 0A", "90 00"),
            ("00 20 00 80 04 31 32 33 34", "69 81"),
            (SELECT_AUTH_PIN, "90 00"),
            ("00 20 00 81 04 31 32 33 34", "6A 86"),
            ("00 20 01 80 04 31 32 33 34", "6A 86"),
            ("00 20 00 80 04 31 32 33 34 00", "67 00"),
            ("00 20 00 80 00", "67 00"),
            ("00 20 00 80 04 31 32 33", "67 00"),
            ("00 20 00 80", "63 C3"),
        ],
    );
}

#[test]
fn issuing_checks_pin_shapes_and_upper_cases_the_password() {
    for (auth_pin, sign_password, support_pin) in [
        ("123", "ABC123", "5678"),
        ("12a4", "ABC123", "5678"),
        ("1234", "ABC12", "5678"),
        ("1234", "ABCDEFGH123456789", "5678"),
        ("1234", "ABC-123", "5678"),
        ("1234", "ABC123", "56789"),
    ] {
        let issue = fixture::issue(Some(Pins {
            auth_pin: auth_pin.to_owned(),
            sign_password: sign_password.to_owned(),
            support_pin: support_pin.to_owned(),
        }));
        assert!(CardFile::issue(issue).is_err(), "{auth_pin} {sign_password} {support_pin}");
    }
    let issue = fixture::issue(Some(Pins { sign_password: "abc123".to_owned(), ..fixture::pins() }));
    let mut card = Card::new(CardFile::issue(issue).expect("valid"), InMemory).expect("card");
    check(
        &mut card,
        &[(SELECT_JPKI, "90 00"), ("00 A4 02 0C 02 00 1B", "90 00"), ("00 20 00 80 06 41 42 43 31 32 33", "90 00")],
    );
}

#[test]
fn issuing_checks_the_support_ap_fields() {
    let bad: [fn(&mut CardIssue); 5] = [
        |issue| issue.my_number = "12345678901".to_owned(),
        |issue| issue.my_number = "12345678901a".to_owned(),
        |issue| issue.sex = "3".to_owned(),
        |issue| issue.birth_date = "1980-04-01".to_owned(),
        |issue| issue.auth_key_pkcs8 = vec![0x30, 0x00],
    ];
    for (idx, spoil) in bad.iter().enumerate() {
        let mut issue = fixture::issue(Some(fixture::pins()));
        spoil(&mut issue);
        assert!(CardFile::issue(issue).is_err(), "case {idx}");
    }
}
