//! The total inspection (総点検, issue 8): every member checked against the
//! registry, one report row per member, wrong links suspended at once.
//!
//! The inspection streams. Members come from the store in key order (保険者番号,
//! 記号, 番号, 枝番) in pages with their linked residents; while one page is
//! judged and written, the next is read, so the database and the matching
//! engine keep both cores busy, and memory holds at most a few pages whatever
//! the number of members. An unlinked member's resident is looked for among
//! the residents sharing its match key (normalised カナ氏名 and 生年月日), read
//! by index for each page.
//!
//! A linked member judged `mismatch` whose link is still active is suspended
//! with its suspension record and a notice to the person, keyed by (member,
//! person): an inspection interrupted and run again from the start writes the
//! same report and suspends nothing twice. After the members, the report of
//! accesses lists, for every suspended link in scope, every access to medical
//! information made through it.
//!
//! Report columns: `insurer_number,symbol,number,branch,verdict,resident_code,reasons`.
//! `verdict` is `match`, `review` or `mismatch` for a linked member and
//! `found`, `ambiguous` or `not_found` for an unlinked one. `reasons` holds
//! codes joined by `;`: the verdict's differences (`address:same_municipality`),
//! the state of the link when it is held (`link:suspended`) or decided
//! (`link:confirmed`), `resident:missing` for a link to a person the registry
//! no longer has, `my_number:not_in_registry` for an unlinked member whose My
//! Number no resident carries, and `candidates:N` for an ambiguous search.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_domain::id::InsurerNumber;
use onshi_domain::linkage::{self, FindVerdict, LinkVerdict};
use onshi_store::inspection::{Candidate, InspectionItem, NewSuspension, match_key};
use onshi_store::{LinkState, Store, StoreError};

/// The header of the inspection report.
pub const REPORT_HEADER: [&str; 7] =
    ["insurer_number", "symbol", "number", "branch", "verdict", "resident_code", "reasons"];

/// The header of the report of accesses through suspended links.
pub const ACCESS_HEADER: [&str; 13] = [
    "insurer_number",
    "symbol",
    "number",
    "branch",
    "resident_code",
    "suspended_at",
    "source",
    "reasons",
    "accessed_at",
    "facility_code",
    "accessor",
    "what",
    "basis",
];

/// What an inspection covers and how.
#[derive(Debug, Clone)]
pub struct InspectOptions {
    /// Only this insurer's members; all when `None`.
    pub insurer: Option<InsurerNumber>,
    /// Members per page read from the store.
    pub page_size: u32,
    /// The time written on suspensions and notices.
    pub at: DateTime<Utc>,
}

impl InspectOptions {
    pub fn new(at: DateTime<Utc>) -> InspectOptions {
        InspectOptions { insurer: None, page_size: 5_000, at }
    }
}

/// What an inspection found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionSummary {
    pub members: u64,
    pub matched: u64,
    pub review: u64,
    pub mismatch: u64,
    pub found: u64,
    pub ambiguous: u64,
    pub not_found: u64,
    /// Links this run suspended (0 when run again).
    pub suspended_now: u64,
    /// Links suspended in scope when the run ended (held by imports, by
    /// earlier runs or by this one).
    pub suspended_links: u64,
    /// Accesses to medical information through those links.
    pub accesses: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum InspectError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write the report: {0}")]
    Write(#[from] csv::Error),
    #[error("an inspection task failed: {0}")]
    Task(String),
}

/// One judged member, as a report row.
struct Row {
    verdict: &'static str,
    resident_code: String,
    reasons: Vec<String>,
}

fn judge_linked(item: &InspectionItem) -> (Row, Option<NewSuspension>) {
    let Some((code, resident)) = &item.resident else {
        let row =
            Row { verdict: "mismatch", resident_code: String::new(), reasons: vec!["resident:missing".to_owned()] };
        return (row, None);
    };
    let verdict = linkage::judge_link(&linkage::compare(&item.attributes, resident));
    let (code_str, mut reasons) = match &verdict {
        LinkVerdict::Match => ("match", Vec::new()),
        LinkVerdict::Review { reasons } => ("review", reasons.clone()),
        LinkVerdict::Mismatch { reasons } => ("mismatch", reasons.clone()),
    };
    let mut suspension = None;
    match item.link_state {
        Some(LinkState::Suspended) => reasons.push("link:suspended".to_owned()),
        Some(LinkState::Confirmed) => reasons.push("link:confirmed".to_owned()),
        Some(LinkState::Active) | None => {
            if let (LinkVerdict::Mismatch { reasons: why }, Some(person_id)) = (&verdict, item.person_id) {
                suspension = Some(NewSuspension {
                    member_id: item.member_id,
                    person_id,
                    insurer_number: item.key.insurer_number.clone(),
                    reasons: why.clone(),
                });
                reasons.push("link:suspended".to_owned());
            }
        }
    }
    (Row { verdict: code_str, resident_code: code.as_str().to_owned(), reasons }, suspension)
}

fn judge_unlinked(item: &InspectionItem, candidates: &[&Candidate]) -> Row {
    let mut reasons = Vec::new();
    if item.has_my_number {
        reasons.push("my_number:not_in_registry".to_owned());
    }
    match linkage::find(&item.attributes, candidates.iter().map(|c| (c.resident_code.as_str(), &c.attributes))) {
        FindVerdict::Found(code) => Row { verdict: "found", resident_code: code.to_owned(), reasons },
        FindVerdict::Ambiguous(codes) => {
            reasons.push(format!("candidates:{}", codes.len()));
            Row { verdict: "ambiguous", resident_code: String::new(), reasons }
        }
        FindVerdict::NotFound => Row { verdict: "not_found", resident_code: String::new(), reasons },
    }
}

/// Judge one page and write its rows; returns the links to suspend.
fn judge_page<W: Write>(
    items: &[InspectionItem],
    candidates: &[Candidate],
    report: &mut csv::Writer<W>,
    summary: &mut InspectionSummary,
) -> Result<Vec<NewSuspension>, csv::Error> {
    let mut by_key: HashMap<&str, Vec<&Candidate>> = HashMap::new();
    for candidate in candidates {
        by_key.entry(candidate.match_key.as_str()).or_default().push(candidate);
    }
    let mut suspend = Vec::new();
    for item in items {
        let row = if item.person_id.is_some() {
            let (row, suspension) = judge_linked(item);
            suspend.extend(suspension);
            row
        } else {
            let key = match_key(&item.attributes.name_kana, item.attributes.birth_date);
            judge_unlinked(item, by_key.get(key.as_str()).map_or(&[], Vec::as_slice))
        };
        summary.members += 1;
        match row.verdict {
            "match" => summary.matched += 1,
            "review" => summary.review += 1,
            "mismatch" => summary.mismatch += 1,
            "found" => summary.found += 1,
            "ambiguous" => summary.ambiguous += 1,
            _ => summary.not_found += 1,
        }
        let branch = format!("{:02}", item.key.branch.value());
        report.write_record([
            item.key.insurer_number.as_str(),
            item.key.symbol.as_str(),
            item.key.number.as_str(),
            branch.as_str(),
            row.verdict,
            row.resident_code.as_str(),
            row.reasons.join(";").as_str(),
        ])?;
    }
    Ok(suspend)
}

/// Run the inspection: write one report row per member to `report`, suspend
/// wrong links, then write the accesses through every suspended link in scope
/// to `accesses`. `progress` is called with the number of members done.
pub async fn inspect<W, A>(
    store: Arc<dyn Store>,
    options: InspectOptions,
    report: W,
    accesses: A,
    progress: impl Fn(u64) + Send + Sync + 'static,
) -> Result<InspectionSummary, InspectError>
where
    W: Write + Send + 'static,
    A: Write + Send + 'static,
{
    // Residents written before the match key existed get it now.
    while store.fill_match_keys(50_000).await? > 0 {}

    let (pages_tx, mut pages_rx) = tokio::sync::mpsc::channel::<Result<Vec<InspectionItem>, StoreError>>(2);
    let reader_store = Arc::clone(&store);
    let (insurer, page_size) = (options.insurer.clone(), options.page_size.max(1));
    let reader = tokio::spawn(async move {
        let mut after = None;
        loop {
            let page = reader_store.inspection_batch(insurer.clone(), after.take(), page_size).await;
            let last = match &page {
                Ok(items) if items.is_empty() => return,
                Ok(items) => items.last().map(|item| item.key.clone()),
                Err(_) => None,
            };
            let failed = page.is_err();
            if pages_tx.send(page).await.is_err() || failed {
                return;
            }
            after = last;
        }
    });

    let mut writer = csv::WriterBuilder::new().from_writer(report);
    writer.write_record(REPORT_HEADER)?;
    let mut state = Some((writer, InspectionSummary::default()));
    while let Some(page) = pages_rx.recv().await {
        let items = page?;
        let keys: Vec<String> = items
            .iter()
            .filter(|item| item.person_id.is_none())
            .map(|item| match_key(&item.attributes.name_kana, item.attributes.birth_date))
            .collect();
        let candidates = if keys.is_empty() { Vec::new() } else { store.match_candidates(keys).await? };
        let (mut writer, mut summary) = state.take().expect("the writer is returned after each page");
        let (writer, mut summary, suspend) = tokio::task::spawn_blocking(move || {
            let suspend = judge_page(&items, &candidates, &mut writer, &mut summary)?;
            Ok::<_, csv::Error>((writer, summary, suspend))
        })
        .await
        .map_err(|e| InspectError::Task(e.to_string()))??;
        if !suspend.is_empty() {
            summary.suspended_now += store.suspend_links(suspend, options.at).await?;
        }
        progress(summary.members);
        state = Some((writer, summary));
    }
    reader.await.map_err(|e| InspectError::Task(e.to_string()))?;
    let (mut writer, mut summary) = state.expect("the writer is returned after each page");
    writer.flush().map_err(csv::Error::from)?;

    let held = store.suspended_links(options.insurer.clone()).await?;
    summary.suspended_links = held.len() as u64;
    let mut access_writer = csv::WriterBuilder::new().from_writer(accesses);
    access_writer.write_record(ACCESS_HEADER)?;
    for link in &held {
        let list = store.accesses_through_link(link.member_id, link.person_id).await?;
        summary.accesses += list.len() as u64;
        let branch = format!("{:02}", link.key.branch.value());
        let suspended_at = link.suspension.suspended_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let reasons = link.suspension.reasons.join(";");
        let head = [
            link.key.insurer_number.as_str(),
            link.key.symbol.as_str(),
            link.key.number.as_str(),
            branch.as_str(),
            link.resident_code.as_str(),
            suspended_at.as_str(),
            link.suspension.source.code(),
            reasons.as_str(),
        ];
        if list.is_empty() {
            // The link is listed even with no access, so its absence is a finding.
            access_writer.write_record(head.iter().copied().chain(["", "", "", "", ""]))?;
        }
        for access in &list {
            let accessed_at = access.accessed_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            access_writer.write_record(head.iter().copied().chain([
                accessed_at.as_str(),
                access.facility_code.as_deref().unwrap_or(""),
                access.accessor.as_str(),
                access.what.as_str(),
                access.basis.as_str(),
            ]))?;
        }
    }
    access_writer.flush().map_err(csv::Error::from)?;
    Ok(summary)
}
