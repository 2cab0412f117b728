//! `NoticeError`: why a notice cannot be printed, in terms a clerk can act on.

use std::path::PathBuf;

use onshi_domain::Date;
use onshi_domain::person::TextFieldError;

/// Why a 資格確認書 or 資格情報のお知らせ was not rendered.
#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    /// 有効期限 beyond the 5-year ceiling of a 資格確認書.
    #[error(
        "有効期限 {expires_on} is more than {max_years} years after 交付年月日 {issued_on}: a 資格確認書 is valid for at most {max_years} years, so the latest 有効期限 is {latest}"
    )]
    ValidityTooLong { issued_on: Date, expires_on: Date, latest: Date, max_years: u32 },
    /// Two dates of one notice in the wrong order.
    #[error("{later_field} {later} is before {earlier_field} {earlier}: {rule}")]
    DateOrder { earlier_field: &'static str, earlier: Date, later_field: &'static str, later: Date, rule: &'static str },
    /// A date that has no 和暦 form, so it cannot be printed as the forms require.
    #[error(
        "{field} {value} cannot be written in 和暦: dates before 明治6年1月1日 (1873-01-01) have no Gregorian 和暦 form"
    )]
    NoWareki { field: &'static str, value: Date },
    /// A free-text item that is empty, too long or holds control characters.
    #[error(transparent)]
    Text(#[from] TextFieldError),
    /// A coded item (郵便番号, 交付番号, 電話番号) not in its form.
    #[error("{field} {value:?} is not valid: {rule}")]
    Field { field: &'static str, value: String, rule: &'static str },
    /// A character the font has no glyph for; printing it would leave a blank box.
    #[error(
        "{field} contains {character:?} (U+{code:04X}), which the font {font} cannot print; write it with a character the font has (代替文字) or use a font that covers it"
    )]
    Unprintable { field: &'static str, character: char, code: u32, font: String },
    /// No font file at any of the places looked at.
    #[error(
        "no Japanese font found (looked at {}); install Debian's fonts-ipaexfont-gothic (`apt-get install fonts-ipaexfont-gothic`, or run scripts/ensure-tools.sh) or give the path of a TrueType/OpenType font with Japanese glyphs",
        display_paths(.tried)
    )]
    FontMissing { tried: Vec<PathBuf> },
    /// The font file exists but cannot be read.
    #[error("cannot read the font {path}: {source}")]
    FontRead { path: PathBuf, source: std::io::Error },
    /// The file is not a font, or has no Japanese glyphs.
    #[error("{path} is not a usable font: {reason}")]
    FontInvalid { path: PathBuf, reason: String },
    /// The PDF writer refused the document.
    #[error("the PDF could not be written: {reason}")]
    Pdf { reason: String },
}

fn display_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|path| path.display().to_string()).collect();
    shown.join(", ")
}
