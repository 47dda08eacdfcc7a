//! The integration suite, one test binary: the services against real MongoDB and Kafka, found
//! as harness/infra.rs says (servers named by `LABS_TEST_MONGODB_URI` and
//! `LABS_TEST_KAFKA_BOOTSTRAP`: `cargo xtask test` sets them to containers of the stand-in
//! images, or to the stand-ins as processes without Docker; else containers where Docker
//! runs), driven through the generated client over real HTTP.

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
