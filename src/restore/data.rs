//! Data blocks, read in archive (file) order and decompressed by
//! archive-format's [`BlockReader`].
//!
//! The archive is read front to back once; the restore asks for blocks in
//! TOC order, which is the order pg_dump and pgark write them in. A block
//! the restore does not want is read past. When a block is asked for after
//! the reader went past it (an archive whose data is not in TOC order), a
//! file is read again from the start; standard input cannot be, and that is
//! an error, as it is for pg_restore. Parallel workers read each block at
//! the offset the TOC stores ([`ArchiveReader::at_block`]).

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::Arc;

use archive_format::{
    ArchiveReader, BlockReader, CompressionAlgorithm, EntryName, ErrorKind, Event, Header, Location,
};

use crate::error::{Error, Result};
use crate::source::{S3Reads, Source};

pub(crate) use archive_format::Piece;

/// Opens the archive again from its first byte (files only).
pub(crate) type Reopen = Box<dyn Fn() -> Result<Box<dyn Read + Send>> + Send>;

type Reader = ArchiveReader<Box<dyn Read + Send>>;

pub(crate) struct Blocks {
    input: Input,
    blocks: BlockReader,
    /// Checked before each piece: the blocking loops' cancellation.
    cancel: Option<crate::CancellationToken>,
}

impl std::fmt::Debug for Blocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocks")
            .field("blocks", &self.blocks)
            .finish()
    }
}

impl Blocks {
    /// `reader` must be positioned right after the TOC.
    pub(crate) fn new(
        reader: Reader,
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
        header: &Header,
    ) -> Result<Self> {
        let input = Input::At(At {
            source: source.clone(),
            via: via.cloned(),
            header: header.clone(),
            offsets,
            reader: None,
        });
        Self::with_input(input, header.compression.algorithm())
    }

    fn with_input(input: Input, algorithm: CompressionAlgorithm) -> Result<Self> {
        Ok(Blocks {
            input,
            blocks: BlockReader::new(algorithm)?,
            cancel: None,
        })
    }

    /// Fails [`Blocks::next`] with [`Error::Interrupted`] once `token` is
    /// cancelled.
    pub(crate) fn cancel_on(mut self, token: Option<crate::CancellationToken>) -> Self {
        self.cancel = token;
        self
    }

    /// Positions the reader at the start of `entry`'s data block.
    pub(crate) fn open(&mut self, entry: &EntryName) -> Result<()> {
        match &mut self.input {
            Input::Stream(s) => s.open(entry)?,
            Input::At(a) => a.open(entry)?,
        }
        self.blocks.start(entry.clone());
        Ok(())
    }

    /// The next piece of the open block; decompressed bytes are appended to
    /// `out`.
    pub(crate) fn next(&mut self, out: &mut Vec<u8>) -> Result<Piece> {
        crate::cancel::check(self.cancel.as_ref())?;
        let reader = match &mut self.input {
            Input::Stream(s) => &mut s.reader,
            Input::At(At {
                reader: Some(r), ..
            }) => r,
            Input::At(_) => return Err(Error::Config("no data block is open".into())),
        };
        Ok(self.blocks.next(reader, out)?)
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
    /// Each block read at its stored offset.
    At(At),
}

struct Stream {
    reader: Reader,
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

/// Blocks opened at the offsets the TOC stores (a seek in a file, a range
/// request on S3), each read by its own [`ArchiveReader::at_block`].
struct At {
    source: Source,
    /// The S3 client and runtime to read through.
    via: Option<S3Reads>,
    header: Header,
    offsets: Arc<HashMap<i32, u64>>,
    reader: Option<Reader>,
}

impl At {
    fn open(&mut self, entry: &EntryName) -> Result<()> {
        let Some(&offset) = self.offsets.get(&entry.dump_id) else {
            return Err(Error::Archive(
                ErrorKind::Corrupt {
                    offset: 0,
                    location: Location::Data(entry.clone()),
                    message: "the TOC stores no data offset for this entry".into(),
                }
                .into(),
            ));
        };
        // The block ends where the next one in the file starts: on S3, a
        // range request for exactly the block.
        let next = self.offsets.values().filter(|&&o| o > offset).min();
        let last = next.map(|n| n - 1);
        let input = self
            .source
            .open_range_via(offset, last, self.via.as_ref())?;
        let mut reader = ArchiveReader::at_block(input, &self.header, entry, offset);
        // Past the block's type and dump id, checked against the entry.
        match reader.next_event()? {
            Some((Event::BlockStart { .. }, _)) => {}
            _ => {
                return Err(Error::Archive(
                    ErrorKind::Corrupt {
                        offset,
                        location: Location::Data(entry.clone()),
                        message: "no data block at the stored offset".into(),
                    }
                    .into(),
                ))
            }
        }
        self.reader = Some(reader);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use archive_format::{
        ArchiveVersion, ArchiveWriter, Compression, CreateTime, Header, Section, TocEntry,
    };

    /// A 16 MiB block of zeros compresses to a few chunks that each expand
    /// enormously: every call hands out at most about archive_format::PIECE_LIMIT bytes,
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
            largest <= archive_format::PIECE_LIMIT + 128 * 1024,
            "{largest} bytes at once"
        );
    }
}
