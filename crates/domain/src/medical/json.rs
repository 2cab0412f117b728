//! The JSON underneath the import format: a value tree that keeps object
//! members in order and keeps duplicate names (serde_json's own `Value`
//! keeps only the last of two, which would let a line say two things at once
//! unnoticed), a reader that refuses duplicates and checks an object's member
//! names against the fields a record allows, and a writer that puts fields out in a fixed order.

use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::RowError;

/// A parsed JSON value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    /// Whole numbers that fit an `i64` or `u64` keep their exact value.
    Integer(i128),
    Float(f64),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    pub(crate) fn parse(text: &str) -> Result<Json, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// How the value is shown in an error: a string as itself, anything
    /// else as compact JSON; cut to 64 characters.
    pub(crate) fn shown(&self) -> String {
        let text = match self {
            Json::String(text) => text.clone(),
            other => other.to_string(),
        };
        cut(&text)
    }

    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "a boolean",
            Json::Integer(_) | Json::Float(_) => "a number",
            Json::String(_) => "a string",
            Json::Array(_) => "an array",
            Json::Object(_) => "an object",
        }
    }
}

/// At most 64 characters of `text`, with `…` when cut.
pub(crate) fn cut(text: &str) -> String {
    const MAX: usize = 64;
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let mut short: String = text.chars().take(MAX).collect();
        short.push('…');
        short
    }
}

impl fmt::Display for Json {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Json::Null => f.write_str("null"),
            Json::Bool(value) => write!(f, "{value}"),
            Json::Integer(value) => write!(f, "{value}"),
            Json::Float(value) => write!(f, "{value}"),
            Json::String(value) => f.write_str(&quote(value)),
            Json::Array(items) => {
                f.write_str("[")?;
                for (idx, item) in items.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{item}")?;
                }
                f.write_str("]")
            }
            Json::Object(members) => {
                f.write_str("{")?;
                for (idx, (name, value)) in members.iter().enumerate() {
                    if idx > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{}:{value}", quote(name))?;
                }
                f.write_str("}")
            }
        }
    }
}

/// A JSON string literal for `text`.
pub(crate) fn quote(text: &str) -> String {
    serde_json::to_string(text).expect("a str always serialises")
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }
    fn visit_i64<E>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Integer(i128::from(value)))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Integer(i128::from(value)))
    }
    fn visit_f64<E>(self, value: f64) -> Result<Json, E> {
        Ok(Json::Float(value))
    }
    fn visit_str<E>(self, value: &str) -> Result<Json, E> {
        Ok(Json::String(value.to_owned()))
    }
    fn visit_string<E>(self, value: String) -> Result<Json, E> {
        Ok(Json::String(value))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members: Vec<(String, Json)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value()?;
            members.push((name, value));
        }
        Ok(Json::Object(members))
    }
}

/// The members of one JSON object, read field by field. `prefix` names the
/// object in errors (`results.` for the checkup results).
pub(crate) struct Fields {
    prefix: &'static str,
    members: Vec<(String, Json)>,
}

impl Fields {
    /// Check that every member is one of `allowed`; `what` names the object
    /// in the error ("a drug record").
    pub(crate) fn new(
        prefix: &'static str,
        members: Vec<(String, Json)>,
        allowed: &[&[&str]],
        what: &str,
    ) -> Result<Fields, RowError> {
        for (idx, (name, value)) in members.iter().enumerate() {
            if members[..idx].iter().any(|(seen, _)| seen == name) {
                return Err(RowError::new(format!("{prefix}{name}"), value.shown(), "is given twice"));
            }
            if !allowed.iter().any(|names| names.contains(&name.as_str())) {
                let list: Vec<&str> = allowed.iter().flat_map(|names| names.iter().copied()).collect();
                return Err(RowError::new(
                    format!("{prefix}{name}"),
                    value.shown(),
                    format!("is not a field of {what} (its fields: {})", list.join(", ")),
                ));
            }
        }
        Ok(Fields { prefix, members })
    }

    pub(crate) fn field_name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    pub(crate) fn get(&self, name: &str) -> Option<&Json> {
        self.members.iter().find(|(member, _)| member == name).map(|(_, value)| value).filter(|v| **v != Json::Null)
    }

    pub(crate) fn error(&self, name: &str, value: impl Into<String>, rule: impl Into<String>) -> RowError {
        RowError::new(self.field_name(name), value, rule)
    }

    /// A required field.
    pub(crate) fn required(&self, name: &str, what: &str) -> Result<&Json, RowError> {
        self.get(name).ok_or_else(|| self.error(name, "", format!("is required in {what}")))
    }

    /// A required string field.
    pub(crate) fn required_str(&self, name: &str, what: &str) -> Result<&str, RowError> {
        let value = self.required(name, what)?;
        self.as_str(name, value)
    }

    /// An optional string field.
    pub(crate) fn optional_str(&self, name: &str) -> Result<Option<&str>, RowError> {
        self.get(name).map(|value| self.as_str(name, value)).transpose()
    }

    fn as_str<'v>(&self, name: &str, value: &'v Json) -> Result<&'v str, RowError> {
        match value {
            Json::String(text) => Ok(text),
            other => Err(self.error(name, other.shown(), format!("must be a string, not {}", other.type_name()))),
        }
    }

    /// A whole number in `range`, written as a JSON number.
    pub(crate) fn whole(
        &self,
        name: &str,
        value: &Json,
        range: std::ops::RangeInclusive<u64>,
        rule: &str,
    ) -> Result<u64, RowError> {
        match value {
            Json::Integer(number) if (i128::from(*range.start())..=i128::from(*range.end())).contains(number) => {
                Ok(u64::try_from(*number).expect("within a u64 range"))
            }
            other => Err(self.error(name, other.shown(), rule)),
        }
    }
}

/// Writes a JSON object with members in the order given.
pub(crate) struct Writer {
    out: String,
}

impl Writer {
    pub(crate) fn new() -> Writer {
        Writer { out: String::from("{") }
    }

    fn name(&mut self, name: &str) {
        if self.out.len() > 1 {
            self.out.push(',');
        }
        self.out.push_str(&quote(name));
        self.out.push(':');
    }

    pub(crate) fn str(&mut self, name: &str, value: &str) {
        self.name(name);
        self.out.push_str(&quote(value));
    }

    /// A number or other JSON text, written as is.
    pub(crate) fn raw(&mut self, name: &str, json: &str) {
        self.name(name);
        self.out.push_str(json);
    }

    pub(crate) fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}
