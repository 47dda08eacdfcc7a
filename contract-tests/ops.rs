//! Operating the services: health, readiness against a database that goes away and comes back,
//! the served spec, and metrics after a scripted workload.

use std::time::Duration;

use labs_order_client::contact::types::Person;
use serde_json::Value;

use crate::harness::{own_server::OwnServer, ContactApp, OrderApp};

async fn get(url: &str) -> (u16, String) {
    let r = reqwest::get(url).await.unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// The value of one series in a Prometheus text exposition.
fn series(text: &str, name_and_labels: &str) -> Option<f64> {
    text.lines().find(|l| l.starts_with(name_and_labels)).and_then(|l| l.rsplit(' ').next()).and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn both_services_are_live_ready_and_serve_their_own_spec() {
    let app = OrderApp::spawn().await;
    for (url, spec_file) in [(&app.url, "spec/order-service.yaml"), (&app.contact.url, "spec/contact-service.yaml")] {
        assert_eq!(get(&format!("{url}/health/live")).await.0, 200);
        let (status, body) = get(&format!("{url}/health/ready")).await;
        assert_eq!(status, 200, "{body}");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["checks"], serde_json::json!({ "mongodb": "up", "kafka": "up" }));
        let served: Value = reqwest::get(format!("{url}/openapi.json")).await.unwrap().json().await.unwrap();
        let path = format!("{}/{spec_file}", env!("CARGO_MANIFEST_DIR"));
        let mut file: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        file["servers"].as_array_mut().unwrap().insert(0, serde_json::json!({ "url": "/", "description": "This instance" }));
        assert!(served == file, "{spec_file} is what is served, this instance first among the servers");
    }
}

#[tokio::test]
async fn readiness_turns_503_while_the_database_is_down_and_recovers_without_a_restart() {
    // Its own database, to stop: a container where the suite runs on containers.
    crate::harness::infra::infra(); // logging and TLS provider
    let dir = std::env::temp_dir().join(format!("ready-{}", crate::harness::unique_suffix()));
    let mut mongo = OwnServer::mongo(&dir).await;
    let app = ContactApp::spawn_with(|c| c.common.mongodb.uri = labs_order::config::Secret::new(mongo.mongo_uri())).await;
    assert_eq!(get(&format!("{}/health/ready", app.url)).await.0, 200);

    mongo.stop().await;
    let (status, body) = get(&format!("{}/health/ready", app.url)).await;
    assert_eq!(status, 503, "{body}");
    let problem: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(problem["checks"]["mongodb"], "down");
    assert!(problem["detail"].as_str().unwrap().contains("mongodb"));
    assert_eq!(get(&format!("{}/health/live", app.url)).await.0, 200, "alive all the same");

    mongo.start().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while get(&format!("{}/health/ready", app.url)).await.0 != 200 {
        assert!(std::time::Instant::now() < deadline, "never ready again");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert_eq!(app.client.count_using_get().send().await.unwrap().status().as_u16(), 200);
    mongo.stop_process();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn metrics_show_requests_database_calls_contact_failures_events_and_active_orders() {
    let app = OrderApp::spawn().await;
    let fresh = get(&format!("{}/metrics", app.url)).await.1;
    for reason in ["timeout", "connect", "status", "circuit_open"] {
        assert_eq!(
            series(&fresh, &format!("contact_client_requests_failed_total{{reason=\"{reason}\"}}")),
            Some(0.0),
            "{reason} exported at 0"
        );
    }

    let ada = app.person("Ada").await;
    let order = app.client.create_using_post().body(super::order::input_for(&ada)).send().await.unwrap().into_inner();
    let id = order.order_id.unwrap();
    app.client.read_using_get().order_id(&id).send().await.unwrap();
    app.client.create_using_post().body(super::order::input_for(&ada)).send().await.unwrap();
    app.client.create_using_post().body(super::order::input_for("nobody")).send().await.unwrap_err(); // a 404, not a failure
    app.contact
        .client
        .delta_update_using_patch()
        .id(&ada)
        .body(Person { last_name: Some("King".into()), ..Person::default() })
        .send()
        .await
        .unwrap();
    app.eventually(&id, Duration::from_secs(40), |o| o.sold_to.as_ref().and_then(|p| p.last_name.as_deref()) == Some("King")).await;

    let text = get(&format!("{}/metrics", app.url)).await.1;
    assert!(
        series(&text, r#"http_server_request_duration_seconds_count{method="GET",route="/api/v1/order/{orderID}",status="200"}"#).unwrap()
            >= 2.0,
        "{text}"
    );
    assert!(
        series(&text, r#"http_server_request_duration_seconds_count{method="POST",route="/api/v1/order",status="422"}"#).unwrap() >= 1.0
    );
    assert!(!text.contains(&format!("route=\"/api/v1/order/{id}\"")), "never the raw path");
    assert!(
        series(&text, r#"db_client_operation_duration_seconds_count{operation="update",collection="orders"}"#).unwrap() >= 2.0,
        "{text}"
    );
    assert!(series(&text, r#"db_client_operation_duration_seconds_count{operation="find",collection="orders"}"#).unwrap() >= 1.0);
    assert_eq!(series(&text, "orders_active "), Some(2.0));
    assert!(series(&text, r#"person_events_handled_total{outcome="applied"}"#).unwrap() >= 1.0);
    assert_eq!(series(&text, r#"contact_client_requests_failed_total{reason="connect"}"#), Some(0.0), "a 404 is an answer");
    assert!(
        text.contains("outbox_backlog ")
            && text.contains("outbox_oldest_unsent_age_seconds ")
            && text.contains("mongo_transaction_retries_total ")
    );

    // Consumer lag comes from librdkafka statistics every few seconds.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        let text = get(&format!("{}/metrics", app.url)).await.1;
        let topic = &app.config.person_topics.changed;
        if let Some(lag) = text.lines().find(|l| l.starts_with("kafka_consumer_lag{") && l.contains(topic.as_str())) {
            assert!(lag.ends_with(" 0"), "caught up: {lag}");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "no kafka_consumer_lag series: {text}");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    app.client.delete_all_using_delete().send().await.unwrap();
    let contact_url = app.contact.url.clone();
    let after = get(&format!("{}/metrics", app.url)).await.1;
    assert_eq!(series(&after, "orders_active "), Some(0.0), "right after a bulk delete");
    let contact = app.stop().await;
    contact.stop().await;
    let mut config = OrderApp::fresh_config(&contact_url);
    config.contact.retries = 0;
    let down = OrderApp::start(config, ContactApp::detached()).await;
    down.client.create_using_post().body(super::order::input_for("someone")).send().await.unwrap_err();
    let text = get(&format!("{}/metrics", down.url)).await.1;
    assert_eq!(series(&text, r#"contact_client_requests_failed_total{reason="connect"}"#), Some(1.0), "{text}");
}
