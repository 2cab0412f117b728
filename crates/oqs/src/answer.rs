//! What the platform answers to a 資格確認, in the vocabulary of the
//! terminal's response (REFERENCE.md §1.3) but independent of XML: the
//! eligibility service fills an [`EligibilityAnswer`], and `response` writes it.

use chrono::NaiveDateTime;
use onshi_domain::Date;
use onshi_domain::id::{Branch, InsuredNumber, InsurerNumber, Symbol};
use onshi_domain::person::{CopayRatio, Relationship, Sex};

use crate::codes::{
    ConsentFlag, InsuredCardClassification, LimitCategory, LimitCertificateClassification, PrescriptionIssueSelect,
    ProcessingResultStatus, QualificationValidity, ReasonOfLoss, SpecificDiseaseCategory, SpecificDiseasesConsentFlag,
};

/// The answer for one 照会: 処理結果 for the person, 資格有効性 and the
/// qualifications found (`ResultList`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityAnswer {
    /// 処理結果状況 with 処理結果コード and メッセージ when there is one.
    pub processing: ProcessingResult,
    /// 資格有効性; `None` only when processing failed.
    pub validity: Option<QualificationValidity>,
    /// 処方箋発行形態, when the patient chose one at the reader.
    pub prescription_issue: Option<PrescriptionIssueSelect>,
    /// 資格確認結果, one per qualification (more than one with 複数該当).
    pub results: Vec<QualificationResult>,
}

impl EligibilityAnswer {
    /// A normal answer with these qualifications.
    pub fn found(validity: QualificationValidity, results: Vec<QualificationResult>) -> EligibilityAnswer {
        EligibilityAnswer {
            processing: ProcessingResult::normal(),
            validity: Some(validity),
            prescription_issue: None,
            results,
        }
    }

    /// 該当資格なし: a normal answer with no qualification.
    pub fn not_found() -> EligibilityAnswer {
        EligibilityAnswer::found(QualificationValidity::NotFound, Vec::new())
    }

    /// 処理結果状況 2 (エラー) with a code and message, and no 資格有効性.
    pub fn error(code: impl Into<String>, message: impl Into<String>) -> EligibilityAnswer {
        EligibilityAnswer {
            processing: ProcessingResult {
                status: ProcessingResultStatus::Error,
                message: Some(ResultMessage { code: code.into(), message: message.into() }),
            },
            validity: None,
            prescription_issue: None,
            results: Vec::new(),
        }
    }
}

/// Why the connector could not get an answer from the platform for a
/// request it read: the failure is written as an error response (処理結果区分
/// 9) with one of these codes, so that the clinic system is never left
/// without an answer.
///
/// Like [`crate::RequestError::code`], the codes are onshi's own (the real
/// 別紙6-1 処理結果コード are not public), prefixed `ONS` and numbered from 101
/// so that they never collide with the request errors: ONS101 the platform
/// cannot be reached, ONS102 it refused the connector's client credentials,
/// ONS103 it failed or answered something unexpected, ONS104 it refused the
/// query itself (the platform's own code is in the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceFailure {
    /// ONS101: 資格確認サービスに接続できません (no connection, timeout).
    Unreachable,
    /// ONS102: the platform refused the connector's client (id, secret or token).
    Unauthorized,
    /// ONS103: the platform failed (5xx) or answered something unexpected.
    Unavailable,
    /// ONS104: the platform refused the query (e.g. a birth date in the future).
    Refused,
}

impl ServiceFailure {
    /// The `ErrorCode` / `ProcessingResultCode` written in the error response.
    pub fn code(self) -> &'static str {
        match self {
            ServiceFailure::Unreachable => "ONS101",
            ServiceFailure::Unauthorized => "ONS102",
            ServiceFailure::Unavailable => "ONS103",
            ServiceFailure::Refused => "ONS104",
        }
    }

    /// The Japanese sentence that opens the error message.
    pub fn label_ja(self) -> &'static str {
        match self {
            ServiceFailure::Unreachable => "資格確認サービスに接続できません",
            ServiceFailure::Unauthorized => "資格確認サービスが接続元の認証を拒否しました",
            ServiceFailure::Unavailable => "資格確認サービスでエラーが発生しました",
            ServiceFailure::Refused => "資格確認サービスが照会を受け付けませんでした",
        }
    }
}

/// 処理結果状況 and, when there is one, 処理結果コード/メッセージ (given on an
/// error, and on a normal end with a remark).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingResult {
    pub status: ProcessingResultStatus,
    pub message: Option<ResultMessage>,
}

impl ProcessingResult {
    pub fn normal() -> ProcessingResult {
        ProcessingResult { status: ProcessingResultStatus::Normal, message: None }
    }
}

/// A code and its message (`ErrorCode`/`ErrorMessage`,
/// `ProcessingResultCode`/`ProcessingResultMessage`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResultMessage {
    pub code: String,
    pub message: String,
}

/// 資格確認結果 (`ResultOfQualificationConfirmation`): one qualification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QualificationResult {
    /// 被保険者証区分.
    pub card_classification: InsuredCardClassification,
    /// 保険者番号 (written 8 digits, 国保 zero-padded).
    pub insurer_number: Option<InsurerNumber>,
    /// 被保険者証記号 (not written when empty).
    pub symbol: Symbol,
    /// 被保険者証番号.
    pub number: Option<InsuredNumber>,
    /// 被保険者証枝番.
    pub branch: Option<Branch>,
    /// 本人・家族の別.
    pub relationship: Option<Relationship>,
    /// 被保険者氏名（世帯主氏名）: the insured's name on a dependent's record.
    pub insured_name: Option<String>,
    /// 氏名.
    pub name: String,
    /// 氏名（その他）: the name in another form (通称 etc.).
    pub name_of_other: Option<String>,
    /// 氏名カナ: written in half-width katakana, as the terminal writes it.
    pub name_kana: Option<String>,
    /// 氏名カナ（その他）: written in half-width katakana.
    pub name_of_other_kana: Option<String>,
    /// 性別1 (1 男, 2 女, 3 未設定; a `Sex::NotApplicable` is written 3).
    pub sex: Sex,
    /// 性別2: the 券面 form under the special handling of 性別表記.
    pub sex2: Option<Sex>,
    /// 生年月日.
    pub birthdate: Date,
    /// 住所 as reported to the insurer.
    pub address: Option<String>,
    /// 郵便番号 (as the insurer holds it, e.g. `123-4567`).
    pub post_number: Option<String>,
    /// 資格取得年月日.
    pub acquired_on: Option<Date>,
    /// 資格喪失年月日.
    pub lost_on: Option<Date>,
    /// 被保険者証交付年月日.
    pub certificate_issued_on: Option<Date>,
    /// 被保険者証有効開始年月日.
    pub card_valid_from: Option<Date>,
    /// 被保険者証有効終了年月日.
    pub card_valid_until: Option<Date>,
    /// 被保険者証一部負担金割合 (written `010`, `020`, `030`).
    pub copay_ratio: Option<CopayRatio>,
    /// 未就学区分 1 (未就学) when true; not written otherwise.
    pub preschool: bool,
    /// 資格喪失事由.
    pub reason_of_loss: Option<ReasonOfLoss>,
    /// 保険者名称.
    pub insurer_name: String,
    /// 高齢受給者証情報.
    pub elderly_recipient: Option<ElderlyRecipient>,
    /// 限度額適用認定証提供同意フラグ and 同意日時.
    pub limit_consent: Option<Consent<ConsentFlag>>,
    /// 限度額適用認定証関連情報.
    pub limit_certificate: Option<LimitCertificate>,
    /// 特定疾病療養受療証提供同意フラグ and 同意日時.
    pub specific_diseases_consent: Option<Consent<SpecificDiseasesConsentFlag>>,
    /// 特定疾病療養受療証情報リスト.
    pub specific_diseases: Vec<SpecificDisease>,
    /// 特定健診情報閲覧同意.
    pub checkups_consent: Option<ViewingConsent>,
    /// 薬剤情報閲覧同意.
    pub drug_consent: Option<ViewingConsent>,
    /// 診療情報閲覧同意.
    pub diagnosis_consent: Option<ViewingConsent>,
    /// 手術情報閲覧同意.
    pub operation_consent: Option<ViewingConsent>,
}

impl QualificationResult {
    /// A result with the required items and nothing else.
    pub fn new(
        card_classification: InsuredCardClassification,
        name: impl Into<String>,
        sex: Sex,
        birthdate: Date,
        insurer_name: impl Into<String>,
    ) -> QualificationResult {
        QualificationResult {
            card_classification,
            insurer_number: None,
            symbol: Symbol::default(),
            number: None,
            branch: None,
            relationship: None,
            insured_name: None,
            name: name.into(),
            name_of_other: None,
            name_kana: None,
            name_of_other_kana: None,
            sex,
            sex2: None,
            birthdate,
            address: None,
            post_number: None,
            acquired_on: None,
            lost_on: None,
            certificate_issued_on: None,
            card_valid_from: None,
            card_valid_until: None,
            copay_ratio: None,
            preschool: false,
            reason_of_loss: None,
            insurer_name: insurer_name.into(),
            elderly_recipient: None,
            limit_consent: None,
            limit_certificate: None,
            specific_diseases_consent: None,
            specific_diseases: Vec::new(),
            checkups_consent: None,
            drug_consent: None,
            diagnosis_consent: None,
            operation_consent: None,
        }
    }
}

/// 高齢受給者証情報 (`ElderlyRecipientCertificateInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElderlyRecipient {
    /// 高齢受給者証交付年月日.
    pub issued_on: Option<Date>,
    /// 高齢受給者証有効開始年月日.
    pub valid_from: Option<Date>,
    /// 高齢受給者証有効終了年月日.
    pub valid_until: Option<Date>,
    /// 高齢受給者証一部負担金割合 (written like 一部負担金割合, `020`).
    pub copay_ratio: Option<CopayRatio>,
}

/// A provision consent: the flag and when it was given
/// (`…ConsFlg`, `…ConsTime` as yyyyMMddHHmmss).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consent<F> {
    pub flag: F,
    pub at: Option<NaiveDateTime>,
}

/// 限度額適用認定証関連情報 (`LimitApplicationCertificateRelatedInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitCertificate {
    /// 限度額適用認定証区分.
    pub classification: LimitCertificateClassification,
    /// 限度額適用認定証適用区分.
    pub category: Option<LimitCategory>,
    /// 交付年月日.
    pub issued_on: Option<Date>,
    /// 有効開始年月日.
    pub valid_from: Option<Date>,
    /// 有効終了年月日.
    pub valid_until: Option<Date>,
    /// 長期入院該当年月日.
    pub long_term_on: Option<Date>,
}

/// 特定疾病療養受療証情報 (`SpecificDiseasesCertificateInfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificDisease {
    /// 認定疾病区分.
    pub category: SpecificDiseaseCategory,
    /// 交付年月日.
    pub issued_on: Option<Date>,
    /// 有効開始年月日.
    pub valid_from: Option<Date>,
    /// 有効終了年月日.
    pub valid_until: Option<Date>,
    /// 自己負担限度額 in yen.
    pub self_pay_limit: Option<u32>,
}

/// A viewing consent given at the reader (特定健診・薬剤・診療・手術情報):
/// `…InfoConsFlg`, `…InfoConsTime` and `…InfoAvailableTime`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewingConsent {
    pub flag: ConsentFlag,
    /// 同意日時.
    pub at: Option<NaiveDateTime>,
    /// 閲覧有効期限.
    pub available_until: Option<NaiveDateTime>,
}
