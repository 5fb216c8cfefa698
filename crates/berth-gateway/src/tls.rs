use berth_platform::config::TlsConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::StartupError;

/// Builds the server's TLS configuration from PEM files.
pub fn server_config(tls: &TlsConfig) -> Result<rustls::ServerConfig, StartupError> {
    // Exactly one crypto backend is in the tree; installing it explicitly
    // keeps rustls from panicking should a second one ever be pulled in.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let bad = |path: &std::path::Path, reason: String| StartupError::Tls {
        path: path.display().to_string(),
        reason,
    };
    let certs = CertificateDer::pem_file_iter(&tls.cert)
        .map_err(|e| bad(&tls.cert, e.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| bad(&tls.cert, e.to_string()))?;
    if certs.is_empty() {
        return Err(bad(&tls.cert, "no certificate found".into()));
    }
    let key = PrivateKeyDer::from_pem_file(&tls.key).map_err(|e| bad(&tls.key, e.to_string()))?;
    rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| bad(&tls.key, e.to_string()))
}
