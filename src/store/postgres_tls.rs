//! TLS for PostgreSQL connections, as libpq does it, with rustls: `sslmode` (URI parameter,
//! else `PGSSLMODE`, else `prefer`) decides whether TLS is used and what is verified;
//! `sslrootcert` (`PGSSLROOTCERT`, default `~/.postgresql/root.crt` if it exists, else the
//! system's roots; `system` names them explicitly) what it is verified against; `sslcert` and
//! `sslkey` (`PGSSLCERT`, `PGSSLKEY`, default `~/.postgresql/postgresql.crt`/`.key` when
//! present) a client certificate.

use std::path::PathBuf;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};

use super::sql::uri::DbUri;

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl Mode {
    fn parse(s: &str) -> Result<Mode, String> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "disable" => Mode::Disable,
            "allow" => Mode::Allow,
            "prefer" => Mode::Prefer,
            "require" => Mode::Require,
            "verify-ca" => Mode::VerifyCa,
            "verify-full" => Mode::VerifyFull,
            other => {
                return Err(format!(
                    "unknown sslmode {other:?} (disable, allow, prefer, require, verify-ca or \
                     verify-full)"
                ));
            }
        })
    }
}

/// What a connection does about TLS.
pub(super) struct Tls {
    pub mode: Mode,
    /// The client configuration, unless TLS is disabled.
    pub config: Option<ClientConfig>,
}

fn setting(uri: &DbUri, param: &str, env: &str) -> Option<String> {
    uri.param(param)
        .map(str::to_string)
        .or_else(|| std::env::var(env).ok())
        .filter(|v| !v.is_empty())
}

fn pg_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| PathBuf::from(h).join(".postgresql"))
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// The TLS settings of a connection to `uri`.
pub(super) fn tls(uri: &DbUri, host_is_socket: bool) -> Result<Tls, String> {
    let mode = match setting(uri, "sslmode", "PGSSLMODE") {
        Some(m) => Mode::parse(&m)?,
        None => Mode::Prefer,
    };
    if mode == Mode::Disable || host_is_socket {
        return Ok(Tls {
            mode: Mode::Disable,
            config: None,
        });
    }
    let root_file = setting(uri, "sslrootcert", "PGSSLROOTCERT").or_else(|| {
        pg_dir()
            .map(|d| d.join("root.crt"))
            .filter(|p| p.is_file())
            .map(|p| p.display().to_string())
    });
    // libpq: with a root certificate at hand, `require` verifies the chain like verify-ca.
    let verify = match mode {
        Mode::VerifyFull => Verify::Full,
        Mode::VerifyCa => Verify::Chain,
        Mode::Require if root_file.as_deref().is_some_and(|f| f != "system") => Verify::Chain,
        _ => Verify::Nothing,
    };
    let roots = match root_file.as_deref() {
        Some("system") | None => system_roots(),
        Some(path) => file_roots(path)?,
    };
    let builder = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?;
    let builder = match verify {
        Verify::Full => builder.with_root_certificates(roots),
        Verify::Chain | Verify::Nothing => {
            let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider())
                .build()
                .map_err(|e| format!("TLS: {e}"))?;
            builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(Lenient {
                    webpki,
                    check_chain: verify == Verify::Chain,
                }))
        }
    };
    let config = match client_identity(uri)? {
        Some((chain, key)) => builder
            .with_client_auth_cert(chain, key)
            .map_err(|e| format!("TLS client certificate: {e}"))?,
        None => builder.with_no_client_auth(),
    };
    Ok(Tls {
        mode,
        config: Some(config),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verify {
    Nothing,
    Chain,
    Full,
}

fn system_roots() -> RootCertStore {
    let mut roots = RootCertStore::empty();
    let found = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(found.certs);
    roots
}

fn file_roots(path: &str) -> Result<RootCertStore, String> {
    let certs = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("sslrootcert {path}: {e}"))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("sslrootcert {path}: {e}"))?;
    if certs.is_empty() {
        return Err(format!("sslrootcert {path}: no PEM certificate in it"));
    }
    let mut roots = RootCertStore::empty();
    let (_, bad) = roots.add_parsable_certificates(certs);
    if roots.is_empty() {
        return Err(format!(
            "sslrootcert {path}: {bad} certificate(s), none usable"
        ));
    }
    Ok(roots)
}

type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

fn client_identity(uri: &DbUri) -> Result<Option<Identity>, String> {
    let default = |name: &str| {
        pg_dir()
            .map(|d| d.join(name))
            .filter(|p| p.is_file())
            .map(|p| p.display().to_string())
    };
    let cert = setting(uri, "sslcert", "PGSSLCERT").or_else(|| default("postgresql.crt"));
    let key = setting(uri, "sslkey", "PGSSLKEY").or_else(|| default("postgresql.key"));
    let (Some(cert), Some(key)) = (cert, key) else {
        return Ok(None);
    };
    let chain = CertificateDer::pem_file_iter(&cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("sslcert {cert}: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(&key).map_err(|e| format!("sslkey {key}: {e}"))?;
    Ok(Some((chain, key)))
}

/// Checks handshake signatures always, the certificate chain only when asked (libpq's
/// `verify-ca`), and the host name never (that is `verify-full`, done by rustls itself).
#[derive(Debug)]
struct Lenient {
    webpki: Arc<WebPkiServerVerifier>,
    check_chain: bool,
}

impl ServerCertVerifier for Lenient {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if !self.check_chain {
            return Ok(ServerCertVerified::assertion());
        }
        match self
            .webpki
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
        {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::NotValidForName
                | rustls::CertificateError::NotValidForNameContext { .. },
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
        self.webpki.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.webpki.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.webpki.supported_verify_schemes()
    }
}
