//! The development JWT signing key (ES256), its JWKS, and minting tokens with it.

use std::{path::Path, time::Duration};

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use serde_json::{json, Value};

pub const JWKS_FILE: &str = "jwks.json";
pub const SIGNING_KEY_FILE: &str = "jwt-signing-key.pem";
pub const KID_FILE: &str = "jwt-signing-key.kid";
/// The issuer the development system trusts.
pub const DEV_ISSUER: &str = "labs-order";
/// The four scopes of the two public APIs (`x-required-scopes` in `spec/`; a test of the
/// services' library checks that they agree).
pub const SCOPES: [&str; 4] = ["orders:read", "orders:write", "persons:read", "persons:write"];

pub struct SigningKey {
    pub kid: String,
    key: rcgen::KeyPair,
}

/// What a minted token says.
#[derive(Debug, Clone)]
pub struct TokenSpec {
    pub subject: String,
    pub issuer: String,
    pub audiences: Vec<String>,
    pub scopes: Vec<String>,
    /// Seconds from now; negative for tokens that are already expired.
    pub ttl_secs: i64,
    /// Seconds from now before which the token is not valid.
    pub not_before_secs: Option<i64>,
}

impl Default for TokenSpec {
    fn default() -> Self {
        Self {
            subject: "developer".into(),
            issuer: DEV_ISSUER.into(),
            audiences: vec!["order-service".into(), "contact-service".into()],
            scopes: SCOPES.iter().map(|s| s.to_string()).collect(),
            ttl_secs: 3600,
            not_before_secs: None,
        }
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    iss: &'a str,
    aud: &'a [String],
    scope: String,
    iat: i64,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
}

impl SigningKey {
    pub fn generate(kid: &str) -> anyhow::Result<Self> {
        Ok(Self { kid: kid.into(), key: rcgen::KeyPair::generate()? })
    }

    pub fn read(dir: &Path) -> anyhow::Result<Self> {
        let pem = std::fs::read_to_string(dir.join(SIGNING_KEY_FILE))
            .map_err(|e| anyhow::anyhow!("no development signing key in {} ({e}); run `cargo xtask up` first", dir.display()))?;
        let kid = std::fs::read_to_string(dir.join(KID_FILE))?.trim().to_string();
        Ok(Self { kid, key: rcgen::KeyPair::from_pem(&pem)? })
    }

    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        super::write_private(&dir.join(SIGNING_KEY_FILE), self.key.serialize_pem().as_bytes())?;
        std::fs::write(dir.join(KID_FILE), &self.kid)?;
        std::fs::write(dir.join(JWKS_FILE), serde_json::to_string_pretty(&jwks(&[self]))?)?;
        Ok(())
    }

    /// The public half as a JWK (EC P-256, `use: sig`, `alg: ES256`).
    pub fn jwk(&self) -> Value {
        // Uncompressed point: 0x04 || x (32 bytes) || y (32 bytes).
        let point = self.key.public_key_raw();
        json!({
            "kty": "EC", "crv": "P-256", "use": "sig", "alg": "ES256", "kid": self.kid,
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
        })
    }

    pub fn mint(&self, spec: &TokenSpec) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        let claims = Claims {
            sub: &spec.subject,
            iss: &spec.issuer,
            aud: &spec.audiences,
            scope: spec.scopes.join(" "),
            iat: now,
            exp: now + spec.ttl_secs,
            nbf: spec.not_before_secs.map(|s| now + s),
        };
        let header = Header { kid: Some(self.kid.clone()), ..Header::new(Algorithm::ES256) };
        Ok(jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_der(&self.key.serialize_der()))?)
    }
}

/// A JWKS document holding `keys` (several during a rotation).
pub fn jwks(keys: &[&SigningKey]) -> Value {
    json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() })
}

/// Parses `30s`, `15m`, `1h`, `2d` or plain seconds.
pub fn parse_ttl(text: &str) -> anyhow::Result<Duration> {
    let text = text.trim();
    let (number, unit) = text.split_at(text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len()));
    let n: u64 = number.parse().map_err(|_| anyhow::anyhow!("bad duration {text:?}: use 30s, 15m, 1h or 2d"))?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => anyhow::bail!("bad duration {text:?}: use 30s, 15m, 1h or 2d"),
    };
    Ok(Duration::from_secs(secs))
}
