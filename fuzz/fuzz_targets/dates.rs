//! Feeds the input to `date::parse_date` and `wareki::parse`; whatever parses
//! must come back unchanged through `date::iso` and `wareki::format`.

#![no_main]

use chrono::Datelike;
use libfuzzer_sys::fuzz_target;
use onshi_domain::Date;
use onshi_domain::date::{iso, parse_date};
use onshi_domain::wareki;

fn check_roundtrips(input: &str, date: Date) {
    // ISO output has 4-digit years only; 和暦 years can reach past 9999.
    if (0..=9999).contains(&date.year()) {
        let shown = iso(date);
        assert_eq!(parse_date(&shown), Ok(date), "{input:?} → {shown:?}");
    }
    if let Ok(shown) = wareki::format(date) {
        assert_eq!(wareki::parse(&shown), Ok(date), "{input:?} → {shown:?}");
        assert_eq!(parse_date(&shown), Ok(date), "{input:?} → {shown:?}");
        let short = wareki::format_short(date).expect("format succeeded");
        assert_eq!(wareki::parse(&short), Ok(date), "{input:?} → {short:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else { return };
    if let Ok(date) = parse_date(input) {
        check_roundtrips(input, date);
    }
    if let Ok(date) = wareki::parse(input) {
        check_roundtrips(input, date);
    }
});
