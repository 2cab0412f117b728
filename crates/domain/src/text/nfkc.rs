//! The first stages every pipeline shares: Unicode NFKC, the joining of voiced sound
//! marks, and separators. Each pipeline passes in its own per-character `fold`.
//!
//! NFKC runs on a fast path when every character of the input is one whose NFKC form
//! is a single character this module knows (ASCII, kana, half- and full-width forms, the
//! common CJK ideographs): that covers almost every name and address, and needs neither
//! allocation nor the general decomposition tables. Anything else takes the general
//! path: each character is decomposed (NFKD) on its own, so that the rule it falls under
//! can be recorded or, when the caller has disallowed the rule, skipped, and the result
//! is canonically composed (NFC), which together is NFKC. A test checks that the fast
//! path agrees with `unicode-normalization` for every character it covers.
//!
//! One deliberate departure from NFKC: the spacing voiced sound marks ゛ ゜ (U+309B,
//! U+309C) are not turned into a space and a combining mark but handed to the driver,
//! which joins them to the kana before them.

use unicode_normalization::char::{compose, decompose_canonical, decompose_compatible};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

use super::{FoldRule, Policy, Spaces};

/// Folds `input`: NFKC, voiced sound marks and separators here, and every other
/// character through `fold`, which pushes its folded form onto the output.
pub(super) fn drive<P: Policy>(
    input: &str,
    policy: &mut P,
    spaces: Spaces,
    mut fold: impl FnMut(&mut P, char, &mut String),
) -> String {
    let mut driver = Driver { out: String::with_capacity(input.len()), pending: None, gap: None, spaces };
    let general = nfkc(input, policy, |policy, c| driver.push(policy, c, &mut fold));
    driver.flush(policy, &mut fold);
    if driver.gap.is_some() {
        // Trailing separators are trimmed.
        policy.record(FoldRule::Space);
    }
    if general { recompose(driver.out) } else { driver.out }
}

/// Composes `folded` again if needed. Removing a separator can bring a combining mark
/// next to a letter it composes with (`k´` is `k`, space, U+0301 under NFKC); without
/// this, folding the result again would change it.
pub(super) fn recompose(folded: String) -> String {
    if is_nfc_quick(folded.chars()) == IsNormalized::Yes { folded } else { folded.nfc().collect() }
}

struct Driver {
    out: String,
    /// The last character, not yet folded, so that a voiced sound mark after it can
    /// still join it in its original form (ワ + ゛ = ヷ before ヷ is folded).
    pending: Option<char>,
    /// In [`Spaces::Single`] mode, a run of separators not yet written, and whether it
    /// differs from a single ASCII space.
    gap: Option<bool>,
    spaces: Spaces,
}

impl Driver {
    fn push<P: Policy>(&mut self, policy: &mut P, c: char, fold: &mut impl FnMut(&mut P, char, &mut String)) {
        if let Some((combining, spacing)) = voiced_mark(c) {
            if !spacing || policy.allowed().contains(FoldRule::VoicedMark) {
                self.join_mark(policy, combining, spacing, fold);
                return;
            }
        } else if is_invisible(c) {
            if policy.apply(FoldRule::Space) {
                return;
            }
        } else if is_variation_selector(c) {
            if policy.apply(FoldRule::VariantKanji) {
                return;
            }
        } else if is_separator(c) && policy.allowed().contains(FoldRule::Space) {
            match self.spaces {
                Spaces::Remove => {
                    // As if it was never there: the pending character stays pending.
                    policy.record(FoldRule::Space);
                }
                Spaces::Single => {
                    self.flush(policy, fold);
                    let changed = self.gap.is_some() || c != ' ';
                    self.gap = Some(changed);
                }
            }
            return;
        }
        self.flush(policy, fold);
        self.pending = Some(c);
    }

    fn join_mark<P: Policy>(
        &mut self,
        policy: &mut P,
        combining: char,
        spacing: bool,
        fold: &mut impl FnMut(&mut P, char, &mut String),
    ) {
        if let Some(joined) = self.pending.and_then(|pending| compose(pending, combining)) {
            if spacing {
                policy.record(FoldRule::VoicedMark);
            }
            self.pending = Some(joined);
            return;
        }
        self.flush(policy, fold);
        // The character before may only have become joinable by folding (ㇷ → フ).
        if self.gap.is_none()
            && let Some(joined) = self.out.chars().next_back().and_then(|last| compose(last, combining))
        {
            if spacing {
                policy.record(FoldRule::VoicedMark);
            }
            self.out.pop();
            fold(policy, joined, &mut self.out);
            return;
        }
        self.write_gap(policy);
        // Nothing to join: keep the spacing form, so that ア゛ does not become ア. A
        // combining mark turned spacing was recorded when it was read.
        self.out.push(if combining == '\u{3099}' { '\u{309B}' } else { '\u{309C}' });
    }

    fn flush<P: Policy>(&mut self, policy: &mut P, fold: &mut impl FnMut(&mut P, char, &mut String)) {
        if let Some(pending) = self.pending.take() {
            self.write_gap(policy);
            fold(policy, pending, &mut self.out);
        }
    }

    fn write_gap<P: Policy>(&mut self, policy: &mut P) {
        if let Some(changed) = self.gap.take() {
            if self.out.is_empty() {
                // Leading separators are trimmed.
                policy.record(FoldRule::Space);
            } else {
                if changed {
                    policy.record(FoldRule::Space);
                }
                self.out.push(' ');
            }
        }
    }
}

/// Calls `sink` with each character of the NFKC form of `input` (but see the module
/// docs for ゛ ゜), recording the NFKC rules that changed something. Returns whether it
/// took the general path.
fn nfkc<P: Policy>(input: &str, policy: &mut P, mut sink: impl FnMut(&mut P, char)) -> bool {
    if input.chars().all(is_fast) {
        for c in input.chars() {
            let mapped = fast_nfkc(c, policy);
            sink(policy, mapped);
        }
        return false;
    }
    let mut decomposed: Vec<char> = Vec::with_capacity(input.len());
    let mut compatible: Vec<char> = Vec::new();
    let mut canonical: Vec<char> = Vec::new();
    for c in input.chars() {
        if is_fast(c) {
            decomposed.push(fast_nfkc(c, policy));
            continue;
        }
        compatible.clear();
        canonical.clear();
        decompose_compatible(c, |d| compatible.push(d));
        decompose_canonical(c, |d| canonical.push(d));
        if compatible != canonical {
            if policy.apply(compatibility_rule(c)) {
                decomposed.extend_from_slice(&compatible);
            } else {
                decomposed.push(c);
            }
        } else {
            if let [single] = canonical[..]
                && single != c
            {
                // A canonical singleton such as U+FA4C 社 → 社: NFC applies it whatever
                // the rules allow, so it is only recorded.
                policy.record(compatibility_rule(c));
            }
            decomposed.push(c);
        }
    }
    for c in decomposed.into_iter().nfc() {
        sink(policy, c);
    }
    true
}

/// Characters whose NFKC form [`fast_nfkc`] gives, and which never compose with a
/// neighbour under NFC except for kana with U+3099 and U+309A, which the driver joins.
pub(super) fn is_fast(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{7F}'
        | '\u{A0}'
        | '\u{3000}'..='\u{3035}'
        | '\u{3041}'..='\u{3096}'
        | '\u{3099}'..='\u{309E}'
        | '\u{30A0}'..='\u{30FE}'
        | '\u{31F0}'..='\u{31FF}'
        | '\u{3400}'..='\u{4DBF}'
        | '\u{4E00}'..='\u{9FFF}'
        | '\u{FF01}'..='\u{FF5E}'
        | '\u{FF61}'..='\u{FF9F}')
}

/// The NFKC form of a character for which [`is_fast`] holds, recording the rule.
#[inline]
pub(super) fn fast_nfkc<P: Policy>(c: char, policy: &mut P) -> char {
    let (mapped, rule) = match c {
        '\u{A0}' | '\u{3000}' => (' ', FoldRule::Space),
        '\u{FF01}'..='\u{FF5E}' => (char::from_u32(c as u32 - 0xFEE0).unwrap_or(c), FoldRule::Width),
        '\u{FF61}'..='\u{FF9F}' => (HALFWIDTH[(c as u32 - 0xFF61) as usize], FoldRule::HalfwidthKana),
        '\u{3099}' | '\u{309A}' => {
            // A combining mark always changes: it joins its kana or becomes spacing.
            policy.record(FoldRule::VoicedMark);
            return c;
        }
        _ => return c,
    };
    if policy.apply(rule) { mapped } else { c }
}

/// U+FF61..=U+FF9F, half-width punctuation and katakana, in their NFKC form.
const HALFWIDTH: [char; 63] = [
    '。', '「', '」', '、', '・', 'ヲ', 'ァ', 'ィ', 'ゥ', 'ェ', 'ォ', 'ャ', 'ュ', 'ョ', 'ッ', 'ー', 'ア', 'イ', 'ウ',
    'エ', 'オ', 'カ', 'キ', 'ク', 'ケ', 'コ', 'サ', 'シ', 'ス', 'セ', 'ソ', 'タ', 'チ', 'ツ', 'テ', 'ト', 'ナ', 'ニ',
    'ヌ', 'ネ', 'ノ', 'ハ', 'ヒ', 'フ', 'ヘ', 'ホ', 'マ', 'ミ', 'ム', 'メ', 'モ', 'ヤ', 'ユ', 'ヨ', 'ラ', 'リ', 'ル',
    'レ', 'ロ', 'ワ', 'ン', '\u{3099}', '\u{309A}',
];

/// The rule under which a character with a compatibility or singleton mapping falls.
fn compatibility_rule(c: char) -> FoldRule {
    match c {
        _ if c.is_whitespace() => FoldRule::Space,
        '\u{FF61}'..='\u{FF9F}' => FoldRule::HalfwidthKana,
        '\u{FF01}'..='\u{FF5E}' | '\u{FFA0}'..='\u{FFEE}' => FoldRule::Width,
        '\u{F900}'..='\u{FAFF}' | '\u{2F800}'..='\u{2FA1F}' => FoldRule::VariantKanji,
        _ => FoldRule::Compatibility,
    }
}

/// The voiced sound marks: the combining form to join with and whether `c` was the
/// spacing form.
fn voiced_mark(c: char) -> Option<(char, bool)> {
    match c {
        '\u{3099}' | '\u{309A}' => Some((c, false)),
        '\u{309B}' => Some(('\u{3099}', true)),
        '\u{309C}' => Some(('\u{309A}', true)),
        _ => None,
    }
}

/// White space, and the middle dots written between the parts of a foreign name.
pub(super) fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, '・' | '·' | '\u{FF65}')
}

/// Characters that show nothing: zero-width space and joiners, word joiner, byte order
/// mark, soft hyphen.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{AD}')
}

/// Variation selectors, including the ideographic ones (IVS) registry data uses to pick
/// a glyph such as 葛󠄀 or 辻󠄀.
fn is_variation_selector(c: char) -> bool {
    matches!(c, '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}')
}
