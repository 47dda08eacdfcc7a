//! The MongoDB and Kafka of one chaos [`super::system::System`], its own so that it can break
//! them: containers where the suite runs on containers (`harness::containers::own_servers`),
//! else SecantusDB and nisshi as processes. Both keep their data over a stop and start
//! (SecantusDB's storage directory or the image's data volume; nisshi on SQLite), and come back
//! on the same 127.0.0.1 port, so the services' connection strings stay valid.

use std::path::{Path, PathBuf};

use labs_devkit::containers::Server;

use crate::harness::{
    containers::{self, Servers as Where},
    infra::standins::{self, StandIn},
};

// One per test: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
pub enum Servers {
    Processes { dir: PathBuf, mongo_port: u16, kafka_port: u16, mongo: Option<StandIn>, kafka: Option<StandIn> },
    Containers { mongo: Server, kafka: Server },
}

impl Servers {
    /// Starts both; `dir` holds the processes' data and logs (unused with containers).
    pub async fn start(dir: &Path) -> Servers {
        let servers = match containers::own_servers().0 {
            Where::Containers => {
                let (mongo_image, kafka_image) = labs_devkit::containers::images_from_env();
                let mongo = Server::mongo(&mongo_image).await.expect("the MongoDB container starts");
                let kafka = Server::kafka_persistent(&kafka_image).await.expect("the Kafka container starts");
                Servers::Containers { mongo, kafka }
            }
            Where::Processes => {
                let (mongo_port, kafka_port) = (standins::free_port(), standins::free_port());
                Servers::Processes { dir: dir.to_path_buf(), mongo_port, kafka_port, mongo: None, kafka: None }
            }
        };
        let mut servers = servers;
        servers.start_mongo().await;
        servers.start_kafka().await;
        servers
    }

    pub fn ports(&self) -> (u16, u16) {
        match self {
            Servers::Processes { mongo_port, kafka_port, .. } => (*mongo_port, *kafka_port),
            Servers::Containers { mongo, kafka } => (mongo.host_port, kafka.host_port),
        }
    }

    /// The replica set's name is the stand-in's; a container is reached directly, whatever host
    /// name the member advertises (as in the harness's shared containers).
    pub fn mongo_uri(&self) -> String {
        match self {
            Servers::Processes { mongo_port, .. } => standins::mongo_uri(*mongo_port),
            Servers::Containers { mongo, .. } => format!("mongodb://127.0.0.1:{}/?directConnection=true", mongo.host_port),
        }
    }

    /// Starts MongoDB again (the first time, for processes) and waits until it is ready.
    pub async fn start_mongo(&mut self) {
        match self {
            Servers::Processes { dir, mongo_port, mongo, .. } => {
                let (port, dir) = (*mongo_port, dir.clone());
                let started = tokio::task::spawn_blocking(move || standins::start_mongo(port, &dir.join("mongo"), &dir.join("mongo.log")));
                *mongo = Some(started.await.unwrap().expect("SecantusDB starts"));
            }
            Servers::Containers { mongo, .. } if !is_running(mongo).await => mongo.start().await.expect("docker start of MongoDB"),
            Servers::Containers { .. } => {} // it was just created
        }
    }

    /// A graceful stop: SIGTERM (SIGKILL only if it does not end in time).
    pub async fn stop_mongo(&mut self) {
        match self {
            Servers::Processes { mongo, .. } => stop(mongo.take()).await,
            Servers::Containers { mongo, .. } => mongo.stop().await.expect("docker stop of MongoDB"),
        }
    }

    pub async fn start_kafka(&mut self) {
        match self {
            Servers::Processes { dir, kafka_port, kafka, .. } => {
                let (port, dir) = (*kafka_port, dir.clone());
                let started =
                    tokio::task::spawn_blocking(move || standins::start_kafka_persistent(port, &dir.join("kafka"), &dir.join("kafka.log")));
                *kafka = Some(started.await.unwrap().expect("nisshi starts"));
            }
            Servers::Containers { kafka, .. } if !is_running(kafka).await => kafka.start().await.expect("docker start of Kafka"),
            Servers::Containers { .. } => {}
        }
    }

    pub async fn stop_kafka(&mut self) {
        match self {
            Servers::Processes { kafka, .. } => stop(kafka.take()).await,
            Servers::Containers { kafka, .. } => kafka.stop().await.expect("docker stop of Kafka"),
        }
    }

    /// The MongoDB container cut off its network (`docker network disconnect`), still running;
    /// `None` with processes, which have no network of their own to lose.
    pub fn mongo_container(&mut self) -> Option<&mut Server> {
        match self {
            Servers::Containers { mongo, .. } => Some(mongo),
            Servers::Processes { .. } => None,
        }
    }

    /// Stops the processes, if these are (blocking: for a destructor).
    pub fn stop_processes(&mut self) {
        if let Servers::Processes { mongo, kafka, .. } = self {
            drop(kafka.take());
            drop(mongo.take());
        }
    }

    /// Where a failed test's evidence is: the processes' logs are kept in `dir`; a container's
    /// log is printed now, as the container goes when the test ends.
    pub fn evidence(&self, dir: &Path) {
        match self {
            Servers::Processes { .. } => eprintln!("chaos: the stand-ins' data and logs are kept in {}", dir.display()),
            Servers::Containers { mongo, kafka } => {
                for (what, server) in [("MongoDB", mongo), ("Kafka", kafka)] {
                    let logs = std::process::Command::new("docker").args(["logs", "--tail", "40", server.id()]).output();
                    let logs = logs.map(|o| format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)));
                    eprintln!("chaos: the last lines of the {what} container's log ({}):\n{}", server.image, logs.unwrap_or_default());
                }
            }
        }
    }
}

async fn stop(server: Option<StandIn>) {
    if let Some(mut server) = server {
        tokio::task::spawn_blocking(move || server.stop()).await.unwrap();
    }
}

async fn is_running(server: &Server) -> bool {
    server.is_running().await.expect("docker inspect")
}
