//! Where the archive's bytes go, behind one trait: a seekable file
//! (written under a temporary name, data offsets rewritten, renamed when
//! complete), standard output (streaming, no offsets), or an S3 multipart
//! upload (first part held and patched, uploaded last).
//!
//! A sink dropped without [`ArchiveSink::complete`] leaves nothing behind:
//! the temporary file is removed, the multipart upload aborted.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::sink::s3::{hex, S3Sink, S3Upload};

use super::target::{into_file, PendingFile};

/// Where a finished archive ended up.
#[derive(Debug, Clone)]
pub struct Stored {
    /// A path, `-` for standard output, or `s3://bucket/key`.
    pub location: String,
    /// Archive size in bytes.
    pub bytes: u64,
    /// Whether the TOC carries real data offsets (not for a pipe).
    pub offsets: bool,
    /// SHA-256 of the archive (hex). For a multipart S3 upload, the
    /// composite digest `<hex>-<parts>` over the parts' SHA-256s (the
    /// whole-object hash cannot be known: part 1 is patched last).
    pub sha256: String,
    /// The S3 upload's details.
    pub s3: Option<S3Upload>,
}

/// The archive's destination.
pub trait ArchiveSink: Write + Send {
    /// Makes the archive final. `toc` is the TOC with real data offsets, to
    /// be written at `toc_offset` where the sink can go back; `len` is the
    /// archive's length.
    fn complete(self: Box<Self>, toc_offset: u64, toc: &[u8], len: u64) -> Result<Stored>;
}

/// A file written under a temporary name next to its target.
#[derive(Debug)]
pub struct FileSink {
    pending: PendingFile,
    file: BufWriter<File>,
    target: PathBuf,
}

impl FileSink {
    /// Creates the temporary file for `target`.
    pub fn create(target: PathBuf) -> Result<FileSink> {
        let (pending, file) = PendingFile::create(&target)?;
        Ok(FileSink {
            pending,
            file,
            target,
        })
    }
}

impl Write for FileSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl ArchiveSink for FileSink {
    fn complete(self: Box<Self>, toc_offset: u64, toc: &[u8], len: u64) -> Result<Stored> {
        let FileSink {
            pending,
            file,
            target,
        } = *self;
        let mut file = into_file(file, &target)?;
        let err = |source: io::Error| Error::Write {
            path: target.clone(),
            source,
        };
        let io = |r: io::Result<()>| r.map_err(err);
        io(file.seek(SeekFrom::Start(toc_offset)).map(drop))?;
        io(file.write_all(toc))?;
        // The hash of what is on disk, read back once (from the page cache).
        io(file.seek(SeekFrom::Start(0)).map(drop))?;
        let mut hasher = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(err(e)),
            };
            hasher.update(&buf[..n]);
            total += n as u64;
        }
        if total != len {
            return Err(err(io::Error::other(format!(
                "the file holds {total} bytes, {len} were written"
            ))));
        }
        let location = target.display().to_string();
        pending.commit(file)?;
        Ok(Stored {
            location,
            bytes: len,
            offsets: true,
            sha256: hex(&hasher.finalize()),
            s3: None,
        })
    }
}

/// Standard output: a streaming archive (no data offsets), hashed as it
/// goes.
#[derive(Debug)]
pub struct StdoutSink {
    out: BufWriter<io::Stdout>,
    hasher: Sha256,
}

impl StdoutSink {
    /// Standard output.
    pub fn new() -> StdoutSink {
        StdoutSink {
            out: BufWriter::with_capacity(1 << 20, io::stdout()),
            hasher: Sha256::new(),
        }
    }
}

impl Default for StdoutSink {
    fn default() -> Self {
        Self::new()
    }
}

impl Write for StdoutSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl ArchiveSink for StdoutSink {
    fn complete(mut self: Box<Self>, _toc_offset: u64, _toc: &[u8], len: u64) -> Result<Stored> {
        self.out.flush().map_err(Error::Output)?;
        Ok(Stored {
            location: "-".into(),
            bytes: len,
            offsets: false,
            sha256: hex(&self.hasher.finalize()),
            s3: None,
        })
    }
}

impl ArchiveSink for S3Sink {
    fn complete(self: Box<Self>, toc_offset: u64, toc: &[u8], len: u64) -> Result<Stored> {
        let start = toc_offset as usize;
        let upload = (*self).finish_patched(|prefix: &mut [u8]| {
            let have = prefix.len();
            match prefix.get_mut(start..start + toc.len()) {
                Some(t) => {
                    t.copy_from_slice(toc);
                    Ok(())
                }
                None => Err(format!(
                    "the held first part ({have} bytes) does not cover the TOC"
                )),
            }
        })?;
        if upload.size != len {
            return Err(Error::Config(format!(
                "{}: uploaded {} bytes, the archive has {len}",
                upload.target, upload.size
            )));
        }
        Ok(Stored {
            location: upload.target.to_string(),
            bytes: len,
            offsets: true,
            sha256: upload.digest.clone(),
            s3: Some(upload),
        })
    }
}
