//! Per-block compression: one zlib stream per data block and per large
//! object, as pg_dump's `compress_gzip.c` writes and pg_restore inflates.

use std::fmt;
use std::str::FromStr;

use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};

use crate::header::CompressionAlgorithm;

/// How the writer compresses data blocks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Compression {
    /// Raw bytes.
    None,
    /// A zlib (RFC 1950) stream per block at this level (0-9).
    Gzip {
        /// zlib level: 0 stores, 1 is fastest, 9 smallest.
        level: u32,
    },
}

impl Compression {
    /// The algorithm recorded in the header.
    pub fn algorithm(self) -> CompressionAlgorithm {
        match self {
            Compression::None => CompressionAlgorithm::None,
            Compression::Gzip { .. } => CompressionAlgorithm::Gzip,
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            Compression::Gzip { level } => write!(f, "gzip:{level}"),
        }
    }
}

/// The error of parsing a [`Compression`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid compression {0:?}: expected none, gzip or gzip:LEVEL with LEVEL 0-9 (lz4 and zstd are not supported)")]
pub struct ParseCompressionError(String);

impl FromStr for Compression {
    type Err = ParseCompressionError;

    /// Parses pg_dump's spellings: `none`, `gzip`, `gzip:N`, `gzip:level=N`, or a bare level `N`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseCompressionError(s.to_owned());
        let level = |l: &str| -> Result<u32, ParseCompressionError> {
            let l = l.strip_prefix("level=").unwrap_or(l);
            match l.parse::<u32>() {
                Ok(n) if n <= 9 => Ok(n),
                _ => Err(err()),
            }
        };
        match s.split_once(':') {
            None if s == "none" => Ok(Compression::None),
            None if s == "gzip" => Ok(Compression::Gzip { level: 6 }),
            None => match level(s)? {
                0 => Ok(Compression::None),
                n => Ok(Compression::Gzip { level: n }),
            },
            Some(("gzip", l)) => Ok(Compression::Gzip { level: level(l)? }),
            Some(_) => Err(err()),
        }
    }
}

/// Compresses one block's (or one large object's) bytes.
pub(crate) struct BlockCompressor {
    deflate: Option<Compress>,
}

impl fmt::Debug for BlockCompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockCompressor")
            .field("zlib", &self.deflate.is_some())
            .finish()
    }
}

const OUT_STEP: usize = 32 * 1024;

impl BlockCompressor {
    pub fn new(c: Compression) -> Self {
        let deflate = match c {
            Compression::None => None,
            Compression::Gzip { level } => {
                Some(Compress::new(flate2::Compression::new(level.min(9)), true))
            }
        };
        BlockCompressor { deflate }
    }

    /// Compresses `input`, appending whatever output is ready to `out`.
    pub fn compress(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
        let Some(z) = &mut self.deflate else {
            out.extend_from_slice(input);
            return Ok(());
        };
        while !input.is_empty() {
            out.reserve(OUT_STEP);
            let before = z.total_in();
            z.compress_vec(input, out, FlushCompress::None)
                .map_err(std::io::Error::other)?;
            input = &input[(z.total_in() - before) as usize..];
        }
        Ok(())
    }

    /// Ends the stream, appending the rest of the output to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> std::io::Result<()> {
        let Some(z) = &mut self.deflate else {
            return Ok(());
        };
        loop {
            out.reserve(OUT_STEP);
            if z.compress_vec(&[], out, FlushCompress::Finish)
                .map_err(std::io::Error::other)?
                == Status::StreamEnd
            {
                return Ok(());
            }
        }
    }
}

/// Decompresses one block's (or one large object's) bytes, fed in pieces.
pub(crate) struct BlockDecompressor {
    inflate: Option<Decompress>,
    scratch: Vec<u8>,
    fed: u64,
    done: bool,
}

impl fmt::Debug for BlockDecompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BlockDecompressor")
            .field("fed", &self.fed)
            .field("done", &self.done)
            .finish()
    }
}

impl BlockDecompressor {
    /// A decompressor for `algorithm`; lz4, zstd and unknown ones are refused
    /// with the algorithm's name.
    pub fn new(algorithm: CompressionAlgorithm) -> Result<Self, String> {
        let inflate = match algorithm {
            CompressionAlgorithm::None => None,
            CompressionAlgorithm::Gzip => Some(Decompress::new(true)),
            other => return Err(other.name()),
        };
        Ok(BlockDecompressor {
            inflate,
            scratch: Vec::new(),
            fed: 0,
            done: false,
        })
    }

    /// Starts a new stream (next block or large object).
    pub fn reset(&mut self) {
        if let Some(z) = &mut self.inflate {
            z.reset(true);
        }
        self.fed = 0;
        self.done = false;
    }

    /// Decompresses `input`, passing the output to `sink`.
    pub fn feed(&mut self, mut input: &[u8], sink: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        let Some(z) = &mut self.inflate else {
            sink(input);
            return Ok(());
        };
        if input.is_empty() {
            return Ok(());
        }
        if self.done {
            return Err(
                "data after the end of the zlib stream (a second stream in one block, \
                        which pg_restore cannot read)"
                    .into(),
            );
        }
        self.fed += input.len() as u64;
        if self.scratch.is_empty() {
            self.scratch = vec![0; 64 * 1024];
        }
        loop {
            let (bin, bout) = (z.total_in(), z.total_out());
            let status = z
                .decompress(input, &mut self.scratch, FlushDecompress::None)
                .map_err(|e| e.to_string())?;
            let used = (z.total_in() - bin) as usize;
            let made = (z.total_out() - bout) as usize;
            input = &input[used..];
            sink(&self.scratch[..made]);
            if status == Status::StreamEnd {
                self.done = true;
                if !input.is_empty() {
                    return Err(
                        "data after the end of the zlib stream (a second stream in one \
                                block, which pg_restore cannot read)"
                            .into(),
                    );
                }
                return Ok(());
            }
            if input.is_empty() && made < self.scratch.len() {
                return Ok(());
            }
            if used == 0 && made == 0 {
                return Err("zlib made no progress".into());
            }
        }
    }

    /// Checks that the stream ended properly.
    pub fn finish(&mut self) -> Result<(), String> {
        if self.inflate.is_some() && self.fed > 0 && !self.done {
            return Err("the zlib stream ends before its end marker".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pg_dump_spellings() {
        assert_eq!("none".parse(), Ok(Compression::None));
        assert_eq!("gzip".parse(), Ok(Compression::Gzip { level: 6 }));
        assert_eq!("gzip:1".parse(), Ok(Compression::Gzip { level: 1 }));
        assert_eq!("gzip:level=9".parse(), Ok(Compression::Gzip { level: 9 }));
        assert_eq!("0".parse(), Ok(Compression::None));
        assert_eq!("5".parse(), Ok(Compression::Gzip { level: 5 }));
        assert!("gzip:10".parse::<Compression>().is_err());
        assert!("zstd".parse::<Compression>().is_err());
    }

    #[test]
    fn round_trips_and_detects_second_stream() {
        let mut c = BlockCompressor::new(Compression::Gzip { level: 6 });
        let mut out = Vec::new();
        c.compress(b"hello world\n", &mut out).expect("compress");
        c.finish(&mut out).expect("finish");
        assert_eq!(&out[..2], &[0x78, 0x9c]);
        let mut d = BlockDecompressor::new(CompressionAlgorithm::Gzip).expect("gzip");
        let mut got = Vec::new();
        d.feed(&out, &mut |b| got.extend_from_slice(b))
            .expect("inflate");
        d.finish().expect("complete");
        assert_eq!(got, b"hello world\n");
        let twice = [out.clone(), out].concat();
        d.reset();
        assert!(d.feed(&twice, &mut |_| {}).is_err());
    }
}
