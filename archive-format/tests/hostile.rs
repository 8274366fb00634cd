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
use mutate::{apply, cases, mutation, REAL};
use proptest::prelude::*;

mod mutate;

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
    let mut out: Vec<Vec<u8>> = REAL.iter().map(|a| a.to_vec()).collect();
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

/// Everything a reader of the archive does: the TOC, its listing (plain
/// and verbose, which formats the header's fields), every block decoded
/// and decompressed (verify), and what a restore does: every block read
/// in archive order, and each read at the offset the TOC stores, through
/// the [`BlockReader`] (with a small piece limit, so that pieces are held
/// back and handed out across calls).
fn decode_all(bytes: &[u8]) {
    if let Ok(toc) = ArchiveReader::new(bytes).read_toc() {
        for verbose in [false, true] {
            let mut out = Vec::new();
            let _ = listing::write(&mut out, &toc, &listing::Options { verbose });
        }
        let _ = restore_in_order(bytes);
        let _ = restore_at_offsets(bytes, &toc);
    }
    let _ = verify(bytes);
}

/// The bytes of every block (large objects included), read in archive
/// order as a serial restore from a pipe reads them.
fn restore_in_order(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut reader = ArchiveReader::new(bytes);
    let toc = reader.read_toc()?;
    let mut blocks = BlockReader::new(toc.header.compression.algorithm())?.with_limit(4096);
    let names: std::collections::HashMap<i32, EntryName> = toc
        .entries
        .iter()
        .map(|e| (e.entry.dump_id, e.entry.name()))
        .collect();
    let mut out = Vec::new();
    while let Some((event, _)) = reader.next_event()? {
        if let Event::BlockStart { dump_id, .. } = event {
            let Some(name) = names.get(&dump_id) else {
                continue;
            };
            blocks.start(name.clone());
            while blocks.next(&mut reader, &mut out)? != Piece::End {}
        }
    }
    Ok(out)
}

/// The bytes of every block with a stored offset, each read from there
/// as a parallel restore (or a restore from S3) reads it.
fn restore_at_offsets(bytes: &[u8], toc: &Toc) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in &toc.entries {
        let DataOffset::Set(at) = e.offset else {
            continue;
        };
        let from = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
        let name = e.entry.name();
        let mut reader = ArchiveReader::at_block(&bytes[from..], &toc.header, &name, at);
        let mut blocks = BlockReader::new(toc.header.compression.algorithm())?.with_limit(4096);
        blocks.start(name);
        while blocks.next(&mut reader, &mut out)? != Piece::End {}
    }
    Ok(out)
}

/// The corpus is what it claims: every real archive verifies, lists, and
/// yields the same rows and large objects read in order and at its
/// offsets (the streamed one has none), so the mutations start from
/// archives every path reads to the end.
#[test]
fn the_real_archives_read_whole_on_every_path() {
    for (i, bytes) in REAL.iter().enumerate() {
        let report = verify(*bytes).unwrap_or_else(|e| panic!("archive {i}: {e}"));
        assert_eq!(report.total_rows(), 65, "archive {i}");
        assert_eq!(report.total_large_objects(), 2, "archive {i}");
        let toc = ArchiveReader::new(*bytes).read_toc().expect("toc");
        let mut listed = Vec::new();
        listing::write(&mut listed, &toc, &listing::Options::default()).expect("list");
        assert!(
            String::from_utf8_lossy(&listed).contains("TABLE DATA s t"),
            "archive {i}"
        );
        let in_order = restore_in_order(bytes).expect("in order");
        assert!(
            in_order.windows(13).any(|w| w == b"row number 60"),
            "archive {i}"
        );
        let at = restore_at_offsets(bytes, &toc).expect("at offsets");
        let streamed = toc
            .entries
            .iter()
            .all(|e| !matches!(e.offset, DataOffset::Set(_)));
        assert_eq!(at.is_empty(), streamed, "archive {i}");
        if !streamed {
            assert_eq!(at, in_order, "archive {i}");
        }
    }
}

/// pg_dump 18 writing to a redirected stdout leaves a copy of the TOC
/// after the last data block (its offset rewrite lands at the end);
/// pg_restore reads such files. Accepted: exactly one copy of the TOC's
/// entries. Refused: a copy naming other entries, a second copy, a copy cut
/// short.
#[test]
fn a_toc_copy_after_the_data_is_accepted_once_and_checked() {
    let bytes: &[u8] = include_bytes!("data/pg18-gzip-stdout.dump");
    let mut r = ArchiveReader::new(bytes);
    let (mut copy_at, mut copied) = (None, Vec::new());
    loop {
        let pos = r.position();
        match r.next_event().expect("the archive reads") {
            None => break,
            Some((Event::TocCopyStart { entries }, _)) => copy_at = Some((pos, entries)),
            Some((Event::TocCopyEntry { dump_id }, _)) => copied.push(dump_id),
            Some(_) => {}
        }
    }
    let (at, entries) = copy_at.expect("pg_dump 18 left a TOC copy after the data");
    let toc = ArchiveReader::new(bytes).read_toc().expect("toc");
    let ids: Vec<i32> = toc.entries.iter().map(|e| e.entry.dump_id).collect();
    assert_eq!((entries, &copied), (ids.len(), &ids));
    let report = verify(bytes).expect("verify accepts the copy");
    assert_eq!(report.total_rows(), 65);

    let at = usize::try_from(at).expect("offset");
    let mut twice = bytes.to_vec();
    twice.extend_from_slice(&bytes[at..]);
    let err = verify(&twice[..]).expect_err("a second copy");
    assert!(
        err.to_string()
            .contains("unexpected bytes after the last data block"),
        "{err}"
    );

    let short = &bytes[..bytes.len() - 3];
    let err = verify(short).expect_err("a copy cut short");
    assert!(matches!(err.kind(), ErrorKind::Truncated { .. }), "{err}");

    // The copy's first entry gets another dump id (its Int after the count:
    // sign byte, then four little-endian bytes).
    let mut other = bytes.to_vec();
    let first_id = at + 5 + 1;
    other[first_id] = other[first_id].wrapping_add(100);
    let err = verify(&other[..]).expect_err("a copy naming another entry");
    assert!(
        err.to_string()
            .contains("the TOC's copy after the last data block"),
        "{err}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig {
        // PROPTEST_CASES sets another count (CI: scripts/test.sh).
        cases: cases(1000),
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
