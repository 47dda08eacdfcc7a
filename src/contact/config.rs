//! Configuration of the contact service (env prefix `CONTACT_`).

use serde::{Deserialize, Serialize};

pub use crate::topics::PersonTopics;
use crate::{kafka::KafkaConfig, mongo::MongoConfig, outbox::RelayConfig};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactConfig {
    pub host: String,
    pub port: u16,
    pub log_level: String,
    pub mongodb: MongoConfig,
    pub kafka: KafkaConfig,
    pub topics: PersonTopics,
    /// `source` of the published CloudEvents: this service's public URL.
    pub event_source: String,
    /// On start, create fake persons until the store holds at least this many.
    pub seed_persons: u64,
    /// Every REST call first sleeps a random time between 0 and this many seconds.
    pub max_latency_secs: f64,
    pub outbox: RelayConfig,
}

impl Default for ContactConfig {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            log_level: "info".into(),
            mongodb: MongoConfig { database: "contacts".into(), ..MongoConfig::default() },
            kafka: KafkaConfig::default(),
            topics: PersonTopics::default(),
            event_source: "http://localhost:8080/api/v1/person".into(),
            seed_persons: 0,
            max_latency_secs: 0.0,
            outbox: RelayConfig::default(),
        }
    }
}

/// Command-line flags and the configuration keys they set.
pub const FLAGS: &[(&str, &str)] = &[
    ("--port", "port"),
    ("--host", "host"),
    ("--persons", "seed_persons"),
    ("--max-latency", "max_latency_secs"),
    ("--log-level", "log_level"),
];

impl ContactConfig {
    /// Refuses settings the service cannot run with, naming the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(self.max_latency_secs >= 0.0 && self.max_latency_secs.is_finite(), "max_latency_secs must be >= 0");
        anyhow::ensure!(!self.mongodb.database.is_empty(), "mongodb.database must not be empty");
        anyhow::ensure!(!self.kafka.bootstrap_servers.is_empty(), "kafka.bootstrap_servers must not be empty");
        Ok(())
    }
}
