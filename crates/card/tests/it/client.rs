//! A client's view of the card: hex tables, and reading a file the way
//! myna does (select the application, select the EF, read 7 bytes, take the
//! DER length, read the rest).

use onshi_card::{Card, JPKI_AID};

pub(crate) fn hex(text: &str) -> Vec<u8> {
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    digits
        .chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("ascii"), 16).expect("hex"))
        .collect()
}

pub(crate) fn show(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}

/// Replays command/response pairs; a response written `…XXXX` only has its
/// status word checked.
#[track_caller]
pub(crate) fn check(card: &mut Card, table: &[(&str, &str)]) {
    for (idx, (command, expected)) in table.iter().enumerate() {
        let response = card.transmit(&hex(command));
        let got = if let Some(sw) = expected.strip_prefix('…') {
            assert!(response.len() >= 2, "step {idx}: {command}");
            (show(&response[response.len() - 2..]), show(&hex(sw)))
        } else {
            (show(&response), show(&hex(expected)))
        };
        assert_eq!(got.0, got.1, "step {idx}: {command}");
    }
}

pub(crate) fn select_ap(aid: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
    apdu.extend_from_slice(aid);
    apdu
}

pub(crate) fn select_ef(fid: u16) -> Vec<u8> {
    let [hi, lo] = fid.to_be_bytes();
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo]
}

pub(crate) fn read_binary(offset: u16, le: u8) -> Vec<u8> {
    let [hi, lo] = offset.to_be_bytes();
    vec![0x00, 0xB0, hi, lo, le]
}

pub(crate) fn verify(pin: &[u8]) -> Vec<u8> {
    let mut apdu = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
    apdu.extend_from_slice(pin);
    apdu
}

/// Splits a response into data and status word.
pub(crate) fn split(response: &[u8]) -> (&[u8], [u8; 2]) {
    let (data, sw) = response.split_at(response.len() - 2);
    (data, [sw[0], sw[1]])
}

/// Reads a DER-encoded EF through any transport: 7 bytes first, then the
/// rest in chunks of at most 255, as the public clients do.
pub(crate) fn read_der_ef(mut transmit: impl FnMut(&[u8]) -> Vec<u8>) -> Result<Vec<u8>, [u8; 2]> {
    let response = transmit(&read_binary(0, 7));
    let (head, sw) = split(&response);
    if sw != [0x90, 0x00] {
        return Err(sw);
    }
    let total = der_total_len(head).ok_or([0x00, 0x00])?;
    let mut out = head.to_vec();
    while out.len() < total {
        let chunk = (total - out.len()).min(255) as u8;
        let response = transmit(&read_binary(out.len() as u16, chunk));
        let (data, sw) = split(&response);
        if sw != [0x90, 0x00] {
            return Err(sw);
        }
        out.extend_from_slice(data);
    }
    out.truncate(total);
    Ok(out)
}

/// Tag + length + value length of a DER element from its first bytes
/// (X.690 §8.1.2 tags, including the high-tag-number form, and §8.1.3
/// definite lengths).
pub(crate) fn der_total_len(head: &[u8]) -> Option<usize> {
    let (header, len) = der_header(head)?;
    Some(header + len)
}

/// The header length and the value length of a DER element.
fn der_header(head: &[u8]) -> Option<(usize, usize)> {
    let mut idx = 1;
    if head.first()? & 0x1F == 0x1F {
        while head.get(idx)? & 0x80 != 0 {
            idx += 1;
        }
        idx += 1;
    }
    let first = *head.get(idx)?;
    if first < 0x80 {
        return Some((idx + 1, usize::from(first)));
    }
    let n = usize::from(first & 0x7F);
    let bytes = head.get(idx + 1..idx + 1 + n)?;
    let len = bytes.iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b));
    Some((idx + 1 + n, len))
}

/// The whole client sequence for the user-authentication certificate.
pub(crate) fn read_auth_certificate(card: &mut Card) -> Result<Vec<u8>, [u8; 2]> {
    for apdu in [select_ap(&JPKI_AID), select_ef(0x000A)] {
        let response = card.transmit(&apdu);
        if response != [0x90, 0x00] {
            return Err(split(&response).1);
        }
    }
    read_der_ef(|apdu| card.transmit(apdu))
}

/// A minimal DER walker for the tests: the elements inside a constructed value.
pub(crate) fn der_children(value: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let total = der_total_len(rest).expect("DER");
        out.push(&rest[..total]);
        rest = &rest[total..];
    }
    out
}

/// The value of a DER element.
pub(crate) fn der_value(element: &[u8]) -> &[u8] {
    let (header, len) = der_header(element).expect("DER");
    &element[header..header + len]
}

#[test]
fn reads_the_auth_certificate_like_a_client() {
    let mut card = crate::fixture::card();
    let certificate = read_auth_certificate(&mut card).expect("readable without PIN");
    assert_eq!(certificate, crate::fixture::keys().auth.certificate);
}
