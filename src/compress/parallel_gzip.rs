//! [`ParallelGzip`]: one zlib stream, compressed on a pool of threads.
//!
//! The caller's thread cuts the input into chunks and hands each to the
//! pool together with the 32 KiB before it; workers compress chunks
//! independently; the caller's thread takes the results back, puts them in
//! order and writes them to the inner sink. At most `2 × threads` chunks
//! are in flight: a writer that gets ahead waits for the oldest chunk.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::num::NonZeroUsize;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use archive_format::deflate_parallel::{
    adler32, ChunkCompressor, CompressedChunk, DeflateError, ZlibStreamAssembler, DICT_SIZE,
    MAX_LEVEL,
};

/// What failed in a [`ParallelGzip`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ParallelGzipError {
    /// Options that cannot work.
    #[error("invalid parallel gzip options: {0}")]
    Options(String),
    /// A worker thread could not be started.
    #[error("starting compression thread {index}: {source}")]
    Spawn {
        /// Which thread (from 0).
        index: usize,
        /// The operating system's error.
        source: io::Error,
    },
    /// Compressing a chunk failed (or its worker panicked).
    #[error("compressing chunk {index} (input bytes from {offset}): {message}")]
    Compress {
        /// The chunk's position in the stream, from 0.
        index: u64,
        /// Offset of its first byte in the input.
        offset: u64,
        /// What went wrong.
        message: String,
    },
    /// Putting chunks together into the stream failed (a bug if it happens).
    #[error("assembling the zlib stream: {0}")]
    Assemble(#[from] DeflateError),
    /// Every worker thread is gone with chunks still in flight.
    #[error("the compression threads stopped with {in_flight} chunks in flight")]
    WorkersGone {
        /// Chunks sent and never returned.
        in_flight: usize,
    },
    /// The inner sink refused the compressed bytes.
    #[error("writing compressed chunk {index}: {source}")]
    Output {
        /// The chunk being written.
        index: u64,
        /// The sink's error.
        source: io::Error,
    },
    /// An earlier call failed; the stream is unusable.
    #[error("the compressed stream already failed: {0}")]
    Failed(String),
}

impl From<ParallelGzipError> for io::Error {
    fn from(e: ParallelGzipError) -> Self {
        let kind = match &e {
            ParallelGzipError::Output { source, .. } => source.kind(),
            _ => io::ErrorKind::Other,
        };
        io::Error::new(kind, e)
    }
}

/// How [`ParallelGzip`] compresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParallelGzipOptions {
    level: u32,
    threads: usize,
    chunk_size: usize,
}

impl ParallelGzipOptions {
    /// Input bytes per chunk by default (1 MiB).
    pub const DEFAULT_CHUNK_SIZE: usize = 1 << 20;

    /// zlib `level` (0 stores, 1 fastest, 9 smallest), on as many threads
    /// as the machine has cores, in chunks of [`Self::DEFAULT_CHUNK_SIZE`].
    pub fn new(level: u32) -> Self {
        ParallelGzipOptions {
            level,
            threads: std::thread::available_parallelism().map_or(1, NonZeroUsize::get),
            chunk_size: Self::DEFAULT_CHUNK_SIZE,
        }
    }

    /// Compression threads (at least 1).
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    /// Input bytes per chunk (at least 1; chunks under 32 KiB cost ratio).
    pub fn chunk_size(mut self, chunk_size: usize) -> Self {
        self.chunk_size = chunk_size;
        self
    }

    /// The zlib level.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// The number of compression threads.
    pub fn thread_count(&self) -> usize {
        self.threads
    }

    /// Input bytes per chunk.
    pub fn chunk_len(&self) -> usize {
        self.chunk_size
    }

    fn validate(&self) -> Result<(), ParallelGzipError> {
        if self.level > MAX_LEVEL {
            return Err(ParallelGzipError::Options(format!(
                "level {} is not 0-9",
                self.level
            )));
        }
        if self.threads == 0 {
            return Err(ParallelGzipError::Options("0 threads".into()));
        }
        if self.chunk_size == 0 {
            return Err(ParallelGzipError::Options("a chunk size of 0 bytes".into()));
        }
        Ok(())
    }
}

/// A chunk for a worker: `buf` holds the dictionary (the input just before
/// the chunk) then the chunk itself.
struct Job {
    index: u64,
    offset: u64,
    buf: Vec<u8>,
    dict_len: usize,
    last: bool,
    out: Vec<u8>,
}

/// A worker's answer; `buf` comes back to be reused.
struct Done {
    index: u64,
    offset: u64,
    buf: Vec<u8>,
    result: Result<CompressedChunk, String>,
}

/// The compression threads of a [`ParallelGzip`], which can be kept from
/// one stream to the next ([`ParallelGzip::with_pool`],
/// [`ParallelGzip::finish_keeping_pool`]): a backup starts them once, not
/// once per table. Dropping it stops them (after their current chunk).
pub struct GzipPool {
    jobs: Option<Sender<Job>>,
    results: Receiver<Done>,
    workers: Vec<JoinHandle<()>>,
    level: u32,
}

impl std::fmt::Debug for GzipPool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GzipPool")
            .field("level", &self.level)
            .field("threads", &self.workers.len())
            .finish()
    }
}

impl GzipPool {
    /// Starts the threads for `options` (its level and thread count).
    pub fn start(options: &ParallelGzipOptions) -> Result<Self, ParallelGzipError> {
        options.validate()?;
        Self::spawn(options.level, options.threads)
    }

    /// Whether this pool compresses as `options` asks.
    pub fn fits(&self, options: &ParallelGzipOptions) -> bool {
        self.level == options.level && self.workers.len() == options.threads
    }

    /// The worker threads' ids.
    pub fn thread_ids(&self) -> Vec<std::thread::ThreadId> {
        self.workers.iter().map(|w| w.thread().id()).collect()
    }

    /// Whether every worker thread is still running.
    pub fn is_running(&self) -> bool {
        self.workers.iter().all(|w| !w.is_finished())
    }

    fn spawn(level: u32, threads: usize) -> Result<Self, ParallelGzipError> {
        let (job_tx, job_rx) = mpsc::channel::<Job>();
        let (done_tx, done_rx) = mpsc::channel::<Done>();
        let job_rx = Arc::new(Mutex::new(job_rx));
        let mut pool = GzipPool {
            jobs: Some(job_tx),
            results: done_rx,
            workers: Vec::with_capacity(threads),
            level,
        };
        for index in 0..threads {
            let (jobs, results) = (Arc::clone(&job_rx), done_tx.clone());
            let handle = std::thread::Builder::new()
                .name(format!("pgark-gzip-{index}"))
                .spawn(move || work(level, &jobs, &results))
                .map_err(|source| ParallelGzipError::Spawn { index, source })?;
            pool.workers.push(handle);
        }
        Ok(pool)
    }
}

impl Drop for GzipPool {
    fn drop(&mut self) {
        // Workers see the closed queue once their current chunk is done.
        drop(self.jobs.take());
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}

/// A worker: compresses chunks until the queue closes or nobody listens.
fn work(level: u32, jobs: &Mutex<Receiver<Job>>, results: &Sender<Done>) {
    let mut compressor: Option<ChunkCompressor> = None;
    loop {
        let job = {
            // The lock is only held while waiting for a job, which cannot
            // panic: a poisoned lock is still usable.
            let queue = jobs.lock().unwrap_or_else(|p| p.into_inner());
            queue.recv()
        };
        let Ok(mut job) = job else { return };
        let outcome = catch_unwind(AssertUnwindSafe(
            || -> Result<CompressedChunk, DeflateError> {
                let c = match &mut compressor {
                    Some(c) => c,
                    None => compressor.insert(ChunkCompressor::new(level)?),
                };
                let (dict, data) = job.buf.split_at(job.dict_len);
                let mut out = std::mem::take(&mut job.out);
                out.clear();
                c.compress_into(dict, data, job.last, &mut out)?;
                Ok(CompressedChunk {
                    index: job.index,
                    data: out,
                    adler: adler32(1, data),
                    input_len: data.len() as u64,
                    last: job.last,
                })
            },
        ));
        let result = match outcome {
            Ok(r) => r.map_err(|e| e.to_string()),
            Err(panic) => {
                // The compressor may be half-updated: start a new one.
                compressor = None;
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into());
                Err(format!("the compression thread panicked: {what}"))
            }
        };
        let done = Done {
            index: job.index,
            offset: job.offset,
            buf: job.buf,
            result,
        };
        if results.send(done).is_err() {
            return;
        }
    }
}

/// A [`Write`] that compresses what it is given into one zlib stream
/// (RFC 1950) on a pool of threads and writes the stream, strictly in
/// order, to an inner sink.
///
/// The stream is what pg_restore expects in a gzip-compressed data block:
/// one header, sync-flushed raw deflate chunks, one final block, one
/// Adler-32 over the whole input. Call [`ParallelGzip::finish`] to end it;
/// dropping the writer stops the threads and leaves the inner sink with an
/// incomplete stream (the archive writer's own rule: drop or error
/// aborts). After an error every later call fails.
///
/// Memory: at most `2 × threads` chunks in flight (each with its 32 KiB
/// dictionary and its compressed output), plus the one being filled.
///
/// Writes to the inner sink happen on the caller's thread, from `write`
/// and `finish`: the sink need not be [`Send`].
pub struct ParallelGzip<W: Write> {
    inner: W,
    pool: GzipPool,
    options: ParallelGzipOptions,
    assembler: ZlibStreamAssembler,
    /// Dictionary (`dict_len` bytes) then the chunk being filled.
    current: Vec<u8>,
    dict_len: usize,
    next_index: u64,
    in_flight: usize,
    max_in_flight: usize,
    /// Results that came back before their turn.
    ready: BTreeMap<u64, (u64, CompressedChunk)>,
    free_inputs: Vec<Vec<u8>>,
    free_outputs: Vec<Vec<u8>>,
    staging: Vec<u8>,
    total_in: u64,
    total_out: u64,
    failed: Option<String>,
}

impl<W: Write> std::fmt::Debug for ParallelGzip<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelGzip")
            .field("options", &self.options)
            .field("chunks", &self.next_index)
            .field("in_flight", &self.in_flight)
            .field("total_in", &self.total_in)
            .field("total_out", &self.total_out)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<W: Write> ParallelGzip<W> {
    /// Starts the threads. Nothing is written to `inner` before the first
    /// chunk is compressed.
    pub fn new(inner: W, options: ParallelGzipOptions) -> Result<Self, ParallelGzipError> {
        let pool = GzipPool::start(&options)?;
        Self::with_pool(inner, options, pool)
    }

    /// Compresses on `pool`'s threads (started with the same options, and
    /// handed back by [`finish_keeping_pool`](Self::finish_keeping_pool)
    /// of the stream before).
    pub fn with_pool(
        inner: W,
        options: ParallelGzipOptions,
        pool: GzipPool,
    ) -> Result<Self, ParallelGzipError> {
        options.validate()?;
        if !pool.fits(&options) {
            return Err(ParallelGzipError::Options(format!(
                "a pool of {} threads at level {} for {} threads at level {}",
                pool.workers.len(),
                pool.level,
                options.threads,
                options.level
            )));
        }
        let max_in_flight = 2 * options.threads;
        Ok(ParallelGzip {
            inner,
            pool,
            options,
            assembler: ZlibStreamAssembler::new(options.level)?,
            current: Vec::with_capacity(options.chunk_size + DICT_SIZE),
            dict_len: 0,
            next_index: 0,
            in_flight: 0,
            max_in_flight,
            ready: BTreeMap::new(),
            free_inputs: Vec::new(),
            free_outputs: Vec::new(),
            staging: Vec::new(),
            total_in: 0,
            total_out: 0,
            failed: None,
        })
    }

    /// The options in use.
    pub fn options(&self) -> &ParallelGzipOptions {
        &self.options
    }

    /// The inner sink.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Uncompressed bytes taken so far.
    pub fn total_in(&self) -> u64 {
        self.total_in
    }

    /// Compressed bytes written to the inner sink so far.
    pub fn total_out(&self) -> u64 {
        self.total_out
    }

    /// Compresses `data` (it is buffered until a chunk is full).
    pub fn write_input(&mut self, data: &[u8]) -> Result<(), ParallelGzipError> {
        self.guard(|s| s.take_input(data))
    }

    /// Ends the stream: compresses the last chunk, writes everything still
    /// in flight and the Adler-32, flushes the inner sink, stops the
    /// threads and returns the sink.
    pub fn finish(self) -> Result<W, ParallelGzipError> {
        self.finish_keeping_pool().map(|(inner, _pool)| inner)
    }

    /// [`finish`](Self::finish), the threads kept running for the next
    /// stream ([`with_pool`](Self::with_pool)); no chunk is left in them.
    pub fn finish_keeping_pool(mut self) -> Result<(W, GzipPool), ParallelGzipError> {
        self.guard(|s| {
            s.dispatch(true)?;
            while s.in_flight > 0 {
                s.receive(true)?;
            }
            if !s.assembler.is_complete() {
                return Err(ParallelGzipError::Failed(
                    "the stream ended without its last chunk".into(),
                ));
            }
            s.inner.flush().map_err(|source| ParallelGzipError::Output {
                index: s.next_index.saturating_sub(1),
                source,
            })
        })?;
        let ParallelGzip { inner, pool, .. } = self;
        Ok((inner, pool))
    }

    /// Runs `op` unless an earlier call failed; a failure poisons the writer.
    fn guard<T>(
        &mut self,
        op: impl FnOnce(&mut Self) -> Result<T, ParallelGzipError>,
    ) -> Result<T, ParallelGzipError> {
        if let Some(first) = &self.failed {
            return Err(ParallelGzipError::Failed(first.clone()));
        }
        let r = op(self);
        if let Err(e) = &r {
            self.failed = Some(e.to_string());
        }
        r
    }

    fn take_input(&mut self, mut data: &[u8]) -> Result<(), ParallelGzipError> {
        while !data.is_empty() {
            let filled = self.current.len() - self.dict_len;
            // A full chunk goes out only when more input comes, so that
            // `finish` always has a non-empty last chunk to end with.
            if filled == self.options.chunk_size {
                self.dispatch(false)?;
                continue;
            }
            let n = (self.options.chunk_size - filled).min(data.len());
            let (now, rest) = data.split_at(n);
            self.current.extend_from_slice(now);
            self.total_in += n as u64;
            data = rest;
        }
        Ok(())
    }

    /// Sends the current chunk to the pool, waiting first if too many are
    /// in flight, and starts the next chunk with its dictionary.
    fn dispatch(&mut self, last: bool) -> Result<(), ParallelGzipError> {
        while self.in_flight >= self.max_in_flight {
            self.receive(true)?;
        }
        let mut next = if last {
            Vec::new()
        } else {
            let mut b = self.free_inputs.pop().unwrap_or_default();
            b.clear();
            b.reserve(self.options.chunk_size + DICT_SIZE);
            let tail = self.current.len().saturating_sub(DICT_SIZE);
            b.extend_from_slice(&self.current[tail..]);
            b
        };
        std::mem::swap(&mut next, &mut self.current);
        let buf = next;
        let dict_len = std::mem::replace(&mut self.dict_len, self.current.len());
        let offset = self.total_in - (buf.len() - dict_len) as u64;
        let job = Job {
            index: self.next_index,
            offset,
            buf,
            dict_len,
            last,
            out: self.free_outputs.pop().unwrap_or_default(),
        };
        let sent = self.pool.jobs.as_ref().map(|tx| tx.send(job));
        if !matches!(sent, Some(Ok(()))) {
            return Err(ParallelGzipError::WorkersGone {
                in_flight: self.in_flight,
            });
        }
        self.next_index += 1;
        self.in_flight += 1;
        // Write out whatever is done already, without waiting.
        self.receive(false)
    }

    /// Takes results from the workers (waiting for one first if `wait`)
    /// and writes out those whose turn it is.
    fn receive(&mut self, mut wait: bool) -> Result<(), ParallelGzipError> {
        loop {
            let done = if wait {
                self.pool.results.recv().map_err(|_| ())
            } else {
                match self.pool.results.try_recv() {
                    Ok(d) => Ok(d),
                    Err(TryRecvError::Empty) => return Ok(()),
                    Err(TryRecvError::Disconnected) => Err(()),
                }
            };
            let Ok(done) = done else {
                return Err(ParallelGzipError::WorkersGone {
                    in_flight: self.in_flight,
                });
            };
            wait = false;
            if self.free_inputs.len() <= self.max_in_flight {
                self.free_inputs.push(done.buf);
            }
            let chunk = done.result.map_err(|message| ParallelGzipError::Compress {
                index: done.index,
                offset: done.offset,
                message,
            })?;
            self.ready.insert(done.index, (done.offset, chunk));
            self.write_ready()?;
        }
    }

    /// Writes the chunks that are next in order.
    fn write_ready(&mut self) -> Result<(), ParallelGzipError> {
        while let Some((_, chunk)) = self.ready.remove(&self.assembler.chunks()) {
            let index = chunk.index;
            let [header, data, trailer] = self.assembler.push(&chunk)?;
            let written = if header.is_empty() && trailer.is_empty() {
                // The usual case: the chunk as the worker made it.
                if data.is_empty() {
                    Ok(())
                } else {
                    self.inner.write_all(data)
                }
            } else {
                // First or last chunk: one write with header or trailer,
                // so the sink sees no tiny pieces.
                self.staging.clear();
                self.staging.extend_from_slice(header);
                self.staging.extend_from_slice(data);
                self.staging.extend_from_slice(trailer);
                self.inner.write_all(&self.staging)
            };
            let len = (header.len() + data.len() + trailer.len()) as u64;
            written.map_err(|source| ParallelGzipError::Output { index, source })?;
            self.total_out += len;
            self.in_flight -= 1;
            if self.free_outputs.len() <= self.max_in_flight {
                self.free_outputs.push(chunk.data);
            }
        }
        Ok(())
    }
}

impl<W: Write> Write for ParallelGzip<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_input(buf)?;
        Ok(buf.len())
    }

    /// Writes out the chunks already compressed and flushes the inner sink.
    /// It does not cut a chunk short: input still being collected stays
    /// buffered until the chunk is full or [`ParallelGzip::finish`].
    fn flush(&mut self) -> io::Result<()> {
        self.guard(|s| {
            s.receive(false)?;
            s.inner.flush().map_err(|source| ParallelGzipError::Output {
                index: s.assembler.chunks(),
                source,
            })
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn text(rows: usize) -> Vec<u8> {
        let mut s = Vec::new();
        for i in 0..rows {
            let _ = writeln!(
                s,
                "{i}\t{:016x}\tsome prose that repeats {}\t\\N",
                (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15),
                i % 17
            );
        }
        s
    }

    fn inflate(z: &[u8]) -> Vec<u8> {
        let mut d = flate2::read::ZlibDecoder::new(z);
        let mut out = Vec::new();
        d.read_to_end(&mut out).expect("one valid zlib stream");
        assert_eq!(d.total_in(), z.len() as u64, "bytes after the stream");
        out
    }

    fn compress(input: &[u8], options: ParallelGzipOptions, piece: usize) -> Vec<u8> {
        let mut gz = ParallelGzip::new(Vec::new(), options).expect("start");
        for p in input.chunks(piece.max(1)) {
            gz.write_all(p).expect("write");
        }
        assert_eq!(gz.total_in(), input.len() as u64);
        gz.finish().expect("finish")
    }

    #[test]
    fn round_trips_for_threads_levels_and_chunk_sizes() {
        let input = text(4000);
        for threads in [1, 2, 3, 8] {
            for level in [0, 1, 6, 9] {
                for chunk in [5000, 64 * 1024, 1 << 20] {
                    let o = ParallelGzipOptions::new(level)
                        .threads(threads)
                        .chunk_size(chunk);
                    let z = compress(&input, o, 7777);
                    assert_eq!(inflate(&z), input, "{o:?}");
                }
            }
        }
    }

    #[test]
    fn empty_and_exact_multiple_inputs() {
        let o = ParallelGzipOptions::new(6).threads(2).chunk_size(1000);
        assert_eq!(inflate(&compress(b"", o, 1)), b"");
        let input = vec![b'a'; 5000];
        assert_eq!(inflate(&compress(&input, o, 1000)), input);
        assert_eq!(inflate(&compress(&input, o, 1)), input);
    }

    #[test]
    fn ratio_is_close_to_one_stream() {
        let input = text(20_000);
        let one =
            archive_format::deflate_parallel::compress_chunk(b"", &input, 6, true).expect("single");
        let o = ParallelGzipOptions::new(6).threads(2).chunk_size(64 * 1024);
        let many = compress(&input, o, 1 << 16);
        assert!(
            (many.len() as f64) < one.len() as f64 * 1.02,
            "{} vs {}",
            many.len(),
            one.len()
        );
    }

    #[test]
    fn bad_options_are_refused() {
        for o in [
            ParallelGzipOptions::new(10),
            ParallelGzipOptions::new(6).threads(0),
            ParallelGzipOptions::new(6).chunk_size(0),
        ] {
            let e = ParallelGzip::new(Vec::new(), o).expect_err("refused");
            assert!(matches!(e, ParallelGzipError::Options(_)), "{e}");
        }
    }

    /// A sink that fails after some bytes.
    struct Broken(usize);

    impl Write for Broken {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if buf.len() > self.0 {
                return Err(io::Error::new(io::ErrorKind::BrokenPipe, "pipe closed"));
            }
            self.0 -= buf.len();
            Ok(buf.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_failing_sink_fails_the_stream_and_names_the_chunk() {
        let input = text(50_000);
        let o = ParallelGzipOptions::new(1).threads(2).chunk_size(4096);
        let mut gz = ParallelGzip::new(Broken(10_000), o).expect("start");
        let err = input
            .chunks(1000)
            .try_for_each(|p| gz.write_all(p))
            .expect_err("the sink breaks");
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe, "{err}");
        assert!(
            err.to_string().contains("writing compressed chunk"),
            "{err}"
        );
        let again = gz.write_all(b"more").expect_err("stays failed");
        assert!(again.to_string().contains("already failed"), "{again}");
        assert!(matches!(gz.finish(), Err(ParallelGzipError::Failed(_))));
    }

    #[test]
    fn dropping_unfinished_stops_the_threads() {
        let input = text(10_000);
        let o = ParallelGzipOptions::new(6).threads(2).chunk_size(4096);
        let mut gz = ParallelGzip::new(Vec::new(), o).expect("start");
        gz.write_all(&input).expect("write");
        drop(gz);
    }
}
