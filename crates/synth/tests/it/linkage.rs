//! The linkage verdicts of `onshi_domain::linkage` on a generated town,
//! judged against the truth file: no wrong link is called `match`, and no
//! record carrying only harmless noise is called `mismatch`.

use std::collections::BTreeMap;

use onshi_domain::linkage::{self, LinkVerdict};
use onshi_domain::person::{FiveAttributes, Sex};

use super::*;

fn attributes(row: &Row) -> FiveAttributes {
    FiveAttributes {
        name_kanji: row["name_kanji"].clone(),
        name_kana: row["name_kana"].clone(),
        birth_date: onshi_domain::date::parse_date(&row["birth_date"]).expect("a valid date"),
        sex: row["sex"].parse::<Sex>().expect("a valid sex"),
        address: row["address"].clone(),
    }
}

/// Noise that changes how a record is written, not who it describes.
const HARMLESS: [&str; 11] = [
    "half_width_kana",
    "hiragana_kana",
    "name_spacing",
    "common_form_kanji",
    "address_hyphens",
    "address_full_width_digits",
    "address_no_prefecture",
    "address_no_building",
    "address_chome_numerals",
    "wareki_birth_date",
    "compact_birth_date",
];

#[test]
fn verdicts_agree_with_the_truth() {
    let mut config = config(30_000, 11);
    config.noise.wrong_my_number = 0.01;
    let town = town(&config);
    let by_number: BTreeMap<&str, &Row> = town.registry.iter().map(|row| (row["my_number"].as_str(), row)).collect();
    let truth: BTreeMap<_, &Row> = town.truth.iter().map(|row| (key(row), row)).collect();
    let mut tally: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
    let (mut wrong_links, mut harmless_only, mut harmless_review) = (0, 0, 0);
    for member in &town.members {
        let Some(resident) = by_number.get(member["my_number"].as_str()) else { continue };
        let truth = truth[&key(member)];
        let noise: Vec<&str> = truth["noise"].split(';').filter(|n| !n.is_empty()).collect();
        let verdict = linkage::judge_link(&linkage::compare(&attributes(member), &attributes(resident)));
        let class = if noise.contains(&"wrong_my_number") {
            wrong_links += 1;
            assert_ne!(verdict, LinkVerdict::Match, "a wrong link called match: {member:?} / {resident:?}");
            "wrong_link"
        } else if noise.iter().all(|n| HARMLESS.contains(n)) && truth["origin"] == "current" {
            harmless_only += 1;
            if verdict != LinkVerdict::Match {
                harmless_review += 1;
            }
            assert!(
                !matches!(verdict, LinkVerdict::Mismatch { .. }),
                "harmless noise {noise:?} called {verdict:?}: {member:?} / {resident:?}"
            );
            "harmless"
        } else {
            "other"
        };
        *tally.entry((class.to_owned(), verdict.code())).or_default() += 1;
    }
    eprintln!("linkage verdicts by class: {tally:?}");
    assert!(wrong_links > 20, "the town should carry wrong links: {tally:?}");
    assert!(harmless_only > 1_000, "{tally:?}");
    // Harmless notation alone must not send a record to review either
    // (issue: false alarms ≤ 0.1 %).
    assert!(
        harmless_review * 1000 <= harmless_only,
        "{harmless_review} of {harmless_only} harmless rows reviewed: {tally:?}"
    );
}
