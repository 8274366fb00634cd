//! [`ParallelLz4`]: one LZ4 frame of independent blocks, compressed on
//! several threads.
//!
//! Input is gathered into a batch of one block per thread; a full batch
//! is compressed with one scoped thread per block and the blocks are
//! written in order. The frame is what pg_restore's `LZ4F_decompress`
//! reads: see [`archive_format::lz4_frame`].

use std::io::{self, Write};

use archive_format::lz4_frame::{compress_block, frame_header, BLOCK_SIZE, END_MARK};

/// A [`Write`] that compresses what it is given into one LZ4 frame on
/// `threads` threads and writes the frame, in order, to an inner sink:
/// the header, then each block as one `write`, then the end mark.
///
/// Call [`ParallelLz4::finish`] to end the frame; dropping the writer
/// leaves the inner sink with an incomplete frame. After an error every
/// later call fails.
///
/// Memory: one batch of `threads` blocks of input and their output.
pub struct ParallelLz4<W: Write> {
    inner: W,
    threads: usize,
    batch: Vec<u8>,
    outputs: Vec<Vec<u8>>,
    started: bool,
    failed: bool,
}

impl<W: Write> std::fmt::Debug for ParallelLz4<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParallelLz4")
            .field("threads", &self.threads)
            .field("buffered", &self.batch.len())
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl<W: Write> ParallelLz4<W> {
    /// A frame written to `inner` on `threads` threads (at least 1).
    pub fn new(inner: W, threads: usize) -> Self {
        let threads = threads.max(1);
        ParallelLz4 {
            inner,
            threads,
            batch: Vec::new(),
            outputs: vec![Vec::new(); threads],
            started: false,
            failed: false,
        }
    }

    /// Ends the frame (the last blocks and the end mark), flushes the
    /// inner sink and returns it.
    pub fn finish(mut self) -> io::Result<W> {
        self.check()?;
        self.failed = true;
        self.flush_batch()?;
        self.inner.write_all(&END_MARK)?;
        self.inner.flush()?;
        Ok(self.inner)
    }

    fn check(&self) -> io::Result<()> {
        if self.failed {
            return Err(io::Error::other("the LZ4 frame already failed"));
        }
        Ok(())
    }

    /// Compresses the batch, one block per thread, and writes it out.
    fn flush_batch(&mut self) -> io::Result<()> {
        if !self.started {
            self.inner.write_all(&frame_header())?;
            self.started = true;
        }
        if self.batch.is_empty() {
            return Ok(());
        }
        let blocks: Vec<&[u8]> = self.batch.chunks(BLOCK_SIZE).collect();
        let outputs = &mut self.outputs[..blocks.len()];
        for out in outputs.iter_mut() {
            out.clear();
        }
        if blocks.len() == 1 {
            compress_block(blocks[0], &mut outputs[0]);
        } else {
            std::thread::scope(|s| {
                for (block, out) in blocks.iter().zip(outputs.iter_mut()) {
                    s.spawn(move || compress_block(block, out));
                }
            });
        }
        for out in outputs.iter() {
            self.inner.write_all(out)?;
        }
        self.batch.clear();
        Ok(())
    }
}

impl<W: Write> Write for ParallelLz4<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        let full = self.threads * BLOCK_SIZE;
        if self.batch.capacity() < full {
            self.batch.reserve_exact(full - self.batch.len());
        }
        let n = (full - self.batch.len()).min(buf.len());
        self.batch.extend_from_slice(&buf[..n]);
        if self.batch.len() == full {
            if let Err(e) = self.flush_batch() {
                self.failed = true;
                return Err(e);
            }
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use archive_format::{BlockDecoder, CompressionAlgorithm};

    #[test]
    fn frames_of_any_size_decode_to_the_input() {
        let text: Vec<u8> = (0..400_000u32)
            .flat_map(|i| format!("{i}\trow {}\n", i % 89).into_bytes())
            .collect();
        for (threads, input) in [
            (2, &text[..]),
            (3, &text[..5]),
            (2, &[][..]),
            (1, &text[..]),
        ] {
            let mut w = ParallelLz4::new(Vec::new(), threads);
            for piece in input.chunks(100_000) {
                w.write_all(piece).expect("write");
            }
            let frame = w.finish().expect("finish");
            let mut d = BlockDecoder::new(CompressionAlgorithm::Lz4).expect("decoder");
            let mut got = Vec::new();
            d.feed(&frame, &mut |b| got.extend_from_slice(b))
                .expect("decodes");
            d.finish().expect("complete");
            assert_eq!(got, input);
        }
    }
}
