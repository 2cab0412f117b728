//! A small element tree over quick-xml: the messages are a few dozen elements
//! of text, so a tree is simple and costs nothing. Parsing is bounded (depth
//! and element count) and refuses a DOCTYPE and undefined entities; writing
//! indents with tabs and ends lines with CRLF, as Windows tools write these
//! files.

use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

/// Deepest nesting accepted (a response is 5 levels deep).
pub(crate) const MAX_DEPTH: usize = 16;
/// Most elements accepted in one file.
pub(crate) const MAX_ELEMENTS: usize = 4096;

/// An element: its name, its own text (trimmed by the reader of each field,
/// not here) and its child elements in document order. Attributes are not
/// part of the format and are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

/// Why text is not a well-formed XML document within the limits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum XmlError {
    #[error("the file holds no XML element")]
    NoRoot,
    #[error("not well-formed XML at byte {position}: {detail}")]
    Syntax { position: u64, detail: String },
    #[error("the XML ends inside <{open}> (truncated file)")]
    Truncated { open: String },
    #[error("a DOCTYPE is not allowed in the file exchange")]
    DocType,
    #[error("entity &{name}; is not defined (only &amp; &lt; &gt; &apos; &quot; and character references)")]
    Entity { name: String },
    #[error("character reference &{reference}; is not a character XML allows")]
    CharRef { reference: String },
    #[error("elements nest deeper than {max} levels")]
    TooDeep { max: usize },
    #[error("the file holds more than {max} elements")]
    TooManyElements { max: usize },
    #[error("content after the root element <{root}> at byte {position}")]
    AfterRoot { root: String, position: u64 },
}

impl Element {
    pub(crate) fn new(name: &str) -> Element {
        Element { name: name.to_owned(), ..Element::default() }
    }

    /// The children named `name`.
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// Append a child (builder style).
    pub(crate) fn push(&mut self, child: Element) -> &mut Element {
        self.children.push(child);
        self
    }

    /// Append a text leaf.
    pub(crate) fn leaf(&mut self, name: &str, text: impl Into<String>) -> &mut Element {
        self.children.push(Element { name: name.to_owned(), text: text.into(), children: Vec::new() });
        self
    }

    /// Append a text leaf when there is a value.
    pub(crate) fn opt_leaf(&mut self, name: &str, text: Option<impl Into<String>>) -> &mut Element {
        if let Some(text) = text {
            self.leaf(name, text);
        }
        self
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Parse a document into its root element.
pub(crate) fn parse(text: &str) -> Result<Element, XmlError> {
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut count = 0usize;
    let syntax = |reader: &quick_xml::Reader<&[u8]>, e: &dyn std::fmt::Display| XmlError::Syntax {
        position: reader.error_position(),
        detail: e.to_string(),
    };
    loop {
        let event = reader.read_event().map_err(|e| syntax(&reader, &e))?;
        let position = reader.buffer_position();
        match event {
            Event::Start(_) | Event::Empty(_) if root.is_some() => {
                let root = root.as_ref().map(|r| r.name.clone()).unwrap_or_default();
                return Err(XmlError::AfterRoot { root, position });
            }
            Event::Start(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements { max: MAX_ELEMENTS });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep { max: MAX_DEPTH });
                }
                stack.push(Element::new(&String::from_utf8_lossy(start.name().as_ref())));
            }
            Event::Empty(start) => {
                count += 1;
                if count > MAX_ELEMENTS {
                    return Err(XmlError::TooManyElements { max: MAX_ELEMENTS });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(XmlError::TooDeep { max: MAX_DEPTH });
                }
                let element = Element::new(&String::from_utf8_lossy(start.name().as_ref()));
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::End(_) => {
                let element =
                    stack.pop().ok_or_else(|| XmlError::Syntax { position, detail: "end tag without start".into() })?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = Some(element),
                }
            }
            Event::Text(text) => {
                let content = text.xml10_content().map_err(|e| syntax(&reader, &e))?;
                match stack.last_mut() {
                    Some(element) => element.text.push_str(&content),
                    None if content.trim().is_empty() => {}
                    None => {
                        return match &root {
                            Some(r) => Err(XmlError::AfterRoot { root: r.name.clone(), position }),
                            None => Err(XmlError::Syntax { position, detail: "text outside the root element".into() }),
                        };
                    }
                }
            }
            Event::CData(data) => {
                let content = data.xml10_content().map_err(|e| syntax(&reader, &e))?;
                match stack.last_mut() {
                    Some(element) => element.text.push_str(&content),
                    None => return Err(XmlError::Syntax { position, detail: "CDATA outside the root element".into() }),
                }
            }
            Event::GeneralRef(reference) => {
                let name = String::from_utf8_lossy(&reference).into_owned();
                let c = if reference.is_char_ref() {
                    match reference.resolve_char_ref() {
                        Ok(Some(c)) if is_xml_char(c) => c,
                        _ => return Err(XmlError::CharRef { reference: name }),
                    }
                } else {
                    match name.as_str() {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "apos" => '\'',
                        "quot" => '"',
                        _ => return Err(XmlError::Entity { name }),
                    }
                };
                match stack.last_mut() {
                    Some(element) => element.text.push(c),
                    None => {
                        return Err(XmlError::Syntax { position, detail: "reference outside the root element".into() });
                    }
                }
            }
            Event::DocType(_) => return Err(XmlError::DocType),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => {
                if !stack.is_empty() {
                    let path = stack.iter().map(|e| e.name.as_str()).collect::<Vec<_>>().join("/");
                    return Err(XmlError::Truncated { open: path });
                }
                return root.ok_or(XmlError::NoRoot);
            }
        }
    }
}

/// Write a document: the XML declaration (`standalone="no"`, as the
/// terminal's templates carry), then the tree, tab-indented, CRLF line ends.
/// Characters XML cannot carry (C0 controls other than tab, LF, CR) are
/// written as [`REPLACEMENT`](crate::encoding::REPLACEMENT) and reported
/// through `replaced`.
pub(crate) fn write(root: &Element, encoding_label: &str, replaced: &mut Vec<char>) -> String {
    let mut writer = Writer::new_with_indent(Cursor::new(Vec::new()), b'\t', 1);
    // Writing to a Vec cannot fail.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some(encoding_label), Some("no"))));
    write_element(&mut writer, root, replaced);
    let bytes = writer.into_inner().into_inner();
    let text = String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    let mut out = text.replace('\n', "\r\n");
    out.push_str("\r\n");
    out
}

fn write_element(writer: &mut Writer<Cursor<Vec<u8>>>, element: &Element, replaced: &mut Vec<char>) {
    let _ = writer.write_event(Event::Start(BytesStart::new(element.name.as_str())));
    if element.children.is_empty() {
        let text: String = element
            .text
            .chars()
            .map(|c| {
                if is_xml_char(c) {
                    c
                } else {
                    replaced.push(c);
                    crate::encoding::REPLACEMENT
                }
            })
            .collect();
        // Escape only what must be: `<`, `>`, `&` (quotes stay readable).
        // A CR is written as a character reference, as a raw one would be
        // read back as a line feed.
        let escaped = quick_xml::escape::partial_escape(&text).replace('\r', "&#13;");
        let _ = writer.write_event(Event::Text(BytesText::from_escaped(escaped)));
    } else {
        for child in &element.children {
            write_element(writer, child, replaced);
        }
    }
    let _ = writer.write_event(Event::End(BytesEnd::new(element.name.as_str())));
}
