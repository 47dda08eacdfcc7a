//! Keeping orders in step with persons. For each person event: skip it when no order and no
//! replica entry concerns the person; otherwise, in ONE transaction, update the replica, every
//! order referencing the person (in any role), and record the event as handled, so a
//! re-delivery has no effect. Changes never go backwards: versioned events apply only when
//! newer, and a deleted person is a tombstone a late change cannot revive.

pub mod consumer;
pub mod event;
pub mod parked;

use std::sync::Arc;

use labs_order_client::order::types::Person;
use mongodb::{
    bson::{doc, DateTime, Document},
    ClientSession, Collection, Database,
};

use self::event::{Kind, PersonEvent};
use super::{
    contact_lookup::{ContactLookup, Lookup},
    replica::{self, PersonReplica, Seen},
};
use crate::{mongo::TxnError, outbox::LongWrites};

pub const PROCESSED_COLLECTION: &str = "processed_events";

/// What handling an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The replica and the concerned orders now reflect the event.
    Applied,
    /// Handled before (same source and id).
    Duplicate,
    /// Older than what the replica holds, or about a deleted person.
    Stale,
    /// No order references the person and the replica does not hold it.
    Irrelevant,
    /// An id-only event whose person cannot be read now; retried later.
    Parked,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Self::Applied => "applied",
            Self::Duplicate => "duplicate",
            Self::Stale => "stale",
            Self::Irrelevant => "irrelevant",
            Self::Parked => "parked",
        }
    }
}

/// The person state an event leads to.
#[derive(Debug, Clone)]
enum Target {
    Person { person: Box<Person>, version: Option<i64> },
    Deleted { version: Option<i64> },
}

#[derive(Clone)]
pub struct PersonSync {
    client: mongodb::Client,
    replica: PersonReplica,
    processed: Collection<Document>,
    parked: parked::ParkedEvents,
    lookup: Arc<ContactLookup>,
    /// Each event's transaction and catch-up count as one: a fan-out is the longest write the
    /// service makes (see `outbox::long_writes`).
    long_writes: LongWrites,
}

impl PersonSync {
    /// `replica` shares its cache with the request path: it is forgotten per handled event.
    pub fn new(db: &Database, lookup: Arc<ContactLookup>, replica: PersonReplica) -> Self {
        Self {
            client: db.client().clone(),
            replica,
            processed: db.collection(PROCESSED_COLLECTION),
            parked: parked::ParkedEvents::new(db),
            lookup,
            long_writes: LongWrites::default(),
        }
    }

    /// Counts each event's writes among `long_writes` (the relay's, to hold its timed passes).
    pub fn with_long_writes(mut self, long_writes: LongWrites) -> Self {
        self.long_writes = long_writes;
        self
    }

    pub fn parked(&self) -> &parked::ParkedEvents {
        &self.parked
    }

    /// Handles one event. An `Err` is a database failure: nothing was recorded, so the caller
    /// retries (and does not commit the offset).
    #[tracing::instrument(skip_all, fields(person_id = %event.person_id, event_id = %event.id, request_id = event.request_id.as_deref().unwrap_or("")))]
    pub async fn handle(&self, event: &PersonEvent) -> mongodb::error::Result<Outcome> {
        let outcome = self.decide_and_apply(event).await;
        // Whatever happened, the next create referencing the person reads the replica.
        self.replica.forget(&event.person_id);
        let outcome = outcome?;
        tracing::info!(outcome = outcome.label(), version = event.version, kind = ?event.kind, "person event handled");
        Ok(outcome)
    }

    async fn decide_and_apply(&self, event: &PersonEvent) -> mongodb::error::Result<Outcome> {
        match (event.kind, &event.snapshot) {
            // Everything needed is in the event: relevance, staleness and effect in one transaction.
            (Kind::Deleted, _) => self.apply(event, Target::Deleted { version: event.version }, false).await,
            (_, Some(person)) => {
                self.apply(event, Target::Person { person: Box::new(person.clone()), version: event.version }, false).await
            }
            // Id-only: check cheaply before calling the contact service, outside any transaction.
            (_, None) => {
                if self.processed.find_one(doc! { "_id": event.dedup_key() }).await?.is_some() {
                    return Ok(Outcome::Duplicate);
                }
                let entry = self.replica.read(None, &event.person_id).await?.filter(|d| !replica::is_mark(d));
                if entry.is_none() && !self.replica.referenced(None, &event.person_id).await? {
                    // A mark's data may be older than the person now: the next order asks.
                    self.replica.forget_mark_data(&event.person_id).await?;
                    return Ok(Outcome::Irrelevant);
                }
                if entry.as_ref().is_some_and(|e| e.get_bool("deleted").unwrap_or(false)) {
                    // A deleted person: nothing to read, and nothing may revive it.
                    return self.apply(event, Target::Deleted { version: None }, false).await;
                }
                match self.lookup.person(&event.person_id, event.request_id.as_deref().unwrap_or("")).await {
                    Ok(Lookup::Found(p, version)) => {
                        let person = Box::new(Person::from(*p));
                        self.apply(event, Target::Person { person, version: (version > 0).then_some(version) }, false).await
                    }
                    Ok(Lookup::Missing) => self.apply(event, Target::Deleted { version: None }, false).await,
                    Err(failure) => {
                        tracing::info!(reason = failure.reason(), "contact service unavailable; event parked");
                        self.parked.park(event).await?;
                        Ok(Outcome::Parked)
                    }
                }
            }
        }
    }

    /// Retries a parked id-only event: reads the person now and applies it, removing the
    /// parked entry in the same transaction. `None` when the person still cannot be read.
    pub async fn retry_parked(&self, event: &PersonEvent) -> mongodb::error::Result<Option<Outcome>> {
        let target = match self.lookup.person(&event.person_id, event.request_id.as_deref().unwrap_or("")).await {
            Ok(Lookup::Found(p, version)) => {
                Target::Person { person: Box::new(Person::from(*p)), version: (version > 0).then_some(version) }
            }
            Ok(Lookup::Missing) => Target::Deleted { version: None },
            Err(_) => return Ok(None),
        };
        self.apply(event, target, true).await.map(Some)
    }

    /// Runs [`Self::apply_in`] as one transaction, then brings up to date the orders its fan-out
    /// could not see.
    async fn apply(&self, event: &PersonEvent, target: Target, unpark: bool) -> mongodb::error::Result<Outcome> {
        let _long_write = self.long_writes.begin();
        let (this, shared, target) = (self.clone(), Arc::new(event.clone()), Arc::new(target));
        let (outcome, rev) = crate::mongo::transaction::<_, mongodb::error::Error, _>(&self.client, move |session| {
            let (this, event, target) = (this.clone(), shared.clone(), target.clone());
            Box::pin(async move { this.apply_in(session, &event, &target, unpark).await.map_err(TxnError::Db) })
        })
        .await?;
        let request_id = event.request_id.as_deref();
        // Orders its fan-out could not see (see `PersonReplica::catch_up`).
        match (outcome, rev) {
            (Outcome::Applied, Some(rev)) => self.replica.catch_up(&event.person_id, request_id, Some(rev)).await?,
            // The first delivery may have died between its commit and its check.
            (Outcome::Duplicate, _) => self.replica.catch_up(&event.person_id, request_id, None).await?,
            _ => {}
        }
        Ok(outcome)
    }

    async fn apply_in(
        &self,
        session: &mut ClientSession,
        event: &PersonEvent,
        target: &Target,
        unpark: bool,
    ) -> mongodb::error::Result<(Outcome, Option<i64>)> {
        if unpark {
            self.parked.remove(session, event).await?;
            crate::crash_points::crash_point(crate::crash_points::MID_PARKED_RETRY);
        }
        if self.processed.find_one(doc! { "_id": event.dedup_key() }).session(&mut *session).await?.is_some() {
            return Ok((Outcome::Duplicate, None));
        }
        let stored = self.replica.read(Some(&mut *session), &event.person_id).await?;
        let (entry, mark) = match stored {
            Some(d) if replica::is_mark(&d) => (None, Some(d)),
            other => (other, None),
        };
        if entry.is_none() && !self.replica.referenced(Some(&mut *session), &event.person_id).await? {
            // Only the version mark is written (see `PersonReplica::record_mark`): an order
            // referencing this person for the first time takes it from there.
            let seen = match target {
                Target::Person { person, version: Some(v) } => Seen::Person { version: *v, person },
                Target::Deleted { version } => Seen::Deleted { version: *version },
                Target::Person { version: None, .. } => return Ok((Outcome::Irrelevant, None)),
            };
            self.replica.record_mark(session, mark.as_ref(), &event.person_id, seen).await?;
            return Ok((Outcome::Irrelevant, None));
        }
        // (A mark here is a person some order references without an entry, written before marks
        // and entries shared one collection: what it saw counts as held.)
        let held = entry.as_ref().or(mark.as_ref()).map(replica::entry);
        let (held_version, deleted) = held.map_or((0, false), |h| (h.version, h.deleted));
        let (outcome, rev) = match target {
            Target::Person { version: Some(v), .. } | Target::Deleted { version: Some(v) } if *v <= held_version => (Outcome::Stale, None),
            Target::Person { version: None, .. } | Target::Deleted { version: None } if deleted => (Outcome::Stale, None),
            Target::Person { person, version } => {
                let version = version.unwrap_or(held_version);
                let (id, request_id) = (&event.person_id, event.request_id.as_deref());
                (Outcome::Applied, self.replica.store_person(session, id, person, version, entry.as_ref(), request_id).await?)
            }
            Target::Deleted { version } => {
                self.replica.store_tombstone(session, &event.person_id, version.unwrap_or(held_version)).await?;
                (Outcome::Applied, None)
            }
        };
        self.processed.insert_one(processed_record(event, outcome)).session(&mut *session).await?;
        Ok((outcome, rev))
    }
}

fn processed_record(event: &PersonEvent, outcome: Outcome) -> Document {
    doc! { "_id": event.dedup_key(), "personId": &event.person_id, "outcome": outcome.label(), "handledAt": DateTime::now() }
}
