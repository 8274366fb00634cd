//! `pgark backup`: one database to one custom archive, without pg_dump.
//!
//! Connect, open one REPEATABLE READ READ ONLY snapshot, read the catalogs
//! in a fixed number of queries, build pg_dump's TOC, then stream every
//! table's COPY output and every large object into the archive, written
//! under a temporary name and renamed into place when complete.

mod contents;
mod output;
mod pipeline;
mod record;
mod session;
mod sink;
mod split;
mod target;
mod warnings;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use archive_format::{ArchiveVersion, Compression, CreateTime};

use crate::db::row::RowExt;
use crate::db::ServerInfo;
use crate::error::{Error, Result};
use crate::manifest::{self, Manifest};
use crate::runtime::now_unix;
use crate::schema;
use crate::sink::s3::{S3ClientOptions, S3Sink, S3SinkOptions};
use crate::S3Url;

use contents::Contents;
use output::{copy_data, Output};
use pipeline::Written;
use session::Session;
pub use sink::{ArchiveSink, FileSink, StdoutSink, Stored};
pub use split::SplitTable;
pub(crate) use target::safe_name;
pub use target::{into_file, PendingFile, Target};

/// Which archive version to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FormatVersion {
    /// The newest version the source server's own pg_restore reads
    /// (PostgreSQL 15: 1.14, 16: 1.15, 17 and 18: 1.16).
    #[default]
    Auto,
    /// This version.
    Fixed(ArchiveVersion),
}

impl std::str::FromStr for FormatVersion {
    type Err = String;

    fn from_str(s: &str) -> std::result::Result<Self, String> {
        if s == "auto" {
            return Ok(FormatVersion::Auto);
        }
        let v: ArchiveVersion = s
            .parse()
            .map_err(|e: archive_format::ParseVersionError| e.to_string())?;
        if !matches!(v.minor, 14..=16) || v.major != 1 {
            return Err(format!(
                "archive version {v} cannot be written (choose auto, 1.14, 1.15 or 1.16)"
            ));
        }
        Ok(FormatVersion::Fixed(v))
    }
}

/// What to back up and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BackupOptions {
    /// libpq-style URL of the source database.
    pub database_url: String,
    /// Where the archive goes.
    pub target: Target,
    /// Data compression.
    pub compression: Compression,
    /// Archive version.
    pub format_version: FormatVersion,
    /// Dump privileges (GRANT/REVOKE, default privileges), like pg_dump
    /// without `--no-acl`. Owners are always recorded, as pg_dump does in
    /// archives; `pg_restore --no-owner` skips them.
    pub acl: bool,
    /// Write the backup even though the database has objects pgark cannot
    /// dump (they are listed in [`BackupReport::unknown`]); without it the
    /// backup fails with [`Error::Unsupported`] before writing anything.
    pub allow_unknown: bool,
    /// Database connections reading tables at once (pg_dump's `--jobs`).
    pub jobs: usize,
    /// Threads compressing a table's data.
    pub compress_threads: usize,
    /// Plain tables whose heap (`pg_relation_size`) has at least this many
    /// bytes are read in block ranges by all the connections at once
    /// (PostgreSQL 14 and later, when the range query is a TID range
    /// scan); `None`: every table is read by one COPY.
    pub split_threshold: Option<u64>,
    /// How long to wait for each table's ACCESS SHARE lock.
    pub lock_wait_timeout: Duration,
    /// How to reach S3 (for S3 targets).
    pub s3: S3ClientOptions,
    /// Part sizes, concurrency and retries of S3 uploads.
    pub s3_sink: S3SinkOptions,
    /// The name in the archive's file name or key (default: the
    /// database's).
    pub name: Option<String>,
    /// The database named in this backup's [`PHASE`] and [`PROGRESS`]
    /// events (set by `--all-databases`).
    pub(crate) log_database: Option<String>,
    /// Encrypt the archive to these recipients with age (`.age` is
    /// appended to its name or key) and seal the manifest's names and
    /// counts to them ([`crate::crypt`]).
    pub encrypt_to: Option<crate::crypt::Recipients>,
    /// The time (Unix seconds, UTC) named in the archive's file name or
    /// key (`<name>-<stamp>.dump`, and the key's `YYYY/MM/DD/`); default:
    /// when the backup starts. [`crate::cluster`] gives every database of
    /// a run the run's, so that its archives share one stamp.
    pub stamp_at: Option<i64>,
    /// What the archive holds: pg_dump's selection options
    /// ([`crate::select::Selection`]); the default is everything.
    pub selection: crate::select::Selection,
    /// Also write the cluster's globals (roles, memberships, tablespaces,
    /// the database's grants and settings: [`crate::globals`]) beside the
    /// archive as `<archive>.globals.sql`, recorded in the manifest. Not
    /// for standard output nor encrypted archives.
    pub globals: bool,
    /// Cancelling it stops the backup as [`backup_until`]'s `stop` does:
    /// nothing is left under the target name, and it returns
    /// [`Error::Interrupted`].
    pub cancel: Option<crate::CancellationToken>,
}

/// The `tracing` target of one line per phase of a backup (connected,
/// catalog read, locked, data written, manifest written): INFO events with
/// a `message` and, in an `--all-databases` run, a `database` field.
pub const PHASE: &str = "pgark::phase";

/// The `tracing` target of the data's progress (bytes, entries, rate),
/// about once a second while a subscriber listens: INFO events like
/// [`PHASE`]'s.
pub const PROGRESS: &str = "pgark::progress";

impl BackupOptions {
    pub(crate) fn phase(&self, line: impl FnOnce() -> String) {
        if tracing::enabled!(target: "pgark::phase", tracing::Level::INFO) {
            let database = self.log_database.as_deref();
            tracing::info!(target: "pgark::phase", database, "{}", line());
        }
    }
}

impl BackupOptions {
    /// Options for `database_url` to `target` with the defaults: gzip
    /// level 2 (on the benchmark's data within 6% of level 6's size, about
    /// twice as fast), archive version auto, no ACLs, one
    /// reading connection and one compression thread per core, locks
    /// waited for up to a minute, S3 settings from the AWS configuration
    /// chain ([`S3ClientOptions::default`]).
    pub fn new(database_url: impl Into<String>, target: Target) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        BackupOptions {
            database_url: database_url.into(),
            target,
            compression: Compression::Gzip { level: 2 },
            format_version: FormatVersion::Auto,
            acl: false,
            allow_unknown: false,
            jobs: cores,
            compress_threads: cores,
            split_threshold: Some(DEFAULT_SPLIT_THRESHOLD),
            lock_wait_timeout: Duration::from_secs(60),
            s3: S3ClientOptions::default(),
            s3_sink: S3SinkOptions::default(),
            name: None,
            log_database: None,
            encrypt_to: None,
            stamp_at: None,
            selection: crate::select::Selection::default(),
            globals: false,
            cancel: None,
        }
    }
}

/// The default [`BackupOptions::split_threshold`]: 64 MiB.
pub const DEFAULT_SPLIT_THRESHOLD: u64 = 64 << 20;

/// Rows copied from one table.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TableRows {
    /// The TABLE DATA entry's dump id.
    pub dump_id: i32,
    /// Rows copied.
    pub rows: u64,
    /// COPY text bytes copied (before compression).
    pub bytes: u64,
}

/// The outcome of a backup.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct BackupReport {
    /// The archive written.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Its version.
    pub archive_version: ArchiveVersion,
    /// The source server's version string.
    pub server_version: String,
    /// TOC entries.
    pub entries: usize,
    /// Rows per table-data entry.
    pub tables: Vec<TableRows>,
    /// Large objects.
    pub large_objects: u64,
    /// Catalog queries run (constant in the number of tables).
    pub catalog_queries: usize,
    /// The tables at or over the split threshold: how many block ranges
    /// each was read in, or why it was read whole.
    pub split: Vec<SplitTable>,
    /// Objects the archive does not hold, one line each (only with
    /// [`BackupOptions::allow_unknown`]; otherwise the backup fails).
    pub unknown: Vec<String>,
    /// Wall time.
    pub duration: Duration,
    /// Where and how the archive was stored (size, SHA-256, S3 parts).
    pub stored: Stored,
    /// The manifest written next to the archive.
    pub manifest: Manifest,
    /// Where the manifest went (none for standard output).
    pub manifest_location: Option<String>,
    /// Where the globals file went (with [`BackupOptions::globals`]).
    pub globals_location: Option<String>,
}

impl BackupReport {
    /// Total rows.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// Refuses zstd and lz4 for archives up to 1.14, whose header stores a
/// zlib level and no algorithm (pg_restore 15 and older read no other).
pub fn check_compression(version: ArchiveVersion, compression: Compression) -> Result<()> {
    if version.has_compression_algorithm()
        || matches!(compression, Compression::None | Compression::Gzip { .. })
    {
        return Ok(());
    }
    Err(Error::Config(format!(
        "--compress {compression} needs archive version 1.15 or later (pg_restore 16+), \
         but the archive would be {version} (--format-version {version}, or auto for a \
         PostgreSQL 15 server), which stores only a zlib level: use gzip there"
    )))
}

/// The archive version for a server, or the one asked for.
pub fn choose_version(requested: FormatVersion, info: &ServerInfo) -> Result<ArchiveVersion> {
    let native = ArchiveVersion::newest_for_server_major(info.major())
        .ok_or_else(|| Error::Config(format!("PostgreSQL {} is not supported", info.version)))?;
    Ok(match requested {
        FormatVersion::Auto => native,
        FormatVersion::Fixed(v) => v,
    })
}

/// Runs a backup. On any error nothing is left under the target name: the
/// temporary file is removed, the multipart upload aborted.
///
/// Runs on the caller's tokio runtime; [`crate::blocking::backup`] is the
/// same without one.
///
/// ```no_run
/// # async fn run() -> Result<(), pgark::Error> {
/// use pgark::backup::{BackupOptions, Target};
/// use pgark::sink::s3::S3ClientOptions;
/// // s3://backups/prod/YYYY/MM/DD/<db>-<stamp>.dump and its manifest.
/// let target = Target::S3 { bucket: "backups".into(), key: "prod/".into() };
/// let mut opts = BackupOptions::new("postgresql://backup@db.internal/app", target);
/// opts.s3 = S3ClientOptions::default().with_region("eu-west-1");
/// let report = pgark::backup::backup(&opts).await?;
/// println!("{}: {} bytes, {} rows", report.path.display(), report.bytes, report.rows());
/// # Ok(()) }
/// ```
pub async fn backup(opts: &BackupOptions) -> Result<BackupReport> {
    backup_until(opts, std::future::pending()).await
}

/// Runs a backup that stops when `stop` completes (e.g. on SIGTERM) or
/// [`BackupOptions::cancel`] is cancelled, cleaning up as on an error and
/// returning [`Error::Interrupted`] with the name `stop` gives (or
/// `"cancellation"`).
pub async fn backup_until(
    opts: &BackupOptions,
    stop: impl std::future::Future<Output = &'static str>,
) -> Result<BackupReport> {
    let cancelled = crate::cancel::stopped(opts.cancel.clone());
    let stop = async {
        tokio::select! {
            biased; // `stop` names a cancellation it made (the CLI's signals).
            name = stop => name,
            name = cancelled => name,
        }
    };
    backup_stopping(opts, std::pin::pin!(stop))
        .await
        .map_err(|e| e.during(crate::Interruption::Backup))
}

/// [`backup_until`]'s work: each phase before the data (the connections,
/// the catalog read and its table locks, the target opened) stops as soon
/// as `stop` completes, dropping its connections; the data phase stops
/// its workers and removes what it wrote.
async fn backup_stopping(
    opts: &BackupOptions,
    mut stop: std::pin::Pin<&mut impl std::future::Future<Output = &'static str>>,
) -> Result<BackupReport> {
    let started = Instant::now();
    let start_unix = now_unix();
    let mut session = or_stopped(&mut stop, Session::open(opts)).await?;
    // Statements still running when the run stops (a LOCK TABLE waiting,
    // a COPY) are cancelled: the connections then close at once.
    let running: Vec<_> = session.clients.iter().map(|c| c.cancel_token()).collect();
    let read = or_stopped(&mut stop, Contents::read(opts, &session, start_unix)).await;
    let mut contents = match read {
        Ok(c) => c,
        Err(e) => return Err(cancelling(e, &running).await),
    };
    let output = or_stopped(
        &mut stop,
        Output::open(opts, &session, &contents, start_unix),
    )
    .await?;
    let n_entries = contents.entries.len();
    let toc = (
        contents.header.clone(),
        std::mem::take(&mut contents.entries),
    );
    let clients = std::mem::take(&mut session.clients);
    let copied = copy_data(
        opts,
        clients,
        &session.snapshot,
        &contents,
        toc,
        (output.sink, &output.location),
        stop,
    )
    .await;
    let (written, client) = match copied {
        Ok(c) => c,
        Err(e) => return Err(cancelling(e, &running).await),
    };
    let ran = Ran {
        session,
        contents,
        written,
        entries: n_entries,
        started,
        start_unix,
    };
    ran.record(opts, &client, output.s3_client).await
}

/// A backup whose data is written: what [`Ran::record`] needs to finish it.
struct Ran {
    session: Session,
    contents: Contents,
    written: Written,
    entries: usize,
    started: Instant,
    start_unix: i64,
}

impl Ran {
    /// Ends the snapshot, writes the manifest (sealed when encrypting) and
    /// the globals file beside the archive, and reports the run.
    async fn record(
        self,
        opts: &BackupOptions,
        client: &tokio_postgres::Client,
        s3: Option<aws_sdk_s3::Client>,
    ) -> Result<BackupReport> {
        let Ran {
            session,
            contents,
            written,
            ..
        } = &self;
        opts.phase(|| {
            format!(
                "archive complete: {} ({} bytes, sha256 {})",
                written.stored.location, written.stored.bytes, written.stored.sha256
            )
        });
        // Done reading: end the snapshot transaction.
        client
            .batch_execute("COMMIT")
            .await
            .map_err(|e| Error::query("ending the snapshot", &e))?;
        let mut manifest = record::manifest_of(
            opts,
            &session.info,
            (session.version, &session.snapshot),
            contents,
            written,
            self.start_unix,
        );
        if let Some(r) = &opts.encrypt_to {
            crate::crypt::seal_manifest(&mut manifest, r)?;
        }
        let globals_location = match &contents.globals {
            Some(g) => record::write_globals(opts, g, written, s3.clone(), &mut manifest).await?,
            None => None,
        };
        let manifest_location = write_beside(
            "manifest",
            manifest::SUFFIX,
            manifest.to_json().into_bytes(),
            &written.stored,
            s3,
            opts,
        )
        .await?;
        Ok(self.report(manifest, manifest_location, globals_location))
    }

    fn report(
        self,
        manifest: Manifest,
        manifest_location: Option<String>,
        globals_location: Option<String>,
    ) -> BackupReport {
        let Ran {
            session,
            contents,
            written,
            ..
        } = self;
        BackupReport {
            path: PathBuf::from(&written.stored.location),
            bytes: written.stored.bytes,
            archive_version: session.version,
            server_version: session.info.version,
            entries: self.entries,
            tables: written.tables,
            large_objects: written.large_objects,
            catalog_queries: contents.cat.queries,
            split: contents.split,
            unknown: contents.unknown,
            duration: self.started.elapsed(),
            stored: written.stored,
            manifest,
            manifest_location,
            globals_location,
        }
    }
}

/// `work`, unless `stop` completes first: then [`Error::Interrupted`]
/// with its name, and `work` is dropped (its queries with their
/// connections, a file it was creating with its temporary name).
async fn or_stopped<T>(
    stop: &mut std::pin::Pin<&mut impl std::future::Future<Output = &'static str>>,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    tokio::select! {
        biased;
        name = stop.as_mut() => Err(Error::interrupted(name)),
        r = work => r,
    }
}

/// `e`, after cancelling the statements of `running` if `e` is an
/// interruption.
async fn cancelling(e: Error, running: &[tokio_postgres::CancelToken]) -> Error {
    if matches!(e, Error::Interrupted { .. }) {
        crate::db::cancel::cancel(running).await;
    }
    e
}

/// The `YYYY/MM/DD` and `YYYYMMDDTHHMMSSZ` (UTC) of a Unix time, as
/// archive names and keys carry them.
pub fn key_time(unix: i64) -> (String, String) {
    let t = CreateTime::from_unix_utc(unix);
    let (y, m, d) = (t.year + 1900, t.mon + 1, t.mday);
    (
        format!("{y:04}/{m:02}/{d:02}"),
        format!("{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z", t.hour, t.min, t.sec),
    )
}

/// `--globals` needs a place beside the archive, and is not encrypted.
fn check_globals(opts: &BackupOptions) -> Result<()> {
    if !opts.globals {
        return Ok(());
    }
    if matches!(opts.target, Target::Stdout) {
        return Err(Error::Config(
            "--globals writes <archive>.globals.sql beside the archive: it needs a file, \
             directory or S3 target, not standard output"
                .into(),
        ));
    }
    if opts.encrypt_to.is_some() {
        return Err(Error::Config(
            "--globals cannot be used with --encrypt-to yet (the globals file would not be \
             encrypted): back the globals up in a separate run without --encrypt-to"
                .into(),
        ));
    }
    Ok(())
}

/// Writes `bytes` next to the archive (after the archive is complete),
/// as `<archive><suffix>`: a file written under a temporary name and
/// renamed, or an S3 object completed only when whole; nothing for
/// standard output. Returns where it went. `what` names it in errors.
pub(crate) async fn write_beside(
    what: &str,
    suffix: &str,
    bytes: Vec<u8>,
    stored: &Stored,
    s3_client: Option<aws_sdk_s3::Client>,
    opts: &BackupOptions,
) -> Result<Option<String>> {
    let context = |e: Error| Error::Beside {
        archive: stored.location.clone(),
        what: what.to_owned(),
        source: Box::new(e),
    };
    if let (Some(client), Some(upload)) = (s3_client, &stored.s3) {
        let target = S3Url::new(
            upload.target.bucket.clone(),
            format!("{}{suffix}", upload.target.key),
        );
        let location = target.to_string();
        let options = opts.s3_sink.clone();
        let handle = tokio::runtime::Handle::current();
        let location_in = location.clone();
        tokio::task::spawn_blocking(move || -> Result<()> {
            let mut sink = S3Sink::with_client(&client, handle, target, options)?;
            std::io::Write::write_all(&mut sink, &bytes)
                .map_err(|e| pipeline::io_error(e, &location_in))?;
            sink.finish()?;
            Ok(())
        })
        .await
        .map_err(|e| Error::task_died(&format!("the {what} upload"), &e))?
        .map_err(context)?;
        return Ok(Some(location));
    }
    if stored.location == "-" {
        return Ok(None);
    }
    let path = PathBuf::from(format!("{}{suffix}", stored.location));
    let (pending, mut file) = PendingFile::create(&path).map_err(context)?;
    std::io::Write::write_all(&mut file, &bytes).map_err(|source| {
        context(Error::Write {
            path: path.clone(),
            source,
        })
    })?;
    let file = target::into_file(file, &path).map_err(context)?;
    pending.commit(file).map_err(context)?;
    Ok(Some(path.display().to_string()))
}

/// Marks the data entries of tables whose heap has no blocks (read under
/// the tables' locks): they have no rows, and a schema of thousands of
/// empty tables then costs one query instead of a COPY each.
async fn skip_empty_heaps(
    client: &tokio_postgres::Client,
    plan: &mut [schema::DataPlan],
) -> Result<()> {
    let tables: Vec<u32> = plan.iter().filter_map(|p| p.table).collect();
    if tables.is_empty() {
        return Ok(());
    }
    let rows = client
        .query(
            "SELECT c.oid FROM pg_catalog.pg_class c \
             WHERE c.oid = ANY($1) AND c.relkind = 'r' AND pg_catalog.pg_relation_size(c.oid) = 0",
            &[&tables],
        )
        .await
        .map_err(|e| Error::query("finding empty tables", &e))?;
    let empty: std::collections::HashSet<u32> =
        rows.iter().map(|r| r.col(0)).collect::<Result<_>>()?;
    for p in plan.iter_mut() {
        if p.table.is_some_and(|t| empty.contains(&t)) {
            p.source = schema::DataSource::EmptyHeap;
        }
    }
    Ok(())
}
