//! What `cargo xtask` shares with the contract-test harness: installing-free start and stop of
//! the local stand-ins for MongoDB and Kafka, plain and secured. Std only.

pub mod secured;
pub mod standins;
