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
    let info = ServerInfo {
        version_num: row.get(0),
        version: row.get(1),
        encoding: row.get(2),
        std_strings: row.get(3),
        dbname: row.get(4),
        db_oid: row.get(5),
        db_quoted: row.get(20),
        db_owner: row.get(6),
        db_comment: row.get(7),
        db_create: DatabaseCreate {
            encoding: row.get(2),
            locale_provider: row.get::<_, String>(8).chars().next().unwrap_or('c'),
            collate: row.get(9),
            ctype: row.get(10),
            locale: row.get(11),
            icu_rules: row.get(12),
            tablespace: row.get::<_, Option<String>>(13).unwrap_or_default(),
        },
        db_props: DatabaseProperties {
            conn_limit: row.get(14),
            is_template: row.get(15),
            allow_connections: row.get(16),
            settings: row.get(17),
            role_settings: row
                .get::<_, Vec<String>>(18)
                .into_iter()
                .zip(row.get::<_, Vec<String>>(19))
                .collect(),
        },
    };
    if info.major() < 15 {
        return Err(Error::Config(format!(
            "PostgreSQL {} is not supported (pgark dumps PostgreSQL 15 and newer)",
            info.version
        )));
    }
    Ok(info)
}
