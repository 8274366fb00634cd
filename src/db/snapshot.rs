//! The session settings and snapshot every catalog query and COPY runs in.

use tokio_postgres::{Client, Row};

use crate::db::row::RowExt;
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
    /// The database name as an SQL identifier.
    pub db_quoted: String,
    /// The database's owner.
    pub db_owner: String,
    /// The comment on the database.
    pub db_comment: Option<String>,
    /// How the database was created, for `CREATE DATABASE` (`pg_restore -C`).
    pub db_create: DatabaseCreate,
    /// Database-level properties (`DATABASE PROPERTIES`).
    pub db_props: DatabaseProperties,
}

/// What `CREATE DATABASE` needs to recreate the database's locale.
#[derive(Debug, Clone, Default)]
pub struct DatabaseCreate {
    /// The database's own encoding (the dump itself is UTF8).
    pub encoding: String,
    /// `datlocprovider`: `c` libc, `i` icu, `b` builtin.
    pub locale_provider: char,
    /// `datcollate`.
    pub collate: String,
    /// `datctype`.
    pub ctype: String,
    /// `daticulocale` (15, 16) or `datlocale` (17+).
    pub locale: Option<String>,
    /// `daticurules` (16+).
    pub icu_rules: Option<String>,
    /// The database's tablespace.
    pub tablespace: String,
}

/// Database settings pg_dump restores with `--create`.
#[derive(Debug, Clone, Default)]
pub struct DatabaseProperties {
    /// `datconnlimit`.
    pub conn_limit: i32,
    /// `datistemplate`.
    pub is_template: bool,
    /// `datallowconn`.
    pub allow_connections: bool,
    /// `ALTER DATABASE ... SET` items, `name=value`.
    pub settings: Vec<String>,
    /// `ALTER ROLE ... IN DATABASE ... SET` items: role, `name=value`.
    pub role_settings: Vec<(String, String)>,
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
    session_setup(client).await?;
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .await
        .map_err(|e| Error::query("starting the snapshot", &e))?;
    let row = client
        .query_one(
            "SELECT current_setting('server_version_num')::int4, current_setting('server_version'), \
             pg_catalog.pg_encoding_to_char(d.encoding), \
             current_setting('standard_conforming_strings') = 'on', d.datname::text, d.oid, \
             pg_catalog.pg_get_userbyid(d.datdba)::text, \
             pg_catalog.shobj_description(d.oid, 'pg_database'), \
             d.datlocprovider::text, d.datcollate::text, d.datctype::text, \
             coalesce(pg_catalog.to_jsonb(d) ->> 'datlocale', pg_catalog.to_jsonb(d) ->> 'daticulocale'), \
             pg_catalog.to_jsonb(d) ->> 'daticurules', \
             (SELECT t.spcname::text FROM pg_catalog.pg_tablespace t WHERE t.oid = d.dattablespace), \
             d.datconnlimit, d.datistemplate, d.datallowconn, \
             ARRAY(SELECT pg_catalog.unnest(s.setconfig) FROM pg_catalog.pg_db_role_setting s \
                   WHERE s.setrole = 0 AND s.setdatabase = d.oid), \
             ARRAY(SELECT r.rolname::text FROM pg_catalog.pg_db_role_setting s \
                   JOIN pg_catalog.pg_roles r ON r.oid = s.setrole, pg_catalog.unnest(s.setconfig) AS c \
                   WHERE s.setdatabase = d.oid ORDER BY r.rolname, c), \
             ARRAY(SELECT c FROM pg_catalog.pg_db_role_setting s \
                   JOIN pg_catalog.pg_roles r ON r.oid = s.setrole, pg_catalog.unnest(s.setconfig) AS c \
                   WHERE s.setdatabase = d.oid ORDER BY r.rolname, c), \
             pg_catalog.quote_ident(d.datname) \
             FROM pg_catalog.pg_database d WHERE d.datname = pg_catalog.current_database()",
            &[],
        )
        .await
        .map_err(|e| Error::query("reading the server version", &e))?;
    let info = server_info(&row)?;
    if info.major() < 15 {
        return Err(Error::Config(format!(
            "PostgreSQL {} is not supported (pgark dumps PostgreSQL 15 and newer)",
            info.version
        )));
    }
    Ok(info)
}

/// The server and database facts of the row of [`begin_snapshot`]'s query.
fn server_info(row: &Row) -> Result<ServerInfo> {
    Ok(ServerInfo {
        version_num: row.col(0)?,
        version: row.col(1)?,
        encoding: row.col(2)?,
        std_strings: row.col(3)?,
        dbname: row.col(4)?,
        db_oid: row.col(5)?,
        db_quoted: row.col(20)?,
        db_owner: row.col(6)?,
        db_comment: row.col(7)?,
        db_create: database_create(row)?,
        db_props: database_properties(row)?,
    })
}

/// How the database was created (encoding, locale, tablespace), from
/// the row of [`begin_snapshot`]'s query.
fn database_create(row: &Row) -> Result<DatabaseCreate> {
    Ok(DatabaseCreate {
        encoding: row.col(2)?,
        locale_provider: row.col::<_, String>(8)?.chars().next().unwrap_or('c'),
        collate: row.col(9)?,
        ctype: row.col(10)?,
        locale: row.col(11)?,
        icu_rules: row.col(12)?,
        tablespace: row.col::<_, Option<String>>(13)?.unwrap_or_default(),
    })
}

/// The database's properties and settings, from the row of
/// [`begin_snapshot`]'s query.
fn database_properties(row: &Row) -> Result<DatabaseProperties> {
    Ok(DatabaseProperties {
        conn_limit: row.col(14)?,
        is_template: row.col(15)?,
        allow_connections: row.col(16)?,
        settings: row.col(17)?,
        role_settings: row
            .col::<_, Vec<String>>(18)?
            .into_iter()
            .zip(row.col::<_, Vec<String>>(19)?)
            .collect(),
    })
}

/// pg_dump's session settings; an empty search_path makes every
/// pg_get_*def() and format_type() schema-qualify what it prints.
async fn session_setup(client: &Client) -> Result<()> {
    client
        .batch_execute(
            "SET DateStyle = ISO; SET IntervalStyle = postgres; SET extra_float_digits TO 3; \
             SET synchronize_seqscans TO off; SET statement_timeout = 0; SET lock_timeout = 0; \
             SET idle_in_transaction_session_timeout = 0; SET row_security = off; \
             SET quote_all_identifiers = off; \
             SELECT pg_catalog.set_config('search_path', '', false)",
        )
        .await
        .map_err(|e| Error::query("session setup", &e))
}

/// Exports the snapshot of the coordinator's transaction for the workers.
pub async fn export_snapshot(client: &Client) -> Result<String> {
    let row = client
        .query_one("SELECT pg_catalog.pg_export_snapshot()", &[])
        .await
        .map_err(|e| Error::query("exporting the snapshot", &e))?;
    row.col(0)
}

/// A worker's session: pg_dump's settings, in the coordinator's snapshot.
pub async fn join_snapshot(client: &Client, snapshot: &str) -> Result<()> {
    session_setup(client).await?;
    let id = crate::schema::quote::literal(snapshot, true);
    client
        .batch_execute(&format!(
            "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET TRANSACTION SNAPSHOT {id}"
        ))
        .await
        .map_err(|e| Error::query("joining the snapshot", &e))
}

/// Takes ACCESS SHARE locks on `tables` (qualified, quoted names), as
/// pg_dump does, so no table is dropped or rewritten under the dump; a
/// lock that does not come within `timeout` names its table. The
/// statements are pipelined: one round trip for any number of tables.
pub async fn lock_tables(
    client: &Client,
    tables: &[String],
    timeout: std::time::Duration,
) -> Result<()> {
    if tables.is_empty() {
        return Ok(());
    }
    client
        .batch_execute(&format!(
            "SET lock_timeout = {}",
            timeout.as_millis().max(1)
        ))
        .await
        .map_err(|e| Error::query("setting lock_timeout", &e))?;
    let statements: Vec<String> = tables
        .iter()
        .map(|t| format!("LOCK TABLE {t} IN ACCESS SHARE MODE"))
        .collect();
    let results =
        futures_util::future::join_all(statements.iter().map(|s| client.batch_execute(s))).await;
    for (table, result) in tables.iter().zip(results) {
        if let Err(e) = result {
            let code = e.code().map(|c| c.code().to_owned());
            return Err(match code.as_deref() {
                Some("55P03") => Error::Database {
                    context: format!("locking table {table}"),
                    message: format!(
                        "another session holds a conflicting lock and it was not released within {} s \
                         (see pg_locks/pg_stat_activity; raise --lock-wait-timeout to wait longer)",
                        timeout.as_secs_f64()
                    ),
                },
                Some("53200") => Error::Database {
                    context: format!("locking table {table}"),
                    message: "out of shared memory: the dump needs one lock per table; \
                              raise max_locks_per_transaction on the server"
                        .into(),
                },
                _ => Error::query(&format!("locking table {table}"), &e),
            });
        }
    }
    client
        .batch_execute("SET lock_timeout = 0")
        .await
        .map_err(|e| Error::query("resetting lock_timeout", &e))
}
