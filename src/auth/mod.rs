//! Who may call the public APIs. Bearer JWTs are verified against a JWKS (a file or a URL; the
//! key is picked by `kid`, and an unknown `kid` re-reads the set so keys can rotate without a
//! restart), or an HS256 secret when one is explicitly configured. Each operation's scope comes
//! from the spec (`x-required-scopes`), so the contract says who may do what.

mod config;
mod keys;
mod middleware;
mod verify;

pub use config::AuthConfig;
pub use middleware::{require_scope, Authenticator, Operation};
pub use verify::{AuthFailure, Claims, Verifier};

/// Puts `auth` in front of every route of `api` (after routing, so the operation is known).
pub fn protect(api: axum::Router, auth: std::sync::Arc<Authenticator>) -> axum::Router {
    api.route_layer(axum::middleware::from_fn_with_state(auth, require_scope))
}

/// The public API's guard from configuration; `None` when auth is disabled.
pub async fn public_guard(
    config: &AuthConfig,
    operations: &[middleware::Operation],
) -> anyhow::Result<Option<std::sync::Arc<Authenticator>>> {
    if !config.enabled {
        tracing::warn!("authentication is disabled: anyone who can reach the API can use it");
        return Ok(None);
    }
    Ok(Some(Authenticator::bearer(Verifier::new(config).await?, operations)))
}
