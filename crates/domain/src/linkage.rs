//! Linkage (紐付け) of an insurer's member record to a resident of the
//! registry: compare the 5 attributes (5情報: 漢字氏名, カナ氏名, 生年月日, 性別,
//! 住所) and judge.
//!
//! In 2023 most wrong links came from matching on カナ氏名, 生年月日 and 性別
//! only: a namesake (同姓同名, same reading, same birthday) elsewhere was taken
//! for the member. This module never compares fewer than all 5 attributes; a
//! 3-attribute mode does not exist.
//!
//! Each attribute is compared after the folds of [`crate::text`] and the
//! outcome says how the values relate: [`Outcome::Equal`], equal after named
//! folds ([`Outcome::Folded`]), or different, with what kind of difference
//! ([`Difference`]). The verdicts are then:
//!
//! - for a linked member, [`LinkVerdict`]: `Match` when all 5 agree after
//!   harmless folds; `Review` when the same person is plausible but something
//!   differs that a person must confirm (moved, married, a typo); `Mismatch`
//!   when the record describes someone else;
//! - for an unlinked member, [`FindVerdict`]: `Found` when exactly one
//!   resident agrees on all 5, `Ambiguous` when several do, `NotFound`
//!   otherwise.
//!
//! The rules are deliberately conservative: a namesake with the same kana
//! name, birth date and sex but another address is never `Match` and never
//! `Found`; and a difference in a single attribute, which harmless clerical
//! noise or a life event explains, is `Review`, never `Mismatch`.

use crate::Date;
use crate::person::{FiveAttributes, Sex};
use crate::text::{self, Agreement, FoldRules};

#[cfg(test)]
mod tests;

/// How one attribute of the member relates to the resident's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Identical as written.
    Equal,
    /// Equal after these folds (width, kana, 異体字, address notation …).
    Folded(FoldRules),
    /// Different after every fold.
    Different(Difference),
}

impl Outcome {
    /// Equal, or equal after folding.
    pub fn agrees(self) -> bool {
        !matches!(self, Outcome::Different(_))
    }
}

/// What kind of difference, so that a clerk (and the verdict) can tell a typo
/// from another person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Difference {
    /// Names: the surname differs, the given name agrees (marriage, adoption).
    Surname,
    /// Names: the given name differs, the surname agrees.
    GivenName,
    /// Names: one character inserted, dropped or replaced.
    OneCharacter,
    /// Birth date: one digit differs.
    OneDigit,
    /// Birth date: two adjacent digits swapped.
    TransposedDigits,
    /// Sex: the two codes differ (1 against 2).
    Sex,
    /// Address: another place in the same municipality.
    SameMunicipality,
    /// Address: another municipality in the same prefecture.
    SamePrefecture,
    /// Address: another prefecture.
    OtherPrefecture,
    /// Anything else.
    Other,
}

impl Difference {
    /// Stable machine-readable code, for reports.
    pub fn code(self) -> &'static str {
        match self {
            Difference::Surname => "surname",
            Difference::GivenName => "given_name",
            Difference::OneCharacter => "one_character",
            Difference::OneDigit => "one_digit",
            Difference::TransposedDigits => "transposed_digits",
            Difference::Sex => "sex",
            Difference::SameMunicipality => "same_municipality",
            Difference::SamePrefecture => "same_prefecture",
            Difference::OtherPrefecture => "other_prefecture",
            Difference::Other => "other",
        }
    }
}

/// The 5 attributes compared one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comparison {
    pub name_kanji: Outcome,
    pub name_kana: Outcome,
    pub birth_date: Outcome,
    pub sex: Outcome,
    pub address: Outcome,
}

/// Which attribute a reason is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Attribute {
    NameKanji,
    NameKana,
    BirthDate,
    Sex,
    Address,
}

impl Attribute {
    pub fn code(self) -> &'static str {
        match self {
            Attribute::NameKanji => "name_kanji",
            Attribute::NameKana => "name_kana",
            Attribute::BirthDate => "birth_date",
            Attribute::Sex => "sex",
            Attribute::Address => "address",
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Attribute::NameKanji => "漢字氏名",
            Attribute::NameKana => "カナ氏名",
            Attribute::BirthDate => "生年月日",
            Attribute::Sex => "性別",
            Attribute::Address => "住所",
        }
    }
}

impl Comparison {
    /// The attributes with their outcomes, in the order of 5情報.
    pub fn outcomes(&self) -> [(Attribute, Outcome); 5] {
        [
            (Attribute::NameKanji, self.name_kanji),
            (Attribute::NameKana, self.name_kana),
            (Attribute::BirthDate, self.birth_date),
            (Attribute::Sex, self.sex),
            (Attribute::Address, self.address),
        ]
    }

    /// All 5 agree (exactly or after folding).
    pub fn all_agree(&self) -> bool {
        self.outcomes().iter().all(|(_, outcome)| outcome.agrees())
    }

    /// The differing attributes with their kind, e.g. `address:same_municipality`.
    pub fn reasons(&self) -> Vec<String> {
        self.outcomes()
            .iter()
            .filter_map(|(attribute, outcome)| match outcome {
                Outcome::Different(difference) => Some(format!("{}:{}", attribute.code(), difference.code())),
                _ => None,
            })
            .collect()
    }
}

/// Compare a member (as the insurer holds it) with a resident (as the
/// registry holds them) on all 5 attributes.
pub fn compare(member: &FiveAttributes, resident: &FiveAttributes) -> Comparison {
    Comparison {
        name_kanji: compare_name(&member.name_kanji, &resident.name_kanji, NameScript::Kanji),
        name_kana: compare_name(&member.name_kana, &resident.name_kana, NameScript::Kana),
        birth_date: compare_dates(member.birth_date, resident.birth_date),
        sex: compare_sex(member.sex, resident.sex),
        address: compare_address(&member.address, &resident.address),
    }
}

/// The judgement on a member that is linked to a resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkVerdict {
    /// All 5 agree after harmless folding.
    Match,
    /// Plausibly the same person, but a person must confirm what differs.
    Review { reasons: Vec<String> },
    /// A different person: the link is wrong.
    Mismatch { reasons: Vec<String> },
}

impl LinkVerdict {
    pub fn code(&self) -> &'static str {
        match self {
            LinkVerdict::Match => "match",
            LinkVerdict::Review { .. } => "review",
            LinkVerdict::Mismatch { .. } => "mismatch",
        }
    }
}

/// Judge a linked member from its comparison with the linked resident.
///
/// `Mismatch` when:
/// - the sexes differ (both recorded as 男 or 女);
/// - the birth dates differ by more than one typed digit or a swap, or by a
///   typo while a name differs too;
/// - the given name differs in either script by more than one character
///   (a surname changes at marriage, a given name does not);
/// - the kanji name differs while the kana name agrees and the address
///   differs too: the 2023 namesake pattern, same reading, other spelling,
///   other household;
/// - three or more attributes differ, where a name that differs in both
///   scripts counts once (a marriage and a move together are `Review`).
///
/// A name written without a separator on one side is split where the other
/// side's surname or given name says, so that `北川未来` against `大野　未来`
/// is a changed surname, not another person.
///
/// Otherwise `Review` when any attribute differs, and `Match` when none does.
pub fn judge_link(comparison: &Comparison) -> LinkVerdict {
    let reasons = comparison.reasons();
    if reasons.is_empty() {
        return LinkVerdict::Match;
    }
    let mismatch = || LinkVerdict::Mismatch { reasons: reasons.clone() };
    let differs = |outcome: Outcome| !outcome.agrees();
    let kind = |outcome: Outcome| match outcome {
        Outcome::Different(difference) => Some(difference),
        _ => None,
    };
    if kind(comparison.sex) == Some(Difference::Sex) {
        return mismatch();
    }
    let name_differs = differs(comparison.name_kanji) || differs(comparison.name_kana);
    match kind(comparison.birth_date) {
        None => {}
        Some(Difference::OneDigit | Difference::TransposedDigits) if !name_differs => {}
        Some(_) => return mismatch(),
    }
    let given_name_changed =
        |outcome: Outcome| matches!(kind(outcome), Some(Difference::GivenName | Difference::Other));
    if given_name_changed(comparison.name_kanji) || given_name_changed(comparison.name_kana) {
        return mismatch();
    }
    if differs(comparison.name_kanji) && comparison.name_kana.agrees() && differs(comparison.address) {
        return mismatch();
    }
    // Past the rules above a name can only differ by its surname or by one
    // character. In both scripts that is one fact written twice (a marriage,
    // an adoption, a divorce: 佐藤 → 加藤 is one character in each), so the
    // name counts once: a new surname and a move together are `review`.
    let name_in_both_scripts = differs(comparison.name_kanji) && differs(comparison.name_kana);
    let n_different = comparison.outcomes().iter().filter(|(_, outcome)| differs(*outcome)).count()
        - usize::from(name_in_both_scripts);
    if n_different >= 3 {
        return mismatch();
    }
    LinkVerdict::Review { reasons }
}

/// The judgement on a member with no link, against the residents that were
/// considered (typically those sharing its birth date).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FindVerdict<K> {
    /// Exactly one resident agrees on all 5 attributes.
    Found(K),
    /// Several residents agree on all 5; none is chosen.
    Ambiguous(Vec<K>),
    /// No resident agrees on all 5.
    NotFound,
}

/// Find the resident of an unlinked member among `candidates`: only a
/// resident agreeing on all 5 attributes counts, and only when it is the
/// only one.
pub fn find<'a, K: Clone + 'a>(
    member: &FiveAttributes,
    candidates: impl IntoIterator<Item = (K, &'a FiveAttributes)>,
) -> FindVerdict<K> {
    let mut agreeing: Vec<K> = candidates
        .into_iter()
        .filter(|(_, resident)| compare(member, resident).all_agree())
        .map(|(key, _)| key)
        .collect();
    match agreeing.len() {
        0 => FindVerdict::NotFound,
        1 => FindVerdict::Found(agreeing.remove(0)),
        _ => FindVerdict::Ambiguous(agreeing),
    }
}

#[derive(Clone, Copy)]
enum NameScript {
    Kanji,
    Kana,
}

impl NameScript {
    fn agreement(self, left: &str, right: &str) -> Agreement {
        match self {
            NameScript::Kanji => text::compare_kanji_names(left, right),
            NameScript::Kana => text::compare_kana_names(left, right),
        }
    }

    fn normalise(self, name: &str) -> String {
        match self {
            NameScript::Kanji => text::normalise_kanji_name(name),
            NameScript::Kana => text::normalise_kana_name(name),
        }
    }
}

fn agreement_outcome(agreement: Agreement) -> Option<Outcome> {
    match agreement {
        Agreement::Exact => Some(Outcome::Equal),
        Agreement::Folded(rules) => Some(Outcome::Folded(rules)),
        Agreement::Different => None,
    }
}

/// Splits "佐藤　太郎" into surname and given name at the first space of any
/// kind; `None` when the name has no separator.
fn split_name(name: &str) -> Option<(&str, &str)> {
    let trimmed = name.trim_matches(|c: char| c.is_whitespace());
    let at = trimmed.find(|c: char| c.is_whitespace())?;
    let (surname, rest) = trimmed.split_at(at);
    let given = rest.trim_start_matches(|c: char| c.is_whitespace());
    (!surname.is_empty() && !given.is_empty()).then_some((surname, given))
}

/// Splits a name written without a separator (`北川未来`) where the other
/// side's split says: after the other's surname when it starts with it
/// (after folding), else before the other's given name when it ends with it.
/// `None` when neither fits, or when the split would leave an empty part.
fn split_like<'a>(name: &'a str, other: (&str, &str), script: NameScript) -> Option<(&'a str, &'a str)> {
    let trimmed = name.trim_matches(|c: char| c.is_whitespace());
    let (other_surname, other_given) = (script.normalise(other.0), script.normalise(other.1));
    let boundaries = trimmed.char_indices().map(|(at, _)| at).skip(1);
    let mut split = None;
    for at in boundaries {
        let (surname, given) = trimmed.split_at(at);
        if script.normalise(surname) == other_surname {
            return Some((surname, given));
        }
        if split.is_none() && script.normalise(given) == other_given {
            split = Some((surname, given));
        }
    }
    split
}

fn compare_name(member: &str, resident: &str, script: NameScript) -> Outcome {
    let normalise = |name: &str| script.normalise(name);
    if let Some(outcome) = agreement_outcome(script.agreement(member, resident)) {
        return outcome;
    }
    let (member_parts, resident_parts) = match (split_name(member), split_name(resident)) {
        (Some(member_parts), None) => (Some(member_parts), split_like(resident, member_parts, script)),
        (None, Some(resident_parts)) => (split_like(member, resident_parts, script), Some(resident_parts)),
        both => both,
    };
    if let (Some((member_surname, member_given)), Some((resident_surname, resident_given))) =
        (member_parts, resident_parts)
    {
        let surname_agrees = normalise(member_surname) == normalise(resident_surname);
        let given_agrees = normalise(member_given) == normalise(resident_given);
        match (surname_agrees, given_agrees) {
            (false, true) => {
                return Outcome::Different(
                    if one_character_apart(&normalise(member_surname), &normalise(resident_surname)) {
                        Difference::OneCharacter
                    } else {
                        Difference::Surname
                    },
                );
            }
            (true, false) => {
                return Outcome::Different(
                    if one_character_apart(&normalise(member_given), &normalise(resident_given)) {
                        Difference::OneCharacter
                    } else {
                        Difference::GivenName
                    },
                );
            }
            _ => {}
        }
    }
    if one_character_apart(&normalise(member), &normalise(resident)) {
        Outcome::Different(Difference::OneCharacter)
    } else {
        Outcome::Different(Difference::Other)
    }
}

/// One character replaced, inserted or dropped.
fn one_character_apart(left: &str, right: &str) -> bool {
    let left: Vec<char> = left.chars().collect();
    let right: Vec<char> = right.chars().collect();
    let (shorter, longer) = if left.len() <= right.len() { (&left, &right) } else { (&right, &left) };
    match longer.len() - shorter.len() {
        0 => left.iter().zip(right.iter()).filter(|(a, b)| a != b).count() == 1,
        1 => {
            let prefix = shorter.iter().zip(longer.iter()).take_while(|(a, b)| a == b).count();
            shorter[prefix..] == longer[prefix + 1..]
        }
        _ => false,
    }
}

fn compare_dates(member: Date, resident: Date) -> Outcome {
    if member == resident {
        return Outcome::Equal;
    }
    let digits = |date: Date| crate::date::iso(date).replace('-', "").into_bytes();
    let (left, right) = (digits(member), digits(resident));
    if left.len() != right.len() {
        return Outcome::Different(Difference::Other);
    }
    let differing: Vec<usize> = (0..left.len()).filter(|&idx| left[idx] != right[idx]).collect();
    let difference = match differing.as_slice() {
        [_] => Difference::OneDigit,
        [a, b] if *b == a + 1 && left[*a] == right[*b] && left[*b] == right[*a] => Difference::TransposedDigits,
        _ => Difference::Other,
    };
    Outcome::Different(difference)
}

fn compare_sex(member: Sex, resident: Sex) -> Outcome {
    let determinate = |sex: Sex| matches!(sex, Sex::Male | Sex::Female);
    if member == resident {
        Outcome::Equal
    } else if determinate(member) && determinate(resident) {
        Outcome::Different(Difference::Sex)
    } else {
        // 未設定 (3) or 適用不能 (9) on one side: not evidence either way,
        // and not equality; a person must look.
        Outcome::Different(Difference::Other)
    }
}

/// The municipality at the start of an address without its prefecture: up
/// to the first 市, 区, 町 or 村 (after a 郡 when there is one).
fn municipality(rest: &str) -> Option<&str> {
    let start = rest.find('郡').map_or(0, |at| at + '郡'.len_utf8());
    let (offset, c) = rest[start..].char_indices().find(|(_, c)| matches!(c, '市' | '区' | '町' | '村'))?;
    Some(&rest[..start + offset + c.len_utf8()])
}

/// `longer` is `shorter` followed by a building and room (方書): `shorter`
/// ends with its house number and `longer` goes on with something that is
/// not part of a number (`…21-19` against `…21-19アーバンコート702`, never
/// `…21-1` against `…21-19`).
fn building_omitted(shorter: &str, longer: &str) -> bool {
    let ends_with_number = shorter.chars().next_back().is_some_and(|c| c.is_ascii_digit() || matches!(c, '号' | '地'));
    let rest = longer.strip_prefix(shorter);
    ends_with_number && rest.and_then(|rest| rest.chars().next()).is_some_and(|c| !c.is_ascii_digit() && c != '-')
}

fn compare_address(member: &str, resident: &str) -> Outcome {
    if let Some(outcome) = agreement_outcome(text::compare_addresses(member, resident)) {
        return outcome;
    }
    let member = text::normalise_address(member);
    let resident = text::normalise_address(resident);
    let (member_prefecture, member_rest) = text::split_prefecture(&member);
    let (resident_prefecture, resident_rest) = text::split_prefecture(&resident);
    if let (Some(a), Some(b)) = (member_prefecture, resident_prefecture)
        && a != b
    {
        return Outcome::Different(Difference::OtherPrefecture);
    }
    if building_omitted(member_rest, resident_rest) || building_omitted(resident_rest, member_rest) {
        let mut rules = text::explain_address(&member).1.union(text::explain_address(&resident).1);
        rules.insert(text::FoldRule::Building);
        if member_prefecture.is_some() != resident_prefecture.is_some() {
            rules.insert(text::FoldRule::Prefecture);
        }
        return Outcome::Folded(rules);
    }
    let difference = match (municipality(member_rest), municipality(resident_rest)) {
        (Some(a), Some(b)) if a == b => Difference::SameMunicipality,
        (Some(_), Some(_)) => Difference::SamePrefecture,
        _ => Difference::Other,
    };
    Outcome::Different(difference)
}
