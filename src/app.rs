//! The one entry point of both services, for `main` and tests alike: bound listeners with their
//! routers, and background workers (outbox relay, consumers) that stop together.

use std::{future::Future, net::SocketAddr, pin::Pin};

use axum::Router;
use tokio::{net::TcpListener, sync::watch, task::JoinSet};
use tokio_rustls::TlsAcceptor;

use crate::http::HttpLimits;

type Worker = Pin<Box<dyn Future<Output = ()> + Send>>;

pub struct Endpoint {
    name: &'static str,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
}

impl Endpoint {
    pub const PUBLIC: &'static str = "public";
    pub const METRICS: &'static str = "metrics";
    pub const INTERNAL: &'static str = "internal";
}

pub struct App {
    endpoints: Vec<Endpoint>,
    limits: HttpLimits,
    workers: Vec<Worker>,
    shutdown: watch::Sender<bool>,
}

impl App {
    /// An app serving `router` on `listener` (the public endpoint).
    pub fn new(listener: TcpListener, router: Router, limits: HttpLimits) -> Self {
        let (shutdown, _) = watch::channel(false);
        Self { endpoints: vec![Endpoint { name: Endpoint::PUBLIC, listener, tls: None, router }], limits, workers: Vec::new(), shutdown }
    }

    /// Another endpoint, such as an internal TLS listener or a separate metrics address.
    pub fn add_endpoint(&mut self, name: &'static str, listener: TcpListener, tls: Option<TlsAcceptor>, router: Router) {
        self.endpoints.push(Endpoint { name, listener, tls, router });
    }

    /// A receiver that turns true when the app shuts down; for workers.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn spawn_worker(&mut self, worker: impl Future<Output = ()> + Send + 'static) {
        self.workers.push(Box::pin(worker));
    }

    /// The public endpoint's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.endpoints[0].listener.local_addr().expect("bound listener has an address")
    }

    /// The address of the endpoint called `name` ([`Endpoint::METRICS`], [`Endpoint::INTERNAL`]).
    pub fn addr_of(&self, name: &str) -> Option<SocketAddr> {
        self.endpoints.iter().find(|e| e.name == name).and_then(|e| e.listener.local_addr().ok())
    }

    /// Serves until `stop` resolves: then stops accepting, finishes in-flight requests, and
    /// lets every worker finish its current unit of work.
    pub async fn run(self, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { endpoints, limits, workers, shutdown } = self;
        let mut tasks = JoinSet::new();
        for worker in workers {
            tasks.spawn(worker);
        }
        let mut servers = JoinSet::new();
        for Endpoint { listener, tls, router, .. } in endpoints {
            let mut http_stop = shutdown.subscribe();
            servers.spawn(crate::http::serve(listener, tls, router, limits.clone(), async move {
                let _ = http_stop.wait_for(|stopped| *stopped).await;
            }));
        }
        stop.await;
        tracing::info!("shutting down");
        let _ = shutdown.send(true);
        let mut served = Ok(());
        while let Some(result) = servers.join_next().await {
            if let Ok(Err(err)) = result {
                served = Err(err);
            }
        }
        while tasks.join_next().await.is_some() {}
        served.map_err(Into::into)
    }
}

/// What a service exposes publicly: its API behind the bearer-token guard, the operational
/// routes, and `/metrics` either beside them or on `metrics_address`.
pub struct Public<'a> {
    pub listener: TcpListener,
    pub api: Router,
    pub operations: &'a [crate::auth::Operation],
    pub auth: &'a crate::auth::AuthConfig,
    pub ops: std::sync::Arc<crate::ops::Ops>,
    pub limits: &'a HttpLimits,
    pub metrics_address: &'a str,
}

impl Public<'_> {
    pub async fn into_app(self) -> anyhow::Result<App> {
        let api = match crate::auth::public_guard(self.auth, self.operations).await? {
            Some(guard) => crate::auth::protect(self.api, guard),
            None => self.api,
        };
        let separate_metrics = !self.metrics_address.is_empty();
        let metrics = self.ops.metrics.clone();
        let router = api.merge(crate::ops::router(self.ops.clone(), !separate_metrics));
        let mut app = App::new(self.listener, crate::http::with_common_layers(router, metrics.clone(), self.limits), self.limits.clone());
        if separate_metrics {
            let listener = TcpListener::bind(self.metrics_address)
                .await
                .map_err(|e| anyhow::anyhow!("cannot listen on metrics_address {}: {e}", self.metrics_address))?;
            let router = crate::http::with_common_layers(crate::ops::metrics_router(self.ops), metrics, self.limits);
            app.add_endpoint(Endpoint::METRICS, listener, None, router);
        }
        Ok(app)
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
