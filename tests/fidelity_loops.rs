//! Dependency loops broken as pg_dump breaks them, and types dumped as
//! pg_dump dumps them (helper `loops`): views, materialized views and
//! BEGIN ATOMIC functions needing a primary key, base and shell types,
//! CHECK constraints on the table's row type, materialized view refresh
//! order, range type options.

use pgark_testkit::PgVersion;

use crate::backup::{round_trip, toc_parity};

const FIXTURES: [&str; 2] = ["fidelity_loops.sql", "fidelity_loops_order.sql"];

fn check(version: PgVersion) {
    for f in FIXTURES {
        round_trip(version, f);
        toc_parity(version, f);
    }
}

#[test]
fn loops_15() {
    check(PgVersion::V15);
}

#[test]
fn loops_16() {
    check(PgVersion::V16);
}

#[test]
fn loops_17() {
    check(PgVersion::V17);
}

#[test]
fn loops_18() {
    check(PgVersion::V18);
}
