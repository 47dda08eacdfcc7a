//! The Kafka side of person sync: at least once on the wire, exactly once in effect. An
//! offset is stored for commit only after the event's transaction committed (or the event was
//! parked or dead-lettered), so a crash anywhere re-delivers, and the re-delivery is a no-op.
//! A malformed record goes to the dead-letter topic with the reason and never stalls its
//! partition.

use std::time::Duration;

use rdkafka::{
    consumer::{CommitMode, Consumer, ConsumerContext, StreamConsumer},
    message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
    statistics::Statistics,
    ClientContext,
};
use serde::{Deserialize, Serialize};
use tokio::sync::watch;

use super::{event, PersonSync};
use crate::{kafka::KafkaConfig, topics::PersonTopics};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct ConsumerConfig {
    pub enabled: bool,
    pub group_id: String,
    pub dead_letter_topic: String,
    /// librdkafka settings chosen for quick group joins and rebalances.
    pub session_timeout_ms: u32,
    pub heartbeat_interval_ms: u32,
    pub max_poll_interval_ms: u32,
    pub auto_commit_interval_ms: u32,
    /// `cooperative-sticky` rebalances incrementally; `range` where the broker needs it.
    pub assignment_strategy: String,
    pub parked_retry_interval_ms: u64,
    /// Static group membership (`group.instance.id`): a restarted instance takes its place back
    /// without a rebalance. Unique per running instance; empty for dynamic membership.
    pub instance_id: String,
}

impl Default for ConsumerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            group_id: "order-service".into(),
            dead_letter_topic: "personevents-dlq".into(),
            session_timeout_ms: 6000,
            heartbeat_interval_ms: 500,
            // Kafka's default. A person in many orders holds the poll loop for its whole
            // fan-out (10,000 orders: half a minute on SecantusDB); a shorter limit made the
            // member leave the group mid-event. A dead member is found by the session timeout.
            max_poll_interval_ms: 300_000,
            auto_commit_interval_ms: 1000,
            assignment_strategy: "cooperative-sticky".into(),
            parked_retry_interval_ms: 1000,
            instance_id: String::new(),
        }
    }
}

/// Reports the lag of every assigned partition from librdkafka's periodic statistics.
pub struct LagReporter(pub std::sync::Arc<crate::ops::Metrics>);

impl ClientContext for LagReporter {
    fn stats(&self, statistics: Statistics) {
        for (topic, t) in &statistics.topics {
            for (partition, p) in &t.partitions {
                // librdkafka reports -1 for partitions it does not consume; skip those.
                if *partition >= 0 && p.consumer_lag >= 0 {
                    let labels = crate::ops::metrics::PartitionLabels { topic: topic.clone(), partition: *partition };
                    self.0.consumer_lag.get_or_create(&labels).set(p.consumer_lag);
                }
            }
        }
    }
}

impl ConsumerContext for LagReporter {}

pub type PersonConsumer = StreamConsumer<LagReporter>;

pub fn consumer(kafka: &KafkaConfig, config: &ConsumerConfig, topics: &PersonTopics, lag: LagReporter) -> anyhow::Result<PersonConsumer> {
    let mut client = kafka.client_config();
    client
        .set("group.id", &config.group_id)
        .set("enable.auto.commit", "true")
        .set("enable.auto.offset.store", "false")
        .set("auto.offset.reset", "earliest")
        .set("auto.commit.interval.ms", config.auto_commit_interval_ms.to_string())
        .set("session.timeout.ms", config.session_timeout_ms.to_string())
        .set("heartbeat.interval.ms", config.heartbeat_interval_ms.to_string())
        .set("max.poll.interval.ms", config.max_poll_interval_ms.to_string())
        .set("partition.assignment.strategy", &config.assignment_strategy)
        .set("statistics.interval.ms", "5000");
    if !config.instance_id.is_empty() {
        client.set("group.instance.id", &config.instance_id);
    }
    let consumer: PersonConsumer =
        client.create_with_context(lag).map_err(|e| anyhow::anyhow!("cannot create Kafka consumer: {}", crate::kafka::redacted(&e)))?;
    consumer.subscribe(&topics.all())?;
    Ok(consumer)
}

pub struct PersonEventConsumer {
    pub consumer: PersonConsumer,
    pub producer: FutureProducer,
    pub sync: PersonSync,
    pub topics: PersonTopics,
    pub dead_letter_topic: String,
    pub metrics: std::sync::Arc<crate::ops::Metrics>,
}

impl PersonEventConsumer {
    /// Consumes until shutdown; the event in hand is finished first, then offsets are committed.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) {
        loop {
            let message = tokio::select! {
                _ = shutdown.changed() => break,
                m = self.consumer.recv() => m,
            };
            match message {
                Ok(message) => {
                    if self.handle(&message, &shutdown).await {
                        crate::crash_points::crash_point(crate::crash_points::AFTER_COMMIT_BEFORE_OFFSET);
                        if let Err(e) = self.consumer.store_offset_from_message(&message) {
                            tracing::warn!(error = %e, "cannot store consumer offset");
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "kafka consumer error");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        if let Err(e) = self.consumer.commit_consumer_state(CommitMode::Sync) {
            tracing::debug!(error = %e, "final offset commit");
        }
    }

    /// True when the record is done with (applied, skipped, parked or dead-lettered).
    async fn handle(&self, message: &BorrowedMessage<'_>, shutdown: &watch::Receiver<bool>) -> bool {
        let headers: Vec<(&str, Option<&[u8]>)> =
            message.headers().map(|h| h.iter().map(|h| (h.key, h.value)).collect()).unwrap_or_default();
        let parsed =
            crate::cloudevents::from_record(&headers, message.payload()).and_then(|e| event::parse(&e, message.topic(), &self.topics));
        let event = match parsed {
            Ok(event) => event,
            Err(reason) => return self.dead_letter(message, &reason.0, shutdown).await,
        };
        let mut attempt = 0u32;
        loop {
            match self.sync.handle(&event).await {
                Ok(outcome) => {
                    self.metrics.event_handled(outcome.label());
                    return true;
                }
                Err(e) => {
                    attempt += 1;
                    tracing::warn!(error = %e, attempt, person_id = %event.person_id, "handling a person event failed; retrying");
                    if !pause(attempt, shutdown).await {
                        return false; // shutting down: the event is re-delivered later
                    }
                }
            }
        }
    }

    /// Sends the original record, with its headers and the reason, to the dead-letter topic;
    /// retried until the broker acknowledges (the offset must not move before that).
    async fn dead_letter(&self, message: &BorrowedMessage<'_>, reason: &str, shutdown: &watch::Receiver<bool>) -> bool {
        tracing::warn!(
            reason,
            topic = message.topic(),
            partition = message.partition(),
            offset = message.offset(),
            "malformed person event dead-lettered"
        );
        let (partition, offset) = (message.partition().to_string(), message.offset().to_string());
        let mut attempt = 0u32;
        loop {
            let mut headers = OwnedHeaders::new();
            if let Some(original) = message.headers() {
                for h in original.iter() {
                    headers = headers.insert(Header { key: h.key, value: h.value });
                }
            }
            let headers = headers
                .insert(Header { key: "dlq-reason", value: Some(reason) })
                .insert(Header { key: "dlq-topic", value: Some(message.topic()) })
                .insert(Header { key: "dlq-partition", value: Some(&partition) })
                .insert(Header { key: "dlq-offset", value: Some(&offset) });
            let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.dead_letter_topic).headers(headers);
            if let Some(key) = message.key() {
                record = record.key(key);
            }
            if let Some(payload) = message.payload() {
                record = record.payload(payload);
            }
            match self.producer.send(record, Duration::from_secs(10)).await {
                Ok(_) => {
                    self.metrics.event_handled("dead_lettered");
                    return true;
                }
                Err((e, _)) => {
                    attempt += 1;
                    tracing::warn!(error = %e, attempt, "dead-lettering failed; retrying");
                    if !pause(attempt, shutdown).await {
                        return false;
                    }
                }
            }
        }
    }
}

/// Backs off; false when shutdown was requested meanwhile.
async fn pause(attempt: u32, shutdown: &watch::Receiver<bool>) -> bool {
    let wait = Duration::from_millis((100u64 << attempt.min(6)).min(5000));
    let mut shutdown = shutdown.clone();
    tokio::select! {
        _ = shutdown.wait_for(|s| *s) => false,
        _ = tokio::time::sleep(wait) => true,
    }
}
