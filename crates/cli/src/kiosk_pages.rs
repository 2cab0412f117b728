//! The pages of `onshi kiosk`, rendered on the server: the reader's screens
//! for the patient and the reception page for staff.
//!
//! Japanese first and large: the patient may be elderly, so the kiosk uses
//! big type, one question per screen and buttons a finger can hit; every
//! screen names itself in `data-screen` for tests and for support staff.
//! Plain `format!` with escaping, as the platform's landing page does.

use std::fmt::Write as _;

use crate::kiosk_cmd::{Check, CheckMethod, Done, Outcome, Screen, Source};
use crate::kiosk_offline::{QueuedVisit, VisitState};
use crate::platform::{Answer, CoverageBody};

/// `2026年11月22日`.
pub(crate) fn japanese_date(date: onshi_domain::Date) -> String {
    use chrono::Datelike as _;
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// An ISO date from the platform as `令和8年11月22日`, or as given when it
/// does not parse.
fn wareki(iso: &str) -> String {
    onshi_domain::date::parse_date(iso)
        .ok()
        .and_then(|date| onshi_domain::wareki::format(date).ok())
        .unwrap_or_else(|| iso.to_owned())
}

/// Escape text for HTML element content and quoted attribute values.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

const KIOSK_STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font-family:'IPAexGothic','Noto Sans CJK JP',sans-serif;background:#f4f7fb;color:#111;font-size:28px;line-height:1.6}\
main{max-width:960px;margin:0 auto;padding:32px 40px;text-align:center}\
.step{font-size:22px;color:#333;margin:0}\
h1{font-size:44px;margin:16px 0 24px}\
p{margin:12px 0}\
.notice{background:#fff4d6;border:3px solid #c98a00;border-radius:12px;padding:16px;font-size:26px;text-align:left}\
.error{background:#ffe3e3;border:3px solid #c62828;border-radius:12px;padding:16px;font-size:30px;font-weight:bold}\
.choices{display:flex;gap:32px;justify-content:center;margin-top:32px}\
button{font:inherit;font-size:36px;font-weight:bold;min-width:300px;min-height:120px;border-radius:20px;border:4px solid #0d47a1;background:#1565c0;color:#fff;cursor:pointer}\
button.secondary{background:#fff;color:#0d47a1}\
.pad{display:grid;grid-template-columns:repeat(3,140px);gap:16px;justify-content:center;margin:24px 0}\
.pad button{min-width:140px;min-height:96px;font-size:44px}\
.dots{font-size:56px;letter-spacing:24px;margin:8px 0}\
.explain{font-size:24px;text-align:left;background:#fff;border-radius:12px;padding:16px}\
.name{font-size:40px;font-weight:bold}\
.banner{background:#fff3e0;border:4px solid #e65100;color:#bf360c;border-radius:12px;padding:16px;font-size:28px;font-weight:bold;text-align:left}";

/// The reader's screen for where the visit is.
pub(crate) fn kiosk(screen: &Screen, expiry_notice: Option<&str>) -> String {
    let mut body = String::new();
    let notice = |body: &mut String| {
        if let Some(text) = expiry_notice {
            let _ = write!(body, "<p class=\"notice\" role=\"status\">{}</p>", escape(text));
        }
    };
    let name = match screen {
        Screen::Waiting | Screen::Unreadable(_) => {
            body.push_str("<p class=\"step\">1 / 5</p><h1>マイナンバーカードを置いてください</h1>");
            if let Screen::Unreadable(message) = screen {
                let _ = write!(body, "<p class=\"error\" role=\"alert\">{}</p>", escape(message));
            }
            body.push_str(
                "<p>カードを読み取り台に置いてから、「はじめる」を押してください。</p>\
                 <form method=\"post\" action=\"/start\" class=\"choices\"><button id=\"start\">はじめる</button></form>",
            );
            "waiting"
        }
        Screen::Method { pin } => {
            body.push_str("<p class=\"step\">2 / 5</p><h1>本人確認の方法を選んでください</h1>");
            notice(&mut body);
            body.push_str(
                "<p>顔認証は、カメラに顔を向けてください。暗証番号は、数字4桁を入力します。</p>\
                 <form method=\"post\" action=\"/method\" class=\"choices\">\
                 <button name=\"method\" value=\"face\" id=\"face\">顔認証</button>",
            );
            if *pin {
                body.push_str("<button name=\"method\" value=\"pin\" id=\"pin-method\">暗証番号</button>");
            }
            body.push_str("</form>");
            "method"
        }
        Screen::Pin { message } => {
            body.push_str("<p class=\"step\">3 / 5</p><h1>暗証番号（数字4桁）を入力してください</h1>");
            if let Some(message) = message {
                let _ = write!(body, "<p class=\"error\" id=\"pin-message\" role=\"alert\">{}</p>", escape(message));
            }
            body.push_str(
                "<form method=\"post\" action=\"/pin\" id=\"pin-form\">\
                 <input type=\"hidden\" name=\"pin\" id=\"pin\" value=\"\">\
                 <p class=\"dots\" id=\"dots\" aria-live=\"polite\">○○○○</p>\
                 <div class=\"pad\">",
            );
            for digit in ["1", "2", "3", "4", "5", "6", "7", "8", "9"] {
                let _ = write!(body, "<button type=\"button\" data-digit=\"{digit}\">{digit}</button>");
            }
            body.push_str(
                "<button type=\"button\" class=\"secondary\" id=\"clear\">訂正</button>\
                 <button type=\"button\" data-digit=\"0\">0</button>\
                 <button type=\"submit\" id=\"enter\">確定</button></div></form>\
                 <p>暗証番号を3回続けて間違えると、カードがロックされます。</p>\
                 <script>\
                 const pin=document.getElementById('pin'),dots=document.getElementById('dots');\
                 function show(){dots.textContent='●'.repeat(pin.value.length)+'○'.repeat(4-pin.value.length);}\
                 document.querySelectorAll('[data-digit]').forEach(b=>b.addEventListener('click',()=>{\
                 if(pin.value.length<4){pin.value+=b.dataset.digit;show();}}));\
                 document.getElementById('clear').addEventListener('click',()=>{pin.value='';show();});\
                 </script>",
            );
            "pin"
        }
        Screen::ConsentClinicalDrug => {
            body.push_str(
                "<p class=\"step\">4 / 5</p><h1>診療・薬剤情報の提供に同意しますか</h1>\
                 <p class=\"explain\">過去3年間のお薬や診療の情報を、この医療機関の医師・歯科医師・薬剤師が\
                 診療に使います。同意は24時間有効です。</p>",
            );
            consent_buttons(&mut body);
            "consent-clinical-drug"
        }
        Screen::ConsentCheckup => {
            body.push_str(
                "<p class=\"step\">4 / 5</p><h1>特定健診等情報の提供に同意しますか</h1>\
                 <p class=\"explain\">過去5年間の健診の結果を、この医療機関の医師・歯科医師が診療に使います。\
                 同意は24時間有効です。</p>",
            );
            consent_buttons(&mut body);
            "consent-checkup"
        }
        Screen::Register => {
            body.push_str(
                "<p class=\"step\">5 / 5</p><h1>保険証の利用登録がされていません</h1>\
                 <p>このマイナンバーカードは、まだ保険証として登録されていません。いま登録しますか。</p>\
                 <form method=\"post\" action=\"/register\" class=\"choices\">\
                 <button name=\"choice\" value=\"yes\" id=\"register-yes\">登録する</button>\
                 <button name=\"choice\" value=\"no\" class=\"secondary\" id=\"register-no\">登録しない</button></form>",
            );
            "register"
        }
        Screen::Done(Done { name, lines, failure_mode }) => {
            body.push_str("<p class=\"step\">5 / 5</p><h1>受付が完了しました</h1>");
            if let Some(banner) = failure_mode {
                let _ = write!(body, "<p class=\"banner\" id=\"failure-mode\" role=\"alert\">{}</p>", escape(banner));
            }
            if !name.is_empty() {
                let _ = write!(body, "<p class=\"name\">{} 様</p>", escape(name));
            }
            for line in lines {
                let _ = write!(body, "<p class=\"notice\" role=\"status\">{}</p>", escape(line));
            }
            body.push_str("<p>カードをお取りください。お名前が呼ばれるまでお待ちください。</p>");
            again(&mut body, "おわる", 30);
            "done"
        }
        Screen::Refused { title, message } => {
            let _ = write!(
                body,
                "<h1>{}</h1><p class=\"error\" id=\"refusal\" role=\"alert\">{}</p><p>カードをお取りください。</p>",
                escape(title),
                escape(message)
            );
            again(&mut body, "最初の画面にもどる", 60);
            "refused"
        }
    };
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>マイナ保険証 受付</title><style>{KIOSK_STYLE}</style></head>\
         <body><main data-screen=\"{name}\">{body}</main></body></html>"
    )
}

fn consent_buttons(body: &mut String) {
    body.push_str(
        "<form method=\"post\" action=\"/consent\" class=\"choices\">\
         <button name=\"choice\" value=\"yes\" id=\"agree\">同意する</button>\
         <button name=\"choice\" value=\"no\" class=\"secondary\" id=\"disagree\">同意しない</button></form>",
    );
}

/// The button back to the first screen, pressed by itself after `seconds`
/// so that the next patient does not see this one's result.
fn again(body: &mut String, label: &str, seconds: u32) {
    let _ = write!(
        body,
        "<form method=\"post\" action=\"/reset\" id=\"again\" class=\"choices\"><button id=\"reset\">{label}</button></form>\
         <script>setTimeout(()=>document.getElementById('again').submit(),{}000);</script>",
        seconds
    );
}

const RECEPTION_STYLE: &str = "\
*{box-sizing:border-box}\
body{margin:0;font-family:'IPAexGothic','Noto Sans CJK JP',sans-serif;background:#fafafa;color:#111;font-size:18px;line-height:1.5}\
header{background:#0d47a1;color:#fff;padding:12px 24px}header h1{margin:0;font-size:26px}\
main{padding:16px 24px;display:grid;grid-template-columns:1fr 340px;gap:24px}\
.check{background:#fff;border:2px solid #90a4ae;border-radius:10px;padding:12px 16px;margin-bottom:16px}\
.check.refused{border-color:#c62828}\
.check h2{font-size:20px;margin:0 0 8px;display:flex;justify-content:space-between}\
.name{font-size:30px;font-weight:bold}.kana{font-size:18px;color:#333}\
table{border-collapse:collapse;margin:8px 0}th,td{text-align:left;padding:2px 12px 2px 0;vertical-align:top}th{color:#37474f;font-weight:normal}\
.copay{font-size:26px;font-weight:bold}\
.banner{background:#fff3e0;border:3px solid #e65100;color:#bf360c;font-weight:bold;padding:10px 14px;border-radius:8px}\
.refusal{color:#b71c1c;font-weight:bold}\
.notes{background:#fff8e1;padding:6px 12px;border-radius:6px}\
form label{display:block;margin-top:8px}form input{font:inherit;width:100%;padding:6px}\
form button{font:inherit;font-weight:bold;margin-top:12px;padding:10px 20px;background:#1565c0;color:#fff;border:0;border-radius:6px}\
.error{color:#b71c1c;font-weight:bold}\
.empty{color:#607d8b}\
@media print{header,aside,.print-button,nav{display:none}main{display:block}.check{border:1px solid #000}}";

/// The reception page: the live list of checks, the failure mode's queue
/// and the manual check form.
pub(crate) fn reception(list: &[Check], queue: &[QueuedVisit], error: Option<&str>) -> String {
    let error = error.map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>", escape(e))).unwrap_or_default();
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>受付 — オンライン資格確認</title><style>{RECEPTION_STYLE}</style></head>\
         <body><header><h1>受付 — オンライン資格確認の結果</h1></header>\
         <main><section aria-label=\"確認結果\"><div id=\"checks\">{checks}</div></section>\
         <aside><h2>保険者番号で確認</h2>\
         <p>資格確認書・保険証をお持ちの方</p>{error}\
         <form method=\"post\" action=\"/insured-number\" id=\"number-form\">\
         <label>保険者番号<input name=\"insurer_number\" id=\"insurer_number\" inputmode=\"numeric\" required></label>\
         <label>記号<input name=\"symbol\" id=\"symbol\" required></label>\
         <label>番号<input name=\"number\" id=\"number\" required></label>\
         <label>枝番<input name=\"branch\" id=\"branch\" inputmode=\"numeric\"></label>\
         <label>生年月日（例 1980-04-01、昭和55年4月1日）<input name=\"birth_date\" id=\"birth_date\" required></label>\
         <button type=\"submit\" id=\"number-check\">資格を確認する</button></form></aside></main>\
         <script>\
         let last=document.getElementById('checks').innerHTML;\
         async function refresh(){{try{{const r=await fetch('/checks',{{cache:'no-store'}});\
         if(r.ok){{const t=await r.text();if(t!==last){{last=t;const box=document.getElementById('checks');\
         const keep={{}};box.querySelectorAll('form.viewing').forEach(f=>{{const i=f.querySelector('input');\
         if(i&&i.value)keep[f.action]=[i.value,i===document.activeElement];}});box.innerHTML=t;\
         box.querySelectorAll('form.viewing').forEach(f=>{{const k=keep[f.action];const i=f.querySelector('input');\
         if(k&&i){{i.value=k[0];if(k[1])i.focus();}}}});}}}}}}catch(e){{}}}}\
         setInterval(refresh,1000);\
         </script></body></html>",
        checks = checks_and_queue(list, queue),
    )
}

/// The part of the reception page fetched again every second: the checks
/// and, when there are some, the visits of the failure mode.
pub(crate) fn checks_and_queue(list: &[Check], queue: &[QueuedVisit]) -> String {
    let mut out = String::new();
    if queue.iter().any(|v| v.state == VisitState::Queued) && !list.iter().any(|c| c.source == Source::FailureMode) {
        out.push_str(
            "<p class=\"banner\" id=\"failure-mode\" role=\"alert\">障害時モード: オンライン資格確認との照合を待っている受付があります。</p>",
        );
    }
    out.push_str(&checks(list));
    if !queue.is_empty() {
        offline_queue(&mut out, queue);
    }
    out
}

/// The visits accepted in failure mode, newest first, with where each
/// stands: 照合待ち until the platform answered, then its answer.
fn offline_queue(out: &mut String, queue: &[QueuedVisit]) {
    out.push_str(
        "<section id=\"offline-queue\" aria-label=\"障害時モードの受付\"><h2>障害時モードで受け付けた確認（オンライン資格確認との照合）</h2>",
    );
    for visit in queue.iter().rev() {
        let at = onshi_domain::date::time_in_japan(visit.visited_at);
        let outcome: serde_json::Value =
            visit.outcome.as_deref().and_then(|o| serde_json::from_str(o).ok()).unwrap_or_default();
        let name = outcome["answer"]["coverages"][0]["name"].as_str().unwrap_or(&visit.name).to_owned();
        let (state, label) = match visit.state {
            VisitState::Queued => ("queued", format!("照合待ち（送信 {}回）", visit.attempts)),
            VisitState::Reconciled => match outcome["answer"]["validity"]["label"].as_str() {
                Some(label) => ("reconciled", format!("照合済み: 資格{label}")),
                None => (
                    "reconciled",
                    format!(
                        "照合済み: カードを確認できませんでした（{}）",
                        outcome["refusal"]["code"].as_str().unwrap_or("")
                    ),
                ),
            },
            VisitState::Rejected => (
                "rejected",
                format!(
                    "要確認: オンライン資格確認が受け付けませんでした（{}）",
                    outcome["message"].as_str().unwrap_or("")
                ),
            ),
        };
        let _ = write!(
            out,
            "<article class=\"check offline\" data-visit-id=\"{}\" data-state=\"{state}\"><h2><span>{} マイナ保険証（障害時）</span></h2>\
             <p><span class=\"name\">{}</span></p><p class=\"offline-state\">{}</p>\
             <p>受付番号 {}・同意: 診療・薬剤情報 {}、特定健診等情報 {}</p></article>",
            escape(&visit.visit_id),
            at.format("%m/%d %H:%M:%S"),
            escape(if name.is_empty() { "（氏名は照合後に表示）" } else { &name }),
            escape(&label),
            escape(&visit.visit_id[..visit.visit_id.len().min(8)]),
            if visit.clinical_drug { "あり" } else { "なし" },
            if visit.checkup { "あり" } else { "なし" },
        );
    }
    out.push_str("</section>");
}

/// The list of checks, newest first: the part of the reception page that
/// is fetched again every second.
pub(crate) fn checks(list: &[Check]) -> String {
    let mut out = String::new();
    if list.iter().any(|c| c.source == Source::FailureMode) {
        out.push_str(
            "<p class=\"banner\" id=\"failure-mode\" role=\"alert\">障害時モード: オンライン資格確認につながらなかった確認があります。\
             印のある結果は前回の確認結果または資格情報のお知らせによるもので、最新ではありません。</p>",
        );
    }
    if list.is_empty() {
        out.push_str("<p class=\"empty\">まだ確認はありません。カードリーダーでの確認はここに表示されます。</p>");
    }
    for check in list.iter().rev() {
        check_article(&mut out, check, true);
    }
    out
}

fn check_article(out: &mut String, check: &Check, with_print_link: bool) {
    let method = match check.method {
        CheckMethod::Card => "マイナ保険証",
        CheckMethod::InsuredNumber => "保険者番号",
    };
    let refused = matches!(check.outcome, Outcome::Refused { .. });
    let _ = write!(
        out,
        "<article class=\"check{}\" data-check-id=\"{}\" data-method=\"{}\"><h2><span>{} {}</span>",
        if refused { " refused" } else { "" },
        check.id,
        match check.method {
            CheckMethod::Card => "card",
            CheckMethod::InsuredNumber => "insured-number",
        },
        check.at.format("%H:%M:%S"),
        method,
    );
    if with_print_link {
        let _ = write!(out, "<a href=\"/checks/{}\" target=\"_blank\" class=\"print-link\">印刷用</a>", check.id);
    }
    out.push_str("</h2>");
    if check.source == Source::FailureMode {
        out.push_str(
            "<p class=\"banner\">障害時モードの結果: オンライン資格確認につながらず、前回の確認結果を表示しています</p>",
        );
    }
    match &check.outcome {
        Outcome::Answer(answer) => {
            answer_details(out, check.method, answer, check.source == Source::FailureMode);
            if with_print_link && check.source == Source::Platform {
                viewing_form(out, check.id, answer);
            }
        }
        Outcome::Refused { code, message } => {
            let _ = write!(
                out,
                "<p class=\"refusal\">資格確認できませんでした（{}）</p><p>{}</p>",
                escape(code),
                escape(message)
            );
        }
    }
    if !check.notes.is_empty() {
        out.push_str("<ul class=\"notes\">");
        for note in &check.notes {
            let _ = write!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>");
    }
    out.push_str("</article>");
}

/// What a consent lets staff open: (category path, label) for each
/// category consented at the reader.
fn viewable(answer: &Answer) -> Vec<(&'static str, &'static str)> {
    if !answer.medical_information_allowed || answer.coverages.is_empty() {
        return Vec::new();
    }
    let consented = answer.consent_categories.clone().unwrap_or_default();
    let mut out = Vec::new();
    if consented.iter().any(|c| c == "clinical_drug") {
        out.push(("drugs", "薬剤情報"));
        out.push(("clinical", "診療情報"));
    }
    if consented.iter().any(|c| c == "checkup") {
        out.push(("checkups", "特定健診等情報"));
    }
    out
}

/// Buttons that open the consented information in a new tab; the staff
/// member's id goes with the request (the platform checks that they may).
fn viewing_form(out: &mut String, id: u64, answer: &Answer) {
    let categories = viewable(answer);
    if categories.is_empty() {
        return;
    }
    let _ = write!(
        out,
        "<form method=\"post\" action=\"/checks/{id}/medical\" target=\"_blank\" class=\"viewing\">\
         <label>閲覧する職員ID <input name=\"staff_id\" required maxlength=\"32\" autocomplete=\"off\"></label>"
    );
    for (path, label) in categories {
        let _ = write!(out, "<button name=\"category\" value=\"{path}\" data-category=\"{path}\">{label}</button>");
    }
    out.push_str("</form>");
}

/// A JSON value as text for a cell.
fn cell(value: Option<&serde_json::Value>) -> String {
    match value {
        None | Some(serde_json::Value::Null) => "—".to_owned(),
        Some(serde_json::Value::String(s)) => escape(s),
        Some(other) => escape(&other.to_string()),
    }
}

/// The records a facility opened, as a table staff can read and print.
pub(crate) fn medical(
    check_id: u64,
    patient: &str,
    category: &str,
    outcome: Result<&serde_json::Value, (String, String)>,
) -> String {
    let (title, columns): (&str, &[(&str, &str)]) = match category {
        "drugs" => (
            "薬剤情報",
            &[
                ("dispensed_on", "調剤日"),
                ("name", "医薬品名"),
                ("ingredient", "成分"),
                ("dose", "用法"),
                ("quantity", "数量"),
                ("unit", "単位"),
                ("days", "日数"),
                ("facility_name", "調剤・処方"),
            ],
        ),
        "clinical" => (
            "診療情報",
            &[
                ("performed_on", "診療日"),
                ("category", "区分"),
                ("name", "名称"),
                ("code", "コード"),
                ("facility_name", "医療機関"),
            ],
        ),
        _ => ("特定健診等情報", &[("checked_on", "受診日"), ("facility_name", "実施機関"), ("results", "結果")]),
    };
    let mut body = String::new();
    match outcome {
        Ok(answer) => {
            let records = answer["records"].as_array().cloned().unwrap_or_default();
            let _ = write!(
                body,
                "<p class=\"basis\">閲覧の根拠: 本人同意（同意ID {}）。この閲覧は本人のやりとり履歴に記録されます。</p>",
                cell(answer.get("consent_id"))
            );
            if records.is_empty() {
                body.push_str("<p class=\"empty\">該当する情報はありません。</p>");
            } else {
                body.push_str("<table class=\"records\"><thead><tr>");
                for (_, label) in columns {
                    let _ = write!(body, "<th>{label}</th>");
                }
                body.push_str("</tr></thead><tbody>");
                for record in &records {
                    let fields = &record["body"];
                    body.push_str("<tr>");
                    for (key, _) in columns {
                        let value = fields.get(*key).or_else(|| {
                            (*key == "dispensed_on" || *key == "performed_on" || *key == "checked_on")
                                .then(|| &record["date"])
                        });
                        let _ = write!(body, "<td>{}</td>", cell(value));
                    }
                    body.push_str("</tr>");
                }
                body.push_str("</tbody></table>");
            }
        }
        Err((code, message)) => {
            let _ = write!(
                body,
                "<p class=\"refusal\" data-code=\"{}\">閲覧できませんでした（{}）</p>",
                escape(&code),
                escape(&code),
            );
            if let Some(reason) = viewing_refusal_ja(&code) {
                let _ = write!(body, "<p class=\"reason\">{reason}</p>");
            }
            let _ = write!(body, "<p class=\"detail\">{}</p>", escape(&message));
        }
    }
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <title>{title} {check_id}</title><style>{RECEPTION_STYLE}\
         main{{display:block;max-width:1100px;padding:16px}}table.records{{border-collapse:collapse;width:100%}}\
         table.records th,table.records td{{border:1px solid #999;padding:4px 8px;text-align:left;font-size:16px}}</style></head>\
         <body><main><h1>{title}</h1><p>患者: {}</p>{body}\
         <p><button class=\"print-button\" onclick=\"window.print()\">印刷する</button></p></main></body></html>",
        escape(patient)
    )
}

/// What a refusal of a read means and what to do, for reception staff
/// (the platform's own message, in English, follows it).
fn viewing_refusal_ja(code: &str) -> Option<&'static str> {
    Some(match code {
        "staff_not_qualified" => {
            "この職員の資格では閲覧できません。薬剤情報・診療情報は医師・歯科医師・薬剤師、\
             特定健診等情報は医師・歯科医師が閲覧できます。"
        }
        "unknown_staff" => {
            "この職員IDは当院の職員として登録されていません。職員IDを確かめるか、\
             職員を登録してください（onshi facility add-staff）。"
        }
        "no_consent" => {
            "患者さんの同意がないか、同意の期限が切れたか、撤回されています。\
             カードリーダーでもう一度受付をしてもらってください。"
        }
        "certificate_in_grace" => {
            "電子証明書の有効期限が切れているため、資格確認のみで医療情報は閲覧できません。\
             市区町村の窓口での更新をご案内ください。"
        }
        "blocked_by_person" => {
            "ご本人がマイナポータルで当院からの閲覧を拒否しているため、医療情報は閲覧できません。\
             解除はご本人にしかできません。"
        }
        "linkage_under_inspection" => "この方の資格情報は紐付けの点検中のため、医療情報は閲覧できません。",
        "member_not_linked" => "この資格はまだ本人と紐付いていないため、医療情報は閲覧できません。",
        "unknown_member" => "この資格（保険者番号・記号・番号・枝番）は登録されていません。",
        "access_log_unavailable" | "unavailable" | "medical_api_disabled" => {
            "オンライン資格確認等システムで閲覧ができない状態です。しばらくしてからもう一度お試しください。"
        }
        _ => return None,
    })
}

/// `last_known`: a failure-mode result, the platform's last answer for the
/// card, whose dates and medical-information flag are from then.
fn answer_details(out: &mut String, method: CheckMethod, answer: &Answer, last_known: bool) {
    let _ = write!(
        out,
        "<p>資格有効性: <strong class=\"validity\" data-code=\"{}\">{}</strong></p>",
        answer.validity.code,
        escape(&answer.validity.label)
    );
    if let Some(as_of) = &answer.as_of {
        let label = if last_known { "前回確認日" } else { "確認日" };
        let _ = write!(out, "<p>{label}: {}</p>", escape(&wareki(as_of)));
    }
    for coverage in &answer.coverages {
        coverage_details(out, coverage);
    }
    if method == CheckMethod::Card {
        let given = answer.consent_categories.clone().unwrap_or_default();
        let mark = |category: &str| if given.iter().any(|g| g == category) { "同意あり" } else { "同意なし" };
        let _ = write!(
            out,
            "<table class=\"consent\"><tr><th>診療・薬剤情報</th><td data-consent=\"clinical_drug\">{}</td></tr>\
             <tr><th>特定健診等情報</th><td data-consent=\"checkup\">{}</td></tr></table>",
            mark("clinical_drug"),
            mark("checkup")
        );
        if last_known {
            out.push_str("<p class=\"refusal\">医療情報は、オンライン資格確認との照合が済むまで閲覧できません</p>");
        } else if !answer.medical_information_allowed && !given.is_empty() {
            out.push_str("<p class=\"refusal\">医療情報は閲覧できません（電子証明書の期限切れ、または資格が無効）</p>");
        }
    } else {
        out.push_str("<p>保険者番号での確認のため、医療情報の閲覧はできません。</p>");
    }
}

fn coverage_details(out: &mut String, c: &CoverageBody) {
    let relationship = match c.relationship {
        1 => "本人",
        2 => "家族",
        _ => "",
    };
    let _ = write!(
        out,
        "<div class=\"coverage\"><p><span class=\"name\">{}</span> <span class=\"kana\">{}</span></p>\
         <table><tr><th>生年月日</th><td>{}</td></tr>\
         <tr><th>保険者</th><td>{}{}</td></tr>\
         <tr><th>記号・番号・枝番</th><td>{}・{}・{} （{}）</td></tr>\
         <tr><th>負担割合</th><td class=\"copay\">{}割</td></tr>\
         <tr><th>資格取得日</th><td>{}</td></tr>",
        escape(&c.name),
        escape(&c.name_kana),
        escape(&wareki(&c.birth_date)),
        escape(&c.insurer_number),
        if c.insurer_name.is_empty() { String::new() } else { format!(" {}", escape(&c.insurer_name)) },
        escape(&c.symbol),
        escape(&c.number),
        escape(&c.branch),
        relationship,
        c.copay_ratio,
        escape(&wareki(&c.acquired_on)),
    );
    if let Some(lost) = &c.lost_on {
        let _ = write!(out, "<tr><th>資格喪失日</th><td>{}</td></tr>", escape(&wareki(lost)));
    }
    if let Some(reason) = &c.loss_reason {
        let _ = write!(out, "<tr><th>資格喪失事由</th><td>{}</td></tr>", escape(&reason.name));
    }
    if let Some(limit) = &c.limit {
        let _ = write!(
            out,
            "<tr><th>限度額適用区分</th><td class=\"limit\">{} （{}、{}まで）</td></tr>",
            escape(&limit.category.name),
            escape(&limit.kind.name),
            escape(&wareki(&limit.valid_until)),
        );
    }
    if let Some(elderly) = &c.elderly {
        let _ = write!(
            out,
            "<tr><th>高齢受給者証</th><td class=\"elderly\">{}割 （{}まで）</td></tr>",
            elderly.copay_ratio,
            escape(&wareki(&elderly.valid_until)),
        );
    }
    out.push_str("</table></div>");
}

/// One check on its own, laid out for printing (A4, no navigation).
pub(crate) fn print(check: &Check) -> String {
    let mut article = String::new();
    check_article(&mut article, check, false);
    format!(
        "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\">\
         <title>資格確認結果 {}</title><style>{RECEPTION_STYLE}\
         main{{display:block;max-width:760px}}@page{{size:A4;margin:15mm}}</style></head>\
         <body><main><h1>オンライン資格確認 結果</h1>{article}\
         <p><button class=\"print-button\" onclick=\"window.print()\">印刷する</button></p></main></body></html>",
        check.id
    )
}

pub(crate) fn not_found() -> String {
    "<!doctype html><html lang=\"ja\"><head><meta charset=\"utf-8\"><title>見つかりません</title></head>\
     <body><p>この確認結果はありません（kiosk を再起動すると一覧は消えます）。</p></body></html>"
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::ValidityBody;

    fn check(source: Source) -> Check {
        Check {
            id: 7,
            at: chrono::NaiveDate::from_ymd_opt(2026, 4, 1)
                .and_then(|d| d.and_hms_opt(9, 30, 0))
                .expect("a valid time"),
            method: CheckMethod::Card,
            source,
            outcome: Outcome::Answer(Answer {
                validity: ValidityBody { code: 1, label: "有効".to_owned() },
                as_of: Some("2026-04-01".to_owned()),
                coverages: vec![coverage()],
                certificate_validity: Some("valid".to_owned()),
                medical_information_allowed: true,
                consent_categories: Some(vec!["checkup".to_owned()]),
                consent_expires_at: None,
                card_registered: Some(true),
            }),
            notes: vec!["<script>".to_owned()],
        }
    }

    fn coverage() -> CoverageBody {
        use crate::platform::{CodeBody, ElderlyBody, LimitBody};
        CoverageBody {
            insurer_number: "39130010".to_owned(),
            insurer_name: "東京都後期高齢者医療広域連合".to_owned(),
            symbol: "".to_owned(),
            number: "12345678".to_owned(),
            branch: "00".to_owned(),
            relationship: 1,
            name: "山田　花子".to_owned(),
            name_kana: "ヤマダ　ハナコ".to_owned(),
            birth_date: "1950-02-03".to_owned(),
            sex: 2,
            address: "東京都八王子市".to_owned(),
            acquired_on: "2015-02-03".to_owned(),
            lost_on: None,
            copay_ratio: 1,
            loss_reason: None,
            limit: Some(LimitBody {
                kind: CodeBody { code: "01".to_owned(), name: "限度額適用認定証".to_owned() },
                category: CodeBody { code: "B02".to_owned(), name: "現役並みⅡ".to_owned() },
                issued_on: None,
                valid_from: None,
                valid_until: "2027-07-31".to_owned(),
            }),
            elderly: Some(ElderlyBody {
                copay_ratio: 2,
                issued_on: None,
                valid_from: None,
                valid_until: "2027-07-31".to_owned(),
            }),
        }
    }

    #[test]
    fn the_coverage_shows_the_limit_category_and_the_elderly_certificate_when_answered() {
        let html = checks(&[check(Source::Platform)]);
        assert!(
            html.contains("<span class=\"name\">山田　花子</span> <span class=\"kana\">ヤマダ　ハナコ</span>"),
            "{html}"
        );
        assert!(html.contains("<td class=\"copay\">1割</td>"), "{html}");
        assert!(html.contains("<td class=\"limit\">現役並みⅡ （限度額適用認定証、令和9年7月31日まで）</td>"), "{html}");
        assert!(html.contains("<td class=\"elderly\">2割 （令和9年7月31日まで）</td>"), "{html}");
    }

    #[test]
    fn a_failure_mode_result_is_bannered_and_a_platform_result_is_not() {
        let platform = checks(&[check(Source::Platform)]);
        assert!(!platform.contains("障害時モード"), "{platform}");
        let fallback = checks(&[check(Source::FailureMode)]);
        assert!(fallback.contains("id=\"failure-mode\""), "{fallback}");
        assert!(fallback.contains("障害時モードの結果"), "{fallback}");
    }

    #[test]
    fn consent_is_shown_per_category_and_text_is_escaped() {
        let html = checks(&[check(Source::Platform)]);
        assert!(html.contains("<td data-consent=\"clinical_drug\">同意なし</td>"), "{html}");
        assert!(html.contains("<td data-consent=\"checkup\">同意あり</td>"), "{html}");
        assert!(html.contains("<li>&lt;script&gt;</li>"), "{html}");
    }

    #[test]
    fn the_viewing_form_offers_only_the_consented_categories() {
        let html = checks(&[check(Source::Platform)]);
        assert!(html.contains("action=\"/checks/7/medical\""), "{html}");
        assert!(html.contains("data-category=\"checkups\""), "{html}");
        assert!(!html.contains("data-category=\"drugs\""), "no consent to 診療・薬剤情報: {html}");
    }

    #[test]
    fn a_refused_read_is_explained_in_japanese_with_the_platform_message() {
        let refusal = ("staff_not_qualified".to_owned(), "a nurse may not view <drug>".to_owned());
        let html = medical(7, "山田　花子", "drugs", Err(refusal));
        assert!(html.contains("<h1>薬剤情報</h1>"), "{html}");
        assert!(html.contains("閲覧できませんでした（staff_not_qualified）"), "{html}");
        assert!(html.contains("この職員の資格では閲覧できません"), "{html}");
        assert!(html.contains("a nurse may not view &lt;drug&gt;"), "{html}");
        let unknown = medical(7, "山田　花子", "drugs", Err(("something_new".to_owned(), "why".to_owned())));
        assert!(unknown.contains("閲覧できませんでした（something_new）") && unknown.contains("why"), "{unknown}");
    }

    #[test]
    fn dates_are_written_in_wareki_when_they_parse() {
        assert_eq!(wareki("1955-01-02"), "昭和30年1月2日");
        assert_eq!(wareki("not a date"), "not a date");
    }
}
