//! An S3 multipart upload behind [`std::io::Write`], for archives.
//!
//! The archive writer writes the whole archive, start to end, into an
//! [`S3Sink`]. The sink:
//!
//! * **holds the first part in memory** — at least `max(min part size,
//!   hold_at_least)` bytes, so it covers the archive's header and TOC —
//!   and lets [`S3Sink::finish_patched`] rewrite it (the TOC's data
//!   offsets) before uploading it, last, as part 1;
//! * **streams parts 2..N** as the data arrives, each buffered as
//!   [`Bytes`] (so a retry can resend it) and uploaded by a task on the
//!   tokio runtime, with a bounded number in flight: peak memory is about
//!   the held part + the part being filled + the parts in flight
//!   (`max_in_flight_bytes`, at least one part), whatever the archive's
//!   size;
//! * **sizes parts adaptively**: the minimum (default 8 MiB) for parts up
//!   to 1,000, doubling every 1,000 parts, so 10,000 parts hold about
//!   7.8 TiB at the default minimum ([`max_archive_size`]); as parts grow,
//!   fewer are in flight, to stay within the memory budget. With the
//!   defaults (8 MiB, 4 in flight) an archive up to 8 GB peaks near
//!   8 + 8 + 32 = 48 MiB of buffers; parts, and so memory, grow only past
//!   that (64 MiB parts from about 56 GB on: about 8 + 2 × 64 MiB; the
//!   last tier's 4 GiB parts need about 8 GiB);
//! * **checks integrity**: every part (and a single PutObject) carries its
//!   SHA-256 (`x-amz-checksum-sha256`), so S3 rejects a part damaged in
//!   transit; the upload is created with the SHA-256 algorithm, so S3
//!   stores the composite checksum;
//! * **retries** each call on transient failures (timeouts, connection
//!   errors, 5xx, throttling) with jittered exponential backoff, up to
//!   `max_attempts`; the SDK's own retries are turned off so attempts are
//!   counted in one place;
//! * **never leaves a partial object**: the object only appears with the
//!   final CompleteMultipartUpload (or PutObject). On an error, on
//!   [`S3Sink::abort`], and when the sink is dropped without being
//!   finished (the backup failed, or was interrupted), the multipart
//!   upload is aborted (best effort, bounded by `abort_timeout`), so no
//!   parts linger either. A process killed outright cannot abort: a bucket
//!   lifecycle rule `AbortIncompleteMultipartUpload` is the safety net;
//! * **never overwrites**: the final call is conditional
//!   (`If-None-Match: *`), and an existing object under the key is
//!   [`S3Error::AlreadyExists`] (unless `overwrite` is set);
//! * **needs only write-only credentials**: `s3:PutObject` (PutObject and
//!   every multipart call but abort), `s3:AbortMultipartUpload` and
//!   `s3:ListMultipartUploadParts` (to check an abort left no part). It
//!   never reads, lists or HEADs objects or buckets.
//!
//! # Digests
//!
//! The SHA-256 of the whole archive cannot be computed while streaming:
//! part 1 is patched after parts 2..N were hashed, uploaded and dropped.
//! The result ([`S3Upload`]) therefore records each part's SHA-256 and,
//! for a multipart object, the S3-style composite digest: SHA-256 of the
//! concatenated binary part digests, written `<hex>-<number of parts>`
//! (S3 reports the same digest in base64 as the object's
//! `ChecksumSHA256`). A single PutObject records the plain SHA-256 of the
//! object.
//!
//! # Threads
//!
//! The sink is driven from a plain thread, not from inside an async task:
//! [`S3Sink::open`] keeps the multi-threaded tokio runtime it is awaited
//! on, spawns the part uploads there and blocks (with `Handle::block_on`)
//! only when the in-flight limit is reached and at the end. Drop the sink
//! before shutting the runtime down.
//!
//! ```no_run
//! use std::io::Write;
//! use pgark::sink::s3::{S3ClientOptions, S3Sink, S3SinkOptions};
//! use pgark::S3Url;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let rt = tokio::runtime::Runtime::new()?;
//! let s3 = S3ClientOptions::from_env();
//! let target = S3Url::object("s3://backups/db/2024-01-01.dump")?;
//! let mut sink = rt.block_on(S3Sink::open(&s3, target, S3SinkOptions::default()))?;
//! sink.write_all(b"PGDMP...")?;
//! let upload = sink.finish_patched(|first_part: &mut [u8]| {
//!     first_part[5] = 1; // e.g. archive_format::Finished::patch_prefix
//!     Ok::<(), std::io::Error>(())
//! })?;
//! println!("{} bytes in {} parts, digest {}", upload.size, upload.parts.len(), upload.digest);
//! # Ok(()) }
//! ```

mod client;
mod error;
mod parts;
mod upload;

use std::fmt;
use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::config::retry::RetryConfig;
use aws_sdk_s3::config::RequestChecksumCalculation;
use aws_sdk_s3::Client;
use bytes::{Bytes, BytesMut};
use tokio::runtime::{Handle, RuntimeFlavor};
use tokio::task::JoinSet;

use crate::S3Url;
pub use client::S3ClientOptions;
pub(crate) use client::{build_client, preflight};
pub(crate) use error::{chain_line, Failure};
pub use error::{S3Action, S3Error};
pub use parts::{
    composite_sha256, max_archive_size, part_size, DEFAULT_MIN_PART_SIZE, MAX_PARTS, MAX_PART_SIZE,
    MIN_PART_SIZE, PARTS_PER_STEP,
};

pub(crate) use parts::hex;
use parts::sha256;
use upload::{Committed, Ctx, PartDone, RetryPolicy};

/// How an [`S3Sink`] uploads.
#[derive(Debug, Clone)]
pub struct S3SinkOptions {
    /// Size of parts 2 to 1,000 (doubling every 1,000 parts after that),
    /// and the least the held first part holds. 5 MiB ..= 5 GiB; default
    /// 8 MiB.
    pub min_part_size: u64,
    /// The held first part holds at least this many bytes: the caller's
    /// header + TOC length, which can exceed the part size for huge TOCs.
    /// At most 5 GiB. Default 0.
    pub hold_at_least: u64,
    /// Most parts uploading at once. Default 4.
    pub max_in_flight: usize,
    /// Most bytes in parts uploading at once (at least one part is always
    /// allowed, so large parts late in a huge archive go one by one).
    /// Default: `max_in_flight × min_part_size`.
    pub max_in_flight_bytes: Option<u64>,
    /// Attempts per call, the first included. Default 5.
    pub max_attempts: u32,
    /// Wait before the first retry; doubled for each further one.
    /// Default 200 ms.
    pub initial_backoff: Duration,
    /// Longest wait between attempts. Default 10 s.
    pub max_backoff: Duration,
    /// Time one attempt may take, plus one second per MiB of body.
    /// Default 120 s.
    pub attempt_timeout: Duration,
    /// Time the abort of a failed upload may take in all. Default 10 s.
    pub abort_timeout: Duration,
    /// Replace an existing object under the key instead of failing with
    /// [`S3Error::AlreadyExists`]. Default false.
    pub overwrite: bool,
}

impl Default for S3SinkOptions {
    fn default() -> Self {
        S3SinkOptions {
            min_part_size: DEFAULT_MIN_PART_SIZE,
            hold_at_least: 0,
            max_in_flight: 4,
            max_in_flight_bytes: None,
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(10),
            attempt_timeout: Duration::from_secs(120),
            abort_timeout: Duration::from_secs(10),
            overwrite: false,
        }
    }
}

/// One uploaded part of an [`S3Upload`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PartInfo {
    /// Part number, from 1.
    pub number: u32,
    /// Size in bytes.
    pub size: u64,
    /// SHA-256 of the part's bytes (lower-case hex), as sent to S3.
    pub sha256: String,
}

/// A finished upload: what was written where, with its digests.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct S3Upload {
    /// Where.
    pub target: S3Url,
    /// Total bytes.
    pub size: u64,
    /// Whether it was a multipart upload (else one PutObject).
    pub multipart: bool,
    /// Every part in order; one for a PutObject.
    pub parts: Vec<PartInfo>,
    /// SHA-256 of the whole object (hex), for a single PutObject only (see
    /// the module docs for why a multipart upload cannot have it).
    pub sha256: Option<String>,
    /// For a multipart upload, the composite digest `<hex>-<parts>`: the
    /// SHA-256 of the concatenated binary part digests.
    pub composite_sha256: Option<String>,
    /// The archive's digest: `sha256` for a PutObject, `composite_sha256`
    /// for a multipart upload.
    pub digest: String,
    /// The checksum S3 reported for the object (base64, `-N` suffixed for
    /// multipart), if it did.
    pub s3_checksum_sha256: Option<String>,
    /// The object's ETag, if S3 sent one.
    pub e_tag: Option<String>,
    /// The object's version id, on a versioned bucket.
    pub version_id: Option<String>,
}

/// An S3 object being written; see the [module docs](self).
///
/// Call [`finish`](S3Sink::finish) or [`finish_patched`](S3Sink::finish_patched)
/// to commit. Dropping the sink unfinished aborts the upload: nothing
/// appears under the key. The [`io::Write`] impl returns errors that carry
/// an [`S3Error`] (see [`S3Error::from_io`]); after one error every later
/// write fails the same way.
pub struct S3Sink {
    target: S3Url,
    state: Option<State>,
}

struct State {
    ctx: Arc<Ctx>,
    handle: Handle,
    min_part_size: u64,
    max_in_flight: usize,
    max_in_flight_bytes: u64,
    abort_timeout: Duration,
    /// The first part, patched and uploaded at the end.
    held: Vec<u8>,
    held_cap: usize,
    /// The part being filled, and its target size (0: none started).
    cur: BytesMut,
    cur_cap: usize,
    /// Number of the next part to start.
    next_part: u32,
    upload_id: Option<Arc<str>>,
    tasks: JoinSet<Result<PartDone, S3Error>>,
    done: Vec<PartDone>,
    total: u64,
    max_total: u64,
    failed: Option<S3Error>,
}

impl fmt::Debug for S3Sink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("S3Sink");
        d.field("target", &self.target);
        if let Some(s) = &self.state {
            d.field("upload_id", &s.upload_id)
                .field("bytes_written", &s.total)
                .field("parts_started", &(s.next_part - 2))
                .field("parts_in_flight", &s.tasks.len())
                .field("failed", &s.failed.is_some());
        }
        d.finish_non_exhaustive()
    }
}

impl S3Sink {
    /// A sink writing `target` with a client built from `s3`, running its
    /// uploads on the runtime this is awaited on (it must be a
    /// multi-threaded one). Nothing is sent until the held part is full,
    /// or until [`finish`](S3Sink::finish); so credentials and the bucket
    /// are not checked here.
    pub async fn open(
        s3: &S3ClientOptions,
        target: S3Url,
        options: S3SinkOptions,
    ) -> Result<S3Sink, S3Error> {
        let client = build_client(s3).await;
        S3Sink::with_client(&client, Handle::current(), target, options)
    }

    /// [`open`](S3Sink::open) with a client the caller built, uploading on
    /// `handle`.
    pub(crate) fn with_client(
        client: &Client,
        handle: Handle,
        target: S3Url,
        options: S3SinkOptions,
    ) -> Result<S3Sink, S3Error> {
        let held = checked_held_part(&handle, &target, &options)?;
        let ctx = Arc::new(Ctx {
            client: sink_client(client),
            bucket: target.bucket.clone(),
            key: target.key.clone(),
            retry: RetryPolicy {
                max_attempts: options.max_attempts,
                initial_backoff: options.initial_backoff,
                max_backoff: options.max_backoff,
                attempt_timeout: options.attempt_timeout,
            },
            overwrite: options.overwrite,
        });
        Ok(S3Sink {
            state: Some(State::new(ctx, handle, held, &options)),
            target,
        })
    }

    /// Where the sink writes.
    pub fn target(&self) -> &S3Url {
        &self.target
    }

    /// Bytes written so far.
    pub fn bytes_written(&self) -> u64 {
        self.state.as_ref().map_or(0, |s| s.total)
    }

    /// Size of the held first part (what [`finish_patched`](S3Sink::finish_patched)
    /// may patch) once it is full.
    pub fn held_capacity(&self) -> usize {
        self.state.as_ref().map_or(0, |s| s.held_cap)
    }

    /// The multipart upload's id, once one was started.
    pub fn upload_id(&self) -> Option<&str> {
        self.state.as_ref().and_then(|s| s.upload_id.as_deref())
    }

    /// Number of parts after the first that were handed to upload tasks
    /// (finished or in flight).
    pub fn parts_started(&self) -> u32 {
        self.state.as_ref().map_or(0, |s| s.next_part - 2)
    }

    /// Commits the archive as written.
    pub fn finish(self) -> Result<S3Upload, S3Error> {
        self.finish_patched(|_| Ok::<(), std::convert::Infallible>(()))
    }

    /// Lets `patch` rewrite the held first part (the archive's first
    /// [`held_capacity`](S3Sink::held_capacity) bytes, or all of it if it
    /// is smaller), then commits: a PutObject if the archive fits in the
    /// held part, else uploads part 1 last and completes the multipart
    /// upload with the ordered part list. On any error the upload is
    /// aborted and nothing appears under the key (except for
    /// [`S3Error::CompletionUnknown`], where S3's answer was lost).
    pub fn finish_patched<F, E>(mut self, patch: F) -> Result<S3Upload, S3Error>
    where
        F: FnOnce(&mut [u8]) -> Result<(), E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let Some(mut state) = self.state.take() else {
            return Err(self.gone());
        };
        let result = state.finish(&self.target, patch);
        if result.is_err() {
            let _ = state.abort();
        }
        result
    }

    /// Aborts the upload (if one was started): stops the part uploads,
    /// calls AbortMultipartUpload and checks that no part is left. Dropping
    /// the sink does the same, ignoring errors.
    pub fn abort(mut self) -> Result<(), S3Error> {
        match self.state.take() {
            Some(mut state) => state.abort(),
            None => Ok(()),
        }
    }

    fn gone(&self) -> S3Error {
        S3Error::Internal {
            bucket: self.target.bucket.clone(),
            key: self.target.key.clone(),
            message: "the S3 sink was already finished or aborted".into(),
        }
    }
}

impl io::Write for S3Sink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let Some(state) = self.state.as_mut() else {
            return Err(self.gone().into());
        };
        if let Some(e) = &state.failed {
            return Err(e.clone().into());
        }
        match state.push(buf) {
            Ok(()) => Ok(buf.len()),
            Err(e) => {
                state.failed = Some(e.clone());
                Err(e.into())
            }
        }
    }

    /// Nothing to flush: parts go out when full, the rest at `finish`.
    fn flush(&mut self) -> io::Result<()> {
        match self.state.as_ref().and_then(|s| s.failed.clone()) {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}

impl Drop for S3Sink {
    fn drop(&mut self) {
        if let Some(mut state) = self.state.take() {
            let _ = state.abort();
        }
    }
}

/// The held first part's size, once the runtime and `options` are
/// checked: S3's part limits, room for the caller's header and TOC, at
/// least one part in flight and one attempt.
fn checked_held_part(
    handle: &Handle,
    target: &S3Url,
    options: &S3SinkOptions,
) -> Result<usize, S3Error> {
    let config_error = |message: String| S3Error::Config {
        bucket: target.bucket.clone(),
        key: target.key.clone(),
        message,
    };
    if handle.runtime_flavor() != RuntimeFlavor::MultiThread {
        return Err(config_error(
            "the S3 sink needs a multi-threaded tokio runtime".into(),
        ));
    }
    if !(MIN_PART_SIZE..=MAX_PART_SIZE).contains(&options.min_part_size) {
        return Err(config_error(format!(
            "the minimum part size must be between 5 MiB and 5 GiB, not {} bytes",
            options.min_part_size
        )));
    }
    let held = options.min_part_size.max(options.hold_at_least);
    if held > MAX_PART_SIZE {
        return Err(config_error(format!(
            "the archive's header and TOC ({} bytes) exceed S3's largest part (5 GiB)",
            options.hold_at_least
        )));
    }
    if options.max_in_flight == 0 || options.max_attempts == 0 {
        return Err(config_error(
            "max_in_flight and max_attempts must be at least 1".into(),
        ));
    }
    usize::try_from(held)
        .map_err(|_| config_error(format!("a part of {held} bytes does not fit in memory")))
}

/// `client` as the sink uses it: retries are ours (per part, counted in
/// one place); checksums are ours (SHA-256, given explicitly), so the SDK
/// adds none.
fn sink_client(client: &Client) -> Client {
    let conf = client
        .config()
        .to_builder()
        .retry_config(RetryConfig::disabled())
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .build();
    Client::from_conf(conf)
}

/// Runs `fut` to completion from synchronous code, always on the caller's
/// runtime (`handle`, the one the sink was given): no runtime is built.
/// From a plain thread that is `Handle::block_on`; from inside a runtime
/// (where that would panic, e.g. a sink dropped in an async task) the same
/// `Handle::block_on` runs on a scoped helper thread.
fn block_on<F>(handle: &Handle, fut: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    if Handle::try_current().is_err() {
        return handle.block_on(fut);
    }
    std::thread::scope(|scope| match scope.spawn(|| handle.block_on(fut)).join() {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

impl State {
    /// Nothing held, nothing started; `held_cap` checked by
    /// [`checked_held_part`].
    fn new(ctx: Arc<Ctx>, handle: Handle, held_cap: usize, options: &S3SinkOptions) -> State {
        let in_flight_default = options
            .min_part_size
            .saturating_mul(options.max_in_flight as u64);
        State {
            ctx,
            handle,
            min_part_size: options.min_part_size,
            max_in_flight: options.max_in_flight,
            max_in_flight_bytes: options.max_in_flight_bytes.unwrap_or(in_flight_default),
            abort_timeout: options.abort_timeout,
            held: Vec::with_capacity(held_cap.min(DEFAULT_MIN_PART_SIZE as usize)),
            held_cap,
            cur: BytesMut::new(),
            cur_cap: 0,
            next_part: 2,
            upload_id: None,
            tasks: JoinSet::new(),
            done: Vec::new(),
            total: 0,
            max_total: max_archive_size(held_cap as u64, options.min_part_size),
            failed: None,
        }
    }

    fn push(&mut self, buf: &[u8]) -> Result<(), S3Error> {
        self.reap()?;
        let mut rest = buf;
        while !rest.is_empty() {
            if self.held.len() < self.held_cap {
                let n = rest.len().min(self.held_cap - self.held.len());
                self.held.extend_from_slice(&rest[..n]);
                rest = &rest[n..];
                continue;
            }
            if self.cur_cap == 0 {
                if self.next_part > MAX_PARTS {
                    return Err(S3Error::TooLarge {
                        bucket: self.ctx.bucket.clone(),
                        key: self.ctx.key.clone(),
                        max_bytes: self.max_total,
                    });
                }
                // The archive outgrew the held part: start the multipart
                // upload now, so a bad bucket or key fails early.
                self.upload()?;
                let size = part_size(self.min_part_size, self.next_part);
                self.cur_cap = usize::try_from(size).map_err(|_| {
                    self.ctx
                        .internal(format!("a part of {size} bytes does not fit in memory"))
                })?;
                self.cur = BytesMut::with_capacity(self.cur_cap);
            }
            let n = rest.len().min(self.cur_cap - self.cur.len());
            self.cur.extend_from_slice(&rest[..n]);
            rest = &rest[n..];
            if self.cur.len() == self.cur_cap {
                self.seal()?;
            }
        }
        self.total += buf.len() as u64;
        Ok(())
    }

    /// Collects uploads that already finished, surfacing their errors early.
    fn reap(&mut self) -> Result<(), S3Error> {
        while let Some(r) = self.tasks.try_join_next() {
            self.collect(r)?;
        }
        Ok(())
    }

    fn collect(
        &mut self,
        r: Result<Result<PartDone, S3Error>, tokio::task::JoinError>,
    ) -> Result<(), S3Error> {
        match r {
            Ok(Ok(part)) => {
                self.done.push(part);
                Ok(())
            }
            Ok(Err(e)) => Err(e),
            Err(e) => Err(self.ctx.internal(format!("a part upload task died: {e}"))),
        }
    }

    /// Waits for one upload task to finish.
    fn join_one(&mut self) -> Result<(), S3Error> {
        match block_on(&self.handle, self.tasks.join_next()) {
            Some(r) => self.collect(r),
            None => Ok(()),
        }
    }

    /// The multipart upload's id, starting the upload if needed.
    fn upload(&mut self) -> Result<Arc<str>, S3Error> {
        if let Some(id) = &self.upload_id {
            return Ok(id.clone());
        }
        let id = block_on(&self.handle, self.ctx.create())?;
        self.upload_id = Some(id.clone());
        Ok(id)
    }

    /// Hands the part being filled to an upload task, once there is room.
    fn seal(&mut self) -> Result<(), S3Error> {
        let body: Bytes = std::mem::take(&mut self.cur).freeze();
        self.cur_cap = 0;
        let upload_id = self.upload()?;
        let part = body.len() as u64;
        let allowed = usize::try_from(self.max_in_flight_bytes / part.max(1))
            .unwrap_or(usize::MAX)
            .clamp(1, self.max_in_flight);
        while self.tasks.len() >= allowed {
            self.join_one()?;
        }
        let number = self.next_part;
        self.next_part += 1;
        self.tasks.spawn_on(
            self.ctx.clone().upload_part(upload_id, number, body, None),
            &self.handle,
        );
        Ok(())
    }

    fn finish<F, E>(&mut self, target: &S3Url, patch: F) -> Result<S3Upload, S3Error>
    where
        F: FnOnce(&mut [u8]) -> Result<(), E>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        if let Some(e) = &self.failed {
            return Err(e.clone());
        }
        if self.total == 0 {
            return Err(S3Error::Empty {
                bucket: target.bucket.clone(),
                key: target.key.clone(),
            });
        }
        let multipart = self.upload_id.is_some() || !self.cur.is_empty();
        self.drain(multipart)?;
        patch(&mut self.held).map_err(|e| S3Error::Patch {
            bucket: target.bucket.clone(),
            key: target.key.clone(),
            source: Arc::from(e.into()),
        })?;
        let held = Bytes::from(std::mem::take(&mut self.held));
        let stored = match self.upload_id.clone() {
            None => self.put_object(held)?,
            Some(id) => self.complete(id, held)?,
        };
        Ok(stored.upload(target, self.total, multipart))
    }

    /// Uploads the part being filled (for a multipart upload) and waits
    /// for every part upload: only the held part is left.
    fn drain(&mut self, multipart: bool) -> Result<(), S3Error> {
        if multipart && !self.cur.is_empty() {
            self.seal()?;
        }
        while !self.tasks.is_empty() {
            self.join_one()?;
        }
        Ok(())
    }

    /// The whole archive (the held part) in one PutObject.
    fn put_object(&mut self, held: Bytes) -> Result<Stored, S3Error> {
        let size = held.len() as u64;
        let digest = sha256(&held);
        let committed = block_on(&self.handle, self.ctx.put_object(held, digest))?;
        let part = PartDone {
            number: 1,
            size,
            sha256: digest,
            e_tag: String::new(),
        };
        Ok(Stored {
            parts: vec![part],
            committed,
            sha256: Some(hex(&digest)),
            composite: None,
        })
    }

    /// Uploads the held part as part 1, then completes the multipart
    /// upload `id` with every part in order.
    fn complete(&mut self, id: Arc<str>, held: Bytes) -> Result<Stored, S3Error> {
        let digest = sha256(&held);
        let first = block_on(
            &self.handle,
            self.ctx
                .clone()
                .upload_part(id.clone(), 1, held, Some(digest)),
        )?;
        let mut parts = std::mem::take(&mut self.done);
        parts.push(first);
        parts.sort_by_key(|p| p.number);
        let committed = block_on(&self.handle, self.ctx.complete(&id, &parts))?;
        // Committed: nothing is left to abort.
        self.upload_id = None;
        let composite = composite_sha256(parts.iter().map(|p| &p.sha256));
        Ok(Stored {
            parts,
            committed,
            sha256: None,
            composite: Some(composite),
        })
    }

    /// Stops the part uploads and aborts the multipart upload, if any.
    fn abort(&mut self) -> Result<(), S3Error> {
        self.tasks.abort_all();
        let mut tasks = std::mem::take(&mut self.tasks);
        let upload_id = self.upload_id.take();
        let ctx = self.ctx.clone();
        let limit = self.abort_timeout;
        block_on(&self.handle, async move {
            while tasks.join_next().await.is_some() {}
            match upload_id {
                Some(id) => ctx.abort(&id, limit).await,
                None => Ok(()),
            }
        })
    }
}

/// What a finished upload stored: its parts, S3's answer and the digests.
struct Stored {
    parts: Vec<PartDone>,
    committed: Committed,
    /// The object's SHA-256 (hex), for a single PutObject.
    sha256: Option<String>,
    /// The composite digest, for a multipart upload.
    composite: Option<String>,
}

impl Stored {
    fn upload(self, target: &S3Url, size: u64, multipart: bool) -> S3Upload {
        let digest = self
            .sha256
            .clone()
            .or_else(|| self.composite.clone())
            .unwrap_or_default();
        S3Upload {
            target: target.clone(),
            size,
            multipart,
            parts: self
                .parts
                .iter()
                .map(|p| PartInfo {
                    number: p.number,
                    size: p.size,
                    sha256: hex(&p.sha256),
                })
                .collect(),
            sha256: self.sha256,
            composite_sha256: self.composite,
            digest,
            s3_checksum_sha256: self.committed.checksum_sha256,
            e_tag: self.committed.e_tag,
            version_id: self.committed.version_id,
        }
    }
}
