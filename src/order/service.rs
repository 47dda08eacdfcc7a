//! The order use cases. Every write is one transaction: the order, the persons fetched for it,
//! the idempotency record and the outbox event.

use std::{collections::BTreeMap, sync::Arc};

use futures::{StreamExt, TryStreamExt};
use labs_order_client::order::types::{InputOrder, Order, Person};
use mongodb::{
    bson::{doc, DateTime, Document},
    ClientSession, Collection, Database, IndexModel,
};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use super::{
    config::OrderConfig,
    contact_lookup::ContactLookup,
    events::{order_event, OrderChange},
    model::{self, Role},
    persons::{self, Mark, PersonReplica, ReplicaEntry, Resolved},
};
use crate::{
    http::{ApiError, JsonArrayStream},
    outbox::Outbox,
};

pub const ORDERS_COLLECTION: &str = "orders";
pub const IDEMPOTENCY_COLLECTION: &str = "idempotency_keys";
/// The last version of deleted orders: a re-created id continues its version sequence, so its
/// events order after the delete and an old ETag cannot match the new order.
pub const TOMBSTONES_COLLECTION: &str = "order_tombstones";

#[derive(Clone)]
pub struct OrderService {
    client: mongodb::Client,
    orders: Collection<Document>,
    idempotency: Collection<Document>,
    tombstones: crate::mongo::Tombstones,
    replica: PersonReplica,
    outbox: Outbox,
    lookup: Arc<ContactLookup>,
    topic: Arc<str>,
    source: Arc<str>,
    relay_wake: Arc<Notify>,
}

/// A list: one page, or everything streamed from a cursor.
pub enum Listing {
    Page(Vec<Order>),
    Stream(JsonArrayStream),
}

/// The caller's write preconditions.
#[derive(Debug, Default, Clone)]
pub struct WriteOptions {
    pub request_id: String,
    pub if_match: Option<String>,
    pub idempotency_key: Option<String>,
}

enum Decision {
    Store(Box<Order>),
    Delete,
}

/// A stored order and its version (the ETag).
pub type Versioned = (Order, i64);

impl OrderService {
    pub fn new(db: &Database, config: &OrderConfig, lookup: Arc<ContactLookup>, relay_wake: Arc<Notify>) -> Self {
        Self {
            client: db.client().clone(),
            orders: db.collection(ORDERS_COLLECTION),
            idempotency: db.collection(IDEMPOTENCY_COLLECTION),
            tombstones: crate::mongo::Tombstones::new(db, TOMBSTONES_COLLECTION),
            replica: PersonReplica::new(db),
            outbox: Outbox::new(db),
            lookup,
            topic: Arc::from(config.order_topic.as_str()),
            source: Arc::from(config.event_source.as_str()),
            relay_wake,
        }
    }

    /// Indexes for the person fan-out (orders by referenced person).
    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        let by_role = Role::ALL.map(|r| IndexModel::builder().keys(doc! { format!("{}.id", r.order_field()): 1 }).build());
        self.orders.create_indexes(by_role).await?;
        self.replica.ensure_indexes().await?;
        Ok(())
    }

    pub async fn create(&self, options: &WriteOptions, input: InputOrder) -> Result<Versioned, ApiError> {
        model::validate(&input)?;
        let request_hash = options.idempotency_key.as_ref().map(|_| body_hash(&input));
        if let (Some(key), Some(hash)) = (&options.idempotency_key, &request_hash) {
            if let Some(replayed) = self.replay(key, hash).await? {
                return Ok(replayed);
            }
        }
        let resolved = persons::resolve(&self.replica, &self.lookup, &input, &options.request_id).await?;
        let mut order = model::from_input(&uuid::Uuid::new_v4().to_string(), &input);
        fill_persons(&mut order, &resolved);
        let id = order.order_id.clone().unwrap_or_default();
        let idempotency = options.idempotency_key.clone().zip(request_hash);
        self.write(options, &id, resolved, idempotency, move |_| Ok(Decision::Store(Box::new(order.clone())))).await?.ok_or_else(vanished)
    }

    pub async fn list(&self, page: Option<i32>, size: Option<i32>) -> Result<Listing, ApiError> {
        let page = crate::http::paging::page(page, size)?;
        let mut find = self.orders.find(doc! {}).sort(doc! { "_id": 1 }).batch_size(crate::http::CURSOR_BATCH);
        if let Some(p) = page {
            find = find.skip(p.skip).limit(p.limit);
        }
        let cursor = find.await?;
        let orders = cursor.map(|d| Ok::<_, anyhow::Error>(model::from_document(d?)?.0));
        Ok(match page {
            Some(_) => Listing::Page(orders.try_collect().await.map_err(ApiError::Internal)?),
            None => Listing::Stream(JsonArrayStream::new(orders.boxed())),
        })
    }

    pub async fn read(&self, id: &str) -> Result<Versioned, ApiError> {
        let doc = self.orders.find_one(doc! { "_id": id }).await?.ok_or_else(|| not_found(id))?;
        Ok(model::from_document(doc).map_err(anyhow::Error::from)?)
    }

    /// PUT: full replace; an unknown id is created.
    pub async fn upsert(&self, options: &WriteOptions, id: &str, input: InputOrder) -> Result<Versioned, ApiError> {
        model::validate(&input)?;
        let resolved = persons::resolve(&self.replica, &self.lookup, &input, &options.request_id).await?;
        let mut order = model::from_input(id, &input);
        fill_persons(&mut order, &resolved);
        self.write(options, id, resolved, None, move |_| Ok(Decision::Store(Box::new(order.clone())))).await?.ok_or_else(vanished)
    }

    /// PATCH: only the fields present change; person references present are resolved.
    pub async fn patch(&self, options: &WriteOptions, id: &str, input: InputOrder) -> Result<Versioned, ApiError> {
        model::validate(&input)?;
        self.read(id).await?; // an unknown order is 404 before any person is looked up
        let resolved = persons::resolve(&self.replica, &self.lookup, &input, &options.request_id).await?;
        let roles = resolved.by_role.clone();
        let missing_id = id.to_string();
        self.write(options, id, resolved, None, move |existing| {
            let stored = existing.ok_or_else(|| not_found(&missing_id))?;
            let mut merged = model::merge(stored.clone(), &input);
            for (role, person) in &roles {
                *role.slot(&mut merged) = Some(person.clone());
            }
            Ok(Decision::Store(Box::new(merged)))
        })
        .await?
        .ok_or_else(|| not_found(id))
    }

    /// DELETE one: answers the deleted order.
    pub async fn delete(&self, options: &WriteOptions, id: &str) -> Result<Versioned, ApiError> {
        let missing_id = id.to_string();
        self.write(options, id, Resolved::default(), None, move |existing| match existing {
            Some(_) => Ok(Decision::Delete),
            None => Err(not_found(&missing_id)),
        })
        .await?
        .ok_or_else(|| not_found(id))
    }

    /// DELETE all: one by one, each with its own delete event.
    pub async fn delete_all(&self, options: &WriteOptions) -> Result<(), ApiError> {
        let ids: Vec<Document> = self.orders.find(doc! {}).projection(doc! { "_id": 1 }).await?.try_collect().await?;
        let options = WriteOptions { if_match: None, ..options.clone() };
        for doc in ids {
            if let Ok(id) = doc.get_str("_id") {
                match self.delete(&options, id).await {
                    Ok(_) | Err(ApiError::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    async fn replay(&self, key: &str, hash: &str) -> Result<Option<Versioned>, ApiError> {
        let Some(record) = self.idempotency.find_one(doc! { "_id": key }).await? else { return Ok(None) };
        replay_record(&record, hash).map(Some)
    }

    /// Reads the stored order, checks If-Match, lets `decide` choose, and writes the order, the
    /// fetched persons, the idempotency record and the event in one transaction.
    async fn write<F>(
        &self,
        options: &WriteOptions,
        id: &str,
        resolved: Resolved,
        idempotency: Option<(String, String)>,
        decide: F,
    ) -> Result<Option<Versioned>, ApiError>
    where
        F: Fn(Option<&Order>) -> Result<Decision, ApiError> + Clone + Send + Sync + 'static,
    {
        let (this, id, options, resolved) = (self.clone(), id.to_string(), options.clone(), Arc::new(resolved));
        let (stored, changed) = crate::mongo::transaction(&self.client, move |session| {
            let (this, id, options, resolved, idempotency, decide) =
                (this.clone(), id.clone(), options.clone(), resolved.clone(), idempotency.clone(), decide.clone());
            Box::pin(async move { this.write_in(session, &id, &options, &resolved, idempotency, decide).await })
        })
        .await??;
        if changed {
            self.relay_wake.notify_one();
        }
        Ok(stored)
    }

    async fn write_in<F>(
        &self,
        session: &mut ClientSession,
        id: &str,
        options: &WriteOptions,
        resolved: &Resolved,
        idempotency: Option<(String, String)>,
        decide: F,
    ) -> mongodb::error::Result<Result<(Option<Versioned>, bool), ApiError>>
    where
        F: Fn(Option<&Order>) -> Result<Decision, ApiError>,
    {
        if let Some((key, hash)) = &idempotency {
            if let Some(record) = self.idempotency.find_one(doc! { "_id": key }).session(&mut *session).await? {
                return Ok(replay_record(&record, hash).map(|v| (Some(v), false)));
            }
        }
        let existing = match self.orders.find_one(doc! { "_id": id }).session(&mut *session).await? {
            Some(doc) => Some(model::from_document(doc).map_err(mongodb::error::Error::custom)?),
            None => None,
        };
        if !model::if_match_holds(options.if_match.as_deref(), existing.as_ref().map(|(_, v)| *v)) {
            let current = existing.as_ref().map_or("none".to_string(), |(_, v)| model::etag(*v));
            return Ok(Err(ApiError::PreconditionFailed(format!("If-Match does not match the current version {current}"))));
        }
        let decision = match decide(existing.as_ref().map(|(o, _)| o)) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let version = self.tombstones.last_version(session, id, existing.as_ref().map(|(_, v)| *v)).await? + 1;
        // Persons fetched from the contact service: what the consumer saw of them meanwhile wins.
        let mut fresher: BTreeMap<String, (Person, i64)> = BTreeMap::new();
        for (person_id, _, fetched_version) in &resolved.fetched {
            match self.replica.claim_mark(session, person_id).await? {
                Some(mark) if mark.version > *fetched_version && mark.deleted => {
                    let field = resolved
                        .by_role
                        .iter()
                        .find(|(_, p)| p.id.as_deref() == Some(person_id))
                        .map_or("soldToID", |(r, _)| r.input_field());
                    return Ok(Err(ApiError::unprocessable_field(field, format!("{field}: person '{person_id}' does not exist"))));
                }
                Some(Mark { version, person: Some(person), .. }) if version > *fetched_version => {
                    fresher.insert(person_id.clone(), (person, version));
                }
                _ => {}
            }
        }
        let (change, stored) = match decision {
            Decision::Store(order) => {
                let mut order = *order;
                // The persons this write references, as the replica holds them now: a person event
                // committed since they were resolved wins, and a tombstone refuses the write. The
                // touch makes a concurrent person event and this write conflict, so one retries.
                for (role, _) in &resolved.by_role {
                    let slot = role.slot(&mut order);
                    let Some(person_id) = slot.as_ref().and_then(|p| p.id.clone()) else { continue };
                    if let Some((person, _)) = fresher.get(&person_id) {
                        *slot = Some(person.clone());
                    }
                    match self.replica.touch(session, &person_id).await? {
                        Some(entry) if entry.deleted => {
                            let field = role.input_field();
                            return Ok(Err(ApiError::unprocessable_field(field, format!("{field}: person '{person_id}' does not exist"))));
                        }
                        Some(ReplicaEntry { person: Some(current), .. }) => *slot = Some(current),
                        _ => {}
                    }
                }
                if let Some((old, v)) = &existing {
                    if *old == order {
                        return Ok(Ok((Some((order, *v)), false)));
                    }
                }
                let doc = model::to_document(&order, version).map_err(mongodb::error::Error::custom)?;
                self.orders.replace_one(doc! { "_id": id }, doc).upsert(true).session(&mut *session).await?;
                (if existing.is_some() { OrderChange::Updated } else { OrderChange::Created }, Some((order, version)))
            }
            Decision::Delete => {
                self.orders.delete_one(doc! { "_id": id }).session(&mut *session).await?;
                self.tombstones.record(session, id, version).await?;
                // What this transaction deleted is what the caller gets back.
                (OrderChange::Deleted, existing.clone())
            }
        };
        for (person_id, person, version) in &resolved.fetched {
            let (person, version) = fresher.get(person_id).map_or((person, *version), |(p, v)| (p, *v));
            self.replica.insert_if_absent(session, person_id, person, version).await?;
        }
        if let (Some((key, hash)), Some((order, version))) = (&idempotency, &stored) {
            let response = mongodb::bson::to_document(order).map_err(mongodb::error::Error::custom)?;
            let record = doc! { "_id": key, "requestHash": hash, "response": response, "version": version, "createdAt": DateTime::now() };
            self.idempotency.insert_one(record).session(&mut *session).await?;
        }
        let event = order_event(change, &self.source, id, stored.as_ref().map(|(o, _)| o), Some(&options.request_id))
            .map_err(mongodb::error::Error::custom)?;
        self.outbox.stage(session, &self.topic, id, version, &event).await?;
        Ok(Ok((stored, true)))
    }
}

fn fill_persons(order: &mut Order, resolved: &Resolved) {
    for (role, person) in &resolved.by_role {
        *role.slot(order) = Some(person.clone());
    }
}

/// A repeat of an idempotent POST: the first result for the same body, 422 for another body.
fn replay_record(record: &Document, hash: &str) -> Result<Versioned, ApiError> {
    if record.get_str("requestHash").ok() != Some(hash) {
        return Err(ApiError::unprocessable_field("Idempotency-Key", "this Idempotency-Key was used with a different request body"));
    }
    let response = record.get_document("response").map_err(anyhow::Error::from)?.clone();
    let order: Order = mongodb::bson::from_document(response).map_err(anyhow::Error::from)?;
    Ok((order, record.get_i64("version").unwrap_or(1)))
}

fn body_hash(input: &InputOrder) -> String {
    let canonical = serde_json::to_vec(input).unwrap_or_default();
    Sha256::digest(&canonical).iter().map(|b| format!("{b:02x}")).collect()
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("Order with id '{id}' not found"))
}

fn vanished() -> ApiError {
    ApiError::Internal(anyhow::anyhow!("the written order is missing from the transaction result"))
}
