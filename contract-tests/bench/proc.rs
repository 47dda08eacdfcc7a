//! What a process costs, read from `/proc`: CPU time (user + system) and resident memory.

use std::{
    sync::{
        atomic::{AtomicBool, AtomicU64, Ordering},
        Arc,
    },
    time::Duration,
};

/// Clock ticks per second of `/proc/<pid>/stat` (USER_HZ; 100 on Linux).
const TICKS_PER_SEC: f64 = 100.0;

/// utime + stime of `pid`, in seconds.
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may contain spaces) in parentheses.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<u64>().ok()).unwrap_or(0);
    // utime and stime are fields 14 and 15 of stat; 12 and 13 after ")" and the state field.
    (ticks(11) + ticks(12)) as f64 / TICKS_PER_SEC
}

/// A line of `/proc/<pid>/status` in KiB (`VmRSS`, `VmHWM`).
pub fn status_kib(pid: u32, key: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.lines().find(|l| l.starts_with(key)).and_then(|l| l.split_whitespace().nth(1)).and_then(|v| v.parse().ok()).unwrap_or(0)
}

/// Samples `VmRSS` every 10 ms in the background and keeps the largest value.
pub struct RssSampler {
    peak: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let (peak, stop) = (Arc::new(AtomicU64::new(status_kib(pid, "VmRSS"))), Arc::new(AtomicBool::new(false)));
        let (p, s) = (peak.clone(), stop.clone());
        let task = tokio::spawn(async move {
            while !s.load(Ordering::Relaxed) {
                p.fetch_max(status_kib(pid, "VmRSS"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        });
        Self { peak, stop, task }
    }

    /// The peak resident set seen, in MiB.
    pub async fn stop(self) -> f64 {
        self.stop.store(true, Ordering::Relaxed);
        let _ = self.task.await;
        self.peak.load(Ordering::Relaxed) as f64 / 1024.0
    }
}

/// The port of the first host of a `mongodb://` connection string.
pub fn port_of(uri: &str) -> Option<u16> {
    let hosts = uri.split_once("://")?.1.split(['/', '?']).next()?;
    let host = hosts.rsplit_once('@').map_or(hosts, |(_, h)| h).split(',').next()?;
    host.rsplit_once(':').map_or(Some(27017), |(_, p)| p.parse().ok())
}

/// The process of this machine that listens on TCP `port` (found through `/proc/net/tcp` and
/// the processes' socket descriptors), if it is the server itself: a port a container publishes
/// is held by `docker-proxy`, whose CPU is not the server's, and answers none.
pub fn listener_pid(port: u16) -> Option<u32> {
    let listening: Vec<String> = ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .flat_map(|table| {
            let table = std::fs::read_to_string(table).unwrap_or_default();
            table
                .lines()
                .skip(1)
                .filter_map(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    let local_port = u16::from_str_radix(fields.get(1)?.rsplit(':').next()?, 16).ok()?;
                    // State 0A: LISTEN.
                    let inode = fields.get(9)?;
                    (local_port == port && *fields.get(3)? == "0A").then(|| format!("socket:[{inode}]"))
                })
                .collect::<Vec<_>>()
        })
        .collect();
    if listening.is_empty() {
        return None;
    }
    for process in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(pid) = process.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else { continue };
        let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else { continue };
        let holds =
            fds.flatten().any(|fd| std::fs::read_link(fd.path()).is_ok_and(|l| listening.iter().any(|s| l.as_os_str() == s.as_str())));
        if holds {
            let comm = std::fs::read_to_string(process.path().join("comm")).unwrap_or_default();
            return (comm.trim() != "docker-proxy").then_some(pid);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_port_of_a_connection_string() {
        assert_eq!(super::port_of("mongodb://127.0.0.1:27100/?replicaSet=secantus"), Some(27100));
        assert_eq!(super::port_of("mongodb://order:secret@db.example:27018,db2:27019/orders"), Some(27018));
        assert_eq!(super::port_of("mongodb://localhost"), Some(27017));
    }
}
