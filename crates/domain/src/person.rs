//! A person's attributes as the registry or an insurer holds them: the 5
//! attributes (5情報) used to link insurance records to persons, and the small
//! coded values around them.

use std::fmt;
use std::str::FromStr;

use crate::Date;

/// 性別, with the codes the sources use: 1 男, 2 女; JPKI's 9 (適用不能) and
/// OQS's 3 (未設定) are kept apart because they mean different things.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Sex {
    /// 1 男
    Male,
    /// 2 女
    Female,
    /// 3 未設定 (OQS `Sex1`: not set)
    Unset,
    /// 9 適用不能 (JPKI 4 情報: not applicable)
    NotApplicable,
}

/// Why a value is not a sex code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("性別 must be 1 (男), 2 (女), 3 (未設定) or 9 (適用不能), got {value:?}")]
pub struct SexError {
    pub value: String,
}

impl Sex {
    pub fn code(self) -> u8 {
        match self {
            Sex::Male => 1,
            Sex::Female => 2,
            Sex::Unset => 3,
            Sex::NotApplicable => 9,
        }
    }

    pub fn from_code(code: u8) -> Option<Sex> {
        match code {
            1 => Some(Sex::Male),
            2 => Some(Sex::Female),
            3 => Some(Sex::Unset),
            9 => Some(Sex::NotApplicable),
            _ => None,
        }
    }

    pub fn label_ja(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::Unset => "未設定",
            Sex::NotApplicable => "適用不能",
        }
    }
}

impl FromStr for Sex {
    type Err = SexError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = crate::id_normalise_digits(input);
        match value.as_str() {
            "1" | "男" | "男性" => Ok(Sex::Male),
            "2" | "女" | "女性" => Ok(Sex::Female),
            "3" | "未設定" => Ok(Sex::Unset),
            "9" | "適用不能" => Ok(Sex::NotApplicable),
            _ => Err(SexError { value: input.to_owned() }),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}

/// 負担割合: the share of the fee the patient pays, in tenths (1, 2 or 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CopayRatio(u8);

/// Why a value is not a copay ratio.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("負担割合 must be 1, 2 or 3 割 (also written 010/020/030 or 10/20/30 %), got {value:?}")]
pub struct CopayRatioError {
    pub value: String,
}

impl CopayRatio {
    pub fn new(tenths: u8) -> Option<CopayRatio> {
        (1..=3).contains(&tenths).then_some(CopayRatio(tenths))
    }

    /// Tenths: 1, 2 or 3.
    pub fn tenths(self) -> u8 {
        self.0
    }

    /// The 3-digit OQS form of `InsuredPartialContributionRatio` ("030" for 3割).
    pub fn oqs_code(self) -> String {
        format!("{:03}", u32::from(self.0) * 10)
    }
}

impl FromStr for CopayRatio {
    type Err = CopayRatioError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let value = crate::id_normalise_digits(input);
        let value = value.strip_suffix('割').unwrap_or(&value);
        let tenths = match value {
            "1" | "010" | "10" | "10%" => Some(1),
            "2" | "020" | "20" | "20%" => Some(2),
            "3" | "030" | "30" | "30%" => Some(3),
            _ => None,
        };
        tenths.and_then(CopayRatio::new).ok_or_else(|| CopayRatioError { value: input.to_owned() })
    }
}

impl fmt::Display for CopayRatio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Limits on the free-text attributes.
pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_ADDRESS_CHARS: usize = 200;

/// Why a name or address is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextFieldError {
    #[error("{field} must not be empty")]
    Empty { field: &'static str },
    #[error("{field} must be at most {max} characters, got {len}")]
    TooLong { field: &'static str, max: usize, len: usize },
    #[error("{field} must not contain control characters, found U+{code:04X} at position {position}")]
    Control { field: &'static str, position: usize, code: u32 },
    #[error(
        "{field} must be written in kana (カタカナ or ひらがな, spaces, ー, ・), found {found:?} at position {position}"
    )]
    NotKana { field: &'static str, position: usize, found: char },
}

/// Check a free-text attribute: trimmed, non-empty, bounded, no control
/// characters. Returns the trimmed value; the original spelling is kept, since
/// matching folds it separately (see `text`).
pub fn check_text(field: &'static str, input: &str, max: usize) -> Result<String, TextFieldError> {
    let value = input.trim_matches(|c: char| c.is_whitespace());
    if value.is_empty() {
        return Err(TextFieldError::Empty { field });
    }
    let len = value.chars().count();
    if len > max {
        return Err(TextFieldError::TooLong { field, max, len });
    }
    if let Some((idx, c)) = value.chars().enumerate().find(|(_, c)| c.is_control()) {
        return Err(TextFieldError::Control { field, position: idx + 1, code: c as u32 });
    }
    Ok(value.to_owned())
}

/// Check a kana name: as `check_text`, and every character a kana (full- or
/// half-width katakana, hiragana, dakuten marks), a space, a long-vowel mark or
/// a middle dot.
pub fn check_kana(field: &'static str, input: &str) -> Result<String, TextFieldError> {
    let value = check_text(field, input, MAX_NAME_CHARS)?;
    for (idx, c) in value.chars().enumerate() {
        let kana = matches!(c,
            '\u{3041}'..='\u{3096}' | '\u{3099}'..='\u{309F}' // hiragana, marks
            | '\u{30A1}'..='\u{30FF}' // katakana incl. ー ・
            | '\u{31F0}'..='\u{31FF}' // small katakana extension
            | '\u{FF65}'..='\u{FF9F}' // half-width katakana
            | ' ' | '\u{3000}' | '-' | '‐' | '－');
        if !kana {
            return Err(TextFieldError::NotKana { field, position: idx + 1, found: c });
        }
    }
    Ok(value)
}

/// 5情報: the linkage key between an insurance record and a person. Values are
/// kept as written by their source; compare them through `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiveAttributes {
    /// 漢字氏名
    pub name_kanji: String,
    /// カナ氏名
    pub name_kana: String,
    /// 生年月日
    pub birth_date: Date,
    /// 性別
    pub sex: Sex,
    /// 住所
    pub address: String,
}

/// 本人・家族 (OQS `PersonalFamilyClassification`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    /// 1 本人 (the insured)
    Insured,
    /// 2 家族 (a dependent)
    Dependent,
}

/// Why a value is not a relationship code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("本人・家族 must be 1 (本人) or 2 (家族), got {value:?}")]
pub struct RelationshipError {
    pub value: String,
}

impl Relationship {
    pub fn code(self) -> u8 {
        match self {
            Relationship::Insured => 1,
            Relationship::Dependent => 2,
        }
    }
    pub fn from_code(code: u8) -> Option<Relationship> {
        match code {
            1 => Some(Relationship::Insured),
            2 => Some(Relationship::Dependent),
            _ => None,
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            Relationship::Insured => "本人",
            Relationship::Dependent => "家族",
        }
    }
}

impl FromStr for Relationship {
    type Err = RelationshipError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match crate::id_normalise_digits(input).as_str() {
            "1" | "本人" => Ok(Relationship::Insured),
            "2" | "家族" => Ok(Relationship::Dependent),
            _ => Err(RelationshipError { value: input.to_owned() }),
        }
    }
}

impl fmt::Display for Relationship {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code())
    }
}
