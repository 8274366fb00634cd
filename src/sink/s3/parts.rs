//! Part sizes and part digests.
//!
//! S3 allows at most 10,000 parts per upload, each of 5 MiB to 5 GiB
//! (except the last, which may be smaller). The archive's size is unknown
//! when the upload starts, so part sizes grow with the part number: the
//! configured minimum for parts 2 to 1,000, twice that for parts 1,001 to
//! 2,000, and so on, doubling every 1,000 parts (capped at 5 GiB). Small
//! archives get small parts (and little memory); large ones still fit.
//!
//! With the default 8 MiB minimum, 10,000 parts hold about 7.8 TiB; with
//! the smallest allowed minimum (5 MiB), about 4.9 TiB. See
//! [`max_archive_size`].

use sha2::{Digest, Sha256};

/// S3's smallest part (all parts but the last): 5 MiB.
pub const MIN_PART_SIZE: u64 = 5 * 1024 * 1024;
/// S3's largest part: 5 GiB.
pub const MAX_PART_SIZE: u64 = 5 * 1024 * 1024 * 1024;
/// S3's largest part number.
pub const MAX_PARTS: u32 = 10_000;
/// The default size of parts 2 to 1,000 (and of the held first part): 8 MiB.
pub const DEFAULT_MIN_PART_SIZE: u64 = 8 * 1024 * 1024;
/// How many parts share one size before the size doubles.
pub const PARTS_PER_STEP: u32 = 1_000;

/// The size of part `part_number` (1-based) when parts start at
/// `min_part_size` bytes (clamped to 5 MiB ..= 5 GiB): doubled every
/// [`PARTS_PER_STEP`] parts, never above [`MAX_PART_SIZE`].
///
/// Part 1 is the held part; its size is chosen by the sink (at least the
/// minimum, more when the archive's header and TOC need it).
pub fn part_size(min_part_size: u64, part_number: u32) -> u64 {
    let base = min_part_size.clamp(MIN_PART_SIZE, MAX_PART_SIZE);
    let step = part_number.saturating_sub(1) / PARTS_PER_STEP;
    // 2^step for step <= 9 (part numbers up to 10,000); saturate beyond.
    let factor = 1u64.checked_shl(step.min(32)).unwrap_or(u64::MAX);
    base.saturating_mul(factor).min(MAX_PART_SIZE)
}

/// The largest archive the schedule can upload: a held first part of
/// `held` bytes and parts 2 to 10,000 of [`part_size`] each.
///
/// `max_archive_size(8 MiB, 8 MiB)` is about 7.8 TiB,
/// `max_archive_size(5 MiB, 5 MiB)` about 4.9 TiB.
pub fn max_archive_size(held: u64, min_part_size: u64) -> u64 {
    (2..=MAX_PARTS).fold(held, |sum, n| {
        sum.saturating_add(part_size(min_part_size, n))
    })
}

/// SHA-256 of `data`.
pub(crate) fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

/// Lower-case hexadecimal.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    s
}

/// The S3-style composite checksum of a multipart object: SHA-256 of the
/// concatenated binary SHA-256 digests of its parts in part order,
/// rendered `<hex>-<number of parts>` (S3 shows the same digest in base64).
pub fn composite_sha256<'a>(part_digests: impl IntoIterator<Item = &'a [u8; 32]>) -> String {
    let mut hasher = Sha256::new();
    let mut n = 0usize;
    for d in part_digests {
        hasher.update(d);
        n += 1;
    }
    format!("{}-{n}", hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;
    const TIB: u64 = 1024 * 1024 * MIB;

    #[test]
    fn schedule_doubles_every_thousand_parts() {
        assert_eq!(part_size(8 * MIB, 2), 8 * MIB);
        assert_eq!(part_size(8 * MIB, 1000), 8 * MIB);
        assert_eq!(part_size(8 * MIB, 1001), 16 * MIB);
        assert_eq!(part_size(8 * MIB, 10_000), 4096 * MIB);
        assert_eq!(part_size(MIB, 2), 5 * MIB, "clamped to S3's minimum");
        assert_eq!(part_size(MAX_PART_SIZE, 9_000), MAX_PART_SIZE);
    }

    #[test]
    fn ten_thousand_parts_cover_terabytes() {
        assert!(max_archive_size(5 * MIB, 5 * MIB) > 4 * TIB);
        assert!(max_archive_size(8 * MIB, 8 * MIB) > 7 * TIB);
    }

    #[test]
    fn hex_and_composite() {
        assert_eq!(hex(&[0x00, 0xab, 0x0f]), "00ab0f");
        let a = sha256(b"a");
        let b = sha256(b"b");
        let mut cat = a.to_vec();
        cat.extend_from_slice(&b);
        assert_eq!(
            composite_sha256([&a, &b]),
            format!("{}-2", hex(&sha256(&cat)))
        );
    }
}
