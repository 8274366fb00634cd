//! An archive data block as a [`Write`] of already-compressed bytes.

use std::io::{self, Write};

use archive_format::DataWriter;

/// Passes compressed bytes into a data block opened with
/// [`ArchiveWriter::data_raw`](archive_format::ArchiveWriter::data_raw):
/// every `write` becomes one length-prefixed chunk of the block, as is.
///
/// The bytes must form one stream of the archive's compression (what
/// [`ParallelGzip`](super::ParallelGzip) writes). Call
/// [`RawBlockWriter::finish`] to end the block; dropping it unfinished
/// poisons the archive, like dropping the [`DataWriter`].
#[derive(Debug)]
pub struct RawBlockWriter<'a, W: Write> {
    block: DataWriter<'a, W>,
}

impl<'a, W: Write> RawBlockWriter<'a, W> {
    /// Wraps a block opened with `data_raw`.
    pub fn new(block: DataWriter<'a, W>) -> Self {
        RawBlockWriter { block }
    }

    /// Ends the block (its end marker).
    pub fn finish(self) -> archive_format::Result<()> {
        self.block.finish()
    }

    /// The block writer, to finish it yourself.
    pub fn into_inner(self) -> DataWriter<'a, W> {
        self.block
    }
}

impl<W: Write> Write for RawBlockWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        self.block
            .write_compressed_chunk(buf)
            .map_err(io::Error::other)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
