//! 和暦 formatting for the "birth date written in the era calendar" noise.
//!
//! The domain crate owns 和暦 parsing; it had no formatter when this crate was
//! written, so the few era boundaries live here. Only dates from 明治 on are
//! needed: nobody in a synthetic town is older.

use chrono::Datelike;
use onshi_domain::Date;

/// (era name, first day) from the newest era back.
const ERAS: &[(&str, (i32, u32, u32))] = &[
    ("令和", (2019, 5, 1)),
    ("平成", (1989, 1, 8)),
    ("昭和", (1926, 12, 25)),
    ("大正", (1912, 7, 30)),
    ("明治", (1868, 10, 23)),
];

/// `平成3年4月5日`; the first year of an era is written 元年. `None` before 明治.
pub(crate) fn format_long(date: Date) -> Option<String> {
    for (name, (year, month, day)) in ERAS {
        let start = Date::from_ymd_opt(*year, *month, *day).expect("era start is a calendar date");
        if date >= start {
            let era_year = date.year() - year + 1;
            let year_text = if era_year == 1 { "元".to_owned() } else { era_year.to_string() };
            return Some(format!("{name}{year_text}年{}月{}日", date.month(), date.day()));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> Date {
        Date::from_ymd_opt(y, m, day).expect("test date")
    }

    #[test]
    fn eras_and_gannen() {
        assert_eq!(format_long(d(1991, 4, 5)).as_deref(), Some("平成3年4月5日"));
        assert_eq!(format_long(d(1989, 1, 7)).as_deref(), Some("昭和64年1月7日"));
        assert_eq!(format_long(d(1989, 1, 8)).as_deref(), Some("平成元年1月8日"));
        assert_eq!(format_long(d(2019, 5, 1)).as_deref(), Some("令和元年5月1日"));
        assert_eq!(format_long(d(1926, 12, 25)).as_deref(), Some("昭和元年12月25日"));
        assert_eq!(format_long(d(1920, 3, 1)).as_deref(), Some("大正9年3月1日"));
    }
}
