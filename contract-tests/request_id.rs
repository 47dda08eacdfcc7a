//! One request id, followed through every hop: the order API, the contact call, the order
//! event; and a person change, through its event, into the order service's log.

use std::time::{Duration, Instant};

use labs_order_client::{contact, order, ClientAuth};
use serde_json::Value;

use crate::harness::{process::ServiceProcess, ContactApp, EventReader, OrderApp};

/// Waits until the log has a line with `needle` whose message is `message`.
async fn logged(service: &ServiceProcess, needle: &str, message: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        if let Some(line) = service.log_lines_with(needle).into_iter().find(|l| l["message"] == message) {
            return line;
        }
        assert!(Instant::now() < deadline, "no {message:?} line with {needle}: {:#?}", service.log_lines_with(needle));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_request_id_follows_the_order_and_the_person_change_through_every_hop() {
    let contact_config = ContactApp::fresh_config();
    let contact = ServiceProcess::logged(env!("CARGO_BIN_EXE_contact-service"), serde_json::to_value(&contact_config).unwrap()).await;
    let mut order_config = OrderApp::fresh_config(&contact.url);
    order_config.person_topics = contact_config.topics.clone();
    let orders = ServiceProcess::logged(env!("CARGO_BIN_EXE_order-service"), serde_json::to_value(&order_config).unwrap()).await;
    let contacts = contact::Client::new(&contact.url, ClientAuth::bearer(crate::harness::auth::full_token()));
    let order_client = order::Client::new(&orders.url, ClientAuth::bearer(crate::harness::auth::full_token()));
    let mut order_events = EventReader::new(&order_config.common.kafka.bootstrap_servers, &[&order_config.order_topic], 3);

    let person = contacts
        .create_using_post()
        .body(contact::types::Person { first_name: Some("Ada".into()), ..Default::default() })
        .send()
        .await
        .unwrap();
    let person_id = person.into_inner().id.unwrap();
    let input = order::types::InputOrder { sold_to_id: Some(person_id.clone()), ..Default::default() };
    order_client.create_using_post().x_request_id("trace-order-1").body(input).send().await.unwrap();

    // The order service's request, its call to the contact service, and the order event.
    let served = logged(&orders, "trace-order-1", "request finished").await;
    assert_eq!(served["span"]["route"], "/api/v1/order");
    let called = logged(&contact, "trace-order-1", "request finished").await;
    assert_eq!(called["span"]["route"], "/api/v1/person/{id}", "the contact call carried the id");
    assert_eq!(order_events.expect(1, Duration::from_secs(20)).await[0].event["requestid"], "trace-order-1");

    // A person change: the PATCH, its event, and the order service applying it.
    contacts
        .delta_update_using_patch()
        .id(&person_id)
        .x_request_id("trace-person-2")
        .body(contact::types::Person { last_name: Some("King".into()), ..Default::default() })
        .send()
        .await
        .unwrap();
    logged(&contact, "trace-person-2", "request finished").await;
    let applied = logged(&orders, "trace-person-2", "person event handled").await;
    assert_eq!(applied["outcome"], "applied");
    assert_eq!(applied["span"]["person_id"], person_id.as_str());
}
