//! Typed clients for the order and contact service APIs.
//!
//! `contact.rs` and `order.rs` are generated from `spec/` by progenitor (see the root
//! `build.rs`); the root package fails to build when they drift from the spec, and
//! `cargo xtask codegen` rewrites them. Every operation is a builder on [`order::Client`] or
//! [`contact::Client`]; errors are [`order::Error`] / [`contact::Error`], whose
//! `ErrorResponse` carries the service's typed RFC 9457 `Problem`.
//!
//! ```no_run
//! use labs_order_client::{order, ClientAuth, Error};
//!
//! # async fn demo(token: String, person_id: String) -> Result<(), Box<dyn std::error::Error>> {
//! let client = order::Client::new("https://orders.example.com", ClientAuth::bearer(token));
//! let input = order::types::InputOrder { sold_to_id: Some(person_id), ..Default::default() };
//! match client.create_using_post().idempotency_key("checkout-42").body(input).send().await {
//!     Ok(created) => println!("created {:?}", created.into_inner().order_id),
//!     Err(Error::ErrorResponse(problem)) => {
//!         // 422: a referenced person does not exist, or the key was reused with another body.
//!         println!("{} {}: {:?}", problem.status, problem.title, problem.detail);
//!     }
//!     Err(other) => return Err(other.into()),
//! }
//! # Ok(()) }
//! ```
//!
//! # TLS
//!
//! `https://` URLs need one of the features `rustls` (default: rustls with the `ring` provider,
//! the platform's root certificates) or `native-tls` (the platform's TLS library; reqwest
//! prefers it when both are on). With `rustls`, [`ClientAuth`]'s constructors install ring as
//! the process-wide rustls `CryptoProvider` unless one is
//! installed already (yours wins), so `Client::new` can build its TLS client. Building your own
//! `reqwest::Client` for `Client::new_with_client` before creating a `ClientAuth` needs a
//! provider installed first.

#[rustfmt::skip]
#[allow(clippy::all, unused_imports, irrefutable_let_patterns)]
pub mod contact;
#[rustfmt::skip]
#[allow(clippy::all, unused_imports, irrefutable_let_patterns)]
pub mod order;

/// The error of every operation of both clients (`order::Error` and `contact::Error` are this).
pub use progenitor_client::{Error, ResponseValue};

/// Credentials the client adds to every request.
///
/// ```
/// use labs_order_client::ClientAuth;
/// let auth = ClientAuth::bearer("eyJhbGciOi.secret.token");
/// assert_eq!(format!("{auth:?}"), r#"ClientAuth { authorization: "Bearer <redacted>" }"#);
/// ```
#[derive(Clone)]
pub struct ClientAuth {
    bearer: Option<String>,
}

impl ClientAuth {
    /// No `Authorization` header (the secured services answer 401).
    pub fn none() -> Self {
        install_tls_provider();
        Self { bearer: None }
    }

    /// `Authorization: Bearer <token>` on every request.
    pub fn bearer(token: impl Into<String>) -> Self {
        install_tls_provider();
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

impl Default for ClientAuth {
    /// [`ClientAuth::none`], which also installs the TLS provider.
    fn default() -> Self {
        Self::none()
    }
}

impl std::fmt::Debug for ClientAuth {
    // The token never prints.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = if self.bearer.is_some() { "Bearer <redacted>" } else { "none" };
        f.debug_struct("ClientAuth").field("authorization", &shown).finish()
    }
}

/// The HTTP library the clients use, for building your own [`reqwest::Client`] (proxies,
/// timeouts, certificates) to pass to `Client::new_with_client`.
pub use reqwest;

/// An HTTP client for `https://` services whose certificate a private CA signed (a company's
/// internal CA, or the project's development CA in `target/dev/secrets/ca.pem`): it trusts
/// `ca_pem` as well as the usual roots. Services with a public certificate need nothing of
/// this: `Client::new` reaches them.
///
/// ```no_run
/// use labs_order_client::{order, ClientAuth};
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let ca = std::fs::read("target/dev/secrets/ca.pem")?;
/// let http = labs_order_client::https_client_trusting(&ca)?;
/// let orders = order::Client::new_with_client("https://orders.internal:3443", http, ClientAuth::bearer("…"));
/// # Ok(()) }
/// ```
#[cfg(any(feature = "rustls", feature = "native-tls"))]
pub fn https_client_trusting(ca_pem: &[u8]) -> Result<reqwest::Client, reqwest::Error> {
    install_tls_provider();
    let mut builder = reqwest::Client::builder();
    for ca in reqwest::Certificate::from_pem_bundle(ca_pem)? {
        builder = builder.add_root_certificate(ca);
    }
    builder.build()
}

/// reqwest is built with `rustls-no-provider` (aws-lc stays out of the build), so it needs a
/// process-wide provider before it builds a TLS client: ring's, unless the application installed
/// one. Every generated `Client::new` takes a `ClientAuth`, so its constructors call this.
fn install_tls_provider() {
    #[cfg(feature = "rustls")]
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Losing a race to another installer is fine: a provider is installed either way.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// The same schema in both specs: a person read from the contact service becomes an order's
/// party. Field by field, so a field added to one spec only fails to compile here.
impl From<contact::types::Person> for order::types::Person {
    fn from(person: contact::types::Person) -> Self {
        let contact::types::Person { city, country, extension_fields, first_name, house_number, id, last_name, street_address, zip } =
            person;
        Self { city, country, extension_fields, first_name, house_number, id, last_name, street_address, zip }
    }
}

/// An order's party as the contact service's person (for example to update it there).
impl From<order::types::Person> for contact::types::Person {
    fn from(person: order::types::Person) -> Self {
        let order::types::Person { city, country, extension_fields, first_name, house_number, id, last_name, street_address, zip } = person;
        Self { city, country, extension_fields, first_name, house_number, id, last_name, street_address, zip }
    }
}

/// Compiles the README's Rust examples (`cargo test --doc`).
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;

#[cfg(test)]
mod tests {
    use super::order::ClientInfo;
    use super::{contact, order};

    fn full_contact_person() -> contact::types::Person {
        let mut extension = serde_json::Map::new();
        extension.insert("loyalty".into(), serde_json::json!({"tier": "gold"}));
        contact::types::Person {
            city: Some("Springfield".into()),
            country: Some("US".into()),
            extension_fields: Some(extension),
            first_name: Some("Ada".into()),
            house_number: Some("742".into()),
            id: Some("1bf8b88a-7bb8-4b92-90bc-d1fa34a60a57".into()),
            last_name: Some("Lovelace".into()),
            street_address: Some("Evergreen Terrace".into()),
            zip: Some("49007".into()),
        }
    }

    #[test]
    fn person_converts_between_the_apis_field_by_field() {
        let from_contact = full_contact_person();
        let as_order: order::types::Person = from_contact.clone().into();
        // Same wire form: every field arrived under its own name, none was dropped or swapped.
        assert_eq!(serde_json::to_value(&as_order).unwrap(), serde_json::to_value(&from_contact).unwrap());
        assert_eq!(as_order.first_name.as_deref(), Some("Ada"));
        assert_eq!(as_order.zip.as_deref(), Some("49007"));
        let back: contact::types::Person = as_order.into();
        assert_eq!(back, from_contact);
    }

    #[test]
    fn client_auth_constructors_install_a_tls_provider() {
        let _auth = super::ClientAuth::none();
        #[cfg(feature = "rustls")]
        assert!(rustls::crypto::CryptoProvider::get_default().is_some());
        // Without it reqwest panics here when built with `rustls-no-provider`.
        let client = order::Client::new("https://127.0.0.1:1", super::ClientAuth::none());
        assert_eq!(client.baseurl(), "https://127.0.0.1:1");
    }
}
