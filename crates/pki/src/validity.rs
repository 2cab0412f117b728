//! Validity periods counted in birthdays, as the card rules of DESIGN.md say:
//! the card is valid until the holder's 10th birthday after issue (the 5th if
//! the holder is under 18 at issue), its two certificates until the 5th
//! birthday after issue whatever the age, and a user-authentication
//! certificate keeps a 3-month grace after it expires.
//!
//! "Birthday after issue" counts birthdays strictly after the issue date: a
//! card issued on the holder's birthday does not count that day.
//! A holder born on 29 February has the anniversary on 28 February in common
//! years, following Civil Code art. 143(2) (民法第143条第2項: when the last
//! month has no corresponding day, the period ends on the last day of that
//! month). The same anniversary decides the age at issue.
//!
//! Certificates expire at the end of the expiry day in Japan (23:59:59 JST,
//! 14:59:59 UTC), which is what an X.509 `notAfter` (RFC 5280 §4.1.2.5, an
//! inclusive bound) needs to carry the whole day.

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, TimeDelta, Utc};

/// The date on which `birth` has its anniversary in `year`
/// (28 February for a 29 February birth in a common year).
pub fn anniversary(birth: NaiveDate, year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .expect("28 February exists in every year chrono represents")
}

/// The `n`th birthday strictly after `after` (`n` ≥ 1; 0 is treated as 1).
pub fn nth_birthday_after(birth: NaiveDate, after: NaiveDate, n: u32) -> NaiveDate {
    let this_year = anniversary(birth, after.year());
    let first_year = if this_year > after { after.year() } else { after.year() + 1 };
    let offset = i32::try_from(n.max(1) - 1).unwrap_or(i32::MAX - first_year);
    anniversary(birth, first_year.saturating_add(offset))
}

/// Completed years of age on `on`, with the 29 February rule of this module.
pub fn age_on(birth: NaiveDate, on: NaiveDate) -> u32 {
    let years = on.year() - birth.year();
    let had_birthday = anniversary(birth, on.year()) <= on;
    let age = if had_birthday { years } else { years - 1 };
    u32::try_from(age).unwrap_or(0)
}

/// Last day of validity of the two certificates: the 5th birthday after issue.
pub fn certificate_expiry_date(birth: NaiveDate, issued_on: NaiveDate) -> NaiveDate {
    nth_birthday_after(birth, issued_on, 5)
}

/// Last day of validity of the card: the 10th birthday after issue, the 5th
/// if the holder is under 18 on the issue date.
pub fn card_expiry_date(birth: NaiveDate, issued_on: NaiveDate) -> NaiveDate {
    let n = if age_on(birth, issued_on) < 18 { 5 } else { 10 };
    nth_birthday_after(birth, issued_on, n)
}

/// `notAfter` of the certificates of a card issued at `issued_at`: the end of
/// the 5th birthday after the issue date, the issue date being the date in
/// Japan at `issued_at`.
pub fn certificate_not_after(birth: NaiveDate, issued_at: DateTime<Utc>) -> DateTime<Utc> {
    let issued_on = onshi_domain::date::in_japan(issued_at);
    end_of_day_jst(certificate_expiry_date(birth, issued_on))
}

/// The last second of `date` in Japan Standard Time (UTC+9), in UTC.
pub fn end_of_day_jst(date: NaiveDate) -> DateTime<Utc> {
    let local_end = date.and_time(NaiveTime::from_hms_opt(23, 59, 59).expect("23:59:59 is a valid time of day"));
    (local_end - TimeDelta::hours(9)).and_utc()
}

/// End of the 3-month grace after a user-authentication certificate's
/// `notAfter` (DESIGN.md); saturates at the largest representable time.
pub fn grace_end(not_after: DateTime<Utc>) -> DateTime<Utc> {
    not_after.checked_add_months(Months::new(3)).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests;
