//! A whole system for one fault scenario: its own SecantusDB and nisshi (persistent, so they can
//! be stopped and started), and both services as real processes that can be SIGKILLed and
//! restarted on the same ports.

use std::path::PathBuf;

use labs_order::{contact::ContactConfig, order::OrderConfig};

use crate::harness::{
    infra::standins::{self, StandIn},
    process::ServiceProcess,
    unique_suffix, ContactApp, OrderApp,
};

pub struct System {
    dir: PathBuf,
    pub mongo_port: u16,
    pub kafka_port: u16,
    mongo: Option<StandIn>,
    kafka: Option<StandIn>,
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
        let (mongo_port, kafka_port) = (standins::free_port(), standins::free_port());
        let mut system = Self {
            mongo_port,
            kafka_port,
            mongo: None,
            kafka: None,
            contact_config: ContactApp::fresh_config(),
            order_config: OrderApp::fresh_config("http://127.0.0.1:9"),
            contact_port: standins::free_port(),
            order_port: standins::free_port(),
            contact: None,
            orders: None,
            dir,
        };
        system.start_mongo().await;
        system.start_kafka().await;
        let (mongo, kafka) = (standins::mongo_uri(mongo_port), standins::kafka_bootstrap(kafka_port));
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

    pub async fn start_mongo(&mut self) {
        let (port, dir) = (self.mongo_port, self.dir.clone());
        let mongo = tokio::task::spawn_blocking(move || standins::start_mongo(port, &dir.join("mongo"), &dir.join("mongo.log")));
        self.mongo = Some(mongo.await.unwrap().expect("SecantusDB starts"));
    }

    pub async fn stop_mongo(&mut self) {
        if let Some(mut mongo) = self.mongo.take() {
            tokio::task::spawn_blocking(move || mongo.stop()).await.unwrap();
        }
    }

    pub async fn start_kafka(&mut self) {
        let (port, dir) = (self.kafka_port, self.dir.clone());
        let kafka = tokio::task::spawn_blocking(move || standins::start_kafka_persistent(port, &dir.join("kafka"), &dir.join("kafka.log")));
        self.kafka = Some(kafka.await.unwrap().expect("nisshi starts"));
    }

    pub async fn stop_kafka(&mut self) {
        if let Some(mut kafka) = self.kafka.take() {
            tokio::task::spawn_blocking(move || kafka.stop()).await.unwrap();
        }
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
        drop(self.kafka.take());
        drop(self.mongo.take());
        if std::thread::panicking() {
            eprintln!("chaos: the stand-ins' data and logs are kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
