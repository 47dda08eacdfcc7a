//! Checking one bearer token: signature, `exp`/`nbf` with leeway, `iss`, `aud`, then scopes.

use std::collections::BTreeSet;

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
}

pub struct Verifier {
    keys: KeySource,
    config: AuthConfig,
}

impl Verifier {
    pub async fn new(config: &AuthConfig) -> anyhow::Result<Self> {
        config.validate()?;
        Ok(Self { keys: KeySource::from_config(config).await?, config: config.clone() })
    }

    pub async fn verify(&self, token: &str) -> Result<Claims, AuthFailure> {
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
        Ok(Claims { subject: claims.sub.unwrap_or_default(), scopes })
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
