//! The portal's pages for a signed-in person.

use std::collections::HashMap;
use std::fmt::Write as _;

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use onshi_app::medical::Category;
use onshi_app::portal::{HomeNotice, Portal, PortalError, Session};
use onshi_domain::audit::{ActorKind, Basis};
use onshi_domain::medical::CheckupItem;
use onshi_store::LinkState;
use onshi_store::eligibility::DocumentKind;
use serde::Deserialize;
use serde_json::Value;

use super::{csrf_field, escape, failure, jst, page, pdf, signed_in, signed_in_form, wareki};
use crate::state::AppState;

/// ホーム: the notices, then the menu (below, in the page's navigation).
pub(crate) async fn home(state: &AppState, portal: &Portal, session: &Session) -> Response {
    let now = state.clock.now();
    let name = match portal.name(session).await {
        Ok(n) => n,
        Err(e) => return failure(e),
    };
    let notices = match portal.notices(session, now).await {
        Ok(n) => n,
        Err(e) => return failure(e),
    };
    let mut body = format!("<h1>ホーム</h1><p class=\"greeting\">{} さん</p>", escape(&name));
    match &session.previous_visit_at {
        Some(at) => {
            let _ = write!(body, "<p class=\"small\">前回のログイン: {}</p>", jst(*at));
        }
        None => body.push_str("<p class=\"small\">はじめてのログインです。</p>"),
    }
    body.push_str("<h2>お知らせ</h2>");
    if notices.is_empty() {
        body.push_str("<p>新しいお知らせはありません。</p>");
    }
    body.push_str("<ul class=\"cards notices\">");
    for notice in &notices {
        let (important, text) = match notice {
            HomeNotice::CertificateIssued { serial, valid_until } => (
                false,
                format!(
                    "資格確認書が交付されています（交付番号 {}{}）。医療機関・薬局では資格確認書を提示して受診できます。\
                     <a href=\"/portal/registration\">保険証利用登録</a>",
                    escape(serial),
                    valid_until.map(|v| format!("、有効期限 {}", wareki(v))).unwrap_or_default()
                ),
            ),
            HomeNotice::CertificateExpiring { on } => (
                true,
                format!(
                    "利用者証明用電子証明書の有効期限が近づいています（{}まで）。市区町村の窓口で更新してください。",
                    wareki(*on)
                ),
            ),
            HomeNotice::CertificateInGrace => (
                true,
                "利用者証明用電子証明書の有効期限が切れています（更新の猶予期間中）。更新するまで、お薬・診療情報・\
                 健診・医療費の情報は表示できません。市区町村の窓口で更新してください。"
                    .to_owned(),
            ),
            HomeNotice::NoLinkedCoverage => (
                true,
                "加入している医療保険者に、あなたの情報（マイナンバー）が登録されていないか、確認中です。\
                 マイナ保険証を使うには、加入している保険者にお問い合わせください。\
                 <a href=\"/portal/linkage\">登録状況</a>"
                    .to_owned(),
            ),
            HomeNotice::LinkUnderInspection { insurer_name } => (
                true,
                format!(
                    "{} の資格情報は、紐付けの点検中（総点検中）です。確認が終わるまで、この資格の医療情報は表示されません。",
                    escape(insurer_name)
                ),
            ),
            HomeNotice::EmergencyAccess { count, last_at } => (
                true,
                format!(
                    "前回のログイン以降、救急時に医療機関または救急隊があなたの医療情報を閲覧しました（{count}件、最新 {}）。\
                     <a href=\"/portal/access-log\">やりとり履歴</a>で確かめられます。",
                    jst(*last_at)
                ),
            ),
            HomeNotice::Platform(n) => (false, format!("{}（{}）", escape(&n.body), jst(n.created_at))),
        };
        let class = if important { "notice important" } else { "notice" };
        let _ = write!(body, "<li class=\"{class}\">{text}</li>");
    }
    body.push_str("</ul>");
    page(StatusCode::OK, "ホーム", Some(session), &body)
}

/// 健康保険証: the coverages, each current one with its PDF.
pub(crate) async fn insurance(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let coverages = match portal.coverages(&session, state.clock.now()).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let mut body = String::from("<h1>健康保険証</h1>");
    if coverages.is_empty() {
        body.push_str("<p class=\"warn\">あなたに紐付いた医療保険の資格はありません。加入している保険者にお問い合わせください。</p>");
    }
    body.push_str("<ul class=\"cards\">");
    for (i, c) in coverages.iter().enumerate() {
        let m = &c.member.member;
        let state_label = if c.under_inspection {
            "<span class=\"bad\">紐付け点検中</span>"
        } else if c.current {
            "有効"
        } else {
            "資格喪失"
        };
        let _ = write!(
            body,
            "<li class=\"card coverage\"><h2>{insurer}</h2><dl>\
             <dt>状態</dt><dd>{state_label}</dd>\
             <dt>保険者番号</dt><dd>{number}</dd>\
             <dt>記号・番号・枝番</dt><dd>{symbol}・{insured}・{branch}</dd>\
             <dt>本人・家族</dt><dd>{relationship}</dd>\
             <dt>一部負担金の割合</dt><dd>{copay}割</dd>\
             <dt>資格取得日</dt><dd>{acquired}</dd>{lost}</dl>",
            insurer = escape(&c.insurer_name),
            number = m.key.insurer_number,
            symbol = escape(m.key.symbol.as_str()),
            insured = escape(m.key.number.as_str()),
            branch = m.key.branch,
            relationship = m.relationship.label_ja(),
            copay = m.copay_ratio,
            acquired = wareki(m.acquired_on),
            lost = m.lost_on.map(|d| format!("<dt>資格喪失日</dt><dd>{}</dd>", wareki(d))).unwrap_or_default(),
        );
        if c.current && !c.under_inspection {
            let _ = write!(
                body,
                "<p><a class=\"pdf\" href=\"/portal/insurance/{n}/eligibility.pdf\">資格情報のPDFを表示（資格情報のお知らせ）</a></p>\
                 <p class=\"small\">カードリーダーで資格確認ができないときに、医療機関・薬局の窓口でこの画面かPDFを提示してください。</p>",
                n = i + 1
            );
        }
        body.push_str("</li>");
    }
    body.push_str("</ul>");
    page(StatusCode::OK, "健康保険証", Some(&session), &body)
}

/// The eligibility information of a coverage as a PDF.
pub(crate) async fn insurance_pdf(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(n): Path<String>,
) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let Some(index) = n.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) else {
        return failure(PortalError::NotFound(format!("coverage {n:?}")));
    };
    match portal.coverage_pdf(&session, index, state.clock.now()).await {
        Ok(bytes) => pdf(bytes, "shikaku-joho.pdf"),
        Err(e) => failure(e),
    }
}

fn text<'a>(body: &'a Value, key: &str) -> &'a str {
    body.get(key).and_then(Value::as_str).unwrap_or_default()
}

fn number(body: &Value, key: &str) -> String {
    match body.get(key) {
        Some(Value::Number(n)) => n.to_string(),
        Some(Value::String(s)) => s.clone(),
        _ => String::new(),
    }
}

fn yen(body: &Value, key: &str) -> String {
    let digits = number(body, key);
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    format!("{out}円")
}

fn iso_date(body: &Value, key: &str) -> String {
    onshi_domain::date::parse_date(text(body, key)).map(wareki).unwrap_or_else(|_| text(body, key).to_owned())
}

/// One record as a card.
fn record_card(category: Category, body: &Value) -> String {
    let facility = escape(text(body, "facility_name"));
    match category {
        Category::Drug => {
            let prescriber = text(body, "prescriber_facility_name");
            format!(
                "<li class=\"card record\"><h2>{name}</h2><dl>\
                 <dt>調剤日</dt><dd>{on}</dd><dt>用法</dt><dd>{dose}</dd>\
                 <dt>数量</dt><dd>{quantity}{unit} × {days}日分</dd>\
                 <dt>薬局・医療機関</dt><dd>{facility}</dd>{prescriber}</dl></li>",
                name = escape(text(body, "name")),
                on = iso_date(body, "dispensed_on"),
                dose = escape(text(body, "dose")),
                quantity = number(body, "quantity"),
                unit = escape(text(body, "unit")),
                days = number(body, "days"),
                prescriber = if prescriber.is_empty() {
                    String::new()
                } else {
                    format!("<dt>処方</dt><dd>{}</dd>", escape(prescriber))
                },
            )
        }
        Category::Clinical => {
            let kind = match text(body, "category") {
                "diagnosis" => "傷病名",
                "procedure" => "診療行為",
                other => other,
            };
            format!(
                "<li class=\"card record\"><h2>{name}</h2><dl><dt>区分</dt><dd>{kind}</dd>\
                 <dt>日付</dt><dd>{on}</dd><dt>医療機関</dt><dd>{facility}</dd></dl></li>",
                name = escape(text(body, "name")),
                kind = escape(kind),
                on = iso_date(body, "performed_on"),
            )
        }
        Category::Checkup => {
            let mut rows = String::new();
            if let Some(Value::Object(results)) = body.get("results") {
                for item in CheckupItem::ALL {
                    if let Some(value) = results.get(item.code()) {
                        let value = match value {
                            Value::String(s) => s.clone(),
                            other => other.to_string(),
                        };
                        let _ = write!(
                            rows,
                            "<tr><th scope=\"row\">{}</th><td>{} {}</td></tr>",
                            item.label_ja(),
                            escape(&value),
                            item.unit()
                        );
                    }
                }
            }
            format!(
                "<li class=\"card record\"><h2>{on} の健診</h2><p>{facility}</p><table>{rows}</table></li>",
                on = iso_date(body, "checked_on"),
            )
        }
        Category::Expense => {
            let month = text(body, "month");
            let month = match month.split_once('-') {
                Some((y, m)) => format!("{y}年{}月", m.trim_start_matches('0')),
                None => month.to_owned(),
            };
            format!(
                "<li class=\"card record\"><h2>{month}</h2><dl><dt>医療機関・薬局</dt><dd>{facility}</dd>\
                 <dt>日数</dt><dd>{days}日</dd><dt>医療費の総額</dt><dd>{total}</dd>\
                 <dt>窓口負担額</dt><dd>{copay}</dd></dl></li>",
                month = escape(&month),
                days = number(body, "days"),
                total = yen(body, "total_yen"),
                copay = yen(body, "copay_yen"),
            )
        }
    }
}

/// お薬, 診療情報, 健診, 医療費: the person's own records, read (and logged
/// as `self`) when the page is shown.
pub(crate) async fn records(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(category_path): Path<String>,
) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let (category, title, window) = match category_path.as_str() {
        "drugs" => (Category::Drug, "お薬の情報", "過去3年分の調剤の記録です。"),
        "clinical" => (Category::Clinical, "診療情報", "過去3年分の傷病名と診療行為です。"),
        "checkups" => (Category::Checkup, "健診の結果", "過去5年分の特定健診等の結果です。"),
        "expenses" => (Category::Expense, "医療費の情報", "過去5年分の医療費です（確定申告の医療費控除に使えます）。"),
        other => return failure(PortalError::NotFound(format!("category {other:?}"))),
    };
    let read = match portal.records(&session, category, state.clock.now()).await {
        Ok(r) => r,
        Err(PortalError::CertificateInGrace) => {
            let body = format!(
                "<h1>{title}</h1><p class=\"warn\">利用者証明用電子証明書の有効期限が切れています（更新の猶予期間中）。\
                 市区町村の窓口で更新するまで、この情報は表示できません。</p>"
            );
            return page(StatusCode::FORBIDDEN, title, Some(&session), &body);
        }
        Err(e) => return failure(e),
    };
    let mut body = format!(
        "<h1>{title}</h1><p class=\"small\">{window}この閲覧は、やりとり履歴に「ご本人による閲覧」として記録されます。</p>"
    );
    if read.records.is_empty() {
        body.push_str("<p>表示できる記録はありません。</p>");
    }
    body.push_str("<ul class=\"cards\">");
    for record in &read.records {
        let value: Value = serde_json::from_str(&record.body).unwrap_or(Value::Null);
        body.push_str(&record_card(category, &value));
    }
    body.push_str("</ul>");
    page(StatusCode::OK, title, Some(&session), &body)
}

fn purpose_label(code: &str) -> &str {
    match code {
        "treatment" => "診療・調剤",
        "emergency" => "救急時の診療",
        "emergency_transport" => "救急搬送",
        "self" => "ご本人の確認",
        other => other,
    }
}

fn category_label(code: &str) -> &str {
    match code {
        "drug" => "薬剤情報",
        "clinical" => "診療情報",
        "checkup" => "特定健診等情報",
        "expense" => "医療費情報",
        "emergency_set" => "救急用の情報一式",
        other => other,
    }
}

/// やりとり履歴: who read what, why, on what basis and when, and whether
/// the log verifies (chain and signed head, checked on the server).
pub(crate) async fn access_log(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let verified = match portal.access_log(&session).await {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let mut names: HashMap<String, String> = HashMap::new();
    let mut body = String::from("<h1>やりとり履歴</h1>");
    match &verified.problem {
        None => {
            let _ = write!(
                body,
                "<p class=\"ok\" id=\"verification\"><strong>検証済み</strong>: {} 件の記録がすべてそろっており、\
                 改ざんされていないことを確認しました（記録の連鎖とプラットフォームの署名）。</p>",
                verified.log.entries.len()
            );
        }
        Some(problem) => {
            let _ = write!(
                body,
                "<p class=\"bad\" id=\"verification\"><strong>検証できません</strong>: 履歴に欠落または改ざんがあります。\
                 （{}）運用者に調査を依頼しています。</p>",
                escape(problem)
            );
            tracing::error!(problem = %problem, "portal: a person's access log does not verify");
        }
    }
    if verified.log.entries.is_empty() {
        body.push_str("<p>あなたの医療情報が閲覧された記録はありません。</p>");
    }
    body.push_str("<ul class=\"cards\">");
    for entry in verified.log.entries.iter().rev() {
        let a = &entry.access;
        let actor = ActorKind::from_code(&a.actor_kind);
        let who = match actor {
            Some(ActorKind::Facility) => {
                if !names.contains_key(&a.actor_id) {
                    let name = portal.facility_name(&a.actor_id).await.unwrap_or_default();
                    names.insert(a.actor_id.clone(), name);
                }
                let name = names.get(&a.actor_id).cloned().unwrap_or_default();
                format!("{}（医療機関コード {}）", escape(&name), escape(&a.actor_id))
            }
            Some(ActorKind::Crew) => format!("救急隊（消防本部コード {}）", escape(&a.actor_id)),
            Some(ActorKind::Person) => "ご本人".to_owned(),
            Some(other) => other.label_ja().to_owned(),
            None => escape(&a.actor_id),
        };
        let basis = Basis::from_code(&a.basis);
        let basis_detail = match basis {
            Some(Basis::Consent) => format!("（同意番号 {}）", escape(&a.basis_ref)),
            Some(Basis::Emergency) => format!("（理由: {}）", escape(&a.basis_ref)),
            Some(Basis::Crew) => format!("（出動 {}）", escape(&a.basis_ref)),
            _ => String::new(),
        };
        let important = matches!(basis, Some(Basis::Emergency | Basis::Crew));
        let _ = write!(
            body,
            "<li class=\"card entry{cls}\"><dl><dt>日時</dt><dd>{at}</dd><dt>閲覧者</dt><dd>{who}{staff}</dd>\
             <dt>情報</dt><dd>{category}</dd><dt>目的</dt><dd>{purpose}</dd>\
             <dt>根拠</dt><dd>{basis}{basis_detail}</dd></dl></li>",
            cls = if important { " important" } else { "" },
            at = jst(a.at),
            staff = if a.staff_id.is_empty() { String::new() } else { format!("<br>担当 {}", escape(&a.staff_id)) },
            category = escape(category_label(&a.category)),
            purpose = escape(purpose_label(&a.purpose)),
            basis = basis.map_or("不明", Basis::label_ja),
        );
    }
    body.push_str("</ul>");
    page(StatusCode::OK, "やりとり履歴", Some(&session), &body)
}

/// The consent categories in Japanese.
fn consent_category(code: &str) -> &str {
    match code {
        "clinical_drug" => "診療・薬剤情報",
        "checkup" => "特定健診等情報",
        other => other,
    }
}

/// 同意: the consents given at readers, and their revocation.
pub(crate) async fn consents(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let now = state.clock.now();
    let consents = match portal.consents(&session).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let mut body = String::from("<h1>同意</h1>");
    if q.done.as_deref() == Some("revoked") {
        body.push_str("<p class=\"ok\" id=\"done\">同意を撤回しました。その医療機関・薬局は、あなたの情報をもう閲覧できません。</p>");
    }
    body.push_str("<p class=\"small\">医療機関・薬局のカードリーダーで、医療情報の提供に同意した記録です。</p>");
    if consents.is_empty() {
        body.push_str("<p>同意の記録はありません。</p>");
    }
    body.push_str("<ul class=\"cards\">");
    let mut names: HashMap<String, String> = HashMap::new();
    for c in consents.iter().rev() {
        let code = &c.consent.facility_code;
        if !names.contains_key(code) {
            let name = portal.facility_name(code).await.unwrap_or_default();
            names.insert(code.clone(), name);
        }
        let status = c.status(now);
        let label = match status {
            "granted" => "同意中",
            "revoked" => "撤回済み",
            _ => "期限切れ",
        };
        let categories: Vec<&str> = c.consent.categories.iter().map(|k| consent_category(k)).collect();
        let _ = write!(
            body,
            "<li class=\"card consent\" data-status=\"{status}\"><h2>{name}</h2><dl>\
             <dt>医療機関コード</dt><dd>{code}</dd><dt>情報</dt><dd>{categories}</dd>\
             <dt>同意日時</dt><dd>{given}</dd><dt>期限</dt><dd>{expires}</dd><dt>状態</dt><dd>{label}</dd></dl>",
            name = escape(names.get(code).map(String::as_str).unwrap_or_default()),
            code = escape(code),
            categories = escape(&categories.join("、")),
            given = jst(c.consent.given_at),
            expires = jst(c.consent.expires_at),
        );
        if status == "granted" {
            let _ = write!(
                body,
                "<form method=\"post\" action=\"/portal/consents\">{csrf}\
                 <input type=\"hidden\" name=\"consent_id\" value=\"{id}\">\
                 <button type=\"submit\" class=\"danger\">この同意を撤回する</button></form>",
                csrf = csrf_field(&session),
                id = c.consent_id
            );
        }
        body.push_str("</li>");
    }
    body.push_str("</ul>");
    page(StatusCode::OK, "同意", Some(&session), &body)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct RevokeForm {
    csrf: Option<String>,
    consent_id: Option<String>,
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<RevokeForm>, FormRejection>,
) -> Response {
    let form = form.ok().map(|Form(f)| f);
    let token = form.as_ref().and_then(|f| f.csrf.as_deref());
    let (portal, session) = match signed_in_form(&state, &headers, token).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let id = form.and_then(|f| f.consent_id).and_then(|id| id.trim().parse::<i64>().ok());
    let Some(id) = id else { return failure(PortalError::NotFound("consent".into())) };
    match portal.revoke(&session, id, state.clock.now()).await {
        Ok(_) => super::see_other("/portal/consents?done=revoked"),
        Err(PortalError::Read(onshi_app::medical::ReadError::UnknownConsent(_))) => {
            failure(PortalError::NotFound("consent".into()))
        }
        Err(e) => failure(e),
    }
}

/// 保険証利用登録: the registration, its change, and the documents.
pub(crate) async fn registration(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<DoneQuery>,
) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let view = match portal.registration(&session).await {
        Ok(v) => v,
        Err(e) => return failure(e),
    };
    let mut body = String::from("<h1>保険証利用登録</h1>");
    match q.done.as_deref() {
        Some("registered") => body.push_str(
            "<p class=\"ok\" id=\"done\">マイナンバーカードを健康保険証として利用登録しました。資格情報のお知らせが交付されます。</p>",
        ),
        Some("cancelled") => body.push_str(
            "<p class=\"ok\" id=\"done\">利用登録を解除しました。資格確認書が交付されました（下の一覧から表示できます）。\
             医療機関・薬局では資格確認書を提示して受診してください。</p>",
        ),
        _ => {}
    }
    let csrf = csrf_field(&session);
    if view.registered {
        let _ = write!(
            body,
            "<p id=\"registration-state\">マイナンバーカードは健康保険証として<strong>利用登録済み</strong>です{since}。</p>\
             <form method=\"post\" action=\"/portal/registration\">{csrf}<input type=\"hidden\" name=\"action\" value=\"cancel\">\
             <p class=\"small\">解除すると、加入している保険者から資格確認書が交付され、カードでの受診はできなくなります。</p>\
             <button type=\"submit\" class=\"danger\">利用登録を解除する</button></form>",
            since = view.changed_at.map(|at| format!("（{}）", jst(at))).unwrap_or_default()
        );
    } else {
        let _ = write!(
            body,
            "<p id=\"registration-state\">マイナンバーカードは健康保険証として<strong>利用登録されていません</strong>。</p>\
             <form method=\"post\" action=\"/portal/registration\">{csrf}<input type=\"hidden\" name=\"action\" value=\"register\">\
             <button type=\"submit\">健康保険証として利用登録する</button></form>"
        );
    }
    body.push_str("<h2>交付された書類</h2>");
    if view.documents.is_empty() {
        body.push_str("<p>交付された書類はありません。</p>");
    }
    body.push_str("<ul class=\"cards\">");
    for (i, d) in view.documents.iter().enumerate() {
        let kind = match d.kind {
            DocumentKind::Certificate => "資格確認書",
            DocumentKind::Notice => "資格情報のお知らせ",
        };
        let _ = write!(
            body,
            "<li class=\"card document\"><h2>{kind}</h2><dl><dt>交付番号</dt><dd>{serial}</dd>\
             <dt>交付日</dt><dd>{issued}</dd>{valid}</dl>\
             <p><a href=\"/portal/registration/documents/{n}\">PDFを表示</a></p></li>",
            serial = escape(&d.serial),
            issued = wareki(d.issued_on),
            valid = d.valid_until.map(|v| format!("<dt>有効期限</dt><dd>{}</dd>", wareki(v))).unwrap_or_default(),
            n = i + 1,
        );
    }
    body.push_str("</ul>");
    page(StatusCode::OK, "保険証利用登録", Some(&session), &body)
}

#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    csrf: Option<String>,
    action: Option<String>,
    facility_code: Option<String>,
}

pub(crate) async fn change_registration(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let form = form.ok().map(|Form(f)| f);
    let token = form.as_ref().and_then(|f| f.csrf.as_deref());
    let (portal, session) = match signed_in_form(&state, &headers, token).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let now = state.clock.now();
    match form.and_then(|f| f.action).as_deref() {
        Some("register") => match portal.register(&session, now).await {
            Ok(_) => super::see_other("/portal/registration?done=registered"),
            Err(e) => failure(e),
        },
        Some("cancel") => match portal.cancel_registration(&session, now).await {
            Ok(_) => super::see_other("/portal/registration?done=cancelled"),
            Err(e) => failure(e),
        },
        _ => failure(PortalError::NotFound("action".into())),
    }
}

/// A document of the registration page as a PDF.
pub(crate) async fn document_pdf(State(state): State<AppState>, headers: HeaderMap, Path(n): Path<String>) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let Some(index) = n.parse::<usize>().ok().and_then(|n| n.checked_sub(1)) else {
        return failure(PortalError::NotFound(format!("document {n:?}")));
    };
    match portal.document_pdf(&session, index).await {
        Ok(bytes) => pdf(bytes, "shikaku-shorui.pdf"),
        Err(e) => failure(e),
    }
}

/// 登録状況: is my data registered, per insurer.
pub(crate) async fn linkage(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let coverages = match portal.coverages(&session, state.clock.now()).await {
        Ok(c) => c,
        Err(e) => return failure(e),
    };
    let mut body = String::from(
        "<h1>登録状況</h1><p class=\"small\">加入している医療保険者に、あなたの情報（マイナンバー）が登録され、\
         紐付いているかを表示します。</p>",
    );
    if coverages.is_empty() {
        body.push_str(
            "<p class=\"warn\" id=\"not-linked\"><strong>未登録</strong>: どの保険者の資格もあなたに紐付いていません。\
             保険者があなたのマイナンバーを登録していないか、登録した情報と住民票の情報が一致していない可能性があります。\
             加入している保険者にお問い合わせください。</p>",
        );
    }
    body.push_str("<ul class=\"cards\">");
    for c in &coverages {
        let (class, label, detail) = match (c.member.link_state, c.current) {
            (Some(LinkState::Suspended), _) => (
                "bad",
                "総点検中",
                "登録された情報と住民票の情報が一致しないため、保険者が確認しています。確認が終わるまで、この資格では\
                 医療情報を表示・提供しません。",
            ),
            (_, true) => ("ok", "登録済み", "この保険者の資格はあなたに紐付いています。"),
            (_, false) => ("", "資格喪失", "この資格は終了しています。"),
        };
        let _ = write!(
            body,
            "<li class=\"card linkage\"><h2>{insurer}</h2><p>保険者番号 {number}</p>\
             <p class=\"{class}\"><strong>{label}</strong>: {detail}</p></li>",
            insurer = escape(&c.insurer_name),
            number = c.member.member.key.insurer_number,
        );
    }
    body.push_str("</ul>");
    page(StatusCode::OK, "登録状況", Some(&session), &body)
}

/// 閲覧拒否: the facilities the person blocks from ever viewing their
/// information, by 医療機関コード.
pub(crate) async fn blocks(State(state): State<AppState>, headers: HeaderMap, Query(q): Query<DoneQuery>) -> Response {
    let (portal, session) = match signed_in(&state, &headers).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    blocks_page(&portal, &session, q.done.as_deref(), q.error.as_deref(), StatusCode::OK).await
}

async fn blocks_page(
    portal: &Portal,
    session: &Session,
    done: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let list = match portal.blocks(session).await {
        Ok(l) => l,
        Err(e) => return failure(e),
    };
    let mut body = String::from(
        "<h1>閲覧拒否</h1><p class=\"small\">指定した医療機関・薬局は、同意があっても、救急時でも、あなたの医療情報を\
         閲覧できなくなります。解除できるのはあなただけです。</p>",
    );
    match done {
        Some("blocked") => body.push_str("<p class=\"ok\" id=\"done\">閲覧を拒否しました。</p>"),
        Some("unblocked") => body.push_str("<p class=\"ok\" id=\"done\">閲覧拒否を解除しました。</p>"),
        _ => {}
    }
    if let Some(error) = error {
        let _ = write!(body, "<p class=\"bad\" id=\"error\">{}</p>", escape(error));
    }
    let csrf = csrf_field(session);
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/portal/blocks\" class=\"card\">{csrf}<input type=\"hidden\" name=\"action\" value=\"block\">\
         <label for=\"facility_code\">医療機関コード（10桁）</label>\
         <input type=\"text\" id=\"facility_code\" name=\"facility_code\" inputmode=\"numeric\" autocomplete=\"off\" maxlength=\"20\">\
         <p><button type=\"submit\" class=\"danger\">閲覧を拒否する</button></p></form>"
    );
    let in_force: Vec<_> = list.iter().filter(|b| b.block.in_force()).collect();
    body.push_str("<h2>閲覧を拒否している医療機関・薬局</h2>");
    if in_force.is_empty() {
        body.push_str("<p>ありません。</p>");
    }
    body.push_str("<ul class=\"cards\">");
    for b in in_force {
        let _ = write!(
            body,
            "<li class=\"card block\"><h2>{name}</h2><dl><dt>医療機関コード</dt><dd>{code}</dd>\
             <dt>拒否した日時</dt><dd>{at}</dd></dl>\
             <form method=\"post\" action=\"/portal/blocks\">{csrf}<input type=\"hidden\" name=\"action\" value=\"unblock\">\
             <input type=\"hidden\" name=\"facility_code\" value=\"{code}\">\
             <button type=\"submit\" class=\"secondary\">拒否を解除する</button></form></li>",
            name = escape(&b.facility_name),
            code = escape(&b.block.facility_code),
            at = jst(b.block.blocked_at),
        );
    }
    body.push_str("</ul>");
    page(status, "閲覧拒否", Some(session), &body)
}

pub(crate) async fn change_block(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: Result<Form<ActionForm>, FormRejection>,
) -> Response {
    let form = form.ok().map(|Form(f)| f);
    let token = form.as_ref().and_then(|f| f.csrf.as_deref());
    let (portal, session) = match signed_in_form(&state, &headers, token).await {
        Ok(pair) => pair,
        Err(response) => return response,
    };
    let (action, code) = match form {
        Some(f) => (f.action.unwrap_or_default(), f.facility_code.unwrap_or_default()),
        None => (String::new(), String::new()),
    };
    let blocked = match action.as_str() {
        "block" => true,
        "unblock" => false,
        _ => return failure(PortalError::NotFound("action".into())),
    };
    match portal.set_block(&session, &code, blocked, state.clock.now()).await {
        Ok(_) => {
            super::see_other(if blocked { "/portal/blocks?done=blocked" } else { "/portal/blocks?done=unblocked" })
        }
        Err(PortalError::Invalid { field, value, rule }) => {
            let message = format!("{field} {value:?}: {rule}");
            blocks_page(&portal, &session, None, Some(&message), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => failure(e),
    }
}
