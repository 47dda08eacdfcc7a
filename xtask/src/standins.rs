//! Local stand-ins for MongoDB (SecantusDB) and Kafka (nisshi): where they are installed, and
//! how to start and stop them. Std only: the contract-test harness uses it too (`xtask::standins`).

use std::fs::{self, File};
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

pub const SECANTUS_VERSION: &str = "0.7.0b3";
pub const NISSHI_VERSION: &str = "0.8.1";

/// `${LABS_ORDER_CACHE:-$HOME/.cache/labs-order}`: outside the checkout, shared by clones.
pub fn cache_dir() -> PathBuf {
    match std::env::var_os("LABS_ORDER_CACHE") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into())).join(".cache/labs-order"),
    }
}

pub fn secantus_venv() -> PathBuf {
    cache_dir().join("tools/secantus-venv")
}

pub fn secantus_python() -> PathBuf {
    secantus_venv().join("bin/python")
}

pub fn nisshi_root() -> PathBuf {
    cache_dir().join(format!("tools/nisshi-{NISSHI_VERSION}"))
}

pub fn nisshi_bin() -> PathBuf {
    nisshi_root().join("bin/nisshi")
}

/// The pinned SecantusDB imports in its venv.
pub fn secantus_installed() -> bool {
    let check = format!("import secantus, importlib.metadata as m; assert m.version('secantusdb') == '{SECANTUS_VERSION}'");
    let out = quiet(Command::new(secantus_python()).args(["-c", &check]));
    out.is_some_and(|o| o.status.success())
}

/// The pinned nisshi answers `--version`.
pub fn nisshi_installed() -> bool {
    let out = quiet(Command::new(nisshi_bin()).arg("--version"));
    let want = format!("nisshi {NISSHI_VERSION}");
    out.is_some_and(|o| o.status.success() && o.stdout.trim_ascii() == want.as_bytes())
}

/// Both stand-ins are ready to start (`cargo xtask install` puts them there).
pub fn installed() -> bool {
    secantus_installed() && nisshi_installed()
}

fn quiet(cmd: &mut Command) -> Option<std::process::Output> {
    cmd.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()
}

/// A port that was free a moment ago.
pub fn free_port() -> u16 {
    let addr = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).and_then(|l| l.local_addr());
    addr.expect("cannot bind 127.0.0.1:0").port()
}

/// Fails with a clear message when something still listens on 127.0.0.1:`port` after a few
/// seconds (so that a foreign server is never mistaken for ours).
pub fn ensure_port_free(port: u16, what: &str) -> io::Result<()> {
    let busy = |e: io::Error| {
        io::Error::new(
            e.kind(),
            format!("cannot start {what}: port 127.0.0.1:{port} is not free ({e}); stop whatever uses it or choose another port"),
        )
    };
    // A server we just stopped on this port may take a moment to let go of it (its wrapper
    // exits before the server process has closed its socket): wait a little before refusing.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(_) => return Ok(()),
            Err(e) if Instant::now() >= deadline => return Err(busy(e)),
            Err(_) => sleep(Duration::from_millis(100)),
        }
    }
}

pub fn mongo_uri(port: u16) -> String {
    format!("mongodb://127.0.0.1:{port}/?replicaSet=secantus")
}

pub fn kafka_bootstrap(port: u16) -> String {
    format!("127.0.0.1:{port}")
}

/// Starts SecantusDB on 127.0.0.1:`port` with its data in `storage`, output to `log`, and
/// waits until it accepts connections.
pub fn start_mongo(port: u16, storage: &Path, log: &Path) -> io::Result<StandIn> {
    fs::create_dir_all(storage)?;
    let cmd = mongo_command(port, storage);
    let mut stand_in = StandIn::start("SecantusDB", port, cmd, log)?;
    stand_in.grace = Duration::from_secs(15); // closing WiredTiger cleanly takes 3-8 s
    Ok(stand_in)
}

/// The SecantusDB command line for `port` and `storage` (which must exist).
pub fn mongo_command(port: u16, storage: &Path) -> Command {
    let mut cmd = Command::new(secantus_python());
    let args = format!("-m secantus --host 127.0.0.1 --port {port} --storage-path");
    cmd.args(args.split(' ')).arg(storage).current_dir(storage); // no stray ./secantusd.toml
    cmd.env("PYTHONUNBUFFERED", "1");
    cmd
}

/// The nisshi broker command line: listening on 127.0.0.1:`port` and advertising
/// `advertised_host`:`port`, storage `storage` (a URL; a relative `sqlite://` path is resolved
/// against `workdir`, which must exist), working directory `workdir`.
pub fn kafka_command(port: u16, advertised_host: &str, storage: &str, workdir: &Path) -> Command {
    let (listener, advertised) = (format!("tcp://127.0.0.1:{port}"), format!("tcp://{advertised_host}:{port}"));
    let mut cmd = Command::new(nisshi_bin());
    cmd.args(["broker", "--listener-url", &listener, "--advertised-listener-url", &advertised, "--storage-engine", storage]);
    cmd.current_dir(workdir);
    cmd
}

/// Starts nisshi on 127.0.0.1:`port` with in-memory storage, working directory `workdir`,
/// output to `log`, and waits until it accepts connections.
pub fn start_kafka(port: u16, workdir: &Path, log: &Path) -> io::Result<StandIn> {
    fs::create_dir_all(workdir)?;
    start_nisshi("nisshi", port, kafka_command(port, "127.0.0.1", "memory://nisshi/", workdir), log)
}

/// Starts a nisshi command line. On SIGTERM nisshi waits up to 5 s for its connections to end
/// (clients stay connected), then exits: it gets that long before a SIGKILL, so that a stop is
/// a clean stop.
pub fn start_nisshi(name: &str, port: u16, cmd: Command, log: &Path) -> io::Result<StandIn> {
    let mut stand_in = StandIn::start(name, port, cmd, log)?;
    stand_in.grace = NISSHI_GRACE;
    Ok(stand_in)
}

const NISSHI_GRACE: Duration = Duration::from_secs(8);

/// Like [`start_kafka`] with SQLite storage in `workdir`: topics, records and committed offsets
/// survive a stop and start (for fault tests that stop the broker).
pub fn start_kafka_persistent(port: u16, workdir: &Path, log: &Path) -> io::Result<StandIn> {
    fs::create_dir_all(workdir)?;
    start_nisshi("nisshi (sqlite)", port, kafka_command(port, "127.0.0.1", "sqlite://nisshi.db", workdir), log)
}

/// Runs `"$@"` in the background, stops it on TERM/INT/HUP, and stops it as well once the
/// process `$1` is gone: a server never outlives whoever started it, even after a SIGKILL.
/// Exits with the server's status. Its own notices ("Terminated" for `sleep`) go to /dev/null.
const GUARD: &str = r#"p=$1; shift
"$@" &
c=$!
exec 2>/dev/null
trap 'kill -TERM $c' TERM INT HUP
while kill -0 "$p" && kill -0 $c; do sleep 1 & wait $!; done
kill -TERM $c
wait $c"#;

/// A running server in its own process group. Dropping it stops it: SIGTERM to the group,
/// then SIGKILL after `grace`.
pub struct StandIn {
    pub child: Child,
    pub name: String,
    pub port: u16,
    pub log: PathBuf,
    pub grace: Duration,
}

impl StandIn {
    /// Checks that `port` is free, spawns `cmd` (its program, args, added env and cwd) under
    /// the guard with its output in `log` (truncated first), and waits (60 s at most) until
    /// 127.0.0.1:`port` accepts a TCP connection.
    pub fn start(name: &str, port: u16, cmd: Command, log: &Path) -> io::Result<StandIn> {
        let mut stand_in = Self::spawn(name, port, cmd, log)?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        let connects = || TcpStream::connect_timeout(&addr, Duration::from_millis(500)).is_ok();
        let what = format!("listening on {addr}");
        stand_in.wait_until(Duration::from_secs(60), &what, connects)?;
        Ok(stand_in)
    }

    /// Like [`StandIn::start`] but does not wait for the port.
    pub fn spawn(name: &str, port: u16, cmd: Command, log: &Path) -> io::Result<StandIn> {
        ensure_port_free(port, name)?;
        fs::create_dir_all(log.parent().unwrap_or(Path::new(".")))?;
        let out = File::create(log)?;
        let parent = std::process::id().to_string();
        let mut guarded = Command::new("sh");
        guarded.args(["-c", GUARD, "sh", &parent]);
        guarded.arg(cmd.get_program()).args(cmd.get_args());
        guarded.envs(cmd.get_envs().filter_map(|(k, v)| Some((k, v?))));
        guarded.current_dir(cmd.get_current_dir().unwrap_or(Path::new(".")));
        // Own process group: a terminal's Ctrl-C reaches only us, and we stop servers in order.
        guarded.process_group(0).stdin(Stdio::null());
        guarded.stdout(out.try_clone()?).stderr(out);
        let program = cmd.get_program().to_string_lossy();
        let error = |e: io::Error| io::Error::new(e.kind(), format!("cannot run {program}: {e}"));
        let child = guarded.spawn().map_err(error)?;
        let (name, log, grace) = (name.to_string(), log.to_path_buf(), Duration::from_secs(3));
        Ok(StandIn { child, name, port, log, grace })
    }

    /// Polls `ready` until it holds; fails early if the process exits, and after `timeout`.
    /// `what` completes "exited before ..." and "still not ... after N s".
    pub fn wait_until(&mut self, timeout: Duration, what: &str, mut ready: impl FnMut() -> bool) -> io::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Err(self.failure(&format!("exited ({status}) before {what}")));
            }
            if ready() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let secs = timeout.as_secs();
                return Err(self.failure(&format!("still not {what} after {secs} s")));
            }
            sleep(Duration::from_millis(100));
        }
    }

    /// An error naming the server, what went wrong, its log file and the log's last lines.
    pub fn failure(&self, what: &str) -> io::Error {
        let (name, log, tail) = (&self.name, self.log.display(), log_tail(&self.log, 20));
        io::Error::other(format!("{name} {what}; end of its log {log}:\n{tail}"))
    }

    /// `Some(status)` once the server has exited.
    pub fn exited(&mut self) -> Option<ExitStatus> {
        self.child.try_wait().ok().flatten()
    }

    /// Stops the server (SIGTERM, then SIGKILL after `grace`) and returns its exit status.
    pub fn stop(&mut self) -> Option<ExitStatus> {
        if self.exited().is_none() {
            signal_group(self.child.id(), "TERM");
        }
        let deadline = Instant::now() + self.grace;
        while Instant::now() < deadline {
            if let Some(status) = self.exited() {
                return Some(status);
            }
            sleep(Duration::from_millis(50));
        }
        eprintln!("==> {} still runs after {:?}; killing it", self.name, self.grace);
        signal_group(self.child.id(), "KILL");
        self.child.wait().ok()
    }
}

impl Drop for StandIn {
    fn drop(&mut self) {
        self.stop();
    }
}

fn signal_group(pgid: u32, signal: &str) {
    let args = [format!("-{signal}"), "--".into(), format!("-{pgid}")];
    let mut kill = Command::new("kill");
    let _ = kill.args(args).stderr(Stdio::null()).status();
}

/// The last `lines` lines of a log file, indented, for error messages.
pub fn log_tail(path: &Path, lines: usize) -> String {
    let bytes = fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    all[start..].iter().map(|l| format!("    {l}\n")).collect()
}
