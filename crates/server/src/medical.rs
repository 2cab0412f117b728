//! Medical information (薬剤情報, 診療情報, 特定健診等情報) for facilities
//! and crews, and the proof of the access log: the HTTP face of
//! [`onshi_app::medical::Medical`], which decides every read from what is
//! stored (consents, staff, emergency designation, links, the card's
//! certificate), never from what the caller sends. Every read is written to
//! the person's access log before the answer leaves; when the log cannot be
//! written the read is refused (`503 access_log_unavailable`) and nothing is
//! answered.
//!
//! | route | who | answers |
//! | --- | --- | --- |
//! | `POST /facility/medical/{drugs,clinical,checkups}` | a facility's system ([`FacilityUser`]) for one of its qualified staff | the patient's records of that category, under the patient's consent for this facility |
//! | `POST /facility/medical/emergency` | a designated facility's doctor or dentist (救急時医療情報閲覧) | drug, clinical and checkup records without consent, with the stated reason; logged as emergency |
//! | `POST /crew/emergency-set` | a fire department's system ([`CrewUser`], マイナ救急) | the emergency set: name, birth date, address, facilities visited, history, medicines, checkups; nothing else |
//! | `GET /access-log/public-key` | anyone | the Ed25519 key that signs every person's log head |
//! | `GET /admin/access-log/verify` | operators ([`AdminUser`]) | every chain and head checked |
//!
//! `POST /facility/medical/expenses` answers `403 self_only`: 医療費情報 is
//! the person's alone (see `/me`, in `crate::citizen`).
//!
//! Refusals (`{"code", "message"}`): `401 invalid_token`; `403` for
//! `no_consent`, `not_emergency_facility`, `staff_not_qualified`,
//! `unknown_staff`, `linkage_under_inspection`, `member_not_linked`,
//! `certificate_in_grace`, `self_only`; `404 unknown_member`,
//! `unknown_category`; `422 invalid_request` naming the field (unknown
//! fields included: nothing a client adds, such as `consent` or
//! `categories`, is taken into account), or the card's refusal code
//! (`certificate_revoked`, …); `503 access_log_unavailable`,
//! `medical_api_disabled` (the server runs without the JPKI service or the
//! audit key).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use onshi_app::medical::{Category, Medical, Patient, ReadError, Records};
use onshi_domain::audit::Basis;
use onshi_domain::id::Branch;
use onshi_domain::insurance::MemberKey;
use onshi_store::medical::StoredRecord;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{ApiError, ErrorBody};
use crate::extract::{AdminUser, CrewUser};
use crate::facility::FacilityUser;
use crate::state::AppState;

pub(crate) fn facility_router() -> Router<AppState> {
    Router::new().route("/medical/emergency", post(emergency)).route("/medical/{category}", post(facility_read))
}

pub(crate) fn crew_router() -> Router<AppState> {
    Router::new().route("/emergency-set", post(crew_read))
}

pub(crate) fn public_router() -> Router<AppState> {
    Router::new().route("/access-log/public-key", get(public_key))
}

/// The medical service, or `503 medical_api_disabled`.
pub(crate) fn service(state: &AppState) -> Result<Arc<Medical>, ApiError> {
    state.medical.clone().ok_or_else(|| {
        ApiError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "medical_api_disabled",
            "this server runs without medical information: it needs both the JPKI service and the access log's \
             signing key (`onshi serve` loads both)",
        )
    })
}

/// `422 invalid_request`, the message naming the field and the rule.
pub(crate) fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::refused(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
}

/// A JSON body of `what`; an unknown or missing field is named.
pub(crate) fn json_body<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| invalid(format!("the body is not {what}: {e}")))
}

/// The answer to a refused read.
pub(crate) fn read_error(error: ReadError) -> ApiError {
    let error = match error {
        ReadError::Store(source) => return ApiError::store("reading medical information", source),
        other => other,
    };
    let status = match &error {
        ReadError::UnknownStaff(_)
        | ReadError::NotQualified { .. }
        | ReadError::NotLinked
        | ReadError::LinkageUnderInspection
        | ReadError::NoConsent(_)
        | ReadError::CertificateInGrace
        | ReadError::NotEmergencyFacility
        | ReadError::BlockedByPerson
        | ReadError::SelfOnly(_) => StatusCode::FORBIDDEN,
        ReadError::UnknownMember(_) | ReadError::UnknownConsent(_) => StatusCode::NOT_FOUND,
        ReadError::Invalid { .. } | ReadError::Card(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ReadError::LogUnavailable(cause) => {
            // The cause is the server's, for its log; the client is told
            // only that nothing was shown.
            tracing::error!(error = %cause, "the access log cannot be written; the read was refused");
            return ApiError::refused(
                StatusCode::SERVICE_UNAVAILABLE,
                "access_log_unavailable",
                "the access log cannot be written, so nothing is shown (every read is logged first); try again later",
            );
        }
        ReadError::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
    };
    if status == StatusCode::FORBIDDEN {
        // Refusals under the rules are not throttled (see `throttle`); a
        // caller that keeps asking without a basis shows up here (the code
        // only: no patient data goes to the log).
        tracing::info!(code = error.code(), "a read of medical information was refused");
    }
    ApiError::refused(status, error.code(), error.to_string())
}

/// A category named in a path: `drugs`, `clinical`, `checkups`, `expenses`.
pub(crate) fn category(path: &str) -> Result<Category, ApiError> {
    match path {
        "drugs" => Ok(Category::Drug),
        "clinical" => Ok(Category::Clinical),
        "checkups" => Ok(Category::Checkup),
        "expenses" => Ok(Category::Expense),
        other => Err(ApiError::refused(
            StatusCode::NOT_FOUND,
            "unknown_category",
            format!(
                "category {other:?} does not exist: use drugs (薬剤情報), clinical (診療情報), checkups (特定健診等情報) \
                 or expenses (医療費情報, the person only)"
            ),
        )),
    }
}

/// A record as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RecordView {
    /// `drug`, `clinical`, `checkup` or `expense`.
    kind: String,
    /// The insurer's id of the record.
    record_id: String,
    /// The date the record is counted on, `YYYY-MM-DD`.
    date: String,
    /// 保険者番号 of the insurer that sent it.
    insurer_number: String,
    /// The record as the insurer sent it (a JSON object).
    #[schema(value_type = Object)]
    body: serde_json::Value,
}

fn record_body(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|_| serde_json::Value::String(body.to_owned()))
}

impl From<StoredRecord> for RecordView {
    fn from(r: StoredRecord) -> Self {
        RecordView {
            body: record_body(&r.body),
            kind: r.kind,
            record_id: r.record_id,
            date: r.on.to_string(),
            insurer_number: r.insurer_number,
        }
    }
}

/// Records read, with the basis they were read on.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct RecordsBody {
    /// `consent`, `emergency` or `self`.
    basis: &'static str,
    /// In Japanese, e.g. 同意に基づく閲覧.
    basis_label: &'static str,
    /// The consent the read was made under (`consent` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    consent_id: Option<i64>,
    /// The reason stated (`emergency` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    /// Newest first.
    records: Vec<RecordView>,
}

impl From<Records> for RecordsBody {
    fn from(r: Records) -> Self {
        RecordsBody {
            basis: r.basis.code(),
            basis_label: r.basis.label_ja(),
            consent_id: (r.basis == Basis::Consent).then(|| r.basis_ref.parse().ok()).flatten(),
            reason: (r.basis == Basis::Emergency).then_some(r.basis_ref),
            records: r.records.into_iter().map(RecordView::from).collect(),
        }
    }
}

fn member_key(insurer_number: &str, symbol: &str, number: &str, branch: &str) -> Result<MemberKey, ApiError> {
    let field = |name: &str, value: &str, e: &dyn std::fmt::Display| invalid(format!("{name} {value:?}: {e}"));
    Ok(MemberKey {
        insurer_number: insurer_number.parse().map_err(|e| field("insurer_number", insurer_number, &e))?,
        symbol: symbol.parse().map_err(|e| field("symbol", symbol, &e))?,
        number: number.parse().map_err(|e| field("number", number, &e))?,
        branch: branch
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(Branch::new)
            .ok_or_else(|| invalid(format!("branch {branch:?}: 枝番 is two digits, 00 to 99")))?,
    })
}

fn staff_field(staff_id: &str) -> Result<&str, ApiError> {
    let staff_id = staff_id.trim();
    if staff_id.is_empty() || staff_id.chars().count() > 64 {
        return Err(invalid(format!(
            "staff_id {staff_id:?}: name the staff member who views (1 to 64 characters, as registered)"
        )));
    }
    Ok(staff_id)
}

/// A facility's read under consent: the patient as billed, and who looks.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct FacilityReadRequest {
    insurer_number: String,
    symbol: String,
    number: String,
    branch: String,
    /// The staff member (doctor, dentist, pharmacist) who views, as registered for the facility.
    staff_id: String,
}

/// Read one category of a patient's records under the patient's consent
/// for this facility (given at the reader, in force, not revoked).
#[utoipa::path(
    post,
    path = "/facility/medical/{category}",
    tag = "facility",
    security(("facility_token" = [])),
    params(("category" = String, Path, description = "`drugs` (薬剤情報), `clinical` (診療情報) or `checkups` (特定健診等情報); `expenses` is the person's only")),
    request_body = FacilityReadRequest,
    responses(
        (status = 200, description = "The records, `basis: consent`; logged before this answer", body = RecordsBody),
        (status = 401, description = "No valid access token (`invalid_token`)", body = ErrorBody),
        (status = 403, description = "`no_consent`, `staff_not_qualified`, `unknown_staff`, `linkage_under_inspection`, `member_not_linked`, `certificate_in_grace`, `self_only`", body = ErrorBody),
        (status = 404, description = "`unknown_member`, `unknown_category`", body = ErrorBody),
        (status = 422, description = "A field is wrong or unknown (`invalid_request`, naming it)", body = ErrorBody),
        (status = 503, description = "`access_log_unavailable`: nothing shown; `medical_api_disabled`", body = ErrorBody)
    )
)]
pub(crate) async fn facility_read(
    user: FacilityUser,
    State(state): State<AppState>,
    Path(category_path): Path<String>,
    body: Bytes,
) -> Result<Json<RecordsBody>, ApiError> {
    let category = category(&category_path)?;
    let medical = service(&state)?;
    let r: FacilityReadRequest = json_body(&body, "a read of medical information")?;
    let key = member_key(&r.insurer_number, &r.symbol, &r.number, &r.branch)?;
    let staff_id = staff_field(&r.staff_id)?;
    let records = medical
        .facility_read(user.facility.code.as_str(), staff_id, &key, category, state.clock.now())
        .await
        .map_err(read_error)?;
    Ok(Json(records.into()))
}

/// The patient of an emergency view: the member as billed, or the card.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PatientRequest {
    insurer_number: Option<String>,
    symbol: Option<String>,
    number: Option<String>,
    branch: Option<String>,
    /// The card's user-authentication certificate, DER in base64, read
    /// without PIN (the staff confirmed the face against the card).
    certificate: Option<String>,
}

/// An emergency view (救急時医療情報閲覧).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct EmergencyRequest {
    /// The doctor or dentist who views.
    staff_id: String,
    /// Why the patient cannot consent, 2 to 200 characters (e.g. 意識障害のため同意取得不可).
    reason: String,
    /// Either `insurer_number`, `symbol`, `number`, `branch`, or `certificate` alone.
    patient: PatientRequest,
}

fn patient(p: PatientRequest) -> Result<Patient, ApiError> {
    match p {
        PatientRequest { insurer_number: None, symbol: None, number: None, branch: None, certificate: Some(c) } => {
            let der = STANDARD.decode(c.trim()).map_err(|_| invalid("patient.certificate is not base64"))?;
            if der.len() > 16 * 1024 {
                return Err(invalid("patient.certificate is larger than 16 KiB: send the DER certificate only"));
            }
            Ok(Patient::Card(der))
        }
        PatientRequest {
            insurer_number: Some(insurer),
            symbol: Some(symbol),
            number: Some(number),
            branch: Some(branch),
            certificate: None,
        } => Ok(Patient::Member(member_key(&insurer, &symbol, &number, &branch)?)),
        _ => Err(invalid(
            "patient: give either insurer_number, symbol, number and branch (the member as billed), or certificate \
             alone (the card read at the reader)",
        )),
    }
}

/// Open a patient's drug, clinical and checkup records without consent in
/// an emergency (救急時医療情報閲覧): only a facility designated for
/// emergency care, only its doctors and dentists, always with a reason, and
/// logged as `emergency` for the patient to see.
#[utoipa::path(
    post,
    path = "/facility/medical/emergency",
    tag = "facility",
    security(("facility_token" = [])),
    request_body = EmergencyRequest,
    responses(
        (status = 200, description = "The records, `basis: emergency`; logged before this answer", body = RecordsBody),
        (status = 401, description = "No valid access token (`invalid_token`)", body = ErrorBody),
        (status = 403, description = "`not_emergency_facility`, `staff_not_qualified`, `unknown_staff`, `linkage_under_inspection`, `certificate_in_grace`", body = ErrorBody),
        (status = 404, description = "`unknown_member`", body = ErrorBody),
        (status = 422, description = "A field is wrong or unknown (`invalid_request`), or the card refused (`certificate_revoked`, …)", body = ErrorBody),
        (status = 503, description = "`access_log_unavailable`: nothing shown; `medical_api_disabled`", body = ErrorBody)
    )
)]
pub(crate) async fn emergency(
    user: FacilityUser,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<RecordsBody>, ApiError> {
    let medical = service(&state)?;
    let r: EmergencyRequest = json_body(&body, "an emergency view")?;
    let staff_id = staff_field(&r.staff_id)?;
    let patient = patient(r.patient)?;
    let records = medical
        .emergency_read(user.facility.code.as_str(), staff_id, &patient, &r.reason, state.clock.now())
        .await
        .map_err(read_error)?;
    Ok(Json(records.into()))
}

/// A crew's read at the scene (マイナ救急).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct CrewRequest {
    /// The card's user-authentication certificate, DER in base64, read
    /// without PIN: the crew confirmed the face against the card.
    certificate: String,
    /// The crew member who reads the card.
    crew_member: String,
    /// The crew's incident (出動) reference, 1 to 64 characters.
    incident: String,
}

/// A record as a crew sees it: no insurer, no member.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct CrewRecordView {
    kind: String,
    record_id: String,
    date: String,
    #[schema(value_type = Object)]
    body: serde_json::Value,
}

impl From<StoredRecord> for CrewRecordView {
    fn from(r: StoredRecord) -> Self {
        CrewRecordView { body: record_body(&r.body), kind: r.kind, record_id: r.record_id, date: r.on.to_string() }
    }
}

/// A facility visited.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct FacilityRef {
    /// 医療機関コード.
    code: String,
    name: String,
}

/// The emergency set (マイナ救急): who the patient is, where they were
/// treated, their history, medicines and checkups. Nothing else: no
/// insurer, no member, no person reference, never the My Number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct EmergencySetBody {
    /// 氏名.
    name_kanji: String,
    /// フリガナ.
    name_kana: String,
    /// 生年月日, `YYYY-MM-DD`.
    birth_date: String,
    /// 住所.
    address: String,
    /// 受診歴: facilities visited, newest first.
    facilities: Vec<FacilityRef>,
    /// 診療情報 (history).
    clinical: Vec<CrewRecordView>,
    /// 薬剤情報 (medicines).
    drugs: Vec<CrewRecordView>,
    /// 特定健診等情報 (checkups).
    checkups: Vec<CrewRecordView>,
}

/// マイナ救急: a crew reads the patient's card at the scene (no PIN: the
/// crew confirms the face against the card) and sees the emergency set,
/// logged as `crew` with the incident for the patient to see.
#[utoipa::path(
    post,
    path = "/crew/emergency-set",
    tag = "crew",
    security(("crew_token" = [])),
    request_body = CrewRequest,
    responses(
        (status = 200, description = "The emergency set; logged before this answer", body = EmergencySetBody),
        (status = 401, description = "No valid crew token (`invalid_token`)", body = ErrorBody),
        (status = 403, description = "`unknown_crew`, `linkage_under_inspection`, `certificate_in_grace`", body = ErrorBody),
        (status = 422, description = "A field is wrong or unknown (`invalid_request`), or the card refused (`certificate_revoked`, …)", body = ErrorBody),
        (status = 503, description = "`access_log_unavailable`: nothing shown; `medical_api_disabled`", body = ErrorBody)
    )
)]
pub(crate) async fn crew_read(
    user: CrewUser,
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<EmergencySetBody>, ApiError> {
    let medical = service(&state)?;
    let r: CrewRequest = json_body(&body, "a crew's read (certificate, crew_member, incident)")?;
    let der = STANDARD.decode(r.certificate.trim()).map_err(|_| invalid("certificate is not base64"))?;
    if der.len() > 16 * 1024 {
        return Err(invalid("certificate is larger than 16 KiB: send the DER certificate only"));
    }
    let set = medical
        .crew_read(&user.crew_code, &r.crew_member, &der, &r.incident, state.clock.now())
        .await
        .map_err(read_error)?;
    Ok(Json(EmergencySetBody {
        name_kanji: set.name_kanji,
        name_kana: set.name_kana,
        birth_date: set.birth_date.to_string(),
        address: set.address,
        facilities: set.facilities.into_iter().map(|(code, name)| FacilityRef { code, name }).collect(),
        clinical: set.clinical.into_iter().map(Into::into).collect(),
        drugs: set.drugs.into_iter().map(Into::into).collect(),
        checkups: set.checkups.into_iter().map(Into::into).collect(),
    }))
}

/// The key that signs access-log heads.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct PublicKeyBody {
    /// Always `Ed25519`.
    algorithm: &'static str,
    /// The raw 32-byte public key (not PEM, not SPKI), base64.
    public_key: String,
    /// The same, hex.
    public_key_hex: String,
    /// What the key signs: `onshi-access-log-head/1\nperson={person_id}\nseq={seq}\nhash={hash hex}\n`.
    signs: &'static str,
}

/// The platform's Ed25519 public key: with it, a person's entries and signed
/// head (from `GET /me/access-log`) prove that none was removed or altered.
#[utoipa::path(
    get,
    path = "/access-log/public-key",
    tag = "operations",
    responses(
        (status = 200, description = "The key", body = PublicKeyBody),
        (status = 503, description = "`medical_api_disabled`: no audit key on this server", body = ErrorBody)
    )
)]
pub(crate) async fn public_key(State(state): State<AppState>) -> Result<Json<PublicKeyBody>, ApiError> {
    let key = state.audit_key.as_ref().ok_or_else(|| {
        ApiError::refused(
            StatusCode::SERVICE_UNAVAILABLE,
            "medical_api_disabled",
            "this server has no access-log signing key (`onshi serve` loads one)",
        )
    })?;
    let raw = key.public_key();
    Ok(Json(PublicKeyBody {
        algorithm: "Ed25519",
        public_key: STANDARD.encode(&raw),
        public_key_hex: hex(&raw),
        signs: "onshi-access-log-head/1\\nperson={person_id}\\nseq={seq}\\nhash={hash hex}\\n",
    }))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A person whose log fails.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct VerifyFailure {
    person_id: i64,
    /// The first entry found removed or altered, or the head's problem.
    problem: String,
}

/// A whole-log verification.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct VerifyBody {
    /// People whose logs were checked.
    people: u64,
    /// Entries checked.
    entries: u64,
    failures: Vec<VerifyFailure>,
    /// No failure.
    ok: bool,
}

/// Check every person's chain and signed head (the whole access log,
/// walked in pages).
#[utoipa::path(
    get,
    path = "/admin/access-log/verify",
    tag = "admin",
    security(("admin_token" = [])),
    responses(
        (status = 200, description = "The report; `ok: false` names each person whose log fails", body = VerifyBody),
        (status = 401, description = "Missing or wrong token (`unauthorized`)", body = ErrorBody),
        (status = 503, description = "`medical_api_disabled`, `store_unavailable`", body = ErrorBody)
    )
)]
pub(crate) async fn verify(_admin: AdminUser, State(state): State<AppState>) -> Result<Json<VerifyBody>, ApiError> {
    let medical = service(&state)?;
    let report = medical.verify_all(|_| {}).await.map_err(|e| ApiError::store("verifying the access log", e))?;
    Ok(Json(VerifyBody {
        people: report.people,
        entries: report.entries,
        ok: report.failures.is_empty(),
        failures: report
            .failures
            .into_iter()
            .map(|(person, problem)| VerifyFailure { person_id: person.0, problem })
            .collect(),
    }))
}
