//! Rows and constraints the archive used to lose: hash partitions keyed on
//! an enum (loaded through the root), NOT VALID domain checks, foreign keys
//! on partitioned tables, partitions' inherited defaults, inherited
//! generation expressions (15), named domain not-nulls (17+) and
//! PostgreSQL 18's not-null constraints (NOT VALID, NO INHERIT, names and
//! comments through inheritance).

use pgark_testkit::{pg, PgVersion};

use crate::backup::{assert_same_dump, backup, plain_dump, toc_parity};
use crate::common::{assert_restores, fixture_db, query, row_counts};

/// pgark backup → real pg_restore → the same rows in every table and the
/// same pg_dump of source and copy.
fn round_trip_rows(version: PgVersion, fixture: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), fixture);
    let archive = backup(&source, dir.path(), &[]);
    let copy = assert_restores(version, &archive, &[]);
    assert_eq!(
        row_counts(&source),
        row_counts(&copy),
        "{fixture} on {version}: row counts"
    );
    assert_same_dump(
        &format!("{fixture} on {version}"),
        &plain_dump(&source),
        &plain_dump(&copy),
    );
}

/// Hash partitions on an enum restore with every row: loaded through the
/// root, they land in whichever partition their new enum OIDs hash to (as
/// with pg_dump's archive), so the rows are compared through the root.
fn enum_hash_partitions(version: PgVersion) {
    let fixture = "fidelity_rows_enum.sql";
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), fixture);
    let archive = backup(&source, dir.path(), &[]);
    let copy = assert_restores(version, &archive, &[]);
    let rows = "SELECT c, n FROM rows_ep ORDER BY c, n";
    let before = query(&source, rows);
    assert_eq!(before.lines().count(), 60, "{before}");
    assert_eq!(before, query(&copy, rows), "{fixture} on {version}: rows");
    toc_parity(version, fixture);
}

#[test]
fn rows_enum_hash_partitions_15() {
    enum_hash_partitions(PgVersion::V15);
}

#[test]
fn rows_enum_hash_partitions_16() {
    enum_hash_partitions(PgVersion::V16);
}

#[test]
fn rows_enum_hash_partitions_17() {
    enum_hash_partitions(PgVersion::V17);
}

#[test]
fn rows_enum_hash_partitions_18() {
    enum_hash_partitions(PgVersion::V18);
}

#[test]
fn rows_round_trip_15() {
    round_trip_rows(PgVersion::V15, "fidelity_rows.sql");
}

#[test]
fn rows_round_trip_16() {
    round_trip_rows(PgVersion::V16, "fidelity_rows.sql");
}

#[test]
fn rows_round_trip_17() {
    round_trip_rows(PgVersion::V17, "fidelity_rows.sql");
}

#[test]
fn rows_round_trip_18() {
    round_trip_rows(PgVersion::V18, "fidelity_rows.sql");
}

#[test]
fn rows_toc_parity_15() {
    toc_parity(PgVersion::V15, "fidelity_rows.sql");
}

#[test]
fn rows_toc_parity_16() {
    toc_parity(PgVersion::V16, "fidelity_rows.sql");
}

#[test]
fn rows_toc_parity_17() {
    toc_parity(PgVersion::V17, "fidelity_rows.sql");
}

#[test]
fn rows_toc_parity_18() {
    toc_parity(PgVersion::V18, "fidelity_rows.sql");
}

#[test]
fn rows_domain_not_null_round_trip_17() {
    round_trip_rows(PgVersion::V17, "fidelity_rows_17.sql");
}

#[test]
fn rows_domain_not_null_round_trip_18() {
    round_trip_rows(PgVersion::V18, "fidelity_rows_17.sql");
}

#[test]
fn rows_domain_not_null_toc_parity_17() {
    toc_parity(PgVersion::V17, "fidelity_rows_17.sql");
}

#[test]
fn rows_domain_not_null_toc_parity_18() {
    toc_parity(PgVersion::V18, "fidelity_rows_17.sql");
}

#[test]
fn rows_not_null_constraints_round_trip_18() {
    round_trip_rows(PgVersion::V18, "fidelity_rows_18.sql");
}

#[test]
fn rows_not_null_constraints_toc_parity_18() {
    toc_parity(PgVersion::V18, "fidelity_rows_18.sql");
}
