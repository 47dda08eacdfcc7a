//! `cargo xtask install [--browser] [--yes]`: what running the system needs (system packages,
//! the pinned stand-ins cached outside the checkout) and, with `--browser` or from `cargo xtask
//! test`, the docs page test's browser. Idempotent: what is there is left alone.

use std::fs;
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context, Result};

use crate::apt::{self, Need};
use crate::standins::{self, NISSHI_VERSION, SECANTUS_VERSION};
use crate::{cargo, run_child, run_child_with_heartbeat};

/// `cargo xtask install [--browser] [--yes]`.
pub fn run(rest: &[String]) -> Result<i32> {
    let mut browser = false;
    for arg in apt::take_yes_flag(rest) {
        match arg.as_str() {
            "--browser" => browser = true,
            other => anyhow::bail!("usage: cargo xtask install [--browser] [--yes] (got `{other}`)"),
        }
    }
    runtime("cargo xtask install")?;
    if browser {
        browser_test_tools("cargo xtask install --browser")?;
    }
    Ok(0)
}

/// What `cargo xtask up` needs: the build's system packages and both stand-ins. `rerun` names
/// the command for messages.
pub fn runtime(rerun: &str) -> Result<()> {
    let tools = standins::cache_dir().join("tools");
    fs::create_dir_all(&tools)
        .with_context(|| format!("cannot create {}; set LABS_ORDER_CACHE to a writable directory", tools.display()))?;
    let mut needs = apt::c_toolchain();
    needs.extend(apt::openssl_headers());
    needs.extend(apt::python_venv(&standins::secantus_venv()));
    if needs.is_empty() {
        println!("==> system packages present (C toolchain, pkg-config and OpenSSL headers, Python 3 venv)");
    }
    apt::install(&needs, rerun)?;
    install_secantus()?;
    remove_tansu();
    install_nisshi()
}

/// What the docs page test (`contract-tests/docs_page.rs`) adds: Debian's Chromium, npm, and
/// the pinned playwright-core (no browser download) in `contract-tests/browser`.
pub fn browser_test_tools(rerun: &str) -> Result<()> {
    let mut needs = Vec::new();
    if !apt::succeeds(Command::new("chromium").arg("--version")) {
        needs.push(Need { package: "chromium", why: "the browser of the docs page test (headless)" });
    }
    if !apt::on_path("npm") {
        needs.push(Need { package: "npm", why: "installs playwright-core, which drives it (brings Node.js)" });
    }
    if needs.is_empty() {
        println!("==> chromium and npm present (docs page test)");
    }
    apt::install(&needs, rerun)?;
    let dir = crate::workspace_root().join("contract-tests/browser");
    if dir.join("node_modules/playwright-core").exists() {
        println!("==> playwright-core already installed in {}", dir.display());
        return Ok(());
    }
    println!("==> installing playwright-core (npm ci, pinned in package-lock.json) in {}", dir.display());
    let status = run_child(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]).current_dir(&dir))?;
    ensure!(status.success(), "`npm ci` in {} failed ({status}): check that the npm registry is reachable", dir.display());
    Ok(())
}

fn install_secantus() -> Result<()> {
    let venv = standins::secantus_venv();
    if standins::secantus_installed() {
        println!("==> SecantusDB {SECANTUS_VERSION} already installed in {}", venv.display());
        return Ok(());
    }
    println!("==> installing the MongoDB stand-in SecantusDB {SECANTUS_VERSION} with pip, into the virtualenv {}", venv.display());
    if !standins::secantus_python().exists() {
        let status = run_child(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        ensure!(
            status.success(),
            "`python3 -m venv` failed ({status}): install Python 3 with its venv module (Debian/Ubuntu: `apt-get install python3-venv`), delete {} and rerun `cargo xtask install`",
            venv.display()
        );
    }
    let pip = venv.join("bin/pip");
    let status = run_child(Command::new(pip).args(["install", "--disable-pip-version-check", &format!("secantusdb=={SECANTUS_VERSION}")]))?;
    ensure!(
        status.success(),
        "`pip install secantusdb=={SECANTUS_VERSION}` failed ({status}): check that PyPI (or your pip index) is reachable, then rerun `cargo xtask install`"
    );
    ensure!(
        standins::secantus_installed(),
        "SecantusDB {SECANTUS_VERSION} was installed but does not import in {}: delete that directory and rerun `cargo xtask install`",
        venv.display()
    );
    Ok(())
}

/// nisshi, pinned and `--locked`, with only the storage engines the stand-ins use: `dynostore`
/// (`memory://`) and `libsql` (`sqlite://`, which also stores the SCRAM users). One of its
/// dependencies (rama 0.4.0) declares rust-version 1.96 but builds on older stable toolchains,
/// hence `--ignore-rust-version`. The build directory stays in the cache, so an interrupted
/// build resumes.
fn install_nisshi() -> Result<()> {
    let root = standins::nisshi_root();
    if standins::nisshi_installed() {
        println!("==> nisshi {NISSHI_VERSION} already installed in {}", root.display());
        return Ok(());
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "==> building the Kafka stand-in nisshi {NISSHI_VERSION}, about 30–50 min on 2 cores (this machine: {cores}), once; \
         installed into {} (cargo install)",
        root.display()
    );
    let build_dir = standins::cache_dir().join("nisshi-build");
    let mut cmd = cargo();
    cmd.args(["install", "nisshi", "--version", NISSHI_VERSION, "--locked", "--ignore-rust-version"])
        .args(["--no-default-features", "--features", "dynostore,libsql", "--root"])
        .arg(&root)
        .env("CARGO_TARGET_DIR", &build_dir);
    let started = Instant::now();
    let status = run_child_with_heartbeat(&mut cmd, "nisshi build", Duration::from_secs(300))?;
    ensure!(
        status.success(),
        "`cargo install nisshi` failed ({status}): check that crates.io is reachable and a C compiler is installed, then rerun `cargo xtask install` (the build cache in {} is kept)",
        build_dir.display()
    );
    ensure!(
        standins::nisshi_installed(),
        "{} does not print `nisshi {NISSHI_VERSION}`: delete {} and rerun `cargo xtask install`",
        standins::nisshi_bin().display(),
        root.display()
    );
    let took = crate::minutes_seconds(started.elapsed());
    println!("==> nisshi {NISSHI_VERSION} built in {took}; removing its build directory {}", build_dir.display());
    let _ = fs::remove_dir_all(&build_dir);
    Ok(())
}

/// What earlier versions of this project installed for Kafka (tansu 0.6.0 and its build
/// cache): no longer used, so it goes.
fn remove_tansu() {
    let cache = standins::cache_dir();
    for stale in [cache.join("tools/tansu-0.6.0"), cache.join("tansu-build")] {
        if stale.exists() {
            println!("==> removing {} (tansu, replaced by nisshi)", stale.display());
            let _ = fs::remove_dir_all(&stale);
        }
    }
}
