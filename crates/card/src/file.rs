//! The virtual card file: everything the chip of one My Number card keeps.
//!
//! One JSON document per card, written atomically so that a retry counter
//! decremented by a wrong PIN survives the process being killed the moment
//! after (write a temporary file in the same directory, fsync it, rename it
//! over the old file, fsync the directory).
//!
//! # Format (`"format": "onshi-card/1"`)
//!
//! ```text
//! {
//!   "format": "onshi-card/1",
//!   "serial": "…",                      card serial (製造番号 stand-in)
//!   "no_pin": false,                    issued without PINs (face verification only)
//!   "jpki": {
//!     "auth": { "key_pkcs8": hex, "certificate": hex, "ca_certificate": hex, "pin": PIN },
//!     "sign": { "key_pkcs8": hex, "certificate": hex, "ca_certificate": hex, "pin": PIN }
//!   },
//!   "support": {                        券面事項入力補助AP
//!     "pin": PIN, "my_number": "123456789012", "name": "…", "address": "…",
//!     "birth_date": "YYYYMMDD", "sex": "1" | "2" | "9"
//!   },
//!   "face_photo": hex                   stand-in for the photo printed on the card
//! }
//! PIN = { "salt": hex(16 bytes), "sha256": hex(SHA-256(salt ‖ PIN bytes)),
//!         "tries_left": n, "max_tries": n }
//! ```
//!
//! Keys are PKCS#8 DER, certificates X.509 DER, both hex-encoded. The real
//! card compares PINs inside the chip; the file only has to avoid holding a
//! PIN in clear, hence a salted SHA-256. A 4-digit PIN is still trivially
//! brute-forced from the file, which holds the private keys anyway: the file
//! must be protected as the chip would be (it is created with mode 0600).
//! For a `no_pin` card the salt and hash are empty and no PIN ever matches.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use aws_lc_rs::{constant_time, digest, rand::SecureRandom as _, rand::SystemRandom};
use serde::{Deserialize, Serialize};

/// The `format` value this version writes and reads.
pub const FORMAT: &str = "onshi-card/1";

/// Tries before the user-authentication PIN locks (DESIGN.md).
pub const AUTH_PIN_TRIES: u8 = 3;
/// Tries before the signing password locks (DESIGN.md).
pub const SIGN_PASSWORD_TRIES: u8 = 5;
/// Tries before the 券面事項入力補助用暗証番号 locks; the public
/// implementations do not say, and the card issues it like the
/// user-authentication PIN, so it gets the same 3.
pub const SUPPORT_PIN_TRIES: u8 = 3;

/// The largest EF this card serves: READ BINARY addresses at most a 15-bit
/// offset (ISO/IEC 7816-4 §11.2.3, P1 bit 8 clear).
pub const MAX_EF_LEN: usize = 0x7FFF;

/// The persistent state of one virtual card.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CardFile {
    pub format: String,
    pub serial: String,
    pub no_pin: bool,
    pub jpki: Jpki,
    pub support: Support,
    #[serde(with = "hex")]
    pub face_photo: Vec<u8>,
}

/// The JPKI applet's two key slots.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Jpki {
    /// 利用者証明用: key EF `00 17`, PIN EF `00 18`, certificate EF `00 0A`, CA `00 0B`.
    pub auth: KeySlot,
    /// 署名用: key EF `00 1A`, PIN EF `00 1B`, certificate EF `00 01`, CA `00 02`.
    pub sign: KeySlot,
}

/// A private key, its certificate, the issuing CA's certificate and the PIN guarding the key.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeySlot {
    #[serde(with = "hex")]
    pub key_pkcs8: Vec<u8>,
    #[serde(with = "hex")]
    pub certificate: Vec<u8>,
    #[serde(with = "hex")]
    pub ca_certificate: Vec<u8>,
    pub pin: PinRecord,
}

/// The 券面事項入力補助AP's data.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Support {
    pub pin: PinRecord,
    pub my_number: String,
    pub name: String,
    pub address: String,
    pub birth_date: String,
    pub sex: String,
}

/// A PIN as the file keeps it: salted hash and retry counter.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinRecord {
    #[serde(with = "hex")]
    salt: Vec<u8>,
    #[serde(with = "hex")]
    sha256: Vec<u8>,
    tries_left: u8,
    max_tries: u8,
}

/// What a municipality hands over to make a card file.
pub struct CardIssue {
    pub serial: String,
    pub auth_key_pkcs8: Vec<u8>,
    pub auth_certificate: Vec<u8>,
    pub auth_ca_certificate: Vec<u8>,
    pub sign_key_pkcs8: Vec<u8>,
    pub sign_certificate: Vec<u8>,
    pub sign_ca_certificate: Vec<u8>,
    /// `None` issues a card without PINs (for people who cannot manage one).
    pub pins: Option<Pins>,
    pub my_number: String,
    pub name: String,
    pub address: String,
    /// `YYYYMMDD`.
    pub birth_date: String,
    /// `"1"` male, `"2"` female, `"9"` not applicable.
    pub sex: String,
    pub face_photo: Vec<u8>,
}

/// One of the card's three PINs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PinSlot {
    /// 利用者証明用電子証明書暗証番号 (4 digits).
    UserAuthentication,
    /// 署名用電子証明書暗証番号 (6–16 letters and digits).
    Signing,
    /// 券面事項入力補助用暗証番号 (4 digits).
    Support,
}

impl PinSlot {
    /// The name used in card files, commands and the card's history.
    pub fn field(self) -> &'static str {
        match self {
            PinSlot::UserAuthentication => "auth_pin",
            PinSlot::Signing => "sign_password",
            PinSlot::Support => "support_pin",
        }
    }
}

/// The three PINs chosen at issuance.
pub struct Pins {
    /// 利用者証明用電子証明書暗証番号: 4 digits.
    pub auth_pin: String,
    /// 署名用電子証明書暗証番号: 6–16 letters and digits; letters are stored
    /// upper-cased, as JPKI clients (myna) upper-case what the user types.
    pub sign_password: String,
    /// 券面事項入力補助用暗証番号: 4 digits.
    pub support_pin: String,
}

/// Why a card file could not be made, read or written.
#[derive(Debug, thiserror::Error)]
pub enum CardFileError {
    #[error("card file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("card file is not valid JSON of format {FORMAT}: {0}")]
    Json(#[from] serde_json::Error),
    #[error("card file format {found:?} is not {FORMAT}")]
    Format { found: String },
    #[error("card field {field}: {rule}")]
    Invalid { field: &'static str, rule: &'static str },
}

impl std::fmt::Debug for CardFile {
    // Keys, PIN hashes and the My Number never reach a log line.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardFile").field("serial", &self.serial).field("no_pin", &self.no_pin).finish_non_exhaustive()
    }
}

impl CardFile {
    /// Makes the file of a newly issued card, checking every field.
    pub fn issue(issue: CardIssue) -> Result<CardFile, CardFileError> {
        let (auth_pin, sign_pin, support_pin) = match &issue.pins {
            Some(pins) => {
                check_digits(&pins.auth_pin, "auth_pin")?;
                check_digits(&pins.support_pin, "support_pin")?;
                let password = pins.sign_password.to_ascii_uppercase();
                check_password(&password)?;
                (
                    PinRecord::new(pins.auth_pin.as_bytes(), AUTH_PIN_TRIES)?,
                    PinRecord::new(password.as_bytes(), SIGN_PASSWORD_TRIES)?,
                    PinRecord::new(pins.support_pin.as_bytes(), SUPPORT_PIN_TRIES)?,
                )
            }
            None => (
                PinRecord::unusable(AUTH_PIN_TRIES),
                PinRecord::unusable(SIGN_PASSWORD_TRIES),
                PinRecord::unusable(SUPPORT_PIN_TRIES),
            ),
        };
        let file = CardFile {
            format: FORMAT.to_owned(),
            serial: issue.serial,
            no_pin: issue.pins.is_none(),
            jpki: Jpki {
                auth: KeySlot {
                    key_pkcs8: issue.auth_key_pkcs8,
                    certificate: issue.auth_certificate,
                    ca_certificate: issue.auth_ca_certificate,
                    pin: auth_pin,
                },
                sign: KeySlot {
                    key_pkcs8: issue.sign_key_pkcs8,
                    certificate: issue.sign_certificate,
                    ca_certificate: issue.sign_ca_certificate,
                    pin: sign_pin,
                },
            },
            support: Support {
                pin: support_pin,
                my_number: issue.my_number,
                name: issue.name,
                address: issue.address,
                birth_date: issue.birth_date,
                sex: issue.sex,
            },
            face_photo: issue.face_photo,
        };
        file.validate()?;
        Ok(file)
    }

    /// A municipality's reset of a locked PIN (暗証番号の初期化・再設定):
    /// the PIN is replaced by `new_pin`, checked for its shape, with a full
    /// retry counter. Refused on a card issued without PINs.
    pub fn reset_pin(&mut self, which: PinSlot, new_pin: &str) -> Result<(), CardFileError> {
        if self.no_pin {
            return Err(CardFileError::Invalid { field: which.field(), rule: "this card was issued without PINs" });
        }
        let (record, value) = match which {
            PinSlot::UserAuthentication => {
                check_digits(new_pin, "auth_pin")?;
                (&mut self.jpki.auth.pin, new_pin.to_owned())
            }
            PinSlot::Signing => {
                let password = new_pin.to_ascii_uppercase();
                check_password(&password)?;
                (&mut self.jpki.sign.pin, password)
            }
            PinSlot::Support => {
                check_digits(new_pin, "support_pin")?;
                (&mut self.support.pin, new_pin.to_owned())
            }
        };
        *record = PinRecord::new(value.as_bytes(), record.max_tries())?;
        Ok(())
    }

    /// Reads and checks a card file.
    pub fn load(path: &Path) -> Result<CardFile, CardFileError> {
        let bytes = fs::read(path).map_err(|source| CardFileError::Io { path: path.to_owned(), source })?;
        CardFile::from_json(&bytes)
    }

    /// Parses and checks the JSON form.
    pub fn from_json(bytes: &[u8]) -> Result<CardFile, CardFileError> {
        let file: CardFile = serde_json::from_slice(bytes)?;
        if file.format != FORMAT {
            return Err(CardFileError::Format { found: file.format });
        }
        file.validate()?;
        Ok(file)
    }

    /// The JSON form.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).expect("a CardFile has only strings, numbers and bools")
    }

    /// Writes the file atomically: a reader (or a restarted card process)
    /// sees either the old or the new file, never a torn one.
    pub fn save(&self, path: &Path) -> Result<(), CardFileError> {
        let io = |source| CardFileError::Io { path: path.to_owned(), source };
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let name = path.file_name().ok_or_else(|| {
            io(std::io::Error::new(std::io::ErrorKind::InvalidInput, "card file path has no file name"))
        })?;
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{}.tmp", std::process::id()));
        let tmp = dir.join(tmp_name);
        let mut options = fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            // The file holds private keys.
            options.mode(0o600);
        }
        let result = (|| {
            let mut out = options.open(&tmp)?;
            out.write_all(&self.to_json())?;
            out.sync_all()?;
            drop(out);
            fs::rename(&tmp, path)?;
            // The rename itself is durable only once the directory is synced.
            fs::File::open(&dir)?.sync_all()
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result.map_err(io)
    }

    fn validate(&self) -> Result<(), CardFileError> {
        for (slot, field) in [(&self.jpki.auth, "jpki.auth.key_pkcs8"), (&self.jpki.sign, "jpki.sign.key_pkcs8")] {
            let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&slot.key_pkcs8)
                .map_err(|_| CardFileError::Invalid { field, rule: "must be an RSA private key in PKCS#8 DER" })?;
            if key.public_modulus_len() != 256 {
                return Err(CardFileError::Invalid { field, rule: "the JPKI applet holds RSA-2048 keys" });
            }
            for (bytes, field) in [(&slot.certificate, "certificate"), (&slot.ca_certificate, "ca_certificate")] {
                if bytes.is_empty() || bytes.len() > MAX_EF_LEN {
                    return Err(CardFileError::Invalid { field, rule: "must be 1 to 32767 bytes of DER" });
                }
            }
        }
        let support = &self.support;
        if support.my_number.len() != 12 || !support.my_number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardFileError::Invalid { field: "support.my_number", rule: "must be 12 digits" });
        }
        if support.birth_date.len() != 8 || !support.birth_date.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardFileError::Invalid { field: "support.birth_date", rule: "must be YYYYMMDD" });
        }
        if !matches!(support.sex.as_str(), "1" | "2" | "9") {
            return Err(CardFileError::Invalid { field: "support.sex", rule: "must be 1, 2 or 9" });
        }
        if support.name.len() + support.address.len() > 4096 {
            return Err(CardFileError::Invalid {
                field: "support.name",
                rule: "name and address together must fit in 4096 bytes",
            });
        }
        for (pin, field) in [
            (&self.jpki.auth.pin, "jpki.auth.pin"),
            (&self.jpki.sign.pin, "jpki.sign.pin"),
            (&self.support.pin, "support.pin"),
        ] {
            let usable = pin.sha256.len() == 32 && !pin.salt.is_empty();
            if usable == self.no_pin || pin.tries_left > pin.max_tries || pin.max_tries > 15 {
                return Err(CardFileError::Invalid {
                    field,
                    rule: "needs a salt and a SHA-256 hash unless no_pin, and tries_left ≤ max_tries ≤ 15",
                });
            }
        }
        Ok(())
    }
}

impl PinRecord {
    /// Hashes a new PIN with a fresh salt and a full retry counter.
    pub fn new(pin: &[u8], max_tries: u8) -> Result<PinRecord, CardFileError> {
        let mut salt = vec![0u8; 16];
        SystemRandom::new()
            .fill(&mut salt)
            .map_err(|_| CardFileError::Invalid { field: "pin", rule: "the system random source failed" })?;
        let sha256 = hash(&salt, pin);
        Ok(PinRecord { salt, sha256, tries_left: max_tries, max_tries })
    }

    fn unusable(max_tries: u8) -> PinRecord {
        PinRecord { salt: Vec::new(), sha256: Vec::new(), tries_left: max_tries, max_tries }
    }

    /// Tries left before the PIN locks; 0 is locked.
    pub fn tries_left(&self) -> u8 {
        self.tries_left
    }

    /// The full counter this PIN was issued with.
    pub fn max_tries(&self) -> u8 {
        self.max_tries
    }

    /// Whether this PIN can ever match (false on a card issued without PINs).
    pub fn is_usable(&self) -> bool {
        self.sha256.len() == 32
    }

    /// Restores the full counter, as a municipality does when it resets a lock.
    pub fn unblock(&mut self) {
        self.tries_left = self.max_tries;
    }

    pub(crate) fn matches(&self, pin: &[u8]) -> bool {
        self.is_usable() && constant_time::verify_slices_are_equal(&hash(&self.salt, pin), &self.sha256).is_ok()
    }

    pub(crate) fn set_tries_left(&mut self, tries_left: u8) {
        self.tries_left = tries_left;
    }
}

fn hash(salt: &[u8], pin: &[u8]) -> Vec<u8> {
    let mut context = digest::Context::new(&digest::SHA256);
    context.update(salt);
    context.update(pin);
    context.finish().as_ref().to_vec()
}

fn check_digits(pin: &str, field: &'static str) -> Result<(), CardFileError> {
    if pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CardFileError::Invalid { field, rule: "must be 4 digits" })
    }
}

fn check_password(password: &str) -> Result<(), CardFileError> {
    if (6..=16).contains(&password.len()) && password.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(CardFileError::Invalid { field: "sign_password", rule: "must be 6 to 16 letters and digits" })
    }
}

/// Bytes as lowercase hex strings in the JSON form.
mod hex {
    use serde::{Deserialize as _, Deserializer, Serializer, de::Error as _};

    pub(super) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        let mut text = String::with_capacity(bytes.len() * 2);
        for byte in bytes {
            text.push(char::from(b"0123456789abcdef"[usize::from(byte >> 4)]));
            text.push(char::from(b"0123456789abcdef"[usize::from(byte & 0x0F)]));
        }
        serializer.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        if text.len() % 2 != 0 {
            return Err(D::Error::custom("hex string of odd length"));
        }
        let nibble = |c: u8| match c {
            b'0'..=b'9' => Ok(c - b'0'),
            b'a'..=b'f' => Ok(c - b'a' + 10),
            b'A'..=b'F' => Ok(c - b'A' + 10),
            _ => Err(D::Error::custom("not a hex digit")),
        };
        text.as_bytes().chunks_exact(2).map(|pair| Ok(nibble(pair[0])? << 4 | nibble(pair[1])?)).collect()
    }
}
