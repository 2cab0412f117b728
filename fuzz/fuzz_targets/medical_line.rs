//! Feeds the input to `medical::parse_line`: nothing panics, and a line that
//! parses round-trips: its body through `to_json` and `from_json`, the row
//! through `to_line` and `parse_line`.

#![no_main]

use libfuzzer_sys::fuzz_target;
use onshi_domain::medical::{MedicalRecord, parse_line, parse_line_as_of};

fuzz_target!(|data: &[u8]| {
    let Ok(line) = std::str::from_utf8(data) else { return };
    let Ok(row) = parse_line(line) else { return };
    let body = row.record.to_json();
    let again = MedicalRecord::from_json(row.record.kind(), &body);
    assert_eq!(again.as_ref(), Ok(&row.record), "{line:?} → {body:?}");
    assert_eq!(again.expect("checked").to_json(), body, "{line:?}: the body is not canonical");
    let written = row.to_line();
    assert_eq!(parse_line(&written).as_ref(), Ok(&row), "{line:?} → {written:?}");
    assert_eq!(parse_line_as_of(line, row.record.date()).as_ref(), Ok(&row), "{line:?}");
});
