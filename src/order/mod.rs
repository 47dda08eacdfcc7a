//! The order service: `spec/order-service.yaml` on MongoDB database `orders`, resolving person
//! references through its replica and the contact service, publishing order events through its
//! outbox.

pub mod api;
pub mod config;
pub mod contact_lookup;
pub mod error;
pub mod events;
pub mod model;
pub mod outbox;
pub mod person_sync;
pub mod replica;
pub mod retention;
pub mod service;

use std::sync::Arc;

use labs_order_client::ClientAuth;
use tokio::{net::TcpListener, sync::Notify};

pub use config::OrderConfig;
pub use error::Error;

use crate::{
    app::App,
    ops::{Metrics, Ops},
    outbox::Relay,
};

/// Builds the order service on `listener`. `main` and the tests both start here.
pub async fn build(config: OrderConfig, listener: TcpListener) -> anyhow::Result<App> {
    config.validate()?;
    crate::tls::install_default_provider();
    let metrics = Metrics::new().with_order_series();
    let db = crate::mongo::connect_observed(&config.mongodb, "order-service", Some(metrics.clone())).await?;
    let producer = config.kafka.producer()?;
    let order_outbox = outbox::OrderOutbox::new(&db, &config.order_topic, &config.event_source);
    order_outbox.ensure_indexes().await?;
    let mut topics = vec![config.order_topic.as_str(), config.consumer.dead_letter_topic.as_str()];
    topics.extend(config.person_topics.all());
    config.kafka.ensure_topics(&topics).await?;

    // The service's own credentials: its client certificate (https) or a service token; never
    // the end user's token.
    let contact_auth = config.contact.token.as_ref().map(|t| ClientAuth::bearer(t.expose())).unwrap_or_default();
    let lookup = Arc::new(contact_lookup::ContactLookup::new(&config.contact, contact_auth, metrics.clone())?);
    let wake = Arc::new(Notify::new());
    let cache = Arc::new(replica::cache::ReplicaCache::new(std::time::Duration::from_millis(config.replica_cache_ms)));
    let replica = replica::PersonReplica::new(&db).with_cache(cache);
    let service = service::OrderService::new(&db, &config, lookup.clone(), wake.clone(), replica.clone());
    service.ensure_indexes().await?;
    retention::ensure(&db, &config.retention).await?;

    let api = crate::api::order::order_router(Arc::new(api::OrderHandlers(service)));
    let (outbox, orders, refresh_metrics) =
        (order_outbox.clone(), db.collection::<mongodb::bson::Document>(service::ORDERS_COLLECTION), metrics.clone());
    let ops = Ops {
        metrics: metrics.clone(),
        db: db.clone(),
        producer: producer.clone(),
        spec: crate::ops::spec_json(include_str!("../../spec/order-service.yaml"))?,
        // Counted at scrape time: right after restarts and bulk deletes alike.
        refresh: Some(Arc::new(move || {
            let (outbox, orders, metrics) = (outbox.clone(), orders.clone(), refresh_metrics.clone());
            Box::pin(async move {
                if let Ok(n) = orders.count_documents(model::live()).await {
                    metrics.orders_active.set(n as i64);
                }
                if let Ok((backlog, age)) = outbox.backlog().await {
                    metrics.outbox_backlog.set(backlog as i64);
                    metrics.outbox_oldest_age_seconds.set(age.map_or(0.0, |d| d.as_secs_f64()));
                }
            })
        })),
    };
    let mut app = crate::app::Public {
        listener,
        api,
        operations: crate::api::order::OPERATIONS,
        auth: &config.auth,
        ops: Arc::new(ops),
        limits: &config.http,
        metrics_address: &config.metrics_address,
    }
    .into_app()
    .await?;
    if config.outbox.enabled {
        let relay = Relay::new(&db, order_outbox, producer.clone(), &config.kafka, config.outbox.clone(), wake);
        let stop = app.shutdown_signal();
        app.spawn_worker(relay.run(stop));
    }
    if config.consumer.enabled {
        let sync = person_sync::PersonSync::new(&db, lookup, replica);
        let consumer = person_sync::consumer::PersonEventConsumer {
            consumer: person_sync::consumer::consumer(
                &config.kafka,
                &config.consumer,
                &config.person_topics,
                person_sync::consumer::LagReporter(metrics.clone()),
            )?,
            producer,
            sync: sync.clone(),
            metrics,
            topics: config.person_topics.clone(),
            dead_letter_topic: config.consumer.dead_letter_topic.clone(),
        };
        app.spawn_worker(consumer.run(app.shutdown_signal()));
        let interval = std::time::Duration::from_millis(config.consumer.parked_retry_interval_ms);
        app.spawn_worker(person_sync::parked::run(sync, interval, app.shutdown_signal()));
    }
    Ok(app)
}
