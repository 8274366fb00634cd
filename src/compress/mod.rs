//! Compression of table data on every core.
//!
//! pg_restore reads each TABLE DATA block as one stream (one zlib stream,
//! one zstd frame or one LZ4 frame), so one big table would be compressed
//! on one core. [`ParallelGzip`] cuts the COPY text into chunks,
//! compresses them on a pool of threads as pieces of that one stream
//! (pigz-style, see [`archive_format::deflate_parallel`]), and writes the
//! stream out in order to any [`std::io::Write`]. [`ParallelLz4`] does the
//! same with the independent blocks of one LZ4 frame; zstd compresses one
//! frame on worker threads of its own (libzstd's multithreaded mode).
//! [`TableCompressor`] picks one of them for a [`Compression`], and
//! [`RawBlockWriter`] is the `Write` that puts the stream into an
//! archive's data block.
//!
//! ```
//! use std::io::{Cursor, Write};
//!
//! use archive_format::*;
//! use pgark::compress::{ParallelGzip, ParallelGzipOptions, RawBlockWriter};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
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
//! let mut w = ArchiveWriter::new(Cursor::new(Vec::new()), &header, vec![table, data], compression)?;
//!
//! // The block takes the compressed stream as is; the threads make it.
//! let block = RawBlockWriter::new(w.data_raw(2)?);
//! let options = ParallelGzipOptions::new(6).threads(2).chunk_size(64 * 1024);
//! let mut gz = ParallelGzip::new(block, options)?;
//! for i in 0..100_000 {
//!     writeln!(gz, "{i}")?;
//! }
//! gz.write_all(b"\\.\n\n\n")?;
//! gz.finish()?.finish()?;
//!
//! let archive = w.finish()?.rewrite_toc()?.into_inner();
//! assert_eq!(verify(&archive[..])?.total_rows(), 100_000);
//! # Ok(()) }
//! ```

mod parallel_gzip;
mod parallel_lz4;
mod raw_block;
mod table;

pub use parallel_gzip::{GzipPool, ParallelGzip, ParallelGzipError, ParallelGzipOptions};
pub use parallel_lz4::ParallelLz4;
pub use raw_block::RawBlockWriter;
pub use table::TableCompressor;

#[cfg(doc)]
use archive_format::Compression;
