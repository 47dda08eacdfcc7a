//! A contact service instance for one test: its own database and topics, port 0.

use std::time::Duration;

use labs_order::{
    contact::{self, ContactConfig},
    host::Host,
};
use labs_order_client::{contact::Client, ClientAuth};

use super::{infra::infra, running::Running, unique_suffix, EventReader};

pub struct ContactApp {
    pub url: String,
    /// `https://localhost:<port>` of the mutual-TLS listener, when enabled.
    pub internal_url: Option<String>,
    /// `http://127.0.0.1:<port>` of the separate metrics address, when configured.
    pub metrics_url: Option<String>,
    pub client: Client,
    pub config: ContactConfig,
    running: Running,
}

impl ContactApp {
    /// A fresh service on a fresh database and fresh topics.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut ContactConfig)) -> Self {
        let mut config = Self::fresh_config();
        adjust(&mut config);
        Self::start(config).await
    }

    /// Configuration pointing at a new database and new topics.
    pub fn fresh_config() -> ContactConfig {
        let infra = infra();
        let suffix = unique_suffix();
        let mut config = ContactConfig::default();
        config.common.port = 0;
        config.common.mongodb.uri = labs_order::config::Secret::new(&infra.mongo_uri);
        config.common.mongodb.database = format!("contacts_{suffix}");
        config.common.kafka.bootstrap_servers = infra.kafka_bootstrap.clone();
        for topic in [&mut config.topics.created, &mut config.topics.changed, &mut config.topics.deleted] {
            topic.push_str(&format!("-{suffix}"));
        }
        config.common.outbox.poll_interval_ms = 100;
        config.common.outbox.idle_poll_max_ms = 1000;
        config.common.auth.jwks_file = Some(super::auth::issuer().jwks_file.display().to_string());
        config
    }

    /// Starts another instance on the same configuration (same database and topics).
    pub async fn start(config: ContactConfig) -> Self {
        Self::start_on(config, 0).await
    }

    /// Starts on a given port (to come back where a client expects the service).
    pub async fn start_on(config: ContactConfig, port: u16) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
        let app = contact::build(config.clone(), listener).await.expect("contact service builds");
        let internal_url = app.addr_of(Host::INTERNAL).map(|a| format!("https://localhost:{}", a.port()));
        let metrics_url = app.addr_of(Host::METRICS).map(|a| format!("http://{a}"));
        let (running, url) = Running::start(app);
        Self { client: Client::new(&url, ClientAuth::bearer(super::auth::full_token())), url, internal_url, metrics_url, config, running }
    }

    /// A placeholder that runs nothing (for moving an app out of its owner).
    pub fn detached() -> Self {
        Self {
            url: String::new(),
            internal_url: None,
            metrics_url: None,
            client: Client::new("http://127.0.0.1:9", ClientAuth::none()),
            config: ContactConfig::default(),
            running: Running::default(),
        }
    }

    /// Graceful stop: in-flight work finishes.
    pub async fn stop(mut self) {
        self.running.stop().await;
    }

    /// Abrupt stop: every task of the service is dropped where it stands.
    pub fn kill(mut self) {
        self.running.kill();
    }

    pub fn events(&self) -> EventReader {
        let t = &self.config.topics;
        EventReader::new(
            &self.config.common.kafka.bootstrap_servers,
            &[&t.created, &t.changed, &t.deleted],
            self.config.common.kafka.partitions,
        )
    }

    /// A plain HTTP client that sends a token with every scope.
    pub fn http(&self) -> reqwest::Client {
        super::auth::authorized_http()
    }
}

/// Long enough for the relay to publish on a loaded machine.
pub const EVENT_WAIT: Duration = Duration::from_secs(20);
/// How long to wait before concluding that no (further) event comes.
pub const QUIET_WAIT: Duration = Duration::from_secs(2);
