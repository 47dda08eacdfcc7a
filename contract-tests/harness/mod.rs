//! Test harness: isolated per test (own database, own topics, port 0), typed helpers.

pub mod auth;
pub mod contact_app;
pub mod containers;
pub mod events;
pub mod infra;
pub mod order_app;
pub mod own_server;
pub mod process;
pub mod running;
pub mod secured;

pub use contact_app::ContactApp;
pub use events::{inject, inject_many, reference_person_event, versioned_person_event, EventReader, Received};
pub use order_app::OrderApp;

/// A short random suffix for database and topic names.
pub fn unique_suffix() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_string()
}
