//! The data path: worker connections in one exported snapshot read tables
//! (and large objects) ahead, each into a bounded channel of its own; one
//! writer thread takes the channels in TOC order, compresses each table's
//! stream on every core (one zlib stream, zstd frame or LZ4 frame per
//! entry, see [`TableCompressor`]) and writes
//! the archive into its sink. A table split into block ranges is one job
//! (and one channel) per range: the ranges are read ahead in parallel and
//! the writer takes their channels in order, as one stream. Memory is
//! bounded by the channels: at most `jobs × CHANNEL_PIECES × PIECE` bytes
//! of COPY text wait for the writer (plus the piece each worker gathers).

use std::collections::VecDeque;
use std::io::Write;
use std::sync::{Arc, Mutex};

use archive_format::{ArchiveWriter, Compression, Header, TocEntry};
use bytes::{Bytes, BytesMut};
use futures_util::{pin_mut, TryStreamExt};
use tokio::sync::mpsc::{channel, Receiver, Sender};
use tokio::sync::Semaphore;
use tokio_postgres::Client;

use crate::compress::{GzipPool, RawBlockWriter, TableCompressor};
use crate::db::row::RowExt;
use crate::error::{Error, Result};
use crate::schema::{DataPlan, DataSource};
use crate::sink::s3::S3Error;

use super::sink::{ArchiveSink, Stored};
use super::TableRows;

/// COPY text gathered into pieces of this size before crossing to the
/// writer.
const PIECE: usize = 1 << 20;
/// Pieces a table's channel holds.
const CHANNEL_PIECES: usize = 8;

/// What a worker sends for one data entry.
#[derive(Debug)]
pub enum Piece {
    /// Bytes of the entry's data (COPY text, or the current large object's).
    Data(Bytes),
    /// The next large object starts.
    LargeObject(u32),
    /// The entry is complete.
    Done {
        /// COPY rows, or large objects.
        count: u64,
        /// COPY text bytes, or large object bytes.
        bytes: u64,
    },
}

type Msg = std::result::Result<Piece, Error>;

/// What one job reads.
#[derive(Debug)]
enum Work {
    /// One COPY statement; `last`: its output ends the entry's data (the
    /// end-of-data marker follows it).
    Copy {
        stmt: String,
        last: bool,
    },
    LargeObjects(Vec<u32>),
    EmptyHeap,
}

/// One data entry, or one block range of a split table: what to read, and
/// where its pieces go.
#[derive(Debug)]
pub struct Job {
    work: Work,
    tx: Sender<Msg>,
}

/// The entries still to be read, in TOC order, and the window of jobs
/// that may be started before the writer has taken all of the earlier
/// ones: a worker takes a permit to start a job, the writer gives it back
/// when it has taken the job's last piece. So at most `window` jobs hold
/// pieces at once, however small they are (the ranges of a split table,
/// many small tables) and however slow the writer.
#[derive(Debug, Clone)]
pub struct Jobs {
    queue: Arc<Mutex<VecDeque<Job>>>,
    window: Arc<Semaphore>,
}

impl Jobs {
    fn next(&self) -> Option<Job> {
        self.queue.lock().ok()?.pop_front()
    }

    /// How many jobs (entries, and ranges of split tables) there are.
    pub fn len(&self) -> usize {
        self.queue.lock().map_or(0, |q| q.len())
    }

    /// The window, for the writer to give permits back.
    pub fn window(&self) -> Arc<Semaphore> {
        self.window.clone()
    }
}

/// One entry's receivers, in order: one, or one per block range.
pub type Parts = Vec<Receiver<Msg>>;

/// Channels for every entry of `plan` (one per range of a split table):
/// the jobs for the workers and the receivers for the writer, in the same
/// order; at most `window` jobs started and not yet taken by the writer.
pub fn channels(plan: &[DataPlan], window: usize) -> (Jobs, Vec<(DataPlan, Parts)>) {
    let mut jobs = VecDeque::with_capacity(plan.len());
    let mut receivers = Vec::with_capacity(plan.len());
    for p in plan {
        let works = match &p.source {
            DataSource::Ranges(stmts) => stmts
                .iter()
                .enumerate()
                .map(|(i, stmt)| Work::Copy {
                    stmt: stmt.clone(),
                    last: i + 1 == stmts.len(),
                })
                .collect(),
            DataSource::LargeObjects(oids) => vec![Work::LargeObjects(oids.clone())],
            DataSource::EmptyHeap => vec![Work::EmptyHeap],
            other => vec![Work::Copy {
                stmt: other.copy_statement().unwrap_or_default(),
                last: true,
            }],
        };
        let mut parts = Vec::with_capacity(works.len());
        for work in works {
            let (tx, rx) = channel(CHANNEL_PIECES);
            jobs.push_back(Job { work, tx });
            parts.push(rx);
        }
        receivers.push((p.clone(), parts));
    }
    let jobs = Jobs {
        queue: Arc::new(Mutex::new(jobs)),
        window: Arc::new(Semaphore::new(window.max(1))),
    };
    (jobs, receivers)
}

/// A worker: takes entries in order until none is left. A failed entry is
/// sent to the writer, which stops the backup with that error; the worker
/// stops too.
pub async fn worker(client: Arc<Client>, jobs: Jobs) {
    loop {
        // The permit first, then the job: the job a worker waits to start
        // is never earlier than one the writer waits for.
        let Ok(permit) = jobs.window.acquire().await else {
            return;
        };
        let Some(job) = jobs.next() else {
            return;
        };
        // Given back by the writer.
        permit.forget();
        let result = match &job.work {
            Work::Copy { stmt, last } => copy_out(&client, stmt, *last, &job.tx).await,
            Work::LargeObjects(oids) => large_objects(&client, oids, &job.tx).await,
            Work::EmptyHeap => end_of_data(BytesMut::new(), &job.tx).await.map(|()| (0, 0)),
        };
        let last = match result {
            Ok((count, bytes)) => Ok(Piece::Done { count, bytes }),
            // The writer stopped; it reports why.
            Err(Sent::WriterGone) => return,
            Err(Sent::Failed(e)) => Err(e),
        };
        let failed = last.is_err();
        if job.tx.send(last).await.is_err() || failed {
            return;
        }
    }
}

enum Sent {
    WriterGone,
    Failed(Error),
}

async fn send(tx: &Sender<Msg>, piece: Piece) -> std::result::Result<(), Sent> {
    tx.send(Ok(piece)).await.map_err(|_| Sent::WriterGone)
}

/// Streams `COPY ... TO stdout` in pieces of [`PIECE`] bytes, then (when
/// `last`) pg_dump's end-of-data marker; returns the row count.
async fn copy_out(
    client: &Client,
    stmt: &str,
    last: bool,
    tx: &Sender<Msg>,
) -> std::result::Result<(u64, u64), Sent> {
    let fail = |e: tokio_postgres::Error| {
        Sent::Failed(Error::query(&format!("copying data ({stmt})"), &e))
    };
    let stream = client.copy_out(stmt).await.map_err(fail)?;
    pin_mut!(stream);
    let mut rows = 0u64;
    let mut bytes = 0u64;
    let mut piece = BytesMut::with_capacity(PIECE);
    while let Some(chunk) = stream.try_next().await.map_err(fail)? {
        rows += chunk.iter().filter(|&&b| b == b'\n').count() as u64;
        bytes += chunk.len() as u64;
        piece.extend_from_slice(&chunk);
        if piece.len() >= PIECE {
            send(tx, Piece::Data(piece.split().freeze())).await?;
        }
    }
    if last {
        end_of_data(piece, tx).await?;
    } else if !piece.is_empty() {
        send(tx, Piece::Data(compact(piece))).await?;
    }
    Ok((rows, bytes))
}

/// Sends the last piece with pg_dump's end-of-data marker, copied out of
/// the reading buffer so a small table does not keep a whole piece's
/// capacity alive while it waits for the writer.
async fn end_of_data(mut piece: BytesMut, tx: &Sender<Msg>) -> std::result::Result<(), Sent> {
    piece.extend_from_slice(b"\\.\n\n\n");
    send(tx, Piece::Data(compact(piece))).await
}

/// A piece that does not keep much more capacity alive than it holds.
fn compact(piece: BytesMut) -> Bytes {
    if piece.len() < piece.capacity() / 2 {
        Bytes::copy_from_slice(&piece)
    } else {
        piece.freeze()
    }
}

/// Reads large objects in 1 MiB pieces (`lo_get` with offset and length).
async fn large_objects(
    client: &Client,
    oids: &[u32],
    tx: &Sender<Msg>,
) -> std::result::Result<(u64, u64), Sent> {
    const LO_PIECE: i32 = 1 << 20;
    let mut total = 0u64;
    for &oid in oids {
        send(tx, Piece::LargeObject(oid)).await?;
        let mut offset: i64 = 0;
        loop {
            let row = client
                .query_one(
                    "SELECT pg_catalog.lo_get($1, $2, $3)",
                    &[&oid, &offset, &LO_PIECE],
                )
                .await
                .map_err(|e| {
                    Sent::Failed(Error::query(&format!("reading large object {oid}"), &e))
                })?;
            let data: Vec<u8> = row.col(0).map_err(Sent::Failed)?;
            let n = data.len();
            total += n as u64;
            if n > 0 {
                send(tx, Piece::Data(Bytes::from(data))).await?;
            }
            if n < LO_PIECE as usize {
                break;
            }
            offset += n as i64;
        }
    }
    Ok((oids.len() as u64, total))
}

/// How the writer compresses table data.
#[derive(Debug, Clone)]
pub struct WriterOptions {
    /// The archive's compression.
    pub compression: Compression,
    /// Compression threads for one table.
    pub threads: usize,
    /// The database named in progress events ([`super::PROGRESS`]).
    pub log_database: Option<String>,
    /// The jobs' window ([`Jobs::window`]).
    pub window: Arc<Semaphore>,
}

/// Progress of the data: bytes and entries done, reported at most once a
/// second.
struct Progress {
    database: Option<String>,
    started: std::time::Instant,
    last: std::time::Instant,
    bytes: u64,
    done: usize,
    total: usize,
}

impl Progress {
    fn new(database: Option<String>, total: usize) -> Self {
        let now = std::time::Instant::now();
        Progress {
            database,
            started: now,
            last: now,
            bytes: 0,
            done: 0,
            total,
        }
    }

    fn add(&mut self, n: usize) {
        self.bytes += n as u64;
        if self.last.elapsed() >= std::time::Duration::from_secs(1)
            && tracing::enabled!(target: "pgark::progress", tracing::Level::INFO)
        {
            self.last = std::time::Instant::now();
            let secs = self.started.elapsed().as_secs_f64().max(1e-3);
            tracing::info!(
                target: "pgark::progress",
                database = self.database.as_deref(),
                "{:.0} MB of data read, at entry {} of {}, {:.1} MB/s",
                self.bytes as f64 / 1e6,
                self.done,
                self.total,
                self.bytes as f64 / 1e6 / secs
            );
        }
    }
}

/// What the writer produced.
#[derive(Debug)]
pub struct Written {
    /// Where the archive is.
    pub stored: Stored,
    /// Rows per table.
    pub tables: Vec<TableRows>,
    /// Large objects.
    pub large_objects: u64,
}

/// The writer thread's work: the whole archive into `sink`, the entries'
/// data taken from `receivers` in order. On error the sink is dropped
/// (temporary file removed, upload aborted).
pub fn write_archive(
    mut sink: Box<dyn ArchiveSink>,
    location: &str,
    header: &Header,
    entries: Vec<TocEntry>,
    receivers: Vec<(DataPlan, Parts)>,
    opts: WriterOptions,
) -> Result<Written> {
    // Debug builds only: lets the tests check what a bug in this thread
    // looks like (exit 1, not a usage error).
    #[cfg(debug_assertions)]
    if std::env::var_os("PGARK_DEBUG_PANIC").is_some_and(|v| v == "writer") {
        panic!("PGARK_DEBUG_PANIC=writer is set");
    }
    let err = |e: archive_format::Error| sink_error(e, location);
    let mut writer =
        ArchiveWriter::new(&mut sink, header, entries, opts.compression).map_err(err)?;
    let mut blocks = Blocks {
        location,
        compression: opts.compression,
        threads: opts.threads,
        kept: None,
        progress: Progress::new(opts.log_database.clone(), receivers.len()),
    };
    let mut tables = Vec::new();
    let mut large_objects = 0;
    for (plan, parts) in receivers {
        blocks.progress.done += 1;
        let id = plan.dump_id;
        let mut parts = InOrder::new(id, parts, opts.window.clone());
        match &plan.source {
            DataSource::Copy(_)
            | DataSource::Table { .. }
            | DataSource::Ranges(_)
            | DataSource::EmptyHeap => {
                let (rows, bytes) = blocks.table(&mut writer, id, &plan.source, &mut parts)?;
                tables.push(TableRows {
                    dump_id: id,
                    rows,
                    bytes,
                });
            }
            DataSource::LargeObjects(_) => {
                large_objects += blocks.large_objects(&mut writer, id, &mut parts)?;
            }
        }
    }
    let finished = writer.finish().map_err(err)?;
    let (toc_offset, toc, len) = (
        finished.toc_offset(),
        finished.toc_with_offsets().to_vec(),
        finished.len(),
    );
    drop(finished);
    let stored = sink.complete(toc_offset, &toc, len)?;
    Ok(Written {
        stored,
        tables,
        large_objects,
    })
}

/// What the writer thread keeps from one data block to the next: the
/// compression, gzip's threads (started for the first table and kept) and
/// the progress.
struct Blocks<'a> {
    location: &'a str,
    compression: Compression,
    threads: usize,
    kept: Option<GzipPool>,
    progress: Progress,
}

impl Blocks<'_> {
    /// One table's data block: compressed on `threads` cores, or in place
    /// without compression or for an empty heap's few bytes (no parallel
    /// compressor, and its threads, for them). Its rows and bytes.
    fn table<W: Write>(
        &mut self,
        writer: &mut ArchiveWriter<W>,
        id: i32,
        source: &DataSource,
        parts: &mut InOrder,
    ) -> Result<(u64, u64)> {
        let location = self.location;
        let err = |e: archive_format::Error| sink_error(e, location);
        let c = self.compression;
        if c == Compression::None || source == &DataSource::EmptyHeap {
            let mut block = writer.data(id).map_err(err)?;
            let done = self.copy(parts, &mut block, id)?;
            block.finish().map_err(err)?;
            return Ok(done);
        }
        let block = RawBlockWriter::new(writer.data_raw(id).map_err(err)?);
        let mut gz = TableCompressor::new(block, c, self.threads.max(1), &mut self.kept)
            .map_err(|e| Error::Config(format!("starting {c} compression: {e}")))?;
        let done = self.copy(parts, &mut gz, id)?;
        gz.finish(&mut self.kept)
            .map_err(|e| io_error(e, location))?
            .finish()
            .map_err(err)?;
        Ok(done)
    }

    /// A table's pieces into `out`, up to its `Done`: its rows and bytes.
    fn copy(&mut self, parts: &mut InOrder, out: &mut impl Write, id: i32) -> Result<(u64, u64)> {
        loop {
            match parts.next()? {
                Piece::Data(b) => {
                    self.progress.add(b.len());
                    out.write_all(&b).map_err(|e| io_error(e, self.location))?
                }
                Piece::Done { count, bytes } => return Ok((count, bytes)),
                Piece::LargeObject(_) => return Err(unexpected(id)),
            }
        }
    }

    /// One large-objects block, each object its own stream: how many.
    fn large_objects<W: Write>(
        &mut self,
        writer: &mut ArchiveWriter<W>,
        id: i32,
        parts: &mut InOrder,
    ) -> Result<u64> {
        let location = self.location;
        let err = |e: archive_format::Error| sink_error(e, location);
        let mut block = writer.blobs(id).map_err(err)?;
        let mut open = false;
        let count = loop {
            match parts.next()? {
                Piece::LargeObject(oid) => {
                    if open {
                        block.end_large_object().map_err(err)?;
                    }
                    block.start_large_object(oid).map_err(err)?;
                    open = true;
                }
                Piece::Data(b) => {
                    self.progress.add(b.len());
                    block.write_all(&b).map_err(|e| io_error(e, location))?
                }
                Piece::Done { count, .. } => break count,
            }
        };
        if open {
            block.end_large_object().map_err(err)?;
        }
        block.finish().map_err(err)?;
        Ok(count)
    }
}

/// One entry's pieces, taken from its parts' channels in order: the data
/// of each part, then one `Done` with the parts' counts summed.
struct InOrder {
    id: i32,
    window: Arc<Semaphore>,
    parts: std::vec::IntoIter<Receiver<Msg>>,
    current: Option<Receiver<Msg>>,
    count: u64,
    bytes: u64,
}

impl InOrder {
    fn new(id: i32, parts: Parts, window: Arc<Semaphore>) -> Self {
        let mut parts = parts.into_iter();
        let current = parts.next();
        InOrder {
            id,
            window,
            parts,
            current,
            count: 0,
            bytes: 0,
        }
    }

    fn next(&mut self) -> Result<Piece> {
        loop {
            let Some(rx) = self.current.as_mut() else {
                return Err(self.ended());
            };
            match rx.blocking_recv() {
                Some(Ok(Piece::Done { count, bytes })) => {
                    // The part's job is taken: another may start.
                    self.window.add_permits(1);
                    self.count += count;
                    self.bytes += bytes;
                    self.current = self.parts.next();
                    if self.current.is_none() {
                        return Ok(Piece::Done {
                            count: self.count,
                            bytes: self.bytes,
                        });
                    }
                }
                Some(Ok(piece)) => return Ok(piece),
                Some(Err(e)) => return Err(e),
                None => return Err(self.ended()),
            }
        }
    }

    fn ended(&self) -> Error {
        Error::Config(format!(
            "the data of TOC entry {} ended before it was complete",
            self.id
        ))
    }
}

fn unexpected(id: i32) -> Error {
    Error::Config(format!(
        "internal error: a large object in table data entry {id}"
    ))
}

/// An I/O error of the sink: the S3 error it carries, or the target's.
pub(crate) fn io_error(e: std::io::Error, location: &str) -> Error {
    match S3Error::from_io(&e) {
        Some(s3) => Error::S3(s3.clone()),
        None => Error::Write {
            path: location.into(),
            source: e,
        },
    }
}

fn sink_error(e: archive_format::Error, location: &str) -> Error {
    match e.into_kind() {
        archive_format::ErrorKind::Io(source) => io_error(source, location),
        other => Error::Archive(other.into()),
    }
}
