//! An order written while a person change commits never keeps the older copy. The order path
//! writes no person document; instead each side checks the other after its own commit: the
//! relay compares a new order's embedded persons with the replica before publishing it, and
//! the consumer looks for orders older than the change it just committed. These tests put the
//! database in the state each race leaves behind and show the check repairing it.

use std::time::Duration;

use mongodb::bson::{doc, Document};
use serde_json::json;

use super::input_for;
use crate::harness::{contact_app::EVENT_WAIT, inject, versioned_person_event, ContactApp, OrderApp};

const SYNC_WAIT: Duration = Duration::from_secs(40);

#[tokio::test]
async fn an_order_that_embedded_an_older_person_than_the_replica_holds_is_repaired_before_it_is_published() {
    let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    config.common.outbox.enabled = false; // nothing is published until the relay below starts
    let writer = OrderApp::start(config.clone(), contact).await;
    let mut events = writer.order_events();
    let ada = writer.person("Ada").await;
    writer.client.create_using_post().body(input_for(&ada)).send().await.unwrap(); // Ada enters the replica
    let order = writer.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.clone().unwrap();
    assert_eq!(order.sold_to.as_ref().unwrap().last_name.as_deref(), Some("Tester"));

    // A person change committed right after the order read the replica, and its fan-out ran
    // before the order's insert was visible: the replica is newer than the order.
    let db = labs_order::mongo::connect(&writer.config.common.mongodb, "test").await.unwrap();
    let newer = doc! { "$set": { "person.lastName": "Lovelace" }, "$inc": { "rev": 1_i64 } };
    db.collection::<Document>("persons").update_one(doc! { "_id": &ada }, newer).await.unwrap();
    let contact = writer.stop().await;

    config.common.outbox.enabled = true;
    let relay = OrderApp::start(config, contact).await;

    let (repaired, etag) = relay.eventually(&id, SYNC_WAIT, |o| o.sold_to.as_ref().unwrap().last_name.as_deref() == Some("Lovelace")).await;
    assert_eq!(repaired.bill_to.unwrap().last_name.as_deref(), Some("Lovelace"), "every role is repaired");
    assert_eq!(etag, "\"2\"", "one version step");
    let got = events.expect(4, EVENT_WAIT).await;
    let of_order: Vec<_> = got.iter().filter(|e| e.key == id).collect();
    let types: Vec<_> = of_order.iter().map(|e| e.ty()).collect();
    assert_eq!(types, ["order.created", "order.updated"], "consumers of orderevents see the repair");
    assert_eq!(of_order[1].data()["shipTo"]["lastName"], "Lovelace");
}

#[tokio::test]
async fn a_redelivered_person_event_brings_up_to_date_an_order_its_first_delivery_missed() {
    let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    let app = OrderApp::start(config, contact).await;
    let ada = app.person("Ada").await;
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let (kafka, topic) = (&app.config.common.kafka.bootstrap_servers, app.config.person_topics.changed.clone());
    let change = versioned_person_event("person.changed", &ada, 2, Some(json!({ "id": ada, "firstName": "Ada", "lastName": "Byron" })));
    inject(kafka, &topic, &ada, &change, &[]).await;
    app.eventually(&id, SYNC_WAIT, |o| o.sold_to.as_ref().unwrap().last_name.as_deref() == Some("Byron")).await;

    // What a crash between the event's commit and its check leaves when an order was inserted
    // concurrently with the older copy: an order behind the replica, the event handled.
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let behind = doc! { "$set": { "soldTo.lastName": "Missed", "personRevs.soldTo": 1_i64 } };
    db.collection::<Document>("orders").update_one(doc! { "_id": &id }, behind).await.unwrap();

    inject(kafka, &topic, &ada, &change, &[]).await; // the redelivery: a duplicate

    let (order, _) = app.eventually(&id, SYNC_WAIT, |o| o.sold_to.as_ref().unwrap().last_name.as_deref() == Some("Byron")).await;
    assert_eq!(order.ship_to.unwrap().last_name.as_deref(), Some("Byron"));
    let processed = db.collection::<Document>("processed_events").count_documents(doc! {}).await.unwrap();
    assert_eq!(processed, 1, "the redelivery was a duplicate, not a second application");
}

/// A create reuses a person it read from the replica for a moment (`replica_cache_ms`) instead
/// of reading the replica for every order. A change that another instance's consumer applied
/// meanwhile is not in that memory: the order made from the remembered copy is repaired before
/// the relay publishes it. A change this instance's consumer handles is forgotten at once.
#[tokio::test]
async fn a_create_from_a_remembered_person_that_changed_elsewhere_is_repaired_and_a_change_handled_here_is_seen_at_once() {
    let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    config.replica_cache_ms = 600_000; // never expires during the test: only forgetting clears it
    let app = OrderApp::start(config, contact).await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap(); // Ada enters the replica (fetched)
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap(); // read from the replica, remembered
    events.expect(2, EVENT_WAIT).await; // both published before the replica moves

    // Another instance's consumer applied a change: the replica is newer than the memory.
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let newer = doc! { "$set": { "person.lastName": "Lovelace" }, "$inc": { "rev": 1_i64 } };
    db.collection::<Document>("persons").update_one(doc! { "_id": &ada }, newer).await.unwrap();

    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.clone().unwrap();
    assert_eq!(order.sold_to.unwrap().last_name.as_deref(), Some("Tester"), "the create answered from the remembered copy");
    let (repaired, _) = app.eventually(&id, SYNC_WAIT, |o| o.sold_to.as_ref().unwrap().last_name.as_deref() == Some("Lovelace")).await;
    assert_eq!(repaired.ship_to.unwrap().last_name.as_deref(), Some("Lovelace"), "every role is repaired");
    let got = events.expect(4, EVENT_WAIT).await; // in total: the two earlier orders' and this one's two
    let of_order: Vec<_> = got.iter().filter(|e| e.key == id).collect();
    let types: Vec<_> = of_order.iter().map(|e| e.ty()).collect();
    assert_eq!(types, ["order.created", "order.updated"], "consumers of orderevents see the repair");
    assert_eq!(of_order[1].data()["billTo"]["lastName"], "Lovelace");

    // A change this instance's consumer handles is forgotten: the next create reads the replica.
    let (kafka, topic) = (&app.config.common.kafka.bootstrap_servers, app.config.person_topics.changed.clone());
    let change = versioned_person_event("person.changed", &ada, 5, Some(json!({ "id": ada, "firstName": "Ada", "lastName": "Byron" })));
    inject(kafka, &topic, &ada, &change, &[]).await;
    app.eventually(&id, SYNC_WAIT, |o| o.sold_to.as_ref().unwrap().last_name.as_deref() == Some("Byron")).await;
    let next = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    assert_eq!(next.sold_to.unwrap().last_name.as_deref(), Some("Byron"), "no stale copy after a handled event");
}
