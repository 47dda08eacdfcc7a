//! Orders follow their persons: idempotent, order-insensitive handling of person events from
//! our contact service and from the reference one (id-only, structured or binary mode).

use std::time::Duration;

use labs_order_client::contact::types::Person as ContactPerson;
use serde_json::json;

use super::{expect_problem, input_for};
use crate::harness::{inject, reference_person_event, versioned_person_event, ContactApp, EventReader, OrderApp};

const SYNC_WAIT: Duration = Duration::from_secs(40);

/// An order service whose contact service publishes nothing: the test injects the events.
async fn quiet_contact() -> OrderApp {
    quiet_contact_with(|_| {}).await
}

/// An order service whose contact service publishes nothing: the test sends the events.
pub(super) async fn quiet_contact_with(adjust: impl FnOnce(&mut labs_order::order::OrderConfig)) -> OrderApp {
    let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    adjust(&mut config);
    OrderApp::start(config, contact).await
}

async fn rename(app: &OrderApp, person_id: &str, first_name: &str) {
    rename_in(&app.contact, person_id, first_name).await;
}

fn sold_to_name(order: &labs_order_client::order::types::Order) -> Option<&str> {
    order.sold_to.as_ref().and_then(|p| p.first_name.as_deref())
}

#[tokio::test]
async fn order_reflects_person_change_after_event() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.unwrap();

    rename(&app, &ada, "Augusta").await;

    let (order, etag) = app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("Augusta")).await;
    assert_eq!(order.bill_to.unwrap().first_name.as_deref(), Some("Augusta"), "every role follows");
    assert_eq!(order.ship_to.unwrap().first_name.as_deref(), Some("Augusta"));
    assert_eq!(etag, "\"2\"", "the order's version moved once");
}

#[tokio::test]
async fn a_deleted_person_keeps_its_data_on_orders_and_new_orders_referencing_it_get_422() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();

    app.contact.client.delete_using_delete().id(&ada).send().await.unwrap();
    // The tombstone arrives with the delete event; the replica answers from then on.
    let deadline = std::time::Instant::now() + SYNC_WAIT;
    loop {
        let (status, problem) = match app.client.create_using_post().body(input_for(&ada)).send().await {
            Ok(_) => (200, None),
            Err(e) => (e.status().map_or(0, |s| s.as_u16()), Some(e)),
        };
        if status == 422 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still accepted after delete: {status} {problem:?}");
        // Orders created meanwhile are fine: the contact service is the source of truth then.
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let kept = app.client.read_using_get().order_id(&id).send().await.unwrap().into_inner();
    assert_eq!(sold_to_name(&kept), Some("Ada"));
}

#[tokio::test]
async fn reference_id_only_events_in_structured_and_binary_mode_read_the_current_person() {
    let app = quiet_contact().await;
    let ada = app.person("Ada").await;
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let topics = &app.config.person_topics;
    let kafka = &app.config.common.kafka.bootstrap_servers;

    rename(&app, &ada, "Structured").await;
    inject(kafka, &topics.changed, "random-key-1", &reference_person_event("ref-1", "person.changed", &ada), &[]).await;
    app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("Structured")).await;

    rename(&app, &ada, "Binary").await;
    let headers = [
        ("ce_specversion", "1.0"),
        ("ce_id", "ref-2"),
        ("ce_source", "http://localhost:8080/v1/api/person"),
        ("ce_type", "person.changed"),
        ("content-type", "application/json"),
    ];
    inject(kafka, &topics.changed, "random-key-2", json!({ "personid": ada }).to_string().as_bytes(), &headers).await;
    let (_, etag) = app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("Binary")).await;
    assert_eq!(etag, "\"3\"");
}

#[tokio::test]
async fn a_duplicate_event_has_no_effect_even_when_the_person_changed_since() {
    let app = quiet_contact().await;
    let ada = app.person("Ada").await;
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let (kafka, changed) = (&app.config.common.kafka.bootstrap_servers, &app.config.person_topics.changed);

    rename(&app, &ada, "First").await;
    inject(kafka, changed, &ada, &reference_person_event("dup-1", "person.changed", &ada), &[]).await;
    app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("First")).await;
    rename(&app, &ada, "Second").await;
    inject(kafka, changed, &ada, &reference_person_event("dup-1", "person.changed", &ada), &[]).await;
    // A later, distinct event on the same partition shows the duplicate was consumed before it.
    inject(kafka, changed, &ada, &versioned_person_event("person.changed", "someone-unrelated", 1, None), &[]).await;
    rename(&app, &ada, "Third").await;
    inject(kafka, changed, &ada, &reference_person_event("dup-2", "person.changed", &ada), &[]).await;

    let (_, etag) = app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("Third")).await;
    assert_eq!(etag, "\"3\"", "applied twice (dup-1 once, dup-2 once), never three times");
}

#[tokio::test]
async fn versioned_events_apply_only_when_newer_and_a_tombstone_is_never_revived() {
    let app = quiet_contact().await;
    let ada = app.person("Ada").await;
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let (kafka, t) = (&app.config.common.kafka.bootstrap_servers, app.config.person_topics.clone());
    let person = |name: &str| json!({ "id": ada, "firstName": name });

    // Reordered within a topic: v3 then v2.
    inject(kafka, &t.changed, &ada, &versioned_person_event("person.changed", &ada, 3, Some(person("Three"))), &[]).await;
    inject(kafka, &t.changed, &ada, &versioned_person_event("person.changed", &ada, 2, Some(person("Two"))), &[]).await;
    app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("Three")).await;
    // The delete travels on another topic; once it is in, late changes arrive.
    inject(kafka, &t.deleted, &ada, &versioned_person_event("person.deleted", &ada, 5, None), &[]).await;
    let deadline = std::time::Instant::now() + SYNC_WAIT;
    while app.client.create_using_post().body(input_for(&ada)).send().await.is_ok() {
        assert!(std::time::Instant::now() < deadline, "the delete never arrived");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    inject(kafka, &t.changed, &ada, &versioned_person_event("person.changed", &ada, 4, Some(person("Four, late"))), &[]).await;
    inject(kafka, &t.changed, &ada, &reference_person_event("late-id-only", "person.changed", &ada), &[]).await;
    // A marker after them on the same partition: once it applied, the others were handled.
    inject(kafka, &t.changed, &ada, b"marker: not json", &[]).await;
    EventReader::new(kafka, &[&app.config.consumer.dead_letter_topic], 3).expect(1, SYNC_WAIT).await;

    let (order, etag) = app.eventually(&id, SYNC_WAIT, |_| true).await;
    assert_eq!(sold_to_name(&order), Some("Three"), "v2 and the late v4 did not apply; the delete keeps last data");
    assert_eq!(etag, "\"2\"", "only v3 changed the order");
    let (status, _) = expect_problem(app.client.create_using_post().body(input_for(&ada)).send().await);
    assert_eq!(status, 422, "the person stays deleted");
}

#[tokio::test]
async fn events_about_persons_no_order_references_change_nothing_and_call_no_one() {
    // (Versioned ones leave a version mark, which an order's first reference claims.)
    let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let mut config = OrderApp::fresh_config("http://127.0.0.1:9"); // a lookup would fail and park
    config.person_topics = contact.config.topics.clone();
    let app = OrderApp::start(config, contact).await;
    let (kafka, t) = (&app.config.common.kafka.bootstrap_servers, app.config.person_topics.clone());
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();

    inject(kafka, &t.changed, "x", &reference_person_event("irrelevant-1", "person.changed", "stranger"), &[]).await;
    inject(kafka, &t.changed, "x", &versioned_person_event("person.changed", "stranger", 1, Some(json!({ "firstName": "S" }))), &[]).await;
    // The marker: a malformed record after them lands in the dead-letter topic once they are handled.
    inject(kafka, &t.changed, "x", b"marker: not json", &[]).await;
    EventReader::new(kafka, &[&app.config.consumer.dead_letter_topic], 3).expect(1, SYNC_WAIT).await;

    use mongodb::bson::{doc, Document};
    let persons = db.collection::<Document>("persons");
    assert_eq!(persons.count_documents(doc! { "mark": { "$ne": true } }).await.unwrap(), 0, "no replica entry");
    let mark = persons.find_one(doc! { "_id": "stranger" }).await.unwrap().expect("the versioned event's mark");
    assert_eq!((mark.get_bool("mark").unwrap(), mark.get_i64("version").unwrap()), (true, 1), "{mark}");
    assert_eq!(db.collection::<Document>("parked_person_events").count_documents(doc! {}).await.unwrap(), 0, "no lookup was tried");
    assert_eq!(db.collection::<Document>("processed_events").count_documents(doc! {}).await.unwrap(), 0);
}

#[tokio::test]
async fn malformed_events_go_to_the_dead_letter_topic_with_the_reason_and_never_stall_the_partition() {
    let app = quiet_contact().await;
    let ada = app.person("Ada").await;
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let (kafka, t) = (&app.config.common.kafka.bootstrap_servers, app.config.person_topics.clone());
    let mut dlq = EventReader::new(kafka, &[&app.config.consumer.dead_letter_topic], 3);

    inject(kafka, &t.changed, &ada, b"{not json", &[("trace", "keep-me")]).await;
    inject(kafka, &t.changed, &ada, br#"{"specversion":"1.0","id":"m2","source":"s","type":"person.changed","data":{"personid":42}}"#, &[])
        .await;
    inject(kafka, &t.changed, &ada, br#"{"hello":"world"}"#, &[]).await;
    inject(
        kafka,
        &t.changed,
        &ada,
        &versioned_person_event("person.changed", &ada, 7, Some(json!({ "id": ada, "firstName": "After" }))),
        &[],
    )
    .await;

    app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("After")).await;
    let dead = dlq.expect(3, SYNC_WAIT).await;
    let header = |i: usize, k: &str| dead[i].headers.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert!(header(0, "dlq-reason").unwrap().contains("not JSON"));
    assert_eq!(header(0, "dlq-topic").as_deref(), Some(t.changed.as_str()));
    assert!(header(0, "dlq-offset").unwrap().parse::<i64>().is_ok());
    assert!(header(0, "dlq-partition").unwrap().parse::<i32>().is_ok());
    assert_eq!(header(0, "trace").as_deref(), Some("keep-me"), "original headers kept");
    assert_eq!(dead[0].key, ada);
    assert!(header(1, "dlq-reason").unwrap().contains("personid is not a string"));
    assert!(header(2, "dlq-reason").unwrap().contains("specversion"));
}

#[tokio::test]
async fn id_only_events_wait_while_the_contact_service_is_down_without_blocking_others() {
    let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let contact_port: u16 = contact.url.rsplit(':').next().unwrap().parse().unwrap();
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    config.contact.breaker_open_ms = 500;
    let app = OrderApp::start(config, contact).await;
    let ada = app.person("Ada").await;
    let bob = app.person("Bob").await;
    let ada_order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let bob_order = app.client.create_using_post().body(input_for(&bob)).send().await.unwrap().into_inner().order_id.unwrap();
    rename(&app, &ada, "Later").await;
    let (kafka, t) = (app.config.common.kafka.bootstrap_servers.clone(), app.config.person_topics.clone());
    let contact_config = app.contact.config.clone();
    let app_config = app.config.clone();
    let contact = app.stop().await;
    contact.stop().await;
    let app = OrderApp::start(app_config, ContactApp::detached()).await; // the contact service is down

    inject(&kafka, &t.changed, &ada, &reference_person_event("park-1", "person.changed", &ada), &[]).await;
    inject(
        &kafka,
        &t.changed,
        &ada,
        &versioned_person_event("person.changed", &bob, 9, Some(json!({ "id": bob, "firstName": "Flows" }))),
        &[],
    )
    .await;
    app.eventually(&bob_order, SYNC_WAIT, |o| sold_to_name(o) == Some("Flows")).await;
    let still = app.client.read_using_get().order_id(&ada_order).send().await.unwrap().into_inner();
    assert_eq!(sold_to_name(&still), Some("Ada"), "parked, not applied, not dropped");

    let _back = ContactApp::start_on(contact_config, contact_port).await;
    app.eventually(&ada_order, SYNC_WAIT, |o| sold_to_name(o) == Some("Later")).await;
}

#[tokio::test]
async fn a_crash_after_the_transaction_but_before_the_offset_commit_redelivers_as_a_no_op() {
    use crate::harness::process::ServiceProcess;
    let app = quiet_contact().await;
    let ada = app.person("Ada").await;
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let (kafka, changed) = (app.config.common.kafka.bootstrap_servers.clone(), app.config.person_topics.changed.clone());
    let mut config = app.config.clone();
    config.consumer.auto_commit_interval_ms = 3_600_000; // no offset is committed before the crash
    let contact = app.stop().await;

    let process = ServiceProcess::order(config.clone()).await;
    rename_in(&contact, &ada, "Once").await;
    inject(&kafka, &changed, &ada, &reference_person_event("crash-1", "person.changed", &ada), &[]).await;
    let app = OrderApp::start(
        {
            let mut c = config.clone();
            c.consumer.enabled = false;
            c
        },
        contact,
    )
    .await; // reads only
    let (_, etag) = app.eventually(&id, SYNC_WAIT, |o| sold_to_name(o) == Some("Once")).await;
    assert_eq!(etag, "\"2\"");
    process.kill(); // SIGKILL: the effect is committed, the offset is not

    rename(&app, &ada, "Twice").await; // re-applying crash-1 would now read "Twice"
                                       // Restarted once the group has noticed the loss (session timeout), as a supervisor would.
    tokio::time::sleep(Duration::from_millis(u64::from(config.consumer.session_timeout_ms) + 2000)).await;
    let restarted = ServiceProcess::order(config.clone()).await;
    inject(&kafka, &changed, &ada, b"marker after crash-1", &[]).await;
    EventReader::new(&kafka, &[&config.consumer.dead_letter_topic], 3).expect(1, SYNC_WAIT).await;
    let metrics = reqwest::get(format!("{}/metrics", restarted.url)).await.unwrap().text().await.unwrap();
    let duplicates = metrics.lines().find(|l| l.starts_with(r#"person_events_handled_total{outcome="duplicate"}"#)).unwrap();
    assert!(duplicates.ends_with(" 1"), "crash-1 was delivered again and recognised: {duplicates}");

    let (order, etag) = app.eventually(&id, SYNC_WAIT, |_| true).await;
    assert_eq!((sold_to_name(&order), etag.as_str()), (Some("Once"), "\"2\""), "the redelivered event had no effect");
}

async fn rename_in(contact: &ContactApp, person_id: &str, first_name: &str) {
    let patch = ContactPerson { first_name: Some(first_name.into()), ..ContactPerson::default() };
    contact.client.delta_update_using_patch().id(person_id).body(patch).send().await.unwrap();
}

#[tokio::test]
async fn a_person_read_through_the_api_keeps_its_version_so_an_older_event_does_not_apply() {
    let app = quiet_contact().await;
    let ada = app.person("Ada").await;
    rename(&app, &ada, "Two").await;
    rename(&app, &ada, "Three").await; // version 3 at the contact service; no events published
    let read = app.contact.client.read_using_get().id(&ada).send().await.unwrap();
    assert_eq!(read.headers()["etag"], "\"3\"", "the contact API tells the version");
    let id = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let (kafka, t) = (&app.config.common.kafka.bootstrap_servers, app.config.person_topics.clone());

    inject(
        kafka,
        &t.changed,
        &ada,
        &versioned_person_event("person.changed", &ada, 2, Some(json!({ "id": ada, "firstName": "Two" }))),
        &[],
    )
    .await;
    inject(kafka, &t.changed, &ada, b"marker: not json", &[]).await;
    EventReader::new(kafka, &[&app.config.consumer.dead_letter_topic], 3).expect(1, SYNC_WAIT).await;

    let (order, etag) = app.eventually(&id, SYNC_WAIT, |_| true).await;
    assert_eq!((sold_to_name(&order), etag.as_str()), (Some("Three"), "\"1\""), "v2 is older than what the order holds");
}

#[tokio::test]
async fn a_change_judged_irrelevant_just_before_the_first_order_commits_still_reaches_that_order() {
    // The race: an order fetches version 1 from the contact service; meanwhile the event for
    // version 2 arrives, and since no order references the person yet it is irrelevant. The
    // order must not keep version 1. Here the event is handled first, then the order is made.
    let app = OrderApp::spawn_with(|c| c.consumer.enabled = true).await;
    let ada = app.person("Ada").await; // version 1 in the contact service
    let (kafka, t) = (&app.config.common.kafka.bootstrap_servers, app.config.person_topics.clone());
    let newer = json!({ "id": ada, "firstName": "Ada", "lastName": "Newer" });
    inject(kafka, &t.changed, &ada, &versioned_person_event("person.changed", &ada, 2, Some(newer)), &[]).await;
    inject(kafka, &t.changed, &ada, b"marker: not json", &[]).await;
    EventReader::new(kafka, &[&app.config.consumer.dead_letter_topic], 3).expect(1, SYNC_WAIT).await;

    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();

    assert_eq!(order.sold_to.unwrap().last_name.as_deref(), Some("Newer"), "the version the consumer saw wins over the fetched one");
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    use mongodb::bson::{doc, Document};
    let replica = db.collection::<Document>("persons").find_one(doc! { "_id": &ada }).await.unwrap().unwrap();
    assert_eq!(replica.get_i64("version").unwrap(), 2, "the replica holds version 2, so an older event cannot apply");
}
