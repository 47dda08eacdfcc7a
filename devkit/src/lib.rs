//! Development secrets, generated on the developer's machine and never committed: a CA with
//! certificates for the internal listener, the order service's client identity and the Kafka
//! TLS proxy; a JWT signing key with its JWKS; passwords for the per-service database and
//! broker users. `cargo xtask up` writes them through the `labs-dev` binary, which also mints
//! tokens (`cargo xtask token`); the tests use the same code. Also MongoDB and Kafka in
//! containers for the tests (`containers`, feature `containers`: the contract-test harness and
//! `labs-dev containers`, which `cargo xtask test` runs). Its own crate, so none of it is in the
//! services' library or binaries.

#[cfg(feature = "containers")]
pub mod containers;
pub mod demo;
pub mod pki;
pub mod token;

use std::path::Path;

/// Writes `contents` to `path` readable only by its owner (keys and passwords).
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    #[cfg(unix)]
    use std::os::unix::fs::OpenOptionsExt;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
    file.write_all(contents)?;
    Ok(())
}

/// A random password of URL-safe characters (no percent-encoding needed in URIs).
pub fn password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..24).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

/// Creates every development secret under `dir` that is not there yet; returns what it wrote.
pub fn init(dir: &Path) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir)?;
    let mut written = Vec::new();
    if !dir.join(pki::CA_CERT).exists() {
        pki::DevPki::generate()?.write(dir)?;
        written.push("CA and certificates".to_string());
    }
    if !dir.join(token::JWKS_FILE).exists() {
        token::SigningKey::generate("dev-1")?.write(dir)?;
        written.push("JWT signing key and JWKS".to_string());
    }
    for name in PASSWORDS {
        let path = dir.join(format!("{name}.password"));
        if !path.exists() {
            write_private(&path, password().as_bytes())?;
            written.push(format!("password {name}"));
        }
    }
    Ok(written)
}

/// The users that get a generated password: database admin and services, broker services.
pub const PASSWORDS: [&str; 5] =
    ["mongo-admin", "mongo-order-service", "mongo-contact-service", "kafka-order-service", "kafka-contact-service"];
