//! The insurer's one-by-one flows under `/insurer` (資格取得・変更・喪失),
//! with the same operator token as the other insurer routes:
//!
//! - `POST /insurer/members`: 資格取得 (201); the answer says how the person
//!   was looked up (`my_number`, `five_attributes`, `ambiguous`, `not_found`);
//! - `PATCH /insurer/members/{insurer_number}/{symbol}/{number}/{branch}`: 変更
//!   of the fields given (`null` for `limit` or `elderly` withdraws the certificate);
//! - `POST …/loss`: 資格喪失 with its date and reason;
//! - `GET …/events`: the member's history;
//! - `GET /insurer/reports/late-registrations?insurer=…&from=…&to=…`: members
//!   registered more than 5 days (in Japan) after the employer's notice.
//!
//! Refusals: `invalid_field` (422, `field` names it), `member_exists` (409),
//! `member_not_found` (404), `invalid_request` (400: a body that is not JSON
//! of the expected shape). The My Number is accepted, never answered.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, SecondsFormat, Utc};
use onshi_app::members::{ChangeForm, ElderlyForm, FieldError, LimitForm, MemberForm, Members, MembersError};
use onshi_domain::insurance::{ElderlyRecipient, LimitCertificate};
use onshi_store::StoredMember;
use onshi_store::members::{LateRegistration, MemberEvent};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};
use crate::extract::AdminUser;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/members", post(acquire))
        .route("/members/{insurer_number}/{symbol}/{number}/{branch}", axum::routing::patch(change))
        .route("/members/{insurer_number}/{symbol}/{number}/{branch}/loss", post(lose))
        .route("/members/{insurer_number}/{symbol}/{number}/{branch}/events", get(events))
        .route("/reports/late-registrations", get(late))
}

impl From<FieldError> for ApiError {
    fn from(e: FieldError) -> ApiError {
        ApiError::Invalid { field: e.field, value: e.value, rule: e.rule }
    }
}

fn members_error(context: &'static str, error: MembersError) -> ApiError {
    match error {
        MembersError::Invalid(e) => e.into(),
        MembersError::Duplicate(what) => ApiError::refused(StatusCode::CONFLICT, "member_exists", what),
        MembersError::NotFound(what) => ApiError::refused(StatusCode::NOT_FOUND, "member_not_found", what),
        MembersError::Store(e) => ApiError::store(context, e),
    }
}

fn body<T: serde::de::DeserializeOwned>(bytes: &[u8], what: &str) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| {
        ApiError::refused(StatusCode::BAD_REQUEST, "invalid_request", format!("the body is not {what}: {e}"))
    })
}

/// A string, or a number written as one (`"sex": 1` and `"sex": "1"` alike).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        S(String),
        N(serde_json::Number),
    }
    Ok(match Text::deserialize(d)? {
        Text::S(s) => s,
        Text::N(n) => n.to_string(),
    })
}

fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    struct Wrap(#[serde(deserialize_with = "text")] String);
    Ok(Option::<Wrap>::deserialize(d)?.map(|w| w.0))
}

/// Absent → `None`, `null` → `Some(None)`.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

/// 限度額適用認定証.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub(crate) struct LimitBody {
    /// 証区分: 01 限度額適用認定証, 02 限度額適用・標準負担額減額認定証, 03 標準負担額減額認定証.
    #[serde(deserialize_with = "text")]
    kind: String,
    /// 適用区分 (OQSCD012): A01–A06 (under 70), B01–B10 (70 and over).
    category: String,
    /// 交付年月日
    issued_on: String,
    /// 有効開始年月日
    valid_from: String,
    /// 有効終了年月日
    valid_until: String,
}

impl LimitBody {
    fn form(&self) -> LimitForm {
        LimitForm {
            kind: self.kind.clone(),
            category: self.category.clone(),
            issued_on: self.issued_on.clone(),
            valid_from: self.valid_from.clone(),
            valid_until: self.valid_until.clone(),
        }
    }
}

/// 高齢受給者証 (ages 70 to 74).
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub(crate) struct ElderlyBody {
    issued_on: String,
    valid_from: String,
    valid_until: String,
    /// 一部負担金の割合: 1, 2 or 3.
    #[serde(deserialize_with = "text")]
    #[schema(value_type = String)]
    copay_ratio: String,
}

impl ElderlyBody {
    fn form(&self) -> ElderlyForm {
        ElderlyForm {
            issued_on: self.issued_on.clone(),
            valid_from: self.valid_from.clone(),
            valid_until: self.valid_until.clone(),
            copay_ratio: self.copay_ratio.clone(),
        }
    }
}

/// A 資格取得. Dates in ISO, `YYYYMMDD` or 和暦; field rules as in the members CSV.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct AcquireRequest {
    insurer_number: String,
    symbol: String,
    #[serde(deserialize_with = "text")]
    #[schema(value_type = String)]
    number: String,
    /// 枝番, e.g. `00`.
    #[serde(deserialize_with = "text")]
    #[schema(value_type = String)]
    branch: String,
    name_kanji: String,
    name_kana: String,
    birth_date: String,
    /// 1 男, 2 女.
    #[serde(deserialize_with = "text")]
    #[schema(value_type = String)]
    sex: String,
    address: String,
    /// 個人番号 from the 資格取得届; without it the registry is searched on all 5 attributes.
    #[serde(default, deserialize_with = "opt_text")]
    #[schema(value_type = Option<String>)]
    my_number: Option<String>,
    /// 1 本人, 2 家族.
    #[serde(deserialize_with = "text")]
    #[schema(value_type = String)]
    relationship: String,
    /// 1, 2 or 3 (割).
    #[serde(deserialize_with = "text")]
    #[schema(value_type = String)]
    copay_ratio: String,
    /// 資格取得日
    acquired_on: String,
    /// 事業主等からの届出日
    notified_on: Option<String>,
    limit: Option<LimitBody>,
    elderly: Option<ElderlyBody>,
    /// Who registers (staff identifier); `insurer` when absent.
    by: Option<String>,
}

/// A 変更: only the fields given change; `null` for `limit` or `elderly` withdraws it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub(crate) struct ChangeRequest {
    name_kanji: Option<String>,
    name_kana: Option<String>,
    birth_date: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    #[schema(value_type = Option<String>)]
    sex: Option<String>,
    address: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    #[schema(value_type = Option<String>)]
    my_number: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    #[schema(value_type = Option<String>)]
    relationship: Option<String>,
    #[serde(default, deserialize_with = "opt_text")]
    #[schema(value_type = Option<String>)]
    copay_ratio: Option<String>,
    acquired_on: Option<String>,
    notified_on: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<LimitBody>)]
    limit: Option<Option<LimitBody>>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<ElderlyBody>)]
    elderly: Option<Option<ElderlyBody>>,
    by: Option<String>,
}

/// A 資格喪失.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub(crate) struct LossRequest {
    /// 資格喪失日: the first day without eligibility.
    lost_on: String,
    /// 資格喪失事由: 01 死亡, 02 生活保護受給開始, 03 医療保険等の資格取得, 99 その他.
    #[serde(deserialize_with = "text")]
    #[schema(value_type = String)]
    loss_reason: String,
    by: Option<String>,
}

/// A code with its Japanese name.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct CodeView {
    code: &'static str,
    name: &'static str,
}

impl CodeView {
    pub(crate) fn loss_reason(reason: onshi_domain::insurance::LossReason) -> CodeView {
        CodeView { code: reason.code(), name: reason.label_ja() }
    }
}

/// 限度額適用認定証 as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct LimitView {
    kind: CodeView,
    category: CodeView,
    issued_on: String,
    valid_from: String,
    valid_until: String,
}

impl From<LimitCertificate> for LimitView {
    fn from(c: LimitCertificate) -> Self {
        LimitView {
            kind: CodeView { code: c.kind.code(), name: c.kind.label_ja() },
            category: CodeView { code: c.category.code(), name: c.category.label_ja() },
            issued_on: c.issued_on.to_string(),
            valid_from: c.valid_from.to_string(),
            valid_until: c.valid_until.to_string(),
        }
    }
}

/// 高齢受給者証 as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct ElderlyView {
    issued_on: String,
    valid_from: String,
    valid_until: String,
    copay_ratio: u8,
}

impl From<ElderlyRecipient> for ElderlyView {
    fn from(c: ElderlyRecipient) -> Self {
        ElderlyView {
            issued_on: c.issued_on.to_string(),
            valid_from: c.valid_from.to_string(),
            valid_until: c.valid_until.to_string(),
            copay_ratio: c.copay_ratio.tenths(),
        }
    }
}

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A member record as the insurer holds it (never its My Number).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct MemberView {
    insurer_number: String,
    symbol: String,
    number: String,
    branch: String,
    name_kanji: String,
    name_kana: String,
    birth_date: String,
    sex: u8,
    address: String,
    relationship: u8,
    /// Whether the record carries a My Number (it is never answered).
    my_number_given: bool,
    copay_ratio: u8,
    acquired_on: String,
    lost_on: Option<String>,
    loss_reason: Option<CodeView>,
    limit: Option<LimitView>,
    elderly: Option<ElderlyView>,
    notified_on: Option<String>,
    registered_at: Option<String>,
    /// `active`, `suspended` or `confirmed`; absent when not linked.
    link_state: Option<&'static str>,
    /// For a 資格取得: how the person was looked up.
    #[serde(skip_serializing_if = "Option::is_none")]
    lookup: Option<&'static str>,
}

impl From<&StoredMember> for MemberView {
    fn from(stored: &StoredMember) -> Self {
        let m = &stored.member;
        MemberView {
            insurer_number: m.key.insurer_number.as_str().to_owned(),
            symbol: m.key.symbol.as_str().to_owned(),
            number: m.key.number.as_str().to_owned(),
            branch: format!("{:02}", m.key.branch.value()),
            name_kanji: m.attributes.name_kanji.clone(),
            name_kana: m.attributes.name_kana.clone(),
            birth_date: m.attributes.birth_date.to_string(),
            sex: m.attributes.sex.code(),
            address: m.attributes.address.clone(),
            relationship: m.relationship.code(),
            my_number_given: m.my_number.is_some(),
            copay_ratio: m.copay_ratio.tenths(),
            acquired_on: m.acquired_on.to_string(),
            lost_on: m.lost_on.map(|d| d.to_string()),
            loss_reason: m.loss_reason.map(CodeView::loss_reason),
            limit: m.limit_certificate.map(LimitView::from),
            elderly: m.elderly_recipient.map(ElderlyView::from),
            notified_on: m.notified_on.map(|d| d.to_string()),
            registered_at: stored.registered_at.map(time),
            link_state: stored.link_state.map(|s| s.code()),
            lookup: None,
        }
    }
}

/// One entry of a member's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct MemberEventView {
    /// `acquired`, `changed` or `lost`.
    kind: &'static str,
    /// 資格取得, 変更 or 資格喪失.
    name: &'static str,
    at: String,
    by: String,
    /// `field: old → new`, one per field.
    changes: Vec<String>,
}

impl From<&MemberEvent> for MemberEventView {
    fn from(e: &MemberEvent) -> Self {
        MemberEventView {
            kind: e.kind.code(),
            name: e.kind.label_ja(),
            at: time(e.at),
            by: e.actor.clone(),
            changes: e.changes.clone(),
        }
    }
}

/// A member and its history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct MemberHistoryView {
    member: MemberView,
    events: Vec<MemberEventView>,
}

/// A registration later than 5 days after the employer's notice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub(crate) struct LateRegistrationView {
    insurer_number: String,
    symbol: String,
    number: String,
    branch: String,
    name_kanji: String,
    notified_on: String,
    registered_at: String,
    /// Calendar days in Japan from the notice to the registration.
    days: i64,
}

impl From<&LateRegistration> for LateRegistrationView {
    fn from(l: &LateRegistration) -> Self {
        let m = &l.member.member;
        LateRegistrationView {
            insurer_number: m.key.insurer_number.as_str().to_owned(),
            symbol: m.key.symbol.as_str().to_owned(),
            number: m.key.number.as_str().to_owned(),
            branch: format!("{:02}", m.key.branch.value()),
            name_kanji: m.attributes.name_kanji.clone(),
            notified_on: l.notified_on.to_string(),
            registered_at: time(l.registered_at),
            days: l.days,
        }
    }
}

fn service(state: &AppState) -> Members {
    Members::new(state.store.clone())
}

fn key(path: &(String, String, String, String)) -> Result<onshi_domain::insurance::MemberKey, ApiError> {
    Ok(onshi_app::members::parse_key(&path.0, &path.1, &path.2, &path.3)?)
}

/// 資格取得: register a member one by one.
#[utoipa::path(
    post,
    path = "/insurer/members",
    tag = "insurer",
    security(("admin_token" = [])),
    request_body = AcquireRequest,
    responses(
        (status = 201, description = "Registered", body = MemberView),
        (status = 400, description = "Not JSON of this shape (`invalid_request`)", body = ErrorBody),
        (status = 409, description = "The key is registered (`member_exists`)", body = ErrorBody),
        (status = 422, description = "A field breaks its format or a rule (`invalid_field`)", body = ErrorBody)
    )
)]
pub(crate) async fn acquire(
    _user: AdminUser,
    State(state): State<AppState>,
    bytes: axum::body::Bytes,
) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    let request: AcquireRequest = body(&bytes, "a 資格取得")?;
    let now = state.clock.now();
    let form = MemberForm {
        insurer_number: request.insurer_number,
        symbol: request.symbol,
        number: request.number,
        branch: request.branch,
        name_kanji: request.name_kanji,
        name_kana: request.name_kana,
        birth_date: request.birth_date,
        sex: request.sex,
        address: request.address,
        my_number: request.my_number,
        relationship: request.relationship,
        copay_ratio: request.copay_ratio,
        acquired_on: request.acquired_on,
        notified_on: request.notified_on,
        limit: request.limit.as_ref().map(LimitBody::form),
        elderly: request.elderly.as_ref().map(ElderlyBody::form),
    };
    let member = form.parse(onshi_domain::date::in_japan(now))?;
    let by = request.by.unwrap_or_else(|| "insurer".to_owned());
    let acquired =
        service(&state).acquire(member, now, &by).await.map_err(|e| members_error("registering a member", e))?;
    let mut view = MemberView::from(&acquired.member);
    view.lookup = Some(acquired.lookup.code());
    Ok((StatusCode::CREATED, Json(view)))
}

/// 変更: change fields of an active member.
#[utoipa::path(
    patch,
    path = "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}",
    tag = "insurer",
    security(("admin_token" = [])),
    params(
        ("insurer_number" = String, Path, description = "保険者番号"),
        ("symbol" = String, Path, description = "記号"),
        ("number" = String, Path, description = "番号"),
        ("branch" = String, Path, description = "枝番, e.g. 00")
    ),
    request_body = ChangeRequest,
    responses(
        (status = 200, description = "Changed", body = MemberView),
        (status = 404, description = "No such member (`member_not_found`)", body = ErrorBody),
        (status = 422, description = "A field breaks its format or a rule, or the member is lost (`invalid_field`)", body = ErrorBody)
    )
)]
pub(crate) async fn change(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String, String)>,
    bytes: axum::body::Bytes,
) -> Result<Json<MemberView>, ApiError> {
    let key = key(&path)?;
    let request: ChangeRequest = body(&bytes, "a 変更")?;
    let now = state.clock.now();
    let form = ChangeForm {
        name_kanji: request.name_kanji,
        name_kana: request.name_kana,
        birth_date: request.birth_date,
        sex: request.sex,
        address: request.address,
        my_number: request.my_number,
        relationship: request.relationship,
        copay_ratio: request.copay_ratio,
        acquired_on: request.acquired_on,
        notified_on: request.notified_on,
        limit: request.limit.map(|l| l.as_ref().map(LimitBody::form)),
        elderly: request.elderly.map(|e| e.as_ref().map(ElderlyBody::form)),
    };
    let change = form.parse(onshi_domain::date::in_japan(now))?;
    let by = request.by.unwrap_or_else(|| "insurer".to_owned());
    let changed =
        service(&state).change(&key, change, now, &by).await.map_err(|e| members_error("changing a member", e))?;
    Ok(Json(MemberView::from(&changed)))
}

/// 資格喪失: the member's eligibility ends.
#[utoipa::path(
    post,
    path = "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/loss",
    tag = "insurer",
    security(("admin_token" = [])),
    params(
        ("insurer_number" = String, Path, description = "保険者番号"),
        ("symbol" = String, Path, description = "記号"),
        ("number" = String, Path, description = "番号"),
        ("branch" = String, Path, description = "枝番, e.g. 00")
    ),
    request_body = LossRequest,
    responses(
        (status = 200, description = "Lost", body = MemberView),
        (status = 404, description = "No such member (`member_not_found`)", body = ErrorBody),
        (status = 422, description = "Already lost, before 資格取得日, or a bad field (`invalid_field`)", body = ErrorBody)
    )
)]
pub(crate) async fn lose(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String, String)>,
    bytes: axum::body::Bytes,
) -> Result<Json<MemberView>, ApiError> {
    let key = key(&path)?;
    let request: LossRequest = body(&bytes, "a 資格喪失")?;
    let (lost_on, reason) = onshi_app::members::parse_loss(&request.lost_on, &request.loss_reason)?;
    let by = request.by.unwrap_or_else(|| "insurer".to_owned());
    let lost = service(&state)
        .lose(&key, lost_on, reason, state.clock.now(), &by)
        .await
        .map_err(|e| members_error("recording a loss", e))?;
    Ok(Json(MemberView::from(&lost)))
}

/// A member and its history (取得, 変更, 喪失), oldest first.
#[utoipa::path(
    get,
    path = "/insurer/members/{insurer_number}/{symbol}/{number}/{branch}/events",
    tag = "insurer",
    security(("admin_token" = [])),
    params(
        ("insurer_number" = String, Path, description = "保険者番号"),
        ("symbol" = String, Path, description = "記号"),
        ("number" = String, Path, description = "番号"),
        ("branch" = String, Path, description = "枝番, e.g. 00")
    ),
    responses(
        (status = 200, description = "The member and its history", body = MemberHistoryView),
        (status = 404, description = "No such member (`member_not_found`)", body = ErrorBody)
    )
)]
pub(crate) async fn events(
    _user: AdminUser,
    State(state): State<AppState>,
    Path(path): Path<(String, String, String, String)>,
) -> Result<Json<MemberHistoryView>, ApiError> {
    let key = key(&path)?;
    let (member, events) =
        service(&state).events(&key).await.map_err(|e| members_error("reading a member's history", e))?;
    Ok(Json(MemberHistoryView {
        member: MemberView::from(&member),
        events: events.iter().map(MemberEventView::from).collect(),
    }))
}

/// The period of the late-registration report (事業主等からの届出日, both days included).
#[derive(Debug, Clone, Deserialize, IntoParams)]
pub(crate) struct LateQuery {
    /// 保険者番号
    insurer: String,
    /// First notice date.
    from: String,
    /// Last notice date.
    to: String,
}

/// Members registered more than 5 days after the employer's notice, counted
/// as calendar days in Japan (the notice day is day 0).
#[utoipa::path(
    get,
    path = "/insurer/reports/late-registrations",
    tag = "insurer",
    security(("admin_token" = [])),
    params(LateQuery),
    responses(
        (status = 200, description = "The late registrations, by notice date", body = Vec<LateRegistrationView>),
        (status = 422, description = "A bad insurer number or date (`invalid_field`)", body = ErrorBody)
    )
)]
pub(crate) async fn late(
    _user: AdminUser,
    State(state): State<AppState>,
    Query(query): Query<LateQuery>,
) -> Result<Json<Vec<LateRegistrationView>>, ApiError> {
    let late = service(&state)
        .late(&query.insurer, &query.from, &query.to)
        .await
        .map_err(|e| members_error("reading late registrations", e))?;
    Ok(Json(late.iter().map(LateRegistrationView::from).collect()))
}
