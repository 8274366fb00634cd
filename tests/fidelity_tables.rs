//! Table, column, index, sequence, trigger and comment settings that
//! pg_dump keeps: each fixture round-trips through real pg_restore of every
//! version with the feature, and its TOC matches pg_dump's.

use pgark_testkit::PgVersion;

use crate::backup::{round_trip, toc_parity};

/// Round trip and TOC parity of `fixture` on `version`.
fn check(version: PgVersion, fixture: &str) {
    round_trip(version, fixture);
    toc_parity(version, fixture);
}

/// One test per version for a fixture every supported version can load.
macro_rules! every_version {
    ($($name:ident: $fixture:literal;)*) => {
        $(mod $name {
            use super::*;
            #[test]
            fn v15() { check(PgVersion::V15, $fixture) }
            #[test]
            fn v16() { check(PgVersion::V16, $fixture) }
            #[test]
            fn v17() { check(PgVersion::V17, $fixture) }
            #[test]
            fn v18() { check(PgVersion::V18, $fixture) }
        })*
    };
}

every_version! {
    // CREATE TABLE ... OF type, with the columns' defaults, NOT NULL and
    // the table's constraints.
    typed_tables: "fidelity_tables_typed.sql";
    // SET COMPRESSION, SET (n_distinct...), inherited columns' settings,
    // materialized view columns, toast.* reloptions.
    column_settings: "fidelity_tables_columns.sql";
    // Index column statistics targets, CLUSTER ON an index or key,
    // REPLICA IDENTITY USING INDEX, comments on a key constraint's index.
    index_settings: "fidelity_tables_indexes.sql";
    // A view's column defaults (separate DEFAULT entries).
    view_defaults: "fidelity_tables_view_defaults.sql";
    // A partition's trigger whose enabled state differs from the parent's.
    partition_triggers: "fidelity_tables_partition_triggers.sql";
}
