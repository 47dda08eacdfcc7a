//! One secured set of stand-ins per test process (started on first use): SecantusDB with
//! `--auth` and a user per service, nisshi with SCRAM-SHA-512 on its TLS-only listener, and the
//! development PKI that signs the TLS certificates.

use std::{path::PathBuf, sync::OnceLock};

use labs_devkit::pki::DevPki;

use super::infra::{
    secured::{self, User},
    standins,
};

pub struct Secured {
    /// The PKI files (`ca.pem`, `contact-service.pem`, `order-service-key.pem`, ...).
    pub pki_dir: PathBuf,
    pub mongo_port: u16,
    pub mongo_admin_password: String,
    pub mongo_order: User,
    pub mongo_contact: User,
    pub kafka_bootstrap: String,
    pub kafka_order: User,
    pub kafka_contact: User,
}

impl Secured {
    pub fn ca_file(&self) -> PathBuf {
        self.pki_dir.join("ca.pem")
    }

    pub fn file(&self, name: &str) -> String {
        self.pki_dir.join(name).display().to_string()
    }
}

fn user(name: &str, database: &str) -> User {
    User { name: name.into(), password: labs_devkit::password(), database: database.into() }
}

pub fn secured() -> &'static Secured {
    static SECURED: OnceLock<Secured> = OnceLock::new();
    SECURED.get_or_init(|| {
        super::infra::infra(); // logging, TLS provider
        let dir = std::env::temp_dir().join(format!("labs-order-secured-{}", std::process::id()));
        let pki_dir = dir.join("pki");
        std::fs::create_dir_all(&pki_dir).unwrap();
        DevPki::generate().unwrap().write(&pki_dir).unwrap();
        let (mongo_order, mongo_contact) = (user("order_service", "orders"), user("contact_service", "contacts"));
        let mongo_admin_password = labs_devkit::password();
        let mongo_port = standins::free_port();
        let mongo = secured::start_mongo(
            mongo_port,
            &dir.join("mongo"),
            &dir.join("mongo.log"),
            &mongo_admin_password,
            &[mongo_order.clone(), mongo_contact.clone()],
        )
        .expect("secured SecantusDB");
        let (kafka_order, kafka_contact) = (user("order-service", ""), user("contact-service", ""));
        let kafka = secured::start_kafka(
            standins::free_port(),
            &dir.join("kafka"),
            &[kafka_order.clone(), kafka_contact.clone()],
            &pki_dir.join("kafka.pem"),
            &pki_dir.join("kafka-key.pem"),
        )
        .expect("secured nisshi");
        let kafka_bootstrap = kafka.bootstrap.clone();
        // They live as long as the test process (and die with it).
        std::mem::forget((mongo, kafka));
        Secured { pki_dir, mongo_port, mongo_admin_password, mongo_order, mongo_contact, kafka_bootstrap, kafka_order, kafka_contact }
    })
}
