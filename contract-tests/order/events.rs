//! Order events: one per committed change, keyed by order id, data = the order.

use labs_order_client::order::types::InputOrder;
use serde_json::json;

use super::input_for;
use crate::harness::{
    contact_app::{EVENT_WAIT, QUIET_WAIT},
    OrderApp,
};

#[tokio::test]
async fn create_update_and_delete_publish_order_events_in_order() {
    let app = OrderApp::spawn().await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;

    let order = app.client.create_using_post().x_request_id("order-req-1").body(input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.clone().unwrap();
    let patched = app
        .client
        .delta_update_using_patch()
        .order_id(&id)
        .body(InputOrder { currency_code: Some("EUR".into()), ..InputOrder::default() })
        .send()
        .await
        .unwrap()
        .into_inner();
    app.client.delete_using_delete().order_id(&id).send().await.unwrap();

    let got = events.expect(3, EVENT_WAIT).await;
    let types: Vec<_> = got.iter().map(|e| e.ty()).collect();
    assert_eq!(types, ["order.created", "order.updated", "order.deleted"]);
    assert!(got.iter().all(|e| e.key == id && e.topic == app.config.order_topic));
    assert_eq!(got[0].data(), &serde_json::to_value(&order).unwrap());
    assert_eq!(got[0].event["requestid"], "order-req-1");
    assert_eq!(got[1].data(), &serde_json::to_value(&patched).unwrap());
    assert_eq!(got[2].data(), &json!({ "orderID": id }));
}

#[tokio::test]
async fn order_events_carry_the_callers_trace_in_traceparent() {
    let app = OrderApp::spawn().await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    let caller = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    app.http().post(format!("{}/api/v1/order", app.url)).header("traceparent", caller).json(&input_for(&ada)).send().await.unwrap();
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap();

    // Two orders, two keys: their events may arrive in either order.
    let got = events.expect(2, EVENT_WAIT).await;
    let traces: Vec<&str> = got.iter().map(|e| e.event["traceparent"].as_str().unwrap()).collect();
    let continued: Vec<_> = traces.iter().filter(|t| t.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-")).collect();
    assert_eq!(continued.len(), 1, "{traces:?}");
    assert!(!continued[0].contains("00f067aa0ba902b7"), "a new span id: {traces:?}");
    assert!(traces.iter().all(|t| t.starts_with("00-") && t.len() == 55), "{traces:?}");
}

#[tokio::test]
async fn delete_all_emits_one_delete_event_per_order_and_a_no_op_patch_none() {
    let app = OrderApp::spawn().await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    let a = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner();
    app.client.create_using_post().body(input_for(&ada)).send().await.unwrap();
    app.client.delta_update_using_patch().order_id(a.order_id.clone().unwrap()).body(InputOrder::default()).send().await.unwrap();

    app.client.delete_all_using_delete().send().await.unwrap();

    events.expect(4, EVENT_WAIT).await;
    let got = events.settle(QUIET_WAIT).await;
    let deletes = got.iter().filter(|e| e.ty() == "order.deleted").count();
    assert_eq!((got.len(), deletes), (4, 2));
}

#[tokio::test]
async fn a_person_change_reaches_orderevents_as_one_update_per_order_unless_the_order_was_deleted_first() {
    let contact = crate::harness::ContactApp::spawn_with(|c| c.common.outbox.enabled = false).await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    config.common.outbox.enabled = false; // events wait until the relay below starts
    let app = OrderApp::start(config.clone(), contact).await;
    let mut events = app.order_events();
    let ada = app.person("Ada").await;
    let kept = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let deleted = app.client.create_using_post().body(input_for(&ada)).send().await.unwrap().into_inner().order_id.unwrap();
    let change = json!({ "id": ada, "firstName": "Ada", "lastName": "Byron" });
    let (kafka, topic) = (&app.config.common.kafka.bootstrap_servers, &app.config.person_topics.changed);
    crate::harness::inject(kafka, topic, &ada, &crate::harness::versioned_person_event("person.changed", &ada, 2, Some(change)), &[]).await;
    app.eventually(&kept, EVENT_WAIT, |o| o.ship_to.as_ref().unwrap().last_name.as_deref() == Some("Byron")).await;
    app.client.delete_using_delete().order_id(&deleted).send().await.unwrap();
    let contact = app.stop().await;

    config.common.outbox.enabled = true;
    let _relay = OrderApp::start(config, contact).await;

    events.expect(4, EVENT_WAIT).await;
    let got = events.settle(QUIET_WAIT).await;
    let of = |id: &str| got.iter().filter(|e| e.key == id).map(|e| e.ty().to_string()).collect::<Vec<_>>();
    assert_eq!(of(&kept), ["order.created", "order.updated"], "one update for the person change, all three roles at once");
    assert_eq!(of(&deleted), ["order.created", "order.deleted"], "nothing shows a deleted order as updated");
    let update = got.iter().find(|e| e.key == kept && e.ty() == "order.updated").unwrap();
    assert_eq!(update.data()["billTo"]["lastName"], "Byron");
}
