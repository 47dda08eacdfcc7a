//! Id-only events whose person could not be read (contact service down) wait here, off the
//! partition, so events about other persons keep flowing; a worker retries them with backoff
//! until they apply. Nothing is dropped.

use std::{sync::Arc, time::Duration};

use futures::TryStreamExt;
use mongodb::{
    bson::{doc, DateTime, Document},
    ClientSession, Collection, Database,
};
use tokio::sync::{watch, Notify};

use super::{
    event::{Kind, PersonEvent},
    PersonSync,
};

pub const PARKED_COLLECTION: &str = "parked_person_events";
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The longest the worker sleeps with nothing due: a local park wakes it at once, so this only
/// bounds how late it sees events another instance parked. (Polling every second read the
/// collection 40 times during one 40 s fan-out transaction, each read competing with it.)
const IDLE_CHECK: Duration = Duration::from_secs(10);

#[derive(Clone)]
pub struct ParkedEvents {
    parked: Collection<Document>,
    /// Wakes the retry worker when an event is parked here.
    parked_now: Arc<Notify>,
}

impl ParkedEvents {
    pub fn new(db: &Database) -> Self {
        Self { parked: db.collection(PARKED_COLLECTION), parked_now: Arc::new(Notify::new()) }
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
        self.parked_now.notify_one();
        Ok(())
    }

    pub async fn remove(&self, session: &mut ClientSession, event: &PersonEvent) -> mongodb::error::Result<()> {
        self.parked.delete_one(doc! { "_id": event.dedup_key() }).session(session).await?;
        Ok(())
    }

    /// The parked events due now (at most `limit`, earliest first), and when the next one not
    /// yet due is: one read answers both.
    async fn due(&self, limit: i64) -> mongodb::error::Result<(Vec<(PersonEvent, i32)>, Option<DateTime>)> {
        let docs: Vec<Document> = self.parked.find(doc! {}).sort(doc! { "nextAttemptAt": 1 }).limit(limit + 1).await?.try_collect().await?;
        let now = DateTime::now();
        let at = |d: &Document| d.get_datetime("nextAttemptAt").copied().unwrap_or(now);
        let (due, later): (Vec<&Document>, Vec<&Document>) = docs.iter().partition(|d| at(d) <= now);
        let due = due.into_iter().take(limit as usize);
        let events = due.filter_map(|d| Some((from_record(d)?, d.get_i32("attempts").unwrap_or(0)))).collect();
        Ok((events, later.first().map(|d| at(d))))
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

/// Retries due parked events until shutdown: right after a local park, when the next parked
/// event is due (checked at least every `interval`), and every [`IDLE_CHECK`] otherwise.
pub async fn run(sync: PersonSync, interval: Duration, mut shutdown: watch::Receiver<bool>) {
    let parked_now = sync.parked().parked_now.clone();
    let mut wait = interval;
    loop {
        tokio::select! {
            _ = shutdown.changed() => break,
            _ = parked_now.notified() => {}
            _ = tokio::time::sleep(wait) => {}
        }
        if *shutdown.borrow() {
            break;
        }
        wait = match retry_due(&sync).await {
            Ok(Some(next)) => next.clamp(interval, IDLE_CHECK.max(interval)),
            Ok(None) => IDLE_CHECK.max(interval),
            Err(e) => {
                tracing::warn!(error = %e, "retrying parked person events failed");
                interval
            }
        };
    }
}

/// Retries the due events; returns how long until the next parked event is due (zero when
/// some were retried: more may be due), or None when nothing is parked.
async fn retry_due(sync: &PersonSync) -> mongodb::error::Result<Option<Duration>> {
    let (due, next) = sync.parked().due(50).await?;
    let retried = !due.is_empty();
    for (event, attempts) in due {
        match sync.retry_parked(&event).await? {
            Some(outcome) => {
                tracing::info!(person_id = %event.person_id, outcome = outcome.label(), attempts, "parked person event handled")
            }
            None => sync.parked().postpone(&event, attempts).await?,
        }
    }
    if retried {
        return Ok(Some(Duration::ZERO));
    }
    Ok(next.map(|at| Duration::from_millis((at.timestamp_millis() - DateTime::now().timestamp_millis()).max(0) as u64)))
}
