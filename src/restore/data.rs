//! Data blocks, read in archive (file) order and decompressed.
//!
//! The archive is read front to back once; the restore asks for blocks in
//! TOC order, which is the order pg_dump and pgark write them in. A block
//! the restore does not want is read past. When a block is asked for after
//! the reader went past it (an archive whose data is not in TOC order), a
//! file is read again from the start; standard input cannot be, and that is
//! an error, as it is for pg_restore.

use std::collections::{HashMap, HashSet};
use std::io::{BufReader, Read};
use std::sync::Arc;

use archive_format::{
    ArchiveReader, BlockDecoder, CompressionAlgorithm, EntryName, ErrorKind, Event, Location,
    BLK_BLOBS, BLK_DATA,
};

use crate::error::{Error, Result};
use crate::source::{S3Reads, Source};

/// Opens the archive again from its first byte (files only).
pub(crate) type Reopen = Box<dyn Fn() -> Result<Box<dyn Read + Send>> + Send>;

/// What the next piece of a block is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Piece {
    /// Decompressed bytes were appended to the output buffer.
    Data,
    /// A large object starts (BLOBS blocks).
    LargeObjectStart(u32),
    /// The current large object ended.
    LargeObjectEnd,
    /// The block ended.
    End,
}

/// One call of [`Blocks::next`] decompresses at most about this many bytes:
/// a block that expands without limit (a zip bomb) is handed out piece by
/// piece, never held whole.
const INFLATE_LIMIT: usize = 1024 * 1024;

pub(crate) struct Blocks {
    input: Input,
    decoder: BlockDecoder,
    /// Compressed bytes of the current chunk not decompressed yet (the
    /// last call reached [`INFLATE_LIMIT`]).
    pending: Vec<u8>,
    /// The decoder holds back output (the last call reached the limit).
    more: bool,
    current: Option<(EntryName, Option<u32>)>,
}

impl std::fmt::Debug for Blocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocks")
            .field("position", &self.input.position())
            .finish()
    }
}

impl Blocks {
    /// `reader` must be positioned right after the TOC.
    pub(crate) fn new(
        reader: ArchiveReader<Box<dyn Read + Send>>,
        reopen: Option<Reopen>,
        algorithm: CompressionAlgorithm,
    ) -> Result<Self> {
        let input = Input::Stream(Stream {
            reader,
            reopen,
            passed: HashSet::new(),
        });
        Self::with_input(input, algorithm)
    }

    /// Blocks read from `source` at the data offsets its TOC stores
    /// (`offsets`: dump id to the block's first byte), for parallel
    /// workers that each open the file themselves; an S3 object through
    /// `via`.
    pub(crate) fn at_offsets(
        source: &Source,
        via: Option<&S3Reads>,
        offsets: Arc<HashMap<i32, u64>>,
        int_size: u8,
        algorithm: CompressionAlgorithm,
    ) -> Result<Self> {
        let input = Input::At(BlockAt {
            source: source.clone(),
            via: via.cloned(),
            file: None,
            int_size,
            offsets,
            pos: 0,
            state: AtState::Done,
            in_lo: false,
            buf: Vec::new(),
            current: None,
        });
        Self::with_input(input, algorithm)
    }

    fn with_input(input: Input, algorithm: CompressionAlgorithm) -> Result<Self> {
        let decoder = BlockDecoder::new(algorithm)
            .map_err(|name| Error::Archive(ErrorKind::UnsupportedCompression(name).into()))?;
        Ok(Blocks {
            input,
            decoder,
            pending: Vec::new(),
            more: false,
            current: None,
        })
    }

    /// Positions the reader at the start of `entry`'s data block.
    pub(crate) fn open(&mut self, entry: &EntryName) -> Result<()> {
        match &mut self.input {
            Input::Stream(s) => s.open(entry)?,
            Input::At(a) => a.open(entry)?,
        }
        self.start_stream();
        self.current = Some((entry.clone(), None));
        Ok(())
    }

    fn start_stream(&mut self) {
        self.decoder.reset();
        self.pending.clear();
        self.more = false;
    }

    fn fail(&self, message: impl Into<String>) -> Error {
        let location = match &self.current {
            Some((entry, Some(oid))) => Location::LargeObject {
                entry: entry.clone(),
                oid: *oid,
            },
            Some((entry, None)) => Location::Data(entry.clone()),
            None => Location::BlockHeader,
        };
        Error::Archive(
            ErrorKind::Decompress {
                offset: self.input.position(),
                location,
                message: message.into(),
            }
            .into(),
        )
    }

    fn end_stream(&mut self) -> Result<()> {
        self.decoder.finish().map_err(|e| self.fail(e.to_string()))
    }

    /// Decompresses `input` (up to [`INFLATE_LIMIT`] bytes of output),
    /// keeping what is left of it for the next call.
    fn decode(&mut self, input: &[u8], out: &mut Vec<u8>) -> Result<()> {
        match self.decoder.decode(input, out, INFLATE_LIMIT) {
            Ok(r) => {
                self.pending = input[r.used..].to_vec();
                self.more = r.more;
                Ok(())
            }
            Err(e) => Err(self.fail(e.to_string())),
        }
    }

    /// The next piece of the open block; decompressed bytes are appended to
    /// `out`.
    pub(crate) fn next(&mut self, out: &mut Vec<u8>) -> Result<Piece> {
        if !self.pending.is_empty() || self.more {
            let input = std::mem::take(&mut self.pending);
            self.decode(&input, out)?;
            return Ok(Piece::Data);
        }
        loop {
            let Some((event, data)) = self.input.next_event()? else {
                return Err(self.fail("the archive ended inside the block"));
            };
            match event {
                Event::Data { .. } => {
                    if data.is_empty() {
                        continue;
                    }
                    // Not through `self.decode`: `data` borrows the input.
                    match self.decoder.decode(data, out, INFLATE_LIMIT) {
                        Ok(r) => {
                            self.pending = data[r.used..].to_vec();
                            self.more = r.more;
                            return Ok(Piece::Data);
                        }
                        Err(e) => {
                            let message = e.to_string();
                            return Err(self.fail(message));
                        }
                    }
                }
                Event::LargeObjectStart { oid } => {
                    self.start_stream();
                    if let Some((_, o)) = &mut self.current {
                        *o = Some(oid);
                    }
                    return Ok(Piece::LargeObjectStart(oid));
                }
                Event::LargeObjectEnd => {
                    self.end_stream()?;
                    if let Some((_, o)) = &mut self.current {
                        *o = None;
                    }
                    return Ok(Piece::LargeObjectEnd);
                }
                Event::BlockEnd => {
                    self.end_stream()?;
                    self.current = None;
                    return Ok(Piece::End);
                }
                _ => {}
            }
        }
    }

    /// Reads the rest of the open block without using it (after the server
    /// refused its data and the restore goes on).
    pub(crate) fn skip(&mut self) -> Result<()> {
        let mut sink = Vec::new();
        loop {
            sink.clear();
            if self.next(&mut sink)? == Piece::End {
                return Ok(());
            }
        }
    }
}

/// Where the blocks come from.
enum Input {
    /// The archive read front to back.
    Stream(Stream),
    /// A file read at the stored data offsets.
    At(BlockAt),
}

impl Input {
    fn position(&self) -> u64 {
        match self {
            Input::Stream(s) => s.reader.position(),
            Input::At(a) => a.pos,
        }
    }

    fn next_event(&mut self) -> Result<Option<(Event, &[u8])>> {
        match self {
            Input::Stream(s) => Ok(s.reader.next_event()?),
            Input::At(a) => a.next_event(),
        }
    }
}

struct Stream {
    reader: ArchiveReader<Box<dyn Read + Send>>,
    reopen: Option<Reopen>,
    passed: HashSet<i32>,
}

impl Stream {
    /// Positions the reader at the start of `entry`'s data block.
    fn open(&mut self, entry: &EntryName) -> Result<()> {
        if self.passed.contains(&entry.dump_id) {
            self.rewind(entry)?;
        }
        loop {
            let Some((event, _)) = self.reader.next_event()? else {
                // The decoder fails at the end when a listed block never
                // came, so a clean end means the block was passed.
                self.rewind(entry)?;
                continue;
            };
            if let Event::BlockStart { dump_id, .. } = event {
                self.passed.insert(dump_id);
                if dump_id == entry.dump_id {
                    return Ok(());
                }
            }
        }
    }

    fn rewind(&mut self, entry: &EntryName) -> Result<()> {
        let Some(reopen) = &self.reopen else {
            return Err(Error::Config(format!(
                "the data of {entry} comes before the current position in the archive, \
                 and standard input cannot be read again: restore from a file"
            )));
        };
        if self.passed.is_empty() {
            // Read from the start already and still not found.
            return Err(Error::Archive(
                ErrorKind::Corrupt {
                    offset: self.reader.position(),
                    location: Location::Data(entry.clone()),
                    message: "no data block for this entry".into(),
                }
                .into(),
            ));
        }
        let mut reader = ArchiveReader::new(reopen()?);
        reader.read_toc()?;
        self.reader = reader;
        self.passed.clear();
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AtState {
    ChunkLen,
    Chunk { remaining: u32 },
    BlobOid,
    Done,
}

/// One data block decoded from a file at its stored offset: the block type
/// byte, the dump id, then length-prefixed chunks up to a zero length (in
/// a BLOBS block, an OID before each large object's chunks and a zero OID
/// at the end), as pg_dump's custom format writes them.
struct BlockAt {
    /// Where blocks are read from: each one is opened at its offset (a
    /// seek in a file, a range request on S3).
    source: Source,
    /// The S3 client and runtime to read through.
    via: Option<S3Reads>,
    file: Option<BufReader<Box<dyn Read + Send>>>,
    int_size: u8,
    offsets: Arc<HashMap<i32, u64>>,
    /// Offset of the next byte to read.
    pos: u64,
    state: AtState,
    in_lo: bool,
    buf: Vec<u8>,
    /// The entry whose block is read (for error messages).
    current: Option<EntryName>,
}

/// Data events hand out at most this many bytes.
const AT_READ_SIZE: u32 = 256 * 1024;

impl BlockAt {
    fn open(&mut self, entry: &EntryName) -> Result<()> {
        let Some(&offset) = self.offsets.get(&entry.dump_id) else {
            return Err(self.corrupt(entry, "the TOC stores no data offset for this entry"));
        };
        // The block ends where the next one in the file starts: on S3, a
        // range request for exactly the block.
        let next = self.offsets.values().filter(|&&o| o > offset).min();
        let last = next.map(|n| n - 1);
        self.file = Some(BufReader::with_capacity(
            256 * 1024,
            self.source
                .open_range_via(offset, last, self.via.as_ref())?,
        ));
        self.pos = offset;
        self.in_lo = false;
        let kind = self.byte(entry)?;
        let dump_id = self.int(entry)?;
        if dump_id != entry.dump_id {
            return Err(self.corrupt(
                entry,
                &format!("the block at the stored offset {offset} belongs to dump id {dump_id}"),
            ));
        }
        self.state = match kind {
            BLK_DATA => AtState::ChunkLen,
            BLK_BLOBS => AtState::BlobOid,
            other => {
                return Err(self.corrupt(entry, &format!("unrecognized data block type {other}")))
            }
        };
        self.current = Some(entry.clone());
        Ok(())
    }

    fn corrupt(&self, entry: &EntryName, message: &str) -> Error {
        Error::Archive(
            ErrorKind::Corrupt {
                offset: self.pos,
                location: Location::Data(entry.clone()),
                message: message.into(),
            }
            .into(),
        )
    }

    fn read_exact(&mut self, n: usize, entry: &EntryName) -> Result<()> {
        self.buf.resize(n, 0);
        let Some(file) = self.file.as_mut() else {
            return Err(self.corrupt(entry, "no data block is open"));
        };
        match file.read_exact(&mut self.buf[..n]) {
            Ok(()) => {
                self.pos += n as u64;
                Ok(())
            }
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => Err(Error::Archive(
                ErrorKind::Truncated {
                    offset: self.pos,
                    location: Location::Data(entry.clone()),
                }
                .into(),
            )),
            Err(e) => Err(Error::Archive(ErrorKind::Io(e).into())),
        }
    }

    fn byte(&mut self, entry: &EntryName) -> Result<u8> {
        self.read_exact(1, entry)?;
        Ok(self.buf[0])
    }

    /// pg_dump's `ReadInt`: a sign byte, then `int_size` bytes, least
    /// significant first.
    fn int(&mut self, entry: &EntryName) -> Result<i32> {
        let at = self.pos;
        self.read_exact(1 + usize::from(self.int_size), entry)?;
        let mut mag: u64 = 0;
        for (i, &b) in self.buf[1..].iter().enumerate() {
            if i < 8 {
                mag |= u64::from(b) << (8 * i);
            } else if b != 0 {
                mag = u64::MAX;
            }
        }
        let v = i64::try_from(mag)
            .ok()
            .map(|m| if self.buf[0] == 0 { m } else { -m })
            .and_then(|v| i32::try_from(v).ok());
        match v {
            Some(v) => Ok(v),
            None => {
                self.pos = at;
                Err(self.corrupt(entry, "integer out of range"))
            }
        }
    }

    fn next_event(&mut self) -> Result<Option<(Event, &[u8])>> {
        let Some(entry) = self.current.clone() else {
            return Ok(None);
        };
        match self.state {
            AtState::Done => Ok(None),
            AtState::BlobOid => {
                let oid = self.int(&entry)?;
                if oid == 0 {
                    self.state = AtState::Done;
                    return Ok(Some((Event::BlockEnd, &[][..])));
                }
                self.in_lo = true;
                self.state = AtState::ChunkLen;
                // pg_dump writes OIDs as a C int; >= 2^31 arrive negative.
                let oid = oid as u32;
                Ok(Some((Event::LargeObjectStart { oid }, &[][..])))
            }
            AtState::ChunkLen => {
                let len = self.int(&entry)?;
                if len < 0 {
                    return Err(self.corrupt(&entry, &format!("negative chunk length {len}")));
                }
                if len > 0 {
                    self.state = AtState::Chunk {
                        remaining: len as u32,
                    };
                    return Ok(Some((Event::ChunkStart { len: len as u32 }, &[][..])));
                }
                if self.in_lo {
                    self.in_lo = false;
                    self.state = AtState::BlobOid;
                    Ok(Some((Event::LargeObjectEnd, &[][..])))
                } else {
                    self.state = AtState::Done;
                    Ok(Some((Event::BlockEnd, &[][..])))
                }
            }
            AtState::Chunk { remaining } => {
                let n = remaining.min(AT_READ_SIZE);
                self.read_exact(n as usize, &entry)?;
                let left = remaining - n;
                self.state = if left == 0 {
                    AtState::ChunkLen
                } else {
                    AtState::Chunk { remaining: left }
                };
                Ok(Some((
                    Event::Data { len: n as usize },
                    &self.buf[..n as usize],
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use archive_format::{
        ArchiveVersion, ArchiveWriter, Compression, CreateTime, Header, Section, TocEntry,
    };

    /// A 16 MiB block of zeros compresses to a few chunks that each expand
    /// enormously: every call hands out at most about INFLATE_LIMIT bytes,
    /// and all of them come out.
    #[test]
    fn a_block_that_expands_hugely_comes_out_in_bounded_pieces() {
        let compression = Compression::Gzip { level: 6 };
        let header = Header::new(
            ArchiveVersion::V1_15,
            compression,
            CreateTime::from_unix_utc(1_700_000_000),
            "db",
            "16.2",
            "pgark",
        )
        .expect("header");
        let mut data = TocEntry::new(1, "TABLE DATA", "t", Section::Data);
        data.had_dumper = true;
        data.copy_stmt = Some(b"COPY public.t (v) FROM stdin;\n".to_vec());
        let out = std::io::Cursor::new(Vec::new());
        let mut w = ArchiveWriter::new(out, &header, vec![data], compression).expect("writer");
        let mut block = w.data(1).expect("block");
        let zeros = vec![b'0'; 1024 * 1024];
        for _ in 0..16 {
            std::io::Write::write_all(&mut block, &zeros).expect("write");
        }
        block.finish().expect("block end");
        let archive = w
            .finish()
            .and_then(|f| f.rewrite_toc())
            .expect("archive")
            .into_inner();

        let input: Box<dyn Read + Send> = Box::new(std::io::Cursor::new(archive));
        let mut reader = ArchiveReader::new(input);
        let toc = reader.read_toc().expect("toc");
        let entry = toc.entries[0].entry.name();
        let mut blocks = Blocks::new(reader, None, CompressionAlgorithm::Gzip).expect("blocks");
        blocks.open(&entry).expect("open");
        let (mut total, mut largest) = (0usize, 0usize);
        let mut out = Vec::new();
        loop {
            out.clear();
            let piece = blocks.next(&mut out).expect("next");
            largest = largest.max(out.len());
            total += out.len();
            if piece == Piece::End {
                break;
            }
        }
        assert_eq!(total, 16 * 1024 * 1024);
        assert!(
            largest <= INFLATE_LIMIT + 128 * 1024,
            "{largest} bytes at once"
        );
    }
}
