//! The monthly import of medical information (薬剤情報, 診療情報, 医療費情報,
//! 特定健診等情報) an insurer sends: JSON Lines, one record per line, in the
//! format of `docs/medical-import.md` ([`onshi_domain::medical`]).
//!
//! As every import: each bad line is reported with its line number, the
//! field, the value and the rule, and the valid lines are imported; a
//! record id repeated within the file is a bad line (the first stands); a
//! record for a member the platform does not know is rejected (register
//! the member first); records are upserted by (保険者番号, kind, record id),
//! so importing a file twice changes nothing. Records attach to members;
//! those of members not linked, or linked under inspection, wait
//! (quarantined) until the link is usable.

use std::io::{BufRead, BufReader, Read};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use onshi_domain::medical::parse_line_as_of;
use onshi_store::Store;
use onshi_store::medical::NewRecord;

use crate::import::{
    Batch, BatchSender, ImportError, ImportOptions, ImportReport, Progress, Reject, RejectSink, SeenKeys, run_batches,
};

/// Longest line read (a checkup with every item is well under 4 KiB).
const MAX_LINE: usize = 64 * 1024;

/// Import a JSON Lines file of records into `store`, received at `at`.
pub async fn import(
    store: Arc<dyn Store>,
    input: Box<dyn Read + Send>,
    options: ImportOptions,
    at: DateTime<Utc>,
    rejects: &mut dyn RejectSink,
    progress: &mut (dyn FnMut(Progress) + Send),
) -> Result<ImportReport, ImportError> {
    let read = move |sender| read_batches(input, options, sender);
    run_batches(read, rejects, progress, |batch| {
        let store = Arc::clone(&store);
        async move { store.upsert_medical_records(batch, at).await }
    })
    .await
}

fn read_batches(input: Box<dyn Read + Send>, options: ImportOptions, sender: BatchSender<NewRecord>) {
    let new_batch = || Batch::with_capacity(options.batch_size);
    let mut reader = BufReader::with_capacity(1 << 20, input);
    let mut seen = SeenKeys::<(String, &'static str, String)>::new();
    let mut batch = new_batch();
    let mut buffer = Vec::with_capacity(1024);
    let (mut line_no, mut rows, mut bytes) = (0u64, 0u64, 0u64);
    loop {
        buffer.clear();
        let read = match reader.by_ref().take(MAX_LINE as u64 + 1).read_until(b'\n', &mut buffer) {
            Ok(n) => n,
            Err(e) => {
                let _ = sender.blocking_send(Err(ImportError::Interrupted(format!("cannot read the file: {e}"))));
                return;
            }
        };
        if read == 0 {
            break;
        }
        bytes += read as u64;
        line_no += 1;
        let reject =
            |field: &str, value: String, rule: String| Reject { line: line_no, field: field.into(), value, rule };
        if buffer.len() > MAX_LINE && !buffer.ends_with(b"\n") {
            // Skip the rest of an overlong line.
            let mut rest = Vec::new();
            if let Err(e) = reader.read_until(b'\n', &mut rest) {
                let _ = sender.blocking_send(Err(ImportError::Interrupted(format!("cannot read the file: {e}"))));
                return;
            }
            bytes += rest.len() as u64;
            rows += 1;
            batch.rejected_rows += 1;
            batch.rejects.push(reject("row", String::new(), format!("a line is at most {MAX_LINE} bytes")));
            continue;
        }
        let Ok(text) = std::str::from_utf8(&buffer) else {
            rows += 1;
            batch.rejected_rows += 1;
            batch.rejects.push(reject("row", String::new(), "the line is not UTF-8".into()));
            continue;
        };
        let text = text.trim_end_matches(['\n', '\r']);
        if text.trim().is_empty() {
            continue;
        }
        rows += 1;
        match parse_line_as_of(text, options.today) {
            Ok(row) => {
                let kind = row.record.kind();
                let key = (row.key.insurer_number.as_str().to_owned(), kind.code(), row.record_id.clone());
                if let Some(first) = seen.check(key, line_no) {
                    batch.rejected_rows += 1;
                    batch.rejects.push(reject(
                        "record_id",
                        row.record_id,
                        format!("this record id of this insurer and kind is already on line {first}; each record once per file"),
                    ));
                    continue;
                }
                batch.rows.push(NewRecord {
                    kind: kind.code().to_owned(),
                    record_id: row.record_id,
                    key: row.key,
                    on: row.record.date(),
                    body: row.record.to_json(),
                });
                batch.lines.push(line_no);
            }
            Err(e) => {
                batch.rejected_rows += 1;
                batch.rejects.push(reject(&e.field, e.value, e.rule));
            }
        }
        if batch.rows.len() >= options.batch_size {
            batch.progress = Progress { bytes_read: bytes, rows };
            if sender.blocking_send(Ok(std::mem::replace(&mut batch, new_batch()))).is_err() {
                return;
            }
        }
    }
    batch.progress = Progress { bytes_read: bytes, rows };
    let _ = sender.blocking_send(Ok(batch));
}
