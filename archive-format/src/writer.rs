//! Writing an archive: header and TOC first, then one block per data entry
//! in TOC order, then (for seekable outputs) the TOC again with offsets.
//!
//! ```text
//! header | TOC (offsets unset) | block | block | ...
//!          ^ rewritten at the end with each block's position when the output can seek
//! ```
//!
//! The writer only needs [`Write`]: [`ArchiveWriter::finish`] hands back the
//! TOC with real offsets and where it goes, and the sink decides how to put
//! it there ([`Finished::rewrite_toc`] for files; an S3 sink patches the
//! first part it still holds in memory with [`Finished::patch_prefix`]).

use std::collections::HashMap;
use std::io::{self, Seek, SeekFrom, Write};

use crate::compress::{BlockCompressor, Compression};
use crate::error::{Error, Result};
use crate::header::Header;
use crate::primitives::{DataOffset, Enc};
use crate::toc::TocEntry;

/// Block type byte of table data (`BLK_DATA`).
pub const BLK_DATA: u8 = 1;
/// Block type byte of large objects (`BLK_BLOBS`).
pub const BLK_BLOBS: u8 = 3;
/// Largest chunk the writer emits (pg_restore accepts any size).
pub const CHUNK_SIZE: usize = 128 * 1024;

/// Writes one custom archive.
///
/// Blocks must be written in TOC order, each finished before the next
/// starts; dropping a block writer unfinished poisons the archive (every
/// later call fails), because the bytes already written cannot be taken back.
#[derive(Debug)]
pub struct ArchiveWriter<W: Write> {
    out: W,
    pos: u64,
    int_size: u8,
    off_size: u8,
    version: crate::version::ArchiveVersion,
    compression: Compression,
    entries: Vec<TocEntry>,
    index: HashMap<i32, usize>,
    positions: Vec<Option<u64>>,
    last_written: Option<usize>,
    toc_offset: u64,
    prefix_len: u64,
    poisoned: bool,
}

impl<W: Write> ArchiveWriter<W> {
    /// Validates the TOC, then writes the header and the TOC (data offsets
    /// unset) to `out`.
    ///
    /// `compression` must be the algorithm the header records.
    pub fn new(
        mut out: W,
        header: &Header,
        entries: Vec<TocEntry>,
        compression: Compression,
    ) -> Result<Self> {
        if header.compression.algorithm() != compression.algorithm() {
            return Err(Error::usage(format!(
                "the header records compression {} but the data would be written as {}",
                header.compression.algorithm().name(),
                compression
            )));
        }
        let index = validate(&entries)?;
        let mut buf = Vec::new();
        header.encode(&mut buf)?;
        let toc_offset = buf.len() as u64;
        let offsets: Vec<DataOffset> = entries
            .iter()
            .map(|e| {
                if e.had_dumper {
                    DataOffset::NotSet
                } else {
                    DataOffset::NoData
                }
            })
            .collect();
        encode_toc(&mut buf, header, &entries, &offsets)?;
        out.write_all(&buf)?;
        let prefix_len = buf.len() as u64;
        Ok(ArchiveWriter {
            out,
            pos: prefix_len,
            int_size: header.int_size,
            off_size: header.off_size,
            version: header.version,
            compression,
            positions: vec![None; entries.len()],
            entries,
            index,
            last_written: None,
            toc_offset,
            prefix_len,
            poisoned: false,
        })
    }

    /// Length in bytes of header + TOC: the data starts here. Known before
    /// any data is written.
    pub fn prefix_len(&self) -> u64 {
        self.prefix_len
    }

    /// Byte offset where the TOC starts (right after the header).
    pub fn toc_offset(&self) -> u64 {
        self.toc_offset
    }

    /// Bytes written so far.
    pub fn position(&self) -> u64 {
        self.pos
    }

    /// The TOC being written.
    pub fn entries(&self) -> &[TocEntry] {
        &self.entries
    }

    /// Starts the data block of a TABLE DATA (or other non-BLOBS) entry;
    /// bytes written to it are compressed and framed.
    pub fn data(&mut self, dump_id: i32) -> Result<DataWriter<'_, W>> {
        let comp = BlockCompressor::new(self.compression)?;
        self.start_block(dump_id, false)?;
        Ok(DataWriter {
            block: Block::new(self, comp, false),
        })
    }

    /// Starts a data block fed with already-compressed chunks through
    /// [`DataWriter::write_compressed_chunk`] (blocks of another archive
    /// passed through, or data compressed elsewhere). The caller is
    /// responsible for the chunks forming one stream of the archive's
    /// compression.
    pub fn data_raw(&mut self, dump_id: i32) -> Result<DataWriter<'_, W>> {
        let comp = BlockCompressor::new(self.compression)?;
        self.start_block(dump_id, false)?;
        Ok(DataWriter {
            block: Block::new(self, comp, true),
        })
    }

    /// Starts the large-object block of a `BLOBS` entry.
    pub fn blobs(&mut self, dump_id: i32) -> Result<BlobsWriter<'_, W>> {
        let comp = BlockCompressor::new(self.compression)?;
        self.start_block(dump_id, true)?;
        Ok(BlobsWriter {
            block: Block::new(self, comp, false),
            current: None,
        })
    }

    /// Starts a large-object block fed with already-compressed chunks.
    pub fn blobs_raw(&mut self, dump_id: i32) -> Result<BlobsWriter<'_, W>> {
        let comp = BlockCompressor::new(self.compression)?;
        self.start_block(dump_id, true)?;
        Ok(BlobsWriter {
            block: Block::new(self, comp, true),
            current: None,
        })
    }

    fn start_block(&mut self, dump_id: i32, blobs: bool) -> Result<()> {
        self.check_usable()?;
        let &i = self
            .index
            .get(&dump_id)
            .ok_or_else(|| Error::usage(format!("no TOC entry has dump id {dump_id}")))?;
        let entry = &self.entries[i];
        if !entry.had_dumper {
            return Err(Error::usage(format!("{} has no data block", entry.name())));
        }
        if entry.is_blobs() != blobs {
            return Err(Error::usage(format!(
                "{} takes a {} block",
                entry.name(),
                if entry.is_blobs() {
                    "large-object"
                } else {
                    "table data"
                }
            )));
        }
        if let Some(last) = self.last_written {
            if i <= last {
                return Err(Error::usage(format!(
                    "data of {} written out of TOC order (or twice)",
                    entry.name()
                )));
            }
        }
        self.last_written = Some(i);
        self.positions[i] = Some(self.pos);
        let mut head = vec![if blobs { BLK_BLOBS } else { BLK_DATA }];
        self.enc(&mut head).int(dump_id);
        self.write_raw(&head)
    }

    fn check_usable(&self) -> Result<()> {
        if self.poisoned {
            return Err(Error::usage(
                "an earlier data block was abandoned unfinished; the archive is unusable",
            ));
        }
        Ok(())
    }

    fn enc<'b>(&self, buf: &'b mut Vec<u8>) -> Enc<'b> {
        Enc {
            buf,
            int_size: self.int_size,
            off_size: self.off_size,
        }
    }

    fn write_raw(&mut self, bytes: &[u8]) -> Result<()> {
        if let Err(e) = self.out.write_all(bytes) {
            self.poisoned = true;
            return Err(e.into());
        }
        self.pos += bytes.len() as u64;
        Ok(())
    }

    fn write_int(&mut self, v: i32) -> Result<()> {
        let mut b = Vec::with_capacity(9);
        self.enc(&mut b).int(v);
        self.write_raw(&b)
    }

    fn write_chunk(&mut self, chunk: &[u8]) -> Result<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let len = i32::try_from(chunk.len())
            .map_err(|_| Error::usage(format!("chunk of {} bytes is too long", chunk.len())))?;
        self.write_int(len)?;
        self.write_raw(chunk)
    }

    /// Ends the archive. Every entry with a data dumper must have its block.
    ///
    /// The bytes written so far are a complete archive whose TOC has no
    /// data offsets (streaming mode); the returned [`Finished`] carries the
    /// TOC with offsets for outputs that can go back and rewrite it.
    pub fn finish(mut self) -> Result<Finished<W>> {
        self.check_usable()?;
        if let Some(missing) = self
            .entries
            .iter()
            .zip(&self.positions)
            .find(|(e, p)| e.had_dumper && p.is_none())
        {
            return Err(Error::usage(format!(
                "the data of {} was never written",
                missing.0.name()
            )));
        }
        self.out.flush()?;
        let offsets: Vec<DataOffset> = self
            .positions
            .iter()
            .map(|p| p.map_or(DataOffset::NoData, DataOffset::Set))
            .collect();
        let mut toc = Vec::new();
        let mut e = Enc {
            buf: &mut toc,
            int_size: self.int_size,
            off_size: self.off_size,
        };
        e.int(self.entries.len() as i32);
        for (entry, off) in self.entries.iter().zip(&offsets) {
            entry.encode(&mut e, self.version, *off)?;
        }
        debug_assert_eq!(self.toc_offset + toc.len() as u64, self.prefix_len);
        Ok(Finished {
            inner: self.out,
            toc_offset: self.toc_offset,
            toc,
            len: self.pos,
        })
    }
}

/// Checks the TOC and indexes it by dump id.
fn validate(entries: &[TocEntry]) -> Result<HashMap<i32, usize>> {
    let mut index = HashMap::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        if e.dump_id <= 0 {
            return Err(Error::usage(format!(
                "{} has a dump id that is not positive",
                e.name()
            )));
        }
        if index.insert(e.dump_id, i).is_some() {
            return Err(Error::usage(format!("dump id {} is used twice", e.dump_id)));
        }
    }
    // pg_restore takes a TABLE DATA entry's first dependency as its table's
    // dump id, which must be in range (the table itself may be absent, as
    // for an extension's configuration table); no dependency is fine.
    let max = entries.iter().map(|e| e.dump_id).max().unwrap_or(0);
    for e in entries {
        if e.desc == "TABLE DATA" {
            if let Some(&t) = e.dependencies.first() {
                if t <= 0 || t > max {
                    return Err(Error::usage(format!(
                        "{} must depend on its table's entry first \
                         (pg_restore: bad table dumpId for TABLE DATA item)",
                        e.name()
                    )));
                }
            }
        }
    }
    Ok(index)
}

/// Appends the TOC (count and entries) with the given offsets.
pub(crate) fn encode_toc(
    buf: &mut Vec<u8>,
    header: &Header,
    entries: &[TocEntry],
    offsets: &[DataOffset],
) -> Result<()> {
    let count = i32::try_from(entries.len())
        .map_err(|_| Error::usage("too many TOC entries for one archive"))?;
    let mut e = Enc {
        buf,
        int_size: header.int_size,
        off_size: header.off_size,
    };
    e.int(count);
    for (entry, off) in entries.iter().zip(offsets) {
        entry.encode(&mut e, header.version, *off)?;
    }
    Ok(())
}

/// A finished archive: the output, and the TOC with real data offsets.
#[derive(Debug)]
pub struct Finished<W> {
    inner: W,
    toc_offset: u64,
    toc: Vec<u8>,
    len: u64,
}

impl<W> Finished<W> {
    /// The output, as written: a valid archive without data offsets.
    pub fn into_inner(self) -> W {
        self.inner
    }

    /// The output.
    pub fn get_ref(&self) -> &W {
        &self.inner
    }

    /// Where the TOC starts.
    pub fn toc_offset(&self) -> u64 {
        self.toc_offset
    }

    /// The TOC (entry count and entries) with every data offset set. Same
    /// length as the TOC written at the start.
    pub fn toc_with_offsets(&self) -> &[u8] {
        &self.toc
    }

    /// Total archive length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the archive is empty (never: it has at least a header).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Overwrites the TOC inside `prefix`, a buffer holding the archive's
    /// first `prefix.len()` bytes, which must cover the whole TOC.
    pub fn patch_prefix(&self, prefix: &mut [u8]) -> Result<()> {
        let start = self.toc_offset as usize;
        let end = start + self.toc.len();
        let have = prefix.len();
        let target = prefix.get_mut(start..end).ok_or_else(|| {
            Error::usage(format!(
                "a buffer of {have} bytes does not cover the TOC (bytes {start}..{end})"
            ))
        })?;
        target.copy_from_slice(&self.toc);
        Ok(())
    }
}

impl<W: Write + Seek> Finished<W> {
    /// Seekable mode: rewrites the TOC in place with the data offsets, so
    /// `pg_restore -j` and `-t` can seek to blocks, and returns the output
    /// positioned at its end.
    pub fn rewrite_toc(mut self) -> Result<W> {
        self.inner.seek(SeekFrom::Start(self.toc_offset))?;
        self.inner.write_all(&self.toc)?;
        self.inner.seek(SeekFrom::Start(self.len))?;
        self.inner.flush()?;
        Ok(self.inner)
    }
}

/// What block writers share: compression state and chunk framing.
#[derive(Debug)]
struct Block<'a, W: Write> {
    w: &'a mut ArchiveWriter<W>,
    comp: BlockCompressor,
    pending: Vec<u8>,
    /// Fed with pre-compressed chunks instead of through the compressor.
    raw: bool,
    done: bool,
}

impl<'a, W: Write> Block<'a, W> {
    fn new(w: &'a mut ArchiveWriter<W>, comp: BlockCompressor, raw: bool) -> Self {
        Block {
            w,
            comp,
            pending: Vec::new(),
            raw,
            done: false,
        }
    }

    fn write(&mut self, data: &[u8]) -> Result<()> {
        self.w.check_usable()?;
        if self.raw {
            return Err(Error::usage("this block takes pre-compressed chunks only"));
        }
        for piece in data.chunks(CHUNK_SIZE) {
            self.comp.compress(piece, &mut self.pending)?;
            if self.pending.len() >= CHUNK_SIZE {
                self.flush_pending()?;
            }
        }
        Ok(())
    }

    fn flush_pending(&mut self) -> Result<()> {
        let pending = std::mem::take(&mut self.pending);
        let r = self.w.write_chunk(&pending);
        self.pending = pending;
        self.pending.clear();
        r
    }

    /// Ends the current compressed stream (block or large object). Like
    /// pg_dump, an empty stream is still a complete zlib stream.
    fn end_stream(&mut self) -> Result<()> {
        if !self.raw {
            self.comp.finish(&mut self.pending)?;
            self.flush_pending()?;
            self.comp = BlockCompressor::new(self.w.compression)?;
        }
        Ok(())
    }

    fn raw_chunk(&mut self, chunk: &[u8]) -> Result<()> {
        self.w.check_usable()?;
        if !self.raw {
            return Err(Error::usage(
                "this block compresses its input; open it with a raw constructor to pass \
                 pre-compressed chunks",
            ));
        }
        self.w.write_chunk(chunk)
    }
}

impl<W: Write> Drop for Block<'_, W> {
    fn drop(&mut self) {
        if !self.done {
            self.w.poisoned = true;
        }
    }
}

/// Writes one table-data block. Implements [`Write`]: bytes are compressed
/// and framed into chunks. Call [`DataWriter::finish`]; dropping it
/// unfinished poisons the archive.
#[derive(Debug)]
pub struct DataWriter<'a, W: Write> {
    block: Block<'a, W>,
}

impl<W: Write> DataWriter<'_, W> {
    /// Appends one already-compressed chunk as is; only on blocks opened
    /// with [`ArchiveWriter::data_raw`].
    pub fn write_compressed_chunk(&mut self, chunk: &[u8]) -> Result<()> {
        self.block.raw_chunk(chunk)
    }

    /// Ends the compressed stream and the block.
    pub fn finish(mut self) -> Result<()> {
        self.block.end_stream()?;
        self.block.w.write_int(0)?;
        self.block.done = true;
        Ok(())
    }
}

impl<W: Write> Write for DataWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.block.write(buf).map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes one `BLOBS` block: a sequence of large objects, each its own
/// compressed stream. Implements [`Write`] for the current large object.
#[derive(Debug)]
pub struct BlobsWriter<'a, W: Write> {
    block: Block<'a, W>,
    current: Option<u32>,
}

impl<W: Write> BlobsWriter<'_, W> {
    /// Starts the large object `oid` (ending the previous one).
    pub fn start_large_object(&mut self, oid: u32) -> Result<()> {
        if oid == 0 {
            return Err(Error::usage("large object OID 0 would end the BLOBS block"));
        }
        self.end_large_object()?;
        // pg_dump writes the OID as a C int: OIDs >= 2^31 become negative.
        self.block.w.write_int(oid as i32)?;
        self.current = Some(oid);
        Ok(())
    }

    /// Ends the current large object, if one is open.
    pub fn end_large_object(&mut self) -> Result<()> {
        if self.current.take().is_some() {
            self.block.end_stream()?;
            self.block.w.write_int(0)?;
        }
        Ok(())
    }

    /// Appends one already-compressed chunk to the current large object;
    /// only on blocks opened with [`ArchiveWriter::blobs_raw`].
    pub fn write_compressed_chunk(&mut self, chunk: &[u8]) -> Result<()> {
        if self.current.is_none() {
            return Err(Error::usage("no large object is open"));
        }
        self.block.raw_chunk(chunk)
    }

    /// Ends the last large object and the block.
    pub fn finish(mut self) -> Result<()> {
        self.end_large_object()?;
        self.block.w.write_int(0)?;
        self.block.done = true;
        Ok(())
    }
}

impl<W: Write> Write for BlobsWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.current.is_none() {
            return Err(io::Error::other("no large object is open"));
        }
        self.block.write(buf).map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
