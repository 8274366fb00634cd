//! The LZ4 frame format (LZ4F) that pg_dump 16+ writes into an lz4 data
//! block: one frame per block (and per large object), cut into chunks.
//!
//! ```text
//! magic 04 22 4D 18 | FLG | BD | [content size] | HC | block... | 00 00 00 00 | [xxh32]
//! block: u32 LE size (high bit: stored raw) | data | [xxh32 of data]
//! ```
//!
//! pg_dump lets liblz4 write linked 64 KiB blocks (each may refer to the
//! 64 KiB decoded before it). This module writes independent blocks of up
//! to [`BLOCK_SIZE`] bytes, so that blocks can be compressed on several
//! threads and still form the one frame pg_restore's `LZ4F_decompress`
//! reads; [`frame_header`], [`compress_block`] and [`END_MARK`] are the
//! pieces. The frame decoder behind [`BlockDecoder`](crate::BlockDecoder)
//! reads both kinds, push-style.

use xxhash_rust::xxh32::{xxh32, Xxh32};

/// The frame's first four bytes.
pub const MAGIC: [u8; 4] = [0x04, 0x22, 0x4D, 0x18];
/// Uncompressed bytes per block this module writes (the 1 MiB maximum
/// size class of the frame header).
pub const BLOCK_SIZE: usize = 1 << 20;
/// The block size word that ends a frame's blocks.
pub const END_MARK: [u8; 4] = [0; 4];
/// The 64 KiB a linked block may refer back to.
const WINDOW: usize = 64 * 1024;
/// Largest block a frame header can announce (4 MiB).
const MAX_BLOCK: usize = 4 << 20;

const FLG_VERSION: u8 = 0b0100_0000;
const FLG_INDEPENDENT: u8 = 0b0010_0000;
const FLG_BLOCK_CHECKSUM: u8 = 0b0001_0000;
const FLG_CONTENT_SIZE: u8 = 0b0000_1000;
const FLG_CONTENT_CHECKSUM: u8 = 0b0000_0100;
const FLG_DICT_ID: u8 = 0b0000_0001;
const UNCOMPRESSED_BIT: u32 = 0x8000_0000;

/// The frame header this module writes: independent blocks of up to
/// [`BLOCK_SIZE`] bytes, each with its checksum (computed where the block
/// is compressed, so on every thread; pg_restore's liblz4 checks them),
/// no content size.
pub fn frame_header() -> [u8; 7] {
    let flg = FLG_VERSION | FLG_INDEPENDENT | FLG_BLOCK_CHECKSUM;
    let bd = 6 << 4; // 1 MiB blocks
    let hc = header_checksum(&[flg, bd]);
    [MAGIC[0], MAGIC[1], MAGIC[2], MAGIC[3], flg, bd, hc]
}

fn header_checksum(descriptor: &[u8]) -> u8 {
    (xxh32(descriptor, 0) >> 8) as u8
}

/// Appends one block holding `data` (at most [`BLOCK_SIZE`] bytes, not
/// empty) to `out`: compressed, or stored raw when that is not smaller,
/// then its checksum.
///
/// # Panics
/// Never for inputs within the bounds; an oversized `data` is cut by the
/// caller ([`Lz4BlockWriter`] does).
pub fn compress_block(data: &[u8], out: &mut Vec<u8>) {
    debug_assert!(!data.is_empty() && data.len() <= BLOCK_SIZE);
    let start = out.len();
    let bound = lz4_flex::block::get_maximum_output_size(data.len());
    out.resize(start + 4 + bound, 0);
    let packed = lz4_flex::block::compress_into(data, &mut out[start + 4..]);
    match packed {
        Ok(n) if n < data.len() => {
            out.truncate(start + 4 + n);
            out[start..start + 4].copy_from_slice(&(n as u32).to_le_bytes());
        }
        _ => {
            out.truncate(start);
            out.extend_from_slice(&(data.len() as u32 | UNCOMPRESSED_BIT).to_le_bytes());
            out.extend_from_slice(data);
        }
    }
    let sum = xxh32(&out[start + 4..], 0);
    out.extend_from_slice(&sum.to_le_bytes());
}

/// One frame written on the caller's thread: input is gathered into
/// blocks of [`BLOCK_SIZE`] bytes.
#[derive(Debug, Default)]
pub struct Lz4BlockWriter {
    started: bool,
    block: Vec<u8>,
}

impl Lz4BlockWriter {
    /// A new frame (nothing written yet).
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes `input`, appending the header and every full block to `out`.
    pub fn write(&mut self, mut input: &[u8], out: &mut Vec<u8>) {
        self.start(out);
        while !input.is_empty() {
            let n = (BLOCK_SIZE - self.block.len()).min(input.len());
            self.block.extend_from_slice(&input[..n]);
            input = &input[n..];
            if self.block.len() == BLOCK_SIZE {
                compress_block(&self.block, out);
                self.block.clear();
            }
        }
    }

    /// Ends the frame: the last block and the end mark. An empty frame is
    /// still a complete frame, as pg_dump writes for an empty table.
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        self.start(out);
        if !self.block.is_empty() {
            compress_block(&self.block, out);
            self.block.clear();
        }
        out.extend_from_slice(&END_MARK);
        self.started = false;
    }

    fn start(&mut self, out: &mut Vec<u8>) {
        if !self.started {
            out.extend_from_slice(&frame_header());
            self.started = true;
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Magic, FLG, BD, optional fields and HC.
    Header,
    /// A block size word (or the end mark).
    BlockSize,
    /// A block's bytes and, when the frame has them, its checksum.
    Block { len: usize, raw: bool },
    /// The content checksum after the end mark.
    ContentChecksum,
    /// The frame ended.
    Done,
}

/// Decodes one LZ4 frame fed in pieces of any size.
pub(crate) struct Lz4FrameDecoder {
    state: State,
    acc: Vec<u8>,
    flg: u8,
    block_max: usize,
    content_size: Option<u64>,
    hash: Xxh32,
    decoded: u64,
    /// The last 64 KiB decoded, for linked blocks.
    history: Vec<u8>,
    /// The block just decoded, handed out from `out_pos`.
    out: Vec<u8>,
    out_pos: usize,
}

impl std::fmt::Debug for Lz4FrameDecoder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lz4FrameDecoder")
            .field("state", &self.state)
            .field("decoded", &self.decoded)
            .finish_non_exhaustive()
    }
}

impl Lz4FrameDecoder {
    pub fn new() -> Self {
        Lz4FrameDecoder {
            state: State::Header,
            acc: Vec::new(),
            flg: 0,
            block_max: 0,
            content_size: None,
            hash: Xxh32::new(0),
            decoded: 0,
            history: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
        }
    }

    /// Starts over for a new frame.
    pub fn reset(&mut self) {
        self.state = State::Header;
        self.acc.clear();
        self.content_size = None;
        self.hash = Xxh32::new(0);
        self.decoded = 0;
        self.history.clear();
        self.out.clear();
        self.out_pos = 0;
    }

    /// Whether the frame's end (and checksum) was read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Whether decoded bytes wait to be handed out.
    pub fn has_output(&self) -> bool {
        self.out_pos < self.out.len()
    }

    /// Hands out decoded bytes first, then decodes from `input`; returns
    /// how much of `input` was used. Stops after a block once `out` grew
    /// by `limit` bytes.
    pub fn decode(
        &mut self,
        mut input: &[u8],
        out: &mut Vec<u8>,
        limit: usize,
    ) -> Result<usize, String> {
        let total = input.len();
        let start = out.len();
        loop {
            if self.has_output() {
                let room = (start + limit).saturating_sub(out.len());
                let n = room.min(self.out.len() - self.out_pos);
                out.extend_from_slice(&self.out[self.out_pos..self.out_pos + n]);
                self.out_pos += n;
                if self.has_output() {
                    return Ok(total - input.len());
                }
            }
            if input.is_empty() {
                return Ok(total);
            }
            if self.state == State::Done {
                return Err(
                    "data after the end of the LZ4 frame (a second frame in one \
                            block, which pgark does not write and pg_dump never does)"
                        .into(),
                );
            }
            let need = self.needed()?;
            let take = need.saturating_sub(self.acc.len()).min(input.len());
            self.acc.extend_from_slice(&input[..take]);
            input = &input[take..];
            // The header's length is known once FLG is in.
            if self.acc.len() == need && self.needed()? == need {
                self.step()?;
                self.acc.clear();
            }
        }
    }

    /// Bytes the current state needs in `acc`.
    fn needed(&self) -> Result<usize, String> {
        Ok(match self.state {
            State::Header => {
                if self.acc.len() < 5 {
                    7
                } else {
                    let flg = self.acc[4];
                    7 + if flg & FLG_CONTENT_SIZE != 0 { 8 } else { 0 }
                        + if flg & FLG_DICT_ID != 0 { 4 } else { 0 }
                }
            }
            State::BlockSize | State::ContentChecksum => 4,
            State::Block { len, .. } => {
                len + if self.flg & FLG_BLOCK_CHECKSUM != 0 {
                    4
                } else {
                    0
                }
            }
            State::Done => 0,
        })
    }

    fn step(&mut self) -> Result<(), String> {
        match self.state {
            State::Header => self.header(),
            State::BlockSize => {
                let word = u32::from_le_bytes([self.acc[0], self.acc[1], self.acc[2], self.acc[3]]);
                if word == 0 {
                    return self.end_blocks();
                }
                let len = (word & !UNCOMPRESSED_BIT) as usize;
                if len == 0 || len > self.block_max {
                    return Err(format!(
                        "LZ4 block size {len} is outside 1 to {} (the frame's maximum)",
                        self.block_max
                    ));
                }
                self.state = State::Block {
                    len,
                    raw: word & UNCOMPRESSED_BIT != 0,
                };
                Ok(())
            }
            State::Block { len, raw } => self.block(len, raw),
            State::ContentChecksum => {
                let want = u32::from_le_bytes([self.acc[0], self.acc[1], self.acc[2], self.acc[3]]);
                let got = std::mem::replace(&mut self.hash, Xxh32::new(0)).digest();
                if want != got {
                    return Err(format!(
                        "LZ4 content checksum mismatch (stored {want:08x}, computed {got:08x})"
                    ));
                }
                self.state = State::Done;
                Ok(())
            }
            State::Done => Ok(()),
        }
    }

    fn header(&mut self) -> Result<(), String> {
        let h = &self.acc;
        if h[..4] != MAGIC {
            return Err(format!(
                "not an LZ4 frame: it starts with {:02x} {:02x} {:02x} {:02x}",
                h[0], h[1], h[2], h[3]
            ));
        }
        let (flg, bd) = (h[4], h[5]);
        if flg & 0b1100_0000 != FLG_VERSION || flg & 0b10 != 0 {
            return Err(format!("unsupported LZ4 frame flags {flg:#04x}"));
        }
        if flg & FLG_DICT_ID != 0 {
            return Err("the LZ4 frame needs a dictionary, which pg_dump never uses".into());
        }
        if bd & 0b1000_1111 != 0 || !(4..=7).contains(&(bd >> 4)) {
            return Err(format!("bad LZ4 block size descriptor {bd:#04x}"));
        }
        let hc_at = h.len() - 1;
        let want = header_checksum(&h[4..hc_at]);
        if h[hc_at] != want {
            return Err("LZ4 frame header checksum mismatch".into());
        }
        self.content_size = (flg & FLG_CONTENT_SIZE != 0).then(|| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&h[6..14]);
            u64::from_le_bytes(b)
        });
        self.flg = flg;
        self.block_max = (64 * 1024) << (2 * ((bd >> 4) - 4));
        debug_assert!(self.block_max <= MAX_BLOCK);
        self.state = State::BlockSize;
        Ok(())
    }

    fn block(&mut self, len: usize, raw: bool) -> Result<(), String> {
        let (data, sum) = self.acc.split_at(len);
        if self.flg & FLG_BLOCK_CHECKSUM != 0 {
            let want = u32::from_le_bytes([sum[0], sum[1], sum[2], sum[3]]);
            if xxh32(data, 0) != want {
                return Err("LZ4 block checksum mismatch".into());
            }
        }
        self.out.clear();
        self.out_pos = 0;
        if raw {
            self.out.extend_from_slice(data);
        } else {
            self.out.resize(self.block_max, 0);
            let linked = self.flg & FLG_INDEPENDENT == 0;
            let made = if linked {
                lz4_flex::block::decompress_into_with_dict(data, &mut self.out, &self.history)
            } else {
                lz4_flex::block::decompress_into(data, &mut self.out)
            }
            .map_err(|e| format!("bad LZ4 block: {e}"))?;
            self.out.truncate(made);
        }
        self.decoded += self.out.len() as u64;
        if self.flg & FLG_CONTENT_CHECKSUM != 0 {
            self.hash.update(&self.out);
        }
        if self.flg & FLG_INDEPENDENT == 0 {
            let keep = WINDOW
                .saturating_sub(self.out.len())
                .min(self.history.len());
            self.history.drain(..self.history.len() - keep);
            let tail = self.out.len().saturating_sub(WINDOW);
            self.history.extend_from_slice(&self.out[tail..]);
        }
        self.state = State::BlockSize;
        Ok(())
    }

    fn end_blocks(&mut self) -> Result<(), String> {
        if let Some(size) = self.content_size {
            if size != self.decoded {
                return Err(format!(
                    "the LZ4 frame declares {size} bytes of content but holds {}",
                    self.decoded
                ));
            }
        }
        self.state = if self.flg & FLG_CONTENT_CHECKSUM != 0 {
            State::ContentChecksum
        } else {
            State::Done
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use lz4_flex::frame::{BlockMode, BlockSize, FrameDecoder, FrameEncoder, FrameInfo};

    use super::*;

    fn text(rows: u32) -> Vec<u8> {
        (0..rows)
            .flat_map(|i| format!("{i}\tname {}\t{}\n", i % 113, i * 7).into_bytes())
            .collect()
    }

    fn decode_all(frame: &[u8], piece: usize, limit: usize) -> Result<Vec<u8>, String> {
        let mut d = Lz4FrameDecoder::new();
        let mut out = Vec::new();
        for mut p in frame.chunks(piece) {
            loop {
                let used = d.decode(p, &mut out, limit)?;
                p = &p[used..];
                if p.is_empty() && !d.has_output() {
                    break;
                }
            }
        }
        if !d.is_done() {
            return Err("no end".into());
        }
        Ok(out)
    }

    #[test]
    fn reads_linked_frames_with_checksums_written_by_another_encoder() {
        let input = text(200_000);
        for (mode, size) in [
            (BlockMode::Linked, BlockSize::Max64KB),
            (BlockMode::Independent, BlockSize::Max4MB),
        ] {
            let info = FrameInfo::new()
                .block_mode(mode)
                .block_size(size)
                .block_checksums(true)
                .content_checksum(true)
                .content_size(Some(input.len() as u64));
            let mut e = FrameEncoder::with_frame_info(info, Vec::new());
            e.write_all(&input).expect("encode");
            let frame = e.finish().expect("finish");
            assert_eq!(decode_all(&frame, 1000, 1 << 20).expect("decodes"), input);
            assert_eq!(decode_all(&frame, 7, 100).expect("decodes"), input);
            // A flipped bit in a block is caught (checksums or block codec).
            let mut bad = frame.clone();
            let at = bad.len() / 2;
            bad[at] ^= 0x10;
            assert!(decode_all(&bad, 4096, 1 << 20).is_err());
        }
    }

    #[test]
    fn what_we_write_another_decoder_reads() {
        for input in [Vec::new(), b"x".to_vec(), text(150_000)] {
            let mut w = Lz4BlockWriter::new();
            let mut frame = Vec::new();
            for p in input.chunks(10_000) {
                w.write(p, &mut frame);
            }
            w.finish(&mut frame);
            let mut got = Vec::new();
            FrameDecoder::new(&frame[..])
                .read_to_end(&mut got)
                .expect("lz4_flex reads it");
            assert_eq!(got, input);
            assert_eq!(
                decode_all(&frame, 5000, 1 << 16).expect("we read it"),
                input
            );
        }
    }

    #[test]
    fn a_flipped_bit_in_a_block_we_wrote_fails_its_checksum() {
        let mut w = Lz4BlockWriter::new();
        let mut frame = Vec::new();
        w.write(&text(10_000), &mut frame);
        w.finish(&mut frame);
        let at = frame.len() / 2;
        frame[at] ^= 1;
        assert_eq!(
            decode_all(&frame, 100, 1 << 20),
            Err("LZ4 block checksum mismatch".into())
        );
    }

    #[test]
    fn truncated_and_foreign_frames_are_errors() {
        let mut w = Lz4BlockWriter::new();
        let mut frame = Vec::new();
        w.write(&text(10_000), &mut frame);
        w.finish(&mut frame);
        assert_eq!(
            decode_all(&frame[..frame.len() - 2], 100, 1 << 20),
            Err("no end".into())
        );
        let err = decode_all(b"\x28\xb5\x2f\xfd0000", 100, 1 << 20).expect_err("zstd magic");
        assert!(err.starts_with("not an LZ4 frame"), "{err}");
        let mut huge = frame.clone();
        huge[7..11].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        let err = decode_all(&huge, 100, 1 << 20).expect_err("huge block");
        assert!(err.contains("outside 1 to 1048576"), "{err}");
    }
}
