//! All or nothing: a failing step inside a write's transaction leaves nothing behind, and order
//! events written before a crash are published after it.

use mongodb::{
    bson::{doc, Document},
    IndexModel,
};

use super::input_for;
use crate::harness::{
    contact_app::{EVENT_WAIT, QUIET_WAIT},
    OrderApp,
};

#[tokio::test]
async fn a_failure_inside_the_transaction_rolls_back_the_order_the_replica_and_the_idempotency_record() {
    let app = OrderApp::spawn().await;
    let ada = app.person("Ada").await;
    let db = labs_order::mongo::connect(&app.config.common.mongodb, "test").await.unwrap();
    let keys = db.collection::<Document>("idempotency_keys");
    // Inject the failure: a unique index that the idempotency record (the last step, after the
    // replica entry and the order with its staged event) violates.
    keys.create_index(
        IndexModel::builder()
            .keys(doc! { "version": 1 })
            .options(mongodb::options::IndexOptions::builder().unique(true).name("inject_failure".to_string()).build())
            .build(),
    )
    .await
    .unwrap();
    keys.insert_one(doc! { "_id": "blocker", "version": 1_i64 }).await.unwrap();

    let failed =
        app.http().post(format!("{}/api/v1/order", app.url)).header("idempotency-key", "k-1").json(&input_for(&ada)).send().await.unwrap();

    // A duplicate key that reaches the edge is a conflict, told without the database's message.
    assert_eq!(failed.status(), 409);
    let problem: serde_json::Value = failed.json().await.unwrap();
    assert!(!problem["detail"].as_str().unwrap().contains("E11000"), "the database's message stays in the log: {problem}");
    for collection in ["orders", "persons"] {
        assert_eq!(db.collection::<Document>(collection).count_documents(doc! {}).await.unwrap(), 0, "{collection} kept a partial write");
    }
    assert_eq!(keys.count_documents(doc! { "_id": "k-1" }).await.unwrap(), 0, "the idempotency record was kept");

    keys.drop_index("inject_failure").await.unwrap();
    let retried =
        app.http().post(format!("{}/api/v1/order", app.url)).header("idempotency-key", "k-1").json(&input_for(&ada)).send().await.unwrap();
    assert_eq!(retried.status(), 200, "the same key works once the failure is gone");
    assert_eq!(db.collection::<Document>("orders").count_documents(doc! {}).await.unwrap(), 1);
}

#[tokio::test]
async fn order_events_committed_before_a_crash_are_published_after_restart() {
    let contact = crate::harness::ContactApp::spawn().await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.common.outbox.enabled = false; // dies before its relay publishes anything
    let crashed = OrderApp::start(config.clone(), contact).await;
    let mut events = crashed.order_events();
    let ada = crashed.person("Ada").await;
    let order = crashed.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    crashed.client.delete_using_delete().order_id(order.order_id.clone().unwrap()).send().await.unwrap();
    assert!(events.settle(QUIET_WAIT).await.is_empty());
    let contact = crashed.stop().await;

    config.common.outbox.enabled = true;
    let _restarted = OrderApp::start(config, contact).await;

    events.expect(2, EVENT_WAIT).await;
    let got = events.settle(QUIET_WAIT).await;
    let types: Vec<_> = got.iter().map(|e| e.ty()).collect();
    assert_eq!(types, ["order.created", "order.deleted"]);
}
