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
    /// Extra librdkafka client properties, applied to every client.
    pub properties: BTreeMap<String, Secret>,
    /// Partitions of the topics this service creates when they are missing.
    pub partitions: i32,
}

impl Default for KafkaConfig {
    fn default() -> Self {
        Self { bootstrap_servers: "127.0.0.1:9092".to_string(), properties: BTreeMap::new(), partitions: 3 }
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
