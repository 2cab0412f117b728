//! Tests of the identifiers: real values with their sources, exhaustive sweeps and property tests.

use proptest::prelude::*;

use super::*;

/// The one place that calls the parsers: `"ok <Display>"` or `"err <message>"`.
fn check<T, E>(input: &str) -> String
where
    T: std::str::FromStr<Err = E> + std::fmt::Display,
    E: std::fmt::Display,
{
    match input.parse::<T>() {
        Ok(value) => format!("ok {value}"),
        Err(error) => format!("err {error}"),
    }
}

fn check_table<T, E>(cases: &[(&str, &str)])
where
    T: std::str::FromStr<Err = E> + std::fmt::Display,
    E: std::fmt::Display,
{
    for (input, expected) in cases {
        assert_eq!(check::<T, E>(input), *expected, "input {input:?}");
    }
}

fn digits<const N: usize>(mut n: u32) -> [u8; N] {
    let mut out = [0; N];
    for slot in out.iter_mut().rev() {
        *slot = (n % 10) as u8;
        n /= 10;
    }
    out
}

/// Run `f` over `0..n` on both halves of the range at once; the exhaustive
/// tests below are the slow ones of the crate.
fn for_all(n: u32, f: impl Fn(u32) + Sync) {
    std::thread::scope(|scope| {
        let f = &f;
        scope.spawn(move || (0..n / 2).for_each(f));
        (n / 2..n).for_each(f);
    });
}

// ---------------------------------------------------------------------------
// 個人番号

#[test]
fn my_number_cases() {
    check_table::<MyNumber, _>(&[
        // python-stdnum stdnum/jp/in_.py doctest (REFERENCE.md §4.1).
        ("621498320257", "ok 621498320257"),
        ("6214 9832 0257", "err 個人番号 must be digits only, found ' ' at position 5"),
        ("  ６２１４９８３２０２５７　", "ok 621498320257"),
        ("621498320258", "err 個人番号 check digit is 8, but 総務省令第85号 §5 gives 7 for the first 11 digits"),
        ("123456789018", "ok 123456789018"),
        ("111111111118", "ok 111111111118"),
        ("", "err 個人番号 must not be empty"),
        ("62149832025", "err 個人番号 must be 12 digits, got 11"),
        ("62149832025a", "err 個人番号 must be digits only, found 'a' at position 12"),
    ]);
}

#[test]
fn my_number_is_masked_and_never_echoed() {
    let number: MyNumber = "621498320257".parse().expect("valid");
    assert_eq!(number.masked(), "********0257");
    assert_eq!(format!("{number:?}"), "MyNumber(********0257)");
    // Errors never carry the number itself, so they can be logged.
    let error = "621498320258".parse::<MyNumber>().expect_err("bad check digit").to_string();
    assert!(!error.contains("62149832"), "{error}");
}

/// Σ P_n·Q_n mod 11 of the 11 leading digits (weights 6,5,4,3,2,7,6,5,4,3,2).
fn my_number_remainder(base: &[u8; 11]) -> u32 {
    const WEIGHTS: [u32; 11] = [6, 5, 4, 3, 2, 7, 6, 5, 4, 3, 2];
    base.iter().zip(WEIGHTS).map(|(&d, w)| u32::from(d) * w).sum::<u32>() % 11
}

proptest! {
    #[test]
    fn my_number_from_base_parses(base in prop::array::uniform11(0u8..10)) {
        let number = MyNumber::from_base(&base);
        prop_assert_eq!(number.as_str().parse::<MyNumber>(), Ok(number));
    }

    /// Exactly one check digit validates for every base.
    #[test]
    fn my_number_one_check_digit(base in prop::array::uniform11(0u8..10)) {
        let valid = (0..10u8)
            .filter(|check| {
                let text: String = base.iter().chain([check]).map(|d| char::from(b'0' + d)).collect();
                text.parse::<MyNumber>().is_ok()
            })
            .count();
        prop_assert_eq!(valid, 1);
    }

    /// Single-digit substitutions: the weights are 2..=7 and 11 is prime, so a
    /// substitution always changes Σ mod 11. But remainders 0 and 1 both give
    /// check digit 0, so a substitution is missed exactly when it moves the
    /// remainder from 0 to 1 or from 1 to 0. Substituting the check digit itself
    /// is always caught.
    #[test]
    fn my_number_substitutions(base in prop::array::uniform11(0u8..10), position in 0usize..12, new in 0u8..10) {
        let number = MyNumber::from_base(&base);
        let mut digits = digits_of(number.as_str());
        prop_assume!(digits[position] != new);
        digits[position] = new;
        let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
        let missed = text.parse::<MyNumber>().is_ok();
        let expected_missed = position < 11 && {
            let changed: [u8; 11] = digits[..11].try_into().expect("11 digits");
            let (before, after) = (my_number_remainder(&base), my_number_remainder(&changed));
            before <= 1 && after <= 1
        };
        prop_assert_eq!(missed, expected_missed);
    }

    #[test]
    fn my_number_full_width_and_spaces(base in prop::array::uniform11(0u8..10), pad in "[ \u{3000}]{0,3}") {
        let number = MyNumber::from_base(&base);
        let wide: String = number.as_str().chars().map(|c| char::from_u32(c as u32 - '0' as u32 + '０' as u32).expect("full-width digit")).collect();
        prop_assert_eq!(format!("{pad}{wide}{pad}").parse::<MyNumber>(), Ok(number));
    }
}

/// A concrete substitution that mod 11 misses, so the claim above is not empty.
#[test]
fn my_number_some_substitutions_are_missed() {
    let base: [u8; 11] = [0; 11];
    assert_eq!(my_number_remainder(&base), 0);
    let valid = MyNumber::from_base(&base);
    assert_eq!(valid.as_str(), "000000000000");
    // Last base digit has weight 2: digit 6 gives Σ = 12 ≡ 1 (mod 11), check digit still 0.
    assert_eq!(check::<MyNumber, _>("000000000060"), "ok 000000000060");
}

// ---------------------------------------------------------------------------
// The weights-2,1 family (保険者番号, 公費負担者番号, 受給者番号, 医療機関コード)

#[test]
fn modulus10_worked_examples() {
    // REFERENCE.md §4.2.
    assert_eq!(modulus10_weights_21(&[3, 3, 1, 2, 0, 0, 1]), 5);
    assert_eq!(modulus10_weights_21(&[5, 4, 0, 1, 6, 0, 2]), 7);
}

/// Every single-digit substitution is detected, for every 6-digit base and
/// every position (the check digit included): doubling-and-digit-summing and
/// the identity are both permutations of 0–9.
#[test]
fn modulus10_substitutions_exhaustive() {
    for_all(1_000_000, |n| {
        let base: [u8; 6] = digits(n);
        let check = modulus10_weights_21(&base);
        for position in 0..6 {
            for new in (0..10).filter(|&new| new != base[position]) {
                let mut changed = base;
                changed[position] = new;
                assert_ne!(modulus10_weights_21(&changed), check, "base {base:?}, position {position}, new {new}");
            }
        }
    });
}

/// Adjacent transpositions are detected except 09 ↔ 90, for every 6-digit
/// base, including swaps of the last base digit with the check digit.
#[test]
fn modulus10_transpositions_exhaustive() {
    for_all(1_000_000, |n| {
        let base: [u8; 6] = digits(n);
        let mut full = [0u8; 7];
        full[..6].copy_from_slice(&base);
        full[6] = modulus10_weights_21(&base);
        for position in 0..6 {
            let (a, b) = (full[position], full[position + 1]);
            if a == b {
                continue;
            }
            let mut swapped = full;
            swapped.swap(position, position + 1);
            let missed = modulus10_weights_21(&swapped[..6]) == swapped[6];
            let nine_zero = (a, b) == (0, 9) || (a, b) == (9, 0);
            assert_eq!(missed, nine_zero, "{full:?} swapping {position} and {}", position + 1);
        }
    });
}

// ---------------------------------------------------------------------------
// 保険者番号

#[test]
fn insurer_number_cases() {
    check_table::<InsurerNumber, _>(&[
        // 千葉県警 (h-it/mlcont/mc0124.htm)
        ("33120015", "ok 33120015"),
        ("３３１２００１５", "ok 33120015"),
        // 国保 6 digits (REFERENCE.md §4.2), padded to 8 by OQS.
        ("138057", "ok 138057"),
        ("00138057", "ok 138057"),
        (
            "33120016",
            "err 保険者番号 \"33120016\": 検証番号 is 6, but the weights-2,1 rule of 保険者番号等設定要領 gives 5",
        ),
        ("1234567", "err 保険者番号 \"1234567\" must be 8 digits (6 for 国民健康保険), got 7"),
        ("33480015", "err 保険者番号 \"33480015\": 都道府県番号 must be 01–47, got 48"),
        ("33000015", "err 保険者番号 \"33000015\": 都道府県番号 must be 01–47, got 00"),
        ("", "err 保険者番号 must not be empty"),
        ("3312-0015", "err 保険者番号 must be digits only, found '-' at position 5"),
    ]);
    let kokuho: InsurerNumber = "138057".parse().expect("valid");
    assert_eq!((kokuho.kind(), kokuho.law_code(), kokuho.prefecture()), (InsurerKind::Kokuho, None, 13));
    assert_eq!(kokuho.padded8(), "00138057");
    let police: InsurerNumber = "33120015".parse().expect("valid");
    assert_eq!((police.kind(), police.law_code(), police.prefecture()), (InsurerKind::Kyosai, Some("33"), 12));
}

/// All 10^5 bases of 6-digit 国保 numbers: exactly one check digit validates
/// when the prefecture is 01–47 and none otherwise; the "00"-padded 8-digit
/// form parses to the 6-digit number, and `padded8` gives it back.
#[test]
fn kokuho_numbers_exhaustive() {
    for_all(100_000, |n| {
        let base: [u8; 5] = digits(n);
        let prefecture = n / 1000;
        let text = format!("{n:05}");
        let valid: Vec<InsurerNumber> =
            (0..10).filter_map(|check| format!("{text}{check}").parse::<InsurerNumber>().ok()).collect();
        if (1..=47).contains(&prefecture) {
            assert_eq!(valid.len(), 1, "base {text}");
            let number = &valid[0];
            assert_eq!(number.as_str(), format!("{text}{}", modulus10_weights_21(&base)));
            assert_eq!(number.padded8().parse::<InsurerNumber>().as_ref(), Ok(number));
            assert_eq!(number.padded8(), format!("00{number}"));
        } else {
            assert!(valid.is_empty(), "base {text}");
        }
    });
}

proptest! {
    /// 8-digit numbers: from_base parses back, one check digit per base, and
    /// a changed digit is always rejected.
    #[test]
    fn insurer_number_8_digits(law in 1u8..100, prefecture in 1u8..=47, insurer in 0u16..1000, position in 0usize..8, new in 0u8..10) {
        let base = digits::<7>(u32::from(law) * 100_000 + u32::from(prefecture) * 1000 + u32::from(insurer));
        let number = InsurerNumber::from_base(&base).expect("valid base");
        prop_assert_eq!(number.as_str().parse::<InsurerNumber>(), Ok(number.clone()));
        prop_assert_eq!(number.law_code().map(str::to_owned), Some(format!("{law:02}")));
        prop_assert_eq!(number.prefecture(), prefecture);
        let mut changed = digits_of(number.as_str());
        prop_assume!(changed[position] != new);
        changed[position] = new;
        let text: String = changed.iter().map(|d| char::from(b'0' + d)).collect();
        prop_assert!(text.parse::<InsurerNumber>().is_err(), "{} accepted", text);
    }
}

// ---------------------------------------------------------------------------
// 公費負担者番号 and 受給者番号

#[test]
fn public_payer_number_cases() {
    check_table::<PublicPayerNumber, _>(&[
        // 特定疾患 (nanbyo.ukure.com/kiten)
        ("54016027", "ok 54016027"),
        // 八王子市 (kosodate.city.hachioji.tokyo.jp/soshiki/kosodateshienka/3742.html)
        ("81136244", "ok 81136244"),
        ("81137242", "ok 81137242"),
        ("88138243", "ok 88138243"),
        ("88131248", "ok 88131248"),
        ("89131247", "ok 89131247"),
        (
            "81136245",
            "err 公費負担者番号 \"81136245\": 検証番号 is 5, but the weights-2,1 rule of 保険者番号等設定要領 gives 4",
        ),
        ("8113624", "err 公費負担者番号 \"8113624\" must be 8 digits, got 7"),
        ("81006244", "err 公費負担者番号 \"81006244\": 都道府県番号 must be 01–47, got 00"),
    ]);
    let payer: PublicPayerNumber = "54016027".parse().expect("valid");
    assert_eq!(payer.law_code(), "54");
}

#[test]
fn recipient_number_cases() {
    check_table::<RecipientNumber, _>(&[
        ("0000000", "ok 0000000"),
        // The PMH sample "0000002" is a placeholder; its check digit would be 0.
        (
            "0000002",
            "err 受給者番号 \"0000002\": 検証番号 is 2, but the weights-2,1 rule of 保険者番号等設定要領 gives 0",
        ),
        ("123456", "err 受給者番号 \"123456\" must be 7 digits, got 6"),
        ("１２３４５６６", "ok 1234566"),
    ]);
}

/// All 10^6 bases of 受給者番号: the parser accepts the base with its check
/// digit, and the nine other digits differ from it (so they are rejected, as
/// `recipient_number_cases` shows for one): exactly one check digit validates.
/// Going through the parser for all ten digits of every base took 15 s in a
/// debug build; `kokuho_numbers_exhaustive` does that over its 10^5 bases.
#[test]
fn recipient_numbers_exhaustive() {
    for_all(1_000_000, |n| {
        let base: [u8; 6] = digits(n);
        let check_digit = modulus10_weights_21(&base);
        let text = format!("{n:06}{check_digit}");
        assert_eq!(check::<RecipientNumber, _>(&text), format!("ok {text}"));
        let wrong = format!("{n:06}{}", (check_digit + 1) % 10);
        assert!(wrong.parse::<RecipientNumber>().is_err(), "{wrong}");
    });
}

// ---------------------------------------------------------------------------
// 医療機関コード

/// Real codes, each with its source. All fit the rule of `facility_code`.
///
/// - `REAL_MEDICAL`: the first 医科 code of each prefecture in the 地方厚生局
///   コード内容別医療機関一覧表 as collected by tomoueh/collect_med_inst_cd_py
///   @ b64803d, output/202508_all_med_inst_cd.zip (9-digit codes without the
///   点数表番号, which is 1 for these 医科 lists). 沖縄 (47) is not in that file.
///   The whole file (97,024 codes) was checked while writing this: outside
///   11–14 every 医科 code fits the nine-digit rule; in 11–14 every one fits
///   the six-digit rule and none the nine-digit one; the 27 that fit neither
///   as 医科 are 歯科 clinics listed among them, and fit with 点数表番号 3.
const REAL_MEDICAL: &[(&str, &str)] = &[
    ("0110112489", "医療法人 愛全病院"),
    ("0210110243", "医療法人同仁会 浪打病院"),
    ("0310110283", "一般財団法人岩手済生医会 中津川病院"),
    ("0410210017", "石巻赤十字病院"),
    ("0510110075", "医療法人運忠会 土崎病院"),
    ("0610110017", "医療法人篠田好生会篠田総合病院"),
    ("0710110156", "一般財団法人桜ヶ丘病院"),
    ("0810110056", "水戸赤十字病院"),
    ("0910102698", "荒井胃腸科外科医院"),
    ("1010100202", "太田皮膚科医院"),
    ("1110301762", "医療法人社団 恵仁会 与野中央病院"),
    ("1210101980", "松本医院"),
    ("1310110049", "医療法人財団 小畑会 浜田病院"),
    ("1410100065", "平和病院"),
    ("1510111204", "南浜病院"),
    ("1610110023", "富山県立中央病院"),
    ("1710110063", "岡部病院"),
    ("1810115202", "公益財団法人 福井県予防医学協会附属診療所"),
    ("1910102530", "本間外科胃腸科医院"),
    ("2010112064", "小口内科小児科医院"),
    ("2110100118", "公益社団法人岐阜病院"),
    ("2210101446", "つちや眼科"),
    ("2310100058", "愛知県精神医療センター"),
    ("2410101014", "岡田医院"),
    ("2510100015", "独立行政法人地域医療機能推進機構 滋賀病院"),
    ("2610100261", "立命館診療所"),
    ("2710100153", "医療法人杏林会 金岡病院"),
    ("2810101069", "公益財団法人 甲南会 甲南医療センター"),
    ("2910101043", "医療法人坪村診療所"),
    ("3010104374", "伊藤内科"),
    ("3110110685", "医療法人 山本外科内科医院"),
    ("3210110049", "松江赤十字病院"),
    ("3310105683", "古元医院"),
    ("3410110013", "中国電力株式会社 中電病院"),
    ("3510110202", "医療法人水の木会 下関病院"),
    ("3610113122", "美馬とし子レディースクリニック"),
    ("3710111075", "一般財団法人 大西精神衛生研究所 附属大西病院"),
    ("3810110159", "大塚皮フ科"),
    ("3910110265", "医療法人 三和会 国吉病院"),
    ("4010210039", "船員保険福岡健康管理センター"),
    ("4110111103", "神野病院"),
    ("4210112647", "医療法人志仁会 西脇病院"),
    ("4310114303", "ピネル記念病院"),
    ("4410110219", "大分下郡病院"),
    ("4510110028", "医療法人真愛会高宮病院"),
    ("4610110365", "医療法人 慈恵会 土橋病院"),
];

/// Other real codes, each from its own source.
const REAL_OTHER: &[(&str, &str)] = &[
    // 東京都, 医科: the JP-CLINS examples (jami-fhir-jp-wg/clinical-core @ ad5ab68b,
    // ExampleJson/*; copies in shared/jp-specs/fhir-examples/).
    ("1318814790", "JP-CLINS example facility"),
    // 福井県, 調剤 (点数表 4): 近畿厚生局 令和8年7月 薬局 list "01-40055
    // オーオカ薬局駅前本店", quoted in a test fixture (code index file id 62012806989).
    ("1840140055", "オーオカ薬局駅前本店"),
    // 北海道: the example of ja.wikipedia 処方箋発行医療機関コード
    // (https://ja-two.iwiki.icu/wiki/処方箋発行医療機関コード).
    ("0110113719", "ja.wikipedia example"),
    // 徳島県, 医科: 徳島大学病院 "[80-10015]" of the 全医療機関一覧表, quoted in
    // http://myozai119.jp/Qsuke6/Q6Manual684.htm (whose own "3680110015" is the
    // software's 地区コード + 病院番号, not a 医療機関コード).
    ("3618010015", "徳島大学病院"),
];

#[test]
fn facility_codes_real() {
    for (code, name) in REAL_MEDICAL.iter().chain(REAL_OTHER) {
        assert_eq!(check::<FacilityCode, _>(code), format!("ok {code}"), "{name}");
    }
}

/// The JP-CLINS examples also use two codes that are not real and fail.
#[test]
fn facility_codes_placeholders_fail() {
    check_table::<FacilityCode, _>(&[
        (
            "1311234567",
            "err 医療機関コード \"1311234567\": 検証番号 is 7, but the weights-2,1 rule over 郡市区番号 and 番号 (埼玉・千葉・東京・神奈川) gives 6",
        ),
        (
            "1319876543",
            "err 医療機関コード \"1319876543\": 検証番号 is 3, but the weights-2,1 rule over 郡市区番号 and 番号 (埼玉・千葉・東京・神奈川) gives 1",
        ),
    ]);
}

#[test]
fn facility_code_cases() {
    check_table::<FacilityCode, _>(&[
        ("０１１０１１２４８９", "ok 0110112489"),
        (
            "0110112488",
            "err 医療機関コード \"0110112488\": 検証番号 is 8, but the weights-2,1 rule over 都道府県番号, 点数表番号, 郡市区番号 and 番号 gives 9",
        ),
        // The old six-digit rule is wrong outside 南関東.
        (
            "0110112482",
            "err 医療機関コード \"0110112482\": 検証番号 is 2, but the weights-2,1 rule over 都道府県番号, 点数表番号, 郡市区番号 and 番号 gives 9",
        ),
        ("4810112489", "err 医療機関コード \"4810112489\": 都道府県番号 must be 01–47, got 48"),
        ("0010112489", "err 医療機関コード \"0010112489\": 都道府県番号 must be 01–47, got 00"),
        (
            "0120112489",
            "err 医療機関コード \"0120112489\": 点数表番号 must be 1 医科, 3 歯科, 4 調剤 or 6 訪問看護, got 2",
        ),
        ("011011248", "err 医療機関コード \"011011248\" must be 10 digits (都道府県2 + 点数表1 + コード7), got 9"),
    ]);
    let code: FacilityCode = "1840140055".parse().expect("valid");
    assert_eq!((code.prefecture(), code.fee_table(), code.seven()), (18, FeeTable::Pharmacy, "0140055"));
    let built = FacilityCode::from_parts(18, FeeTable::Pharmacy, 1, 4005).expect("valid parts");
    assert_eq!(built, code);
    assert!(FacilityCode::from_parts(48, FeeTable::Medical, 1, 1).is_err());
}

/// All 10^6 (郡市区番号, 番号) bases, for a prefecture of each rule:
/// `from_parts` builds a code that parses back, and the next check digit up is
/// rejected.
#[test]
fn facility_codes_exhaustive() {
    for (prefecture, table) in [(1u8, FeeTable::Medical), (13, FeeTable::Pharmacy)] {
        for_all(1_000_000, |n| {
            let built = FacilityCode::from_parts(prefecture, table, (n / 10_000) as u8, (n % 10_000) as u16)
                .expect("valid parts");
            assert_eq!(built.as_str().parse::<FacilityCode>().as_ref(), Ok(&built));
            let mut wrong = built.as_str().as_bytes().to_vec();
            wrong[9] = b'0' + (wrong[9] - b'0' + 1) % 10;
            let wrong = String::from_utf8(wrong).expect("ASCII digits");
            assert!(wrong.parse::<FacilityCode>().is_err(), "{wrong}");
        });
    }
}
