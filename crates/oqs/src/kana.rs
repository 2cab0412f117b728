//! Half-width katakana for 氏名カナ: the terminal writes `NameKana` in
//! half-width katakana ("ｼﾝﾘｮｳ ﾀﾛｳ", REFERENCE.md §1.3), while the platform
//! keeps full-width. Voiced kana become two characters (ガ → ｶﾞ), hiragana is
//! read as katakana, the ideographic space becomes an ASCII space; anything
//! else is kept.

const FULL: &str = "ァアィイゥウェエォオカガキギクグケゲコゴサザシジスズセゼソゾタダチヂッツヅテデトドナニヌネノハバパヒビピフブプヘベペホボポマミムメモャヤュユョヨラリルレロヮワヰヱヲンヴヵヶ";
const HALF: [&str; 86] = [
    "ｧ", "ｱ", "ｨ", "ｲ", "ｩ", "ｳ", "ｪ", "ｴ", "ｫ", "ｵ", "ｶ", "ｶﾞ", "ｷ", "ｷﾞ", "ｸ", "ｸﾞ", "ｹ", "ｹﾞ", "ｺ", "ｺﾞ", "ｻ", "ｻﾞ", "ｼ",
    "ｼﾞ", "ｽ", "ｽﾞ", "ｾ", "ｾﾞ", "ｿ", "ｿﾞ", "ﾀ", "ﾀﾞ", "ﾁ", "ﾁﾞ", "ｯ", "ﾂ", "ﾂﾞ", "ﾃ", "ﾃﾞ", "ﾄ", "ﾄﾞ", "ﾅ", "ﾆ", "ﾇ", "ﾈ", "ﾉ",
    "ﾊ", "ﾊﾞ", "ﾊﾟ", "ﾋ", "ﾋﾞ", "ﾋﾟ", "ﾌ", "ﾌﾞ", "ﾌﾟ", "ﾍ", "ﾍﾞ", "ﾍﾟ", "ﾎ", "ﾎﾞ", "ﾎﾟ", "ﾏ", "ﾐ", "ﾑ", "ﾒ", "ﾓ", "ｬ", "ﾔ", "ｭ",
    "ﾕ", "ｮ", "ﾖ", "ﾗ", "ﾘ", "ﾙ", "ﾚ", "ﾛ", "ﾜ", "ﾜ", "ｲ", "ｴ", "ｦ", "ﾝ", "ｳﾞ", "ｶ", "ｹ",
];

/// Full-width katakana (and hiragana) to half-width katakana.
pub fn to_halfwidth_kana(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    for c in input.chars() {
        // Hiragana ぁ..ゖ sit 0x60 below their katakana.
        let c = match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap_or(c),
            other => other,
        };
        if let Some(index) = FULL.chars().position(|f| f == c) {
            out.push_str(HALF[index]);
            continue;
        }
        match c {
            'ー' => out.push('ｰ'),
            '・' => out.push('･'),
            '　' => out.push(' '),
            '゛' => out.push('ﾞ'),
            '゜' => out.push('ﾟ'),
            '「' => out.push('｢'),
            '」' => out.push('｣'),
            '、' => out.push('､'),
            '。' => out.push('｡'),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_pairs_every_kana() {
        assert_eq!(FULL.chars().count(), HALF.len());
    }

    #[test]
    fn names_become_half_width_with_voicing_marks_split() {
        assert_eq!(to_halfwidth_kana("シンリョウ　タロウ"), "ｼﾝﾘｮｳ ﾀﾛｳ");
        assert_eq!(to_halfwidth_kana("ガッコウ　パンダ"), "ｶﾞｯｺｳ ﾊﾟﾝﾀﾞ");
        assert_eq!(to_halfwidth_kana("ヴィーナス"), "ｳﾞｨｰﾅｽ");
        assert_eq!(to_halfwidth_kana("やまだ はなこ"), "ﾔﾏﾀﾞ ﾊﾅｺ");
        assert_eq!(to_halfwidth_kana("ｼﾝﾘｮｳ ﾀﾛｳ"), "ｼﾝﾘｮｳ ﾀﾛｳ");
    }
}
