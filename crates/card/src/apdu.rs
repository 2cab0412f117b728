//! Command APDUs and status words, as ISO/IEC 7816-4 §5 defines them.
//!
//! This module owns the byte-level shape of a command (the four cases of
//! ISO/IEC 7816-4 §5.1, short and extended length) and the status words the
//! card answers with. It knows nothing about files, PINs or keys; the applet
//! in [`crate::applet`] decides what a well-formed command means.

/// A status word (SW1 SW2), ISO/IEC 7816-4 §5.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusWord(pub u8, pub u8);

impl StatusWord {
    /// `90 00`: normal processing.
    pub const OK: StatusWord = StatusWord(0x90, 0x00);
    /// `62 82`: end of file reached before reading Ne bytes (ISO/IEC 7816-4 §11.1.3).
    pub const END_OF_FILE: StatusWord = StatusWord(0x62, 0x82);
    /// `65 81`: memory failure; here, the retry counter could not be persisted.
    pub const MEMORY_FAILURE: StatusWord = StatusWord(0x65, 0x81);
    /// `67 00`: wrong length (Lc or Le, or a malformed APDU).
    pub const WRONG_LENGTH: StatusWord = StatusWord(0x67, 0x00);
    /// `69 81`: command incompatible with file structure.
    pub const INCOMPATIBLE_FILE: StatusWord = StatusWord(0x69, 0x81);
    /// `69 82`: security status not satisfied.
    pub const SECURITY_NOT_SATISFIED: StatusWord = StatusWord(0x69, 0x82);
    /// `69 83`: authentication method blocked.
    pub const BLOCKED: StatusWord = StatusWord(0x69, 0x83);
    /// `69 84`: reference data not usable (a card issued without a PIN).
    pub const REFERENCE_DATA_NOT_USABLE: StatusWord = StatusWord(0x69, 0x84);
    /// `69 86`: command not allowed (no current EF).
    pub const NO_CURRENT_EF: StatusWord = StatusWord(0x69, 0x86);
    /// `6A 80`: incorrect parameters in the command data field.
    pub const WRONG_DATA: StatusWord = StatusWord(0x6A, 0x80);
    /// `6A 82`: file or application not found.
    pub const FILE_NOT_FOUND: StatusWord = StatusWord(0x6A, 0x82);
    /// `6A 86`: incorrect parameters P1-P2.
    pub const WRONG_P1P2: StatusWord = StatusWord(0x6A, 0x86);
    /// `6B 00`: wrong parameters P1-P2 (offset outside the EF).
    pub const OFFSET_OUTSIDE_EF: StatusWord = StatusWord(0x6B, 0x00);
    /// `6D 00`: instruction code not supported or invalid.
    pub const INS_NOT_SUPPORTED: StatusWord = StatusWord(0x6D, 0x00);
    /// `6E 00`: class not supported.
    pub const CLA_NOT_SUPPORTED: StatusWord = StatusWord(0x6E, 0x00);

    /// `63 Cx`: verification failed, `tries_left` further tries allowed.
    pub fn tries_left(tries_left: u8) -> StatusWord {
        StatusWord(0x63, 0xC0 | (tries_left & 0x0F))
    }
}

/// A parsed command APDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub cla: u8,
    pub ins: u8,
    pub p1: u8,
    pub p2: u8,
    /// The command data field; empty when Lc is absent (cases 1 and 2).
    pub data: &'a [u8],
    /// Ne, the maximum number of response bytes expected; `None` when Le is
    /// absent (cases 1 and 3). A short Le of `00` means 256 and an extended
    /// Le of `00 00` means 65536 (ISO/IEC 7816-4 §5.1).
    pub ne: Option<usize>,
}

impl Command<'_> {
    /// P1 and P2 as one big-endian number, as READ BINARY uses them for the offset.
    pub fn p1p2(&self) -> u16 {
        u16::from_be_bytes([self.p1, self.p2])
    }
}

/// Parses a command APDU, or says it is malformed (which the card answers
/// with `67 00`).
///
/// ISO/IEC 7816-4 §5.1 leaves no ambiguity once the length is known: four
/// bytes are case 1; a fifth byte alone is a short Le (case 2S); a non-zero
/// fifth byte is a short Lc followed by exactly Lc bytes and at most one Le
/// byte (cases 3S, 4S); a zero fifth byte followed by more bytes opens the
/// extended forms, where Lc and Le take two bytes each (cases 2E, 3E, 4E).
pub fn parse(apdu: &[u8]) -> Option<Command<'_>> {
    let (header, body) = apdu.split_at_checked(4)?;
    let [cla, ins, p1, p2] = [header[0], header[1], header[2], header[3]];
    let command = |data, ne| Command { cla, ins, p1, p2, data, ne };
    match body {
        [] => Some(command(&[], None)),
        [le] => Some(command(&[], Some(short_ne(*le)))),
        [0, rest @ ..] => {
            // Extended length: 2-byte Le alone, or 2-byte Lc, data, optional 2-byte Le.
            match rest {
                [hi, lo] => Some(command(&[], Some(extended_ne(*hi, *lo)))),
                [hi, lo, tail @ ..] => {
                    let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
                    if lc == 0 {
                        return None;
                    }
                    match tail.len().checked_sub(lc)? {
                        0 => Some(command(tail, None)),
                        2 => Some(command(&tail[..lc], Some(extended_ne(tail[lc], tail[lc + 1])))),
                        _ => None,
                    }
                }
                _ => None,
            }
        }
        [lc, tail @ ..] => {
            let lc = usize::from(*lc);
            match tail.len().checked_sub(lc)? {
                0 => Some(command(tail, None)),
                1 => Some(command(&tail[..lc], Some(short_ne(tail[lc])))),
                _ => None,
            }
        }
    }
}

fn short_ne(le: u8) -> usize {
    if le == 0 { 256 } else { usize::from(le) }
}

fn extended_ne(hi: u8, lo: u8) -> usize {
    match u16::from_be_bytes([hi, lo]) {
        0 => 65536,
        n => usize::from(n),
    }
}

/// Appends the status word to the response data.
pub(crate) fn respond(mut data: Vec<u8>, sw: StatusWord) -> Vec<u8> {
    data.push(sw.0);
    data.push(sw.1);
    data
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases() {
        let c = parse(&[0, 0x20, 0, 0x80]).expect("case 1");
        assert_eq!((c.data.len(), c.ne), (0, None));
        let c = parse(&[0, 0xB0, 0, 0, 0]).expect("case 2S");
        assert_eq!(c.ne, Some(256));
        let c = parse(&[0, 0xA4, 2, 0x0C, 2, 0, 0x0A]).expect("case 3S");
        assert_eq!((c.data, c.ne), (&[0u8, 0x0A][..], None));
        let c = parse(&[0x80, 0x2A, 0, 0x80, 1, 9, 0]).expect("case 4S");
        assert_eq!((c.data, c.ne), (&[9u8][..], Some(256)));
        let c = parse(&[0, 0xB0, 0, 0, 0, 0, 0]).expect("case 2E");
        assert_eq!(c.ne, Some(65536));
        let c = parse(&[0, 0x20, 0, 0x80, 0, 0, 1, 7]).expect("case 3E");
        assert_eq!((c.data, c.ne), (&[7u8][..], None));
        let c = parse(&[0, 0x20, 0, 0x80, 0, 0, 1, 7, 1, 0]).expect("case 4E");
        assert_eq!((c.data, c.ne), (&[7u8][..], Some(256)));
        for bad in [
            &[][..],
            &[0, 0xA4, 4],
            &[0, 0xA4, 2, 0x0C, 2, 0],
            &[0, 0xA4, 2, 0x0C, 2, 0, 1, 2, 3],
            &[0, 0xB0, 0, 0, 0, 0],
            &[0, 0x20, 0, 0x80, 0, 0, 2, 7],
            &[0, 0x20, 0, 0x80, 0, 0, 1, 7, 1],
        ] {
            assert_eq!(parse(bad), None, "{bad:02X?}");
        }
    }
}
