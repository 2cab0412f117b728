//! Group commit: many requests' writes in one transaction.
//!
//! An eligibility check writes its log entry (and, for a card check, the
//! consent the patient gave) before it answers, and a sign-in uses up its
//! challenge, so what the facility sees is durable. Written one by one,
//! each is one commit: on SQLite's single writer and on PostgreSQL's WAL
//! flush that is what limits throughput. Here each request hands its write
//! to one writer task and waits; the task takes everything waiting at that
//! moment (up to [`MAX_BATCH`]) and commits it in one transaction, then
//! wakes the requests of that batch, each with its own answer. Under light
//! load a batch is one request and nothing changes; under heavy load one
//! commit serves many. A failed commit fails every request of its batch,
//! and none of them is written.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};

use onshi_store::StoreError;
use tokio::sync::{mpsc, oneshot};

/// The most writes one transaction carries.
pub(crate) const MAX_BATCH: usize = 512;

/// How many writes may wait for the writer before senders wait too.
const QUEUE: usize = 8 * MAX_BATCH;

/// The future of one batch's commit: an answer per item, in order.
pub(crate) type Commit<O> = Pin<Box<dyn Future<Output = Result<Vec<O>, StoreError>> + Send>>;

type CommitFn<I, O> = Arc<dyn Fn(Vec<I>) -> Commit<O> + Send + Sync>;

struct Job<I, O> {
    item: I,
    done: oneshot::Sender<Result<O, String>>,
}

/// A writer of `I`s answering `O`s; its task starts with the first write
/// (inside the runtime) and ends when the writer is dropped.
pub(crate) struct GroupCommit<I, O> {
    what: &'static str,
    commit: CommitFn<I, O>,
    queue: OnceLock<mpsc::Sender<Job<I, O>>>,
}

impl<I: Send + 'static, O: Send + 'static> GroupCommit<I, O> {
    /// `commit` writes a batch in one transaction; `what` names it in errors.
    pub(crate) fn new(what: &'static str, commit: impl Fn(Vec<I>) -> Commit<O> + Send + Sync + 'static) -> Self {
        GroupCommit { what, commit: Arc::new(commit), queue: OnceLock::new() }
    }

    /// Write `item` with whatever else waits; returns once it is committed.
    pub(crate) async fn write(&self, item: I) -> Result<O, StoreError> {
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(self.commit.clone(), rx));
            tx
        });
        let stopped = || StoreError::Unavailable { context: self.what.into(), source: "the writer has stopped".into() };
        let (done, answer) = oneshot::channel();
        queue.send(Job { item, done }).await.map_err(|_| stopped())?;
        match answer.await {
            Ok(Ok(out)) => Ok(out),
            Ok(Err(message)) => Err(StoreError::Unavailable { context: self.what.into(), source: message.into() }),
            Err(_) => Err(stopped()),
        }
    }
}

async fn run<I, O>(commit: CommitFn<I, O>, mut rx: mpsc::Receiver<Job<I, O>>) {
    let mut jobs = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
        let mut items = Vec::with_capacity(jobs.len());
        let mut waiting = Vec::with_capacity(jobs.len());
        for job in jobs.drain(..) {
            items.push(job.item);
            waiting.push(job.done);
        }
        let count = items.len();
        match commit(items).await {
            Ok(answers) if answers.len() == count => {
                for (done, out) in waiting.into_iter().zip(answers) {
                    // A request that was dropped no longer waits.
                    let _ = done.send(Ok(out));
                }
            }
            Ok(answers) => {
                let message = format!("the store answered {} of {count} writes", answers.len());
                for done in waiting {
                    let _ = done.send(Err(message.clone()));
                }
            }
            Err(e) => {
                let message = e.to_string();
                for done in waiting {
                    let _ = done.send(Err(message.clone()));
                }
            }
        }
    }
}
