//! One zlib stream made of independently compressed pieces, pigz-style, so
//! that one table's data can be compressed on every core.
//!
//! pg_restore inflates each data block as exactly one zlib stream (RFC 1950):
//! a second stream in the same block makes it spin forever. The stream is
//! therefore cut into chunks that are compressed separately but still form
//! one stream:
//!
//! * every chunk is **raw deflate**, primed with the last 32 KiB of the input
//!   before it as preset dictionary (so matches reach back across the cut,
//!   and the ratio stays close to a single compressor's);
//! * every chunk but the last ends with a sync flush (an empty stored block:
//!   the chunk ends byte-aligned, and is not final); the last ends with a
//!   final block;
//! * one 2-byte zlib header goes in front, and the Adler-32 of the whole
//!   input, combined from the chunks' own, goes at the end.
//!
//! ```text
//! 78 9c | chunk 0 .. 00 00 ff ff | chunk 1 .. 00 00 ff ff | ... | last chunk (final) | adler32 BE
//! ```
//!
//! This module does no I/O and starts no threads: [`ChunkCompressor`] turns
//! one chunk into a [`CompressedChunk`] (on any thread), and
//! [`ZlibStreamAssembler`] takes the chunks back in order and says what to
//! write.
//!
//! ```
//! use archive_format::deflate_parallel::{ChunkCompressor, ZlibStreamAssembler};
//! use std::io::Read;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let input = b"one row\tof COPY text\n".repeat(10_000);
//! let chunks: Vec<&[u8]> = input.chunks(64 * 1024).collect();
//! let mut compressor = ChunkCompressor::new(6)?;
//! let mut assembler = ZlibStreamAssembler::new(6)?;
//! let mut stream = Vec::new();
//! let mut before = 0;
//! for (i, data) in chunks.iter().enumerate() {
//!     // Each call could run on another thread: it only needs the bytes before it.
//!     let dict = &input[..before];
//!     let chunk = compressor.compress(i as u64, dict, data, i + 1 == chunks.len())?;
//!     before += data.len();
//!     for piece in assembler.push(&chunk)? {
//!         stream.extend_from_slice(piece);
//!     }
//! }
//! assert!(assembler.is_complete());
//! let mut back = Vec::new();
//! flate2::read::ZlibDecoder::new(&stream[..]).read_to_end(&mut back)?;
//! assert_eq!(back, input);
//! # Ok(()) }
//! ```

use std::fmt;

use flate2::{Compress, FlushCompress, Status};

/// How much history a chunk's compressor is primed with: deflate's whole
/// window.
pub const DICT_SIZE: usize = 32 * 1024;

/// Largest valid zlib level.
pub const MAX_LEVEL: u32 = 9;

/// What failed while compressing or assembling a chunked zlib stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeflateError {
    /// A level outside 0-9.
    #[error("invalid zlib compression level {0} (expected 0 to 9)")]
    InvalidLevel(u32),
    /// The compressor refused the preset dictionary.
    #[error(
        "setting a {len}-byte preset dictionary on the raw deflate compressor failed: {message}"
    )]
    Dictionary {
        /// Dictionary length.
        len: usize,
        /// The compressor's message.
        message: String,
    },
    /// Compressing a chunk failed.
    #[error("raw deflate of a {len}-byte chunk failed: {message}")]
    Compress {
        /// Uncompressed length of the chunk.
        len: usize,
        /// The compressor's message.
        message: String,
    },
    /// A chunk was handed to the assembler out of order.
    #[error("compressed chunk {got} arrived where chunk {expected} was expected")]
    OutOfOrder {
        /// The index the assembler waits for.
        expected: u64,
        /// The index it got.
        got: u64,
    },
    /// A chunk came after the one marked last.
    #[error("compressed chunk {index} came after the last chunk of the zlib stream")]
    AfterLast {
        /// The chunk's index.
        index: u64,
    },
}

fn check_level(level: u32) -> Result<u32, DeflateError> {
    if level > MAX_LEVEL {
        return Err(DeflateError::InvalidLevel(level));
    }
    Ok(level)
}

/// The 2-byte zlib header zlib's own `deflateInit(level)` writes:
/// `78 01` (levels 0-1), `78 5e` (2-5), `78 9c` (6), `78 da` (7-9).
pub fn zlib_header(level: u32) -> Result<[u8; 2], DeflateError> {
    let flevel: u16 = match check_level(level)? {
        0 | 1 => 0,
        2..=5 => 1,
        6 => 2,
        _ => 3,
    };
    // CMF: deflate (8) with a 32 KiB window (7); FLG: level, no dictionary,
    // and the check bits making the pair a multiple of 31.
    let mut h: u16 = (0x78 << 8) | (flevel << 6);
    h += 31 - h % 31;
    Ok(h.to_be_bytes())
}

const ADLER_MOD: u32 = 65521;
/// Largest n such that 255n(n+1)/2 + (n+1)(ADLER_MOD-1) fits in 32 bits.
const ADLER_NMAX: usize = 5552;

/// Bytes summed per lane-group in [`adler32`].
const ADLER_LANES: usize = 8;

/// Continues an Adler-32 checksum over `data`; start with 1 (the checksum
/// of nothing).
pub fn adler32(adler: u32, data: &[u8]) -> u32 {
    let m = u64::from(ADLER_MOD);
    let mut a = u64::from(adler & 0xffff);
    let mut b = u64::from(adler >> 16);
    // Blocks short enough that no lane sum can overflow before the modulo.
    for block in data.chunks(ADLER_NMAX / ADLER_LANES * ADLER_LANES) {
        // Independent lanes (the compiler keeps them in vector registers;
        // 8 measured fastest): lane i sums the bytes at i, i+8, i+16, ...
        let mut groups = block.chunks_exact(ADLER_LANES);
        let n = groups.len() as u64;
        let mut lane_a = [0u32; ADLER_LANES];
        let mut lane_b = [0u32; ADLER_LANES];
        for g in &mut groups {
            for i in 0..ADLER_LANES {
                lane_a[i] += u32::from(g[i]);
                lane_b[i] += lane_a[i];
            }
        }
        // Byte j = 8k+i of the block counts (len - j) times in b, and
        // lane_b[i] counted it (n - k) times: len - j = 8(n - k) - i.
        b += ADLER_LANES as u64 * n * a;
        for i in 0..ADLER_LANES {
            a += u64::from(lane_a[i]);
            b += ADLER_LANES as u64 * u64::from(lane_b[i]) - i as u64 * u64::from(lane_a[i]);
        }
        a %= m;
        b %= m;
        for &x in groups.remainder() {
            a += u64::from(x);
            b += a;
        }
        a %= m;
        b %= m;
    }
    ((b as u32) << 16) | a as u32
}

/// The Adler-32 of `A ++ B` from `adler_a` = Adler-32 of `A`, `adler_b` =
/// Adler-32 of `B` and `len_b` = the length of `B` (zlib's
/// `adler32_combine`).
pub fn adler32_combine(adler_a: u32, adler_b: u32, len_b: u64) -> u32 {
    let m = u64::from(ADLER_MOD);
    let rem = len_b % m;
    let a1 = u64::from(adler_a & 0xffff);
    let b1 = u64::from(adler_a >> 16);
    let a2 = u64::from(adler_b & 0xffff);
    let b2 = u64::from(adler_b >> 16);
    // A's sums shifted by len(B), plus B's sums started from 1 instead of A's a.
    let a = (a1 + a2 + m - 1) % m;
    let b = (rem * a1 % m + b1 + b2 + m - rem) % m;
    ((b as u32) << 16) | a as u32
}

/// One chunk of the stream, compressed: what a worker hands back to the
/// [`ZlibStreamAssembler`].
#[derive(Clone, PartialEq, Eq)]
pub struct CompressedChunk {
    /// Position of the chunk in the stream, from 0.
    pub index: u64,
    /// Raw deflate data: sync-flushed, or ending with the final block when
    /// `last`.
    pub data: Vec<u8>,
    /// Adler-32 of the chunk's uncompressed bytes (alone, started at 1).
    pub adler: u32,
    /// Uncompressed length.
    pub input_len: u64,
    /// Whether this chunk ends the stream.
    pub last: bool,
}

impl fmt::Debug for CompressedChunk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompressedChunk")
            .field("index", &self.index)
            .field("data_len", &self.data.len())
            .field("adler", &format_args!("{:08x}", self.adler))
            .field("input_len", &self.input_len)
            .field("last", &self.last)
            .finish()
    }
}

/// A raw deflate compressor for chunks, reused from one chunk to the next
/// (one per worker thread: each call is independent of the previous one).
pub struct ChunkCompressor {
    deflate: Compress,
    level: u32,
    used: bool,
}

impl fmt::Debug for ChunkCompressor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChunkCompressor")
            .field("level", &self.level)
            .finish()
    }
}

impl ChunkCompressor {
    /// A compressor at zlib `level` (0 stores, 1 fastest, 9 smallest).
    pub fn new(level: u32) -> Result<Self, DeflateError> {
        let level = check_level(level)?;
        Ok(ChunkCompressor {
            deflate: Compress::new(flate2::Compression::new(level), false),
            level,
            used: false,
        })
    }

    /// The zlib level.
    pub fn level(&self) -> u32 {
        self.level
    }

    /// Compresses `data`, appending raw deflate to `out`.
    ///
    /// `dict` is the input that precedes `data` in the stream (or any suffix
    /// of it; only the last [`DICT_SIZE`] bytes are used). A chunk that is
    /// not `last` ends with a sync flush; an empty one adds nothing. The
    /// `last` chunk ends with the final block (even when empty).
    pub fn compress_into(
        &mut self,
        dict: &[u8],
        data: &[u8],
        last: bool,
        out: &mut Vec<u8>,
    ) -> Result<(), DeflateError> {
        if self.used {
            self.deflate.reset();
        }
        self.used = true;
        let dict = &dict[dict.len().saturating_sub(DICT_SIZE)..];
        // Stored blocks (level 0) never refer back: no dictionary needed.
        if !dict.is_empty() && self.level > 0 {
            self.deflate
                .set_dictionary(dict)
                .map_err(|e| DeflateError::Dictionary {
                    len: dict.len(),
                    message: e.to_string(),
                })?;
        }
        if data.is_empty() && !last {
            return Ok(());
        }
        let flush = if last {
            FlushCompress::Finish
        } else {
            FlushCompress::Sync
        };
        let failed = |message: String| DeflateError::Compress {
            len: data.len(),
            message,
        };
        // deflateBound for raw deflate, plus room for the sync marker.
        out.reserve(data.len() + (data.len() >> 12) + (data.len() >> 14) + 64);
        let mut input = data;
        loop {
            if out.capacity() - out.len() < 64 {
                out.reserve(input.len() / 2 + 4096);
            }
            let (in_before, out_before) = (self.deflate.total_in(), out.len());
            let status = self
                .deflate
                .compress_vec(input, out, flush)
                .map_err(|e| failed(e.to_string()))?;
            let used = usize::try_from(self.deflate.total_in() - in_before).map_err(|_| {
                failed("the compressor reported more input than it was given".into())
            })?;
            input = input.get(used..).ok_or_else(|| {
                failed("the compressor reported more input than it was given".into())
            })?;
            let room_left = out.len() < out.capacity();
            match status {
                Status::StreamEnd => return Ok(()),
                // A sync flush is complete once all input is in and the
                // compressor stopped with output space to spare.
                _ if !last && input.is_empty() && room_left => return Ok(()),
                _ if used == 0 && out.len() == out_before && room_left => {
                    return Err(failed(format!(
                        "no progress with {} bytes of input left ({status:?})",
                        input.len()
                    )))
                }
                _ => {}
            }
        }
    }

    /// Compresses chunk number `index` (see [`ChunkCompressor::compress_into`])
    /// and computes its Adler-32.
    pub fn compress(
        &mut self,
        index: u64,
        dict: &[u8],
        data: &[u8],
        last: bool,
    ) -> Result<CompressedChunk, DeflateError> {
        let mut out = Vec::new();
        self.compress_into(dict, data, last, &mut out)?;
        Ok(CompressedChunk {
            index,
            data: out,
            adler: adler32(1, data),
            input_len: data.len() as u64,
            last,
        })
    }
}

/// Compresses one chunk as raw deflate with a fresh compressor: see
/// [`ChunkCompressor::compress_into`].
pub fn compress_chunk(
    dict: &[u8],
    data: &[u8],
    level: u32,
    last: bool,
) -> Result<Vec<u8>, DeflateError> {
    let mut out = Vec::new();
    ChunkCompressor::new(level)?.compress_into(dict, data, last, &mut out)?;
    Ok(out)
}

/// Puts compressed chunks, taken strictly in order, into one zlib stream:
/// the header before the first, the combined Adler-32 after the last.
#[derive(Debug, Clone)]
pub struct ZlibStreamAssembler {
    header: [u8; 2],
    trailer: [u8; 4],
    next: u64,
    adler: u32,
    total_in: u64,
    complete: bool,
}

impl ZlibStreamAssembler {
    /// An assembler whose header records `level` (the level the chunks
    /// were compressed at; inflaters ignore it).
    pub fn new(level: u32) -> Result<Self, DeflateError> {
        Ok(ZlibStreamAssembler {
            header: zlib_header(level)?,
            trailer: [0; 4],
            next: 0,
            adler: 1,
            total_in: 0,
            complete: false,
        })
    }

    /// Takes the next chunk and returns what to write, in order: the zlib
    /// header (empty after the first chunk), the chunk's data, and the
    /// Adler-32 trailer (empty before the last chunk). Empty pieces may be
    /// skipped.
    pub fn push<'a>(
        &'a mut self,
        chunk: &'a CompressedChunk,
    ) -> Result<[&'a [u8]; 3], DeflateError> {
        if self.complete {
            return Err(DeflateError::AfterLast { index: chunk.index });
        }
        if chunk.index != self.next {
            return Err(DeflateError::OutOfOrder {
                expected: self.next,
                got: chunk.index,
            });
        }
        let first = self.next == 0;
        self.next += 1;
        self.adler = adler32_combine(self.adler, chunk.adler, chunk.input_len);
        self.total_in += chunk.input_len;
        if chunk.last {
            self.complete = true;
            self.trailer = self.adler.to_be_bytes();
        }
        let header: &[u8] = if first { &self.header } else { &[] };
        let trailer: &[u8] = if chunk.last { &self.trailer } else { &[] };
        Ok([header, &chunk.data, trailer])
    }

    /// Whether the last chunk has been taken: the stream is whole.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// Chunks taken so far.
    pub fn chunks(&self) -> u64 {
        self.next
    }

    /// Uncompressed bytes covered so far.
    pub fn total_in(&self) -> u64 {
        self.total_in
    }

    /// Adler-32 of the uncompressed bytes so far.
    pub fn adler32(&self) -> u32 {
        self.adler
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use proptest::prelude::*;

    use super::*;

    /// Straight byte-by-byte Adler-32, as RFC 1950 defines it.
    fn adler_reference(data: &[u8]) -> u32 {
        let (mut a, mut b) = (1u32, 0u32);
        for &x in data {
            a = (a + u32::from(x)) % ADLER_MOD;
            b = (b + a) % ADLER_MOD;
        }
        (b << 16) | a
    }

    /// Compresses `input` in `chunk`-sized pieces and assembles the stream.
    fn chunked(input: &[u8], chunk: usize, level: u32) -> Vec<u8> {
        let mut c = ChunkCompressor::new(level).expect("level");
        let mut asm = ZlibStreamAssembler::new(level).expect("level");
        let mut out = Vec::new();
        let n = input.len().div_ceil(chunk).max(1);
        for i in 0..n {
            let start = (i * chunk).min(input.len());
            let end = ((i + 1) * chunk).min(input.len());
            let piece = c
                .compress(i as u64, &input[..start], &input[start..end], i + 1 == n)
                .expect("compress");
            for p in asm.push(&piece).expect("in order") {
                out.extend_from_slice(p);
            }
        }
        assert!(asm.is_complete());
        assert_eq!(asm.total_in(), input.len() as u64);
        out
    }

    fn inflate(stream: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut d = flate2::read::ZlibDecoder::new(stream);
        let mut back = Vec::new();
        d.read_to_end(&mut back)?;
        // Nothing after the stream: pg_restore would choke on it.
        assert_eq!(
            d.total_in(),
            stream.len() as u64,
            "bytes after the zlib stream"
        );
        Ok(back)
    }

    /// COPY-like text: repeats across chunk boundaries, tabs, backslashes.
    fn copy_text(rows: usize) -> Vec<u8> {
        let mut s = Vec::new();
        for i in 0..rows {
            s.extend_from_slice(
                format!(
                    "{i}\tcustomer {}\t{}.{:02}\tnote with a \\t tab and \\\\ backslash {}\n",
                    i % 97,
                    i * 7 % 10_000,
                    i % 100,
                    "x".repeat(i % 13)
                )
                .as_bytes(),
            );
        }
        s
    }

    #[test]
    fn header_matches_zlib_for_every_level() {
        for level in 0..=9 {
            let mut z = Compress::new(flate2::Compression::new(level), true);
            let mut out = Vec::with_capacity(64);
            z.compress_vec(b"x", &mut out, FlushCompress::Finish)
                .expect("zlib");
            assert_eq!(
                zlib_header(level).expect("level"),
                [out[0], out[1]],
                "level {level}"
            );
        }
        assert_eq!(zlib_header(1), Ok([0x78, 0x01]));
        assert_eq!(zlib_header(2), Ok([0x78, 0x5e]));
        assert_eq!(zlib_header(6), Ok([0x78, 0x9c]));
        assert_eq!(zlib_header(9), Ok([0x78, 0xda]));
        assert_eq!(zlib_header(10), Err(DeflateError::InvalidLevel(10)));
        assert!(ChunkCompressor::new(10).is_err());
        assert!(ZlibStreamAssembler::new(42).is_err());
    }

    #[test]
    fn adler32_equals_reference() {
        assert_eq!(adler32(1, b""), 1);
        assert_eq!(adler32(1, b"Wikipedia"), 0x11e6_0398);
        // Long runs of 0xff stress the deferred modulo.
        let ff = vec![0xffu8; 100_000];
        assert_eq!(adler32(1, &ff), adler_reference(&ff));
        let text = copy_text(3000);
        assert_eq!(adler32(1, &text), adler_reference(&text));
        // Running form: in pieces of odd sizes.
        let mut a = 1;
        for piece in text.chunks(4099) {
            a = adler32(a, piece);
        }
        assert_eq!(a, adler_reference(&text));
    }

    #[test]
    fn adler32_combine_equals_straight() {
        let text = copy_text(2000);
        for cut in [0, 1, 31, 32, 5552, 65521, 65522, text.len() - 1, text.len()] {
            let (x, y) = text.split_at(cut);
            assert_eq!(
                adler32_combine(adler32(1, x), adler32(1, y), y.len() as u64),
                adler_reference(&text),
                "cut at {cut}"
            );
        }
        // Lengths far beyond the modulus, and 2^32+.
        let big = vec![0xa5u8; 200_000];
        let whole = adler32(1, &big);
        let mut acc = 1;
        for piece in big.chunks(65_521 * 2 + 3) {
            acc = adler32_combine(acc, adler32(1, piece), piece.len() as u64);
        }
        assert_eq!(acc, whole);
        let zeros_a = adler32(1, &[]);
        assert_eq!(adler32_combine(zeros_a, 1, 1 << 40), zeros_a);
    }

    #[test]
    fn empty_input_is_one_complete_stream() {
        let s = chunked(b"", 1024, 6);
        assert_eq!(&s[..2], &[0x78, 0x9c]);
        assert_eq!(&s[s.len() - 4..], &[0, 0, 0, 1]);
        assert_eq!(inflate(&s).expect("inflates"), b"");
    }

    #[test]
    fn one_chunk_equals_a_plain_stream_in_content() {
        let text = copy_text(500);
        for level in 0..=9 {
            let s = chunked(&text, text.len() * 2, level);
            assert_eq!(inflate(&s).expect("inflates"), text, "level {level}");
        }
    }

    #[test]
    fn chunks_smaller_than_the_window_and_empty_middle_chunks() {
        // Every chunk is primed with up to 32 KiB: keep tiny chunks few.
        let short = copy_text(20);
        for chunk in [1, 7] {
            for level in [0, 1, 6, 9] {
                let s = chunked(&short, chunk, level);
                assert_eq!(
                    inflate(&s).expect("inflates"),
                    short,
                    "chunk {chunk} level {level}"
                );
            }
        }
        let text = copy_text(3000);
        for chunk in [1000, DICT_SIZE - 1, DICT_SIZE, DICT_SIZE + 1] {
            for level in [0, 1, 6, 9] {
                let s = chunked(&text, chunk, level);
                assert_eq!(
                    inflate(&s).expect("inflates"),
                    text,
                    "chunk {chunk} level {level}"
                );
            }
        }
        // An empty chunk in the middle adds nothing and breaks nothing.
        let mut c = ChunkCompressor::new(6).expect("level");
        let mut asm = ZlibStreamAssembler::new(6).expect("level");
        let (a, b) = text.split_at(text.len() / 2);
        let parts = [
            c.compress(0, b"", a, false).expect("a"),
            c.compress(1, a, b"", false).expect("empty"),
            c.compress(2, a, b, true).expect("b"),
        ];
        assert!(parts[1].data.is_empty());
        let mut s = Vec::new();
        for p in &parts {
            for piece in asm.push(p).expect("in order") {
                s.extend_from_slice(piece);
            }
        }
        assert_eq!(inflate(&s).expect("inflates"), text);
    }

    #[test]
    fn the_dictionary_is_used() {
        // The second chunk repeats the first: with the dictionary it is
        // almost free, without it costs as much as the first.
        let text = copy_text(400);
        let with = compress_chunk(&text, &text, 6, true).expect("with");
        let without = compress_chunk(b"", &text, 6, true).expect("without");
        assert!(
            with.len() * 10 < without.len(),
            "{} vs {}",
            with.len(),
            without.len()
        );
        // A dictionary longer than the window is cut to its last 32 KiB.
        let long = copy_text(10_000);
        let tail = &long[long.len() - DICT_SIZE..];
        assert_eq!(
            compress_chunk(&long, b"abc", 6, true),
            compress_chunk(tail, b"abc", 6, true)
        );
    }

    #[test]
    fn sync_flushed_chunks_end_byte_aligned_and_not_final() {
        let text = copy_text(100);
        let c = compress_chunk(b"", &text, 6, false).expect("compress");
        assert_eq!(&c[c.len() - 4..], &[0, 0, 0xff, 0xff]);
        assert_eq!(c[0] & 1, 0, "first block must not be final");
    }

    #[test]
    fn assembler_refuses_out_of_order_and_after_last() {
        let mut c = ChunkCompressor::new(1).expect("level");
        let mut asm = ZlibStreamAssembler::new(1).expect("level");
        let c1 = c.compress(1, b"", b"abc", false).expect("c1");
        assert_eq!(
            asm.push(&c1).err(),
            Some(DeflateError::OutOfOrder {
                expected: 0,
                got: 1
            })
        );
        let c0 = c.compress(0, b"", b"abc", true).expect("c0");
        asm.push(&c0).expect("first");
        assert_eq!(
            asm.push(&c1).err(),
            Some(DeflateError::AfterLast { index: 1 })
        );
        assert_eq!(asm.adler32(), adler_reference(b"abc"));
        assert_eq!(asm.chunks(), 1);
    }

    fn input() -> impl Strategy<Value = Vec<u8>> {
        // Pieces of random bytes, repeated words and runs: compressible and
        // with matches that reach across chunk boundaries.
        let piece = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..300),
            (
                prop::sample::select(vec![&b"alpha\t"[..], b"\\N", b"beta\\\\gamma\n", b"0123"]),
                1..200usize
            )
                .prop_map(|(w, n)| w.repeat(n)),
            (any::<u8>(), 1..5000usize).prop_map(|(b, n)| vec![b; n]),
        ];
        prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn adler32_and_combine_equal_the_reference(
            data in prop::collection::vec(any::<u8>(), 0..20_000),
            cut in any::<prop::sample::Index>(),
        ) {
            let cut = cut.index(data.len() + 1);
            let (x, y) = data.split_at(cut);
            let want = adler_reference(&data);
            prop_assert_eq!(adler32(1, &data), want);
            prop_assert_eq!(adler32(adler32(1, x), y), want);
            prop_assert_eq!(adler32_combine(adler32(1, x), adler32(1, y), y.len() as u64), want);
        }

        #[test]
        fn assembled_stream_inflates_to_the_input(
            input in input(),
            chunk in prop_oneof![1..64usize, 64..4096usize, 4096..100_000usize],
            level in 0..=9u32,
        ) {
            // At most ~300 chunks: each is primed with up to 32 KiB, which
            // makes tiny chunks of a big input slow in debug builds.
            let chunk = chunk.max(input.len() / 300);
            let s = chunked(&input, chunk, level);
            prop_assert_eq!(&s[..2], &zlib_header(level).expect("level")[..]);
            let back = inflate(&s).map_err(|e| TestCaseError::fail(format!("inflate: {e}")))?;
            prop_assert_eq!(back, input);
        }
    }
}
