//! A pull reader over [`std::io::Read`]: the buffer-and-refill loop around
//! the push [`Decoder`].

use std::io::{ErrorKind as IoErrorKind, Read};

use crate::decoder::{Decoder, Event};
use crate::error::{EntryName, Result};
use crate::header::Header;
use crate::primitives::DataOffset;
use crate::toc::TocEntry;

const INITIAL_BUFFER: usize = 256 * 1024;

/// A TOC entry as read, with the data offset the archive stores for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    /// The entry.
    pub entry: TocEntry,
    /// Where its data block is, per the TOC.
    pub offset: DataOffset,
}

/// Header and TOC of an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Toc {
    /// The header.
    pub header: Header,
    /// The entries in archive (restore) order.
    pub entries: Vec<StoredEntry>,
    /// Offset of the first byte after the TOC.
    pub data_start: u64,
}

/// Reads an archive front to back.
///
/// Memory stays at the buffer size (256 KiB) while streaming data; it grows
/// only to hold a single TOC entry larger than the buffer.
#[derive(Debug)]
pub struct ArchiveReader<R> {
    inner: R,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    eof: bool,
    finished: bool,
    dec: Decoder,
}

impl<R: Read> ArchiveReader<R> {
    /// A reader at the start of an archive.
    pub fn new(inner: R) -> Self {
        ArchiveReader {
            inner,
            buf: vec![0; INITIAL_BUFFER],
            start: 0,
            end: 0,
            eof: false,
            finished: false,
            dec: Decoder::new(),
        }
    }

    /// A reader of the one data block of `entry` that `inner` holds from
    /// its first byte on, at byte `offset` of an archive with `header`
    /// (see [`Decoder::at_block`]); `inner` may end with the block.
    pub fn at_block(inner: R, header: &Header, entry: &EntryName, offset: u64) -> Self {
        ArchiveReader {
            dec: Decoder::at_block(header, entry, offset),
            ..ArchiveReader::new(inner)
        }
    }

    /// Offset of the next byte to decode.
    pub fn position(&self) -> u64 {
        self.dec.position()
    }

    /// The next event, with the payload bytes for [`Event::Data`] (empty
    /// otherwise). `None` at a clean end of the archive; an archive that
    /// ends early is an error.
    pub fn next_event(&mut self) -> Result<Option<(Event, &[u8])>> {
        if self.finished {
            return Ok(None);
        }
        loop {
            let step = self.dec.decode(&self.buf[self.start..self.end])?;
            if let Some(event) = step.event {
                let from = self.start;
                self.start += step.consumed;
                let data = match event {
                    Event::Data { len } => &self.buf[from..from + len],
                    _ => &[][..],
                };
                return Ok(Some((event, data)));
            }
            if self.eof {
                self.finished = true;
                self.dec.finish(&self.buf[self.start..self.end])?;
                return Ok(None);
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> Result<()> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            let grown = self.buf.len() * 2;
            self.buf.resize(grown, 0);
        }
        loop {
            match self.inner.read(&mut self.buf[self.end..]) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == IoErrorKind::Interrupted => {}
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Reads the header and the whole TOC; the reader is then positioned at
    /// the first data block.
    pub fn read_toc(&mut self) -> Result<Toc> {
        let mut header = None;
        let mut entries = Vec::new();
        while let Some((event, _)) = self.next_event()? {
            match event {
                Event::Header(h) => header = Some(h),
                // The count is the file's word: reserve little, grow as entries arrive.
                Event::TocStart { entries: n } => entries.reserve(n.min(1024)),
                Event::TocEntry { entry, offset } => entries.push(StoredEntry { entry, offset }),
                Event::TocEnd => break,
                _ => {}
            }
        }
        match header {
            Some(header) => Ok(Toc {
                header,
                entries,
                data_start: self.position(),
            }),
            // next_event only returns None after the decoder accepted the
            // end, which it never does before the TOC: unreachable in practice.
            None => Err(crate::Error::usage(
                "read_toc called after the TOC was read",
            )),
        }
    }

    /// The underlying reader.
    pub fn into_inner(self) -> R {
        self.inner
    }
}
