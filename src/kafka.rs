//! Kafka clients from configuration: the bootstrap servers plus any librdkafka properties
//! (security.protocol, sasl.*, ssl.*), which are treated as secrets.

use std::{collections::BTreeMap, time::Duration};

use rdkafka::{
    admin::{AdminClient, AdminOptions, NewTopic, TopicReplication},
    client::DefaultClientContext,
    producer::FutureProducer,
    types::RDKafkaErrorCode,
    ClientConfig,
};
use serde::{Deserialize, Serialize};

use crate::config::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct KafkaConfig {
    pub bootstrap_servers: String,
    /// `PLAINTEXT` (default) or `SASL_SSL` (TLS with SCRAM, as `cargo xtask up` runs it).
    pub security_protocol: String,
    /// With SASL: `SCRAM-SHA-512` (default) or `SCRAM-SHA-256`.
    pub sasl_mechanism: String,
    pub username: String,
    /// Set it through `<SERVICE>_KAFKA__PASSWORD_FILE` rather than in a file or argument.
    pub password: Option<Secret>,
    /// PEM file of the CA that signs the brokers' certificates (empty: the system's roots).
    pub ca_file: String,
    /// Extra librdkafka client properties, applied to every client.
    pub properties: BTreeMap<String, Secret>,
    /// Partitions of the topics this service creates when they are missing.
    pub partitions: i32,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self {
            bootstrap_servers: "127.0.0.1:9092".to_string(),
            security_protocol: "PLAINTEXT".into(),
            sasl_mechanism: "SCRAM-SHA-512".into(),
            username: String::new(),
            password: None,
            ca_file: String::new(),
            properties: BTreeMap::new(),
            partitions: 3,
        }
    }
}

/// A client error without the configuration value it may quote (values can be secrets).
pub fn redacted(err: &rdkafka::error::KafkaError) -> String {
    match err {
        rdkafka::error::KafkaError::ClientConfig(_, _, key, _) => format!("invalid client property {key} (value hidden)"),
        other => other.to_string(),
    }
}

impl KafkaConfig {
    pub fn client_config(&self) -> ClientConfig {
        let mut config = ClientConfig::new();
        config.set("bootstrap.servers", &self.bootstrap_servers);
        config.set("security.protocol", &self.security_protocol);
        if self.security_protocol.to_ascii_uppercase().starts_with("SASL") {
            config.set("sasl.mechanisms", &self.sasl_mechanism).set("sasl.username", &self.username);
            config.set("sasl.password", self.password.as_ref().map(Secret::expose).unwrap_or_default());
        }
        if !self.ca_file.is_empty() {
            config.set("ssl.ca.location", &self.ca_file);
        }
        // `properties` last: an explicit librdkafka property wins.
        for (key, value) in &self.properties {
            config.set(key, value.expose());
        }
        config
    }

    /// An idempotent producer that waits for all in-sync replicas: no duplicates from
    /// internal retries and no reordering within a partition.
    pub fn producer(&self) -> anyhow::Result<FutureProducer> {
        let mut config = self.client_config();
        config.set("enable.idempotence", "true").set("acks", "all").set("message.timeout.ms", "10000").set("linger.ms", "2");
        config.create().map_err(|e| anyhow::anyhow!("cannot create Kafka producer: {}", redacted(&e)))
    }

    /// Creates the topics that do not exist yet.
    pub async fn ensure_topics(&self, topics: &[&str]) -> anyhow::Result<()> {
        let admin: AdminClient<DefaultClientContext> =
            self.client_config().create().map_err(|e| anyhow::anyhow!("cannot create Kafka admin client: {}", redacted(&e)))?;
        let new: Vec<_> = topics.iter().map(|t| NewTopic::new(t, self.partitions, TopicReplication::Fixed(1))).collect();
        // A broker that refuses our credentials fails the start within seconds, not minutes.
        let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))).request_timeout(Some(Duration::from_secs(15)));
        for result in admin.create_topics(&new, &options).await? {
            match result {
                Ok(_) | Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((topic, code)) => anyhow::bail!("cannot create topic {topic}: {code}"),
            }
        }
        Ok(())
    }
}
