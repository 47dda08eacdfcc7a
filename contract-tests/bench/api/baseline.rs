//! The raw-driver baseline: the database commands the order service does per request, from
//! this process, on `baseline_*` copies of the service's collections (same documents, same
//! indexes). Every command of the baseline is in this file; adjust them here when the service's
//! write path changes. Its relay loop (wake-up, Kafka) is in `relay.rs`.

use std::{collections::BTreeSet, sync::Arc};

use futures::TryStreamExt;
use labs_order::{
    cloudevents::STRUCTURED_CONTENT_TYPE,
    mongo::batch::{self, Batcher},
    ops::Metrics,
    order::{replica::PERSONS_COLLECTION, service::ORDERS_COLLECTION, OrderConfig},
};
use mongodb::{
    bson::{doc, oid::ObjectId, Bson, DateTime, Document, RawDocumentBuf},
    Collection, Database, IndexModel,
};

use super::{
    relay::{Publisher, RelayState},
    scrape::Scrape,
};

/// The order document's person fields, in the order of the request's three ids.
pub const ROLES: [&str; 3] = ["soldTo", "billTo", "shipTo"];
/// The staged events embedded in an order, and the flag the relay's index finds them by.
pub const OUTBOX_FIELD: &str = "outbox";
pub const PENDING_FIELD: &str = "outboxPending";

pub struct Baseline {
    db: Database,
    /// The baseline's commands, counted the way the service counts its own.
    metrics: Arc<Metrics>,
    pub orders: Collection<Document>,
    /// The service's batching (`labs_order::mongo::batch`) over the raw driver: GETs and plain
    /// creates that arrive together share one command, as in the service.
    reads: Batcher<String, mongodb::error::Result<Option<RawDocumentBuf>>>,
    inserts: Batcher<RawDocumentBuf, mongodb::error::Result<()>>,
    persons: Collection<Document>,
    /// A served order's document without staged events: the shape every baseline order copies.
    order_template: Document,
    /// The CloudEvent JSON embedded in every baseline order.
    payload: String,
    /// A replica person (the `person` field of a `persons` document), for fresh persons.
    person_template: Document,
    pub relay: RelayState,
    /// Replica reads of known persons, reused for [`REMEMBER`] like the service's cache.
    remembered: std::sync::Mutex<std::collections::HashMap<String, (Vec<Document>, std::time::Instant)>>,
}

/// The service's default `replica_cache_ms`.
const REMEMBER: std::time::Duration = std::time::Duration::from_secs(1);

impl Baseline {
    /// Copies the service's replica, orders and their indexes into `baseline_*` collections.
    /// `payload` is the staged event to embed when no served order still holds one.
    pub async fn prepare(config: &OrderConfig, probe: &Database, payload: String) -> Arc<Self> {
        let metrics = Metrics::new();
        let db = labs_order::mongo::connect_observed(&config.common.mongodb, "bench-baseline", Some(metrics.clone())).await.unwrap();
        let (orders, persons) = (db.collection("baseline_orders"), db.collection("baseline_persons"));
        if crate::bench::copy_indexes(&probe.collection(ORDERS_COLLECTION), &orders).await == 0 {
            // Indexes not listed: the service's person fan-out indexes at least.
            for role in ROLES {
                orders.create_index(IndexModel::builder().keys(doc! { format!("{role}.id"): 1 }).build()).await.unwrap();
            }
        }
        crate::bench::copy_indexes(&probe.collection(PERSONS_COLLECTION), &persons).await;
        if !has_index_on(&orders, PENDING_FIELD).await {
            orders.create_index(IndexModel::builder().keys(doc! { PENDING_FIELD: 1 }).build()).await.unwrap();
        }

        let replica: Vec<Document> = probe.collection(PERSONS_COLLECTION).find(doc! {}).await.unwrap().try_collect().await.unwrap();
        let person_template = replica.iter().find_map(|p| p.get_document("person").ok()).expect("a person in the replica").clone();
        persons.insert_many(replica).await.unwrap();
        let mut served: Vec<Document> = probe.collection(ORDERS_COLLECTION).find(doc! {}).await.unwrap().try_collect().await.unwrap();
        let staged = served.iter().find_map(|o| o.get_array(OUTBOX_FIELD).ok()?.first()?.as_document()?.get_str("payload").ok());
        let payload = staged.map_or(payload, str::to_string);
        for order in &mut served {
            order.remove(OUTBOX_FIELD);
            order.remove(PENDING_FIELD);
        }
        orders.insert_many(served.clone()).await.unwrap();
        let order_template = served.iter().find(|o| !o.get_bool("deleted").unwrap_or(false)).expect("a served order").clone();
        // As the service: the batched commands on a client without command monitoring, timed
        // by the batcher into the same metrics.
        let (batching, timer) = (config.batching, batch::Timer::recording(metrics.clone()));
        let request_db = labs_order::mongo::connect(&config.common.mongodb, "bench-baseline").await.unwrap();
        Arc::new(Self {
            reads: batch::reads_by_id(request_db.collection(orders.name()), batching, timer.clone()),
            inserts: batch::inserts(request_db.collection(orders.name()), batching, timer),
            db,
            metrics,
            orders,
            persons,
            order_template,
            payload,
            person_template,
            relay: RelayState::default(),
            remembered: Default::default(),
        })
    }

    /// The baseline client's command counts so far.
    pub fn scrape(&self) -> Scrape {
        Scrape::parse(&self.metrics.render())
    }

    /// GET /order/{id}: one `find` by `_id`, or one `$in` for the GETs that arrived together.
    pub async fn get(&self, id: &str) -> bool {
        matches!(self.reads.submit(id.to_string()).await, Ok(Ok(_)))
    }

    /// GET a page: one `find` with the same sort, skip and limit.
    pub async fn page(&self, page: u64) -> bool {
        match self.orders.find(doc! {}).sort(doc! { "_id": 1 }).skip(page * 20).limit(20).await {
            Ok(cursor) => cursor.try_collect::<Vec<_>>().await.is_ok(),
            Err(_) => false,
        }
    }

    /// POST whose persons are all in the replica:
    /// 1. `persons.find({_id: {$in: distinct ids}})`, unless read less than `replica_cache_ms`
    ///    (1 s, the service's default) ago, as the service remembers them;
    /// 2. `orders.insert_one(order with its staged event)`, no transaction, or one unordered
    ///    `insert` for the creates that arrived together;
    /// 3. the relay, woken (see [`Baseline::relay_pass`]).
    pub async fn post_known(&self, ids: [String; 3]) -> bool {
        let written: mongodb::error::Result<bool> = async {
            let key = ids.join(",");
            let remembered = self.remembered.lock().unwrap().get(&key).filter(|(_, at)| at.elapsed() < REMEMBER).map(|(d, _)| d.clone());
            let found = match remembered {
                Some(found) => found,
                None => {
                    let found = self.replica_read(&ids).await?;
                    self.remembered.lock().unwrap().insert(key, (found.clone(), std::time::Instant::now()));
                    found
                }
            };
            let Some(persons) = by_role(&found, &ids) else { return Ok(false) };
            // As the service: the document goes to the batch as wire bytes.
            let order = RawDocumentBuf::from_document(&self.order(persons)).map_err(mongodb::error::Error::custom)?;
            Ok(matches!(self.inserts.submit(order).await, Ok(Ok(()))))
        }
        .await;
        self.staged(matches!(written, Ok(true)))
    }

    /// POST whose persons the service has never seen: the replica read (finds nothing), then one
    /// `update` command inserting each person as an entry (as the service's
    /// `replica::first_reference` for persons it found nothing for: an upsert with
    /// `$setOnInsert`), a read of the documents that existed (none here), then the order
    /// insert, batched like a known-person create. The service's three GETs to the contact
    /// service in between are not part of the baseline.
    pub async fn post_fresh(self: Arc<Self>, ids: [String; 3]) -> bool {
        let written: mongodb::error::Result<bool> = async {
            self.replica_read(&ids).await?;
            let now = DateTime::now();
            let mut statements = Vec::new();
            let mut stored = Vec::new();
            for id in distinct(&ids) {
                let mut person = self.person_template.clone();
                person.insert("id", &id);
                let mut inserted = doc! { "person": person, "version": 1_i64, "deleted": false, "rev": 1_i64, "updatedAt": now };
                statements.push(doc! { "q": { "_id": &id }, "u": { "$setOnInsert": inserted.clone() }, "upsert": true });
                inserted.insert("_id", id);
                stored.push(inserted);
            }
            let existed = self.upsert_all(&self.persons, statements).await?;
            stored.retain(|d| !existed.iter().any(|id| d.get_str("_id").ok() == Some(id.as_str())));
            stored.extend(self.read_in(&self.persons, &existed).await?);
            let Some(persons) = by_role(&stored, &ids) else { return Ok(false) };
            let order = RawDocumentBuf::from_document(&self.order(persons)).map_err(mongodb::error::Error::custom)?;
            Ok(matches!(self.inserts.submit(order).await, Ok(Ok(()))))
        }
        .await;
        self.staged(matches!(written, Ok(true)))
    }

    /// One `update` command of `statements` on `collection`; answers the `_id`s whose
    /// upserting statement found an existing document.
    async fn upsert_all(&self, collection: &Collection<Document>, statements: Vec<Document>) -> mongodb::error::Result<Vec<String>> {
        let upserting: Vec<(usize, String)> = statements
            .iter()
            .enumerate()
            .filter(|(_, s)| s.get_bool("upsert").unwrap_or(false))
            .filter_map(|(i, s)| Some((i, s.get_document("q").ok()?.get_str("_id").ok()?.to_string())))
            .collect();
        let command = doc! { "update": collection.name(), "updates": statements, "ordered": true };
        let reply = self.db.run_command(command).await?;
        let inserted: BTreeSet<i64> = reply
            .get_array("upserted")
            .map(|u| u.iter().filter_map(|u| u.as_document()?.get("index")?.as_i32().map(i64::from)).collect())
            .unwrap_or_default();
        Ok(upserting.into_iter().filter(|(i, _)| !inserted.contains(&(*i as i64))).map(|(_, id)| id).collect())
    }

    /// The documents of `ids` in `collection` (no command for none).
    async fn read_in(&self, collection: &Collection<Document>, ids: &[String]) -> mongodb::error::Result<Vec<Document>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        collection.find(doc! { "_id": { "$in": ids } }).await?.try_collect().await
    }

    /// One pass of the relay:
    /// 1. `orders.find({outboxPending: true}).limit(batch)` (the service's `outbox.batch_size`);
    /// 2. `persons.find({_id: {$in: the persons of those orders}})`;
    /// 3. publishing (see [`Publisher`]: Kafka, or nothing);
    /// 4. one raw `update` command, per published order the statement
    ///    `{q: {_id, version}, u: {$unset: {outbox: "", outboxPending: ""}}}`.
    ///
    /// Answers (orders read, orders cleared).
    pub async fn relay_pass(&self, publisher: &Publisher, batch: i64) -> mongodb::error::Result<(usize, usize)> {
        let batch: Vec<Document> = self.orders.find(doc! { PENDING_FIELD: true }).limit(batch).await?.try_collect().await?;
        if batch.is_empty() {
            return Ok((0, 0));
        }
        let ids: BTreeSet<&str> =
            batch.iter().flat_map(|o| ROLES.iter().filter_map(move |r| o.get_document(*r).ok()?.get_str("id").ok())).collect();
        let _persons: Vec<Document> =
            self.persons.find(doc! { "_id": { "$in": ids.into_iter().collect::<Vec<_>>() } }).await?.try_collect().await?;
        let sent = publisher.publish(&batch).await;
        let updates: Vec<Document> = batch
            .iter()
            .zip(sent)
            .filter(|(_, sent)| *sent)
            .map(|(o, _)| {
                let version = o.get("version").cloned().unwrap_or(Bson::Null);
                doc! { "q": { "_id": o.get("_id").cloned().unwrap_or(Bson::Null), "version": version },
                "u": { "$unset": { OUTBOX_FIELD: "", PENDING_FIELD: "" } } }
            })
            .collect();
        let cleared = updates.len();
        if cleared > 0 {
            self.db.run_command(doc! { "update": self.orders.name(), "updates": updates }).await?;
        }
        Ok((batch.len(), cleared))
    }

    /// `persons.find({_id: {$in: [distinct ids]}})`, one command.
    async fn replica_read(&self, ids: &[String; 3]) -> mongodb::error::Result<Vec<Document>> {
        self.persons.find(doc! { "_id": { "$in": distinct(ids) } }).await?.try_collect().await
    }

    /// The order document: the served shape with these persons, version 1, and one staged event.
    fn order(&self, persons: [&Document; 3]) -> Document {
        let id = uuid::Uuid::new_v4().to_string();
        let mut order = self.order_template.clone();
        order.insert("_id", &id);
        order.insert("orderID", &id);
        order.insert("version", 1_i64);
        let mut revs = Document::new();
        for (role, replica) in ROLES.iter().zip(persons) {
            if let Ok(person) = replica.get_document("person") {
                order.insert(*role, person.clone());
            }
            revs.insert(*role, replica.get_i64("rev").unwrap_or(1));
        }
        if order.contains_key("personRevs") {
            order.insert("personRevs", revs);
        }
        let staged = doc! {
            "_id": ObjectId::new(), "payload": &self.payload, "contentType": STRUCTURED_CONTENT_TYPE, "createdAt": DateTime::now(),
        };
        order.insert(OUTBOX_FIELD, vec![staged]);
        order.insert(PENDING_FIELD, true);
        order
    }

    /// Counts a written order for the relay and wakes it, like the service after a write.
    fn staged(&self, written: bool) -> bool {
        if written {
            self.relay.staged();
        }
        written
    }
}

fn distinct(ids: &[String; 3]) -> Vec<String> {
    ids.iter().cloned().collect::<BTreeSet<_>>().into_iter().collect()
}

/// The replica documents of the three roles' ids, when all were found.
fn by_role<'a>(found: &'a [Document], ids: &[String; 3]) -> Option<[&'a Document; 3]> {
    let find = |id: &String| found.iter().find(|d| d.get_str("_id").ok() == Some(id.as_str()));
    Some([find(&ids[0])?, find(&ids[1])?, find(&ids[2])?])
}

/// Recreates `from`'s indexes (other than `_id`) on `to`; answers how many.
async fn has_index_on(collection: &Collection<Document>, field: &str) -> bool {
    let Ok(cursor) = collection.list_indexes().await else { return false };
    let indexes: Vec<IndexModel> = cursor.try_collect().await.unwrap_or_default();
    indexes.iter().any(|i| i.keys.keys().next().map(String::as_str) == Some(field))
}
