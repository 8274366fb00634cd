//! Decompression of one data block (or one large object) of any of the
//! algorithms pg_dump writes: none, gzip (one zlib stream), lz4 (one LZ4
//! frame) and zstd (one Zstandard frame).
//!
//! Each is as strict as what pg_restore reads: bytes after the end of the
//! stream or frame are an error (pg_restore would drop or misread them),
//! and so is a stream that stops before its end.

use std::fmt;

use flate2::{Decompress, FlushDecompress, Status};
use zstd::stream::raw::{InBuffer, Operation, OutBuffer};

use crate::header::CompressionAlgorithm;
use crate::lz4_frame::Lz4FrameDecoder;

/// Why a block's compressed bytes do not decode: the codec's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BlockDecodeError(String);

impl From<String> for BlockDecodeError {
    fn from(s: String) -> Self {
        BlockDecodeError(s)
    }
}

impl From<&str> for BlockDecodeError {
    fn from(s: &str) -> Self {
        BlockDecodeError(s.into())
    }
}

/// What one [`BlockDecoder::decode`] call did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// Bytes of the input used.
    pub used: usize,
    /// Whether decoded bytes are still held back (the call stopped at its
    /// output limit): call again, with the rest of the input or none.
    pub more: bool,
}

enum Codec {
    None,
    Gzip(Box<Decompress>),
    Zstd(Box<zstd::stream::raw::Decoder<'static>>),
    Lz4(Box<Lz4FrameDecoder>),
}

/// Decompresses one stream (a data block, or one large object of a BLOBS
/// block) fed in pieces, with a bound on the output of each call so that
/// a block that expands without limit is handed out piece by piece.
///
/// ```
/// use archive_format::{BlockDecoder, CompressionAlgorithm};
///
/// let mut d = BlockDecoder::new(CompressionAlgorithm::None).unwrap();
/// let mut out = Vec::new();
/// let r = d.decode(b"1\n2\n", &mut out, 1 << 20).unwrap();
/// assert_eq!((r.used, r.more, &out[..]), (4, false, &b"1\n2\n"[..]));
/// d.finish().unwrap();
/// ```
pub struct BlockDecoder {
    codec: Codec,
    algorithm: CompressionAlgorithm,
    scratch: Vec<u8>,
    fed: u64,
    done: bool,
}

impl fmt::Debug for BlockDecoder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockDecoder")
            .field("algorithm", &self.algorithm)
            .field("fed", &self.fed)
            .field("done", &self.done)
            .finish()
    }
}

const SCRATCH: usize = 128 * 1024;

impl BlockDecoder {
    /// A decoder for `algorithm`; an unknown algorithm byte is refused
    /// with its name.
    pub fn new(algorithm: CompressionAlgorithm) -> Result<Self, String> {
        let codec = match algorithm {
            CompressionAlgorithm::None => Codec::None,
            CompressionAlgorithm::Gzip => Codec::Gzip(Box::new(Decompress::new(true))),
            CompressionAlgorithm::Zstd => Codec::Zstd(Box::new(
                zstd::stream::raw::Decoder::new().map_err(|e| format!("zstd: {e}"))?,
            )),
            CompressionAlgorithm::Lz4 => Codec::Lz4(Box::new(Lz4FrameDecoder::new())),
            other @ CompressionAlgorithm::Unknown(_) => return Err(other.name()),
        };
        Ok(BlockDecoder {
            codec,
            algorithm,
            scratch: Vec::new(),
            fed: 0,
            done: false,
        })
    }

    /// The algorithm decoded.
    pub fn algorithm(&self) -> CompressionAlgorithm {
        self.algorithm
    }

    /// Starts a new stream (the next block or large object).
    pub fn reset(&mut self) {
        match &mut self.codec {
            Codec::None => {}
            Codec::Gzip(z) => z.reset(true),
            Codec::Zstd(z) => {
                // A fresh context cannot fail to reinitialize; if it did,
                // the next frame would report it.
                let _ = z.reinit();
            }
            Codec::Lz4(l) => l.reset(),
        }
        self.fed = 0;
        self.done = false;
    }

    /// Decompresses from `input`, appending to `out` until the input is
    /// used up or `out` grew by about `limit` bytes (at least one byte
    /// more than that is never held back from a call that can make it).
    pub fn decode(
        &mut self,
        input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<Decoded, BlockDecodeError> {
        let limit = limit.max(1);
        match &mut self.codec {
            Codec::None => {
                let n = input.len().min(limit);
                out.extend_from_slice(&input[..n]);
                Ok(Decoded {
                    used: n,
                    more: false,
                })
            }
            Codec::Gzip(z) => {
                if self.done {
                    if !input.is_empty() {
                        return Err(after_end("zlib stream"));
                    }
                    return Ok(Decoded {
                        used: 0,
                        more: false,
                    });
                }
                let r = inflate(z, &mut self.done, input, out, limit)?;
                self.fed += r.used as u64;
                Ok(r)
            }
            Codec::Zstd(z) => {
                if self.scratch.is_empty() {
                    self.scratch = vec![0; SCRATCH];
                }
                if self.done && !input.is_empty() {
                    return Err(after_end("zstd frame"));
                }
                let r = unzstd(z, &mut self.scratch, &mut self.done, input, out, limit)?;
                self.fed += r.used as u64;
                Ok(r)
            }
            Codec::Lz4(l) => {
                let used = l.decode(input, out, limit)?;
                self.fed += used as u64;
                self.done = l.is_done();
                Ok(Decoded {
                    used,
                    more: l.has_output(),
                })
            }
        }
    }

    /// Decompresses all of `input`, passing the output to `sink` in pieces.
    pub fn feed(
        &mut self,
        mut input: &[u8],
        sink: &mut dyn FnMut(&[u8]),
    ) -> Result<(), BlockDecodeError> {
        let mut out = Vec::with_capacity(SCRATCH);
        loop {
            out.clear();
            let r = self.decode(input, &mut out, SCRATCH)?;
            input = &input[r.used..];
            if !out.is_empty() {
                sink(&out);
            }
            if input.is_empty() && !r.more {
                return Ok(());
            }
            if r.used == 0 && !r.more && out.is_empty() {
                return Err(format!("{} made no progress", self.algorithm.name()).into());
            }
        }
    }

    /// Checks that the stream ended properly. A stream fed nothing at all
    /// (a block without chunks) is accepted, as pg_restore does.
    pub fn finish(&mut self) -> Result<(), BlockDecodeError> {
        let what = match self.codec {
            Codec::None => return Ok(()),
            Codec::Gzip(_) => "the zlib stream ends before its end marker",
            Codec::Zstd(_) => "the zstd frame ends before its last block",
            Codec::Lz4(_) => "the LZ4 frame ends before its end mark",
        };
        if self.fed > 0 && !self.done {
            return Err(what.into());
        }
        Ok(())
    }
}

fn after_end(what: &str) -> BlockDecodeError {
    format!(
        "data after the end of the {what} (a second {what} in one block, which \
         pg_restore does not read)"
    )
    .into()
}

/// Inflates `input` into `out` until it is used up, the stream ends, or
/// `limit` bytes were made.
fn inflate(
    z: &mut Decompress,
    done: &mut bool,
    mut input: &[u8],
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<Decoded, BlockDecodeError> {
    let start = out.len();
    let total = input.len();
    loop {
        let room = (start + limit)
            .saturating_sub(out.len())
            .clamp(1, 64 * 1024);
        out.reserve(room);
        let spare = out.capacity() - out.len();
        let (bin, bout) = (z.total_in(), z.total_out());
        let status = z
            .decompress_vec(input, out, FlushDecompress::None)
            .map_err(|e| BlockDecodeError(e.to_string()))?;
        let used = (z.total_in() - bin) as usize;
        let made = (z.total_out() - bout) as usize;
        input = &input[used..];
        if status == Status::StreamEnd {
            *done = true;
            if !input.is_empty() {
                return Err(after_end("zlib stream"));
            }
            return Ok(Decoded {
                used: total,
                more: false,
            });
        }
        let full = made == spare;
        if out.len() - start >= limit {
            return Ok(Decoded {
                used: total - input.len(),
                more: full,
            });
        }
        if input.is_empty() && !full {
            return Ok(Decoded {
                used: total,
                more: false,
            });
        }
        if used == 0 && made == 0 {
            return Err("zlib made no progress".into());
        }
    }
}

/// Decompresses zstd input like [`inflate`].
fn unzstd(
    z: &mut zstd::stream::raw::Decoder<'static>,
    scratch: &mut [u8],
    done: &mut bool,
    input: &[u8],
    out: &mut Vec<u8>,
    limit: usize,
) -> Result<Decoded, BlockDecodeError> {
    let start = out.len();
    if *done {
        return Ok(Decoded {
            used: 0,
            more: false,
        });
    }
    let mut inb = InBuffer::around(input);
    loop {
        let before = inb.pos();
        let room = (start + limit)
            .saturating_sub(out.len())
            .clamp(1, scratch.len());
        let mut outb = OutBuffer::around(&mut scratch[..room]);
        let hint = z
            .run(&mut inb, &mut outb)
            .map_err(|e| BlockDecodeError(format!("zstd: {e}")))?;
        let made = outb.pos();
        out.extend_from_slice(&scratch[..made]);
        let full = made == room;
        if hint == 0 {
            *done = true;
            if inb.pos() < input.len() {
                return Err(after_end("zstd frame"));
            }
            return Ok(Decoded {
                used: inb.pos(),
                more: false,
            });
        }
        if out.len() - start >= limit {
            return Ok(Decoded {
                used: inb.pos(),
                more: full,
            });
        }
        if inb.pos() == input.len() && !full {
            return Ok(Decoded {
                used: inb.pos(),
                more: false,
            });
        }
        if inb.pos() == before && made == 0 {
            return Err("zstd made no progress".into());
        }
    }
}
