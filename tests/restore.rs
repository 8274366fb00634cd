//! `pgark restore`: the native restore engine, checked against real
//! pg_restore of the same archive (pg_dump's plain output of both copies
//! must be identical).

use std::path::Path;
use std::process::{Command, Output};

use pgark_testkit::{pg, PgVersion, TestDb};

use crate::backup::{assert_same_dump, backup, plain_dump};
use crate::common::{assert_restores, fixture_db, read, real_dump, row_counts};

/// Runs `pgark restore ARCHIVE --dbname URL EXTRA...`.
fn pgark_restore(archive: &Path, url: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("restore")
        .arg(archive)
        .arg("--dbname")
        .arg(url)
        .args(extra)
        .output()
        .expect("run pgark restore")
}

/// The runbook's flags: `--no-owner --no-acl --exit-on-error`.
const RUNBOOK: &[&str] = &["--no-owner", "--no-acl", "--exit-on-error"];

/// Native restore of `archive` into a fresh database; panics with pgark's
/// message on failure.
fn native_restore(version: PgVersion, archive: &Path, extra: &[&str]) -> TestDb {
    let db = pg(version).create_database("native");
    let out = pgark_restore(archive, &db.url(), extra);
    assert!(
        out.status.success(),
        "pgark restore on {version} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    db
}

/// The acceptance check: pgark backup of the fixture, restored by real
/// pg_restore and by pgark restore; both copies dump identically (and
/// identically to the source, so the comparison is not vacuous).
fn native_matches_pg_restore(version: PgVersion, fixture: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), fixture);
    let archive = backup(&source, dir.path(), &[]);
    let reference = assert_restores(version, &archive, &[]);
    let native = native_restore(version, &archive, RUNBOOK);
    let expected = plain_dump(&reference);
    assert!(expected.contains("COPY "), "{fixture}: the dump holds data");
    assert_same_dump(
        &format!("{fixture} on {version}"),
        &expected,
        &plain_dump(&native),
    );
    assert_same_dump(
        &format!("{fixture} on {version}, source"),
        &plain_dump(&source),
        &plain_dump(&native),
    );
    assert_eq!(row_counts(&source), row_counts(&native));
}

#[test]
fn native_restore_schema_basics_15() {
    native_matches_pg_restore(PgVersion::V15, "schema_basics.sql");
}
#[test]
fn native_restore_schema_basics_16() {
    native_matches_pg_restore(PgVersion::V16, "schema_basics.sql");
}
#[test]
fn native_restore_schema_basics_18() {
    native_matches_pg_restore(PgVersion::V18, "schema_basics.sql");
}
#[test]
fn native_restore_schema_more_15() {
    native_matches_pg_restore(PgVersion::V15, "schema_more.sql");
}
#[test]
fn native_restore_schema_more_16() {
    native_matches_pg_restore(PgVersion::V16, "schema_more.sql");
}
#[test]
fn native_restore_schema_more_18() {
    native_matches_pg_restore(PgVersion::V18, "schema_more.sql");
}
#[test]
fn native_restore_awkward_data_15() {
    native_matches_pg_restore(PgVersion::V15, "awkward_data.sql");
}
#[test]
fn native_restore_awkward_data_16() {
    native_matches_pg_restore(PgVersion::V16, "awkward_data.sql");
}
#[test]
fn native_restore_awkward_data_18() {
    native_matches_pg_restore(PgVersion::V18, "awkward_data.sql");
}
#[test]
fn native_restore_schema_extra_15() {
    native_matches_pg_restore(PgVersion::V15, "schema_extra.sql");
}
#[test]
fn native_restore_schema_extra_16() {
    native_matches_pg_restore(PgVersion::V16, "schema_extra.sql");
}
#[test]
fn native_restore_schema_extra_18() {
    native_matches_pg_restore(PgVersion::V18, "schema_extra.sql");
}

/// The runbook's PostGIS database (topology, tiger geocoder, a user
/// spatial_ref_sys row): PostGIS 3.3 on 15, 3.5.2 on 16.
#[test]
fn native_restore_postgis_15() {
    native_matches_pg_restore(PgVersion::V15, "postgis_app.sql");
}

#[test]
fn native_restore_postgis_16() {
    native_matches_pg_restore(PgVersion::V16, "postgis_app.sql");
}

/// A real pg_dump -Fc archive (gzip, offsets set) restores natively, also
/// from standard input, and with owners (no --no-owner) like pg_restore.
#[test]
fn real_pg_dump_archive_restores_natively() {
    for version in [PgVersion::V15, PgVersion::V18] {
        let dir = tempfile::tempdir().expect("temp dir");
        let source = fixture_db(pg(version), "schema_basics.sql");
        let archive = real_dump(&source, dir.path(), &[]);
        let reference = assert_restores(version, &archive, &[]);
        let native = native_restore(version, &archive, RUNBOOK);
        assert_same_dump(
            &format!("pg_dump archive on {version}"),
            &plain_dump(&reference),
            &plain_dump(&native),
        );

        // Streamed through standard input: no seeking, data in TOC order.
        let piped = pg(version).create_database("stdin");
        let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
            .args(["restore", "-", "--dbname", &piped.url()])
            .args(RUNBOOK)
            .stdin(std::fs::File::open(&archive).expect("archive"))
            .output()
            .expect("run pgark restore");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same_dump("from stdin", &plain_dump(&reference), &plain_dump(&piped));

        // With owners and privileges: the server's own pg_restore without
        // --no-owner/--no-acl against ours without them.
        let owned_ref = pg(version).create_database("owned_ref");
        let status = pg(version)
            .command("pg_restore")
            .args(["--exit-on-error", "-d", &owned_ref.name])
            .arg(&archive)
            .output()
            .expect("pg_restore");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let owned = native_restore(version, &archive, &["--exit-on-error"]);
        assert_same_dump("with owners", &plain_dump(&owned_ref), &plain_dump(&owned));
    }
}

/// `--clean --if-exists` over a database that already holds a copy.
#[test]
fn clean_if_exists_over_an_existing_copy() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_basics.sql");
    let archive = backup(&source, dir.path(), &[]);
    let copy = native_restore(version, &archive, RUNBOOK);
    // Without --clean a second restore fails on the existing objects.
    let again = pgark_restore(&archive, &copy.url(), RUNBOOK);
    assert_eq!(
        again.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let mut flags = RUNBOOK.to_vec();
    flags.extend(["--clean", "--if-exists"]);
    let out = pgark_restore(&archive, &copy.url(), &flags);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_dump(
        "after --clean --if-exists",
        &plain_dump(&source),
        &plain_dump(&copy),
    );
    assert_eq!(row_counts(&source), row_counts(&copy));
    // --clean --if-exists into an empty database works too.
    let empty = native_restore(version, &archive, &flags);
    assert_same_dump(
        "--clean into empty",
        &plain_dump(&source),
        &plain_dump(&empty),
    );
}

/// Without --exit-on-error the restore goes on past errors, counts them and
/// exits 3; with it, it stops at the first, naming the entry.
#[test]
fn errors_stop_or_are_counted() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_basics.sql");
    let archive = backup(&source, dir.path(), &[]);
    let copy = native_restore(version, &archive, RUNBOOK);

    let out = pgark_restore(&archive, &copy.url(), &["--no-owner", "--no-acl"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // pg_restore's wording, each error with its statement, then the count.
    assert!(
        stderr.contains("pgark: error: could not execute query: ERROR:  relation \"")
            && stderr.contains("already exists\nCommand was: CREATE TABLE "),
        "{stderr}"
    );
    let last = stderr.trim_end().lines().last().unwrap_or_default();
    assert!(
        last.starts_with("pgark: error: errors ignored on restore: "),
        "{stderr}"
    );

    let out = pgark_restore(&archive, &copy.url(), RUNBOOK);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    // One error (the CLI prefixes each of its lines).
    assert_eq!(
        stderr
            .lines()
            .filter(|l| l.starts_with("pgark: error: restoring "))
            .count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("--exit-on-error")
            && stderr.contains("(dump id ")
            && stderr.contains(": could not execute query: ERROR:  ")
            && stderr.contains("Command was: "),
        "{stderr}"
    );
    assert!(
        !stderr.contains(pg(version).password()),
        "the password leaked: {stderr}"
    );
}

/// -t, -n and --section select like pg_restore's simple forms.
#[test]
fn filters_select_entries() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_basics.sql");
    let archive = backup(&source, dir.path(), &[]);
    for flags in [
        vec!["--section", "pre-data"],
        vec!["--section", "pre-data", "--section", "data"],
        vec!["-n", "public"],
    ] {
        let reference = pg(version).create_database("filter_ref");
        pgark_testkit::pg_restore(&reference, &archive, &flags)
            .unwrap_or_else(|e| panic!("pg_restore {flags:?}: {e}"));
        let mut ours = RUNBOOK.to_vec();
        ours.extend(&flags);
        let native = native_restore(version, &archive, &ours);
        assert_same_dump(
            &format!("{flags:?}"),
            &plain_dump(&reference),
            &plain_dump(&native),
        );
    }
}

/// A truncated archive fails with exit 5 and a message naming the entry
/// whose data is cut, instead of hanging.
#[test]
fn truncated_archive_fails_naming_the_entry() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_basics.sql");
    let archive = backup(&source, dir.path(), &[]);
    let bytes = read(&archive);
    let toc = archive_format::ArchiveReader::new(&bytes[..])
        .read_toc()
        .expect("TOC");
    let cut_at = (toc.data_start as usize + bytes.len()) / 2;
    let cut = dir.path().join("cut.dump");
    std::fs::write(&cut, &bytes[..cut_at]).expect("write");
    let db = pg(version).create_database("cut");
    let out = pgark_restore(&cut, &db.url(), RUNBOOK);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(5), "{stderr}");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("truncated") && stderr.contains("(dump id "),
        "{stderr}"
    );
}

/// `-j 4`: pgark's parallel restore against real `pg_restore -j 4` of the
/// same archive (and against the source).
fn parallel_matches_pg_restore(version: PgVersion, fixture: &str) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), fixture);
    let archive = backup(&source, dir.path(), &[]);
    let reference = assert_restores(version, &archive, &["-j", "4"]);
    let mut flags = RUNBOOK.to_vec();
    flags.extend(["-j", "4"]);
    let native = native_restore(version, &archive, &flags);
    let expected = plain_dump(&reference);
    assert!(expected.contains("COPY "), "{fixture}: the dump holds data");
    assert_same_dump(
        &format!("{fixture} on {version}, -j 4"),
        &expected,
        &plain_dump(&native),
    );
    assert_same_dump(
        &format!("{fixture} on {version}, -j 4, source"),
        &plain_dump(&source),
        &plain_dump(&native),
    );
    assert_eq!(row_counts(&source), row_counts(&native));
}

#[test]
fn parallel_restore_schema_basics_16() {
    parallel_matches_pg_restore(PgVersion::V16, "schema_basics.sql");
}
#[test]
fn parallel_restore_schema_more_16() {
    parallel_matches_pg_restore(PgVersion::V16, "schema_more.sql");
}
#[test]
fn parallel_restore_schema_more_18() {
    parallel_matches_pg_restore(PgVersion::V18, "schema_more.sql");
}
#[test]
fn parallel_restore_schema_basics_15() {
    parallel_matches_pg_restore(PgVersion::V15, "schema_basics.sql");
}
#[test]
fn parallel_restore_schema_basics_18() {
    parallel_matches_pg_restore(PgVersion::V18, "schema_basics.sql");
}
#[test]
fn parallel_restore_schema_more_15() {
    parallel_matches_pg_restore(PgVersion::V15, "schema_more.sql");
}
#[test]
fn parallel_restore_awkward_data_15() {
    parallel_matches_pg_restore(PgVersion::V15, "awkward_data.sql");
}
#[test]
fn parallel_restore_awkward_data_16() {
    parallel_matches_pg_restore(PgVersion::V16, "awkward_data.sql");
}
#[test]
fn parallel_restore_awkward_data_18() {
    parallel_matches_pg_restore(PgVersion::V18, "awkward_data.sql");
}
#[test]
fn parallel_restore_schema_extra_15() {
    parallel_matches_pg_restore(PgVersion::V15, "schema_extra.sql");
}
#[test]
fn parallel_restore_schema_extra_16() {
    parallel_matches_pg_restore(PgVersion::V16, "schema_extra.sql");
}
#[test]
fn parallel_restore_schema_extra_18() {
    parallel_matches_pg_restore(PgVersion::V18, "schema_extra.sql");
}

/// A real pg_dump archive restores with -j 4 too; from standard input -j 4
/// is refused (exit 2, as pg_restore refuses it) and touches nothing.
#[test]
fn parallel_restore_pg_dump_archive_and_stdin() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_basics.sql");
    let archive = real_dump(&source, dir.path(), &[]);
    let reference = assert_restores(version, &archive, &["-j", "4"]);
    let mut flags = RUNBOOK.to_vec();
    flags.extend(["-j", "4"]);
    let native = native_restore(version, &archive, &flags);
    assert_same_dump(
        "pg_dump archive, -j 4",
        &plain_dump(&reference),
        &plain_dump(&native),
    );

    let piped = pg(version).create_database("stdin_j");
    let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["restore", "-", "--dbname", &piped.url()])
        .args(&flags)
        .stdin(std::fs::File::open(&archive).expect("archive"))
        .output()
        .expect("run pgark restore");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("parallel restore (-j) needs an archive file"),
        "{stderr}"
    );
    assert!(row_counts(&piped).is_empty(), "nothing was restored");
}

/// `-l` prints what `pgark list` prints; `-L` with some TABLE DATA lines
/// (and the foreign keys) commented out restores those tables empty, as
/// real `pg_restore -L` does with the same list (serially and with -j 4).
#[test]
fn list_and_use_list() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_basics.sql");
    let archive = backup(&source, dir.path(), &[]);

    let listed = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("restore")
        .arg(&archive)
        .arg("-l")
        .output()
        .expect("pgark restore -l");
    assert!(listed.status.success());
    let list = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("list")
        .arg(&archive)
        .output()
        .expect("pgark list");
    assert_eq!(
        String::from_utf8_lossy(&listed.stdout),
        String::from_utf8_lossy(&list.stdout)
    );
    let text = String::from_utf8(listed.stdout).expect("utf-8 listing");

    // Comment out every other TABLE DATA line.
    let mut data_lines = 0;
    let mut commented = 0;
    let edited: String = text
        .lines()
        .map(|l| {
            // Foreign keys would refuse the emptied tables: left out too.
            if !l.starts_with(';') && l.contains(" FK CONSTRAINT ") {
                return format!(";{l}\n");
            }
            if !l.starts_with(';') && l.contains(" TABLE DATA ") {
                data_lines += 1;
                if data_lines % 2 == 1 {
                    commented += 1;
                    return format!(";{l}\n");
                }
            }
            format!("{l}\n")
        })
        .collect();
    assert!(
        data_lines >= 2 && commented > 0,
        "the fixture has table data: {text}"
    );
    let list_file = dir.path().join("edited.list");
    std::fs::write(&list_file, &edited).expect("write list");
    let list_arg = list_file.to_str().expect("utf-8 path");

    let reference = pg(version).create_database("list_ref");
    pgark_testkit::pg_restore(&reference, &archive, &["-L", list_arg])
        .unwrap_or_else(|e| panic!("pg_restore -L: {e}"));
    let expected = plain_dump(&reference);
    assert_ne!(expected, plain_dump(&source), "the list left data out");
    let counts = row_counts(&reference);
    let emptied: Vec<_> = row_counts(&source)
        .into_iter()
        .zip(&counts)
        .filter(|(s, r)| s != *r)
        .map(|(s, r)| {
            assert_eq!(r.2, 0, "only emptied tables differ: {s:?} {r:?}");
            s
        })
        .collect();
    assert!(!emptied.is_empty(), "{counts:?}");
    for jobs in [&[][..], &["-j", "4"][..]] {
        let mut flags = RUNBOOK.to_vec();
        flags.extend(["-L", list_arg]);
        flags.extend(jobs);
        let native = native_restore(version, &archive, &flags);
        assert_same_dump(&format!("-L {jobs:?}"), &expected, &plain_dump(&native));
        assert_eq!(counts, row_counts(&native));
    }
}

/// Restores `archive` into a fresh database with real pg_restore and with
/// pgark, both given `flags` (and no others) after `prepare` ran on each,
/// both succeeding; returns the two copies.
fn both_with(
    version: PgVersion,
    archive: &Path,
    flags: &[&str],
    prepare: &dyn Fn(&TestDb),
) -> (TestDb, TestDb) {
    let reference = pg(version).create_database("flags_ref");
    let native = pg(version).create_database("flags_native");
    prepare(&reference);
    prepare(&native);
    let out = reference
        .server()
        .command("pg_restore")
        .args(["-d", &reference.name])
        .args(flags)
        .arg(archive)
        .output()
        .expect("run pg_restore");
    assert!(
        out.status.success(),
        "pg_restore {flags:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = pgark_restore(archive, &native.url(), flags);
    assert!(
        out.status.success(),
        "pgark restore {flags:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (reference, native)
}

/// `--schema-only`/`-s` and `--data-only`/`-a` (the latter into a copy of
/// the schema) restore what real pg_restore restores with the same flag,
/// serially and with -j 4.
#[test]
fn schema_only_and_data_only_like_pg_restore() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "schema_more.sql");
    let archive = backup(&source, dir.path(), &[]);
    for flags in [
        &["--schema-only"][..],
        &["-s", "-j", "4"],
        &["--data-only"],
        &["-a", "-j", "4"],
    ] {
        let data_only = flags.contains(&"--data-only") || flags.contains(&"-a");
        // -a loads data into an existing schema: both targets get the
        // pre-data section from pg_restore first.
        let prepare = |db: &TestDb| {
            if data_only {
                pgark_testkit::pg_restore(db, &archive, &["--section", "pre-data"])
                    .unwrap_or_else(|e| panic!("pg_restore pre-data: {e}"));
            }
        };
        let (reference, native) = both_with(version, &archive, flags, &prepare);
        let expected = plain_dump(&reference);
        assert_ne!(
            expected,
            plain_dump(&source),
            "{flags:?} left something out"
        );
        assert_same_dump(&format!("{flags:?}"), &expected, &plain_dump(&native));
        assert_eq!(row_counts(&reference), row_counts(&native), "{flags:?}");
    }
}

/// `--create`/`-C`: connected to `postgres`, the database is created from
/// the DATABASE entry (with its comment and settings) and restored into,
/// as real pg_restore -C does; `--clean --create` drops it first.
#[test]
fn create_like_pg_restore() {
    let version = PgVersion::V16;
    let server = pg(version);
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(server, "schema_basics.sql");
    let name = source.name.clone();
    crate::common::query(
        &source,
        &format!(
            "COMMENT ON DATABASE \"{name}\" IS 'restored with --create'; \
             ALTER DATABASE \"{name}\" SET work_mem = '7MB';"
        ),
    );
    let archive = backup(&source, dir.path(), &[]);
    let dump_db = || {
        let out = pgark_testkit::pg_dump(server, &name, &["--format=plain", "--create"])
            .unwrap_or_else(|e| panic!("pg_dump --create of {name}: {e}"));
        String::from_utf8_lossy(&out)
            .lines()
            .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    };
    let original = dump_db();
    assert!(original.contains("restored with --create"), "{original}");
    let drop_db = || {
        server
            .psql(
                "postgres",
                &format!("DROP DATABASE \"{name}\" WITH (FORCE)"),
            )
            .expect("drop database");
    };
    drop_db();
    let out = server
        .command("pg_restore")
        .args(["-C", "-d", "postgres"])
        .arg(&archive)
        .output()
        .expect("run pg_restore");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let theirs = dump_db();
    drop_db();
    for flags in [
        &["--create"][..],
        &["-C", "-j", "4"],
        &["--clean", "--create"],
    ] {
        let out = pgark_restore(&archive, &server.url("postgres"), flags);
        assert!(
            out.status.success(),
            "{flags:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_same_dump(&format!("--create {flags:?}"), &theirs, &dump_db());
        // The next run creates it again; the last one (--clean) drops it
        // itself.
        if flags == ["--create"] {
            drop_db();
        }
    }
    assert_same_dump("--create, source", &original, &theirs);
}

/// `-L` restores in the list file's order, as pg_restore does: with the
/// TABLE DATA line of a table moved before its TABLE line, its COPY fails
/// (the table does not exist yet) and the table is created empty (with
/// -j, data waits for the pre-data entries whatever the order, in both).
#[test]
fn use_list_in_the_list_order() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "restore_faults.sql");
    let archive = backup(&source, dir.path(), &[]);
    let listed = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("list")
        .arg(&archive)
        .output()
        .expect("pgark list");
    let text = String::from_utf8_lossy(&listed.stdout).into_owned();
    let data_c = text
        .lines()
        .find(|l| l.contains(" TABLE DATA public c "))
        .expect("c's data in the listing")
        .to_owned();
    let mut list = String::new();
    for l in text.lines().filter(|l| **l != *data_c) {
        if l.contains(" TABLE public c ") {
            list.push_str(&data_c);
            list.push('\n');
        }
        list.push_str(l);
        list.push('\n');
    }
    let list_file = dir.path().join("reordered.list");
    std::fs::write(&list_file, list).expect("write list");
    let list_arg = list_file.to_str().expect("utf-8 path");
    for jobs in ["1", "4"] {
        let reference = pg(version).create_database("order_ref");
        let native = pg(version).create_database("order_native");
        let theirs = reference
            .server()
            .command("pg_restore")
            .args(["-d", &reference.name, "-j", jobs, "-L", list_arg])
            .arg(&archive)
            .output()
            .expect("run pg_restore");
        let ours = pgark_restore(&archive, &native.url(), &["-j", jobs, "-L", list_arg]);
        let (their_err, our_err) = (
            String::from_utf8_lossy(&theirs.stderr),
            String::from_utf8_lossy(&ours.stderr),
        );
        let count = |err: &str| {
            err.split("errors ignored on restore: ")
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|n| n.parse::<usize>().ok())
        };
        assert_eq!(ours.status.code(), Some(3), "{our_err}");
        assert_eq!(count(&our_err), count(&their_err), "{our_err}\n{their_err}");
        if jobs == "1" {
            assert!(
                our_err.contains("relation \"public.c\" does not exist"),
                "{our_err}"
            );
            assert!(
                row_counts(&native).contains(&("public".into(), "c".into(), 0)),
                "c restored empty"
            );
        }
        assert_same_dump(
            &format!("-L reordered, -j {jobs}"),
            &plain_dump(&reference),
            &plain_dump(&native),
        );
    }
}

/// `-t` and `-n` keep the comments of what they restore (a comment goes
/// with its object, as pg_restore's `_tocEntryRequired` decides), serially
/// and with -j 2.
#[test]
fn selected_objects_keep_their_comments() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "restore_select.sql");
    let archive = backup(&source, dir.path(), &[]);
    let prepare = |db: &TestDb| {
        crate::common::query(db, "CREATE SCHEMA sel");
    };
    for flags in [
        &["-t", "small"][..],
        &["-t", "small", "-t", "seq", "-j", "2"],
        &["-n", "sel"],
        &["-n", "public", "-j", "2"],
    ] {
        // Neither -t nor -n restores the schema itself: both targets have it.
        let (reference, native) = both_with(version, &archive, flags, &prepare);
        let expected = plain_dump(&reference);
        assert!(expected.contains("COMMENT ON "), "{flags:?}: {expected}");
        assert_same_dump(&format!("{flags:?}"), &expected, &plain_dump(&native));
        assert_eq!(row_counts(&reference), row_counts(&native), "{flags:?}");
    }
}

/// pg_dump 18 writing to a redirected stdout (`pg_dump -Fc > FILE`, the
/// usual cron line) appends its TOC rewrite after the last data block;
/// pg_restore reads such a file, and so do `pgark verify` and
/// `pgark restore`: the copy equals the source.
#[test]
fn pg_dump_18_to_a_redirected_stdout_restores() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(PgVersion::V18), "archive_basics.sql");
    let archive = dir.path().join("stdout.dump");
    let file = std::fs::File::create(&archive).expect("create the archive file");
    let status = source
        .server()
        .command("pg_dump")
        .args(["--format=custom", "-d", &source.name])
        .stdout(file)
        .status()
        .expect("run pg_dump");
    assert!(status.success(), "pg_dump -Fc > file");
    let by_file = real_dump(&source, dir.path(), &[]);
    assert!(
        read(&archive).len() > read(&by_file).len(),
        "pg_dump 18 left a TOC copy after the data of a redirected stdout"
    );
    let verified = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("verify")
        .arg(&archive)
        .output()
        .expect("run pgark verify");
    assert!(
        verified.status.success(),
        "pgark verify: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    let native = native_restore(PgVersion::V18, &archive, RUNBOOK);
    assert_eq!(row_counts(&native), row_counts(&source));
    assert_same_dump(
        "pg_dump 18 > file, restored by pgark",
        &plain_dump(&source),
        &plain_dump(&native),
    );
}
