//! Keeping orders in step with persons. For each person event: skip it when no order and no
//! replica entry concerns the person; otherwise, in ONE transaction, update the replica, every
//! order referencing the person (in any role), and record the event as handled, so a
//! re-delivery has no effect. Changes never go backwards: versioned events apply only when
//! newer, and a deleted person is a tombstone a late change cannot revive.

pub mod consumer;
pub mod event;
pub mod parked;

use std::sync::Arc;

use futures::TryStreamExt;

use labs_order_client::order::types::Person;
use mongodb::{
    bson::{self, doc, Bson, DateTime, Document},
    ClientSession, Collection, Database,
};

use self::event::{Kind, PersonEvent};
use super::{
    contact_lookup::{ContactLookup, Lookup},
    model::{self, Role},
    outbox as order_outbox,
    persons::{convert, PERSONS_COLLECTION},
    replica_cache::ReplicaCache,
    service::ORDERS_COLLECTION,
};

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
    orders: Collection<Document>,
    replica: Collection<Document>,
    marks: Collection<Document>,
    processed: Collection<Document>,
    fanouts: Collection<Document>,
    parked: parked::ParkedEvents,
    lookup: Arc<ContactLookup>,
    /// The request path's memory of replica entries; forgotten per handled event.
    cache: Arc<ReplicaCache>,
}

impl PersonSync {
    pub fn new(db: &Database, lookup: Arc<ContactLookup>, cache: Arc<ReplicaCache>) -> Self {
        Self {
            client: db.client().clone(),
            orders: db.collection(ORDERS_COLLECTION),
            replica: db.collection(PERSONS_COLLECTION),
            marks: db.collection(crate::order::persons::MARKS_COLLECTION),
            processed: db.collection(PROCESSED_COLLECTION),
            fanouts: db.collection(order_outbox::FANOUTS_COLLECTION),
            parked: parked::ParkedEvents::new(db),
            lookup,
            cache,
        }
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
        self.cache.forget(&event.person_id);
        let outcome = outcome?;
        tracing::info!(outcome = outcome.label(), version = event.version, kind = ?event.kind, "person event handled");
        Ok(outcome)
    }

    /// After an event's transaction committed: brings up to date the orders that still embed an
    /// older copy of the person than the replica holds. An order inserted while the event's
    /// transaction ran is invisible to that transaction's fan-out; the order's side checks the
    /// replica after its insert (`order::outbox`), this side checks the orders after its commit,
    /// so whichever commits second sees the other. `rev` is the revision just committed, when
    /// known; otherwise the replica is read. One indexed query when nothing is stale.
    async fn catch_up(&self, person_id: &str, request_id: Option<&str>, rev: Option<i64>) -> mongodb::error::Result<()> {
        let rev = match rev {
            Some(rev) => rev,
            None => match self.replica.find_one(doc! { "_id": person_id }).await? {
                Some(entry) => crate::order::persons::entry(&entry).rev,
                None => return Ok(()),
            },
        };
        let stale = Role::ALL.map(|r| Copies::OlderThan(rev).query(r, person_id));
        if self.orders.find_one(doc! { "$or": stale.to_vec() }).projection(doc! { "_id": 1 }).await?.is_none() {
            return Ok(());
        }
        let (this, id, request_id) = (self.clone(), person_id.to_string(), request_id.map(str::to_string));
        let repaired = crate::mongo::transaction(&self.client, move |session| {
            let (this, id, request_id) = (this.clone(), id.clone(), request_id.clone());
            Box::pin(async move {
                // The replica as it is now: a newer change may have committed meanwhile.
                let Some(entry) = this.replica.find_one(doc! { "_id": &id }).session(&mut *session).await? else { return Ok(Ok(None)) };
                let current = crate::order::persons::entry(&entry);
                let Ok(person_doc) = entry.get_document("person") else { return Ok(Ok(None)) };
                if current.deleted {
                    return Ok(Ok(None));
                }
                let copies = Copies::OlderThan(current.rev);
                this.fan_out(session, (&id, person_doc), current.rev, request_id.as_deref(), copies).await?;
                Ok(Ok::<_, std::convert::Infallible>(Some(current.rev)))
            })
        })
        .await?
        .unwrap_or_else(|never| match never {});
        if let Some(rev) = repaired {
            tracing::info!(person_id, rev, "orders that missed a person change caught up");
        }
        Ok(())
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
                let entry = self.replica.find_one(doc! { "_id": &event.person_id }).await?;
                if entry.is_none() && !self.referenced(None, &event.person_id).await? {
                    return Ok(Outcome::Irrelevant);
                }
                if entry.as_ref().is_some_and(|e| e.get_bool("deleted").unwrap_or(false)) {
                    // A deleted person: nothing to read, and nothing may revive it.
                    return self.apply(event, Target::Deleted { version: None }, false).await;
                }
                match self.lookup.person(&event.person_id, event.request_id.as_deref().unwrap_or("")).await {
                    Ok(Lookup::Found(p, version)) => {
                        let person = Box::new(convert(&p).map_err(mongodb::error::Error::custom)?);
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
            Ok(Lookup::Found(p, version)) => Target::Person {
                person: Box::new(convert(&p).map_err(mongodb::error::Error::custom)?),
                version: (version > 0).then_some(version),
            },
            Ok(Lookup::Missing) => Target::Deleted { version: None },
            Err(_) => return Ok(None),
        };
        self.apply(event, target, true).await.map(Some)
    }

    /// Whether any order holds the person, in any role.
    async fn referenced(&self, session: Option<&mut ClientSession>, person_id: &str) -> mongodb::error::Result<bool> {
        let any_role: Vec<Document> = Role::ALL.iter().map(|r| doc! { format!("{}.id", r.order_field()): person_id }).collect();
        let find = self.orders.find_one(doc! { "$or": any_role }).projection(doc! { "_id": 1 });
        Ok(match session {
            Some(s) => find.session(s).await?,
            None => find.await?,
        }
        .is_some())
    }

    /// Runs [`Self::apply_in`] as one transaction, then brings up to date the orders its fan-out
    /// could not see (see [`Self::catch_up`]).
    async fn apply(&self, event: &PersonEvent, target: Target, unpark: bool) -> mongodb::error::Result<Outcome> {
        let (this, shared, target) = (self.clone(), Arc::new(event.clone()), Arc::new(target));
        let outcome = crate::mongo::transaction(&self.client, move |session| {
            let (this, event, target) = (this.clone(), shared.clone(), target.clone());
            Box::pin(async move { this.apply_in(session, &event, &target, unpark).await.map(Ok::<_, std::convert::Infallible>) })
        })
        .await?;
        let (outcome, rev) = outcome.unwrap_or_else(|never| match never {});
        match (outcome, rev) {
            (Outcome::Applied, Some(rev)) => self.catch_up(&event.person_id, event.request_id.as_deref(), Some(rev)).await?,
            // The first delivery may have died between its commit and its check.
            (Outcome::Duplicate, _) => self.catch_up(&event.person_id, event.request_id.as_deref(), None).await?,
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
        let entry = self.replica.find_one(doc! { "_id": &event.person_id }).session(&mut *session).await?;
        if entry.is_none() && !self.referenced(Some(&mut *session), &event.person_id).await? {
            // Only the version mark is written (see `persons::record_mark`): an order fetching
            // this person right now must not keep an older version.
            let (version, person, deleted) = match target {
                Target::Person { person, version: Some(v) } => {
                    (*v, Some(bson::to_document(person).map_err(mongodb::error::Error::custom)?), false)
                }
                Target::Deleted { version: Some(v) } => (*v, None, true),
                _ => return Ok((Outcome::Irrelevant, None)),
            };
            crate::order::persons::record_mark(&self.marks, session, &event.person_id, version, person, deleted).await?;
            return Ok((Outcome::Irrelevant, None));
        }
        let held_version = entry.as_ref().and_then(|e| e.get_i64("version").ok()).unwrap_or(0);
        let deleted = entry.as_ref().is_some_and(|e| e.get_bool("deleted").unwrap_or(false));
        let (outcome, rev) = match target {
            Target::Person { version: Some(v), .. } | Target::Deleted { version: Some(v) } if *v <= held_version => (Outcome::Stale, None),
            Target::Person { version: None, .. } | Target::Deleted { version: None } if deleted => (Outcome::Stale, None),
            Target::Person { person, version } => {
                (Outcome::Applied, self.store_person(session, event, person, version.unwrap_or(held_version), entry.as_ref()).await?)
            }
            Target::Deleted { version } => {
                let tombstone =
                    doc! { "$set": { "deleted": true, "version": version.unwrap_or(held_version), "updatedAt": DateTime::now() } };
                self.replica.update_one(doc! { "_id": &event.person_id }, tombstone).upsert(true).session(&mut *session).await?;
                (Outcome::Applied, None)
            }
        };
        self.processed.insert_one(processed_record(event, outcome)).session(&mut *session).await?;
        Ok((outcome, rev))
    }

    /// The replica entry and every order holding the person in any role; orders that already
    /// show this data are left alone (their version does not move).
    async fn store_person(
        &self,
        session: &mut ClientSession,
        event: &PersonEvent,
        person: &Person,
        version: i64,
        previous: Option<&Document>,
    ) -> mongodb::error::Result<Option<i64>> {
        let id = event.person_id.as_str();
        let person_doc = bson::to_document(person).map_err(mongodb::error::Error::custom)?;
        let entry = doc! { "person": &person_doc, "version": version, "deleted": false, "updatedAt": DateTime::now() };
        // Orders carry what the replica carries: unchanged data means no order to touch and no
        // new revision. (This check is one comparison here instead of a document comparison per
        // order in the database, which made a 10,000-order fan-out 8x slower.)
        if previous.and_then(|e| e.get_document("person").ok()) == Some(&person_doc) {
            self.replica.update_one(doc! { "_id": id }, doc! { "$set": entry }).session(&mut *session).await?;
            return Ok(None);
        }
        let stored = self
            .replica
            .find_one_and_update(doc! { "_id": id }, doc! { "$set": entry, "$inc": { "rev": 1_i64 } })
            .upsert(true)
            .return_document(mongodb::options::ReturnDocument::After)
            .session(&mut *session)
            .await?;
        let rev = stored.and_then(|d| d.get_i64("rev").ok()).unwrap_or(1);
        self.fan_out(session, (id, &person_doc), rev, event.request_id.as_deref(), Copies::Every).await?;
        Ok(Some(rev))
    }

    /// Writes the person at `rev` into the orders holding it (the `copies` kind says which), and
    /// records the fan-out once: the relay publishes an `order.updated` for each order holding
    /// the person at `rev` from that record, so no order document is written twice for its event
    /// and the relay never writes the orders this transaction writes.
    ///
    /// A pipeline update moves each order's version once and replaces the person in exactly the
    /// roles it holds. (Four commands, a version step and a `$set` per role, rewrote every order
    /// four times: 4x slower.) Orders are rewritten in chunks of [`FAN_OUT_CHUNK`], found by one
    /// `_id`-ordered query each: a single command over 10,000 orders kept SecantusDB busy for
    /// over a minute, its heartbeats went unanswered, and the driver interrupted the command
    /// (and the transaction retried forever). A person in a few orders costs one find and one
    /// update.
    async fn fan_out(
        &self,
        session: &mut ClientSession,
        person: (&str, &Document),
        rev: i64,
        request_id: Option<&str>,
        copies: Copies,
    ) -> mongodb::error::Result<()> {
        let (person_id, person_doc) = person;
        let any_role: Vec<Document> = Role::ALL.map(|r| copies.query(r, person_id)).to_vec();
        let version = model::VERSION_FIELD;
        let mut set = doc! { version: { "$add": [format!("${version}"), 1_i64] } };
        for role in Role::ALL {
            let field = role.order_field();
            let rev_field = format!("{}.{field}", model::REVS_FIELD);
            let holds = copies.holds(role, person_id);
            // `$literal`: person data is never read as an expression (a name may start with `$`).
            set.insert(field, doc! { "$cond": [holds.clone(), { "$literal": person_doc }, format!("${field}")] });
            set.insert(rev_field.clone(), doc! { "$cond": [holds, rev, format!("${rev_field}")] });
        }
        let pipeline = vec![doc! { "$set": set }];
        let mut after: Option<Bson> = None;
        loop {
            let mut filter = doc! { "$or": any_role.clone() };
            if let Some(last) = &after {
                filter.insert("_id", doc! { "$gt": last });
            }
            let chunk: Vec<Document> = self
                .orders
                .find(filter)
                .projection(doc! { "_id": 1 })
                .sort(doc! { "_id": 1 })
                .limit(FAN_OUT_CHUNK)
                .session(&mut *session)
                .await?
                .stream(&mut *session)
                .try_collect()
                .await?;
            let ids: Vec<Bson> = chunk.into_iter().filter_map(|mut d| d.remove("_id")).collect();
            if ids.is_empty() {
                break;
            }
            self.orders.update_many(doc! { "_id": { "$in": &ids } }, pipeline.clone()).session(&mut *session).await?;
            crate::crash_points::crash_point(crate::crash_points::MID_FAN_OUT); // orders written, nothing committed
            if (ids.len() as i64) < FAN_OUT_CHUNK {
                break;
            }
            after = ids.last().cloned();
        }
        self.fanouts.insert_one(order_outbox::fan_out_record(person_id, rev, request_id)).session(&mut *session).await?;
        Ok(())
    }
}

/// Orders rewritten per update command of a fan-out (see `PersonSync::fan_out`).
const FAN_OUT_CHUNK: i64 = 500;

/// Which orders holding a person take its new revision in a fan-out.
#[derive(Clone, Copy)]
enum Copies {
    /// Every order holding the person (a change the consumer applies).
    Every,
    /// Those holding it at a revision older than this one (a catch-up).
    OlderThan(i64),
}

impl Copies {
    /// The orders holding the person in `role`, as a query.
    fn query(self, role: Role, person_id: &str) -> Document {
        let field = role.order_field();
        match self {
            Copies::Every => doc! { format!("{field}.id"): person_id },
            Copies::OlderThan(rev) => doc! { format!("{field}.id"): person_id, format!("{}.{field}", model::REVS_FIELD): { "$lt": rev } },
        }
    }

    /// The same test as an aggregation expression, per order in the update pipeline. (A missing
    /// revision counts as older here: such an order takes the change, which is what it needs.)
    fn holds(self, role: Role, person_id: &str) -> Document {
        let field = role.order_field();
        let same_person = doc! { "$eq": [format!("${field}.id"), person_id] };
        match self {
            Copies::Every => same_person,
            Copies::OlderThan(rev) => doc! { "$and": [same_person, { "$lt": [format!("${}.{field}", model::REVS_FIELD), rev] }] },
        }
    }
}

fn processed_record(event: &PersonEvent, outcome: Outcome) -> Document {
    doc! { "_id": event.dedup_key(), "personId": &event.person_id, "outcome": outcome.label(), "handledAt": DateTime::now() }
}
