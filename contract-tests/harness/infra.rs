//! Where the tests find MongoDB and Kafka, in this order: servers the environment names
//! (`LABS_TEST_MONGODB_URI` and `LABS_TEST_KAFKA_BOOTSTRAP`; `cargo xtask test` sets them to
//! the containers `labs-dev containers` started, or to stand-ins as processes), containers when
//! a Docker engine answers (harness/containers.rs: plain `cargo test` on a machine with Docker),
//! else stand-ins started here from the cache `cargo xtask install` fills.

use std::sync::OnceLock;

pub use xtask::{secured, standins};

pub struct Infra {
    pub mongo_uri: String,
    pub kafka_bootstrap: String,
}

static INFRA: OnceLock<Infra> = OnceLock::new();

pub fn infra() -> &'static Infra {
    INFRA.get_or_init(|| {
        labs_order::telemetry::init(&std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()));
        labs_order::tls::install_default_provider();
        if let (Ok(mongo_uri), Ok(kafka_bootstrap)) = (std::env::var("LABS_TEST_MONGODB_URI"), std::env::var("LABS_TEST_KAFKA_BOOTSTRAP")) {
            return Infra { mongo_uri, kafka_bootstrap };
        }
        if super::containers::docker_answers() {
            let containers = super::containers::shared();
            eprintln!("MongoDB and Kafka: containers of {} and {}", containers.mongo_image, containers.kafka_image);
            return Infra { mongo_uri: containers.mongo_uri.clone(), kafka_bootstrap: containers.kafka_bootstrap.clone() };
        }
        start_standins()
    })
}

fn start_standins() -> Infra {
    if !standins::installed() {
        panic!("MongoDB and Kafka are not available: run `cargo xtask test` (it installs and starts the stand-ins), or set LABS_TEST_MONGODB_URI and LABS_TEST_KAFKA_BOOTSTRAP.");
    }
    let dir = std::env::temp_dir().join(format!("labs-order-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let (mongo_port, kafka_port) = (standins::free_port(), standins::free_port());
    let mongo = standins::start_mongo(mongo_port, &dir.join("mongo"), &dir.join("mongo.log")).expect("start SecantusDB");
    let kafka = standins::start_kafka(kafka_port, &dir, &dir.join("kafka.log")).expect("start nisshi");
    // They live as long as the test process (and die with it).
    std::mem::forget((mongo, kafka));
    Infra { mongo_uri: standins::mongo_uri(mongo_port), kafka_bootstrap: format!("127.0.0.1:{kafka_port}") }
}
