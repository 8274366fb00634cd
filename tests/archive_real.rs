//! Archives made by real pg_dump 15, 16 and 18: the reader parses each one,
//! the verifier's counts match the database, re-encoding reproduces the
//! file byte for byte, and `pgark list` prints what pg_restore --list prints.

use archive_format::{verify, ArchiveReader, ArchiveVersion, CompressionAlgorithm, DataOffset};
use pgark_testkit::{pg, PgVersion};

use crate::common::{fixture_db, pg_restore_listing, read, real_dump, reencode, row_counts};

fn expected_version(v: PgVersion) -> ArchiveVersion {
    match v {
        PgVersion::V15 => ArchiveVersion::V1_14,
        PgVersion::V16 => ArchiveVersion::V1_15,
        PgVersion::V17 | PgVersion::V18 => ArchiveVersion::V1_16,
    }
}

fn check_real_archives(version: PgVersion) {
    let server = pg(version);
    let db = fixture_db(server, "archive_basics.sql");
    let dir = tempfile::tempdir().expect("temp dir");
    let counts = row_counts(&db);
    for (flags, algorithm) in [
        (&["--compress=0"][..], CompressionAlgorithm::None),
        (&[][..], CompressionAlgorithm::Gzip),
    ] {
        let path = real_dump(&db, dir.path(), flags);
        let bytes = read(&path);

        // The reader parses it.
        let toc = ArchiveReader::new(&bytes[..])
            .read_toc()
            .expect("TOC of a real archive");
        assert_eq!(toc.header.version, expected_version(version));
        assert_eq!(toc.header.compression.algorithm(), algorithm);
        assert!(toc.entries.iter().any(|e| e.entry.desc == "TABLE DATA"));

        // Full verification: every block decompresses, and the row counts
        // are the database's.
        let report = verify(&bytes[..]).unwrap_or_else(|e| panic!("{version} {flags:?}: {e}"));
        assert_eq!(report.total_bytes, bytes.len() as u64);
        for (ns, rel, n) in &counts {
            let entry = report
                .entries
                .iter()
                .find(|e| {
                    e.stored.entry.desc == "TABLE DATA"
                        && e.stored.entry.tag_lossy() == *rel
                        && e.stored.entry.namespace_lossy().as_deref() == Some(ns.as_str())
                })
                .unwrap_or_else(|| panic!("no TABLE DATA for {ns}.{rel}"));
            let data = entry.data.expect("data block");
            assert_eq!(
                data.rows,
                Some(*n),
                "rows of {ns}.{rel} ({version}, {flags:?})"
            );
            // pg_dump wrote to a file, so every data offset is set.
            assert_eq!(entry.stored.offset, DataOffset::Set(data.block_offset));
        }
        assert_eq!(report.total_large_objects(), 3, "{version} {flags:?}");

        // Re-encoding the parsed TOC with the stored blocks passed through
        // gives back the same bytes.
        let again = reencode(&bytes);
        assert!(
            again == bytes,
            "{version} {flags:?}: re-encoded archive differs"
        );

        // pgark list prints what this version's pg_restore --list prints.
        for verbose in [false, true] {
            let mut ours = Vec::new();
            archive_format::listing::write(
                &mut ours,
                &toc,
                &archive_format::listing::Options { verbose },
            )
            .expect("listing");
            let ours = String::from_utf8(ours).expect("utf-8 listing");
            let theirs = pg_restore_listing(version, &path, verbose);
            assert_listing_eq(&ours, &theirs, version, verbose);
        }
    }
}

/// Compares listings line by line; the creation time's zone name depends on
/// the reading machine, so only the time itself is compared on that line.
pub(crate) fn assert_listing_eq(ours: &str, theirs: &str, version: PgVersion, verbose: bool) {
    let norm = |s: &str| -> Vec<String> {
        s.lines()
            .map(|l| match l.strip_prefix("; Archive created at ") {
                Some(t) => format!("; Archive created at {}", &t[..t.len().min(19)]),
                None => l.to_owned(),
            })
            .collect()
    };
    let (a, b) = (norm(ours), norm(theirs));
    for (i, (x, y)) in a.iter().zip(&b).enumerate() {
        assert_eq!(
            x,
            y,
            "line {} of the listing differs (pg {version}, verbose {verbose})",
            i + 1
        );
    }
    assert_eq!(a.len(), b.len(), "listing length differs (pg {version}, verbose {verbose})\nours:\n{ours}\ntheirs:\n{theirs}");
}

#[test]
fn pg_dump_15_archives() {
    check_real_archives(PgVersion::V15);
}

#[test]
fn pg_dump_16_archives() {
    check_real_archives(PgVersion::V16);
}

#[test]
fn pg_dump_18_archives() {
    check_real_archives(PgVersion::V18);
}
