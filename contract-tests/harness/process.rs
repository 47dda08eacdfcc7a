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
}

impl ServiceProcess {
    /// Runs the `order-service` binary with `config` (written as a config file) on a free port.
    pub async fn order(mut config: OrderConfig) -> Self {
        config.port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let file = std::env::temp_dir().join(format!("order-{}.yaml", super::unique_suffix()));
        // JSON is YAML: the file layer takes it as it is.
        std::fs::write(&file, serde_json::to_vec(&config).unwrap()).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_order-service"))
            .arg("--config")
            .arg(&file)
            .env("RUST_LOG", std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()))
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start order-service");
        let deadline = Instant::now() + Duration::from_secs(30);
        while tokio::net::TcpStream::connect(("127.0.0.1", config.port)).await.is_err() {
            assert!(Instant::now() < deadline, "order-service did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self { child, _config_file: file }
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
