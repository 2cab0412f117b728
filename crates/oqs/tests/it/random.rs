use chrono::NaiveDate;
use onshi_domain::person::Sex;
use onshi_oqs::codes::{InsuredCardClassification, QualificationValidity};
use onshi_oqs::{
    EligibilityAnswer, EligibilityResponse, QualificationResult, TextEncoding, parse_request, parse_response,
};
use proptest::prelude::*;

use crate::{TEMPLATE, shift_jis};

/// Whatever the request, its answer is written and reads back as itself
/// (unless Shift_JIS could not hold a character echoed from a malformed file).
fn answer_reads_back(bytes: &[u8]) {
    let response = answer_or_refusal(bytes);
    let encoded = response.to_xml();
    let parsed = parse_response(&encoded.bytes).expect("our own answer parses");
    if encoded.replaced.is_empty() {
        assert_eq!(parsed, response);
    } else {
        let code = |r: &EligibilityResponse| r.header.error.as_ref().map(|e| e.code.clone());
        assert_eq!(code(&parsed), code(&response));
        assert_eq!(parsed.header.segment, response.header.segment);
    }
}

fn answer_or_refusal(bytes: &[u8]) -> EligibilityResponse {
    let at = NaiveDate::from_ymd_opt(2026, 4, 1).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid");
    match parse_request(bytes) {
        Ok(request) => EligibilityResponse::to_request(&request, EligibilityAnswer::not_found(), at),
        Err(failure) => {
            assert!(failure.error.code().starts_with("ONS"));
            assert!(!failure.error.to_string().is_empty());
            EligibilityResponse::refusal(&failure, at)
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Whatever the bytes, parsing returns, and the answer or error response
    /// written for them reads back as itself.
    #[test]
    fn arbitrary_bytes_never_panic_and_always_get_a_readable_answer(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        answer_reads_back(&bytes);
    }

    /// The template with bytes changed, cut or inserted (in either encoding).
    #[test]
    fn damaged_templates_never_panic(
        sjis in any::<bool>(),
        cut in 0usize..900,
        edits in proptest::collection::vec((0usize..900, any::<u8>()), 0..6),
    ) {
        let mut bytes = if sjis { shift_jis(&TEMPLATE.replace("CLINIC01", "受付")) } else { TEMPLATE.as_bytes().to_vec() };
        for (at, byte) in edits {
            let at = at % (bytes.len() + 1);
            if byte % 2 == 0 { bytes.insert(at, byte) } else if at < bytes.len() { bytes[at] = byte }
        }
        bytes.truncate(cut.max(1));
        answer_reads_back(&bytes);
    }

    /// Free text in an answer round-trips in UTF-8 and, once what Shift_JIS
    /// cannot hold is replaced, in Shift_JIS.
    #[test]
    fn free_text_round_trips(name in "[a-zA-Z0-9ぁ-んァ-ヶ一-龥&<>\"' 　]{1,20}", address in "\\PC{1,30}") {
        let name = name.trim().to_owned();
        let address = address.trim().to_owned();
        prop_assume!(!name.is_empty() && !address.is_empty());
        let at = NaiveDate::from_ymd_opt(2026, 4, 1).and_then(|d| d.and_hms_opt(9, 0, 0)).expect("valid");
        let birthdate = NaiveDate::from_ymd_opt(1980, 1, 2).expect("valid");
        let mut result = QualificationResult::new(InsuredCardClassification::General, name, Sex::Female, birthdate, "保険者");
        result.address = Some(address.clone());
        let answer = EligibilityAnswer::found(QualificationValidity::Valid, vec![result]);
        for encoding in [TextEncoding::Utf8, TextEncoding::ShiftJis] {
            let response = EligibilityResponse::card_check(answer.clone(), None, at, encoding);
            let encoded = response.to_xml();
            let parsed = parse_response(&encoded.bytes).expect("parses");
            if encoded.replaced.is_empty() {
                // Shift_JIS writes ¥ as 0x5C, ‾ as 0x7E and − as 0x817C, read
                // back as \, ~ and －, as Japanese systems treat them.
                let mut expected = response.clone();
                if encoding == TextEncoding::ShiftJis {
                    let fold = |s: &str| s.replace('¥', "\\").replace('‾', "~").replace('−', "－");
                    let r = &mut expected.answer.results[0];
                    r.name = fold(&r.name);
                    r.address = r.address.as_deref().map(fold);
                }
                prop_assert_eq!(&parsed, &expected);
            } else {
                prop_assert_eq!(encoding, TextEncoding::ShiftJis);
                prop_assert_eq!(parsed.answer.results[0].address.as_deref().map(|a| a.chars().count()), Some(address.chars().count()));
            }
        }
    }
}
