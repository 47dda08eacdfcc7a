//! A service as a real process, for tests that kill it with SIGKILL (no destructor runs, no
//! offset commit on close, no graceful anything).

use std::{
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use labs_order::order::OrderConfig;

pub struct ServiceProcess {
    child: Child,
    _config_file: std::path::PathBuf,
    pub url: String,
    /// The process's log (JSON lines), when it was started with [`ServiceProcess::logged`].
    pub log: Option<std::path::PathBuf>,
}

impl ServiceProcess {
    /// Runs the `order-service` binary with `config` (written as a config file) on a free port.
    pub async fn order(config: OrderConfig) -> Self {
        Self::start(env!("CARGO_BIN_EXE_order-service"), serde_json::to_value(config).unwrap(), None).await
    }

    /// Runs the `order-service` binary with crash points armed (`FAILPOINTS`, see
    /// `labs_order::crash_points`), its log captured.
    pub async fn order_armed(config: OrderConfig, failpoints: &str) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let log = std::env::temp_dir().join(format!("service-{}.log", super::unique_suffix()));
        let binary = env!("CARGO_BIN_EXE_order-service");
        Self::spawn(binary, serde_json::to_value(config).unwrap(), port, Some(log), &[("FAILPOINTS", failpoints)]).await
    }

    /// Runs a service binary at log level `info` with its log captured to a file.
    pub async fn logged(binary: &str, config: serde_json::Value) -> Self {
        let log = std::env::temp_dir().join(format!("service-{}.log", super::unique_suffix()));
        Self::start(binary, config, Some(log)).await
    }

    async fn start(binary: &str, config: serde_json::Value, log: Option<std::path::PathBuf>) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::start_on(binary, config, port, log).await
    }

    /// Runs a service binary on `port` (to come back where clients expect it after a kill).
    pub async fn start_on(binary: &str, config: serde_json::Value, port: u16, log: Option<std::path::PathBuf>) -> Self {
        Self::spawn(binary, config, port, log, &[]).await
    }

    async fn spawn(binary: &str, mut config: serde_json::Value, port: u16, log: Option<std::path::PathBuf>, env: &[(&str, &str)]) -> Self {
        config["port"] = port.into();
        let file = std::env::temp_dir().join(format!("service-{}.yaml", super::unique_suffix()));
        // JSON is YAML: the file layer takes it as it is.
        std::fs::write(&file, serde_json::to_vec(&config).unwrap()).unwrap();
        let (level, stderr) = match &log {
            Some(path) => ("info,rdkafka=warn".to_string(), Stdio::from(std::fs::File::create(path).unwrap())),
            None => (std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()), Stdio::inherit()),
        };
        let child = Command::new(binary)
            .arg("--config")
            .arg(&file)
            .env("RUST_LOG", level)
            .envs(env.iter().copied())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("start the service binary");
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_err() {
            assert!(Instant::now() < deadline, "{binary} did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, _config_file: file, url: format!("http://127.0.0.1:{port}"), log }
    }

    /// The captured log lines that mention `needle`, parsed.
    pub fn log_lines_with(&self, needle: &str) -> Vec<serde_json::Value> {
        let text = std::fs::read_to_string(self.log.as_ref().expect("started with a log")).unwrap_or_default();
        text.lines().filter(|l| l.contains(needle)).filter_map(|l| serde_json::from_str(l).ok()).collect()
    }

    /// The operating system's process id (for `/proc` readings).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Runs a service binary with `config` (at log level warn, output inherited).
    pub async fn quiet(binary: &str, config: serde_json::Value) -> Self {
        Self::start(binary, config, None).await
    }

    /// Waits for the process to end by itself (a crash point); fails after `timeout`.
    pub async fn exited(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("process status") {
                return status;
            }
            assert!(Instant::now() < deadline, "the process is still running after {timeout:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGKILL, and wait for the process to be gone.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self._config_file);
    }
}
