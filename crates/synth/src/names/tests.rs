use std::collections::BTreeSet;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;

fn is_katakana(text: &str) -> bool {
    text.chars().all(|c| ('ァ'..='ヶ').contains(&c) || c == 'ー')
}

#[test]
fn tables_are_well_formed() {
    assert!(SURNAMES.len() >= 300, "{} surnames", SURNAMES.len());
    for (kanji, kana, weight) in SURNAMES {
        assert!(!kanji.is_empty() && *weight > 0, "{kanji}");
        assert!(is_katakana(kana), "{kanji} {kana}");
    }
    let pairs: BTreeSet<_> = SURNAMES.iter().map(|(k, r, _)| (*k, *r)).collect();
    assert_eq!(pairs.len(), SURNAMES.len(), "a (spelling, reading) pair is listed twice");
    for (common, _) in OLD_FORMS {
        assert!(SURNAMES.iter().any(|(k, _, _)| k == common), "old form of unknown surname {common}");
    }
    for table in [&MALE, &FEMALE] {
        let total: usize = table.iter().map(|era| era.len()).sum();
        assert!(total >= 190, "{total} given names");
        for era in table.iter() {
            let pairs: BTreeSet<_> = era.iter().collect();
            assert_eq!(pairs.len(), era.len(), "a given name repeats within an era");
            for (kanji, kana) in era.iter() {
                assert!(!kanji.is_empty() && is_katakana(kana), "{kanji} {kana}");
            }
        }
    }
}

#[test]
fn common_names_are_common() {
    let names = Names::new();
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let draws = 20_000;
    let sato = (0..draws).filter(|_| names.surname(&mut rng, 0.0).common == "佐藤").count();
    // 佐藤 is about 1.5 % of the table's weight.
    assert!((150..600).contains(&sato), "佐藤 drawn {sato} times of {draws}");
}

#[test]
fn old_forms_come_at_the_configured_rate() {
    let names = Names::new();
    let mut rng = ChaCha8Rng::seed_from_u64(2);
    let parts: Vec<NamePart> = (0..20_000).map(|_| names.surname(&mut rng, 1.0)).collect();
    assert!(parts.iter().any(|p| p.kanji == "髙橋" && p.common == "高橋" && p.kana == "タカハシ"));
    assert!(parts.iter().any(|p| p.kanji == "山﨑" && p.common == "山崎"));
    let none: Vec<NamePart> = (0..5_000).map(|_| names.surname(&mut rng, 0.0)).collect();
    assert!(none.iter().all(|p| !p.is_old_form()));
}

#[test]
fn same_reading_other_spelling() {
    let names = Names::new();
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let reading = SURNAMES.iter().position(|(k, _, _)| *k == "斎藤").map(|idx| names.surname_reading_of[idx]);
    let reading = reading.expect("斎藤 is in the table");
    let mut spellings = BTreeSet::new();
    for _ in 0..200 {
        let part = names.surname_with_reading(reading, "斎藤", 1.0, 0.0, &mut rng);
        assert_eq!(part.kana, "サイトウ");
        assert_ne!(part.kanji, "斎藤");
        spellings.insert(part.kanji);
    }
    assert!(spellings.contains("斉藤") && spellings.contains("齋藤"), "{spellings:?}");
}

#[test]
fn given_names_follow_the_era_and_avoid_siblings() {
    let names = Names::new();
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let old = names.given(Sex::Female, 1935, &[], &mut rng);
    assert!(FEMALE[0].iter().any(|(k, _)| *k == old.kanji), "{}", old.kanji);
    let young = names.given(Sex::Male, 2018, &[], &mut rng);
    assert!(MALE[4].iter().any(|(k, _)| *k == young.kanji), "{}", young.kanji);
    for _ in 0..100 {
        let first = names.given(Sex::Male, 2000, &[], &mut rng);
        let second = names.given(Sex::Male, 2000, &[first.reading], &mut rng);
        assert_ne!(first.reading, second.reading);
    }
}
