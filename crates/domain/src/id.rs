//! Identifiers with check digits, and the insurer-defined member identifiers.
//!
//! Every type here can only hold a valid value: construction goes through
//! `FromStr` (or `parse`), which returns an error naming the rule broken.
//! Parsing is lenient where a clerk would be (full-width digits, surrounding
//! spaces) and the stored form is always the normalised one (ASCII digits).

mod check_digit;
mod facility_code;
mod member_key;
mod my_number;
mod payer;
#[cfg(test)]
mod tests;

pub use check_digit::{modulus10_weights_21, modulus11_my_number};
pub use facility_code::{FacilityCode, FacilityCodeError, FeeTable};
pub use member_key::{Branch, InsuredNumber, MAX_SYMBOL_NUMBER_CHARS, MemberKeyError, Symbol};
pub use my_number::{MyNumber, MyNumberError};
pub use payer::{
    InsurerKind, InsurerNumber, InsurerNumberError, PublicPayerNumber, PublicPayerNumberError, RecipientNumber,
    RecipientNumberError,
};

/// Turn full-width digits into ASCII and trim surrounding (ASCII or ideographic)
/// spaces. Anything else is left for the caller's rules to reject.
pub(crate) fn normalise_digits(input: &str) -> String {
    input
        .trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            other => other,
        })
        .collect()
}

/// The position (1-based) and character of the first non-digit, if any.
pub(crate) fn first_non_digit(value: &str) -> Option<(usize, char)> {
    value.chars().enumerate().find(|(_, c)| !c.is_ascii_digit()).map(|(i, c)| (i + 1, c))
}

pub(crate) fn digits_of(value: &str) -> Vec<u8> {
    value.bytes().map(|b| b - b'0').collect()
}
