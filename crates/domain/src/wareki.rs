//! 和暦: Japanese era dates.

use crate::Date;

/// Why a value is not a 和暦 date.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WarekiError {
    #[error("{value:?} is not a 和暦 date")]
    Format { value: String },
}

/// Parse a 和暦 date.
pub fn parse(input: &str) -> Result<Date, WarekiError> {
    Err(WarekiError::Format { value: input.to_owned() })
}
