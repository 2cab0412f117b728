//! Tests of parse_date: ISO, compact and 和暦 inputs, and the conversion the cli's wareki command makes.

use super::*;

/// The one place that calls `parse_date_form`.
fn check(input: &str) -> String {
    match parse_date_form(input) {
        Ok((date, form)) => format!("ok {} {form:?}", iso(date)),
        Err(error) => format!("err {error}"),
    }
}

#[test]
fn forms() {
    let cases = [
        ("1989-01-08", "ok 1989-01-08 Iso"),
        ("1989/01/08", "ok 1989-01-08 Iso"),
        ("1989/1/8", "ok 1989-01-08 Iso"),
        ("１９８９－０１－０８", "ok 1989-01-08 Iso"),
        (" 1989-01-08 ", "ok 1989-01-08 Iso"),
        ("19890108", "ok 1989-01-08 Compact"),
        ("1872-12-31", "ok 1872-12-31 Iso"),
        ("平成元年1月8日", "ok 1989-01-08 Wareki"),
        ("H1.1.8", "ok 1989-01-08 Wareki"),
        ("4010108", "ok 1989-01-08 Wareki"),
        ("４０１０１０８", "ok 1989-01-08 Wareki"),
        ("", "err date must not be empty"),
        ("2019-02-29", "err date \"2019-02-29\" does not exist: 2019-02 has no day 29"),
        ("20190229", "err date \"20190229\" does not exist: 2019-02 has no day 29"),
        (
            "2019-2",
            "err date \"2019-2\" is not in a known form: use YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or 和暦 (e.g. 平成元年3月31日)",
        ),
        (
            "2019-02-01-01",
            "err date \"2019-02-01-01\" is not in a known form: use YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or 和暦 (e.g. 平成元年3月31日)",
        ),
        (
            "219-02-01",
            "err date \"219-02-01\" is not in a known form: use YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or 和暦 (e.g. 平成元年3月31日)",
        ),
        (
            "201902011",
            "err date \"201902011\" is not in a known form: use YYYY-MM-DD, YYYY/MM/DD, YYYYMMDD or 和暦 (e.g. 平成元年3月31日)",
        ),
        (
            "平成31年5月1日",
            "err 和暦 date \"平成31年5月1日\" is outside 平成: 平成 runs from 平成元年1月8日 (1989-01-08) to 平成31年4月30日 (2019-04-30)",
        ),
    ];
    for (input, expected) in cases {
        assert_eq!(check(input), expected, "input {input:?}");
    }
}

/// What `onshi wareki VALUE` does: answer in the other calendar.
#[test]
fn converts_either_way() {
    let convert = |input: &str| -> String {
        let (date, form) = parse_date_form(input).expect("valid date");
        match form {
            DateForm::Wareki => iso(date),
            DateForm::Iso | DateForm::Compact => crate::wareki::format(date).expect("after 1873"),
        }
    };
    assert_eq!(convert("2019-05-01"), "令和元年5月1日");
    assert_eq!(convert("19890107"), "昭和64年1月7日");
    assert_eq!(convert("令和元年5月1日"), "2019-05-01");
    assert_eq!(convert("4310430"), "2019-04-30");
}

#[test]
fn the_time_in_japan_is_nine_hours_ahead_of_utc_and_turns_the_date_at_15_utc() {
    let utc = |h, m| {
        chrono::NaiveDate::from_ymd_opt(2026, 3, 31).and_then(|d| d.and_hms_opt(h, m, 0)).expect("valid").and_utc()
    };
    assert_eq!(time_in_japan(utc(14, 59)).format("%Y%m%d%H%M%S").to_string(), "20260331235900");
    assert_eq!(time_in_japan(utc(15, 0)).format("%Y%m%d%H%M%S").to_string(), "20260401000000");
    assert_eq!(in_japan(utc(15, 0)), time_in_japan(utc(15, 0)).date());
    let april_first = chrono::NaiveDate::from_ymd_opt(2026, 4, 1).expect("valid");
    assert_eq!(start_in_japan(april_first), utc(15, 0));
    assert_eq!(in_japan(start_in_japan(april_first)), april_first);
}
