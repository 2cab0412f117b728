//! Japanese text normalisation for matching the 5 attributes (5情報).
//!
//! The linkage engine compares an insurer's member record with a resident in the
//! registry on 漢字氏名, カナ氏名, 生年月日, 性別 and 住所, and must say for each text
//! attribute whether the two values are *equal*, *equal after folding* (and by which
//! rule), or *different*. This module owns the folding: three `normalise_*` functions
//! for the import hot path, three `explain_*` functions that also report which rules
//! changed the input, and three `compare_*` functions that put the two together into an
//! [`Agreement`]. It does no I/O and holds no state.
//!
//! It deliberately does not decide whether a folded match is good enough to link: a fold
//! such as ショウ = シヨウ is reported as [`Agreement::Folded`], never as exact, and the
//! linkage rules decide what to do with it.
//!
//! # The rules
//!
//! Every rule is a [`FoldRule`] with a Japanese label for the user interface. They run in
//! this order, in one pass over the input where the rule allows it:
//!
//! 1. **Unicode NFKC** ([`FoldRule::Width`], [`FoldRule::HalfwidthKana`],
//!    [`FoldRule::Compatibility`]). Full-width letters and digits become ASCII (`Ａ１` →
//!    `A1`), half-width katakana become full-width (`ｻﾄｳ` → `サトウ`), and the other
//!    compatibility characters take their ordinary form (`①` → `1`, `㈱` → `(株)`).
//!    Why: the same name arrives from OQS in half-width katakana and from the registry
//!    in full-width, and from spreadsheets in any mixture. A common fast path covers
//!    ASCII, kana and the CJK unified ideographs without calling the general NFKC code;
//!    a test checks that it agrees with NFKC character by character.
//! 2. **Voiced sound marks** ([`FoldRule::VoicedMark`]). A separate dakuten or handakuten
//!    joins the kana before it: `ｶﾞ`, `カ゛` and `カ` + U+3099 all become `ガ`, `ㇷ゚`
//!    becomes `プ`. NFKC alone would turn the spacing marks `゛` `゜` into a space and a
//!    combining mark, so the spacing marks are handled here instead. A mark that cannot
//!    join (`ア゛`, or at the very start) is kept as the spacing mark `゛`/`゜`, so that
//!    `ア゛` never becomes equal to `ア`.
//! 3. **Spaces** ([`FoldRule::Space`]). ASCII space, tab, ideographic space U+3000,
//!    no-break space and every other white space, the middle dots `・` `･` `·` used
//!    between the parts of foreign names, and the invisible zero-width characters
//!    (U+200B–U+200D, U+2060, U+FEFF, U+00AD) are removed. OQS writes `ｼﾝﾘｮｳ ﾀﾛｳ`, the
//!    registry `シンリョウ　タロウ`, and some systems write no separator at all, so the
//!    default is to compare without any. The `*_spaced` variants instead keep one ASCII
//!    space wherever there was a run of separators (trimmed at both ends), for callers
//!    that want to check where the surname ends.
//! 4. **Letter case** ([`FoldRule::LetterCase`]). ASCII letters become upper case, as
//!    foreign residents' names are written in either case.
//! 5. **Kana names only:**
//!    - [`FoldRule::HiraganaToKatakana`]: `さとう` → `サトウ`, `ゔ` → `ヴ`, `ゝゞ` → `ヽヾ`.
//!      NFKC does not do this.
//!    - [`FoldRule::SmallKana`]: `ァィゥェォッャュョヮヵヶ`, `ㇰ`–`ㇿ` and the small kana of
//!      the Kana Extended blocks become large. This is the 全銀協 rule that bank
//!      transfers and most 保険者 systems use, because many of them cannot store small
//!      kana at all. It **deliberately** makes `ショウ` equal to `シヨウ` and `キッテ`
//!      equal to `キツテ`; that is why it is reported as a fold and never as exact.
//!    - [`FoldRule::OldKana`]: `ヰ` → `イ`, `ヱ` → `エ`, `ヲ` → `オ`, and `ヷヸヹヺ` →
//!      `ヴァ ヴィ ヴェ ヴォ` (then small-kana folded). A separate rule because older
//!      registry entries keep the historical kana that input systems lack.
//!    - [`FoldRule::LongVowel`]: a character that looks like the long vowel mark
//!      (`- － − ‐ ‑ ‒ – — ― ─ ━ ~ ～ 〜 〰`, half-width `ｰ` is already `ー` by NFKC) becomes
//!      `ー` when it directly follows a kana (or another `ー`). Elsewhere it is left
//!      alone, so a hyphen between two names or in an alphabetic name is not turned
//!      into a kana.
//! 6. **Kanji names and addresses:** [`FoldRule::VariantKanji`]. Old (旧字体) and variant
//!    (異体字) forms fold to the common form through the table in `text/variants.rs` (352 pairs; its docs give the
//!    source and licence status of each group), e.g.
//!    `髙橋` = `高橋`, `渡邉` = `渡辺`, `齋藤` = `斎藤`. Ideographic variation selectors
//!    (IVS, U+E0100–U+E01EF and U+FE00–U+FE0F) are removed under the same rule, and
//!    the CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F) fold by their
//!    Unicode canonical mappings, which are the right unified characters (`U+FA4C` →
//!    `社`). Twelve of that block's characters are unified ideographs with no mapping;
//!    of these only `﨑` (U+FA11) is common in names and it is in the table.
//!    Kanji names get no kana rules: `さくら` and `サクラ` are different written names.
//! 7. **Addresses only** (details in the docs of `text/address.rs`):
//!    - [`FoldRule::Hyphen`]: dash look-alikes (`‐ ‑ ‒ – — ― − ─ ━`, `－`) are `-`, and so
//!      is `ー` after a number; dashes and spaces not between two numbers are removed.
//!    - [`FoldRule::KanjiNumeral`]: kanji numerals in address numbers are arabic (`三丁目`
//!      → `3丁目`, `十二番` → `12番`), but place names keep theirs (三鷹, 八丁堀, 一番町).
//!    - [`FoldRule::AddressNumber`]: `3丁目4番5号`, `3丁目4-5`, `3-4-5`, `３－４－５`,
//!      `3の4の5`, `三丁目四番地の五` are all `3-4-5`; 番地 counts as 番.
//!    - [`FoldRule::PlaceNameKana`]: between kanji, `ヶ ケ が ガ` are `ケ` (霞が関 =
//!      霞ケ関), `ッ` is `ツ`, `の` is `ノ`.
//!    - [`FoldRule::Prefecture`], only in [`compare_addresses`]: a prefecture written on
//!      one side only. [`split_prefecture`] separates it.
//!    - Not yet: building and room names, 大字/字, 条 and 地割 numbering.
//!
//! Differences that are only Unicode canonical equivalence (a precomposed `é` against
//! `e` and a combining accent) are folded by NFKC without being reported as a rule: they
//! are the same text by definition.
//!
//! # What is not done here
//!
//! - 々 and repeated kanji (`佐々木` / `佐佐木`), kana iteration marks `ヽヾ`: left as
//!   written, as registries keep them as written.
//! - Font-level variants with no code point of their own (one- and two-dot 辻) cannot be
//!   told apart in text and need no folding.
//! - Building and room names, 大字/字 omission and the numbering of 条 and 地割 in
//!   addresses: left for the linkage work.

use std::fmt;

mod address;
mod kana;
mod nfkc;
mod variants;

#[cfg(test)]
mod tests;

pub use address::{PREFECTURES, Prefecture, split_prefecture};

/// One folding rule; the linkage engine shows its [`label`](FoldRule::label) to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FoldRule {
    /// 全角英数字・記号 → ASCII (NFKC).
    Width,
    /// 半角カナ → 全角 (NFKC), including the separate half-width ﾞ ﾟ.
    HalfwidthKana,
    /// Other Unicode compatibility characters: ①, ㈱, ㌔, Kangxi radicals (NFKC).
    Compatibility,
    /// A separate or combining dakuten/handakuten joined to its kana.
    VoicedMark,
    /// Spaces, middle dots and invisible characters removed or unified.
    Space,
    /// ASCII lower case → upper case.
    LetterCase,
    /// ひらがな → カタカナ.
    HiraganaToKatakana,
    /// 小書き文字 → 大書き (ァ → ア, ッ → ツ).
    SmallKana,
    /// ヰ ヱ ヲ → イ エ オ.
    OldKana,
    /// Long-vowel look-alikes after kana → ー.
    LongVowel,
    /// 旧字体・異体字 → common form, variation selectors removed.
    VariantKanji,
    /// Dash look-alikes in addresses → `-`.
    Hyphen,
    /// 漢数字 → arabic digits in address numbers.
    KanjiNumeral,
    /// 丁目, 番地, 番, 号, の between numbers → `-`.
    AddressNumber,
    /// ヶ/ケ/が/ガ, ッ/ツ, の/ノ inside place names.
    PlaceNameKana,
    /// The prefecture is present in one address and omitted in the other.
    Prefecture,
    /// The building and room (方書) are present in one address and omitted in
    /// the other, which otherwise agree up to the last number. Decided by the
    /// linkage comparison, not by a normaliser.
    Building,
}

impl FoldRule {
    /// Every rule, in the order of the pipeline.
    pub const ALL: [FoldRule; 17] = [
        FoldRule::Width,
        FoldRule::HalfwidthKana,
        FoldRule::Compatibility,
        FoldRule::VoicedMark,
        FoldRule::Space,
        FoldRule::LetterCase,
        FoldRule::HiraganaToKatakana,
        FoldRule::SmallKana,
        FoldRule::OldKana,
        FoldRule::LongVowel,
        FoldRule::VariantKanji,
        FoldRule::Hyphen,
        FoldRule::KanjiNumeral,
        FoldRule::AddressNumber,
        FoldRule::PlaceNameKana,
        FoldRule::Prefecture,
        FoldRule::Building,
    ];

    /// The Japanese label shown in the user interface.
    pub fn label(self) -> &'static str {
        match self {
            FoldRule::Width => "全角・半角の違い",
            FoldRule::HalfwidthKana => "半角カナ",
            FoldRule::Compatibility => "互換文字（①・㈱など）",
            FoldRule::VoicedMark => "濁点・半濁点の表記",
            FoldRule::Space => "空白・区切り記号の有無",
            FoldRule::LetterCase => "英字の大文字・小文字",
            FoldRule::HiraganaToKatakana => "ひらがな・カタカナの違い",
            FoldRule::SmallKana => "小書き文字",
            FoldRule::OldKana => "旧仮名（ヰ・ヱ・ヲ）",
            FoldRule::LongVowel => "長音記号の表記",
            FoldRule::VariantKanji => "旧字体・異体字",
            FoldRule::Hyphen => "ハイフン・ダッシュの表記",
            FoldRule::KanjiNumeral => "漢数字・算用数字",
            FoldRule::AddressNumber => "丁目・番地・号の表記",
            FoldRule::PlaceNameKana => "地名の仮名表記（ヶ・が・ッ・ノ）",
            FoldRule::Prefecture => "都道府県名の省略",
            FoldRule::Building => "方書（建物名・部屋番号）の省略",
        }
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

impl fmt::Display for FoldRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A set of [`FoldRule`]s, iterated in pipeline order.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FoldRules(u32);

impl FoldRules {
    /// No rule.
    pub const EMPTY: FoldRules = FoldRules(0);
    /// Every rule.
    pub const ALL: FoldRules = FoldRules((1 << FoldRule::ALL.len()) - 1);

    /// Whether `rule` is in the set.
    pub fn contains(self, rule: FoldRule) -> bool {
        self.0 & rule.bit() != 0
    }

    /// Adds `rule`.
    pub fn insert(&mut self, rule: FoldRule) {
        self.0 |= rule.bit();
    }

    /// Removes `rule`.
    pub fn remove(&mut self, rule: FoldRule) {
        self.0 &= !rule.bit();
    }

    /// The rules in either set.
    pub fn union(self, other: FoldRules) -> FoldRules {
        FoldRules(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// How many rules the set holds.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// The rules, in pipeline order.
    pub fn iter(self) -> FoldRulesIter {
        self.into_iter()
    }

    /// The Japanese labels, in pipeline order, for the user interface.
    pub fn labels(self) -> impl Iterator<Item = &'static str> {
        self.iter().map(FoldRule::label)
    }
}

impl fmt::Debug for FoldRules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl FromIterator<FoldRule> for FoldRules {
    fn from_iter<I: IntoIterator<Item = FoldRule>>(iter: I) -> Self {
        let mut rules = FoldRules::EMPTY;
        for rule in iter {
            rules.insert(rule);
        }
        rules
    }
}

impl From<FoldRule> for FoldRules {
    fn from(rule: FoldRule) -> Self {
        FoldRules(rule.bit())
    }
}

impl IntoIterator for FoldRules {
    type Item = FoldRule;
    type IntoIter = FoldRulesIter;

    fn into_iter(self) -> FoldRulesIter {
        FoldRulesIter { rules: self, next: 0 }
    }
}

/// The iterator of [`FoldRules`], in pipeline order.
#[derive(Clone, Debug)]
pub struct FoldRulesIter {
    rules: FoldRules,
    next: usize,
}

impl Iterator for FoldRulesIter {
    type Item = FoldRule;

    fn next(&mut self) -> Option<FoldRule> {
        while let Some(rule) = FoldRule::ALL.get(self.next).copied() {
            self.next += 1;
            if self.rules.contains(rule) {
                return Some(rule);
            }
        }
        None
    }
}

/// How two values of one attribute compare.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Agreement {
    /// The two strings are identical as given.
    Exact,
    /// The two strings differ but are equal after these rules. The set is minimal in the
    /// sense that leaving out any one of them makes the values differ (see
    /// [`compare_kana_names`]). It is empty only when the strings differ in nothing but
    /// Unicode canonical equivalence (precomposed against combining accents).
    Folded(FoldRules),
    /// The values differ even after every rule.
    Different,
}

/// Folds a kana name (カナ氏名) for comparison: every rule of the module docs for kana
/// names, spaces removed. `ｻﾄｳ ﾀﾛｳ`, `サトウ　タロウ` and `さとう たろう` all give `サトウタロウ`.
pub fn normalise_kana_name(input: &str) -> String {
    kana::kana_name(input, &mut Fast, Spaces::Remove)
}

/// As [`normalise_kana_name`], but a run of separators becomes one ASCII space.
pub fn normalise_kana_name_spaced(input: &str) -> String {
    kana::kana_name(input, &mut Fast, Spaces::Single)
}

/// Folds a kanji name (漢字氏名): NFKC, spaces removed, letter case, 旧字体・異体字.
pub fn normalise_kanji_name(input: &str) -> String {
    kana::kanji_name(input, &mut Fast, Spaces::Remove)
}

/// As [`normalise_kanji_name`], but a run of separators becomes one ASCII space.
pub fn normalise_kanji_name_spaced(input: &str) -> String {
    kana::kanji_name(input, &mut Fast, Spaces::Single)
}

/// Folds an address (住所) by the rules of the module docs. The prefecture is kept; use
/// [`split_prefecture`] on the result to compare without it.
pub fn normalise_address(input: &str) -> String {
    address::address(input, &mut Fast)
}

/// [`normalise_kana_name`] and the rules that changed something.
pub fn explain_kana_name(input: &str) -> (String, FoldRules) {
    let mut explain = Explain::new(FoldRules::ALL);
    let folded = kana::kana_name(input, &mut explain, Spaces::Remove);
    (folded, explain.applied)
}

/// [`normalise_kanji_name`] and the rules that changed something.
pub fn explain_kanji_name(input: &str) -> (String, FoldRules) {
    let mut explain = Explain::new(FoldRules::ALL);
    let folded = kana::kanji_name(input, &mut explain, Spaces::Remove);
    (folded, explain.applied)
}

/// [`normalise_address`] and the rules that changed something.
pub fn explain_address(input: &str) -> (String, FoldRules) {
    let mut explain = Explain::new(FoldRules::ALL);
    let folded = address::address(input, &mut explain);
    (folded, explain.applied)
}

/// Compares two kana names.
///
/// When they are equal only after folding, the rules reported are found by starting
/// from every rule that changed either side and dropping, one at a time, each rule
/// without which the two still agree. So `ｻﾄｳ ﾀﾛｳ` against `ｻﾄｳﾀﾛｳ` reports only
/// [`FoldRule::Space`], not the half-width kana both sides share.
pub fn compare_kana_names(left: &str, right: &str) -> Agreement {
    compare(left, right, |input, explain| (None, kana::kana_name(input, explain, Spaces::Remove)))
}

/// Compares two kanji names, as [`compare_kana_names`].
pub fn compare_kanji_names(left: &str, right: &str) -> Agreement {
    compare(left, right, |input, explain| (None, kana::kanji_name(input, explain, Spaces::Remove)))
}

/// Compares two addresses, as [`compare_kana_names`]. When one address names its
/// prefecture and the other does not, the rest is compared and
/// [`FoldRule::Prefecture`] is reported: `東京都千代田区霞が関一丁目２番２号` and
/// `千代田区霞ケ関1-2-2` agree that way. Two different prefectures never agree.
///
/// Omitting the prefecture is ambiguous (府中市 is in 東京都 and in 広島県), which is
/// one more reason the linkage rules treat a fold differently from an exact match.
pub fn compare_addresses(left: &str, right: &str) -> Agreement {
    compare(left, right, |input, explain| {
        let split = explain.allowed.contains(FoldRule::Prefecture);
        let folded = address::address(input, explain);
        if split {
            let (prefecture, rest) = split_prefecture(&folded);
            (prefecture.map(|p| p.code), rest.to_owned())
        } else {
            (None, folded)
        }
    })
}

/// The shared shape of the `compare_*` functions. `key` folds one side with the rules
/// `explain` allows and returns the prefecture, when it splits one off, and the rest.
fn compare(left: &str, right: &str, key: impl Fn(&str, &mut Explain) -> (Option<u8>, String)) -> Agreement {
    if left == right {
        return Agreement::Exact;
    }
    let agree = |left_key: &(Option<u8>, String), right_key: &(Option<u8>, String)| match (left_key.0, right_key.0) {
        (Some(l), Some(r)) if l != r => false,
        _ => left_key.1 == right_key.1,
    };
    let mut left_explain = Explain::new(FoldRules::ALL);
    let mut right_explain = Explain::new(FoldRules::ALL);
    let left_key = key(left, &mut left_explain);
    let right_key = key(right, &mut right_explain);
    if !agree(&left_key, &right_key) {
        return Agreement::Different;
    }
    // A prefecture present on one side only is the one rule that no pipeline records.
    let mut needed = left_explain.applied.union(right_explain.applied);
    if left_key.0.is_some() != right_key.0.is_some() {
        needed.insert(FoldRule::Prefecture);
    }
    for rule in needed {
        let mut without = needed;
        without.remove(rule);
        let left_key = key(left, &mut Explain::new(without));
        let right_key = key(right, &mut Explain::new(without));
        if agree(&left_key, &right_key) {
            needed = without;
        }
    }
    Agreement::Folded(needed)
}

/// How the pipeline treats separators.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Spaces {
    /// Remove them all.
    Remove,
    /// Turn each run into one ASCII space and trim both ends.
    Single,
}

/// Which rules a pipeline may apply, and where it records the ones it did apply. The
/// plain `normalise_*` functions use [`Fast`], for which both compile away.
trait Policy {
    fn allowed(&self) -> FoldRules;

    fn record(&mut self, rule: FoldRule);

    /// Whether `rule` may run; records it, as the caller is about to apply it.
    #[inline]
    fn apply(&mut self, rule: FoldRule) -> bool {
        if self.allowed().contains(rule) {
            self.record(rule);
            true
        } else {
            false
        }
    }
}

/// Every rule, nothing recorded.
struct Fast;

impl Policy for Fast {
    #[inline(always)]
    fn allowed(&self) -> FoldRules {
        FoldRules::ALL
    }

    #[inline(always)]
    fn record(&mut self, _rule: FoldRule) {}
}

/// The given rules, recording the ones applied.
struct Explain {
    allowed: FoldRules,
    applied: FoldRules,
}

impl Explain {
    fn new(allowed: FoldRules) -> Explain {
        Explain { allowed, applied: FoldRules::EMPTY }
    }
}

impl Policy for Explain {
    fn allowed(&self) -> FoldRules {
        self.allowed
    }

    fn record(&mut self, rule: FoldRule) {
        self.applied.insert(rule);
    }
}
