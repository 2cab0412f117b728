//! The card's applets as one pure state machine: APDU in, response out.
//!
//! Three applications answer, each selected by its AID (ISO/IEC 7816-4 §11.1.1,
//! SELECT with P1 = `04`): the JPKI applet (公的個人認証AP), the
//! 券面事項入力補助AP and, for a reader's face verification, the
//! 券面確認AP with the face photo stand-in. Within the selected application, EFs are selected by
//! file identifier (P1 = `02`) and then read (READ BINARY, §11.2.3), verified
//! against (VERIFY, §11.5.6) or used to sign (the JPKI applet's proprietary
//! `80 2A 00 80` COMPUTE DIGITAL SIGNATURE). The byte values come from
//! REFERENCE.md §2, which agrees with three public client implementations.
//!
//! What a client cannot observe from those implementations is decided here
//! and documented on [`Card::transmit`]. The security state (selected
//! application and EF, PINs verified) lives only in memory and is lost on
//! reset, as on the chip; the retry counters live in the [`CardFile`] and
//! every change to them goes through a [`CounterSink`] before the status word
//! leaves the card.

use std::path::{Path, PathBuf};

use aws_lc_rs::digest;
use aws_lc_rs::signature::{self, RsaKeyPair};

use crate::apdu::{self, Command, StatusWord, respond};
use crate::file::{CardFile, CardFileError, PinRecord};

/// The answer to reset of the JPKI card (OpenSC's ATR table, REFERENCE.md §2).
pub const ATR: [u8; 9] = [0x3B, 0xE0, 0x00, 0xFF, 0x81, 0x31, 0xFE, 0x45, 0x14];
/// 公的個人認証AP.
pub const JPKI_AID: [u8; 10] = [0xD3, 0x92, 0xF0, 0x00, 0x26, 0x01, 0x00, 0x00, 0x00, 0x01];
/// 券面事項入力補助AP.
pub const SUPPORT_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];
/// 券面確認AP: the card's face as printed, including the photo (顔写真).
pub const VISUAL_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x02];
/// Content of the JPKI token EF `00 06`: the card's token, NUL-padded to 0x20 bytes.
pub const TOKEN: &[u8; 14] = b"JPKIAPICCTOKEN";

/// Where a changed retry counter goes before the card answers.
///
/// A wrong PIN must cost a try even if the card is pulled out (or the
/// process killed) right after the answer, so [`Card`] calls this first and
/// answers `65 81` (memory failure) when it fails.
pub trait CounterSink: Send {
    fn persist(&mut self, file: &CardFile) -> Result<(), CardFileError>;
}

/// Persists by rewriting the card file atomically ([`CardFile::save`]).
#[derive(Debug)]
pub struct SaveToPath(pub PathBuf);

impl CounterSink for SaveToPath {
    fn persist(&mut self, file: &CardFile) -> Result<(), CardFileError> {
        file.save(&self.0)
    }
}

/// Keeps counters in memory only, for tests and throwaway cards.
#[derive(Debug)]
pub struct InMemory;

impl CounterSink for InMemory {
    fn persist(&mut self, _file: &CardFile) -> Result<(), CardFileError> {
        Ok(())
    }
}

/// A powered card: the file, its keys ready to sign, and the session state.
pub struct Card {
    file: CardFile,
    auth_key: RsaKeyPair,
    sign_key: RsaKeyPair,
    sink: Box<dyn CounterSink>,
    my_number_ef: Vec<u8>,
    attributes_ef: Vec<u8>,
    visual_ef: Vec<u8>,
    session: Session,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Card").field("file", &self.file).finish_non_exhaustive()
    }
}

#[derive(Debug, Default)]
struct Session {
    app: Option<App>,
    ef: Option<Ef>,
    verified: [bool; 3],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum App {
    Jpki,
    Support,
    Visual,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PinId {
    Auth = 0,
    Sign = 1,
    Support = 2,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ef {
    AuthCertificate,
    AuthCa,
    SignCertificate,
    SignCa,
    Token,
    MyNumber,
    Attributes,
    /// 券面確認AP EF `00 02`.
    Visual,
    Pin(PinId),
    Key(PinId),
}

impl Card {
    /// Makes a card from its file; `sink` receives every counter change.
    pub fn new(file: CardFile, sink: impl CounterSink + 'static) -> Result<Card, CardFileError> {
        let key = |der: &[u8], field| {
            RsaKeyPair::from_pkcs8(der)
                .map_err(|_| CardFileError::Invalid { field, rule: "must be an RSA private key in PKCS#8 DER" })
        };
        let auth_key = key(&file.jpki.auth.key_pkcs8, "jpki.auth.key_pkcs8")?;
        let sign_key = key(&file.jpki.sign.key_pkcs8, "jpki.sign.key_pkcs8")?;
        let my_number_ef = my_number_ef(&file.support.my_number);
        let attributes_ef = attributes_ef(&file);
        let visual_ef = visual_ef(&file);
        Ok(Card {
            file,
            auth_key,
            sign_key,
            sink: Box::new(sink),
            my_number_ef,
            attributes_ef,
            visual_ef,
            session: Session::default(),
        })
    }

    /// Loads the card file at `path` and persists counters back to it.
    pub fn open(path: &Path) -> Result<Card, CardFileError> {
        Card::new(CardFile::load(path)?, SaveToPath(path.to_owned()))
    }

    /// The card's current file (counters as last changed).
    pub fn file(&self) -> &CardFile {
        &self.file
    }

    /// Cold or warm reset: forgets the selection and every verified PIN and
    /// returns the ATR.
    pub fn reset(&mut self) -> Vec<u8> {
        self.session = Session::default();
        ATR.to_vec()
    }

    /// Processes one command APDU and returns the response data followed by SW1 SW2.
    ///
    /// | command | APDU | answers |
    /// |---|---|---|
    /// | SELECT DF | `00 A4 04 0C Lc AID` | `90 00`; `6A 82` unknown AID |
    /// | SELECT EF | `00 A4 02 0C 02 FID` | `90 00`; `6A 82` no such EF in the selected DF (or none selected) |
    /// | READ BINARY | `00 B0 P1P2=offset Le` | data `90 00`; `62 82` fewer than an explicit Le left; `6B 00` offset at or past the end; `69 82` PIN needed; `69 86` no EF; `69 81` not a data EF |
    /// | VERIFY | `00 20 00 80 Lc PIN` | `90 00`; `63 Cx` wrong, x left; `69 83` blocked (also the try that blocks it); `69 84` card issued without PIN; `65 81` counter not persisted |
    /// | VERIFY (status) | `00 20 00 80` | `90 00` verified this session; `63 Cx`; `69 83`; `69 84` |
    /// | COMPUTE DIGITAL SIGNATURE | `80 2A 00 80 Lc DigestInfo 00` | signature `90 00`; `69 82` PIN not verified; `6A 80` not a SHA-256/384/512 DigestInfo |
    ///
    /// Any command: `6E 00` unknown CLA, `6D 00` unknown INS, `67 00` malformed
    /// or wrong Lc/Le, `6A 86` wrong P1-P2.
    ///
    /// A PIN of the wrong shape (not 4 digits, a password outside 6–16
    /// letters and digits) is compared like any other and costs a try: the
    /// chip compares reference data and knows nothing of the shape rules,
    /// which are the client's to enforce (myna and OpenSC check before they
    /// send), and not consuming a try would let a client probe the counter for
    /// free. A wrong try also clears that PIN's verified state (ISO/IEC 7816-4
    /// §11.5.6). Selecting an application clears every verified PIN.
    pub fn transmit(&mut self, apdu: &[u8]) -> Vec<u8> {
        let status = |sw| respond(Vec::new(), sw);
        // The class and instruction are checked before the length, the order
        // in which ISO/IEC 7816-4 §5.6 lists the checking errors.
        if let [cla, ins, ..] = *apdu {
            if cla != 0x00 && cla != 0x80 {
                return status(StatusWord::CLA_NOT_SUPPORTED);
            }
            match (cla, ins) {
                (0x00, 0xA4 | 0xB0 | 0x20) | (0x80, 0x2A) => {}
                (_, 0xA4 | 0xB0 | 0x20 | 0x2A) => return status(StatusWord::CLA_NOT_SUPPORTED),
                _ => return status(StatusWord::INS_NOT_SUPPORTED),
            }
        }
        let Some(command) = apdu::parse(apdu) else {
            return status(StatusWord::WRONG_LENGTH);
        };
        match command.ins {
            0xA4 => status(self.select(&command)),
            0xB0 => self.read_binary(&command),
            0x20 => status(self.verify(&command)),
            _ => self.compute_signature(&command),
        }
    }

    fn select(&mut self, command: &Command<'_>) -> StatusWord {
        if command.p2 != 0x0C || !matches!(command.p1, 0x02 | 0x04) {
            return StatusWord::WRONG_P1P2;
        }
        // P2 = 0C asks for no response data, so Le must be absent.
        if command.ne.is_some() || command.data.is_empty() {
            return StatusWord::WRONG_LENGTH;
        }
        if command.p1 == 0x04 {
            let app = match command.data {
                aid if aid == JPKI_AID => App::Jpki,
                aid if aid == SUPPORT_AID => App::Support,
                aid if aid == VISUAL_AID => App::Visual,
                _ => return StatusWord::FILE_NOT_FOUND,
            };
            self.session = Session { app: Some(app), ..Session::default() };
            return StatusWord::OK;
        }
        let [hi, lo] = *command.data else {
            return StatusWord::WRONG_LENGTH;
        };
        let ef = match (self.session.app, u16::from_be_bytes([hi, lo])) {
            (Some(App::Jpki), 0x000A) => Ef::AuthCertificate,
            (Some(App::Jpki), 0x000B) => Ef::AuthCa,
            (Some(App::Jpki), 0x0001) => Ef::SignCertificate,
            (Some(App::Jpki), 0x0002) => Ef::SignCa,
            (Some(App::Jpki), 0x0006) => Ef::Token,
            (Some(App::Jpki), 0x0017) => Ef::Key(PinId::Auth),
            (Some(App::Jpki), 0x0018) => Ef::Pin(PinId::Auth),
            (Some(App::Jpki), 0x001A) => Ef::Key(PinId::Sign),
            (Some(App::Jpki), 0x001B) => Ef::Pin(PinId::Sign),
            (Some(App::Support), 0x0001) => Ef::MyNumber,
            (Some(App::Support), 0x0002) => Ef::Attributes,
            (Some(App::Support), 0x0011) => Ef::Pin(PinId::Support),
            (Some(App::Visual), 0x0002) => Ef::Visual,
            _ => return StatusWord::FILE_NOT_FOUND,
        };
        self.session.ef = Some(ef);
        StatusWord::OK
    }

    fn read_binary(&mut self, command: &Command<'_>) -> Vec<u8> {
        let status = |sw| respond(Vec::new(), sw);
        let Some(ne) = command.ne else {
            return status(StatusWord::WRONG_LENGTH);
        };
        if !command.data.is_empty() {
            return status(StatusWord::WRONG_LENGTH);
        }
        // P1 bit 8 set would name a short EF identifier; neither applet uses one.
        if command.p1 & 0x80 != 0 {
            return status(StatusWord::WRONG_P1P2);
        }
        let (content, needs): (&[u8], Option<PinId>) = match self.session.ef {
            None => return status(StatusWord::NO_CURRENT_EF),
            Some(Ef::AuthCertificate) => (&self.file.jpki.auth.certificate, None),
            Some(Ef::AuthCa) => (&self.file.jpki.auth.ca_certificate, None),
            Some(Ef::SignCertificate) => (&self.file.jpki.sign.certificate, Some(PinId::Sign)),
            Some(Ef::SignCa) => (&self.file.jpki.sign.ca_certificate, None),
            Some(Ef::Token) => (&TOKEN_EF, None),
            Some(Ef::MyNumber) => (&self.my_number_ef, Some(PinId::Support)),
            Some(Ef::Attributes) => (&self.attributes_ef, Some(PinId::Support)),
            // FIXME(#5): the chip answers only after 照合番号B (birth date,
            // card expiry year and security code, which a reader reads off
            // the card's face); the card file does not hold the last two yet.
            Some(Ef::Visual) => (&self.visual_ef, None),
            Some(Ef::Pin(_) | Ef::Key(_)) => return status(StatusWord::INCOMPATIBLE_FILE),
        };
        if let Some(pin) = needs
            && !self.session.verified[pin as usize]
        {
            return status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let offset = usize::from(command.p1p2());
        if offset >= content.len() {
            return status(StatusWord::OFFSET_OUTSIDE_EF);
        }
        let end = content.len().min(offset + ne);
        // ISO/IEC 7816-4 §11.2.3: Le = 00 (or 00 00) asks for everything up to
        // the end of the EF within the limit, which is not an error; an
        // explicit Le that runs past the end is answered with the bytes there
        // are and the warning `62 82`.
        let sw = if end - offset < ne && ne != 256 && ne != 65536 { StatusWord::END_OF_FILE } else { StatusWord::OK };
        respond(content[offset..end].to_vec(), sw)
    }

    fn verify(&mut self, command: &Command<'_>) -> StatusWord {
        if command.p1 != 0x00 || command.p2 != 0x80 {
            return StatusWord::WRONG_P1P2;
        }
        if command.ne.is_some() {
            return StatusWord::WRONG_LENGTH;
        }
        let pin_id = match self.session.ef {
            Some(Ef::Pin(pin_id)) => pin_id,
            Some(_) => return StatusWord::INCOMPATIBLE_FILE,
            None => return StatusWord::NO_CURRENT_EF,
        };
        let record = self.pin_mut(pin_id);
        if !record.is_usable() {
            return StatusWord::REFERENCE_DATA_NOT_USABLE;
        }
        let tries_left = record.tries_left();
        if tries_left == 0 {
            return StatusWord::BLOCKED;
        }
        if command.data.is_empty() {
            return if self.session.verified[pin_id as usize] {
                StatusWord::OK
            } else {
                StatusWord::tries_left(tries_left)
            };
        }
        if record.matches(command.data) {
            let max = record.max_tries();
            if tries_left != max {
                record.set_tries_left(max);
                if self.sink.persist(&self.file).is_err() {
                    return StatusWord::MEMORY_FAILURE;
                }
            }
            self.session.verified[pin_id as usize] = true;
            StatusWord::OK
        } else {
            let tries_left = tries_left - 1;
            record.set_tries_left(tries_left);
            self.session.verified[pin_id as usize] = false;
            if self.sink.persist(&self.file).is_err() {
                return StatusWord::MEMORY_FAILURE;
            }
            if tries_left == 0 { StatusWord::BLOCKED } else { StatusWord::tries_left(tries_left) }
        }
    }

    fn compute_signature(&mut self, command: &Command<'_>) -> Vec<u8> {
        let status = |sw| respond(Vec::new(), sw);
        if command.p1 != 0x00 || command.p2 != 0x80 {
            return status(StatusWord::WRONG_P1P2);
        }
        // Case 4: a DigestInfo in, 256 signature bytes out.
        let Some(ne) = command.ne else {
            return status(StatusWord::WRONG_LENGTH);
        };
        if command.data.is_empty() || ne < 256 {
            return status(StatusWord::WRONG_LENGTH);
        }
        let key_id = match self.session.ef {
            Some(Ef::Key(key_id)) => key_id,
            Some(_) => return status(StatusWord::INCOMPATIBLE_FILE),
            None => return status(StatusWord::NO_CURRENT_EF),
        };
        if !self.session.verified[key_id as usize] {
            return status(StatusWord::SECURITY_NOT_SATISFIED);
        }
        let Some((encoding, digest)) = parse_digest_info(command.data) else {
            return status(StatusWord::WRONG_DATA);
        };
        let key = match key_id {
            PinId::Sign => &self.sign_key,
            _ => &self.auth_key,
        };
        let mut signature = vec![0u8; key.public_modulus_len()];
        match key.sign_digest(encoding, &digest, &mut signature) {
            Ok(()) => respond(signature, StatusWord::OK),
            Err(_) => status(StatusWord::WRONG_DATA),
        }
    }

    fn pin_mut(&mut self, pin_id: PinId) -> &mut PinRecord {
        match pin_id {
            PinId::Auth => &mut self.file.jpki.auth.pin,
            PinId::Sign => &mut self.file.jpki.sign.pin,
            PinId::Support => &mut self.file.support.pin,
        }
    }
}

const TOKEN_EF: [u8; 0x20] = {
    let mut ef = [0u8; 0x20];
    let mut i = 0;
    while i < TOKEN.len() {
        ef[i] = TOKEN[i];
        i += 1;
    }
    ef
};

/// Recognises the DigestInfo encodings of RFC 8017 §9.2 note 1 for the
/// hashes aws-lc-rs signs with PKCS#1 v1.5. The chip itself pads whatever
/// it is given (type-1 padding over raw bytes), so a SHA-1 DigestInfo or a
/// bare hash would be signed by a real card; aws-lc-rs exposes no raw RSA
/// private operation, so those answer `6A 80` here.
fn parse_digest_info(data: &[u8]) -> Option<(&'static signature::RsaSignatureEncoding, digest::Digest)> {
    const SHA256: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
        0x20,
    ];
    const SHA384: [u8; 19] = [
        0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04,
        0x30,
    ];
    const SHA512: [u8; 19] = [
        0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04,
        0x40,
    ];
    let (prefix, hash) = data.split_at_checked(19)?;
    let (encoding, algorithm) = match prefix {
        p if p == SHA256 => (&signature::RSA_PKCS1_SHA256, &digest::SHA256),
        p if p == SHA384 => (&signature::RSA_PKCS1_SHA384, &digest::SHA384),
        p if p == SHA512 => (&signature::RSA_PKCS1_SHA512, &digest::SHA512),
        _ => return None,
    };
    let digest = digest::Digest::import_less_safe(hash, algorithm).ok()?;
    Some((encoding, digest))
}

/// The My Number EF of the 券面事項入力補助AP: one TLV whose value is the
/// 12 ASCII digits, padded with `FF` to the 17 bytes clients read. The public
/// clients parse any tag, so the tag (private class, number 64: `DF 40`) is
/// ours.
fn my_number_ef(my_number: &str) -> Vec<u8> {
    let mut ef = tlv(&[0xDF, 0x40], my_number.as_bytes());
    ef.resize(17, 0xFF);
    ef
}

/// The 4-info EF: SEQUENCE { header, name, address, birth date, sex }, the
/// order the public clients read. The inner tags (`DF 21` … `DF 25`) and the
/// header's content (format version `01`, then the four value lengths as
/// 2-byte big-endian numbers) are ours; clients skip the header.
fn attributes_ef(file: &CardFile) -> Vec<u8> {
    let support = &file.support;
    let fields =
        [support.name.as_bytes(), support.address.as_bytes(), support.birth_date.as_bytes(), support.sex.as_bytes()];
    let mut header = vec![0x01];
    for field in fields {
        let len = u16::try_from(field.len()).expect("validated: fields fit in 4096 bytes");
        header.extend_from_slice(&len.to_be_bytes());
    }
    let mut body = tlv(&[0xDF, 0x21], &header);
    for (tag, field) in [0x22u8, 0x23, 0x24, 0x25].into_iter().zip(fields) {
        body.extend(tlv(&[0xDF, tag], field));
    }
    tlv(&[0x30], &body)
}

/// 券面確認AP EF `00 02`: a SEQUENCE of the printed face's items (REFERENCE.md
/// §2: header 33, birth date 34, sex 35, …, photo 39); this card holds the
/// photo stand-in only, under its tag `DF 27`.
fn visual_ef(file: &CardFile) -> Vec<u8> {
    tlv(&[0x30], &tlv(&[0xDF, 0x27], &file.face_photo))
}

/// A DER tag-length-value with the definite length in its shortest form
/// (X.690 §8.1.3).
fn tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = tag.to_vec();
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        let len = u16::try_from(len).expect("EF contents stay below 64 KiB");
        out.push(0x82);
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(value);
    out
}
