//! `pgark backup`: the native schema dump, checked against real pg_dump and
//! pg_restore of every supported version.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use archive_format::ArchiveReader;
use pgark_testkit::{pg, PgVersion, TestDb};

use crate::common::{assert_restores, fixture_db, read, real_dump};

/// Runs `pgark backup --database-url URL --to TO EXTRA...`.
pub fn pgark_backup(url: &str, to: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("backup")
        .arg("--database-url")
        .arg(url)
        .arg("--to")
        .arg(to)
        .args(extra)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run pgark backup")
}

/// `pgark backup` of `db` into `dir`; panics with pgark's message on failure.
pub fn backup(db: &TestDb, dir: &Path, extra: &[&str]) -> PathBuf {
    let path = dir.join(format!("{}.pgark.dump", db.name));
    let out = pgark_backup(&db.url(), &path, extra);
    assert!(
        out.status.success(),
        "pgark backup of {} on {} failed: {}",
        db.name,
        db.server().version(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        path.to_str().expect("utf-8 path"),
        "pgark backup prints the archive's path"
    );
    path
}

/// Plain-format pg_dump of a database, with the lines that differ between
/// any two runs (pg_dump 17.6+/18's random `\restrict` keys) removed.
pub fn plain_dump(db: &TestDb) -> String {
    let out = pgark_testkit::pg_dump(db.server(), &db.name, &["--format=plain"])
        .unwrap_or_else(|e| panic!("pg_dump of {}: {e}", db.name));
    String::from_utf8(out)
        .expect("utf-8 dump")
        .lines()
        .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Compares two dumps and panics with the first differing lines.
fn assert_same_dump(what: &str, source: &str, copy: &str) {
    if source == copy {
        return;
    }
    let a: Vec<&str> = source.lines().collect();
    let b: Vec<&str> = copy.lines().collect();
    let first = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    let from = first.saturating_sub(5);
    panic!(
        "{what}: pg_dump of source and restored copy differ at line {}\n--- source\n{}\n--- copy\n{}",
        first + 1,
        a[from..(first + 15).min(a.len())].join("\n"),
        b[from..(first + 15).min(b.len())].join("\n"),
    );
}

/// The acceptance round trip: pgark backup → real pg_restore of the
/// same version into an empty database → pg_dump of source and copy agree.
fn round_trip(version: PgVersion, fixture: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), fixture);
    let archive = backup(&source, dir.path(), &[]);
    let copy = assert_restores(version, &archive, &[]);
    assert_same_dump(
        &format!("{fixture} on {version}"),
        &plain_dump(&source),
        &plain_dump(&copy),
    );
}

#[test]
fn round_trip_schema_basics_15() {
    round_trip(PgVersion::V15, "schema_basics.sql");
}

#[test]
fn round_trip_schema_basics_16() {
    round_trip(PgVersion::V16, "schema_basics.sql");
}

#[test]
fn round_trip_schema_basics_17() {
    round_trip(PgVersion::V17, "schema_basics.sql");
}

#[test]
fn round_trip_schema_basics_18() {
    round_trip(PgVersion::V18, "schema_basics.sql");
}

/// (desc, namespace, tag) of every TOC entry.
fn toc_set(path: &Path) -> BTreeSet<(String, String, String)> {
    let bytes = read(path);
    let toc = ArchiveReader::new(&bytes[..])
        .read_toc()
        .expect("TOC reads");
    toc.entries
        .iter()
        .map(|s| {
            let e = &s.entry;
            let text = |v: &Option<Vec<u8>>| {
                v.as_deref()
                    .map(|b| String::from_utf8_lossy(b).into_owned())
                    .unwrap_or_default()
            };
            (
                e.desc.clone(),
                text(&e.namespace),
                String::from_utf8_lossy(&e.tag).into_owned(),
            )
        })
        .collect()
}

/// TOC parity with real `pg_dump -Fc --no-owner --no-acl` of the same
/// database: the same (desc, namespace, tag) entries.
fn toc_parity(version: PgVersion, fixture: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fixture_db(pg(version), fixture);
    let ours = toc_set(&backup(&db, dir.path(), &[]));
    let theirs = toc_set(&real_dump(&db, dir.path(), &["--no-owner", "--no-acl"]));
    let missing: Vec<_> = theirs.difference(&ours).collect();
    let extra: Vec<_> = ours.difference(&theirs).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{fixture} on {version}: TOC differs from pg_dump's\nonly in pg_dump's: {missing:#?}\nonly in pgark's: {extra:#?}"
    );
}

#[test]
fn toc_parity_schema_basics() {
    for v in PgVersion::all() {
        toc_parity(v, "schema_basics.sql");
    }
}
