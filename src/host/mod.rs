//! The one service host, for `main` and tests alike: what every service connects to (database,
//! producer, metrics), the endpoints it serves (the public API behind the bearer-token guard
//! with the operational routes, `/metrics` apart if configured, further listeners such as an
//! internal TLS one) and the background workers (outbox relay, consumers) that stop together.
//! A service's `build` is its own wiring on top of this.

mod settings;

use std::{future::Future, net::SocketAddr, pin::Pin, sync::Arc};

use axum::Router;
use futures::future::BoxFuture;
use mongodb::Database;
use rdkafka::producer::FutureProducer;
use tokio::{
    net::TcpListener,
    sync::{watch, Notify},
    task::JoinSet,
};
use tokio_rustls::TlsAcceptor;

pub use settings::{CommonSettings, InternalListener};

use crate::{
    auth::Operation,
    ops::{Metrics, Ops},
    outbox::{LongWrites, OutboxSource, Relay},
};

type Worker = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A service: its connections, its bound listeners with their routers, and its workers.
pub struct Host {
    pub metrics: Arc<Metrics>,
    pub db: Database,
    pub producer: FutureProducer,
    settings: CommonSettings,
    endpoints: Vec<Endpoint>,
    workers: Vec<Worker>,
    shutdown: watch::Sender<bool>,
}

struct Endpoint {
    name: &'static str,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Router,
}

/// The public API of a service, as [`Host::serve`] takes it.
pub struct PublicApi {
    /// The generated router with the service's handlers.
    pub router: Router,
    /// The generated operation table: who may call what.
    pub operations: &'static [Operation],
    /// The service's spec (YAML), served at `/openapi.json` and `/docs`.
    pub spec: &'static str,
    /// Gauges read from the database at scrape time.
    pub refresh: Option<crate::ops::GaugeRefresh>,
}

impl Host {
    /// The endpoint names for [`Host::addr_of`].
    pub const PUBLIC: &'static str = "public";
    pub const METRICS: &'static str = "metrics";
    pub const INTERNAL: &'static str = "internal";

    /// Connects the service `name` (its MongoDB app name) to its database and broker, with
    /// `metrics` observing the database commands.
    pub async fn connect(name: &str, settings: &CommonSettings, metrics: Arc<Metrics>) -> anyhow::Result<Self> {
        crate::tls::install_default_provider();
        let db = crate::mongo::connect_observed(&settings.mongodb, name, Some(metrics.clone())).await?;
        let producer = settings.kafka.producer()?;
        let (shutdown, _) = watch::channel(false);
        Ok(Self { metrics, db, producer, settings: settings.clone(), endpoints: Vec::new(), workers: Vec::new(), shutdown })
    }

    /// Serves `api` on `listener` behind the bearer-token guard, with the operational routes,
    /// and `/metrics` either beside them or on `metrics_address`.
    pub async fn serve(&mut self, listener: TcpListener, api: PublicApi) -> anyhow::Result<()> {
        let router = match crate::auth::public_guard(&self.settings.auth, api.operations).await? {
            Some(guard) => crate::auth::protect(api.router, guard),
            None => api.router,
        };
        let ops = Arc::new(Ops {
            metrics: self.metrics.clone(),
            db: self.db.clone(),
            producer: self.producer.clone(),
            spec: crate::ops::spec_json(api.spec)?,
            refresh: api.refresh,
        });
        let separate_metrics = !self.settings.metrics_address.is_empty();
        self.add_endpoint(Self::PUBLIC, listener, None, router.merge(crate::ops::router(ops.clone(), !separate_metrics)));
        if separate_metrics {
            let address = &self.settings.metrics_address;
            let listener =
                TcpListener::bind(address).await.map_err(|e| anyhow::anyhow!("cannot listen on metrics_address {address}: {e}"))?;
            self.add_endpoint(Self::METRICS, listener, None, crate::ops::metrics_router(ops));
        }
        Ok(())
    }

    /// `router` again on the internal listener, if enabled: TLS with a required client
    /// certificate, whose holder gets the configured scopes for `operations`.
    pub async fn serve_internal(&mut self, internal: &InternalListener, router: Router, operations: &[Operation]) -> anyhow::Result<()> {
        if !internal.enabled {
            return Ok(());
        }
        let listener = TcpListener::bind((internal.host.as_str(), internal.port))
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on internal {}:{}: {e}", internal.host, internal.port))?;
        let tls = TlsAcceptor::from(crate::tls::server_requiring_client_certs(&internal.tls)?);
        let guard = crate::auth::Authenticator::trusted_peer(&internal.scopes, operations);
        self.add_endpoint(Self::INTERNAL, listener, Some(tls), crate::auth::protect(router, guard));
        Ok(())
    }

    /// Another endpoint with the layers every endpoint has.
    pub fn add_endpoint(&mut self, name: &'static str, listener: TcpListener, tls: Option<TlsAcceptor>, router: Router) {
        let router = crate::http::with_common_layers(router, self.metrics.clone(), &self.settings.http);
        self.endpoints.push(Endpoint { name, listener, tls, router });
    }

    /// Publishes `source`'s outbox to Kafka in the background (unless `outbox.enabled` is off);
    /// `wake` starts a pass right after a local write; timed passes wait while one of
    /// `long_writes` is in flight.
    pub fn relay(&mut self, source: impl OutboxSource, wake: Arc<Notify>, long_writes: LongWrites) {
        if self.settings.outbox.enabled {
            let relay = Relay::new(&self.db, source, self.producer.clone(), &self.settings.kafka, self.settings.outbox.clone(), wake)
                .holding_timed_passes_during(long_writes);
            let stop = self.shutdown_signal();
            self.spawn_worker(relay.run(stop));
        }
    }

    /// A receiver that turns true when the service shuts down; for workers.
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.shutdown.subscribe()
    }

    pub fn spawn_worker(&mut self, worker: impl Future<Output = ()> + Send + 'static) {
        self.workers.push(Box::pin(worker));
    }

    /// The public endpoint's address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr_of(Self::PUBLIC).expect("the public endpoint is served")
    }

    /// The address of the endpoint called `name` ([`Host::METRICS`], [`Host::INTERNAL`]).
    pub fn addr_of(&self, name: &str) -> Option<SocketAddr> {
        self.endpoints.iter().find(|e| e.name == name).and_then(|e| e.listener.local_addr().ok())
    }

    /// Serves until `stop` resolves: then stops accepting, finishes in-flight requests, and
    /// lets every worker finish its current unit of work.
    pub async fn run(self, stop: impl Future<Output = ()> + Send + 'static) -> anyhow::Result<()> {
        let Self { endpoints, settings, workers, shutdown, .. } = self;
        let mut tasks = JoinSet::new();
        for worker in workers {
            tasks.spawn(worker);
        }
        let mut servers = JoinSet::new();
        for Endpoint { listener, tls, router, .. } in endpoints {
            let mut http_stop = shutdown.subscribe();
            servers.spawn(crate::http::serve(listener, tls, router, settings.http.clone(), async move {
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

/// A gauge refresh from an async closure (for [`PublicApi::refresh`]).
pub fn gauges<F>(refresh: impl Fn() -> F + Send + Sync + 'static) -> Option<crate::ops::GaugeRefresh>
where
    F: Future<Output = ()> + Send + 'static,
{
    Some(Arc::new(move || -> BoxFuture<'static, ()> { Box::pin(refresh()) }))
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
