//! The response file, written as the terminal writes it (REFERENCE.md §1.3),
//! and read back (for round trips and for clinic-side tools).
//!
//! ```text
//! XmlMsg
//!   MessageHeader
//!     ProcessExecutionTime            処理実行日時 (yyyyMMddHHmmss)
//!     QualificationConfirmationDate   資格確認日 (yyyyMMdd)
//!     MedicalInstitutionCode          医療機関コード
//!     ArbitraryFileIdentifier         任意のファイル識別子 (echo)
//!     ReferenceClassification         照会区分
//!     SegmentOfResult                 処理結果区分
//!     ErrorCode, ErrorMessage         only when SegmentOfResult is not 1
//!     CharacterCodeIdentifier         文字コード識別
//!   MessageBody
//!     QualificationConfirmSearchInfo  照会条件 (echo, 照会区分 2 only)
//!     PrescriptionIssueSelect         処方箋発行形態
//!     ProcessingResultStatus          処理結果状況
//!     ProcessingResultCode, ProcessingResultMessage
//!     QualificationValidity           資格有効性
//!     ResultList/ResultOfQualificationConfirmation*
//! ```
//!
//! Choices where the public sources are silent:
//!
//! - Elements without a value are left out, except the echoed
//!   `InsuredBranchNumber`, written empty as the request template has it.
//! - The echoed 照会条件 is the normalised one: 保険者番号 as 8 digits (国保
//!   zero-padded, the form `InsurerNumber::padded8` gives), 記号・番号 after
//!   width folding, 枝番 2 digits, dates yyyyMMdd.
//! - A refused request file is answered with 処理結果区分 9 (異常終了) and
//!   `ErrorCode`/`ErrorMessage` in the header, and the same code and message
//!   as 処理結果状況 2 in the body, so a clinic system that reads either finds
//!   them; there is no `QualificationConfirmSearchInfo` and no 資格有効性.
//! - 氏名カナ is written in half-width katakana.
//! - Declaration `<?xml version="1.0" encoding="UTF-8|Shift_JIS" standalone="no"?>`,
//!   tab indentation, CRLF line ends.
//! - In Shift_JIS, a character it cannot hold is written 〓 and reported in
//!   [`Encoded::replaced`].

use chrono::{NaiveDate, NaiveDateTime};
use onshi_domain::Date;
use onshi_domain::id::{Branch, InsuredNumber, InsurerNumber, Symbol};
use onshi_domain::person::{CopayRatio, Relationship, Sex};

use crate::answer::{
    Consent, ElderlyRecipient, EligibilityAnswer, LimitCertificate, ProcessingResult, QualificationResult,
    ResultMessage, ServiceFailure, SpecificDisease, ViewingConsent,
};
use crate::codes::{
    Code, ConsentFlag, InsuredCardClassification, ProcessingResultStatus, QualificationValidity,
    ReferenceClassification, SegmentOfResult,
};
use crate::encoding::{self, Encoded, TextEncoding};
use crate::kana::to_halfwidth_kana;
use crate::request::{self, EligibilityRequest, RequestError, RequestFailure, SearchInfo, one, text};
use crate::xml::{self, Element};

/// Errors reading a response file: the same kinds as a request's.
pub type ResponseError = RequestError;

/// The largest response file read back.
pub const MAX_RESPONSE_BYTES: usize = 1024 * 1024;

/// `MessageHeader` of a response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHeader {
    /// 処理実行日時.
    pub processed_at: NaiveDateTime,
    /// 資格確認日.
    pub confirmation_date: Option<Date>,
    /// 医療機関コード.
    pub medical_institution_code: Option<String>,
    /// 任意のファイル識別子 (echo of the request's).
    pub arbitrary_file_identifier: Option<String>,
    /// 照会区分.
    pub reference: ReferenceClassification,
    /// 処理結果区分.
    pub segment: SegmentOfResult,
    /// エラーコード / エラーメッセージ (when the segment is not 正常終了).
    pub error: Option<ResultMessage>,
    /// 文字コード識別: also the encoding the file is written in.
    pub encoding: TextEncoding,
}

/// A whole response file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityResponse {
    pub header: ResponseHeader,
    /// The echoed 照会条件 (照会区分 2 only).
    pub search: Option<SearchInfo>,
    pub answer: EligibilityAnswer,
}

impl EligibilityResponse {
    /// The answer to a request file, in the request's encoding. 資格確認日 is
    /// the request's, or the day of `processed_at` when it gave none.
    pub fn to_request(
        request: &EligibilityRequest,
        answer: EligibilityAnswer,
        processed_at: NaiveDateTime,
    ) -> EligibilityResponse {
        EligibilityResponse {
            header: ResponseHeader {
                processed_at,
                confirmation_date: Some(request.confirmation_date.unwrap_or(processed_at.date())),
                medical_institution_code: request.medical_institution_code.clone(),
                arbitrary_file_identifier: request.arbitrary_file_identifier.clone(),
                reference: ReferenceClassification::InsuredCardInfo,
                segment: SegmentOfResult::Normal,
                error: None,
                encoding: request.encoding,
            },
            search: Some(request.search.clone()),
            answer,
        }
    }

    /// The error response to a refused request file (処理結果区分 9).
    pub fn refusal(failure: &RequestFailure, processed_at: NaiveDateTime) -> EligibilityResponse {
        let code = failure.error.code();
        // One line: a syntax error may quote the file's line breaks.
        let message: String = failure.error.to_string().chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        EligibilityResponse {
            header: ResponseHeader {
                processed_at,
                confirmation_date: Some(failure.confirmation_date.unwrap_or(processed_at.date())),
                medical_institution_code: failure.medical_institution_code.clone(),
                arbitrary_file_identifier: failure.arbitrary_file_identifier.clone(),
                reference: ReferenceClassification::InsuredCardInfo,
                segment: SegmentOfResult::Abnormal,
                error: Some(ResultMessage { code: code.to_owned(), message: message.clone() }),
                encoding: failure.encoding,
            },
            search: None,
            answer: EligibilityAnswer::error(code, message),
        }
    }

    /// This response turned into an error response for a failure after the
    /// request was read (the platform unreachable, refusing, failing):
    /// 処理結果区分 9 with `ErrorCode`/`ErrorMessage`, and the same code and
    /// message as 処理結果状況 2 in the body, as [`EligibilityResponse::refusal`]
    /// writes them; the echoed 照会条件 stays, so the clinic system can tell
    /// which query failed.
    pub fn failed(mut self, failure: ServiceFailure, detail: &str) -> EligibilityResponse {
        let message = format!("{}: {detail}", failure.label_ja());
        let message: String = message.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
        self.header.segment = SegmentOfResult::Abnormal;
        self.header.error = Some(ResultMessage { code: failure.code().to_owned(), message: message.clone() });
        self.answer = EligibilityAnswer::error(failure.code(), message);
        self
    }

    /// The card-check result (照会区分 1, マイナンバーカード) the terminal
    /// writes when a patient's card is read at the reader; see
    /// [`crate::files::face_file_name`] for where it goes.
    pub fn card_check(
        answer: EligibilityAnswer,
        medical_institution_code: Option<String>,
        processed_at: NaiveDateTime,
        encoding: TextEncoding,
    ) -> EligibilityResponse {
        EligibilityResponse {
            header: ResponseHeader {
                processed_at,
                confirmation_date: Some(processed_at.date()),
                medical_institution_code,
                arbitrary_file_identifier: None,
                reference: ReferenceClassification::Card,
                segment: SegmentOfResult::Normal,
                error: None,
                encoding,
            },
            search: None,
            answer,
        }
    }

    /// The file's bytes, in `header.encoding`.
    pub fn to_xml(&self) -> Encoded {
        let mut replaced = Vec::new();
        let text = xml::write(&self.tree(), self.header.encoding.xml_label(), &mut replaced);
        let mut encoded = self.header.encoding.encode(&text);
        replaced.append(&mut encoded.replaced);
        encoded.replaced = replaced;
        encoded
    }

    fn tree(&self) -> Element {
        let h = &self.header;
        let mut header = Element::new("MessageHeader");
        header
            .leaf("ProcessExecutionTime", time(h.processed_at))
            .opt_leaf("QualificationConfirmationDate", h.confirmation_date.map(date))
            .opt_leaf("MedicalInstitutionCode", h.medical_institution_code.clone())
            .opt_leaf("ArbitraryFileIdentifier", h.arbitrary_file_identifier.clone())
            .leaf("ReferenceClassification", h.reference.code())
            .leaf("SegmentOfResult", h.segment.code());
        if let Some(error) = &h.error {
            header.leaf("ErrorCode", error.code.clone()).leaf("ErrorMessage", error.message.clone());
        }
        header.leaf("CharacterCodeIdentifier", h.encoding.code());

        let mut body = Element::new("MessageBody");
        if let Some(search) = &self.search {
            body.push(search_tree(search));
        }
        let a = &self.answer;
        body.opt_leaf("PrescriptionIssueSelect", a.prescription_issue.map(|p| p.code()))
            .leaf("ProcessingResultStatus", a.processing.status.code());
        if let Some(message) = &a.processing.message {
            body.leaf("ProcessingResultCode", message.code.clone())
                .leaf("ProcessingResultMessage", message.message.clone());
        }
        body.opt_leaf("QualificationValidity", a.validity.map(|v| v.code()));
        if !a.results.is_empty() {
            let mut list = Element::new("ResultList");
            for result in &a.results {
                list.push(result_tree(result));
            }
            body.push(list);
        }

        let mut root = Element::new("XmlMsg");
        root.push(header).push(body);
        root
    }
}

fn date(d: Date) -> String {
    d.format("%Y%m%d").to_string()
}

fn time(t: NaiveDateTime) -> String {
    t.format("%Y%m%d%H%M%S").to_string()
}

fn search_tree(s: &SearchInfo) -> Element {
    let mut e = Element::new("QualificationConfirmSearchInfo");
    e.leaf("InsurerNumber", s.insurer_number.padded8())
        .leaf("InsuredCardSymbol", s.symbol.as_str())
        .leaf("InsuredIdentificationNumber", s.number.as_str())
        .leaf("InsuredBranchNumber", s.branch.map(|b| b.to_string()).unwrap_or_default())
        .leaf("Birthdate", date(s.birthdate))
        .opt_leaf("LimitApplicationCertificateRelatedConsFlg", s.limit_consent.map(|f| f.code()))
        .opt_leaf("ArbitraryIdentifier", s.arbitrary_identifier.clone());
    e
}

fn sex_code(sex: Sex) -> &'static str {
    match sex {
        Sex::Male => "1",
        Sex::Female => "2",
        Sex::Unset | Sex::NotApplicable => "3",
    }
}

fn result_tree(r: &QualificationResult) -> Element {
    let mut e = Element::new("ResultOfQualificationConfirmation");
    e.leaf("InsuredCardClassification", r.card_classification.code())
        .opt_leaf("InsurerNumber", r.insurer_number.as_ref().map(InsurerNumber::padded8))
        .opt_leaf("InsuredCardSymbol", (!r.symbol.is_empty()).then(|| r.symbol.to_string()))
        .opt_leaf("InsuredIdentificationNumber", r.number.as_ref().map(ToString::to_string))
        .opt_leaf("InsuredBranchNumber", r.branch.map(|b| b.to_string()))
        .opt_leaf("PersonalFamilyClassification", r.relationship.map(|x| x.code().to_string()))
        .opt_leaf("InsuredName", r.insured_name.clone())
        .leaf("Name", r.name.clone())
        .opt_leaf("NameOfOther", r.name_of_other.clone())
        .opt_leaf("NameKana", r.name_kana.as_deref().map(to_halfwidth_kana))
        .opt_leaf("NameOfOtherKana", r.name_of_other_kana.as_deref().map(to_halfwidth_kana))
        .leaf("Sex1", sex_code(r.sex))
        .opt_leaf("Sex2", r.sex2.map(sex_code))
        .leaf("Birthdate", date(r.birthdate))
        .opt_leaf("Address", r.address.clone())
        .opt_leaf("PostNumber", r.post_number.clone())
        .opt_leaf("QualificationDate", r.acquired_on.map(date))
        .opt_leaf("DisqualificationDate", r.lost_on.map(date))
        .opt_leaf("InsuredCertificateIssuanceDate", r.certificate_issued_on.map(date))
        .opt_leaf("InsuredCardValidDate", r.card_valid_from.map(date))
        .opt_leaf("InsuredCardExpirationDate", r.card_valid_until.map(date))
        .opt_leaf("InsuredPartialContributionRatio", r.copay_ratio.map(CopayRatio::oqs_code))
        .opt_leaf("PreschoolClassification", r.preschool.then_some("1"))
        .opt_leaf("ReasonOfLoss", r.reason_of_loss.map(|x| x.code()))
        .leaf("InsurerName", r.insurer_name.clone());
    if let Some(elderly) = &r.elderly_recipient {
        let mut info = Element::new("ElderlyRecipientCertificateInfo");
        info.opt_leaf("ElderlyRecipientCertificateDate", elderly.issued_on.map(date))
            .opt_leaf("ElderlyRecipientValidStartDate", elderly.valid_from.map(date))
            .opt_leaf("ElderlyRecipientValidEndDate", elderly.valid_until.map(date))
            .opt_leaf("ElderlyRecipientContributionRatio", elderly.copay_ratio.map(CopayRatio::oqs_code));
        e.push(info);
    }
    if let Some(consent) = &r.limit_consent {
        e.leaf("LimitApplicationCertificateRelatedConsFlg", consent.flag.code())
            .opt_leaf("LimitApplicationCertificateRelatedConsTime", consent.at.map(time));
    }
    if let Some(limit) = &r.limit_certificate {
        let mut info = Element::new("LimitApplicationCertificateRelatedInfo");
        info.leaf("LimitApplicationCertificateClassification", limit.classification.code())
            .opt_leaf("LimitApplicationCertificateClassificationFlag", limit.category.map(|c| c.code()))
            .opt_leaf("LimitApplicationCertificateDate", limit.issued_on.map(date))
            .opt_leaf("LimitApplicationCertificateValidStartDate", limit.valid_from.map(date))
            .opt_leaf("LimitApplicationCertificateValidEndDate", limit.valid_until.map(date))
            .opt_leaf("LimitApplicationCertificateLongTermDate", limit.long_term_on.map(date));
        e.push(info);
    }
    if let Some(consent) = &r.specific_diseases_consent {
        e.leaf("SpecificDiseasesCertificateRelatedConsFlg", consent.flag.code())
            .opt_leaf("SpecificDiseasesCertificateRelatedConsTime", consent.at.map(time));
    }
    if !r.specific_diseases.is_empty() {
        let mut list = Element::new("SpecificDiseasesCertificateList");
        for disease in &r.specific_diseases {
            let mut info = Element::new("SpecificDiseasesCertificateInfo");
            info.leaf("SpecificDiseasesDiseaseCategory", disease.category.code())
                .opt_leaf("SpecificDiseasesCertificateDate", disease.issued_on.map(date))
                .opt_leaf("SpecificDiseasesValidStartDate", disease.valid_from.map(date))
                .opt_leaf("SpecificDiseasesValidEndDate", disease.valid_until.map(date))
                .opt_leaf("SpecificDiseasesSelfPay", disease.self_pay_limit.map(|y| y.to_string()));
            list.push(info);
        }
        e.push(list);
    }
    for (prefix, consent) in viewing_consents(r) {
        if let Some(consent) = consent {
            e.leaf(&format!("{prefix}ConsFlg"), consent.flag.code())
                .opt_leaf(&format!("{prefix}ConsTime"), consent.at.map(time))
                .opt_leaf(&format!("{prefix}AvailableTime"), consent.available_until.map(time));
        }
    }
    e
}

/// The four viewing consents and the prefix of their elements (REFERENCE.md
/// §1.3 names; OQSDrug2 writes `PharmaceuticalInfo…` and `…AcquisitionTime`
/// instead, a conflict only the official spec settles).
const VIEWING: [&str; 4] = ["SpecificHealthCheckupsInfo", "PharmacistsInfo", "DiagnosisInfo", "OperationInfo"];

fn viewing_consents(r: &QualificationResult) -> [(&'static str, &Option<ViewingConsent>); 4] {
    [
        (VIEWING[0], &r.checkups_consent),
        (VIEWING[1], &r.drug_consent),
        (VIEWING[2], &r.diagnosis_consent),
        (VIEWING[3], &r.operation_consent),
    ]
}

/// Read a response file (as written by [`EligibilityResponse::to_xml`], or by
/// a terminal). Values are trimmed of surrounding whitespace, as a request's
/// are. Never panics, whatever the bytes.
pub fn parse_response(bytes: &[u8]) -> Result<EligibilityResponse, ResponseError> {
    if bytes.len() > MAX_RESPONSE_BYTES {
        return Err(RequestError::TooLarge { len: bytes.len(), max: MAX_RESPONSE_BYTES });
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(RequestError::Empty);
    }
    let decoded = encoding::decode(bytes)?;
    let root = xml::parse(&decoded.text)?;
    if root.name != "XmlMsg" {
        return Err(RequestError::WrongRoot { found: root.name });
    }
    let header = one(&root, "MessageHeader", "XmlMsg/MessageHeader", "メッセージヘッダ")?
        .ok_or(RequestError::Missing { element: "XmlMsg/MessageHeader", label: "メッセージヘッダ" })?;
    let body = one(&root, "MessageBody", "XmlMsg/MessageBody", "メッセージボディ")?
        .ok_or(RequestError::Missing { element: "XmlMsg/MessageBody", label: "メッセージボディ" })?;

    let processed_at = req_time(header, "ProcessExecutionTime", "処理実行日時")?;
    let encoding = match text(header, "CharacterCodeIdentifier", "CharacterCodeIdentifier", "文字コード識別")? {
        None => decoded.encoding,
        Some(value) => TextEncoding::from_code(&value).ok_or_else(|| RequestError::Invalid {
            element: "CharacterCodeIdentifier",
            label: "文字コード識別",
            value,
            rule: "must be 0 (UTF-8) or 1 (Shift_JIS)".into(),
        })?,
    };
    let error = match (
        text(header, "ErrorCode", "ErrorCode", "エラーコード")?,
        text(header, "ErrorMessage", "ErrorMessage", "エラーメッセージ")?,
    ) {
        (None, None) => None,
        (code, message) => Some(ResultMessage { code: code.unwrap_or_default(), message: message.unwrap_or_default() }),
    };
    let header = ResponseHeader {
        processed_at,
        confirmation_date: opt_date(header, "QualificationConfirmationDate", "資格確認日")?,
        medical_institution_code: text(header, "MedicalInstitutionCode", "MedicalInstitutionCode", "医療機関コード")?,
        arbitrary_file_identifier: text(
            header,
            "ArbitraryFileIdentifier",
            "ArbitraryFileIdentifier",
            "任意のファイル識別子",
        )?,
        reference: req_code(header, "ReferenceClassification")?,
        segment: req_code(header, "SegmentOfResult")?,
        error,
        encoding,
    };

    let search = one(body, "QualificationConfirmSearchInfo", "QualificationConfirmSearchInfo", "照会条件")?
        .map(request::parse_search)
        .transpose()?;
    let processing_message = match (
        text(body, "ProcessingResultCode", "ProcessingResultCode", "処理結果コード")?,
        text(body, "ProcessingResultMessage", "ProcessingResultMessage", "処理結果メッセージ")?,
    ) {
        (None, None) => None,
        (code, message) => Some(ResultMessage { code: code.unwrap_or_default(), message: message.unwrap_or_default() }),
    };
    let status: ProcessingResultStatus = req_code(body, "ProcessingResultStatus")?;
    let validity: Option<QualificationValidity> = opt_code(body, "QualificationValidity")?;
    let mut results = Vec::new();
    if let Some(list) = one(body, "ResultList", "ResultList", "資格確認結果リスト")? {
        for item in list.all("ResultOfQualificationConfirmation") {
            results.push(parse_result(item)?);
        }
    }
    Ok(EligibilityResponse {
        header,
        search,
        answer: EligibilityAnswer {
            processing: ProcessingResult { status, message: processing_message },
            validity,
            prescription_issue: opt_code(body, "PrescriptionIssueSelect")?,
            results,
        },
    })
}

fn invalid(element: &'static str, label: &'static str, value: String, rule: String) -> RequestError {
    RequestError::Invalid { element, label, value, rule }
}

fn opt_code<T: Code>(parent: &Element, name: &'static str) -> Result<Option<T>, RequestError> {
    let Some(value) = text(parent, name, name, T::LABEL)? else { return Ok(None) };
    T::parse_code(&value)
        .map(Some)
        .ok_or_else(|| invalid(name, T::LABEL, value, format!("must be one of {}", T::codes())))
}

fn req_code<T: Code>(parent: &Element, name: &'static str) -> Result<T, RequestError> {
    opt_code(parent, name)?.ok_or(RequestError::Missing { element: name, label: T::LABEL })
}

fn opt_date(parent: &Element, name: &'static str, label: &'static str) -> Result<Option<Date>, RequestError> {
    let Some(value) = text(parent, name, name, label)? else { return Ok(None) };
    NaiveDate::parse_from_str(&value, "%Y%m%d")
        .map(Some)
        .map_err(|e| invalid(name, label, value, format!("must be a date yyyyMMdd: {e}")))
}

fn opt_time(parent: &Element, name: &'static str, label: &'static str) -> Result<Option<NaiveDateTime>, RequestError> {
    let Some(value) = text(parent, name, name, label)? else { return Ok(None) };
    NaiveDateTime::parse_from_str(&value, "%Y%m%d%H%M%S")
        .map(Some)
        .map_err(|e| invalid(name, label, value, format!("must be a time yyyyMMddHHmmss: {e}")))
}

fn req_time(parent: &Element, name: &'static str, label: &'static str) -> Result<NaiveDateTime, RequestError> {
    opt_time(parent, name, label)?.ok_or(RequestError::Missing { element: name, label })
}

fn opt_parsed<T: std::str::FromStr>(
    parent: &Element,
    name: &'static str,
    label: &'static str,
) -> Result<Option<T>, RequestError>
where
    T::Err: std::fmt::Display,
{
    let Some(value) = text(parent, name, name, label)? else { return Ok(None) };
    value.parse().map(Some).map_err(|e: T::Err| {
        let rule = e.to_string();
        invalid(name, label, value, rule)
    })
}

fn parse_sex(parent: &Element, name: &'static str) -> Result<Option<Sex>, RequestError> {
    let Some(value) = text(parent, name, name, "性別")? else { return Ok(None) };
    match value.as_str() {
        "1" => Ok(Some(Sex::Male)),
        "2" => Ok(Some(Sex::Female)),
        "3" => Ok(Some(Sex::Unset)),
        _ => Err(invalid(name, "性別", value, "must be 1 (男), 2 (女) or 3 (未設定)".into())),
    }
}

fn parse_result(e: &Element) -> Result<QualificationResult, RequestError> {
    let card_classification: InsuredCardClassification = req_code(e, "InsuredCardClassification")?;
    let name = text(e, "Name", "Name", "氏名")?.ok_or(RequestError::Missing { element: "Name", label: "氏名" })?;
    let sex = parse_sex(e, "Sex1")?.ok_or(RequestError::Missing { element: "Sex1", label: "性別1" })?;
    let birthdate = opt_date(e, "Birthdate", "生年月日")?
        .ok_or(RequestError::Missing { element: "Birthdate", label: "生年月日" })?;
    let insurer_name = text(e, "InsurerName", "InsurerName", "保険者名称")?.unwrap_or_default();
    let mut r = QualificationResult::new(card_classification, name, sex, birthdate, insurer_name);
    r.insurer_number = opt_parsed::<InsurerNumber>(e, "InsurerNumber", "保険者番号")?;
    r.symbol = opt_parsed::<Symbol>(e, "InsuredCardSymbol", "被保険者証記号")?.unwrap_or_default();
    r.number = opt_parsed::<InsuredNumber>(e, "InsuredIdentificationNumber", "被保険者証番号")?;
    r.branch = opt_parsed::<Branch>(e, "InsuredBranchNumber", "被保険者証枝番")?;
    r.relationship = opt_parsed::<Relationship>(e, "PersonalFamilyClassification", "本人・家族の別")?;
    r.insured_name = text(e, "InsuredName", "InsuredName", "被保険者氏名")?;
    r.name_of_other = text(e, "NameOfOther", "NameOfOther", "氏名（その他）")?;
    r.name_kana = text(e, "NameKana", "NameKana", "氏名カナ")?;
    r.name_of_other_kana = text(e, "NameOfOtherKana", "NameOfOtherKana", "氏名カナ（その他）")?;
    r.sex2 = parse_sex(e, "Sex2")?;
    r.address = text(e, "Address", "Address", "住所")?;
    r.post_number = text(e, "PostNumber", "PostNumber", "郵便番号")?;
    r.acquired_on = opt_date(e, "QualificationDate", "資格取得年月日")?;
    r.lost_on = opt_date(e, "DisqualificationDate", "資格喪失年月日")?;
    r.certificate_issued_on = opt_date(e, "InsuredCertificateIssuanceDate", "被保険者証交付年月日")?;
    r.card_valid_from = opt_date(e, "InsuredCardValidDate", "被保険者証有効開始年月日")?;
    r.card_valid_until = opt_date(e, "InsuredCardExpirationDate", "被保険者証有効終了年月日")?;
    r.copay_ratio = opt_parsed::<CopayRatio>(e, "InsuredPartialContributionRatio", "一部負担金割合")?;
    r.preschool = match text(e, "PreschoolClassification", "PreschoolClassification", "未就学区分")?.as_deref() {
        None => false,
        Some("1") => true,
        Some(other) => {
            return Err(invalid(
                "PreschoolClassification",
                "未就学区分",
                other.to_owned(),
                "must be 1 (未就学)".into(),
            ));
        }
    };
    r.reason_of_loss = opt_code(e, "ReasonOfLoss")?;
    if let Some(info) =
        one(e, "ElderlyRecipientCertificateInfo", "ElderlyRecipientCertificateInfo", "高齢受給者証情報")?
    {
        r.elderly_recipient = Some(ElderlyRecipient {
            issued_on: opt_date(info, "ElderlyRecipientCertificateDate", "高齢受給者証交付年月日")?,
            valid_from: opt_date(info, "ElderlyRecipientValidStartDate", "高齢受給者証有効開始年月日")?,
            valid_until: opt_date(info, "ElderlyRecipientValidEndDate", "高齢受給者証有効終了年月日")?,
            copay_ratio: opt_parsed(info, "ElderlyRecipientContributionRatio", "高齢受給者証一部負担金割合")?,
        });
    }
    if let Some(flag) = opt_code::<ConsentFlag>(e, "LimitApplicationCertificateRelatedConsFlg")? {
        r.limit_consent = Some(Consent {
            flag,
            at: opt_time(e, "LimitApplicationCertificateRelatedConsTime", "限度額適用認定証提供同意日時")?,
        });
    }
    if let Some(info) = one(
        e,
        "LimitApplicationCertificateRelatedInfo",
        "LimitApplicationCertificateRelatedInfo",
        "限度額適用認定証関連情報",
    )? {
        r.limit_certificate = Some(LimitCertificate {
            classification: req_code(info, "LimitApplicationCertificateClassification")?,
            category: opt_code(info, "LimitApplicationCertificateClassificationFlag")?,
            issued_on: opt_date(info, "LimitApplicationCertificateDate", "限度額適用認定証交付年月日")?,
            valid_from: opt_date(info, "LimitApplicationCertificateValidStartDate", "限度額適用認定証有効開始年月日")?,
            valid_until: opt_date(info, "LimitApplicationCertificateValidEndDate", "限度額適用認定証有効終了年月日")?,
            long_term_on: opt_date(info, "LimitApplicationCertificateLongTermDate", "長期入院該当年月日")?,
        });
    }
    if let Some(flag) = opt_code(e, "SpecificDiseasesCertificateRelatedConsFlg")? {
        r.specific_diseases_consent = Some(Consent {
            flag,
            at: opt_time(e, "SpecificDiseasesCertificateRelatedConsTime", "特定疾病療養受療証提供同意日時")?,
        });
    }
    if let Some(list) =
        one(e, "SpecificDiseasesCertificateList", "SpecificDiseasesCertificateList", "特定疾病療養受療証情報リスト")?
    {
        for info in list.all("SpecificDiseasesCertificateInfo") {
            r.specific_diseases.push(SpecificDisease {
                category: req_code(info, "SpecificDiseasesDiseaseCategory")?,
                issued_on: opt_date(info, "SpecificDiseasesCertificateDate", "特定疾病療養受療証交付年月日")?,
                valid_from: opt_date(info, "SpecificDiseasesValidStartDate", "特定疾病療養受療証有効開始年月日")?,
                valid_until: opt_date(info, "SpecificDiseasesValidEndDate", "特定疾病療養受療証有効終了年月日")?,
                self_pay_limit: opt_parsed(info, "SpecificDiseasesSelfPay", "自己負担限度額")?,
            });
        }
    }
    let consents = [
        (
            "SpecificHealthCheckupsInfoConsFlg",
            "SpecificHealthCheckupsInfoConsTime",
            "SpecificHealthCheckupsInfoAvailableTime",
        ),
        ("PharmacistsInfoConsFlg", "PharmacistsInfoConsTime", "PharmacistsInfoAvailableTime"),
        ("DiagnosisInfoConsFlg", "DiagnosisInfoConsTime", "DiagnosisInfoAvailableTime"),
        ("OperationInfoConsFlg", "OperationInfoConsTime", "OperationInfoAvailableTime"),
    ];
    let mut read = Vec::with_capacity(4);
    for (flag, at, until) in consents {
        read.push(match opt_code::<ConsentFlag>(e, flag)? {
            None => None,
            Some(flag) => Some(ViewingConsent {
                flag,
                at: opt_time(e, at, "閲覧同意日時")?,
                available_until: opt_time(e, until, "閲覧有効期限")?,
            }),
        });
    }
    let mut read = read.into_iter();
    r.checkups_consent = read.next().flatten();
    r.drug_consent = read.next().flatten();
    r.diagnosis_consent = read.next().flatten();
    r.operation_consent = read.next().flatten();
    Ok(r)
}
