//! An S3 object as [`Read`] + [`Seek`], in bounded range requests: what
//! age's seekable STREAM reader needs to decrypt the chunks around one
//! block without downloading the rest, and what reads a plain archive's
//! TOC ([`crate::source::Source::open_head`]).

use std::io::{self, Read, Seek, SeekFrom};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::source::{S3Reader, S3Reads};
use crate::S3Url;

/// The first request after a seek fetches at least one encrypted chunk;
/// each next one twice as much, up to [`MAX_WINDOW`].
const FIRST_WINDOW: u64 = (super::CHUNK + 16) as u64;
const MAX_WINDOW: u64 = 8 << 20;
/// The header is read from the start in small pieces.
const HEAD_WINDOW: u64 = 16 * 1024;

pub(crate) struct S3Seek {
    url: S3Url,
    via: S3Reads,
    /// Offset of the next byte.
    pos: u64,
    size: Option<u64>,
    current: Option<S3Reader>,
    /// Bytes left in the current request.
    left: u64,
    window: u64,
    /// When set, the first request after a seek reaches at least this far
    /// (inclusive): the end of the chunk holding a block's last byte.
    pub(crate) until: Arc<AtomicU64>,
    /// Mirrors `pos` for the caller (how long the header was).
    pub(crate) at: Arc<AtomicU64>,
}

impl S3Seek {
    pub(crate) fn new(url: &S3Url, via: &S3Reads) -> S3Seek {
        S3Seek::with_window(url, via, HEAD_WINDOW)
    }

    /// Reads from the start in a first range request of `first` bytes,
    /// each next one twice as large, up to [`MAX_WINDOW`] (what is left
    /// unread is never downloaded).
    pub(crate) fn with_window(url: &S3Url, via: &S3Reads, first: u64) -> S3Seek {
        S3Seek {
            url: url.clone(),
            via: via.clone(),
            pos: 0,
            size: None,
            current: None,
            left: 0,
            window: first,
            until: Arc::new(AtomicU64::new(0)),
            at: Arc::new(AtomicU64::new(0)),
        }
    }

    fn size(&mut self) -> io::Result<u64> {
        if let Some(s) = self.size {
            return Ok(s);
        }
        let (_, size) =
            S3Reader::open(&self.url, 0, Some(0), &self.via).map_err(io::Error::other)?;
        self.size = size;
        size.ok_or_else(|| io::Error::other("the object's size is unknown"))
    }
}

impl Read for S3Seek {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if let Some(r) = self.current.as_mut() {
                let want = out.len().min(self.left as usize);
                let n = if want == 0 {
                    0
                } else {
                    r.read(&mut out[..want])?
                };
                if n > 0 {
                    self.pos += n as u64;
                    self.left -= n as u64;
                    self.at.store(self.pos, Ordering::Relaxed);
                    return Ok(n);
                }
                self.current = None;
                if self.left > 0 {
                    // A short range: the object ended.
                    return Ok(0);
                }
            }
            if out.is_empty() || self.size.is_some_and(|s| self.pos >= s) {
                return Ok(0);
            }
            let until = self.until.swap(0, Ordering::Relaxed);
            let last = (self.pos + self.window - 1).max(until);
            let last = match self.size {
                Some(s) => last.min(s - 1),
                None => last,
            };
            let (r, size) = S3Reader::open(&self.url, self.pos, Some(last), &self.via)
                .map_err(io::Error::other)?;
            self.size = size.or(self.size);
            self.current = Some(r);
            self.left = last - self.pos + 1;
            self.window = (self.window * 2).clamp(FIRST_WINDOW, MAX_WINDOW);
        }
    }
}

impl Seek for S3Seek {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        let target = match pos {
            SeekFrom::Start(p) => p,
            SeekFrom::Current(0) => return Ok(self.pos),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d).ok_or_else(before)?,
            SeekFrom::End(d) => self.size()?.checked_add_signed(d).ok_or_else(before)?,
        };
        if target != self.pos {
            self.current = None;
            self.left = 0;
            self.pos = target;
            self.at.store(target, Ordering::Relaxed);
            self.window = FIRST_WINDOW;
        }
        Ok(target)
    }
}

fn before() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, "seek before the start")
}
