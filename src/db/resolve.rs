//! The parts of [`ConnectOptions`](super::ConnectOptions) resolved beyond
//! the connection string, each as libpq resolves it: the `PG*`
//! environment variables, the TLS settings and files, and the password
//! file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio_postgres::config::{ChannelBinding, Host, TargetSessionAttrs};
use tokio_postgres::Config;

use super::conninfo::Split;
use super::pgpass;
use super::tls::{ClientCert, RootCerts, SslMode};
use crate::error::{Error, Result};

/// The environment with empty variables treated as unset.
pub(super) type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Unix socket directories tried when no host is given (Debian's and
/// upstream's defaults); a password file line for `localhost` matches them.
pub(super) const DEFAULT_SOCKET_DIRS: [&str; 3] =
    ["/var/run/postgresql", "/run/postgresql", "/tmp"];

/// Ports, host addresses and hosts from `PGPORT`, `PGHOSTADDR` and
/// `PGHOST` where the connection string has none, else the default
/// socket directory or `localhost`. Returns whether the host is that
/// default.
pub(super) fn server(config: &mut Config, env: Env) -> Result<bool> {
    if config.get_ports().is_empty() {
        if let Some(ports) = env("PGPORT") {
            for p in ports.split(',') {
                let port = if p.is_empty() {
                    5432
                } else {
                    p.trim()
                        .parse()
                        .map_err(|_| Error::Config(format!("invalid PGPORT \"{ports}\"")))?
                };
                config.port(port);
            }
        }
    }
    if config.get_hostaddrs().is_empty() {
        if let Some(addrs) = env("PGHOSTADDR") {
            for a in addrs.split(',') {
                let addr = a
                    .trim()
                    .parse()
                    .map_err(|_| Error::Config(format!("invalid PGHOSTADDR \"{addrs}\"")))?;
                config.hostaddr(addr);
            }
        }
    }
    if !config.get_hosts().is_empty() {
        return Ok(false);
    }
    if let Some(hosts) = env("PGHOST") {
        for h in hosts.split(',') {
            config.host(h);
        }
        return Ok(false);
    }
    if !config.get_hostaddrs().is_empty() {
        return Ok(false);
    }
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let socket = DEFAULT_SOCKET_DIRS
        .iter()
        .find(|d| Path::new(d).join(format!(".s.PGSQL.{port}")).exists());
    config.host(socket.copied().unwrap_or("localhost"));
    Ok(true)
}

/// User, database, options, connect timeout and application name from
/// the environment where the connection string has none.
pub(super) fn session(config: &mut Config, env: Env) -> Result<()> {
    if config.get_user().is_none() {
        let user = env("PGUSER")
            .or_else(|| env("USER"))
            .or_else(|| env("LOGNAME"))
            .unwrap_or_else(|| "postgres".into());
        config.user(user);
    }
    if config.get_dbname().is_none() {
        if let Some(db) = env("PGDATABASE") {
            config.dbname(db);
        }
    }
    if config.get_options().is_none() {
        if let Some(o) = env("PGOPTIONS") {
            config.options(o);
        }
    }
    if config.get_connect_timeout().is_none() {
        if let Some(t) = env("PGCONNECT_TIMEOUT") {
            let secs: i64 = t
                .trim()
                .parse()
                .map_err(|_| Error::Config(format!("invalid PGCONNECT_TIMEOUT \"{t}\"")))?;
            if secs > 0 {
                config.connect_timeout(Duration::from_secs(secs.unsigned_abs().max(2)));
            }
        }
    }
    Ok(())
}

/// Channel binding and target session attributes from the environment
/// where the connection string has none, the application name (default
/// `pgark`), and GSSAPI encryption refused.
pub(super) fn protocol(config: &mut Config, split: &Split, env: Env) -> Result<()> {
    if !split.has("channel_binding") {
        if let Some(v) = env("PGCHANNELBINDING") {
            config.channel_binding(match v.as_str() {
                "disable" => ChannelBinding::Disable,
                "prefer" => ChannelBinding::Prefer,
                "require" => ChannelBinding::Require,
                _ => return Err(Error::Config(format!("invalid PGCHANNELBINDING \"{v}\""))),
            });
        }
    }
    if !split.has("target_session_attrs") {
        if let Some(v) = env("PGTARGETSESSIONATTRS") {
            config.target_session_attrs(match v.as_str() {
                "any" => TargetSessionAttrs::Any,
                "read-write" => TargetSessionAttrs::ReadWrite,
                "read-only" => TargetSessionAttrs::ReadOnly,
                _ => {
                    return Err(Error::Config(format!(
                        "invalid PGTARGETSESSIONATTRS \"{v}\""
                    )))
                }
            });
        }
    }
    if config.get_application_name().is_none() {
        config.application_name(env("PGAPPNAME").unwrap_or_else(|| "pgark".into()));
    }
    if split.own.get("gssencmode").is_some_and(|g| g == "require") {
        return Err(Error::Config(
            "gssencmode=require: GSSAPI encryption is not supported; use sslmode".into(),
        ));
    }
    Ok(())
}

/// The TLS settings: `sslmode`, the root certificates and the client
/// certificate.
pub(super) struct Tls {
    pub ssl_mode: SslMode,
    pub root_certs: Option<RootCerts>,
    pub client_cert: Option<ClientCert>,
}

/// `sslmode`, `sslrootcert` (a file, or `system`), `sslcert` and
/// `sslkey`, from the connection string, the environment or
/// `~/.postgresql/`; a verifying mode without root certificates is an
/// error.
pub(super) fn tls(split: &Split, env: Env, home: Option<&Path>) -> Result<Tls> {
    let explicit_root = setting(split, env, "sslrootcert", "PGSSLROOTCERT");
    let system_roots = explicit_root.as_deref() == Some("system");
    let ssl_mode = match setting(split, env, "sslmode", "PGSSLMODE") {
        Some(m) => SslMode::parse(&m).ok_or_else(|| {
            Error::Config(format!(
                "invalid sslmode value: \"{m}\" (disable, allow, prefer, require, verify-ca \
                 or verify-full)"
            ))
        })?,
        None if system_roots => SslMode::VerifyFull,
        None => SslMode::Prefer,
    };
    if system_roots && ssl_mode != SslMode::VerifyFull {
        return Err(Error::Config(format!(
            "weak sslmode \"{ssl_mode}\" may not be used with sslrootcert=system (use \
             \"verify-full\")"
        )));
    }
    let root_path = match &explicit_root {
        Some(r) if r != "system" => Some(PathBuf::from(r)),
        Some(_) => None,
        None => home.map(|h| h.join(".postgresql/root.crt")),
    };
    let root_certs = if system_roots {
        Some(RootCerts::System)
    } else {
        root_path
            .as_ref()
            .filter(|p| p.exists())
            .map(|p| RootCerts::File(p.clone()))
    };
    if root_certs.is_none() && matches!(ssl_mode, SslMode::VerifyCa | SslMode::VerifyFull) {
        let file = root_path
            .map(|p| format!("root certificate file \"{}\" does not exist", p.display()))
            .unwrap_or_else(|| "no root certificate file (sslrootcert) is set".into());
        return Err(Error::Config(format!(
            "sslmode={ssl_mode}: {file}; either provide the file, use the system's trusted \
             roots with sslrootcert=system, or change sslmode to disable server \
             certificate verification"
        )));
    }
    Ok(Tls {
        ssl_mode,
        root_certs,
        client_cert: client_cert(split, env, home),
    })
}

/// The client certificate and key, if the certificate file exists.
fn client_cert(split: &Split, env: Env, home: Option<&Path>) -> Option<ClientCert> {
    let file = |key: &str, var: &str, default: &str| {
        setting(split, env, key, var)
            .map(PathBuf::from)
            .or_else(|| home.map(|h| h.join(default)))
    };
    let cert = file("sslcert", "PGSSLCERT", ".postgresql/postgresql.crt")?;
    let key = file("sslkey", "PGSSLKEY", ".postgresql/postgresql.key")?;
    cert.exists().then_some(ClientCert { cert, key })
}

/// The connection string's own `key`, else the environment's `var`.
fn setting(split: &Split, env: Env, key: &str, var: &str) -> Option<String> {
    split.own.get(key).cloned().or_else(|| env(var))
}

/// The password when the connection string has none: `PGPASSWORD`, else
/// the password file's line for the connection (`passfile`, `PGPASSFILE`,
/// `~/.pgpass`). Returns the file the password came from, if it did; a
/// file ignored (e.g. readable by others) adds a warning.
pub(super) fn password(
    config: &mut Config,
    split: &Split,
    env: Env,
    home: Option<&Path>,
    default_host: bool,
    warnings: &mut Vec<String>,
) -> Option<PathBuf> {
    if config.get_password().is_some_and(|p| !p.is_empty()) {
        return None;
    }
    if let Some(p) = env("PGPASSWORD") {
        config.password(p);
        return None;
    }
    let file = setting(split, env, "passfile", "PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| home.map(|h| h.join(".pgpass")))?;
    let t = super::connect::target(config);
    let host = pgpass_host(config, default_host, &t.host);
    let key = pgpass::Key {
        host: &host,
        port: &t.port.to_string(),
        dbname: &t.dbname,
        user: &t.user,
    };
    match pgpass::lookup(&file, &key) {
        pgpass::Lookup::Found(p) => {
            config.password(p);
            return Some(file);
        }
        pgpass::Lookup::NotFound => {}
        pgpass::Lookup::Ignored(w) => warnings.push(w),
    }
    None
}

/// The host a password file line must name: `localhost` for the default
/// host and the default socket directories, else the host (or the host
/// address).
fn pgpass_host(config: &Config, default_host: bool, target_host: &str) -> String {
    if default_host {
        return "localhost".to_owned();
    }
    match config.get_hosts().first() {
        #[cfg(unix)]
        Some(Host::Unix(p)) if DEFAULT_SOCKET_DIRS.iter().any(|d| Path::new(d) == p) => {
            "localhost".to_owned()
        }
        Some(_) => target_host.to_owned(),
        None => config
            .get_hostaddrs()
            .first()
            .map(|a| a.to_string())
            .unwrap_or_else(|| "localhost".into()),
    }
}
