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
    host::{Host, PublicApi},
    ops::Metrics,
    outbox::Outbox,
};

/// Builds the contact service on `listener`: connects, prepares storage and topics, seeds,
/// and wires the API and the outbox relay. `main` and the tests both start here.
pub async fn build(config: ContactConfig, listener: TcpListener) -> anyhow::Result<Host> {
    config.validate()?;
    let mut host = Host::connect("contact-service", &config.common, Metrics::new()).await?;
    Outbox::new(&host.db).ensure_indexes().await?;
    config.common.kafka.ensure_topics(&config.topics.all()).await?;

    let wake = Arc::new(Notify::new());
    let service = ContactService::new(&host.db, &config, wake.clone());
    seed::ensure_persons(&service, config.seed_persons).await.map_err(|e| anyhow::anyhow!("seeding persons: {e}"))?;

    let max_latency = config.max_latency_secs;
    let operations = crate::spec::contact::OPERATIONS;
    let router = crate::spec::contact::contact_router(Arc::new(api::ContactHandlers(service)))
        .layer(axum::middleware::from_fn(move |req, next| artificial_latency(max_latency, req, next)));
    let (outbox, metrics) = (Outbox::new(&host.db), host.metrics.clone());
    let refresh = crate::host::gauges(move || {
        let (outbox, metrics) = (outbox.clone(), metrics.clone());
        async move { outbox.refresh_gauges(&metrics).await }
    });
    let spec = include_str!("../../spec/contact-service.yaml");
    host.serve(listener, PublicApi { router: router.clone(), operations, spec, refresh }).await?;
    host.serve_internal(&config.internal, router, operations).await?;
    host.relay(Outbox::new(&host.db), wake, Default::default()); // no long writes here
    Ok(host)
}

/// Simulates a slow service: sleeps a random 0..=max seconds before each API call.
async fn artificial_latency(max_secs: f64, request: Request, next: Next) -> Response {
    if max_secs > 0.0 {
        tokio::time::sleep(Duration::from_secs_f64(rand::random_range(0.0..=max_secs))).await;
    }
    next.run(request).await
}
