//! [`BlockReader`]: a data block's contents, decompressed, from an
//! [`ArchiveReader`] positioned at the block: the table data of a `DATA`
//! block or each large object of a `BLOBS` block, in pieces of bounded size.

use std::io::Read;

use crate::block_decoder::BlockDecoder;
use crate::decoder::Event;
use crate::error::{EntryName, ErrorKind, Location, Result};
use crate::header::CompressionAlgorithm;
use crate::reader::ArchiveReader;

/// What the next piece of a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    /// Decompressed bytes were appended to the output buffer.
    Data,
    /// A large object starts (`BLOBS` blocks).
    LargeObjectStart(u32),
    /// The current large object ended.
    LargeObjectEnd,
    /// The block ended.
    End,
}

/// One call of [`BlockReader::next`] decompresses at most about this many
/// bytes by default: a block that expands without limit (a zip bomb) is
/// handed out piece by piece, never held whole.
pub const PIECE_LIMIT: usize = 1024 * 1024;

/// Decompresses the data blocks an [`ArchiveReader`] reads, one piece at
/// a time: call [`start`](Self::start) once the reader has passed a
/// block's [`Event::BlockStart`], or on a reader made with
/// [`ArchiveReader::at_block`], then [`next`](Self::next) until
/// [`Piece::End`].
///
/// ```
/// use archive_format::*;
/// # fn main() -> Result<()> {
/// let c = Compression::Gzip { level: 6 };
/// let header = Header::new(ArchiveVersion::V1_15, c,
///     CreateTime::from_unix_utc(1_700_000_000), "db", "16.2", "pgark")?;
/// let mut data = TocEntry::new(1, "TABLE DATA", "t", Section::Data);
/// data.had_dumper = true;
/// let mut w = ArchiveWriter::new(std::io::Cursor::new(Vec::new()), &header, vec![data], c)?;
/// let mut block = w.data(1)?;
/// std::io::Write::write_all(&mut block, b"1\n2\n\\.\n")?;
/// block.finish()?;
/// let archive = w.finish()?.rewrite_toc()?.into_inner();
///
/// let toc = ArchiveReader::new(&archive[..]).read_toc()?;
/// let DataOffset::Set(at) = toc.entries[0].offset else { unreachable!() };
/// let entry = toc.entries[0].entry.name();
/// let mut reader = ArchiveReader::at_block(&archive[at as usize..], &toc.header, &entry, at);
/// let mut blocks = BlockReader::new(toc.header.compression.algorithm())?;
/// blocks.start(entry);
/// let mut rows = Vec::new();
/// while blocks.next(&mut reader, &mut rows)? != Piece::End {}
/// assert_eq!(rows, b"1\n2\n\\.\n");
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct BlockReader {
    decoder: BlockDecoder,
    limit: usize,
    /// Compressed bytes of the current chunk not decompressed yet (the
    /// last call reached the limit).
    pending: Vec<u8>,
    /// The decoder holds back output (the last call reached the limit).
    more: bool,
    current: Option<(EntryName, Option<u32>)>,
    /// Nothing of the started block was read yet.
    fresh: bool,
}

impl BlockReader {
    /// A reader of blocks compressed with `algorithm`; an unknown one is
    /// refused.
    pub fn new(algorithm: CompressionAlgorithm) -> Result<Self> {
        let decoder = BlockDecoder::new(algorithm).map_err(ErrorKind::UnsupportedCompression)?;
        Ok(BlockReader {
            decoder,
            limit: PIECE_LIMIT,
            pending: Vec::new(),
            more: false,
            current: None,
            fresh: false,
        })
    }

    /// At most about `limit` decompressed bytes a call (at least 1).
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit.max(1);
        self
    }

    /// Starts `entry`'s block: the reader has just passed its
    /// [`Event::BlockStart`], or starts at the block (then its
    /// `BlockStart` is read past by the first [`next`](Self::next)).
    pub fn start(&mut self, entry: EntryName) {
        self.start_stream();
        self.current = Some((entry, None));
        self.fresh = true;
    }

    fn is_current(&self, dump_id: i32) -> bool {
        self.current
            .as_ref()
            .is_some_and(|(e, _)| e.dump_id == dump_id)
    }

    fn start_stream(&mut self) {
        self.decoder.reset();
        self.pending.clear();
        self.more = false;
    }

    fn location(&self) -> Location {
        match &self.current {
            Some((entry, Some(oid))) => Location::LargeObject {
                entry: entry.clone(),
                oid: *oid,
            },
            Some((entry, None)) => Location::Data(entry.clone()),
            None => Location::BlockHeader,
        }
    }

    fn fail(&self, offset: u64, message: String) -> crate::Error {
        ErrorKind::Decompress {
            offset,
            location: self.location(),
            message,
        }
        .into()
    }

    /// Decompresses `input` into `out` (up to the limit), keeping what is
    /// left of it for the next call.
    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>, offset: u64) -> Result<Piece> {
        match self.decoder.decode(input, out, self.limit) {
            Ok(r) => {
                self.pending = input[r.used..].to_vec();
                self.more = r.more;
                Ok(Piece::Data)
            }
            Err(e) => Err(self.fail(offset, e.to_string())),
        }
    }

    /// The next piece of the started block, read from `reader`;
    /// decompressed bytes are appended to `out`.
    pub fn next<R: Read>(
        &mut self,
        reader: &mut ArchiveReader<R>,
        out: &mut Vec<u8>,
    ) -> Result<Piece> {
        if !self.pending.is_empty() || self.more {
            self.fresh = false;
            let input = std::mem::take(&mut self.pending);
            return self.decode(&input, out, reader.position());
        }
        loop {
            let offset = reader.position();
            let Some((event, data)) = reader.next_event()? else {
                self.fresh = false;
                return Err(ErrorKind::Truncated {
                    offset,
                    location: self.location(),
                }
                .into());
            };
            match event {
                Event::Data { .. } if data.is_empty() => {}
                Event::Data { .. } => {
                    self.fresh = false;
                    return self.decode(data, out, offset);
                }
                Event::LargeObjectStart { oid } => {
                    self.fresh = false;
                    self.start_stream();
                    if let Some((_, o)) = &mut self.current {
                        *o = Some(oid);
                    }
                    return Ok(Piece::LargeObjectStart(oid));
                }
                Event::LargeObjectEnd => {
                    self.fresh = false;
                    self.finish_stream(reader.position())?;
                    if let Some((_, o)) = &mut self.current {
                        *o = None;
                    }
                    return Ok(Piece::LargeObjectEnd);
                }
                Event::BlockEnd => {
                    self.fresh = false;
                    self.finish_stream(reader.position())?;
                    self.current = None;
                    return Ok(Piece::End);
                }
                // A reader made with `ArchiveReader::at_block` starts
                // with the block's own start.
                Event::BlockStart { dump_id, .. } if self.fresh && self.is_current(dump_id) => {
                    self.fresh = false;
                }
                Event::BlockStart { .. } => {
                    return Err(ErrorKind::Corrupt {
                        offset,
                        location: self.location(),
                        message: "a block starts inside another one".into(),
                    }
                    .into())
                }
                _ => {}
            }
        }
    }

    fn finish_stream(&mut self, offset: u64) -> Result<()> {
        let r = self.decoder.finish();
        r.map_err(|e| self.fail(offset, e.to_string()))
    }

    /// Reads the rest of the started block without keeping it.
    pub fn skip<R: Read>(&mut self, reader: &mut ArchiveReader<R>) -> Result<()> {
        let mut sink = Vec::new();
        loop {
            sink.clear();
            if self.next(reader, &mut sink)? == Piece::End {
                return Ok(());
            }
        }
    }
}
