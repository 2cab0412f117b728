use onshi_domain::Date;
use onshi_oqs::codes::{ConsentFlag, ReferenceClassification};
use onshi_oqs::encoding::DecodeError;
use onshi_oqs::{RequestError, TextEncoding, XmlError, parse_request};

use crate::{TEMPLATE, shift_jis, template_with};

fn date(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).expect("valid date")
}

fn refused(bytes: &[u8]) -> RequestError {
    parse_request(bytes).expect_err("refused").error
}

#[test]
fn the_template_parses_to_every_field() {
    let request = parse_request(TEMPLATE.as_bytes()).expect("template parses");
    assert_eq!(request.encoding, TextEncoding::Utf8);
    assert_eq!(request.reference, ReferenceClassification::InsuredCardInfo);
    assert_eq!(request.confirmation_date, Some(date(2026, 4, 1)));
    assert_eq!(request.medical_institution_code.as_deref(), Some("6540212424"));
    assert_eq!(request.arbitrary_file_identifier.as_deref(), Some("CLINIC01"));
    let s = &request.search;
    assert_eq!(s.insurer_number.as_str(), "33120015");
    assert_eq!(s.symbol.as_str(), "1234");
    assert_eq!(s.number.as_str(), "1987654");
    assert_eq!(s.branch, None);
    assert_eq!(s.birthdate, date(1980, 1, 2));
    assert_eq!(s.limit_consent, Some(ConsentFlag::Given));
    assert_eq!(s.arbitrary_identifier, None);
}

#[test]
fn the_templates_own_institution_code_is_a_placeholder_the_facility_check_names() {
    let request = parse_request(TEMPLATE.as_bytes()).expect("template parses");
    let error = request.facility_code().expect("code given").expect_err("no prefecture 65");
    assert!(error.to_string().contains("都道府県番号"), "{error}");
}

#[test]
fn the_template_in_shift_jis_parses_the_same() {
    let utf8 = parse_request(TEMPLATE.as_bytes()).expect("utf-8");
    let sjis = parse_request(&shift_jis(TEMPLATE)).expect("shift_jis");
    assert_eq!(sjis.encoding, TextEncoding::ShiftJis);
    assert_eq!(sjis.search, utf8.search);
}

#[test]
fn kanji_survive_shift_jis_as_declared_or_undeclared() {
    let text = template_with("InsuredCardSymbol", "札幌髙").replace("CLINIC01", "受付①");
    for bytes in [shift_jis(&text), shift_jis(&text.replace(" encoding='UTF-8'", ""))] {
        let request = parse_request(&bytes).expect("parses");
        assert_eq!(request.encoding, TextEncoding::ShiftJis);
        assert_eq!(request.search.symbol.as_str(), "札幌髙");
        assert_eq!(request.arbitrary_file_identifier.as_deref(), Some("受付①"));
    }
}

#[test]
fn a_committed_windows_file_in_shift_jis_with_crlf_parses() {
    let bytes = include_bytes!("../fixtures/clinic_sjis_crlf.xml");
    let request = parse_request(bytes).expect("parses");
    assert_eq!(request.encoding, TextEncoding::ShiftJis);
    assert_eq!(request.arbitrary_file_identifier.as_deref(), Some("受付０１"));
    let s = &request.search;
    assert_eq!(s.insurer_number.as_str(), "138057", "space-padded 国保 number");
    assert_eq!(s.symbol.as_str(), "札幌髙");
    assert_eq!(s.number.as_str(), "12345", "full-width digits folded");
    assert_eq!(s.branch.map(|b| b.to_string()).as_deref(), Some("01"));
    assert_eq!(s.birthdate, date(1951, 12, 31));
    assert_eq!(s.limit_consent, Some(ConsentFlag::NotGiven));
}

#[test]
fn shift_jis_under_a_utf8_declaration_is_read_as_shift_jis() {
    let text = template_with("InsuredCardSymbol", "東京");
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&text);
    let request = parse_request(&bytes).expect("falls back");
    assert_eq!(request.encoding, TextEncoding::ShiftJis);
    assert_eq!(request.search.symbol.as_str(), "東京");
}

#[test]
fn a_utf8_byte_order_mark_is_accepted() {
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend_from_slice(template_with("InsuredCardSymbol", "記号").as_bytes());
    let request = parse_request(&bytes).expect("parses");
    assert_eq!(request.encoding, TextEncoding::Utf8);
    assert_eq!(request.search.symbol.as_str(), "記号");
}

#[test]
fn insurer_numbers_padded_as_clinic_software_pads_them_are_normalised() {
    for (written, held) in [
        ("  138057", "138057"),
        ("00138057", "138057"),
        ("138057", "138057"),
        ("１３８０５７", "138057"),
        ("\u{3000}33120015 ", "33120015"),
        ("\r\n        33120015\r\n    ", "33120015"),
    ] {
        let request = parse_request(template_with("InsurerNumber", written).as_bytes())
            .unwrap_or_else(|e| panic!("{written:?}: {e}"));
        assert_eq!(request.search.insurer_number.as_str(), held, "{written:?}");
    }
}

#[test]
fn branch_empty_self_closed_missing_or_one_digit() {
    let self_closed = TEMPLATE.replace("<InsuredBranchNumber></InsuredBranchNumber>", "<InsuredBranchNumber/>");
    let missing = TEMPLATE.replace("<InsuredBranchNumber></InsuredBranchNumber>", "");
    let blank = template_with("InsuredBranchNumber", " \u{3000} ");
    for text in [self_closed, missing, blank] {
        assert_eq!(parse_request(text.as_bytes()).expect("parses").search.branch, None);
    }
    for (written, held) in [("1", "01"), ("01", "01"), ("０２", "02"), (" 10 ", "10")] {
        let request = parse_request(template_with("InsuredBranchNumber", written).as_bytes()).expect("parses");
        assert_eq!(request.search.branch.map(|b| b.to_string()).as_deref(), Some(held), "{written:?}");
    }
}

#[test]
fn crlf_line_ends_and_full_width_letters_are_accepted() {
    let text = template_with("InsuredCardSymbol", "ＡＢ－１").replace('\n', "\r\n");
    let request = parse_request(text.as_bytes()).expect("parses");
    assert_eq!(request.search.symbol.as_str(), "AB-1");
    assert_eq!(request.search.number.as_str(), "1987654");
}

#[test]
fn optional_elements_may_be_missing_and_unknown_ones_are_ignored() {
    let text = TEMPLATE
        .replace("<QualificationConfirmationDate>20260401</QualificationConfirmationDate>", "<Extra>x</Extra>")
        .replace("<InsuredCardSymbol>1234</InsuredCardSymbol>", "")
        .replace("<LimitApplicationCertificateRelatedConsFlg>1</LimitApplicationCertificateRelatedConsFlg>", "");
    let request = parse_request(text.as_bytes()).expect("parses");
    assert_eq!(request.confirmation_date, None);
    assert!(request.search.symbol.is_empty());
    assert_eq!(request.search.limit_consent, None);
}

#[test]
fn dates_in_other_forms_a_clerk_types_are_read() {
    for (written, held) in
        [("1980-01-02", date(1980, 1, 2)), ("S55.1.2", date(1980, 1, 2)), ("１９８００１０２", date(1980, 1, 2))]
    {
        let request = parse_request(template_with("Birthdate", written).as_bytes()).expect("parses");
        assert_eq!(request.search.birthdate, held, "{written:?}");
    }
}

#[test]
fn reference_classification_2_is_accepted_and_1_refused() {
    let with = |code: &str| {
        TEMPLATE.replace(
            "</MessageHeader>",
            &format!("<ReferenceClassification>{code}</ReferenceClassification></MessageHeader>"),
        )
    };
    assert!(parse_request(with("2").as_bytes()).is_ok());
    let error = refused(with("1").as_bytes());
    assert!(matches!(error, RequestError::Invalid { element: "MessageHeader/ReferenceClassification", .. }), "{error}");
}

#[test]
fn empty_and_blank_files_are_refused() {
    assert_eq!(refused(b""), RequestError::Empty);
    assert_eq!(refused(b" \r\n\t"), RequestError::Empty);
    assert_eq!(RequestError::Empty.code(), "ONS001");
}

#[test]
fn a_huge_file_is_answered_in_its_own_encoding() {
    let mut text = template_with("ArbitraryFileIdentifier", "受付");
    text.push_str(&"<!-- 受付 -->".repeat(5000));
    assert_eq!(parse_request(text.as_bytes()).expect_err("too large").encoding, TextEncoding::Utf8);
    assert_eq!(parse_request(&shift_jis(&text)).expect_err("too large").encoding, TextEncoding::ShiftJis);
}

#[test]
fn huge_files_are_refused_before_parsing() {
    let mut text = TEMPLATE.to_owned();
    text.push_str(&"<!-- padding -->".repeat(5000));
    let error = refused(text.as_bytes());
    assert!(matches!(error, RequestError::TooLarge { max: 65536, .. }), "{error}");
    assert_eq!(error.code(), "ONS002");
}

#[test]
fn text_that_is_not_xml_is_refused() {
    for bytes in [&b"hello, world"[..], b"<XmlMsg><MessageHeader></XmlMsg>", b"<<<>>>", b"\x00\x01\x02"] {
        let error = refused(bytes);
        assert!(matches!(error, RequestError::Xml(_) | RequestError::Encoding(_)), "{bytes:?}: {error}");
    }
}

#[test]
fn bytes_in_neither_encoding_are_refused_naming_the_offset() {
    let mut bytes = TEMPLATE.as_bytes().to_vec();
    bytes.splice(60..60, [0xFF, 0xFF]);
    let error = refused(&bytes);
    assert!(matches!(error, RequestError::Encoding(DecodeError::Undecodable { offset: 60, .. })), "{error}");
    assert_eq!(error.code(), "ONS003");
}

#[test]
fn other_encodings_are_refused_by_name() {
    let euc = TEMPLATE.replace("UTF-8", "EUC-JP");
    assert_eq!(refused(euc.as_bytes()), RequestError::Encoding(DecodeError::Unsupported { label: "EUC-JP".into() }));
    assert_eq!(refused(b"\xFF\xFE<\x00"), RequestError::Encoding(DecodeError::Utf16));
}

#[test]
fn a_wrong_root_is_refused() {
    let error = refused(b"<?xml version='1.0'?><Request><InsurerNumber>33120015</InsurerNumber></Request>");
    assert_eq!(error, RequestError::WrongRoot { found: "Request".into() });
    assert!(error.to_string().contains("<XmlMsg>"));
}

#[test]
fn a_missing_required_element_is_named() {
    let text = TEMPLATE.replace("<InsurerNumber>33120015</InsurerNumber>", "");
    let error = refused(text.as_bytes());
    assert_eq!(
        error,
        RequestError::Missing { element: "QualificationConfirmSearchInfo/InsurerNumber", label: "保険者番号" }
    );
    assert_eq!(error.code(), "ONS007");
    let text = template_with("InsuredIdentificationNumber", "  ");
    assert!(matches!(refused(text.as_bytes()), RequestError::Missing { label: "被保険者証番号", .. }));
    let text = template_with("MessageBody", "");
    assert!(matches!(refused(text.as_bytes()), RequestError::Missing { label: "照会条件", .. }));
}

#[test]
fn a_bad_check_digit_names_the_element_the_value_and_the_rule() {
    let failure = parse_request(template_with("InsurerNumber", "33120016").as_bytes()).expect_err("refused");
    let message = failure.error.to_string();
    assert!(message.contains("QualificationConfirmSearchInfo/InsurerNumber"), "{message}");
    assert!(message.contains("保険者番号"), "{message}");
    assert!(message.contains("\"33120016\""), "{message}");
    assert!(message.contains("検証番号") && message.contains("gives 5"), "{message}");
    assert_eq!(failure.error.code(), "ONS009");
    // What the error response can echo was read.
    assert_eq!(failure.medical_institution_code.as_deref(), Some("6540212424"));
    assert_eq!(failure.arbitrary_file_identifier.as_deref(), Some("CLINIC01"));
    assert_eq!(failure.confirmation_date, Some(date(2026, 4, 1)));
    assert_eq!(failure.encoding, TextEncoding::Utf8);
}

#[test]
fn other_invalid_values_name_their_element() {
    for (element, value, rule) in [
        ("Birthdate", "20230230", "does not exist"),
        ("InsuredBranchNumber", "123", "2 digits"),
        ("InsuredCardSymbol", "12 34", "letters, digits"),
        ("LimitApplicationCertificateRelatedConsFlg", "9", "0 (未同意), 1 (同意)"),
        ("MedicalInstitutionCode", "12345", "10 digits"),
        ("QualificationConfirmationDate", "tomorrow", "yyyyMMdd"),
    ] {
        let error = refused(template_with(element, value).as_bytes());
        let message = error.to_string();
        assert!(matches!(error, RequestError::Invalid { .. }), "{element}: {message}");
        assert!(message.contains(element) && message.contains(value) && message.contains(rule), "{message}");
    }
}

#[test]
fn a_truncated_file_is_refused_naming_where_it_ends() {
    let cut = &TEMPLATE[..TEMPLATE.find("<Birthdate>").expect("in template")];
    let error = refused(cut.as_bytes());
    assert_eq!(
        error,
        RequestError::Xml(XmlError::Truncated { open: "XmlMsg/MessageBody/QualificationConfirmSearchInfo".into() })
    );
    // Cut inside a multi-byte character, in both encodings.
    let bytes = TEMPLATE.replace("CLINIC01", "受付").into_bytes();
    let at = bytes.iter().position(|&b| b >= 0x80).expect("non-ASCII") + 1;
    assert!(parse_request(&bytes[..at]).is_err());
    let bytes = shift_jis(&TEMPLATE.replace("CLINIC01", "受付"));
    let at = bytes.iter().position(|&b| b >= 0x80).expect("non-ASCII") + 1;
    assert!(parse_request(&bytes[..at]).is_err());
}

#[test]
fn duplicated_elements_are_refused() {
    let text = TEMPLATE.replace(
        "<InsurerNumber>33120015</InsurerNumber>",
        "<InsurerNumber>33120015</InsurerNumber><InsurerNumber>138057</InsurerNumber>",
    );
    assert_eq!(
        refused(text.as_bytes()),
        RequestError::Duplicate {
            element: "QualificationConfirmSearchInfo/InsurerNumber",
            label: "保険者番号",
            count: 2
        }
    );
}

#[test]
fn doctype_and_undefined_entities_are_refused() {
    let laughs = TEMPLATE.replacen(
        "<XmlMsg>",
        "<!DOCTYPE XmlMsg [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><XmlMsg>",
        1,
    );
    assert_eq!(refused(laughs.as_bytes()), RequestError::Xml(XmlError::DocType));
    let entity = template_with("ArbitraryFileIdentifier", "&b;");
    assert_eq!(refused(entity.as_bytes()), RequestError::Xml(XmlError::Entity { name: "b".into() }));
    let ok = template_with("ArbitraryFileIdentifier", "A&amp;B&#x53D7;&#20184;<![CDATA[<x>]]>");
    let request = parse_request(ok.as_bytes()).expect("predefined and character references");
    assert_eq!(request.arbitrary_file_identifier.as_deref(), Some("A&B受付<x>"));
}

#[test]
fn deep_nesting_is_refused() {
    let deep = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
    let text = template_with("ArbitraryFileIdentifier", &deep);
    assert!(matches!(refused(text.as_bytes()), RequestError::Xml(XmlError::TooDeep { .. })));
}

#[test]
fn other_request_kinds_are_refused_as_unsupported() {
    let text = TEMPLATE.replace("QualificationConfirmSearchInfo", "ReferenceNumberRegistrationInfo");
    let error = refused(text.as_bytes());
    assert_eq!(error, RequestError::Unsupported { element: "MessageBody/ReferenceNumberRegistrationInfo".into() });
    assert_eq!(error.code(), "ONS006");
}

#[test]
fn a_refusal_is_answered_in_the_encoding_the_file_was_written_in() {
    let bytes = shift_jis(&template_with("InsurerNumber", "99999999"));
    assert_eq!(parse_request(&bytes).expect_err("refused").encoding, TextEncoding::ShiftJis);
    let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode("<?xml version='1.0' encoding='UTF-8'?><受付>");
    assert_eq!(parse_request(&bytes).expect_err("refused").encoding, TextEncoding::ShiftJis);
}
