//! `pgark backup --all-databases`: every connectable database of a server,
//! one archive and manifest each, plus one globals file and a run record,
//! under one run stamp.
//!
//! As pg_dumpall does, [`backup_all`] connects to a maintenance database
//! (the one the URL names, else `postgres`, else `template1`), lists the
//! databases that allow connections and are not templates (and are not
//! being dropped), leaves out those matching an `--exclude-database`
//! [pattern](crate::select::pattern::one_part), and backs each up with
//! [`crate::backup::backup_until`], one after another, each with the whole
//! `--jobs` budget. Every archive of a run carries the run's start as its
//! stamp, so in a bucket a run is
//!
//! ```text
//! PREFIX/YYYY/MM/DD/<db>-<stamp>.dump  (+ .manifest.json)   one per database
//! PREFIX/YYYY/MM/DD/globals-<stamp>.sql                      roles, tablespaces
//! PREFIX/YYYY/MM/DD/run-<stamp>.json                         the run record
//! ```
//!
//! (in a directory the same names without the date folders): each database
//! is a series of its own for `ls`, `audit` and `prune`, exactly like
//! backups made one database at a time. A database that fails leaves
//! nothing under its final name (its temporary file removed, its upload
//! aborted), is named in the [run record](record::RunRecord), and does not
//! stop the others; the run then fails ([`ClusterReport::first_error`]).
//! An interruption (SIGINT, SIGTERM) stops the run.

pub mod record;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crate::backup::{self, BackupOptions, BackupReport, PendingFile, Target};
use crate::db::row::RowExt;
use crate::db::{connect, names_dbname, with_dbname};
use crate::error::{Error, Result};
use crate::manifest::rfc3339;
use crate::runtime::now_unix;
use crate::sink::s3::{build_client, S3Sink};
use crate::S3Url;
use record::{RunDatabase, RunRecord};

/// What to back up: every database but the excluded ones, each with
/// [`ClusterOptions::backup`]'s settings.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ClusterOptions {
    /// The settings of each database's backup. Its `database_url` reaches
    /// the server (and names the maintenance database, if it names one);
    /// its target must be a directory or an S3 prefix (a key ending in
    /// `/`, or none), and its `name` unset.
    pub backup: BackupOptions,
    /// psql-style patterns of databases to leave out (pg_dumpall's
    /// `--exclude-database`).
    pub exclude: Vec<String>,
}

impl ClusterOptions {
    /// Every database reached through `backup.database_url`.
    pub fn new(backup: BackupOptions) -> Self {
        ClusterOptions {
            backup,
            exclude: Vec::new(),
        }
    }
}

/// One database's outcome.
#[derive(Debug)]
#[non_exhaustive]
pub struct DatabaseBackup {
    /// The database.
    pub database: String,
    /// Its backup, or why it failed.
    pub outcome: Result<BackupReport>,
}

/// The outcome of a run.
#[derive(Debug)]
#[non_exhaustive]
pub struct ClusterReport {
    /// The stamp every archive of the run carries.
    pub stamp: String,
    /// The databases attempted, in order (after an interruption, those
    /// not reached are missing).
    pub databases: Vec<DatabaseBackup>,
    /// The databases left out by a pattern.
    pub excluded: Vec<String>,
    /// Where the globals file went.
    pub globals: Option<String>,
    /// Where the run record went.
    pub record: Option<String>,
    /// Wall time.
    pub duration: Duration,
}

impl ClusterReport {
    /// The databases that failed, with why.
    pub fn failed(&self) -> impl Iterator<Item = (&str, &Error)> {
        self.databases.iter().filter_map(|d| match &d.outcome {
            Err(e) => Some((d.database.as_str(), e)),
            Ok(_) => None,
        })
    }

    /// The first failure, naming its database ([`Error::InDatabase`]; its
    /// category is the failure's); `None` when every database succeeded.
    pub fn first_error(self) -> Option<Error> {
        self.databases.into_iter().find_map(|d| {
            d.outcome.err().map(|e| Error::InDatabase {
                database: d.database,
                source: Box::new(e),
            })
        })
    }
}

/// Backs up every database (see the [module](self)); returns `Err` only
/// when the run could not start (bad target, no maintenance database, a
/// bad pattern) or its globals or run record could not be written. Each
/// database's failure is in the report.
pub async fn backup_all(
    opts: &ClusterOptions,
    stop: impl std::future::Future<Output = &'static str>,
) -> Result<ClusterReport> {
    let started = Instant::now();
    let run_start = now_unix();
    let (date, stamp) = backup::key_time(run_start);
    check_target(&opts.backup)?;
    let exclude = exclude_regexes(&opts.exclude)?;
    let client = connect_maintenance(&opts.backup.database_url).await?;
    let (databases, excluded) = list_databases(&client, &exclude).await?;
    opts.backup.phase(|| {
        format!(
            "all databases: {} to back up ({}), {} excluded",
            databases.len(),
            databases.join(", "),
            excluded.len()
        )
    });
    let globals = Some(write_globals(&opts.backup, &client, &date, &stamp).await?);
    drop(client);
    let (databases, interrupted) = backup_each(&opts.backup, &databases, run_start, stop).await;
    let mut report = ClusterReport {
        stamp,
        databases,
        excluded,
        globals,
        record: None,
        duration: started.elapsed(),
    };
    if interrupted {
        return Ok(report);
    }
    let record = run_record(&report, run_start).to_json().into_bytes();
    let name = record::file_name(&report.stamp);
    report.record = Some(write_small(&opts.backup, &date, &name, record).await?);
    report.duration = started.elapsed();
    Ok(report)
}

/// The `--exclude-database` patterns as regexes.
fn exclude_regexes(patterns: &[String]) -> Result<Vec<String>> {
    patterns
        .iter()
        .map(|p| {
            crate::select::pattern::one_part(p)
                .map_err(|e| Error::Config(format!("--exclude-database: {e}")))
        })
        .collect()
}

/// The cluster's globals, once per run (each database's own owner, grants
/// and settings are in its archive's DATABASE entries, and in its own
/// globals file with --globals), beside the archives. They name roles and
/// may hold their password hashes: encrypted to the archives' recipients
/// when they are. Returns where they went.
async fn write_globals(
    opts: &BackupOptions,
    client: &tokio_postgres::Client,
    date: &str,
    stamp: &str,
) -> Result<String> {
    let sql = crate::globals::dump_on(client).await?.cluster_sql();
    let mut name = record::globals_file_name(stamp);
    let body = match &opts.encrypt_to {
        Some(r) => {
            name.push_str(crate::crypt::SUFFIX);
            encrypt(sql.as_bytes(), r)?
        }
        None => sql.into_bytes(),
    };
    write_small(opts, date, &name, body).await
}

/// Backs up each database in turn under the run's stamp, until all are
/// done or one is interrupted (then `true`: the run stops there).
async fn backup_each(
    opts: &BackupOptions,
    databases: &[String],
    run_start: i64,
    stop: impl std::future::Future<Output = &'static str>,
) -> (Vec<DatabaseBackup>, bool) {
    tokio::pin!(stop);
    let mut results = Vec::new();
    for db in databases {
        let mut o = opts.clone();
        o.database_url = with_dbname(&opts.database_url, db);
        o.stamp_at = Some(run_start);
        o.log_database = Some(db.clone());
        let outcome = backup::backup_until(&o, &mut stop).await;
        if let Err(e) = &outcome {
            tracing::debug!("database {db} failed: {e}");
        }
        let interrupted = matches!(outcome, Err(Error::Interrupted { .. }));
        results.push(DatabaseBackup {
            database: db.clone(),
            outcome,
        });
        if interrupted {
            return (results, true);
        }
    }
    (results, false)
}

/// The run record of a finished run that started at `run_start`.
fn run_record(report: &ClusterReport, run_start: i64) -> RunRecord {
    RunRecord {
        format: record::FORMAT.into(),
        stamp: report.stamp.clone(),
        started_at: rfc3339(run_start),
        finished_at: rfc3339(now_unix()),
        databases: report
            .databases
            .iter()
            .map(|d| RunDatabase {
                database: d.database.clone(),
                archive: d.outcome.as_ref().ok().map(|r| r.stored.location.clone()),
                error: d.outcome.as_ref().err().map(ToString::to_string),
            })
            .collect(),
        excluded: report.excluded.clone(),
        globals: report.globals.clone(),
    }
}

/// A directory or an S3 prefix, and no fixed name: one archive per
/// database needs names of their own.
fn check_target(opts: &BackupOptions) -> Result<()> {
    let prefix = match &opts.target {
        Target::Dir(_) => true,
        Target::S3 { key, .. } => key.is_empty() || key.ends_with('/'),
        Target::File(_) | Target::Stdout => false,
    };
    if !prefix {
        return Err(Error::Config(
            "--all-databases writes one archive per database: --to must be a directory \
             or an S3 prefix (s3://bucket/prefix/)"
                .into(),
        ));
    }
    if opts.name.is_some() {
        return Err(Error::Config(
            "--all-databases names each archive after its database: --name (BACKUP_NAME) \
             cannot be used with it"
                .into(),
        ));
    }
    Ok(())
}

/// The database the URL names, else `postgres`, else `template1`, as
/// pg_dumpall connects.
async fn connect_maintenance(url: &str) -> Result<tokio_postgres::Client> {
    if names_dbname(url) {
        return Ok(connect(url).await?.0);
    }
    match connect(&with_dbname(url, "postgres")).await {
        Ok((c, _)) => Ok(c),
        Err(first) => match connect(&with_dbname(url, "template1")).await {
            Ok((c, _)) => Ok(c),
            Err(_) => Err(Error::Database {
                context: "could not connect to databases \"postgres\" or \"template1\"".into(),
                message: first.to_string(),
            }),
        },
    }
}

/// The databases to back up, by name, and those a regex excludes.
async fn list_databases(
    client: &tokio_postgres::Client,
    regexes: &[String],
) -> Result<(Vec<String>, Vec<String>)> {
    // pg_dumpall's list: connectable, not a template, not being dropped
    // (datconnlimit -2, PostgreSQL 15.4+).
    let rows = client
        .query(
            "SELECT datname::text, \
                    (datname::text COLLATE pg_catalog.default) OPERATOR(pg_catalog.~) ANY($1::text[]) \
             FROM pg_catalog.pg_database \
             WHERE datallowconn AND NOT datistemplate AND datconnlimit <> -2 \
             ORDER BY datname",
            &[&regexes],
        )
        .await
        .map_err(|e| Error::query("listing the databases", &e))?;
    let (mut keep, mut excluded) = (Vec::new(), Vec::new());
    for row in &rows {
        let name: String = row.col(0)?;
        let out: Option<bool> = row.col(1)?;
        if out == Some(true) {
            excluded.push(name);
        } else {
            keep.push(name);
        }
    }
    Ok((keep, excluded))
}

/// `bytes` as an age file to `recipients`.
fn encrypt(bytes: &[u8], recipients: &crate::crypt::Recipients) -> Result<Vec<u8>> {
    let fail = |e: String| Error::from(crate::crypt::CryptError::Encrypt(e));
    let keys = recipients.keys().map(|k| k.as_ref() as &dyn age::Recipient);
    let enc = age::Encryptor::with_recipients(keys).map_err(|e| fail(e.to_string()))?;
    let mut out = Vec::new();
    let mut w = enc.wrap_output(&mut out).map_err(|e| fail(e.to_string()))?;
    std::io::Write::write_all(&mut w, bytes).map_err(|e| fail(e.to_string()))?;
    w.finish().map_err(|e| fail(e.to_string()))?;
    Ok(out)
}

/// Writes a small object or file beside the run's archives
/// (`PREFIX/YYYY/MM/DD/NAME` or `DIR/NAME`), under a temporary name or as
/// one conditional S3 write. Returns where it went.
async fn write_small(
    opts: &BackupOptions,
    date: &str,
    name: &str,
    body: Vec<u8>,
) -> Result<String> {
    match &opts.target {
        Target::S3 { bucket, key } => {
            let target = S3Url::new(bucket.clone(), format!("{key}{date}/{name}"));
            let location = target.to_string();
            let client = build_client(&opts.s3).await;
            let options = opts.s3_sink.clone();
            let handle = tokio::runtime::Handle::current();
            tokio::task::spawn_blocking(move || -> Result<()> {
                let mut sink = S3Sink::with_client(&client, handle, target, options)?;
                std::io::Write::write_all(&mut sink, &body)
                    .map_err(|e| Error::Config(e.to_string()))?;
                sink.finish()?;
                Ok(())
            })
            .await
            .map_err(|e| Error::Config(format!("writing {location} failed: {e}")))??;
            Ok(location)
        }
        Target::Dir(dir) => {
            std::fs::create_dir_all(dir).map_err(|source| Error::Write {
                path: dir.clone(),
                source,
            })?;
            let path: PathBuf = dir.join(name);
            let (pending, mut file) = PendingFile::create(&path)?;
            std::io::Write::write_all(&mut file, &body).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            pending.commit(backup::into_file(file, &path)?)?;
            Ok(path.display().to_string())
        }
        Target::File(_) | Target::Stdout => Err(Error::Config("not a directory or prefix".into())),
    }
}
