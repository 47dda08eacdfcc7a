//! A development CA and the certificates signed by it. Each certificate carries both the
//! service name and the loopback names, so it is valid locally and in compose.

use std::path::Path;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose};

pub const CA_CERT: &str = "ca.pem";

/// One certificate with its key, PEM encoded.
pub struct Issued {
    pub cert_pem: String,
    pub key_pem: String,
}

pub struct DevPki {
    pub ca: Issued,
    /// Server certificate of the contact service's internal listener.
    pub contact_service: Issued,
    /// Client certificate the order service presents there.
    pub order_service: Issued,
    /// Server certificate of the Kafka TLS endpoint.
    pub kafka: Issued,
}

/// A CA that can sign certificates (kept in memory; tests make throwaway ones).
pub struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Ca {
    pub fn new(name: &str) -> anyhow::Result<Self> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        (params.not_before, params.not_after) = validity();
        Ok(Self { cert: params.self_signed(&key)?, key })
    }

    pub fn pem(&self) -> Issued {
        Issued { cert_pem: self.cert.pem(), key_pem: self.key.serialize_pem() }
    }

    /// A certificate for `name` (its common name and first subject alternative name), also
    /// valid for localhost and 127.0.0.1, usable as server and as client.
    pub fn issue(&self, name: &str) -> anyhow::Result<Issued> {
        let key = KeyPair::generate()?;
        let mut params = CertificateParams::new(vec![name.to_string(), "localhost".into(), "127.0.0.1".into()])?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth, ExtendedKeyUsagePurpose::ClientAuth];
        (params.not_before, params.not_after) = validity();
        let cert = params.signed_by(&key, &self.cert, &self.key)?;
        Ok(Issued { cert_pem: cert.pem(), key_pem: key.serialize_pem() })
    }
}

/// From yesterday (clock skew) for a year.
fn validity() -> (time::OffsetDateTime, time::OffsetDateTime) {
    let now = std::time::SystemTime::now();
    let day = std::time::Duration::from_secs(86_400);
    (to_offset(now - day), to_offset(now + 365 * day))
}

fn to_offset(t: std::time::SystemTime) -> time::OffsetDateTime {
    time::OffsetDateTime::from(t)
}

impl DevPki {
    pub fn generate() -> anyhow::Result<Self> {
        let ca = Ca::new("labs-order development CA")?;
        Ok(Self {
            contact_service: ca.issue("contact-service")?,
            order_service: ca.issue("order-service")?,
            kafka: ca.issue("kafka")?,
            ca: ca.pem(),
        })
    }

    /// `ca.pem` (+ `ca-key.pem`) and `<name>.pem` / `<name>-key.pem` for each certificate.
    pub fn write(&self, dir: &Path) -> anyhow::Result<()> {
        for (name, issued) in
            [("ca", &self.ca), ("contact-service", &self.contact_service), ("order-service", &self.order_service), ("kafka", &self.kafka)]
        {
            std::fs::write(dir.join(format!("{name}.pem")), &issued.cert_pem)?;
            super::write_private(&dir.join(format!("{name}-key.pem")), issued.key_pem.as_bytes())?;
        }
        Ok(())
    }
}
