//! A whole system for one fault scenario: its own MongoDB and Kafka (harness/own_server.rs:
//! containers or processes, persistent, so they can be stopped and started), and both services
//! as real processes that can be SIGKILLed and restarted on the same ports.

use std::path::PathBuf;

use labs_order::{contact::ContactConfig, order::OrderConfig};

use crate::harness::{infra::standins, own_server::OwnServer, process::ServiceProcess, unique_suffix, ContactApp, OrderApp};

pub struct System {
    dir: PathBuf,
    pub mongo: OwnServer,
    pub kafka: OwnServer,
    pub contact_config: ContactConfig,
    pub order_config: OrderConfig,
    pub contact_port: u16,
    pub order_port: u16,
    contact: Option<ServiceProcess>,
    orders: Option<ServiceProcess>,
}

impl System {
    pub async fn start() -> Self {
        crate::harness::infra::infra(); // logging and TLS provider
        let dir = std::env::temp_dir().join(format!("labs-chaos-{}", unique_suffix()));
        let (mongo, kafka) = (OwnServer::mongo(&dir).await, OwnServer::kafka(&dir).await);
        let mut system = Self {
            mongo,
            kafka,
            contact_config: ContactApp::fresh_config(),
            order_config: OrderApp::fresh_config("http://127.0.0.1:9"),
            contact_port: standins::free_port(),
            order_port: standins::free_port(),
            contact: None,
            orders: None,
            dir,
        };
        let (mongo, kafka) = (system.mongo.mongo_uri(), standins::kafka_bootstrap(system.kafka.port()));
        system.contact_config.common.mongodb.uri = labs_order::config::Secret::new(&mongo);
        system.contact_config.common.kafka.bootstrap_servers = kafka.clone();
        system.order_config.common.mongodb.uri = labs_order::config::Secret::new(&mongo);
        system.order_config.common.kafka.bootstrap_servers = kafka;
        system.order_config.contact.url = format!("http://127.0.0.1:{}", system.contact_port);
        system.order_config.person_topics = system.contact_config.topics.clone();
        system.start_contact().await;
        system.start_orders().await;
        system
    }

    pub fn contact_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.contact_port)
    }

    pub fn order_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.order_port)
    }

    pub async fn start_contact(&mut self) {
        let config = serde_json::to_value(&self.contact_config).unwrap();
        self.contact = Some(ServiceProcess::start_on(env!("CARGO_BIN_EXE_contact-service"), config, self.contact_port, None).await);
    }

    pub async fn start_orders(&mut self) {
        let config = serde_json::to_value(&self.order_config).unwrap();
        self.orders = Some(ServiceProcess::start_on(env!("CARGO_BIN_EXE_order-service"), config, self.order_port, None).await);
    }

    /// A second instance of a service (same database, broker, topics and consumer group) on
    /// another port: two relays share the outbox lease, two consumers share the partitions.
    pub async fn second_instance(&self, order: bool) -> ServiceProcess {
        let port = standins::free_port();
        if order {
            let config = serde_json::to_value(&self.order_config).unwrap();
            ServiceProcess::start_on(env!("CARGO_BIN_EXE_order-service"), config, port, None).await
        } else {
            let config = serde_json::to_value(&self.contact_config).unwrap();
            ServiceProcess::start_on(env!("CARGO_BIN_EXE_contact-service"), config, port, None).await
        }
    }

    /// SIGKILL: no destructor, no graceful anything.
    pub fn kill_contact(&mut self) {
        if let Some(p) = self.contact.take() {
            p.kill();
        }
    }

    /// SIGKILL of the order service, the Kafka consumer: no LeaveGroup, no offset commit, maybe
    /// a transaction left open. The broker's group coordinator notices the member is gone after
    /// its session timeout and hands its partitions to the replacement.
    pub fn kill_orders(&mut self) {
        if let Some(p) = self.orders.take() {
            p.kill();
        }
    }

    pub async fn database(&self, name: &str) -> mongodb::Database {
        let config = labs_order::mongo::MongoConfig { database: name.into(), ..self.order_config.common.mongodb.clone() };
        labs_order::mongo::connect(&config, "chaos-check").await.unwrap()
    }
}

impl Drop for System {
    fn drop(&mut self) {
        self.kill_orders();
        self.kill_contact();
        // Processes end before their directory goes; containers are removed with their volumes
        // when the fields are dropped, after this.
        self.kafka.stop_process();
        self.mongo.stop_process();
        if std::thread::panicking() {
            self.mongo.evidence();
            self.kafka.evidence();
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
