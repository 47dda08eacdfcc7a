//! Publishes staged outbox records, in order per key, marking them sent only after the broker
//! acknowledged them.
//!
//! Several instances of a service may run against one database: a lease document elects one
//! publisher at a time, so per-key order holds across instances. A crash after publishing and
//! before marking sent resends those records (at least once); consumers deduplicate by event id.

use std::{collections::BTreeSet, sync::Arc, time::Duration};

use futures::future::{join_all, BoxFuture};
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

use super::long_writes::LongWrites;

/// One staged event, ready to send.
#[derive(Debug, Clone)]
pub struct Staged<R> {
    pub topic: String,
    /// Record key: the entity id. A key's events come in the order they must be published.
    pub key: String,
    pub payload: String,
    pub content_type: String,
    /// What the source needs to mark the event sent.
    pub receipt: R,
}

/// Where staged events live: an outbox collection, or the entities' own documents.
pub trait OutboxSource: Send + Sync + 'static {
    type Receipt: Send + Sync;

    /// Up to about `limit` pending events; each key's pending events all, in publishing order.
    fn pending(&self, limit: i64) -> BoxFuture<'_, anyhow::Result<Vec<Staged<Self::Receipt>>>>;

    /// Records that these events were acknowledged by the broker.
    fn mark_sent<'a>(&'a self, sent: Vec<&'a Staged<Self::Receipt>>) -> BoxFuture<'a, anyhow::Result<()>>;
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct RelayConfig {
    /// False leaves staged events for another instance (or a later start) to publish.
    pub enabled: bool,
    pub poll_interval_ms: u64,
    /// While passes find nothing, the pause between them doubles from `poll_interval_ms` up to
    /// this; a local write's wake or a pass that published resets it. Events another instance
    /// staged wait at most this long when this instance holds the lease and is idle. (Idle
    /// polls were 370 reads during a 40 s fan-out transaction, each competing with it.)
    pub idle_poll_max_ms: u64,
    pub lease_ttl_ms: u64,
    pub batch_size: i64,
    /// After a wake, how long to let further writes gather before the next pass: under a
    /// steady stream of writes one pass then publishes several events for the same commands.
    pub coalesce_ms: u64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        // Half the lease (the part the relay trusts) outlasts a send's delivery timeout
        // (`message.timeout.ms` = 4 s, no queueing wait): a lease never expires mid-send.
        Self { enabled: true, poll_interval_ms: 250, idle_poll_max_ms: 2_000, lease_ttl_ms: 10_000, batch_size: 200, coalesce_ms: 5 }
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

/// The pause between passes while idle: `poll` after work and after the first empty pass, then
/// doubling per further empty pass, up to `max`.
#[derive(Debug, Clone, Copy)]
pub struct IdlePause {
    poll: Duration,
    max: Duration,
    empty_passes: u32,
}

impl IdlePause {
    pub fn new(poll: Duration, max: Duration) -> Self {
        Self { poll, max: max.max(poll), empty_passes: 0 }
    }

    /// After a pass that published (or a wake: `worked`), or one that found nothing.
    pub fn after_pass(&mut self, worked: bool) {
        self.empty_passes = if worked { 0 } else { self.empty_passes.saturating_add(1) };
    }

    pub fn pause(&self) -> Duration {
        let doublings = self.empty_passes.saturating_sub(1).min(16);
        (self.poll * 2u32.pow(doublings)).min(self.max)
    }
}

pub struct Relay<S: OutboxSource> {
    source: S,
    leases: Collection<Lease>,
    producer: std::sync::Mutex<FutureProducer>,
    new_producer: ProducerFactory,
    config: RelayConfig,
    owner: String,
    /// Wakes the relay right after a local write instead of at the next poll.
    wake: Arc<Notify>,
    /// While one is in flight, timed passes wait for its end (see [`super::long_writes`]).
    long_writes: LongWrites,
    /// Until when the lease is safely ours (local clock); renewed only when it runs low, not
    /// per pass: under load the lease costs one command every few seconds, not one per event.
    lease_until: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl<S: OutboxSource> Relay<S> {
    /// Publishes `source`'s events through `producer`; builds a replacement from `kafka` after
    /// repeated failures.
    pub fn new(
        db: &Database,
        source: S,
        producer: FutureProducer,
        kafka: &crate::kafka::KafkaConfig,
        config: RelayConfig,
        wake: Arc<Notify>,
    ) -> Self {
        let kafka = kafka.clone();
        Self {
            source,
            leases: db.collection(LEASE_COLLECTION),
            producer: std::sync::Mutex::new(producer),
            new_producer: Box::new(move || kafka.producer()),
            config,
            owner: uuid::Uuid::new_v4().to_string(),
            wake,
            long_writes: LongWrites::default(),
            lease_until: std::sync::Mutex::new(None),
        }
    }

    /// Holds timed passes while one of `long_writes` is in flight; wakes still pass at once.
    pub fn holding_timed_passes_during(mut self, long_writes: LongWrites) -> Self {
        self.long_writes = long_writes;
        self
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
        let mut idle = IdlePause::new(poll, Duration::from_millis(self.config.idle_poll_max_ms));
        let mut failures = 0u32;
        loop {
            if *shutdown.borrow() {
                break;
            }
            match self.publish_while_full().await {
                Ok(published) => {
                    failures = 0;
                    idle.after_pass(published > 0);
                }
                Err(err) => {
                    failures += 1;
                    tracing::warn!(error = format!("{err:#}"), failures, "outbox relay pass failed; retrying");
                    if failures.is_multiple_of(FAILURES_BEFORE_NEW_PRODUCER) && err.to_string().starts_with(PUBLISH_FAILED) {
                        self.replace_producer();
                    }
                }
            }
            let pause = if failures == 0 { idle.pause() } else { poll * 2u32.pow(failures.min(5)) };
            tokio::select! {
                _ = shutdown.changed() => {}
                _ = self.wake.notified() => {
                    idle.after_pass(true);
                    tokio::time::sleep(Duration::from_millis(self.config.coalesce_ms)).await
                }
                _ = self.timed_pass_due(pause) => {}
            }
        }
        self.release().await;
    }

    /// After `pause`, and once no long local write is in flight: the end of a fan-out is also
    /// when its events are ready, so they go out at once instead of at the next poll.
    async fn timed_pass_due(&self, pause: Duration) {
        tokio::time::sleep(pause).await;
        if self.long_writes.in_flight() > 0 {
            tracing::debug!("a long local write is in flight: the relay's timed pass waits for its end");
            self.long_writes.none_in_flight().await;
        }
    }

    /// Publishes batches while they come back full; a partial batch means the source is drained
    /// (what arrives meanwhile wakes the relay again). Returns how many events it published.
    async fn publish_while_full(&self) -> anyhow::Result<usize> {
        let mut total = 0;
        while let Some(valid_until) = self.lease().await? {
            let published = self.publish_batch(valid_until).await?;
            total += published;
            if published < self.config.batch_size as usize {
                break;
            }
        }
        Ok(total)
    }

    /// The local deadline until which the lease is safely ours, renewing it first when less
    /// than a quarter of the trusted time is left (or taking it when it is not ours).
    async fn lease(&self) -> anyhow::Result<Option<tokio::time::Instant>> {
        let ttl = Duration::from_millis(self.config.lease_ttl_ms);
        let held = *self.lease_until.lock().expect("lease lock");
        if let Some(until) = held {
            if until.saturating_duration_since(tokio::time::Instant::now()) > ttl / 8 {
                return Ok(Some(until));
            }
        }
        let acquired = self.acquire_lease().await;
        *self.lease_until.lock().expect("lease lock") = acquired.as_ref().ok().copied().flatten();
        acquired
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

    /// Publishes a batch of pending events, in order per key. Returns how many it read.
    async fn publish_batch(&self, lease_valid_until: tokio::time::Instant) -> anyhow::Result<usize> {
        let batch = self.source.pending(self.config.batch_size).await?;
        if batch.is_empty() || tokio::time::Instant::now() >= lease_valid_until {
            return Ok(0);
        }

        let producer = self.producer.lock().expect("producer lock").clone();
        let deliveries = batch.iter().map(|staged| {
            let headers = OwnedHeaders::new().insert(Header { key: "content-type", value: Some(staged.content_type.as_str()) });
            let message = FutureRecord::to(&staged.topic).key(&staged.key).payload(&staged.payload).headers(headers);
            producer.send(message, Duration::ZERO)
        });
        let outcomes = join_all(deliveries).await;

        // A key's later events count only if its earlier ones were acknowledged too.
        let mut failed_keys = BTreeSet::new();
        let mut acked = Vec::new();
        let mut first_error = None;
        for (staged, outcome) in batch.iter().zip(outcomes) {
            match outcome {
                Ok(_) if !failed_keys.contains(&staged.key) => acked.push(staged),
                Ok(_) => {}
                Err((err, _)) => {
                    failed_keys.insert(staged.key.clone());
                    first_error.get_or_insert(err);
                }
            }
        }
        if !acked.is_empty() {
            tracing::debug!(count = acked.len(), "outbox events published");
            self.source.mark_sent(acked).await?;
        }
        match first_error {
            Some(err) => Err(anyhow::anyhow!("{PUBLISH_FAILED}: {err}")),
            None => Ok(batch.len()),
        }
    }
}

#[cfg(test)]
mod idle_pause_tests {
    use super::*;

    #[test]
    fn idle_passes_back_off_to_the_maximum_and_work_resets_them() {
        let ms = Duration::from_millis;
        let mut idle = IdlePause::new(ms(100), ms(1000));
        let mut pauses = Vec::new();
        for _ in 0..6 {
            idle.after_pass(false);
            pauses.push(idle.pause());
        }
        assert_eq!(pauses, [ms(100), ms(200), ms(400), ms(800), ms(1000), ms(1000)]);
        idle.after_pass(true);
        assert_eq!(idle.pause(), ms(100));
    }
}
