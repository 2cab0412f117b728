use proptest::prelude::*;

use super::*;

fn person(kanji: &str, kana: &str, birth: &str, sex: Sex, address: &str) -> FiveAttributes {
    FiveAttributes {
        name_kanji: kanji.to_owned(),
        name_kana: kana.to_owned(),
        birth_date: Date::parse_from_str(birth, "%Y-%m-%d").expect("test date"),
        sex,
        address: address.to_owned(),
    }
}

fn taro() -> FiveAttributes {
    person("髙橋　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "東京都八王子市元本郷町三丁目24番1号")
}

fn verdict(member: &FiveAttributes, resident: &FiveAttributes) -> (String, Vec<String>) {
    match judge_link(&compare(member, resident)) {
        LinkVerdict::Match => ("match".to_owned(), Vec::new()),
        LinkVerdict::Review { reasons } => ("review".to_owned(), reasons),
        LinkVerdict::Mismatch { reasons } => ("mismatch".to_owned(), reasons),
    }
}

#[test]
fn verdicts_on_linked_members() {
    let resident = taro();
    let cases: &[(&str, FiveAttributes, &str, &[&str])] = &[
        ("identical", taro(), "match", &[]),
        (
            "harmless clerk noise: common-form kanji, half-width kana, hyphenated address without prefecture",
            person("高橋 太郎", "ﾀｶﾊｼ ﾀﾛｳ", "1980-04-01", Sex::Male, "八王子市元本郷町3-24-1"),
            "match",
            &[],
        ),
        (
            "hiragana reading and full-width digits",
            person("高橋太郎", "たかはし　たろう", "1980-04-01", Sex::Male, "東京都八王子市元本郷町３－２４－１"),
            "match",
            &[],
        ),
        (
            "building and room (方書) left out by the insurer",
            person(
                "髙橋　太郎",
                "タカハシ　タロウ",
                "1980-04-01",
                Sex::Male,
                "東京都八王子市元本郷町三丁目24番1号　ハイツ緑201",
            ),
            "match",
            &[],
        ),
        (
            "another house number on the same street is not a building",
            person("髙橋　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "東京都八王子市元本郷町三丁目24番12号"),
            "review",
            &["address:same_municipality"],
        ),
        (
            "moved within the city",
            person("髙橋　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "東京都八王子市横山町5番2号"),
            "review",
            &["address:same_municipality"],
        ),
        (
            "moved to another city",
            person("髙橋　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "東京都日野市高幡1971番地7"),
            "review",
            &["address:same_prefecture"],
        ),
        (
            "a typo in the kana",
            person("髙橋　太郎", "タカハシ　タロオ", "1980-04-01", Sex::Male, "東京都八王子市元本郷町三丁目24番1号"),
            "review",
            &["name_kana:one_character"],
        ),
        (
            "married: surname changed in both scripts",
            person("佐藤　太郎", "サトウ　タロウ", "1980-04-01", Sex::Male, "東京都八王子市元本郷町三丁目24番1号"),
            "review",
            &["name_kanji:surname", "name_kana:surname"],
        ),
        (
            "married, the insurer's name written without a space",
            person("佐藤太郎", "サトウタロウ", "1980-04-01", Sex::Male, "東京都八王子市元本郷町三丁目24番1号"),
            "review",
            &["name_kanji:surname", "name_kana:surname"],
        ),
        (
            "married and moved: one life event and a move",
            person("佐藤　太郎", "サトウ　タロウ", "1980-04-01", Sex::Male, "東京都日野市高幡1971番地7"),
            "review",
            &["name_kanji:surname", "name_kana:surname", "address:same_prefecture"],
        ),
        (
            "married and moved, written without spaces",
            person("佐藤太郎", "ｻﾄｳﾀﾛｳ", "1980-04-01", Sex::Male, "東京都日野市高幡1971番地7"),
            "review",
            &["name_kanji:surname", "name_kana:surname", "address:same_prefecture"],
        ),
        (
            "married to a surname one character apart, and moved",
            person("高畑　太郎", "タカハタ　タロウ", "1980-04-01", Sex::Male, "東京都日野市高幡1971番地7"),
            "review",
            &["name_kanji:one_character", "name_kana:one_character", "address:same_prefecture"],
        ),
        (
            "another given name written without a space is still another person",
            person("髙橋花子", "タカハシハナコ", "1980-04-01", Sex::Male, "東京都八王子市元本郷町三丁目24番1号"),
            "mismatch",
            &["name_kanji:given_name", "name_kana:given_name"],
        ),
        (
            "a new surname, a move and an unset sex are too much",
            person("佐藤　太郎", "サトウ　タロウ", "1980-04-01", Sex::Unset, "東京都日野市高幡1971番地7"),
            "mismatch",
            &["name_kanji:surname", "name_kana:surname", "sex:other", "address:same_prefecture"],
        ),
        (
            "birth date digits swapped",
            person("髙橋　太郎", "タカハシ　タロウ", "1980-04-10", Sex::Male, "東京都八王子市元本郷町三丁目24番1号"),
            "review",
            &["birth_date:transposed_digits"],
        ),
        (
            "the 2023 pattern: a namesake elsewhere, same reading, other spelling",
            person("高階　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "神奈川県相模原市緑区橋本3-1-1"),
            "mismatch",
            &["name_kanji:one_character", "address:other_prefecture"],
        ),
        (
            "another sex",
            person("髙橋　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Female, "東京都八王子市元本郷町三丁目24番1号"),
            "mismatch",
            &["sex:sex"],
        ),
        (
            "another given name: a family member at the same address",
            person("髙橋　花子", "タカハシ　ハナコ", "1982-05-03", Sex::Female, "東京都八王子市元本郷町三丁目24番1号"),
            "mismatch",
            &["name_kanji:given_name", "name_kana:given_name", "birth_date:other", "sex:sex"],
        ),
        (
            "another birth date altogether",
            person("髙橋　太郎", "タカハシ　タロウ", "1975-11-23", Sex::Male, "東京都八王子市元本郷町三丁目24番1号"),
            "mismatch",
            &["birth_date:other"],
        ),
    ];
    for (why, member, expected, reasons) in cases {
        let (got, got_reasons) = verdict(member, &resident);
        assert_eq!(got, *expected, "{why}: {got_reasons:?}");
        assert_eq!(got_reasons, reasons.iter().map(|r| r.to_string()).collect::<Vec<_>>(), "{why}");
    }
}

#[test]
fn a_namesake_with_the_same_spelling_elsewhere_is_never_a_match() {
    // Same kanji, kana, birth date and sex; only the address tells them
    // apart. That is also what a move looks like, so a person must look.
    let namesake = person("髙橋　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "大阪府大阪市北区梅田1-1-1");
    assert_eq!(verdict(&namesake, &taro()).0, "review");
}

#[test]
fn unset_sex_is_not_taken_as_agreement() {
    let member =
        person("髙橋　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Unset, "東京都八王子市元本郷町三丁目24番1号");
    let comparison = compare(&member, &taro());
    assert_eq!(comparison.sex, Outcome::Different(Difference::Other));
    assert_eq!(judge_link(&comparison).code(), "review");
}

#[test]
fn folds_are_named() {
    let member = person("高橋 太郎", "ﾀｶﾊｼ ﾀﾛｳ", "1980-04-01", Sex::Male, "八王子市元本郷町3-24-1");
    let comparison = compare(&member, &taro());
    let Outcome::Folded(kanji) = comparison.name_kanji else { panic!("{:?}", comparison.name_kanji) };
    assert!(kanji.contains(text::FoldRule::VariantKanji), "{kanji:?}");
    let Outcome::Folded(address) = comparison.address else { panic!("{:?}", comparison.address) };
    assert!(address.contains(text::FoldRule::Prefecture), "{address:?}");
    assert_eq!(comparison.birth_date, Outcome::Equal);
}

#[test]
fn find_requires_all_five_and_a_single_candidate() {
    let resident = taro();
    let namesake = person("高階　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "神奈川県相模原市緑区橋本3-1-1");
    let member = person("高橋 太郎", "ﾀｶﾊｼ ﾀﾛｳ", "1980-04-01", Sex::Male, "八王子市元本郷町3-24-1");
    assert_eq!(find(&member, [(1, &resident), (2, &namesake)]), FindVerdict::Found(1));
    assert_eq!(find(&member, [(2, &namesake)]), FindVerdict::NotFound);
    let twin_record = taro();
    assert_eq!(find(&member, [(1, &resident), (3, &twin_record)]), FindVerdict::Ambiguous(vec![1, 3]));
    // Three attributes (kana, birth date, sex) are never enough.
    let three_only =
        person("高階　太郎", "タカハシ　タロウ", "1980-04-01", Sex::Male, "東京都八王子市元本郷町三丁目24番1号");
    assert_eq!(find(&member, [(4, &three_only)]), FindVerdict::NotFound);
}

#[test]
fn one_character_apart_counts_replacements_insertions_and_deletions() {
    for (left, right, expected) in [
        ("タロウ", "タロオ", true),
        ("タロウ", "タロ", true),
        ("タロ", "タロウ", true),
        ("タロウ", "タロウ", false),
        ("タロウ", "ジロウ", true),
        ("タロウ", "ジロキ", false),
        ("タロウ", "タロウタ", true),
        ("", "ア", true),
    ] {
        assert_eq!(one_character_apart(left, right), expected, "{left} / {right}");
    }
}

fn kana_name() -> impl Strategy<Value = (String, String)> {
    let syllables = ["ア", "カ", "サ", "タ", "ナ", "ハ", "マ", "ヤ", "ラ", "ワ", "キ", "シ", "チ", "ロ", "ウ"];
    let part = proptest::collection::vec(proptest::sample::select(syllables.to_vec()), 2..5).prop_map(|s| s.concat());
    (part.clone(), part)
}

proptest! {
    /// A namesake (same reading, birth date and sex) at another address is
    /// never a match and never found, whatever the names.
    #[test]
    fn namesakes_elsewhere_are_never_match_or_found((surname, given) in kana_name(), day in 0u32..20000, street in 1u32..40) {
        let birth = Date::from_ymd_opt(1930, 1, 1).expect("date") + chrono::Days::new(u64::from(day));
        let kana = format!("{surname}　{given}");
        let resident = FiveAttributes {
            name_kanji: "山田　太郎".to_owned(),
            name_kana: kana.clone(),
            birth_date: birth,
            sex: Sex::Male,
            address: format!("東京都八王子市元本郷町{street}-1-1"),
        };
        let namesake = FiveAttributes { address: format!("東京都日野市高幡{street}-2-2"), ..resident.clone() };
        prop_assert_ne!(judge_link(&compare(&namesake, &resident)), LinkVerdict::Match);
        prop_assert_eq!(find(&namesake, [(1, &resident)]), FindVerdict::NotFound);
    }

    /// Harmless notation (half-width kana, hiragana, spaces, omitted
    /// prefecture, full-width digits) never makes a mismatch, nor a review.
    #[test]
    fn harmless_notation_is_always_a_match((surname, given) in kana_name(), street in 1u32..40, block in 1u32..30) {
        let kana = format!("{surname}　{given}");
        let resident = FiveAttributes {
            name_kanji: "渡邉　花子".to_owned(),
            name_kana: kana.clone(),
            birth_date: Date::from_ymd_opt(1975, 3, 9).expect("date"),
            sex: Sex::Female,
            address: format!("東京都八王子市元本郷町{street}丁目{block}番1号"),
        };
        let hiragana: String = kana.chars().map(|c| match c { 'ア'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c), other => other }).collect();
        let full_width = |n: u32| n.to_string().chars().map(|d| char::from_u32(d as u32 - '0' as u32 + '０' as u32).unwrap_or(d)).collect::<String>();
        let member = FiveAttributes {
            name_kanji: "渡辺 花子".to_owned(),
            name_kana: hiragana.replace('　', " "),
            address: format!("八王子市元本郷町{}－{}－１", full_width(street), full_width(block)),
            ..resident.clone()
        };
        prop_assert_eq!(judge_link(&compare(&member, &resident)), LinkVerdict::Match);
    }
}
