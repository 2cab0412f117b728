//! The monthly usage report (マイナ保険証の利用状況): the ministry's two
//! tables, built from the eligibility log and the membership, for a month in
//! Japan time. The rules (what counts, how rates round) are in
//! [`onshi_domain::usage`].

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Utc};
use onshi_domain::Date;
use onshi_domain::usage::{ConsentColumn, KindRow, UsageReport};
use onshi_store::{Store, StoreError};

/// A calendar month (`YYYY-MM`), in Japan time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    first: Date,
}

/// Why a value is not a month.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("month must be YYYY-MM (e.g. 2026-04), got {value:?}")]
pub struct MonthError {
    pub value: String,
}

impl FromStr for Month {
    type Err = MonthError;

    fn from_str(s: &str) -> Result<Month, MonthError> {
        let err = || MonthError { value: s.to_owned() };
        let (year, month) = s.trim().split_once('-').ok_or_else(err)?;
        if year.len() != 4 || month.len() != 2 {
            return Err(err());
        }
        let year: i32 = year.parse().map_err(|_| err())?;
        let month: u32 = month.parse().map_err(|_| err())?;
        Date::from_ymd_opt(year, month, 1).map(|first| Month { first }).ok_or_else(err)
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.first.year(), self.first.month())
    }
}

impl Month {
    /// The month containing `date`.
    pub fn of(date: Date) -> Month {
        Month { first: date.with_day(1).unwrap_or(date) }
    }

    pub fn first_day(self) -> Date {
        self.first
    }

    /// The month's last day (加入者数 is counted on it).
    pub fn last_day(self) -> Date {
        self.next().first.pred_opt().unwrap_or(self.first)
    }

    /// The following month.
    pub fn next(self) -> Month {
        Month { first: self.first.checked_add_months(chrono::Months::new(1)).unwrap_or(self.first) }
    }

    /// The month's first instant, 00:00 in Japan.
    pub fn start(self) -> DateTime<Utc> {
        onshi_domain::date::start_in_japan(self.first)
    }

    /// The next month's first instant (exclusive end).
    pub fn end(self) -> DateTime<Utc> {
        onshi_domain::date::start_in_japan(self.next().first)
    }
}

/// Build the month's report from the store.
pub async fn usage(store: &dyn Store, month: Month) -> Result<UsageReport, StoreError> {
    let tallies = store.usage_tallies(month.start(), month.end(), month.last_day()).await?;
    Ok(UsageReport::build(&tallies.queries, &tallies.insurers))
}

/// The header of the table by facility kind.
pub fn by_kind_header() -> Vec<String> {
    let mut header: Vec<String> = ["区分", "合計", "マイナンバーカード", "保険証"].map(str::to_owned).into();
    header.extend(ConsentColumn::ALL.iter().map(|c| format!("{} (件)", c.label_ja())));
    header.push("マイナ保険証利用率".to_owned());
    header.push("資格確認に至らなかった件数".to_owned());
    header
}

/// The rows of the table by facility kind, 総計 last; counts as plain
/// digits (no thousands separators), rates as "4.99%" or "-".
pub fn by_kind_rows(report: &UsageReport) -> Vec<Vec<String>> {
    let row = |label: &str, r: &KindRow| {
        let mut cells = vec![label.to_owned(), r.total.to_string(), r.card.to_string(), r.insured_number.to_string()];
        cells.extend(r.consents.iter().map(u64::to_string));
        cells.push(r.card_rate().unwrap_or_else(|| "-".to_owned()));
        cells.push(r.refused.to_string());
        cells
    };
    let mut rows: Vec<Vec<String>> = report.by_kind.iter().map(|(kind, r)| row(kind.label_ja(), r)).collect();
    rows.push(row("総計", &report.total));
    rows
}

/// The header of the table by insurer.
pub fn by_insurer_header() -> Vec<String> {
    ["保険者番号", "保険者名", "加入者数", "登録者数", "登録率", "マイナ利用件数", "オン資利用件数", "マイナ利用率"]
        .map(str::to_owned)
        .into()
}

/// The rows of the table by insurer, 全体 last.
pub fn by_insurer_rows(report: &UsageReport) -> Vec<Vec<String>> {
    report
        .by_insurer
        .iter()
        .chain(std::iter::once(&report.all_insurers))
        .map(|r| {
            vec![
                r.insurer_number.clone(),
                r.insurer_name.clone(),
                r.members.to_string(),
                r.registered.to_string(),
                r.registration_rate().unwrap_or_else(|| "-".to_owned()),
                r.card_checks.to_string(),
                r.checks.to_string(),
                r.card_rate().unwrap_or_else(|| "-".to_owned()),
            ]
        })
        .collect()
}

/// A table as UTF-8 CSV (RFC 4180 quoting), header first.
pub fn csv(header: &[String], rows: &[Vec<String>]) -> Result<Vec<u8>, csv::Error> {
    let mut writer = csv::WriterBuilder::new().terminator(csv::Terminator::CRLF).from_writer(Vec::new());
    writer.write_record(header)?;
    for row in rows {
        writer.write_record(row)?;
    }
    writer.into_inner().map_err(|e| csv::Error::from(e.into_error()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_and_bound_in_japan_time() {
        let m: Month = "2026-04".parse().expect("month");
        assert_eq!(m.to_string(), "2026-04");
        assert_eq!(m.start().to_rfc3339(), "2026-03-31T15:00:00+00:00");
        assert_eq!(m.end().to_rfc3339(), "2026-04-30T15:00:00+00:00");
        assert_eq!(m.last_day().to_string(), "2026-04-30");
        let feb: Month = "2028-02".parse().expect("leap February");
        assert_eq!(feb.last_day().to_string(), "2028-02-29");
        let dec: Month = "2026-12".parse().expect("December");
        assert_eq!(dec.next().to_string(), "2027-01");
        for bad in ["2026-13", "2026-4", "26-04", "2026/04", "", "abcd-ef"] {
            let err = bad.parse::<Month>().expect_err(bad);
            assert!(err.to_string().contains("YYYY-MM"), "{err}");
        }
    }
}
