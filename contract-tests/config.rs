//! Both services' configuration keys: the settings every service shares are one struct
//! (`host::CommonSettings`, flattened), but the keys, variables, flags and defaults are each
//! service's own, exactly as before, and secrets never print.

use labs_order::{config, contact::ContactConfig, order::OrderConfig};
use serde_json::Value;

/// The sorted top-level keys, and the defaults of the shared settings that differ per service.
fn assert_keys_and_defaults(config: &impl serde::Serialize, keys: &[&str], port: u16, database: &str, audience: &str) {
    let defaults = serde_json::to_value(config).unwrap();
    let mut found: Vec<&str> = defaults.as_object().unwrap().keys().map(String::as_str).collect();
    found.sort_unstable();
    assert_eq!(found, keys);
    let shared =
        [&defaults["host"], &defaults["port"], &defaults["log_level"], &defaults["mongodb"]["database"], &defaults["auth"]["audience"]];
    assert_eq!(
        shared,
        [&Value::from("127.0.0.1"), &Value::from(port), &Value::from("info"), &Value::from(database), &Value::from(audience)]
    );
}

#[test]
fn the_order_service_keeps_its_keys_and_defaults() {
    let keys = [
        "auth",
        "batching",
        "consumer",
        "contact",
        "event_source",
        "host",
        "http",
        "kafka",
        "log_level",
        "metrics_address",
        "mongodb",
        "order_topic",
        "outbox",
        "person_topics",
        "port",
        "replica_cache_ms",
        "retention",
        "worker_threads",
    ];
    assert_keys_and_defaults(&OrderConfig::default(), &keys, 3000, "orders", "order-service");
}

#[test]
fn the_contact_service_keeps_its_keys_and_defaults() {
    let keys = [
        "auth",
        "event_source",
        "host",
        "http",
        "internal",
        "kafka",
        "log_level",
        "max_latency_secs",
        "metrics_address",
        "mongodb",
        "outbox",
        "port",
        "seed_persons",
        "topics",
        "worker_threads",
    ];
    assert_keys_and_defaults(&ContactConfig::default(), &keys, 8080, "contacts", "contact-service");
}

#[test]
fn shared_settings_come_from_the_services_own_variables_and_flags() {
    // A prefix of this test's own, so no other test sees the variables.
    std::env::set_var("CONFIGKEYSTEST_PORT", "3111");
    std::env::set_var("CONFIGKEYSTEST_MONGODB__DATABASE", "orders_from_env");
    std::env::set_var("CONFIGKEYSTEST_HTTP__REQUEST_TIMEOUT_MS", "1234");
    std::env::set_var("CONFIGKEYSTEST_WORKER_THREADS", "3");
    let args = ["order-service", "--host", "0.0.0.0", "--log-level", "debug", "--contact-url", "http://c:1"].map(String::from);
    let (file, overrides) = config::parse_args(args.into_iter(), labs_order::order::config::FLAGS).unwrap();
    let order: OrderConfig = config::load("configkeystest", file.as_deref(), &overrides).unwrap();
    assert_eq!((order.common.port, order.common.mongodb.database.as_str()), (3111, "orders_from_env"));
    assert_eq!((order.common.host.as_str(), order.common.log_level.as_str()), ("0.0.0.0", "debug"));
    assert_eq!((order.common.http.request_timeout_ms, order.contact.url.as_str()), (1234, "http://c:1"));
    assert_eq!(order.common.worker_threads(), 3, "an explicit worker count");
    assert!(OrderConfig::default().common.worker_threads() >= 1, "automatic: at least one");

    let args = ["contact-service", "--port", "8181", "--persons", "3"].map(String::from);
    let (file, overrides) = config::parse_args(args.into_iter(), labs_order::contact::config::FLAGS).unwrap();
    let contact: ContactConfig = config::load("configkeystest", file.as_deref(), &overrides).unwrap();
    assert_eq!((contact.common.port, contact.seed_persons, contact.common.mongodb.database.as_str()), (8181, 3, "orders_from_env"));
}

#[test]
fn secrets_in_shared_settings_never_print() {
    let mut order = OrderConfig::default();
    order.common.mongodb.uri = config::Secret::new("mongodb://u:order-pw@h/?replicaSet=rs");
    order.common.auth.hs256_secret = Some(config::Secret::new("order-hs-secret"));
    let printed = format!("{order:?}");
    assert!(!printed.contains("order-pw") && !printed.contains("order-hs-secret"), "{printed}");
    let mut contact = ContactConfig::default();
    contact.common.mongodb.uri = config::Secret::new("mongodb://u:contact-pw@h/?replicaSet=rs");
    assert!(!format!("{contact:?}").contains("contact-pw"));
}
