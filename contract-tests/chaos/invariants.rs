//! What must hold after any fault, once everything runs again: nothing lost, nothing applied
//! twice. Checked straight in the databases and on the topics, not through the services.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

use futures::TryStreamExt;
use mongodb::bson::{doc, Document};

use super::system::System;
use crate::harness::EventReader;

const CONVERGE: Duration = Duration::from_secs(120);

async fn all(db: &mongodb::Database, collection: &str) -> Vec<Document> {
    db.collection::<Document>(collection).find(doc! {}).await.unwrap().try_collect().await.unwrap()
}

/// Polls `check` until it returns `None` (holds), or fails with its last complaint.
async fn eventually<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
{
    eventually_while_progressing(what, check, || async { 0 }).await
}

/// Like [`eventually`], but the wait restarts whenever `progress` grows: a backlog that is
/// still being worked off is not a violation; work that stopped for [`CONVERGE`] is. (A
/// ten-minute run leaves a backlog of person events far longer than any fixed wait.)
async fn eventually_while_progressing<F, Fut, P, PFut>(what: &str, mut check: F, progress: P)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<String>>,
    P: Fn() -> PFut,
    PFut: std::future::Future<Output = u64>,
{
    let mut deadline = Instant::now() + CONVERGE;
    let mut done = progress().await;
    loop {
        match check().await {
            None => return,
            Some(complaint) if Instant::now() > deadline => panic!("{what} never held: {complaint}"),
            Some(_) => tokio::time::sleep(Duration::from_millis(500)).await,
        }
        let now_done = progress().await;
        if now_done > done {
            (done, deadline) = (now_done, Instant::now() + CONVERGE);
        }
    }
}

/// Every staged event was published (no backlog), exactly the staged events are on the topics
/// (each committed change has its one event id; redeliveries after a crash are counted), and
/// per key the versions never go backwards.
async fn outbox_matches_topics(db: &mongodb::Database, bootstrap: &str, topics: &[&str], partitions: i32) -> (usize, usize) {
    eventually("an empty outbox", || async {
        let unsent = db.collection::<Document>("outbox").count_documents(doc! { "sent": false }).await.unwrap();
        (unsent > 0).then(|| format!("{unsent} records unsent"))
    })
    .await;
    let staged: BTreeMap<String, (String, i64)> = all(db, "outbox")
        .await
        .iter()
        .map(|r| {
            let payload: serde_json::Value = serde_json::from_str(r.get_str("payload").unwrap()).unwrap();
            (payload["id"].as_str().unwrap().to_string(), (r.get_str("key").unwrap().to_string(), r.get_i64("version").unwrap()))
        })
        .collect();
    let mut reader = EventReader::new(bootstrap, topics, partitions);
    let mut received = reader.settle(Duration::from_secs(3)).await;
    let deadline = Instant::now() + CONVERGE;
    while received.len() < staged.len() && Instant::now() < deadline {
        received = reader.settle(Duration::from_secs(2)).await;
    }
    let mut seen = BTreeSet::new();
    let mut redelivered = 0;
    let mut last_version: BTreeMap<(String, String), i64> = BTreeMap::new();
    for event in &received {
        let id = event.event["id"].as_str().unwrap().to_string();
        let Some((key, version)) = staged.get(&id) else { panic!("an event nobody staged: {:?}", event.event) };
        if !seen.insert(id) {
            redelivered += 1;
            continue;
        }
        let last = last_version.entry((event.topic.clone(), key.clone())).or_insert(0);
        assert!(*version >= *last, "{key} on {}: version {version} after {last}", event.topic);
        *last = *version;
    }
    let missing: Vec<_> = staged.keys().filter(|id| !seen.contains(*id)).take(5).collect();
    assert!(missing.is_empty(), "committed changes without their event: {missing:?}");
    (redelivered, staged.len())
}

/// The order documents are their own outbox: none is left pending, and for every order the
/// last event on the topic is its current state (the Order, or the delete of a tombstone); each
/// event id is one change (redeliveries after a crash are counted).
async fn orders_match_topic(db: &mongodb::Database, bootstrap: &str, topic: &str, partitions: i32) -> (usize, usize) {
    let orders = db.collection::<Document>("orders");
    eventually("no order with unsent events", || async {
        let pending = orders.count_documents(doc! { "outboxPending": true }).await.unwrap();
        let fan_outs = db.collection::<Document>("order_fanouts").count_documents(doc! { "sent": false }).await.unwrap();
        (pending + fan_outs > 0).then(|| format!("{pending} orders with unsent events, {fan_outs} fan-outs unpublished"))
    })
    .await;
    let mut reader = EventReader::new(bootstrap, &[topic], partitions);
    let mut last: BTreeMap<String, serde_json::Value> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    let mut redelivered = 0;
    let mut read = 0;
    let deadline = Instant::now() + CONVERGE;
    loop {
        let received = reader.settle(Duration::from_secs(2)).await;
        for event in &received[read..] {
            if !seen.insert(event.event["id"].as_str().unwrap().to_string()) {
                redelivered += 1;
            }
            last.insert(event.key.clone(), event.event.clone());
        }
        read = received.len();
        // Read again each round: the consumer may still be bringing orders up to date.
        let stored: BTreeMap<String, Document> =
            all(db, "orders").await.into_iter().map(|d| (d.get_str("_id").unwrap().to_string(), d)).collect();
        let behind: Vec<String> = stored
            .iter()
            .filter(|(id, doc)| {
                let Some(event) = last.get(*id) else { return true };
                if doc.get_bool("deleted").unwrap_or(false) {
                    return event["type"] != "order.deleted";
                }
                let (order, _) = labs_order::order::model::from_document((*doc).clone()).unwrap();
                event["type"] == "order.deleted" || event["data"] != serde_json::to_value(&order).unwrap()
            })
            .map(|(id, _)| id.clone())
            .take(5)
            .collect();
        if behind.is_empty() {
            break;
        }
        assert!(Instant::now() < deadline, "orders whose last event is not their current state: {behind:?}");
    }
    let stored = db.collection::<Document>("orders");
    for key in last.keys() {
        assert!(stored.find_one(doc! { "_id": key }).await.unwrap().is_some(), "an event about an order never stored: {key}");
    }
    (redelivered, seen.len())
}

/// Every order shows its persons as the contact service holds them now (or, for a deleted
/// person, as last known), and the replica holds each person at the contact service's version.
async fn orders_follow_persons(system: &System) {
    let (contacts, orders) = (
        system.database(&system.contact_config.common.mongodb.database).await,
        system.database(&system.order_config.common.mongodb.database).await,
    );
    // Progress: person events the order service has handled.
    let handled = || async { orders.collection::<Document>("processed_events").count_documents(doc! {}).await.unwrap_or(0) };
    eventually_while_progressing(
        "orders showing their persons' current data",
        || async {
            let persons: BTreeMap<String, Document> =
                all(&contacts, "persons").await.into_iter().map(|p| (p.get_str("_id").unwrap().to_string(), p)).collect();
            // Entries only: a mark is what an event said about a person no order referenced.
            let replica: BTreeMap<String, Document> = all(&orders, "persons")
                .await
                .into_iter()
                .filter(|p| !labs_order::order::replica::is_mark(p))
                .map(|p| (p.get_str("_id").unwrap().to_string(), p))
                .collect();
            for (id, entry) in &replica {
                let held = entry.get_i64("version").unwrap_or(0);
                match persons.get(id) {
                    Some(p) if p.get_i64("version").unwrap_or(0) != held => {
                        return Some(format!(
                            "replica holds {id} at version {held}, the contact service at {}",
                            p.get_i64("version").unwrap_or(0)
                        ));
                    }
                    None if !entry.get_bool("deleted").unwrap_or(false) => {
                        return Some(format!("{id} is deleted but the replica does not know"))
                    }
                    _ => {}
                }
            }
            for order in all(&orders, "orders").await.into_iter().filter(|o| !o.get_bool("deleted").unwrap_or(false)) {
                for role in ["soldTo", "billTo", "shipTo"] {
                    let Ok(shown) = order.get_document(role) else { continue };
                    let id = shown.get_str("id").unwrap_or_default();
                    let expected = match persons.get(id) {
                        Some(p) => p.get_str("lastName").ok().map(str::to_string),
                        None => replica
                            .get(id)
                            .and_then(|e| e.get_document("person").ok())
                            .and_then(|p| p.get_str("lastName").ok())
                            .map(str::to_string),
                    };
                    let shown_name = shown.get_str("lastName").ok().map(str::to_string);
                    if expected != shown_name {
                        return Some(format!(
                            "order {} shows {role} {id} as {shown_name:?}, expected {expected:?}",
                            order.get_str("_id").unwrap_or_default()
                        ));
                    }
                }
            }
            None
        },
        handled,
    )
    .await;
}

/// What the invariants covered once they all held.
pub struct Converged {
    /// Person events matched one to one with the contact outbox, versions in order per person.
    pub person_events: usize,
    /// Distinct order events read, the last one per order matched with the order's state.
    pub order_events: usize,
    /// Orders (tombstones included) matched with their last event; live ones with their persons.
    pub orders: usize,
    /// Replica entries matched with the contact service's version.
    pub replica_entries: usize,
    /// Events delivered again after crashes (at least once on the wire, deduplicated by id).
    pub redelivered: usize,
}

impl std::fmt::Display for Converged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invariants held over {} person events, {} order events, {} orders and {} replica entries (0 violations); {} events redelivered",
            self.person_events, self.order_events, self.orders, self.replica_entries, self.redelivered
        )
    }
}

/// All of the above, and what they covered.
pub async fn assert_converged(system: &System) -> Converged {
    let (contacts, orders) = (
        system.database(&system.contact_config.common.mongodb.database).await,
        system.database(&system.order_config.common.mongodb.database).await,
    );
    let bootstrap = system.contact_config.common.kafka.bootstrap_servers.clone();
    let partitions = system.contact_config.common.kafka.partitions;
    let t = &system.contact_config.topics;
    let (person_redeliveries, person_events) =
        outbox_matches_topics(&contacts, &bootstrap, &[&t.created, &t.changed, &t.deleted], partitions).await;
    let (order_redeliveries, order_events) = orders_match_topic(&orders, &bootstrap, &system.order_config.order_topic, partitions).await;
    orders_follow_persons(system).await;
    Converged {
        person_events,
        order_events,
        orders: orders.collection::<Document>("orders").count_documents(doc! {}).await.unwrap() as usize,
        replica_entries: orders.collection::<Document>("persons").count_documents(doc! { "mark": { "$ne": true } }).await.unwrap() as usize,
        redelivered: person_redeliveries + order_redeliveries,
    }
}
