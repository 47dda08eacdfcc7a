//! Labs Order Processing: the order and contact services and the platform they share.

pub mod auth;
pub mod cloudevents;
pub mod config;
pub mod contact;
pub mod context;
pub mod crash_points;
pub mod host;
pub mod http;
pub mod kafka;
pub mod mongo;
pub mod ops;
pub mod order;
pub mod outbox;
pub mod spec;
pub mod telemetry;
pub mod tls;
pub mod topics;
pub mod versioned;
