//! `onshi validate` and `onshi wareki`: answers for people who need to check
//! one value.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use onshi_domain::id::{FacilityCode, InsurerNumber, MyNumber, PublicPayerNumber, RecipientNumber};

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// What the value should be.
    kind: IdKind,
    /// The value; full-width digits and surrounding spaces are accepted.
    value: String,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum IdKind {
    /// 個人番号: 12 digits, check digit per 総務省令第85号 §5.
    MyNumber,
    /// 保険者番号: 8 digits (6 for 国民健康保険), weights-2,1 check digit.
    InsurerNumber,
    /// 公費負担者番号: 8 digits, weights-2,1 check digit.
    PublicPayerNumber,
    /// 受給者番号: 7 digits, weights-2,1 check digit.
    RecipientNumber,
    /// 医療機関コード: 10 digits (都道府県 2 + 点数表 1 + コード 7).
    FacilityCode,
}

fn normalised(kind: IdKind, value: &str) -> Result<String, String> {
    fn show<T: std::fmt::Display, E: std::fmt::Display>(r: Result<T, E>) -> Result<String, String> {
        r.map(|v| v.to_string()).map_err(|e| e.to_string())
    }
    match kind {
        IdKind::MyNumber => show(value.parse::<MyNumber>()),
        IdKind::InsurerNumber => show(value.parse::<InsurerNumber>()),
        IdKind::PublicPayerNumber => show(value.parse::<PublicPayerNumber>()),
        IdKind::RecipientNumber => show(value.parse::<RecipientNumber>()),
        IdKind::FacilityCode => show(value.parse::<FacilityCode>()),
    }
}

pub(crate) fn validate(args: &ValidateArgs) -> ExitCode {
    match normalised(args.kind, &args.value) {
        Ok(value) => {
            println!("{value}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("invalid: {reason}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct WarekiArgs {
    /// A Western date (`2019-05-01`, `20190501`) to show in 和暦, or a 和暦 date
    /// (`令和元年5月1日`, `H31.4.30`, `平成三十一年四月三十日`) to show as ISO.
    value: String,
}

pub(crate) fn wareki(args: &WarekiArgs) -> ExitCode {
    let value = args.value.trim();
    let western = value.chars().next().is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c))
        && !(value.chars().count() == 7 && value.chars().all(|c| c.is_ascii_digit()));
    let answer = match onshi_domain::date::parse_date(value) {
        Err(e) => Err(e.to_string()),
        Ok(date) if western => onshi_domain::wareki::format(date).map_err(|e| e.to_string()),
        Ok(date) => Ok(onshi_domain::date::iso(date)),
    };
    match answer {
        Ok(text) => {
            println!("{text}");
            ExitCode::SUCCESS
        }
        Err(reason) => {
            eprintln!("invalid: {reason}");
            ExitCode::FAILURE
        }
    }
}
