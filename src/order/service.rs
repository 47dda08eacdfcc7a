//! The order use cases. Every write is one transaction: the order, the persons fetched for it,
//! the idempotency record and the outbox event.

use std::{collections::HashMap, sync::Arc};

use futures::{StreamExt, TryStreamExt};
use labs_order_client::order::types::{InputOrder, Order, Person};
use mongodb::{
    bson::{doc, DateTime, Document, RawDocumentBuf},
    ClientSession, Collection, Database, IndexModel,
};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use super::{
    config::OrderConfig,
    contact_lookup::ContactLookup,
    events::{order_event, OrderChange},
    model::{self, Role},
    outbox as staged,
    persons::{self, Mark, PersonReplica, ReplicaEntry, Resolved},
    replica_cache::ReplicaCache,
};
use crate::http::{ApiError, JsonArrayStream};

pub const ORDERS_COLLECTION: &str = "orders";
pub const IDEMPOTENCY_COLLECTION: &str = "idempotency_keys";

#[derive(Clone)]
pub struct OrderService {
    client: mongodb::Client,
    orders: Collection<Document>,
    /// The same collection, read as wire bytes (GET and list decode straight into `Order`).
    orders_raw: Collection<RawDocumentBuf>,
    idempotency: Collection<Document>,
    replica: PersonReplica,
    lookup: Arc<ContactLookup>,
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
    pub fn new(db: &Database, config: &OrderConfig, lookup: Arc<ContactLookup>, relay_wake: Arc<Notify>, cache: Arc<ReplicaCache>) -> Self {
        Self {
            client: db.client().clone(),
            orders: db.collection(ORDERS_COLLECTION),
            orders_raw: db.collection(ORDERS_COLLECTION),
            idempotency: db.collection(IDEMPOTENCY_COLLECTION),
            replica: PersonReplica::new(db).with_cache(cache),
            lookup,
            source: Arc::from(config.event_source.as_str()),
            relay_wake,
        }
    }

    /// Indexes for the person fan-out and its catch-up: orders by referenced person. (One field
    /// each: a person's orders are few enough to filter by revision, and an index whose prefix
    /// alone is queried is not used by every server's planner.)
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
        if options.idempotency_key.is_none() && resolved.all_known() {
            return self.insert_new(options, order, &resolved).await;
        }
        let id = order.order_id.clone().unwrap_or_default();
        let idempotency = options.idempotency_key.clone().zip(request_hash);
        self.write(options, &id, resolved, idempotency, move |_| Ok(Decision::Store(Box::new(order.clone())))).await?.ok_or_else(vanished)
    }

    /// The common create: every person known to the replica and no idempotency record, so the
    /// order and its staged event are one document, written by one insert. A fresh UUID has no
    /// tombstone and no concurrent writer. A person event committed meanwhile is caught by the
    /// relay's check of the embedded revisions (see `order::outbox`).
    async fn insert_new(&self, options: &WriteOptions, order: Order, resolved: &Resolved) -> Result<Versioned, ApiError> {
        let id = order.order_id.clone().unwrap_or_default();
        let revs: Vec<(Role, i64)> = resolved.by_role.iter().map(|(role, _, rev)| (*role, *rev)).collect();
        let mut doc = model::to_document(&order, 1, &revs).map_err(anyhow::Error::from)?;
        let event = order_event(OrderChange::Created, &self.source, &id, Some(&order), Some(&options.request_id))?;
        staged::stage(&mut doc, Vec::new(), staged::entry(&event).map_err(anyhow::Error::from)?);
        self.orders.insert_one(doc).await?;
        self.relay_wake.notify_one();
        Ok((order, 1))
    }

    pub async fn list(&self, page: Option<i32>, size: Option<i32>) -> Result<Listing, ApiError> {
        let page = crate::http::paging::page(page, size)?;
        let mut find = self.orders_raw.find(model::live()).sort(doc! { "_id": 1 }).batch_size(crate::http::CURSOR_BATCH);
        if let Some(p) = page {
            find = find.skip(p.skip).limit(p.limit);
        }
        let cursor = find.await?;
        let decode = |d: RawDocumentBuf| {
            std::future::ready(model::from_raw(&d).map(|o| o.map(|(order, _)| order)).map_err(mongodb::error::Error::custom))
        };
        let orders = cursor.try_filter_map(decode).map_err(anyhow::Error::from);
        Ok(match page {
            Some(_) => Listing::Page(orders.try_collect().await.map_err(ApiError::Internal)?),
            None => Listing::Stream(JsonArrayStream::new(orders.boxed())),
        })
    }

    pub async fn read(&self, id: &str) -> Result<Versioned, ApiError> {
        // By `_id` alone, so the database answers from its primary index; a tombstone is a 404.
        let raw = self.orders_raw.find_one(doc! { "_id": id }).await?;
        let order = raw.as_deref().map(model::from_raw).transpose().map_err(anyhow::Error::from)?.flatten();
        order.ok_or_else(|| not_found(id))
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
        let roles: Vec<(Role, Person)> = resolved.by_role.iter().map(|(r, p, _)| (*r, p.clone())).collect();
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
        let ids: Vec<Document> = self.orders.find(model::live()).projection(doc! { "_id": 1 }).await?.try_collect().await?;
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
        let stored = Stored::read(&self.orders, session, id).await?;
        let existing = stored.live.as_ref();
        if !model::if_match_holds(options.if_match.as_deref(), existing.map(|(_, v)| *v)) {
            let current = existing.map_or("none".to_string(), |(_, v)| model::etag(*v));
            return Ok(Err(ApiError::PreconditionFailed(format!("If-Match does not match the current version {current}"))));
        }
        let decision = match decide(existing.map(|(o, _)| o)) {
            Ok(d) => d,
            Err(e) => return Ok(Err(e)),
        };
        let version = stored.version + 1;
        let held = match self.store_fetched(session, resolved).await? {
            Ok(held) => held,
            Err(e) => return Ok(Err(e)),
        };
        let (change, result, mut doc) = match decision {
            Decision::Store(order) => {
                let mut order = *order;
                // Persons fetched from the contact service: what the replica holds now wins (an
                // event may have brought something newer meanwhile).
                let mut revs: HashMap<Role, i64> = stored.revs.iter().copied().collect();
                for (role, _, rev) in &resolved.by_role {
                    let slot = role.slot(&mut order);
                    let held = slot.as_ref().and_then(|p| p.id.as_deref()).and_then(|pid| held.get(pid));
                    let rev = match held {
                        Some(ReplicaEntry { person: Some(person), rev, .. }) => {
                            *slot = Some(person.clone());
                            *rev
                        }
                        _ => *rev,
                    };
                    revs.insert(*role, rev);
                }
                if let Some((old, v)) = existing {
                    if *old == order {
                        return Ok(Ok((Some((order, *v)), false)));
                    }
                }
                let revs: Vec<(Role, i64)> =
                    Role::ALL.into_iter().filter(|r| r.person(&order).is_some()).map(|r| (r, revs.get(&r).copied().unwrap_or(0))).collect();
                let doc = model::to_document(&order, version, &revs).map_err(mongodb::error::Error::custom)?;
                (if existing.is_some() { OrderChange::Updated } else { OrderChange::Created }, Some((order, version)), doc)
            }
            // What this transaction deleted is what the caller gets back.
            Decision::Delete => (OrderChange::Deleted, existing.cloned(), model::tombstone(id, version)),
        };
        let event = order_event(change, &self.source, id, result.as_ref().map(|(o, _)| o), Some(&options.request_id))
            .map_err(mongodb::error::Error::custom)?;
        let mut pending = stored.pending;
        if change == OrderChange::Deleted {
            // A derived `order.updated` shows the order when published: after this delete there
            // is none to show, and the delete event tells what happened.
            pending.retain(|e| !staged::is_derived(e));
        }
        staged::stage(&mut doc, pending, staged::entry(&event).map_err(mongodb::error::Error::custom)?);
        self.orders.replace_one(doc! { "_id": id }, doc).upsert(true).session(&mut *session).await?;
        if let (Some((key, hash)), Some((order, version))) = (&idempotency, &result) {
            let response = mongodb::bson::to_document(order).map_err(mongodb::error::Error::custom)?;
            let record = doc! { "_id": key, "requestHash": hash, "response": response, "version": version, "createdAt": DateTime::now() };
            self.idempotency.insert_one(record).session(&mut *session).await?;
        }
        Ok(Ok((result, true)))
    }

    /// Stores the persons this write fetched from the contact service in the replica, unless it
    /// already holds them, and answers what the replica holds. Claiming each person's version
    /// mark first turns the race with an event judged irrelevant a moment ago (no order
    /// referenced the person yet) into a write conflict, and takes what that event carried when
    /// it is newer than what was fetched.
    async fn store_fetched(
        &self,
        session: &mut ClientSession,
        resolved: &Resolved,
    ) -> mongodb::error::Result<Result<HashMap<String, ReplicaEntry>, ApiError>> {
        let mut held = HashMap::new();
        for (person_id, fetched, fetched_version) in &resolved.fetched {
            let (person, version) = match self.replica.claim_mark(session, person_id).await? {
                Some(mark) if mark.version > *fetched_version && mark.deleted => return Ok(Err(self.absent(resolved, person_id))),
                Some(Mark { version, person: Some(person), .. }) if version > *fetched_version => (person, version),
                _ => (fetched.clone(), *fetched_version),
            };
            let entry = self.replica.insert_if_absent(session, person_id, &person, version).await?;
            if entry.deleted {
                return Ok(Err(self.absent(resolved, person_id)));
            }
            held.insert(person_id.clone(), entry);
        }
        Ok(Ok(held))
    }

    /// 422 naming the field that references a person who does not exist.
    fn absent(&self, resolved: &Resolved, person_id: &str) -> ApiError {
        let field =
            resolved.by_role.iter().find(|(_, p, _)| p.id.as_deref() == Some(person_id)).map_or("soldToID", |(r, _, _)| r.input_field());
        ApiError::unprocessable_field(field, format!("{field}: person '{person_id}' does not exist"))
    }
}

/// An order's stored document as a write sees it: the live order (none for a tombstone), the
/// version the next write continues from, its unsent events and its persons' revisions.
struct Stored {
    live: Option<Versioned>,
    version: i64,
    pending: Vec<mongodb::bson::Bson>,
    revs: Vec<(Role, i64)>,
}

impl Stored {
    async fn read(orders: &Collection<Document>, session: &mut ClientSession, id: &str) -> mongodb::error::Result<Self> {
        let Some(doc) = orders.find_one(doc! { "_id": id }).session(session).await? else {
            return Ok(Self { live: None, version: 0, pending: Vec::new(), revs: Vec::new() });
        };
        let (pending, revs) = (staged::pending_entries(&doc), model::revs(&doc));
        if model::is_tombstone(&doc) {
            return Ok(Self { live: None, version: doc.get_i64(model::VERSION_FIELD).unwrap_or(0), pending, revs: Vec::new() });
        }
        let live = model::from_document(doc).map_err(mongodb::error::Error::custom)?;
        Ok(Self { version: live.1, live: Some(live), pending, revs })
    }
}

fn fill_persons(order: &mut Order, resolved: &Resolved) {
    for (role, person, _) in &resolved.by_role {
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
