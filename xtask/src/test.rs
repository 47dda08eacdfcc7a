//! `cargo xtask test [--yes] [ARGS...]`: all tests against one pair of fresh MongoDB and Kafka
//! servers for the whole run, handed to every test process through `LABS_TEST_MONGODB_URI` and
//! `LABS_TEST_KAFKA_BOOTSTRAP`; without ARGS also the client crate's doctests and examples
//! (nextest runs no doctests). Installs what `up` needs and the docs page test's browser first.
//!
//! Which servers (`LABS_TEST_SERVERS`, printed at the start):
//! - `containers`, the default where a Docker engine answers: MongoDB and Kafka containers
//!   through testcontainers, started by `labs-dev containers` (devkit/src/containers/mod.rs, the
//!   fixture plain `cargo test` uses) on the stand-in images `cargo xtask images` built, or on
//!   `LABS_TEST_MONGO_IMAGE` / `LABS_TEST_KAFKA_IMAGE` when set; reached on ports published on
//!   127.0.0.1, removed at the end (or by labs-dev's watcher if the run is killed);
//! - `processes`, the default without an engine: SecantusDB and nisshi as local processes
//!   (`cargo xtask install` installs them).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use crate::standins::{self, free_port, kafka_bootstrap, mongo_uri, StandIn};
use crate::{cargo, exit_code, images, install, labs_dev_with, run_child, workspace_root};

/// The contract tests use these servers instead of starting their own.
pub const MONGODB_URI_VAR: &str = "LABS_TEST_MONGODB_URI";
pub const KAFKA_BOOTSTRAP_VAR: &str = "LABS_TEST_KAFKA_BOOTSTRAP";
/// The images of MongoDB and Kafka for tests that start containers (the stand-in images here).
pub const MONGO_IMAGE_VAR: &str = "LABS_TEST_MONGO_IMAGE";
pub const KAFKA_IMAGE_VAR: &str = "LABS_TEST_KAFKA_IMAGE";
/// `containers` or `processes`: which servers the suite runs on (default: containers where a
/// Docker engine answers, else processes).
pub const SERVERS_VAR: &str = "LABS_TEST_SERVERS";

pub fn run(extra: &[String]) -> Result<i32> {
    let extra = &crate::apt::take_yes_flag(extra)[..];
    let chosen = match std::env::var(SERVERS_VAR).unwrap_or_default().as_str() {
        "" => None,
        "containers" => Some(Choice::Containers),
        "processes" => Some(Choice::Processes),
        other => bail!("{SERVERS_VAR}={other}: give `containers` or `processes`"),
    };
    install::runtime("cargo xtask test")?;
    install::browser_test_tools("cargo xtask test")?;
    // With an engine, the images first: the suite's servers, the compose test and the fixture
    // test run them (cached by content, so a warm run only checks their tags).
    let images = if images::engine_answers() {
        println!("==> a Docker engine answers: building the container images (cargo xtask images)");
        let built = images::build(false)?;
        println!(
            "==> container tests: compose:: runs compose.yaml with the stand-in images, containers:: the harness's own fixture on {} and {}",
            built.mongo, built.kafka
        );
        Some(built)
    } else {
        println!("==> no Docker engine answers: the container tests (compose::, containers::) will be skipped");
        None
    };
    let root = workspace_root();
    let logs = root.join("target/dev/test-logs");
    let servers = match (chosen, &images) {
        (Some(choice), _) => choice,
        (None, Some(_)) => Choice::Containers,
        (None, None) => Choice::Processes,
    };
    let servers = match servers {
        Choice::Containers => {
            let Some(built) = &images else {
                bail!("{SERVERS_VAR}=containers, but no Docker engine answers (`docker info` fails)");
            };
            let user_image = |var: &str| std::env::var(var).ok().filter(|v| !v.is_empty());
            let mongo_image = user_image(MONGO_IMAGE_VAR).unwrap_or_else(|| built.mongo.clone());
            let kafka_image = user_image(KAFKA_IMAGE_VAR).unwrap_or_else(|| built.kafka.clone());
            println!(
                "==> MongoDB and Kafka for the suite: containers through testcontainers (labs-dev containers) of {mongo_image} and {kafka_image} ({SERVERS_VAR}=processes for the stand-ins as processes)"
            );
            Servers::Containers(ContainerServers::start(&root, &mongo_image, &kafka_image)?)
        }
        Choice::Processes => {
            println!("==> MongoDB and Kafka for the suite: the stand-ins as processes");
            Servers::Processes(ProcessServers::start(&logs)?)
        }
    };
    let (mongodb_uri, kafka) = servers.addresses();

    let mut cmd = cargo();
    // The crash-point tests need the binaries they run built with the crash points in.
    let features = ["--features", "labs-order/failpoints"];
    if nextest_available() {
        cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        println!("==> cargo-nextest not found (`cargo install cargo-nextest --locked` makes tests faster); using cargo test");
        cmd.args(["test", "--workspace", "--no-fail-fast"]);
    }
    cmd.args(features).args(extra).current_dir(&root).env(MONGODB_URI_VAR, &mongodb_uri).env(KAFKA_BOOTSTRAP_VAR, &kafka);
    // The tests that start containers of their own (containers::) use the same images.
    if let Some(images) = &images {
        if std::env::var_os(MONGO_IMAGE_VAR).is_none() {
            cmd.env(MONGO_IMAGE_VAR, &images.mongo);
        }
        if std::env::var_os(KAFKA_IMAGE_VAR).is_none() {
            cmd.env(KAFKA_IMAGE_VAR, &images.kafka);
        }
    }
    println!("==> running the tests with {MONGODB_URI_VAR}={mongodb_uri} {KAFKA_BOOTSTRAP_VAR}={kafka}");
    let status = run_child(&mut cmd);

    let where_logs = servers.stop();
    let status = status?;
    if !status.success() {
        eprintln!("==> tests failed ({status}); {where_logs}");
        return Ok(exit_code(status));
    }
    if !extra.is_empty() {
        return Ok(exit_code(status)); // a filtered run stays fast
    }
    client_docs_and_examples(&root)
}

/// nextest skips doctests: the client crate's (including its README's) run here, and its
/// examples are built, so the Rust a consumer copies from the docs compiles.
fn client_docs_and_examples(root: &std::path::Path) -> Result<i32> {
    let steps: [(&str, &[&str]); 2] = [
        ("the client crate's doctests (lib.rs and generated/README.md)", &["test", "--doc", "-p", "labs-order-client"]),
        ("the client crate's examples (generated/examples/)", &["build", "--examples", "-p", "labs-order-client"]),
    ];
    for (what, args) in steps {
        println!("==> {what}");
        let status = run_child(cargo().args(args).current_dir(root))?;
        if !status.success() {
            eprintln!("==> {what} failed ({status})");
            return Ok(exit_code(status));
        }
    }
    Ok(0)
}

fn nextest_available() -> bool {
    cargo().args(["nextest", "--version"]).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

enum Choice {
    Containers,
    Processes,
}

/// The suite's MongoDB and Kafka.
enum Servers {
    Containers(ContainerServers),
    Processes(ProcessServers),
}

impl Servers {
    /// The MongoDB URI and the Kafka bootstrap address.
    fn addresses(&self) -> (String, String) {
        match self {
            Servers::Containers(c) => (c.mongodb_uri.clone(), c.kafka_bootstrap.clone()),
            Servers::Processes(p) => (mongo_uri(p.mongo_port), kafka_bootstrap(p.kafka_port)),
        }
    }

    /// Stops them; says where their logs are (or were).
    fn stop(self) -> String {
        match self {
            Servers::Containers(c) => {
                println!("==> removing the containers");
                c.stop();
                "the containers' logs went with them (docker logs while a run is going)".into()
            }
            Servers::Processes(p) => {
                println!("==> stopping the stand-ins");
                let logs = p.logs.display().to_string();
                drop(p);
                format!("stand-in logs are in {logs}")
            }
        }
    }
}

/// SecantusDB and nisshi as processes on free ports, with fresh storage.
struct ProcessServers {
    mongo_port: u16,
    kafka_port: u16,
    logs: PathBuf,
    // Dropped in this order: the servers, then their scratch directory.
    _kafka: StandIn,
    _mongo: StandIn,
    _scratch: TempDir,
}

impl ProcessServers {
    fn start(logs: &std::path::Path) -> Result<ProcessServers> {
        let scratch = TempDir::new(std::env::temp_dir().join(format!("labs-order-test-{}", std::process::id())));
        let mongo_port = free_port();
        let kafka_port = std::iter::repeat_with(free_port).find(|p| *p != mongo_port).expect("endless");
        let mongo_log = logs.join("secantus.log");
        println!("==> starting SecantusDB on 127.0.0.1:{mongo_port} (fresh storage, log {})", mongo_log.display());
        let mongo = standins::start_mongo(mongo_port, &scratch.0.join("mongo"), &mongo_log)
            .context("SecantusDB did not start; try `cargo xtask install`")?;
        let kafka_log = logs.join("nisshi.log");
        println!("==> starting nisshi on 127.0.0.1:{kafka_port} (memory storage, log {})", kafka_log.display());
        let kafka = standins::start_kafka(kafka_port, &scratch.0.join("kafka"), &kafka_log)
            .context("nisshi did not start; try `cargo xtask install`")?;
        Ok(ProcessServers { mongo_port, kafka_port, logs: logs.to_path_buf(), _kafka: kafka, _mongo: mongo, _scratch: scratch })
    }
}

/// `labs-dev containers`: it prints the two addresses, keeps the containers while its stdin is
/// open and removes them when it closes (or, killed, its watcher does once its pid is gone).
struct ContainerServers {
    child: Child,
    stdin: Option<ChildStdin>,
    mongodb_uri: String,
    kafka_bootstrap: String,
}

impl ContainerServers {
    fn start(root: &std::path::Path, mongo_image: &str, kafka_image: &str) -> Result<ContainerServers> {
        let mut cmd = labs_dev_with(root, &["containers"])?;
        cmd.args(["containers", "--mongo-image", mongo_image, "--kafka-image", kafka_image])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        println!("    $ {}", crate::display(&cmd));
        let started = Instant::now();
        let mut child = cmd.spawn().context("cannot run labs-dev")?;
        let stdin = child.stdin.take();
        let mut lines = BufReader::new(child.stdout.take().expect("piped")).lines();
        let (mut mongodb_uri, mut kafka_bootstrap) = (None, None);
        while mongodb_uri.is_none() || kafka_bootstrap.is_none() {
            let Some(line) = lines.next() else {
                let status = child.wait()?;
                bail!("labs-dev containers ended ({status}) before printing both addresses");
            };
            let line = line?;
            if let Some(uri) = line.strip_prefix(&format!("{MONGODB_URI_VAR}=")) {
                mongodb_uri = Some(uri.to_string());
            } else if let Some(bootstrap) = line.strip_prefix(&format!("{KAFKA_BOOTSTRAP_VAR}=")) {
                kafka_bootstrap = Some(bootstrap.to_string());
            }
        }
        println!("==> containers up in {}", crate::minutes_seconds(started.elapsed()));
        let (mongodb_uri, kafka_bootstrap) = (mongodb_uri.expect("read"), kafka_bootstrap.expect("read"));
        Ok(ContainerServers { child, stdin, mongodb_uri, kafka_bootstrap })
    }

    /// Closes labs-dev's stdin and waits for it to remove the containers (SIGKILL after 60 s:
    /// then its watcher removes them).
    fn stop(mut self) {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            match self.child.try_wait() {
                Ok(Some(status)) if !status.success() => eprintln!("==> labs-dev containers ended with {status}"),
                Ok(Some(_)) => {}
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                _ => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                }
            }
            return;
        }
    }
}

impl Drop for ContainerServers {
    /// On an early return: the closed stdin is labs-dev's signal to remove them.
    fn drop(&mut self) {
        drop(self.stdin.take());
    }
}

/// A scratch directory removed when dropped (after the servers using it have stopped).
struct TempDir(PathBuf);

impl TempDir {
    fn new(path: PathBuf) -> Self {
        let _ = std::fs::remove_dir_all(&path); // a leftover of an earlier process with our pid
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
