//! Kafka over TLS with SCRAM-SHA-512: each service's user gets in; a wrong password, a client
//! without TLS and a client that does not trust our CA do not.

use std::{collections::BTreeMap, time::Duration};

use labs_order::{config::Secret, kafka::KafkaConfig};
use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    producer::FutureRecord,
    ClientConfig,
};

use crate::harness::{infra::secured as stand_ins, secured::secured, unique_suffix};

fn config(properties: Vec<(&'static str, String)>) -> KafkaConfig {
    let properties: BTreeMap<String, Secret> = properties.into_iter().map(|(k, v)| (k.to_string(), Secret::new(v))).collect();
    KafkaConfig { bootstrap_servers: secured().kafka_bootstrap.clone(), properties, partitions: 1, ..KafkaConfig::default() }
}

/// Whether a client with these settings can read the cluster's metadata.
async fn can_connect(kafka: KafkaConfig) -> Result<(), String> {
    tokio::task::spawn_blocking(move || {
        let mut client: ClientConfig = kafka.client_config();
        client.set("group.id", "probe");
        let consumer: BaseConsumer = client.create().map_err(|e| e.to_string())?;
        consumer.fetch_metadata(None, Duration::from_secs(6)).map(drop).map_err(|e| e.to_string())
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn each_service_user_gets_in_over_tls_and_everything_else_is_refused() {
    let s = secured();
    let ca = s.ca_file();
    for user in [&s.kafka_order, &s.kafka_contact] {
        let kafka = config(stand_ins::kafka_client_properties(user, &ca));
        let topic = format!("sasl-probe-{}", unique_suffix());
        kafka.ensure_topics(&[&topic]).await.expect("topics can be created");
        let producer = kafka.producer().unwrap();
        let sent = producer.send(FutureRecord::to(&topic).key("k").payload("hello"), Duration::from_secs(10)).await;
        assert!(sent.is_ok(), "{} can produce: {sent:?}", user.name);
    }

    let wrong = stand_ins::User { password: "not-the-password".into(), ..s.kafka_order.clone() };
    let unknown = stand_ins::User { name: "nobody".into(), ..s.kafka_order.clone() };
    let mut no_ca = stand_ins::kafka_client_properties(&s.kafka_order, &ca);
    no_ca.retain(|(k, _)| *k != "ssl.ca.location");
    let cases = [
        ("a wrong password", stand_ins::kafka_client_properties(&wrong, &ca)),
        ("an unknown user", stand_ins::kafka_client_properties(&unknown, &ca)),
        ("plaintext", vec![("security.protocol", "PLAINTEXT".to_string())]),
        ("SCRAM without TLS", {
            let mut p = stand_ins::kafka_client_properties(&s.kafka_order, &ca);
            p[0].1 = "SASL_PLAINTEXT".into();
            p
        }),
        ("TLS without SCRAM", vec![("security.protocol", "SSL".to_string()), ("ssl.ca.location", ca.display().to_string())]),
        ("a client that does not trust our CA", no_ca),
    ];
    let probes = cases.into_iter().map(|(case, props)| async move { (case, can_connect(config(props)).await) });
    for (case, result) in futures::future::join_all(probes).await {
        assert!(result.is_err(), "{case} must be refused");
    }
    assert!(can_connect(config(stand_ins::kafka_client_properties(&s.kafka_order, &ca))).await.is_ok(), "the control case");
}

#[tokio::test]
async fn a_service_with_a_wrong_broker_password_refuses_to_start_without_printing_it() {
    let s = secured();
    let mut contact = crate::harness::ContactApp::fresh_config();
    let wrong = stand_ins::User { password: "wrong-broker-password".into(), ..s.kafka_contact.clone() };
    contact.common.kafka = config(stand_ins::kafka_client_properties(&wrong, &s.ca_file()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let err = labs_order::contact::build(contact, listener).await.err().expect("refused");
    assert!(!format!("{err:#}").contains("wrong-broker-password"), "{err:#}");
}
