//! TLS for tokio-postgres over rustls (ring provider), with libpq's
//! `sslmode` semantics: which certificate checks each mode makes, and
//! one-line errors that name the mode and the reason.

use std::fmt;
use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{verify_server_cert_signed_by_trust_anchor, verify_server_name};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::server::ParsedCertificate;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sha2::{Digest, Sha256, Sha384, Sha512};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_postgres::tls::{ChannelBinding, MakeTlsConnect, TlsConnect, TlsStream};

/// libpq's `sslmode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SslMode {
    /// Never TLS.
    Disable,
    /// Plain first; TLS only if the plain connection fails.
    Allow,
    /// TLS first; plain if the server refuses TLS or the TLS attempt
    /// fails (libpq's default).
    Prefer,
    /// TLS or nothing. The certificate is not checked — unless a root
    /// certificate file exists, then the chain is checked as in `VerifyCa`.
    Require,
    /// TLS, the chain checked against the root certificates; any host name.
    VerifyCa,
    /// TLS, the chain checked and the certificate matching the host name.
    VerifyFull,
}

impl SslMode {
    /// Parses libpq's spelling.
    pub fn parse(s: &str) -> Option<SslMode> {
        Some(match s {
            "disable" => SslMode::Disable,
            "allow" => SslMode::Allow,
            "prefer" => SslMode::Prefer,
            "require" => SslMode::Require,
            "verify-ca" => SslMode::VerifyCa,
            "verify-full" => SslMode::VerifyFull,
            _ => return None,
        })
    }

    /// libpq's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SslMode::Disable => "disable",
            SslMode::Allow => "allow",
            SslMode::Prefer => "prefer",
            SslMode::Require => "require",
            SslMode::VerifyCa => "verify-ca",
            SslMode::VerifyFull => "verify-full",
        }
    }
}

impl fmt::Display for SslMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where the trusted root certificates come from (`sslrootcert`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootCerts {
    /// A PEM file of CA certificates.
    File(PathBuf),
    /// `sslrootcert=system`: the operating system's trust store.
    System,
}

impl fmt::Display for RootCerts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RootCerts::File(p) => write!(f, "\"{}\"", p.display()),
            RootCerts::System => f.write_str("the system's trusted roots"),
        }
    }
}

/// How much of the server certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    Nothing,
    Chain,
    ChainAndName,
}

/// A client certificate and its key (`sslcert`, `sslkey`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientCert {
    /// PEM certificate (chain).
    pub cert: PathBuf,
    /// PEM private key.
    pub key: PathBuf,
}

/// The TLS connector handed to tokio-postgres; it remembers whether a
/// handshake was attempted (for `prefer`'s fallback to plain).
#[derive(Clone)]
pub(crate) struct MakeRustls {
    config: Arc<ClientConfig>,
    mode: SslMode,
    check: Check,
    roots: Option<RootCerts>,
    attempted: Arc<AtomicBool>,
}

impl fmt::Debug for MakeRustls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MakeRustls")
            .field("mode", &self.mode)
            .field("check", &self.check)
            .field("roots", &self.roots)
            .finish()
    }
}

impl MakeRustls {
    /// A connector for `mode` (not `Disable`); `roots` is the resolved root
    /// certificate source (None: no file exists), `client` the client
    /// certificate to offer.
    pub(crate) fn new(
        mode: SslMode,
        roots: Option<&RootCerts>,
        client: Option<&ClientCert>,
    ) -> Result<MakeRustls, String> {
        let check = check_for(mode, roots)?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let store = match roots {
            Some(r) if check != Check::Nothing => Some(Arc::new(root_store(mode, r)?)),
            _ => None,
        };
        let verifier = Arc::new(Verifier {
            roots: store,
            check_name: check == Check::ChainAndName,
            provider: provider.clone(),
        });
        let builder = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("sslmode={mode}: {e}"))?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match client {
            Some(c) => with_client_cert(builder, c)?,
            None => builder.with_no_client_auth(),
        };
        // PostgreSQL 17's direct TLS negotiation requires it; older servers ignore it.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(MakeRustls {
            config: Arc::new(config),
            mode,
            check,
            roots: roots.cloned(),
            attempted: Arc::new(AtomicBool::new(false)),
        })
    }

    /// Whether a TLS handshake was started since the last reset.
    pub(crate) fn attempted(&self) -> bool {
        self.attempted.load(Ordering::Relaxed)
    }
}

/// What `mode` checks of the server's certificate, given the root
/// certificates found (`verify-*` without any is an error).
fn check_for(mode: SslMode, roots: Option<&RootCerts>) -> Result<Check, String> {
    Ok(match (mode, roots) {
        (SslMode::VerifyFull, Some(_)) => Check::ChainAndName,
        (SslMode::VerifyCa, Some(_)) => Check::Chain,
        (SslMode::VerifyFull | SslMode::VerifyCa, None) => {
            return Err(format!(
                "sslmode={mode}: no root certificate file: provide one with sslrootcert \
                 (or ~/.postgresql/root.crt), use the system's trusted roots with \
                 sslrootcert=system, or change sslmode to disable server certificate \
                 verification"
            ))
        }
        // libpq: a root certificate file that exists is used by every mode.
        (_, Some(_)) => Check::Chain,
        (_, None) => Check::Nothing,
    })
}

/// The root certificates of `roots`, at least one.
fn root_store(mode: SslMode, roots: &RootCerts) -> Result<RootCertStore, String> {
    let store = load_roots(roots).map_err(|e| format!("sslmode={mode}: {e}"))?;
    if store.is_empty() {
        return Err(format!(
            "sslmode={mode}: root certificates {roots}: no root certificate in it"
        ));
    }
    Ok(store)
}

/// The client configuration offering the certificate and key of `c`
/// (the key file's permissions checked as libpq checks them).
fn with_client_cert(
    builder: rustls::ConfigBuilder<ClientConfig, rustls::client::WantsClientCert>,
    c: &ClientCert,
) -> Result<ClientConfig, String> {
    let certs = CertificateDer::pem_file_iter(&c.cert)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            format!(
                "could not read certificate file \"{}\": {e}",
                c.cert.display()
            )
        })?;
    check_key_permissions(&c.key)?;
    let key = PrivateKeyDer::from_pem_file(&c.key).map_err(|e| {
        format!(
            "could not load private key file \"{}\": {e}",
            c.key.display()
        )
    })?;
    builder
        .with_client_auth_cert(certs, key)
        .map_err(|e| format!("client certificate \"{}\": {e}", c.cert.display()))
}

/// The server key file check libpq applies to client keys: no group or
/// world access unless owned by root and at most 0640.
fn check_key_permissions(key: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let meta = std::fs::metadata(key).map_err(|e| {
            format!(
                "certificate present, but not private key file \"{}\": {e}",
                key.display()
            )
        })?;
        let mode = meta.mode();
        let bad = if meta.uid() == 0 {
            mode & 0o137 != 0
        } else {
            mode & 0o077 != 0
        };
        if bad {
            return Err(format!(
                "private key file \"{}\" has group or world access; file must have \
                 permissions u=rw (0600) or less if owned by the current user, or \
                 permissions u=rw,g=r (0640) or less if owned by root",
                key.display()
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = key;
    Ok(())
}

fn load_roots(roots: &RootCerts) -> Result<RootCertStore, String> {
    let mut store = RootCertStore::empty();
    match roots {
        RootCerts::File(path) => {
            let certs = CertificateDer::pem_file_iter(path)
                .and_then(|i| i.collect::<Result<Vec<_>, _>>())
                .map_err(|e| {
                    format!(
                        "could not read root certificate file \"{}\": {e}",
                        path.display()
                    )
                })?;
            let (added, _) = store.add_parsable_certificates(certs);
            if added == 0 {
                return Err(format!(
                    "root certificate file \"{}\" holds no usable certificate",
                    path.display()
                ));
            }
        }
        RootCerts::System => {
            let found = rustls_native_certs::load_native_certs();
            let (added, _) = store.add_parsable_certificates(found.certs);
            if added == 0 {
                let why = found
                    .errors
                    .first()
                    .map(|e| format!(": {e}"))
                    .unwrap_or_default();
                return Err(format!(
                    "sslrootcert=system: no trusted root certificates found{why}"
                ));
            }
        }
    }
    Ok(store)
}

/// Checks the chain (if roots are given) and then, as a separate step,
/// the name (if asked); always checks the handshake signatures.
#[derive(Debug)]
struct Verifier {
    roots: Option<Arc<RootCertStore>>,
    check_name: bool,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(roots) = &self.roots else {
            return Ok(ServerCertVerified::assertion());
        };
        let _ = ocsp_response;
        let cert = ParsedCertificate::try_from(end_entity)?;
        // The chain, for verify-ca and verify-full alike...
        verify_server_cert_signed_by_trust_anchor(
            &cert,
            roots,
            intermediates,
            now,
            self.provider.signature_verification_algorithms.all,
        )?;
        // ... and the name for verify-full only.
        if self.check_name {
            verify_server_name(&cert, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS failure, on one line, naming the mode and the reason.
#[derive(Debug)]
pub(crate) struct TlsError(pub(crate) String);

impl fmt::Display for TlsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TlsError {}

impl<S> MakeTlsConnect<S> for MakeRustls
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type TlsConnect = RustlsConnect;
    type Error = TlsError;

    fn make_tls_connect(&mut self, domain: &str) -> Result<RustlsConnect, TlsError> {
        let name = match ServerName::try_from(domain.to_owned()) {
            Ok(n) => n,
            Err(_) if self.check != Check::ChainAndName => {
                ServerName::try_from("localhost").map_err(|e| TlsError(e.to_string()))?
            }
            Err(e) => {
                return Err(TlsError(format!(
                    "sslmode={}: host name \"{domain}\" cannot be verified: {e}",
                    self.mode
                )))
            }
        };
        Ok(RustlsConnect {
            make: self.clone(),
            host: domain.to_owned(),
            name,
        })
    }
}

/// One TLS handshake to one host.
#[derive(Debug)]
pub(crate) struct RustlsConnect {
    make: MakeRustls,
    host: String,
    name: ServerName<'static>,
}

impl<S> TlsConnect<S> for RustlsConnect
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    type Stream = RustlsStream<S>;
    type Error = TlsError;
    type Future = Pin<Box<dyn Future<Output = Result<RustlsStream<S>, TlsError>> + Send>>;

    fn connect(self, stream: S) -> Self::Future {
        Box::pin(async move {
            self.make.attempted.store(true, Ordering::Relaxed);
            tokio_rustls::TlsConnector::from(self.make.config.clone())
                .connect(self.name, stream)
                .await
                .map(|s| RustlsStream(Box::new(s)))
                .map_err(|e| describe(&e, &self.make, &self.host))
        })
    }
}

/// libpq-like wording for a failed handshake.
fn describe(e: &io::Error, make: &MakeRustls, host: &str) -> TlsError {
    let mode = make.mode;
    let roots = make
        .roots
        .as_ref()
        .map(|r| r.to_string())
        .unwrap_or_else(|| "the root certificates".into());
    let rustls_error = e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>());
    let message = match rustls_error {
        Some(rustls::Error::InvalidCertificate(c)) => match c {
            CertificateError::NotValidForName => {
                format!("server certificate does not match host name \"{host}\"")
            }
            CertificateError::NotValidForNameContext { presented, .. } => {
                let names: Vec<&str> = presented.iter().map(|n| plain_name(n)).collect();
                match names.as_slice() {
                    [] => format!("server certificate has no names to match host name \"{host}\""),
                    [one] => format!(
                        "server certificate for \"{one}\" does not match host name \"{host}\""
                    ),
                    [first, rest @ ..] => format!(
                        "server certificate for \"{first}\" (and {} other name{}) does not \
                         match host name \"{host}\"",
                        rest.len(),
                        if rest.len() == 1 { "" } else { "s" }
                    ),
                }
            }
            CertificateError::UnknownIssuer => format!(
                "certificate verify failed: the server certificate is not signed by a CA in {roots}"
            ),
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "certificate verify failed: certificate has expired".to_owned()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "certificate verify failed: certificate is not yet valid".to_owned()
            }
            other => format!("certificate verify failed: {other}"),
        },
        Some(other) => format!("TLS handshake failed: {other}"),
        None => format!("TLS handshake failed: {e}"),
    };
    TlsError(format!("sslmode={mode}: {}", message.replace('\n', " ")))
}

/// `localhost` from rustls's `DnsName("localhost")` (names are shown in
/// their Debug form).
fn plain_name(presented: &str) -> &str {
    match (presented.find("(\""), presented.rfind("\")")) {
        (Some(a), Some(b)) if a + 2 <= b => &presented[a + 2..b],
        _ => presented,
    }
}

/// An established TLS stream.
#[derive(Debug)]
pub(crate) struct RustlsStream<S>(Box<tokio_rustls::client::TlsStream<S>>);

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncRead for RustlsStream<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> AsyncWrite for RustlsStream<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.0).poll_shutdown(cx)
    }
}

impl<S: AsyncRead + AsyncWrite + Unpin> TlsStream for RustlsStream<S> {
    /// `tls-server-end-point` (RFC 5929), so SCRAM-SHA-256-PLUS works.
    fn channel_binding(&self) -> ChannelBinding {
        let (_, conn) = self.0.get_ref();
        match conn
            .peer_certificates()
            .and_then(|c| c.first())
            .and_then(|c| server_end_point(c.as_ref()))
        {
            Some(hash) => ChannelBinding::tls_server_end_point(hash),
            None => ChannelBinding::none(),
        }
    }
}

/// The certificate's hash with its signature's hash function (SHA-256 for
/// MD5 and SHA-1), or None for algorithms without one (Ed25519).
fn server_end_point(cert: &[u8]) -> Option<Vec<u8>> {
    let oid = signature_algorithm_oid(cert)?;
    // 1.2.840.113549.1.1.{4,5,11,12,13}: RSA with MD5/SHA-1/SHA-256/384/512;
    // 1.2.840.10045.4.1 and 4.3.{2,3,4}: ECDSA with SHA-1/SHA-256/384/512;
    // 1.2.840.113549.1.1.10: RSA-PSS (hash in the parameters; SHA-256 assumed).
    const RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01];
    const ECDSA: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04];
    let bits = match oid {
        [p @ .., last] if p == RSA => match last {
            4 | 5 | 10 | 11 => 256,
            12 => 384,
            13 => 512,
            _ => return None,
        },
        [p @ .., 1] if p == ECDSA => 256,
        [p @ .., 3, last] if p == ECDSA => match last {
            2 => 256,
            3 => 384,
            4 => 512,
            _ => return None,
        },
        _ => return None,
    };
    Some(match bits {
        256 => Sha256::digest(cert).to_vec(),
        384 => Sha384::digest(cert).to_vec(),
        _ => Sha512::digest(cert).to_vec(),
    })
}

/// Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm SEQUENCE { OID, ... }, ... }
fn signature_algorithm_oid(cert: &[u8]) -> Option<&[u8]> {
    let (tag, body, _) = der_tlv(cert)?;
    if tag != 0x30 {
        return None;
    }
    let (_, _, after_tbs) = der_tlv(body)?;
    let (tag, alg, _) = der_tlv(after_tbs)?;
    if tag != 0x30 {
        return None;
    }
    let (tag, oid, _) = der_tlv(alg)?;
    (tag == 0x06).then_some(oid)
}

/// One DER tag-length-value: (tag, value, rest).
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_round_trip() {
        for m in [
            SslMode::Disable,
            SslMode::Allow,
            SslMode::Prefer,
            SslMode::Require,
            SslMode::VerifyCa,
            SslMode::VerifyFull,
        ] {
            assert_eq!(SslMode::parse(m.as_str()), Some(m));
        }
        assert_eq!(SslMode::parse("verify_full"), None);
    }

    #[test]
    fn verify_modes_need_roots() {
        let e = MakeRustls::new(SslMode::VerifyFull, None, None).err();
        assert!(e.is_some_and(|e| e.contains("sslmode=verify-full") && e.contains("sslrootcert")));
        assert!(MakeRustls::new(SslMode::Require, None, None).is_ok());
    }

    #[test]
    fn presented_names() {
        assert_eq!(plain_name("DnsName(\"localhost\")"), "localhost");
        assert_eq!(plain_name("127.0.0.1"), "127.0.0.1");
    }

    #[test]
    fn der_walk() {
        // SEQUENCE { SEQUENCE {}, SEQUENCE { OID 1.2.840.10045.4.3.2 } }
        let cert = [
            0x30, 0x0e, 0x30, 0x00, 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04,
            0x03, 0x02,
        ];
        assert_eq!(
            signature_algorithm_oid(&cert),
            Some(&[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02][..])
        );
        assert_eq!(server_end_point(&cert).map(|h| h.len()), Some(32));
        assert_eq!(signature_algorithm_oid(&cert[..5]), None);
    }
}
