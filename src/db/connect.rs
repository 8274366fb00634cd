//! Connections resolved like libpq's (connection string, `PG*` variables,
//! password file, `sslmode` with TLS through rustls), with errors that
//! name the server but never the password.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Mutex;

use tokio_postgres::config::{Host, SslMode as PgSslMode};
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, Config, NoTls};

use super::conninfo;
use super::resolve;
use super::tls::{ClientCert, MakeRustls, RootCerts, SslMode, TlsError};
use crate::error::{Error, Result};

/// Where a connection goes, for messages: `user@host:port/dbname`.
#[derive(Debug, Clone)]
pub struct ConnectTarget {
    /// User name.
    pub user: String,
    /// Host (or socket directory) and port.
    pub host: String,
    /// Port.
    pub port: u16,
    /// Database name.
    pub dbname: String,
}

impl fmt::Display for ConnectTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{}:{}/{}",
            self.user, self.host, self.port, self.dbname
        )
    }
}

pub(super) fn target(config: &Config) -> ConnectTarget {
    let host = match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        #[cfg(unix)]
        Some(Host::Unix(p)) => p.display().to_string(),
        None => "localhost".into(),
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let user = config.get_user().unwrap_or("postgres").to_owned();
    let dbname = config
        .get_dbname()
        .map(str::to_owned)
        .unwrap_or_else(|| user.clone());
    ConnectTarget {
        user,
        host,
        port,
        dbname,
    }
}

/// Connection settings resolved as libpq resolves them: the connection
/// string first, then the `PG*` environment variables, then the password
/// file and the files under `~/.postgresql/`.
///
/// | Setting | URL / key | Environment | Default |
/// |---|---|---|---|
/// | host | `host` | `PGHOST` | the Unix socket in `/var/run/postgresql`, `/run/postgresql` or `/tmp` if one exists, else `localhost` |
/// | host address | `hostaddr` | `PGHOSTADDR` | resolved from the host |
/// | port | `port` | `PGPORT` | 5432 |
/// | user | `user` | `PGUSER` | `$USER` (`$LOGNAME`) |
/// | password | `password` | `PGPASSWORD` | the password file |
/// | password file | `passfile` | `PGPASSFILE` | `~/.pgpass` |
/// | database | `dbname` | `PGDATABASE` | the user name |
/// | TLS | `sslmode` | `PGSSLMODE` | `prefer` (`verify-full` with `sslrootcert=system`) |
/// | root certificates | `sslrootcert` | `PGSSLROOTCERT` | `~/.postgresql/root.crt` if it exists |
/// | client certificate | `sslcert`, `sslkey` | `PGSSLCERT`, `PGSSLKEY` | `~/.postgresql/postgresql.crt`, `.key` if they exist |
/// | application name | `application_name` | `PGAPPNAME` | `pgark` |
/// | options | `options` | `PGOPTIONS` | none |
/// | connect timeout | `connect_timeout` | `PGCONNECT_TIMEOUT` | none |
/// | channel binding | `channel_binding` | `PGCHANNELBINDING` | `prefer` |
/// | session attributes | `target_session_attrs` | `PGTARGETSESSIONATTRS` | `any` |
///
/// Its `Debug` output never shows the password.
pub struct ConnectOptions {
    config: Config,
    ssl_mode: SslMode,
    root_certs: Option<RootCerts>,
    client_cert: Option<ClientCert>,
    password_file: Option<PathBuf>,
    warnings: Vec<String>,
    target: ConnectTarget,
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("target", &self.target.to_string())
            .field("ssl_mode", &self.ssl_mode)
            .field("root_certs", &self.root_certs)
            .field("client_cert", &self.client_cert)
            .field("password_file", &self.password_file)
            .finish_non_exhaustive()
    }
}

impl ConnectOptions {
    /// Resolves `url` (a `postgresql://` URL or libpq `key=value` string)
    /// with the process environment.
    pub fn from_url(url: &str) -> Result<ConnectOptions> {
        ConnectOptions::from_url_with_env(url, |k| std::env::var(k).ok())
    }

    /// Resolves `url` with `env` standing in for the environment (`PG*`
    /// variables, `HOME`, `USER`); for tests and embedding.
    pub fn from_url_with_env(
        url: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<ConnectOptions> {
        let env = |k: &str| env(k).filter(|v| !v.is_empty());
        let split = conninfo::split(url)
            .map_err(|e| Error::Config(format!("invalid database URL: {}", redact(&e))))?;
        // Never echo the URL: it may hold the password.
        let mut config = Config::from_str(&split.rest).map_err(|e| {
            Error::Config(format!("invalid database URL: {}", redact(&e.to_string())))
        })?;
        let home = env("HOME").map(PathBuf::from);
        let default_host = resolve::server(&mut config, &env)?;
        resolve::session(&mut config, &env)?;
        resolve::protocol(&mut config, &split, &env)?;
        let tls = resolve::tls(&split, &env, home.as_deref())?;
        let mut warnings = Vec::new();
        let password_file = resolve::password(
            &mut config,
            &split,
            &env,
            home.as_deref(),
            default_host,
            &mut warnings,
        );
        let target = target(&config);
        Ok(ConnectOptions {
            config,
            ssl_mode: tls.ssl_mode,
            root_certs: tls.root_certs,
            client_cert: tls.client_cert,
            password_file,
            warnings,
            target,
        })
    }

    /// The effective `sslmode`.
    pub fn ssl_mode(&self) -> SslMode {
        self.ssl_mode
    }

    /// The root certificates the server's certificate is checked against,
    /// if any (a file that exists, or the system's).
    pub fn root_certs(&self) -> Option<&RootCerts> {
        self.root_certs.as_ref()
    }

    /// Where the connection goes.
    pub fn target(&self) -> &ConnectTarget {
        &self.target
    }

    /// Whether a password is set (from the URL, `PGPASSWORD` or the file).
    pub fn has_password(&self) -> bool {
        self.config.get_password().is_some_and(|p| !p.is_empty())
    }

    /// The password file the password came from, if it did.
    pub fn password_file(&self) -> Option<&Path> {
        self.password_file.as_deref()
    }

    /// Warnings found while resolving (e.g. a password file with group or
    /// world access, which is ignored); connecting (a backup,
    /// [`check`](ConnectOptions::check)) emits each once per process as a
    /// `tracing` warning (the CLI prints it on stderr, as libpq does).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Opens a connection; its task runs on the current tokio runtime.
    /// Crate-private: the client is tokio-postgres's, whose versions are
    /// not pgark's ([`check`](ConnectOptions::check) is the public probe).
    pub(crate) async fn connect(&self) -> Result<(Client, ConnectTarget)> {
        self.emit_warnings();
        let only_sockets = self.config.get_hostaddrs().is_empty()
            && self
                .config
                .get_hosts()
                .iter()
                .all(|h| !matches!(h, Host::Tcp(_)));
        // libpq: sslmode is ignored on Unix sockets.
        let mode = if only_sockets {
            SslMode::Disable
        } else {
            self.ssl_mode
        };
        let result = match mode {
            SslMode::Disable => self.attempt_plain().await,
            SslMode::Allow => match self.attempt_plain().await {
                Ok(c) => Ok(c),
                Err(plain) => self
                    .attempt_tls(SslMode::Require, PgSslMode::Require)
                    .await
                    .map_err(|tls| format!("{plain}; with SSL: {tls}")),
            },
            SslMode::Prefer => match self.tls(SslMode::Prefer) {
                Err(e) => Err(e),
                Ok(tls) => match self.attempt(PgSslMode::Prefer, tls.clone()).await {
                    Ok(c) => Ok(c),
                    // libpq retries without SSL when the SSL attempt failed.
                    Err(e) if tls.attempted() => self
                        .attempt_plain()
                        .await
                        .map_err(|plain| format!("{e}; without SSL: {plain}")),
                    Err(e) => Err(e),
                },
            },
            SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => {
                self.attempt_tls(mode, PgSslMode::Require).await
            }
        };
        match result {
            Ok(client) => Ok((client, self.target.clone())),
            Err(message) => Err(Error::Database {
                context: format!("cannot connect to {}", self.target),
                message,
            }),
        }
    }

    fn tls(&self, mode: SslMode) -> std::result::Result<MakeRustls, String> {
        MakeRustls::new(mode, self.root_certs.as_ref(), self.client_cert.as_ref())
    }

    async fn attempt_plain(&self) -> std::result::Result<Client, String> {
        let mut config = self.config.clone();
        config.ssl_mode(PgSslMode::Disable);
        let (client, connection) = config
            .connect(NoTls)
            .await
            .map_err(|e| self.message(&e, SslMode::Disable))?;
        tokio::spawn(drive(connection));
        Ok(client)
    }

    async fn attempt_tls(
        &self,
        mode: SslMode,
        pg_mode: PgSslMode,
    ) -> std::result::Result<Client, String> {
        let tls = self.tls(mode)?;
        self.attempt(pg_mode, tls).await
    }

    async fn attempt(
        &self,
        pg_mode: PgSslMode,
        tls: MakeRustls,
    ) -> std::result::Result<Client, String> {
        let mut config = self.config.clone();
        config.ssl_mode(pg_mode);
        let (client, connection) = config
            .connect(tls)
            .await
            .map_err(|e| self.message(&e, self.ssl_mode))?;
        tokio::spawn(drive(connection));
        Ok(client)
    }

    /// One line, never the password, libpq's wording where it has one.
    fn message(&self, e: &tokio_postgres::Error, mode: SslMode) -> String {
        let mut tls_error = None;
        let mut src = std::error::Error::source(e);
        while let Some(s) = src {
            if let Some(t) = s.downcast_ref::<TlsError>() {
                tls_error = Some(t.to_string());
            }
            src = s.source();
        }
        let mut m = match tls_error {
            Some(t) => t,
            None => {
                let text = match Error::connect(&self.target, e) {
                    Error::Database { message, .. } => message,
                    other => other.to_string(),
                };
                if text.contains("server does not support TLS") {
                    format!("server does not support SSL, but sslmode={mode}")
                } else {
                    text
                }
            }
        };
        if let (Some(file), Some(db)) = (&self.password_file, e.as_db_error()) {
            if *db.code() == SqlState::INVALID_PASSWORD {
                m.push_str(&format!(
                    " (password retrieved from file \"{}\")",
                    file.display()
                ));
            }
        }
        if let Some(p) = self.config.get_password() {
            if let Ok(p) = std::str::from_utf8(p) {
                if !p.is_empty() {
                    m = m.replace(p, "[redacted]");
                }
            }
        }
        m
    }

    fn emit_warnings(&self) {
        static EMITTED: Mutex<Vec<String>> = Mutex::new(Vec::new());
        let Ok(mut emitted) = EMITTED.lock() else {
            return;
        };
        for w in &self.warnings {
            if !emitted.contains(w) {
                tracing::warn!("{w}");
                emitted.push(w.clone());
            }
        }
    }
}

/// Resolves `url` as libpq would (see [`ConnectOptions`]) and connects,
/// with TLS as `sslmode` asks.
///
/// The connection task runs on the current tokio runtime.
pub(crate) async fn connect(url: &str) -> Result<(Client, ConnectTarget)> {
    ConnectOptions::from_url(url)?.connect().await
}

/// Removes anything that looks like a password from a message.
fn redact(message: &str) -> String {
    message
        .split_whitespace()
        .map(|w| {
            if w.contains("password") || w.contains('@') {
                "[redacted]"
            } else {
                w
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs a connection until it closes: server notices go to `tracing`
/// (debug), and a connection that dies is logged (its error also surfaces
/// on the client's next call).
async fn drive<S, T>(mut connection: tokio_postgres::Connection<S, T>)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio_postgres::AsyncMessage;
    let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
    while let Some(message) = futures_util::StreamExt::next(&mut messages).await {
        match message {
            Ok(AsyncMessage::Notice(n)) => {
                tracing::debug!(severity = n.severity(), "server notice: {}", n.message())
            }
            Ok(_) => {}
            Err(e) => {
                tracing::debug!("connection closed: {e}");
                break;
            }
        }
    }
}
