//! Both services' configuration keys: the settings every service shares are one struct
//! (`host::CommonSettings`, flattened), but the keys, variables, flags and defaults are each
//! service's own, exactly as before, and secrets never print.

use labs_order::{config, contact::ContactConfig, order::OrderConfig};
use serde_json::Value;

fn top_level_keys(config: &impl serde::Serialize) -> Vec<String> {
    let mut keys: Vec<String> = serde_json::to_value(config).unwrap().as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[test]
fn the_order_service_keeps_its_keys_and_defaults() {
    let keys = [
        "auth", "consumer", "contact", "event_source", "host", "http", "kafka", "log_level", "metrics_address", "mongodb", "order_topic",
        "outbox", "person_topics", "port", "replica_cache_ms", "retention",
    ];
    assert_eq!(top_level_keys(&OrderConfig::default()), keys);
    let defaults = serde_json::to_value(OrderConfig::default()).unwrap();
    assert_eq!((&defaults["host"], &defaults["port"], &defaults["log_level"]), (&Value::from("127.0.0.1"), &Value::from(3000), &Value::from("info")));
    assert_eq!((&defaults["mongodb"]["database"], &defaults["auth"]["audience"]), (&Value::from("orders"), &Value::from("order-service")));
}

#[test]
fn the_contact_service_keeps_its_keys_and_defaults() {
    let keys = [
        "auth", "event_source", "host", "http", "internal", "kafka", "log_level", "max_latency_secs", "metrics_address", "mongodb", "outbox",
        "port", "seed_persons", "topics",
    ];
    assert_eq!(top_level_keys(&ContactConfig::default()), keys);
    let defaults = serde_json::to_value(ContactConfig::default()).unwrap();
    assert_eq!((&defaults["host"], &defaults["port"], &defaults["log_level"]), (&Value::from("127.0.0.1"), &Value::from(8080), &Value::from("info")));
    assert_eq!((&defaults["mongodb"]["database"], &defaults["auth"]["audience"]), (&Value::from("contacts"), &Value::from("contact-service")));
}

#[test]
fn shared_settings_come_from_the_services_own_variables_and_flags() {
    // A prefix of this test's own, so no other test sees the variables.
    std::env::set_var("CONFIGKEYSTEST_PORT", "3111");
    std::env::set_var("CONFIGKEYSTEST_MONGODB__DATABASE", "orders_from_env");
    std::env::set_var("CONFIGKEYSTEST_HTTP__REQUEST_TIMEOUT_MS", "1234");
    let args = ["order-service", "--host", "0.0.0.0", "--log-level", "debug", "--contact-url", "http://c:1"].map(String::from);
    let (file, overrides) = config::parse_args(args.into_iter(), labs_order::order::config::FLAGS).unwrap();
    let order: OrderConfig = config::load("configkeystest", file.as_deref(), &overrides).unwrap();
    assert_eq!((order.common.port, order.common.mongodb.database.as_str()), (3111, "orders_from_env"));
    assert_eq!((order.common.host.as_str(), order.common.log_level.as_str()), ("0.0.0.0", "debug"));
    assert_eq!((order.common.http.request_timeout_ms, order.contact.url.as_str()), (1234, "http://c:1"));

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
