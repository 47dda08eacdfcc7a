//! How long the dedupe records live. `processed_events` (one per handled person event) and
//! `idempotency_keys` (one per POST with an `Idempotency-Key`) would otherwise grow forever;
//! a TTL index on their timestamp lets the database delete them once they are older than the
//! retention. The retention must outlast every way a duplicate can still arrive: Kafka's
//! retention and a consumer's redelivery for events, a client's retries for keys.

use std::time::Duration;

use mongodb::{
    bson::{doc, Document},
    options::IndexOptions,
    Collection, Database, IndexModel,
};
use serde::{Deserialize, Serialize};

use super::{person_sync::PROCESSED_COLLECTION, service::IDEMPOTENCY_COLLECTION};

/// The answers when the index exists with another expiry: `IndexOptionsConflict`, or
/// `IndexKeySpecsConflict` (same generated name, other options), depending on the server.
const EXISTS_WITH_OTHER_OPTIONS: [i32; 2] = [85, 86];

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RetentionConfig {
    /// Seconds a handled event's record is kept (its redelivery is refused meanwhile).
    pub processed_events_secs: u64,
    /// Seconds an idempotency key is kept (a repeat of its POST is answered from it meanwhile).
    pub idempotency_keys_secs: u64,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self { processed_events_secs: 7 * 24 * 3600, idempotency_keys_secs: 24 * 3600 }
    }
}

impl RetentionConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.processed_events_secs > 0, "retention.processed_events_secs must be > 0");
        anyhow::ensure!(self.idempotency_keys_secs > 0, "retention.idempotency_keys_secs must be > 0");
        Ok(())
    }
}

/// Creates (or retunes) the two TTL indexes.
pub async fn ensure(db: &Database, config: &RetentionConfig) -> mongodb::error::Result<()> {
    expire_after(db, PROCESSED_COLLECTION, "handledAt", Duration::from_secs(config.processed_events_secs)).await?;
    expire_after(db, IDEMPOTENCY_COLLECTION, "createdAt", Duration::from_secs(config.idempotency_keys_secs)).await
}

/// A TTL index on `field`. A retention changed since the index was made is applied in place
/// with `collMod` (the server keeps the index; only its expiry moves).
async fn expire_after(db: &Database, collection: &str, field: &str, keep: Duration) -> mongodb::error::Result<()> {
    let records: Collection<Document> = db.collection(collection);
    let ttl = IndexModel::builder().keys(doc! { field: 1 }).options(IndexOptions::builder().expire_after(keep).build()).build();
    match records.create_index(ttl).await {
        Err(e) if code(&e).is_some_and(|c| EXISTS_WITH_OTHER_OPTIONS.contains(&c)) => {
            let secs = i64::try_from(keep.as_secs()).unwrap_or(i64::MAX);
            let retune = doc! { "collMod": collection, "index": { "keyPattern": { field: 1 }, "expireAfterSeconds": secs } };
            db.run_command(retune).await?;
            tracing::info!(collection, secs, "retention changed");
            Ok(())
        }
        other => other.map(|_| ()),
    }
}

fn code(error: &mongodb::error::Error) -> Option<i32> {
    match error.kind.as_ref() {
        mongodb::error::ErrorKind::Command(c) => Some(c.code),
        _ => None,
    }
}
