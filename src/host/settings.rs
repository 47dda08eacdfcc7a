//! The settings every service has, flattened into each service's configuration: the same keys
//! (`port`, `mongodb.uri`, ...) under each service's prefix (`ORDER_PORT`, `CONTACT_PORT`).

use serde::{Deserialize, Serialize};

use crate::{auth::AuthConfig, http::HttpLimits, kafka::KafkaConfig, mongo::MongoConfig, outbox::RelayConfig, tls::TlsFiles};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CommonSettings {
    pub host: String,
    pub port: u16,
    pub log_level: String,
    pub mongodb: MongoConfig,
    pub kafka: KafkaConfig,
    /// The relay that publishes the service's outbox.
    pub outbox: RelayConfig,
    /// Bearer-token checks on the public API.
    pub auth: AuthConfig,
    pub http: HttpLimits,
    /// `host:port` serving `/metrics` alone; empty serves it beside the API.
    pub metrics_address: String,
    /// Threads running the service's tasks; 0: one per two cores, at least one (see
    /// [`CommonSettings::worker_threads`]).
    pub worker_threads: usize,
}

impl CommonSettings {
    /// The defaults of the service `name` (also the token audience), listening on `port` and
    /// storing in `database`.
    pub fn for_service(name: &str, port: u16, database: &str) -> Self {
        Self {
            host: "127.0.0.1".into(),
            port,
            log_level: "info".into(),
            mongodb: MongoConfig { database: database.into(), ..MongoConfig::default() },
            kafka: KafkaConfig::default(),
            outbox: RelayConfig::default(),
            auth: AuthConfig::for_audience(name),
            http: HttpLimits::default(),
            metrics_address: String::new(),
            worker_threads: 0,
        }
    }

    /// The threads the service's runtime gets. The work of a request is short (tens to a
    /// couple of hundred microseconds of CPU) and mostly waits on the database: with a worker
    /// per core, the workers spend their time waking each other across cores and parking again.
    /// Measured on a 2-core machine (`wrk` GET by id, release build, one process per setting,
    /// side by side): one worker took 168 µs of CPU per request at concurrency 1 against
    /// 219–242 µs with two, 47–52 against 67–69 µs at 16, 34–37 against 44–48 µs at 64, and
    /// answered 7–30% more requests per second at each. The other cores are left to the Kafka
    /// clients' threads, the kernel's network work and, on a shared host, the database.
    pub fn worker_threads(&self) -> usize {
        match self.worker_threads {
            0 => std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1)),
            n => n,
        }
    }

    /// The runtime the service runs on (see [`Self::worker_threads`]).
    pub fn runtime(&self) -> std::io::Result<tokio::runtime::Runtime> {
        tokio::runtime::Builder::new_multi_thread().worker_threads(self.worker_threads()).enable_all().build()
    }

    /// Refuses settings no service can run with, naming the key.
    pub fn validate(&self) -> anyhow::Result<()> {
        anyhow::ensure!(!self.mongodb.database.is_empty(), "mongodb.database must not be empty");
        self.auth.validate()
    }
}

/// A listener for other services (`internal.*`): TLS with a required client certificate, whose
/// holder gets `scopes` instead of a JWT's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct InternalListener {
    pub enabled: bool,
    pub host: String,
    pub port: u16,
    /// Server certificate and key, and the CA that client certificates must chain to.
    pub tls: TlsFiles,
    /// What a verified client may do.
    pub scopes: Vec<String>,
}

impl Default for InternalListener {
    fn default() -> Self {
        Self { enabled: false, host: "127.0.0.1".into(), port: 8443, tls: TlsFiles::default(), scopes: Vec::new() }
    }
}

impl InternalListener {
    pub fn validate(&self) -> anyhow::Result<()> {
        let tls = &self.tls;
        anyhow::ensure!(
            !self.enabled || (!tls.cert_file.is_empty() && !tls.key_file.is_empty() && !tls.ca_file.is_empty()),
            "internal.enabled needs internal.tls.cert_file, key_file and ca_file"
        );
        Ok(())
    }
}
