//! Where verification keys come from, and when they are read again.

use std::time::{Duration, Instant};

use jsonwebtoken::{
    jwk::{AlgorithmParameters, EllipticCurve, Jwk, JwkSet},
    Algorithm, DecodingKey,
};
use tokio::sync::Mutex;

use super::AuthConfig;

/// A key fit to verify one token, with the only algorithm it may be used with.
#[derive(Clone)]
pub struct VerifyingKey {
    pub key: DecodingKey,
    pub algorithm: Algorithm,
}

pub enum KeySource {
    Secret(VerifyingKey),
    Jwks { origin: Origin, cache: Mutex<Cached>, min_refresh: Duration },
}

pub enum Origin {
    File(String),
    Url { url: String, http: reqwest::Client },
}

pub struct Cached {
    set: JwkSet,
    read_at: Instant,
}

impl KeySource {
    pub async fn from_config(config: &AuthConfig) -> anyhow::Result<Self> {
        if let Some(secret) = &config.hs256_secret {
            let key = DecodingKey::from_secret(secret.expose().as_bytes());
            return Ok(Self::Secret(VerifyingKey { key, algorithm: Algorithm::HS256 }));
        }
        let origin = match (&config.jwks_file, &config.jwks_url) {
            (Some(path), _) => Origin::File(path.clone()),
            (None, Some(url)) => Origin::Url { url: url.clone(), http: jwks_http_client()? },
            (None, None) => anyhow::bail!("no key source configured"),
        };
        let set = origin.read().await?;
        anyhow::ensure!(!set.keys.is_empty(), "the JWKS at {} has no keys", origin.describe());
        let cache = Mutex::new(Cached { set, read_at: Instant::now() });
        Ok(Self::Jwks { origin, cache, min_refresh: Duration::from_secs(config.jwks_min_refresh_secs) })
    }

    /// The key for a token's `kid`. An unknown `kid` re-reads the set (at most once per
    /// `min_refresh`): that is how a new signing key is picked up.
    pub async fn key(&self, kid: Option<&str>) -> Option<VerifyingKey> {
        match self {
            Self::Secret(key) => Some(key.clone()),
            Self::Jwks { origin, cache, min_refresh } => {
                let kid = kid?;
                let mut cached = cache.lock().await;
                if let Some(jwk) = cached.set.find(kid) {
                    return verifying_key(jwk);
                }
                if cached.read_at.elapsed() < *min_refresh {
                    return None;
                }
                cached.read_at = Instant::now();
                match origin.read().await {
                    Ok(set) => cached.set = set,
                    Err(err) => tracing::warn!(error = format!("{err:#}"), "cannot re-read the JWKS; keeping the keys we have"),
                }
                cached.set.find(kid).and_then(verifying_key)
            }
        }
    }
}

impl Origin {
    async fn read(&self) -> anyhow::Result<JwkSet> {
        let text = match self {
            Self::File(path) => tokio::fs::read_to_string(path).await.map_err(|e| anyhow::anyhow!("cannot read JWKS file {path}: {e}"))?,
            Self::Url { url, http } => {
                let response = http.get(url).send().await.and_then(|r| r.error_for_status());
                response.map_err(|e| anyhow::anyhow!("cannot fetch JWKS from {url}: {e}"))?.text().await?
            }
        };
        serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("JWKS at {} is not a key set: {e}", self.describe()))
    }

    fn describe(&self) -> &str {
        match self {
            Self::File(path) => path,
            Self::Url { url, .. } => url,
        }
    }
}

fn jwks_http_client() -> anyhow::Result<reqwest::Client> {
    Ok(reqwest::Client::builder().tls_backend_preconfigured(crate::tls::client_config(None)?).timeout(Duration::from_secs(5)).build()?)
}

/// Asymmetric keys only, each with the one algorithm its type allows; a JWKS key can never
/// be used as an HMAC secret (no algorithm confusion).
fn verifying_key(jwk: &Jwk) -> Option<VerifyingKey> {
    let algorithm = match &jwk.algorithm {
        AlgorithmParameters::RSA(_) => Algorithm::RS256,
        AlgorithmParameters::EllipticCurve(ec) if ec.curve == EllipticCurve::P256 => Algorithm::ES256,
        _ => return None,
    };
    if let Some(declared) = jwk.common.key_algorithm {
        if format!("{declared:?}") != format!("{algorithm:?}") {
            return None;
        }
    }
    Some(VerifyingKey { key: DecodingKey::from_jwk(jwk).ok()?, algorithm })
}
