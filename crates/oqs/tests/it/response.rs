use chrono::{NaiveDate, NaiveDateTime};
use onshi_domain::Date;
use onshi_domain::person::{CopayRatio, Relationship, Sex};
use onshi_oqs::codes::{
    ConsentFlag, InsuredCardClassification, LimitCategory, LimitCertificateClassification, PrescriptionIssueSelect,
    ProcessingResultStatus, QualificationValidity, ReasonOfLoss, ReferenceClassification, SegmentOfResult,
    SpecificDiseaseCategory, SpecificDiseasesConsentFlag,
};
use onshi_oqs::{
    Consent, ElderlyRecipient, EligibilityAnswer, EligibilityResponse, LimitCertificate, QualificationResult,
    ServiceFailure, SpecificDisease, TextEncoding, ViewingConsent, parse_request, parse_response,
};

use crate::{TEMPLATE, shift_jis, template_with};

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).expect("valid date")
}

fn at(y: i32, m: u32, d: u32, h: u32, mi: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d).and_then(|d| d.and_hms_opt(h, mi, s)).expect("valid time")
}

/// The qualification of the template's patient, as the platform would answer it.
fn taro() -> QualificationResult {
    let mut r = QualificationResult::new(
        InsuredCardClassification::General,
        "診療　太郎",
        Sex::Male,
        date(1980, 1, 2),
        "千葉県警察共済組合",
    );
    r.insurer_number = Some("33120015".parse().expect("valid"));
    r.symbol = "1234".parse().expect("valid");
    r.number = Some("1987654".parse().expect("valid"));
    r.branch = Some("00".parse().expect("valid"));
    r.relationship = Some(Relationship::Insured);
    r.name_kana = Some("シンリョウ　タロウ".into());
    r.address = Some("千葉県千葉市中央区1-1".into());
    r.post_number = Some("260-0001".into());
    r.acquired_on = Some(date(2019, 4, 1));
    r.copay_ratio = CopayRatio::new(3);
    r
}

fn answer_to_template(encoding: TextEncoding) -> (EligibilityResponse, Vec<u8>) {
    let bytes = match encoding {
        TextEncoding::Utf8 => TEMPLATE.as_bytes().to_vec(),
        TextEncoding::ShiftJis => shift_jis(TEMPLATE),
    };
    let request = parse_request(&bytes).expect("template parses");
    let answer = EligibilityAnswer::found(QualificationValidity::Valid, vec![taro()]);
    let response = EligibilityResponse::to_request(&request, answer, at(2026, 4, 1, 9, 30, 5));
    let encoded = response.to_xml();
    assert!(encoded.replaced.is_empty(), "{:?}", encoded.replaced);
    (response, encoded.bytes)
}

#[test]
fn the_answer_to_the_template_is_written_as_the_terminal_writes_it() {
    let (_, bytes) = answer_to_template(TextEncoding::Utf8);
    let text = String::from_utf8(bytes).expect("UTF-8");
    let expected = include_str!("../fixtures/response_utf8.xml").replace('\n', "\r\n");
    assert_eq!(text, expected);
}

#[test]
fn the_answer_comes_back_unchanged_but_for_the_half_width_kana() {
    for encoding in [TextEncoding::Utf8, TextEncoding::ShiftJis] {
        let (mut response, bytes) = answer_to_template(encoding);
        let parsed = parse_response(&bytes).expect("parses");
        assert_eq!(parsed.header.encoding, encoding);
        response.answer.results[0].name_kana = Some("ｼﾝﾘｮｳ ﾀﾛｳ".into());
        assert_eq!(parsed, response);
    }
}

#[test]
fn an_answer_in_shift_jis_says_so_and_is_shift_jis() {
    let (_, bytes) = answer_to_template(TextEncoding::ShiftJis);
    let (text, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&bytes);
    assert!(!had_errors);
    assert!(text.starts_with("<?xml version=\"1.0\" encoding=\"Shift_JIS\" standalone=\"no\"?>\r\n"));
    assert!(text.contains("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"));
    assert!(text.contains("<Name>診療　太郎</Name>"));
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8");
}

#[test]
fn characters_shift_jis_cannot_hold_become_geta_and_are_reported() {
    let request = parse_request(&shift_jis(TEMPLATE)).expect("parses");
    let mut r = taro();
    r.name = "𠮷野　太郎".into();
    r.address = Some("東京都葛󠄀飾区".into());
    let response = EligibilityResponse::to_request(
        &request,
        EligibilityAnswer::found(QualificationValidity::Valid, vec![r]),
        at(2026, 4, 1, 9, 30, 5),
    );
    let encoded = response.to_xml();
    assert_eq!(encoded.replaced, vec!['𠮷', '\u{E0100}']);
    let parsed = parse_response(&encoded.bytes).expect("parses");
    assert_eq!(parsed.answer.results[0].name, "〓野　太郎");
    assert_eq!(parsed.answer.results[0].address.as_deref(), Some("東京都葛〓飾区"));
    // UTF-8 holds them.
    let request = parse_request(TEMPLATE.as_bytes()).expect("parses");
    let mut r = taro();
    r.name = "𠮷野　太郎".into();
    let response = EligibilityResponse::to_request(
        &request,
        EligibilityAnswer::found(QualificationValidity::Valid, vec![r]),
        at(2026, 4, 1, 9, 30, 5),
    );
    let encoded = response.to_xml();
    assert!(encoded.replaced.is_empty());
    assert_eq!(parse_response(&encoded.bytes).expect("parses").answer.results[0].name, "𠮷野　太郎");
}

#[test]
fn markup_characters_in_values_are_escaped_and_come_back() {
    let request = parse_request(TEMPLATE.as_bytes()).expect("parses");
    let mut r = taro();
    r.address = Some("A&B <ビル> \"1\" '2'\r\n2F".into());
    let response = EligibilityResponse::to_request(
        &request,
        EligibilityAnswer::found(QualificationValidity::Valid, vec![r]),
        at(2026, 4, 1, 9, 30, 5),
    );
    let bytes = response.to_xml().bytes;
    assert!(String::from_utf8_lossy(&bytes).contains("A&amp;B &lt;ビル&gt;"));
    let parsed = parse_response(&bytes).expect("parses");
    assert_eq!(parsed.answer.results[0].address.as_deref(), Some("A&B <ビル> \"1\" '2'\r\n2F"));
}

#[test]
fn a_kokuho_number_is_echoed_and_answered_padded_to_8() {
    let request = parse_request(template_with("InsurerNumber", " 138057").as_bytes()).expect("parses");
    let mut r = taro();
    r.insurer_number = Some("138057".parse().expect("valid"));
    let response = EligibilityResponse::to_request(
        &request,
        EligibilityAnswer::found(QualificationValidity::Valid, vec![r]),
        at(2026, 4, 1, 9, 30, 5),
    );
    let text = String::from_utf8(response.to_xml().bytes).expect("UTF-8");
    assert_eq!(text.matches("<InsurerNumber>00138057</InsurerNumber>").count(), 2, "{text}");
}

#[test]
fn not_found_has_validity_4_and_no_result_list() {
    let request = parse_request(TEMPLATE.as_bytes()).expect("parses");
    let response = EligibilityResponse::to_request(&request, EligibilityAnswer::not_found(), at(2026, 4, 1, 9, 30, 5));
    let text = String::from_utf8(response.to_xml().bytes).expect("UTF-8");
    assert!(text.contains("<SegmentOfResult>1</SegmentOfResult>"));
    assert!(text.contains("<ProcessingResultStatus>1</ProcessingResultStatus>"));
    assert!(text.contains("<QualificationValidity>4</QualificationValidity>"));
    assert!(!text.contains("ResultList"));
    assert_eq!(parse_response(text.as_bytes()).expect("parses"), response);
}

#[test]
fn a_refused_request_gets_an_error_response_in_its_encoding() {
    let bytes = shift_jis(&template_with("InsurerNumber", "33120016").replace("CLINIC01", "受付"));
    let failure = parse_request(&bytes).expect_err("bad check digit");
    let response = EligibilityResponse::refusal(&failure, at(2026, 4, 1, 9, 30, 5));
    let encoded = response.to_xml();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&encoded.bytes);
    assert!(text.contains("<SegmentOfResult>9</SegmentOfResult>"), "{text}");
    assert!(text.contains("<ErrorCode>ONS009</ErrorCode>"), "{text}");
    assert!(
        text.contains("<ErrorMessage>QualificationConfirmSearchInfo/InsurerNumber (保険者番号) \"33120016\""),
        "{text}"
    );
    assert!(text.contains("<ProcessingResultStatus>2</ProcessingResultStatus>"), "{text}");
    assert!(text.contains("<ProcessingResultCode>ONS009</ProcessingResultCode>"), "{text}");
    assert!(text.contains("<ArbitraryFileIdentifier>受付</ArbitraryFileIdentifier>"), "{text}");
    assert!(text.contains("<CharacterCodeIdentifier>1</CharacterCodeIdentifier>"), "{text}");
    assert!(!text.contains("QualificationValidity") && !text.contains("QualificationConfirmSearchInfo>"), "{text}");
    let parsed = parse_response(&encoded.bytes).expect("parses");
    assert_eq!(parsed, response);
    assert_eq!(parsed.header.segment, SegmentOfResult::Abnormal);
    assert_eq!(parsed.answer.processing.status, ProcessingResultStatus::Error);
}

#[test]
fn even_an_empty_file_gets_an_error_response() {
    let failure = parse_request(b"").expect_err("empty");
    let response = EligibilityResponse::refusal(&failure, at(2026, 4, 1, 9, 30, 5));
    let parsed = parse_response(&response.to_xml().bytes).expect("parses");
    assert_eq!(parsed.header.error.map(|e| e.code).as_deref(), Some("ONS001"));
    assert_eq!(parsed.header.confirmation_date, Some(date(2026, 4, 1)));
    assert_eq!(parsed.header.encoding, TextEncoding::Utf8);
}

#[test]
fn a_card_check_result_has_reference_1_and_no_search_echo() {
    let answer = EligibilityAnswer::found(QualificationValidity::Valid, vec![taro()]);
    let response = EligibilityResponse::card_check(
        answer,
        Some("0112345678".into()),
        at(2026, 4, 1, 9, 30, 5),
        TextEncoding::ShiftJis,
    );
    let bytes = response.to_xml().bytes;
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    assert!(text.contains("<ReferenceClassification>1</ReferenceClassification>"));
    assert!(text.contains("<QualificationConfirmationDate>20260401</QualificationConfirmationDate>"));
    assert!(!text.contains("QualificationConfirmSearchInfo"));
    let parsed = parse_response(&bytes).expect("parses");
    assert_eq!(parsed.header.reference, ReferenceClassification::Card);
    assert_eq!(parsed.search, None);
}

#[test]
fn every_element_of_a_full_result_round_trips() {
    let mut r = taro();
    r.card_classification = InsuredCardClassification::ShortTermGeneral;
    r.relationship = Some(Relationship::Dependent);
    r.insured_name = Some("診療　一郎".into());
    r.name_of_other = Some("診療　たろう".into());
    r.name_kana = Some("ｼﾝﾘｮｳ ﾀﾛｳ".into());
    r.name_of_other_kana = Some("ｼﾝﾘｮｳ ﾀﾛｳ".into());
    r.sex2 = Some(Sex::Female);
    r.lost_on = Some(date(2026, 3, 31));
    r.certificate_issued_on = Some(date(2019, 4, 2));
    r.card_valid_from = Some(date(2019, 4, 1));
    r.card_valid_until = Some(date(2027, 3, 31));
    r.preschool = true;
    r.reason_of_loss = Some(ReasonOfLoss::OtherInsurance);
    r.elderly_recipient = Some(ElderlyRecipient {
        issued_on: Some(date(2025, 7, 1)),
        valid_from: Some(date(2025, 8, 1)),
        valid_until: Some(date(2026, 7, 31)),
        copay_ratio: CopayRatio::new(2),
    });
    r.limit_consent = Some(Consent { flag: ConsentFlag::Given, at: Some(at(2026, 4, 1, 9, 29, 0)) });
    r.limit_certificate = Some(LimitCertificate {
        classification: LimitCertificateClassification::LimitAndMealReduction,
        category: Some(LimitCategory::B05),
        issued_on: Some(date(2025, 8, 1)),
        valid_from: Some(date(2025, 8, 1)),
        valid_until: Some(date(2026, 7, 31)),
        long_term_on: Some(date(2025, 12, 1)),
    });
    r.specific_diseases_consent =
        Some(Consent { flag: SpecificDiseasesConsentFlag::Expired, at: Some(at(2025, 1, 1, 0, 0, 0)) });
    r.specific_diseases = vec![
        SpecificDisease {
            category: SpecificDiseaseCategory::ChronicRenalFailure,
            issued_on: Some(date(2020, 1, 1)),
            valid_from: Some(date(2020, 1, 1)),
            valid_until: None,
            self_pay_limit: Some(10000),
        },
        SpecificDisease {
            category: SpecificDiseaseCategory::Hemophilia,
            issued_on: None,
            valid_from: None,
            valid_until: None,
            self_pay_limit: None,
        },
    ];
    let viewing = ViewingConsent {
        flag: ConsentFlag::Given,
        at: Some(at(2026, 4, 1, 9, 29, 0)),
        available_until: Some(at(2026, 4, 2, 9, 29, 0)),
    };
    r.checkups_consent = Some(viewing.clone());
    r.drug_consent = Some(viewing.clone());
    r.diagnosis_consent = Some(ViewingConsent { flag: ConsentFlag::NotGiven, at: None, available_until: None });
    r.operation_consent = Some(viewing);
    let mut second = taro();
    second.card_classification = InsuredCardClassification::SelfDefenseForces;
    second.name_kana = Some("ｼﾝﾘｮｳ ﾀﾛｳ".into());
    let mut answer = EligibilityAnswer::found(QualificationValidity::Multiple, vec![r, second]);
    answer.prescription_issue = Some(PrescriptionIssueSelect::Electronic);
    answer.processing.message = Some(onshi_oqs::ResultMessage { code: "X1".into(), message: "注意".into() });
    for encoding in [TextEncoding::Utf8, TextEncoding::ShiftJis] {
        let response = EligibilityResponse::card_check(answer.clone(), None, at(2026, 4, 1, 9, 30, 5), encoding);
        let encoded = response.to_xml();
        assert!(encoded.replaced.is_empty());
        assert_eq!(parse_response(&encoded.bytes).expect("parses"), response);
    }
}

#[test]
fn a_response_with_a_bad_code_is_refused_naming_it() {
    let (_, bytes) = answer_to_template(TextEncoding::Utf8);
    let text = String::from_utf8(bytes).expect("UTF-8").replace("<Sex1>1</Sex1>", "<Sex1>7</Sex1>");
    let error = parse_response(text.as_bytes()).expect_err("bad sex");
    let message = error.to_string();
    assert!(message.contains("Sex1") && message.contains("\"7\"") && message.contains("未設定"), "{message}");
}

#[test]
fn a_query_the_platform_could_not_answer_gets_an_error_response_that_keeps_the_echo() {
    let bytes = shift_jis(&TEMPLATE.replace("CLINIC01", "受付"));
    let request = parse_request(&bytes).expect("parses");
    let response = EligibilityResponse::to_request(&request, EligibilityAnswer::not_found(), at(2026, 4, 1, 9, 30, 5))
        .failed(ServiceFailure::Unreachable, "connection refused\nat 127.0.0.1:9");
    let encoded = response.to_xml();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&encoded.bytes);
    assert!(text.contains("<SegmentOfResult>9</SegmentOfResult>"), "{text}");
    assert!(text.contains("<ErrorCode>ONS101</ErrorCode>"), "{text}");
    assert!(
        text.contains(
            "<ErrorMessage>資格確認サービスに接続できません: connection refused at 127.0.0.1:9</ErrorMessage>"
        ),
        "one line: {text}"
    );
    assert!(text.contains("<ProcessingResultCode>ONS101</ProcessingResultCode>"), "{text}");
    assert!(text.contains("<InsurerNumber>33120015</InsurerNumber>"), "the query is echoed: {text}");
    assert!(!text.contains("QualificationValidity"), "{text}");
    let parsed = parse_response(&encoded.bytes).expect("parses");
    assert_eq!(parsed, response);
    assert_eq!(parsed.header.encoding, TextEncoding::ShiftJis);
    let codes: Vec<_> = [
        ServiceFailure::Unreachable,
        ServiceFailure::Unauthorized,
        ServiceFailure::Unavailable,
        ServiceFailure::Refused,
    ]
    .iter()
    .map(|f| f.code())
    .collect();
    assert_eq!(codes, ["ONS101", "ONS102", "ONS103", "ONS104"]);
}
