//! The per-character folds of names: kana names (カナ氏名) get the kana rules, kanji
//! names (漢字氏名) the 異体字 table. The rules and their reasons are in the docs of
//! the parent module.

use super::nfkc::drive;
use super::variants;
use super::{FoldRule, Policy, Spaces};

/// The kana name pipeline.
pub(super) fn kana_name<P: Policy>(input: &str, policy: &mut P, spaces: Spaces) -> String {
    drive(input, policy, spaces, fold_kana)
}

/// The kanji name pipeline.
pub(super) fn kanji_name<P: Policy>(input: &str, policy: &mut P, spaces: Spaces) -> String {
    drive(input, policy, spaces, fold_kanji)
}

fn fold_kana<P: Policy>(policy: &mut P, c: char, out: &mut String) {
    if c.is_ascii() {
        out.push(fold_ascii(policy, c, out));
        return;
    }
    let mut c = c;
    if let Some(large) = small_to_large(c)
        && policy.apply(FoldRule::SmallKana)
    {
        c = large;
    }
    if let Some(katakana) = hiragana_to_katakana(c)
        && policy.apply(FoldRule::HiraganaToKatakana)
    {
        c = katakana;
    }
    if let Some((first, second)) = old_kana(c)
        && policy.apply(FoldRule::OldKana)
    {
        match second {
            None => c = first,
            Some(small) => {
                out.push(first);
                c = small;
                if let Some(large) = small_to_large(c)
                    && policy.apply(FoldRule::SmallKana)
                {
                    c = large;
                }
            }
        }
    }
    if is_long_vowel_like(c)
        && out.chars().next_back().is_some_and(takes_long_vowel)
        && policy.apply(FoldRule::LongVowel)
    {
        c = 'ー';
    }
    out.push(c);
}

fn fold_kanji<P: Policy>(policy: &mut P, c: char, out: &mut String) {
    if c.is_ascii_lowercase() && policy.apply(FoldRule::LetterCase) {
        out.push(c.to_ascii_uppercase());
        return;
    }
    out.push(fold_variant(policy, c));
}

/// The 異体字 fold, shared with addresses.
#[inline]
pub(super) fn fold_variant<P: Policy>(policy: &mut P, c: char) -> char {
    match variants::common_form(c) {
        Some(common) if policy.apply(FoldRule::VariantKanji) => common,
        _ => c,
    }
}

/// ASCII in a kana name: letter case, and `-` `~` as long vowel marks after kana.
fn fold_ascii<P: Policy>(policy: &mut P, c: char, out: &str) -> char {
    if c.is_ascii_lowercase() && policy.apply(FoldRule::LetterCase) {
        c.to_ascii_uppercase()
    } else if matches!(c, '-' | '~')
        && out.chars().next_back().is_some_and(takes_long_vowel)
        && policy.apply(FoldRule::LongVowel)
    {
        'ー'
    } else {
        c
    }
}

/// Hiragana, including ゔ ゕ ゖ and the iteration marks ゝ ゞ, to katakana. ゟ is already
/// より by NFKC.
fn hiragana_to_katakana(c: char) -> Option<char> {
    match c {
        '\u{3041}'..='\u{3096}' | '\u{309D}' | '\u{309E}' => char::from_u32(c as u32 + 0x60),
        _ => None,
    }
}

/// Small kana, hiragana or katakana, to the large kana of the same script.
fn small_to_large(c: char) -> Option<char> {
    let large = match c {
        'ぁ' => 'あ',
        'ぃ' => 'い',
        'ぅ' => 'う',
        'ぇ' => 'え',
        'ぉ' => 'お',
        'っ' => 'つ',
        'ゃ' => 'や',
        'ゅ' => 'ゆ',
        'ょ' => 'よ',
        'ゎ' => 'わ',
        'ゕ' => 'か',
        'ゖ' => 'け',
        'ァ' => 'ア',
        'ィ' => 'イ',
        'ゥ' => 'ウ',
        'ェ' => 'エ',
        'ォ' => 'オ',
        'ッ' => 'ツ',
        'ャ' => 'ヤ',
        'ュ' => 'ユ',
        'ョ' => 'ヨ',
        'ヮ' => 'ワ',
        'ヵ' => 'カ',
        'ヶ' => 'ケ',
        // Katakana Phonetic Extensions, used for Ainu.
        'ㇰ' => 'ク',
        'ㇱ' => 'シ',
        'ㇲ' => 'ス',
        'ㇳ' => 'ト',
        'ㇴ' => 'ヌ',
        'ㇵ' => 'ハ',
        'ㇶ' => 'ヒ',
        'ㇷ' => 'フ',
        'ㇸ' => 'ヘ',
        'ㇹ' => 'ホ',
        'ㇺ' => 'ム',
        'ㇻ' => 'ラ',
        'ㇼ' => 'リ',
        'ㇽ' => 'ル',
        'ㇾ' => 'レ',
        'ㇿ' => 'ロ',
        // Small Kana Extension (Unicode 12 and 15).
        '\u{1B132}' => 'こ',
        '\u{1B150}' => 'ゐ',
        '\u{1B151}' => 'ゑ',
        '\u{1B152}' => 'を',
        '\u{1B155}' => 'コ',
        '\u{1B164}' => 'ヰ',
        '\u{1B165}' => 'ヱ',
        '\u{1B166}' => 'ヲ',
        '\u{1B167}' => 'ン',
        _ => return None,
    };
    Some(large)
}

/// Historical kana to the modern kana read the same way; the ヷ row to ヴ and a small
/// vowel.
fn old_kana(c: char) -> Option<(char, Option<char>)> {
    let modern = match c {
        'ヰ' => ('イ', None),
        'ヱ' => ('エ', None),
        'ヲ' => ('オ', None),
        'ヷ' => ('ヴ', Some('ァ')),
        'ヸ' => ('ヴ', Some('ィ')),
        'ヹ' => ('ヴ', Some('ェ')),
        'ヺ' => ('ヴ', Some('ォ')),
        _ => return None,
    };
    Some(modern)
}

/// Characters people type for the long vowel mark ー. ASCII `-` and `~` are handled in
/// [`fold_ascii`]; ｰ and － are `ー` and `-` by NFKC.
fn is_long_vowel_like(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{2500}' | '\u{2501}' | '\u{301C}' | '\u{3030}' | '\u{FE58}')
}

/// Whether a long vowel mark may follow: kana, or another long vowel mark.
fn takes_long_vowel(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | 'ー')
}
