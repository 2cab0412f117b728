//! Every command and status word of `Card::transmit`, as APDU tables.

use onshi_card::{Card, CardFile, InMemory};

use crate::client::{check, der_children, der_value, hex, read_der_ef, show, split};
use crate::fixture;

const SELECT_JPKI: &str = "00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01";
const SELECT_SUPPORT: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 08";
const SELECT_VISUAL: &str = "00 A4 04 0C 0A D3 92 10 00 31 00 01 01 04 02";

#[test]
fn class_instruction_and_length_errors() {
    check(
        &mut fixture::card(),
        &[
            ("10 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "6E 00"),
            ("FF", "67 00"),
            ("", "67 00"),
            ("84 B0 00 00 00", "6E 00"),
            ("80 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01", "6E 00"),
            ("00 2A 00 80 01 00 00", "6E 00"),
            ("00 CA 01 00 00", "6D 00"),
            ("00 24 01 80 04 31 32 33 34", "6D 00"),
            ("00 A4 04", "67 00"),
            ("00 A4 04 0C 0A D3 92 F0", "67 00"),
            ("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 01 00", "67 00"),
            ("00 A4 04 0C", "67 00"),
            ("00 A4 04 00 0A D3 92 F0 00 26 01 00 00 00 01", "6A 86"),
            ("00 A4 01 0C 02 00 0A", "6A 86"),
        ],
    );
}

#[test]
fn select() {
    check(
        &mut fixture::card(),
        &[
            ("00 A4 02 0C 02 00 0A", "6A 82"),
            ("00 A4 04 0C 0A D3 92 F0 00 26 01 00 00 00 02", "6A 82"),
            // 券面確認AP: its data EF (the face photo stand-in) and nothing else.
            (SELECT_VISUAL, "90 00"),
            ("00 A4 02 0C 02 00 02", "90 00"),
            ("00 A4 02 0C 02 00 01", "6A 82"),
            ("00 A4 02 0C 02 00 13", "6A 82"),
            (SELECT_JPKI, "90 00"),
            ("00 A4 02 0C 02 00 0A", "90 00"),
            ("00 A4 02 0C 02 00 0B", "90 00"),
            ("00 A4 02 0C 02 00 01", "90 00"),
            ("00 A4 02 0C 02 00 02", "90 00"),
            ("00 A4 02 0C 02 00 06", "90 00"),
            ("00 A4 02 0C 02 00 17", "90 00"),
            ("00 A4 02 0C 02 00 18", "90 00"),
            ("00 A4 02 0C 02 00 1A", "90 00"),
            ("00 A4 02 0C 02 00 1B", "90 00"),
            ("00 A4 02 0C 02 00 11", "6A 82"),
            ("00 A4 02 0C 03 00 0A 00", "67 00"),
            ("00 A4 02 0C 01 0A", "67 00"),
            ("00 A4 02 0C 02 00 0A 00", "67 00"),
            (SELECT_SUPPORT, "90 00"),
            ("00 A4 02 0C 02 00 01", "90 00"),
            ("00 A4 02 0C 02 00 02", "90 00"),
            ("00 A4 02 0C 02 00 11", "90 00"),
            ("00 A4 02 0C 02 00 0A", "6A 82"),
        ],
    );
}

#[test]
fn read_binary() {
    let token = {
        let mut token = b"JPKIAPICCTOKEN".to_vec();
        token.resize(0x20, 0);
        format!("{} 90 00", show(&token))
    };
    let certificate = &fixture::keys().auth.certificate;
    let last = certificate.len() - 1;
    let last_byte = format!("{:02X} 90 00", certificate[last]);
    let last_byte_short = format!("{:02X} 62 82", certificate[last]);
    let at_last = |le: u8| format!("00 B0 {} {le:02X}", show(&(last as u16).to_be_bytes()));
    let at_end = format!("00 B0 {} 01", show(&(certificate.len() as u16).to_be_bytes()));
    check(
        &mut fixture::card(),
        &[
            ("00 B0 00 00 01", "69 86"),
            (SELECT_JPKI, "90 00"),
            ("00 B0 00 00 01", "69 86"),
            ("00 A4 02 0C 02 00 06", "90 00"),
            ("00 B0 00 00 20", &token),
            ("00 B0 00 00 00", &token),
            ("00 B0 00 00 00 00 00", &token),
            ("00 B0 00 1F 01", "00 90 00"),
            ("00 B0 00 1F 02", "00 62 82"),
            ("00 B0 00 20 01", "6B 00"),
            ("00 B0 7F FF 01", "6B 00"),
            ("00 B0 81 00 01", "6A 86"),
            ("00 B0 00 00", "67 00"),
            ("00 B0 00 00 01 00", "67 00"),
            ("00 B0 00 00 01 00 01", "67 00"),
            ("00 A4 02 0C 02 00 0A", "90 00"),
            ("00 B0 00 00 04", "…90 00"),
            (&at_last(1), &last_byte),
            (&at_last(0), &last_byte),
            (&at_last(2), &last_byte_short),
            (&at_end, "6B 00"),
            ("00 A4 02 0C 02 00 0B", "90 00"),
            ("00 B0 00 00 04", "…90 00"),
            ("00 A4 02 0C 02 00 02", "90 00"),
            ("00 B0 00 00 04", "…90 00"),
            ("00 A4 02 0C 02 00 01", "90 00"),
            ("00 B0 00 00 04", "69 82"),
            ("00 A4 02 0C 02 00 18", "90 00"),
            ("00 B0 00 00 04", "69 81"),
            ("00 A4 02 0C 02 00 17", "90 00"),
            ("00 B0 00 00 04", "69 81"),
            (SELECT_SUPPORT, "90 00"),
            ("00 A4 02 0C 02 00 01", "90 00"),
            ("00 B0 00 00 11", "69 82"),
            ("00 A4 02 0C 02 00 02", "90 00"),
            ("00 B0 00 00 00", "69 82"),
        ],
    );
}

#[test]
fn sign_certificate_needs_the_signing_password() {
    let mut card = fixture::card();
    check(
        &mut card,
        &[
            (SELECT_JPKI, "90 00"),
            ("00 A4 02 0C 02 00 1B", "90 00"),
            ("00 20 00 80 06 41 42 43 31 32 33", "90 00"),
            ("00 A4 02 0C 02 00 01", "90 00"),
        ],
    );
    let certificate = read_der_ef(|apdu| card.transmit(apdu)).expect("readable");
    assert_eq!(certificate, fixture::keys().sign.certificate);
    check(&mut card, &[("00 A4 02 0C 02 00 02", "90 00")]);
    let ca = read_der_ef(|apdu| card.transmit(apdu)).expect("readable");
    assert_eq!(ca, fixture::keys().sign.ca_certificate);
    // The auth CA needs nothing.
    check(&mut card, &[("00 A4 02 0C 02 00 0B", "90 00")]);
    let ca = read_der_ef(|apdu| card.transmit(apdu)).expect("readable");
    assert_eq!(ca, fixture::keys().auth.ca_certificate);
}

#[test]
fn support_ap_my_number_and_four_attributes() {
    let mut card = fixture::card();
    check(
        &mut card,
        &[
            (SELECT_SUPPORT, "90 00"),
            ("00 A4 02 0C 02 00 11", "90 00"),
            ("00 20 00 80 04 35 36 37 38", "90 00"),
            ("00 A4 02 0C 02 00 01", "90 00"),
        ],
    );
    let response = card.transmit(&hex("00 B0 00 00 11"));
    let (data, sw) = split(&response);
    assert_eq!(sw, [0x90, 0x00]);
    assert_eq!(data.len(), 17);
    assert_eq!(&data[..3], [0xDF, 0x40, 0x0C]);
    assert_eq!(&data[3..15], fixture::MY_NUMBER.as_bytes());

    check(&mut card, &[("00 A4 02 0C 02 00 02", "90 00")]);
    let attributes = read_der_ef(|apdu| card.transmit(apdu)).expect("readable");
    assert_eq!(attributes[0], 0x30);
    let fields = der_children(der_value(&attributes));
    let texts: Vec<&str> =
        fields[1..].iter().map(|field| std::str::from_utf8(der_value(field)).expect("UTF-8")).collect();
    assert_eq!(texts, ["番号 花子", "東京都千代田区霞が関二丁目1番2号", "19800401", "2"]);
    assert_eq!(fields.len(), 5);
}

#[test]
fn reset_returns_the_atr_and_forgets_the_selection() {
    let mut card = fixture::card();
    check(&mut card, &[(SELECT_JPKI, "90 00"), ("00 A4 02 0C 02 00 0A", "90 00")]);
    assert_eq!(show(&card.reset()), "3B E0 00 FF 81 31 FE 45 14");
    check(&mut card, &[("00 B0 00 00 01", "69 86"), ("00 A4 02 0C 02 00 0A", "6A 82")]);
}

#[test]
fn card_without_pin_only_shows_its_certificate() {
    let file = CardFile::issue(fixture::issue(None)).expect("a card without PIN");
    assert!(file.no_pin);
    let mut card = Card::new(file, InMemory).expect("card");
    let sign_without_pin = {
        let mut apdu = hex("80 2A 00 80 33 30 31 30 0D 06 09 60 86 48 01 65 03 04 02 01 05 00 04 20");
        apdu.extend_from_slice(&[0u8; 32]);
        apdu.push(0x00);
        show(&apdu)
    };
    check(
        &mut card,
        &[
            (SELECT_JPKI, "90 00"),
            ("00 A4 02 0C 02 00 18", "90 00"),
            ("00 20 00 80", "69 84"),
            ("00 20 00 80 04 31 32 33 34", "69 84"),
            ("00 20 00 80 04 31 32 33 34", "69 84"),
            ("00 20 00 80 04 31 32 33 34", "69 84"),
            ("00 20 00 80 04 31 32 33 34", "69 84"),
            ("00 A4 02 0C 02 00 1B", "90 00"),
            ("00 20 00 80 06 41 42 43 31 32 33", "69 84"),
            ("00 A4 02 0C 02 00 17", "90 00"),
            (&sign_without_pin, "69 82"),
            (SELECT_SUPPORT, "90 00"),
            ("00 A4 02 0C 02 00 11", "90 00"),
            ("00 20 00 80 04 35 36 37 38", "69 84"),
        ],
    );
    let certificate = crate::client::read_auth_certificate(&mut card).expect("no PIN needed");
    assert_eq!(certificate, fixture::keys().auth.certificate);
}

#[test]
fn the_visual_ap_serves_the_face_photo_stand_in() {
    // The fixture's photo stand-in is "face": SEQUENCE { DF 27 "face" }.
    check(
        &mut fixture::card(),
        &[
            (SELECT_VISUAL, "90 00"),
            ("00 A4 02 0C 02 00 02", "90 00"),
            ("00 B0 00 00 00", "30 07 DF 27 04 66 61 63 65 90 00"),
            ("00 B0 00 00 04", "30 07 DF 27 90 00"),
            ("00 B0 00 09 01", "6B 00"),
            // Selecting it left the JPKI applet: its EFs are not here.
            ("00 A4 02 0C 02 00 17", "6A 82"),
        ],
    );
}
