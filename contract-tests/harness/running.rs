//! A service started in-process for a test, and the ways it ends: gracefully, killed, or dropped.

use labs_order::host::Host;
use tokio::{sync::oneshot, task::JoinHandle};

#[derive(Default)]
pub struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    /// Runs `app` until stopped; returns the handle and the app's base URL.
    pub fn start(app: Host) -> (Self, String) {
        let url = format!("http://{}", app.local_addr());
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(app.run(async {
            let _ = stopped.await;
        }));
        (Self { stop: Some(stop), task: Some(task) }, url)
    }

    /// Graceful stop: in-flight work finishes.
    pub async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.expect("join").expect("clean shutdown");
        }
    }

    /// Abrupt stop: every task of the service is dropped where it stands.
    pub fn kill(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.kill();
    }
}
