//! Where a backup's archive goes (a file under a temporary name, stdout,
//! an S3 multipart upload, each maybe encrypted), and the data phase that
//! fills it: COPY on every connection, compressed and written in TOC
//! order by one writer thread.

use std::sync::Arc;

use archive_format::{ArchiveWriter, Compression, Header, TocEntry};

use super::contents::Contents;
use super::pipeline::{self, WriterOptions, Written};
use super::session::Session;
use super::{key_time, ArchiveSink, BackupOptions, FileSink, StdoutSink, Target};
use crate::error::{Error, Result};
use crate::sink::s3::{build_client, S3Sink, S3SinkOptions};
use crate::S3Url;

/// The archive's sink, opened before any data is read.
pub(super) struct Output {
    pub sink: Box<dyn ArchiveSink>,
    /// A path, `-` or s3://bucket/key.
    pub location: String,
    /// The S3 client of an S3 target (for the manifest beside it).
    pub s3_client: Option<aws_sdk_s3::Client>,
}

impl Output {
    /// Opens the target: a bad one fails before any worker starts.
    pub async fn open(
        opts: &BackupOptions,
        session: &Session,
        contents: &Contents,
        start_unix: i64,
    ) -> Result<Output> {
        let (date, stamp) = key_time(opts.stamp_at.unwrap_or(start_unix));
        let name = opts.name.as_deref().unwrap_or(&session.info.dbname);
        // Encrypted: the header and TOC's chunks are held to be patched last.
        let encryptor = match &opts.encrypt_to {
            Some(r) => Some(crate::crypt::Encryptor::new(r)?),
            None => None,
        };
        let prefix_len = prefix_len(opts, contents)?;
        let with_suffix = |name: String| match &encryptor {
            Some(_) if !name.ends_with(crate::crypt::SUFFIX) => {
                format!("{name}{}", crate::crypt::SUFFIX)
            }
            _ => name,
        };
        let mut s3_client = None;
        let (sink, location): (Box<dyn ArchiveSink>, String) = match &opts.target {
            Target::Stdout => (Box::new(StdoutSink::new()), "-".into()),
            t @ Target::S3 { .. } => {
                let Some((bucket, key)) = t.s3_key(name, &date, &stamp) else {
                    return Err(Error::Config("not an S3 target".into()));
                };
                let client = match &session.s3 {
                    Some(c) => c.clone(),
                    None => build_client(&opts.s3).await,
                };
                s3_client = Some(client.clone());
                // The first part holds at least the header and TOC.
                let hold = match &encryptor {
                    Some(e) => e.cipher_prefix(prefix_len),
                    None => prefix_len,
                };
                s3_sink(opts, &client, S3Url::new(bucket, with_suffix(key)), hold)?
            }
            t => {
                let path = t.resolve(name, &stamp)?;
                let path = std::path::PathBuf::from(with_suffix(path.display().to_string()));
                let location = path.display().to_string();
                (Box::new(FileSink::create(path)?), location)
            }
        };
        Ok(Output {
            sink: encrypted(opts, encryptor, sink, prefix_len)?,
            location,
            s3_client,
        })
    }
}

/// How many bytes the header and TOC take (the archive's prefix, patched
/// last).
fn prefix_len(opts: &BackupOptions, contents: &Contents) -> Result<u64> {
    Ok(ArchiveWriter::new(
        std::io::sink(),
        &contents.header,
        contents.entries.clone(),
        opts.compression,
    )
    .map_err(|e| Error::Config(e.to_string()))?
    .prefix_len())
}

/// A multipart upload to `target` whose first part holds at least `hold`
/// bytes, and its location.
fn s3_sink(
    opts: &BackupOptions,
    client: &aws_sdk_s3::Client,
    target: S3Url,
    hold: u64,
) -> Result<(Box<dyn ArchiveSink>, String)> {
    let options = S3SinkOptions {
        hold_at_least: hold,
        ..opts.s3_sink.clone()
    };
    let location = target.to_string();
    let handle = tokio::runtime::Handle::current();
    Ok((
        Box::new(S3Sink::with_client(client, handle, target, options)?),
        location,
    ))
}

/// `sink`, encrypted when there is an encryptor (holding the prefix to
/// patch, except on stdout).
fn encrypted(
    opts: &BackupOptions,
    encryptor: Option<crate::crypt::Encryptor>,
    sink: Box<dyn ArchiveSink>,
    prefix_len: u64,
) -> Result<Box<dyn ArchiveSink>> {
    Ok(match encryptor {
        Some(e) => {
            let hold = match opts.target {
                Target::Stdout => 0,
                _ => prefix_len,
            };
            Box::new(e.into_sink(sink, hold)?)
        }
        None => sink,
    })
}

/// The data phase: every connection of `clients` (the coordinator first)
/// runs the plan's COPYs, and one writer thread writes the archive into
/// `sink`. On `stop` the workers are aborted and the writer drops the sink
/// (temporary file removed, upload aborted). Returns what was written and
/// the coordinator, still in its snapshot.
pub(super) async fn copy_data(
    opts: &BackupOptions,
    clients: Vec<tokio_postgres::Client>,
    snapshot: &str,
    contents: &Contents,
    (header, entries): (Header, Vec<TocEntry>),
    (sink, location): (Box<dyn ArchiveSink>, &str),
    stop: impl std::future::Future<Output = &'static str>,
) -> Result<(Written, Arc<tokio_postgres::Client>)> {
    log_split(opts, contents);
    // Jobs started ahead of the writer: two per connection (each buffers
    // up to 8 MiB).
    let (jobs, receivers) = pipeline::channels(&contents.plan, 2 * clients.len());
    // No more connections than jobs read the data.
    let clients: Vec<Arc<tokio_postgres::Client>> = clients
        .into_iter()
        .take(jobs.len().max(1))
        .map(Arc::new)
        .collect();
    let coordinator = clients[0].clone();
    opts.phase(|| {
        format!(
            "copying data: {} connection(s) in snapshot {snapshot}, {} on {} thread(s), to {location}",
            clients.len(),
            match opts.compression {
                Compression::None => "no compression".into(),
                c => c.to_string(),
            },
            opts.compress_threads.max(1)
        )
    });
    let writer_opts = WriterOptions {
        compression: opts.compression,
        threads: opts.compress_threads.max(1),
        log_database: opts.log_database.clone(),
        window: jobs.window(),
    };
    let writer_location = location.to_owned();
    let writer = tokio::task::spawn_blocking(move || {
        pipeline::write_archive(
            sink,
            &writer_location,
            &header,
            entries,
            receivers,
            writer_opts,
        )
    });
    let workers: Vec<_> = clients
        .iter()
        .map(|c| tokio::spawn(pipeline::worker(c.clone(), jobs.clone())))
        .collect();
    let abort_workers = || workers.iter().for_each(|w| w.abort());
    tokio::pin!(writer);
    let written = tokio::select! {
        r = &mut writer => r,
        name = stop => {
            abort_workers();
            let _ = writer.await;
            return Err(Error::interrupted(name));
        }
    };
    abort_workers();
    let written = written.map_err(|e| Error::task_died("the archive writer", &e))??;
    Ok((written, coordinator))
}

/// One phase line per large table: split into ranges, or why not.
fn log_split(opts: &BackupOptions, contents: &Contents) {
    for s in &contents.split {
        opts.phase(|| match &s.kept_whole {
            None => format!(
                "{} ({} MB): read in {} block ranges",
                s.relation,
                s.size / 1_000_000,
                s.ranges
            ),
            Some(why) => format!(
                "{} ({} MB): read by one COPY: {why}",
                s.relation,
                s.size / 1_000_000
            ),
        });
    }
}
