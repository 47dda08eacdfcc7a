//! One secured MongoDB and Kafka per test process (started on first use): MongoDB with
//! authentication on and a user per service, Kafka with SCRAM-SHA-512 on its TLS-only
//! listener, and the development PKI that signs the TLS certificates.
//!
//! Where they run follows [`own_servers`] (the rule of chaos:: and readiness: containers where
//! the suite runs on containers, else processes):
//! - containers: MongoDB from `LABS_TEST_MONGO_IMAGE` with a root user made by the image's
//!   entrypoint (`MONGO_INITDB_ROOT_USERNAME`/`_PASSWORD`), the service users then created
//!   inside it through the published port as that root user; Kafka from `LABS_TEST_KAFKA_IMAGE`,
//!   started by the script compose runs for that image, with its SCRAM users and the PKI's
//!   broker certificate copied in ([`Server::kafka_secured`]);
//! - processes: SecantusDB with `--auth` and nisshi with `--authentication` and TLS
//!   (xtask/src/secured.rs), users created the same way before authentication is turned on.

use std::{path::PathBuf, sync::OnceLock};

use labs_devkit::{
    containers::{SecuredKafkaFiles, Server},
    pki::DevPki,
};
use mongodb::bson::doc;

use super::{
    containers::{own_servers, Servers},
    infra::{
        secured::{self, User},
        standins,
    },
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
    /// What the MongoDB URIs add to reach the server: the stand-in process's replica set by
    /// name, a container directly (whatever address its member advertises).
    mongo_options: &'static str,
}

impl Secured {
    pub fn ca_file(&self) -> PathBuf {
        self.pki_dir.join("ca.pem")
    }

    pub fn file(&self, name: &str) -> String {
        self.pki_dir.join(name).display().to_string()
    }

    /// The URI a service uses: its own user, authenticated against `admin`, its own database.
    pub fn mongo_uri(&self, user: &User) -> String {
        secured::mongo_uri_with(self.mongo_port, user, self.mongo_options)
    }

    /// The same server without credentials.
    pub fn mongo_anonymous_uri(&self) -> String {
        format!("mongodb://127.0.0.1:{}/?{}", self.mongo_port, self.mongo_options)
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
        let (kafka_order, kafka_contact) = (user("order-service", ""), user("contact-service", ""));
        let mongo_admin_password = labs_devkit::password();
        let (mongo_port, kafka_bootstrap, mongo_options) = match own_servers() {
            (Servers::Containers, why) => {
                eprintln!("secured MongoDB and Kafka: containers ({why})");
                let (mongo_image, kafka_image) = labs_devkit::containers::images_from_env();
                let mongo_users = [mongo_order.clone(), mongo_contact.clone()];
                let kafka = SecuredKafkaFiles {
                    users: [&kafka_order, &kafka_contact].iter().map(|u| (u.name.clone(), u.password.clone())).collect(),
                    cert_pem: std::fs::read(pki_dir.join("kafka.pem")).unwrap(),
                    key_pem: std::fs::read(pki_dir.join("kafka-key.pem")).unwrap(),
                };
                let admin_password = mongo_admin_password.clone();
                // On a thread and runtime of its own, so that any test can ask first.
                let started = std::thread::spawn(move || {
                    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                    runtime.block_on(async {
                        let mongo = Server::mongo_auth(&mongo_image, "admin", &admin_password).await?;
                        create_mongo_users(mongo.host_port, &admin_password, &mongo_users).await?;
                        let kafka = Server::kafka_secured(&kafka_image, &kafka).await?;
                        anyhow::Ok((mongo, kafka))
                    })
                });
                let (mongo, kafka) = started.join().expect("container start-up thread").expect("secured MongoDB and Kafka containers");
                let ports = (mongo.host_port, format!("localhost:{}", kafka.host_port), "directConnection=true");
                // Never dropped: the watchers remove them when the test process ends.
                std::mem::forget((mongo, kafka));
                ports
            }
            (Servers::Processes, why) => {
                eprintln!("secured MongoDB and Kafka: stand-in processes ({why})");
                let mongo_port = standins::free_port();
                let mongo = secured::start_mongo(
                    mongo_port,
                    &dir.join("mongo"),
                    &dir.join("mongo.log"),
                    &mongo_admin_password,
                    &[mongo_order.clone(), mongo_contact.clone()],
                )
                .expect("secured SecantusDB");
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
                (mongo_port, kafka_bootstrap, "replicaSet=secantus")
            }
        };
        Secured {
            pki_dir,
            mongo_port,
            mongo_admin_password,
            mongo_order,
            mongo_contact,
            kafka_bootstrap,
            kafka_order,
            kafka_contact,
            mongo_options,
        }
    })
}

/// Each user `readWrite` on its own database, created inside the container through the
/// published port as the root user its entrypoint made (stored in `admin`, as the processes').
async fn create_mongo_users(port: u16, admin_password: &str, users: &[User]) -> anyhow::Result<()> {
    let uri = format!("mongodb://admin:{admin_password}@127.0.0.1:{port}/?directConnection=true&authSource=admin");
    let admin = mongodb::Client::with_uri_str(&uri).await?.database("admin");
    for user in users {
        let roles = [doc! { "role": "readWrite", "db": &user.database }];
        admin.run_command(doc! { "createUser": &user.name, "pwd": &user.password, "roles": roles.as_slice() }).await?;
    }
    Ok(())
}
