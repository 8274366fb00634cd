//! PostgreSQL's custom archive format (`pg_dump -Fc`), both directions,
//! without I/O of its own.
//!
//! * [`ArchiveWriter`] writes an archive to any [`std::io::Write`]: header
//!   and TOC first, then the data blocks in TOC order; [`Finished`] hands
//!   back the TOC with real data offsets for outputs that can rewrite it.
//! * [`Decoder`] is a push decoder that says "need more bytes" instead of
//!   blocking; [`ArchiveReader`] wraps it for any [`std::io::Read`].
//! * [`deflate_parallel`] builds one zlib stream from chunks compressed
//!   independently (on as many threads as the caller runs), so one table's
//!   data can use every core and still inflate as the single stream
//!   pg_restore expects.
//! * [`verify()`] walks a whole archive, decompresses every block and counts
//!   COPY rows and large objects; [`listing`] prints a TOC the way
//!   `pg_restore --list` does.
//!
//! * [`BlockDecoder`] decompresses one block of any algorithm pg_dump
//!   writes; [`BlockReader`] hands out a block's contents (table data,
//!   large objects) decompressed in bounded pieces, from an
//!   [`ArchiveReader`] reading the whole archive or
//!   [`at_block`](ArchiveReader::at_block), one block at its stored
//!   offset; [`lz4_frame`] holds the LZ4 frame format's pieces.
//!
//! Archive versions 1.12 to 1.16 are read; the writer takes the version as
//! a parameter. Compression: none, gzip (zlib), zstd and lz4 are read and
//! written, zstd and lz4 (pg_dump 16+) in archives 1.15 and 1.16 only.
//!
//! ```
//! use archive_format::*;
//!
//! # fn main() -> Result<(), Error> {
//! let compression = Compression::Gzip { level: 6 };
//! let header = Header::new(ArchiveVersion::V1_15, compression,
//!     CreateTime::from_unix_utc(1_700_000_000), "app", "16.2", "pgark")?;
//! let mut table = TocEntry::new(1, "TABLE", "t", Section::PreData);
//! table.namespace = Some(b"public".to_vec());
//! table.defn = Some(b"CREATE TABLE public.t (id integer);\n".to_vec());
//! let mut data = TocEntry::new(2, "TABLE DATA", "t", Section::Data);
//! data.had_dumper = true;
//! data.namespace = Some(b"public".to_vec());
//! data.copy_stmt = Some(b"COPY public.t (id) FROM stdin;\n".to_vec());
//! data.dependencies = vec![1];
//!
//! // Seekable mode: a Cursor (or a File) gets the TOC rewritten with offsets.
//! let out = std::io::Cursor::new(Vec::new());
//! let mut w = ArchiveWriter::new(out, &header, vec![table, data], compression)?;
//! let mut block = w.data(2)?;
//! std::io::Write::write_all(&mut block, b"1\n2\n\\.\n\n\n")?;
//! block.finish()?;
//! let archive = w.finish()?.rewrite_toc()?.into_inner();
//!
//! let report = verify(&archive[..])?;
//! assert_eq!(report.total_rows(), 2);
//! assert!(matches!(report.entries[1].stored.offset, DataOffset::Set(_)));
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

mod block_decoder;
mod block_reader;
mod compress;
mod decoder;
pub mod deflate_parallel;
mod error;
mod header;
pub mod listing;
pub mod lz4_frame;
mod primitives;
mod reader;
mod toc;
mod verify;
mod version;
mod writer;

pub use block_decoder::{BlockDecodeError, BlockDecoder, Decoded};
pub use block_reader::{BlockReader, Piece, PIECE_LIMIT};
pub use compress::{Compression, ParseCompressionError, ZSTD_DEFAULT_LEVEL};
pub use decoder::{BlockKind, Decoder, Event, Step};
pub use error::{EntryName, Error, ErrorKind, Location, Result};
pub use header::{
    CompressionAlgorithm, CreateTime, Header, HeaderCompression, DEFAULT_INT_SIZE,
    DEFAULT_OFF_SIZE, FORMAT_CUSTOM, MAGIC,
};
pub use primitives::{DataOffset, MAX_STRING_LEN};
pub use reader::{ArchiveReader, StoredEntry, Toc};
pub use toc::{CatalogId, Section, TocEntry};
pub use verify::{verify, DataReport, EntryReport, VerifyReport};
pub use version::{ArchiveVersion, ParseVersionError};
pub use writer::{
    ArchiveWriter, BlobsWriter, DataWriter, Finished, BLK_BLOBS, BLK_DATA, CHUNK_SIZE,
};
