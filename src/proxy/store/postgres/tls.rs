//! TLS to PostgreSQL, chosen by the URL's `sslmode` as libpq reads it, with rustls.
//!
//! - `verify-full`: encrypted, the server's certificate chains to a trusted root and names
//!   the host; the default for any host but loopback and local sockets;
//! - `verify-ca`: encrypted and chained to a trusted root, whatever name it carries;
//! - `require`: encrypted, the certificate unchecked (a passive eavesdropper learns nothing,
//!   an active one in the path could pose as the server);
//! - `disable`: plain; the default on loopback and local sockets, where there is no wire.
//!
//! `sslrootcert=<file.pem>` names the roots to trust (a managed PostgreSQL publishes its
//! CA); without it, the Mozilla roots are trusted. `prefer` and `allow`, which fall back to
//! plain text when an attacker blocks TLS, are refused.

use std::sync::Arc;

use anyhow::{Context, bail};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::super::super::secret::Secret;

/// How connections to the database are secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// No TLS.
    Disable,
    /// TLS without checking the certificate.
    Require,
    /// TLS with a certificate from a trusted root, for any name.
    VerifyCa,
    /// TLS with a certificate from a trusted root, for this host.
    VerifyFull,
}

/// What connecting needs: the driver's configuration and the TLS connector it uses.
#[derive(Clone)]
pub(super) struct Connect {
    pub(super) config: tokio_postgres::Config,
    pub(super) tls: MakeRustlsConnect,
}

impl Connect {
    /// Reads `url`, taking out the TLS parameters the driver does not know.
    pub(super) fn parse(url: &Secret) -> anyhow::Result<Self> {
        let (rest, mode, root_file) = split_tls_parameters(url.expose())?;
        let mut config: tokio_postgres::Config = rest
            .parse()
            .context("reading --database-url as a PostgreSQL connection URL")?;
        let local = config.get_hosts().iter().all(|host| match host {
            Host::Tcp(name) => is_loopback(name),
            #[cfg(unix)]
            Host::Unix(_) => true,
        });
        let mode = mode.unwrap_or(if local {
            TlsMode::Disable
        } else {
            TlsMode::VerifyFull
        });
        config.ssl_mode(match mode {
            TlsMode::Disable => SslMode::Disable,
            TlsMode::Require | TlsMode::VerifyCa | TlsMode::VerifyFull => SslMode::Require,
        });
        let roots = match &root_file {
            Some(path) => {
                let mut roots = RootCertStore::empty();
                for certificate in CertificateDer::pem_file_iter(path)
                    .with_context(|| format!("reading sslrootcert {path}"))?
                {
                    roots
                        .add(certificate.with_context(|| format!("reading sslrootcert {path}"))?)
                        .with_context(|| format!("a certificate in sslrootcert {path}"))?;
                }
                if roots.is_empty() {
                    bail!("sslrootcert {path} holds no certificate");
                }
                roots
            }
            None => RootCertStore {
                roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
            },
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .context("TLS protocol versions")?;
        let client = match mode {
            TlsMode::Disable | TlsMode::VerifyFull => {
                builder.with_root_certificates(roots).with_no_client_auth()
            }
            TlsMode::VerifyCa => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(AnyName(
                    WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
                        .build()
                        .context("building the certificate verifier")?,
                )))
                .with_no_client_auth(),
            TlsMode::Require => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Unchecked(
                    provider.signature_verification_algorithms,
                )))
                .with_no_client_auth(),
        };
        Ok(Self {
            config,
            tls: MakeRustlsConnect::new(client),
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|address| address.is_loopback())
}

/// The URL without `sslmode` and `sslrootcert`, and what they said.
fn split_tls_parameters(url: &str) -> anyhow::Result<(String, Option<TlsMode>, Option<String>)> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), None, None));
    };
    let mut mode = None;
    let mut root_file = None;
    let mut kept = Vec::new();
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "sslmode" => {
                mode = Some(match value {
                    "disable" => TlsMode::Disable,
                    "require" => TlsMode::Require,
                    "verify-ca" => TlsMode::VerifyCa,
                    "verify-full" => TlsMode::VerifyFull,
                    "allow" | "prefer" => bail!(
                        "sslmode={value} falls back to plain text; use require, verify-ca or verify-full (or disable)"
                    ),
                    other => bail!("unknown sslmode {other:?} in --database-url"),
                });
            }
            "sslrootcert" => root_file = Some(percent_decode(value)),
            _other => kept.push(pair),
        }
    }
    let rest = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((rest, mode, root_file))
}

/// `%2F` and the like in a path given as a URL parameter.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = (bytes[index] == b'%')
            .then(|| bytes.get(index + 1..index + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                decoded.push(byte);
                index += 3;
            }
            None => {
                decoded.push(bytes[index]);
                index += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

/// `verify-ca`: the chain must hold; the name may be any.
#[derive(Debug)]
struct AnyName(Arc<WebPkiServerVerifier>);

impl ServerCertVerifier for AnyName {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self
            .0
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
        {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.0.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_verify_schemes()
    }
}

/// `require`: any certificate, though the handshake must still be signed by its key.
#[derive(Debug)]
struct Unchecked(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for Unchecked {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode_of(url: &str) -> anyhow::Result<(String, Option<TlsMode>, Option<String>)> {
        split_tls_parameters(url)
    }

    #[test]
    fn sslmode_and_sslrootcert_are_read_and_taken_out_of_the_url() {
        let (rest, mode, root) = mode_of(
            "postgres://app@db.example.com/bg?sslmode=verify-full&sslrootcert=%2Fetc%2Fca.pem&application_name=x",
        )
        .unwrap();
        assert_eq!(rest, "postgres://app@db.example.com/bg?application_name=x");
        assert_eq!(mode, Some(TlsMode::VerifyFull));
        assert_eq!(root.as_deref(), Some("/etc/ca.pem"));
    }

    #[test]
    fn modes_that_fall_back_to_plain_text_are_refused() {
        for mode in ["prefer", "allow"] {
            let error = mode_of(&format!("postgres://db.example.com/bg?sslmode={mode}"))
                .unwrap_err()
                .to_string();
            assert!(error.contains("plain text"), "{error}");
        }
        assert!(mode_of("postgres://db.example.com/bg?sslmode=sometimes").is_err());
    }

    #[test]
    fn a_remote_host_is_verified_by_default_and_loopback_is_plain() {
        let remote = Connect::parse(&Secret::new("postgres://app@db.example.com/bg")).unwrap();
        assert_eq!(remote.config.get_ssl_mode(), SslMode::Require);
        let local = Connect::parse(&Secret::new("postgres://app@127.0.0.1:5432/bg")).unwrap();
        assert_eq!(local.config.get_ssl_mode(), SslMode::Disable);
    }
}
