//! MongoDB and Kafka in containers (testcontainers): the one implementation behind plain
//! `cargo test` on a machine with a Docker engine (the contract-test harness, once per test
//! process) and `labs-dev containers` (once for a whole `cargo xtask test` run).
//!
//! Default images: `mongo:8.0` (started with `--replSet rs0`, then `rs.initiate` through
//! mongosh, ready once `db.hello()` says it is a writable primary) and `apache/kafka:4.1.0`
//! (KRaft, one node, plaintext). `LABS_TEST_MONGO_IMAGE` and `LABS_TEST_KAFKA_IMAGE` name
//! others; an image that is not the upstream one must be a single-node replica set primary,
//! or a Kafka-protocol broker configured by nisshi's `LISTENER_URL`/`ADVERTISED_LISTENER_URL`,
//! once its HEALTHCHECK passes (the stand-in images of `cargo xtask images` are). Clients reach
//! both through ports published on 127.0.0.1 (and only there); the MongoDB URI says
//! `directConnection=true`, so the member's advertised host never matters. No MongoDB driver here: readiness comes from
//! the image's healthcheck or from mongosh inside the container.
//!
//! Every container is removed once the process that started it is gone, however it ends: a
//! watcher process (`sh`, in its own process group) removes it when that pid no longer exists.
//! [`Containers::remove`] removes them at once.
//!
//! [`Server`] (server.rs) is one such container of a test's own, with the faults a chaos test
//! applies to it: stop and start, SIGKILL, pause, network disconnect; or secured
//! ([`Server::mongo_auth`], [`Server::kafka_secured`]) through a [`Setup`] (environment,
//! entrypoint and command, files copied in).

mod server;

pub use server::{SecuredKafkaFiles, Server};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use testcontainers::{
    core::{ExecCommand, IntoContainerPort, WaitFor},
    runners::AsyncRunner,
    ContainerAsync, ContainerRequest, CopyTargetOptions, GenericImage, ImageExt,
};

pub const MONGO_IMAGE_VAR: &str = "LABS_TEST_MONGO_IMAGE";
pub const KAFKA_IMAGE_VAR: &str = "LABS_TEST_KAFKA_IMAGE";
pub const MONGO_DEFAULT: &str = "mongo:8.0";
pub const KAFKA_DEFAULT: &str = "apache/kafka:4.1.0";

/// Both containers, and where clients reach them.
pub struct Containers {
    pub mongo_uri: String,
    pub kafka_bootstrap: String,
    pub mongo_image: String,
    pub kafka_image: String,
    mongo: ContainerAsync<GenericImage>,
    kafka: ContainerAsync<GenericImage>,
}

/// A Docker engine answers `docker info`.
pub fn docker_answers() -> bool {
    let mut info = Command::new("docker");
    info.args(["info", "--format", "{{.ServerVersion}}"]).stdout(Stdio::null()).stderr(Stdio::null());
    info.status().is_ok_and(|s| s.success())
}

/// The images the environment names (`LABS_TEST_MONGO_IMAGE`, `LABS_TEST_KAFKA_IMAGE`), else
/// the defaults.
pub fn images_from_env() -> (String, String) {
    let named = |var: &str, default: &str| std::env::var(var).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.into());
    (named(MONGO_IMAGE_VAR, MONGO_DEFAULT), named(KAFKA_IMAGE_VAR, KAFKA_DEFAULT))
}

impl Containers {
    /// Starts MongoDB, waits until it is a writable primary, then Kafka, until it is ready.
    /// Each is watched from the moment it exists (removed once this process is gone).
    pub async fn start(mongo_image: &str, kafka_image: &str) -> anyhow::Result<Containers> {
        let mongo = start_mongo_container(mongo_image).await.with_context(|| format!("MongoDB container of {mongo_image}"))?;
        let mongo_uri = format!("mongodb://127.0.0.1:{}/?directConnection=true", mongo.get_host_port_ipv4(27017).await?);
        let (kafka, kafka_port) =
            start_kafka_container(kafka_image, false).await.with_context(|| format!("Kafka container of {kafka_image}"))?;
        Ok(Containers {
            mongo_uri,
            kafka_bootstrap: format!("127.0.0.1:{kafka_port}"),
            mongo_image: mongo_image.into(),
            kafka_image: kafka_image.into(),
            mongo,
            kafka,
        })
    }

    /// Removes both containers (and their anonymous volumes) now.
    pub async fn remove(self) -> anyhow::Result<()> {
        let (mongo, kafka) = (self.mongo.rm().await, self.kafka.rm().await);
        mongo.context("removing the MongoDB container")?;
        kafka.context("removing the Kafka container")?;
        Ok(())
    }

    /// Leaves both containers to their watchers: they are removed once this process is gone.
    pub fn keep_until_exit(self) {
        std::mem::forget(self);
    }
}

/// What a test adds to an image's defaults: environment variables, another entrypoint and
/// command, files copied in before it starts (the TLS certificates of a secured broker, say).
#[derive(Clone, Debug, Default)]
pub struct Setup {
    pub env: Vec<(String, String)>,
    pub entrypoint: Option<String>,
    /// Replaces the image's CMD (the arguments of its entrypoint).
    pub cmd: Option<Vec<String>>,
    /// Path in the container, contents, mode; owned by root.
    pub files: Vec<(String, Vec<u8>, u32)>,
}

impl Setup {
    fn image(&self, name: String, tag: String) -> GenericImage {
        let image = GenericImage::new(name, tag);
        match &self.entrypoint {
            Some(entrypoint) => image.with_entrypoint(entrypoint),
            None => image,
        }
    }

    fn apply(&self, mut request: ContainerRequest<GenericImage>) -> ContainerRequest<GenericImage> {
        for (name, value) in &self.env {
            request = request.with_env_var(name, value);
        }
        for (path, contents, mode) in &self.files {
            request = request.with_copy_to(CopyTargetOptions::new(path).with_mode(*mode), contents.clone());
        }
        match &self.cmd {
            Some(cmd) => request.with_cmd(cmd),
            None => request,
        }
    }
}

/// `repo[:tag]` split at the tag's colon (a registry's port colon comes before a slash).
fn name_and_tag(image: &str) -> (String, String) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name.into(), tag.into()),
        _ => (image.into(), "latest".into()),
    }
}

pub(crate) fn is_upstream(image: &str, repo: &str) -> bool {
    let (name, _) = name_and_tag(image);
    name == repo || name == format!("docker.io/{repo}") || name == format!("docker.io/library/{repo}")
}

pub(crate) async fn start_mongo_container(image: &str) -> anyhow::Result<ContainerAsync<GenericImage>> {
    start_mongo_container_with(image, &Setup::default(), None).await
}

/// As [`start_mongo_container`], with `setup` applied; `root`: the root user and password the
/// setup creates (the upstream image then needs them for `rs.initiate`).
pub(crate) async fn start_mongo_container_with(
    image: &str,
    setup: &Setup,
    root: Option<(&str, &str)>,
) -> anyhow::Result<ContainerAsync<GenericImage>> {
    let (name, tag) = name_and_tag(image);
    let upstream = is_upstream(image, "mongo");
    let wait = if upstream { WaitFor::message_on_stdout("Waiting for connections") } else { WaitFor::healthcheck() };
    let port = free_port()?;
    let generic = setup.image(name, tag).with_wait_for(wait);
    let request =
        generic.with_mapped_port(port, 27017.tcp()).with_host_config_modifier(loopback_only).with_startup_timeout(Duration::from_secs(120));
    let request = if upstream && setup.cmd.is_none() { request.with_cmd(["--replSet", "rs0", "--bind_ip_all"]) } else { request };
    let container = setup.apply(request).start().await?;
    watch(container.id());
    if let (true, Some((user, password))) = (upstream, root) {
        initiate_with_auth(&container, user, password).await?;
    } else if upstream {
        let initiate = "rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'localhost:27017'}]})";
        mongosh(&container, initiate).await?;
        // Right after rs.initiate the member is not yet primary.
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let primary = mongosh(&container, "db.hello().isWritablePrimary").await?;
            if primary.trim() == "true" {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "not a writable primary 60 s after rs.initiate (db.hello().isWritablePrimary: {primary:?})"
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(container)
}

/// `rs.initiate` on the upstream image started by [`Server::mongo_auth`]: its entrypoint first
/// runs a temporary mongod without `--replSet` to create the root user (which also says
/// "Waiting for connections"), so this asks until the real one is up, initiates it and waits
/// until it is a writable primary. Not run here: no upstream image can be pulled.
async fn initiate_with_auth(container: &ContainerAsync<GenericImage>, user: &str, password: &str) -> anyhow::Result<()> {
    let script = "try { rs.status() } catch (e) { if (e.codeName === 'NotYetInitialized') \
                  rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'localhost:27017'}]}) } \
                  print(db.hello().isWritablePrimary)";
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let command = ["mongosh", "--quiet", "-u", user, "-p", password, "--authenticationDatabase", "admin", "--eval", script];
        let mut exec = container.exec(ExecCommand::new(command)).await?;
        let stdout = String::from_utf8_lossy(&exec.stdout_to_vec().await?).into_owned();
        if stdout.trim().ends_with("true") {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "not a writable primary 120 s after its start (last answer: {stdout:?})");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// `mongosh --quiet --eval SCRIPT` inside the container; its stdout.
pub(crate) async fn mongosh(container: &ContainerAsync<GenericImage>, script: &str) -> anyhow::Result<String> {
    let mut exec = container.exec(ExecCommand::new(["mongosh", "--quiet", "--eval", script])).await?;
    let stdout = String::from_utf8_lossy(&exec.stdout_to_vec().await?).into_owned();
    Ok(stdout)
}

/// Kafka advertises the address clients use, so the host port is chosen first and mapped.
/// Both images' settings are given: each reads its own (nisshi: LISTENER_URL and
/// ADVERTISED_LISTENER_URL; apache/kafka: KAFKA_*). `persistent`: the stand-in keeps its data
/// in SQLite on its data volume instead of memory, so a stop and start loses nothing (the
/// upstream image always keeps its log in the container's file system).
pub(crate) async fn start_kafka_container(image: &str, persistent: bool) -> anyhow::Result<(ContainerAsync<GenericImage>, u16)> {
    start_kafka_container_with(image, persistent, &Setup::default()).await
}

/// As [`start_kafka_container`], with `setup` applied last (its variables win).
pub(crate) async fn start_kafka_container_with(
    image: &str,
    persistent: bool,
    setup: &Setup,
) -> anyhow::Result<(ContainerAsync<GenericImage>, u16)> {
    let (name, tag) = name_and_tag(image);
    let upstream = is_upstream(image, "apache/kafka");
    let wait = if upstream { WaitFor::message_on_stdout("Kafka Server started") } else { WaitFor::healthcheck() };
    let port = free_port()?;
    let advertised = format!("127.0.0.1:{port}");
    let request = setup
        .image(name, tag)
        .with_wait_for(wait)
        .with_mapped_port(port, 9092.tcp())
        .with_host_config_modifier(loopback_only)
        .with_startup_timeout(Duration::from_secs(120))
        .with_env_var("LISTENER_URL", "tcp://0.0.0.0:9092")
        .with_env_var("ADVERTISED_LISTENER_URL", format!("tcp://{advertised}"))
        .with_env_var("KAFKA_NODE_ID", "1")
        .with_env_var("KAFKA_PROCESS_ROLES", "broker,controller")
        .with_env_var("KAFKA_LISTENERS", "PLAINTEXT://:9092,CONTROLLER://:9093")
        .with_env_var("KAFKA_ADVERTISED_LISTENERS", format!("PLAINTEXT://{advertised}"))
        .with_env_var("KAFKA_CONTROLLER_LISTENER_NAMES", "CONTROLLER")
        .with_env_var("KAFKA_LISTENER_SECURITY_PROTOCOL_MAP", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT")
        .with_env_var("KAFKA_CONTROLLER_QUORUM_VOTERS", "1@localhost:9093")
        .with_env_var("KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", "1")
        .with_env_var("KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", "1")
        .with_env_var("KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", "1")
        .with_env_var("KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS", "0");
    // Relative to the stand-in's working directory, its data volume (as compose's override).
    let request = if persistent { request.with_env_var("STORAGE_ENGINE", "sqlite://nisshi.db") } else { request };
    let container = setup.apply(request).start().await?;
    watch(container.id());
    Ok((container, port))
}

/// Ports are published on 127.0.0.1 only (Docker's default is every interface).
fn loopback_only(host_config: &mut testcontainers::bollard::models::HostConfig) {
    for bindings in host_config.port_bindings.iter_mut().flat_map(|ports| ports.values_mut()).flatten() {
        for binding in bindings {
            binding.host_ip = Some("127.0.0.1".into());
        }
    }
}

/// A port on 127.0.0.1 that was free a moment ago.
fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Removes the container once this process is gone.
fn watch(container_id: &str) {
    let script = "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; docker rm --force --volumes \"$2\" >/dev/null 2>&1";
    let mut watcher = Command::new("sh");
    watcher.args(["-c", script, "sh", &std::process::id().to_string(), container_id]);
    std::os::unix::process::CommandExt::process_group(&mut watcher, 0);
    let _ = watcher.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
}
