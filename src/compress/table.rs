//! [`TableCompressor`]: the compressor of one table's data block, on
//! every core, for any compression the archive uses.

use std::io::{self, Write};

use archive_format::Compression;

use super::{GzipPool, ParallelGzip, ParallelGzipOptions, ParallelLz4};

/// One table's data compressed on `threads` threads into one stream of
/// the archive's compression, written to an inner sink (a
/// [`RawBlockWriter`](super::RawBlockWriter)).
///
/// * gzip: [`ParallelGzip`], one zlib stream.
/// * zstd: one frame with its checksum, made by libzstd's worker threads
///   (`NbWorkers`); the caller's thread only hands input over and writes
///   output out. One frame, because pg_restore's zstd reader drops the
///   rest of a chunk once a frame ends.
/// * lz4: [`ParallelLz4`], one frame of independent blocks.
/// * none: the bytes as they are.
///
/// Call [`TableCompressor::finish`]; dropping it leaves the sink with an
/// incomplete stream. Which compressor runs is private: the codecs'
/// crates stay out of pgark's API.
pub struct TableCompressor<W: Write>(Codec<W>);

enum Codec<W: Write> {
    /// Uncompressed.
    None(W),
    /// gzip.
    Gzip(Box<ParallelGzip<W>>),
    /// zstd.
    Zstd(Box<zstd::stream::write::Encoder<'static, W>>),
    /// lz4.
    Lz4(ParallelLz4<W>),
}

impl<W: Write> std::fmt::Debug for TableCompressor<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match &self.0 {
            Codec::None(_) => "none",
            Codec::Gzip(_) => "gzip",
            Codec::Zstd(_) => "zstd",
            Codec::Lz4(_) => "lz4",
        };
        f.debug_tuple("TableCompressor").field(&name).finish()
    }
}

impl<W: Write> TableCompressor<W> {
    /// Starts compressing into `inner`. gzip takes its threads from
    /// `kept` when it holds fitting ones (the table before's, handed back
    /// by [`finish`](Self::finish)), else starts them.
    pub fn new(
        inner: W,
        compression: Compression,
        threads: usize,
        kept: &mut Option<GzipPool>,
    ) -> io::Result<Self> {
        let threads = threads.max(1);
        Ok(TableCompressor(match compression {
            Compression::None => Codec::None(inner),
            Compression::Gzip { level } => {
                let options = ParallelGzipOptions::new(level).threads(threads);
                let pool = match kept.take() {
                    Some(p) if p.fits(&options) => p,
                    _ => GzipPool::start(&options)?,
                };
                Codec::Gzip(Box::new(ParallelGzip::with_pool(inner, options, pool)?))
            }
            Compression::Zstd { level } => {
                let mut z = zstd::stream::write::Encoder::new(inner, level)?;
                // The frame's checksum: pg_restore's libzstd and pgark
                // verify check it, so a flipped bit is an error, not
                // different rows.
                z.include_checksum(true)?;
                z.multithread(u32::try_from(threads).unwrap_or(u32::MAX))?;
                Codec::Zstd(Box::new(z))
            }
            Compression::Lz4 { .. } => Codec::Lz4(ParallelLz4::new(inner, threads)),
        }))
    }

    /// Ends the stream and returns the inner sink; gzip's threads go back
    /// to `kept`, running, for the next table.
    pub fn finish(self, kept: &mut Option<GzipPool>) -> io::Result<W> {
        match self.0 {
            Codec::None(mut w) => {
                w.flush()?;
                Ok(w)
            }
            Codec::Gzip(g) => {
                let (w, pool) = g.finish_keeping_pool()?;
                *kept = Some(pool);
                Ok(w)
            }
            Codec::Zstd(z) => z.finish(),
            Codec::Lz4(l) => l.finish(),
        }
    }
}

impl<W: Write> Write for TableCompressor<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.0 {
            Codec::None(w) => w.write(buf),
            Codec::Gzip(g) => g.write(buf),
            Codec::Zstd(z) => z.write(buf),
            Codec::Lz4(l) => l.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        // Flushing mid-stream would end zstd blocks early; the stream is
        // flushed by `finish`.
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    /// The tables of one backup compress on the same gzip threads: they
    /// are started for the first table and still run, the same ones, when
    /// the second one starts and ends.
    #[test]
    fn tables_share_the_gzip_threads() {
        let compression = Compression::Gzip { level: 1 };
        let mut kept = None;
        let mut threads = Vec::new();
        for table in 0..3u8 {
            let mut c = TableCompressor::new(Vec::new(), compression, 2, &mut kept).expect("new");
            let data = vec![b'a' + table; 3 << 20];
            c.write_all(&data).expect("write");
            let stream = c.finish(&mut kept).expect("finish");
            let mut back = Vec::new();
            flate2::read::ZlibDecoder::new(&stream[..])
                .read_to_end(&mut back)
                .expect("one zlib stream");
            assert!(back == data, "table {table} round-trips");
            let pool = kept.as_ref().expect("the threads are kept");
            assert!(pool.is_running(), "table {table}: the threads still run");
            threads.push(pool.thread_ids());
        }
        assert_eq!(threads[0].len(), 2);
        assert!(
            threads.iter().all(|t| *t == threads[0]),
            "new threads: {threads:?}"
        );
    }
}
