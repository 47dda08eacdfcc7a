//! The order service: `spec/order-service.yaml` on MongoDB database `orders`, resolving person
//! references through its replica and the contact service, publishing order events through its
//! outbox.

pub mod api;
pub mod config;
pub mod contact_lookup;
pub mod events;
pub mod model;
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
    config.kafka.ensure_topics(&[config.order_topic.as_str()]).await?;

    let lookup = Arc::new(contact_lookup::ContactLookup::new(&config.contact, ClientAuth::none())?);
    let wake = Arc::new(Notify::new());
    let service = service::OrderService::new(&db, &config, lookup, wake.clone());
    service.ensure_indexes().await?;

    let api = crate::api::order::order_router(Arc::new(api::OrderHandlers(service)));
    let mut app = App::new(listener, crate::http::with_common_layers(api));
    if config.outbox.enabled {
        let relay = Relay::new(&db, config.kafka.producer()?, config.outbox.clone(), wake);
        let stop = app.shutdown_signal();
        app.spawn_worker(relay.run(stop));
    }
    Ok(app)
}
