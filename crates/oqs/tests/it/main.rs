//! The OQS file exchange against the published template, the variations
//! clinic software produces, malformed files, and round trips of answers.

mod files;
mod random;
mod request;
mod response;

/// The request template of REFERENCE.md §1.2 with its placeholders filled.
pub(crate) const TEMPLATE: &str = include_str!("../fixtures/template_utf8.xml");

/// The template with one element's content replaced.
pub(crate) fn template_with(element: &str, content: &str) -> String {
    let open = format!("<{element}>");
    let close = format!("</{element}>");
    let start = TEMPLATE.find(&open).expect("element in template") + open.len();
    let end = start + TEMPLATE[start..].find(&close).expect("closed");
    format!("{}{content}{}", &TEMPLATE[..start], &TEMPLATE[end..])
}

/// Text in Shift_JIS, with the declaration saying so.
pub(crate) fn shift_jis(text: &str) -> Vec<u8> {
    let text = text.replace("encoding='UTF-8'", "encoding='Shift_JIS'");
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable, "test text must be Shift_JIS");
    bytes.into_owned()
}
