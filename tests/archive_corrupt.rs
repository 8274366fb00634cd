//! Damaged real archives: the reader fails with the entry, dump id and
//! offset, where `pg_restore --list` (which reads only the TOC) still
//! accepts a truncated archive and one with a flipped byte in its data.

use std::fs;
use std::path::Path;

use archive_format::{verify, ErrorKind, VerifyReport};
use pgark_testkit::{pg, pg_restore_list, PgVersion};

use crate::common::{fixture_db, read, real_dump};

/// A pg_dump 16 gzip archive of the basics fixture, and the offset of the
/// first chunk payload of `public.wide`'s data block.
fn archive(dir: &Path) -> (Vec<u8>, usize) {
    let db = fixture_db(pg(PgVersion::V16), "archive_basics.sql");
    let bytes = read(&real_dump(&db, dir, &[]));
    let report: VerifyReport = verify(&bytes[..]).expect("the intact archive verifies");
    let wide = report
        .entries
        .iter()
        .find(|e| e.stored.entry.desc == "TABLE DATA" && e.stored.entry.tag == b"wide")
        .and_then(|e| e.data)
        .expect("data of public.wide");
    assert!(
        wide.stored_bytes > 10_000,
        "the block is big enough to damage"
    );
    // type byte, Int dump id, Int chunk length.
    (bytes, wide.block_offset as usize + 1 + 5 + 5)
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let p = dir.join(name);
    fs::write(&p, bytes).expect("write");
    p
}

#[test]
fn damaged_archives_are_named_precisely() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (bytes, payload) = archive(dir.path());

    // Truncated inside the data block.
    let cut = &bytes[..payload + 1000];
    let err = verify(cut).expect_err("truncated archive");
    assert!(err.is_truncated(), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("TABLE DATA public.wide (dump id"), "{msg}");
    assert!(msg.contains(&format!("byte {}", payload + 1000)), "{msg}");
    let p = write(dir.path(), "truncated.dump", cut);
    pg_restore_list(PgVersion::V16, &p).expect("pg_restore --list misses the truncation");

    // A flipped byte inside the compressed data.
    let mut flipped = bytes.clone();
    flipped[payload + 500] ^= 0x55;
    let err = verify(&flipped[..]).expect_err("corrupt compressed data");
    assert!(matches!(err.kind(), ErrorKind::Decompress { .. }), "{err}");
    assert!(err.to_string().contains("TABLE DATA public.wide"), "{err}");
    let p = write(dir.path(), "flipped.dump", &flipped);
    pg_restore_list(PgVersion::V16, &p).expect("pg_restore --list misses the flipped byte");

    // A huge chunk length: no allocation of that size, a clear error.
    let mut huge = bytes.clone();
    huge[payload - 5..payload].copy_from_slice(&[0, 0xff, 0xff, 0xff, 0x7f]);
    let err = verify(&huge[..]).expect_err("huge chunk length");
    assert!(err.to_string().contains("public.wide"), "{err}");

    // A huge string length in the TOC (the first entry's tableoid string).
    let mut huge_str = bytes.clone();
    let toc_start = archive_format::Header::from_bytes(&bytes)
        .expect("header")
        .1;
    // Int count, then entry: Int dump id, Int hadDumper, then Str tableoid.
    let at = toc_start + 5 + 5 + 5;
    huge_str[at..at + 5].copy_from_slice(&[0, 0xff, 0xff, 0xff, 0x7f]);
    let err = verify(&huge_str[..]).expect_err("huge string length");
    assert!(matches!(err.kind(), ErrorKind::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("exceeds the 1 GiB limit"), "{err}");
    assert!(err.to_string().contains("TOC entry #1"), "{err}");

    // The 1.15 header stores the algorithm in byte 11: gzip blocks read as
    // lz4 or zstd are corrupt compressed data of the first data entry, and
    // an algorithm byte no pg_dump writes is named.
    assert_eq!(bytes[11], 1, "a gzip archive");
    for (byte, needle) in [
        (2u8, "not an LZ4 frame"),
        (3, "zstd: Unknown frame descriptor"),
    ] {
        let mut other = bytes.clone();
        other[11] = byte;
        let err = verify(&other[..]).expect_err("gzip data under another algorithm");
        assert!(matches!(err.kind(), ErrorKind::Decompress { .. }), "{err}");
        assert!(err.to_string().contains(needle), "{err}");
    }
    let mut unknown = bytes.clone();
    unknown[11] = 9;
    let err = verify(&unknown[..]).expect_err("unknown algorithm");
    assert_eq!(err.to_string(), "unsupported compression unknown (9)");

    // Trailing garbage after the last block.
    let mut trailing = bytes.clone();
    trailing.extend_from_slice(b"garbage");
    let err = verify(&trailing[..]).expect_err("trailing bytes");
    assert!(
        err.to_string().contains("after the last data block"),
        "{err}"
    );
}
