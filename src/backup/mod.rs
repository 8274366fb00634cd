//! `pgark backup`: one database to one custom archive, without pg_dump.
//!
//! Connect, open one REPEATABLE READ READ ONLY snapshot, read the catalogs
//! in a fixed number of queries, build pg_dump's TOC, then stream every
//! table's COPY output and every large object into the archive, written
//! under a temporary name and renamed into place when complete.

mod target;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use archive_format::{ArchiveVersion, ArchiveWriter, Compression, CreateTime, Header};
use futures_util::{pin_mut, TryStreamExt};
use tokio_postgres::Client;

use crate::catalog::Catalog;
use crate::db::{begin_snapshot, connect, ServerInfo};
use crate::error::{Error, Result};
use crate::schema::{self, BuildOptions, DataPlan, DataSource, TocInfo};

pub use target::{PendingFile, Target};

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
}

/// Rows copied from one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRows {
    /// The TABLE DATA entry's dump id.
    pub dump_id: i32,
    /// Rows copied.
    pub rows: u64,
}

/// The outcome of a backup.
#[derive(Debug, Clone)]
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
    /// Wall time.
    pub duration: Duration,
}

impl BackupReport {
    /// Total rows.
    pub fn rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
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

/// Runs a backup. On any error the temporary file is removed.
pub async fn backup(opts: &BackupOptions) -> Result<BackupReport> {
    let started = Instant::now();
    let start_unix = now_unix();
    let (client, _target) = connect(&opts.database_url).await?;
    let info = begin_snapshot(&client).await?;
    let version = choose_version(opts.format_version, &info)?;
    let cat = Catalog::load(&client).await?;
    let objects = schema::build(
        &cat,
        BuildOptions {
            version,
            std_strings: info.std_strings,
            acl: opts.acl,
            server_major: info.major(),
        },
    );
    let objects = schema::sort(objects, &cat);
    let toc_info = TocInfo {
        version,
        dbname: info.dbname.clone(),
        db_oid: info.db_oid,
        db_owner: info.db_owner.clone(),
        // tokio-postgres always talks UTF8; the data is converted to it.
        encoding: "UTF8".into(),
        std_strings: info.std_strings,
        db_comment: info.db_comment.clone(),
        db_quoted: info.db_quoted.clone(),
        db_create: info.db_create.clone(),
        db_props: info.db_props.clone(),
    };
    let (entries, plan) = schema::toc(&objects, &toc_info);
    let created = CreateTime::from_unix_utc(start_unix);
    let header = Header::new(
        version,
        opts.compression,
        created,
        &info.dbname,
        &info.version,
        concat!("pgark ", env!("CARGO_PKG_VERSION")),
    )
    .map_err(|e| Error::Config(e.to_string()))?;

    let stamp = format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        created.year + 1900,
        created.mon + 1,
        created.mday,
        created.hour,
        created.min,
        created.sec
    );
    let path = opts.target.resolve(&info.dbname, &stamp)?;
    let (pending, file) = PendingFile::create(&path)?;
    let temp = pending.temp_path().to_path_buf();
    let io_err = |e: archive_format::Error| match e.into_kind() {
        archive_format::ErrorKind::Io(source) => Error::Write {
            path: temp.clone(),
            source,
        },
        other => Error::Archive(other.into()),
    };
    let n_entries = entries.len();
    let mut writer =
        ArchiveWriter::new(file, &header, entries, opts.compression).map_err(io_err)?;
    let mut tables = Vec::new();
    let mut large_objects = 0;
    for DataPlan { dump_id, source } in &plan {
        match source {
            DataSource::Copy(stmt) => {
                let mut block = writer.data(*dump_id).map_err(io_err)?;
                let rows = copy_out(&client, stmt, &mut block, &temp).await?;
                block.finish().map_err(io_err)?;
                tables.push(TableRows {
                    dump_id: *dump_id,
                    rows,
                });
            }
            DataSource::LargeObjects(oids) => {
                let mut block = writer.blobs(*dump_id).map_err(io_err)?;
                for &oid in oids {
                    block.start_large_object(oid).map_err(io_err)?;
                    read_large_object(&client, oid, &mut block, &temp).await?;
                    large_objects += 1;
                }
                block.finish().map_err(io_err)?;
            }
        }
    }
    // Done reading: end the snapshot transaction.
    client
        .batch_execute("COMMIT")
        .await
        .map_err(|e| Error::query("ending the snapshot", &e))?;
    let finished = writer.finish().map_err(io_err)?;
    let bytes = finished.len();
    let out = finished.rewrite_toc().map_err(io_err)?;
    let file = target::into_file(out, &temp)?;
    pending.commit(file)?;
    Ok(BackupReport {
        path,
        bytes,
        archive_version: version,
        server_version: info.version,
        entries: n_entries,
        tables,
        large_objects,
        catalog_queries: cat.queries,
        duration: started.elapsed(),
    })
}

/// Streams `COPY ... TO stdout` into a data block, followed by pg_dump's
/// terminator; returns the row count.
async fn copy_out<W: Write>(
    client: &Client,
    stmt: &str,
    block: &mut W,
    temp: &std::path::Path,
) -> Result<u64> {
    let context = || format!("copying data ({stmt})");
    let stream = client
        .copy_out(stmt)
        .await
        .map_err(|e| Error::query(&context(), &e))?;
    pin_mut!(stream);
    let mut rows = 0u64;
    let write_err = |source| Error::Write {
        path: temp.to_path_buf(),
        source,
    };
    while let Some(chunk) = stream
        .try_next()
        .await
        .map_err(|e| Error::query(&context(), &e))?
    {
        rows += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        block.write_all(&chunk).map_err(write_err)?;
    }
    block.write_all(b"\\.\n\n\n").map_err(write_err)?;
    Ok(rows)
}

/// Reads a large object in 1 MiB pieces (`lo_get` with offset and length).
async fn read_large_object<W: Write>(
    client: &Client,
    oid: u32,
    out: &mut W,
    temp: &std::path::Path,
) -> Result<()> {
    const PIECE: i32 = 1 << 20;
    let mut offset: i64 = 0;
    loop {
        let row = client
            .query_one(
                "SELECT pg_catalog.lo_get($1, $2, $3)",
                &[&oid, &offset, &PIECE],
            )
            .await
            .map_err(|e| Error::query(&format!("reading large object {oid}"), &e))?;
        let data: Vec<u8> = row.get(0);
        out.write_all(&data).map_err(|source| Error::Write {
            path: temp.to_path_buf(),
            source,
        })?;
        if data.len() < PIECE as usize {
            return Ok(());
        }
        offset += data.len() as i64;
    }
}
