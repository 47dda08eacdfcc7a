//! Id-only events whose person could not be read (contact service down) wait here, off the
//! partition, so events about other persons keep flowing; a worker retries them with backoff
//! until they apply. Nothing is dropped.

use std::time::Duration;

use futures::TryStreamExt;
use mongodb::{
    bson::{doc, DateTime, Document},
    ClientSession, Collection, Database,
};
use tokio::sync::watch;

use super::{
    event::{Kind, PersonEvent},
    PersonSync,
};

pub const PARKED_COLLECTION: &str = "parked_person_events";
const MAX_BACKOFF: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct ParkedEvents {
    parked: Collection<Document>,
}

impl ParkedEvents {
    pub fn new(db: &Database) -> Self {
        Self { parked: db.collection(PARKED_COLLECTION) }
    }

    pub async fn park(&self, event: &PersonEvent) -> mongodb::error::Result<()> {
        let kind = match event.kind {
            Kind::Created => "created",
            Kind::Changed => "changed",
            Kind::Deleted => "deleted",
        };
        let record = doc! {
            "source": &event.source, "eventId": &event.id, "personId": &event.person_id, "kind": kind,
            "requestId": event.request_id.as_deref(), "attempts": 0_i32, "nextAttemptAt": DateTime::now(), "parkedAt": DateTime::now(),
        };
        self.parked.update_one(doc! { "_id": event.dedup_key() }, doc! { "$setOnInsert": record }).upsert(true).await?;
        Ok(())
    }

    pub async fn remove(&self, session: &mut ClientSession, event: &PersonEvent) -> mongodb::error::Result<()> {
        self.parked.delete_one(doc! { "_id": event.dedup_key() }).session(session).await?;
        Ok(())
    }

    async fn due(&self, limit: i64) -> mongodb::error::Result<Vec<(PersonEvent, i32)>> {
        let docs: Vec<Document> = self
            .parked
            .find(doc! { "nextAttemptAt": { "$lte": DateTime::now() } })
            .sort(doc! { "nextAttemptAt": 1 })
            .limit(limit)
            .await?
            .try_collect()
            .await?;
        Ok(docs.iter().filter_map(|d| Some((from_record(d)?, d.get_i32("attempts").unwrap_or(0)))).collect())
    }

    async fn postpone(&self, event: &PersonEvent, attempts: i32) -> mongodb::error::Result<()> {
        let wait = Duration::from_secs(1u64 << attempts.clamp(0, 6) as u32).min(MAX_BACKOFF);
        let next = DateTime::from_millis(DateTime::now().timestamp_millis() + wait.as_millis() as i64);
        self.parked
            .update_one(doc! { "_id": event.dedup_key() }, doc! { "$set": { "attempts": attempts + 1, "nextAttemptAt": next } })
            .await?;
        Ok(())
    }
}

fn from_record(d: &Document) -> Option<PersonEvent> {
    let kind = match d.get_str("kind").ok()? {
        "created" => Kind::Created,
        "deleted" => Kind::Deleted,
        _ => Kind::Changed,
    };
    Some(PersonEvent {
        source: d.get_str("source").ok()?.to_string(),
        id: d.get_str("eventId").ok()?.to_string(),
        person_id: d.get_str("personId").ok()?.to_string(),
        kind,
        snapshot: None,
        version: None,
        request_id: d.get_str("requestId").ok().map(str::to_string),
    })
}

/// Retries due parked events until shutdown.
pub async fn run(sync: PersonSync, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = tokio::time::sleep(interval) => {}
        }
        if *shutdown.borrow() {
            break;
        }
        if let Err(e) = retry_due(&sync).await {
            tracing::warn!(error = %e, "retrying parked person events failed");
        }
    }
}

async fn retry_due(sync: &PersonSync) -> mongodb::error::Result<()> {
    for (event, attempts) in sync.parked().due(50).await? {
        match sync.retry_parked(&event).await? {
            Some(outcome) => {
                tracing::info!(person_id = %event.person_id, outcome = outcome.label(), attempts, "parked person event handled")
            }
            None => sync.parked().postpone(&event, attempts).await?,
        }
    }
    Ok(())
}
