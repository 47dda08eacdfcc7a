//! TLS from PEM files, on the `ring` provider: the internal listener that requires a client
//! certificate from a configured CA, and the client side that presents one.

use std::{path::Path, sync::Arc};

use rustls::{
    crypto::ring,
    pki_types::{pem::PemObject, CertificateDer, PrivateKeyDer},
    server::WebPkiClientVerifier,
    ClientConfig, RootCertStore, ServerConfig,
};
use serde::{Deserialize, Serialize};

/// Certificate, key and CA, as PEM files. The key file is a secret; its path is not.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(default)]
pub struct TlsFiles {
    /// Our certificate chain.
    pub cert_file: String,
    /// Our private key (PKCS#8, SEC1 or PKCS#1).
    pub key_file: String,
    /// The CA that signs the peer's certificate.
    pub ca_file: String,
}

impl TlsFiles {
    pub fn is_configured(&self) -> bool {
        !self.cert_file.is_empty() || !self.key_file.is_empty() || !self.ca_file.is_empty()
    }
}

/// Makes `ring` the process-wide TLS provider (once; later calls do nothing). HTTP clients
/// built without an explicit TLS configuration (such as the generated client's default) use
/// it; without it they would refuse to build.
pub fn install_default_provider() {
    let _ = ring::default_provider().install_default();
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(ring::default_provider())
}

/// A server that only completes the handshake with clients presenting a certificate signed by
/// `files.ca_file`.
pub fn server_requiring_client_certs(files: &TlsFiles) -> anyhow::Result<Arc<ServerConfig>> {
    let roots = Arc::new(roots(&files.ca_file)?);
    let verifier = WebPkiClientVerifier::builder_with_provider(roots, provider()).build()?;
    let config = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(certs(&files.cert_file)?, key(&files.key_file)?)?;
    Ok(Arc::new(config))
}

/// A client trusting `files.ca_file` (or the platform's web roots when none is given) and
/// presenting `files.cert_file` when both certificate and key are given.
pub fn client_config(files: Option<&TlsFiles>) -> anyhow::Result<ClientConfig> {
    let builder = ClientConfig::builder_with_provider(provider()).with_safe_default_protocol_versions()?;
    let roots = match files.filter(|f| !f.ca_file.is_empty()) {
        Some(files) => roots(&files.ca_file)?,
        None => RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() },
    };
    let builder = builder.with_root_certificates(roots);
    Ok(match files.filter(|f| !f.cert_file.is_empty() && !f.key_file.is_empty()) {
        Some(files) => builder.with_client_auth_cert(certs(&files.cert_file)?, key(&files.key_file)?)?,
        None => builder.with_no_client_auth(),
    })
}

fn roots(path: &str) -> anyhow::Result<RootCertStore> {
    let mut store = RootCertStore::empty();
    for cert in certs(path)? {
        store.add(cert)?;
    }
    Ok(store)
}

fn certs(path: &str) -> anyhow::Result<Vec<CertificateDer<'static>>> {
    let certs = CertificateDer::pem_file_iter(Path::new(path))
        .map_err(|e| anyhow::anyhow!("cannot read certificates from {path}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("bad certificate in {path}: {e}"))?;
    anyhow::ensure!(!certs.is_empty(), "no certificate in {path}");
    Ok(certs)
}

fn key(path: &str) -> anyhow::Result<PrivateKeyDer<'static>> {
    // The error names the file, never its content.
    PrivateKeyDer::from_pem_file(Path::new(path)).map_err(|_| anyhow::anyhow!("cannot read a private key from {path}"))
}
