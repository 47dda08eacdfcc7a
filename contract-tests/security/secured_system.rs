//! The whole system with every lock on, as `cargo xtask up` runs it: both services as real
//! processes with their own database users, Kafka over SASL_SSL with their own broker users,
//! the order service reaching the contact service over mutual TLS, end users with tokens.

use std::time::{Duration, Instant};

use labs_order::{config::Secret, tls::TlsFiles};
use labs_order_client::{contact, order, ClientAuth};

use crate::harness::{
    auth::full_token,
    infra::{secured as stand_ins, standins},
    process::ServiceProcess,
    secured::secured,
    ContactApp, OrderApp,
};

/// The typed settings `cargo xtask up` uses (no raw librdkafka properties).
fn sasl_ssl(kafka: &mut labs_order::kafka::KafkaConfig, user: &stand_ins::User) {
    kafka.bootstrap_servers = secured().kafka_bootstrap.clone();
    kafka.security_protocol = "SASL_SSL".into();
    kafka.username = user.name.clone();
    kafka.password = Some(Secret::new(&user.password));
    kafka.ca_file = secured().ca_file().display().to_string();
}

#[tokio::test]
async fn the_system_runs_on_database_users_sasl_ssl_kafka_and_mutual_tls_and_never_logs_a_secret() {
    let s = secured();
    let internal_port = standins::free_port();

    let mut contact_config = ContactApp::fresh_config();
    contact_config.common.mongodb.uri = Secret::new(s.mongo_uri(&s.mongo_contact));
    contact_config.common.mongodb.database = "contacts".into();
    sasl_ssl(&mut contact_config.common.kafka, &s.kafka_contact);
    contact_config.internal.enabled = true;
    contact_config.internal.port = internal_port;
    contact_config.internal.tls =
        TlsFiles { cert_file: s.file("contact-service.pem"), key_file: s.file("contact-service-key.pem"), ca_file: s.file("ca.pem") };
    let contact_service =
        ServiceProcess::logged(env!("CARGO_BIN_EXE_contact-service"), serde_json::to_value(&contact_config).unwrap()).await;

    let mut order_config = OrderApp::fresh_config(&format!("https://localhost:{internal_port}"));
    order_config.common.mongodb.uri = Secret::new(s.mongo_uri(&s.mongo_order));
    order_config.common.mongodb.database = "orders".into();
    sasl_ssl(&mut order_config.common.kafka, &s.kafka_order);
    order_config.person_topics = contact_config.topics.clone();
    order_config.contact.token = None;
    order_config.contact.tls =
        TlsFiles { cert_file: s.file("order-service.pem"), key_file: s.file("order-service-key.pem"), ca_file: s.file("ca.pem") };
    let order_service = ServiceProcess::logged(env!("CARGO_BIN_EXE_order-service"), serde_json::to_value(&order_config).unwrap()).await;

    let token = full_token();
    let contacts = contact::Client::new(&contact_service.url, ClientAuth::bearer(&token));
    let orders = order::Client::new(&order_service.url, ClientAuth::bearer(&token));
    let ada = contact::types::Person { first_name: Some("Ada".into()), last_name: Some("Lovelace".into()), ..Default::default() };
    let ada = contacts.create_using_post().body(ada).send().await.unwrap().into_inner().id.unwrap();
    let input = order::types::InputOrder { sold_to_id: Some(ada.clone()), ..Default::default() };
    let order = orders.create_using_post().body(input).send().await.unwrap().into_inner();
    assert_eq!(order.sold_to.unwrap().last_name.as_deref(), Some("Lovelace"), "looked up over mutual TLS");

    let change = contact::types::Person { last_name: Some("King".into()), ..Default::default() };
    contacts.delta_update_using_patch().id(&ada).body(change).send().await.unwrap();
    let order_id = order.order_id.unwrap();
    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let current = orders.read_using_get().order_id(&order_id).send().await.unwrap().into_inner();
        if current.sold_to.as_ref().and_then(|p| p.last_name.as_deref()) == Some("King") {
            break;
        }
        assert!(Instant::now() < deadline, "the person change never arrived over SASL_SSL: {current:?}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // Nothing secret in what the services print or expose.
    let key_line = |name: &str| std::fs::read_to_string(s.pki_dir.join(name)).unwrap().lines().nth(1).unwrap().to_string();
    let secrets = [
        ("database password (orders)", s.mongo_order.password.clone()),
        ("database password (contacts)", s.mongo_contact.password.clone()),
        ("database admin password", s.mongo_admin_password.clone()),
        ("broker password (orders)", s.kafka_order.password.clone()),
        ("broker password (contacts)", s.kafka_contact.password.clone()),
        ("bearer token", token.clone()),
        ("bearer token signature", token.rsplit('.').next().unwrap().to_string()),
        ("order service private key", key_line("order-service-key.pem")),
        ("contact service private key", key_line("contact-service-key.pem")),
    ];
    let mut exposed = String::new();
    for service in [&contact_service, &order_service] {
        exposed.push_str(&std::fs::read_to_string(service.log.as_ref().unwrap()).unwrap());
        exposed.push_str(&reqwest::get(format!("{}/metrics", service.url)).await.unwrap().text().await.unwrap());
    }
    assert!(exposed.len() > 1000, "the logs and metrics were captured");
    for (what, secret) in secrets {
        assert!(!exposed.contains(&secret), "the {what} appears in a log or in /metrics");
    }
}
