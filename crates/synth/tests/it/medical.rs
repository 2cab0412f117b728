//! The synthetic medical histories: every line is a valid import line, the
//! file is deterministic, and the histories look like a town's.

use std::collections::{BTreeMap, BTreeSet};

use chrono::Datelike;
use onshi_domain::Date;
use onshi_domain::medical::{
    CheckupItem, CheckupValue, MedicalRecord, RecordKind, Supply, in_window, parse_line_as_of,
};
use onshi_synth::{Sinks, Summary, SynthConfig, generate_into};

/// The one place that generates a town with its histories.
fn histories(people: usize, seed: u64) -> (Summary, Vec<u8>, Vec<u8>) {
    let config = SynthConfig { people, seed, medical: true, ..SynthConfig::default() };
    let (mut registry, mut members, mut truth, mut facilities, mut insurers, mut medical) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let summary = generate_into(
        &config,
        Sinks {
            registry: &mut registry,
            members: &mut members,
            truth: &mut truth,
            facilities: &mut facilities,
            insurers: &mut insurers,
            medical: Some(&mut medical),
        },
        &mut |_| {},
    )
    .expect("generation succeeds");
    (summary, members, medical)
}

fn as_of() -> Date {
    SynthConfig::default().as_of
}

#[test]
fn every_line_parses_and_histories_look_like_a_town() {
    let (summary, members_csv, medical) = histories(3_000, 5);
    let text = std::str::from_utf8(&medical).expect("UTF-8");
    assert_eq!(text.lines().count(), summary.medical_records);
    let mut by_kind: BTreeMap<RecordKind, usize> = BTreeMap::new();
    let mut ids = BTreeSet::new();
    let mut members_with_drugs = BTreeSet::new();
    let mut as_needed = 0;
    let mut high_hba1c = 0;
    let birth_of: BTreeMap<(String, String, String, String), Date> = csv::Reader::from_reader(members_csv.as_slice())
        .records()
        .map(|record| {
            let record = record.expect("row");
            let birth = onshi_domain::date::parse_date(&record[6]).unwrap_or(Date::MIN);
            ((record[0].to_owned(), record[1].to_owned(), record[2].to_owned(), record[3].to_owned()), birth)
        })
        .collect();
    for (idx, line) in text.lines().enumerate() {
        let row = parse_line_as_of(line, as_of()).unwrap_or_else(|err| panic!("line {}: {err}\n{line}", idx + 1));
        assert!(ids.insert(row.record_id.clone()), "record ids are unique");
        *by_kind.entry(row.record.kind()).or_default() += 1;
        let member = (
            row.key.insurer_number.as_str().to_owned(),
            row.key.symbol.as_str().to_owned(),
            row.key.number.as_str().to_owned(),
            row.key.branch.to_string(),
        );
        match &row.record {
            MedicalRecord::Drug(drug) => {
                members_with_drugs.insert(member);
                as_needed += usize::from(matches!(drug.supply, Supply::AsNeeded { .. }));
                assert!(in_window(RecordKind::Drug, drug.dispensed_on, as_of()));
            }
            MedicalRecord::Checkup(checkup) => {
                assert!(in_window(RecordKind::Checkup, checkup.checked_on, as_of()));
                let birth = birth_of[&member];
                let mut age = checkup.checked_on.year() - birth.year();
                if (checkup.checked_on.month(), checkup.checked_on.day()) < (birth.month(), birth.day()) {
                    age -= 1;
                }
                assert!((40..=74).contains(&age), "特定健診 are for ages 40–74, got {age}");
                if let Some(CheckupValue::Tenths(hba1c)) = checkup.results.get(CheckupItem::Hba1c) {
                    high_hba1c += usize::from(hba1c >= 65);
                }
            }
            _ => {}
        }
    }
    for kind in RecordKind::ALL {
        assert!(by_kind.get(&kind).copied().unwrap_or(0) > 50, "{kind}: {by_kind:?}");
    }
    let members = birth_of.len();
    let share = members_with_drugs.len() as f64 / members as f64;
    assert!((0.2..0.9).contains(&share), "share of members with drugs {share}");
    assert!(as_needed > 0 && high_hba1c > 0, "頓用 and diabetic values appear");
}

#[test]
fn histories_are_deterministic_and_follow_the_seed() {
    let (_, _, first) = histories(400, 7);
    let (_, _, again) = histories(400, 7);
    let (_, _, other) = histories(400, 8);
    assert_eq!(first, again);
    assert_ne!(first, other);
}

#[test]
fn the_other_files_do_not_change_with_medical() {
    let config = SynthConfig { people: 400, seed: 7, ..SynthConfig::default() };
    let mut plain: [Vec<u8>; 5] = Default::default();
    let [registry, members, truth, facilities, insurers] = &mut plain;
    generate_into(&config, Sinks { registry, members, truth, facilities, insurers, medical: None }, &mut |_| {})
        .expect("generation succeeds");
    let (_, members_with_medical, _) = histories(400, 7);
    assert_eq!(plain[1], members_with_medical);
}
