//! The two encodings of the file exchange, UTF-8 and Shift_JIS
//! (`CharacterCodeIdentifier`, OQSCD005: 0 UTF-8, 1 Shift_JIS), how a request's
//! encoding is found, and how text is written back in it.
//!
//! Shift_JIS here is the Windows form (Windows-31J / CP932, the WHATWG
//! `Shift_JIS` of `encoding_rs`), which holds the NEC and IBM extensions
//! (①, Ⅲ, 髙, 﨑) that clinic systems on Windows write.

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8};

/// The character written in place of one Shift_JIS cannot hold: 〓 (下駄記号,
/// U+3013), as Japanese systems mark a missing glyph.
pub const REPLACEMENT: char = '〓';

/// The encoding of a file (文字コード識別).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// 0: UTF-8.
    Utf8,
    /// 1: Shift_JIS (Windows-31J).
    ShiftJis,
}

impl TextEncoding {
    /// `CharacterCodeIdentifier`: 0 UTF-8, 1 Shift_JIS.
    pub fn code(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "0",
            TextEncoding::ShiftJis => "1",
        }
    }

    /// The encoding of a `CharacterCodeIdentifier` code.
    pub fn from_code(code: &str) -> Option<TextEncoding> {
        match code {
            "0" => Some(TextEncoding::Utf8),
            "1" => Some(TextEncoding::ShiftJis),
            _ => None,
        }
    }

    /// The name written in the XML declaration.
    pub fn xml_label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::ShiftJis => "Shift_JIS",
        }
    }

    /// The encoding named by an XML declaration's `encoding`, if it is one of
    /// the two. Accepts the WHATWG labels (`utf-8`, `shift_jis`, `sjis`,
    /// `windows-31j`, `ms932`, …) and the Windows names `cp932` and
    /// `windows-932`, in any case.
    pub fn from_label(label: &str) -> Option<TextEncoding> {
        let label = label.trim();
        if ["cp932", "windows-932", "x-ms-cp932", "sjis-open", "sjis-win"].iter().any(|l| l.eq_ignore_ascii_case(label))
        {
            return Some(TextEncoding::ShiftJis);
        }
        match Encoding::for_label_no_replacement(label.as_bytes()) {
            Some(e) if e == UTF_8 => Some(TextEncoding::Utf8),
            Some(e) if e == SHIFT_JIS => Some(TextEncoding::ShiftJis),
            _ => None,
        }
    }

    fn other(self) -> TextEncoding {
        match self {
            TextEncoding::Utf8 => TextEncoding::ShiftJis,
            TextEncoding::ShiftJis => TextEncoding::Utf8,
        }
    }

    /// Decode bytes strictly (no replacement): `Err(offset)` gives the byte
    /// offset at or just after the first malformed sequence.
    pub(crate) fn decode_strict(self, bytes: &[u8]) -> Result<String, usize> {
        match self {
            TextEncoding::Utf8 => std::str::from_utf8(bytes).map(str::to_owned).map_err(|e| e.valid_up_to()),
            TextEncoding::ShiftJis => {
                let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
                let capacity =
                    decoder.max_utf8_buffer_length_without_replacement(bytes.len()).unwrap_or(bytes.len() * 3);
                let mut out = String::with_capacity(capacity);
                let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
                match result {
                    encoding_rs::DecoderResult::InputEmpty => Ok(out),
                    encoding_rs::DecoderResult::Malformed(bad, _) => Err(read.saturating_sub(usize::from(bad))),
                    encoding_rs::DecoderResult::OutputFull => Err(read),
                }
            }
        }
    }

    /// Encode text, replacing each character Shift_JIS cannot hold with
    /// [`REPLACEMENT`] and reporting it; UTF-8 holds every character.
    pub fn encode(self, text: &str) -> Encoded {
        if self == TextEncoding::Utf8 {
            return Encoded { bytes: text.as_bytes().to_vec(), replaced: Vec::new() };
        }
        let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
        if !unmappable {
            return Encoded { bytes: bytes.into_owned(), replaced: Vec::new() };
        }
        let mut replaced = Vec::new();
        let mut safe = String::with_capacity(text.len());
        let mut buf = [0u8; 4];
        for c in text.chars() {
            let (_, _, bad) = SHIFT_JIS.encode(c.encode_utf8(&mut buf));
            if bad {
                replaced.push(c);
                safe.push(REPLACEMENT);
            } else {
                safe.push(c);
            }
        }
        let (bytes, _, _) = SHIFT_JIS.encode(&safe);
        Encoded { bytes: bytes.into_owned(), replaced }
    }
}

impl std::fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.xml_label())
    }
}

/// Encoded text, and the characters that Shift_JIS could not hold and were
/// written as [`REPLACEMENT`] (in order, once per occurrence), so that the
/// caller can log them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoded {
    pub bytes: Vec<u8>,
    pub replaced: Vec<char>,
}

/// Why a file's bytes could not be read as text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the XML declaration names encoding {label:?}; the file exchange allows UTF-8 or Shift_JIS only")]
    Unsupported { label: String },
    #[error("the file starts with a UTF-16 byte order mark; the file exchange allows UTF-8 or Shift_JIS only")]
    Utf16,
    #[error("the bytes are neither {first} nor {second}: {first} fails at byte {offset}")]
    Undecodable { first: TextEncoding, second: TextEncoding, offset: usize },
    #[error("the file starts with a UTF-8 byte order mark but is not UTF-8: fails at byte {offset}")]
    BadUtf8AfterBom { offset: usize },
}

/// Text decoded from a file, with how its encoding was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    pub text: String,
    pub encoding: TextEncoding,
}

/// The encoding a file would be answered in when its bytes cannot be decoded:
/// the declared one if recognised, else UTF-8 if the bytes are UTF-8, else
/// Shift_JIS.
pub(crate) fn answer_encoding_guess(bytes: &[u8]) -> TextEncoding {
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return TextEncoding::Utf8;
    }
    if let Some(Some(e)) = declared_label(bytes).map(|label| TextEncoding::from_label(&label)) {
        return e;
    }
    // A slice may end inside a character: only an invalid sequence counts.
    match std::str::from_utf8(bytes) {
        Ok(_) => TextEncoding::Utf8,
        Err(e) if e.error_len().is_none() => TextEncoding::Utf8,
        Err(_) => TextEncoding::ShiftJis,
    }
}

/// Decode a file: a UTF-8 byte order mark means UTF-8; otherwise the XML
/// declaration's `encoding` is tried first and the other encoding second
/// (clinic systems do write Shift_JIS under a UTF-8 declaration); with no
/// declared encoding, UTF-8 first, then Shift_JIS. The encoding that decodes
/// the bytes is the one the answer is written in.
pub(crate) fn decode(bytes: &[u8]) -> Result<Decoded, DecodeError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return TextEncoding::Utf8
            .decode_strict(rest)
            .map(|text| Decoded { text, encoding: TextEncoding::Utf8 })
            .map_err(|offset| DecodeError::BadUtf8AfterBom { offset: offset + 3 });
    }
    if bytes.starts_with(b"\xFE\xFF") || bytes.starts_with(b"\xFF\xFE") {
        return Err(DecodeError::Utf16);
    }
    let first = match declared_label(bytes) {
        Some(label) => TextEncoding::from_label(&label).ok_or(DecodeError::Unsupported { label })?,
        None => TextEncoding::Utf8,
    };
    let offset = match first.decode_strict(bytes) {
        Ok(text) => return Ok(Decoded { text, encoding: first }),
        Err(offset) => offset,
    };
    let second = first.other();
    second.decode_strict(bytes).map(|text| Decoded { text, encoding: second }).map_err(|_| DecodeError::Undecodable {
        first,
        second,
        offset,
    })
}

/// The `encoding` of the XML declaration, read with quick-xml from the raw
/// bytes (the declaration is ASCII in both encodings). `None` when there is
/// no declaration or it names no encoding.
fn declared_label(bytes: &[u8]) -> Option<String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    match reader.read_event_into(&mut buf) {
        Ok(quick_xml::events::Event::Decl(decl)) => match decl.encoding() {
            Some(Ok(label)) => Some(String::from_utf8_lossy(&label).into_owned()),
            _ => None,
        },
        _ => None,
    }
}
