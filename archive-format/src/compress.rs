//! Per-block compression: one zlib stream, zstd frame or LZ4 frame per
//! data block and per large object, as pg_dump's `compress_gzip.c`,
//! `compress_zstd.c` and `compress_lz4.c` write and pg_restore reads.

use std::fmt;
use std::str::FromStr;

use flate2::{Compress, FlushCompress, Status};
use zstd::stream::raw::{InBuffer, Operation, OutBuffer};

use crate::header::CompressionAlgorithm;
use crate::lz4_frame::Lz4BlockWriter;

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
    /// One LZ4 frame per block (archives 1.15+, pg_restore 16+).
    Lz4 {
        /// pg_dump's level (0 is LZ4's default, 1-12). pgark compresses
        /// every level with LZ4's fast mode: the level is kept for the
        /// record only.
        level: u32,
    },
    /// One Zstandard frame per block (archives 1.15+, pg_restore 16+).
    Zstd {
        /// zstd level (negative levels are faster, 1-22 slower and
        /// smaller; 3 is zstd's and pg_dump's default).
        level: i32,
    },
}

/// zstd's default level, which pg_dump uses for `-Z zstd`.
pub const ZSTD_DEFAULT_LEVEL: i32 = 3;

impl Compression {
    /// The algorithm recorded in the header.
    pub fn algorithm(self) -> CompressionAlgorithm {
        match self {
            Compression::None => CompressionAlgorithm::None,
            Compression::Gzip { .. } => CompressionAlgorithm::Gzip,
            Compression::Lz4 { .. } => CompressionAlgorithm::Lz4,
            Compression::Zstd { .. } => CompressionAlgorithm::Zstd,
        }
    }
}

impl fmt::Display for Compression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Compression::None => f.write_str("none"),
            Compression::Gzip { level } => write!(f, "gzip:{level}"),
            Compression::Lz4 { level } => write!(f, "lz4:{level}"),
            Compression::Zstd { level } => write!(f, "zstd:{level}"),
        }
    }
}

/// The error of parsing a [`Compression`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid compression {0:?}: expected none, gzip[:LEVEL] (0-9), zstd[:LEVEL] (-7 to 22) or lz4[:LEVEL] (0-12)")]
pub struct ParseCompressionError(String);

impl FromStr for Compression {
    type Err = ParseCompressionError;

    /// Parses pg_dump's spellings: `none`, `gzip`, `gzip:N`, `gzip:level=N`,
    /// a bare level `N` (gzip), `zstd`, `zstd:N`, `lz4`, `lz4:N`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseCompressionError(s.to_owned());
        let level = |l: &str, min: i32, max: i32| -> Result<i32, ParseCompressionError> {
            let l = l.strip_prefix("level=").unwrap_or(l);
            match l.parse::<i32>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(err()),
            }
        };
        let (name, lvl) = match s.split_once(':') {
            Some((name, l)) => (name, Some(l)),
            None => (s, None),
        };
        let unsigned = |n: i32| n.unsigned_abs();
        Ok(match (name, lvl) {
            ("none", None) => Compression::None,
            ("gzip", None) => Compression::Gzip { level: 6 },
            ("gzip", Some(l)) => Compression::Gzip {
                level: unsigned(level(l, 0, 9)?),
            },
            ("zstd", None) => Compression::Zstd {
                level: ZSTD_DEFAULT_LEVEL,
            },
            ("zstd", Some(l)) => Compression::Zstd {
                level: level(l, -7, 22)?,
            },
            ("lz4", None) => Compression::Lz4 { level: 0 },
            ("lz4", Some(l)) => Compression::Lz4 {
                level: unsigned(level(l, 0, 12)?),
            },
            (n, None) => match level(n, 0, 9)? {
                0 => Compression::None,
                n => Compression::Gzip { level: unsigned(n) },
            },
            _ => return Err(err()),
        })
    }
}

/// Compresses one block's (or one large object's) bytes.
pub(crate) struct BlockCompressor {
    codec: Codec,
    scratch: Vec<u8>,
}

enum Codec {
    None,
    Gzip(Box<Compress>),
    Zstd(Box<zstd::stream::raw::Encoder<'static>>),
    Lz4(Lz4BlockWriter),
}

impl fmt::Debug for BlockCompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.codec {
            Codec::None => "none",
            Codec::Gzip(_) => "gzip",
            Codec::Zstd(_) => "zstd",
            Codec::Lz4(_) => "lz4",
        };
        f.debug_struct("BlockCompressor")
            .field("codec", &name)
            .finish()
    }
}

const OUT_STEP: usize = 32 * 1024;

impl BlockCompressor {
    pub fn new(c: Compression) -> std::io::Result<Self> {
        let codec = match c {
            Compression::None => Codec::None,
            Compression::Gzip { level } => Codec::Gzip(Box::new(Compress::new(
                flate2::Compression::new(level.min(9)),
                true,
            ))),
            Compression::Zstd { level } => {
                let mut z = zstd::stream::raw::Encoder::new(level)?;
                z.set_parameter(zstd::stream::raw::CParameter::ChecksumFlag(true))?;
                Codec::Zstd(Box::new(z))
            }
            Compression::Lz4 { .. } => Codec::Lz4(Lz4BlockWriter::new()),
        };
        Ok(BlockCompressor {
            codec,
            scratch: Vec::new(),
        })
    }

    /// Compresses `input`, appending whatever output is ready to `out`.
    pub fn compress(&mut self, mut input: &[u8], out: &mut Vec<u8>) -> std::io::Result<()> {
        match &mut self.codec {
            Codec::None => out.extend_from_slice(input),
            Codec::Gzip(z) => {
                while !input.is_empty() {
                    out.reserve(OUT_STEP);
                    let before = z.total_in();
                    z.compress_vec(input, out, FlushCompress::None)
                        .map_err(std::io::Error::other)?;
                    input = &input[(z.total_in() - before) as usize..];
                }
            }
            Codec::Zstd(z) => {
                if self.scratch.is_empty() {
                    self.scratch = vec![0; zstd::zstd_safe::CCtx::out_size()];
                }
                let mut inb = InBuffer::around(input);
                while inb.pos() < input.len() {
                    let mut outb = OutBuffer::around(&mut self.scratch[..]);
                    z.run(&mut inb, &mut outb)?;
                    let n = outb.pos();
                    out.extend_from_slice(&self.scratch[..n]);
                }
            }
            Codec::Lz4(l) => l.write(input, out),
        }
        Ok(())
    }

    /// Ends the stream, appending the rest of the output to `out`.
    pub fn finish(&mut self, out: &mut Vec<u8>) -> std::io::Result<()> {
        match &mut self.codec {
            Codec::None => {}
            Codec::Gzip(z) => loop {
                out.reserve(OUT_STEP);
                if z.compress_vec(&[], out, FlushCompress::Finish)
                    .map_err(std::io::Error::other)?
                    == Status::StreamEnd
                {
                    break;
                }
            },
            Codec::Zstd(z) => {
                if self.scratch.is_empty() {
                    self.scratch = vec![0; zstd::zstd_safe::CCtx::out_size()];
                }
                loop {
                    let mut outb = OutBuffer::around(&mut self.scratch[..]);
                    let left = z.finish(&mut outb, true)?;
                    let n = outb.pos();
                    out.extend_from_slice(&self.scratch[..n]);
                    if left == 0 {
                        break;
                    }
                }
            }
            Codec::Lz4(l) => l.finish(out),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::block_decoder::BlockDecoder;

    #[test]
    fn parses_pg_dump_spellings() {
        assert_eq!("none".parse(), Ok(Compression::None));
        assert_eq!("gzip".parse(), Ok(Compression::Gzip { level: 6 }));
        assert_eq!("gzip:1".parse(), Ok(Compression::Gzip { level: 1 }));
        assert_eq!("gzip:level=9".parse(), Ok(Compression::Gzip { level: 9 }));
        assert_eq!("0".parse(), Ok(Compression::None));
        assert_eq!("5".parse(), Ok(Compression::Gzip { level: 5 }));
        assert!("gzip:10".parse::<Compression>().is_err());
    }

    #[test]
    fn parses_zstd_and_lz4() {
        assert_eq!("zstd".parse(), Ok(Compression::Zstd { level: 3 }));
        assert_eq!("zstd:1".parse(), Ok(Compression::Zstd { level: 1 }));
        assert_eq!("zstd:-3".parse(), Ok(Compression::Zstd { level: -3 }));
        assert_eq!("zstd:level=19".parse(), Ok(Compression::Zstd { level: 19 }));
        assert_eq!("lz4".parse(), Ok(Compression::Lz4 { level: 0 }));
        assert_eq!("lz4:9".parse(), Ok(Compression::Lz4 { level: 9 }));
        for bad in [
            "zstd:23",
            "zstd:x",
            "lz4:13",
            "lz4:-1",
            "zstd:long",
            "brotli",
        ] {
            assert!(bad.parse::<Compression>().is_err(), "{bad}");
        }
        for c in [
            Compression::Zstd { level: -1 },
            Compression::Lz4 { level: 0 },
            Compression::Gzip { level: 2 },
        ] {
            assert_eq!(c.to_string().parse(), Ok(c));
        }
    }

    fn round_trip(c: Compression, input: &[u8]) -> Vec<u8> {
        let mut comp = BlockCompressor::new(c).expect("compressor");
        let mut out = Vec::new();
        for piece in input.chunks(7_000) {
            comp.compress(piece, &mut out).expect("compress");
        }
        comp.finish(&mut out).expect("finish");
        let mut d = BlockDecoder::new(c.algorithm()).expect("decoder");
        let mut got = Vec::new();
        for piece in out.chunks(333) {
            d.feed(piece, &mut |b| got.extend_from_slice(b))
                .expect("decode");
        }
        d.finish().expect("complete");
        assert_eq!(got, input, "{c}");
        out
    }

    #[test]
    fn every_codec_round_trips_and_refuses_a_second_stream() {
        let text: Vec<u8> = (0..60_000u32)
            .flat_map(|i| format!("{i}\trow {}\n", i % 97).into_bytes())
            .collect();
        for c in [
            Compression::Gzip { level: 6 },
            Compression::Zstd { level: 3 },
            Compression::Zstd { level: -1 },
            Compression::Lz4 { level: 0 },
        ] {
            for input in [&b""[..], b"hello world\n", &text] {
                let out = round_trip(c, input);
                let twice = [out.clone(), out].concat();
                let mut d = BlockDecoder::new(c.algorithm()).expect("decoder");
                let err = d.feed(&twice, &mut |_| {}).expect_err("second stream");
                assert!(err.to_string().contains("data after the end"), "{c}: {err}");
            }
        }
    }

    #[test]
    fn round_trips_and_detects_second_stream() {
        let mut c = BlockCompressor::new(Compression::Gzip { level: 6 }).expect("gzip");
        let mut out = Vec::new();
        c.compress(b"hello world\n", &mut out).expect("compress");
        c.finish(&mut out).expect("finish");
        assert_eq!(&out[..2], &[0x78, 0x9c]);
        let mut d = BlockDecoder::new(CompressionAlgorithm::Gzip).expect("gzip");
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
