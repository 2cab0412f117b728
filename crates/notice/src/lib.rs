//! The printed notices of onshi: the 資格確認書 an insurer issues to members
//! without a card registered as insurance card, and the 資格情報のお知らせ it
//! sends to members with one. Each renders to an A4 portrait PDF in Japanese,
//! laid out like the printed forms, ready for a clerk to print, fold in three
//! and mail in a window envelope (長形3号).
//!
//! The font is a Debian package found at run time (see [`NoticeFont`] and
//! [`DEFAULT_FONT_PATHS`]); each PDF embeds the subset of glyphs it uses, so it
//! prints the same anywhere and its text can be extracted.
//!
//! This crate decides nothing about who gets which notice or when; it checks
//! only what a printed notice itself must satisfy (the 5-year ceiling of a
//! 資格確認書, dates in order, printable text).

mod certificate;
mod error;
mod font;
mod items;
mod layout;
mod notice;
mod render;

use krilla::Document;
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use onshi_domain::Date;

pub use certificate::{EligibilityCertificate, MAX_VALIDITY_YEARS, latest_expiry};
pub use error::NoticeError;
pub use font::{DEFAULT_FONT_PATHS, NoticeFont};
pub use items::{Addressee, Holder, Insurer, LimitCategory, PostalCode, PostalCodeError};
pub use notice::EligibilityNotice;

/// A notice to print: a 資格確認書 or a 資格情報のお知らせ.
#[derive(Debug, Clone, Copy)]
pub enum Form<'a> {
    Certificate(&'a EligibilityCertificate),
    Notice(&'a EligibilityNotice),
}

impl<'a> Form<'a> {
    /// The title printed on the form and set in the PDF: 資格確認書 or
    /// 資格情報のお知らせ.
    pub fn title(self) -> &'static str {
        match self {
            Form::Certificate(_) => "資格確認書",
            Form::Notice(_) => "資格情報のお知らせ",
        }
    }

    /// Check every item; see the forms' own `check`.
    pub fn check(self) -> Result<(), NoticeError> {
        match self {
            Form::Certificate(certificate) => certificate.check(),
            Form::Notice(notice) => notice.check(),
        }
    }

    /// The free-text items a person wrote, with the field each is printed in.
    fn texts(self) -> Vec<(&'static str, &'a str)> {
        let (insurer, holder, addressee, serial) = match self {
            Form::Certificate(c) => (&c.insurer, &c.holder, &c.addressee, &c.serial),
            Form::Notice(n) => (&n.insurer, &n.holder, &n.addressee, &n.serial),
        };
        let mut texts = vec![
            ("交付番号", serial.as_str()),
            ("保険者名称", insurer.name.as_str()),
            ("記号", holder.key.symbol.as_str()),
            ("番号", holder.key.number.as_str()),
            ("氏名", holder.name.as_str()),
            ("フリガナ", holder.name_kana.as_str()),
            ("宛先住所", addressee.address.as_str()),
            ("宛先氏名", addressee.name.as_str()),
        ];
        texts.extend(insurer.address.as_deref().map(|address| ("保険者所在地", address)));
        texts.extend(insurer.phone.as_deref().map(|phone| ("電話番号", phone)));
        texts.extend(holder.address.as_deref().map(|address| ("住所", address)));
        texts
    }
}

impl<'a> From<&'a EligibilityCertificate> for Form<'a> {
    fn from(certificate: &'a EligibilityCertificate) -> Form<'a> {
        Form::Certificate(certificate)
    }
}

impl<'a> From<&'a EligibilityNotice> for Form<'a> {
    fn from(notice: &'a EligibilityNotice) -> Form<'a> {
        Form::Notice(notice)
    }
}

/// Render a notice as a one-page A4 PDF with `font` embedded (subset).
///
/// The notice is checked first ([`EligibilityCertificate::check`],
/// [`EligibilityNotice::check`]), and every character a person wrote must be
/// in the font: a name the font cannot print is refused
/// ([`NoticeError::Unprintable`]) rather than printed with a blank box.
/// The output depends only on the inputs and the font, so the same notice
/// renders to the same bytes.
pub fn render_pdf<'a>(form: impl Into<Form<'a>>, font: &NoticeFont) -> Result<Vec<u8>, NoticeError> {
    let form = form.into();
    form.check()?;
    for (field, text) in form.texts() {
        if let Some(character) = font.unprintable(text) {
            return Err(NoticeError::Unprintable {
                field,
                character,
                code: u32::from(character),
                font: font.name().to_owned(),
            });
        }
    }

    let mut document = Document::new();
    document.set_metadata(
        Metadata::new().title(form.title().to_owned()).language("ja".to_owned()).creator("onshi".to_owned()),
    );
    let size = PageSettings::from_wh(layout::PAGE_WIDTH * layout::MM, layout::PAGE_HEIGHT * layout::MM)
        .expect("A4 is a valid page size");
    let mut page = document.start_page_with(size);
    let mut canvas = layout::Canvas::new(page.surface(), font);
    match form {
        Form::Certificate(certificate) => render::certificate(&mut canvas, certificate),
        Form::Notice(notice) => render::notice(&mut canvas, notice),
    }
    canvas.finish();
    page.finish();
    document.finish().map_err(|error| NoticeError::Pdf { reason: pdf_error(error) })
}

fn pdf_error(error: krilla::error::KrillaError) -> String {
    match error {
        krilla::error::KrillaError::Font(_, reason) => format!("font: {reason}"),
        other => format!("{other:?}"),
    }
}

/// The 和暦 form of `date`, or an error naming the field when it has none.
fn wareki_of(field: &'static str, date: Date) -> Result<(), NoticeError> {
    onshi_domain::wareki::from_date(date).map(|_| ()).map_err(|_| NoticeError::NoWareki { field, value: date })
}

/// Longest 交付番号 accepted.
const MAX_SERIAL_CHARS: usize = 20;

/// 交付番号: 1–20 ASCII letters, digits or '-'.
fn check_serial(serial: &str) -> Result<(), NoticeError> {
    let valid = (1..=MAX_SERIAL_CHARS).contains(&serial.len())
        && serial.bytes().all(|byte| byte.is_ascii_alphanumeric() || byte == b'-');
    if valid {
        Ok(())
    } else {
        Err(NoticeError::Field {
            field: "交付番号",
            value: serial.to_owned(),
            rule: "it must be 1–20 ASCII letters, digits or '-'",
        })
    }
}
