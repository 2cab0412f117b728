//! The 資格確認 request file (照会区分 2, 被保険者証情報): parsed from bytes,
//! normalised the way real clinic software varies it, and checked with the
//! domain's identifier types.
//!
//! The template (REFERENCE.md §1.2, sanox.org road12):
//!
//! ```text
//! XmlMsg
//!   MessageHeader
//!     QualificationConfirmationDate     資格確認日 (yyyyMMdd)
//!     MedicalInstitutionCode            医療機関コード (10 digits)
//!     ArbitraryFileIdentifier           任意のファイル識別子
//!   MessageBody
//!     QualificationConfirmSearchInfo
//!       InsurerNumber                   保険者番号
//!       InsuredCardSymbol               被保険者証記号
//!       InsuredIdentificationNumber     被保険者証番号
//!       InsuredBranchNumber             被保険者証枝番 (may be empty)
//!       Birthdate                       生年月日 (yyyyMMdd)
//!       LimitApplicationCertificateRelatedConsFlg   限度額適用認定証提供同意フラグ (0/1)
//! ```
//!
//! What is accepted beyond the letter of the template, because clinic software
//! writes it: an insurer number padded to 8 with a leading space or zeros (a
//! 6-digit 国保 number comes back as 6 digits), full-width digits and letters,
//! surrounding spaces (ASCII or ideographic) and line breaks in any element,
//! CRLF or LF, an empty or missing 枝番 or 記号, a missing consent flag, dates in
//! any form `onshi_domain::date::parse_date` reads (yyyyMMdd, ISO, 和暦),
//! unknown elements (ignored), and the optional `ReferenceClassification`
//! (照会区分, must be 2) and `ArbitraryIdentifier` that responses echo.
//!
//! The connector decides whether `MedicalInstitutionCode` must equal its own
//! facility's; here it must be 10 digits, and [`EligibilityRequest::facility_code`]
//! checks it as a `FacilityCode`. (The template's own example, 6540212424, is
//! a placeholder: there is no 都道府県番号 65.)

use onshi_domain::Date;
use onshi_domain::id::{Branch, FacilityCode, FacilityCodeError, InsuredNumber, InsurerNumber, Symbol};

use crate::codes::{ConsentFlag, ReferenceClassification};
use crate::encoding::{self, DecodeError, TextEncoding};
use crate::xml::{self, Element, XmlError};

/// The largest request file read. The template is under 1 KiB; anything near
/// this limit is not a 資格確認 request.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// The element paths of the request, for error messages.
pub mod path {
    pub const ROOT: &str = "XmlMsg";
    pub const HEADER: &str = "XmlMsg/MessageHeader";
    pub const BODY: &str = "XmlMsg/MessageBody";
    pub const CONFIRMATION_DATE: &str = "MessageHeader/QualificationConfirmationDate";
    pub const MEDICAL_INSTITUTION_CODE: &str = "MessageHeader/MedicalInstitutionCode";
    pub const ARBITRARY_FILE_IDENTIFIER: &str = "MessageHeader/ArbitraryFileIdentifier";
    pub const REFERENCE_CLASSIFICATION: &str = "MessageHeader/ReferenceClassification";
    pub const SEARCH: &str = "MessageBody/QualificationConfirmSearchInfo";
    pub const INSURER_NUMBER: &str = "QualificationConfirmSearchInfo/InsurerNumber";
    pub const SYMBOL: &str = "QualificationConfirmSearchInfo/InsuredCardSymbol";
    pub const NUMBER: &str = "QualificationConfirmSearchInfo/InsuredIdentificationNumber";
    pub const BRANCH: &str = "QualificationConfirmSearchInfo/InsuredBranchNumber";
    pub const BIRTHDATE: &str = "QualificationConfirmSearchInfo/Birthdate";
    pub const LIMIT_CONSENT: &str = "QualificationConfirmSearchInfo/LimitApplicationCertificateRelatedConsFlg";
    pub const ARBITRARY_IDENTIFIER: &str = "QualificationConfirmSearchInfo/ArbitraryIdentifier";
}

/// A parsed, checked 資格確認 request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibilityRequest {
    /// The encoding the file was written in; the answer is written in it.
    pub encoding: TextEncoding,
    /// 照会区分: always 2 (被保険者証情報) for a request file.
    pub reference: ReferenceClassification,
    /// 資格確認日 (`QualificationConfirmationDate`): the day eligibility is asked
    /// for; `None` when the element is missing or empty (the caller uses today).
    pub confirmation_date: Option<Date>,
    /// 医療機関コード (`MedicalInstitutionCode`): 10 ASCII digits, if given.
    pub medical_institution_code: Option<String>,
    /// 任意のファイル識別子 (`ArbitraryFileIdentifier`), echoed in the answer.
    pub arbitrary_file_identifier: Option<String>,
    /// The 照会条件.
    pub search: SearchInfo,
}

/// 照会条件 (`QualificationConfirmSearchInfo`), checked and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchInfo {
    /// 保険者番号 (8 digits, or 6 for 国保).
    pub insurer_number: InsurerNumber,
    /// 記号 (may be empty).
    pub symbol: Symbol,
    /// 番号.
    pub number: InsuredNumber,
    /// 枝番; `None` when empty or missing.
    pub branch: Option<Branch>,
    /// 生年月日.
    pub birthdate: Date,
    /// 限度額適用認定証提供同意フラグ; `None` when missing or empty.
    pub limit_consent: Option<ConsentFlag>,
    /// 任意の識別子 (`ArbitraryIdentifier`), echoed.
    pub arbitrary_identifier: Option<String>,
}

impl EligibilityRequest {
    /// 医療機関コード checked as a `FacilityCode` (prefecture, 点数表 and check
    /// digit), for a connector that wants more than the 10-digit shape.
    pub fn facility_code(&self) -> Option<Result<FacilityCode, FacilityCodeError>> {
        self.medical_institution_code.as_deref().map(str::parse)
    }
}

/// Why a request file is refused. Each variant has an `ErrorCode` for the
/// error response ([`RequestError::code`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request file is empty")]
    Empty,
    #[error("the request file is {len} bytes; a 資格確認 request is at most {max} bytes")]
    TooLarge { len: usize, max: usize },
    #[error(transparent)]
    Encoding(#[from] DecodeError),
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error("the root element is <{found}>; a 資格確認 request is <XmlMsg>")]
    WrongRoot { found: String },
    #[error("{element} requests are not answered here; only 資格確認 (MessageBody/QualificationConfirmSearchInfo) is")]
    Unsupported { element: String },
    #[error("{element} ({label}) is required but missing or empty")]
    Missing { element: &'static str, label: &'static str },
    #[error("{element} ({label}) appears {count} times; it must appear once")]
    Duplicate { element: &'static str, label: &'static str, count: usize },
    #[error("{element} ({label}) {value:?}: {rule}")]
    Invalid { element: &'static str, label: &'static str, value: String, rule: String },
}

impl RequestError {
    /// The `ErrorCode` / `ProcessingResultCode` written in the error response.
    ///
    /// The real codes (別紙6-1 処理結果コード) are not public, so these are
    /// onshi's own, prefixed `ONS` so that no clinic system mistakes them for
    /// the ministry's: ONS001 empty, ONS002 too large, ONS003 encoding,
    /// ONS004 not well-formed XML, ONS005 wrong root, ONS006 unsupported
    /// request, ONS007 missing element, ONS008 duplicated element, ONS009
    /// invalid value.
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::Empty => "ONS001",
            RequestError::TooLarge { .. } => "ONS002",
            RequestError::Encoding(_) => "ONS003",
            RequestError::Xml(_) => "ONS004",
            RequestError::WrongRoot { .. } => "ONS005",
            RequestError::Unsupported { .. } => "ONS006",
            RequestError::Missing { .. } => "ONS007",
            RequestError::Duplicate { .. } => "ONS008",
            RequestError::Invalid { .. } => "ONS009",
        }
    }
}

/// A refused request, with what the error response can still echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFailure {
    pub error: RequestError,
    /// The encoding to answer in: the one the file decoded as, else the
    /// declared one, else UTF-8 if the bytes are UTF-8, else Shift_JIS.
    pub encoding: TextEncoding,
    /// 資格確認日, if it was read before the error.
    pub confirmation_date: Option<Date>,
    /// 医療機関コード, if it was read before the error.
    pub medical_institution_code: Option<String>,
    /// 任意のファイル識別子, if it was read before the error.
    pub arbitrary_file_identifier: Option<String>,
}

impl std::fmt::Display for RequestFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error.code(), self.error)
    }
}

impl std::error::Error for RequestFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// Parse a request file. Never panics, whatever the bytes.
pub fn parse_request(bytes: &[u8]) -> Result<EligibilityRequest, Box<RequestFailure>> {
    let mut failure = RequestFailure {
        error: RequestError::Empty,
        encoding: encoding::answer_encoding_guess(bytes.get(..1024).unwrap_or(bytes)),
        confirmation_date: None,
        medical_institution_code: None,
        arbitrary_file_identifier: None,
    };
    let fail = |mut failure: RequestFailure, error: RequestError| {
        failure.error = error;
        Box::new(failure)
    };
    if bytes.len() > MAX_REQUEST_BYTES {
        return Err(fail(failure, RequestError::TooLarge { len: bytes.len(), max: MAX_REQUEST_BYTES }));
    }
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(fail(failure, RequestError::Empty));
    }
    let decoded = encoding::decode(bytes).map_err(|e| fail(failure.clone(), e.into()))?;
    failure.encoding = decoded.encoding;
    let root = xml::parse(&decoded.text).map_err(|e| fail(failure.clone(), e.into()))?;
    if root.name != path::ROOT {
        return Err(fail(failure, RequestError::WrongRoot { found: root.name }));
    }
    let header = one(&root, "MessageHeader", path::HEADER, "メッセージヘッダ").map_err(|e| fail(failure.clone(), e))?;
    // Echo what can be echoed before anything else can fail.
    if let Some(header) = header {
        if let Ok(Some(code)) = medical_institution_code(header) {
            failure.medical_institution_code = Some(code);
        }
        if let Ok(Some(id)) =
            text(header, "ArbitraryFileIdentifier", path::ARBITRARY_FILE_IDENTIFIER, "任意のファイル識別子")
        {
            failure.arbitrary_file_identifier = Some(id);
        }
        if let Ok(date) = confirmation_date(header) {
            failure.confirmation_date = date;
        }
    }
    let parsed = parse_tree(&root, header, decoded.encoding);
    parsed.map_err(|e| fail(failure, e))
}

fn parse_tree(
    root: &Element,
    header: Option<&Element>,
    encoding: TextEncoding,
) -> Result<EligibilityRequest, RequestError> {
    let header = header.ok_or(RequestError::Missing { element: path::HEADER, label: "メッセージヘッダ" })?;
    let reference = match text(header, "ReferenceClassification", path::REFERENCE_CLASSIFICATION, "照会区分")? {
        None => ReferenceClassification::InsuredCardInfo,
        Some(value) => {
            match ReferenceClassification::from_code(&fold_digits(&value)) {
                Some(ReferenceClassification::InsuredCardInfo) => ReferenceClassification::InsuredCardInfo,
                _ => {
                    return Err(RequestError::Invalid {
                    element: path::REFERENCE_CLASSIFICATION,
                    label: "照会区分",
                    value,
                    rule: "a request file queries by 被保険者証情報 and must say 2; card checks (1) start at the reader".into(),
                });
                }
            }
        }
    };
    let confirmation_date = confirmation_date(header)?;
    let medical_institution_code = medical_institution_code(header)?;
    let arbitrary_file_identifier =
        text(header, "ArbitraryFileIdentifier", path::ARBITRARY_FILE_IDENTIFIER, "任意のファイル識別子")?;

    let body = one(root, "MessageBody", path::BODY, "メッセージボディ")?
        .ok_or(RequestError::Missing { element: path::BODY, label: "メッセージボディ" })?;
    let search = match one(body, "QualificationConfirmSearchInfo", path::SEARCH, "照会条件")? {
        Some(search) => search,
        None => {
            let other = body.children.first().map(|c| format!("MessageBody/{}", c.name));
            return Err(match other {
                Some(element) => RequestError::Unsupported { element },
                None => RequestError::Missing { element: path::SEARCH, label: "照会条件" },
            });
        }
    };
    Ok(EligibilityRequest {
        encoding,
        reference,
        confirmation_date,
        medical_institution_code,
        arbitrary_file_identifier,
        search: parse_search(search)?,
    })
}

/// Read a `QualificationConfirmSearchInfo` element (also used for the echo
/// in a response).
pub(crate) fn parse_search(search: &Element) -> Result<SearchInfo, RequestError> {
    let insurer_number = required(search, "InsurerNumber", path::INSURER_NUMBER, "保険者番号")?;
    let insurer_number = insurer_number.parse::<InsurerNumber>().map_err(|e| RequestError::Invalid {
        element: path::INSURER_NUMBER,
        label: "保険者番号",
        value: insurer_number.clone(),
        rule: e.to_string(),
    })?;
    let symbol = text(search, "InsuredCardSymbol", path::SYMBOL, "被保険者証記号")?.unwrap_or_default();
    let symbol = symbol.parse::<Symbol>().map_err(|e| RequestError::Invalid {
        element: path::SYMBOL,
        label: "被保険者証記号",
        value: symbol.clone(),
        rule: e.to_string(),
    })?;
    let number = required(search, "InsuredIdentificationNumber", path::NUMBER, "被保険者証番号")?;
    let number = number.parse::<InsuredNumber>().map_err(|e| RequestError::Invalid {
        element: path::NUMBER,
        label: "被保険者証番号",
        value: number.clone(),
        rule: e.to_string(),
    })?;
    let branch = match text(search, "InsuredBranchNumber", path::BRANCH, "被保険者証枝番")? {
        None => None,
        Some(value) => Some(value.parse::<Branch>().map_err(|e| RequestError::Invalid {
            element: path::BRANCH,
            label: "被保険者証枝番",
            value: value.clone(),
            rule: e.to_string(),
        })?),
    };
    let birthdate = required(search, "Birthdate", path::BIRTHDATE, "生年月日")?;
    let birthdate = parse_date(&birthdate, path::BIRTHDATE, "生年月日")?;
    let limit_consent = match text(
        search,
        "LimitApplicationCertificateRelatedConsFlg",
        path::LIMIT_CONSENT,
        "限度額適用認定証提供同意フラグ",
    )? {
        None => None,
        Some(value) => Some(ConsentFlag::from_code(&fold_digits(&value)).ok_or_else(|| RequestError::Invalid {
            element: path::LIMIT_CONSENT,
            label: "限度額適用認定証提供同意フラグ",
            value,
            rule: format!("must be {}", ConsentFlag::codes_ja()),
        })?),
    };
    let arbitrary_identifier = text(search, "ArbitraryIdentifier", path::ARBITRARY_IDENTIFIER, "任意の識別子")?;
    Ok(SearchInfo { insurer_number, symbol, number, branch, birthdate, limit_consent, arbitrary_identifier })
}

fn confirmation_date(header: &Element) -> Result<Option<Date>, RequestError> {
    text(header, "QualificationConfirmationDate", path::CONFIRMATION_DATE, "資格確認日")?
        .map(|value| parse_date(&value, path::CONFIRMATION_DATE, "資格確認日"))
        .transpose()
}

fn medical_institution_code(header: &Element) -> Result<Option<String>, RequestError> {
    let Some(value) = text(header, "MedicalInstitutionCode", path::MEDICAL_INSTITUTION_CODE, "医療機関コード")?
    else {
        return Ok(None);
    };
    let code = fold_digits(&value);
    if code.len() == 10 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(Some(code))
    } else {
        Err(RequestError::Invalid {
            element: path::MEDICAL_INSTITUTION_CODE,
            label: "医療機関コード",
            value,
            rule: "must be 10 digits (都道府県番号 2 + 点数表番号 1 + 医療機関等コード 7)".into(),
        })
    }
}

/// Parse a date element: yyyyMMdd as the format writes it, or any form
/// `onshi_domain::date::parse_date` reads.
pub(crate) fn parse_date(value: &str, element: &'static str, label: &'static str) -> Result<Date, RequestError> {
    onshi_domain::date::parse_date(value).map_err(|e| RequestError::Invalid {
        element,
        label,
        value: value.to_owned(),
        rule: format!("must be a date written yyyyMMdd: {e}"),
    })
}

/// Full-width digits to ASCII, surrounding spaces (ASCII and ideographic) off.
pub(crate) fn fold_digits(value: &str) -> String {
    value
        .trim_matches(|c: char| c.is_whitespace())
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_digit(c as u32 - '０' as u32, 10).unwrap_or(c),
            other => other,
        })
        .collect()
}

/// The single child `name` of `parent`, if any; more than one is an error.
pub(crate) fn one<'a>(
    parent: &'a Element,
    name: &'static str,
    element: &'static str,
    label: &'static str,
) -> Result<Option<&'a Element>, RequestError> {
    let mut found = parent.all(name);
    let first = found.next();
    let more = found.count();
    if more > 0 {
        return Err(RequestError::Duplicate { element, label, count: more + 1 });
    }
    Ok(first)
}

/// The trimmed text of the single child `name`; `None` when missing or blank.
pub(crate) fn text(
    parent: &Element,
    name: &'static str,
    element: &'static str,
    label: &'static str,
) -> Result<Option<String>, RequestError> {
    Ok(one(parent, name, element, label)?
        .map(|e| e.text.trim_matches(|c: char| c.is_whitespace()).to_owned())
        .filter(|t| !t.is_empty()))
}

pub(crate) fn required(
    parent: &Element,
    name: &'static str,
    element: &'static str,
    label: &'static str,
) -> Result<String, RequestError> {
    text(parent, name, element, label)?.ok_or(RequestError::Missing { element, label })
}
