//! Where an archive is read from.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::PathBuf;
use std::str::FromStr;

use crate::crypt::S3Seek;
use crate::error::{Error, Result};
use crate::sink::s3::{build_client, chain_line, Failure, S3Action, S3ClientOptions, S3Error};
use crate::S3Url;

/// An archive location given on the command line: a file path, or `-` for
/// standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local file.
    File(PathBuf),
    /// Standard input.
    Stdin,
    /// An S3 object, streamed (read with the [`S3ClientOptions`] the
    /// call is given).
    S3(S3Url),
    /// One of the above, decrypted when it is an age file
    /// ([`crate::crypt`]).
    Encrypted(Box<crate::crypt::EncryptedSource>),
}

impl FromStr for Source {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "" => Err(Error::Config("empty archive path".into())),
            "-" => Ok(Source::Stdin),
            s if s.starts_with("s3://") => Ok(Source::S3(S3Url::object(s)?)),
            s => Ok(Source::File(PathBuf::from(s))),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Stdin => f.write_str("standard input"),
            Source::S3(url) => url.fmt(f),
            Source::Encrypted(e) => e.inner().fmt(f),
        }
    }
}

impl Source {
    /// The source read through age when it is encrypted (plaintext passes
    /// through), decrypted with `identities`.
    pub fn decrypting(self, identities: Option<crate::crypt::Identities>) -> Source {
        match self {
            Source::Encrypted(e) => Source::Encrypted(e),
            s => Source::Encrypted(Box::new(crate::crypt::EncryptedSource::new(s, identities))),
        }
    }

    /// The file, pipe or object under any decryption.
    pub fn base(&self) -> &Source {
        match self {
            Source::Encrypted(e) => e.inner(),
            s => s,
        }
    }

    /// Opens the file at byte `offset`; standard input cannot, and an S3
    /// object is read by the async entry points, which are given its
    /// [`S3ClientOptions`] (or [`open`]).
    pub fn open_at(&self, offset: u64) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::Stdin => Err(Error::Config(
                "standard input cannot be read at an offset".into(),
            )),
            Source::Encrypted(e) => e.open_range(offset, None),
            Source::S3(url) => Err(needs_s3_settings(url)),
            Source::File(path) => {
                use std::io::{Seek, SeekFrom};
                let mut file = File::open(path).map_err(|source| Error::File {
                    path: path.clone(),
                    source,
                })?;
                file.seek(SeekFrom::Start(offset))
                    .map_err(|source| Error::File {
                        path: path.clone(),
                        source,
                    })?;
                Ok(Box::new(file))
            }
        }
    }

    /// Opens the file at byte `offset` to read no further than byte
    /// `last` (inclusive), when given (an S3 object: see
    /// [`Source::open_at`]).
    pub fn open_range(&self, offset: u64, last: Option<u64>) -> Result<Box<dyn Read + Send>> {
        self.open_range_via(offset, last, None)
    }

    /// [`Source::open_range`], an S3 object read through `via`.
    pub(crate) fn open_range_via(
        &self,
        offset: u64,
        last: Option<u64>,
        via: Option<&S3Reads>,
    ) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::S3(url) => {
                let via = s3_reads(via, url)?;
                Ok(Box::new(S3Reader::open(url, offset, last, via)?.0))
            }
            Source::Encrypted(e) => e.open_range_via(offset, last, via),
            _ => self.open_at(offset),
        }
    }

    /// Opens the source for sequential reading of its first bytes only (a
    /// TOC); through the async entry points, an S3 object is fetched in
    /// growing range requests as the reader asks for more, so that what
    /// is left unread is never downloaded (an S3 object: see
    /// [`Source::open_at`]).
    pub fn open_head(&self) -> Result<Box<dyn Read + Send>> {
        self.open_head_via(None)
    }

    /// [`Source::open_head`], an S3 object read through `via`.
    pub(crate) fn open_head_via(&self, via: Option<&S3Reads>) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::S3(url) => Ok(Box::new(S3Seek::with_window(
                url,
                s3_reads(via, url)?,
                RANGE_FIRST,
            ))),
            Source::Encrypted(e) => e.open_head_via(via),
            _ => self.open(),
        }
    }

    /// Opens the file or standard input for sequential reading (an S3
    /// object: see [`Source::open_at`], or [`open`]).
    pub fn open(&self) -> Result<Box<dyn Read + Send>> {
        self.open_via(None)
    }

    /// [`Source::open`], an S3 object read through `via`.
    pub(crate) fn open_via(&self, via: Option<&S3Reads>) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::Stdin => Ok(Box::new(io::stdin())),
            Source::Encrypted(e) => e.open_via(via),
            Source::S3(url) => {
                let via = s3_reads(via, url)?;
                Ok(Box::new(S3Reader::open(url, 0, None, via)?.0))
            }
            Source::File(path) => {
                let file = File::open(path).map_err(|source| Error::File {
                    path: path.clone(),
                    source,
                })?;
                if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                    return Err(Error::File {
                        path: path.clone(),
                        source: io::Error::new(io::ErrorKind::InvalidInput, "is a directory"),
                    });
                }
                Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
            }
        }
    }
}

/// `via`, the S3 client an S3 object is read with; none is an error, not
/// a client built from the environment behind the caller's back.
fn s3_reads<'a>(via: Option<&'a S3Reads>, url: &S3Url) -> Result<&'a S3Reads> {
    via.ok_or_else(|| needs_s3_settings(url))
}

/// An S3 object opened without S3 settings.
pub(crate) fn needs_s3_settings(url: &S3Url) -> Error {
    Error::Config(format!(
        "{url}: an S3 object is read with S3 settings: through pgark's async entry points \
         (or pgark::blocking), which take them"
    ))
}

/// Opens `source` for sequential reading, an S3 object read with `s3` on
/// the current runtime. The reader blocks the thread that reads it: read
/// it off the runtime's worker threads
/// ([`tokio::task::spawn_blocking`]); the download stops when it is
/// dropped.
///
/// ```no_run
/// # async fn run() -> Result<(), pgark::Error> {
/// use std::io::Read;
/// let source: pgark::source::Source = "s3://backups/prod/db.dump".parse()?;
/// let s3 = pgark::sink::s3::S3ClientOptions::default().with_region("eu-west-1");
/// let mut reader = pgark::source::open(&source, &s3).await?;
/// let magic = tokio::task::spawn_blocking(move || {
///     let mut magic = [0u8; 5];
///     reader.read_exact(&mut magic).map(|()| magic)
/// })
/// .await;
/// # Ok(()) }
/// ```
pub async fn open(source: &Source, s3: &S3ClientOptions) -> Result<Box<dyn Read + Send>> {
    let reads = match source.base() {
        Source::S3(_) => Some(S3Reads::new(s3).await),
        _ => None,
    };
    source.open_via(reads.as_ref())
}

/// Runs `read` on a blocking thread over `source` opened for reading its
/// first bytes (its TOC; [`Source::open_head`]), an S3 object read with
/// `s3` on the current runtime.
pub(crate) async fn read_head<T, F>(source: &Source, s3: &S3ClientOptions, read: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(Box<dyn Read + Send>) -> Result<T> + Send + 'static,
{
    let reads = match source.base() {
        Source::S3(_) => Some(S3Reads::new(s3).await),
        _ => None,
    };
    let source = source.clone();
    crate::runtime::off_workers(move |_| read(source.open_head_via(reads.as_ref())?)).await
}

/// Reads `bucket/key` if it exists: `Ok(None)` when there is no such
/// object (a missing manifest), an error for anything else, and for an
/// object larger than [`crate::manifest::MAX_MANIFEST_BYTES`] (it reads manifests).
pub async fn read_s3_object(
    s3: &S3ClientOptions,
    bucket: &str,
    key: &str,
) -> Result<Option<Vec<u8>>> {
    let client = build_client(s3).await;
    {
        match client.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => {
                let len = out.content_length().unwrap_or(0);
                if len > crate::manifest::MAX_MANIFEST_BYTES {
                    let max = crate::manifest::MAX_MANIFEST_BYTES;
                    return Err(Error::S3(S3Error::Config {
                        bucket: bucket.to_owned(),
                        key: key.to_owned(),
                        message: format!("{len} bytes, more than a manifest's {max}: not read"),
                    }));
                }
                let body = out
                    .body
                    .collect()
                    .await
                    .map_err(|e| body_error(bucket, key, &e))?;
                Ok(Some(body.into_bytes().to_vec()))
            }
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => Ok(None),
            Err(e) => Err(get_error(bucket, key, &e)),
        }
    }
}

/// A GetObject body that broke off while being read (exit status 4).
fn body_error(bucket: &str, key: &str, e: &(dyn std::error::Error + 'static)) -> Error {
    Error::S3(S3Error::Request {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
        action: S3Action::GetObject,
        attempts: 1,
        status: None,
        code: None,
        transient: true,
        message: format!("reading the object: {}", chain_line(e)),
    })
}

/// A failed GetObject as one readable line (exit status 4).
fn get_error(
    bucket: &str,
    key: &str,
    e: &aws_sdk_s3::error::SdkError<
        aws_sdk_s3::operation::get_object::GetObjectError,
        aws_sdk_s3::config::http::HttpResponse,
    >,
) -> Error {
    Error::S3(Failure::from_sdk(e).into_error(bucket, key, S3Action::GetObject, 1))
}

/// The first range request of [`Source::open_head`]; each next one is
/// twice as large, up to 8 MiB.
const RANGE_FIRST: u64 = 256 * 1024;

/// An S3 object streamed through [`Read`] (never a temporary file). The
/// download runs on the runtime of an [`S3Reads`]; at most four body
/// chunks wait in between.
pub(crate) struct S3Reader {
    rx: std::sync::mpsc::Receiver<std::result::Result<bytes::Bytes, String>>,
    buf: bytes::Bytes,
    what: String,
    done: bool,
}

/// One S3 client for every read of a restore, and the runtime its
/// downloads run on (the restore's own): range requests share the
/// client's connection pool, and no reader starts a thread or a runtime.
/// Its readers block the thread that reads them, so they must be read off
/// the runtime's worker threads (in `block_on`, or a blocking task).
#[derive(Clone, Debug)]
pub(crate) struct S3Reads {
    client: aws_sdk_s3::Client,
    handle: tokio::runtime::Handle,
}

impl S3Reads {
    /// A client with `options`, on the current runtime.
    pub(crate) async fn new(options: &S3ClientOptions) -> Self {
        S3Reads {
            client: build_client(options).await,
            handle: tokio::runtime::Handle::current(),
        }
    }

    /// The size of `bucket/key` (a HEAD request).
    pub(crate) async fn size(&self, bucket: &str, key: &str) -> Result<u64> {
        let head = self
            .client
            .head_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .map_err(|e| {
                Error::S3(Failure::from_sdk(&e).into_error(bucket, key, S3Action::GetObject, 1))
            })?;
        Ok(head.content_length().unwrap_or(0).max(0) as u64)
    }
}

/// The channel an [`S3Reader`] reads body chunks from.
type Chunks = std::sync::mpsc::SyncSender<std::result::Result<bytes::Bytes, String>>;

impl S3Reader {
    /// Streams the object from byte `offset` on, up to byte `last`
    /// (inclusive) when given (a range request unless the whole object is
    /// asked for); also returns the object's size when the response says
    /// it. The download runs on `via`'s runtime with its client.
    pub(crate) fn open(
        url: &S3Url,
        offset: u64,
        last: Option<u64>,
        via: &S3Reads,
    ) -> Result<(S3Reader, Option<u64>)> {
        let (tx, rx) = std::sync::mpsc::sync_channel(4);
        let (first_tx, first_rx) = std::sync::mpsc::sync_channel::<Result<Option<u64>>>(1);
        let (b, k) = (url.bucket.clone(), url.key.clone());
        via.handle.spawn(download(
            via.client.clone(),
            b,
            k,
            offset,
            last,
            first_tx,
            tx,
        ));
        let size = first_rx
            .recv()
            .map_err(|_| Error::Config(format!("{url}: the download stopped")))??;
        let reader = S3Reader {
            rx,
            buf: bytes::Bytes::new(),
            what: url.to_string(),
            done: false,
        };
        Ok((reader, size))
    }
}

/// One GetObject: its size (or error) to `first`, then its body chunk by
/// chunk to `tx`.
async fn download(
    client: aws_sdk_s3::Client,
    b: String,
    k: String,
    offset: u64,
    last: Option<u64>,
    first: std::sync::mpsc::SyncSender<Result<Option<u64>>>,
    tx: Chunks,
) {
    let mut request = client.get_object().bucket(&b).key(&k);
    match last {
        Some(last) => request = request.range(format!("bytes={offset}-{last}")),
        None if offset > 0 => request = request.range(format!("bytes={offset}-")),
        None => {}
    }
    let (mut body, size) = match request.send().await {
        Ok(o) => {
            // "bytes 0-262143/104857600"
            let size = o
                .content_range()
                .and_then(|r| r.rsplit('/').next())
                .and_then(|t| t.parse().ok());
            (o.body, size)
        }
        Err(e) => {
            let _ = first.send(Err(get_error(&b, &k, &e)));
            return;
        }
    };
    let _ = first.send(Ok(size));
    while let Some(chunk) = body.next().await {
        let msg = chunk.map_err(|e| chain_line(&e));
        let failed = msg.is_err();
        // A full channel blocks the send until the reader takes a chunk:
        // on a multi-threaded runtime the worker hands its other tasks
        // over meanwhile; on a current-thread one, the send runs on a
        // blocking thread.
        let sent = match tx.try_send(msg) {
            Ok(()) => true,
            Err(std::sync::mpsc::TrySendError::Disconnected(_)) => false,
            Err(std::sync::mpsc::TrySendError::Full(msg)) => {
                let multi = tokio::runtime::Handle::current().runtime_flavor()
                    == tokio::runtime::RuntimeFlavor::MultiThread;
                if multi {
                    tokio::task::block_in_place(|| tx.send(msg).is_ok())
                } else {
                    let tx = tx.clone();
                    tokio::task::spawn_blocking(move || tx.send(msg).is_ok())
                        .await
                        .unwrap_or(false)
                }
            }
        };
        if !sent || failed {
            return;
        }
    }
}

impl Read for S3Reader {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        while self.buf.is_empty() {
            if self.done {
                return Ok(0);
            }
            match self.rx.recv() {
                Ok(Ok(b)) => self.buf = b,
                Ok(Err(e)) => return Err(io::Error::other(format!("{}: {e}", self.what))),
                // The body ended.
                Err(_) => self.done = true,
            }
        }
        let n = out.len().min(self.buf.len());
        out[..n].copy_from_slice(&self.buf.split_to(n));
        Ok(n)
    }
}
