//! System packages (Debian/Ubuntu names) that a command needs: checked, then installed with
//! `apt-get` only after asking, unless told not to ask.
//!
//! No question when `--yes` or `LABS_ORDER_ASSUME_YES=1` is given, or when running as root in CI
//! (`CI` set, as `.ci/run` does). Not root: through `sudo` (asked first). No `apt-get`: the
//! packages are printed and the command stops.

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{bail, ensure, Result};

use crate::run_child;

/// A Debian/Ubuntu package a command needs, and what for.
#[derive(Clone, Copy, Debug)]
pub struct Need {
    pub package: &'static str,
    pub why: &'static str,
}

static ASSUME_YES: AtomicBool = AtomicBool::new(false);

/// `--yes` was given: install without asking.
pub fn assume_yes() {
    ASSUME_YES.store(true, Ordering::Relaxed);
}

/// Removes `--yes` from `args` (up to a `--`), remembering that it was there.
pub fn take_yes_flag(args: &[String]) -> Vec<String> {
    let mut rest = Vec::with_capacity(args.len());
    let mut passthrough = false;
    for arg in args {
        if !passthrough && arg == "--yes" {
            assume_yes();
            continue;
        }
        passthrough |= arg == "--";
        rest.push(arg.clone());
    }
    rest
}

fn told_not_to_ask() -> bool {
    ASSUME_YES.load(Ordering::Relaxed) || std::env::var("LABS_ORDER_ASSUME_YES").is_ok_and(|v| v == "1")
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

fn is_root() -> bool {
    extern "C" {
        fn geteuid() -> u32;
    }
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { geteuid() == 0 }
}

/// `program` is an executable file in a directory of `PATH`.
pub fn on_path(program: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(program))
        .any(|file| file.metadata().is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0))
}

/// `cmd` runs and exits 0 (its output discarded).
pub fn succeeds(cmd: &mut Command) -> bool {
    cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success())
}

/// Installs `needs` (nothing when empty). `rerun` is the command to give again afterwards
/// (`cargo xtask up`), for the messages.
pub fn install(needs: &[Need], rerun: &str) -> Result<()> {
    let mut packages: Vec<&str> = Vec::new();
    for need in needs {
        if !packages.contains(&need.package) {
            packages.push(need.package);
        }
    }
    if packages.is_empty() {
        return Ok(());
    }
    println!("==> missing system packages (Debian/Ubuntu names):");
    for need in needs {
        println!("    {:<16} {}", need.package, need.why);
    }
    let list = packages.join(" ");
    if !on_path("apt-get") {
        bail!(
            "this machine has no apt-get: install the equivalents of these Debian/Ubuntu packages with your package manager, then rerun `{rerun}`:\n    {list}"
        );
    }
    let sudo = if is_root() {
        None
    } else if on_path("sudo") {
        Some("sudo")
    } else {
        bail!("not root and no sudo: as root, run `apt-get install -y --no-install-recommends {list}`, then rerun `{rerun}`");
    };
    let prefix = sudo.map(|s| format!("{s} ")).unwrap_or_default();
    let shown = format!("{prefix}apt-get install -y --no-install-recommends {list}");
    if !(told_not_to_ask() || (sudo.is_none() && in_ci())) {
        ask(&shown, rerun)?;
    }
    let apt = |args: &[&str]| {
        let mut cmd = Command::new(sudo.unwrap_or("apt-get"));
        if sudo.is_some() {
            cmd.arg("apt-get");
        } else {
            cmd.env("DEBIAN_FRONTEND", "noninteractive");
        }
        // Another apt-get (an unattended upgrade, a second installer) may hold dpkg's lock:
        // wait for it rather than fail.
        cmd.args(["-o", "DPkg::Lock::Timeout=600"]).args(args);
        cmd
    };
    let install_args: Vec<&str> = ["install", "-y", "--no-install-recommends"].into_iter().chain(packages.iter().copied()).collect();
    if run_child(&mut apt(&install_args))?.success() {
        return Ok(());
    }
    // A fresh machine (or container) often has empty package lists.
    println!("==> apt-get install failed; updating the package lists (apt-get update) and trying once more");
    let updated = run_child(&mut apt(&["update"]))?.success();
    let status = run_child(&mut apt(&install_args))?;
    ensure!(
        status.success(),
        "`{shown}` failed ({status}{}): install these packages yourself, then rerun `{rerun}`",
        if updated { "" } else { ", and apt-get update failed" }
    );
    Ok(())
}

/// Asks on the terminal; anything but yes stops with what to run instead.
fn ask(shown: &str, rerun: &str) -> Result<()> {
    let yourself = format!("run `{shown}` yourself, then rerun `{rerun}`");
    if !std::io::stdin().is_terminal() {
        bail!("not installing without asking and no terminal to ask on: {yourself}, or pass --yes (or LABS_ORDER_ASSUME_YES=1)");
    }
    print!("    run `{shown}` now? [y/N] ");
    std::io::stdout().flush()?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    match answer.trim().to_ascii_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => bail!("nothing installed: {yourself}"),
    }
}

/// The C compiler and `make`: ring, mimalloc and librdkafka in the workspace build, SQLite in
/// the nisshi build.
pub fn c_toolchain() -> Vec<Need> {
    let has_cc = on_path("cc") || on_path("gcc");
    if has_cc && on_path("make") {
        return Vec::new();
    }
    vec![Need { package: "build-essential", why: "a C compiler and make (ring, mimalloc, librdkafka, SQLite in nisshi)" }]
}

/// OpenSSL headers found through pkg-config: librdkafka's TLS and SCRAM (rdkafka's `ssl`).
pub fn openssl_headers() -> Vec<Need> {
    let why = "OpenSSL headers for librdkafka's TLS and SCRAM (rdkafka's `ssl` feature)";
    if !on_path("pkg-config") {
        let pkg = Need { package: "pkg-config", why: "finds the OpenSSL headers for the build" };
        return vec![pkg, Need { package: "libssl-dev", why }];
    }
    if succeeds(Command::new("pkg-config").args(["--exists", "openssl"])) {
        return Vec::new();
    }
    vec![Need { package: "libssl-dev", why }]
}

/// Python 3 with its venv module (Debian splits `ensurepip` into `python3-venv`), for the
/// SecantusDB virtualenv. Only asked for while that virtualenv does not exist yet.
pub fn python_venv(venv: &Path) -> Vec<Need> {
    if venv.join("bin/python").exists() {
        return Vec::new();
    }
    if !on_path("python3") {
        let why = "runs SecantusDB, the MongoDB stand-in";
        return vec![Need { package: "python3", why }, Need { package: "python3-venv", why: "its virtualenv" }];
    }
    if succeeds(Command::new("python3").args(["-c", "import venv, ensurepip"])) {
        return Vec::new();
    }
    vec![Need { package: "python3-venv", why: "the SecantusDB virtualenv (python3 -m venv)" }]
}
