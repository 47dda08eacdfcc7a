//! Prometheus metrics of one service instance, in the text format at `GET /metrics`.
//!
//! Buckets span what these services see: sub-millisecond handler and database times up to
//! the seconds a slow contact service or a stalled database take.

use std::sync::{
    atomic::{AtomicU64, Ordering},
    Arc,
};

use prometheus_client::{
    encoding::EncodeLabelSet,
    metrics::{counter::Counter, family::Family, gauge::Gauge, histogram::Histogram},
    registry::Registry,
};

const LATENCY_BUCKETS: [f64; 16] = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HttpLabels {
    pub method: String,
    /// The route template, never the raw path.
    pub route: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DbLabels {
    pub operation: String,
    pub collection: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReasonLabels {
    pub reason: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct PartitionLabels {
    pub topic: String,
    pub partition: i32,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OutcomeLabels {
    pub outcome: String,
}

type Histograms<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Transaction retries, process-wide (the transaction helper has no service context).
pub static TRANSACTION_RETRIES: AtomicU64 = AtomicU64::new(0);

pub struct Metrics {
    registry: Registry,
    pub http: Histograms<HttpLabels>,
    pub db: Histograms<DbLabels>,
    pub contact_failures: Family<ReasonLabels, Counter>,
    pub events_handled: Family<OutcomeLabels, Counter>,
    pub orders_active: Gauge,
    pub outbox_backlog: Gauge,
    pub outbox_oldest_age_seconds: Gauge<f64, std::sync::atomic::AtomicU64>,
    /// Messages behind the end of each assigned partition (from librdkafka statistics).
    pub consumer_lag: Family<PartitionLabels, Gauge>,
    transaction_retries: Counter,
}

/// The reasons a contact service call fails; all exported from start-up, at 0.
pub const CONTACT_FAILURE_REASONS: [&str; 4] = ["timeout", "connect", "status", "circuit_open"];
/// Outcomes of handled person events.
pub const EVENT_OUTCOMES: [&str; 6] = ["applied", "duplicate", "stale", "irrelevant", "parked", "dead_lettered"];

impl Metrics {
    pub fn new() -> Arc<Self> {
        let mut registry = Registry::default();
        let http: Histograms<HttpLabels> = Family::new_with_constructor(latency_histogram);
        let db: Histograms<DbLabels> = Family::new_with_constructor(latency_histogram);
        let contact_failures = Family::<ReasonLabels, Counter>::default();
        let events_handled = Family::<OutcomeLabels, Counter>::default();
        let orders_active = Gauge::default();
        let outbox_backlog = Gauge::default();
        let outbox_oldest_age_seconds = Gauge::<f64, AtomicU64>::default();
        let transaction_retries = Counter::default();
        let consumer_lag = Family::<PartitionLabels, Gauge>::default();
        registry.register("http_server_request_duration_seconds", "HTTP request latency by route template", http.clone());
        registry.register("db_client_operation_duration_seconds", "MongoDB command latency", db.clone());
        registry.register("contact_client_requests_failed", "Failed calls to the contact service by reason", contact_failures.clone());
        registry.register("person_events_handled", "Person events handled by outcome", events_handled.clone());
        registry.register("orders_active", "Stored orders", orders_active.clone());
        registry.register("outbox_backlog", "Staged events not yet acknowledged by Kafka", outbox_backlog.clone());
        registry.register("outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox event", outbox_oldest_age_seconds.clone());
        registry.register("mongo_transaction_retries", "Transactions retried after a transient error", transaction_retries.clone());
        registry.register("kafka_consumer_lag", "Messages behind the end of each assigned partition", consumer_lag.clone());
        Arc::new(Self {
            registry,
            http,
            db,
            contact_failures,
            events_handled,
            orders_active,
            outbox_backlog,
            outbox_oldest_age_seconds,
            consumer_lag,
            transaction_retries,
        })
    }

    /// Exports the order service's labelled counters at 0 from start-up.
    pub fn with_order_series(self: Arc<Self>) -> Arc<Self> {
        for reason in CONTACT_FAILURE_REASONS {
            let _ = self.contact_failures.get_or_create(&ReasonLabels { reason: reason.into() });
        }
        for outcome in EVENT_OUTCOMES {
            let _ = self.events_handled.get_or_create(&OutcomeLabels { outcome: outcome.into() });
        }
        self
    }

    pub fn contact_failure(&self, reason: &str) {
        self.contact_failures.get_or_create(&ReasonLabels { reason: reason.into() }).inc();
    }

    pub fn event_handled(&self, outcome: &str) {
        self.events_handled.get_or_create(&OutcomeLabels { outcome: outcome.into() }).inc();
    }

    /// The text exposition.
    pub fn render(&self) -> String {
        let seen = TRANSACTION_RETRIES.load(Ordering::Relaxed);
        let exported = self.transaction_retries.get();
        if seen > exported {
            self.transaction_retries.inc_by(seen - exported);
        }
        let mut out = String::new();
        if prometheus_client::encoding::text::encode(&mut out, &self.registry).is_err() {
            tracing::error!("encoding metrics failed");
        }
        out
    }
}
