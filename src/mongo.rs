//! MongoDB access shared by both services: connecting, and running a multi-document write as
//! one transaction with the retries the driver's specification prescribes.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use futures::future::BoxFuture;
use mongodb::{
    error::{Error, TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT},
    event::{command::CommandEvent, EventHandler},
    options::ClientOptions,
    Client, ClientSession, Database,
};
use serde::{Deserialize, Serialize};

pub mod batch;

use crate::{
    config::Secret,
    ops::metrics::{DbLabels, Metrics, TRANSACTION_RETRIES},
};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct MongoConfig {
    /// Connection string; a replica set is required for transactions.
    pub uri: Secret,
    pub database: String,
}

impl Default for MongoConfig {
    fn default() -> Self {
        Self { uri: Secret::new("mongodb://127.0.0.1:27017/?replicaSet=secantus"), database: String::new() }
    }
}

/// Connects lazily (the driver connects on first use); fails only on a malformed URI.
pub async fn connect(config: &MongoConfig, app_name: &str) -> anyhow::Result<Database> {
    connect_observed(config, app_name, None).await
}

/// As [`connect`], timing every command into `db_client_operation_duration_seconds`.
pub async fn connect_observed(config: &MongoConfig, app_name: &str, metrics: Option<Arc<Metrics>>) -> anyhow::Result<Database> {
    let mut options =
        ClientOptions::parse(config.uri.expose()).await.map_err(|e| anyhow::anyhow!("invalid MongoDB URI (value hidden): {}", e.kind))?;
    options.app_name = Some(app_name.to_string());
    if let Some(metrics) = metrics {
        options.command_event_handler = Some(command_timer(metrics));
    }
    options.server_selection_timeout.get_or_insert(Duration::from_secs(5));
    options.connect_timeout.get_or_insert(Duration::from_secs(3));
    // The monitor's heartbeat stays the driver's (every 10 s): a server that stops answering
    // without closing its connections (frozen, or behind a partition that drops packets) fails
    // the requests waiting on it only when a heartbeat fails, about 15 s later
    // (chaos::container_faults). Every 2 s made that about 10 s, but a heartbeat also fails when
    // one long command keeps a single-threaded server (the stand-in) busy over connect_timeout,
    // and that interrupts the command: a 10,000-order fan-out then retries from the start.
    // On a server that answers heartbeats beside its work, `heartbeatFrequencyMS=2000` in the
    // URI buys the faster verdict.
    let client = Client::with_options(options)?;
    Ok(client.database(&config.database))
}

/// Times commands by operation and collection. The collection is the value of a command's first
/// key, seen when it starts; the duration comes when it ends.
fn command_timer(metrics: Arc<Metrics>) -> EventHandler<CommandEvent> {
    let started: Mutex<HashMap<i32, String>> = Mutex::new(HashMap::new());
    EventHandler::callback(move |event: CommandEvent| match event {
        CommandEvent::Started(e) => {
            let collection = e.command.get_str(&e.command_name).unwrap_or("").to_string();
            started.lock().expect("timer lock").insert(e.request_id, collection);
        }
        CommandEvent::Succeeded(e) => record(&metrics, &started, e.request_id, e.command_name, e.duration),
        CommandEvent::Failed(e) => record(&metrics, &started, e.request_id, e.command_name, e.duration),
        _ => {}
    })
}

fn record(metrics: &Metrics, started: &Mutex<HashMap<i32, String>>, request_id: i32, operation: String, duration: Duration) {
    let collection = started.lock().expect("timer lock").remove(&request_id).unwrap_or_default();
    observe_command(metrics, &operation, &collection, duration);
}

/// Times one command sent on a client without command monitoring (the order service's
/// `request_db`, see `order::build`) into the same series as the monitored ones.
pub fn observe_command(metrics: &Metrics, operation: &str, collection: &str, duration: Duration) {
    let labels = DbLabels { operation: operation.to_string(), collection: collection.to_string() };
    metrics.db.get_or_create(&labels).observe(duration.as_secs_f64());
}

/// How long transient transaction failures are retried before giving up.
const TRANSACTION_BUDGET: Duration = Duration::from_secs(10);

/// Why a transaction body stopped: the database failed (retried when transient), or the write
/// itself decided against going on (aborted, passed through untouched).
#[derive(Debug)]
pub enum TxnError<E> {
    Db(Error),
    Abort(E),
}

impl<E> From<Error> for TxnError<E> {
    fn from(err: Error) -> Self {
        Self::Db(err)
    }
}

/// Runs `body` in a transaction, retrying the whole body on transient errors (write conflicts,
/// elections) and the commit on unknown commit results. Inside `body`, `?` works on driver
/// errors; `Err(TxnError::Abort(e))` aborts with the caller's own error `e`.
pub async fn transaction<T, E, F>(client: &Client, mut body: F) -> Result<T, E>
where
    E: From<Error>,
    F: for<'s> FnMut(&'s mut ClientSession) -> BoxFuture<'s, Result<T, TxnError<E>>>,
{
    let started = std::time::Instant::now();
    let retry = |e: &Error, label: &str| e.contains_label(label) && started.elapsed() < TRANSACTION_BUDGET;
    let mut session = client.start_session().await?;
    let mut attempt = 0u32;
    'attempts: loop {
        attempt += 1;
        session.start_transaction().await?;
        match body(&mut session).await {
            Ok(value) => loop {
                match session.commit_transaction().await {
                    Ok(()) => return Ok(value),
                    Err(e) if retry(&e, UNKNOWN_TRANSACTION_COMMIT_RESULT) => continue,
                    Err(e) if retry(&e, TRANSIENT_TRANSACTION_ERROR) => {
                        TRANSACTION_RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        backoff(attempt).await;
                        continue 'attempts;
                    }
                    Err(e) => return Err(e.into()),
                }
            },
            Err(TxnError::Abort(domain)) => {
                let _ = session.abort_transaction().await;
                return Err(domain);
            }
            Err(TxnError::Db(e)) => {
                let _ = session.abort_transaction().await;
                if retry(&e, TRANSIENT_TRANSACTION_ERROR) {
                    tracing::debug!(attempt, error = %e, "retrying transaction");
                    TRANSACTION_RETRIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    backoff(attempt).await;
                    continue;
                }
                return Err(e.into());
            }
        }
    }
}

async fn backoff(attempt: u32) {
    let base = 5u64 << attempt.min(6);
    let jitter = rand::random_range(0..=base);
    tokio::time::sleep(Duration::from_millis(base / 2 + jitter)).await;
}

/// A storage failure as the services report it: a duplicate key (a unique key another record
/// holds, such as a concurrent insert of the same id) apart from everything else.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("the write conflicts with a stored record of the same key (nothing was written)")]
    Conflict(#[source] Error),
    #[error(transparent)]
    Failed(Error),
}

impl From<Error> for StorageError {
    fn from(err: Error) -> Self {
        if is_duplicate_key(&err) {
            Self::Conflict(err)
        } else {
            Self::Failed(err)
        }
    }
}

/// True when the error is a duplicate key (a concurrent insert of the same id).
pub fn is_duplicate_key(err: &Error) -> bool {
    use mongodb::error::{ErrorKind, WriteFailure};
    match &*err.kind {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == 11000,
        ErrorKind::Command(e) => e.code == 11000,
        // A batched insert's document (see `batch::inserts`).
        ErrorKind::InsertMany(e) => e.write_errors.iter().flatten().any(|e| e.code == 11000),
        _ => false,
    }
}

/// Documents per database batch behind a list. Without a bound the server may answer a getMore
/// with everything that is left (SecantusDB did: 300 MiB for 100,000 orders), and the driver
/// holds the whole batch; with it, memory stays flat whatever the list's length.
pub const CURSOR_BATCH: u32 = 256;

/// One page of a list: both `page` (0-based) and `size` were given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub skip: u64,
    pub limit: i64,
}

/// The last version of deleted entities, so an id that comes back continues its version
/// sequence: its events order after the delete, and old ETags never match it.
#[derive(Clone)]
pub struct Tombstones(mongodb::Collection<mongodb::bson::Document>);

impl Tombstones {
    pub fn new(db: &Database, collection: &str) -> Self {
        Self(db.collection(collection))
    }

    /// The version the next write of `id` starts from: the live one, else the tombstone's.
    pub async fn last_version(&self, session: &mut ClientSession, id: &str, live: Option<i64>) -> Result<i64, Error> {
        if let Some(v) = live {
            return Ok(v);
        }
        let tombstone = self.0.find_one(mongodb::bson::doc! { "_id": id }).session(session).await?;
        Ok(tombstone.and_then(|t| t.get_i64("version").ok()).unwrap_or(0))
    }

    /// Records the delete of `id` at `version`, inside the deleting transaction.
    pub async fn record(&self, session: &mut ClientSession, id: &str, version: i64) -> Result<(), Error> {
        let tombstone = mongodb::bson::doc! { "_id": id, "version": version, "deletedAt": mongodb::bson::DateTime::now() };
        self.0.replace_one(mongodb::bson::doc! { "_id": id }, tombstone).upsert(true).session(session).await?;
        Ok(())
    }
}
