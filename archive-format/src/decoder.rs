//! A push decoder: feed it bytes, it answers with the next event or asks for
//! more. No I/O, no blocking, and no allocation driven by length fields:
//! chunk payloads are handed out in whatever pieces the input holds, and a
//! TOC string is only buffered up to the bytes actually supplied (and at most
//! [`MAX_STRING_LEN`](crate::primitives::MAX_STRING_LEN)).
//!
//! ```
//! use archive_format::{Decoder, Event};
//! # fn demo(archive: &[u8]) -> Result<(), archive_format::Error> {
//! let mut dec = Decoder::new();
//! let mut input = archive;
//! loop {
//!     let step = dec.decode(input)?;
//!     match step.event {
//!         None => break, // needs more input: here, the input is all there is
//!         Some(Event::Data { len }) => { let _payload = &input[..len]; }
//!         Some(_) => {}
//!     }
//!     input = &input[step.consumed..];
//! }
//! dec.finish(input)?; // end of input: fails if the archive is incomplete
//! # Ok(()) }
//! ```

use std::collections::HashMap;

use crate::error::{EntryName, Error, ErrorKind, Location, Result};
use crate::header::{Header, DEFAULT_INT_SIZE, DEFAULT_OFF_SIZE};
use crate::primitives::{DataOffset, Dec, Parse, Stop};
use crate::toc::TocEntry;
use crate::version::ArchiveVersion;
use crate::writer::{BLK_BLOBS, BLK_DATA};

/// The kind of a data block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockKind {
    /// `BLK_DATA`: one stream of table data (COPY text).
    Data,
    /// `BLK_BLOBS`: large objects, each its own stream.
    Blobs,
}

/// What the decoder found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The header.
    Header(Header),
    /// The TOC starts: this many entries follow.
    TocStart {
        /// Number of TOC entries.
        entries: usize,
    },
    /// One TOC entry, with its data offset as stored.
    TocEntry {
        /// The entry.
        entry: TocEntry,
        /// Where its data block is, per the TOC.
        offset: DataOffset,
    },
    /// The TOC is complete; data blocks follow.
    TocEnd,
    /// A data block starts at byte `offset`.
    BlockStart {
        /// Table data or large objects.
        kind: BlockKind,
        /// The TOC entry the block belongs to.
        dump_id: i32,
        /// Byte offset of the block's type byte.
        offset: u64,
    },
    /// A large object starts (inside a `Blobs` block).
    LargeObjectStart {
        /// Its OID.
        oid: u32,
    },
    /// A chunk of `len` stored (compressed) bytes starts; its payload
    /// follows as one or more `Data` events.
    ChunkStart {
        /// Payload length.
        len: u32,
    },
    /// Payload bytes of the current chunk: the first `len` bytes of the
    /// input passed to this `decode` call (which also consumed them).
    Data {
        /// Number of payload bytes.
        len: usize,
    },
    /// The current large object ended.
    LargeObjectEnd,
    /// The current data block ended.
    BlockEnd,
    /// After the last data block, a second copy of the TOC starts: what
    /// pg_dump 18 leaves when its output is a redirected stdout (the TOC
    /// rewrite that records the data offsets lands at the end instead of
    /// over the first copy). pg_restore never reads it; this many entries
    /// follow, each the same dump id, in the same place, as the TOC's.
    TocCopyStart {
        /// Number of TOC entries in the copy.
        entries: usize,
    },
    /// One entry of the TOC's copy.
    TocCopyEntry {
        /// Its dump id.
        dump_id: i32,
    },
}

/// The result of one [`Decoder::decode`] call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Bytes of the input consumed.
    pub consumed: usize,
    /// The event, or `None` when more input is needed (then `consumed` is 0).
    pub event: Option<Event>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    TocCount,
    TocEntries,
    BlockBoundary,
    ChunkLen,
    ChunkData {
        remaining: u32,
    },
    BlobOid,
    /// Inside the TOC's copy after the last block: the next entry's index.
    TocCopy {
        index: usize,
    },
    Failed,
}

#[derive(Debug)]
struct EntryInfo {
    name: EntryName,
    had_dumper: bool,
    is_blobs: bool,
    offset: DataOffset,
    seen: bool,
}

#[derive(Debug)]
struct BlockCtx {
    entry: usize,
    oid: Option<u32>,
}

/// The push decoder. See the module documentation.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    pos: u64,
    version: ArchiveVersion,
    int_size: u8,
    off_size: u8,
    toc_total: usize,
    entries: Vec<EntryInfo>,
    by_id: HashMap<i32, usize>,
    data_entries: usize,
    data_seen: usize,
    block: Option<BlockCtx>,
    toc_copied: bool,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder positioned at the start of an archive.
    pub fn new() -> Self {
        Decoder {
            state: State::Header,
            pos: 0,
            version: ArchiveVersion::NEWEST_READABLE,
            int_size: DEFAULT_INT_SIZE,
            off_size: DEFAULT_OFF_SIZE,
            toc_total: 0,
            entries: Vec::new(),
            by_id: HashMap::new(),
            data_entries: 0,
            data_seen: 0,
            block: None,
            toc_copied: false,
        }
    }

    /// A decoder of the one data block of `entry` that starts at byte
    /// `offset` of an archive with `header` (the offset its TOC stores):
    /// what pg_restore reads when it seeks to a block. The block must be
    /// `entry`'s, of the kind its `desc` says; after its
    /// [`Event::BlockEnd`] the decoder accepts the end of input.
    pub fn at_block(header: &Header, entry: &EntryName, offset: u64) -> Self {
        let mut d = Decoder::new();
        d.state = State::BlockBoundary;
        d.pos = offset;
        d.version = header.version;
        d.int_size = header.int_size;
        d.off_size = header.off_size;
        d.toc_total = 1;
        d.entries.push(EntryInfo {
            name: entry.clone(),
            had_dumper: true,
            is_blobs: entry.desc == "BLOBS",
            offset: DataOffset::Set(offset),
            seen: false,
        });
        d.by_id.insert(entry.dump_id, 0);
        d.data_entries = 1;
        d
    }

    /// Absolute offset of the next byte the decoder expects.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// Decodes the next event from `input`, which must start at
    /// [`position`](Self::position).
    pub fn decode(&mut self, input: &[u8]) -> Result<Step> {
        match self.step(input) {
            Ok((consumed, event)) => {
                self.pos += consumed as u64;
                Ok(Step {
                    consumed,
                    event: Some(event),
                })
            }
            Err(Stop::NeedMore) => Ok(Step {
                consumed: 0,
                event: None,
            }),
            Err(Stop::Invalid(e)) => {
                self.state = State::Failed;
                Err(e)
            }
        }
    }

    /// Declares the end of input; `rest` is what was passed but not
    /// consumed. Fails if the archive is incomplete: inside a structure, or
    /// between blocks while data blocks listed in the TOC are still missing.
    pub fn finish(&mut self, rest: &[u8]) -> Result<()> {
        let end = self.pos + rest.len() as u64;
        let location = match self.state {
            State::Failed => return Err(Error::usage("the decoder already failed")),
            State::Header => Location::Header,
            State::TocCount => Location::TocCount,
            State::TocEntries => Location::TocEntry {
                index: self.entries.len(),
                dump_id: None,
            },
            State::ChunkLen | State::ChunkData { .. } | State::BlobOid => self.block_location(),
            State::TocCopy { index } => Location::TocEntry {
                index,
                dump_id: None,
            },
            State::BlockBoundary if !rest.is_empty() => Location::BlockHeader,
            State::BlockBoundary => {
                if self.data_seen < self.data_entries {
                    let first = self
                        .entries
                        .iter()
                        .find(|e| e.had_dumper && !e.seen)
                        .map(|e| Location::Data(e.name.clone()))
                        .unwrap_or(Location::BlockHeader);
                    return Err(ErrorKind::MissingData {
                        offset: end,
                        location: first,
                        missing: self.data_entries - self.data_seen,
                    }
                    .into());
                }
                return Ok(());
            }
        };
        self.state = State::Failed;
        Err(ErrorKind::Truncated {
            offset: end,
            location,
        }
        .into())
    }

    /// Bytes after the last data block: only a copy of the TOC (its entry
    /// count first), once, is accepted.
    fn toc_copy_start(&mut self, mut d: Dec<'_>, start: u64) -> Parse<(usize, Event)> {
        const TRAILING: &str = "unexpected bytes after the last data block";
        if self.toc_copied || self.toc_total == 0 {
            return Err(d.corrupt_at(start, TRAILING));
        }
        let n = d.int()?;
        if usize::try_from(n).ok() != Some(self.toc_total) {
            return Err(d.corrupt_at(start, TRAILING));
        }
        self.toc_copied = true;
        self.state = State::TocCopy { index: 0 };
        Ok((
            d.consumed(),
            Event::TocCopyStart {
                entries: self.toc_total,
            },
        ))
    }

    /// One entry of the TOC's copy: it must be the TOC's entry at `index`.
    fn toc_copy_entry(&mut self, input: &[u8], index: usize) -> Parse<(usize, Event)> {
        let expected = self.entries[index].name.dump_id;
        let mut d = self.dec(
            input,
            Location::TocEntry {
                index,
                dump_id: Some(expected),
            },
        );
        let start = self.pos;
        let (entry, _) = TocEntry::decode(&mut d, self.version)?;
        if entry.dump_id != expected {
            return Err(d.corrupt_at(
                start,
                format!(
                    "the TOC's copy after the last data block has dump id {} where the TOC has {expected}",
                    entry.dump_id
                ),
            ));
        }
        self.state = if index + 1 == self.toc_total {
            State::BlockBoundary
        } else {
            State::TocCopy { index: index + 1 }
        };
        Ok((
            d.consumed(),
            Event::TocCopyEntry {
                dump_id: entry.dump_id,
            },
        ))
    }

    fn block_location(&self) -> Location {
        match &self.block {
            Some(BlockCtx {
                entry,
                oid: Some(oid),
            }) => Location::LargeObject {
                entry: self.entries[*entry].name.clone(),
                oid: *oid,
            },
            Some(BlockCtx { entry, oid: None }) => {
                Location::Data(self.entries[*entry].name.clone())
            }
            None => Location::BlockHeader,
        }
    }

    fn dec<'a>(&self, input: &'a [u8], location: Location) -> Dec<'a> {
        Dec::new(input, self.pos, self.int_size, self.off_size, location)
    }

    /// One event from the state the decoder is in: one function per state.
    fn step(&mut self, input: &[u8]) -> Parse<(usize, Event)> {
        match self.state {
            State::Failed => Err(Stop::Invalid(Error::usage("the decoder already failed"))),
            State::Header => self.header(input),
            State::TocCount => self.toc_count(input),
            State::TocEntries => self.toc_entry(input),
            State::BlockBoundary => self.block_start(input),
            State::ChunkLen => self.chunk_len(input),
            State::ChunkData { remaining } => self.chunk_data(input, remaining),
            State::TocCopy { index } => self.toc_copy_entry(input, index),
            State::BlobOid => self.blob_oid(input),
        }
    }

    /// The header: it fixes the version and the integer and offset sizes.
    fn header(&mut self, input: &[u8]) -> Parse<(usize, Event)> {
        let mut d = self.dec(input, Location::Header);
        let header = Header::decode(&mut d)?;
        self.version = header.version;
        self.int_size = header.int_size;
        self.off_size = header.off_size;
        self.state = State::TocCount;
        Ok((d.consumed(), Event::Header(header)))
    }

    /// The TOC's entry count.
    fn toc_count(&mut self, input: &[u8]) -> Parse<(usize, Event)> {
        let mut d = self.dec(input, Location::TocCount);
        let n = d.int()?;
        self.toc_total = usize::try_from(n)
            .map_err(|_| d.corrupt_at(self.pos, format!("negative TOC entry count {n}")))?;
        self.state = State::TocEntries;
        Ok((
            d.consumed(),
            Event::TocStart {
                entries: self.toc_total,
            },
        ))
    }

    /// The next TOC entry, or the TOC's end once all of them are read.
    fn toc_entry(&mut self, input: &[u8]) -> Parse<(usize, Event)> {
        if self.entries.len() == self.toc_total {
            self.state = State::BlockBoundary;
            return Ok((0, Event::TocEnd));
        }
        let index = self.entries.len();
        let mut d = self.dec(
            input,
            Location::TocEntry {
                index,
                dump_id: None,
            },
        );
        let (entry, offset) = TocEntry::decode(&mut d, self.version)?;
        if self.by_id.insert(entry.dump_id, index).is_some() {
            return Err(d.corrupt_at(
                self.pos,
                format!("dump id {} appears twice in the TOC", entry.dump_id),
            ));
        }
        let has_data = entry.had_dumper;
        if has_data != (offset != DataOffset::NoData) {
            return Err(d.corrupt_at(
                d.offset(),
                "the data offset flag contradicts whether the entry has data",
            ));
        }
        if has_data {
            self.data_entries += 1;
        }
        self.entries.push(EntryInfo {
            name: entry.name(),
            had_dumper: has_data,
            is_blobs: entry.is_blobs(),
            offset,
            seen: false,
        });
        Ok((d.consumed(), Event::TocEntry { entry, offset }))
    }

    /// Between blocks: the next block's header (its kind and dump id), or,
    /// once every data block is seen, the start of the TOC's copy.
    fn block_start(&mut self, input: &[u8]) -> Parse<(usize, Event)> {
        if input.is_empty() {
            return Err(Stop::NeedMore);
        }
        let start = self.pos;
        let mut d = self.dec(input, Location::BlockHeader);
        if self.data_seen == self.data_entries {
            return self.toc_copy_start(d, start);
        }
        let kind = match d.byte()? {
            BLK_DATA => BlockKind::Data,
            BLK_BLOBS => BlockKind::Blobs,
            other => {
                return Err(d.corrupt_at(start, format!("unrecognized data block type {other}")))
            }
        };
        let dump_id = d.int()?;
        let i = self.block_entry(&d, start, kind, dump_id)?;
        self.entries[i].seen = true;
        self.data_seen += 1;
        self.block = Some(BlockCtx {
            entry: i,
            oid: None,
        });
        self.state = match kind {
            BlockKind::Data => State::ChunkLen,
            BlockKind::Blobs => State::BlobOid,
        };
        Ok((
            d.consumed(),
            Event::BlockStart {
                kind,
                dump_id,
                offset: start,
            },
        ))
    }

    /// The index of the TOC entry a block of `kind` for `dump_id` at byte
    /// `start` belongs to, if the TOC expects that block there and has not
    /// seen it yet.
    fn block_entry(&self, d: &Dec<'_>, start: u64, kind: BlockKind, dump_id: i32) -> Parse<usize> {
        let Some(&i) = self.by_id.get(&dump_id) else {
            return Err(d.corrupt_at(start, format!("data block for unknown dump id {dump_id}")));
        };
        let info = &self.entries[i];
        if !info.had_dumper {
            return Err(d.corrupt_at(
                start,
                format!("{} has no data, yet a block follows", info.name),
            ));
        }
        if info.seen {
            return Err(d.corrupt_at(start, format!("a second data block for {}", info.name)));
        }
        if info.is_blobs != (kind == BlockKind::Blobs) {
            return Err(d.corrupt_at(start, format!("wrong block type for {}", info.name)));
        }
        if let DataOffset::Set(p) = info.offset {
            if p != start {
                return Err(d.corrupt_at(
                    start,
                    format!("the TOC puts the data of {} at byte {p}", info.name),
                ));
            }
        }
        Ok(i)
    }

    /// A chunk's length: a chunk starts, or (length 0) the current large
    /// object or block ends.
    fn chunk_len(&mut self, input: &[u8]) -> Parse<(usize, Event)> {
        let mut d = self.dec(input, self.block_location());
        let len = d.int()?;
        let consumed = d.consumed();
        if len < 0 {
            return Err(d.corrupt_at(self.pos, format!("negative chunk length {len}")));
        }
        if len > 0 {
            self.state = State::ChunkData {
                remaining: len as u32,
            };
            return Ok((consumed, Event::ChunkStart { len: len as u32 }));
        }
        let in_lo = self.block.as_mut().and_then(|b| b.oid.take()).is_some();
        if in_lo {
            self.state = State::BlobOid;
            Ok((consumed, Event::LargeObjectEnd))
        } else {
            self.state = State::BlockBoundary;
            self.block = None;
            Ok((consumed, Event::BlockEnd))
        }
    }

    /// Payload bytes of the current chunk: as many of its `remaining` bytes
    /// as the input holds.
    fn chunk_data(&mut self, input: &[u8], remaining: u32) -> Parse<(usize, Event)> {
        if input.is_empty() {
            return Err(Stop::NeedMore);
        }
        let n = input.len().min(remaining as usize);
        let left = remaining - n as u32;
        self.state = if left == 0 {
            State::ChunkLen
        } else {
            State::ChunkData { remaining: left }
        };
        Ok((n, Event::Data { len: n }))
    }

    /// Inside a large-objects block: the next large object's OID, or (0)
    /// the block's end.
    fn blob_oid(&mut self, input: &[u8]) -> Parse<(usize, Event)> {
        let mut d = self.dec(input, self.block_location());
        let oid = d.int()?;
        let consumed = d.consumed();
        if oid == 0 {
            self.state = State::BlockBoundary;
            self.block = None;
            return Ok((consumed, Event::BlockEnd));
        }
        // pg_dump writes OIDs as a C int; >= 2^31 arrive negative.
        let oid = oid as u32;
        if let Some(b) = &mut self.block {
            b.oid = Some(oid);
        }
        self.state = State::ChunkLen;
        Ok((consumed, Event::LargeObjectStart { oid }))
    }
}
