//! The one entry point of both services, for `main` and tests alike: a bound listener, the
//! router, and background workers (outbox relay, consumers) that stop together.

use std::{future::Future, net::SocketAddr, pin::Pin};

use axum::Router;
use tokio::{net::TcpListener, sync::watch, task::JoinSet};

type Worker = Pin<Box<dyn Future<Output = ()> + Send>>;

pub struct App {
    listener: TcpListener,
    router: Router,
    workers: Vec<Worker>,
    shutdown: watch::Sender<bool>,
}

impl App {
    pub fn new(listener: TcpListener, router: Router) -> Self {
        let (shutdown, _) = watch::channel(false);
        Self { listener, router, workers: Vec::new(), shutdown }
    }

    /// A receiver that turns true when the app shuts down; for workers.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn spawn_worker(&mut self, worker: impl Future<Output = ()> + Send + 'static) {
        self.workers.push(Box::pin(worker));
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("bound listener has an address")
    }

    /// Serves until `stop` resolves: then stops accepting, finishes in-flight requests, and
    /// lets every worker finish its current unit of work.
    pub async fn run(self, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { listener, router, workers, shutdown } = self;
        let mut tasks = JoinSet::new();
        for worker in workers {
            tasks.spawn(worker);
        }
        let mut http_stop = shutdown.subscribe();
        let server = crate::http::serve(listener, router, async move {
            let _ = http_stop.wait_for(|stopped| *stopped).await;
        });
        let trigger = async move {
            stop.await;
            tracing::info!("shutting down");
            let _ = shutdown.send(true);
        };
        let (served, ()) = tokio::join!(server, trigger);
        while tasks.join_next().await.is_some() {}
        served.map_err(Into::into)
    }
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn termination() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
