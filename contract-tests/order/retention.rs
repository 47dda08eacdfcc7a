//! Dedupe records do not pile up forever: TTL indexes let the database delete handled-event
//! records and idempotency keys older than their retention, while younger ones keep refusing
//! duplicates. Nothing is faked: the database's own expiry pass deletes them. mongod runs it
//! once a minute (`ttlMonitorSleepSecs`), and so does SecantusDB (its sweeper thread, every
//! 60 s), so these tests use a short retention and wait up to a retention plus two passes.

use std::time::{Duration, Instant};

use labs_order_client::contact::types::Person as ContactPerson;
use mongodb::bson::{doc, Document};

use super::{input_for, person_sync::quiet_contact_with};
use crate::harness::{inject, reference_person_event, EventReader, OrderApp};

/// Short enough to wait for, long enough that a duplicate sent right after its original is
/// still inside it however slow the machine is.
const RETENTION_SECS: u64 = 30;
const EXPIRY_WAIT: Duration = Duration::from_secs(RETENTION_SECS + 150);
const SYNC_WAIT: Duration = Duration::from_secs(40);

async fn rename(app: &OrderApp, person_id: &str, first_name: &str) {
    let patch = ContactPerson { first_name: Some(first_name.into()), ..ContactPerson::default() };
    app.contact.client.delta_update_using_patch().id(person_id).body(patch).send().await.unwrap();
}

/// Waits until the database's expiry pass deleted the record `_id` of `records`.
async fn expired(records: &mongodb::Collection<Document>, id: &str) {
    let deadline = Instant::now() + EXPIRY_WAIT;
    while records.count_documents(doc! { "_id": id }).await.unwrap() > 0 {
        assert!(Instant::now() < deadline, "the record {id} outlived its retention and two expiry passes");
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// The expiry, in seconds, of the TTL index on `field` of `records`.
async fn ttl_of(records: &mongodb::Collection<Document>, field: &str) -> Option<i64> {
    use futures::TryStreamExt;
    let indexes: Vec<_> = records.list_indexes().await.unwrap().try_collect().await.unwrap();
    let ttl = indexes.iter().find(|i| i.keys.contains_key(field))?.options.as_ref()?.expire_after?;
    Some(ttl.as_secs() as i64)
}

#[tokio::test]
async fn an_expired_event_record_is_gone_while_a_fresh_duplicate_is_still_refused() {
    // First with the default retention, then restarted with a short one: the index is retuned.
    let app = quiet_contact_with(|_| {}).await;
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let processed = db.collection::<Document>("processed_events");
    assert_eq!(ttl_of(&processed, "handledAt").await, Some(7 * 24 * 3600), "seven days by default");
    let mut config = app.config.clone();
    config.retention.processed_events_secs = RETENTION_SECS;
    let app = OrderApp::start(config, app.stop().await).await;
    assert_eq!(ttl_of(&processed, "handledAt").await, Some(RETENTION_SECS as i64), "a changed retention applies on restart");

    let ada = app.person("Ada").await;
    let order_id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let (kafka, changed) = (app.config.common.kafka.bootstrap_servers.clone(), app.config.person_topics.changed.clone());
    let mut dead_letters = EventReader::new(&kafka, &[&app.config.consumer.dead_letter_topic], 3);
    let name_is = |name: &'static str| {
        move |o: &labs_order_client::order::types::Order| o.sold_to.as_ref().and_then(|p| p.first_name.as_deref()) == Some(name)
    };

    rename(&app, &ada, "Old").await;
    inject(&kafka, &changed, &ada, &reference_person_event("old-1", "person.changed", &ada), &[]).await;
    app.eventually(&order_id, SYNC_WAIT, name_is("Old")).await;
    let old_key = "http://localhost:8080/v1/api/person|old-1";
    assert_eq!(processed.count_documents(doc! { "_id": old_key }).await.unwrap(), 1, "the handled event is recorded");
    expired(&processed, old_key).await;

    rename(&app, &ada, "Fresh").await;
    inject(&kafka, &changed, &ada, &reference_person_event("fresh-1", "person.changed", &ada), &[]).await;
    let (_, etag) = app.eventually(&order_id, SYNC_WAIT, name_is("Fresh")).await;
    assert_eq!(etag, "\"3\"");

    // Both originals are redelivered after a further change; a marker behind them on the same
    // partition shows each was handled.
    rename(&app, &ada, "Later").await;
    inject(&kafka, &changed, &ada, &reference_person_event("fresh-1", "person.changed", &ada), &[]).await;
    inject(&kafka, &changed, &ada, b"marker: not json", &[]).await;
    dead_letters.expect(1, SYNC_WAIT).await;
    let (order, etag) = app.eventually(&order_id, SYNC_WAIT, |_| true).await;
    assert_eq!((name_is("Fresh")(&order), etag.as_str()), (true, "\"3\""), "the fresh duplicate was refused");

    inject(&kafka, &changed, &ada, &reference_person_event("old-1", "person.changed", &ada), &[]).await;
    inject(&kafka, &changed, &ada, b"marker: not json", &[]).await;
    dead_letters.expect(2, SYNC_WAIT).await;
    let (order, etag) = app.eventually(&order_id, SYNC_WAIT, |_| true).await;
    assert_eq!(
        (name_is("Later")(&order), etag.as_str()),
        (true, "\"4\""),
        "a duplicate older than the retention is a new event: an id-only one reads the person as it is now"
    );
}

#[tokio::test]
async fn an_expired_idempotency_key_is_gone_while_a_fresh_one_still_answers_its_repeat() {
    let app = quiet_contact_with(|c| c.retention.idempotency_keys_secs = RETENTION_SECS).await;
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let keys = db.collection::<Document>("idempotency_keys");
    let ada = app.person("Ada").await;
    let url = format!("{}/api/v1/order", app.url);
    let post = |key: &'static str| app.http().post(&url).header("idempotency-key", key).json(&input_for(&ada)).send();
    let order_id = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        response.json::<serde_json::Value>().await.unwrap()["orderID"].as_str().unwrap().to_string()
    };

    let old = order_id(post("old").await.unwrap()).await;
    assert_eq!(ttl_of(&keys, "createdAt").await, Some(RETENTION_SECS as i64));
    expired(&keys, "old").await;

    let fresh = order_id(post("fresh").await.unwrap()).await;
    let fresh_again = order_id(post("fresh").await.unwrap()).await;
    assert_eq!(fresh_again, fresh, "a repeat within the retention gets the first answer");
    let old_again = order_id(post("old").await.unwrap()).await;
    assert_ne!(old_again, old, "a repeat after the retention is a new request: it makes a new order");

    let all = app.client.find_all_using_get().send().await.unwrap().into_inner();
    assert_eq!(all.len(), 3, "old, fresh and the late repeat of old");
}
