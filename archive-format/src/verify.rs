//! Full verification: walk an archive front to back, decompress every
//! block, count COPY rows and large objects, and fail on the first defect.

use std::collections::HashMap;
use std::io::Read;

use crate::block_decoder::BlockDecoder;
use crate::decoder::Event;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::header::Header;
use crate::reader::{ArchiveReader, StoredEntry};

/// What verification found in one entry's data block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DataReport {
    /// Offset of the block's first byte.
    pub block_offset: u64,
    /// Stored (compressed) payload bytes.
    pub stored_bytes: u64,
    /// Bytes after decompression.
    pub raw_bytes: u64,
    /// COPY rows, for entries with a COPY statement.
    pub rows: Option<u64>,
    /// Large objects, for `BLOBS` entries.
    pub large_objects: Option<u64>,
}

/// One TOC entry and, if it has one, what its data block held.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryReport {
    /// The entry as stored.
    pub stored: StoredEntry,
    /// Its data block, when the entry has data.
    pub data: Option<DataReport>,
}

/// The result of a successful verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// The header.
    pub header: Header,
    /// Every TOC entry, in archive order.
    pub entries: Vec<EntryReport>,
    /// Total archive length.
    pub total_bytes: u64,
}

impl VerifyReport {
    /// Total COPY rows over all entries.
    pub fn total_rows(&self) -> u64 {
        self.entries
            .iter()
            .filter_map(|e| e.data.and_then(|d| d.rows))
            .sum()
    }

    /// Total large objects.
    pub fn total_large_objects(&self) -> u64 {
        self.entries
            .iter()
            .filter_map(|e| e.data.and_then(|d| d.large_objects))
            .sum()
    }
}

/// Counts rows of `COPY ... TO stdout` text followed by pg_dump's `\.`
/// terminator line: every row ends with a newline (newlines inside values
/// are escaped), and the block must end with the terminator line plus
/// nothing but empty lines.
#[derive(Debug, Default)]
struct CopyRows {
    rows: u64,
    line_len: u64,
    head: [u8; 2],
    terminated: bool,
    junk_after_terminator: bool,
}

impl CopyRows {
    fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            let (line, rest, ended) = match bytes.iter().position(|&b| b == b'\n') {
                Some(i) => (&bytes[..i], &bytes[i + 1..], true),
                None => (bytes, &[][..], false),
            };
            let have = self.line_len.min(2) as usize;
            let take = line.len().min(2 - have);
            self.head[have..have + take].copy_from_slice(&line[..take]);
            self.line_len += line.len() as u64;
            if ended {
                self.end_line();
            }
            bytes = rest;
        }
    }

    fn end_line(&mut self) {
        if self.terminated {
            if self.line_len > 0 {
                self.junk_after_terminator = true;
            }
        } else if self.line_len == 2 && &self.head == b"\\." {
            self.terminated = true;
        } else {
            self.rows += 1;
        }
        self.line_len = 0;
        self.head = [0; 2];
    }

    fn finish(&self) -> std::result::Result<u64, &'static str> {
        if !self.terminated {
            return Err("the COPY data ends without its \\. terminator line");
        }
        if self.junk_after_terminator || self.line_len > 0 {
            return Err("data follows the COPY terminator line");
        }
        Ok(self.rows)
    }
}

struct OpenBlock {
    index: usize,
    report: DataReport,
    rows: Option<CopyRows>,
    oid: Option<u32>,
}

/// Verifies a whole archive read from `input`. See the module docs.
pub fn verify<R: Read>(input: R) -> Result<VerifyReport> {
    let mut r = ArchiveReader::new(input);
    let mut v = Verifier::default();
    loop {
        // Offset of the event's first byte (a Data piece, a chunk length...).
        let pos = r.position();
        let Some((event, data)) = r.next_event()? else {
            break;
        };
        v.event(event, data, pos)?;
    }
    let header = v
        .header
        .ok_or_else(|| Error::usage("archive without header"))?;
    Ok(VerifyReport {
        header,
        entries: v.entries,
        total_bytes: r.position(),
    })
}

/// What [`verify`] knows between events: the header, the block decoder for
/// its compression (or the name of an unsupported one), the entries so far
/// and the data block being read.
#[derive(Default)]
struct Verifier {
    header: Option<Header>,
    decomp: Option<std::result::Result<BlockDecoder, String>>,
    entries: Vec<EntryReport>,
    by_id: HashMap<i32, usize>,
    open: Option<OpenBlock>,
}

impl Verifier {
    /// Takes in one event; `data` is its payload and `pos` the offset of
    /// its first byte.
    fn event(&mut self, event: Event, data: &[u8], pos: u64) -> Result<()> {
        match event {
            Event::Header(h) => {
                self.decomp = Some(BlockDecoder::new(h.compression.algorithm()));
                self.header = Some(h);
            }
            Event::TocStart { .. }
            | Event::TocEnd
            | Event::ChunkStart { .. }
            | Event::TocCopyStart { .. }
            | Event::TocCopyEntry { .. } => {}
            Event::TocEntry { entry, offset } => {
                self.by_id.insert(entry.dump_id, self.entries.len());
                self.entries.push(EntryReport {
                    stored: StoredEntry { entry, offset },
                    data: None,
                });
            }
            Event::BlockStart {
                dump_id, offset, ..
            } => self.block_start(dump_id, offset)?,
            Event::LargeObjectStart { oid } => self.large_object_start(oid),
            Event::Data { len } => self.data(data, len, pos)?,
            Event::LargeObjectEnd => self.large_object_end(pos)?,
            Event::BlockEnd => self.block_end(pos)?,
        }
        Ok(())
    }

    /// A data block of `dump_id` starts at byte `offset`: a fresh decoder,
    /// and a row counter when the entry has a COPY statement.
    fn block_start(&mut self, dump_id: i32, offset: u64) -> Result<()> {
        let d = self
            .decomp
            .as_mut()
            .ok_or_else(|| Error::usage("block before header"))?;
        let d = d
            .as_mut()
            .map_err(|name| ErrorKind::UnsupportedCompression(name.clone()))?;
        d.reset();
        let index = *self
            .by_id
            .get(&dump_id)
            .ok_or_else(|| Error::usage(format!("block for unknown dump id {dump_id}")))?;
        let entry = &self.entries[index].stored.entry;
        let rows = entry
            .copy_stmt
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|_| CopyRows::default());
        let large_objects = entry.is_blobs().then_some(0);
        self.open = Some(OpenBlock {
            index,
            report: DataReport {
                block_offset: offset,
                large_objects,
                ..Default::default()
            },
            rows,
            oid: None,
        });
        Ok(())
    }

    /// A large object starts: its own compressed stream.
    fn large_object_start(&mut self, oid: u32) {
        if let (Some(b), Some(Ok(d))) = (&mut self.open, &mut self.decomp) {
            d.reset();
            b.oid = Some(oid);
            b.report.large_objects = Some(b.report.large_objects.unwrap_or(0) + 1);
        }
    }

    /// `len` stored bytes of the open block: decompressed, counted, and
    /// their rows counted.
    fn data(&mut self, data: &[u8], len: usize, pos: u64) -> Result<()> {
        if let (Some(b), Some(Ok(d))) = (&mut self.open, &mut self.decomp) {
            b.report.stored_bytes += len as u64;
            let (report, rows) = (&mut b.report, &mut b.rows);
            let fed = d.feed(data, &mut |out| {
                report.raw_bytes += out.len() as u64;
                if let Some(rows) = rows.as_mut() {
                    rows.feed(out);
                }
            });
            if let Err(message) = fed {
                return Err(decompress_error(&self.entries, b, pos, message.to_string()));
            }
        }
        Ok(())
    }

    /// A large object ends: its compressed stream must end too.
    fn large_object_end(&mut self, pos: u64) -> Result<()> {
        if let (Some(b), Some(Ok(d))) = (&mut self.open, &mut self.decomp) {
            if let Err(message) = d.finish() {
                return Err(decompress_error(&self.entries, b, pos, message.to_string()));
            }
            b.oid = None;
        }
        Ok(())
    }

    /// The open block ends: its stream must end, its COPY data with the
    /// terminator line; the entry gets the block's report.
    fn block_end(&mut self, pos: u64) -> Result<()> {
        if let (Some(mut b), Some(Ok(d))) = (self.open.take(), &mut self.decomp) {
            if let Err(message) = d.finish() {
                return Err(decompress_error(
                    &self.entries,
                    &b,
                    pos,
                    message.to_string(),
                ));
            }
            if let Some(rows) = &b.rows {
                b.report.rows = Some(
                    rows.finish()
                        .map_err(|m| Error::corrupt(pos, location(&self.entries, &b), m))?,
                );
            }
            self.entries[b.index].data = Some(b.report);
        }
        Ok(())
    }
}

fn decompress_error(entries: &[EntryReport], b: &OpenBlock, offset: u64, message: String) -> Error {
    ErrorKind::Decompress {
        offset,
        location: location(entries, b),
        message,
    }
    .into()
}

fn location(entries: &[EntryReport], b: &OpenBlock) -> Location {
    let entry = entries[b.index].stored.entry.name();
    match b.oid {
        Some(oid) => Location::LargeObject { entry, oid },
        None => Location::Data(entry),
    }
}

#[cfg(test)]
mod tests {
    use super::CopyRows;

    fn count(pieces: &[&[u8]]) -> Result<u64, &'static str> {
        let mut c = CopyRows::default();
        for p in pieces {
            c.feed(p);
        }
        c.finish()
    }

    #[test]
    fn counts_rows_across_piece_boundaries() {
        assert_eq!(count(&[b"1\ta\n2\tb\n\\.\n\n\n"]), Ok(2));
        assert_eq!(count(&[b"1\ta\n2", b"\tb\n\\", b".\n\n", b"\n"]), Ok(2));
        assert_eq!(count(&[b"\\.\n\n\n"]), Ok(0));
        // An escaped backslash-dot inside a value is a row, not the end.
        assert_eq!(count(&[b"\\\\.\n\\.\n"]), Ok(1));
        assert_eq!(count(&[b"\\.x\n\\.\n"]), Ok(1));
    }

    #[test]
    fn missing_terminator_or_junk_is_an_error() {
        assert!(count(&[b"1\ta\n2\tb\n"]).is_err());
        assert!(count(&[b"1\ta\n2\tb"]).is_err());
        assert!(count(&[b"1\n\\.\n3\n"]).is_err());
    }
}
