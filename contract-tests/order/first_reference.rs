//! The first order for a person: the person becomes a replica entry before the order embeds it,
//! taken from the consumer's mark when an event about it came first, and a person event racing
//! that first reference is never lost.

use std::{sync::Arc, time::Duration};

use labs_order::order::{
    model::Role,
    replica::{cache::ReplicaCache, PersonReplica, Resolved, Seen, Unreferenced},
};
use labs_order_client::order::types::{Order, Person};
use mongodb::bson::{doc, Document};
use serde_json::json;

use super::{expect_problem, input_for, person_sync::quiet_contact_with};
use crate::harness::{inject, reference_person_event, versioned_person_event, ContactApp, EventReader, OrderApp};

const SYNC_WAIT: Duration = Duration::from_secs(40);

#[tokio::test]
async fn a_first_order_for_a_person_known_from_an_event_takes_the_event_s_data_without_asking_the_contact_service() {
    // No contact service answers: a lookup would be a 503.
    let contact = ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let mut config = OrderApp::fresh_config("http://127.0.0.1:9");
    config.person_topics = contact.config.topics.clone();
    let app = OrderApp::start(config, contact).await;
    let (kafka, t) = (app.config.common.kafka.bootstrap_servers.clone(), app.config.person_topics.clone());
    let seen = json!({ "id": "seen", "firstName": "Seen", "lastName": "InEvent" });
    inject(&kafka, &t.changed, "seen", &versioned_person_event("person.changed", "seen", 3, Some(seen)), &[]).await;
    inject(&kafka, &t.deleted, "gone", &versioned_person_event("person.deleted", "gone", 2, None), &[]).await;
    // Markers after them on the same partitions: once both are dead letters, the events were handled.
    inject(&kafka, &t.changed, "seen", b"marker: not json", &[]).await;
    inject(&kafka, &t.deleted, "gone", b"marker: not json", &[]).await;
    EventReader::new(&kafka, &[&app.config.consumer.dead_letter_topic], 3).expect(2, SYNC_WAIT).await;

    let order = app.client.create_using_post().body(input_for("seen")).send().await.unwrap().into_inner();
    assert_eq!(order.sold_to.as_ref().unwrap().last_name.as_deref(), Some("InEvent"));
    let (status, _) = expect_problem(app.client.create_using_post().body(input_for("gone")).send().await);
    assert_eq!(status, 422, "a person the events deleted is unknown");

    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let persons = db.collection::<Document>("persons");
    let gone = persons.find_one(doc! { "_id": "gone" }).await.unwrap().unwrap();
    assert!(gone.get_bool("deleted").unwrap() && gone.get("at").is_none(), "a deletion is kept for good: {gone}");
    let entry = persons.find_one(doc! { "_id": "seen" }).await.unwrap().unwrap();
    assert_eq!(entry.get_i64("version").unwrap(), 3, "{entry}");
    assert!(entry.get("mark").is_none() && entry.get("at").is_none(), "an entry now, which never expires: {entry}");

    // An entry like any other: the next change reaches the order.
    let later = json!({ "id": "seen", "firstName": "Seen", "lastName": "Later" });
    inject(&kafka, &t.changed, "seen", &versioned_person_event("person.changed", "seen", 4, Some(later)), &[]).await;
    let id = order.order_id.unwrap();
    let (order, etag) = app.eventually(&id, SYNC_WAIT, |o| o.sold_to.as_ref().unwrap().last_name.as_deref() == Some("Later")).await;
    assert_eq!(order.ship_to.unwrap().last_name.as_deref(), Some("Later"));
    assert_eq!(etag, "\"2\"");
}

#[tokio::test]
async fn an_event_judged_irrelevant_while_the_first_order_stores_its_person_is_applied_to_that_order() {
    // The interleaving forced step by step: the consumer's transaction reads the person's
    // document (nothing yet), the first order stores the person and commits, then the consumer
    // writes its mark. That write must fail rather than turn the new entry back into a mark, and
    // the event handled again is a change of the order.
    let app = quiet_contact_with(|c| c.consumer.enabled = true).await;
    let ada = app.person("Ada").await;
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let replica = PersonReplica::new(&db);
    let mut session = db.client().start_session().await.unwrap();
    session.start_transaction().await.unwrap();
    assert!(replica.read(Some(&mut session), &ada).await.unwrap().is_none(), "no order references Ada yet");

    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();

    let newer: labs_order_client::order::types::Person =
        serde_json::from_value(json!({ "id": ada, "firstName": "Ada", "lastName": "Newer" })).unwrap();
    let mark = replica.record_mark(&mut session, None, &ada, Seen::Person { version: 2, person: &newer }).await;
    assert!(mark.is_err(), "the mark passed the first reference: {mark:?}");
    let _ = session.abort_transaction().await;
    let entry = db.collection::<Document>("persons").find_one(doc! { "_id": &ada }).await.unwrap().unwrap();
    assert!(entry.get("mark").is_none(), "still an entry: {entry}");

    let (kafka, t) = (&app.config.common.kafka.bootstrap_servers, &app.config.person_topics);
    let event = versioned_person_event("person.changed", &ada, 2, Some(json!({ "id": ada, "firstName": "Ada", "lastName": "Newer" })));
    inject(kafka, &t.changed, &ada, &event, &[]).await;
    let id = order.order_id.unwrap();
    let (_, etag) = app.eventually(&id, SYNC_WAIT, |o| o.sold_to.as_ref().unwrap().last_name.as_deref() == Some("Newer")).await;
    assert_eq!(etag, "\"2\"");
}

#[tokio::test]
async fn a_first_reference_takes_the_newest_of_what_it_found_and_what_a_mark_holds_when_it_writes() {
    use labs_order::order::{
        model::Role,
        replica::{Resolved, Unreferenced},
    };
    let config = OrderApp::fresh_config("http://127.0.0.1:9");
    let db = labs_order::mongo::connect(&config.common.mongodb, "test").await.unwrap();
    let replica = PersonReplica::new(&db);
    let persons = db.collection::<Document>("persons");
    let person = |id: &str, last: &str| -> labs_order_client::order::types::Person {
        serde_json::from_value(json!({ "id": id, "firstName": "P", "lastName": last })).unwrap()
    };
    // Marks as the consumer leaves them, some of them changed after the write read them.
    let now = mongodb::bson::DateTime::now();
    for (id, version, last, deleted) in [
        ("moved", 2, "Two", false),
        ("appeared", 5, "Five", false),
        ("older", 1, "Old", false),
        ("as-read", 7, "Seven", false),
        ("gone", 3, "", true),
        ("dropped", 8, "", false), // an id-only change dropped its data
    ] {
        let mut mark = doc! { "_id": id, "mark": true, "at": now, "version": version as i64, "deleted": deleted };
        if !last.is_empty() {
            mark.insert("person", mongodb::bson::to_document(&person(id, last)).unwrap());
        }
        persons.insert_one(mark).await.unwrap();
    }
    let found =
        |id: &str, version: i64, last: &str, from_mark: bool| Unreferenced { id: id.into(), person: person(id, last), version, from_mark };
    let write = [
        found("moved", 1, "One", true),       // read as a mark at version 1; it holds 2 now
        found("appeared", 3, "Three", false), // fetched: no document when read, a newer mark now
        found("older", 4, "Four", false),     // fetched, newer than the mark that appeared
        found("as-read", 7, "Seven", true),   // the mark as read
        found("absent", 1, "New", false),     // nothing anywhere
        found("dropped", 8, "Eight", true),   // read as a mark before its data was dropped
    ];
    let resolved = Resolved { by_role: write.iter().map(|p| (Role::SoldTo, p.person.clone(), 0)).collect(), fetched: write.to_vec() };

    let stored = replica.first_references(resolved).await.unwrap();

    let names: Vec<(Option<&str>, i64)> = stored.by_role.iter().map(|(_, p, rev)| (p.last_name.as_deref(), *rev)).collect();
    assert_eq!(names, [(Some("Two"), 1), (Some("Five"), 1), (Some("Four"), 1), (Some("Seven"), 1), (Some("New"), 1), (Some("Eight"), 1)]);
    for p in &write {
        let stored = persons.find_one(doc! { "_id": &p.id }).await.unwrap().unwrap();
        assert!(stored.get("mark").is_none() && stored.get("at").is_none(), "an entry: {stored}");
        assert!(stored.get_document("person").is_ok(), "an entry always holds a person: {stored}");
    }

    let deleted = Resolved { by_role: vec![(Role::BillTo, person("gone", "Back"), 0)], fetched: vec![found("gone", 1, "Back", false)] };
    let refused = replica.first_references(deleted).await.unwrap_err();
    assert!(matches!(refused, labs_order::order::Error::UnknownPerson { field: "billToID", .. }), "{refused:?}");
}

#[tokio::test]
async fn after_an_id_only_event_about_a_person_no_order_references_the_first_order_asks_the_contact_service() {
    // An id-only event says only that the person changed (or is gone): a mark's data from an
    // earlier versioned event may be older than the person now, so it is not used.
    let app = quiet_contact_with(|c| c.consumer.enabled = true).await;
    let (ada, bob) = (app.person("Ada").await, app.person("Bob").await);
    let (kafka, t) = (app.config.common.kafka.bootstrap_servers.clone(), app.config.person_topics.clone());
    for id in [&ada, &bob] {
        let event = versioned_person_event("person.changed", id, 1, Some(json!({ "id": id, "firstName": "FromEvent" })));
        inject(&kafka, &t.changed, id, &event, &[]).await;
    }
    // Changed in the contact service without a versioned event; Bob deleted there.
    let patch = labs_order_client::contact::types::Person { first_name: Some("Current".into()), ..Default::default() };
    app.contact.client.delta_update_using_patch().id(&ada).body(patch).send().await.unwrap();
    app.contact.client.delete_using_delete().id(&bob).send().await.unwrap();
    inject(&kafka, &t.changed, &ada, &reference_person_event("id-only-1", "person.changed", &ada), &[]).await;
    inject(&kafka, &t.deleted, &bob, &reference_person_event("id-only-2", "person.deleted", &bob), &[]).await;
    inject(&kafka, &t.changed, &ada, b"marker: not json", &[]).await;
    inject(&kafka, &t.deleted, &bob, b"marker: not json", &[]).await;
    EventReader::new(&kafka, &[&app.config.consumer.dead_letter_topic], 3).expect(2, SYNC_WAIT).await;

    let order = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    assert_eq!(order.sold_to.unwrap().first_name.as_deref(), Some("Current"), "the mark's older data was not used");
    let (status, _) = expect_problem(app.client.create_using_post().body(input_for(&bob)).send().await);
    assert_eq!(status, 422);
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let bob_mark = db.collection::<Document>("persons").find_one(doc! { "_id": &bob }).await.unwrap().unwrap();
    assert!(bob_mark.get_bool("deleted").unwrap() && bob_mark.get("person").is_none(), "the id-only delete was kept: {bob_mark}");
}

#[tokio::test]
async fn a_first_reference_whose_transaction_rolls_back_is_not_remembered() {
    // A PUT, a PATCH or an idempotent create stores its first references in its own transaction.
    // Were the read cache to remember them before the commit, a rollback would leave creates
    // embedding a person that has no entry: no event about that person would ever reach them.
    let config = OrderApp::fresh_config("http://127.0.0.1:9");
    let db = labs_order::mongo::connect(&config.common.mongodb, "test").await.unwrap();
    let cache = Arc::new(ReplicaCache::new(Duration::from_secs(600)));
    let replica = PersonReplica::new(&db).with_cache(cache.clone());
    replica.ensure_indexes().await.unwrap();
    let ada: Person = serde_json::from_value(json!({ "id": "ada", "firstName": "Ada", "lastName": "Lovelace" })).unwrap();
    let resolved = || Resolved {
        by_role: vec![(Role::SoldTo, ada.clone(), 0)],
        fetched: vec![Unreferenced { id: "ada".into(), person: ada.clone(), version: 1, from_mark: false }],
    };

    let mut session = db.client().start_session().await.unwrap();
    session.start_transaction().await.unwrap();
    let mut order = Order::default();
    replica.embed(&mut session, &mut order, &resolved(), &[]).await.unwrap();
    assert_eq!(order.sold_to.as_ref().and_then(|p| p.last_name.as_deref()), Some("Lovelace"), "embedded in the transaction");
    session.abort_transaction().await.unwrap();
    assert!(db.collection::<Document>("persons").find_one(doc! { "_id": "ada" }).await.unwrap().is_none(), "rolled back");
    assert!(cache.get_all(&["ada"]).is_none(), "the rolled-back entry is remembered");

    // Outside a transaction the write is committed when it answers: remembered.
    replica.first_references(resolved()).await.unwrap();
    assert!(cache.get_all(&["ada"]).is_some_and(|held| held["ada"].rev == 1), "a committed first reference is remembered");
}
