//! One MongoDB or Kafka container that a test owns, with the faults a chaos test applies to it.
//!
//! - Its host port is chosen before it starts and published explicitly on 127.0.0.1, so a
//!   `docker stop` and `docker start` (or a network disconnect and connect) bring it back on
//!   the same address: the services' connection strings stay valid.
//! - Its data survives a stop: MongoDB's is on the image's data volume, which belongs to the
//!   container until it is removed; the Kafka stand-in is started with SQLite storage there
//!   (its default is memory).
//! - After a start it is ready only once the image's own healthcheck command passes when run
//!   inside it (Docker's health status lags behind by an interval and may still say "healthy"
//!   from before the stop); the upstream images have none, so mongosh's `hello` and a TCP
//!   connect to Kafka's listener stand in for it.
//!
//! Network faults and signals go through the `docker` CLI (testcontainers has no network
//! disconnect), on a blocking thread so that a test's single-threaded runtime keeps serving its
//! load meanwhile.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use testcontainers::{ContainerAsync, GenericImage};

/// A MongoDB or Kafka container of one test.
pub struct Server {
    container: ContainerAsync<GenericImage>,
    /// The port published on 127.0.0.1.
    pub host_port: u16,
    pub image: String,
    /// Where it was connected when [`Server::disconnect`] cut it off.
    networks: Vec<String>,
    ready: Vec<String>,
}

impl Server {
    /// A single-node replica set primary (see the module above [`crate::containers`]).
    pub async fn mongo(image: &str) -> anyhow::Result<Server> {
        let container = super::start_mongo_container(image).await.with_context(|| format!("MongoDB container of {image}"))?;
        let host_port = container.get_host_port_ipv4(27017).await?;
        let upstream = super::is_upstream(image, "mongo");
        let fallback = ["mongosh", "--quiet", "--eval", "quit(db.hello().isWritablePrimary ? 0 : 1)"];
        Server::new(container, host_port, image, upstream, &fallback).await
    }

    /// A single-node replica set primary with authentication on and a root user `user`
    /// (`password`), created by the image's entrypoint on its first start
    /// (`MONGO_INITDB_ROOT_USERNAME`/`_PASSWORD`, which both the upstream and the stand-in image
    /// read). Other users are created through the published port as that user.
    ///
    /// The upstream image also needs a keyfile for a replica set with authentication: one is
    /// copied in, and `rs.initiate` runs with the root user's credentials. That path has not
    /// run here (no upstream image can be pulled); the stand-in's has.
    pub async fn mongo_auth(image: &str, user: &str, password: &str) -> anyhow::Result<Server> {
        let upstream = super::is_upstream(image, "mongo");
        let mut setup = super::Setup {
            env: vec![("MONGO_INITDB_ROOT_USERNAME".into(), user.into()), ("MONGO_INITDB_ROOT_PASSWORD".into(), password.into())],
            ..Default::default()
        };
        if upstream {
            let keyfile = (0..8).map(|_| crate::password()).collect::<String>();
            setup.files.push(("/etc/labs/mongo-keyfile".into(), keyfile.into_bytes(), 0o400));
            setup.entrypoint = Some("bash".into());
            let start = "install -o mongodb -g mongodb -m 400 /etc/labs/mongo-keyfile /tmp/mongo-keyfile \
                         && exec docker-entrypoint.sh mongod --replSet rs0 --bind_ip_all --keyFile /tmp/mongo-keyfile";
            setup.cmd = Some(vec!["-c".into(), start.into()]);
        }
        let container = super::start_mongo_container_with(image, &setup, Some((user, password)))
            .await
            .with_context(|| format!("MongoDB container of {image} (authentication on)"))?;
        let host_port = container.get_host_port_ipv4(27017).await?;
        let fallback = ["mongosh", "--quiet", "--eval", "quit(db.hello().isWritablePrimary ? 0 : 1)"];
        Server::new(container, host_port, image, upstream, &fallback).await
    }

    /// A Kafka broker secured as the system runs it: TLS only (`files`' certificate, which must
    /// name `localhost`, the address it advertises), every client authenticated with
    /// SCRAM-SHA-512 as one of `files.users`, storage that survives a stop and start. Each image
    /// runs the start script compose runs for it, with the test's files:
    /// - the stand-in (deploy/standins/kafka/secured-start.sh): the users are created on its
    ///   first start through a plaintext broker on the container's loopback interface;
    /// - the upstream image (deploy/kafka/start.sh, deploy/kafka/server.properties): the users
    ///   are written by the storage format; no ACLs here (every user may use every topic, as
    ///   with the stand-in), topics created on first use. Never run on this project's machines
    ///   (no registry): written from the compose set-up, which is unrun too.
    pub async fn kafka_secured(image: &str, files: &SecuredKafkaFiles) -> anyhow::Result<Server> {
        let upstream = super::is_upstream(image, "apache/kafka");
        let users: String = files.users.iter().map(|(name, password)| format!("{name} {password}\n")).collect();
        let mut files = vec![
            ("/etc/labs/kafka.pem".into(), files.cert_pem.clone(), 0o644),
            // Readable by the broker's user; the container is the test's alone.
            ("/etc/labs/kafka-key.pem".into(), files.key_pem.clone(), 0o644),
            ("/etc/labs/kafka-users".into(), users.into_bytes(), 0o644),
        ];
        let mut env: Vec<(String, String)> = vec![
            ("KAFKA_USERS_FILE".into(), "/etc/labs/kafka-users".into()),
            ("KAFKA_CERT".into(), "/etc/labs/kafka.pem".into()),
            ("KAFKA_KEY".into(), "/etc/labs/kafka-key.pem".into()),
            ("KAFKA_ADVERTISED_HOST".into(), "localhost".into()),
        ];
        let start = if upstream {
            files.push(("/etc/labs/server.properties".into(), UPSTREAM_KAFKA_PROPERTIES.as_bytes().to_vec(), 0o644));
            env.push(("KAFKA_BASE_PROPERTIES".into(), "/etc/labs/server.properties".into()));
            env.push(("KAFKA_EXTRA_PROPERTIES".into(), "allow.everyone.if.no.acl.found=true\nauto.create.topics.enable=true".into()));
            // Any valid KRaft cluster id; this is compose.yaml's default.
            env.push(("CLUSTER_ID".into(), "WmSelZDTTxa1twZ5jdBl3w".into()));
            UPSTREAM_KAFKA_START
        } else {
            env.push(("KAFKA_TOPICS".into(), String::new()));
            SECURED_KAFKA_START
        };
        let setup = super::Setup { env, entrypoint: Some("/bin/bash".into()), cmd: Some(vec!["-c".into(), start.into()]), files };
        let (container, host_port) =
            super::start_kafka_container_with(image, true, &setup).await.with_context(|| format!("secured Kafka container of {image}"))?;
        Server::new(container, host_port, image, upstream, &["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9092"]).await
    }

    /// A Kafka broker whose topics, records and committed offsets survive a stop and start.
    pub async fn kafka_persistent(image: &str) -> anyhow::Result<Server> {
        let (container, host_port) =
            super::start_kafka_container(image, true).await.with_context(|| format!("Kafka container of {image}"))?;
        let upstream = super::is_upstream(image, "apache/kafka");
        Server::new(container, host_port, image, upstream, &["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9092"]).await
    }

    async fn new(
        container: ContainerAsync<GenericImage>,
        host_port: u16,
        image: &str,
        upstream: bool,
        fallback: &[&str],
    ) -> anyhow::Result<Server> {
        let healthcheck = if upstream { None } else { healthcheck_command(container.id()).await? };
        let ready = healthcheck.unwrap_or_else(|| fallback.iter().map(|s| s.to_string()).collect());
        Ok(Server { container, host_port, image: image.into(), networks: Vec::new(), ready })
    }

    pub fn id(&self) -> &str {
        self.container.id()
    }

    pub async fn is_running(&self) -> anyhow::Result<bool> {
        Ok(self.container.is_running().await?)
    }

    /// `docker stop`: SIGTERM, SIGKILL after 10 s.
    pub async fn stop(&self) -> anyhow::Result<()> {
        self.container.stop().await.with_context(|| format!("docker stop {}", self.id()))
    }

    /// `docker start`, then waits until it is ready again (at most 120 s).
    pub async fn start(&self) -> anyhow::Result<()> {
        self.container.start().await.with_context(|| format!("docker start {}", self.id()))?;
        self.wait_ready(Duration::from_secs(120)).await
    }

    /// `docker kill`: SIGKILL, nothing flushed or closed.
    pub async fn kill(&self) -> anyhow::Result<()> {
        docker(&["kill", self.id()]).await.map(drop)
    }

    /// `docker pause`: every process frozen; connections are still accepted by its kernel.
    /// Tried up to five times: the cgroup freezer gives up ("unable to freeze") while a process
    /// is in uninterruptible sleep, e.g. the database in an fsync on a busy disk, and runc then
    /// thaws what it froze (seen once in a full test run).
    pub async fn pause(&self) -> anyhow::Result<()> {
        let mut attempt = 1;
        loop {
            match self.container.pause().await {
                Ok(()) => return Ok(()),
                Err(e) if attempt < 5 => eprintln!("docker pause {} (attempt {attempt}): {e}; trying again", self.id()),
                Err(e) => return Err(e).with_context(|| format!("docker pause {} ({attempt} attempts)", self.id())),
            }
            attempt += 1;
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    pub async fn unpause(&self) -> anyhow::Result<()> {
        self.container.unpause().await.with_context(|| format!("docker unpause {}", self.id()))
    }

    /// `docker network disconnect` from every network it is on; [`Server::connect`] undoes it.
    /// The server keeps running. Docker withdraws the published port with the network it was
    /// published on: clients on the host are refused, and open connections through the port
    /// are closed (measured with dockerd 20.10 and its userland proxy).
    pub async fn disconnect(&mut self) -> anyhow::Result<()> {
        let format = "{{range $name, $_ := .NetworkSettings.Networks}}{{$name}} {{end}}";
        let networks = docker(&["inspect", "--format", format, self.id()]).await?;
        self.networks = networks.split_whitespace().map(String::from).collect();
        for network in &self.networks {
            docker(&["network", "disconnect", network, self.id()]).await?;
        }
        Ok(())
    }

    /// `docker network connect` to the networks [`Server::disconnect`] took it off.
    pub async fn connect(&mut self) -> anyhow::Result<()> {
        for network in std::mem::take(&mut self.networks) {
            docker(&["network", "connect", &network, self.id()]).await?;
        }
        Ok(())
    }

    /// Runs its readiness command inside it until that succeeds.
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        let mut exec = vec!["exec", self.id()];
        exec.extend(self.ready.iter().map(String::as_str));
        loop {
            let last = match docker(&exec).await {
                Ok(_) => return Ok(()),
                Err(e) => e,
            };
            if Instant::now() > deadline {
                bail!("{} ({}) not ready {timeout:?} after its start: {last:#}", self.id(), self.image);
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    }

    /// Removes the container and its volumes now (else its watcher does when the process ends).
    pub async fn remove(self) -> anyhow::Result<()> {
        self.container.rm().await.context("removing the container")
    }
}

/// What [`Server::kafka_secured`] copies into the container.
#[derive(Clone, Debug, Default)]
pub struct SecuredKafkaFiles {
    /// Name and password of each SCRAM-SHA-512 user (no spaces).
    pub users: Vec<(String, String)>,
    /// The broker's certificate and key (PEM).
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
}

/// The secured stand-in's start, the script compose's stand-in override runs too (the
/// variables at the call say what differs here), passed to bash so any nisshi image can run it.
const SECURED_KAFKA_START: &str = include_str!("../../../deploy/standins/kafka/secured-start.sh");
/// The upstream image's secured start and configuration, compose's too.
const UPSTREAM_KAFKA_START: &str = include_str!("../../../deploy/kafka/start.sh");
const UPSTREAM_KAFKA_PROPERTIES: &str = include_str!("../../../deploy/kafka/server.properties");

/// The image's HEALTHCHECK as a command line for `docker exec`, if it has one.
async fn healthcheck_command(id: &str) -> anyhow::Result<Option<Vec<String>>> {
    let json = docker(&["inspect", "--format", "{{json .Config.Healthcheck}}", id]).await?;
    #[derive(serde::Deserialize)]
    struct Healthcheck {
        #[serde(rename = "Test", default)]
        test: Vec<String>,
    }
    let Ok(Some(check)) = serde_json::from_str::<Option<Healthcheck>>(json.trim()) else { return Ok(None) };
    Ok(match check.test.split_first() {
        Some((kind, args)) if kind == "CMD" => Some(args.to_vec()),
        Some((kind, [script])) if kind == "CMD-SHELL" => Some(vec!["/bin/sh".into(), "-c".into(), script.clone()]),
        _ => None,
    })
}

/// `docker ARGS`, on a blocking thread; its stdout, or an error with its stderr.
async fn docker(args: &[&str]) -> anyhow::Result<String> {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let output = Command::new("docker").args(&args).stdin(Stdio::null()).output().context("cannot run docker")?;
        if !output.status.success() {
            bail!("docker {}: {}", args.join(" "), String::from_utf8_lossy(&output.stderr).trim());
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    })
    .await?
}
