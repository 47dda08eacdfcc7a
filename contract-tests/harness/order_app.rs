//! An order service instance for one test, beside its own contact service.

use labs_order::order::{self, OrderConfig};
use labs_order_client::{order::Client, ClientAuth};

use super::{infra::infra, running::Running, unique_suffix, ContactApp, EventReader};

pub struct OrderApp {
    pub url: String,
    pub client: Client,
    pub config: OrderConfig,
    pub contact: ContactApp,
    running: Running,
}

impl OrderApp {
    /// A fresh order service and a fresh contact service it talks to.
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(adjust: impl FnOnce(&mut OrderConfig)) -> Self {
        let contact = ContactApp::spawn().await;
        let mut config = Self::fresh_config(&contact.url);
        config.person_topics = contact.config.topics.clone();
        adjust(&mut config);
        Self::start(config, contact).await
    }

    pub fn fresh_config(contact_url: &str) -> OrderConfig {
        let infra = infra();
        let suffix = unique_suffix();
        let mut config = OrderConfig::default();
        config.common.port = 0;
        config.common.mongodb.uri = labs_order::config::Secret::new(&infra.mongo_uri);
        config.common.mongodb.database = format!("orders_{suffix}");
        config.common.kafka.bootstrap_servers = infra.kafka_bootstrap.clone();
        config.order_topic = format!("orderevents-{suffix}");
        config.contact.url = contact_url.to_string();
        config.consumer.group_id = format!("order-service-{suffix}");
        config.consumer.dead_letter_topic = format!("personevents-dlq-{suffix}");
        for topic in [&mut config.person_topics.created, &mut config.person_topics.changed, &mut config.person_topics.deleted] {
            topic.push_str(&format!("-{suffix}"));
        }
        config.common.outbox.poll_interval_ms = 100;
        config.common.outbox.idle_poll_max_ms = 1000;
        config.common.auth.jwks_file = Some(super::auth::issuer().jwks_file.display().to_string());
        // The order service's own service token: read persons, nothing else.
        config.contact.token = Some(labs_order::config::Secret::new(super::auth::mint(&labs_devkit::token::TokenSpec {
            subject: "order-service".into(),
            audiences: vec!["contact-service".into()],
            scopes: vec!["persons:read".into()],
            ..Default::default()
        })));
        config
    }

    pub async fn start(config: OrderConfig, contact: ContactApp) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let app = order::build(config.clone(), listener).await.expect("order service builds");
        let (running, url) = Running::start(app);
        Self { client: Client::new(&url, ClientAuth::bearer(super::auth::full_token())), url, config, contact, running }
    }

    /// Stops the order service gracefully and hands back its contact service.
    pub async fn stop(mut self) -> ContactApp {
        self.running.stop().await;
        std::mem::replace(&mut self.contact, ContactApp::detached())
    }

    /// A person stored in the contact service; returns its id.
    pub async fn person(&self, first_name: &str) -> String {
        let person = labs_order_client::contact::types::Person {
            first_name: Some(first_name.into()),
            last_name: Some("Tester".into()),
            ..Default::default()
        };
        self.contact.client.create_using_post().body(person).send().await.unwrap().into_inner().id.unwrap()
    }

    pub fn order_events(&self) -> EventReader {
        EventReader::new(&self.config.common.kafka.bootstrap_servers, &[&self.config.order_topic], self.config.common.kafka.partitions)
    }

    /// Reads the order until `check` holds, or fails after `timeout` (eventual consistency).
    pub async fn eventually(
        &self,
        order_id: &str,
        timeout: std::time::Duration,
        check: impl Fn(&labs_order_client::order::types::Order) -> bool,
    ) -> (labs_order_client::order::types::Order, String) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let response = self.client.read_using_get().order_id(order_id).send().await.unwrap();
            let etag = response.headers()["etag"].to_str().unwrap().to_string();
            let order = response.into_inner();
            if check(&order) {
                return (order, etag);
            }
            assert!(std::time::Instant::now() < deadline, "the order never reached the expected state: {order:#?}");
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// A plain HTTP client that sends a token with every scope.
    pub fn http(&self) -> reqwest::Client {
        super::auth::authorized_http()
    }
}
