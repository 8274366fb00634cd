//! TOC order parity with real pg_dump: pgark's archive lists its entries
//! (desc, namespace, tag) in the same sequence as `pg_dump -Fc`, which
//! sorts by `DOTypeNameCompare` (type priority, schema, the object's own
//! name, then type-specific tie-breakers) before its topological sort.

use std::path::Path;

use archive_format::ArchiveReader;
use pgark_testkit::{pg, PgVersion};

use crate::backup::backup;
use crate::common::{fixture_db, read, real_dump};
use crate::toc_parity::EntryName;

/// Fixtures whose TOC order matches pg_dump's on every version 15–18.
const FIXTURES: &[&str] = &[
    "schema_basics.sql",
    "schema_more.sql",
    "schema_extra.sql",
    "fidelity_loops.sql",
    "fidelity_loops_order.sql",
    "fidelity_kinds.sql",
    "fidelity_tables_columns.sql",
    "fidelity_tables_identity_persistence.sql",
    "fidelity_tables_indexes.sql",
    "fidelity_tables_partition_triggers.sql",
    "fidelity_tables_public.sql",
    "fidelity_tables_sequences.sql",
    "fidelity_tables_typed.sql",
    "fidelity_tables_view_defaults.sql",
    "fidelity_regress.sql",
    "privileges.sql",
    "fidelity_order.sql",
    "archive_basics.sql",
    "fidelity_rows_enum.sql",
    "fidelity_tables_public_uncommented.sql",
    "fidelity_tables_tablespaces.sql",
];

// Left out, not yet in pg_dump's order:
// - fidelity_rows.sql: pg_dump writes SEQUENCE OWNED BY right after its
//   SEQUENCE (dumpSequence emits both); pgark sorts it as an object of its
//   own, after a table whose name sorts between them (rows_m1).
// - fidelity_kinds_16.sql / _17.sql load on top of fidelity_kinds.sql
//   (tests/fidelity_kinds.rs's db helper), not on their own.

/// Fixtures with syntax of a later version: each from that version on.
const FROM_VERSION: &[(&str, PgVersion)] = &[
    ("fidelity_rows_17.sql", PgVersion::V17),
    ("fidelity_rows_18.sql", PgVersion::V18),
];

/// The archive's entries in TOC order.
fn toc_sequence(path: &Path) -> Vec<EntryName> {
    let bytes = read(path);
    let toc = ArchiveReader::new(&bytes[..])
        .read_toc()
        .expect("TOC reads");
    let text = |b: &Option<Vec<u8>>| {
        String::from_utf8_lossy(b.as_deref().unwrap_or_default()).into_owned()
    };
    toc.entries
        .iter()
        .map(|s| {
            (
                s.entry.desc.clone(),
                text(&s.entry.namespace),
                String::from_utf8_lossy(&s.entry.tag).into_owned(),
            )
        })
        .collect()
}

/// The first place two sequences differ, with a few entries of context.
fn first_difference(ours: &[EntryName], theirs: &[EntryName]) -> Option<String> {
    let at = ours
        .iter()
        .zip(theirs)
        .position(|(a, b)| a != b)
        .or_else(|| (ours.len() != theirs.len()).then(|| ours.len().min(theirs.len())))?;
    let window = |s: &[EntryName]| {
        s.iter()
            .skip(at.saturating_sub(2))
            .take(
                std::env::var("ORDER_WINDOW")
                    .ok()
                    .and_then(|w| w.parse().ok())
                    .unwrap_or(6),
            )
            .map(|e| format!("    {e:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    Some(format!(
        "first difference at entry {at}\n  pgark:\n{}\n  pg_dump:\n{}",
        window(ours),
        window(theirs)
    ))
}

/// The differences of `fixture`'s TOC order from pg_dump's on `version`.
fn order_difference(version: PgVersion, fixture: &str) -> Option<String> {
    let db = fixture_db(pg(version), fixture);
    let dir = tempfile::tempdir().expect("temp dir");
    let ours = toc_sequence(&backup(&db, dir.path(), &[]));
    let theirs = toc_sequence(&real_dump(&db, dir.path(), &["--no-owner", "--no-acl"]));
    first_difference(&ours, &theirs).map(|d| format!("{fixture} on {version}: {d}"))
}

fn check(version: PgVersion) {
    let later = FROM_VERSION
        .iter()
        .filter(|(_, from)| version >= *from)
        .map(|(f, _)| f);
    let failures: Vec<String> = FIXTURES
        .iter()
        .chain(later)
        .filter_map(|f| order_difference(version, f))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn toc_order_15() {
    check(PgVersion::V15);
}

#[test]
fn toc_order_16() {
    check(PgVersion::V16);
}

#[test]
fn toc_order_17() {
    check(PgVersion::V17);
}

#[test]
fn toc_order_18() {
    check(PgVersion::V18);
}
