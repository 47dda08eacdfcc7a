//! `cargo xtask install`: the pinned stand-ins, cached outside the checkout. Idempotent: a
//! stand-in that already answers is left alone.

use std::fs;
use std::process::Command;

use anyhow::{ensure, Context, Result};

use crate::standins::{self, NISSHI_VERSION, SECANTUS_VERSION};
use crate::{cargo, run_child};

pub fn install() -> Result<()> {
    let tools = standins::cache_dir().join("tools");
    fs::create_dir_all(&tools)
        .with_context(|| format!("cannot create {}; set LABS_ORDER_CACHE to a writable directory", tools.display()))?;
    install_system_packages()?;
    install_secantus()?;
    remove_tansu();
    install_nisshi()?;
    install_browser_test_tools()
}

/// Debian packages the build needs: OpenSSL headers for librdkafka's TLS and SCRAM (rdkafka's
/// `ssl` feature). The Kafka stand-in terminates TLS itself: no proxy to install.
fn install_system_packages() -> Result<()> {
    let has = |cmd: &mut Command| cmd.output().map(|o| o.status.success()).unwrap_or(false);
    let mut missing = Vec::new();
    if !has(Command::new("pkg-config").args(["--exists", "openssl"])) {
        missing.extend(["pkg-config", "libssl-dev"]);
    }
    if missing.is_empty() {
        println!("==> system packages present (OpenSSL headers, pkg-config)");
        return Ok(());
    }
    println!("==> installing Debian packages {} (apt-get)", missing.join(" "));
    let status = run_child(Command::new("apt-get").args(["install", "-y", "--no-install-recommends"]).args(&missing))?;
    ensure!(
        status.success(),
        "`apt-get install {}` failed ({status}): install these Debian packages (as root), then rerun `cargo xtask install`",
        missing.join(" ")
    );
    Ok(())
}

/// Debian's Chromium and the pinned playwright-core (no browser download) that drive the
/// docs page test.
fn install_browser_test_tools() -> Result<()> {
    if Command::new("chromium").arg("--version").output().map(|o| o.status.success()).unwrap_or(false) {
        println!("==> chromium already installed");
    } else {
        println!("==> installing Debian's chromium (apt-get) for the docs page test");
        let status = run_child(Command::new("apt-get").args(["install", "-y", "--no-install-recommends", "chromium"]))?;
        ensure!(
            status.success(),
            "`apt-get install chromium` failed ({status}): install Debian's `chromium` package (as root), then rerun `cargo xtask install`"
        );
    }
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
    println!("==> installing SecantusDB {SECANTUS_VERSION} (pip) into {}", venv.display());
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
    println!(
        "==> installing nisshi {NISSHI_VERSION} (cargo install) into {}; the first build takes about 30 minutes on 2 cores",
        root.display()
    );
    let build_dir = standins::cache_dir().join("nisshi-build");
    let mut cmd = cargo();
    cmd.args(["install", "nisshi", "--version", NISSHI_VERSION, "--locked", "--ignore-rust-version"])
        .args(["--no-default-features", "--features", "dynostore,libsql", "--root"])
        .arg(&root)
        .env("CARGO_TARGET_DIR", &build_dir);
    let status = run_child(&mut cmd)?;
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
    println!("==> nisshi {NISSHI_VERSION} installed; removing its build directory {}", build_dir.display());
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
