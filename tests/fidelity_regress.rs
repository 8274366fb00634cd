//! What PostgreSQL's regression database (the one pg_upgrade's tests dump)
//! found beyond pg_dump's TAP corpus (helper `regress`): foreign keys
//! referencing partitioned tables depend on every partition index attach;
//! operators name their functions as pg_dump does.

use std::collections::BTreeMap;
use std::path::Path;

use archive_format::ArchiveReader;
use pgark_testkit::{pg, PgVersion};

use crate::backup::{backup, round_trip, toc_parity};
use crate::common::{fixture_db, read, real_dump};

const FIXTURE: &str = "fidelity_regress.sql";

/// The definition of every entry of one kind, by tag.
fn definitions(path: &Path, desc: &str) -> BTreeMap<String, String> {
    let bytes = read(path);
    let toc = ArchiveReader::new(&bytes[..])
        .read_toc()
        .expect("TOC reads");
    toc.entries
        .iter()
        .filter(|s| s.entry.desc == desc)
        .map(|s| {
            let tag = String::from_utf8_lossy(&s.entry.tag).into_owned();
            let defn = s.entry.defn.as_deref().unwrap_or_default();
            (tag, String::from_utf8_lossy(defn).into_owned())
        })
        .collect()
}

/// CREATE OPERATOR reads as pg_dump writes it (FUNCTION = unnest, not
/// regproc's pg_catalog.unnest).
fn operator_text(version: PgVersion) {
    let db = fixture_db(pg(version), FIXTURE);
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = definitions(&backup(&db, dir.path(), &[]), "OPERATOR");
    let theirs = definitions(&real_dump(&db, dir.path(), &[]), "OPERATOR");
    assert_eq!(theirs.len(), 2, "{theirs:?}");
    assert_eq!(ours, theirs, "{FIXTURE} on {version}: OPERATOR text");
}

fn check(version: PgVersion) {
    round_trip(version, FIXTURE);
    toc_parity(version, FIXTURE);
    operator_text(version);
}

#[test]
fn regress_15() {
    check(PgVersion::V15);
}

#[test]
fn regress_16() {
    check(PgVersion::V16);
}

#[test]
fn regress_17() {
    check(PgVersion::V17);
}

#[test]
fn regress_18() {
    check(PgVersion::V18);
}
