//! What PostgreSQL's regression database (the one pg_upgrade's tests dump)
//! found beyond pg_dump's TAP corpus (helper `regress`): foreign keys
//! referencing partitioned tables depend on every partition index attach.

use pgark_testkit::PgVersion;

use crate::backup::{round_trip, toc_parity};

const FIXTURES: [&str; 1] = ["fidelity_regress.sql"];

fn check(version: PgVersion) {
    for f in FIXTURES {
        round_trip(version, f);
        toc_parity(version, f);
    }
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
