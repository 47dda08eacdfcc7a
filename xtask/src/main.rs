//! Developer automation: `cargo xtask <command>`. Std only plus `anyhow`, so it builds in seconds.

mod apt;
mod demo;
mod images;
mod install;
mod services;
mod test;
mod up;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use xtask::{secured, standins};

const USAGE: &str = "usage: cargo xtask <command>

commands:
  install [--browser] [--yes]
                     what `up` needs: missing system packages (apt-get, asked first), the pinned
                     stand-ins (SecantusDB for MongoDB, nisshi for Kafka) into
                     ${LABS_ORDER_CACHE:-$HOME/.cache/labs-order}/tools; skips what is there.
                     --browser: also chromium, npm and playwright-core (the docs page test)
  test [--yes] [ARGS...]
                     install (with --browser), start fresh MongoDB and Kafka and run all tests
                     (cargo nextest run, else cargo test) with LABS_TEST_MONGODB_URI and
                     LABS_TEST_KAFKA_BOOTSTRAP; ARGS go to the runner. Where a Docker engine
                     answers: containers (testcontainers) of the stand-in images, else the
                     stand-ins as processes; LABS_TEST_SERVERS=processes|containers chooses
  images [--release] build the container images without a registry, cached by content (Debian
                     base from debootstrap, MongoDB and Kafka stand-ins, both services from the
                     Dockerfile with binaries built here); needs a Docker engine
  up [OPTIONS]       run the whole system on the stand-ins until Ctrl-C; see `cargo xtask up --help`
  demo               walk the original flow against a running `up` (list persons, create an order,
                     change a person, read the order again), printing every request and response
  chaos [--long]     the fault scenarios only (kills, broker and database outages, a slow contact
                     service) with their invariant checks; --long runs random faults for 10 minutes
  bench [NAME]       benchmarks with a baseline in the same run: api, events, fanout, list, startup
                     or all (release build; tables printed, JSON in target/bench/)
  token [--scope S]... [--ttl D] [--audience A]... [--subject NAME]
                     print a token (one line on stdout) that the `up` system accepts; default:
                     every scope, both services, valid 1h (D: 30s, 15m, 1h, 2d)
  codegen [--check]  rewrite generated/src/*.rs from spec/ (with --check: only fail if it drifted)

--yes (or LABS_ORDER_ASSUME_YES=1) installs missing system packages without asking; as root with
CI set, nothing is asked either.";

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    signals::install();
    let code = match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

fn run(args: &[String]) -> Result<i32> {
    let rest = args.get(1..).unwrap_or_default();
    match args.first().map(String::as_str) {
        Some("install") => install::run(rest),
        Some("test") => test::run(rest),
        Some("images") => images::run(rest),
        Some("bench") => bench(rest),
        Some("up") => up::run(rest),
        Some("token") => token(rest),
        Some("demo") => {
            no_args("demo", rest)?;
            demo::run()
        }
        Some("chaos") => chaos(rest),
        Some("codegen") => codegen(rest),
        Some("help" | "-h" | "--help") => {
            println!("{USAGE}");
            Ok(0)
        }
        None => {
            eprintln!("{USAGE}");
            Ok(2)
        }
        Some(other) => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// `cargo xtask chaos [--long]`: the `chaos::` tests on fresh stand-ins; the short version is
/// also part of `cargo xtask test`.
fn chaos(rest: &[String]) -> Result<i32> {
    match rest {
        [] => {}
        [flag] if flag == "--long" => std::env::set_var("LABS_CHAOS_SECONDS", "600"),
        _ => bail!("usage: cargo xtask chaos [--long]"),
    }
    let args: Vec<String> = ["--no-capture", "-E", "test(/^chaos::/)"].iter().map(|s| s.to_string()).collect();
    test::run(&args)
}

/// `cargo xtask token ...`: builds `labs-dev` quietly (cargo's output goes to stderr) and lets
/// it print the token, so `TOKEN=$(cargo xtask token)` works.
fn token(rest: &[String]) -> Result<i32> {
    let root = workspace_root();
    let mut mint = labs_dev(&root)?;
    let secrets = root.join("target/dev/secrets");
    anyhow::ensure!(secrets.join("jwks.json").exists(), "no development keys yet: run `cargo xtask up` first");
    mint.arg("token").arg(&secrets).args(rest);
    Ok(mint.status().context("cannot run labs-dev")?.code().unwrap_or(1))
}

/// `labs-dev`, built quietly in the profile of the last `cargo xtask up`, ready to take arguments.
pub fn labs_dev(root: &Path) -> Result<Command> {
    labs_dev_with(root, &[])
}

/// [`labs_dev`] with cargo features of `labs-devkit` (`containers` for `labs-dev containers`).
pub fn labs_dev_with(root: &Path, features: &[&str]) -> Result<Command> {
    // The profile the last `cargo xtask up` built, so a `--release` system needs no debug build.
    let release = std::fs::read_to_string(root.join(up::PROFILE_FILE)).is_ok_and(|p| p.trim() == "release");
    up::set_release(release);
    let mut build = cargo();
    build.args(["build", "--quiet"]).current_dir(root).stdout(std::process::Stdio::null());
    if features.is_empty() {
        // The packages `cargo xtask up` builds together: the same feature set, so what up built
        // is reused (`-p labs-devkit` alone unified other features and rebuilt ~2 min quietly
        // before the first token of a fresh checkout).
        build.args(["-p", "labs-order", "-p", "labs-devkit", "--bin", "labs-dev"]);
    } else {
        let features: Vec<String> = features.iter().map(|f| format!("labs-devkit/{f}")).collect();
        build.args(["-p", "labs-devkit", "--bin", "labs-dev", "--features", &features.join(",")]);
    }
    if release {
        build.arg("--release");
    }
    anyhow::ensure!(build.status().context("cannot run cargo")?.success(), "could not build labs-dev");
    Ok(Command::new(services::binary(root, "labs-dev")?))
}

fn no_args(command: &str, rest: &[String]) -> Result<()> {
    match rest.first() {
        Some(arg) => bail!("`cargo xtask {command}` takes no arguments (got `{arg}`)"),
        None => Ok(()),
    }
}

/// `cargo xtask codegen [--check]`: the test `generated_client` compares `generated/src/*.rs`
/// with what spec/ produces, and rewrites the files when `UPDATE_GENERATED=1`.
fn codegen(rest: &[String]) -> Result<i32> {
    let check = match rest {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => bail!("usage: cargo xtask codegen [--check]"),
    };
    let mut cmd = cargo();
    cmd.args(["test", "--package", "labs-order", "--lib", "generated_client", "--", "--nocapture"]);
    cmd.current_dir(workspace_root());
    if check {
        println!("==> checking generated/ against spec/");
        cmd.env_remove("UPDATE_GENERATED");
    } else {
        println!("==> regenerating generated/src/*.rs from spec/");
        cmd.env("UPDATE_GENERATED", "1");
    }
    let status = run_child(&mut cmd)?;
    if check && !status.success() {
        eprintln!("generated/ is out of date or broken: run `cargo xtask codegen` and commit the result");
    }
    Ok(exit_code(status))
}

/// `cargo xtask bench <name>`: runs the ignored benchmark test `bench::<name>` on fresh
/// stand-ins as processes (unless LABS_TEST_SERVERS says otherwise) and prints its report (also written to `target/bench/<name>.json`).
fn bench(rest: &[String]) -> Result<i32> {
    const KNOWN: [&str; 5] = ["api", "events", "fanout", "list", "startup"];
    let name = rest.first().map(String::as_str).unwrap_or("all");
    let names: Vec<&str> = match name {
        "all" => KNOWN.to_vec(),
        n if KNOWN.contains(&n) => vec![n],
        other => anyhow::bail!("unknown benchmark {other}; known: {} (or all).", KNOWN.join(", ")),
    };
    let filter = format!("test(/^bench::({})::/)", names.join("|"));
    // The figures are measured on the stand-ins as processes (docs/performance.md), Docker or not.
    if std::env::var_os(test::SERVERS_VAR).is_none() {
        std::env::set_var(test::SERVERS_VAR, "processes");
    }
    // Optimised code: figures of a debug build say nothing about production.
    let args: Vec<String> =
        ["--cargo-profile", "release", "--run-ignored", "only", "--no-capture", "-E", &filter].iter().map(|s| s.to_string()).collect();
    test::run(&args)
}

/// The checkout: xtask lives in `<root>/xtask`. `cargo run` names it at run time; that wins over
/// the path compiled in, which belongs to whichever checkout last built a shared target dir.
pub fn workspace_root() -> PathBuf {
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&manifest_dir).parent().expect("xtask has a parent directory").to_path_buf()
}

/// The cargo that runs us (`$CARGO`), else `cargo` from PATH, without the package variables
/// `cargo run` set for xtask: cargo compares the ones build scripts watch (ring watches
/// `CARGO_MANIFEST_DIR` and `CARGO_PKG_NAME`) with its own environment, so leaving them in
/// would rebuild such crates whenever one switches between `cargo xtask` and plain cargo.
pub fn cargo() -> Command {
    let mut cmd = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    let set_by_cargo_run = ["CARGO_PKG_", "CARGO_MANIFEST_", "CARGO_CRATE_", "CARGO_BIN_", "CARGO_PRIMARY_"];
    for (key, _) in std::env::vars_os() {
        if set_by_cargo_run.iter().any(|p| key.to_string_lossy().starts_with(p)) {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// Shell-like rendering of a command for progress lines.
pub fn display(cmd: &Command) -> String {
    let mut words = vec![cmd.get_program().to_string_lossy().into_owned()];
    words.extend(cmd.get_args().map(|a| a.to_string_lossy().into_owned()));
    words
        .iter()
        .map(|w| {
            if w.is_empty() || w.contains([' ', '\'', '"', '(', ')', '$']) {
                format!("'{}'", w.replace('\'', "'\\''"))
            } else {
                w.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` with inherited stdio until it exits; on Ctrl-C/SIGTERM to us, passes SIGTERM on.
pub fn run_child(cmd: &mut Command) -> Result<ExitStatus> {
    run_child_with_heartbeat(cmd, "", Duration::MAX)
}

/// Like [`run_child`], and prints `[<what>: N min so far]` every `every` (long builds whose own
/// output may stay quiet for minutes).
pub fn run_child_with_heartbeat(cmd: &mut Command, what: &str, every: Duration) -> Result<ExitStatus> {
    println!("    $ {}", display(cmd));
    let started = std::time::Instant::now();
    let mut next = every;
    let mut child = cmd.spawn().with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    let mut forwarded = false;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if started.elapsed() >= next {
            println!("    [{what}: {} so far]", minutes_seconds(started.elapsed()));
            next = next.saturating_add(every);
        }
        if signals::stop_requested() && !forwarded {
            forwarded = true;
            let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// `3 min 07 s`, or `12.3 s` under a minute.
pub fn minutes_seconds(elapsed: Duration) -> String {
    let secs = elapsed.as_secs();
    if secs < 60 {
        format!("{:.1} s", elapsed.as_secs_f64())
    } else {
        format!("{} min {:02} s", secs / 60, secs % 60)
    }
}

/// The exit code to pass on: the child's, or 128 + signal as shells do.
pub fn exit_code(status: ExitStatus) -> i32 {
    use std::os::unix::process::ExitStatusExt;
    status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// SIGINT, SIGTERM and SIGHUP set a flag instead of killing us, so that we can stop our
/// servers in order. Std only: a one-line handler through the C `signal` function.
pub mod signals {
    use std::sync::atomic::{AtomicBool, Ordering};

    static STOP: AtomicBool = AtomicBool::new(false);

    extern "C" {
        fn signal(signum: i32, handler: extern "C" fn(i32)) -> usize;
    }

    extern "C" fn on_signal(_: i32) {
        STOP.store(true, Ordering::SeqCst); // async-signal-safe: an atomic store only
    }

    pub fn install() {
        // SIGHUP, SIGINT, SIGTERM: the same numbers on Linux and macOS.
        for signum in [1, 2, 15] {
            // SAFETY: `on_signal` only stores to an atomic, which is async-signal-safe.
            unsafe { signal(signum, on_signal) };
        }
    }

    pub fn stop_requested() -> bool {
        STOP.load(Ordering::SeqCst)
    }
}
