//! Batch imports, the insurer's and the registry's everyday work.
//!
//! Formats (UTF-8, header row, columns by name, extra columns ignored):
//!
//! - registry: `resident_code,my_number,name_kanji,name_kana,birth_date,sex,address`
//! - members: `insurer_number,symbol,number,branch,name_kanji,name_kana,birth_date,sex,address,my_number,relationship,copay_ratio,acquired_on,lost_on`
//! - facilities: `facility_code,name,kind,address`
//! - insurers: `insurer_number,name` (an optional `kind` must agree with the number)
//! - medical information: JSON Lines (`docs/medical-import.md`, [`crate::medical_import`])
//!
//! Every invalid row is reported with its line number, the field, the value
//! and the rule it breaks, and the valid rows are imported. Rows are upserted
//! by their natural key, so importing the same file twice changes nothing.
//! Rows are written in batches, each one transaction: a crash leaves every row
//! in its old or its new state.
//!
//! Parsing runs on one thread and writing on another, connected by a small
//! bounded channel, so that a two-core machine keeps both busy.

use std::collections::HashMap;
use std::io::Read;
use std::sync::Arc;

use onshi_domain::Date;
use onshi_store::{BatchOutcome, Store, StoreError};

mod parse;
#[cfg(test)]
mod tests;

pub use parse::Kind;

/// One rejected row (or one bad field of it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reject {
    /// Line number in the file (the header is line 1).
    pub line: u64,
    /// Column name, or `row` for problems of the whole row.
    pub field: String,
    /// The value as found (My Numbers masked).
    pub value: String,
    /// The rule broken, in words a clerk can act on.
    pub rule: String,
}

/// Totals of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Data rows read (not counting the header).
    pub rows: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// Rows rejected (a row with several bad fields counts once).
    pub rejected_rows: u64,
    /// Members linked to a resident by My Number (for a registry import:
    /// waiting members linked because their resident arrived).
    pub linked: u64,
    /// Of those links, the ones judged a different person and held: the
    /// member is stored, its link suspended until an insurer decides.
    pub suspended: u64,
}

impl ImportReport {
    fn absorb(&mut self, outcome: &BatchOutcome) {
        self.inserted += outcome.inserted;
        self.updated += outcome.updated;
        self.unchanged += outcome.unchanged;
        self.linked += outcome.linked;
        self.suspended += outcome.suspended;
    }
}

/// Progress of an import, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub bytes_read: u64,
    pub rows: u64,
}

/// Where rejected rows go: a reject file and the screen, in the binary.
pub trait RejectSink: Send {
    fn reject(&mut self, reject: &Reject);
}

impl RejectSink for Vec<Reject> {
    fn reject(&mut self, reject: &Reject) {
        self.push(reject.clone());
    }
}

/// Why an import could not run at all (as opposed to rejected rows).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the header lacks the column(s) {missing}; expected header: {expected}")]
    MissingColumns { missing: String, expected: &'static str },
    #[error("the file could not be read as CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the import was interrupted: {0}")]
    Interrupted(String),
}

/// Tuning and context of an import.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions {
    /// Rows per transaction.
    pub batch_size: usize,
    /// Today, for rules such as "a birth date is not in the future".
    pub today: Date,
}

impl ImportOptions {
    pub fn new(today: Date) -> ImportOptions {
        ImportOptions { batch_size: 50_000, today }
    }
}

/// A batch of parsed rows with the line number of each.
pub(crate) struct Batch<T> {
    pub(crate) rows: Vec<T>,
    pub(crate) lines: Vec<u64>,
    pub(crate) rejects: Vec<Reject>,
    pub(crate) rejected_rows: u64,
    pub(crate) progress: Progress,
}

impl<T> Batch<T> {
    /// An empty batch with room for `capacity` rows.
    pub(crate) fn with_capacity(capacity: usize) -> Batch<T> {
        Batch {
            rows: Vec::with_capacity(capacity),
            lines: Vec::with_capacity(capacity),
            rejects: Vec::new(),
            rejected_rows: 0,
            progress: Progress { bytes_read: 0, rows: 0 },
        }
    }
}

/// Import a file of `kind` from `input` into `store`.
pub async fn import(
    store: Arc<dyn Store>,
    kind: Kind,
    input: Box<dyn Read + Send>,
    options: ImportOptions,
    rejects: &mut dyn RejectSink,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, ImportError> {
    match kind {
        Kind::Registry => {
            run(input, options, rejects, progress, parse::registry_parser, |batch| {
                let store = Arc::clone(&store);
                async move { store.upsert_residents(batch).await }
            })
            .await
        }
        Kind::Members => {
            run(input, options, rejects, progress, parse::member_parser, |batch| {
                let store = Arc::clone(&store);
                async move { store.upsert_members(batch).await }
            })
            .await
        }
        Kind::Facilities => {
            run(input, options, rejects, progress, parse::facility_parser, |batch| {
                let store = Arc::clone(&store);
                async move { store.upsert_facilities(batch).await }
            })
            .await
        }
        Kind::Insurers => {
            run(input, options, rejects, progress, parse::insurer_parser, |batch| {
                let store = Arc::clone(&store);
                async move { store.upsert_insurers(batch).await }
            })
            .await
        }
        Kind::Medical => {
            crate::medical_import::import(store, input, options, chrono::Utc::now(), rejects, progress).await
        }
    }
}

async fn run<T, P, W, Fut>(
    input: Box<dyn Read + Send>,
    options: ImportOptions,
    rejects: &mut dyn RejectSink,
    progress: &mut (dyn FnMut(Progress) + Send),
    make_parser: fn(&csv::StringRecord, ImportOptions) -> Result<P, ImportError>,
    write: W,
) -> Result<ImportReport, ImportError>
where
    T: Send + 'static,
    P: FnMut(&csv::ByteRecord, u64) -> Result<T, Vec<Reject>> + Send + 'static,
    W: Fn(Vec<T>) -> Fut,
    Fut: std::future::Future<Output = Result<BatchOutcome, StoreError>> + Send + 'static,
{
    let read = move |sender| parse::read_batches(input, options, make_parser, sender);
    run_batches(read, rejects, progress, write).await
}

/// The sending end of the channel a file's reader fills with batches.
pub(crate) type BatchSender<T> = tokio::sync::mpsc::Sender<Result<Batch<T>, ImportError>>;

/// Write the batches `read` produces (on a blocking thread), one in flight
/// while the next is prepared, and account for every row.
pub(crate) async fn run_batches<T, R, W, Fut>(
    read: R,
    rejects: &mut dyn RejectSink,
    progress: &mut (dyn FnMut(Progress) + Send),
    write: W,
) -> Result<ImportReport, ImportError>
where
    T: Send + 'static,
    R: FnOnce(BatchSender<T>) + Send + 'static,
    W: Fn(Vec<T>) -> Fut,
    Fut: std::future::Future<Output = Result<BatchOutcome, StoreError>> + Send + 'static,
{
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Batch<T>, ImportError>>(4);
    let parser = tokio::task::spawn_blocking(move || read(sender));
    let mut report = ImportReport::default();
    // One batch is written while the next is being prepared (the SQLite store
    // resolves My Numbers on a reader connection meanwhile). Keys are unique
    // across batches, so their order of commit does not matter; every batch
    // that was sent is settled before this returns, error or not.
    let mut in_flight: Option<InFlight> = None;
    while let Some(batch) = receiver.recv().await {
        let batch = match batch {
            Ok(batch) => batch,
            Err(error) => {
                if let Some(previous) = in_flight.take() {
                    previous.settle(&mut report, rejects, progress).await?;
                }
                return Err(error);
            }
        };
        report.rows += batch.rows.len() as u64 + batch.rejected_rows;
        report.rejected_rows += batch.rejected_rows;
        let write = if batch.rows.is_empty() { None } else { Some(tokio::spawn(write(batch.rows))) };
        let next = InFlight { write, lines: batch.lines, rejects: batch.rejects, progress: batch.progress };
        if let Some(previous) = in_flight.replace(next) {
            previous.settle(&mut report, rejects, progress).await?;
        }
    }
    if let Some(previous) = in_flight.take() {
        previous.settle(&mut report, rejects, progress).await?;
    }
    parser.await.map_err(|join| ImportError::Interrupted(join.to_string()))?;
    Ok(report)
}

/// A batch handed to the store and not yet accounted for.
struct InFlight {
    write: Option<tokio::task::JoinHandle<Result<BatchOutcome, StoreError>>>,
    lines: Vec<u64>,
    /// Rows the parser rejected; reported with the database's rejects, in
    /// line order, once the batch is settled.
    rejects: Vec<Reject>,
    progress: Progress,
}

impl InFlight {
    async fn settle(
        self,
        report: &mut ImportReport,
        rejects: &mut dyn RejectSink,
        progress: &mut (dyn FnMut(Progress) + Send),
    ) -> Result<(), ImportError> {
        let mut batch_rejects = self.rejects;
        if let Some(write) = self.write {
            let outcome = write.await.map_err(|join| ImportError::Interrupted(join.to_string()))??;
            report.absorb(&outcome);
            for (idx, conflict) in &outcome.rejected {
                report.rejected_rows += 1;
                let (field, value) = match conflict {
                    onshi_store::RowConflict::MyNumberTaken { my_number, .. } => ("my_number", my_number.clone()),
                    onshi_store::RowConflict::UnknownMember { key } => ("member", key.clone()),
                };
                batch_rejects.push(Reject {
                    line: self.lines[*idx],
                    field: field.to_owned(),
                    value,
                    rule: conflict.to_string(),
                });
            }
        }
        // A stable sort: the fields of one row stay in column order.
        batch_rejects.sort_by_key(|reject| reject.line);
        for reject in &batch_rejects {
            rejects.reject(reject);
        }
        progress(self.progress);
        Ok(())
    }
}

/// Keys already seen in this file, so that a duplicate row is rejected with a
/// pointer to the first instead of silently overwriting it.
pub(crate) struct SeenKeys<K> {
    first_line: HashMap<K, u64>,
}

impl<K: std::hash::Hash + Eq> SeenKeys<K> {
    pub(crate) fn new() -> Self {
        SeenKeys { first_line: HashMap::new() }
    }

    /// `Some(first line)` when `key` was seen before; otherwise records it.
    pub(crate) fn check(&mut self, key: K, line: u64) -> Option<u64> {
        match self.first_line.entry(key) {
            std::collections::hash_map::Entry::Occupied(entry) => Some(*entry.get()),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(line);
                None
            }
        }
    }
}
