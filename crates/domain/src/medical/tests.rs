//! Tests of the medical records: every rule's boundary, every error naming its
//! field, value and rule, round trips of generated rows, and the windows.

use proptest::prelude::*;

use super::*;
use crate::id::{Branch, FacilityCode, FeeTable, InsurerNumber};
use crate::person::Sex;

fn d(text: &str) -> Date {
    values::parse_iso_date(text).expect("a test date")
}

const KEY: &str = r#""record_id":"R-1","insurer_number":"06132013","symbol":"12-3","number":"4567","branch":"01""#;

fn drug_line(body: &str) -> String {
    format!(
        r#"{{"type":"drug",{KEY},"dispensed_on":"2026-10-01","facility_code":"1342000016","facility_name":"さくら薬局","name":"アムロジピン錠5mg","ingredient":"アムロジピンベシル酸塩","route":"internal","dose":"1日1回朝食後","unit":"錠"{body}}}"#
    )
}

/// The one place that calls the parser: `ok <body>` or `err <message>`.
fn check(line: &str) -> String {
    match parse_line_as_of(line, d("2026-11-22")) {
        Ok(row) => format!("ok {}", row.record.to_json()),
        Err(err) => format!("err {err}"),
    }
}

fn err(line: &str) -> String {
    let out = check(line);
    assert!(out.starts_with("err "), "expected an error for {line}, got {out}");
    out[4..].to_owned()
}

fn drug(body: &str) -> String {
    check(&drug_line(body))
}

#[test]
fn facility_codes_used_here_are_valid() {
    for code in ["1342000016", "1312345676", "2710100013"] {
        assert!(code.parse::<FacilityCode>().is_ok(), "{code}: {:?}", code.parse::<FacilityCode>());
    }
    assert!("06132013".parse::<InsurerNumber>().is_ok());
}

#[test]
fn record_kind_codes_round_trip() {
    for kind in RecordKind::ALL {
        assert_eq!(RecordKind::from_code(kind.code()), Some(kind));
    }
    assert_eq!(RecordKind::from_code("Drug"), None);
    assert_eq!(RecordKind::ALL.map(RecordKind::label_ja), ["薬剤情報", "診療情報", "医療費情報", "特定健診等情報"]);
}

#[test]
fn a_drug_line_parses_to_its_canonical_body() {
    assert_eq!(
        drug(r#","drug_code":"620008676","quantity":1.0,"days":28"#),
        r#"ok {"dispensed_on":"2026-10-01","facility_code":"1342000016","facility_name":"さくら薬局","drug_code":"620008676","name":"アムロジピン錠5mg","ingredient":"アムロジピンベシル酸塩","route":"internal","dose":"1日1回朝食後","quantity":1,"unit":"錠","days":28}"#
    );
}

#[test]
fn error_display_names_field_value_and_rule() {
    assert_eq!(
        drug(r#","drug_code":"12345","quantity":1,"days":28"#),
        r#"err drug_code "12345": a レセプト電算 drug code is 9 digits starting with 6"#
    );
}

#[test]
fn drug_codes_and_yj_codes_have_their_shapes() {
    let with = |codes: &str| drug(&format!(r#"{codes},"quantity":1,"days":1"#));
    assert!(with(r#","drug_code":"610406079""#).starts_with("ok"));
    assert!(with(r#","drug_code":"710406079""#).contains("9 digits starting with 6"));
    assert!(with(r#","drug_code":"6104060790""#).contains("9 digits starting with 6"));
    assert!(with(r#","yj_code":"2171022F1020""#).starts_with("ok"));
    assert_eq!(
        with(r#","yj_code":"2171022f1020""#),
        r#"err yj_code "2171022f1020": a YJ code is 12 characters: 7 digits, a capital letter (剤形), 4 digits"#
    );
    assert!(with(r#","yj_code":"217102F21020""#).contains("YJ code is 12 characters"));
    assert!(with(r#","yj_code":"2171022F102""#).contains("YJ code is 12 characters"));
    assert_eq!(with(""), r#"err drug_code "": a drug record needs a drug_code, a yj_code or both"#);
    assert!(with(r#","drug_code":"610406079","yj_code":"2171022F1020""#).starts_with("ok"));
}

#[test]
fn days_run_from_1_to_365() {
    let days = |n: &str| drug(&format!(r#","drug_code":"610406079","quantity":1,"days":{n}"#));
    assert_eq!(days("0"), r#"err days "0": 投与日数 must be a whole number from 1 to 365"#);
    assert!(days("1").starts_with("ok"));
    assert!(days("365").starts_with("ok"));
    assert_eq!(days("366"), r#"err days "366": 投与日数 must be a whole number from 1 to 365"#);
    assert!(days("1.5").contains("投与日数 must be a whole number"));
    assert!(days(r#""7""#).contains("投与日数 must be a whole number"));
    assert_eq!(
        drug(r#","drug_code":"610406079","quantity":1"#),
        r#"err days "": is required in a drug record that is not as-needed (頓用)"#
    );
}

#[test]
fn as_needed_gives_times_instead_of_days() {
    let line = |rest: &str| drug(&format!(r#","drug_code":"610406079","quantity":1{rest}"#));
    assert!(line(r#","as_needed":true,"times":10"#).ends_with(r#""as_needed":true,"times":10}"#));
    assert!(line(r#","as_needed":true,"times":100"#).starts_with("ok"));
    assert_eq!(
        line(r#","as_needed":true,"times":0"#),
        r#"err times "0": 頓用 回数 must be a whole number from 1 to 100"#
    );
    assert_eq!(
        line(r#","as_needed":true,"times":101"#),
        r#"err times "101": 頓用 回数 must be a whole number from 1 to 100"#
    );
    assert_eq!(
        line(r#","as_needed":true,"days":5,"times":10"#),
        r#"err days "5": must be left out of an as-needed (頓用) record, which gives times"#
    );
    assert_eq!(
        line(r#","days":5,"times":10"#),
        r#"err times "10": is only for as-needed (頓用) records, with as_needed: true"#
    );
    assert_eq!(line(r#","as_needed":"yes","times":10"#), r#"err as_needed "yes": must be true or false"#);
    // as_needed: false is the same as leaving it out.
    assert_eq!(line(r#","as_needed":false,"days":5"#), line(r#","days":5"#));
}

#[test]
fn quantity_is_positive_with_at_most_3_decimals() {
    let quantity = |q: &str| drug(&format!(r#","drug_code":"610406079","quantity":{q},"days":7"#));
    let rule = "must be a number greater than 0 and at most 100000, with at most 3 decimals";
    assert_eq!(quantity("0"), format!(r#"err quantity "0": {rule}"#));
    assert_eq!(quantity("-1"), format!(r#"err quantity "-1": {rule}"#));
    assert!(quantity("0.001").contains(r#""quantity":0.001,"#));
    assert_eq!(quantity("0.0001"), format!(r#"err quantity "0.0001": {rule}"#));
    assert!(quantity("1.250").contains(r#""quantity":1.25,"#));
    assert_eq!(quantity("1.2345"), format!(r#"err quantity "1.2345": {rule}"#));
    assert!(quantity("100000").contains(r#""quantity":100000,"#));
    assert_eq!(quantity("100000.001"), format!(r#"err quantity "100000.001": {rule}"#));
    assert_eq!(quantity(r#""1""#), format!(r#"err quantity "1": {rule}"#));
}

#[test]
fn unit_route_and_names_are_checked() {
    let base = r#","drug_code":"610406079","quantity":1,"days":7"#;
    let replace = |from: &str, to: &str| check(&drug_line(base).replace(from, to));
    assert_eq!(
        replace(r#""unit":"錠""#, r#""unit":"123456789""#),
        r#"err unit "123456789": must be at most 8 characters, got 9"#
    );
    assert!(replace(r#""unit":"錠""#, r#""unit":"12345678""#).starts_with("ok"));
    assert_eq!(replace(r#""unit":"錠""#, r#""unit":"  ""#), r#"err unit "  ": must not be empty"#);
    assert_eq!(
        replace(r#""route":"internal""#, r#""route":"oral""#),
        r#"err route "oral": must be internal (内服), external (外用) or injection (注射)"#
    );
    assert_eq!(
        replace(r#""name":"アムロジピン錠5mg""#, "\"name\":\"a\\u0007b\""),
        "err name \"a\\u{7}b\": must not contain control characters, found U+0007"
    );
    assert!(
        replace(r#""name":"アムロジピン錠5mg""#, r#""name":"  アムロジピン錠5mg ""#)
            .contains(r#""name":"アムロジピン錠5mg""#)
    );
}

#[test]
fn prescriber_code_and_name_come_together() {
    let base = r#","drug_code":"610406079","quantity":1,"days":7"#;
    assert!(
        drug(&format!(
            r#"{base},"prescriber_facility_code":"1312345676","prescriber_facility_name":"みどり内科クリニック""#
        ))
        .starts_with("ok")
    );
    assert_eq!(
        drug(&format!(r#"{base},"prescriber_facility_code":"1312345676""#)),
        r#"err prescriber_facility_name "": is required with prescriber_facility_code 1312345676"#
    );
    assert_eq!(
        drug(&format!(r#"{base},"prescriber_facility_name":"みどり内科""#)),
        r#"err prescriber_facility_code "": is required with prescriber_facility_name "みどり内科""#
    );
    assert!(
        drug(&format!(r#"{base},"prescriber_facility_code":"1312345677","prescriber_facility_name":"x""#))
            .starts_with(r#"err prescriber_facility_code "1312345677": 医療機関コード"#)
    );
}

#[test]
fn envelope_errors_name_their_field() {
    let base = r#","drug_code":"610406079","quantity":1,"days":7"#;
    let line = drug_line(base);
    assert_eq!(
        err(&line.replace(r#""type":"drug","#, "")),
        r#"type "": is required: drug, clinical, expense or checkup"#
    );
    assert_eq!(
        err(&line.replace(r#""type":"drug""#, r#""type":"lab""#)),
        r#"type "lab": must be drug, clinical, expense or checkup"#
    );
    assert_eq!(
        err(&line.replace(r#""record_id":"R-1""#, r#""record_id":"R 1""#)),
        r#"record_id "R 1": a record id is 1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'"#
    );
    assert!(
        check(&line.replace(r#""record_id":"R-1""#, &format!(r#""record_id":"{}""#, "a".repeat(64)))).starts_with("ok")
    );
    assert!(
        err(&line.replace(r#""record_id":"R-1""#, &format!(r#""record_id":"{}""#, "a".repeat(65))))
            .starts_with("record_id")
    );
    assert_eq!(
        err(&line.replace("06132013", "06132014")),
        r#"insurer_number "06132014": 保険者番号 "06132014": 検証番号 is 4, but the weights-2,1 rule of 保険者番号等設定要領 gives 3"#
    );
    assert_eq!(
        err(&line.replace(r#""branch":"01""#, r#""branch":"001""#)),
        r#"branch "001": 枝番 must be 2 digits (00–99), got "001""#
    );
    assert_eq!(err(&line.replace(r#""number":"4567""#, r#""number":"""#)), r#"number "": 番号 must not be empty"#);
    assert_eq!(
        err(&line.replace(r#""branch":"01""#, r#""branch":1"#)),
        r#"branch "1": must be a string, not a number"#
    );
    // 記号 may be left out: many 国保 and 後期高齢者医療 have none.
    let row = parse_line(&line.replace(r#""symbol":"12-3","#, "")).expect("no symbol");
    assert!(row.key.symbol.is_empty());
    assert_eq!(row.key.branch, Branch::new(1).expect("01"));
}

#[test]
fn unknown_and_repeated_fields_are_refused() {
    let line = drug_line(r#","drug_code":"610406079","quantity":1,"days":7,"dispenced_on":"2026-10-01""#);
    let message = err(&line);
    assert!(
        message
            .starts_with(r#"dispenced_on "2026-10-01": is not a field of a drug record (its fields: type, record_id,"#),
        "{message}"
    );
    let line = drug_line(r#","drug_code":"610406079","quantity":1,"days":7,"days":8"#);
    assert_eq!(err(&line), r#"days "8": is given twice"#);
    // A clinical field on a drug line is unknown too.
    assert!(
        err(&drug_line(r#","drug_code":"610406079","quantity":1,"days":7,"category":"x""#)).starts_with("category")
    );
    assert_eq!(err("[1,2]"), r#"line "[1,2]": must be a JSON object, not an array"#);
    assert!(err("{\"type\":").starts_with("line \"{\\\"type\\\":\": is not JSON: EOF while parsing"));
    assert!(err("").starts_with("line \"\": is not JSON"));
}

#[test]
fn dates_are_strict_and_not_in_the_future() {
    let base = r#","drug_code":"610406079","quantity":1,"days":7"#;
    let with = |date: &str| check(&drug_line(base).replace("2026-10-01", date));
    assert_eq!(with("2026-02-29"), r#"err dispensed_on "2026-02-29": is not a calendar date"#);
    assert_eq!(with("2026/10/01"), r#"err dispensed_on "2026/10/01": a date is written YYYY-MM-DD"#);
    assert_eq!(with("2026-10-1"), r#"err dispensed_on "2026-10-1": a date is written YYYY-MM-DD"#);
    assert!(with("2024-02-29").starts_with("ok"));
    assert!(with("2026-11-22").starts_with("ok"));
    assert_eq!(
        with("2026-11-23"),
        r#"err dispensed_on "2026-11-23": is after today (2026-11-22); a record cannot be dated in the future"#
    );
    // parse_line alone does not look at today.
    assert!(parse_line(&drug_line(base).replace("2026-10-01", "2030-01-01")).is_ok());
}

fn clinical(category: &str, system: &str, code: &str, extra: &str) -> String {
    check(&format!(
        r#"{{"type":"clinical",{KEY},"performed_on":"2026-09-12","facility_code":"1312345676","facility_name":"みどり内科クリニック","category":"{category}","code_system":"{system}","code":"{code}","name":"高血圧症"{extra}}}"#
    ))
}

#[test]
fn clinical_codes_follow_category_and_system() {
    assert!(clinical("procedure", "densan", "160000310", "").starts_with("ok"));
    assert!(clinical("surgery", "densan", "150000110", "").starts_with("ok"));
    assert_eq!(
        clinical("procedure", "densan", "260000310", ""),
        r#"err code "260000310": a レセプト電算 診療行為 code is 9 digits starting with 1"#
    );
    assert!(clinical("surgery", "densan", "15000011", "").contains("9 digits starting with 1"));
    assert!(
        clinical("diagnosis", "densan", "8833421", r#","icd10":"I10""#)
            .ends_with(r#""code":"8833421","name":"高血圧症","icd10":"I10"}"#)
    );
    assert_eq!(
        clinical("diagnosis", "densan", "883342", ""),
        r#"err code "883342": a レセプト電算 傷病名 code is 7 digits"#
    );
    assert!(clinical("diagnosis", "icd10", "E11.9", "").starts_with("ok"));
    assert!(clinical("diagnosis", "icd10", "E11.65", "").starts_with("ok"));
    assert!(clinical("diagnosis", "icd10", "E11", "").starts_with("ok"));
    for bad in ["E1", "e11.9", "E11.", "E11.123", "E119", "11E.9"] {
        assert_eq!(
            clinical("diagnosis", "icd10", bad, ""),
            format!(
                r#"err code "{bad}": an ICD-10 code is a capital letter and 2 digits, optionally '.' and 1 or 2 digits (e.g. E11.9)"#
            )
        );
    }
    assert_eq!(
        clinical("procedure", "icd10", "E11.9", ""),
        r#"err code_system "icd10": icd10 codes diagnoses only; a procedure is coded densan"#
    );
    assert_eq!(
        clinical("diagnosis", "icd10", "E11.9", r#","icd10":"E11.9""#),
        r#"err icd10 "E11.9": is only given beside a densan code of a diagnosis (category diagnosis, code_system densan)"#
    );
    assert_eq!(
        clinical("exam", "densan", "160000310", ""),
        r#"err category "exam": must be procedure (診療行為), surgery (手術) or diagnosis (傷病名)"#
    );
    assert_eq!(
        clinical("procedure", "jlac10", "160000310", ""),
        r#"err code_system "jlac10": must be densan (レセプト電算処理システム マスター) or icd10 (ICD-10)"#
    );
}

fn expense(month: &str, days: &str, total: &str, copay: &str) -> String {
    check(&format!(
        r#"{{"type":"expense",{KEY},"month":"{month}","facility_code":"1312345676","facility_name":"みどり内科クリニック","days":{days},"total_yen":{total},"copay_yen":{copay}}}"#
    ))
}

#[test]
fn expense_boundaries() {
    assert!(expense("2026-10", "1", "0", "0").starts_with("ok"));
    assert_eq!(expense("2026-10", "0", "10", "3"), r#"err days "0": 診療実日数 must be a whole number from 1 to 31"#);
    assert!(expense("2026-10", "31", "10", "3").starts_with("ok"));
    assert_eq!(expense("2026-10", "32", "10", "3"), r#"err days "32": 診療実日数 must be a whole number from 1 to 31"#);
    assert_eq!(
        expense("2026-09", "31", "10", "3"),
        r#"err days "31": 診療実日数 cannot exceed the 30 days of 2026-09"#
    );
    assert!(expense("2024-02", "29", "10", "3").starts_with("ok"));
    assert_eq!(
        expense("2025-02", "29", "10", "3"),
        r#"err days "29": 診療実日数 cannot exceed the 28 days of 2025-02"#
    );
    assert!(expense("2026-10", "3", "12340", "12340").starts_with("ok"));
    assert_eq!(
        expense("2026-10", "3", "12340", "12341"),
        r#"err copay_yen "12341": 窓口負担相当額 cannot exceed total_yen 12340"#
    );
    assert_eq!(
        expense("2026-10", "3", "-1", "0"),
        r#"err total_yen "-1": must be a whole number of yen from 0 to 9999999999"#
    );
    assert!(expense("2026-10", "3", "9999999999", "0").starts_with("ok"));
    assert!(expense("2026-10", "3", "10000000000", "0").starts_with("err total_yen"));
    assert_eq!(
        expense("2026-13", "3", "10", "0"),
        r#"err month "2026-13": a month is written YYYY-MM with a month from 01 to 12"#
    );
    assert_eq!(
        expense("2026-1", "3", "10", "0"),
        r#"err month "2026-1": a month is written YYYY-MM with a month from 01 to 12"#
    );
    // The month of today is allowed, the next one is in the future.
    assert!(expense("2026-11", "3", "10", "0").starts_with("ok"));
    assert_eq!(
        expense("2026-12", "3", "10", "0"),
        r#"err month "2026-12": is after today (2026-11-22); a record cannot be dated in the future"#
    );
}

fn checkup(results: &str) -> String {
    check(&format!(
        r#"{{"type":"checkup",{KEY},"checked_on":"2026-06-10","facility_code":"1391234567","facility_name":"さくら健診センター","results":{results}}}"#
    ))
}

#[test]
fn checkup_results_are_checked_and_normalised() {
    assert_eq!(
        checkup(r#"{"urine_protein":"+-","hba1c":5.60,"urine_glucose":"-","height":170,"weight":65.0,"bmi":22.5}"#),
        r#"ok {"checked_on":"2026-06-10","facility_code":"1391234567","facility_name":"さくら健診センター","results":{"height":170,"weight":65,"bmi":22.5,"hba1c":5.6,"urine_glucose":"−","urine_protein":"±"}}"#
    );
    assert_eq!(
        checkup("{}"),
        r#"err results "{}": must hold at least one of: height, weight, bmi, waist, systolic_bp, diastolic_bp, hba1c, fasting_glucose, triglycerides, hdl, ldl, ast, alt, gamma_gt, urine_glucose, urine_protein"#
    );
    assert_eq!(checkup("[]"), r#"err results "[]": must be an object of checkup items, not an array"#);
    assert_eq!(
        checkup(r#"{"hba1c":25}"#),
        r#"err results.hba1c "25": HbA1c（NGSP値） must be a number from 3 to 20 % with at most 1 decimal (a plausible value)"#
    );
    assert!(checkup(r#"{"hba1c":20}"#).starts_with("ok"));
    assert!(checkup(r#"{"hba1c":20.1}"#).starts_with("err results.hba1c"));
    assert!(checkup(r#"{"hba1c":5.65}"#).starts_with("err results.hba1c"));
    assert_eq!(
        checkup(r#"{"height":1.7}"#),
        r#"err results.height "1.7": 身長 must be a number from 100 to 230 cm with at most 1 decimal (a plausible value)"#
    );
    assert_eq!(
        checkup(r#"{"urine_protein":"++++"}"#),
        r#"err results.urine_protein "++++": 尿蛋白 is one of "−", "±", "+", "2+", "3+" (also "-" and "+-")"#
    );
    assert_eq!(
        checkup(r#"{"cholesterol":200}"#),
        r#"err results.cholesterol "200": is not a field of the checkup results (its fields: height, weight, bmi, waist, systolic_bp, diastolic_bp, hba1c, fasting_glucose, triglycerides, hdl, ldl, ast, alt, gamma_gt, urine_glucose, urine_protein)"#
    );
    assert_eq!(
        checkup(r#"{"height":170,"weight":65,"bmi":22.8}"#),
        r#"err results.bmi "22.8": disagrees with height 170 cm and weight 65 kg, which give 22.5 (allowed difference 0.2)"#
    );
    assert!(checkup(r#"{"height":170,"weight":65,"bmi":22.7}"#).starts_with("ok"));
    assert!(checkup(r#"{"height":170,"weight":65,"bmi":22.3}"#).starts_with("ok"));
    assert!(checkup(r#"{"height":170,"weight":65,"bmi":22.2}"#).starts_with("err results.bmi"));
    assert_eq!(
        checkup(r#"{"systolic_bp":120,"diastolic_bp":120}"#),
        r#"err results.diastolic_bp "120": must be below systolic_bp 120"#
    );
    assert_eq!(
        check(&checkup_line_with_facility("139123456")),
        r#"err facility_code "139123456": a 健診機関番号 is 10 digits"#
    );
}

fn checkup_line_with_facility(code: &str) -> String {
    format!(
        r#"{{"type":"checkup",{KEY},"checked_on":"2026-06-10","facility_code":"{code}","facility_name":"さくら健診センター","results":{{"ldl":130}}}}"#
    )
}

#[test]
fn flags_follow_the_guidance_thresholds() {
    let flag = |item: CheckupItem, tenths: u32, sex: Option<Sex>| {
        CheckupResult { item, value: CheckupValue::Tenths(tenths) }.flag(sex)
    };
    use CheckupItem::*;
    let cases = [
        (Bmi, 249, 250),
        (SystolicBp, 1299, 1300),
        (DiastolicBp, 849, 850),
        (Hba1c, 55, 56),
        (FastingGlucose, 999, 1000),
        (Triglycerides, 1499, 1500),
        (Ldl, 1199, 1200),
        (Ast, 309, 310),
        (Alt, 309, 310),
        (GammaGt, 509, 510),
    ];
    for (item, within, beyond) in cases {
        assert_eq!(flag(item, within, None), Some(Flag::Within), "{item}");
        assert_eq!(flag(item, beyond, None), Some(Flag::Beyond), "{item}");
    }
    assert_eq!(flag(Hdl, 400, None), Some(Flag::Within));
    assert_eq!(flag(Hdl, 399, None), Some(Flag::Beyond));
    assert_eq!(flag(Waist, 849, Some(Sex::Male)), Some(Flag::Within));
    assert_eq!(flag(Waist, 850, Some(Sex::Male)), Some(Flag::Beyond));
    assert_eq!(flag(Waist, 899, Some(Sex::Female)), Some(Flag::Within));
    assert_eq!(flag(Waist, 900, Some(Sex::Female)), Some(Flag::Beyond));
    assert_eq!(flag(Waist, 900, None), None);
    assert_eq!(flag(Waist, 900, Some(Sex::Unset)), None);
    assert_eq!(flag(Height, 1700, None), None);
    let urine =
        |item: CheckupItem, level: UrineLevel| CheckupResult { item, value: CheckupValue::Urine(level) }.flag(None);
    assert_eq!(urine(UrineProtein, UrineLevel::Negative), Some(Flag::Within));
    assert_eq!(urine(UrineProtein, UrineLevel::Trace), Some(Flag::Beyond));
    assert_eq!(urine(UrineGlucose, UrineLevel::Trace), Some(Flag::Within));
    assert_eq!(urine(UrineGlucose, UrineLevel::Plus1), Some(Flag::Beyond));
    for item in CheckupItem::ALL {
        assert_eq!(CheckupItem::from_code(item.code()), Some(item));
        assert!(!item.label_ja().is_empty());
        assert_eq!(item.threshold().is_some(), !item.reference_ja().is_empty(), "{item}");
        assert_eq!(item.is_qualitative(), item.unit().is_empty(), "{item}");
    }
}

#[test]
fn urine_levels_accept_their_spellings() {
    for (text, level) in [
        ("−", UrineLevel::Negative),
        ("-", UrineLevel::Negative),
        ("±", UrineLevel::Trace),
        ("+-", UrineLevel::Trace),
        ("+", UrineLevel::Plus1),
        ("1+", UrineLevel::Plus1),
        ("2+", UrineLevel::Plus2),
        ("3+", UrineLevel::Plus3),
    ] {
        assert_eq!(UrineLevel::parse(text), Some(level), "{text}");
    }
    for level in UrineLevel::ALL {
        assert_eq!(UrineLevel::parse(level.symbol()), Some(level));
    }
}

#[test]
fn from_json_refuses_envelope_fields_and_names_the_problem() {
    let row = parse_line(&drug_line(r#","drug_code":"610406079","quantity":1,"days":7"#)).expect("valid");
    let body = row.record.to_json();
    assert_eq!(MedicalRecord::from_json(RecordKind::Drug, &body), Ok(row.record.clone()));
    let with_type = body.replacen('{', r#"{"type":"drug","#, 1);
    assert!(
        MedicalRecord::from_json(RecordKind::Drug, &with_type).expect_err("type is not a body field").field == "type"
    );
    let error = MedicalRecord::from_json(RecordKind::Clinical, &body).expect_err("a drug body is not a clinical one");
    assert_eq!(error.field, "dispensed_on");
    assert!(error.rule.starts_with("is not a field of a clinical record"));
}

#[test]
fn error_values_are_cut_to_64_characters() {
    let long = "x".repeat(100);
    let error = err(&drug_line(&format!(r#","drug_code":"{long}","quantity":1,"days":7"#)));
    assert_eq!(
        error,
        format!(r#"drug_code "{}…": a レセプト電算 drug code is 9 digits starting with 6"#, "x".repeat(64))
    );
}

#[test]
fn bmi_rounds_half_up() {
    assert_eq!(bmi_tenths(1700, 650), 225);
    assert_eq!(bmi_tenths(1600, 640), 250);
    assert_eq!(bmi_tenths(1000, 200), 200);
}

// Windows.

#[test]
fn windows_of_design() {
    let today = d("2026-11-22");
    assert_eq!(window_start(RecordKind::Drug, today), d("2023-11-22"));
    assert_eq!(window_start(RecordKind::Clinical, today), d("2023-11-22"));
    assert_eq!(window_start(RecordKind::Checkup, today), d("2021-11-22"));
    assert_eq!(window_start(RecordKind::Expense, today), d("2021-11-01"));
    assert!(in_window(RecordKind::Drug, d("2023-11-22"), today));
    assert!(!in_window(RecordKind::Drug, d("2023-11-21"), today));
    assert!(in_window(RecordKind::Drug, today, today));
    assert!(!in_window(RecordKind::Drug, d("2026-11-23"), today));
    // Leap days: the day before does not exist 3 or 5 years back.
    assert_eq!(window_start(RecordKind::Drug, d("2024-02-29")), d("2021-02-28"));
    assert_eq!(window_start(RecordKind::Checkup, d("2024-02-29")), d("2019-02-28"));
    assert_eq!(window_start(RecordKind::Drug, d("2027-02-28")), d("2024-02-28"));
    assert_eq!(window_start(RecordKind::Drug, d("2027-03-01")), d("2024-03-01"));
    assert_eq!(window_start(RecordKind::Checkup, d("2028-02-29")), d("2023-02-28"));
    assert!(!RecordKind::Expense.shown_to_facilities());
}

// Generators of valid rows.

fn text_strategy(max: usize) -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "さくら薬局",
            "アムロジピン錠5mg",
            "1日1回朝食後",
            "錠",
            "みどり内科クリニック",
            "γ-GT",
            "\"quoted\" \\ name"
        ])
        .prop_map(str::to_owned),
        "[a-zA-Zぁ-んァ-ン一-龥0-9 ]{1,12}",
    ]
    .prop_map(move |text: String| text.chars().take(max).collect::<String>().trim().to_owned())
    .prop_filter("not empty after trimming", |text| !text.is_empty())
}

fn date_strategy() -> impl Strategy<Value = Date> {
    (0i64..(365 * 30)).prop_map(|offset| d("2000-01-01") + chrono::Days::new(offset as u64))
}

fn facility_strategy() -> impl Strategy<Value = FacilityCode> {
    (
        1u8..=47,
        prop::sample::select(vec![FeeTable::Medical, FeeTable::Dental, FeeTable::Pharmacy]),
        0u8..100,
        0u16..10000,
    )
        .prop_map(|(prefecture, table, district, serial)| {
            FacilityCode::from_parts(prefecture, table, district, serial).expect("from parts")
        })
}

fn digits_strategy(len: usize, first: Option<char>) -> impl Strategy<Value = String> {
    prop::collection::vec(0u8..10, len).prop_map(move |digits| {
        let mut text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        if let Some(first) = first {
            text.replace_range(0..1, &first.to_string());
        }
        text
    })
}

fn icd10_strategy() -> impl Strategy<Value = Icd10> {
    (
        prop::char::range('A', 'Z'),
        digits_strategy(2, None),
        prop::option::of(digits_strategy(1, None)),
        prop::option::of(digits_strategy(1, None)),
    )
        .prop_map(|(letter, head, first, second)| {
            let mut code = format!("{letter}{head}");
            if let Some(first) = first {
                code.push('.');
                code.push_str(&first);
                if let Some(second) = second {
                    code.push_str(&second);
                }
            }
            code.parse().expect("shaped")
        })
}

fn drug_strategy() -> impl Strategy<Value = MedicalRecord> {
    let codes = (
        prop::option::of(digits_strategy(9, Some('6'))),
        prop::option::of((digits_strategy(7, None), prop::char::range('A', 'Z'), digits_strategy(4, None))),
    )
        .prop_filter("one code at least", |(drug, yj)| drug.is_some() || yj.is_some());
    let supply = prop_oneof![
        (1u16..=MAX_DAYS).prop_map(Supply::Days),
        (1u16..=MAX_TIMES).prop_map(|times| Supply::AsNeeded { times })
    ];
    (
        (
            date_strategy(),
            facility_strategy(),
            text_strategy(MAX_FACILITY_NAME_CHARS),
            prop::option::of((facility_strategy(), text_strategy(40))),
        ),
        codes,
        (
            text_strategy(MAX_NAME_CHARS),
            text_strategy(MAX_NAME_CHARS),
            prop::sample::select(Route::ALL.to_vec()),
            text_strategy(MAX_DOSE_CHARS),
        ),
        (1u64..=Quantity::MAX_THOUSANDTHS, text_strategy(MAX_UNIT_CHARS), supply),
    )
        .prop_map(
            |(
                (dispensed_on, facility_code, facility_name, prescriber),
                (drug_code, yj),
                (name, ingredient, route, dose),
                (quantity, unit, supply),
            )| {
                MedicalRecord::Drug(DrugRecord {
                    dispensed_on,
                    facility_code,
                    facility_name,
                    prescriber: prescriber
                        .map(|(facility_code, facility_name)| Prescriber { facility_code, facility_name }),
                    drug_code: drug_code.map(|code| code.parse().expect("shaped")),
                    yj_code: yj.map(|(head, letter, tail)| format!("{head}{letter}{tail}").parse().expect("shaped")),
                    name,
                    ingredient,
                    route,
                    dose,
                    quantity: Quantity::from_thousandths(quantity).expect("in range"),
                    unit,
                    supply,
                })
            },
        )
}

fn clinical_strategy() -> impl Strategy<Value = MedicalRecord> {
    let code = prop_oneof![
        digits_strategy(9, Some('1')).prop_map(|code| ClinicalCode::Procedure(code.parse().expect("shaped"))),
        digits_strategy(9, Some('1')).prop_map(|code| ClinicalCode::Surgery(code.parse().expect("shaped"))),
        (digits_strategy(7, None), prop::option::of(icd10_strategy()))
            .prop_map(|(code, icd10)| ClinicalCode::DiagnosisDensan { code: code.parse().expect("shaped"), icd10 }),
        icd10_strategy().prop_map(ClinicalCode::DiagnosisIcd10),
    ];
    (date_strategy(), facility_strategy(), text_strategy(MAX_FACILITY_NAME_CHARS), code, text_strategy(MAX_NAME_CHARS))
        .prop_map(|(performed_on, facility_code, facility_name, code, name)| {
            MedicalRecord::Clinical(ClinicalRecord { performed_on, facility_code, facility_name, code, name })
        })
}

fn expense_strategy() -> impl Strategy<Value = MedicalRecord> {
    (
        date_strategy(),
        facility_strategy(),
        text_strategy(MAX_FACILITY_NAME_CHARS),
        1u8..=31,
        0u64..=MAX_YEN,
        0.0f64..=1.0,
    )
        .prop_map(|(date, facility_code, facility_name, days, total_yen, share)| {
            let month = YearMonth::of(date);
            MedicalRecord::Expense(ExpenseRecord {
                month,
                facility_code,
                facility_name,
                days: days.min(month.days() as u8),
                total_yen,
                copay_yen: ((total_yen as f64) * share) as u64,
            })
        })
}

fn checkup_strategy() -> impl Strategy<Value = MedicalRecord> {
    let value = |item: CheckupItem| -> BoxedStrategy<Option<CheckupResult>> {
        match item.plausible_tenths() {
            Some((low, high)) => prop::option::of(low..=high)
                .prop_map(move |tenths| tenths.map(|t| CheckupResult { item, value: CheckupValue::Tenths(t) }))
                .boxed(),
            None => prop::option::of(prop::sample::select(UrineLevel::ALL.to_vec()))
                .prop_map(move |level| level.map(|l| CheckupResult { item, value: CheckupValue::Urine(l) }))
                .boxed(),
        }
    };
    let results = CheckupItem::ALL.map(value).to_vec();
    (date_strategy(), digits_strategy(10, None), text_strategy(MAX_FACILITY_NAME_CHARS), results).prop_filter_map(
        "results that agree",
        |(checked_on, facility_code, facility_name, results)| {
            let mut results: Vec<CheckupResult> = results.into_iter().flatten().collect();
            // Keep BMI only where it agrees with height and weight.
            let tenths = |item| results.iter().find(|r: &&CheckupResult| r.item == item).map(|r| r.value);
            if let (Some(CheckupValue::Tenths(height)), Some(CheckupValue::Tenths(weight))) =
                (tenths(CheckupItem::Height), tenths(CheckupItem::Weight))
            {
                let bmi = bmi_tenths(height, weight);
                results.retain(|r| r.item != CheckupItem::Bmi);
                if (100..=800).contains(&bmi) {
                    results.push(CheckupResult { item: CheckupItem::Bmi, value: CheckupValue::Tenths(bmi) });
                }
            }
            let results = CheckupResults::new(results).ok()?;
            Some(MedicalRecord::Checkup(CheckupRecord {
                checked_on,
                facility_code: facility_code.parse().expect("shaped"),
                facility_name,
                results,
            }))
        },
    )
}

fn record_strategy() -> impl Strategy<Value = MedicalRecord> {
    prop_oneof![drug_strategy(), clinical_strategy(), expense_strategy(), checkup_strategy()]
}

fn row_strategy() -> impl Strategy<Value = ImportRow> {
    let insurer = prop::collection::vec(0u8..10, 7).prop_filter_map("prefecture 01–47", |mut base| {
        base[2] %= 4;
        InsurerNumber::from_base(&base).ok()
    });
    ("[A-Za-z0-9._:-]{1,64}", insurer, "[A-Z0-9・-]{0,8}", "[0-9A-Z-]{1,12}", 0u8..=99, record_strategy()).prop_map(
        |(record_id, insurer_number, symbol, number, branch, record)| ImportRow {
            record_id,
            key: crate::insurance::MemberKey {
                insurer_number,
                symbol: symbol.parse().expect("symbol"),
                number: number.parse().expect("number"),
                branch: Branch::new(branch).expect("branch"),
            },
            record,
        },
    )
}

proptest! {
    #[test]
    fn bodies_round_trip(record in record_strategy()) {
        let body = record.to_json();
        prop_assert_eq!(MedicalRecord::from_json(record.kind(), &body), Ok(record.clone()));
        // Canonical: writing what was read gives the same bytes.
        prop_assert_eq!(MedicalRecord::from_json(record.kind(), &body).expect("parsed").to_json(), body);
    }

    #[test]
    fn lines_round_trip(row in row_strategy()) {
        let line = row.to_line();
        prop_assert_eq!(parse_line(&line), Ok(row.clone()));
        let as_of = row.record.date();
        prop_assert_eq!(parse_line_as_of(&line, as_of), Ok(row.clone()));
        let before = as_of.pred_opt().expect("a day before");
        let expected_field = row.record.kind().date_field();
        prop_assert_eq!(parse_line_as_of(&line, before).map_err(|err| err.field), Err(expected_field.to_owned()));
    }

    #[test]
    fn parse_line_never_panics(line in "\\PC{0,200}") {
        let _ = parse_line(&line);
    }

    #[test]
    fn dropping_a_required_field_names_it(row in row_strategy(), pick in 0usize..64) {
        let line = row.to_line();
        let Json::Object(members) = Json::parse(&line).expect("json") else { panic!("object") };
        let required: Vec<&String> = members.iter().map(|(name, _)| name).filter(|name| !matches!(name.as_str(), "symbol" | "prescriber_facility_code" | "prescriber_facility_name" | "drug_code" | "yj_code" | "icd10" | "as_needed")).collect();
        let dropped = required[pick % required.len()].clone();
        let without: Vec<(String, Json)> = members.into_iter().filter(|(name, _)| *name != dropped).collect();
        let error = parse_line(&Json::Object(without).to_string()).expect_err("a required field is missing");
        prop_assert_eq!((error.field.as_str(), error.value.as_str()), (dropped.as_str(), ""), "{}", error);
    }

    #[test]
    fn window_start_is_years_back_and_inclusive(today in date_strategy(), kind in prop::sample::select(RecordKind::ALL.to_vec())) {
        let start = window_start(kind, today);
        prop_assert!(start <= today);
        prop_assert!(in_window(kind, start, today));
        prop_assert!(!in_window(kind, start.pred_opt().expect("a day before"), today));
        prop_assert!(in_window(kind, today, today));
        prop_assert!(!in_window(kind, today.succ_opt().expect("a day after"), today));
        let years = kind.window_years() as i32;
        use chrono::Datelike;
        prop_assert_eq!(start.year(), today.year() - years);
        if kind == RecordKind::Expense {
            prop_assert_eq!((start.month(), start.day()), (today.month(), 1));
        } else if today.month() == 2 && today.day() == 29 && Date::from_ymd_opt(start.year(), 2, 29).is_none() {
            prop_assert_eq!((start.month(), start.day()), (2, 28));
        } else {
            prop_assert_eq!((start.month(), start.day()), (today.month(), today.day()));
        }
    }

    #[test]
    fn copay_up_to_total_passes_and_one_more_fails(total in 0u64..MAX_YEN) {
        prop_assert!(expense("2026-10", "3", &total.to_string(), &total.to_string()).starts_with("ok"));
        let more = expense("2026-10", "3", &total.to_string(), &(total + 1).to_string());
        prop_assert!(more.starts_with("err copay_yen"), "{}", more);
    }
}

#[test]
fn documented_examples_parse() {
    let files = [
        ("drug", include_str!("../../../../docs/examples/medical/drug.jsonl")),
        ("clinical", include_str!("../../../../docs/examples/medical/clinical.jsonl")),
        ("expense", include_str!("../../../../docs/examples/medical/expense.jsonl")),
        ("checkup", include_str!("../../../../docs/examples/medical/checkup.jsonl")),
    ];
    let mut keys = Vec::new();
    for (kind, text) in files {
        assert!(text.lines().count() >= 2, "{kind}.jsonl has a few lines");
        for (idx, line) in text.lines().enumerate() {
            let row = parse_line_as_of(line, d("2026-11-22"))
                .unwrap_or_else(|err| panic!("{kind}.jsonl line {}: {err}", idx + 1));
            assert_eq!(row.record.kind().code(), kind);
            keys.push(row.key);
        }
    }
    let doc = include_str!("../../../../docs/medical-import.md");
    let block = doc.split("```json\n").nth(1).and_then(|rest| rest.split("```").next()).expect("an example block");
    for line in block.lines() {
        let row = parse_line_as_of(line, d("2026-11-22")).unwrap_or_else(|err| panic!("{line}: {err}"));
        keys.push(row.key);
    }
    keys.dedup();
    assert_eq!(keys.len(), 1, "the examples share one member");
}
