//! `GET /`: a small Japanese page that says what this server is, how much it
//! holds and where the operational endpoints are. Public, so it shows counts
//! only, never a record.
//!
//! Plain `format!` with escaping for now; templates (askama) come with the
//! first real pages. No external assets: the page works offline and on a
//! phone.

use std::fmt::Write as _;

use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use onshi_store::Counts;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/", get(landing))
}

/// The landing page (HTML, Japanese).
#[utoipa::path(
    get,
    path = "/",
    tag = "pages",
    responses((status = 200, description = "Landing page", body = String, content_type = "text/html; charset=utf-8"))
)]
pub(crate) async fn landing(State(state): State<AppState>) -> Html<String> {
    let today = state.clock.today();
    // The page is a courtesy; when the database is down it still renders and
    // says so, while /readyz carries the status for machines.
    let counts = match state.store.counts(today).await {
        Ok(counts) => Some(counts),
        Err(error) => {
            tracing::warn!(error = %error, "store counts for the landing page failed");
            None
        }
    };
    Html(render(counts.as_ref(), &today.to_string(), state.store.backend().name()))
}

const TITLE: &str = "onshi — オンライン資格確認等システム";

fn render(counts: Option<&Counts>, today: &str, backend: &str) -> String {
    let mut rows = String::new();
    match counts {
        Some(counts) => {
            for (label, value) in [
                ("住民", counts.residents),
                ("保険者", counts.insurers),
                ("被保険者", counts.members),
                ("紐付け済み", counts.members_linked),
                ("医療機関", counts.facilities),
            ] {
                let _ = write!(rows, "<tr><th scope=\"row\">{label}</th><td>{}</td></tr>", group_digits(value));
            }
        }
        None => rows.push_str("<tr><td colspan=\"2\">データベースに接続できません。</td></tr>"),
    }
    format!(
        r#"<!doctype html>
<html lang="ja">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ padding: .4rem .6rem; border-bottom: 1px solid #ccc; text-align: left; }}
td {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style>
</head>
<body>
<h1>{title}</h1>
<p>マイナンバーカードによるオンライン資格確認のオープンな実装です。</p>
<table>
<caption>登録件数（{today} 現在、{backend}）</caption>
{rows}
</table>
<h2>運用者向け</h2>
<ul>
<li><a href="/healthz">/healthz</a> — 稼働確認</li>
<li><a href="/metrics">/metrics</a> — Prometheus メトリクス</li>
<li><a href="/openapi.json">/openapi.json</a> — API 仕様（OpenAPI 3.1）</li>
</ul>
</body>
</html>
"#,
        title = escape(TITLE),
        today = escape(today),
        backend = escape(backend),
    )
}

/// `1234567` → `1,234,567`.
fn group_digits(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (idx, digit) in digits.chars().enumerate() {
        if idx > 0 && (digits.len() - idx).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits_are_grouped_by_thousands() {
        let cases = [(0, "0"), (999, "999"), (1000, "1,000"), (125_000_000, "125,000,000")];
        for (value, expected) in cases {
            assert_eq!(group_digits(value), expected);
        }
    }

    #[test]
    fn markup_is_escaped() {
        assert_eq!(escape(r#"<a href="x">&'</a>"#), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
    }
}
