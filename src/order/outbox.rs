//! The order documents are their own outbox. A write stages its event inside the order document
//! it writes (`outbox` entries, `outboxPending: true`), so creating an order is one insert: no
//! second collection, no multi-document transaction. The relay reads pending orders by index,
//! publishes their entries in order, and clears them with one `update` command per batch.
//!
//! Two more duties sit here because this is where every new or changed order passes after its
//! write committed:
//! - the person fan-out changes many orders in one `updateMany` and cannot write each order's
//!   event; it stages a *derived* entry, and the relay builds that `order.updated` from the order
//!   as it is when published;
//! - an order embeds each person at a replica revision (`personRevs`). Before publishing, the
//!   relay compares them with the replica (one query per batch) and repairs an order that
//!   embedded an older copy. Together with the consumer's check after its own commit (see
//!   `replica::PersonReplica::catch_up`) this closes the race between an order's insert and a
//!   concurrent person change without writing the person documents on the order path: each side
//!   reads the other's data after its own write committed, so at least one of them sees both.

use std::collections::{BTreeSet, HashMap};

use futures::{future::BoxFuture, TryStreamExt};
use labs_order_client::order::types::Order;
use mongodb::{
    bson::{self, doc, oid::ObjectId, Bson, DateTime, Document},
    Collection, Database, IndexModel,
};

use super::{
    events::{order_event, OrderChange},
    model::{self, Role},
    replica::PersonReplica,
    service::ORDERS_COLLECTION,
};
use crate::outbox::{LongWrites, OutboxSource, Staged};

pub const ENTRIES_FIELD: &str = "outbox";
pub const PENDING_FIELD: &str = "outboxPending";
/// One record per person fan-out: the relay publishes an `order.updated` for every order that
/// holds the person at that revision.
pub const FANOUTS_COLLECTION: &str = "order_fanouts";

/// The record of a fan-out, written in the fan-out's transaction.
pub fn fan_out_record(person_id: &str, rev: i64, request_id: Option<&str>) -> Document {
    doc! { "_id": ObjectId::new(), "personId": person_id, "rev": rev, "requestId": request_id, "sent": false, "createdAt": DateTime::now() }
}

/// An entry staging `event` as it is now.
pub fn entry(event: &cloudevents::Event) -> serde_json::Result<Document> {
    let payload = crate::cloudevents::to_structured_json(event)?;
    Ok(doc! { "_id": ObjectId::new(), "payload": payload, "createdAt": DateTime::now() })
}

/// An entry asking the relay for an `order.updated` built from the order when it is published.
/// One id serves all the orders of one fan-out: the event id adds the order id.
pub fn derived_entry(entry_id: ObjectId, request_id: Option<&str>) -> Document {
    doc! { "_id": entry_id, "derived": true, "requestId": request_id, "createdAt": DateTime::now() }
}

/// Whether an entry asks for an event built when published (see [`derived_entry`]).
pub fn is_derived(entry: &Bson) -> bool {
    entry.as_document().is_some_and(|e| e.get_bool("derived").unwrap_or(false))
}

/// Stages `new` after the `pending` entries on a document about to be written whole.
pub fn stage(doc: &mut Document, mut pending: Vec<Bson>, new: Document) {
    pending.push(Bson::Document(new));
    doc.insert(ENTRIES_FIELD, pending);
    doc.insert(PENDING_FIELD, true);
}

/// The entries a stored document still has to publish.
pub fn pending_entries(doc: &Document) -> Vec<Bson> {
    doc.get_array(ENTRIES_FIELD).cloned().unwrap_or_default()
}

/// The update operators that stage a derived entry (for `updateMany`).
pub fn stage_derived(entry: Document) -> (Document, Document) {
    (doc! { ENTRIES_FIELD: entry }, doc! { PENDING_FIELD: true })
}

/// What marking an event sent needs.
#[derive(Debug, Clone)]
pub enum Receipt {
    /// An entry of an order: the order, its version when read, the entry, and how many entries
    /// the order had then.
    Entry { order_id: String, version: i64, entry: Bson, entries: usize },
    /// One of the `events` order events of a fan-out record.
    FanOut { record: ObjectId, events: usize },
}

/// The persons a live order embeds: role, person id, replica revision.
fn references(d: &Document) -> Vec<(Role, String, i64)> {
    if model::is_tombstone(d) {
        return Vec::new();
    }
    let id_in = |role: Role| Some(d.get_document(role.order_field()).ok()?.get_str("id").ok()?.to_string());
    model::revs(d).into_iter().filter_map(|(role, rev)| Some((role, id_in(role)?, rev))).collect()
}

#[derive(Clone)]
pub struct OrderOutbox {
    db: Database,
    orders: Collection<Document>,
    fanouts: Collection<Document>,
    replica: PersonReplica,
    topic: String,
    source: String,
    /// When the relay last found no fan-out record to publish, and how many long writes had
    /// ended then (see [`FAN_OUT_CHECK_EVERY`]).
    fan_outs_none_at: std::sync::Arc<std::sync::Mutex<Option<(std::time::Instant, u64)>>>,
    /// This process's person event transactions: one that ended may have written a fan-out
    /// record.
    long_writes: LongWrites,
}

/// How long the relay trusts that no fan-out record is waiting: under a steady stream of orders
/// every write wakes a pass, and a query of fan-out records per pass was a third of the relay's
/// commands per order when orders come one at a time. Fan-out records wait at most this long more
/// (the relay's own poll is 250 ms); while there are some, and after a person event's
/// transaction in this process ended, every pass looks.
const FAN_OUT_CHECK_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

impl OrderOutbox {
    pub fn new(db: &Database, topic: &str, source: &str) -> Self {
        Self {
            db: db.clone(),
            orders: db.collection(ORDERS_COLLECTION),
            fanouts: db.collection(FANOUTS_COLLECTION),
            replica: PersonReplica::new(db),
            topic: topic.to_string(),
            source: source.to_string(),
            fan_outs_none_at: Default::default(),
            long_writes: LongWrites::default(),
        }
    }

    /// The person event transactions of this process (the relay's [`LongWrites`]).
    pub fn with_long_writes(mut self, long_writes: LongWrites) -> Self {
        self.long_writes = long_writes;
        self
    }

    /// Whether this pass looks for fan-out records: always, unless one looked and found none
    /// less than [`FAN_OUT_CHECK_EVERY`] ago and no person event transaction ended since.
    fn fan_outs_due(&self) -> bool {
        let none_at = *self.fan_outs_none_at.lock().expect("fan-out check lock");
        none_at.is_none_or(|(at, ended)| at.elapsed() >= FAN_OUT_CHECK_EVERY || ended != self.long_writes.ended())
    }

    pub async fn ensure_indexes(&self) -> mongodb::error::Result<()> {
        self.orders.create_index(IndexModel::builder().keys(doc! { PENDING_FIELD: 1 }).build()).await?;
        self.fanouts.create_index(IndexModel::builder().keys(doc! { "sent": 1 }).build()).await?;
        // Sent records are kept a day for inspection.
        let expiry = mongodb::options::IndexOptions::builder().expire_after(std::time::Duration::from_secs(86_400)).build();
        self.fanouts.create_index(IndexModel::builder().keys(doc! { "sentAt": 1 }).options(expiry).build()).await?;
        Ok(())
    }

    /// Staged events not yet acknowledged, and how long the oldest has waited (scrape time).
    pub async fn backlog(&self) -> mongodb::error::Result<(u64, Option<std::time::Duration>)> {
        let pending: Vec<Document> = self
            .orders
            .find(doc! { PENDING_FIELD: true })
            .projection(doc! { format!("{ENTRIES_FIELD}.createdAt"): 1 })
            .await?
            .try_collect()
            .await?;
        let created = pending.iter().flat_map(pending_entries).filter_map(|e| e.as_document()?.get_datetime("createdAt").ok().copied());
        let records: Vec<Document> =
            self.fanouts.find(doc! { "sent": false }).projection(doc! { "createdAt": 1 }).await?.try_collect().await?;
        let created = created.chain(records.iter().filter_map(|r| r.get_datetime("createdAt").ok().copied()));
        let (count, oldest) = created.fold((0u64, None::<DateTime>), |(n, oldest), at| (n + 1, Some(oldest.map_or(at, |o| o.min(at)))));
        let age =
            oldest.map(|at| std::time::Duration::from_millis((DateTime::now().timestamp_millis() - at.timestamp_millis()).max(0) as u64));
        Ok((count, age))
    }

    /// Repairs the orders among `docs` that embed an older copy of a person than the replica
    /// holds; returns how many it repaired (they publish their `order.updated` next pass).
    async fn reconcile(&self, docs: &[Document]) -> mongodb::error::Result<usize> {
        let ids: BTreeSet<String> = docs.iter().flat_map(references).map(|(_, id, _)| id).collect();
        if ids.is_empty() {
            return Ok(0);
        }
        let held = self.replica.get_many(&ids.iter().map(String::as_str).collect::<Vec<_>>()).await?;
        let mut repaired = 0;
        for d in docs {
            let mut set = Document::new();
            for (role, id, rev) in references(d) {
                let Some(current) = held.get(&id) else { continue };
                let Some(person) = current.person.as_ref().filter(|_| current.rev > rev && !current.deleted) else { continue };
                set.insert(role.order_field(), bson::to_document(person).map_err(mongodb::error::Error::custom)?);
                set.insert(format!("{}.{}", model::REVS_FIELD, role.order_field()), current.rev);
            }
            if set.is_empty() {
                continue;
            }
            let (Ok(order_id), Ok(version)) = (d.get_str("_id"), d.get_i64(model::VERSION_FIELD)) else { continue };
            let (push, flag) = stage_derived(derived_entry(ObjectId::new(), None));
            set.extend(flag);
            let update = doc! { "$set": set, "$inc": { model::VERSION_FIELD: 1_i64 }, "$push": push };
            // Guarded by the version read: a concurrent write wins and this order is checked again.
            let result = self.orders.update_one(doc! { "_id": order_id, model::VERSION_FIELD: version }, update).await?;
            if result.modified_count == 1 {
                tracing::info!(order_id, "order embedded an older person than the replica holds; repaired");
                repaired += 1;
            }
        }
        Ok(repaired)
    }

    /// An `order.updated` showing `order` as it is now; the id is unique per change and order.
    fn derived_event(&self, change_id: ObjectId, order_id: &str, order: &Order, request_id: Option<&str>) -> anyhow::Result<String> {
        let mut event = order_event(OrderChange::Updated, &self.source, order_id, Some(order), request_id)?;
        cloudevents::event::AttributesWriter::set_id(&mut event, format!("{}-{order_id}", change_id.to_hex()));
        Ok(crate::cloudevents::to_structured_json(&event)?)
    }

    /// The events of the oldest unsent fan-out records: one per order holding the person at
    /// the record's revision (an order changed again since gets its event from a later record).
    async fn fan_out_events(&self, limit: i64) -> anyhow::Result<Vec<Staged<Receipt>>> {
        let records: Vec<Document> =
            self.fanouts.find(doc! { "sent": false }).sort(doc! { "_id": 1 }).limit(limit).await?.try_collect().await?;
        let mut staged = Vec::new();
        let mut empty = Vec::new();
        for record in &records {
            let (id, person_id, rev) = (record.get_object_id("_id")?, record.get_str("personId")?, record.get_i64("rev")?);
            let holding = Role::ALL.map(|r| {
                let field = r.order_field();
                doc! { format!("{field}.id"): person_id, format!("{}.{field}", model::REVS_FIELD): rev }
            });
            let orders: Vec<Document> = self.orders.find(doc! { "$or": holding.to_vec() }).await?.try_collect().await?;
            let live: Vec<&Document> = orders.iter().filter(|d| !model::is_tombstone(d)).collect();
            if live.is_empty() {
                empty.push(id);
            }
            for doc in &live {
                let order_id = doc.get_str("_id")?.to_string();
                let order = model::from_document((*doc).clone())?.0;
                staged.push(Staged {
                    topic: self.topic.clone(),
                    payload: self.derived_event(id, &order_id, &order, record.get_str("requestId").ok())?,
                    key: order_id,
                    content_type: crate::cloudevents::STRUCTURED_CONTENT_TYPE.to_string(),
                    receipt: Receipt::FanOut { record: id, events: live.len() },
                });
            }
        }
        if !empty.is_empty() {
            self.fanouts
                .update_many(doc! { "_id": { "$in": empty } }, doc! { "$set": { "sent": true, "sentAt": DateTime::now() } })
                .await?;
        }
        Ok(staged)
    }

    /// The records of one pending order's entries.
    fn staged(&self, doc: &Document) -> anyhow::Result<Vec<Staged<Receipt>>> {
        let order_id = doc.get_str("_id")?.to_string();
        let version = doc.get_i64(model::VERSION_FIELD).unwrap_or(0);
        let entries = pending_entries(doc);
        let mut derived_from: Option<Order> = None;
        let mut staged = Vec::with_capacity(entries.len());
        for entry in &entries {
            let e = entry.as_document().ok_or_else(|| anyhow::anyhow!("outbox entry of order {order_id} is not a document"))?;
            let payload = match e.get_str("payload") {
                Ok(payload) => payload.to_string(),
                Err(_) => {
                    if derived_from.is_none() {
                        derived_from = Some(model::from_document(doc.clone())?.0);
                    }
                    let Some(order) = derived_from.as_ref() else { continue };
                    self.derived_event(e.get_object_id("_id")?, &order_id, order, e.get_str("requestId").ok())?
                }
            };
            staged.push(Staged {
                topic: self.topic.clone(),
                key: order_id.clone(),
                payload,
                content_type: crate::cloudevents::STRUCTURED_CONTENT_TYPE.to_string(),
                receipt: Receipt::Entry {
                    order_id: order_id.clone(),
                    version,
                    entry: e.get("_id").cloned().unwrap_or(Bson::Null),
                    entries: entries.len(),
                },
            });
        }
        Ok(staged)
    }
}

impl OutboxSource for OrderOutbox {
    type Receipt = Receipt;

    fn pending(&self, limit: i64) -> BoxFuture<'_, anyhow::Result<Vec<Staged<Receipt>>>> {
        Box::pin(async move {
            let docs: Vec<Document> = self.orders.find(doc! { PENDING_FIELD: true }).limit(limit).await?.try_collect().await?;
            // A repaired order publishes the entries read here now, its `order.updated` next pass.
            self.reconcile(&docs).await?;
            let mut staged = Vec::new();
            for doc in &docs {
                if pending_entries(doc).is_empty() {
                    // Nothing left to publish (cleared by an earlier pass that lost a race).
                    let (id, version) = (doc.get("_id").cloned().unwrap_or(Bson::Null), doc.get_i64(model::VERSION_FIELD).unwrap_or(0));
                    self.orders
                        .update_one(doc! { "_id": id, model::VERSION_FIELD: version }, doc! { "$unset": { PENDING_FIELD: "" } })
                        .await?;
                    continue;
                }
                staged.extend(self.staged(doc)?);
            }
            // Fan-out events only once the orders' own events are drained, so an order's
            // created event never follows its update.
            if (docs.len() as i64) < limit && self.fan_outs_due() {
                let ended = self.long_writes.ended(); // before the query: an end during it counts
                let events = self.fan_out_events(limit).await?;
                *self.fan_outs_none_at.lock().expect("fan-out check lock") = events.is_empty().then(|| (std::time::Instant::now(), ended));
                staged.extend(events);
            }
            Ok(staged)
        })
    }

    /// One `update` command for the whole batch: an order whose entries were all sent and that
    /// did not change since it was read leaves the outbox; otherwise only the sent entries go.
    fn mark_sent<'a>(&'a self, sent: Vec<&'a Staged<Receipt>>) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let mut by_order: HashMap<&str, (i64, usize, Vec<Bson>)> = HashMap::new();
            let mut by_record: HashMap<ObjectId, (usize, usize)> = HashMap::new();
            for s in &sent {
                match &s.receipt {
                    Receipt::Entry { order_id, version, entry, entries } => {
                        let slot = by_order.entry(order_id.as_str()).or_insert((*version, *entries, Vec::new()));
                        slot.2.push(entry.clone());
                    }
                    Receipt::FanOut { record, events } => by_record.entry(*record).or_insert((*events, 0)).1 += 1,
                }
            }
            // A fan-out record is done when all its orders' events were acknowledged.
            let done: Vec<ObjectId> = by_record.into_iter().filter(|(_, (events, acked))| events == acked).map(|(id, _)| id).collect();
            if !done.is_empty() {
                self.fanouts
                    .update_many(doc! { "_id": { "$in": done } }, doc! { "$set": { "sent": true, "sentAt": DateTime::now() } })
                    .await?;
            }
            if by_order.is_empty() {
                return Ok(());
            }
            let mut statements = Vec::with_capacity(by_order.len() * 2);
            for (order_id, (version, entries, ids)) in by_order {
                if ids.len() == entries {
                    let unset = doc! { "$unset": { ENTRIES_FIELD: "", PENDING_FIELD: "" } };
                    statements.push(doc! { "q": { "_id": order_id, model::VERSION_FIELD: version }, "u": unset });
                }
                let pull = doc! { "$pull": { ENTRIES_FIELD: { "_id": { "$in": &ids } } } };
                statements.push(doc! { "q": { "_id": order_id, format!("{ENTRIES_FIELD}._id"): { "$in": &ids } }, "u": pull });
            }
            let command = doc! { "update": ORDERS_COLLECTION, "updates": statements, "ordered": true };
            let reply = self.db.run_command(command).await?;
            if let Ok(errors) = reply.get_array("writeErrors") {
                anyhow::bail!("marking order events sent failed: {errors:?}");
            }
            Ok(())
        })
    }
}
