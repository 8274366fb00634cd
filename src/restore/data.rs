//! Data blocks, read in archive (file) order and decompressed.
//!
//! The archive is read front to back once; the restore asks for blocks in
//! TOC order, which is the order pg_dump and pgark write them in. A block
//! the restore does not want is read past. When a block is asked for after
//! the reader went past it (an archive whose data is not in TOC order), a
//! file is read again from the start; standard input cannot be, and that is
//! an error, as it is for pg_restore.

use std::collections::HashSet;
use std::io::Read;

use archive_format::{ArchiveReader, CompressionAlgorithm, EntryName, ErrorKind, Event, Location};
use flate2::{Decompress, FlushDecompress, Status};

use crate::error::{Error, Result};

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

pub(crate) struct Blocks {
    reader: ArchiveReader<Box<dyn Read + Send>>,
    reopen: Option<Reopen>,
    passed: HashSet<i32>,
    inflate: Option<Decompress>,
    /// Stored bytes fed to the current stream, and whether it ended.
    fed: u64,
    done: bool,
    current: Option<(EntryName, Option<u32>)>,
}

impl std::fmt::Debug for Blocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Blocks")
            .field("position", &self.reader.position())
            .field("seekable", &self.reopen.is_some())
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
        let inflate = match algorithm {
            CompressionAlgorithm::None => None,
            CompressionAlgorithm::Gzip => Some(Decompress::new(true)),
            other => {
                return Err(Error::Archive(
                    ErrorKind::UnsupportedCompression(other.name()).into(),
                ))
            }
        };
        Ok(Blocks {
            reader,
            reopen,
            passed: HashSet::new(),
            inflate,
            fed: 0,
            done: false,
            current: None,
        })
    }

    /// Positions the reader at the start of `entry`'s data block.
    pub(crate) fn open(&mut self, entry: &EntryName) -> Result<()> {
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
                    self.start_stream();
                    self.current = Some((entry.clone(), None));
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

    fn start_stream(&mut self) {
        if let Some(z) = &mut self.inflate {
            z.reset(true);
        }
        self.fed = 0;
        self.done = false;
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
                offset: self.reader.position(),
                location,
                message: message.into(),
            }
            .into(),
        )
    }

    fn end_stream(&self) -> Result<()> {
        if self.inflate.is_some() && self.fed > 0 && !self.done {
            return Err(self.fail("the zlib stream ends before its end marker"));
        }
        Ok(())
    }

    /// The next piece of the open block; decompressed bytes are appended to
    /// `out`.
    pub(crate) fn next(&mut self, out: &mut Vec<u8>) -> Result<Piece> {
        loop {
            let Some((event, data)) = self.reader.next_event()? else {
                return Err(self.fail("the archive ended inside the block"));
            };
            match event {
                Event::Data { .. } => {
                    let Some(z) = self.inflate.as_mut() else {
                        out.extend_from_slice(data);
                        return Ok(Piece::Data);
                    };
                    if data.is_empty() {
                        continue;
                    }
                    if self.done {
                        let e = "data after the end of the zlib stream";
                        return Err(self.fail(e));
                    }
                    self.fed += data.len() as u64;
                    let mut input = data;
                    let mut failure = None;
                    loop {
                        out.reserve(64 * 1024);
                        let (bin, bout) = (z.total_in(), z.total_out());
                        let status = match z.decompress_vec(input, out, FlushDecompress::None) {
                            Ok(s) => s,
                            Err(e) => {
                                failure = Some(e.to_string());
                                break;
                            }
                        };
                        let used = (z.total_in() - bin) as usize;
                        let made = (z.total_out() - bout) as usize;
                        input = &input[used..];
                        if status == Status::StreamEnd {
                            self.done = true;
                            if !input.is_empty() {
                                failure = Some("data after the end of the zlib stream".into());
                            }
                            break;
                        }
                        if input.is_empty() && out.len() < out.capacity() {
                            break;
                        }
                        if used == 0 && made == 0 {
                            failure = Some("zlib made no progress".into());
                            break;
                        }
                    }
                    if let Some(message) = failure {
                        return Err(self.fail(message));
                    }
                    return Ok(Piece::Data);
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
