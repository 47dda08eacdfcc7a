//! Starting our own services for `cargo xtask up`.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{ensure, Result};

use crate::signals;
use crate::standins::StandIn;

/// A service binary of the root package, its port, a path to probe and its settings.
pub struct Service {
    pub name: &'static str,
    pub port: u16,
    pub probe: &'static str,
    pub env: Vec<(String, String)>,
}

/// Runs the freshly built `service` with its output in `<logs>/<name>.log` and waits until
/// it answers HTTP (any status) on its probe path.
pub fn start(service: &Service, root: &Path, logs: &Path, timeout: Duration, read_timeout: Duration) -> Result<StandIn> {
    let mut cmd = Command::new(binary(root, service.name)?);
    cmd.envs(service.env.iter().map(|(k, v)| (k, v)));
    let (name, port, path) = (service.name, service.port, service.probe);
    let log = logs.join(format!("{name}.log"));
    println!("==> starting {name} on 127.0.0.1:{port} (log {})", log.display());
    let mut server = StandIn::spawn(name, port, cmd, &log)?;
    server.grace = Duration::from_secs(10); // to finish in-flight requests and the outbox batch
                                            // A signal ends the wait early; the caller then stops everything.
    let ready = || signals::stop_requested() || http_answers(port, path, read_timeout);
    server.wait_until(timeout, &format!("answering GET {path}"), ready)?;
    Ok(server)
}

/// A freshly built binary of the root package.
pub fn binary(root: &Path, name: &str) -> Result<PathBuf> {
    // `cargo xtask up --release` builds optimised binaries only: use them when no debug one exists.
    let dir = target_dir(root);
    let (debug, release) = (dir.join("debug").join(name), dir.join("release").join(name));
    let binary = if crate::up::release_build() || (!debug.exists() && release.exists()) { release } else { debug };
    ensure!(
        binary.exists(),
        "{} is missing after the build; if cargo's target dir is not CARGO_TARGET_DIR or <checkout>/target, export CARGO_TARGET_DIR",
        binary.display()
    );
    Ok(binary)
}

/// `$CARGO_TARGET_DIR` (relative to the checkout, as cargo reads it there) or `<checkout>/target`.
pub fn target_dir(root: &Path) -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    }
}

/// Any HTTP response to `GET path` (a raw HTTP/1.0 request; the status does not matter).
fn http_answers(port: u16, path: &str, read_timeout: Duration) -> bool {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(500)) else {
        return false;
    };
    let request = format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let mut head = [0u8; 5];
    stream.set_read_timeout(Some(read_timeout)).is_ok()
        && stream.write_all(request.as_bytes()).is_ok()
        && stream.read_exact(&mut head).is_ok()
        && &head == b"HTTP/"
}
