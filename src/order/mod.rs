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
    host::{Host, PublicApi},
    ops::Metrics,
};

/// Builds the order service on `listener`. `main` and the tests both start here.
pub async fn build(config: OrderConfig, listener: TcpListener) -> anyhow::Result<Host> {
    config.validate()?;
    let mut host = Host::connect("order-service", &config.common, Metrics::new().with_order_series()).await?;
    let (db, metrics) = (host.db.clone(), host.metrics.clone());
    // The same database on a second client without command monitoring, for the request path's
    // batched commands, which time themselves (`mongo::batch::Timer`): with an event handler
    // set, the driver turns every command and reply into a `Document` for it, which was a
    // tenth of a GET's CPU.
    let request_db = crate::mongo::connect(&config.common.mongodb, "order-service").await?;
    // A person event's transaction (a fan-out) holds the relay's timed passes.
    let long_writes = crate::outbox::LongWrites::default();
    let order_outbox = outbox::OrderOutbox::new(&db, &config.order_topic, &config.event_source).with_long_writes(long_writes.clone());
    order_outbox.ensure_indexes().await?;
    let mut topics = vec![config.order_topic.as_str(), config.consumer.dead_letter_topic.as_str()];
    topics.extend(config.person_topics.all());
    config.common.kafka.ensure_topics(&topics).await?;

    // The service's own credentials: its client certificate (https) or a service token; never
    // the end user's token.
    let contact_auth = config.contact.token.as_ref().map(|t| ClientAuth::bearer(t.expose())).unwrap_or_default();
    let lookup = Arc::new(contact_lookup::ContactLookup::new(&config.contact, contact_auth, metrics.clone())?);
    let wake = Arc::new(Notify::new());
    let cache = Arc::new(replica::cache::ReplicaCache::new(std::time::Duration::from_millis(config.replica_cache_ms)));
    let replica = replica::PersonReplica::new(&db).with_cache(cache);
    let service = service::OrderService::new((&db, &request_db, metrics.clone()), &config, lookup.clone(), wake.clone(), replica.clone());
    service.ensure_indexes().await?;
    retention::ensure(&db, &config.retention).await?;

    let refresh = gauges(order_outbox.clone(), db.collection(service::ORDERS_COLLECTION), metrics);
    let router = crate::spec::order::order_router(Arc::new(api::OrderHandlers(service)));
    let (operations, spec) = (crate::spec::order::OPERATIONS, include_str!("../../spec/order-service.yaml"));
    host.serve(listener, PublicApi { router, operations, spec, refresh }).await?;
    host.relay(order_outbox, wake, long_writes.clone());
    if config.consumer.enabled {
        start_person_sync(&mut host, &config, lookup, replica, long_writes)?;
    }
    Ok(host)
}

/// The gauges counted at scrape time: right after restarts and bulk deletes alike.
fn gauges(
    outbox: outbox::OrderOutbox,
    orders: mongodb::Collection<mongodb::bson::Document>,
    metrics: Arc<Metrics>,
) -> Option<crate::ops::GaugeRefresh> {
    crate::host::gauges(move || {
        let (outbox, orders, metrics) = (outbox.clone(), orders.clone(), metrics.clone());
        async move {
            // All documents (collection metadata) less the tombstones (by their sparse index):
            // counting live orders with a query would read every order at every scrape.
            if let (Ok(all), Ok(deleted)) = (orders.estimated_document_count().await, orders.count_documents(model::tombstones()).await) {
                metrics.orders_active.set(all.saturating_sub(deleted) as i64);
            }
            if let Ok((backlog, age)) = outbox.backlog().await {
                metrics.outbox_backlog.set(backlog as i64);
                metrics.outbox_oldest_age_seconds.set(age.map_or(0.0, |d| d.as_secs_f64()));
            }
        }
    })
}

/// The person-event consumer and the retries of parked events, keeping the replica current.
fn start_person_sync(
    host: &mut Host,
    config: &OrderConfig,
    lookup: Arc<contact_lookup::ContactLookup>,
    replica: replica::PersonReplica,
    long_writes: crate::outbox::LongWrites,
) -> anyhow::Result<()> {
    use person_sync::consumer::{consumer, LagReporter, PersonEventConsumer};
    let sync = person_sync::PersonSync::new(&host.db, lookup, replica).with_long_writes(long_writes);
    let consumer = PersonEventConsumer {
        consumer: consumer(&config.common.kafka, &config.consumer, &config.person_topics, LagReporter(host.metrics.clone()))?,
        producer: host.producer.clone(),
        sync: sync.clone(),
        metrics: host.metrics.clone(),
        topics: config.person_topics.clone(),
        dead_letter_topic: config.consumer.dead_letter_topic.clone(),
    };
    host.spawn_worker(consumer.run(host.shutdown_signal()));
    let interval = std::time::Duration::from_millis(config.consumer.parked_retry_interval_ms);
    host.spawn_worker(person_sync::parked::run(sync, interval, host.shutdown_signal()));
    Ok(())
}
