//! Large tables read in block ranges by several connections at once
//! (`--split-threshold`): the archive restores to the same rows as an
//! unsplit one, and what cannot be split is read by one COPY. Whether a
//! table was split is read from the server's log of the COPY statements.

use std::path::{Path, PathBuf};

use pgark_testkit::{pg, PgVersion, TestDb};

use crate::backup::pgark_backup;
use crate::common::{assert_restores, query, read};

/// Turns on the logging of every statement in `db` (new sessions).
pub fn log_statements(db: &TestDb) {
    query(
        db,
        &format!("ALTER DATABASE \"{}\" SET log_statement = 'all'", db.name),
    );
}

/// The server log's length now, to read what comes after it.
pub fn log_mark(db: &TestDb) -> usize {
    read(&db.server().dir().join("server.log")).len()
}

/// The server log since `mark`.
pub fn log_since(db: &TestDb, mark: usize) -> String {
    let log = read(&db.server().dir().join("server.log"));
    String::from_utf8_lossy(&log[mark.min(log.len())..]).into_owned()
}

/// The distinct block-range COPY statements of `relation` in `log`.
pub fn range_copies(log: &str, relation: &str) -> Vec<String> {
    let needle = format!(" FROM ONLY {relation} WHERE ctid");
    let mut found: Vec<String> = log
        .lines()
        .filter(|l| l.contains(&needle) && l.contains("COPY (SELECT"))
        .map(|l| l[l.find("COPY (SELECT").unwrap_or(0)..].to_owned())
        .collect();
    found.sort();
    found.dedup();
    found
}

/// `pgark backup` of `db` to `path` with `extra`; returns its stderr (the
/// phase lines) and the server log written meanwhile.
fn backup_logged(db: &TestDb, path: &Path, extra: &[&str]) -> (String, String) {
    let mark = log_mark(db);
    let out = pgark_backup(&db.url(), path, extra);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "pgark backup failed: {stderr}");
    (stderr, log_since(db, mark))
}

/// Checksums of every table's rows, ordered by key (the hash partitions'
/// rows move: an enum's hash is its OID's, new in the restored database).
fn checksums(db: &TestDb) -> String {
    query(
        db,
        "SELECT 'split_big', count(*), md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM ONLY split_big t \
         UNION ALL SELECT 'split_child', count(*), md5(string_agg(t::text, E'\\n' ORDER BY t.id)) FROM split_child t \
         UNION ALL SELECT 'split_ep', count(*), md5(string_agg(t::text, E'\\n' ORDER BY t.n)) FROM split_ep t \
         ORDER BY 1",
    )
}

/// The source: a table with a generated column, a dropped column, NULLs,
/// tabs, newlines and backslashes, deleted and updated rows, and an
/// inheritance child (whose rows `COPY split_big` does not read); and a
/// table hash-partitioned on an enum, whose partitions load via the
/// partition root.
fn split_source(version: PgVersion) -> TestDb {
    let db = pg(version).create_database("split");
    query(
        &db,
        "CREATE TABLE split_big (id integer PRIMARY KEY, gone text, body text, amount numeric, \
           doubled integer GENERATED ALWAYS AS (id * 2) STORED, doc jsonb); \
         INSERT INTO split_big (id, gone, body, amount, doc) \
           SELECT g, 'x', CASE WHEN g % 11 = 0 THEN NULL ELSE 'row ' || g || E'\\ttab\\nline\\\\back ' || md5(g::text) END, \
             g / 7.0, jsonb_build_object('g', g, 's', md5(g::text)) FROM generate_series(1, 30000) g; \
         ALTER TABLE split_big DROP COLUMN gone; \
         DELETE FROM split_big WHERE id % 13 = 0; \
         UPDATE split_big SET amount = -amount WHERE id % 17 = 0; \
         CREATE TABLE split_child (extra text) INHERITS (split_big); \
         INSERT INTO split_child (id, body, extra) SELECT g, 'child', 'c' FROM generate_series(100001, 103000) g; \
         CREATE TYPE split_color AS ENUM ('red', 'green', 'blue'); \
         CREATE TABLE split_ep (c split_color, n integer, pad text) PARTITION BY HASH (c); \
         CREATE TABLE split_ep_a PARTITION OF split_ep FOR VALUES WITH (MODULUS 2, REMAINDER 0); \
         CREATE TABLE split_ep_b PARTITION OF split_ep FOR VALUES WITH (MODULUS 2, REMAINDER 1); \
         INSERT INTO split_ep SELECT (ARRAY['red','green','blue'])[1 + g % 3]::split_color, g, md5(g::text) \
           FROM generate_series(1, 20000) g;",
    );
    db
}

/// The manifest's per-table rows and bytes.
fn manifest_tables(archive: &Path) -> serde_json::Value {
    let mut path = archive.as_os_str().to_owned();
    path.push(".manifest.json");
    let manifest: serde_json::Value =
        serde_json::from_slice(&read(&PathBuf::from(path))).expect("manifest JSON");
    manifest["tables"].clone()
}

/// A split archive and an unsplit one of the same database restore (real
/// pg_restore of the source's version, and pgark restore) to the source's
/// rows, and their manifests count the same rows and bytes per table.
fn split_restores_as_unsplit(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = split_source(version);
    log_statements(&source);
    let expected = checksums(&source);

    let split = dir.path().join("split.dump");
    let (stderr, log) = backup_logged(&source, &split, &["--jobs", "4", "--split-threshold", "0"]);
    let big = range_copies(&log, "public.split_big");
    assert!(
        big.len() >= 4,
        "split_big read in {} ranges on {version}: {big:#?}\n{stderr}",
        big.len()
    );
    assert!(
        big.iter()
            .any(|s| s.contains("ctid >= ") && !s.contains("ctid < ")),
        "the last range is open-ended: {big:#?}"
    );
    assert!(
        big[0].contains("SELECT id, body, amount, doc FROM ONLY public.split_big"),
        "the unsplit column list (no generated or dropped column): {}",
        big[0]
    );
    // Which partition the enum's values hash into depends on their OIDs,
    // which differ from server to server: one of the two holds at least
    // two of the three values, and that one is split.
    let (a, b) = (
        range_copies(&log, "public.split_ep_a").len(),
        range_copies(&log, "public.split_ep_b").len(),
    );
    assert!(
        a.max(b) >= 2,
        "a partition split too ({a}, {b} ranges): {log}"
    );
    assert!(!log.contains("COPY public.split_big "), "{log}");

    let whole = dir.path().join("whole.dump");
    let (_, log) = backup_logged(
        &source,
        &whole,
        &["--jobs", "4", "--split-threshold", "off"],
    );
    // The log is the server's: other tests' statements are in it too.
    assert!(
        !log.contains("public.split_big WHERE ctid")
            && !log.contains("public.split_ep_a WHERE ctid")
            && !log.contains("public.split_ep_b WHERE ctid"),
        "nothing split with off: {log}"
    );
    assert!(log.contains("COPY public.split_big "), "{log}");

    assert_eq!(manifest_tables(&split), manifest_tables(&whole));
    for archive in [&split, &whole] {
        let restored = assert_restores(version, archive, &["--no-owner"]);
        assert_eq!(checksums(&restored), expected, "pg_restore of {archive:?}");
    }
    let native = pg(version).create_database("split_native");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("restore")
        .arg(&split)
        .arg("--dbname")
        .arg(native.url())
        .args(["--no-owner", "--exit-on-error"])
        .output()
        .expect("run pgark restore");
    assert!(
        out.status.success(),
        "pgark restore: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        checksums(&native),
        expected,
        "pgark restore of the split archive"
    );
}

#[test]
fn split_table_restores_as_unsplit_15() {
    split_restores_as_unsplit(PgVersion::V15);
}

#[test]
fn split_table_restores_as_unsplit_16() {
    split_restores_as_unsplit(PgVersion::V16);
}

#[test]
fn split_table_restores_as_unsplit_18() {
    split_restores_as_unsplit(PgVersion::V18);
}

/// A table whose range query is not planned as a TID range scan (here:
/// enable_tidscan off for the database, as on a server whose planner
/// chooses otherwise) is read by one COPY, and so is a table under the
/// threshold; with TID scans back on the same table is split, so the
/// first check is not vacuous.
#[test]
fn without_a_tid_range_scan_one_copy() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = pg(version).create_database("whole");
    query(
        &db,
        "CREATE TABLE whole_big (id integer PRIMARY KEY, body text); \
         INSERT INTO whole_big SELECT g, md5(g::text) FROM generate_series(1, 20000) g; \
         ANALYZE;",
    );
    log_statements(&db);
    let expected = query(
        &db,
        "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY id)) FROM whole_big t",
    );

    query(
        &db,
        &format!("ALTER DATABASE \"{}\" SET enable_tidscan = off", db.name),
    );
    let archive = dir.path().join("notid.dump");
    let (stderr, log) = backup_logged(&db, &archive, &["--jobs", "4", "--split-threshold", "0"]);
    assert_eq!(range_copies(&log, "public.whole_big"), Vec::<String>::new());
    assert!(
        log.contains("EXPLAIN (COSTS OFF) SELECT id, body FROM ONLY public.whole_big WHERE ctid"),
        "the range query was planned: {log}"
    );
    assert!(
        log.contains("COPY public.whole_big (id, body) TO stdout"),
        "{log}"
    );
    assert!(
        stderr.contains("public.whole_big")
            && stderr.contains("read by one COPY: the block range query is not a TID range scan"),
        "{stderr}"
    );
    let restored = assert_restores(version, &archive, &["--no-owner"]);
    assert_eq!(
        query(
            &restored,
            "SELECT count(*), md5(string_agg(t::text, ',' ORDER BY id)) FROM whole_big t"
        ),
        expected
    );

    // Under the threshold: one COPY.
    query(
        &db,
        &format!("ALTER DATABASE \"{}\" RESET enable_tidscan", db.name),
    );
    let (_, log) = backup_logged(
        &db,
        &dir.path().join("under.dump"),
        &["--jobs", "4", "--split-threshold", "1GB"],
    );
    assert!(
        !log.contains("public.whole_big WHERE ctid"),
        "nothing over 1GB: {log}"
    );

    // TID range scans on: the table is split.
    let (_, log) = backup_logged(
        &db,
        &dir.path().join("tid.dump"),
        &["--jobs", "4", "--split-threshold", "0"],
    );
    assert!(
        range_copies(&log, "public.whole_big").len() >= 4,
        "split with TID range scans: {log}"
    );
}
