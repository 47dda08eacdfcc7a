//! `cargo xtask install`: the pinned stand-ins, cached outside the checkout. Idempotent: a
//! stand-in that already answers is left alone.

use std::fs;
use std::process::Command;

use anyhow::{ensure, Context, Result};

use crate::standins::{self, SECANTUS_VERSION, TANSU_VERSION};
use crate::{cargo, run_child};

pub fn install() -> Result<()> {
    let tools = standins::cache_dir().join("tools");
    fs::create_dir_all(&tools)
        .with_context(|| format!("cannot create {}; set LABS_ORDER_CACHE to a writable directory", tools.display()))?;
    install_system_packages()?;
    install_secantus()?;
    install_tansu()?;
    install_browser_test_tools()
}

/// Debian packages the build and the secured stand-ins need: OpenSSL headers for librdkafka's
/// TLS and SCRAM (rdkafka's `ssl` feature), and stunnel, the TLS proxy in front of tansu.
fn install_system_packages() -> Result<()> {
    let has = |cmd: &mut Command| cmd.output().map(|o| o.status.success()).unwrap_or(false);
    let mut missing = Vec::new();
    if !has(Command::new("pkg-config").args(["--exists", "openssl"])) {
        missing.extend(["pkg-config", "libssl-dev"]);
    }
    if !has(Command::new("sh").args(["-c", "command -v stunnel"])) {
        missing.push("stunnel4");
    }
    if missing.is_empty() {
        println!("==> system packages present (OpenSSL headers, pkg-config, stunnel)");
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

fn install_tansu() -> Result<()> {
    let root = standins::tansu_root();
    if standins::tansu_installed() {
        println!("==> tansu {TANSU_VERSION} already installed in {}", root.display());
        return Ok(());
    }
    println!("==> installing tansu {TANSU_VERSION} (cargo install) into {}; the first build takes about 15-20 minutes", root.display());
    let build_dir = standins::cache_dir().join("tansu-build");
    let mut cmd = cargo();
    cmd.args(["install", "tansu", "--version", TANSU_VERSION, "--locked", "--features", "dynostore,libsql", "--root"])
        .arg(&root)
        .env("CARGO_TARGET_DIR", &build_dir);
    let status = run_child(&mut cmd)?;
    ensure!(
        status.success(),
        "`cargo install tansu` failed ({status}): check that crates.io is reachable and a C compiler is installed, then rerun `cargo xtask install` (the build cache in {} is kept)",
        build_dir.display()
    );
    ensure!(
        standins::tansu_installed(),
        "{} does not print `tansu {TANSU_VERSION}`: delete {} and rerun `cargo xtask install`",
        standins::tansu_bin().display(),
        root.display()
    );
    Ok(())
}
