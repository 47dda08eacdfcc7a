//! The harness's own testcontainers fixture (harness/containers.rs, as plain `cargo test`
//! starts it in each test process), whichever servers the rest of the suite runs on (`cargo
//! xtask test` starts one pair for the whole run with `labs-dev containers`): both services on
//! MongoDB and Kafka in containers, a write that is a transaction on the replica set, and a
//! person event the order follows. Skipped, saying so, when no Docker engine answers.

use std::time::{Duration, Instant};

use labs_order_client::contact::types::Person;

use crate::harness::{containers, ContactApp, OrderApp};

#[tokio::test]
async fn services_run_on_mongo_and_kafka_containers_of_the_fixture() {
    if !containers::docker_answers() {
        eprintln!("SKIPPED containers test: no Docker engine answers (`docker info` fails)");
        return;
    }
    crate::harness::infra::infra(); // logging and TLS provider
    let c = containers::shared();
    let contact = ContactApp::spawn_with(|config| {
        config.common.mongodb.uri = labs_order::config::Secret::new(&c.mongo_uri);
        config.common.kafka.bootstrap_servers = c.kafka_bootstrap.clone();
    })
    .await;
    let mut config = OrderApp::fresh_config(&contact.url);
    config.person_topics = contact.config.topics.clone();
    config.common.mongodb.uri = labs_order::config::Secret::new(&c.mongo_uri);
    config.common.kafka.bootstrap_servers = c.kafka_bootstrap.clone();
    let app = OrderApp::start(config, contact).await;

    let ada = Person { first_name: Some("Ada".into()), last_name: Some("Lovelace".into()), ..Default::default() };
    let ada = app.contact.client.create_using_post().body(ada).send().await.unwrap().into_inner().id.unwrap();
    let input = labs_order_client::order::types::InputOrder { sold_to_id: Some(ada.clone()), ..Default::default() };
    let order = app.client.create_using_post().body(input).send().await.unwrap().into_inner();
    let order_id = order.order_id.unwrap();

    let change = Person { last_name: Some("King".into()), ..Default::default() };
    app.contact.client.delta_update_using_patch().id(&ada).body(change).send().await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let current = app.client.read_using_get().order_id(&order_id).send().await.unwrap().into_inner();
        if current.sold_to.as_ref().and_then(|p| p.last_name.as_deref()) == Some("King") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the order never followed the person change on {} / {}: {current:?}",
            c.mongo_image,
            c.kafka_image
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
