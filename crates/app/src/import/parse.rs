//! Reading CSV rows into domain records, rejecting bad ones with reasons.

use std::io::Read;

use onshi_domain::date::parse_date;
use onshi_domain::facility::{Facility, FacilityKind};
use onshi_domain::id::{Branch, FacilityCode, InsuredNumber, InsurerNumber, MyNumber, Symbol};
use onshi_domain::insurance::{
    ElderlyRecipient, LimitCategory, LimitCertificate, LimitCertificateKind, LossReason, Member, MemberKey,
};
use onshi_domain::person::{
    CopayRatio, FiveAttributes, MAX_ADDRESS_CHARS, MAX_NAME_CHARS, Relationship, Sex, check_kana, check_text,
};
use onshi_domain::registry::{Resident, ResidentCode};
use onshi_domain::{Date, date};

use onshi_store::Insurer;

use super::{Batch, ImportError, ImportOptions, Progress, Reject, SeenKeys};

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Registry,
    Members,
    Facilities,
    /// Insurers' names (保険者名); an insurer first seen in a members file
    /// has none until then.
    Insurers,
    /// Medical information (薬剤情報, 診療情報, 医療費情報, 特定健診等情報):
    /// JSON Lines, not CSV (see [`crate::medical_import`]).
    Medical,
}

impl Kind {
    /// The header this kind expects (columns in this order when we write);
    /// empty for JSON Lines.
    pub fn header(self) -> &'static str {
        match self {
            Kind::Registry => REGISTRY_HEADER,
            Kind::Members => MEMBERS_HEADER,
            Kind::Facilities => FACILITIES_HEADER,
            Kind::Insurers => INSURERS_HEADER,
            Kind::Medical => "",
        }
    }
}

const REGISTRY_HEADER: &str = "resident_code,my_number,name_kanji,name_kana,birth_date,sex,address";
const MEMBERS_HEADER: &str = "insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on";
const FACILITIES_HEADER: &str = "facility_code,name,kind,address";
const INSURERS_HEADER: &str = "insurer_number,name";

/// Columns a members file may add after the required ones (migration 0007):
/// 資格喪失事由, 限度額適用認定証 (証区分, 適用区分, 交付・有効開始・有効終了),
/// 高齢受給者証 (交付・有効開始・有効終了, 負担割合) and 事業主等からの届出日.
/// Files without them stay valid; an empty cell is no value.
pub(super) const MEMBERS_OPTIONAL: &str = "loss_reason,limit_kind,limit_category,limit_issued_on,limit_valid_from,limit_valid_until,elderly_issued_on,elderly_valid_from,elderly_valid_until,elderly_copay_ratio,notified_on";

/// Column positions of the optional columns `names` present in `header`.
fn optional_columns<const N: usize>(header: &csv::StringRecord, names: &'static str) -> [Option<usize>; N] {
    let mut positions = [None; N];
    for (slot, name) in names.split(',').enumerate() {
        positions[slot] = header.iter().position(|column| column.trim().trim_start_matches('\u{feff}') == name);
    }
    positions
}

/// Column positions of `expected` (a comma-separated header) in `header`.
fn columns<const N: usize>(header: &csv::StringRecord, expected: &'static str) -> Result<[usize; N], ImportError> {
    let names: Vec<&str> = expected.split(',').collect();
    let mut positions = [0usize; N];
    let mut missing = Vec::new();
    for (slot, name) in names.iter().enumerate() {
        match header.iter().position(|column| column.trim().trim_start_matches('\u{feff}') == *name) {
            Some(position) => positions[slot] = position,
            None => missing.push(*name),
        }
    }
    if missing.is_empty() {
        Ok(positions)
    } else {
        Err(ImportError::MissingColumns { missing: missing.join(", "), expected })
    }
}

/// The fields of one row, with the rejects found so far.
struct Row<'a> {
    record: &'a csv::ByteRecord,
    line: u64,
    rejects: Vec<Reject>,
}

impl<'a> Row<'a> {
    fn new(record: &'a csv::ByteRecord, line: u64) -> Self {
        Row { record, line, rejects: Vec::new() }
    }

    fn reject(&mut self, field: &str, value: &str, rule: impl ToString) {
        let value = if field == "my_number" { mask(value) } else { value.to_owned() };
        self.rejects.push(Reject { line: self.line, field: field.to_owned(), value, rule: rule.to_string() });
    }

    /// The text of column `idx`, or `None` (with a reject) when the row is too
    /// short or the bytes are not UTF-8.
    fn text(&mut self, field: &str, idx: usize) -> Option<&'a str> {
        let Some(bytes) = self.record.get(idx) else {
            let found = self.record.len();
            self.reject(field, "", format!("the row has {found} fields; this column is missing"));
            return None;
        };
        match std::str::from_utf8(bytes) {
            Ok(text) => Some(text),
            Err(_) => {
                let shown = String::from_utf8_lossy(bytes).into_owned();
                self.reject(field, &shown, "not UTF-8: save the file as UTF-8 (Shift_JIS is not accepted)");
                None
            }
        }
    }

    /// Parse column `idx` with `parse`, recording a reject on failure.
    fn parse<T, E: ToString>(
        &mut self,
        field: &str,
        idx: usize,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<T> {
        let text = self.text(field, idx)?;
        match parse(text) {
            Ok(value) => Some(value),
            Err(e) => {
                self.reject(field, text, e);
                None
            }
        }
    }

    /// As `parse`, but an empty (or all-space) field is `Some(None)`.
    fn optional<T, E: ToString>(
        &mut self,
        field: &str,
        idx: usize,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        let text = self.text(field, idx)?;
        if text.trim().is_empty() {
            return Some(None);
        }
        self.parse(field, idx, parse).map(Some)
    }

    /// As `optional`, for a column the file may not have (`None`): then no value.
    fn optional_at<T, E: ToString>(
        &mut self,
        field: &str,
        idx: Option<usize>,
        parse: impl FnOnce(&str) -> Result<T, E>,
    ) -> Option<Option<T>> {
        match idx {
            Some(idx) => self.optional(field, idx, parse),
            None => Some(None),
        }
    }

    /// A certificate given in several cells: all of them or none. A partly
    /// filled group is rejected on its first empty field.
    fn group<T>(
        &mut self,
        label: &str,
        fields: &[(&str, bool)],
        build: impl FnOnce() -> Option<T>,
    ) -> Option<Option<T>> {
        let given = fields.iter().filter(|(_, present)| *present).count();
        if given == 0 {
            return Some(None);
        }
        if given < fields.len() {
            let names: Vec<&str> = fields.iter().map(|(name, _)| *name).collect();
            let missing = fields.iter().find(|(_, present)| !present).map_or("", |(name, _)| *name);
            self.reject(missing, "", format!("{label} needs all of {}", names.join(", ")));
            return None;
        }
        build().map(Some)
    }

    fn finish<T>(self, value: Option<T>) -> Result<T, Vec<Reject>> {
        match value {
            Some(value) if self.rejects.is_empty() => Ok(value),
            _ => Err(self.rejects),
        }
    }
}

fn mask(value: &str) -> String {
    let chars: Vec<char> = value.chars().collect();
    let keep = chars.len().min(4);
    let hidden = chars.len() - keep;
    "*".repeat(hidden) + &chars[hidden..].iter().collect::<String>()
}

fn birth_date(row: &mut Row<'_>, idx: usize, today: Date) -> Option<Date> {
    let birth = row.parse("birth_date", idx, parse_date)?;
    if birth > today {
        let text = date::iso(birth);
        row.reject("birth_date", &text, format!("生年月日 must not be after today ({})", date::iso(today)));
        return None;
    }
    Some(birth)
}

/// name_kanji, name_kana, birth_date, sex, address at the given columns.
fn five_attributes(row: &mut Row<'_>, cols: [usize; 5], today: Date) -> Option<FiveAttributes> {
    let name_kanji = row.parse("name_kanji", cols[0], |s| check_text("漢字氏名", s, MAX_NAME_CHARS));
    let name_kana = row.parse("name_kana", cols[1], |s| check_kana("カナ氏名", s));
    let birth_date = birth_date(row, cols[2], today);
    let sex = row.parse("sex", cols[3], str::parse::<Sex>);
    let address = row.parse("address", cols[4], |s| check_text("住所", s, MAX_ADDRESS_CHARS));
    Some(FiveAttributes {
        name_kanji: name_kanji?,
        name_kana: name_kana?,
        birth_date: birth_date?,
        sex: sex?,
        address: address?,
    })
}

pub(super) fn registry_parser(
    header: &csv::StringRecord,
    options: ImportOptions,
) -> Result<impl FnMut(&csv::ByteRecord, u64) -> Result<Resident, Vec<Reject>> + Send + 'static + use<>, ImportError> {
    let [code, my_number, kanji, kana, birth, sex, address] = columns::<7>(header, REGISTRY_HEADER)?;
    let mut seen_codes = SeenKeys::<u64>::new();
    let mut seen_numbers = SeenKeys::<u64>::new();
    Ok(move |record: &csv::ByteRecord, line: u64| {
        let mut row = Row::new(record, line);
        let resident_code = row.parse("resident_code", code, str::parse::<ResidentCode>);
        let number = row.parse("my_number", my_number, str::parse::<MyNumber>);
        let attributes = five_attributes(&mut row, [kanji, kana, birth, sex, address], options.today);
        if let Some(resident_code) = &resident_code {
            let key = resident_code.as_str().parse::<u64>().expect("11 ASCII digits");
            if let Some(first) = seen_codes.check(key, line) {
                row.reject(
                    "resident_code",
                    resident_code.as_str(),
                    format!("住民票コード repeats line {first}; only the first is imported"),
                );
            }
        }
        if let (Some(number), true) = (&number, row.rejects.is_empty()) {
            let key = number.as_str().parse::<u64>().expect("12 ASCII digits");
            if let Some(first) = seen_numbers.check(key, line) {
                row.reject(
                    "my_number",
                    number.as_str(),
                    format!("個人番号 repeats line {first}; one number belongs to one resident"),
                );
            }
        }
        let resident =
            (|| Some(Resident { resident_code: resident_code?, my_number: number?, attributes: attributes? }))();
        row.finish(resident)
    })
}

pub(super) fn member_parser(
    header: &csv::StringRecord,
    options: ImportOptions,
) -> Result<impl FnMut(&csv::ByteRecord, u64) -> Result<Member, Vec<Reject>> + Send + 'static + use<>, ImportError> {
    let [
        insurer,
        symbol,
        number,
        branch,
        kanji,
        kana,
        birth,
        sex,
        address,
        my_number,
        relationship,
        copay,
        acquired,
        lost,
    ] = columns::<14>(header, MEMBERS_HEADER)?;
    let [
        loss_reason,
        limit_kind,
        limit_category,
        limit_issued,
        limit_from,
        limit_until,
        elderly_issued,
        elderly_from,
        elderly_until,
        elderly_copay,
        notified,
    ] = optional_columns::<11>(header, MEMBERS_OPTIONAL);
    let mut seen_keys = SeenKeys::<String>::new();
    Ok(move |record: &csv::ByteRecord, line: u64| {
        let mut row = Row::new(record, line);
        let insurer_number = row.parse("insurer_number", insurer, str::parse::<InsurerNumber>);
        let symbol = row.parse("symbol", symbol, str::parse::<Symbol>);
        let number = row.parse("number", number, str::parse::<InsuredNumber>);
        let branch = row.parse("branch", branch, str::parse::<Branch>);
        let attributes = five_attributes(&mut row, [kanji, kana, birth, sex, address], options.today);
        let my_number = row.optional("my_number", my_number, str::parse::<MyNumber>);
        let relationship = row.parse("relationship", relationship, str::parse::<Relationship>);
        let copay_ratio = row.parse("copay_ratio", copay, str::parse::<CopayRatio>);
        let acquired_on = row.parse("acquired_on", acquired, parse_date);
        let lost_on = row.optional("lost_on", lost, parse_date);
        let loss_reason = row.optional_at("loss_reason", loss_reason, str::parse::<LossReason>);
        let notified_on = row.optional_at("notified_on", notified, parse_date);
        let l_kind = row.optional_at("limit_kind", limit_kind, str::parse::<LimitCertificateKind>);
        let l_category = row.optional_at("limit_category", limit_category, str::parse::<LimitCategory>);
        let l_issued = row.optional_at("limit_issued_on", limit_issued, parse_date);
        let l_from = row.optional_at("limit_valid_from", limit_from, parse_date);
        let l_until = row.optional_at("limit_valid_until", limit_until, parse_date);
        let e_issued = row.optional_at("elderly_issued_on", elderly_issued, parse_date);
        let e_from = row.optional_at("elderly_valid_from", elderly_from, parse_date);
        let e_until = row.optional_at("elderly_valid_until", elderly_until, parse_date);
        let e_copay = row.optional_at("elderly_copay_ratio", elderly_copay, str::parse::<CopayRatio>);
        let limit_certificate = match (l_kind, l_category, l_issued, l_from, l_until) {
            (Some(kind), Some(category), Some(issued_on), Some(valid_from), Some(valid_until)) => row.group(
                "限度額適用認定証",
                &[
                    ("limit_kind", kind.is_some()),
                    ("limit_category", category.is_some()),
                    ("limit_issued_on", issued_on.is_some()),
                    ("limit_valid_from", valid_from.is_some()),
                    ("limit_valid_until", valid_until.is_some()),
                ],
                || {
                    Some(LimitCertificate {
                        kind: kind?,
                        category: category?,
                        issued_on: issued_on?,
                        valid_from: valid_from?,
                        valid_until: valid_until?,
                    })
                },
            ),
            _ => None,
        };
        let elderly_recipient = match (e_issued, e_from, e_until, e_copay) {
            (Some(issued_on), Some(valid_from), Some(valid_until), Some(copay_ratio)) => row.group(
                "高齢受給者証",
                &[
                    ("elderly_issued_on", issued_on.is_some()),
                    ("elderly_valid_from", valid_from.is_some()),
                    ("elderly_valid_until", valid_until.is_some()),
                    ("elderly_copay_ratio", copay_ratio.is_some()),
                ],
                || {
                    Some(ElderlyRecipient {
                        issued_on: issued_on?,
                        valid_from: valid_from?,
                        valid_until: valid_until?,
                        copay_ratio: copay_ratio?,
                    })
                },
            ),
            _ => None,
        };
        let member = (|| {
            Some(Member {
                key: MemberKey { insurer_number: insurer_number?, symbol: symbol?, number: number?, branch: branch? },
                relationship: relationship?,
                attributes: attributes?,
                my_number: my_number?,
                copay_ratio: copay_ratio?,
                acquired_on: acquired_on?,
                lost_on: lost_on?,
                loss_reason: loss_reason?,
                limit_certificate: limit_certificate?,
                elderly_recipient: elderly_recipient?,
                notified_on: notified_on?,
            })
        })();
        if let Some(member) = &member {
            if let Err(e) = member.check() {
                row.reject(e.field(), &e.value(), e);
            }
            let key = &member.key;
            let text = format!("{} {} {} {}", key.insurer_number, key.symbol, key.number, key.branch);
            if row.rejects.is_empty()
                && let Some(first) = seen_keys.check(text.clone(), line)
            {
                row.reject(
                    "number",
                    &text,
                    format!("保険者番号・記号・番号・枝番 repeat line {first}; only the first is imported"),
                );
            }
        }
        row.finish(member)
    })
}

pub(super) fn facility_parser(
    header: &csv::StringRecord,
    _options: ImportOptions,
) -> Result<impl FnMut(&csv::ByteRecord, u64) -> Result<Facility, Vec<Reject>> + Send + 'static + use<>, ImportError> {
    let [code, name, kind, address] = columns::<4>(header, FACILITIES_HEADER)?;
    let mut seen = SeenKeys::<u64>::new();
    Ok(move |record: &csv::ByteRecord, line: u64| {
        let mut row = Row::new(record, line);
        let facility_code = row.parse("facility_code", code, str::parse::<FacilityCode>);
        let facility_name = row.parse("name", name, |s| check_text("名称", s, MAX_NAME_CHARS));
        let facility_kind = row.parse("kind", kind, str::parse::<FacilityKind>);
        let address = row.parse("address", address, |s| check_text("所在地", s, MAX_ADDRESS_CHARS));
        if let (Some(code), Some(kind)) = (&facility_code, facility_kind) {
            if let Err(e) = kind.check_code(code) {
                row.reject("kind", kind.code(), e);
            }
            if let Some(first) = seen.check(code.as_str().parse::<u64>().expect("10 ASCII digits"), line) {
                row.reject(
                    "facility_code",
                    code.as_str(),
                    format!("医療機関コード repeats line {first}; only the first is imported"),
                );
            }
        }
        let facility = (|| {
            Some(Facility { code: facility_code?, name: facility_name?, kind: facility_kind?, address: address? })
        })();
        row.finish(facility)
    })
}

pub(super) fn insurer_parser(
    header: &csv::StringRecord,
    _options: ImportOptions,
) -> Result<impl FnMut(&csv::ByteRecord, u64) -> Result<Insurer, Vec<Reject>> + Send + 'static + use<>, ImportError> {
    let [number, name] = columns::<2>(header, INSURERS_HEADER)?;
    // An optional `kind` column (as `onshi synth` writes) must agree with
    // the 法別番号.
    let kind_column = header.iter().position(|c| c.trim() == "kind");
    let mut seen = SeenKeys::<u64>::new();
    Ok(move |record: &csv::ByteRecord, line: u64| {
        let mut row = Row::new(record, line);
        let insurer_number = row.parse("insurer_number", number, str::parse::<InsurerNumber>);
        let insurer_name = row.parse("name", name, |s| check_text("保険者名", s, MAX_NAME_CHARS));
        if let Some(n) = &insurer_number {
            if let Some(column) = kind_column {
                let given = String::from_utf8_lossy(record.get(column).unwrap_or_default()).trim().to_owned();
                if !given.is_empty() && given != n.kind().code() {
                    row.reject(
                        "kind",
                        &given,
                        format!("保険者番号 {n} is a {} ({}) by its 法別番号", n.kind().code(), n.kind().label_ja()),
                    );
                }
            }
            if let Some(first) = seen.check(n.as_str().parse::<u64>().expect("ASCII digits"), line) {
                row.reject(
                    "insurer_number",
                    n.as_str(),
                    format!("保険者番号 repeats line {first}; only the first is imported"),
                );
            }
        }
        let insurer = (|| {
            let insurer_number = insurer_number?;
            Some(Insurer { kind: insurer_number.kind(), insurer_number, name: insurer_name? })
        })();
        row.finish(insurer)
    })
}

/// Read `input` as CSV and send parsed batches to the writer. Runs on a
/// blocking thread.
pub(super) fn read_batches<T, P>(
    input: Box<dyn Read + Send>,
    options: ImportOptions,
    make_parser: fn(&csv::StringRecord, ImportOptions) -> Result<P, ImportError>,
    sender: tokio::sync::mpsc::Sender<Result<Batch<T>, ImportError>>,
) where
    P: FnMut(&csv::ByteRecord, u64) -> Result<T, Vec<Reject>>,
{
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let header = match reader.byte_headers() {
        Ok(bytes) => csv::StringRecord::from_byte_record_lossy(bytes.clone()),
        Err(e) => {
            let _ = sender.blocking_send(Err(e.into()));
            return;
        }
    };
    let mut parse = match make_parser(&header, options) {
        Ok(parse) => parse,
        Err(e) => {
            let _ = sender.blocking_send(Err(e));
            return;
        }
    };
    let new_batch = || Batch::with_capacity(options.batch_size);
    let mut batch = new_batch();
    let mut record = csv::ByteRecord::new();
    let mut rows = 0u64;
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let _ = sender.blocking_send(Err(e.into()));
                return;
            }
        }
        rows += 1;
        let line = record.position().map_or(rows + 1, csv::Position::line);
        match parse(&record, line) {
            Ok(value) => {
                batch.rows.push(value);
                batch.lines.push(line);
            }
            Err(rejects) => {
                batch.rejected_rows += 1;
                batch.rejects.extend(rejects);
            }
        }
        if batch.rows.len() >= options.batch_size {
            batch.progress = Progress { bytes_read: reader.position().byte(), rows };
            if sender.blocking_send(Ok(std::mem::replace(&mut batch, new_batch()))).is_err() {
                return;
            }
        }
    }
    batch.progress = Progress { bytes_read: reader.position().byte(), rows };
    let _ = sender.blocking_send(Ok(batch));
}
