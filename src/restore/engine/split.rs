//! One table's data over several connections (`-j`), which pg_restore
//! cannot do: the TABLE DATA block is read and inflated once, on a
//! blocking thread, cut into batches of whole rows (COPY text ends every
//! row with a newline; newlines inside values are escaped), and the
//! batches are dealt out to the connections as each is ready for more,
//! each connection running its own `COPY ... FROM STDIN` into the table in
//! a transaction of its own.
//!
//! The shares are committed only when every one of them loaded: a bad row
//! in any share leaves the table empty, as the one COPY of pg_restore
//! would, and is reported once, as pg_restore reports it, with the line
//! number of the row in the whole block (the server counts lines per
//! COPY; each share remembers where its batches came from). Only tables
//! created in this run are split (the ones pg_restore `-j` loads after
//! `TRUNCATE`): they have no unique index yet on which two shares could
//! wait for each other. The commits are one after the other, not atomic:
//! a connection lost between two of them leaves part of the rows.

use std::collections::HashSet;
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use archive_format::{EntryName, TocEntry};
use bytes::Bytes;
use futures_util::SinkExt;
use tokio::sync::{mpsc, Mutex};
use tokio_postgres::CopyInSink;

use super::{Engine, Failure};
use crate::error::{Error, Result};
use crate::restore::data::{Blocks, Piece};
use crate::restore::{failure, statements};

/// Rows are dealt out in batches of about this many bytes.
const BATCH_SIZE: usize = 1024 * 1024;

/// Rows cut from the block, in block order.
struct Batch {
    /// The line number of its first row in the whole block (from 1).
    first_line: u64,
    lines: u64,
    data: Bytes,
}

/// What one connection loaded.
struct Share {
    /// (first line in this COPY, first line in the block) of each batch
    /// it got, in order.
    spans: Vec<(u64, u64)>,
    outcome: std::result::Result<u64, tokio_postgres::Error>,
}

/// The COPY statement of `e` when its data may be split: a TABLE DATA
/// entry of a table created in this run (`created`), loaded in COPY text
/// format, not through a partition root.
pub(in crate::restore) fn splittable(e: &TocEntry, created: &HashSet<u32>) -> Option<String> {
    if e.desc != "TABLE DATA" || !e.had_dumper || !created.contains(&e.catalog_id.oid) {
        return None;
    }
    if statements::is_load_via_partition_root(e) {
        return None;
    }
    let stmt = String::from_utf8_lossy(e.copy_stmt.as_deref()?).into_owned();
    // pg_dump's form, "COPY t (a, b) FROM stdin;": text format, no options.
    stmt.trim_end().ends_with(" FROM stdin;").then_some(stmt)
}

impl Engine<'_> {
    /// Whether the connection is gone (a worker whose backend was
    /// terminated).
    pub(in crate::restore) fn is_closed(&self) -> bool {
        self.client.is_closed()
    }
}

/// Restores the data of `e` (COPY statement `stmt`) on `engines`, the first
/// of which reports the entry, reading the block with `blocks`.
pub(in crate::restore) async fn restore_split(
    engines: &mut [&mut Engine<'_>],
    e: &TocEntry,
    stmt: &str,
    blocks: Blocks,
) -> Result<()> {
    let name = e.name();
    engines[0].report.entries += 1;
    for engine in engines.iter_mut() {
        engine.select_schema(e).await?;
    }
    let failed_copy = || Failure::bare(format!("COPY failed for table \"{}\"", e.tag_lossy()));

    // A transaction and a COPY on each connection.
    let mut sinks = Vec::with_capacity(engines.len());
    for (i, engine) in engines.iter().enumerate() {
        let started = match engine.client.batch_execute("BEGIN").await {
            Ok(()) => start_copy(engine, stmt).await,
            Err(err) => Err((err, false)),
        };
        match started {
            Ok(sink) => sinks.push(sink),
            Err((err, copy_started)) => {
                drop(sinks);
                let lead = &mut *engines[0];
                let f = if copy_started {
                    Failure::query(stmt)
                } else {
                    Failure {
                        context: "could not start database transaction".into(),
                        command: Some("BEGIN"),
                    }
                };
                lead.failed(&name, f, &err)?;
                // A COPY whose start failed leaves tokio-postgres one
                // answer ahead (see engine.rs): a new connection.
                if copy_started && super::desynced(&err) {
                    engines[i].reconnect().await?;
                }
                roll_back(engines).await;
                return Ok(());
            }
        }
    }

    // One reader, one task per connection.
    let (tx, rx) = mpsc::channel::<Batch>(2 * engines.len());
    let reader = tokio::task::spawn_blocking(move || produce(blocks, name, tx));
    let rx = Arc::new(Mutex::new(rx));
    let stop = Arc::new(AtomicBool::new(false));
    let tasks: Vec<_> = sinks
        .into_iter()
        .map(|sink| tokio::spawn(feed(sink, rx.clone(), stop.clone())))
        .collect();
    drop(rx);
    let mut shares = Vec::with_capacity(tasks.len());
    for t in tasks {
        shares.push(t.await.map_err(|e| Error::task_died("a COPY task", &e))?);
    }
    let read = reader
        .await
        .map_err(|e| Error::task_died("the block reader", &e))?;
    if let Err(err) = read {
        // An archive defect stops the restore; nothing of the table stays.
        roll_back(engines).await;
        return Err(err);
    }

    let name = e.name();
    match first_failure(&shares) {
        None => {
            let rows: u64 = shares.iter().filter_map(|s| s.outcome.as_ref().ok()).sum();
            for i in 0..engines.len() {
                if let Err(err) = engines[i].client.batch_execute("COMMIT").await {
                    let f = Failure {
                        context: "could not commit database transaction".into(),
                        command: Some("COMMIT"),
                    };
                    engines[0].failed(&name, f, &err)?;
                }
            }
            engines[0].report.rows += rows;
        }
        Some(message) => {
            roll_back(engines).await;
            engines[0].failed_with(&name, failed_copy(), message)?;
        }
    }
    Ok(())
}

/// Prepares and starts `stmt`; the error says whether the COPY itself was
/// refused (then the connection must be replaced).
async fn start_copy(
    engine: &Engine<'_>,
    stmt: &str,
) -> std::result::Result<CopyInSink<Bytes>, (tokio_postgres::Error, bool)> {
    let prepared = engine.client.prepare(stmt).await.map_err(|e| (e, false))?;
    engine
        .client
        .copy_in::<_, Bytes>(&prepared)
        .await
        .map_err(|e| (e, true))
}

/// Ends the transaction on every connection still open (errors do not
/// matter: the shares are thrown away).
async fn roll_back(engines: &mut [&mut Engine<'_>]) {
    for engine in engines.iter() {
        if !engine.client.is_closed() {
            let _ = engine.client.batch_execute("ROLLBACK").await;
        }
    }
}

/// The failure to report, as pg_restore would see it with one COPY: the
/// share that failed at the earliest row of the block, its line number
/// made the block's; else a lost connection.
fn first_failure(shares: &[Share]) -> Option<String> {
    let mut best: Option<(u64, String)> = None;
    let mut lost = None;
    for share in shares {
        let Err(err) = &share.outcome else { continue };
        if err.is_closed() || err.as_db_error().is_none() {
            lost.get_or_insert_with(|| {
                if err.is_closed() {
                    "server closed the connection unexpectedly".to_owned()
                } else {
                    failure::server_message(err)
                }
            });
            continue;
        }
        let message = failure::server_message(err);
        let (line, message) = match copy_line(&message) {
            Some((at, len, line)) => {
                let global = block_line(&share.spans, line);
                let mut m = message.clone();
                m.replace_range(at..at + len, &global.to_string());
                (global, m)
            }
            None => (u64::MAX, message),
        };
        if best.as_ref().is_none_or(|(l, _)| line < *l) {
            best = Some((line, message));
        }
    }
    best.map(|(_, m)| m).or(lost)
}

/// Where the line number in "CONTEXT:  COPY t, line N..." is in `message`:
/// (byte offset, length, N).
fn copy_line(message: &str) -> Option<(usize, usize, u64)> {
    let context = message.find("CONTEXT:  COPY ")?;
    let at = context + message[context..].find(", line ")? + ", line ".len();
    let len = message[at..].bytes().take_while(u8::is_ascii_digit).count();
    let line = message[at..at + len].parse().ok()?;
    Some((at, len, line))
}

/// The line of the block that was line `line` of a share's COPY.
fn block_line(spans: &[(u64, u64)], line: u64) -> u64 {
    match spans.iter().rev().find(|(first, _)| *first <= line) {
        Some((first, block_first)) => block_first + (line - first),
        None => line,
    }
}

/// Reads the block and deals its rows out in batches; stops early when
/// every connection stopped taking them.
fn produce(mut blocks: Blocks, name: EntryName, tx: mpsc::Sender<Batch>) -> Result<()> {
    blocks.open(&name)?;
    let mut buf = Vec::with_capacity(2 * BATCH_SIZE);
    let mut line = 1;
    loop {
        let end = blocks.next(&mut buf)? == Piece::End;
        if buf.len() >= BATCH_SIZE || (end && !buf.is_empty()) {
            let cut = if end {
                Some(buf.len())
            } else {
                buf.iter().rposition(|&b| b == b'\n').map(|p| p + 1)
            };
            if let Some(cut) = cut {
                let rest = buf[cut..].to_vec();
                buf.truncate(cut);
                let lines = buf.iter().filter(|&&b| b == b'\n').count() as u64;
                let data = Bytes::from(std::mem::replace(&mut buf, rest));
                let batch = Batch {
                    first_line: line,
                    lines,
                    data,
                };
                line += lines;
                if tx.blocking_send(batch).is_err() {
                    return Ok(());
                }
            }
        }
        if end {
            return Ok(());
        }
    }
}

/// Feeds one connection's COPY with batches as it is ready for them.
/// After a failure anywhere the batches are only drained.
async fn feed(
    sink: CopyInSink<Bytes>,
    rx: Arc<Mutex<mpsc::Receiver<Batch>>>,
    stop: Arc<AtomicBool>,
) -> Share {
    let mut sink = pin!(sink);
    let mut spans = Vec::new();
    let mut next_line = 1;
    loop {
        let batch = rx.lock().await.recv().await;
        let Some(batch) = batch else { break };
        if stop.load(Ordering::Relaxed) {
            continue;
        }
        spans.push((next_line, batch.first_line));
        next_line += batch.lines;
        if let Err(err) = sink.send(batch.data).await {
            // Only a connection gone makes a send fail.
            stop.store(true, Ordering::Relaxed);
            return Share {
                spans,
                outcome: Err(err),
            };
        }
    }
    let outcome = sink.as_mut().finish().await;
    if outcome.is_err() {
        stop.store(true, Ordering::Relaxed);
    }
    Share { spans, outcome }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_share_line_is_mapped_to_the_block_line() {
        // The share got block lines 1..=10, then 31..=40.
        let spans = [(1, 1), (11, 31)];
        assert_eq!(block_line(&spans, 3), 3);
        assert_eq!(block_line(&spans, 11), 31);
        assert_eq!(block_line(&spans, 15), 35);
        let m = "ERROR:  invalid input syntax for type integer: \"4x\"\n\
                 CONTEXT:  COPY bad, line 15, column v: \"4x\"";
        let (at, len, line) = copy_line(m).expect("a line number");
        assert_eq!((line, &m[at..at + len]), (15, "15"));
    }
}
