//! The items (記載事項) both notices print: the issuing insurer, the person the
//! notice is about, and the addressee block of the mailing.

use std::fmt;
use std::str::FromStr;

use onshi_domain::Date;
use onshi_domain::insurance::{Member, MemberKey};
use onshi_domain::person::{CopayRatio, MAX_ADDRESS_CHARS, MAX_NAME_CHARS, Relationship, Sex, check_kana, check_text};

use crate::NoticeError;

/// The issuing insurer (保険者) as printed: its name, and where members reach it.
/// The 保険者番号 is the one in the holder's `MemberKey`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Insurer {
    /// 保険者名称, e.g. 全国健康保険協会 東京支部.
    pub name: String,
    /// 保険者所在地, printed under the name and in the table when given.
    pub address: Option<String>,
    /// 電話番号: digits, hyphens and parentheses, e.g. 03-1234-5678.
    pub phone: Option<String>,
}

/// The person a notice is about (被保険者・被扶養者), as the insurer holds them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// 保険者番号・記号・番号・枝番.
    pub key: MemberKey,
    /// 本人・家族.
    pub relationship: Relationship,
    /// 氏名.
    pub name: String,
    /// フリガナ (カナ氏名).
    pub name_kana: String,
    /// 生年月日, printed in 和暦 and 西暦.
    pub birth_date: Date,
    /// 性別.
    pub sex: Sex,
    /// 住所, printed when given (国民健康保険 forms carry it; 被用者保険 forms
    /// usually do not).
    pub address: Option<String>,
    /// 資格取得年月日.
    pub acquired_on: Date,
    /// 一部負担金の割合.
    pub copay_ratio: CopayRatio,
}

/// The addressee block of the mailing (宛名): placed where a window envelope
/// (長形3号, A4 folded in three) shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    /// 郵便番号; the line is left empty when the insurer's record has none
    /// (the clerk writes it by hand).
    pub postal_code: Option<PostalCode>,
    /// 住所, as it should appear on the envelope.
    pub address: String,
    /// 氏名; printed followed by 様.
    pub name: String,
}

/// 郵便番号: 7 digits, printed as 〒123-4567.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PostalCode([u8; 7]);

/// 限度額適用区分: the high-cost medical expense limit category printed on a
/// 資格確認書 when the member asked for it (限度額適用区分の併記).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LimitCategory {
    /// 70歳未満 区分ア (標準報酬月額 83万円以上).
    A,
    /// 70歳未満 区分イ.
    I,
    /// 70歳未満 区分ウ.
    U,
    /// 70歳未満 区分エ.
    E,
    /// 70歳未満 区分オ (住民税非課税).
    O,
    /// 70歳以上 現役並みⅢ.
    ActiveIncome3,
    /// 70歳以上 現役並みⅡ.
    ActiveIncome2,
    /// 70歳以上 現役並みⅠ.
    ActiveIncome1,
    /// 70歳以上 一般.
    General,
    /// 70歳以上 低所得Ⅱ.
    LowIncome2,
    /// 70歳以上 低所得Ⅰ.
    LowIncome1,
}

impl LimitCategory {
    pub const ALL: [LimitCategory; 11] = [
        LimitCategory::A,
        LimitCategory::I,
        LimitCategory::U,
        LimitCategory::E,
        LimitCategory::O,
        LimitCategory::ActiveIncome3,
        LimitCategory::ActiveIncome2,
        LimitCategory::ActiveIncome1,
        LimitCategory::General,
        LimitCategory::LowIncome2,
        LimitCategory::LowIncome1,
    ];

    /// As printed: 区分ア … 区分オ, 現役並みⅢ … 低所得Ⅰ.
    pub fn label_ja(self) -> &'static str {
        match self {
            LimitCategory::A => "区分ア",
            LimitCategory::I => "区分イ",
            LimitCategory::U => "区分ウ",
            LimitCategory::E => "区分エ",
            LimitCategory::O => "区分オ",
            LimitCategory::ActiveIncome3 => "現役並みⅢ",
            LimitCategory::ActiveIncome2 => "現役並みⅡ",
            LimitCategory::ActiveIncome1 => "現役並みⅠ",
            LimitCategory::General => "一般",
            LimitCategory::LowIncome2 => "低所得Ⅱ",
            LimitCategory::LowIncome1 => "低所得Ⅰ",
        }
    }
}

impl Holder {
    /// The holder as the insurer's member record has them (住所 included).
    pub fn from_member(member: &Member) -> Holder {
        Holder {
            key: member.key.clone(),
            relationship: member.relationship,
            name: member.attributes.name_kanji.clone(),
            name_kana: member.attributes.name_kana.clone(),
            birth_date: member.attributes.birth_date,
            sex: member.attributes.sex,
            address: Some(member.attributes.address.clone()),
            acquired_on: member.acquired_on,
            copay_ratio: member.copay_ratio,
        }
    }

    pub(crate) fn check(&self) -> Result<(), NoticeError> {
        check_text("氏名", &self.name, MAX_NAME_CHARS)?;
        check_kana("フリガナ", &self.name_kana)?;
        if let Some(address) = &self.address {
            check_text("住所", address, MAX_ADDRESS_CHARS)?;
        }
        crate::wareki_of("生年月日", self.birth_date)?;
        crate::wareki_of("資格取得年月日", self.acquired_on)?;
        if self.acquired_on < self.birth_date {
            return Err(NoticeError::DateOrder {
                earlier_field: "生年月日",
                earlier: self.birth_date,
                later_field: "資格取得年月日",
                later: self.acquired_on,
                rule: "eligibility cannot start before birth",
            });
        }
        Ok(())
    }
}

impl Insurer {
    pub(crate) fn check(&self) -> Result<(), NoticeError> {
        check_text("保険者名称", &self.name, MAX_NAME_CHARS)?;
        if let Some(address) = &self.address {
            check_text("保険者所在地", address, MAX_ADDRESS_CHARS)?;
        }
        if let Some(phone) = &self.phone {
            check_phone(phone)?;
        }
        Ok(())
    }
}

/// Longest 電話番号 accepted, with its separators.
const MAX_PHONE_CHARS: usize = 20;

fn check_phone(phone: &str) -> Result<(), NoticeError> {
    let invalid = |rule| NoticeError::Field { field: "電話番号", value: phone.to_owned(), rule };
    let n_digits = phone.chars().filter(char::is_ascii_digit).count();
    if phone.chars().count() > MAX_PHONE_CHARS {
        return Err(invalid("it must be at most 20 characters"));
    }
    if !phone.chars().all(|c| c.is_ascii_digit() || matches!(c, '-' | '(' | ')')) {
        return Err(invalid("it may hold ASCII digits, '-', '(' and ')' only"));
    }
    if !(10..=11).contains(&n_digits) {
        return Err(invalid("a Japanese telephone number has 10 or 11 digits"));
    }
    Ok(())
}

impl Addressee {
    pub(crate) fn check(&self) -> Result<(), NoticeError> {
        check_text("宛先住所", &self.address, MAX_ADDRESS_CHARS)?;
        check_text("宛先氏名", &self.name, MAX_NAME_CHARS)?;
        Ok(())
    }
}

/// Why a value is not a 郵便番号.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("郵便番号 must be 7 digits, written 1234567, 123-4567 or 〒123-4567, got {value:?}")]
pub struct PostalCodeError {
    pub value: String,
}

impl PostalCode {
    /// The digits as a string: `1234567`.
    pub fn digits(&self) -> String {
        self.0.iter().map(|digit| char::from(b'0' + digit)).collect()
    }
}

impl FromStr for PostalCode {
    type Err = PostalCodeError;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let error = || PostalCodeError { value: input.to_owned() };
        let mut digits = [0u8; 7];
        let mut n_digits = 0;
        let body = input.trim().trim_start_matches('〒').trim_start();
        for (idx, c) in body.chars().enumerate() {
            let digit = match c {
                '0'..='9' => c as u32 - '0' as u32,
                '０'..='９' => c as u32 - '０' as u32,
                // The hyphen is allowed only after the third digit.
                '-' | '－' | '‐' | 'ー' if idx == 3 && n_digits == 3 => continue,
                _ => return Err(error()),
            };
            let slot = digits.get_mut(n_digits).ok_or_else(error)?;
            *slot = u8::try_from(digit).expect("a decimal digit fits in u8");
            n_digits += 1;
        }
        if n_digits != 7 {
            return Err(error());
        }
        Ok(PostalCode(digits))
    }
}

/// `〒123-4567`.
impl fmt::Display for PostalCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.digits();
        write!(f, "〒{}-{}", &digits[..3], &digits[3..])
    }
}
