//! Person events applied: 10,000 versioned changes for 1,000 persons, each referenced by three
//! orders. The order service (its own process) consumes them from Kafka; the baseline is a raw
//! loop in this process that consumes the same records and runs the same transaction per event
//! with the driver, on an identical copy of the data.

use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use labs_order::{
    mongo::TxnError,
    order::{replica::PERSONS_COLLECTION, service::ORDERS_COLLECTION},
};
use mongodb::bson::{self, doc, Document};
use rdkafka::{
    consumer::{Consumer, StreamConsumer},
    ClientConfig, Message,
};
use serde_json::{json, Value};

use super::{counter, print_table, proc::cpu_seconds, write_report};
use crate::{
    harness::{auth::full_token, inject_many, unique_suffix, versioned_person_event},
    order::input_for,
};

const PERSONS: usize = 1_000;
const ORDERS_PER_PERSON: usize = 3;
const VERSIONS: i64 = 10;

#[tokio::test]
#[ignore = "benchmark: cargo xtask bench events"]
async fn events() {
    let (contact, config) = super::contact_and_order_config(false).await;
    let service = super::order_service_process(&config).await;
    let http = reqwest::Client::new();
    let ada = labs_order_client::contact::types::Person { first_name: Some("Ada".into()), ..Default::default() };
    let ada = contact.client.create_using_post().body(ada).send().await.unwrap().into_inner().id.unwrap();
    let created = http.post(format!("{}/api/v1/order", service.url)).bearer_auth(full_token()).json(&input_for(&ada)).send().await.unwrap();
    assert_eq!(created.status().as_u16(), 200);

    // 1,000 persons in the replica and 3,000 orders, cloned from what the service stored.
    let db = labs_order::mongo::connect(&config.common.mongodb, "bench").await.unwrap();
    let (replica, orders) = (db.collection::<Document>(PERSONS_COLLECTION), db.collection::<Document>(ORDERS_COLLECTION));
    let person_template = replica.find_one(doc! { "_id": &ada }).await.unwrap().unwrap();
    let mut order_template = orders.find_one(doc! {}).await.unwrap().unwrap();
    order_template.remove("outbox"); // copies are published orders: nothing staged
    order_template.remove("outboxPending");
    let ids: Vec<String> = (0..PERSONS).map(|i| format!("bench-person-{i}")).collect();
    let (mut entries, mut copies) = (Vec::new(), Vec::new());
    for id in &ids {
        let mut entry = person_template.clone();
        let mut person = entry.get_document("person").unwrap().clone();
        person.insert("id", id);
        entry.insert("_id", id);
        entry.insert("person", &person);
        entry.insert("version", 1_i64);
        entry.insert("rev", 1_i64);
        entries.push(entry);
        for n in 0..ORDERS_PER_PERSON {
            let mut order = order_template.clone();
            let order_id = format!("{id}-order-{n}");
            order.insert("_id", &order_id);
            order.insert("orderID", &order_id);
            for role in ["soldTo", "billTo", "shipTo"] {
                order.insert(role, &person);
            }
            order.insert("personRevs", doc! { "soldTo": 1_i64, "billTo": 1_i64, "shipTo": 1_i64 });
            copies.push(order);
        }
    }
    replica.insert_many(entries.clone()).await.unwrap();
    orders.insert_many(copies.clone()).await.unwrap();
    let baseline = Baseline::prepare(&db, entries, copies).await;

    // 10,000 changes: versions 2..=11 of every person, interleaved across persons.
    let topic = config.person_topics.changed.clone();
    let records: Vec<(String, String, Vec<u8>)> = (2..2 + VERSIONS)
        .flat_map(|v| ids.iter().map(move |id| (v, id.clone())))
        .map(|(v, id)| {
            let person = json!({ "id": id, "firstName": "Bench", "lastName": format!("V{v}") });
            (topic.clone(), id.clone(), versioned_person_event("person.changed", &id, v, Some(person)))
        })
        .collect();
    let total = records.len();

    let applied = |metrics: &str| counter(metrics, r#"person_events_handled_total{outcome="applied"}"#);
    let metrics_url = format!("{}/metrics", service.url);
    let before = applied(&http.get(&metrics_url).send().await.unwrap().text().await.unwrap());
    let cpu_before = cpu_seconds(service.pid());
    let started = Instant::now();
    inject_many(&config.common.kafka.bootstrap_servers, records).await;
    loop {
        let now = applied(&http.get(&metrics_url).send().await.unwrap().text().await.unwrap()) - before;
        if now as usize >= total {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(1200), "only {now} of {total} events applied");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let service_time = started.elapsed();
    let service_cpu = cpu_seconds(service.pid()) - cpu_before;
    let last = orders.count_documents(doc! { "soldTo.lastName": format!("V{}", 1 + VERSIONS) }).await.unwrap();
    assert_eq!(last as usize, PERSONS * ORDERS_PER_PERSON, "every order shows the last version");

    let baseline_time = baseline.consume_and_apply(&config.common.kafka.bootstrap_servers, &topic, total).await;
    let (service_rate, baseline_rate) = (total as f64 / service_time.as_secs_f64(), total as f64 / baseline_time.as_secs_f64());
    print_table(
        "events: 10,000 versioned person changes, 1,000 persons x 3 orders",
        &["who", "seconds", "events/s", "cpu µs/event", "ratio"],
        &[
            vec![
                "order service".into(),
                format!("{:.1}", service_time.as_secs_f64()),
                format!("{service_rate:.0}"),
                format!("{:.0}", service_cpu * 1e6 / total as f64),
                format!("{:.2}", service_rate / baseline_rate),
            ],
            vec![
                "raw loop".into(),
                format!("{:.1}", baseline_time.as_secs_f64()),
                format!("{baseline_rate:.0}"),
                "-".into(),
                "1.00".into(),
            ],
        ],
    );
    write_report(
        "events",
        &json!({
            "benchmark": "events", "events": total, "persons": PERSONS, "orders": PERSONS * ORDERS_PER_PERSON,
            "service": { "seconds": service_time.as_secs_f64(), "events_per_s": service_rate, "cpu_us_per_event": service_cpu * 1e6 / total as f64 },
            "baseline_raw_loop": { "seconds": baseline_time.as_secs_f64(), "events_per_s": baseline_rate },
            "ratio": service_rate / baseline_rate, "target_ratio_min": 0.9,
        }),
    );
}

struct Baseline {
    db: mongodb::Database,
}

impl Baseline {
    /// Copies of the replica and the orders, with the service's indexes.
    async fn prepare(db: &mongodb::Database, persons: Vec<Document>, orders: Vec<Document>) -> Self {
        let copy = db.collection::<Document>("baseline_orders");
        for role in ["soldTo", "billTo", "shipTo"] {
            copy.create_index(
                mongodb::IndexModel::builder().keys(doc! { format!("{role}.id"): 1, format!("personRevs.{role}"): 1 }).build(),
            )
            .await
            .unwrap();
        }
        copy.insert_many(orders).await.unwrap();
        db.collection::<Document>("baseline_persons").insert_many(persons).await.unwrap();
        Self { db: db.clone() }
    }

    /// Reads `total` records of `topic` and applies each in one transaction with the service's
    /// commands: dedup check, replica read and update, the version bump and the three role
    /// updates on the orders, the processed-event record. Timed from the first record.
    async fn consume_and_apply(&self, bootstrap: &str, topic: &str, total: usize) -> Duration {
        let consumer: StreamConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", format!("bench-baseline-{}", unique_suffix()))
            .set("auto.offset.reset", "earliest")
            .set("session.timeout.ms", "6000")
            .set("heartbeat.interval.ms", "500")
            .set("max.poll.interval.ms", "10000")
            .create()
            .unwrap();
        consumer.subscribe(&[topic]).unwrap();
        let mut started = None;
        for _ in 0..total {
            let message = consumer.recv().await.unwrap();
            started.get_or_insert_with(Instant::now);
            let event: Value = serde_json::from_slice(message.payload().unwrap()).unwrap();
            self.apply(event).await;
        }
        started.unwrap().elapsed()
    }

    async fn apply(&self, event: Value) {
        let person_id = event["data"]["personid"].as_str().unwrap_or_default().to_string();
        let (persons, orders, processed) = (
            self.db.collection::<Document>("baseline_persons"),
            self.db.collection::<Document>("baseline_orders"),
            self.db.collection::<Document>("baseline_processed"),
        );
        let fanouts = self.db.collection::<Document>("baseline_fanouts");
        let outcome = labs_order::mongo::transaction(self.db.client(), move |session| {
            let (persons, orders, processed, event) = (persons.clone(), orders.clone(), processed.clone(), event.clone());
            let fanouts = fanouts.clone();
            // The benchmark has no domain error: an abort is `None`.
            let body: BoxFuture<'_, Result<(), TxnError<Option<mongodb::error::Error>>>> = Box::pin(async move {
                let data = &event["data"];
                let id = data["personid"].as_str().unwrap().to_string();
                let key = format!("{}|{}", event["source"].as_str().unwrap(), event["id"].as_str().unwrap());
                if processed.find_one(doc! { "_id": &key }).session(&mut *session).await?.is_some() {
                    return Ok(());
                }
                let entry = persons.find_one(doc! { "_id": &id }).session(&mut *session).await?;
                let held = entry.as_ref().and_then(|e| e.get_i64("version").ok()).unwrap_or(0);
                let version = data["version"].as_i64().unwrap();
                if version > held {
                    let person = bson::to_document(&data["person"]).unwrap();
                    let set = doc! { "$set": { "person": &person, "version": version, "deleted": false }, "$inc": { "rev": 1_i64 } };
                    let stored = persons
                        .find_one_and_update(doc! { "_id": &id }, set)
                        .upsert(true)
                        .return_document(mongodb::options::ReturnDocument::After)
                        .session(&mut *session)
                        .await?;
                    let rev = stored.and_then(|d| d.get_i64("rev").ok()).unwrap_or(1);
                    let any_role = vec![doc! { "soldTo.id": &id }, doc! { "billTo.id": &id }, doc! { "shipTo.id": &id }];
                    orders.update_many(doc! { "$or": any_role }, doc! { "$inc": { "version": 1_i64 } }).session(&mut *session).await?;
                    for role in ["soldTo", "billTo", "shipTo"] {
                        let set = doc! { "$set": { role: &person, format!("personRevs.{role}"): rev } };
                        orders.update_many(doc! { format!("{role}.id"): &id }, set).session(&mut *session).await?;
                    }
                    let record = doc! { "personId": &id, "rev": rev, "sent": false, "createdAt": bson::DateTime::now() };
                    fanouts.insert_one(record).session(&mut *session).await?;
                }
                processed.insert_one(doc! { "_id": &key, "personId": &id }).session(&mut *session).await?;
                Ok(())
            });
            body
        })
        .await;
        assert!(matches!(outcome, Ok(())), "{outcome:?}");
        // After the commit, as the service: the replica's revision, then any order still older.
        let id = person_id.as_str();
        let rev = persons_rev(&self.db, id).await;
        let stale = ["soldTo", "billTo", "shipTo"].map(|r| doc! { format!("{r}.id"): id, format!("personRevs.{r}"): { "$lt": rev } });
        let orders = self.db.collection::<Document>("baseline_orders");
        orders.find_one(doc! { "$or": stale.to_vec() }).projection(doc! { "_id": 1 }).await.unwrap();
    }
}

async fn persons_rev(db: &mongodb::Database, id: &str) -> i64 {
    let entry = db.collection::<Document>("baseline_persons").find_one(doc! { "_id": id }).await.unwrap();
    entry.and_then(|e| e.get_i64("rev").ok()).unwrap_or(0)
}
