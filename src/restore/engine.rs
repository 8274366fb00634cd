//! One restore connection: pg_restore's `restore_toc_entry` and
//! `_printTocEntry` for one entry at a time, with pg_restore's error
//! handling.
//!
//! A failed statement is counted and the restore goes on
//! (`warn_or_exit_horribly`), or stops with `exit_on_error`. The protocol
//! state stays clean: a COPY refused by the server is ended, its data read
//! past; a COPY whose start failed leaves tokio-postgres one answer ahead
//! of the server (its driver sends `CopyFail` and `Sync` after the error),
//! so the connection is replaced by a new one with the same session
//! settings. When the server closes the connection (the backend was
//! terminated), pg_restore keeps going on the dead connection, every later
//! statement failing with "no connection to the server"; so does this.

use std::collections::HashSet;
use std::pin::pin;

use archive_format::{EntryName, TocEntry};
use bytes::Bytes;
use futures_util::SinkExt;
use tokio_postgres::Client;

pub(super) mod split;

use super::data::{Blocks, Piece};
use super::failure::{self, EntryError};
use super::{statements, RestoreOptions, RestoreReport, Session};
use crate::db::cancel::Running;
use crate::error::{Error, Result};

/// COPY data is sent to the server in pieces of about this size.
const SEND_SIZE: usize = 256 * 1024;
/// Large object bytes are written with `lowrite` in pieces of this size.
const LO_WRITE_SIZE: usize = 1024 * 1024;
/// `INV_WRITE`.
const INV_WRITE: i32 = 0x0002_0000;

pub(super) struct Engine<'a> {
    client: Client,
    pub(super) opts: &'a RestoreOptions,
    /// The database connected to: `opts.url`'s, or with `create` the one
    /// the DATABASE entry created.
    pub(super) url: String,
    exit_on_error: bool,
    /// pg_restore's session statements, run again on a new connection.
    setup_sql: String,
    std_strings: bool,
    /// The archive has a SEARCHPATH entry: no per-entry search_path.
    fixed_search_path: bool,
    schema: Option<String>,
    tablespace: Option<String>,
    table_am: Option<String>,
    /// A worker of a parallel restore (`is_parallel` in pg_restore).
    pub(super) parallel: bool,
    /// Tables (by catalog OID) created without error in this run
    /// (`te->created`): a parallel worker loads their data in a
    /// transaction after `TRUNCATE`, as pg_restore does.
    pub(super) created: HashSet<u32>,
    pub(super) report: RestoreReport,
    /// Every connection opened, for the cancel requests of an interrupted
    /// restore.
    running: Running,
}

/// Where a failure happened, for its report.
struct Failure<'s> {
    context: String,
    command: Option<&'s str>,
}

impl<'s> Failure<'s> {
    /// `ExecuteSqlCommand`'s "could not execute query" with the statement.
    fn query(command: &'s str) -> Self {
        Failure {
            context: "could not execute query".into(),
            command: Some(command),
        }
    }

    fn bare(context: String) -> Self {
        Failure {
            context,
            command: None,
        }
    }
}

impl<'a> Engine<'a> {
    /// A new connection with pg_restore's session settings (after `BEGIN`
    /// with `begin`).
    pub(super) async fn connect(
        opts: &'a RestoreOptions,
        url: String,
        session: &Session,
        begin: bool,
    ) -> Result<Self> {
        let client = open(&url, begin, &session.running).await?;
        let version: i32 = client
            .query_one("SELECT current_setting('server_version_num')::int", &[])
            .await
            .map_err(|e| Error::query("reading the server version", &e))?
            .get(0);
        let engine = Engine {
            client,
            opts,
            url,
            exit_on_error: opts.exit_on_error || opts.single_transaction,
            setup_sql: session.statements(version),
            std_strings: session.std_strings,
            fixed_search_path: session.search_path.is_some(),
            schema: None,
            tablespace: None,
            table_am: None,
            parallel: false,
            created: HashSet::new(),
            report: RestoreReport::default(),
            running: session.running.clone(),
        };
        engine.setup(&engine.setup_sql).await?;
        Ok(engine)
    }

    /// Replaces the connection by a new one with the same session settings
    /// (after a COPY whose start failed, see the module docs).
    async fn reconnect(&mut self) -> Result<()> {
        self.client = open(&self.url, false, &self.running).await?;
        self.schema = None;
        self.tablespace = None;
        self.table_am = None;
        self.setup(&self.setup_sql).await
    }

    /// A statement that must succeed (session setup, transaction control).
    pub(super) async fn setup(&self, sql: &str) -> Result<()> {
        self.client
            .batch_execute(sql)
            .await
            .map_err(|e| Error::query("setting up the restore session", &e))
    }

    /// Records a failed statement of `entry`: stops the restore with
    /// `exit_on_error`, else counts it and goes on.
    fn failed(
        &mut self,
        entry: &EntryName,
        f: Failure<'_>,
        e: &tokio_postgres::Error,
    ) -> Result<()> {
        self.failed_with(entry, f, failure::server_message(e))
    }

    /// [`Engine::failed`] with the message already worded.
    fn failed_with(&mut self, entry: &EntryName, f: Failure<'_>, message: String) -> Result<()> {
        let error = EntryError {
            entry: entry.to_string(),
            context: f.context,
            message,
            command: f.command.map(str::to_owned),
        };
        if self.exit_on_error {
            return Err(Error::Database {
                context: format!("restoring {entry} (stopped at the first error: --exit-on-error)"),
                message: error.to_string(),
            });
        }
        self.report.errors.push(error);
        self.report.error_count += 1;
        Ok(())
    }

    /// Runs `sql` for `e`; a failure is pg_restore's "could not execute
    /// query".
    pub(super) async fn exec(&mut self, e: &TocEntry, sql: &str) -> Result<()> {
        self.exec_as(&e.name(), Failure::query(sql), sql).await
    }

    async fn exec_as(&mut self, name: &EntryName, f: Failure<'_>, sql: &str) -> Result<()> {
        if let Err(err) = self.client.batch_execute(sql).await {
            self.failed(name, f, &err)?;
        }
        Ok(())
    }

    /// The end of the restore: pg_restore sends its closing comment as a
    /// statement too, and counts its failure when the connection is gone.
    pub(super) async fn finish(&mut self, last: Option<&TocEntry>) -> Result<()> {
        let sql = "--\n-- PostgreSQL database dump complete\n--\n\n";
        if let Err(err) = self.client.batch_execute(sql).await {
            let name = last.map(TocEntry::name).unwrap_or_else(|| EntryName {
                dump_id: 0,
                desc: String::new(),
                namespace: None,
                tag: "end of restore".into(),
            });
            self.failed(&name, Failure::query(sql), &err)?;
        }
        Ok(())
    }

    /// `_selectOutputSchema`: only for old archives without SEARCHPATH.
    pub(super) async fn select_schema(&mut self, e: &TocEntry) -> Result<()> {
        if self.fixed_search_path {
            return Ok(());
        }
        let Some(ns) = e.namespace_lossy().filter(|n| !n.is_empty()) else {
            return Ok(());
        };
        if self.schema.as_deref() == Some(&*ns) {
            return Ok(());
        }
        let mut sql = format!("SET search_path = {}", statements::quote_ident(&ns));
        if ns != "pg_catalog" {
            sql.push_str(", pg_catalog");
        }
        let f = Failure::bare(format!("could not set search_path to \"{ns}\""));
        self.exec_as(&e.name(), f, &sql).await?;
        self.schema = Some(ns.into_owned());
        Ok(())
    }

    /// Forgets the schema set last (after `--clean` may have dropped it).
    pub(super) fn forget_schema(&mut self) {
        self.schema = None;
    }

    /// `_selectTablespace` and `_selectTableAccessMethod`.
    async fn select_storage(&mut self, e: &TocEntry) -> Result<()> {
        if let Some(ts) = e.tablespace.as_deref().map(String::from_utf8_lossy) {
            if self.tablespace.as_deref() != Some(&*ts) {
                let sql = format!("SET default_tablespace = {}", statements::quote_ident(&ts));
                let sql = if ts.is_empty() {
                    "SET default_tablespace = ''".to_owned()
                } else {
                    sql
                };
                let f = Failure::bare(format!(
                    "could not set default_tablespace to {}",
                    statements::quote_ident(&ts)
                ));
                self.exec_as(&e.name(), f, &sql).await?;
                self.tablespace = Some(ts.into_owned());
            }
        }
        if e.relkind == b'p' {
            return Ok(());
        }
        if let Some(am) = e.table_am.as_deref().map(String::from_utf8_lossy) {
            if self.table_am.as_deref() != Some(&*am) {
                let sql = format!(
                    "SET default_table_access_method = {}",
                    statements::quote_ident(&am)
                );
                let f = Failure::bare("could not set default_table_access_method".into());
                self.exec_as(&e.name(), f, &sql).await?;
                self.table_am = Some(am.into_owned());
            }
        }
        Ok(())
    }

    /// `restore_toc_entry`: definition, owner, data.
    pub(super) async fn restore_entry(&mut self, e: &TocEntry, blocks: &mut Blocks) -> Result<()> {
        crate::cancel::check(self.opts.cancel.as_ref())?;
        self.report.entries += 1;
        let errors_before = self.report.error_count;
        self.define(e).await?;
        if e.desc == "TABLE" && self.report.error_count == errors_before {
            self.created.insert(e.catalog_id.oid);
        }
        // `_reconnectToDB`: into the database just created, and again
        // after its properties changed, so that its settings apply.
        if self.opts.create && matches!(e.desc.as_str(), "DATABASE" | "DATABASE PROPERTIES") {
            self.url = crate::drill::with_dbname(&self.opts.url, &url_encode(&e.tag_lossy()))?;
            self.reconnect().await?;
        }
        if !e.had_dumper || self.opts.schema_only {
            return Ok(());
        }
        self.load_data(e, blocks).await
    }

    /// An entry's schema part: its definition, owner, and a partitioned
    /// table's access method.
    async fn define(&mut self, e: &TocEntry) -> Result<()> {
        self.select_schema(e).await?;
        self.select_storage(e).await?;
        if let Some(sql) = statements::definition(e, self.opts.no_owner) {
            self.exec(e, &sql).await?;
        }
        if !self.opts.no_owner {
            if let Some(sql) = statements::alter_owner(e) {
                self.exec(e, &sql).await?;
            }
        }
        if e.relkind != b'p' {
            return Ok(());
        }
        let am = e
            .table_am
            .as_deref()
            .map(String::from_utf8_lossy)
            .filter(|a| !a.is_empty());
        if let Some(am) = am {
            let sql = format!(
                "ALTER TABLE {}.{} SET ACCESS METHOD {}",
                statements::quote_ident(&e.namespace_lossy().unwrap_or_default()),
                statements::quote_ident(&e.tag_lossy()),
                statements::quote_ident(&am)
            );
            self.exec(e, &sql).await?;
        }
        Ok(())
    }

    /// An entry's data block: large objects, COPY or INSERTs; with `-j`, a
    /// table created in this run is loaded in one transaction after
    /// `TRUNCATE` (pg_restore's `use_truncate`).
    async fn load_data(&mut self, e: &TocEntry, blocks: &mut Blocks) -> Result<()> {
        let name = e.name();
        blocks.open(&name)?;
        if e.is_blobs() {
            return self.large_objects(&name, blocks).await;
        }
        let copy = e
            .copy_stmt
            .as_deref()
            .map(String::from_utf8_lossy)
            .filter(|c| !c.trim().is_empty());
        let truncate = self.parallel
            && self.created.contains(&e.catalog_id.oid)
            && !statements::is_load_via_partition_root(e);
        if truncate {
            self.begin_truncated(e, &name).await?;
        }
        match copy {
            Some(stmt) => self.copy(e, &stmt, blocks).await?,
            None => self.inserts(&name, blocks).await?,
        }
        if truncate {
            let f = Failure {
                context: "could not commit database transaction".into(),
                command: Some("COMMIT"),
            };
            self.exec_as(&name, f, "COMMIT").await?;
        }
        Ok(())
    }

    /// `BEGIN` and `TRUNCATE TABLE ONLY` the table of `e`.
    async fn begin_truncated(&mut self, e: &TocEntry, name: &EntryName) -> Result<()> {
        let f = Failure {
            context: "could not start database transaction".into(),
            command: Some("BEGIN"),
        };
        self.exec_as(name, f, "BEGIN").await?;
        let sql = format!(
            "TRUNCATE TABLE ONLY {}.{};\n\n",
            statements::quote_ident(&e.namespace_lossy().unwrap_or_default()),
            statements::quote_ident(&e.tag_lossy())
        );
        self.exec(e, &sql).await
    }

    /// Data as SQL statements (pg_dump --inserts): each statement on its
    /// own (`ExecuteSimpleCommands`), as the block is read, never the
    /// whole block in memory.
    async fn inserts(&mut self, name: &EntryName, blocks: &mut Blocks) -> Result<()> {
        let mut commands = failure::SimpleCommands::new(self.std_strings);
        let mut piece = Vec::new();
        loop {
            piece.clear();
            let end = blocks.next(&mut piece)? == Piece::End;
            for stmt in commands.feed(&piece) {
                self.exec_as(name, Failure::query(&stmt), &stmt).await?;
            }
            if end {
                return Ok(());
            }
        }
    }

    /// `COPY ... FROM STDIN` fed with the block as stored. An archive error
    /// drops the sink, which aborts the COPY.
    async fn copy(&mut self, e: &TocEntry, stmt: &str, blocks: &mut Blocks) -> Result<()> {
        let name = e.name();
        let prepared = match self.client.prepare(stmt).await {
            Ok(p) => p,
            Err(err) => {
                self.failed(&name, Failure::query(stmt), &err)?;
                return blocks.skip();
            }
        };
        let sink = match self.client.copy_in::<_, Bytes>(&prepared).await {
            Ok(sink) => sink,
            Err(err) => {
                self.failed(&name, Failure::query(stmt), &err)?;
                if desynced(&err) {
                    self.reconnect().await?;
                }
                return blocks.skip();
            }
        };
        let failed_copy = || Failure::bare(format!("COPY failed for table \"{}\"", e.tag_lossy()));
        let mut sink = pin!(sink);
        let mut buf = Vec::with_capacity(SEND_SIZE * 2);
        loop {
            let piece = blocks.next(&mut buf)?;
            let end = piece == Piece::End;
            if (end && !buf.is_empty()) || buf.len() >= SEND_SIZE {
                let chunk = Bytes::from(std::mem::replace(
                    &mut buf,
                    Vec::with_capacity(SEND_SIZE * 2),
                ));
                if let Err(err) = sink.send(chunk).await {
                    // Only a connection gone makes a send fail.
                    self.copy_lost(&name, failed_copy(), &err)?;
                    return if end { Ok(()) } else { blocks.skip() };
                }
            }
            if end {
                break;
            }
        }
        match sink.as_mut().finish().await {
            Ok(rows) => self.report.rows += rows,
            Err(err) if err.is_closed() => self.copy_lost(&name, failed_copy(), &err)?,
            Err(err) => self.failed(&name, failed_copy(), &err)?,
        }
        Ok(())
    }

    /// A COPY whose connection went away: the server's last word (a FATAL
    /// error) is not readable any more; say what libpq says.
    fn copy_lost(
        &mut self,
        name: &EntryName,
        f: Failure<'_>,
        e: &tokio_postgres::Error,
    ) -> Result<()> {
        self.failed(name, f, e)?;
        if let Some(last) = self.report.errors.last_mut() {
            last.message = "server closed the connection unexpectedly".into();
        }
        Ok(())
    }

    /// A BLOBS block: every large object opened (it was created by its
    /// BLOB or BLOB METADATA entry) and written, in one transaction unless
    /// the whole restore is one. A failed BEGIN or COMMIT is counted; a
    /// large object that cannot be opened or written stops the restore, as
    /// in pg_restore.
    async fn large_objects(&mut self, name: &EntryName, blocks: &mut Blocks) -> Result<()> {
        let own_txn = !self.opts.single_transaction;
        let fatal = |what: String, e: tokio_postgres::Error| Error::query(&what, &e);
        if own_txn {
            let f = Failure {
                context: "could not start database transaction".into(),
                command: Some("BEGIN"),
            };
            self.exec_as(name, f, "BEGIN").await?;
        }
        let mut buf = Vec::new();
        let mut open: Option<(u32, i32)> = None;
        loop {
            let piece = blocks.next(&mut buf)?;
            let flush = match piece {
                Piece::Data => buf.len() >= LO_WRITE_SIZE,
                Piece::LargeObjectEnd => true,
                Piece::LargeObjectStart(_) | Piece::End => false,
            };
            if flush && !buf.is_empty() {
                if let Some((oid, fd)) = open {
                    self.client
                        .execute("SELECT pg_catalog.lowrite($1, $2)", &[&fd, &buf])
                        .await
                        .map_err(|e| {
                            fatal(
                                format!("could not write to large object {oid} of {name}"),
                                e,
                            )
                        })?;
                }
                buf.clear();
            }
            match piece {
                Piece::LargeObjectStart(oid) => {
                    let fd: i32 = self
                        .client
                        .query_one("SELECT pg_catalog.lo_open($1, $2)", &[&oid, &INV_WRITE])
                        .await
                        .map_err(|e| {
                            fatal(format!("could not open large object {oid} of {name}"), e)
                        })?
                        .get(0);
                    open = Some((oid, fd));
                }
                Piece::LargeObjectEnd => {
                    if let Some((oid, fd)) = open.take() {
                        self.client
                            .execute("SELECT pg_catalog.lo_close($1)", &[&fd])
                            .await
                            .map_err(|e| {
                                fatal(format!("could not close large object {oid} of {name}"), e)
                            })?;
                        self.report.large_objects += 1;
                    }
                }
                Piece::End => break,
                Piece::Data => {}
            }
        }
        if own_txn {
            let f = Failure {
                context: "could not commit database transaction".into(),
                command: Some("COMMIT"),
            };
            self.exec_as(name, f, "COMMIT").await?;
        }
        Ok(())
    }
}

/// A database name as a URL path segment.
pub(super) fn url_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Opens a connection (and a transaction with `begin`).
async fn open(url: &str, begin: bool, running: &Running) -> Result<Client> {
    let (client, _target) = crate::db::connect(url).await?;
    running.register(&client);
    if begin {
        client
            .batch_execute("BEGIN")
            .await
            .map_err(|e| Error::query("setting up the restore session", &e))?;
    }
    Ok(client)
}

/// Whether a COPY that failed to start left the connection one answer
/// ahead of the server: the server refused it with an ordinary ERROR (the
/// session lives on), so tokio-postgres's `CopyFail` and `Sync` will get an
/// answer nobody waits for, and the driver closes the connection when it
/// reads it, sooner or later. The connection is replaced whatever
/// `Client::is_closed` says at this instant (checking it raced with the
/// driver: under load the restore went on with a dead connection). A FATAL
/// (the backend terminated) leaves a dead connection, as pg_restore does.
pub(super) fn desynced(err: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::Severity;
    err.as_db_error().is_some_and(|db| {
        !matches!(
            db.parsed_severity(),
            Some(Severity::Fatal | Severity::Panic)
        )
    })
}
