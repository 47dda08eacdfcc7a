//! Publishes staged outbox records, in order per key, marking them sent only after the broker
//! acknowledged them.
//!
//! Several instances of a service may run against one database: a lease document elects one
//! publisher at a time, so per-key order holds across instances. A crash after publishing and
//! before marking sent resends those records (at least once); consumers deduplicate by event id.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use futures::{future::join_all, TryStreamExt};
use mongodb::{
    bson::{doc, DateTime},
    options::ReturnDocument,
    Collection, Database,
};
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
};
use serde::{Deserialize, Serialize};
use tokio::sync::{watch, Notify};

use super::{Outbox, OutboxRecord};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RelayConfig {
    /// False leaves staged events for another instance (or a later start) to publish.
    pub enabled: bool,
    pub poll_interval_ms: u64,
    pub lease_ttl_ms: u64,
    pub batch_size: i64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        // Half the lease (the part the relay trusts) outlasts a send's delivery timeout
        // (`message.timeout.ms` = 4 s, no queueing wait): a lease never expires mid-send.
        Self { enabled: true, poll_interval_ms: 250, lease_ttl_ms: 10_000, batch_size: 200 }
    }
}

const LEASE_COLLECTION: &str = "outbox_lease";
const PUBLISH_FAILED: &str = "publishing to Kafka failed";
const LEASE_ID: &str = "relay";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Lease {
    #[serde(rename = "_id")]
    id: String,
    owner: String,
    expires_at: DateTime,
}

/// Makes a fresh producer (a new idempotent producer id).
pub type ProducerFactory = Box<dyn Fn() -> anyhow::Result<FutureProducer> + Send + Sync>;

/// Consecutive failed passes after which the producer is replaced: an idempotent producer whose
/// sequence state the broker no longer accepts (seen after a broker restart) never recovers by
/// itself. The records it failed to publish are still unsent and go out through the new one.
const FAILURES_BEFORE_NEW_PRODUCER: u32 = 3;

pub struct Relay {
    outbox: Outbox,
    leases: Collection<Lease>,
    producer: std::sync::Mutex<FutureProducer>,
    new_producer: ProducerFactory,
    config: RelayConfig,
    owner: String,
    /// Wakes the relay right after a local write instead of at the next poll.
    wake: Arc<Notify>,
}

impl Relay {
    /// Publishes through `producer`; builds a replacement from `kafka` after repeated failures.
    pub fn new(db: &Database, producer: FutureProducer, kafka: &crate::kafka::KafkaConfig, config: RelayConfig, wake: Arc<Notify>) -> Self {
        let kafka = kafka.clone();
        Self {
            outbox: Outbox::new(db),
            leases: db.collection(LEASE_COLLECTION),
            producer: std::sync::Mutex::new(producer),
            new_producer: Box::new(move || kafka.producer()),
            config,
            owner: uuid::Uuid::new_v4().to_string(),
            wake,
        }
    }

    fn replace_producer(&self) {
        match (self.new_producer)() {
            Ok(producer) => {
                tracing::warn!("replacing the Kafka producer after repeated failures");
                *self.producer.lock().expect("producer lock") = producer;
            }
            Err(err) => tracing::warn!(error = format!("{err:#}"), "cannot create a new Kafka producer"),
        }
    }

    /// Runs until `shutdown` turns true; the batch in flight completes first.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        let mut failures = 0u32;
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.publish_while_leased().await {
                Ok(()) => failures = 0,
                Err(err) => {
                    failures += 1;
                    tracing::warn!(error = format!("{err:#}"), failures, "outbox relay pass failed; retrying");
                    if failures.is_multiple_of(FAILURES_BEFORE_NEW_PRODUCER) && err.to_string().starts_with(PUBLISH_FAILED) {
                        self.replace_producer();
                    }
                }
            }
            let pause = if failures == 0 { poll } else { poll * 2u32.pow(failures.min(5)) };
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(pause) => {}
            }
        }
        self.release().await;
    }

    async fn publish_while_leased(&self) -> anyhow::Result<()> {
        while let Some(valid_until) = self.acquire_lease().await? {
            let published = self.publish_batch(valid_until).await?;
            if published == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Takes or renews the lease; returns the local deadline until which it is safely ours.
    async fn acquire_lease(&self) -> anyhow::Result<Option<tokio::time::Instant>> {
        let ttl = Duration::from_millis(self.config.lease_ttl_ms);
        let now = DateTime::now();
        let expires = DateTime::from_millis(now.timestamp_millis() + ttl.as_millis() as i64);
        let started = tokio::time::Instant::now();
        let result = self
            .leases
            .find_one_and_update(
                doc! { "_id": LEASE_ID, "$or": [ { "owner": &self.owner }, { "expiresAt": { "$lt": now } } ] },
                doc! { "$set": { "owner": &self.owner, "expiresAt": expires } },
            )
            .upsert(true)
            .return_document(ReturnDocument::After)
            .await;
        match result {
            // Keep a margin for clock skew between instances.
            Ok(Some(_)) => Ok(Some(started + ttl / 2)),
            Ok(None) => Ok(None),
            Err(e) if crate::mongo::is_duplicate_key(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    async fn release(&self) {
        let _ = self.leases.delete_one(doc! { "_id": LEASE_ID, "owner": &self.owner }).await;
    }

    /// Publishes the oldest pending records, and every earlier pending record of their keys,
    /// in version order per key. Returns how many were acknowledged.
    async fn publish_batch(&self, lease_valid_until: tokio::time::Instant) -> anyhow::Result<usize> {
        let records = self.outbox.records();
        let oldest: Vec<OutboxRecord> =
            records.find(doc! { "sent": false }).sort(doc! { "_id": 1 }).limit(self.config.batch_size).await?.try_collect().await?;
        if oldest.is_empty() {
            return Ok(0);
        }
        let keys: BTreeSet<&str> = oldest.iter().map(|r| r.key.as_str()).collect();
        let batch: Vec<OutboxRecord> = records
            .find(doc! { "sent": false, "key": { "$in": keys.into_iter().collect::<Vec<_>>() } })
            .sort(doc! { "key": 1, "version": 1, "_id": 1 })
            .await?
            .try_collect()
            .await?;
        if tokio::time::Instant::now() >= lease_valid_until {
            return Ok(0);
        }

        let producer = self.producer.lock().expect("producer lock").clone();
        let deliveries = batch.iter().map(|record| {
            let headers = OwnedHeaders::new().insert(Header { key: "content-type", value: Some(record.content_type.as_str()) });
            let message = FutureRecord::to(&record.topic).key(&record.key).payload(&record.payload).headers(headers);
            producer.send(message, Duration::ZERO)
        });
        let outcomes = join_all(deliveries).await;

        // A key's later records count only if its earlier ones were acknowledged too.
        let mut failed_keys = BTreeSet::new();
        let mut acked = Vec::new();
        let mut first_error = None;
        for (record, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Ok(_) if !failed_keys.contains(&record.key) => acked.push(record.id),
                Ok(_) => {}
                Err((err, _)) => {
                    failed_keys.insert(record.key.clone());
                    first_error.get_or_insert(err);
                }
            }
        }
        if !acked.is_empty() {
            records.update_many(doc! { "_id": { "$in": &acked } }, doc! { "$set": { "sent": true, "sentAt": DateTime::now() } }).await?;
            tracing::debug!(count = acked.len(), "outbox records published");
        }
        match first_error {
            Some(err) => Err(anyhow::anyhow!("{PUBLISH_FAILED}: {err}")),
            None => Ok(acked.len()),
        }
    }
}
