//! The coded values of the OQS messages, each with the code the terminal
//! writes and its Japanese meaning (the OQSCD numbers are those of 別紙5-1
//! 業務コード仕様 as the public implementations cite them; see REFERENCE.md §1.3).

/// What the reader of a coded element needs of its type.
pub(crate) trait Code: Sized + Copy {
    const LABEL: &'static str;
    fn parse_code(code: &str) -> Option<Self>;
    fn codes() -> String;
}

macro_rules! code_enum {
    (
        $(#[$meta:meta])*
        $name:ident, $label:literal {
            $($(#[$vmeta:meta])* $variant:ident = $code:literal, $ja:literal;)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// The Japanese name of the item.
            pub const LABEL_JA: &'static str = $label;
            /// Every value, in code order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code written in the file.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// The value of a code, if it is one of this item's codes.
            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The Japanese meaning of the value.
            pub fn label_ja(self) -> &'static str {
                match self {
                    $($name::$variant => $ja,)+
                }
            }

            /// The codes, for error messages: `1 (…), 2 (…)`.
            pub(crate) fn codes_ja() -> String {
                let all: &[(&str, &str)] = &[$(($code, $ja)),+];
                all.iter().map(|(code, ja)| format!("{code} ({ja})")).collect::<Vec<_>>().join(", ")
            }
        }

        impl Code for $name {
            const LABEL: &'static str = $label;
            fn parse_code(code: &str) -> Option<Self> {
                $name::from_code(code)
            }
            fn codes() -> String {
                $name::codes_ja()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

code_enum! {
    /// 照会区分 (`ReferenceClassification`): what the query started from.
    ReferenceClassification, "照会区分" {
        /// 1: マイナンバーカード (a card check at the reader).
        Card = "1", "マイナンバーカード";
        /// 2: 被保険者証情報 (a query by 保険者番号・記号・番号).
        InsuredCardInfo = "2", "被保険者証情報";
    }
}

code_enum! {
    /// 処理結果区分 (`SegmentOfResult`, OQSCD003): the outcome of the whole file.
    ///
    /// myclinic-ts (packages/onshi-result/codes.ts) gives 9 for 異常終了, a
    /// watcher script gives 3; onshi follows the code table (9).
    SegmentOfResult, "処理結果区分" {
        /// 1: 正常終了.
        Normal = "1", "正常終了";
        /// 2: 処理中.
        InProgress = "2", "処理中";
        /// 9: 異常終了.
        Abnormal = "9", "異常終了";
    }
}

code_enum! {
    /// 処理結果状況 (`ProcessingResultStatus`, OQSCD004): the outcome for the person.
    ProcessingResultStatus, "処理結果状況" {
        /// 1: 正常終了.
        Normal = "1", "正常終了";
        /// 2: エラー.
        Error = "2", "エラー";
    }
}

code_enum! {
    /// 資格有効性 (`QualificationValidity`, OQSCD006).
    QualificationValidity, "資格有効性" {
        /// 1: 有効.
        Valid = "1", "有効";
        /// 2: 無効.
        Invalid = "2", "無効";
        /// 3: 無効（新しい資格あり）.
        InvalidNewerExists = "3", "無効（新しい資格あり）";
        /// 4: 該当資格なし.
        NotFound = "4", "該当資格なし";
        /// 5: 複数該当 (医療保険 only).
        Multiple = "5", "複数該当";
        /// 6: 有効（未登録） (医療扶助 only).
        ValidUnregistered = "6", "有効（未登録）";
    }
}

code_enum! {
    /// 被保険者証区分 (`InsuredCardClassification`).
    InsuredCardClassification, "被保険者証区分" {
        /// 01: 被保険者証（一般）.
        General = "01", "被保険者証（一般）";
        /// 02: 被保険者証（退職）.
        Retired = "02", "被保険者証（退職）";
        /// 03: 短期被保険者証（一般）.
        ShortTermGeneral = "03", "短期被保険者証（一般）";
        /// 04: 短期被保険者証（退職）.
        ShortTermRetired = "04", "短期被保険者証（退職）";
        /// 05: 被保険者資格証明書.
        QualificationCertificate = "05", "被保険者資格証明書";
        /// 06: 特例退職被保険者証.
        SpecialRetired = "06", "特例退職被保険者証";
        /// 07: 自衛官診療証.
        SelfDefenseForces = "07", "自衛官診療証";
        /// A1: 医療扶助.
        MedicalAid = "A1", "医療扶助";
    }
}

code_enum! {
    /// 同意フラグ of 限度額適用認定証 (`LimitApplicationCertificateRelatedConsFlg`)
    /// and of the viewing consents (特定健診・薬剤・診療・手術情報).
    ConsentFlag, "同意フラグ" {
        /// 0: 未同意.
        NotGiven = "0", "未同意";
        /// 1: 同意.
        Given = "1", "同意";
    }
}

code_enum! {
    /// 特定疾病療養受療証提供同意フラグ (`SpecificDiseasesCertificateRelatedConsFlg`).
    SpecificDiseasesConsentFlag, "特定疾病療養受療証提供同意フラグ" {
        /// 0: 同意なし.
        NotGiven = "0", "同意なし";
        /// 1: 同意あり.
        Given = "1", "同意あり";
        /// 2: 同意有効期限切れ.
        Expired = "2", "同意有効期限切れ";
    }
}

code_enum! {
    /// 処方箋発行形態 (`PrescriptionIssueSelect`): the patient's choice.
    PrescriptionIssueSelect, "処方箋発行形態" {
        /// 1: 電子処方箋.
        Electronic = "1", "電子処方箋";
        /// 2: 紙の処方箋.
        Paper = "2", "紙の処方箋";
    }
}

code_enum! {
    /// 資格喪失事由 (`ReasonOfLoss`).
    ReasonOfLoss, "資格喪失事由" {
        /// 01: 死亡.
        Death = "01", "死亡";
        /// 02: 生活保護受給開始.
        PublicAssistance = "02", "生活保護受給開始";
        /// 03: 医療保険等の資格取得.
        OtherInsurance = "03", "医療保険等の資格取得";
        /// 99: その他.
        Other = "99", "その他";
    }
}

code_enum! {
    /// 限度額適用認定証区分 (`LimitApplicationCertificateClassification`).
    LimitCertificateClassification, "限度額適用認定証区分" {
        /// 01: 限度額適用認定証.
        Limit = "01", "限度額適用認定証";
        /// 02: 限度額適用・標準負担額減額認定証.
        LimitAndMealReduction = "02", "限度額適用・標準負担額減額認定証";
        /// 03: 標準負担額減額認定証.
        MealReduction = "03", "標準負担額減額認定証";
    }
}

code_enum! {
    /// 限度額適用認定証適用区分 (`LimitApplicationCertificateClassificationFlag`, OQSCD012).
    LimitCategory, "限度額適用認定証適用区分" {
        /// A01: ア.
        A01 = "A01", "ア";
        /// A02: イ.
        A02 = "A02", "イ";
        /// A03: ウ.
        A03 = "A03", "ウ";
        /// A04: エ.
        A04 = "A04", "エ";
        /// A05: オ.
        A05 = "A05", "オ";
        /// A06: オ（境）.
        A06 = "A06", "オ（境）";
        /// B01: 現役並みⅢ.
        B01 = "B01", "現役並みⅢ";
        /// B02: 現役並みⅡ.
        B02 = "B02", "現役並みⅡ";
        /// B03: 現役並みⅠ.
        B03 = "B03", "現役並みⅠ";
        /// B04: 一般.
        B04 = "B04", "一般";
        /// B05: 低所得Ⅱ.
        B05 = "B05", "低所得Ⅱ";
        /// B06: 低所得Ⅰ.
        B06 = "B06", "低所得Ⅰ";
        /// B07: 低所得Ⅰ（老福）.
        B07 = "B07", "低所得Ⅰ（老福）";
        /// B08: 低所得Ⅰ（境）.
        B08 = "B08", "低所得Ⅰ（境）";
        /// B09: 一般Ⅱ.
        B09 = "B09", "一般Ⅱ";
        /// B10: 一般Ⅰ.
        B10 = "B10", "一般Ⅰ";
    }
}

code_enum! {
    /// 特定疾病療養受療証認定疾病区分 (`SpecificDiseasesDiseaseCategory`, OQSCD013).
    SpecificDiseaseCategory, "特定疾病療養受療証認定疾病区分" {
        /// 1: 人工透析を必要とする慢性腎不全.
        ChronicRenalFailure = "1", "人工透析を必要とする慢性腎不全";
        /// 2: 先天性血液凝固因子障害.
        Hemophilia = "2", "先天性血液凝固因子障害";
        /// 3: 血液凝固因子製剤の投与に起因するHIV感染症.
        HivFromBloodProducts = "3", "血液凝固因子製剤の投与に起因するHIV感染症";
    }
}

impl From<onshi_domain::eligibility::Validity> for QualificationValidity {
    /// The platform's verdict in the file's vocabulary (same OQSCD006 codes;
    /// 6 有効（未登録） is 医療扶助's and has no domain counterpart).
    fn from(validity: onshi_domain::eligibility::Validity) -> QualificationValidity {
        use onshi_domain::eligibility::Validity;
        match validity {
            Validity::Valid => QualificationValidity::Valid,
            Validity::Invalid => QualificationValidity::Invalid,
            Validity::InvalidNewerExists => QualificationValidity::InvalidNewerExists,
            Validity::NoQualification => QualificationValidity::NotFound,
            Validity::Multiple => QualificationValidity::Multiple,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_verdict_keeps_its_code() {
        use onshi_domain::eligibility::Validity;
        for v in [
            Validity::Valid,
            Validity::Invalid,
            Validity::InvalidNewerExists,
            Validity::NoQualification,
            Validity::Multiple,
        ] {
            assert_eq!(QualificationValidity::from(v).code(), v.code().to_string());
            assert_eq!(QualificationValidity::from(v).label_ja(), v.label_ja());
        }
    }

    #[test]
    fn codes_read_back_and_unknown_codes_do_not() {
        for v in QualificationValidity::ALL {
            assert_eq!(QualificationValidity::from_code(v.code()), Some(*v));
        }
        for c in LimitCategory::ALL {
            assert_eq!(LimitCategory::from_code(c.code()), Some(*c));
        }
        assert_eq!(QualificationValidity::from_code("7"), None);
        assert_eq!(InsuredCardClassification::from_code("1"), None, "2 digits");
    }
}
