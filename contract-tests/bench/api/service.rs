//! One measured run against the service process: its CPU time and peak RSS from `/proc`, its
//! database commands and transaction retries from its own `/metrics`, relay included.

use std::{
    future::Future,
    time::{Duration, Instant},
};

use labs_order::order::service::ORDERS_COLLECTION;
use mongodb::{
    bson::{doc, Document},
    Database,
};

use super::{
    baseline::PENDING_FIELD,
    scrape::{scrape, Counts, Scrape},
};
use crate::bench::{
    load::LoadResult,
    proc::{cpu_seconds, listener_pid, port_of, RssSampler},
};

/// The database server's CPU from a start: the database's work for a run's requests (and for
/// whatever else uses it meanwhile: the service's background loops, the contact service's
/// lookups in the fresh-persons runs), the figure behind "count the commands you send".
pub struct DbCpu {
    pid: Option<u32>,
    before: f64,
}

impl DbCpu {
    pub fn start(pid: Option<u32>) -> Self {
        Self { pid, before: pid.map_or(0.0, cpu_seconds) }
    }

    pub fn per_request_us(&self, requests: usize) -> Option<f64> {
        self.pid.map(|pid| (cpu_seconds(pid) - self.before) * 1e6 / requests.max(1) as f64)
    }
}

/// After the last staged event is gone: the relay's last commands come back meanwhile.
const SETTLE: Duration = Duration::from_millis(500);

pub struct Measured {
    pub load: LoadResult,
    /// From the start of the load until the relay published its events.
    pub cpu_us_per_request: f64,
    pub peak_rss_mib: f64,
    pub counts: Counts,
    /// False when staged events were still pending at the "after" scrape.
    pub drained: bool,
    /// How long the CPU was measured (the load, then the relay's drain).
    pub window: Duration,
    /// The database server's CPU over the same window, per request (None: not a process here).
    pub db_cpu_us_per_request: Option<f64>,
}

/// What the service does while nobody asks it anything.
#[derive(Debug, Clone, Copy, Default)]
pub struct Idle {
    pub commands_per_s: f64,
    /// CPU seconds per second.
    pub cpu_per_s: f64,
}

pub struct ServiceProbe {
    pub pid: u32,
    /// The database server's process, when it runs on this machine (see `proc::listener_pid`).
    pub db_pid: Option<u32>,
    http: reqwest::Client,
    metrics_url: String,
    /// The service's database, on a connection of this process (its reads are not the service's).
    db: Database,
}

impl ServiceProbe {
    /// `/metrics` is beside the API unless `metrics_address` names a listener of its own.
    pub fn new(service: &crate::harness::process::ServiceProcess, config: &labs_order::order::OrderConfig, db: Database) -> Self {
        let metrics_url = match config.common.metrics_address.as_str() {
            "" => format!("{}/metrics", service.url),
            address => format!("http://{address}/metrics"),
        };
        let db_pid = port_of(&crate::harness::infra::infra().mongo_uri).and_then(listener_pid);
        Self { pid: service.pid(), db_pid, http: reqwest::Client::new(), metrics_url, db }
    }

    pub async fn scrape(&self) -> Scrape {
        scrape(&self.http, &self.metrics_url).await
    }

    /// Runs `load`; for writes, waits until the relay published every staged event (counted by
    /// this process in the database, then confirmed by the service's `outbox_backlog`), so the
    /// relay's commands count too.
    pub async fn run(&self, writes: bool, load: impl Future<Output = LoadResult>) -> Measured {
        let before = self.scrape().await;
        let (cpu_before, sampler, started) = (cpu_seconds(self.pid), RssSampler::start(self.pid), Instant::now());
        let db_cpu = DbCpu::start(self.db_pid);
        let load = load.await;
        let deadline = Instant::now() + super::DRAIN_TIMEOUT;
        let mut drained = !writes || self.wait_no_pending(deadline).await;
        let (cpu, window) = (cpu_seconds(self.pid) - cpu_before, started.elapsed());
        let db_cpu_us_per_request = db_cpu.per_request_us(load.requests);
        let peak_rss_mib = sampler.stop().await;
        let after = loop {
            if writes {
                tokio::time::sleep(SETTLE).await;
            }
            let after = self.scrape().await;
            if after.outbox_backlog.unwrap_or(0.0) == 0.0 {
                break after;
            }
            if Instant::now() > deadline {
                drained = false;
                break after;
            }
            drained = self.wait_no_pending(deadline).await;
        };
        let counts = after.since(&before);
        Measured {
            cpu_us_per_request: cpu * 1e6 / load.requests as f64,
            peak_rss_mib,
            counts,
            drained,
            window,
            db_cpu_us_per_request,
            load,
        }
    }

    /// Database commands and CPU seconds per second while nothing is asked of the service
    /// (background loops, the relay's poll, the Kafka clients' threads), over `window`; includes
    /// one scrape's own reads and their CPU.
    pub async fn idle(&self, window: Duration) -> Idle {
        let (before, cpu_before) = (self.scrape().await, cpu_seconds(self.pid));
        tokio::time::sleep(window).await;
        let cpu = cpu_seconds(self.pid) - cpu_before;
        Idle { commands_per_s: self.scrape().await.since(&before).commands / window.as_secs_f64(), cpu_per_s: cpu / window.as_secs_f64() }
    }

    /// Waits until no staged event is pending; false after `timeout`.
    pub async fn drained(&self, timeout: Duration) -> bool {
        self.wait_no_pending(Instant::now() + timeout).await
    }

    async fn wait_no_pending(&self, deadline: Instant) -> bool {
        loop {
            if self.pending().await == 0 {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Staged events not yet published: embedded in orders (`outboxPending`), or in an outbox
    /// collection (`sent: false`, the write path before issue 11).
    async fn pending(&self) -> u64 {
        let (orders, outbox) = (self.db.collection::<Document>(ORDERS_COLLECTION), self.db.collection::<Document>("outbox"));
        let embedded = orders.count_documents(doc! { PENDING_FIELD: true }).await.unwrap_or(0);
        embedded + outbox.count_documents(doc! { "sent": false }).await.unwrap_or(0)
    }
}
