//! The reader's side: a connection to a card and a JPKI session over it.
//!
//! [`CardConnection`] sends command APDUs to a card and returns its response
//! APDUs, through onshi's local socket (`tcp://HOST:PORT`, the card served by
//! [`crate::serve_local`]) or, with the `pcsc` feature, through a PC/SC
//! reader (a real My Number card, or this emulator inside vsmartcard-vpcd).
//! [`JpkiSession`] speaks the JPKI applet (公的個人認証AP) over it with the
//! APDUs of REFERENCE.md §2: read the two certificates, query and verify the
//! user-authentication PIN (利用者証明用暗証番号) and the signing password
//! (署名用パスワード), and sign a DigestInfo with either key.
//!
//! Closing a connection resets the card, so a verified PIN never outlives
//! the session that verified it.

use std::io;

use crate::apdu::StatusWord;
use crate::applet::{JPKI_AID, VISUAL_AID};
use crate::file::{AUTH_PIN_TRIES, SIGN_PASSWORD_TRIES};
use crate::transport::LocalReader;

/// What went wrong talking to a card; each variant says what to do next.
#[derive(Debug, thiserror::Error)]
pub enum ReaderError {
    /// The target names neither the local socket nor PC/SC.
    #[error(
        "unknown card reader {target:?}: use tcp://HOST:PORT (a card served by `onshi card serve`), pcsc, or pcsc:READER NAME"
    )]
    BadTarget { target: String },
    /// No reader to talk to: pcscd is not running, there is no reader, or
    /// none has the requested name.
    #[error("no card reader: {detail}")]
    NoReader { detail: String },
    /// The reader is there but holds no card (or the card stopped answering).
    #[error("no card: {detail}")]
    NoCard { detail: String },
    /// A PIN or password of the wrong shape, refused before it reaches the
    /// card (where it would cost a try).
    #[error("the {pin} must be {rule}; nothing was sent to the card")]
    BadPinShape { pin: Pin, rule: &'static str },
    /// The card refused the PIN; `tries_left` more wrong ones lock it.
    #[error("wrong {pin}: {tries_left} {} left before the card locks it", if *tries_left == 1 { "try" } else { "tries" })]
    WrongPin { pin: Pin, tries_left: u8 },
    /// The PIN is locked (`69 83`, or `63 C0`); only the municipal office
    /// (市区町村窓口) can reset it.
    #[error("the {pin} is locked after too many wrong tries; it must be reset at the municipal office (市区町村窓口)")]
    Locked { pin: Pin },
    /// The card answered a status word the session does not expect.
    #[error("the card answered {:02X} {:02X} to {during}{}", sw.0, sw.1, hint(*sw))]
    Card { during: &'static str, sw: StatusWord },
    /// A certificate EF that does not start with a DER SEQUENCE, or whose
    /// DER length runs past the end of the EF.
    #[error("the {what} on the card is not a DER certificate ({detail}); the card may not be issued")]
    NotACertificate { what: &'static str, detail: String },
    /// A DigestInfo that does not fit a short command APDU.
    #[error("a DigestInfo of {len} bytes does not fit one APDU (1 to 255 bytes)")]
    BadDigestInfo { len: usize },
    /// The connection to the card or to the reader service failed.
    #[error("card reader connection failed: {0}")]
    Transport(#[from] io::Error),
}

fn hint(sw: StatusWord) -> &'static str {
    match (sw.0, sw.1) {
        (0x69, 0x82) => " (security status not satisfied: verify the PIN first)",
        (0x69, 0x84) => " (the card was issued without this PIN)",
        (0x6A, 0x82) => " (no such application or file: is this a My Number card?)",
        (0x65, 0x81) => " (memory failure: the card could not record the try)",
        _ => "",
    }
}

/// The two JPKI secrets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    /// 利用者証明用暗証番号: 4 digits, 3 tries.
    Auth,
    /// 署名用パスワード: 6 to 16 letters and digits, 5 tries.
    Sign,
}

impl std::fmt::Display for Pin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Pin::Auth => "user-authentication PIN (利用者証明用暗証番号)",
            Pin::Sign => "signing password (署名用パスワード)",
        })
    }
}

/// A card in a reader, ready for command APDUs.
#[derive(Debug)]
pub enum CardConnection {
    /// A card served on onshi's local socket.
    Local(LocalReader),
    /// A card in a PC/SC reader.
    #[cfg(feature = "pcsc")]
    Pcsc(PcscCard),
}

impl CardConnection {
    /// Connects to the card named by `target`:
    ///
    /// - `tcp://HOST:PORT`: a card served by `onshi card serve`;
    /// - `pcsc`: the first PC/SC reader with a card in it;
    /// - `pcsc:READER NAME`: that PC/SC reader.
    ///
    /// The card is powered on; [`CardConnection::atr`] has its answer to reset.
    pub async fn connect(target: &str) -> Result<CardConnection, ReaderError> {
        if let Some(addr) = target.strip_prefix("tcp://") {
            return connect_local(addr).await;
        }
        let reader = match target {
            "pcsc" => None,
            _ => match target.strip_prefix("pcsc:") {
                Some(name) if !name.is_empty() => Some(name.to_owned()),
                _ => return Err(ReaderError::BadTarget { target: target.to_owned() }),
            },
        };
        connect_pcsc(reader).await
    }

    /// Sends one command APDU and returns the response data followed by SW1 SW2.
    pub async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, ReaderError> {
        let response = match self {
            CardConnection::Local(local) => local.exchange(apdu).await?,
            #[cfg(feature = "pcsc")]
            CardConnection::Pcsc(card) => card.transmit(apdu).await?,
        };
        if response.len() < 2 {
            return Err(ReaderError::NoCard {
                detail: "the card gave no status word (powered off or pulled out); put it back and try again"
                    .to_owned(),
            });
        }
        Ok(response)
    }

    /// The card's answer to reset.
    pub fn atr(&self) -> &[u8] {
        match self {
            CardConnection::Local(local) => local.atr(),
            #[cfg(feature = "pcsc")]
            CardConnection::Pcsc(card) => card.atr(),
        }
    }

    /// Where the card is: `tcp://HOST:PORT` or the PC/SC reader's name.
    pub fn reader_name(&self) -> String {
        match self {
            CardConnection::Local(local) => match local.peer_addr() {
                Ok(addr) => format!("tcp://{addr}"),
                Err(_) => "tcp://(disconnected)".to_owned(),
            },
            #[cfg(feature = "pcsc")]
            CardConnection::Pcsc(card) => card.reader_name().to_owned(),
        }
    }
}

async fn connect_local(addr: &str) -> Result<CardConnection, ReaderError> {
    if addr.is_empty() {
        return Err(ReaderError::BadTarget { target: format!("tcp://{addr}") });
    }
    let mut reader = match LocalReader::connect(addr).await {
        Ok(reader) => reader,
        Err(error) if error.kind() == io::ErrorKind::ConnectionRefused => {
            return Err(ReaderError::NoCard {
                detail: format!("nothing answers at tcp://{addr}; start the card with `onshi card serve`"),
            });
        }
        Err(error) => {
            return Err(ReaderError::Transport(io::Error::new(
                error.kind(),
                format!("cannot connect to the card at tcp://{addr}: {error}"),
            )));
        }
    };
    let atr = reader.power_on().await?;
    if atr.is_empty() {
        return Err(ReaderError::NoCard { detail: format!("the card at tcp://{addr} did not answer to reset") });
    }
    Ok(CardConnection::Local(reader))
}

#[cfg(not(feature = "pcsc"))]
async fn connect_pcsc(_reader: Option<String>) -> Result<CardConnection, ReaderError> {
    Err(ReaderError::NoReader {
        detail: "this build has no PC/SC support; rebuild with the `pcsc` feature (needs libpcsclite-dev) or use tcp://HOST:PORT".to_owned(),
    })
}

#[cfg(feature = "pcsc")]
async fn connect_pcsc(reader: Option<String>) -> Result<CardConnection, ReaderError> {
    pcsc_reader::PcscCard::connect(reader).await.map(CardConnection::Pcsc)
}

#[cfg(feature = "pcsc")]
mod pcsc_reader {
    //! pcsc-lite is synchronous: every call runs on tokio's blocking pool.

    use std::ffi::CString;
    use std::io;
    use std::sync::Arc;

    use super::ReaderError;

    /// A card in a PC/SC reader, connected in shared mode.
    pub struct PcscCard {
        card: Option<Arc<pcsc::Card>>,
        atr: Vec<u8>,
        reader: String,
    }

    impl std::fmt::Debug for PcscCard {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("PcscCard").field("reader", &self.reader).field("atr", &self.atr).finish_non_exhaustive()
        }
    }

    impl PcscCard {
        pub(super) async fn connect(reader: Option<String>) -> Result<PcscCard, ReaderError> {
            tokio::task::spawn_blocking(move || connect_blocking(reader.as_deref()))
                .await
                .map_err(|error| ReaderError::Transport(io::Error::other(error)))?
        }

        pub(super) async fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, ReaderError> {
            let card = self.card.clone().ok_or_else(|| ReaderError::NoCard { detail: "disconnected".to_owned() })?;
            let apdu = apdu.to_vec();
            tokio::task::spawn_blocking(move || {
                let mut buffer = vec![0u8; pcsc::MAX_BUFFER_SIZE_EXTENDED];
                card.transmit(&apdu, &mut buffer).map(<[u8]>::to_vec)
            })
            .await
            .map_err(|error| ReaderError::Transport(io::Error::other(error)))?
            .map_err(|error| pcsc_error("transmit", error))
        }

        pub(super) fn atr(&self) -> &[u8] {
            &self.atr
        }

        pub(super) fn reader_name(&self) -> &str {
            &self.reader
        }
    }

    impl Drop for PcscCard {
        /// Resets the card, so that no verified PIN stays behind in the reader
        /// for the next application. A transmit still running on the blocking
        /// pool (a cancelled future) keeps its handle; the card is then left
        /// as it is.
        fn drop(&mut self) {
            if let Some(card) = self.card.take().and_then(|card| Arc::try_unwrap(card).ok()) {
                let _ = card.disconnect(pcsc::Disposition::ResetCard);
            }
        }
    }

    fn connect_blocking(wanted: Option<&str>) -> Result<PcscCard, ReaderError> {
        let context = pcsc::Context::establish(pcsc::Scope::User).map_err(|error| pcsc_error("connect", error))?;
        let readers = match context.list_readers_owned() {
            Ok(readers) => readers,
            Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
            Err(error) => return Err(pcsc_error("list readers", error)),
        };
        let names: Vec<String> = readers.iter().map(|name| name.to_string_lossy().into_owned()).collect();
        if readers.is_empty() {
            return Err(ReaderError::NoReader {
                detail: "pcscd knows no reader; plug one in (or start vsmartcard-vpcd's card)".to_owned(),
            });
        }
        let candidates: Vec<&CString> = match wanted {
            None => readers.iter().collect(),
            Some(wanted) => {
                let found: Vec<&CString> = readers.iter().filter(|name| name.to_string_lossy() == wanted).collect();
                if found.is_empty() {
                    return Err(ReaderError::NoReader {
                        detail: format!("no reader named {wanted:?}; readers: {}", names.join(", ")),
                    });
                }
                found
            }
        };
        for name in candidates {
            match context.connect(name, pcsc::ShareMode::Shared, pcsc::Protocols::ANY) {
                Ok(card) => {
                    let atr = card.status2_owned().map_err(|error| pcsc_error("read the ATR", error))?.atr().to_vec();
                    return Ok(PcscCard {
                        card: Some(Arc::new(card)),
                        atr,
                        reader: name.to_string_lossy().into_owned(),
                    });
                }
                Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard | pcsc::Error::UnpoweredCard) => continue,
                Err(error) => return Err(pcsc_error("connect to the card", error)),
            }
        }
        Err(ReaderError::NoCard {
            detail: match wanted {
                Some(wanted) => format!("reader {wanted:?} holds no card; insert the card and try again"),
                None => {
                    format!("no reader holds a card (readers: {}); insert the card and try again", names.join(", "))
                }
            },
        })
    }

    fn pcsc_error(during: &str, error: pcsc::Error) -> ReaderError {
        match error {
            pcsc::Error::NoService | pcsc::Error::ServiceStopped => {
                ReaderError::NoReader { detail: format!("the PC/SC service is not running ({error}); start pcscd") }
            }
            pcsc::Error::NoReadersAvailable | pcsc::Error::UnknownReader | pcsc::Error::ReaderUnavailable => {
                ReaderError::NoReader { detail: format!("{during}: {error}") }
            }
            pcsc::Error::NoSmartcard
            | pcsc::Error::RemovedCard
            | pcsc::Error::UnpoweredCard
            | pcsc::Error::UnresponsiveCard => {
                ReaderError::NoCard { detail: format!("{during}: {error}; insert the card and try again") }
            }
            _ => ReaderError::Transport(io::Error::other(format!("PC/SC {during}: {error}"))),
        }
    }
}

#[cfg(feature = "pcsc")]
pub use pcsc_reader::PcscCard;

/// The SHA-256 DigestInfo (RFC 8017 §9.2) of `message`, what the JPKI keys
/// sign: the card pads it (PKCS#1 v1.5 type 1) and applies the private key.
pub fn sha256_digest_info(message: &[u8]) -> Vec<u8> {
    const PREFIX: [u8; 19] = [
        0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04,
        0x20,
    ];
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, message);
    let mut out = PREFIX.to_vec();
    out.extend_from_slice(digest.as_ref());
    out
}

/// EFs of the JPKI applet (REFERENCE.md §2).
mod ef {
    pub(super) const AUTH_CERTIFICATE: u16 = 0x000A;
    pub(super) const AUTH_CA: u16 = 0x000B;
    pub(super) const SIGN_CERTIFICATE: u16 = 0x0001;
    pub(super) const SIGN_CA: u16 = 0x0002;
    pub(super) const AUTH_KEY: u16 = 0x0017;
    pub(super) const AUTH_PIN: u16 = 0x0018;
    pub(super) const SIGN_KEY: u16 = 0x001A;
    pub(super) const SIGN_PIN: u16 = 0x001B;
}

/// The JPKI applet (公的個人認証AP) of a card, selected once.
///
/// Selecting the applet clears every verified PIN, so the session selects
/// it once, in [`JpkiSession::open`], and afterwards selects only EFs: a PIN
/// verified through the session stays verified for the session's signatures.
#[derive(Debug)]
pub struct JpkiSession {
    connection: CardConnection,
}

impl JpkiSession {
    /// Selects the JPKI applet on the card.
    pub async fn open(connection: CardConnection) -> Result<JpkiSession, ReaderError> {
        let mut session = JpkiSession { connection };
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, JPKI_AID.len() as u8];
        apdu.extend_from_slice(&JPKI_AID);
        session.expect_ok(&apdu, "SELECT of the JPKI applet (公的個人認証AP)").await?;
        Ok(session)
    }

    /// The connection, e.g. to read its ATR or reader name.
    pub fn connection(&self) -> &CardConnection {
        &self.connection
    }

    /// Ends the session and returns the connection (the applet stays selected).
    pub fn into_connection(self) -> CardConnection {
        self.connection
    }

    /// The user-authentication certificate (利用者証明用電子証明書), DER; no PIN needed.
    pub async fn read_auth_certificate(&mut self) -> Result<Vec<u8>, ReaderError> {
        self.read_certificate(ef::AUTH_CERTIFICATE, "user-authentication certificate").await
    }

    /// The CA certificate that issued the user-authentication certificate, DER.
    pub async fn read_auth_ca_certificate(&mut self) -> Result<Vec<u8>, ReaderError> {
        self.read_certificate(ef::AUTH_CA, "user-authentication CA certificate").await
    }

    /// The signing certificate (署名用電子証明書), DER; the card answers only
    /// after [`JpkiSession::verify_sign_password`].
    pub async fn read_sign_certificate(&mut self) -> Result<Vec<u8>, ReaderError> {
        self.read_certificate(ef::SIGN_CERTIFICATE, "signing certificate").await
    }

    /// The CA certificate that issued the signing certificate, DER.
    pub async fn read_sign_ca_certificate(&mut self) -> Result<Vec<u8>, ReaderError> {
        self.read_certificate(ef::SIGN_CA, "signing CA certificate").await
    }

    /// Tries left for the user-authentication PIN, without spending one
    /// (VERIFY with no data); 0 when it is locked.
    pub async fn auth_pin_tries_left(&mut self) -> Result<u8, ReaderError> {
        self.tries_left(Pin::Auth).await
    }

    /// Tries left for the signing password, without spending one; 0 when locked.
    pub async fn sign_password_tries_left(&mut self) -> Result<u8, ReaderError> {
        self.tries_left(Pin::Sign).await
    }

    /// Verifies the 4-digit user-authentication PIN.
    pub async fn verify_auth_pin(&mut self, pin: &str) -> Result<(), ReaderError> {
        if pin.len() != 4 || !pin.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ReaderError::BadPinShape { pin: Pin::Auth, rule: "4 digits" });
        }
        self.verify(Pin::Auth, pin.as_bytes()).await
    }

    /// Verifies the signing password: 6 to 16 ASCII letters and digits,
    /// upper-cased before it is sent, as JPKI clients do.
    pub async fn verify_sign_password(&mut self, password: &str) -> Result<(), ReaderError> {
        if !(6..=16).contains(&password.len()) || !password.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ReaderError::BadPinShape { pin: Pin::Sign, rule: "6 to 16 letters (A-Z) and digits" });
        }
        self.verify(Pin::Sign, password.to_ascii_uppercase().as_bytes()).await
    }

    /// Signs `digest_info` (e.g. [`sha256_digest_info`]) with the
    /// user-authentication key, after [`JpkiSession::verify_auth_pin`].
    pub async fn sign_with_auth_key(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, ReaderError> {
        self.sign(ef::AUTH_KEY, digest_info, "COMPUTE DIGITAL SIGNATURE with the user-authentication key").await
    }

    /// Signs `digest_info` with the signing key, after
    /// [`JpkiSession::verify_sign_password`].
    pub async fn sign_with_sign_key(&mut self, digest_info: &[u8]) -> Result<Vec<u8>, ReaderError> {
        self.sign(ef::SIGN_KEY, digest_info, "COMPUTE DIGITAL SIGNATURE with the signing key").await
    }

    async fn tries_left(&mut self, pin: Pin) -> Result<u8, ReaderError> {
        let (fid, max) = match pin {
            Pin::Auth => (ef::AUTH_PIN, AUTH_PIN_TRIES),
            Pin::Sign => (ef::SIGN_PIN, SIGN_PASSWORD_TRIES),
        };
        self.select_ef(fid, "SELECT of the PIN EF").await?;
        let response = self.connection.transmit(&[0x00, 0x20, 0x00, 0x80]).await?;
        match status(&response) {
            // Verified in this session: no try has been spent since.
            StatusWord::OK => Ok(max),
            StatusWord(0x63, sw2) if sw2 & 0xF0 == 0xC0 => Ok(sw2 & 0x0F),
            StatusWord::BLOCKED => Ok(0),
            sw => Err(ReaderError::Card { during: "VERIFY (retry counter)", sw }),
        }
    }

    async fn verify(&mut self, pin: Pin, secret: &[u8]) -> Result<(), ReaderError> {
        let fid = match pin {
            Pin::Auth => ef::AUTH_PIN,
            Pin::Sign => ef::SIGN_PIN,
        };
        self.select_ef(fid, "SELECT of the PIN EF").await?;
        let mut apdu = vec![0x00, 0x20, 0x00, 0x80, secret.len() as u8];
        apdu.extend_from_slice(secret);
        let response = self.connection.transmit(&apdu).await?;
        match status(&response) {
            StatusWord::OK => Ok(()),
            StatusWord::BLOCKED | StatusWord(0x63, 0xC0) => Err(ReaderError::Locked { pin }),
            StatusWord(0x63, sw2) if sw2 & 0xF0 == 0xC0 => Err(ReaderError::WrongPin { pin, tries_left: sw2 & 0x0F }),
            sw => Err(ReaderError::Card { during: "VERIFY", sw }),
        }
    }

    async fn sign(&mut self, key: u16, digest_info: &[u8], during: &'static str) -> Result<Vec<u8>, ReaderError> {
        let Ok(lc) = u8::try_from(digest_info.len()) else {
            return Err(ReaderError::BadDigestInfo { len: digest_info.len() });
        };
        if lc == 0 {
            return Err(ReaderError::BadDigestInfo { len: 0 });
        }
        self.select_ef(key, "SELECT of the key EF").await?;
        let mut apdu = vec![0x80, 0x2A, 0x00, 0x80, lc];
        apdu.extend_from_slice(digest_info);
        apdu.push(0x00);
        let mut response = self.connection.transmit(&apdu).await?;
        match status(&response) {
            StatusWord::OK => {
                response.truncate(response.len() - 2);
                Ok(response)
            }
            sw => Err(ReaderError::Card { during, sw }),
        }
    }

    /// Reads a certificate EF the way the public clients do: 7 bytes for the
    /// DER header, then the rest in reads of at most 255 bytes, and nothing
    /// of the padding a real card keeps after the certificate.
    /// The face photo (顔写真) of the 券面確認AP, for a reader's face
    /// verification. Selecting that application clears every verified PIN;
    /// the JPKI applet is selected again before this returns.
    pub async fn read_face_photo(&mut self) -> Result<Vec<u8>, ReaderError> {
        let what = "券面確認AP face data";
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, VISUAL_AID.len() as u8];
        apdu.extend_from_slice(&VISUAL_AID);
        self.expect_ok(&apdu, "SELECT of the 券面確認AP").await?;
        let data = self.read_der_ef(0x0002, what).await;
        let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, JPKI_AID.len() as u8];
        apdu.extend_from_slice(&JPKI_AID);
        self.expect_ok(&apdu, "SELECT of the JPKI applet (公的個人認証AP)").await?;
        let data = data?;
        // SEQUENCE { … DF 27 photo … }: walk the items for the photo's tag.
        let header = data.len() - der_content_len(&data).unwrap_or(0);
        let mut items = &data[header.min(data.len())..];
        while items.len() > 2 {
            let tag_len = if items[0] & 0x1F == 0x1F { 2 } else { 1 };
            let Some(len) = der_total_len(&items[tag_len - 1..]) else { break };
            let item_end = tag_len - 1 + len;
            if item_end > items.len() {
                break;
            }
            let item = &items[..item_end];
            if item.starts_with(&[0xDF, 0x27]) {
                let content = der_content_len(&item[1..]).unwrap_or(0);
                return Ok(item[item.len() - content..].to_vec());
            }
            items = &items[item_end..];
        }
        Err(ReaderError::NotACertificate { what, detail: "it holds no photo (tag DF 27)".to_owned() })
    }

    async fn read_certificate(&mut self, fid: u16, what: &'static str) -> Result<Vec<u8>, ReaderError> {
        self.read_der_ef(fid, what).await
    }

    /// A whole EF holding one DER SEQUENCE.
    async fn read_der_ef(&mut self, fid: u16, what: &'static str) -> Result<Vec<u8>, ReaderError> {
        self.select_ef(fid, "SELECT of the certificate EF").await?;
        let head = self.read_binary(0, 7, "READ BINARY of the certificate EF").await?;
        let total = match der_total_len(&head) {
            Some(total) if head.first() == Some(&0x30) => total,
            _ => {
                return Err(ReaderError::NotACertificate { what, detail: format!("it starts with {}", hex(&head)) });
            }
        };
        let mut out = head;
        out.truncate(total);
        while out.len() < total {
            let want = (total - out.len()).min(255) as u8;
            let offset = u16::try_from(out.len()).map_err(|_| ReaderError::NotACertificate {
                what,
                detail: format!("its DER length {total} passes the 32 KiB an EF can hold"),
            })?;
            let chunk = self.read_binary(offset, want, "READ BINARY of the certificate EF").await?;
            if chunk.is_empty() {
                return Err(ReaderError::NotACertificate {
                    what,
                    detail: format!("its DER length is {total} bytes but the EF ends at {}", out.len()),
                });
            }
            out.extend_from_slice(&chunk);
        }
        out.truncate(total);
        Ok(out)
    }

    /// READ BINARY; the data. `62 82` (end of file before Le) returns what
    /// there was.
    async fn read_binary(&mut self, offset: u16, le: u8, during: &'static str) -> Result<Vec<u8>, ReaderError> {
        let [hi, lo] = offset.to_be_bytes();
        let mut response = self.connection.transmit(&[0x00, 0xB0, hi, lo, le]).await?;
        match status(&response) {
            StatusWord::OK | StatusWord::END_OF_FILE => {
                response.truncate(response.len() - 2);
                Ok(response)
            }
            sw => Err(ReaderError::Card { during, sw }),
        }
    }

    async fn select_ef(&mut self, fid: u16, during: &'static str) -> Result<(), ReaderError> {
        let [hi, lo] = fid.to_be_bytes();
        self.expect_ok(&[0x00, 0xA4, 0x02, 0x0C, 0x02, hi, lo], during).await
    }

    async fn expect_ok(&mut self, apdu: &[u8], during: &'static str) -> Result<(), ReaderError> {
        let response = self.connection.transmit(apdu).await?;
        match status(&response) {
            StatusWord::OK => Ok(()),
            sw => Err(ReaderError::Card { during, sw }),
        }
    }
}

/// SW1 SW2 of a response that [`CardConnection::transmit`] checked has two bytes.
fn status(response: &[u8]) -> StatusWord {
    match *response {
        [.., sw1, sw2] => StatusWord(sw1, sw2),
        _ => StatusWord(0, 0),
    }
}

/// Tag, length and value length of a DER element from its first bytes
/// (X.690 §8.1.2–8.1.3, single-byte tag, definite length).
/// The content length of the TLV at the start of `tlv` (one-byte tag).
fn der_content_len(tlv: &[u8]) -> Option<usize> {
    let total = der_total_len(tlv)?;
    let first = *tlv.get(1)?;
    let header = if first < 0x80 { 2 } else { 2 + usize::from(first & 0x7F) };
    total.checked_sub(header)
}

fn der_total_len(head: &[u8]) -> Option<usize> {
    let first = *head.get(1)?;
    if first < 0x80 {
        return Some(2 + usize::from(first));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 || n > 3 {
        return None;
    }
    let bytes = head.get(2..2 + n)?;
    Some(2 + n + bytes.iter().fold(0usize, |acc, b| acc << 8 | usize::from(*b)))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}
