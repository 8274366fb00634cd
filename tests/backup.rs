//! `pgark backup`: the native schema dump, checked against real pg_dump and
//! pg_restore of every supported version.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use archive_format::ArchiveReader;
use pgark_testkit::{pg, PgVersion, TestDb};

use crate::common::{assert_restores, fixture_db, query, read, row_counts};
use crate::toc_parity::toc_map;
pub use crate::toc_parity::{toc_parity, toc_parity_of};

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
pub fn assert_same_dump(what: &str, source: &str, copy: &str) {
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
pub fn round_trip(version: PgVersion, fixture: &str) {
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

/// The runbook's database: PostGIS with topology, the tiger geocoder and a
/// user row in spatial_ref_sys (extension configuration data).
#[test]
fn round_trip_postgis_15() {
    round_trip(PgVersion::V15, "postgis_app.sql");
}

#[test]
fn toc_parity_postgis_15() {
    toc_parity(PgVersion::V15, "postgis_app.sql");
}

/// The same on 16 with PostGIS 3.5.2, as production runs it (built by setup
/// from Debian's source package against 16.15).
#[test]
fn round_trip_postgis_16() {
    round_trip(PgVersion::V16, "postgis_app.sql");
}

#[test]
fn toc_parity_postgis_16() {
    toc_parity(PgVersion::V16, "postgis_app.sql");
}

#[test]
fn toc_parity_schema_basics() {
    for v in PgVersion::all() {
        toc_parity(v, "schema_basics.sql");
    }
}

#[test]
fn round_trip_schema_more_15() {
    round_trip(PgVersion::V15, "schema_more.sql");
}

#[test]
fn round_trip_schema_more_16() {
    round_trip(PgVersion::V16, "schema_more.sql");
}

#[test]
fn round_trip_schema_more_17() {
    round_trip(PgVersion::V17, "schema_more.sql");
}

#[test]
fn round_trip_schema_more_18() {
    round_trip(PgVersion::V18, "schema_more.sql");
}

#[test]
fn toc_parity_schema_more() {
    for v in PgVersion::all() {
        toc_parity(v, "schema_more.sql");
    }
}

#[test]
fn round_trip_schema_extra_15() {
    round_trip(PgVersion::V15, "schema_extra.sql");
}

#[test]
fn round_trip_schema_extra_16() {
    round_trip(PgVersion::V16, "schema_extra.sql");
}

#[test]
fn round_trip_schema_extra_17() {
    round_trip(PgVersion::V17, "schema_extra.sql");
}

#[test]
fn round_trip_schema_extra_18() {
    round_trip(PgVersion::V18, "schema_extra.sql");
}

#[test]
fn toc_parity_schema_extra() {
    for v in PgVersion::all() {
        toc_parity(v, "schema_extra.sql");
    }
}

#[test]
fn round_trip_awkward_data_15() {
    round_trip(PgVersion::V15, "awkward_data.sql");
}

#[test]
fn round_trip_awkward_data_16() {
    round_trip(PgVersion::V16, "awkward_data.sql");
}

#[test]
fn round_trip_awkward_data_17() {
    round_trip(PgVersion::V17, "awkward_data.sql");
}

#[test]
fn round_trip_awkward_data_18() {
    round_trip(PgVersion::V18, "awkward_data.sql");
}

#[test]
fn toc_parity_awkward_data() {
    for v in PgVersion::all() {
        toc_parity(v, "awkward_data.sql");
    }
}

/// PostgreSQL 16 has pgvector (built by setup): an embeddings table with HNSW
/// and IVFFlat indexes round-trips.
#[test]
fn round_trip_and_toc_parity_vector_16() {
    round_trip(PgVersion::V16, "vector_app.sql");
    toc_parity(PgVersion::V16, "vector_app.sql");
}

/// `--acl`: owners and privileges (object, column, default privileges,
/// grants by a non-owner, an owner revoking its own rights) restored by
/// pg_restore without --no-owner/--no-acl are the source's, and the ACL
/// entries are pg_dump's.
fn privileges_round_trip(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "privileges.sql");
    let archive = backup(&source, dir.path(), &["--acl"]);
    let copy = pg(version).create_database("restored");
    let out = copy
        .server()
        .command("pg_restore")
        .args(["--exit-on-error", "-d", &copy.name])
        .arg(&archive)
        .output()
        .expect("pg_restore runs");
    assert!(
        out.status.success(),
        "pg_restore {version} with owners and ACLs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (a, b) = (plain_dump(&source), plain_dump(&copy));
    assert!(a.contains("GRANT SELECT(id) ON TABLE app.items TO \"Pgark Writer\";"));
    assert!(a.contains("ALTER TABLE app.items OWNER TO pgark_owner;"));
    assert_same_dump(&format!("privileges on {version}"), &a, &b);
    toc_parity_of(&source, &["--acl"], &[]);
    // Without --acl there are no ACL entries at all.
    let plain = backup(&source, dir.path(), &[]);
    let listing = pgark_testkit::pg_restore_list(version, &plain).expect("lists");
    assert!(!listing.contains(" ACL "), "{listing}");
}

#[test]
fn privileges_round_trip_15() {
    privileges_round_trip(PgVersion::V15);
}

#[test]
fn privileges_round_trip_16() {
    privileges_round_trip(PgVersion::V16);
}

#[test]
fn privileges_round_trip_17() {
    privileges_round_trip(PgVersion::V17);
}

#[test]
fn privileges_round_trip_18() {
    privileges_round_trip(PgVersion::V18);
}

/// `pg_restore --clean --if-exists` over a database that already holds the
/// data, and `pg_restore -j 4` into an empty one, both work on our archive.
#[test]
fn clean_restore_over_existing_and_parallel_restore() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_basics.sql");
    let archive = backup(&source, dir.path(), &[]);
    let expected = plain_dump(&source);

    let copy = assert_restores(version, &archive, &[]);
    if let Err(e) = pgark_testkit::pg_restore(&copy, &archive, &["--clean", "--if-exists"]) {
        panic!("pg_restore --clean --if-exists over the restored copy: {e}");
    }
    assert_same_dump("after --clean --if-exists", &expected, &plain_dump(&copy));
    assert_eq!(row_counts(&source), row_counts(&copy));

    let parallel = assert_restores(version, &archive, &["-j", "4"]);
    assert_same_dump("after -j 4", &expected, &plain_dump(&parallel));
}

/// `--format-version auto` writes what the source's own pg_restore reads.
#[test]
fn format_version_auto_follows_the_source() {
    let dir = tempfile::tempdir().expect("temp dir");
    for (version, expected) in [
        (PgVersion::V15, "1.14"),
        (PgVersion::V16, "1.15"),
        (PgVersion::V17, "1.16"),
        (PgVersion::V18, "1.16"),
    ] {
        let db = fixture_db(pg(version), "archive_basics.sql");
        let path = backup(&db, dir.path(), &[]);
        let toc = ArchiveReader::new(&read(&path)[..])
            .read_toc()
            .expect("TOC");
        assert_eq!(toc.header.version.to_string(), expected, "source {version}");
    }
    // An explicit older version works too: PG16's data as 1.14 for pg_restore 15.
    let db = fixture_db(pg(PgVersion::V16), "archive_basics.sql");
    let path = backup(&db, dir.path(), &["--format-version", "1.14"]);
    let copy = assert_restores(PgVersion::V15, &path, &[]);
    assert_eq!(row_counts(&db), row_counts(&copy));
}

/// The error lines of a run's stderr (the others are one line per phase):
/// a failure must be exactly one, `pgark: error: ...`.
pub fn error_lines(stderr: &str) -> usize {
    stderr
        .lines()
        .filter(|l| l.starts_with("pgark: error"))
        .count()
}

/// What a failed backup must look like: the documented exit code, one line
/// naming the problem, no secret in it, and nothing under the target name.
fn assert_fails_cleanly(what: &str, url: &str, code: i32, needle: &str, secret: Option<&str>) {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("out.dump");
    let out = pgark_backup(url, &target, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
    assert_eq!(error_lines(&stderr), 1, "{what}: one error line: {stderr}");
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "{what}: message should name {needle:?}: {stderr}"
    );
    if let Some(secret) = secret {
        assert!(
            !stderr.contains(secret),
            "{what}: the password leaked: {stderr}"
        );
        assert!(!String::from_utf8_lossy(&out.stdout).contains(secret));
    }
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "{what}: files left behind: {left:?}");
}

#[test]
fn bad_input_fails_cleanly() {
    let server = pg(PgVersion::V16);
    let db = fixture_db(server, "archive_basics.sql");

    // Nothing listens on port 1.
    assert_fails_cleanly(
        "unreachable server",
        "postgresql://postgres:S3cretPass@127.0.0.1:1/postgres",
        3,
        "127.0.0.1:1",
        Some("S3cretPass"),
    );
    let wrong = format!(
        "postgresql://postgres:Wr0ngPassw0rd@127.0.0.1:{}/{}",
        server.port(),
        db.name
    );
    assert_fails_cleanly(
        "wrong password",
        &wrong,
        3,
        "password",
        Some("Wr0ngPassw0rd"),
    );
    assert_fails_cleanly(
        "missing database",
        &server.url("no_such_database"),
        3,
        "no_such_database",
        Some(server.password()),
    );
    assert_fails_cleanly("invalid URL", "postgresql://[::1", 2, "URL", None);

    // A role that may connect but not read one of the tables.
    let role = format!("reader_{}", std::process::id());
    query(
        &db,
        &format!(
            "DROP ROLE IF EXISTS {role}; CREATE ROLE {role} LOGIN PASSWORD 'R3aderPass'; \
             GRANT USAGE ON SCHEMA public TO {role}; \
             GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}; \
             GRANT SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}; \
             GRANT USAGE ON SCHEMA \"Mixed Case\" TO {role}; \
             GRANT SELECT ON ALL TABLES IN SCHEMA \"Mixed Case\" TO {role}; \
             GRANT SELECT ON LARGE OBJECT 424242, 424243, 424244 TO {role}; \
             REVOKE SELECT ON public.plain FROM {role};"
        ),
    );
    let url = format!(
        "postgresql://{role}:R3aderPass@127.0.0.1:{}/{}",
        server.port(),
        db.name
    );
    assert_fails_cleanly("no SELECT on a table", &url, 3, "plain", Some("R3aderPass"));
    query(&db, &format!("DROP OWNED BY {role}; DROP ROLE {role};"));
}

/// Backs `db` up through the library and returns the report.
fn library_backup(db: &TestDb, dir: &Path) -> pgark::backup::BackupReport {
    let mut opts = pgark::backup::BackupOptions::new(
        db.url(),
        pgark::backup::Target::File(dir.join(format!("{}.lib.dump", db.name))),
    );
    opts.compression = archive_format::Compression::Gzip { level: 1 };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(pgark::backup::backup(&opts))
        .unwrap_or_else(|e| panic!("backup of {}: {e}", db.name))
}

/// The catalog is read in batches: 5,000 tables cost the same number of
/// catalog queries as a handful, and every one of them is in the archive.
#[test]
fn catalog_queries_do_not_grow_with_tables() {
    let server = pg(PgVersion::V16);
    let dir = tempfile::tempdir().expect("temp dir");
    let small = fixture_db(server, "archive_basics.sql");
    let large = server.create_database("five_thousand");
    query(
        &large,
        "DO $$ BEGIN FOR i IN 1..5000 LOOP \
           EXECUTE format('CREATE TABLE t%s (id integer PRIMARY KEY, v text DEFAULT %L)', i, i); \
         END LOOP; END $$; \
         INSERT INTO t1 VALUES (1, 'one'); INSERT INTO t5000 VALUES (5000, 'last');",
    );
    // Counted on the server: every statement of the two databases' sessions
    // goes to the server log, but for the per-table COPYs and LOCKs and the
    // large objects' reads.
    for db in [&small, &large] {
        query(
            db,
            &format!("ALTER DATABASE \"{}\" SET log_statement = 'all'", db.name),
        );
    }
    let log = server.dir().join("server.log");
    let logged = || {
        let text = String::from_utf8_lossy(&read(&log)).into_owned();
        text.lines()
            .filter(|l| l.contains("LOG:  statement: ") || l.contains("LOG:  execute "))
            .filter(|l| {
                ![" COPY ", "LOCK TABLE ", "lo_get("]
                    .iter()
                    .any(|s| l.contains(s))
            })
            .count()
    };
    let start = logged();
    let few = library_backup(&small, dir.path());
    let after_few = logged();
    let many = library_backup(&large, dir.path());
    let (few_statements, many_statements) = (after_few - start, logged() - after_few);
    assert!(
        few_statements > 30,
        "the log holds the backup's statements: {few_statements}"
    );
    assert_eq!(
        few_statements, many_statements,
        "statements other than COPY and LOCK must not depend on the number of tables"
    );
    assert_eq!(few.catalog_queries, many.catalog_queries);
    assert_eq!(many.tables.len(), 5000);
    assert_eq!(many.rows(), 2);
    let toc = toc_map(&many.path);
    let tables = toc.keys().filter(|(desc, _, _)| desc == "TABLE").count();
    let keys = toc
        .keys()
        .filter(|(desc, _, _)| desc == "CONSTRAINT")
        .count();
    assert_eq!((tables, keys), (5000, 5000));
}

/// A backup's phases are `tracing` events (`pgark::backup::PHASE`): the
/// CLI prints them as `pgark: info:` lines, and with `--log-format json`
/// as JSON objects only.
#[test]
fn the_cli_prints_the_phases_as_text_or_json() {
    let db = fixture_db(pg(PgVersion::V16), "archive_basics.sql");
    let dir = tempfile::tempdir().expect("temp dir");
    let out = pgark_backup(&db.url(), &dir.path().join("text.dump"), &[]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    for phase in [
        "connected: database ",
        "catalog read: ",
        "archive complete: ",
    ] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(&format!("pgark: info: {phase}"))),
            "no {phase:?} line: {err}"
        );
    }
    let out = pgark_backup(
        &db.url(),
        &dir.path().join("json.dump"),
        &["--log-format", "json"],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let events: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    assert!(
        events.iter().any(|v| v["level"] == "info"
            && v["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("catalog read: "))),
        "{err}"
    );
}
