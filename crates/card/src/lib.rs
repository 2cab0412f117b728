//! onshi's My Number card emulator.
//!
//! A virtual card ([`CardFile`], one JSON file per card) and the chip that
//! answers ISO/IEC 7816-4 command APDUs for it ([`Card::transmit`]): the JPKI
//! applet (公的個人認証AP: two RSA-2048 keys, their certificates and CAs,
//! the user-authentication PIN and the signing password) and the
//! 券面事項入力補助AP (My Number and the 4 attributes behind a 4-digit PIN).
//! [`transport`] puts the card on a local socket or into `vsmartcard-vpcd`;
//! [`reader`] is the other side, a reader talking to a card through that
//! socket or, with the `pcsc` feature, through any PC/SC reader.
//!
//! This crate does not issue certificates; it takes keys as PKCS#8 DER and
//! certificates as DER from whoever does.

pub mod apdu;
pub mod applet;
pub mod file;
pub mod reader;
pub mod transport;

pub use apdu::StatusWord;
pub use applet::{ATR, Card, CounterSink, InMemory, JPKI_AID, SUPPORT_AID, SaveToPath, VISUAL_AID};
pub use file::{CardFile, CardFileError, CardIssue, PinSlot, Pins};
pub use reader::{CardConnection, JpkiSession, ReaderError, sha256_digest_info};
pub use transport::{LocalReader, connect_vpcd, serve_local};
