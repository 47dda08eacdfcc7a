//! Checking one bearer token: signature, `exp`/`nbf` with leeway, `iss`, `aud`, then scopes.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex},
};

use jsonwebtoken::{errors::ErrorKind, Validation};
use serde::Deserialize;

use super::{keys::KeySource, AuthConfig};

/// Why a request is not authenticated. Clients only learn which of the two it was; the
/// reason is logged, never the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    Missing,
    Invalid(&'static str),
}

/// What the service needs from a verified token.
#[derive(Debug, Clone)]
pub struct Claims {
    pub subject: String,
    pub scopes: BTreeSet<String>,
}

#[derive(Deserialize)]
struct RawClaims {
    #[serde(default)]
    sub: Option<String>,
    /// RFC 8693 style: space-separated.
    #[serde(default)]
    scope: Option<String>,
    /// Azure/Okta style: a list.
    #[serde(default)]
    scp: Option<Vec<String>>,
    /// Required (checked by the validation); read again for the cache.
    exp: f64,
    #[serde(default)]
    nbf: Option<f64>,
}

pub struct Verifier {
    keys: KeySource,
    config: AuthConfig,
    /// Tokens already verified, by SHA-256 of the token. A signature check (ES256) was a fifth
    /// of the CPU of a GET in the profile; clients send the same token many times.
    verified: Mutex<HashMap<[u8; 32], Verified>>,
}

#[derive(Clone)]
struct Verified {
    claims: Arc<Claims>,
    /// Unix seconds: usable from, and until (`exp` with leeway, at most `CACHE_SECS` ahead, so a
    /// key removed from the JWKS stops working within that time).
    from: i64,
    until: i64,
}

const CACHE_SECS: i64 = 60;
const CACHE_ENTRIES: usize = 10_000;

impl Verifier {
    pub async fn new(config: &AuthConfig) -> anyhow::Result<Self> {
        config.validate()?;
        Ok(Self { keys: KeySource::from_config(config).await?, config: config.clone(), verified: Mutex::default() })
    }

    pub async fn verify(&self, token: &str) -> Result<Arc<Claims>, AuthFailure> {
        use sha2::{Digest, Sha256};
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        if let Some(hit) = self.verified.lock().expect("token cache").get(&digest).filter(|v| v.from <= now && now < v.until) {
            return Ok(hit.claims.clone());
        }
        let (claims, exp, nbf) = self.verify_signed(token).await?;
        let claims = Arc::new(claims);
        let leeway = self.config.leeway_secs as i64;
        let entry = Verified {
            claims: claims.clone(),
            from: nbf.unwrap_or(i64::MIN).saturating_sub(leeway),
            until: exp.saturating_add(leeway).min(now + CACHE_SECS),
        };
        let mut cache = self.verified.lock().expect("token cache");
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, v| now < v.until);
            if cache.len() >= CACHE_ENTRIES {
                cache.clear();
            }
        }
        cache.insert(digest, entry);
        Ok(claims)
    }

    /// The full check: signature, `exp`/`nbf`, `iss`, `aud`; returns the claims, `exp` and `nbf`.
    async fn verify_signed(&self, token: &str) -> Result<(Claims, i64, Option<i64>), AuthFailure> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthFailure::Invalid("malformed"))?;
        let key = self.keys.key(header.kid.as_deref()).await.ok_or(AuthFailure::Invalid("unknown key"))?;
        if header.alg != key.algorithm {
            return Err(AuthFailure::Invalid("algorithm not allowed for this key"));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.leeway = self.config.leeway_secs;
        validation.validate_nbf = true;
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        let data = jsonwebtoken::decode::<RawClaims>(token, &key.key, &validation).map_err(|e| AuthFailure::Invalid(reason(e.kind())))?;
        let claims = data.claims;
        let mut scopes: BTreeSet<String> = claims.scope.unwrap_or_default().split_whitespace().map(str::to_string).collect();
        scopes.extend(claims.scp.unwrap_or_default());
        Ok((Claims { subject: claims.sub.unwrap_or_default(), scopes }, claims.exp as i64, claims.nbf.map(|n| n.ceil() as i64)))
    }
}

fn reason(kind: &ErrorKind) -> &'static str {
    match kind {
        ErrorKind::InvalidSignature => "bad signature",
        ErrorKind::ExpiredSignature => "expired",
        ErrorKind::ImmatureSignature => "not yet valid",
        ErrorKind::InvalidIssuer => "wrong issuer",
        ErrorKind::InvalidAudience => "wrong audience",
        ErrorKind::MissingRequiredClaim(_) => "missing claim",
        ErrorKind::InvalidAlgorithm => "algorithm not allowed",
        _ => "malformed",
    }
}
