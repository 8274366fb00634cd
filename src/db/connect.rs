//! Connections, with errors that name the server but never the password.

use std::fmt;
use std::str::FromStr;

use tokio_postgres::config::Host;
use tokio_postgres::{Client, Config, NoTls};

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

fn target(config: &Config) -> ConnectTarget {
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

/// Parses a `postgresql://` URL (or key=value string) and connects.
///
/// The connection task runs on the current tokio runtime.
pub async fn connect(url: &str) -> Result<(Client, ConnectTarget)> {
    // Never echo the URL: it may hold the password.
    let mut config = Config::from_str(url)
        .map_err(|e| Error::Config(format!("invalid database URL: {}", redact(&e.to_string()))))?;
    if config.get_hosts().is_empty() {
        config.host("localhost");
    }
    if config.get_user().is_none() {
        config.user(std::env::var("USER").unwrap_or_else(|_| "postgres".into()));
    }
    config.application_name("pgark");
    let target = target(&config);
    let (client, connection) = config
        .connect(NoTls)
        .await
        .map_err(|e| Error::connect(&target, &e))?;
    tokio::spawn(async move {
        // Errors surface on the client's next call.
        let _ = connection.await;
    });
    Ok((client, target))
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
