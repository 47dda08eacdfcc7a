//! Group commit for single-document commands: requests that arrive while a command is in
//! flight go to the database together, in the next command. A database spends far less per
//! document on one command of sixteen documents than on sixteen commands (SecantusDB: an order
//! insert 5.2 ms alone, 1.35 ms per order in a batch of 16; a read by `_id` 1.0 ms alone, 0.3 ms
//! in an `$in` of 16), and the driver's CPU is per command too. A request that finds the
//! database idle goes at once, alone: batching adds no wait, only the requests that would have
//! queued behind a busy database share a command.
//!
//! Each document keeps its own outcome: an unordered insert reports per document, and a read
//! answers each id with its own document. A batch runs in its own task, so a request that gives
//! up (its client went away) never leaves the others waiting.

use std::{
    collections::{HashMap, VecDeque},
    panic::AssertUnwindSafe,
    sync::{Arc, Mutex},
};

use futures::{future::BoxFuture, FutureExt, TryStreamExt};
use mongodb::{
    bson::{doc, RawDocumentBuf},
    error::{Error, ErrorKind, IndexedWriteError},
    Collection,
};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

/// How requests share commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BatchingConfig {
    /// Commands of one kind in flight at once, per process. One suits a database that runs one
    /// command at a time (the stand-in): every request that arrives meanwhile joins the next.
    /// More lets a server with many cores work on several batches at once, at the price of
    /// smaller batches.
    pub in_flight: usize,
    /// Most documents in one command (1: no batching, every request sends its own command).
    pub max: usize,
}

impl Default for BatchingConfig {
    fn default() -> Self {
        Self { in_flight: 1, max: 256 }
    }
}

impl BatchingConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.in_flight >= 1, "batching.in_flight must be at least 1");
        anyhow::ensure!(self.max >= 1, "batching.max must be at least 1");
        Ok(())
    }
}

/// Runs a batch: one outcome per item, in the items' order.
type Run<T, R> = Arc<dyn Fn(Vec<T>) -> BoxFuture<'static, Vec<R>> + Send + Sync>;

/// Items waiting for a command, and how many commands are in flight.
struct Queue<T, R> {
    waiting: VecDeque<(T, oneshot::Sender<R>)>,
    in_flight: usize,
}

struct Shared<T, R> {
    queue: Mutex<Queue<T, R>>,
    run: Run<T, R>,
    config: BatchingConfig,
}

/// Submits items one by one; they reach the database in batches (see the module).
pub struct Batcher<T, R> {
    shared: Arc<Shared<T, R>>,
}

impl<T, R> Clone for Batcher<T, R> {
    fn clone(&self) -> Self {
        Self { shared: self.shared.clone() }
    }
}

/// The batch an item was in ended without its outcome: the batch's task panicked.
#[derive(Debug, thiserror::Error)]
#[error("the batched database command ended without an outcome for this document")]
pub struct NoOutcome;

impl<T: Send + 'static, R: Send + 'static> Batcher<T, R> {
    pub fn new(config: BatchingConfig, run: impl Fn(Vec<T>) -> BoxFuture<'static, Vec<R>> + Send + Sync + 'static) -> Self {
        let queue = Mutex::new(Queue { waiting: VecDeque::new(), in_flight: 0 });
        Self { shared: Arc::new(Shared { queue, run: Arc::new(run), config }) }
    }

    /// `item`'s outcome, from the next command that has room for it.
    pub async fn submit(&self, item: T) -> Result<R, NoOutcome> {
        if self.shared.config.max == 1 {
            // No batching: every request sends its own command at once, as without a batcher
            // (a queue would only cap the commands in flight).
            return (self.shared.run)(vec![item]).await.into_iter().next().ok_or(NoOutcome);
        }
        let (sender, outcome) = oneshot::channel();
        let start = {
            let mut queue = self.shared.queue.lock().expect("batch queue lock");
            queue.waiting.push_back((item, sender));
            let start = queue.in_flight < self.shared.config.in_flight;
            if start {
                queue.in_flight += 1;
            }
            start
        };
        if start {
            tokio::spawn(drain(Slot { shared: self.shared.clone(), released: false }));
        }
        outcome.await.map_err(|_| NoOutcome)
    }
}

/// A drain task's place among the commands in flight. The task gives it back when it finds the
/// queue empty, under the lock a submit checks it with (so no item is left without a task). A
/// task dropped before that (the runtime shutting down) gives it back here and fails what waits:
/// nothing is left waiting forever.
struct Slot<T, R> {
    shared: Arc<Shared<T, R>>,
    released: bool,
}

impl<T, R> Drop for Slot<T, R> {
    fn drop(&mut self) {
        if !self.released {
            if let Ok(mut queue) = self.shared.queue.lock() {
                queue.in_flight -= 1;
                queue.waiting.clear(); // their senders drop: `NoOutcome`
            }
        }
    }
}

/// Sends batches until nothing waits.
async fn drain<T: Send + 'static, R: Send + 'static>(mut slot: Slot<T, R>) {
    let shared = slot.shared.clone();
    loop {
        let batch: Vec<(T, oneshot::Sender<R>)> = {
            let mut queue = shared.queue.lock().expect("batch queue lock");
            let n = queue.waiting.len().min(shared.config.max);
            if n == 0 {
                queue.in_flight -= 1;
                slot.released = true;
                return;
            }
            queue.waiting.drain(..n).collect()
        };
        let (items, senders): (Vec<T>, Vec<_>) = batch.into_iter().unzip();
        tracing::trace!(documents = items.len(), "batched command");
        // A panic (in `run` or in its future) fails this batch's items (their senders drop) and
        // the loop goes on, so the slot is never lost.
        let run = AssertUnwindSafe(async { (shared.run)(items).await }).catch_unwind();
        if let Ok(outcomes) = run.await {
            for (sender, outcome) in senders.into_iter().zip(outcomes) {
                let _ = sender.send(outcome); // the requester may have gone: nothing to tell
            }
        }
    }
}

/// At most this many bytes of documents go in one `insert`: the driver splits a larger
/// `insert_many` into several commands, and when a later one fails as a whole it reports that
/// error alone, without saying which documents the earlier ones stored. Kept under the
/// 48 MB message limit, one chunk is always one command, so every outcome is known.
const CHUNK_BYTES: usize = 16 * 1024 * 1024;

/// Inserts, each document with its own outcome: one unordered `insert` command per batch (per
/// [`CHUNK_BYTES`] of it), so one document's failure (a duplicate `_id`) stops no other.
/// `timer`: times each command into `db_client_operation_duration_seconds`, for a collection of
/// a client without command monitoring (see [`Timer`]).
pub fn inserts(collection: Collection<RawDocumentBuf>, config: BatchingConfig, timer: Timer) -> Batcher<RawDocumentBuf, Result<(), Error>> {
    Batcher::new(config, move |docs: Vec<RawDocumentBuf>| {
        let (collection, timer) = (collection.clone(), timer.clone());
        async move {
            let mut outcomes = Vec::with_capacity(docs.len());
            for chunk in chunks(docs) {
                let started = std::time::Instant::now();
                outcomes.extend(insert_chunk(&collection, chunk).await);
                timer.observe("insert", collection.name(), started);
            }
            outcomes
        }
        .boxed()
    })
}

/// Times a batcher's commands itself, when its client has no command monitoring: the driver's
/// monitoring turns every command and reply into a `Document` for the event handler (a tenth
/// of a GET's CPU), where this costs a clock read. A batch's command counts once, as the
/// monitored client counts it (a `getMore` past 16 MiB of reads is not counted).
#[derive(Clone, Default)]
pub struct Timer(Option<std::sync::Arc<crate::ops::Metrics>>);

impl Timer {
    /// Records into `metrics`; the default records nothing (the client's monitoring does).
    pub fn recording(metrics: std::sync::Arc<crate::ops::Metrics>) -> Self {
        Self(Some(metrics))
    }

    fn observe(&self, operation: &str, collection: &str, started: std::time::Instant) {
        if let Some(metrics) = &self.0 {
            super::observe_command(metrics, operation, collection, started.elapsed());
        }
    }
}

/// `docs` in order, in runs of at most [`CHUNK_BYTES`] (a larger document alone).
fn chunks(docs: Vec<RawDocumentBuf>) -> Vec<Vec<RawDocumentBuf>> {
    let mut chunks: Vec<Vec<RawDocumentBuf>> = Vec::new();
    let mut bytes = 0;
    for doc in docs {
        let size = doc.as_bytes().len();
        match chunks.last_mut() {
            Some(chunk) if bytes + size <= CHUNK_BYTES => chunk.push(doc),
            _ => {
                chunks.push(vec![doc]);
                bytes = 0;
            }
        }
        bytes += size;
    }
    chunks
}

async fn insert_chunk(collection: &Collection<RawDocumentBuf>, docs: Vec<RawDocumentBuf>) -> Vec<Result<(), Error>> {
    let n = docs.len();
    if n == 1 {
        let doc = docs.into_iter().next().expect("one document");
        return vec![collection.insert_one(doc).await.map(|_| ())];
    }
    match collection.insert_many(docs).ordered(false).await {
        Ok(_) => (0..n).map(|_| Ok(())).collect(),
        Err(err) => per_document(&err, n),
    }
}

/// Each document's share of a failed unordered insert: its own write error (with the write
/// concern error, if any: then its durability is unknown), or the whole error when the command
/// as a whole failed (the network), since then no document's fate is known.
fn per_document(err: &Error, n: usize) -> Vec<Result<(), Error>> {
    let ErrorKind::InsertMany(failure) = &*err.kind else { return (0..n).map(|_| Err(err.clone())).collect() };
    let own_error = |write_error: Option<&IndexedWriteError>| {
        let mut own = failure.clone();
        own.write_errors = write_error.map(|e| {
            let mut e = e.clone();
            e.index = 0; // as if inserted alone
            vec![e]
        });
        Err(Error::from(ErrorKind::InsertMany(own)))
    };
    let errors = failure.write_errors.as_deref().unwrap_or_default();
    (0..n)
        .map(|i| match errors.iter().find(|e| e.index == i) {
            Some(e) => own_error(Some(e)),
            None if failure.write_concern_error.is_some() => own_error(None),
            None => Ok(()),
        })
        .collect()
}

/// Reads by `_id`, each id answered with its document (or none): one `find` with `$in` per
/// batch, in a single reply.
pub fn reads_by_id(
    collection: Collection<RawDocumentBuf>,
    config: BatchingConfig,
    timer: Timer,
) -> Batcher<String, Result<Option<RawDocumentBuf>, Error>> {
    Batcher::new(config, move |ids: Vec<String>| {
        let (collection, timer) = (collection.clone(), timer.clone());
        async move {
            let started = std::time::Instant::now();
            let outcomes = read_batch(&collection, ids).await;
            timer.observe("find", collection.name(), started);
            outcomes
        }
        .boxed()
    })
}

/// One `find` for the ids of a batch; each id gets its document or none.
async fn read_batch(collection: &Collection<RawDocumentBuf>, ids: Vec<String>) -> Vec<Result<Option<RawDocumentBuf>, Error>> {
    if ids.len() == 1 {
        return vec![collection.find_one(doc! { "_id": &ids[0] }).await];
    }
    let mut distinct: Vec<&str> = ids.iter().map(String::as_str).collect();
    distinct.sort_unstable();
    distinct.dedup();
    // The limit closes the cursor once every document was sent (the driver asks for a
    // batch of limit + 1): normally the first reply, a `getMore` only past 16 MiB.
    let size = distinct.len() as u32;
    let found = match collection.find(doc! { "_id": { "$in": &distinct } }).batch_size(size).limit(size as i64).await {
        Ok(cursor) => cursor.try_collect::<Vec<_>>().await,
        Err(err) => Err(err),
    };
    match found {
        Ok(docs) => {
            let by_id: HashMap<String, RawDocumentBuf> =
                docs.into_iter().filter_map(|d| Some((d.get_str("_id").ok()?.to_string(), d))).collect();
            // Copies: the same id may be asked for twice in one batch.
            ids.iter().map(|id| Ok(by_id.get(id).cloned())).collect()
        }
        Err(err) => ids.iter().map(|_| Err(err.clone())).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of_size(bytes: usize) -> RawDocumentBuf {
        RawDocumentBuf::from_document(&doc! { "pad": "x".repeat(bytes) }).unwrap()
    }

    #[test]
    fn a_batch_over_the_chunk_size_goes_in_several_commands_in_order() {
        let small = || of_size(100);
        let big = || of_size(CHUNK_BYTES / 2 + 1);
        let sizes: Vec<usize> = chunks(vec![small(), big(), big(), small(), small()]).iter().map(Vec::len).collect();
        assert_eq!(sizes, [2, 3], "the second half-chunk document starts a new command");
        let sizes: Vec<usize> = chunks(vec![of_size(CHUNK_BYTES + 1), small()]).iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, 1], "a document over the chunk size goes alone");
    }

    /// An unordered insert's failure as the server reports it (the driver's error is built the
    /// same way, from the reply's fields).
    fn insert_failure(reply: mongodb::bson::Document) -> Error {
        let failure: mongodb::error::InsertManyError = mongodb::bson::from_document(reply).unwrap();
        Error::from(ErrorKind::InsertMany(failure))
    }

    fn own_errors(outcome: &Result<(), Error>) -> Option<(Vec<(usize, i32)>, bool)> {
        let ErrorKind::InsertMany(e) = &*outcome.as_ref().err()?.kind else { return None };
        let errors = e.write_errors.iter().flatten().map(|w| (w.index, w.code)).collect();
        Some((errors, e.write_concern_error.is_some()))
    }

    #[test]
    fn each_document_gets_only_its_own_write_error_and_the_others_succeed() {
        let err = insert_failure(doc! { "writeErrors": [
            { "index": 1, "code": 11000, "errmsg": "duplicate key" },
            { "index": 3, "code": 121, "errmsg": "document failed validation" },
        ] });
        let outcomes: Vec<_> = per_document(&err, 4).iter().map(own_errors).collect();
        assert_eq!(outcomes, [None, Some((vec![(0, 11000)], false)), None, Some((vec![(0, 121)], false))]);
        let duplicates: Vec<bool> = per_document(&err, 4).iter().map(|o| o.as_ref().is_err_and(crate::mongo::is_duplicate_key)).collect();
        assert_eq!(duplicates, [false, true, false, false], "one duplicate is a 409 for its own order only");
    }

    #[test]
    fn a_write_concern_error_reaches_every_document_with_its_own_write_error_only() {
        let err = insert_failure(doc! {
            "writeErrors": [{ "index": 2, "code": 11000, "errmsg": "duplicate key" }],
            "writeConcernError": { "code": 64, "codeName": "WriteConcernFailed", "errmsg": "waiting for replication timed out" },
        });
        let outcomes: Vec<_> = per_document(&err, 3).iter().map(own_errors).collect();
        assert_eq!(outcomes, [Some((vec![], true)), Some((vec![], true)), Some((vec![(0, 11000)], true))]);
    }

    #[test]
    fn a_command_that_failed_as_a_whole_fails_every_document() {
        let err = Error::custom("connection reset");
        assert!(per_document(&err, 3).iter().all(Result::is_err));
    }

    #[test]
    fn a_drain_task_dropped_mid_batch_gives_its_slot_back_and_fails_what_waits() {
        let batcher: Batcher<u32, u32> = Batcher::new(BatchingConfig::default(), |_| futures::future::pending().boxed());
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let waiting = runtime.block_on(async {
            let first = tokio::spawn({
                let b = batcher.clone();
                async move { b.submit(1).await }
            });
            tokio::task::yield_now().await; // the drain task takes 1 and never finishes
            tokio::task::yield_now().await;
            let (b, second) = (batcher.clone(), std::sync::mpsc::channel());
            std::thread::spawn(move || second.0.send(futures::executor::block_on(b.submit(2)).is_err()));
            while batcher.shared.queue.lock().unwrap().waiting.is_empty() {
                tokio::task::yield_now().await;
            }
            drop(first);
            second.1
        });
        drop(runtime); // shutting down drops the drain task mid-batch

        let failed = waiting.recv_timeout(std::time::Duration::from_secs(10));
        assert_eq!(failed, Ok(true), "the waiting item failed instead of waiting forever");
        assert_eq!(batcher.shared.queue.lock().unwrap().in_flight, 0, "the slot came back");
    }

    #[tokio::test]
    async fn max_one_sends_every_item_at_once_without_a_queue() {
        let config = BatchingConfig { in_flight: 1, max: 1 };
        let (started, release) = (Arc::new(tokio::sync::Semaphore::new(0)), Arc::new(tokio::sync::Semaphore::new(0)));
        let (s, r) = (started.clone(), release.clone());
        let batcher: Batcher<u32, u32> = Batcher::new(config, move |items| {
            let (s, r) = (s.clone(), r.clone());
            async move {
                s.add_permits(1);
                r.acquire().await.unwrap().forget();
                items
            }
            .boxed()
        });
        let both = tokio::spawn({
            let b = batcher.clone();
            async move { futures::future::join(b.submit(1), b.submit(2)).await }
        });
        // Both commands run at once although `in_flight` is 1.
        started.acquire_many(2).await.unwrap().forget();
        release.add_permits(2);
        let (one, two) = both.await.unwrap();
        assert_eq!((one.unwrap(), two.unwrap()), (1, 2));
    }
}
