//! MongoDB and Kafka in containers (testcontainers), started once per test process: what a
//! plain `cargo test` uses on a machine with a Docker engine and none of the `LABS_TEST_*`
//! server variables.
//!
//! Default images: `mongo:8.0` (started with `--replSet rs0`, then `rs.initiate` through
//! mongosh) and `apache/kafka:4.1.0` (KRaft, one node, plaintext). `LABS_TEST_MONGO_IMAGE` and
//! `LABS_TEST_KAFKA_IMAGE` name others; an image that is not the upstream one must be a
//! single-node replica set primary, or a Kafka-protocol broker configured by nisshi's
//! `LISTENER_URL`/`ADVERTISED_LISTENER_URL`, once its HEALTHCHECK passes (the stand-in images
//! of `cargo xtask images` are). Tests reach both through ports published on 127.0.0.1; the
//! MongoDB URI says `directConnection=true`, so the member's advertised host never matters.
//!
//! The containers are removed when the test process ends, however it ends: a watcher process
//! (`sh`, in its own process group) removes them once our pid is gone.

use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use testcontainers::{
    core::{ExecCommand, IntoContainerPort, WaitFor},
    runners::AsyncRunner,
    ContainerAsync, GenericImage, ImageExt,
};

use super::infra::standins;

pub const MONGO_IMAGE_VAR: &str = "LABS_TEST_MONGO_IMAGE";
pub const KAFKA_IMAGE_VAR: &str = "LABS_TEST_KAFKA_IMAGE";
const MONGO_DEFAULT: &str = "mongo:8.0";
const KAFKA_DEFAULT: &str = "apache/kafka:4.1.0";

pub struct Containers {
    pub mongo_uri: String,
    pub kafka_bootstrap: String,
    pub mongo_image: String,
    pub kafka_image: String,
}

/// A Docker engine answers `docker info`.
pub fn docker_answers() -> bool {
    let mut info = Command::new("docker");
    info.args(["info", "--format", "{{.ServerVersion}}"]).stdout(Stdio::null()).stderr(Stdio::null());
    info.status().is_ok_and(|s| s.success())
}

/// The containers of this test process, started on first use (on a thread of its own, so that
/// any test, async or not, can ask).
pub fn shared() -> &'static Containers {
    static CONTAINERS: OnceLock<Containers> = OnceLock::new();
    CONTAINERS.get_or_init(|| {
        let started = std::thread::spawn(|| {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
            runtime.block_on(start())
        });
        started.join().expect("container start-up thread").unwrap_or_else(|e| {
            panic!(
                "MongoDB and Kafka containers did not start: {e:#}\nWithout a registry, name local images with \
                 {MONGO_IMAGE_VAR}/{KAFKA_IMAGE_VAR} (`cargo xtask images` builds stand-in images), or run \
                 `cargo xtask test` (stand-ins as processes)."
            )
        })
    })
}

async fn start() -> anyhow::Result<Containers> {
    let mongo_image = std::env::var(MONGO_IMAGE_VAR).unwrap_or_else(|_| MONGO_DEFAULT.into());
    let kafka_image = std::env::var(KAFKA_IMAGE_VAR).unwrap_or_else(|_| KAFKA_DEFAULT.into());
    let mongo = start_mongo(&mongo_image).await?;
    watch(mongo.id());
    let mongo_uri = format!("mongodb://127.0.0.1:{}/?directConnection=true", mongo.get_host_port_ipv4(27017).await?);
    wait_for_primary(&mongo_uri).await?;
    let (kafka, kafka_port) = start_kafka(&kafka_image).await?;
    watch(kafka.id());
    // Never dropped: the watcher removes them when the process ends.
    std::mem::forget((mongo, kafka));
    Ok(Containers { mongo_uri, kafka_bootstrap: format!("127.0.0.1:{kafka_port}"), mongo_image, kafka_image })
}

/// `repo[:tag]` split at the tag's colon (a registry's port colon comes before a slash).
fn name_and_tag(image: &str) -> (String, String) {
    match image.rsplit_once(':') {
        Some((name, tag)) if !tag.contains('/') => (name.into(), tag.into()),
        _ => (image.into(), "latest".into()),
    }
}

fn is_upstream(image: &str, repo: &str) -> bool {
    let (name, _) = name_and_tag(image);
    name == repo || name == format!("docker.io/{repo}") || name == format!("docker.io/library/{repo}")
}

async fn start_mongo(image: &str) -> anyhow::Result<ContainerAsync<GenericImage>> {
    let (name, tag) = name_and_tag(image);
    let upstream = is_upstream(image, "mongo");
    let wait = if upstream { WaitFor::message_on_stdout("Waiting for connections") } else { WaitFor::healthcheck() };
    let generic = GenericImage::new(name, tag).with_exposed_port(27017.tcp()).with_wait_for(wait);
    let request = generic.with_startup_timeout(Duration::from_secs(120));
    let container = if upstream { request.with_cmd(["--replSet", "rs0", "--bind_ip_all"]).start().await? } else { request.start().await? };
    if upstream {
        let initiate = "rs.initiate({_id: 'rs0', members: [{_id: 0, host: 'localhost:27017'}]})";
        container.exec(ExecCommand::new(["mongosh", "--quiet", "--eval", initiate])).await?;
    }
    Ok(container)
}

/// Kafka advertises the address clients use, so the host port is chosen first and mapped.
/// Both images' settings are given: each reads its own (nisshi: LISTENER_URL and
/// ADVERTISED_LISTENER_URL; apache/kafka: KAFKA_*).
async fn start_kafka(image: &str) -> anyhow::Result<(ContainerAsync<GenericImage>, u16)> {
    let (name, tag) = name_and_tag(image);
    let upstream = is_upstream(image, "apache/kafka");
    let wait = if upstream { WaitFor::message_on_stdout("Kafka Server started") } else { WaitFor::healthcheck() };
    let port = standins::free_port();
    let advertised = format!("127.0.0.1:{port}");
    let request = GenericImage::new(name, tag)
        .with_wait_for(wait)
        .with_mapped_port(port, 9092.tcp())
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
    Ok((request.start().await?, port))
}

/// The member answers `hello` as a writable primary (right after rs.initiate it is not yet).
async fn wait_for_primary(uri: &str) -> anyhow::Result<()> {
    let client = mongodb::Client::with_uri_str(uri).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let hello = client.database("admin").run_command(mongodb::bson::doc! { "hello": 1 }).await;
        if hello.as_ref().is_ok_and(|h| h.get_bool("isWritablePrimary").unwrap_or(false)) {
            return Ok(());
        }
        anyhow::ensure!(Instant::now() < deadline, "{uri} is not a writable primary after 60 s: {hello:?}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// Removes the container once this process is gone.
fn watch(container_id: &str) {
    let script = "while kill -0 \"$1\" 2>/dev/null; do sleep 1; done; docker rm --force --volumes \"$2\" >/dev/null 2>&1";
    let mut watcher = Command::new("sh");
    watcher.args(["-c", script, "sh", &std::process::id().to_string(), container_id]);
    std::os::unix::process::CommandExt::process_group(&mut watcher, 0);
    let _ = watcher.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn();
}
