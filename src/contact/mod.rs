//! The contact (person) service: `spec/contact-service.yaml` on MongoDB database `contacts`,
//! publishing person events through its outbox.

pub mod api;
pub mod config;
pub mod error;
pub mod events;
pub mod person;
pub mod seed;
pub mod service;

use std::{sync::Arc, time::Duration};

use axum::{extract::Request, middleware::Next, response::Response};
use tokio::{net::TcpListener, sync::Notify};

pub use config::ContactConfig;
pub use error::Error;
use service::ContactService;

use crate::{
    app::App,
    ops::{Metrics, Ops},
    outbox::{Outbox, Relay},
};

/// Builds the contact service on `listener`: connects, prepares storage and topics, seeds,
/// and wires the API and the outbox relay. `main` and the tests both start here.
pub async fn build(config: ContactConfig, listener: TcpListener) -> anyhow::Result<App> {
    config.validate()?;
    crate::tls::install_default_provider();
    let metrics = Metrics::new();
    let db = crate::mongo::connect_observed(&config.mongodb, "contact-service", Some(metrics.clone())).await?;
    let producer = config.kafka.producer()?;
    Outbox::new(&db).ensure_indexes().await?;
    config.kafka.ensure_topics(&config.topics.all()).await?;

    let wake = Arc::new(Notify::new());
    let service = ContactService::new(&db, &config, wake.clone());
    seed::ensure_persons(&service, config.seed_persons).await.map_err(|e| anyhow::anyhow!("seeding persons: {e}"))?;

    let max_latency = config.max_latency_secs;
    let operations = crate::api::contact::OPERATIONS;
    let api = crate::api::contact::contact_router(Arc::new(api::ContactHandlers(service)))
        .layer(axum::middleware::from_fn(move |req, next| artificial_latency(max_latency, req, next)));
    let outbox = Outbox::new(&db);
    let refresh_metrics = metrics.clone();
    let ops = Ops {
        metrics: metrics.clone(),
        db: db.clone(),
        producer: producer.clone(),
        spec: crate::ops::spec_json(include_str!("../../spec/contact-service.yaml"))?,
        refresh: Some(Arc::new(move || {
            let (outbox, metrics) = (outbox.clone(), refresh_metrics.clone());
            Box::pin(async move { crate::ops::refresh_outbox(&outbox, &metrics).await })
        })),
    };
    let mut app = crate::app::Public {
        listener,
        api: api.clone(),
        operations,
        auth: &config.auth,
        ops: Arc::new(ops),
        limits: &config.http,
        metrics_address: &config.metrics_address,
    }
    .into_app()
    .await?;
    if config.internal.enabled {
        let internal = &config.internal;
        let listener = TcpListener::bind((internal.host.as_str(), internal.port))
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on internal {}:{}: {e}", internal.host, internal.port))?;
        let tls = tokio_rustls::TlsAcceptor::from(crate::tls::server_requiring_client_certs(&internal.tls)?);
        let guard = crate::auth::Authenticator::trusted_peer(&internal.scopes, operations);
        let router = crate::http::with_common_layers(crate::auth::protect(api, guard), metrics, &config.http);
        app.add_endpoint(crate::app::Endpoint::INTERNAL, listener, Some(tls), router);
    }
    if config.outbox.enabled {
        let relay = Relay::new(&db, Outbox::new(&db), producer, &config.kafka, config.outbox.clone(), wake);
        let stop = app.shutdown_signal();
        app.spawn_worker(relay.run(stop));
    }
    Ok(app)
}

/// Simulates a slow service: sleeps a random 0..=max seconds before each API call.
async fn artificial_latency(max_secs: f64, request: Request, next: Next) -> Response {
    if max_secs > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(rand::random_range(0.0..=max_secs))).await;
    }
    next.run(request).await
}
