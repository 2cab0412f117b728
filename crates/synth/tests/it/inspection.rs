//! The inspection test set (issue 8, 総点検) and the done-when thresholds of
//! the linkage engine on it: no wrong link is `match`, no harmless-noise
//! record is `mismatch`, false alarms (`review` on harmless noise) are at
//! most 0.1 %, and at least 95 % of the unlinked members whose person is in
//! the registry are found, with no wrong person found.

use std::collections::BTreeSet;

use onshi_domain::text::normalise_kana_name;
use onshi_synth::inspection::{self, FindOutcome, InspectionConfig, Label, Noise};

fn config(members: usize, seed: u64) -> InspectionConfig {
    InspectionConfig { members, seed, ..InspectionConfig::default() }
}

#[test]
fn the_engine_meets_the_thresholds_on_20000_members() {
    let set = inspection::generate(&config(20_000, 5));
    let evaluation = inspection::evaluate(&set);
    for label in Label::ALL {
        assert!(evaluation.label_count(label) >= 20, "too few {} to measure: {evaluation:?}", label.code());
    }
    for label in Label::ALL.into_iter().filter(|label| label.is_wrong()) {
        assert_eq!(evaluation.verdict_count(label, "match"), 0, "{} called match", label.code());
    }
    assert_eq!(evaluation.verdict_count(Label::HarmlessNoise, "mismatch"), 0, "harmless noise called mismatch");
    let harmless = evaluation.label_count(Label::HarmlessNoise);
    let false_alarms = evaluation.verdict_count(Label::HarmlessNoise, "review");
    assert!(
        false_alarms * 1000 <= harmless,
        "{false_alarms} of {harmless} harmless records reviewed: {:?}",
        evaluation.harmless_reviews
    );
    // Life events are for a person to confirm, never a wrong link.
    assert_eq!(evaluation.verdict_count(Label::TrueChange, "match"), 0);
    assert_eq!(evaluation.verdict_count(Label::TrueChange, "mismatch"), 0);
    // Every mismatch is a wrong link; family and random ones are all caught.
    let (true_positive, predicted, _) = evaluation.mismatch_counts();
    assert_eq!(true_positive, predicted);
    assert_eq!(evaluation.verdict_count(Label::WrongFamily, "mismatch"), evaluation.label_count(Label::WrongFamily));
    assert_eq!(evaluation.verdict_count(Label::WrongRandom, "mismatch"), evaluation.label_count(Label::WrongRandom));

    let found = evaluation.find_count(FindOutcome::Correct);
    let findable = evaluation.findable();
    assert!(found * 100 >= findable * 95, "found {found} of {findable}: {:?}", evaluation.finds);
    assert_eq!(evaluation.find_count(FindOutcome::WrongPerson), 0, "{:?}", evaluation.finds);
    // Clean and noisy unlinked members are all found.
    for label in [Label::UnlinkedClean, Label::UnlinkedNoise] {
        assert_eq!(evaluation.finds.get(&(label, FindOutcome::Correct)).copied(), Some(evaluation.label_count(label)));
    }
}

#[test]
fn the_set_is_deterministic() {
    let a = inspection::generate(&config(3_000, 9));
    assert_eq!(a, inspection::generate(&config(3_000, 9)));
    assert_ne!(a, inspection::generate(&config(3_000, 10)));
    assert_eq!(a.members.len(), 3_000);
}

#[test]
fn labels_say_what_the_records_are() {
    let set = inspection::generate(&config(20_000, 5));
    let mut noise_seen = BTreeSet::new();
    let mut absent_with_namesake = 0;
    for member in &set.members {
        let resident = |id: Option<u32>| &set.residents[id.expect("a resident") as usize].attributes;
        let m = &member.attributes;
        match member.label {
            Label::Clean | Label::UnlinkedClean => {
                assert_eq!(m, resident(member.truth), "{member:?}");
                assert!(member.noise.is_empty());
            }
            Label::HarmlessNoise | Label::UnlinkedNoise => {
                assert!(!member.noise.is_empty(), "{member:?}");
                let r = resident(member.truth);
                let written = (&m.name_kanji, &m.name_kana, &m.address, &member.birth_date_written);
                let iso = r.birth_date.format("%Y-%m-%d").to_string();
                assert_ne!(written, (&r.name_kanji, &r.name_kana, &r.address, &iso), "{member:?}");
                noise_seen.extend(member.noise.iter().copied());
            }
            Label::WrongNamesake => {
                // A genuine namesake in the registry, not the person.
                let (linked, own) = (resident(member.linked), resident(member.truth));
                assert_ne!(member.linked, member.truth);
                assert_eq!(normalise_kana_name(&linked.name_kana), normalise_kana_name(&own.name_kana));
                assert_eq!((linked.birth_date, linked.sex), (own.birth_date, own.sex));
                assert_ne!(linked.address, own.address);
            }
            Label::WrongFamily => {
                let (linked, truth) = (member.linked.expect("linked"), member.truth.expect("in the registry"));
                assert_ne!(linked, truth);
                assert_eq!(set.residents[linked as usize].household, set.residents[truth as usize].household);
                assert_eq!(resident(Some(linked)).address, resident(Some(truth)).address);
            }
            Label::WrongRandom => assert_ne!(member.linked, member.truth),
            Label::TrueChange | Label::UnlinkedChange => {
                assert!(member.change.is_some());
                assert_ne!(m, resident(member.truth));
            }
            Label::UnlinkedAbsent => {
                assert_eq!(member.truth, None);
                let key = (normalise_kana_name(&m.name_kana), m.birth_date, m.sex);
                absent_with_namesake += usize::from(set.residents.iter().any(|r| {
                    (normalise_kana_name(&r.attributes.name_kana), r.attributes.birth_date, r.attributes.sex) == key
                }));
            }
        }
        assert_eq!(member.linked.is_none(), member.label.is_unlinked());
        if !member.label.is_unlinked() && !member.label.is_wrong() {
            assert_eq!(member.linked, member.truth);
        }
    }
    assert!(absent_with_namesake >= 20, "{absent_with_namesake} absent members have a namesake in the registry");
    let every_noise = [
        Noise::HalfWidthKana,
        Noise::HiraganaKana,
        Noise::LargeKana,
        Noise::KanaSpacing,
        Noise::KanjiSpacing,
        Noise::CommonFormKanji,
        Noise::OldFormKanji,
        Noise::AddressNoPrefecture,
        Noise::AddressHyphens,
        Noise::AddressFullWidthDigits,
        Noise::AddressChomeNumerals,
        Noise::AddressNoBuilding,
        Noise::AddressPlaceNameKana,
        Noise::AddressRoomSuffix,
        Noise::AddressBanchiNo,
        Noise::AddressBuildingNoSpace,
        Noise::WarekiBirthDate,
        Noise::CompactBirthDate,
    ];
    let missing: Vec<_> = every_noise.iter().filter(|kind| !noise_seen.contains(kind)).collect();
    assert!(missing.is_empty(), "noise never generated: {missing:?}");
}
