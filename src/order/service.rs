//! The order use cases. Every write is one transaction: the order with its staged event, the
//! persons fetched for it (see `order::replica`) and the idempotency record.

use std::sync::Arc;

use futures::{stream::BoxStream, StreamExt, TryStreamExt};
use labs_order_client::order::types::Order;
use mongodb::{
    bson::{doc, DateTime, Document, RawDocumentBuf},
    ClientSession, Collection, Database,
};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use super::{
    config::OrderConfig,
    contact_lookup::ContactLookup,
    error::{Error, Result},
    events::{order_event, OrderChange},
    model::{self, IdempotencyKey, IfMatch, NewOrder, OrderPatch, Role},
    outbox as staged,
    replica::{PersonReplica, Resolved},
};
use crate::{
    mongo::{
        batch::{self, Batcher},
        Page, TxnError,
    },
    versioned::{Decision, Written},
};

pub const ORDERS_COLLECTION: &str = "orders";
pub const IDEMPOTENCY_COLLECTION: &str = "idempotency_keys";

#[derive(Clone)]
pub struct OrderService {
    client: mongodb::Client,
    orders: Collection<Document>,
    /// The same collection, read as wire bytes (GET and list decode straight into `Order`).
    orders_raw: Collection<RawDocumentBuf>,
    /// Plain creates, inserted together when they arrive together (see `mongo::batch`).
    creates: Batcher<RawDocumentBuf, mongodb::error::Result<()>>,
    /// Reads by id, answered together when they arrive together.
    reads: Batcher<String, mongodb::error::Result<Option<RawDocumentBuf>>>,
    idempotency: Collection<Document>,
    replica: PersonReplica,
    lookup: Arc<ContactLookup>,
    source: Arc<str>,
    relay_wake: Arc<Notify>,
}

/// A list: one page, or everything streamed from a cursor.
pub enum Listing {
    Page(Vec<Order>),
    Stream(BoxStream<'static, anyhow::Result<Order>>),
}

/// The caller's write preconditions.
#[derive(Debug, Default, Clone)]
pub struct WriteOptions {
    pub request_id: String,
    pub if_match: Option<IfMatch>,
    pub idempotency_key: Option<IdempotencyKey>,
}

/// A stored order and its version (the ETag).
pub type Versioned = (Order, i64);

/// An idempotent create's key and the hash of its body.
type Idempotency = Option<(IdempotencyKey, String)>;

impl OrderService {
    /// `replica` carries the request path's cache of replica reads. The batched creates and
    /// reads go through `request_db` (a client without command monitoring, see `order::build`)
    /// and time themselves into `metrics`.
    pub fn new(
        (db, request_db, metrics): (&Database, &Database, Arc<crate::ops::Metrics>),
        config: &OrderConfig,
        lookup: Arc<ContactLookup>,
        relay_wake: Arc<Notify>,
        replica: PersonReplica,
    ) -> Self {
        let timer = batch::Timer::recording(metrics);
        Self {
            client: db.client().clone(),
            orders: db.collection(ORDERS_COLLECTION),
            orders_raw: db.collection(ORDERS_COLLECTION),
            creates: batch::inserts(request_db.collection(ORDERS_COLLECTION), config.batching, timer.clone()),
            reads: batch::reads_by_id(request_db.collection(ORDERS_COLLECTION), config.batching, timer),
            idempotency: db.collection(IDEMPOTENCY_COLLECTION),
            replica,
            lookup,
            source: Arc::from(config.event_source.as_str()),
            relay_wake,
        }
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        // Only tombstones carry `deleted`: the `orders_active` gauge counts them by this index.
        let sparse = mongodb::options::IndexOptions::builder().sparse(true).build();
        self.orders.create_index(mongodb::IndexModel::builder().keys(doc! { model::DELETED_FIELD: 1 }).options(sparse).build()).await?;
        self.replica.ensure_indexes().await
    }

    pub async fn create(&self, options: &WriteOptions, new: NewOrder) -> Result<Versioned> {
        let idempotency = options.idempotency_key.clone().map(|key| (key, body_hash(&new)));
        if let Some((key, hash)) = &idempotency {
            if let Some(replayed) = self.replay(key, hash).await? {
                return Ok(replayed);
            }
        }
        let resolved = self.replica.resolve(&self.lookup, new.persons(), &options.request_id).await?;
        let order = model::from_input(&uuid::Uuid::new_v4().to_string(), &new);
        if idempotency.is_none() {
            // Persons without a replica entry get one first; then the order is like any other.
            let resolved = if resolved.all_known() { resolved } else { self.replica.first_references(resolved).await? };
            return self.insert_new(options, order, &resolved).await;
        }
        let id = order.order_id.clone().unwrap_or_default();
        let store = move |_: Option<&Order>| Ok(Decision::Store(Box::new(order.clone())));
        self.write(options, &id, resolved, idempotency, Fresh::Yes, store).await?.ok_or_else(vanished)
    }

    /// A create without an idempotency record, once every person has a replica entry: the
    /// order and its staged event are one document, written by one insert. A fresh UUID has no
    /// tombstone and no concurrent writer. A person event committed meanwhile is caught by the
    /// relay's check of the embedded revisions (see `order::outbox`).
    async fn insert_new(&self, options: &WriteOptions, mut order: Order, resolved: &Resolved) -> Result<Versioned> {
        let id = order.order_id.clone().unwrap_or_default();
        for (role, person, _) in &resolved.by_role {
            *role.slot(&mut order) = Some(person.clone());
        }
        let revs: Vec<(Role, i64)> = resolved.by_role.iter().map(|(role, _, rev)| (*role, *rev)).collect();
        let mut doc = model::to_document(&order, 1, &revs).map_err(Error::internal)?;
        let event = order_event(OrderChange::Created, &self.source, &id, Some(&order), Some(&options.request_id))?;
        staged::stage(&mut doc, Vec::new(), staged::entry(&event).map_err(Error::internal)?);
        let doc = RawDocumentBuf::from_document(&doc).map_err(Error::internal)?;
        self.creates.submit(doc).await.map_err(Error::internal)??;
        self.relay_wake.notify_one();
        Ok((order, 1))
    }

    pub async fn list(&self, page: Option<Page>) -> Result<Listing> {
        let mut find = self.orders_raw.find(model::live()).sort(doc! { "_id": 1 }).batch_size(crate::mongo::CURSOR_BATCH);
        if let Some(p) = page {
            find = find.skip(p.skip).limit(p.limit);
        }
        let cursor = find.await?;
        let decode = |d: RawDocumentBuf| {
            std::future::ready(model::from_raw(&d).map(|o| o.map(|(order, _)| order)).map_err(mongodb::error::Error::custom))
        };
        let orders = cursor.try_filter_map(decode).map_err(anyhow::Error::from);
        Ok(match page {
            Some(_) => Listing::Page(orders.try_collect().await?),
            None => Listing::Stream(orders.boxed()),
        })
    }

    pub async fn read(&self, id: &str) -> Result<Versioned> {
        // By `_id` alone, so the database answers from its primary index; a tombstone is a 404.
        let raw = self.reads.submit(id.to_string()).await.map_err(Error::internal)??;
        let order = raw.as_deref().map(model::from_raw).transpose().map_err(Error::internal)?.flatten();
        order.ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// PUT: full replace; an unknown id is created.
    pub async fn upsert(&self, options: &WriteOptions, id: &str, new: NewOrder) -> Result<Versioned> {
        let resolved = self.replica.resolve(&self.lookup, new.persons(), &options.request_id).await?;
        let order = model::from_input(id, &new);
        self.write(options, id, resolved, None, Fresh::No, move |_| Ok(Decision::Store(Box::new(order.clone()))))
            .await?
            .ok_or_else(vanished)
    }

    /// PATCH: only the fields present change; person references present are resolved.
    pub async fn patch(&self, options: &WriteOptions, id: &str, patch: OrderPatch) -> Result<Versioned> {
        self.read(id).await?; // an unknown order is 404 before any person is looked up
        let resolved = self.replica.resolve(&self.lookup, patch.persons(), &options.request_id).await?;
        let missing_id = id.to_string();
        self.write(options, id, resolved, None, Fresh::No, move |existing| {
            let stored = existing.ok_or_else(|| Error::NotFound(missing_id.clone()))?;
            Ok(Decision::Store(Box::new(model::merge(stored.clone(), &patch))))
        })
        .await?
        .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// DELETE one: answers the deleted order.
    pub async fn delete(&self, options: &WriteOptions, id: &str) -> Result<Versioned> {
        let missing_id = id.to_string();
        self.write(options, id, Resolved::default(), None, Fresh::No, move |existing| match existing {
            Some(_) => Ok(Decision::Delete),
            None => Err(Error::NotFound(missing_id.clone())),
        })
        .await?
        .ok_or_else(|| Error::NotFound(id.to_string()))
    }

    /// DELETE all: one by one, each with its own delete event.
    pub async fn delete_all(&self, options: &WriteOptions) -> Result<()> {
        let ids: Vec<Document> = self.orders.find(model::live()).projection(doc! { "_id": 1 }).await?.try_collect().await?;
        let options = WriteOptions { if_match: None, ..options.clone() };
        for doc in ids {
            if let Ok(id) = doc.get_str("_id") {
                match self.delete(&options, id).await {
                    Ok(_) | Err(Error::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(())
    }

    async fn replay(&self, key: &IdempotencyKey, hash: &str) -> Result<Option<Versioned>> {
        let Some(record) = self.idempotency.find_one(doc! { "_id": key.as_str() }).await? else { return Ok(None) };
        replay_record(&record, hash).map(Some)
    }

    /// Runs [`Self::write_in`] as one transaction and wakes the relay when it staged an event.
    async fn write<F>(
        &self,
        options: &WriteOptions,
        id: &str,
        resolved: Resolved,
        idempotency: Idempotency,
        fresh: Fresh,
        decide: F,
    ) -> Result<Option<Versioned>>
    where
        F: Fn(Option<&Order>) -> Result<Decision<Order>> + Clone + Send + Sync + 'static,
    {
        let (this, id, options) = (self.clone(), id.to_string(), options.clone());
        let (resolved, idempotency) = (Arc::new(resolved), Arc::new(idempotency));
        crate::versioned::write(&self.client, &self.relay_wake, move |session| {
            let (this, id, options, resolved, idempotency, decide) =
                (this.clone(), id.clone(), options.clone(), resolved.clone(), idempotency.clone(), decide.clone());
            Box::pin(async move { this.write_in(session, (&id, fresh), &options, &resolved, &idempotency, decide).await })
        })
        .await
    }

    /// One order write, inside its transaction: a repeated idempotent create answers its first
    /// result; If-Match must hold; `decide` chooses from the stored order; the order (with its
    /// persons), its staged event and the idempotency record are written.
    async fn write_in<F>(
        &self,
        session: &mut ClientSession,
        (id, fresh): (&str, Fresh),
        options: &WriteOptions,
        resolved: &Resolved,
        idempotency: &Idempotency,
        decide: F,
    ) -> std::result::Result<Written<Option<Versioned>>, TxnError<Error>>
    where
        F: Fn(Option<&Order>) -> Result<Decision<Order>>,
    {
        if let Some((key, hash)) = idempotency {
            if let Some(record) = self.idempotency.find_one(doc! { "_id": key.as_str() }).session(&mut *session).await? {
                return replay_record(&record, hash).map(|v| Written::Unchanged(Some(v))).map_err(TxnError::Abort);
            }
        }
        let stored = match fresh {
            Fresh::Yes => Stored::none(),
            Fresh::No => Stored::read(&self.orders, session, id).await?,
        };
        let existing = stored.live.as_ref();
        if let Some(if_match) = options.if_match.as_ref().filter(|m| !m.holds(existing.map(|(_, v)| *v))) {
            let current = existing.map_or("none".to_string(), |(_, v)| model::etag(*v));
            tracing::debug!(?if_match, current, "If-Match does not hold");
            return Err(TxnError::Abort(Error::StaleVersion { current }));
        }
        let version = stored.version + 1;
        let (change, result, doc) = match decide(existing.map(|(o, _)| o)).map_err(TxnError::Abort)? {
            Decision::Store(order) => {
                let mut order = *order;
                let revs = self.replica.embed(session, &mut order, resolved, &stored.revs).await?;
                if let Some((old, v)) = existing.filter(|(old, _)| *old == order) {
                    return Ok(Written::Unchanged(Some((old.clone(), *v))));
                }
                let doc = model::to_document(&order, version, &revs).map_err(|e| TxnError::Abort(Error::internal(e)))?;
                (if existing.is_some() { OrderChange::Updated } else { OrderChange::Created }, Some((order, version)), doc)
            }
            // What this transaction deleted is what the caller gets back.
            Decision::Delete => (OrderChange::Deleted, existing.cloned(), model::tombstone(id, version)),
        };
        self.store(session, (id, doc, stored.pending), change, &result, options, idempotency).await?;
        Ok(Written::Changed(result))
    }

    /// Writes the order document with its event staged beside the unsent ones, and the
    /// idempotency record of a create.
    async fn store(
        &self,
        session: &mut ClientSession,
        (id, mut doc, mut pending): (&str, Document, Vec<mongodb::bson::Bson>),
        change: OrderChange,
        result: &Option<Versioned>,
        options: &WriteOptions,
        idempotency: &Idempotency,
    ) -> std::result::Result<(), TxnError<Error>> {
        let internal = |e| TxnError::Abort(Error::Internal(e));
        let event = order_event(change, &self.source, id, result.as_ref().map(|(o, _)| o), Some(&options.request_id)).map_err(internal)?;
        if change == OrderChange::Deleted {
            // A derived `order.updated` shows the order when published: after this delete there
            // is none to show, and the delete event tells what happened.
            pending.retain(|e| !staged::is_derived(e));
        }
        staged::stage(&mut doc, pending, staged::entry(&event).map_err(|e| internal(e.into()))?);
        self.orders.replace_one(doc! { "_id": id }, doc).upsert(true).session(&mut *session).await?;
        if let (Some((key, hash)), Some((order, version))) = (idempotency, result) {
            let response = mongodb::bson::to_document(order).map_err(|e| internal(e.into()))?;
            let record =
                doc! { "_id": key.as_str(), "requestHash": hash, "response": response, "version": version, "createdAt": DateTime::now() };
            self.idempotency.insert_one(record).session(&mut *session).await?;
        }
        Ok(())
    }
}

/// Whether a write's id was just generated here (a POST's UUID): nothing can be stored under
/// it, not even a tombstone, so the write does not read it first.
#[derive(Clone, Copy)]
enum Fresh {
    Yes,
    No,
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
    /// What an id never written has.
    fn none() -> Self {
        Self { live: None, version: 0, pending: Vec::new(), revs: Vec::new() }
    }

    async fn read(orders: &Collection<Document>, session: &mut ClientSession, id: &str) -> mongodb::error::Result<Self> {
        let Some(doc) = orders.find_one(doc! { "_id": id }).session(session).await? else {
            return Ok(Self::none());
        };
        let (pending, revs) = (staged::pending_entries(&doc), model::revs(&doc));
        if model::is_tombstone(&doc) {
            return Ok(Self { live: None, version: doc.get_i64(model::VERSION_FIELD).unwrap_or(0), pending, revs: Vec::new() });
        }
        let live = model::from_document(doc).map_err(mongodb::error::Error::custom)?;
        Ok(Self { version: live.1, live: Some(live), pending, revs })
    }
}

/// A repeat of an idempotent POST: the first result for the same body, 422 for another body.
fn replay_record(record: &Document, hash: &str) -> Result<Versioned> {
    if record.get_str("requestHash").ok() != Some(hash) {
        return Err(Error::IdempotencyKeyReused);
    }
    let response = record.get_document("response").map_err(Error::internal)?.clone();
    let order: Order = mongodb::bson::from_document(response).map_err(Error::internal)?;
    Ok((order, record.get_i64("version").unwrap_or(1)))
}

fn body_hash(new: &NewOrder) -> String {
    let canonical = serde_json::to_vec(new.input()).unwrap_or_default();
    Sha256::digest(&canonical).iter().map(|b| format!("{b:02x}")).collect()
}

fn vanished() -> Error {
    Error::Internal(anyhow::anyhow!("the written order is missing from the transaction result"))
}
