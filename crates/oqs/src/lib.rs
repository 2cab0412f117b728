//! The file exchange of the オンライン資格確認 terminal (資格確認端末), the
//! format layer only: clinic software drops a 資格確認 request XML into a
//! `req` folder and reads the answer from `res`; the reader's card checks
//! arrive in `face`. This crate reads and writes those files exactly as the
//! terminal does (element names, code values, UTF-8 or Shift_JIS), with no
//! store, server or clock: the connector that watches the folder and asks the
//! eligibility service is built on it.
//!
//! - [`parse_request`]: bytes → [`EligibilityRequest`] or a [`RequestFailure`]
//!   naming the element, the value and the rule.
//! - [`EligibilityAnswer`]: what the platform answers, in the terminal's
//!   vocabulary ([`codes`]).
//! - [`EligibilityResponse`]: the answer file ([`EligibilityResponse::to_request`]),
//!   the error file for a refused request ([`EligibilityResponse::refusal`]),
//!   the error file for a request the platform could not answer
//!   ([`EligibilityResponse::failed`], [`ServiceFailure`]) and the card-check
//!   file ([`EligibilityResponse::card_check`]), written with
//!   [`EligibilityResponse::to_xml`]; [`parse_response`] reads one back.
//! - [`files`]: folder layout, `req`→`res` names, atomic writes.
//!
//! Sources and the choices made where they are silent are in each module's
//! documentation; REFERENCE.md §1 is the research behind them.

pub mod answer;
pub mod codes;
pub mod encoding;
pub mod files;
mod kana;
pub mod request;
pub mod response;
mod xml;

pub use answer::{
    Consent, ElderlyRecipient, EligibilityAnswer, LimitCertificate, ProcessingResult, QualificationResult,
    ResultMessage, ServiceFailure, SpecificDisease, ViewingConsent,
};
pub use encoding::DecodeError;
pub use encoding::{Encoded, TextEncoding};
pub use kana::to_halfwidth_kana;
pub use request::{EligibilityRequest, MAX_REQUEST_BYTES, RequestError, RequestFailure, SearchInfo, parse_request};
pub use response::{EligibilityResponse, ResponseError, ResponseHeader, parse_response};
pub use xml::XmlError;
