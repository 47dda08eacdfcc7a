//! Creates and reads that arrive together share database commands (`mongo::batch`): each still
//! gets its own answer, its own event, and nothing is lost when the service dies mid-stream.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::Duration,
};

use futures::future::join_all;
use labs_order::mongo::batch::{self, BatchingConfig};
use mongodb::bson::{doc, Document, RawDocumentBuf};
use serde_json::Value;

use super::input_for;
use crate::harness::{
    contact_app::{EVENT_WAIT, QUIET_WAIT},
    process::ServiceProcess,
    ContactApp, OrderApp,
};

const AT_ONCE: usize = 48;

#[tokio::test]
async fn orders_posted_at_once_share_insert_commands_and_each_gets_its_own_order_and_one_event() {
    let app = OrderApp::spawn().await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    // The first order brings Ada into the replica; the others are plain creates.
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap();
    let url = format!("{}/api/v1/order", app.url);
    let inserts_before = commands(&app.url, "insert").await;

    let posts = (0..AT_ONCE).map(|_| app.http().post(&url).json(&input_for(&ada)).send());
    let mut ids = BTreeSet::new();
    for response in join_all(posts).await {
        let response = response.unwrap();
        assert_eq!(response.status(), 200);
        let order: Value = response.json().await.unwrap();
        assert_eq!(order["soldTo"]["firstName"], "Ada");
        ids.insert(order["orderID"].as_str().unwrap().to_string());
    }

    assert_eq!(ids.len(), AT_ONCE, "every POST got an order of its own");
    let inserts = commands(&app.url, "insert").await - inserts_before;
    assert!(inserts < AT_ONCE as f64, "{AT_ONCE} creates at once were {inserts} insert commands: none shared one");
    let stored = app.client.find_all_using_get().send().await.unwrap().into_inner();
    assert_eq!(stored.len(), AT_ONCE + 1);
    events.expect(AT_ONCE + 1, EVENT_WAIT).await;
    let published = events.settle(QUIET_WAIT).await;
    let mut per_order: BTreeMap<String, usize> = BTreeMap::new();
    for event in published.iter().filter(|e| e.ty() == "order.created") {
        *per_order.entry(event.data()["orderID"].as_str().unwrap().to_string()).or_default() += 1;
    }
    assert_eq!(published.len(), AT_ONCE + 1, "one event per order, nothing else");
    assert!(ids.iter().all(|id| per_order.get(id) == Some(&1)), "every order's order.created, once: {per_order:?}");
}

#[tokio::test]
async fn orders_read_at_once_share_find_commands_and_each_read_gets_its_own_answer() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap());
    }
    let deleted = ids.pop().unwrap();
    app.client.delete_using_delete().order_id(&deleted).send().await.unwrap();
    let finds_before = commands(&app.url, "find").await;

    // Each live order several times, the deleted one and one never written, all at once.
    let asked: Vec<String> = (0..AT_ONCE)
        .map(|i| {
            if i % 8 == 7 {
                deleted.clone()
            } else if i % 8 == 6 {
                "never-written".into()
            } else {
                ids[i % 3].clone()
            }
        })
        .collect();
    let reads = asked.iter().map(|id| app.http().get(format!("{}/api/v1/order/{id}", app.url)).send());
    let answers = join_all(reads).await;

    for (id, answer) in asked.iter().zip(answers) {
        let answer = answer.unwrap();
        if ids.contains(id) {
            assert_eq!((answer.status().as_u16(), answer.headers()["etag"].to_str().unwrap()), (200, "\"1\""));
            assert_eq!(answer.json::<Value>().await.unwrap()["orderID"], id.as_str());
        } else {
            assert_eq!(answer.status(), 404, "{id}");
            assert_eq!(answer.headers()["content-type"], "application/problem+json");
        }
    }
    let finds = commands(&app.url, "find").await - finds_before;
    assert!(finds < AT_ONCE as f64, "{AT_ONCE} reads at once were {finds} find commands: none shared one");
}

#[tokio::test]
async fn a_document_that_breaks_a_rule_fails_alone_and_the_rest_of_its_batch_is_stored() {
    let db = labs_order::mongo::connect(&OrderApp::fresh_config("http://unused").common.mongodb, "test").await.unwrap();
    let collection = db.collection::<RawDocumentBuf>("batched");
    collection.insert_one(raw(doc! { "_id": "taken" })).await.unwrap();
    // Batches of at most 7: the forty below go in six commands.
    let inserts = batch::inserts(collection.clone(), BatchingConfig { in_flight: 1, max: 7 }, batch::Timer::default());

    // Alone (its own command), then among others: a duplicate `_id` fails by itself.
    let alone = inserts.submit(raw(doc! { "_id": "taken", "i": -1 })).await.unwrap();
    assert!(alone.as_ref().is_err_and(labs_order::mongo::is_duplicate_key), "{alone:?}");
    let docs = (0..40).map(|i| {
        raw(if i % 10 == 5 {
            doc! { "_id": "taken", "i": i }
        } else {
            doc! { "_id": format!("d{i}"), "i": i }
        })
    });
    let outcomes = join_all(docs.map(|d| inserts.submit(d))).await;

    for (i, outcome) in outcomes.into_iter().enumerate() {
        match outcome.unwrap() {
            Ok(()) => assert_ne!(i % 10, 5, "document {i} reused a taken _id yet was stored"),
            Err(e) => assert!(i % 10 == 5 && labs_order::mongo::is_duplicate_key(&e), "document {i}: {e}"),
        }
    }
    let stored = db.collection::<Document>("batched");
    assert_eq!(stored.count_documents(doc! {}).await.unwrap(), 1 + 36);
    let first = stored.find_one(doc! { "_id": "taken" }).await.unwrap().unwrap();
    assert!(!first.contains_key("i"), "the stored document was not replaced");
}

fn raw(doc: Document) -> RawDocumentBuf {
    RawDocumentBuf::from_document(&doc).unwrap()
}

/// `kill -9` while clients keep creating orders: every order a client was told about is stored,
/// every stored order (answered or not) has one `order.created`, published by the instance
/// that stays up.
#[tokio::test]
async fn a_kill_9_while_orders_are_created_at_once_loses_no_answered_order_and_publishes_each_once() {
    let contact = ContactApp::spawn().await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    let app = OrderApp::start(config.clone(), contact).await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap();
    let db = labs_order::mongo::connect(&config.common.mongodb, "test").await.unwrap();
    let orders = db.collection::<Document>("orders");

    let victim = ServiceProcess::order(config.clone()).await;
    let url = format!("{}/api/v1/order", victim.url);
    let http = app.http();
    let clients: Vec<_> = (0..16)
        .map(|_| {
            let (http, url, body) = (http.clone(), url.clone(), input_for(&ada));
            tokio::spawn(async move {
                let mut answered = Vec::new();
                while let Ok(response) = http.post(&url).json(&body).send().await {
                    if response.status() != 200 {
                        break;
                    }
                    let Ok(order) = response.json::<Value>().await else { break };
                    answered.push(order["orderID"].as_str().unwrap().to_string());
                }
                answered
            })
        })
        .collect();
    let started = tokio::time::timeout(EVENT_WAIT, async {
        while orders.count_documents(doc! {}).await.unwrap() < 60 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    started.await.expect("the clients created 60 orders");
    victim.kill();
    let answered: BTreeSet<String> = join_all(clients).await.into_iter().flat_map(Result::unwrap).collect();

    // The in-process instance stays up throughout: its relay publishes what the victim staged.
    // A command the victim sent just before it died may still be carried out after: the orders
    // are counted again once the events have settled.
    let stored = || async {
        let ids = orders.distinct("_id", doc! {}).await.unwrap();
        ids.iter().map(|id| id.as_str().unwrap().to_string()).collect::<BTreeSet<String>>()
    };
    events.expect(stored().await.len(), EVENT_WAIT * 3).await;
    let published = events.settle(QUIET_WAIT).await;
    // Publication is at least once (a relay killed between sending and marking sent sends again);
    // a repeat carries the same event id, which consumers deduplicate by.
    let mut per_order: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for event in &published {
        assert_eq!(event.ty(), "order.created");
        let order_id = event.data()["orderID"].as_str().unwrap().to_string();
        per_order.entry(order_id).or_default().insert(event.event["id"].as_str().unwrap().to_string());
    }
    let stored = stored().await;
    assert!(answered.is_subset(&stored), "answered but not stored: {:?}", answered.difference(&stored).collect::<Vec<_>>());
    assert!(stored.len() >= 60, "the kill came mid-stream");
    let once: BTreeSet<String> = per_order.iter().filter(|(_, ids)| ids.len() == 1).map(|(id, _)| id.clone()).collect();
    assert_eq!(once, stored, "every stored order has one order.created (one event id), and nothing else was published");
}

/// A series of the service's `db_client_operation_duration_seconds_count` on `orders`.
async fn commands(url: &str, operation: &str) -> f64 {
    let text = reqwest::get(format!("{url}/metrics")).await.unwrap().text().await.unwrap();
    crate::bench::counter(&text, &format!(r#"db_client_operation_duration_seconds_count{{operation="{operation}",collection="orders"}} "#))
}
