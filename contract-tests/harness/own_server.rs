//! A MongoDB or Kafka of one test's own, for tests that stop and break it (chaos::, ops::
//! readiness): a container where the suite runs on containers ([`super::containers::own_servers`]),
//! else a SecantusDB or nisshi process. Either keeps its data over a stop and start (the
//! image's data volume, the Kafka stand-in on SQLite there; a storage directory and nisshi on
//! SQLite for processes) and comes back on the same 127.0.0.1 port, so the services'
//! connection strings stay valid.

use std::path::{Path, PathBuf};

use labs_devkit::containers::Server;

use super::{
    containers::{own_servers, Servers},
    infra::standins::{self, StandIn},
};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Mongo,
    Kafka,
}

pub struct OwnServer {
    kind: Kind,
    place: Place,
}

// One or two per test: the variants' sizes do not matter.
#[allow(clippy::large_enum_variant)]
enum Place {
    /// Data and log under `dir`; `None` while stopped.
    Process {
        dir: PathBuf,
        port: u16,
        running: Option<StandIn>,
    },
    Container(Server),
}

impl OwnServer {
    /// A single-node replica set, started and ready; a process keeps its data in `dir`.
    pub async fn mongo(dir: &Path) -> OwnServer {
        OwnServer::new(Kind::Mongo, dir).await
    }

    /// A Kafka broker with persistent storage, started and ready.
    pub async fn kafka(dir: &Path) -> OwnServer {
        OwnServer::new(Kind::Kafka, dir).await
    }

    async fn new(kind: Kind, dir: &Path) -> OwnServer {
        let place = match own_servers().0 {
            Servers::Containers => {
                let (mongo_image, kafka_image) = labs_devkit::containers::images_from_env();
                let server = match kind {
                    Kind::Mongo => Server::mongo(&mongo_image).await.expect("the MongoDB container starts"),
                    Kind::Kafka => Server::kafka_persistent(&kafka_image).await.expect("the Kafka container starts"),
                };
                Place::Container(server)
            }
            Servers::Processes => Place::Process { dir: dir.to_path_buf(), port: standins::free_port(), running: None },
        };
        let mut server = OwnServer { kind, place };
        server.start().await;
        server
    }

    pub fn port(&self) -> u16 {
        match &self.place {
            Place::Process { port, .. } => *port,
            Place::Container(server) => server.host_port,
        }
    }

    /// The stand-in process names its replica set; a container is reached directly, whatever
    /// host name the member advertises (as the harness's shared containers are).
    pub fn mongo_uri(&self) -> String {
        match &self.place {
            Place::Process { port, .. } => standins::mongo_uri(*port),
            Place::Container(server) => format!("mongodb://127.0.0.1:{}/?directConnection=true", server.host_port),
        }
    }

    /// Starts it (again) and waits until it is ready; nothing if it runs.
    pub async fn start(&mut self) {
        let kind = self.kind;
        match &mut self.place {
            Place::Process { dir, port, running } if running.is_none() => {
                let (port, dir) = (*port, dir.clone());
                let started = tokio::task::spawn_blocking(move || match kind {
                    Kind::Mongo => standins::start_mongo(port, &dir.join("mongo"), &dir.join("mongo.log")),
                    Kind::Kafka => standins::start_kafka_persistent(port, &dir.join("kafka"), &dir.join("kafka.log")),
                });
                *running = Some(started.await.unwrap().expect("the stand-in starts"));
            }
            Place::Process { .. } => {}
            Place::Container(server) => {
                if !server.is_running().await.expect("docker inspect") {
                    server.start().await.expect("docker start");
                }
            }
        }
    }

    /// A graceful stop: SIGTERM, SIGKILL only if it does not end in time.
    pub async fn stop(&mut self) {
        match &mut self.place {
            Place::Process { running, .. } => {
                if let Some(mut server) = running.take() {
                    tokio::task::spawn_blocking(move || server.stop()).await.unwrap();
                }
            }
            Place::Container(server) => server.stop().await.expect("docker stop"),
        }
    }

    /// The container, for faults only a container has (network, pause); `None` for a process.
    pub fn container(&mut self) -> Option<&mut Server> {
        match &mut self.place {
            Place::Container(server) => Some(server),
            Place::Process { .. } => None,
        }
    }

    /// Stops a process now (blocking: for destructors, before its directory goes). A container
    /// is removed, with its volumes, when this is dropped.
    pub fn stop_process(&mut self) {
        if let Place::Process { running, .. } = &mut self.place {
            drop(running.take());
        }
    }

    /// For a failed test: a process's log stays in its directory; a container's goes with it,
    /// so its last lines are printed now.
    pub fn evidence(&self) {
        match &self.place {
            Place::Process { dir, .. } => eprintln!("the stand-in's data and log are kept in {}", dir.display()),
            Place::Container(server) => {
                let logs = std::process::Command::new("docker").args(["logs", "--tail", "40", server.id()]).output();
                let logs = logs.map(|o| format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)));
                eprintln!("the last lines of the container's log ({}):\n{}", server.image, logs.unwrap_or_default());
            }
        }
    }
}
