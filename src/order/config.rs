//! Configuration of the order service (env prefix `ORDER_`).

use serde::{Deserialize, Serialize};

use super::{person_sync::consumer::ConsumerConfig, retention::RetentionConfig};
use crate::{config::Secret, host::CommonSettings, mongo::batch::BatchingConfig, tls::TlsFiles, topics::PersonTopics};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct OrderConfig {
    /// `host`, `port`, `log_level`, `mongodb`, `kafka`, `outbox`, `auth`, `http`, `metrics_address`.
    #[serde(flatten)]
    pub common: CommonSettings,
    /// Topic of the order events.
    pub order_topic: String,
    /// `source` of the published CloudEvents.
    pub event_source: String,
    pub contact: ContactClientConfig,
    /// The person topics this service follows.
    pub person_topics: PersonTopics,
    pub consumer: ConsumerConfig,
    /// How long a write may reuse a person it read from the replica, in milliseconds (0: read
    /// the replica on every write). A stale copy is repaired before its event is published;
    /// see `order::replica::cache`.
    pub replica_cache_ms: u64,
    /// How creates and reads by id share database commands (see `mongo::batch`).
    pub batching: BatchingConfig,
    /// How long dedupe records (handled events, idempotency keys) are kept.
    pub retention: RetentionConfig,
}

/// How the order service calls the contact service; the defaults keep a write under ~2 s
/// when the contact service hangs.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactClientConfig {
    /// Base URL, such as `http://127.0.0.1:8080`.
    pub url: String,
    /// Timeout of one call.
    pub timeout_ms: u64,
    /// Retries after the first attempt, within the budget.
    pub retries: u32,
    /// Upper bound for all attempts of one lookup, backoff included.
    pub budget_ms: u64,
    /// Consecutive failures that open the circuit.
    pub breaker_failures: u32,
    /// How long the circuit stays open before one probe call is let through.
    pub breaker_open_ms: u64,
    /// Client certificate (and the CA of the contact service's internal listener): the order
    /// service's own identity there. Used when `url` is `https://`.
    pub tls: TlsFiles,
    /// A service token for a contact service reached on its public (JWT) listener instead.
    /// End users' tokens are never forwarded.
    pub token: Option<Secret>,
}

impl Default for ContactClientConfig {
    fn default() -> Self {
        Self {
            url: "http://127.0.0.1:8080".into(),
            timeout_ms: 600,
            retries: 2,
            budget_ms: 1500,
            breaker_failures: 5,
            breaker_open_ms: 5000,
            tls: TlsFiles::default(),
            token: None,
        }
    }
}

impl Default for OrderConfig {
    fn default() -> Self {
        Self {
            common: CommonSettings::for_service("order-service", 3000, "orders"),
            order_topic: "orderevents".into(),
            event_source: "http://localhost:3000/api/v1/order".into(),
            contact: ContactClientConfig::default(),
            person_topics: PersonTopics::default(),
            consumer: ConsumerConfig::default(),
            replica_cache_ms: 1000,
            batching: BatchingConfig::default(),
            retention: RetentionConfig::default(),
        }
    }
}

/// Command-line flags and the configuration keys they set.
pub const FLAGS: &[(&str, &str)] =
    &[("--port", "port"), ("--host", "host"), ("--contact-url", "contact.url"), ("--log-level", "log_level")];

impl OrderConfig {
    pub fn validate(&self) -> anyhow::Result<()> {
        self.common.validate()?;
        anyhow::ensure!(
            self.contact.url.starts_with("http://") || self.contact.url.starts_with("https://"),
            "contact.url must be an http(s) URL"
        );
        anyhow::ensure!(
            self.contact.timeout_ms > 0 && self.contact.budget_ms >= self.contact.timeout_ms,
            "contact.budget_ms must be >= contact.timeout_ms > 0"
        );
        self.retention.validate()?;
        self.batching.validate()?;
        Ok(())
    }
}
