//! The security promises: bearer tokens and scopes, least-privilege database users, Kafka over
//! TLS with SCRAM, mutual TLS between the services, and limits on what clients can hold.

mod client_https;
mod jwt;
mod kafka_sasl;
mod limits;
mod mongo_users;
mod mtls;
mod secured_system;

use serde_json::Value;

/// A refused request: its status, its `WWW-Authenticate` challenge and its problem body.
pub async fn refusal(response: reqwest::Response) -> (u16, String, Value) {
    let status = response.status().as_u16();
    let challenge = response.headers().get("www-authenticate").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    let content_type = response.headers()["content-type"].to_str().unwrap().to_string();
    assert!(content_type.starts_with("application/problem+json"), "{content_type}");
    (status, challenge, response.json().await.unwrap())
}
