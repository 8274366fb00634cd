//! Hostile input at pgark's level, under a cap on the memory the whole
//! process may hold (its own test binary, so that the cap sees only these
//! tests; the format crate's own decoder, listing, verify and block reader
//! are fuzzed in `archive-format/tests/hostile.rs`):
//!
//! * real pg_dump archives (15 to 18, every compression) mutated and
//!   checked by `pgark verify` (the file read, hashed, every block
//!   decompressed, the rows compared with a mutated manifest beside it)
//!   and listed as `pgark list` lists them;
//! * arbitrary S3 keys and manifests: the listing `pgark ls` and
//!   `pgark audit` build from them, the audit, and the plan `pgark prune`
//!   makes under an arbitrary retention policy.
//!
//! Every case must end in a result or an error: a panic fails it, an
//! allocation past the cap aborts the binary. `PROPTEST_CASES` sets the
//! number of cases (scripts/test.sh runs a bounded number).

use std::alloc::System;
use std::collections::HashMap;
use std::io::Write;

use cap::Cap;
use mutate::{apply, cases, mutation, REAL};
use pgark::archive::{listing, ArchiveReader};
use pgark::audit::{self, Cadence};
use pgark::manifest::SUFFIX;
use pgark::retention::Policy;
use pgark::sink::s3::S3ClientOptions;
use pgark::source::Source;
use proptest::prelude::*;

#[path = "../archive-format/tests/mutate/mod.rs"]
mod mutate;

/// The whole test process may hold at most this much at once: the
/// verify's runtime, its 256 KiB reads and the decompressors' buffers
/// stay far below it for these small archives; anything that trusted a
/// length from the input would ask for up to gigabytes and abort.
const ALLOCATION_BOUND: usize = 128 << 20;

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, ALLOCATION_BOUND);

/// A manifest for `archive`: what the backup of the test database
/// records (sizes and digest of `archive` itself).
fn manifest_json(archive: &str, size: usize, started_at: &str) -> String {
    serde_json::json!({
        "format": pgark::manifest::FORMAT,
        "pgark_version": "0.1.0",
        "archive": archive,
        "database": "hostile",
        "server_version": "15.19",
        "server_version_num": 150019,
        "archive_version": "1.16",
        "compression": "gzip:6",
        "started_at": started_at,
        "finished_at": started_at,
        "size": size,
        "sha256": "0".repeat(64),
        "tables": [
            {"schema": "s", "name": "t", "rows": 60, "bytes": 1007},
            {"schema": "s", "name": "awkward", "rows": 5, "bytes": 50}
        ],
        "large_objects": 2,
        "extensions": [],
        "snapshot": "00000003-00000002-1",
    })
    .to_string()
}

/// `pgark list` and `pgark verify` (with the manifest beside the file)
/// on `archive`; the verify's outcome.
fn list_and_verify(archive: &[u8], manifest: Option<&[u8]>) -> Result<bool, pgark::Error> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("x.dump");
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(archive))
        .expect("archive written");
    if let Some(m) = manifest {
        std::fs::write(dir.path().join(format!("x.dump{SUFFIX}")), m).expect("manifest written");
    }
    if let Ok(toc) = ArchiveReader::new(archive).read_toc() {
        for verbose in [false, true] {
            let _ = listing::write(&mut Vec::new(), &toc, &listing::Options { verbose });
        }
    }
    let (_, checked) =
        pgark::blocking::verify(&Source::File(path), None, &S3ClientOptions::default())?;
    Ok(checked.mismatches.is_empty())
}

/// The corpus is what it claims: each archive verifies against its own
/// manifest, and a manifest that counts one row more is a mismatch.
#[test]
fn the_real_archives_verify_against_their_manifests() {
    for (i, archive) in REAL.iter().enumerate() {
        let m = manifest_json("x.dump", archive.len(), "2026-12-01T04:00:00Z");
        let m = m.replace(&"0".repeat(64), &sha256_hex(archive));
        let ok = list_and_verify(archive, Some(m.as_bytes()));
        assert!(matches!(ok, Ok(true)), "archive {i}: {ok:?}");
        let wrong = m.replace("\"rows\":60", "\"rows\":61");
        assert_ne!(wrong, m);
        let ok = list_and_verify(archive, Some(wrong.as_bytes()));
        assert!(matches!(ok, Ok(false)), "archive {i}: {ok:?}");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A key as a writer might choose it: the runbook's shape
/// (`prefix/YYYY/MM/DD/name-YYYYMMDDTHHMMSSZ.dump`), with arbitrary text
/// (multi-byte characters included) where the parts go, or any text.
fn key() -> impl Strategy<Value = String> {
    let stamp = prop_oneof!["[0-9]{8}T[0-9]{6}Z", "[0-9é漢T Z-]{0,18}", "\\PC{0,18}",];
    let name = prop_oneof![
        "[a-z]{1,6}",
        "\\PC{0,8}",
        Just(String::new()),
        Just("run".to_owned())
    ];
    let suffix = prop_oneof![
        Just(".dump".to_owned()),
        Just(".dump.age".to_owned()),
        Just(format!(".dump{SUFFIX}")),
        Just(format!(".dump.age{SUFFIX}")),
        Just(".dump.extra".to_owned()),
        Just(".json".to_owned()),
        "\\PC{0,6}",
    ];
    prop_oneof![
        4 => ("[a-z/]{0,12}", name, stamp, suffix)
            .prop_map(|(prefix, name, stamp, suffix)| format!("{prefix}{name}-{stamp}{suffix}")),
        1 => "\\PC{0,40}",
    ]
}

/// A manifest body: one that parses (its `archive` and time arbitrary),
/// or arbitrary bytes, or a read that failed.
fn manifest_body() -> impl Strategy<Value = Result<Vec<u8>, String>> {
    prop_oneof![
        ("\\PC{0,30}", "\\PC{0,25}", 0usize..5000)
            .prop_map(|(archive, at, size)| Ok(manifest_json(&archive, size, &at).into_bytes())),
        ("[a-z/]{0,12}", 0usize..5000).prop_map(|(key, size)| Ok(manifest_json(
            &format!("s3://bkt/{key}.dump"),
            size,
            "2026-11-30T02:00:00Z"
        )
        .into_bytes())),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Ok),
        "\\PC{0,20}".prop_map(Err),
    ]
}

fn policy() -> impl Strategy<Value = Policy> {
    let n = prop_oneof![Just(0u32), 1u32..5, Just(u32::MAX)];
    (n.clone(), n.clone(), n.clone(), n.clone(), n).prop_map(
        |(last, daily, weekly, monthly, yearly)| Policy {
            last,
            daily,
            weekly,
            monthly,
            yearly,
        },
    )
}

fn cadence() -> impl Strategy<Value = Cadence> {
    let secs = prop_oneof![Just(0i64), 1i64..10_000_000, Just(i64::MAX), Just(i64::MIN)];
    (secs.clone(), secs.clone(), secs).prop_map(|(every, grace, now)| Cadence { every, grace, now })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(300),
        max_shrink_time: 10_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_real_archives_list_and_verify_cleanly(
        which in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..5),
        manifest_mutations in prop::collection::vec(mutation(), 0..3),
        cut in prop::option::of(any::<prop::sample::Index>()),
    ) {
        let original = REAL[which.index(REAL.len())];
        let mut bytes = original.to_vec();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        if let Some(cut) = cut {
            bytes.truncate(cut.index(bytes.len() + 1));
        }
        let mut manifest = manifest_json("x.dump", original.len(), "2026-12-01T04:00:00Z")
            .into_bytes();
        for m in &manifest_mutations {
            apply(&mut manifest, m);
        }
        let _ = list_and_verify(&bytes, Some(&manifest));
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(500),
        max_shrink_time: 10_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn arbitrary_keys_list_audit_and_prune_cleanly(
        objects in prop::collection::vec((key(), any::<u64>()), 0..24),
        bodies in prop::collection::vec(manifest_body(), 24),
        cadence in cadence(),
        policy in policy(),
    ) {
        // S3 keys are unique: the first of each.
        let mut seen = std::collections::HashSet::new();
        let objects: Vec<(String, u64)> =
            objects.into_iter().filter(|(k, _)| seen.insert(k.clone())).collect();
        // Every object `list` would read (manifests, run records) gets a
        // body, in the order asked for.
        let manifests: HashMap<String, Result<Vec<u8>, String>> = audit::objects_to_read(&objects)
            .into_iter()
            .zip(bodies.into_iter().cycle())
            .collect();
        let listing = audit::listing_of(&objects, &manifests);
        let archives = objects
            .iter()
            .filter(|(k, _)| !k.ends_with(SUFFIX) && (k.ends_with(".dump") || k.ends_with(".dump.age")))
            .map(|(k, _)| k)
            .collect::<std::collections::HashSet<_>>()
            .len();
        prop_assert_eq!(listing.backups.len(), archives);
        let report = audit::check(&listing, cadence);
        let _ = audit::databases(&listing);
        let _ = report.ok();
        for b in &listing.backups {
            let _ = b.invalid();
            let _ = pgark::prune::series_of(&b.key);
        }
        let times: Vec<i64> = listing.backups.iter().filter_map(|b| b.taken_at).collect();
        let _ = pgark::retention::keep(&policy, &times);
        let _ = pgark::retention::coverage(&policy, &times);
        if let Ok(plan) = pgark::prune::plan(&listing, &policy) {
            let _ = pgark::prune::refusal(&plan);
        }
    }
}
