//! `cargo xtask test [--yes] [ARGS...]`: all tests against fresh stand-ins on free ports; without
//! ARGS also the client crate's doctests and examples (nextest runs no doctests). Installs what
//! `up` needs and the docs page test's browser first.

use std::path::PathBuf;
use std::process::Stdio;

use anyhow::{Context, Result};

use crate::standins::{self, free_port, kafka_bootstrap, mongo_uri};
use crate::{cargo, exit_code, images, install, run_child, workspace_root};

/// The contract tests use these servers instead of starting their own.
pub const MONGODB_URI_VAR: &str = "LABS_TEST_MONGODB_URI";
pub const KAFKA_BOOTSTRAP_VAR: &str = "LABS_TEST_KAFKA_BOOTSTRAP";
/// The images of MongoDB and Kafka for tests that start containers (the stand-in images here).
pub const MONGO_IMAGE_VAR: &str = "LABS_TEST_MONGO_IMAGE";
pub const KAFKA_IMAGE_VAR: &str = "LABS_TEST_KAFKA_IMAGE";

pub fn run(extra: &[String]) -> Result<i32> {
    let extra = &crate::apt::take_yes_flag(extra)[..];
    install::runtime("cargo xtask test")?;
    install::browser_test_tools("cargo xtask test")?;
    // With an engine, the images first: the compose test runs them (cached by content, so a
    // warm run only checks their tags).
    let images = if images::engine_answers() {
        println!("==> a Docker engine answers: building the container images (cargo xtask images)");
        let built = images::build(false)?;
        println!(
            "==> containers: compose:: runs compose.yaml with the stand-in images, containers:: the testcontainers fixture on {} and {}",
            built.mongo, built.kafka
        );
        Some(built)
    } else {
        println!("==> no Docker engine answers: the container tests (compose::, containers::) will be skipped");
        None
    };
    let root = workspace_root();
    let logs = root.join("target/dev/test-logs");
    let scratch = TempDir::new(std::env::temp_dir().join(format!("labs-order-test-{}", std::process::id())));
    let mongo_port = free_port();
    let kafka_port = std::iter::repeat_with(free_port).find(|p| *p != mongo_port).expect("endless");

    let mongo_log = logs.join("secantus.log");
    // One pair of servers for every test process (nextest runs each test in its own): stand-ins
    // as processes, whether or not Docker runs.
    println!("==> MongoDB and Kafka for the suite: the stand-ins as processes");
    println!("==> starting SecantusDB on 127.0.0.1:{mongo_port} (fresh storage, log {})", mongo_log.display());
    let mongo = standins::start_mongo(mongo_port, &scratch.0.join("mongo"), &mongo_log)
        .context("SecantusDB did not start; try `cargo xtask install`")?;
    let kafka_log = logs.join("nisshi.log");
    println!("==> starting nisshi on 127.0.0.1:{kafka_port} (memory storage, log {})", kafka_log.display());
    let kafka = standins::start_kafka(kafka_port, &scratch.0.join("kafka"), &kafka_log)
        .context("nisshi did not start; try `cargo xtask install`")?;

    let mut cmd = cargo();
    // The crash-point tests need the binaries they run built with the crash points in.
    let features = ["--features", "labs-order/failpoints"];
    if nextest_available() {
        cmd.args(["nextest", "run", "--workspace", "--no-fail-fast"]);
    } else {
        println!("==> cargo-nextest not found (`cargo install cargo-nextest --locked` makes tests faster); using cargo test");
        cmd.args(["test", "--workspace", "--no-fail-fast"]);
    }
    cmd.args(features)
        .args(extra)
        .current_dir(&root)
        .env(MONGODB_URI_VAR, mongo_uri(mongo_port))
        .env(KAFKA_BOOTSTRAP_VAR, kafka_bootstrap(kafka_port));
    if let Some(images) = &images {
        cmd.env(MONGO_IMAGE_VAR, &images.mongo).env(KAFKA_IMAGE_VAR, &images.kafka);
    }
    println!(
        "==> running the tests with {MONGODB_URI_VAR}={} {KAFKA_BOOTSTRAP_VAR}={}",
        mongo_uri(mongo_port),
        kafka_bootstrap(kafka_port)
    );
    let status = run_child(&mut cmd);

    println!("==> stopping the stand-ins");
    drop(kafka);
    drop(mongo);
    let status = status?;
    if !status.success() {
        eprintln!("==> tests failed ({status}); stand-in logs are in {}", logs.display());
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
