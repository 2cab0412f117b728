//! Feeds the input to the OQS request parser as a request file from a clinic
//! system: nothing panics; a request that parses is answered, a refused one
//! gets an error response, and either reads back as itself (the echoed 照会条件
//! re-parses to the same values, so normalisation is idempotent). The input
//! is also read as a response file.

#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use onshi_oqs::{EligibilityAnswer, EligibilityResponse, parse_request, parse_response};

fuzz_target!(|data: &[u8]| {
    let at = NaiveDate::from_ymd_opt(2026, 4, 1).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid time");
    let response = match parse_request(data) {
        Ok(request) => EligibilityResponse::to_request(&request, EligibilityAnswer::not_found(), at),
        Err(failure) => EligibilityResponse::refusal(&failure, at),
    };
    let encoded = response.to_xml();
    let parsed = parse_response(&encoded.bytes).unwrap_or_else(|e| panic!("our own answer does not parse: {e}"));
    if encoded.replaced.is_empty() {
        assert_eq!(parsed, response);
    } else {
        assert_eq!(parsed.header.segment, response.header.segment);
    }
    let _ = parse_response(data);
});
