//! The order service: `spec/order-service.yaml` on MongoDB database `orders`, resolving person
//! references through its replica and the contact service, publishing order events through its
//! outbox.

pub mod api;
pub mod config;
pub mod contact_lookup;
pub mod events;
pub mod model;
pub mod person_sync;
pub mod persons;
pub mod service;

use std::sync::Arc;

use labs_order_client::ClientAuth;
use tokio::{net::TcpListener, sync::Notify};

pub use config::OrderConfig;

use crate::{
    app::App,
    outbox::{Outbox, Relay},
};

/// Builds the order service on `listener`. `main` and the tests both start here.
pub async fn build(config: OrderConfig, listener: TcpListener) -> anyhow::Result<App> {
    config.validate()?;
    let db = crate::mongo::connect(&config.mongodb, "order-service").await?;
    Outbox::new(&db).ensure_indexes().await?;
    let mut topics = vec![config.order_topic.as_str(), config.consumer.dead_letter_topic.as_str()];
    topics.extend(config.person_topics.all());
    config.kafka.ensure_topics(&topics).await?;

    let lookup = Arc::new(contact_lookup::ContactLookup::new(&config.contact, ClientAuth::none())?);
    let wake = Arc::new(Notify::new());
    let service = service::OrderService::new(&db, &config, lookup.clone(), wake.clone());
    service.ensure_indexes().await?;

    let api = crate::api::order::order_router(Arc::new(api::OrderHandlers(service)));
    let mut app = App::new(listener, crate::http::with_common_layers(api));
    if config.outbox.enabled {
        let relay = Relay::new(&db, config.kafka.producer()?, config.outbox.clone(), wake);
        let stop = app.shutdown_signal();
        app.spawn_worker(relay.run(stop));
    }
    if config.consumer.enabled {
        let sync = person_sync::PersonSync::new(&db, lookup);
        let consumer = person_sync::consumer::PersonEventConsumer {
            consumer: person_sync::consumer::consumer(&config.kafka, &config.consumer, &config.person_topics)?,
            producer: config.kafka.producer()?,
            sync: sync.clone(),
            topics: config.person_topics.clone(),
            dead_letter_topic: config.consumer.dead_letter_topic.clone(),
        };
        app.spawn_worker(consumer.run(app.shutdown_signal()));
        let interval = std::time::Duration::from_millis(config.consumer.parked_retry_interval_ms);
        app.spawn_worker(person_sync::parked::run(sync, interval, app.shutdown_signal()));
    }
    Ok(app)
}
