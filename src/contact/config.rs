//! Configuration of the contact service (env prefix `CONTACT_`).

use serde::{Deserialize, Serialize};

use crate::host::{CommonSettings, InternalListener};
pub use crate::topics::PersonTopics;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ContactConfig {
    /// `host`, `port`, `log_level`, `mongodb`, `kafka`, `outbox`, `auth`, `http`, `metrics_address`.
    #[serde(flatten)]
    pub common: CommonSettings,
    pub topics: PersonTopics,
    /// `source` of the published CloudEvents: this service's public URL.
    pub event_source: String,
    /// On start, create fake persons until the store holds at least this many.
    pub seed_persons: u64,
    /// Every REST call first sleeps a random time between 0 and this many seconds.
    pub max_latency_secs: f64,
    /// The contact API for services, authenticated by their client certificate instead of a
    /// JWT; what a verified client may do: read persons, nothing else, unless configured.
    pub internal: InternalListener,
}

impl Default for ContactConfig {
    fn default() -> Self {
        Self {
            common: CommonSettings::for_service("contact-service", 8080, "contacts"),
            topics: PersonTopics::default(),
            event_source: "http://localhost:8080/api/v1/person".into(),
            seed_persons: 0,
            max_latency_secs: 0.0,
            internal: InternalListener { scopes: vec!["persons:read".into()], ..InternalListener::default() },
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
        anyhow::ensure!(!self.common.kafka.bootstrap_servers.is_empty(), "kafka.bootstrap_servers must not be empty");
        self.common.validate()?;
        self.internal.validate()
    }
}
