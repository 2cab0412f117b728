//! Tests of 和暦: era boundaries, every accepted form, errors, and a round trip over every day from 1873 to 2100.

use proptest::prelude::*;

use super::*;
use crate::date::iso;

fn ymd(y: i32, m: u32, d: u32) -> Date {
    Date::from_ymd_opt(y, m, d).expect("valid test date")
}

/// The one place that calls `parse`: `"ok <ISO>"` or `"err <message>"`.
fn check(input: &str) -> String {
    match parse(input) {
        Ok(date) => format!("ok {}", iso(date)),
        Err(error) => format!("err {error}"),
    }
}

fn check_table(cases: &[(&str, &str)]) {
    for (input, expected) in cases {
        assert_eq!(check(input), *expected, "input {input:?}");
    }
}

#[test]
fn forms() {
    check_table(&[
        ("平成31年4月30日", "ok 2019-04-30"),
        ("令和元年5月1日", "ok 2019-05-01"),
        ("令和1年5月1日", "ok 2019-05-01"),
        ("平成三十一年四月三十日", "ok 2019-04-30"),
        ("令和元年五月一日", "ok 2019-05-01"),
        ("昭和六十四年一月七日", "ok 1989-01-07"),
        ("平成三一年四月三〇日", "ok 2019-04-30"),
        ("令和十年十月十日", "ok 2028-10-10"),
        ("令和１年５月１日", "ok 2019-05-01"),
        (" 令和 元年 5 月 1 日 ", "ok 2019-05-01"),
        ("令和\u{3000}元年\u{3000}5月1日", "ok 2019-05-01"),
        ("R1.5.1", "ok 2019-05-01"),
        ("r1.5.1", "ok 2019-05-01"),
        ("Ｒ１．５．１", "ok 2019-05-01"),
        ("ｈ31.04.30", "ok 2019-04-30"),
        ("H31.04.30", "ok 2019-04-30"),
        ("S64/1/7", "ok 1989-01-07"),
        ("T1-7-30", "ok 1912-07-30"),
        ("M45.7.29", "ok 1912-07-29"),
        ("平31.4.30", "ok 2019-04-30"),
        ("昭38. 5. 1", "ok 1963-05-01"),
        ("平成31.4.30", "ok 2019-04-30"),
        ("令和元年5月1", "ok 2019-05-01"),
        ("㍻31年4月30日", "ok 2019-04-30"),
        ("4310430", "ok 2019-04-30"),
        ("5010501", "ok 2019-05-01"),
        ("３６４０１０７", "ok 1989-01-07"),
        ("1060101", "ok 1873-01-01"),
    ]);
}

#[test]
fn errors() {
    check_table(&[
        ("", "err 和暦 date must not be empty"),
        ("  ", "err 和暦 date must not be empty"),
        (
            "平成31年5月1日",
            "err 和暦 date \"平成31年5月1日\" is outside 平成: 平成 runs from 平成元年1月8日 (1989-01-08) to 平成31年4月30日 (2019-04-30)",
        ),
        (
            "令和元年4月30日",
            "err 和暦 date \"令和元年4月30日\" is outside 令和: 令和 runs from 令和元年5月1日 (2019-05-01) on",
        ),
        (
            "昭和64年1月8日",
            "err 和暦 date \"昭和64年1月8日\" is outside 昭和: 昭和 runs from 昭和元年12月25日 (1926-12-25) to 昭和64年1月7日 (1989-01-07)",
        ),
        (
            "昭和0年1月1日",
            "err 和暦 date \"昭和0年1月1日\" is outside 昭和: 昭和 runs from 昭和元年12月25日 (1926-12-25) to 昭和64年1月7日 (1989-01-07)",
        ),
        (
            "大正16年1月1日",
            "err 和暦 date \"大正16年1月1日\" is outside 大正: 大正 runs from 大正元年7月30日 (1912-07-30) to 大正15年12月24日 (1926-12-24)",
        ),
        (
            "大正元年7月29日",
            "err 和暦 date \"大正元年7月29日\" is outside 大正: 大正 runs from 大正元年7月30日 (1912-07-30) to 大正15年12月24日 (1926-12-24)",
        ),
        (
            "明治45年7月30日",
            "err 和暦 date \"明治45年7月30日\" is outside 明治: 明治 is converted from 明治6年1月1日 (1873-01-01) to 明治45年7月29日 (1912-07-29)",
        ),
        (
            "明治5年12月2日",
            "err 和暦 date \"明治5年12月2日\" is before 明治6年1月1日 (1873-01-01): Japan used the lunisolar calendar until then, so onshi does not convert earlier 和暦 dates",
        ),
        (
            "明治元年1月1日",
            "err 和暦 date \"明治元年1月1日\" is before 明治6年1月1日 (1873-01-01): Japan used the lunisolar calendar until then, so onshi does not convert earlier 和暦 dates",
        ),
        ("平成4年2月30日", "err 和暦 date \"平成4年2月30日\" does not exist: 平成4年 has no 2月30日"),
        ("令和3年2月29日", "err 和暦 date \"令和3年2月29日\" does not exist: 令和3年 has no 2月29日"),
        ("令和3年13月1日", "err 和暦 date \"令和3年13月1日\" does not exist: 令和3年 has no 13月1日"),
        ("令和3年4月31日", "err 和暦 date \"令和3年4月31日\" does not exist: 令和3年 has no 4月31日"),
        (
            "X1.5.1",
            "err 和暦 date \"X1.5.1\" is not in a known form: it does not start with an era (令和, R, 令, …) (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)",
        ),
        (
            "令和",
            "err 和暦 date \"令和\" is not in a known form: the era is not followed by a year (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)",
        ),
        (
            "令和元年5月1日です",
            "err 和暦 date \"令和元年5月1日です\" is not in a known form: there is more after the day (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)",
        ),
        (
            "R1:5:1",
            "err 和暦 date \"R1:5:1\" is not in a known form: the year is not followed by 年, '.', '/' or '-' (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)",
        ),
        (
            "令和十十年1月1日",
            "err 和暦 date \"令和十十年1月1日\" is not in a known form: the era is not followed by a year (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)",
        ),
        (
            "6010101",
            "err 和暦 date \"6010101\" is not in a known form: the era digit G of GYYMMDD must be 1 明治, 2 大正, 3 昭和, 4 平成 or 5 令和 (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)",
        ),
        (
            "431043",
            "err 和暦 date \"431043\" is not in a known form: an all-digit 和暦 date must have 7 digits, GYYMMDD (write e.g. 平成31年4月30日, H31.4.30 or the 7-digit 4310430)",
        ),
        (
            "4310501",
            "err 和暦 date \"4310501\" is outside 平成: 平成 runs from 平成元年1月8日 (1989-01-08) to 平成31年4月30日 (2019-04-30)",
        ),
    ]);
}

/// Each era's first and last day, both ways; 元年 on the first day.
#[test]
fn era_boundaries() {
    let cases = [
        (ymd(1873, 1, 1), "明治6年1月1日", "M6.1.1"),
        (ymd(1912, 7, 29), "明治45年7月29日", "M45.7.29"),
        (ymd(1912, 7, 30), "大正元年7月30日", "T1.7.30"),
        (ymd(1926, 12, 24), "大正15年12月24日", "T15.12.24"),
        (ymd(1926, 12, 25), "昭和元年12月25日", "S1.12.25"),
        (ymd(1989, 1, 7), "昭和64年1月7日", "S64.1.7"),
        (ymd(1989, 1, 8), "平成元年1月8日", "H1.1.8"),
        (ymd(2019, 4, 30), "平成31年4月30日", "H31.4.30"),
        (ymd(2019, 5, 1), "令和元年5月1日", "R1.5.1"),
    ];
    for (date, long, short) in cases {
        assert_eq!(format(date).as_deref(), Ok(long));
        assert_eq!(format_short(date).as_deref(), Ok(short));
        assert_eq!(parse(long), Ok(date), "{long}");
        assert_eq!(parse(short), Ok(date), "{short}");
    }
    for era in Era::ALL {
        let first = era.first_day();
        assert_eq!(Era::of(first), Some(era));
        if let Some(last) = era.last_day() {
            assert_eq!(Era::of(last), Some(era));
            assert_ne!(Era::of(last.succ_opt().expect("not the end of time")), Some(era));
        }
        if era != Era::Meiji {
            assert_eq!(from_date(first).map(|w| w.year), Ok(1), "{era} starts with 元年");
        }
    }
    assert_eq!(format(ymd(1872, 12, 31)), Err(WarekiError::BeforeGregorian { value: "1872-12-31".to_owned() }));
}

#[test]
fn leap_days() {
    check_table(&[
        // 1992 is a leap year, so 平成4年2月29日 exists.
        ("平成4年2月29日", "ok 1992-02-29"),
        ("令和2年2月29日", "ok 2020-02-29"),
        ("昭和63年2月29日", "ok 1988-02-29"),
        // 1900 is not a leap year (明治33年).
        ("明治33年2月29日", "err 和暦 date \"明治33年2月29日\" does not exist: 明治33年 has no 2月29日"),
        // 2000 is (平成12年).
        ("平成12年2月29日", "ok 2000-02-29"),
    ]);
}

#[test]
fn era_codes() {
    let table: Vec<String> =
        Era::ALL.iter().map(|era| format!("{} {} {}", era.digit(), era.letter(), era.kanji())).collect();
    assert_eq!(table, ["1 M 明治", "2 T 大正", "3 S 昭和", "4 H 平成", "5 R 令和"]);
    for era in Era::ALL {
        assert_eq!(Era::from_digit(era.digit()), Some(era));
        assert_eq!(Era::from_letter(era.letter().to_ascii_lowercase()), Some(era));
    }
    assert_eq!(Era::from_digit(0), None);
    assert_eq!(Era::from_digit(6), None);
}

#[test]
fn wareki_date_forms() {
    let wareki = from_date(ymd(2019, 5, 1)).expect("in 令和");
    assert_eq!(wareki, WarekiDate { era: Era::Reiwa, year: 1, month: 5, day: 1 });
    assert_eq!(wareki.digits7().as_deref(), Some("5010501"));
    assert_eq!("R1.5.1".parse::<WarekiDate>(), Ok(wareki));
    assert_eq!(WarekiDate { era: Era::Reiwa, year: 100, month: 1, day: 1 }.digits7(), None);
    assert_eq!(WarekiDate { era: Era::Heisei, year: 31, month: 5, day: 1 }.to_date().map(iso).ok(), None);
}

/// Every day from 1873-01-01 to 2100-12-31: the long, short and 7-digit forms
/// all parse back to the same day.
#[test]
fn roundtrip_every_day() {
    let mut date = ymd(1873, 1, 1);
    let end = ymd(2100, 12, 31);
    let mut n_days = 0;
    while date <= end {
        let wareki = from_date(date).expect("after 1873");
        assert_eq!(parse(&wareki.to_string()), Ok(date), "{wareki}");
        assert_eq!(parse(&wareki.short()), Ok(date), "{}", wareki.short());
        if let Some(digits) = wareki.digits7() {
            assert_eq!(parse(&digits), Ok(date), "{digits}");
        }
        date = date.succ_opt().expect("far from the end of time");
        n_days += 1;
    }
    assert_eq!(n_days, 83_275);
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 - 0x21 + 0xFF01).expect("full-width form"),
            other => other,
        })
        .collect()
}

proptest! {
    /// Full-width digits and letters, and spaces anywhere, change nothing.
    #[test]
    fn leniency(days in 0i64..83_275, spaces in prop::collection::vec(prop::sample::select(vec!["", " ", "\u{3000}"]), 12)) {
        let date = ymd(1873, 1, 1) + chrono::Duration::days(days);
        let wareki = from_date(date).expect("after 1873");
        for form in [wareki.to_string(), wareki.short(), wareki.short().to_lowercase()] {
            let spaced: String = form.chars().zip(spaces.iter().cycle()).flat_map(|(c, s)| [c.to_string(), (*s).to_owned()]).collect();
            prop_assert_eq!(parse(&full_width(&form)), Ok(date), "{}", form);
            prop_assert_eq!(parse(&spaced), Ok(date), "{}", spaced);
        }
    }

    /// Kanji numerals: positional and 十-style both read back.
    #[test]
    fn kanji_numerals(n in 1u32..=99) {
        const DIGITS: [char; 10] = ['〇', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
        let positional: String = n.to_string().chars().map(|c| DIGITS[c.to_digit(10).expect("digit") as usize]).collect();
        let tens = match (n / 10, n % 10) {
            (0, ones) => DIGITS[ones as usize].to_string(),
            (1, 0) => "十".to_owned(),
            (1, ones) => format!("十{}", DIGITS[ones as usize]),
            (t, 0) => format!("{}十", DIGITS[t as usize]),
            (t, ones) => format!("{}十{}", DIGITS[t as usize], DIGITS[ones as usize]),
        };
        prop_assert_eq!(kanji_number(&positional), Some(n));
        prop_assert_eq!(kanji_number(&tens), Some(n));
    }
}
