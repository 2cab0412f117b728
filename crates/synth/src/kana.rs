//! Kana and digit transformations that clerks' software produces: half-width
//! katakana (半角カナ), hiragana, full-width digits, kanji numerals, and a
//! one-character kana typo.

use rand::Rng;

const FULL: &str = "ァアィイゥウェエォオカキクケコサシスセソタチッツテトナニヌネノハヒフヘホマミムメモャヤュユョヨラリルレロヮワヲンー";
const HALF: &str = "ｧｱｨｲｩｳｪｴｫｵｶｷｸｹｺｻｼｽｾｿﾀﾁｯﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓｬﾔｭﾕｮﾖﾗﾘﾙﾚﾛﾜﾜｦﾝｰ";
const VOICED: &str = "ガギグゲゴザジズゼゾダヂヅデドバビブベボ";
const VOICED_BASE: &str = "カキクケコサシスセソタチツテトハヒフヘホ";
const SEMI: &str = "パピプペポ";
const SEMI_BASE: &str = "ハヒフヘホ";

/// Full-width katakana to half-width, splitting voiced marks (ガ → ｶﾞ) and
/// turning ideographic spaces into ASCII ones, as OQS and many receipt systems
/// print names.
pub(crate) fn to_half_width(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        if let Some(pos) = VOICED.chars().position(|v| v == c) {
            let base = VOICED_BASE.chars().nth(pos).expect("tables have equal length");
            out.push(half_of(base));
            out.push('ﾞ');
        } else if let Some(pos) = SEMI.chars().position(|v| v == c) {
            let base = SEMI_BASE.chars().nth(pos).expect("tables have equal length");
            out.push(half_of(base));
            out.push('ﾟ');
        } else if c == 'ヴ' {
            out.push_str("ｳﾞ");
        } else if c == '\u{3000}' {
            out.push(' ');
        } else {
            out.push(half_of(c));
        }
    }
    out
}

fn half_of(c: char) -> char {
    match FULL.chars().position(|f| f == c) {
        Some(pos) => HALF.chars().nth(pos).expect("tables have equal length"),
        None => c,
    }
}

/// Katakana to hiragana (ー and spaces stay).
pub(crate) fn to_hiragana(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            'ァ'..='ヶ' => char::from_u32(c as u32 - 0x60).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// ASCII digits to full-width digits.
pub(crate) fn to_full_width_digits(input: &str) -> String {
    input
        .chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32('０' as u32 + (c as u32 - '0' as u32)).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// A number written in kanji numerals the way addresses write them
/// (三, 十二, 二十四, 百五).
pub(crate) fn kanji_numeral(value: u32) -> String {
    const DIGITS: [&str; 10] = ["〇", "一", "二", "三", "四", "五", "六", "七", "八", "九"];
    if value == 0 {
        return DIGITS[0].to_owned();
    }
    let mut out = String::new();
    let thousands = value / 1000;
    let hundreds = value / 100 % 10;
    let tens = value / 10 % 10;
    let ones = value % 10;
    for (digit, unit) in [(thousands, "千"), (hundreds, "百"), (tens, "十")] {
        if digit > 1 {
            out.push_str(DIGITS[digit as usize]);
        }
        if digit > 0 {
            out.push_str(unit);
        }
    }
    if ones > 0 {
        out.push_str(DIGITS[ones as usize]);
    }
    out
}

/// Pairs a hurried clerk confuses: voiced/unvoiced, small/large, look-alikes,
/// and long vowels written as ウ or ー.
const CONFUSABLE: &[(char, char)] = &[
    ('ウ', 'ー'),
    ('ツ', 'ッ'),
    ('ヤ', 'ャ'),
    ('ユ', 'ュ'),
    ('ヨ', 'ョ'),
    ('シ', 'ツ'),
    ('ソ', 'ン'),
    ('ハ', 'バ'),
    ('カ', 'ガ'),
    ('タ', 'ダ'),
    ('サ', 'ザ'),
    ('ホ', 'ボ'),
    ('ヒ', 'ビ'),
    ('フ', 'ブ'),
    ('ヘ', 'ベ'),
    ('コ', 'ゴ'),
    ('キ', 'ギ'),
    ('ク', 'グ'),
    ('ケ', 'ゲ'),
    ('ト', 'ド'),
    ('オ', 'ウ'),
    ('ジ', 'ヂ'),
    ('ズ', 'ヅ'),
    ('ス', 'ズ'),
    ('セ', 'ゼ'),
    ('チ', 'ジ'),
    ('テ', 'デ'),
    ('ロ', 'ル'),
    ('リ', 'ル'),
    ('ミ', 'ニ'),
    ('ネ', 'メ'),
    ('ワ', 'ハ'),
    ('ナ', 'ア'),
    ('イ', 'エ'),
    ('モ', 'ノ'),
];

/// Replace one kana of a full-width katakana name with a confusable one.
pub(crate) fn typo(input: &str, rng: &mut impl Rng) -> String {
    let chars: Vec<char> = input.chars().collect();
    let positions: Vec<usize> = (0..chars.len()).filter(|idx| ('ァ'..='ヶ').contains(&chars[*idx])).collect();
    if positions.is_empty() {
        return input.to_owned();
    }
    let at = positions[rng.random_range(0..positions.len())];
    let c = chars[at];
    let replacement = CONFUSABLE
        .iter()
        .find_map(|(a, b)| {
            if *a == c {
                Some(*b)
            } else if *b == c {
                Some(*a)
            } else {
                None
            }
        })
        .unwrap_or(if c == 'ア' { 'カ' } else { 'ア' });
    chars.iter().enumerate().map(|(idx, ch)| if idx == at { replacement } else { *ch }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_width_splits_voiced_marks() {
        assert_eq!(to_half_width("サトウ\u{3000}ジロウ"), "ｻﾄｳ ｼﾞﾛｳ");
        assert_eq!(to_half_width("パーク"), "ﾊﾟｰｸ");
        assert_eq!(FULL.chars().count(), HALF.chars().count());
    }

    #[test]
    fn hiragana() {
        assert_eq!(to_hiragana("サトウ\u{3000}タロウ"), "さとう\u{3000}たろう");
        assert_eq!(to_hiragana("ヒナー"), "ひなー");
    }

    #[test]
    fn kanji_numerals() {
        let cases =
            [(1, "一"), (3, "三"), (10, "十"), (12, "十二"), (24, "二十四"), (105, "百五"), (2966, "二千九百六十六")];
        for (value, want) in cases {
            assert_eq!(kanji_numeral(value), want, "{value}");
        }
    }

    #[test]
    fn typo_changes_exactly_one_char() {
        let mut rng = <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(7);
        for _ in 0..100 {
            let out = typo("ワタナベ\u{3000}ヒロシ", &mut rng);
            let diff = out.chars().zip("ワタナベ\u{3000}ヒロシ".chars()).filter(|(a, b)| a != b).count();
            assert_eq!(diff, 1, "{out}");
        }
    }
}
