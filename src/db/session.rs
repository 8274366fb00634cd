//! What a session opened with [`ConnectOptions`] is, as the server reports
//! it: a configuration checked without handing out tokio-postgres's
//! client.

use super::row::RowExt;
use super::ConnectOptions;
use crate::error::{Error, Result};

/// A session's facts, from the server's side.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// `current_user`.
    pub user: String,
    /// `current_database()`.
    pub database: String,
    /// `application_name` (`pgark` unless the URL or `PGAPPNAME` set one).
    pub application_name: String,
    /// Whether the session is encrypted (`pg_stat_ssl`).
    pub ssl: bool,
    /// `server_version`, e.g. `16.2`.
    pub server_version: String,
}

const SESSION_SQL: &str = "SELECT current_user::text, pg_catalog.current_database()::text, \
     pg_catalog.current_setting('application_name'), \
     coalesce((SELECT s.ssl FROM pg_catalog.pg_stat_ssl s \
               WHERE s.pid = pg_catalog.pg_backend_pid()), false), \
     pg_catalog.current_setting('server_version')";

impl ConnectOptions {
    /// Opens a session as a backup would (TLS, password file, the
    /// environment), reads what it is and closes it: a check of a
    /// configuration before a backup is scheduled.
    pub async fn check(&self) -> Result<SessionInfo> {
        let (client, _) = self.connect().await?;
        let row = client
            .query_one(SESSION_SQL, &[])
            .await
            .map_err(|e| Error::query("reading the session", &e))?;
        Ok(SessionInfo {
            user: row.col(0)?,
            database: row.col(1)?,
            application_name: row.col(2)?,
            ssl: row.col(3)?,
            server_version: row.col(4)?,
        })
    }
}
