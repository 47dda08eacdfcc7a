//! The integration suite, one test binary: the services against real MongoDB and Kafka
//! (the stand-ins from `cargo xtask test`, servers named by `LABS_TEST_MONGODB_URI` and
//! `LABS_TEST_KAFKA_BOOTSTRAP`, or containers where Docker runs: harness/infra.rs), driven
//! through the generated client over real HTTP.

mod bench;
mod chaos;
mod compose;
mod config;
mod contact;
mod containers;
mod demo;
mod docs_page;
mod harness;
mod layers;
mod ops;
mod order;
mod request_id;
mod security;
mod spec_contract;
