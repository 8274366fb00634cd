//! The session settings and snapshot every catalog query and COPY runs in.

use tokio_postgres::Client;

use crate::error::{Error, Result};

/// What the source server told us about itself.
#[derive(Debug, Clone)]
pub struct ServerInfo {
    /// `server_version_num`, e.g. 160002.
    pub version_num: i32,
    /// `server_version`, e.g. `16.2`.
    pub version: String,
    /// The database's encoding name.
    pub encoding: String,
    /// `standard_conforming_strings`.
    pub std_strings: bool,
    /// The database name.
    pub dbname: String,
    /// The database's OID.
    pub db_oid: u32,
    /// The database's owner.
    pub db_owner: String,
    /// The comment on the database.
    pub db_comment: Option<String>,
}

impl ServerInfo {
    /// The major version (15, 16, ...).
    pub fn major(&self) -> u32 {
        (self.version_num / 10000) as u32
    }
}

/// Sets the session up the way pg_dump does and opens one REPEATABLE READ
/// READ ONLY transaction: everything read afterwards sees one snapshot.
pub async fn begin_snapshot(client: &Client) -> Result<ServerInfo> {
    let q = |sql: &'static str| async move {
        client
            .batch_execute(sql)
            .await
            .map_err(|e| Error::query("session setup", &e))
    };
    q(
        "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits TO 3; \
       SET synchronize_seqscans TO off; SET statement_timeout = 0; SET lock_timeout = 0; \
       SET idle_in_transaction_session_timeout = 0; SET row_security = off; \
       SET quote_all_identifiers = off",
    )
    .await?;
    q("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY").await?;
    // An empty search_path makes every pg_get_*def() and format_type()
    // schema-qualify what it prints.
    q("SELECT pg_catalog.set_config('search_path', '', false)").await?;
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int4, current_setting('server_version'), \
             pg_catalog.pg_encoding_to_char(d.encoding), \
             current_setting('standard_conforming_strings') = 'on', d.datname::text, d.oid, \
             pg_catalog.pg_get_userbyid(d.datdba)::text, \
             pg_catalog.shobj_description(d.oid, 'pg_database') \
             FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()",
            &[],
        )
        .await
        .map_err(|e| Error::query("reading the server version", &e))?;
    let info = ServerInfo {
        version_num: row.get(0),
        version: row.get(1),
        encoding: row.get(2),
        std_strings: row.get(3),
        dbname: row.get(4),
        db_oid: row.get(5),
        db_owner: row.get(6),
        db_comment: row.get(7),
    };
    if info.major() < 15 {
        return Err(Error::Config(format!(
            "PostgreSQL {} is not supported (pgark dumps PostgreSQL 15 and newer)",
            info.version
        )));
    }
    Ok(info)
}
