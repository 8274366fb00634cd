//! Hostile input: real archives (every version, uncompressed and with
//! every compression it can hold: gzip, and zstd and lz4 from 1.15, seekable and streamed, with COPY data, opaque data and large
//! objects) mutated by flipping, inserting, deleting and overwriting bytes,
//! and Ints replaced by extreme values (huge lengths, counts, chunk sizes,
//! `struct tm` fields). Decoding the TOC, listing it and decoding every block
//! must return errors, never panic, and never make an allocation larger than
//! a fixed bound, whatever length the bytes claim.
//!
//! This file is its own test binary so that the counting allocator sees
//! only these tests.

use std::alloc::System;
use std::io::{Cursor, Write};

use archive_format::*;
use cap::Cap;
use proptest::prelude::*;

/// The whole test process may hold at most this much at once. The reader's
/// buffer (256 KiB, doubled only while the input really has the bytes) and
/// the inflate scratch stay far below it for these small archives; a
/// decoder that trusted a hostile length would ask for up to 2 GiB, fail
/// to allocate and abort the test.
const ALLOCATION_BOUND: usize = 64 << 20;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, ALLOCATION_BOUND);

const VERSIONS: [ArchiveVersion; 5] = [
    ArchiveVersion::V1_12,
    ArchiveVersion::V1_13,
    ArchiveVersion::V1_14,
    ArchiveVersion::V1_15,
    ArchiveVersion::V1_16,
];

/// A small real archive: a schema, a COPY table, an opaque data entry and
/// a BLOBS entry with two large objects.
fn archive(version: ArchiveVersion, compression: Compression, seekable: bool) -> Vec<u8> {
    let header = Header::new(
        version,
        compression,
        CreateTime::from_unix_utc(1_750_000_000),
        "db",
        "16.2",
        "pgark test",
    )
    .expect("header");
    let mut schema = TocEntry::new(1, "SCHEMA", "s", Section::PreData);
    schema.defn = Some(b"CREATE SCHEMA s;\n".to_vec());
    schema.owner = Some(b"postgres".to_vec());
    let table = TocEntry::new(2, "TABLE", "t", Section::PreData);
    let mut copy = TocEntry::new(3, "TABLE DATA", "t", Section::Data);
    copy.had_dumper = true;
    copy.dependencies = vec![2];
    copy.copy_stmt = Some(b"COPY s.t (a, b) FROM stdin;\n".to_vec());
    let mut opaque = TocEntry::new(4, "TABLE DATA", "u", Section::Data);
    opaque.had_dumper = true;
    let mut blobs = TocEntry::new(5, "BLOBS", "BLOBS", Section::Data);
    blobs.had_dumper = true;
    let mut index = TocEntry::new(6, "INDEX", "t_a", Section::PostData);
    index.dependencies = vec![2];
    let entries = vec![schema, table, copy, opaque, blobs, index];
    let mut w =
        ArchiveWriter::new(Cursor::new(Vec::new()), &header, entries, compression).expect("writer");
    let mut b = w.data(3).expect("copy block");
    for i in 0..40 {
        writeln!(b, "{i}\trow number {i}").expect("row");
    }
    b.write_all(b"\\.\n").expect("end");
    b.finish().expect("copy block ends");
    let mut b = w.data(4).expect("opaque block");
    b.write_all(&[7u8; 3000]).expect("bytes");
    b.finish().expect("opaque block ends");
    let mut b = w.blobs(5).expect("blobs");
    for oid in [16_385u32, 16_386] {
        b.start_large_object(oid).expect("lo");
        b.write_all(&vec![oid as u8; 500]).expect("lo bytes");
    }
    b.finish().expect("blobs end");
    let f = w.finish().expect("finish");
    if seekable {
        f.rewrite_toc().expect("rewrite").into_inner()
    } else {
        f.into_inner().into_inner()
    }
}

/// All the real archives the mutations start from, built once.
fn archives() -> &'static [Vec<u8>] {
    static ALL: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    ALL.get_or_init(build_archives)
}

fn build_archives() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for v in VERSIONS {
        for c in [
            Compression::None,
            Compression::Gzip { level: 6 },
            Compression::Zstd { level: 3 },
            Compression::Lz4 { level: 0 },
        ] {
            let new_codec = matches!(c, Compression::Zstd { .. } | Compression::Lz4 { .. });
            if new_codec && !v.has_compression_algorithm() {
                continue;
            }
            for seekable in [false, true] {
                out.push(archive(v, c, seekable));
            }
        }
    }
    out
}

#[derive(Debug, Clone)]
enum Mutation {
    Flip(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Delete(prop::sample::Index, usize),
    /// Overwrites an Int (sign byte + 4 magnitude bytes) with an extreme value.
    Int(prop::sample::Index, bool, u32),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let extreme = prop_oneof![
        Just(u32::MAX),
        Just(i32::MAX as u32),
        Just(1 << 30),
        Just((1 << 30) + 1),
        Just(0),
        Just(1),
        any::<u32>(),
    ];
    prop_oneof![
        (any::<prop::sample::Index>(), 1u8..).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 1..16)
        )
            .prop_map(|(i, b)| Mutation::Insert(i, b)),
        (any::<prop::sample::Index>(), 1usize..32).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<prop::sample::Index>(), any::<bool>(), extreme)
            .prop_map(|(i, neg, v)| Mutation::Int(i, neg, v)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    if bytes.is_empty() {
        return;
    }
    match m {
        Mutation::Flip(i, x) => {
            let i = i.index(bytes.len());
            bytes[i] ^= x;
        }
        Mutation::Insert(i, b) => {
            let i = i.index(bytes.len() + 1);
            bytes.splice(i..i, b.iter().copied());
        }
        Mutation::Delete(i, n) => {
            let i = i.index(bytes.len());
            let end = (i + n).min(bytes.len());
            bytes.drain(i..end);
        }
        Mutation::Int(i, neg, v) => {
            let i = i.index(bytes.len());
            let mut int = vec![u8::from(*neg)];
            int.extend_from_slice(&v.to_le_bytes());
            for (k, b) in int.into_iter().enumerate() {
                if let Some(slot) = bytes.get_mut(i + k) {
                    *slot = b;
                }
            }
        }
    }
}

/// Everything a reader of the archive does: the TOC, its listing (plain
/// and verbose, which formats the header's fields), and every block
/// decoded and decompressed.
fn decode_all(bytes: &[u8]) {
    if let Ok(toc) = ArchiveReader::new(bytes).read_toc() {
        for verbose in [false, true] {
            let mut out = Vec::new();
            let _ = listing::write(&mut out, &toc, &listing::Options { verbose });
        }
    }
    let _ = verify(bytes);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1000,
        max_shrink_time: 10_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_archives_fail_cleanly_within_bounded_memory(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let all = archives();
        let mut bytes = all[which.index(all.len())].clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        // Ok or Err; a panic fails the case, an allocation past the bound
        // aborts the binary.
        decode_all(&bytes);
    }
}

/// Offset of the Int holding `tm_mon` in a 1.15+ header: magic (5),
/// version (3), int size, offset size, format, compression algorithm (1
/// each), then sec, min, hour, mday (5 bytes each).
const TM_MON_AT: usize = 12 + 4 * 5;

#[test]
fn listing_a_header_with_extreme_tm_mon_does_not_panic() {
    let mut bytes = archive(ArchiveVersion::V1_16, Compression::None, true);
    let (h, _) = Header::from_bytes(&bytes).expect("header");
    assert_eq!(h.created.mon, CreateTime::from_unix_utc(1_750_000_000).mon);
    bytes[TM_MON_AT] = 0;
    bytes[TM_MON_AT + 1..TM_MON_AT + 5].copy_from_slice(&i32::MAX.to_le_bytes());
    let toc = ArchiveReader::new(&bytes[..]).read_toc().expect("toc");
    assert_eq!(toc.header.created.mon, i32::MAX);
    let mut out = Vec::new();
    listing::write(&mut out, &toc, &listing::Options::default()).expect("listing");
    let text = String::from_utf8(out).expect("utf-8");
    assert!(text.contains("-2147483648-"), "{text}");
}

#[test]
fn a_string_claiming_a_gigabyte_allocates_nothing_of_that_size() {
    let bytes = archive(ArchiveVersion::V1_16, Compression::None, true);
    // Claim that the first entry's desc ("SCHEMA") is 1 GiB long.
    let at = bytes
        .windows(6)
        .position(|w| w == b"SCHEMA")
        .expect("desc in the TOC")
        - 5;
    let mut hostile = bytes.clone();
    hostile[at] = 0;
    hostile[at + 1..at + 5].copy_from_slice(&(1u32 << 30).to_le_bytes());
    let err = verify(&hostile[..]).expect_err("a 1 GiB string in a small file");
    assert!(err.is_truncated(), "{err}");
    let err = ArchiveReader::new(&hostile[..])
        .read_toc()
        .expect_err("a 1 GiB string in a small file");
    assert!(err.is_truncated(), "{err}");
}
