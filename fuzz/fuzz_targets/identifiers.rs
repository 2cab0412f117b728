//! Feeds the input to every `FromStr` of the domain's identifiers and coded
//! values, and checks that whatever parses re-parses to itself from its
//! `Display` output.

#![no_main]

use std::fmt::{Debug, Display};
use std::str::FromStr;

use libfuzzer_sys::fuzz_target;
use onshi_domain::id::{
    Branch, FacilityCode, InsuredNumber, InsurerNumber, MyNumber, PublicPayerNumber, RecipientNumber, Symbol,
};
use onshi_domain::person::{CopayRatio, Relationship, Sex};
use onshi_domain::registry::ResidentCode;
use onshi_domain::wareki::WarekiDate;

fn roundtrip<T>(input: &str)
where
    T: FromStr + Display + PartialEq + Debug,
    T::Err: Display,
{
    let Ok(value) = input.parse::<T>() else { return };
    let shown = value.to_string();
    match shown.parse::<T>() {
        Ok(again) => assert_eq!(again, value, "{input:?} displayed as {shown:?}"),
        Err(error) => panic!("{input:?} parsed, but its display {shown:?} does not: {error}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    roundtrip::<MyNumber>(input);
    roundtrip::<InsurerNumber>(input);
    roundtrip::<PublicPayerNumber>(input);
    roundtrip::<RecipientNumber>(input);
    roundtrip::<FacilityCode>(input);
    roundtrip::<Symbol>(input);
    roundtrip::<InsuredNumber>(input);
    roundtrip::<Branch>(input);
    roundtrip::<Sex>(input);
    roundtrip::<CopayRatio>(input);
    roundtrip::<Relationship>(input);
    roundtrip::<ResidentCode>(input);
    roundtrip::<WarekiDate>(input);
});
