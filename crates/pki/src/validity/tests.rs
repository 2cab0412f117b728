use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test dates are ISO")
}

#[test]
fn birthdays_after_issue() {
    // (birth, issued_on, certificate expiry, card expiry, why)
    let cases = [
        ("1980-06-15", "2026-11-22", "2031-06-15", "2036-06-15", "adult: 5th and 10th birthday"),
        ("1980-11-22", "2026-11-22", "2031-11-22", "2036-11-22", "issued on the birthday: that day does not count"),
        ("1980-11-23", "2026-11-22", "2030-11-23", "2035-11-23", "birthday the day after issue counts"),
        (
            "2000-02-29",
            "2026-11-22",
            "2031-02-28",
            "2036-02-29",
            "29 February: common year gives 28 February, leap year 29",
        ),
        (
            "2000-02-29",
            "2027-02-28",
            "2032-02-29",
            "2037-02-28",
            "issued on the common-year anniversary: it does not count",
        ),
        ("2000-02-29", "2024-02-29", "2029-02-28", "2034-02-28", "issued on a real 29 February birthday"),
        ("2010-05-01", "2026-11-22", "2031-05-01", "2031-05-01", "under 18 at issue: card 5th birthday"),
        ("2008-11-22", "2026-11-22", "2031-11-22", "2036-11-22", "18 on the issue day: adult rule"),
        ("2008-11-23", "2026-11-22", "2030-11-23", "2030-11-23", "18 the day after issue: still under 18"),
        ("2026-11-01", "2026-11-22", "2031-11-01", "2031-11-01", "newborn"),
    ];
    for (birth, issued, cert, card, why) in cases {
        assert_eq!(certificate_expiry_date(d(birth), d(issued)), d(cert), "certificate: {why}");
        assert_eq!(card_expiry_date(d(birth), d(issued)), d(card), "card: {why}");
    }
}

#[test]
fn end_of_day_and_grace() {
    let end = end_of_day_jst(d("2031-02-28"));
    assert_eq!(end.to_rfc3339(), "2031-02-28T14:59:59+00:00");
    assert_eq!(grace_end(end).to_rfc3339(), "2031-05-28T14:59:59+00:00");
    // 2026-11-22 23:30 UTC is already 2026-11-23 in Japan.
    let issued = "2026-11-22T23:30:00Z".parse().expect("RFC 3339");
    assert_eq!(certificate_not_after(d("1980-11-23"), issued).to_rfc3339(), "2031-11-23T14:59:59+00:00");
    let issued = "2026-11-22T14:59:59Z".parse().expect("RFC 3339");
    assert_eq!(certificate_not_after(d("1980-11-23"), issued).to_rfc3339(), "2030-11-23T14:59:59+00:00");
    let end = end_of_day_jst(d("2031-11-30"));
    assert_eq!(grace_end(end).to_rfc3339(), "2032-02-29T14:59:59+00:00");
}
