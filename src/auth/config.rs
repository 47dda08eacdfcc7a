//! Settings of bearer-token verification (`<SERVICE>_AUTH__*`).

use serde::{Deserialize, Serialize};

use crate::config::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    /// On by default: a service started without keys refuses to start rather than run open.
    pub enabled: bool,
    /// A JWKS document on disk (re-read when a token names an unknown `kid`).
    pub jwks_file: Option<String>,
    /// A JWKS endpoint (fetched at start and again when a token names an unknown `kid`).
    pub jwks_url: Option<String>,
    /// Shared-secret HS256 verification, only when set explicitly; JWKS keys are preferred.
    pub hs256_secret: Option<Secret>,
    /// Required `iss`.
    pub issuer: String,
    /// Required `aud`; each service defaults to its own name.
    pub audience: String,
    /// Clock skew allowed on `exp` and `nbf`.
    pub leeway_secs: u64,
    /// Least time between two re-reads of the key set, so unknown `kid`s cannot hammer it.
    pub jwks_min_refresh_secs: u64,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            jwks_file: None,
            jwks_url: None,
            hs256_secret: None,
            issuer: "labs-order".into(),
            audience: String::new(),
            leeway_secs: 30,
            jwks_min_refresh_secs: 5,
        }
    }
}

impl AuthConfig {
    pub fn for_audience(audience: &str) -> Self {
        Self { audience: audience.into(), ..Self::default() }
    }

    pub fn validate(&self) -> anyhow::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        let sources = [self.jwks_file.is_some(), self.jwks_url.is_some(), self.hs256_secret.is_some()];
        match sources.iter().filter(|s| **s).count() {
            0 => anyhow::bail!(
                "auth is enabled but no key is configured: set auth.jwks_file, auth.jwks_url or auth.hs256_secret \
                 (or auth.enabled=false for a closed network)"
            ),
            1 => {}
            _ => anyhow::bail!("set only one of auth.jwks_file, auth.jwks_url and auth.hs256_secret"),
        }
        if self.hs256_secret.as_ref().is_some_and(|s| s.expose().len() < 32) {
            anyhow::bail!("auth.hs256_secret must be at least 32 bytes");
        }
        anyhow::ensure!(!self.issuer.is_empty(), "auth.issuer must not be empty");
        anyhow::ensure!(!self.audience.is_empty(), "auth.audience must not be empty");
        Ok(())
    }
}
