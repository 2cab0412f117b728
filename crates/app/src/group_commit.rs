//! Group commit of the eligibility checks' writes.
//!
//! Every check writes its log entry (and, for a card check, the consent the
//! patient gave) before it answers, so the record is durable when the
//! facility sees the answer. Written one by one, each check is one commit:
//! on SQLite's single writer and on PostgreSQL's WAL flush that is what
//! limits throughput. Here each check hands its writes to one writer task
//! and waits; the task takes everything waiting at that moment (up to
//! [`MAX_BATCH`] checks) and commits it in one transaction
//! ([`Store::record_checks`]), then wakes the checks of that batch. Under
//! light load a batch is one check and nothing changes; under heavy load
//! one commit serves many checks. A failed commit fails every check of its
//! batch, which write nothing.

use std::sync::{Arc, OnceLock};

use onshi_store::eligibility::{Consent, EligibilityLogEntry};
use onshi_store::{Store, StoreError};
use tokio::sync::{mpsc, oneshot};

/// The most checks one transaction carries.
pub(crate) const MAX_BATCH: usize = 512;

/// How many checks may wait for the writer before senders wait too.
const QUEUE: usize = 8 * MAX_BATCH;

struct Job {
    consent: Option<Consent>,
    entry: EligibilityLogEntry,
    done: oneshot::Sender<Result<(), String>>,
}

/// The writer of checks; its task starts with the first write (inside the
/// runtime) and ends when the writer is dropped.
pub(crate) struct CheckWriter {
    store: Arc<dyn Store>,
    queue: OnceLock<mpsc::Sender<Job>>,
}

impl CheckWriter {
    pub(crate) fn new(store: Arc<dyn Store>) -> CheckWriter {
        CheckWriter { store, queue: OnceLock::new() }
    }

    /// Write one check's consent (if any) and log entry; returns once they
    /// are committed.
    pub(crate) async fn write(&self, consent: Option<Consent>, entry: EligibilityLogEntry) -> Result<(), StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.store.clone(), rx));
            tx
        });
        let (done, answer) = oneshot::channel();
        let stopped = || StoreError::Unavailable {
            context: "writing the check".into(),
            source: "the check writer has stopped".into(),
        };
        queue.send(Job { consent, entry, done }).await.map_err(|_| stopped())?;
        match answer.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(message)) => {
                Err(StoreError::Unavailable { context: "committing the checks".into(), source: message.into() })
            }
            Err(_) => Err(stopped()),
        }
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<Job>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut consents = Vec::new();
        let mut entries = Vec::with_capacity(jobs.len());
        let mut waiting = Vec::with_capacity(jobs.len());
        for job in jobs.drain(..) {
            consents.extend(job.consent);
            entries.push(job.entry);
            waiting.push(job.done);
        }
        let result = store.record_checks(consents, entries).await.map_err(|e| e.to_string());
        for done in waiting {
            // A check whose request was dropped no longer waits.
            let _ = done.send(result.clone());
        }
    }
}
