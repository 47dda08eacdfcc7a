//! The test suite's token issuer: one signing key per test process, its JWKS in a file the
//! services are configured with, and tokens minted on demand.

use std::{path::PathBuf, sync::OnceLock};

use labs_devkit::token::{jwks, SigningKey, TokenSpec};

pub struct TestIssuer {
    pub key: SigningKey,
    pub jwks_file: PathBuf,
}

pub fn issuer() -> &'static TestIssuer {
    static ISSUER: OnceLock<TestIssuer> = OnceLock::new();
    ISSUER.get_or_init(|| {
        let key = SigningKey::generate("test-key-1").expect("signing key");
        let dir = std::env::temp_dir().join(format!("labs-order-tests-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let jwks_file = dir.join("jwks.json");
        std::fs::write(&jwks_file, jwks(&[&key]).to_string()).unwrap();
        TestIssuer { key, jwks_file }
    })
}

/// A token with exactly these properties.
pub fn mint(spec: &TokenSpec) -> String {
    issuer().key.mint(spec).expect("token")
}

/// A valid token for both services with these scopes.
pub fn token(scopes: &[&str]) -> String {
    mint(&TokenSpec { scopes: scopes.iter().map(|s| s.to_string()).collect(), ..TokenSpec::default() })
}

/// A valid token with every scope.
pub fn full_token() -> String {
    mint(&TokenSpec::default())
}

/// A client that sends `Authorization: Bearer <full token>` on every request.
pub fn authorized_http() -> reqwest::Client {
    labs_order::tls::install_default_provider();
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::AUTHORIZATION, format!("Bearer {}", full_token()).parse().unwrap());
    reqwest::Client::builder().default_headers(headers).build().unwrap()
}
