//! Reads what the services published: a consumer assigned to every partition of the given
//! topics from the beginning (no group join, so no rebalance wait).

use std::time::{Duration, Instant};

use rdkafka::{
    consumer::{BaseConsumer, Consumer},
    message::{Headers, Message},
    ClientConfig, Offset, TopicPartitionList,
};
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct Received {
    pub topic: String,
    pub key: String,
    pub event: Value,
    pub headers: Vec<(String, String)>,
}

impl Received {
    pub fn data(&self) -> &Value {
        &self.event["data"]
    }
    pub fn ty(&self) -> &str {
        self.event["type"].as_str().unwrap_or_default()
    }
}

pub struct EventReader {
    consumer: BaseConsumer,
    seen: Vec<Received>,
}

impl EventReader {
    pub fn new(bootstrap: &str, topics: &[&str], partitions: i32) -> Self {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("group.id", format!("test-reader-{}", super::unique_suffix()))
            .set("enable.auto.commit", "false")
            .create()
            .expect("test consumer");
        let mut list = TopicPartitionList::new();
        for topic in topics {
            for p in 0..partitions {
                list.add_partition_offset(topic, p, Offset::Beginning).expect("partition");
            }
        }
        consumer.assign(&list).expect("assign");
        Self { consumer, seen: Vec::new() }
    }

    /// Waits until `count` events arrived in total (since creation), or fails after `timeout`.
    pub async fn expect(&mut self, count: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        while self.seen.len() < count {
            assert!(Instant::now() < deadline, "expected {count} events, got {}: {:#?}", self.seen.len(), self.seen);
            self.poll_once(Duration::from_millis(100));
            tokio::task::yield_now().await;
        }
        self.seen.clone()
    }

    /// Reads for `wait` and returns everything seen so far (to show nothing more arrived).
    pub async fn settle(&mut self, wait: Duration) -> Vec<Received> {
        let until = Instant::now() + wait;
        while Instant::now() < until {
            self.poll_once(Duration::from_millis(100));
            tokio::task::yield_now().await;
        }
        self.seen.clone()
    }

    fn poll_once(&mut self, timeout: Duration) {
        if let Some(result) = self.consumer.poll(timeout) {
            let message = result.expect("kafka poll");
            let headers = message
                .headers()
                .map(|h| h.iter().map(|h| (h.key.to_string(), String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned())).collect())
                .unwrap_or_default();
            self.seen.push(Received {
                topic: message.topic().to_string(),
                key: String::from_utf8_lossy(message.key().unwrap_or_default()).into_owned(),
                event: serde_json::from_slice(message.payload().unwrap_or_default()).unwrap_or(Value::Null),
                headers,
            });
        }
    }
}

/// Writes raw records, as another publisher would.
pub async fn inject(bootstrap: &str, topic: &str, key: &str, payload: &[u8], headers: &[(&str, &str)]) {
    use rdkafka::{
        message::{Header, OwnedHeaders},
        producer::{FutureProducer, FutureRecord},
    };
    let producer: FutureProducer = ClientConfig::new().set("bootstrap.servers", bootstrap).create().expect("test producer");
    let mut owned = OwnedHeaders::new();
    for (k, v) in headers {
        owned = owned.insert(Header { key: k, value: Some(*v) });
    }
    let record = FutureRecord::to(topic).key(key).payload(payload).headers(owned);
    producer.send(record, Duration::from_secs(10)).await.map_err(|(e, _)| e).expect("inject record");
}

/// A structured-mode CloudEvent as the reference contact service publishes it.
pub fn reference_person_event(event_id: &str, ty: &str, person_id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "specversion": "1.0", "id": event_id, "source": "http://localhost:8080/v1/api/person",
        "type": ty, "datacontenttype": "application/json", "data": { "personid": person_id }
    }))
    .unwrap()
}

/// A structured-mode CloudEvent as our contact service publishes it.
pub fn versioned_person_event(ty: &str, person_id: &str, version: i64, person: Option<serde_json::Value>) -> Vec<u8> {
    let mut data = serde_json::json!({ "personid": person_id, "version": version });
    if let Some(p) = person {
        data["person"] = p;
    }
    serde_json::to_vec(&serde_json::json!({
        "specversion": "1.0", "id": uuid::Uuid::new_v4().to_string(), "source": "http://contact.test/api/v1/person",
        "type": ty, "datacontenttype": "application/json", "data": data
    }))
    .unwrap()
}

/// Writes many records through one producer; returns once the broker acknowledged them all.
pub async fn inject_many(bootstrap: &str, records: Vec<(String, String, Vec<u8>)>) {
    use rdkafka::producer::{FutureProducer, FutureRecord};
    let producer: FutureProducer =
        ClientConfig::new().set("bootstrap.servers", bootstrap).set("linger.ms", "5").create().expect("test producer");
    let sends = records
        .iter()
        .map(|(topic, key, payload)| producer.send(FutureRecord::to(topic).key(key).payload(payload), Duration::from_secs(30)));
    for outcome in futures::future::join_all(sends).await {
        outcome.map_err(|(e, _)| e).expect("inject record");
    }
}
