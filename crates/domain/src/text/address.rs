//! Addresses (住所): a first version of the folds the linkage engine needs, and the 47
//! prefectures.
//!
//! After the rules every text attribute gets (NFKC, voiced marks, letter case,
//! 旧字体・異体字), an address goes through these passes, in this order:
//!
//! 1. **Separators.** Spaces (of every kind, and middle dots) and dashes between two
//!    numbers (arabic or kanji) are kept for the passes below; every other space and
//!    dash is removed ([`FoldRule::Space`], [`FoldRule::Hyphen`]). Dash look-alikes
//!    (`‐ ‑ ‒ – — ― − ─ ━`, and `－` by NFKC) become `-`.
//! 2. **ー between numbers** becomes `-` ([`FoldRule::Hyphen`]): `三ー四`, `1ー2`. The
//!    long vowel mark is only a dash there; `ニュータウン` keeps its ー.
//! 3. **Kanji numerals** become arabic ([`FoldRule::KanjiNumeral`]) when they are an
//!    address number: followed by 丁目, 番 (but not 番町, a place name: 一番町), 番地,
//!    号, a dash, or の/ノ and a number; or following a dash or の/ノ after a number.
//!    Both `十二` (additive) and `一二` (positional) forms are read. Elsewhere they are
//!    part of a place name and stay: 三鷹, 八丁堀, 九段, 一ツ橋.
//! 4. **Place-name kana** ([`FoldRule::PlaceNameKana`]): between two kanji, `ヶ ケ が ガ`
//!    (and `ｹ` by NFKC) become `ケ` (霞が関, 霞ヶ関, 霞ケ関; 金ｹ崎), `ッ` becomes `ツ`
//!    (一ッ橋, 一ツ橋) and `の` becomes `ノ` (一の関, 一ノ関). ケ is chosen because it is
//!    what most 町字 names in the address base registry use; `ヶ`/`が` after kana and
//!    before a kanji (つつじヶ丘, つつじが丘) fold the same way.
//! 5. **Address numbers** ([`FoldRule::AddressNumber`]): after a number, 丁目, 番地,
//!    番 (not 番町), 号 (not 号室, 号棟, 号館, 号線), の/ノ before a number, a dash, a ー,
//!    and a space before a number are all one separator `-`, written only if a number
//!    follows. So `3丁目4番5号`, `3丁目4-5`, `3-4-5`, `３－４－５`, `3の4の5` and
//!    `三丁目四番地の五` all give `3-4-5`, and `一丁目` alone gives `1`.
//!
//! Not done yet, for the linkage work to extend: building and room names (`3-4-5
//! サンシャインマンション101号室` is folded like any other text and will differ from
//! an address without the building), 大字/字 omission, the numbering of 条 (札幌 北一条)
//! and 地割 (岩手), old and new place names after mergers, and 番町 written with arabic
//! digits. The prefecture is kept by [`normalise_address`](super::normalise_address);
//! [`split_prefecture`] separates it, and
//! [`compare_addresses`](super::compare_addresses) reports its omission as
//! [`FoldRule::Prefecture`].

use unicode_normalization::char::compose;

use super::kana::fold_variant;
use super::nfkc::{drive, recompose};
use super::{FoldRule, Policy, Spaces};

/// A prefecture (都道府県) with its JIS X 0401 code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Prefecture {
    /// JIS X 0401 code, 1 (北海道) to 47 (沖縄県).
    pub code: u8,
    /// The full name, with 都, 道, 府 or 県.
    pub name: &'static str,
}

/// The 47 prefectures in JIS X 0401 order.
pub static PREFECTURES: [Prefecture; 47] = {
    const NAMES: [&str; 47] = [
        "北海道",
        "青森県",
        "岩手県",
        "宮城県",
        "秋田県",
        "山形県",
        "福島県",
        "茨城県",
        "栃木県",
        "群馬県",
        "埼玉県",
        "千葉県",
        "東京都",
        "神奈川県",
        "新潟県",
        "富山県",
        "石川県",
        "福井県",
        "山梨県",
        "長野県",
        "岐阜県",
        "静岡県",
        "愛知県",
        "三重県",
        "滋賀県",
        "京都府",
        "大阪府",
        "兵庫県",
        "奈良県",
        "和歌山県",
        "鳥取県",
        "島根県",
        "岡山県",
        "広島県",
        "山口県",
        "徳島県",
        "香川県",
        "愛媛県",
        "高知県",
        "福岡県",
        "佐賀県",
        "長崎県",
        "熊本県",
        "大分県",
        "宮崎県",
        "鹿児島県",
        "沖縄県",
    ];
    let mut prefectures = [Prefecture { code: 0, name: "" }; 47];
    let mut index = 0;
    while index < 47 {
        prefectures[index] = Prefecture { code: index as u8 + 1, name: NAMES[index] };
        index += 1;
    }
    prefectures
};

/// Splits a leading prefecture name off an address that has been through
/// [`normalise_address`](super::normalise_address). Only the full name with its 都道府県
/// counts, so `京都市…` keeps its 京都; the caller compares the rest, and must treat a
/// prefecture present on one side only as a fold, not as equality.
pub fn split_prefecture(address: &str) -> (Option<Prefecture>, &str) {
    for prefecture in &PREFECTURES {
        if let Some(rest) = address.strip_prefix(prefecture.name) {
            return (Some(*prefecture), rest);
        }
    }
    (None, address)
}

/// The address pipeline.
pub(super) fn address<P: Policy>(input: &str, policy: &mut P) -> String {
    let folded = drive(input, policy, Spaces::Single, fold_char);
    let mut chars: Vec<char> = folded.chars().collect();
    // A pass can remove a marker and so give an earlier pass something new to act on
    // (`0ーの一`: the dash goes, and then `の一` follows a number). Running the passes
    // until nothing changes keeps the fold idempotent; two rounds are the usual case,
    // the bound only guards against a cycle.
    for _ in 0..MAX_ROUNDS {
        let next = passes(&chars, policy);
        if next == chars {
            break;
        }
        chars = next;
    }
    recompose(chars.into_iter().collect())
}

const MAX_ROUNDS: usize = 6;

fn passes<P: Policy>(chars: &[char], policy: &mut P) -> Vec<char> {
    let mut first = Vec::with_capacity(chars.len());
    separators(chars, &mut first, policy);
    long_vowel_dashes(&mut first, policy);
    let mut second = Vec::with_capacity(first.len() + 4);
    kanji_numerals(&first, &mut second, policy);
    place_name_kana(&mut second, policy);
    numbers(&second, policy)
}

fn fold_char<P: Policy>(policy: &mut P, c: char, out: &mut String) {
    let folded = if c.is_ascii_lowercase() && policy.apply(FoldRule::LetterCase) {
        c.to_ascii_uppercase()
    } else if is_dash_like(c) && policy.apply(FoldRule::Hyphen) {
        '-'
    } else {
        fold_variant(policy, c)
    };
    out.push(folded);
}

/// Pass 1: keeps a run of spaces and dashes only between two numbers.
fn separators<P: Policy>(chars: &[char], out: &mut Vec<char>, policy: &mut P) {
    let allowed = policy.allowed();
    let is_separator =
        |c: char| (c == ' ' && allowed.contains(FoldRule::Space)) || (c == '-' && allowed.contains(FoldRule::Hyphen));
    let mut index = 0;
    while index < chars.len() {
        if !is_separator(chars[index]) {
            push_joining_mark(out, chars[index], policy);
            index += 1;
            continue;
        }
        let start = index;
        while index < chars.len() && is_separator(chars[index]) {
            index += 1;
        }
        let run = &chars[start..index];
        let between_numbers =
            out.last().is_some_and(|&prev| is_number(prev)) && chars.get(index).is_some_and(|&next| is_number(next));
        if between_numbers {
            out.extend_from_slice(run);
        } else {
            for &c in run {
                policy.record(if c == ' ' { FoldRule::Space } else { FoldRule::Hyphen });
            }
        }
    }
}

/// Pushes `c`, joining a spacing voiced sound mark to the kana before it: the driver
/// kept `カ ゛` apart because of the space that this pass has just removed.
fn push_joining_mark<P: Policy>(out: &mut Vec<char>, c: char, policy: &mut P) {
    let combining = match c {
        '\u{309B}' => '\u{3099}',
        '\u{309C}' => '\u{309A}',
        _ => {
            out.push(c);
            return;
        }
    };
    if let Some(last) = out.last_mut()
        && let Some(joined) = compose(*last, combining)
        && policy.apply(FoldRule::VoicedMark)
    {
        *last = joined;
    } else {
        out.push(c);
    }
}

/// Pass 2: ー between numbers is a dash.
fn long_vowel_dashes<P: Policy>(chars: &mut [char], policy: &mut P) {
    for index in 1..chars.len() {
        if chars[index] == 'ー'
            && is_number(chars[index - 1])
            && chars.get(index + 1).is_some_and(|&next| is_number(next))
            && policy.apply(FoldRule::Hyphen)
        {
            chars[index] = '-';
        }
    }
}

/// Pass 3: kanji numerals that are address numbers become arabic.
fn kanji_numerals<P: Policy>(chars: &[char], out: &mut Vec<char>, policy: &mut P) {
    let mut index = 0;
    while index < chars.len() {
        if !is_kanji_numeral(chars[index]) {
            out.push(chars[index]);
            index += 1;
            continue;
        }
        let start = index;
        while index < chars.len() && is_kanji_numeral(chars[index]) {
            index += 1;
        }
        let run = &chars[start..index];
        let after_number = follows_number(out);
        let before_marker = starts_number_marker(&chars[index..]);
        if (after_number || before_marker)
            && let Some(digits) = parse_kanji_number(run)
            && policy.apply(FoldRule::KanjiNumeral)
        {
            out.extend(digits.chars());
        } else {
            out.extend_from_slice(run);
        }
    }
}

/// Whether `before` ends with a number and a separator: `3-`, `3の`, `3番地の`.
fn follows_number(before: &[char]) -> bool {
    let [rest @ .., '-' | 'の' | 'ノ'] = before else { return false };
    let rest = match rest {
        [rest @ .., '番', '地'] | [rest @ .., '丁', '目'] => rest,
        [rest @ .., '番' | '号'] => rest,
        _ => rest,
    };
    rest.last().is_some_and(char::is_ascii_digit)
}

/// Whether `rest` starts with what may follow an address number.
fn starts_number_marker(rest: &[char]) -> bool {
    match rest {
        ['丁', '目', ..] | ['号', ..] | ['-', ..] => true,
        ['番', next, ..] => *next != '町',
        ['番'] => true,
        ['の' | 'ノ', next, ..] => is_number(*next),
        _ => false,
    }
}

/// Reads `十二`, `二十`, `百五`, `千二百三十四` (additive) or `一二`, `二〇五`
/// (positional). `None` for anything else, such as `十十`.
fn parse_kanji_number(run: &[char]) -> Option<String> {
    let has_unit = run.iter().any(|&c| unit_value(c).is_some());
    if !has_unit {
        if run.len() > 12 {
            return None;
        }
        return run.iter().map(|&c| crate::numeral::kanji_digit(c).and_then(|d| char::from_digit(d, 10))).collect();
    }
    let mut total = 0u32;
    let mut digit: Option<u32> = None;
    let mut last_unit = u32::MAX;
    for &c in run {
        if let Some(value) = crate::numeral::kanji_digit(c) {
            if digit.is_some() {
                return None;
            }
            digit = Some(value);
        } else {
            let unit = unit_value(c)?;
            if unit >= last_unit {
                return None;
            }
            last_unit = unit;
            total += digit.take().unwrap_or(1) * unit;
        }
    }
    total += digit.unwrap_or(0);
    Some(total.to_string())
}

/// Pass 4: ヶ/が/ガ, ッ and の between kanji.
fn place_name_kana<P: Policy>(chars: &mut [char], policy: &mut P) {
    for index in 1..chars.len() {
        let prev = chars[index - 1];
        let Some(&next) = chars.get(index + 1) else { break };
        if !is_kanji(next) {
            continue;
        }
        let folded = match chars[index] {
            'ヶ' | 'が' | 'ガ' if is_kanji(prev) || is_kana(prev) => 'ケ',
            'ッ' if is_kanji(prev) => 'ツ',
            'の' if is_kanji(prev) => 'ノ',
            _ => continue,
        };
        if policy.apply(FoldRule::PlaceNameKana) {
            chars[index] = folded;
        }
    }
}

/// Pass 5: the markers after a number become one `-`, written only before a number.
fn numbers<P: Policy>(chars: &[char], policy: &mut P) -> Vec<char> {
    let allowed = policy.allowed();
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    // A separator read after a number and not yet written.
    let mut separator = false;
    let mut index = 0;
    while index < chars.len() {
        let c = chars[index];
        let next = chars.get(index + 1).copied();
        if separator || out.last().is_some_and(char::is_ascii_digit) {
            let marker = match (c, next) {
                ('丁', Some('目')) | ('番', Some('地')) => Some((2, FoldRule::AddressNumber)),
                ('番', next) if next != Some('町') => Some((1, FoldRule::AddressNumber)),
                ('号', next) if !matches!(next, Some('室' | '棟' | '館' | '線')) => {
                    Some((1, FoldRule::AddressNumber))
                }
                ('の' | 'ノ', Some(next)) if next.is_ascii_digit() => Some((1, FoldRule::AddressNumber)),
                ('ー', _) => Some((1, FoldRule::Hyphen)),
                ('-', _) => Some((1, FoldRule::Hyphen)),
                (' ', _) => Some((1, FoldRule::Space)),
                _ => None,
            };
            if let Some((length, rule)) = marker
                && allowed.contains(rule)
            {
                // A single dash between two numbers is already in its folded form.
                let unchanged = c == '-' && !separator && next.is_some_and(|next| next.is_ascii_digit());
                if !unchanged {
                    policy.record(rule);
                }
                separator = true;
                index += length;
                continue;
            }
        }
        let stray = match c {
            ' ' => Some(FoldRule::Space),
            '-' => Some(FoldRule::Hyphen),
            _ => None,
        };
        if let Some(rule) = stray
            && policy.apply(rule)
        {
            // Kept by pass 1 between kanji numerals that turned out not to be a number.
            index += 1;
            continue;
        }
        if separator && c.is_ascii_digit() {
            out.push('-');
        }
        separator = false;
        out.push(c);
        index += 1;
    }
    out
}

/// Dashes and lines that stand for a hyphen in an address; ASCII `-` is already one.
fn is_dash_like(c: char) -> bool {
    matches!(c, '\u{2010}'..='\u{2015}' | '\u{2043}' | '\u{2212}' | '\u{2500}' | '\u{2501}')
}

fn is_number(c: char) -> bool {
    c.is_ascii_digit() || is_kanji_numeral(c)
}

fn is_kanji_numeral(c: char) -> bool {
    crate::numeral::kanji_digit(c).is_some() || unit_value(c).is_some()
}

fn unit_value(c: char) -> Option<u32> {
    match c {
        '十' => Some(10),
        '百' => Some(100),
        '千' => Some(1000),
        _ => None,
    }
}

fn is_kanji(c: char) -> bool {
    matches!(c, '々' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}')
}

fn is_kana(c: char) -> bool {
    matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}')
}
