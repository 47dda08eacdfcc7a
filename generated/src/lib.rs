//! Typed clients for the order and contact service APIs.
//!
//! `contact.rs` and `order.rs` are generated from `spec/` by progenitor (see the root
//! `build.rs`); a test in the root package fails when they drift from the spec, and
//! `cargo xtask codegen` rewrites them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use labs_order_client::{contact, ClientAuth};
//! let client = contact::Client::new("http://127.0.0.1:8080", ClientAuth::bearer("<jwt>"));
//! let person = client.read_using_get().id("1bf8b88a-7bb8-4b92-90bc-d1fa34a60a57").send().await?;
//! println!("{:?}", person.first_name);
//! # Ok(()) }
//! ```

#[rustfmt::skip]
#[allow(clippy::all, unused_imports, irrefutable_let_patterns)]
pub mod contact;
#[rustfmt::skip]
#[allow(clippy::all, unused_imports, irrefutable_let_patterns)]
pub mod order;

/// Credentials the client adds to every request.
#[derive(Clone, Default)]
pub struct ClientAuth {
    bearer: Option<String>,
}

impl ClientAuth {
    /// No `Authorization` header.
    pub fn none() -> Self {
        Self::default()
    }

    /// `Authorization: Bearer <token>` on every request.
    pub fn bearer(token: impl Into<String>) -> Self {
        Self { bearer: Some(token.into()) }
    }

    /// Pre-request hook used by the generated clients.
    pub fn apply(&self, request: &mut reqwest::Request) {
        if let Some(token) = &self.bearer {
            if let Ok(value) = reqwest::header::HeaderValue::from_str(&format!("Bearer {token}")) {
                request.headers_mut().insert(reqwest::header::AUTHORIZATION, value);
            }
        }
    }
}

impl std::fmt::Debug for ClientAuth {
    // The token never prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = if self.bearer.is_some() { "Bearer <redacted>" } else { "none" };
        f.debug_struct("ClientAuth").field("authorization", &shown).finish()
    }
}
