//! The baseline's relay loop, like the service's, with the service's relay settings (batch size,
//! poll interval, coalescing): a background task woken after each write (`Notify`, so wakes
//! coalesce), waiting `coalesce_ms` for more writes, or by the poll; it passes again at once
//! while batches come back full.

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use futures::future::join_all;
use mongodb::bson::Document;
use rdkafka::{
    message::{Header, OwnedHeaders},
    producer::{FutureProducer, FutureRecord},
};
use tokio::sync::Notify;

use labs_order::outbox::{IdlePause, RelayConfig};

use super::baseline::{Baseline, OUTBOX_FIELD};

/// Whether the baseline's relay sends its events to Kafka (with the service's producer
/// settings, to a topic of its own) or only does the database commands.
pub const PUBLISH_TO_KAFKA: bool = true;

/// Orders staged and cleared so far, and the wake-up.
#[derive(Default)]
pub struct RelayState {
    wake: Notify,
    staged: AtomicUsize,
    cleared: AtomicUsize,
    errors: AtomicUsize,
}

impl RelayState {
    pub fn staged(&self) {
        self.staged.fetch_add(1, Ordering::Relaxed);
        self.wake.notify_one();
    }

    /// Passes that failed (a database or broker error), so far.
    pub fn errors(&self) -> usize {
        self.errors.load(Ordering::Relaxed)
    }

    /// Waits until every staged order was cleared; false after `timeout`.
    pub async fn wait_idle(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.cleared.load(Ordering::Relaxed) < self.staged.load(Ordering::Relaxed) {
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }
}

/// Where the baseline's relay sends events.
pub struct Publisher(Option<(FutureProducer, String)>);

impl Publisher {
    pub async fn new(config: &labs_order::order::OrderConfig) -> Self {
        if !PUBLISH_TO_KAFKA {
            return Self(None);
        }
        let topic = format!("{}-baseline", config.order_topic);
        config.common.kafka.ensure_topics(&[topic.as_str()]).await.expect("the baseline topic");
        Self(Some((config.common.kafka.producer().expect("a Kafka producer"), topic)))
    }

    /// Sends every staged event of `orders`; answers per order whether all were acknowledged.
    pub async fn publish(&self, orders: &[Document]) -> Vec<bool> {
        let Some((producer, topic)) = &self.0 else { return vec![true; orders.len()] };
        let sends = orders.iter().map(|order| async move {
            let key = order.get_str("_id").unwrap_or_default();
            let staged: Vec<&Document> =
                order.get_array(OUTBOX_FIELD).map(|a| a.iter().filter_map(|e| e.as_document()).collect()).unwrap_or_default();
            let deliveries = staged.into_iter().map(|event| {
                let content_type = event.get_str("contentType").unwrap_or_default();
                let headers = OwnedHeaders::new().insert(Header { key: "content-type", value: Some(content_type) });
                let payload = event.get_str("payload").unwrap_or_default();
                producer.send(FutureRecord::to(topic).key(key).payload(payload).headers(headers), Duration::ZERO)
            });
            join_all(deliveries).await.iter().all(Result::is_ok)
        });
        join_all(sends).await
    }
}

/// Runs the baseline's relay until the handle is aborted.
pub fn spawn(baseline: Arc<Baseline>, publisher: Publisher, config: &RelayConfig) -> tokio::task::JoinHandle<()> {
    let (batch, coalesce) = (config.batch_size, Duration::from_millis(config.coalesce_ms));
    // The service relay's pause: longer while passes find nothing, reset by a wake or by work.
    let mut idle = IdlePause::new(Duration::from_millis(config.poll_interval_ms), Duration::from_millis(config.idle_poll_max_ms));
    tokio::spawn(async move {
        loop {
            match baseline.relay_pass(&publisher, batch).await {
                Ok((read, cleared)) => {
                    baseline.relay.cleared.fetch_add(cleared, Ordering::Relaxed);
                    idle.after_pass(cleared > 0);
                    if read as i64 == batch && cleared > 0 {
                        continue;
                    }
                }
                Err(err) => {
                    baseline.relay.errors.fetch_add(1, Ordering::Relaxed);
                    tracing::warn!(error = %err, "baseline relay pass failed");
                }
            }
            tokio::select! {
                _ = baseline.relay.wake.notified() => {
                    idle.after_pass(true);
                    tokio::time::sleep(coalesce).await
                }
                _ = tokio::time::sleep(idle.pause()) => {}
            }
        }
    })
}
