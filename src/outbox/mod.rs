//! The transactional outbox: a service stages an event in the same transaction as the change it
//! describes; the [`relay`] publishes staged events to Kafka and marks them sent only after the
//! broker acknowledged them.
//!
//! Order: events of one key (a person, an order) carry that entity's version, which increases
//! with each change; the relay publishes each key's events in version order.

pub mod long_writes;
pub mod relay;

use std::collections::BTreeSet;

use futures::{future::BoxFuture, TryStreamExt};
use mongodb::{
    bson::{doc, oid::ObjectId, DateTime},
    ClientSession, Collection, Database, IndexModel,
};
use serde::{Deserialize, Serialize};

pub use long_writes::{LongWrite, LongWrites};
pub use relay::{IdlePause, OutboxSource, Relay, RelayConfig, Staged};

pub const OUTBOX_COLLECTION: &str = "outbox";

/// One staged event.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxRecord {
    #[serde(rename = "_id")]
    pub id: ObjectId,
    pub topic: String,
    /// Record key: the entity id.
    pub key: String,
    /// The entity version this event describes; orders events of one key.
    pub version: i64,
    /// The record value (a structured-mode CloudEvent).
    pub payload: String,
    pub content_type: String,
    pub created_at: DateTime,
    pub sent: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<DateTime>,
}

/// Where a service stages its events.
#[derive(Clone)]
pub struct Outbox {
    records: Collection<OutboxRecord>,
}

impl Outbox {
    pub fn new(db: &Database) -> Self {
        Self { records: db.collection(OUTBOX_COLLECTION) }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let pending = IndexModel::builder().keys(doc! { "sent": 1, "_id": 1 }).build();
        let by_key = IndexModel::builder().keys(doc! { "sent": 1, "key": 1, "version": 1 }).build();
        self.records.create_indexes([pending, by_key]).await?;
        Ok(())
    }

    /// Stages a CloudEvent inside the caller's transaction.
    pub async fn stage(
        &self,
        session: &mut ClientSession,
        topic: &str,
        key: &str,
        version: i64,
        event: &cloudevents::Event,
    ) -> mongodb::error::Result<()> {
        let payload = crate::cloudevents::to_structured_json(event).map_err(mongodb::error::Error::custom)?;
        let record = OutboxRecord {
            id: ObjectId::new(),
            topic: topic.to_string(),
            key: key.to_string(),
            version,
            payload,
            content_type: crate::cloudevents::STRUCTURED_CONTENT_TYPE.to_string(),
            created_at: DateTime::now(),
            sent: false,
            sent_at: None,
        };
        self.records.insert_one(record).session(session).await?;
        Ok(())
    }

    /// Number of staged events not yet acknowledged by the broker.
    pub async fn backlog(&self) -> mongodb::error::Result<u64> {
        self.records.count_documents(doc! { "sent": false }).await
    }

    /// How long the oldest unsent event has been waiting.
    pub async fn oldest_unsent_age(&self) -> mongodb::error::Result<Option<std::time::Duration>> {
        let oldest = self.records.find_one(doc! { "sent": false }).sort(doc! { "_id": 1 }).await?;
        Ok(oldest.map(|r| {
            let waited = DateTime::now().timestamp_millis() - r.created_at.timestamp_millis();
            std::time::Duration::from_millis(waited.max(0) as u64)
        }))
    }

    /// Sets the outbox gauges of `metrics` from the database (at scrape time).
    pub async fn refresh_gauges(&self, metrics: &crate::ops::Metrics) {
        if let Ok(backlog) = self.backlog().await {
            metrics.outbox_backlog.set(backlog as i64);
        }
        if let Ok(age) = self.oldest_unsent_age().await {
            metrics.outbox_oldest_age_seconds.set(age.map_or(0.0, |d| d.as_secs_f64()));
        }
    }

    /// The oldest pending records, and every earlier pending record of their keys, in version
    /// order per key.
    async fn oldest_pending(&self, limit: i64) -> mongodb::error::Result<Vec<OutboxRecord>> {
        let oldest: Vec<OutboxRecord> =
            self.records.find(doc! { "sent": false }).sort(doc! { "_id": 1 }).limit(limit).await?.try_collect().await?;
        if (oldest.len() as i64) < limit {
            // Everything pending is in hand: put each key's records in version order.
            let mut all = oldest;
            all.sort_by(|a, b| (&a.key, a.version, a.id).cmp(&(&b.key, b.version, b.id)));
            return Ok(all);
        }
        let keys: BTreeSet<&str> = oldest.iter().map(|r| r.key.as_str()).collect();
        self.records
            .find(doc! { "sent": false, "key": { "$in": keys.into_iter().collect::<Vec<_>>() } })
            .sort(doc! { "key": 1, "version": 1, "_id": 1 })
            .await?
            .try_collect()
            .await
    }
}

impl OutboxSource for Outbox {
    type Receipt = ObjectId;

    fn pending(&self, limit: i64) -> BoxFuture<'_, anyhow::Result<Vec<Staged<ObjectId>>>> {
        Box::pin(async move {
            let records = self.oldest_pending(limit).await?;
            Ok(records
                .into_iter()
                .map(|r| Staged { topic: r.topic, key: r.key, payload: r.payload, content_type: r.content_type, receipt: r.id })
                .collect())
        })
    }

    fn mark_sent<'a>(&'a self, sent: Vec<&'a Staged<ObjectId>>) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let ids: Vec<ObjectId> = sent.iter().map(|s| s.receipt).collect();
            self.records.update_many(doc! { "_id": { "$in": ids } }, doc! { "$set": { "sent": true, "sentAt": DateTime::now() } }).await?;
            Ok(())
        })
    }
}
