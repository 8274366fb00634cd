//! Faults injected into restores: pgark restore must go past each one as
//! real pg_restore does (same objects and rows restored, same error count)
//! and exit 3, serially and with `-j 4`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pgark_testkit::{pg, PgVersion, TestDb};

use crate::backup::{assert_same_dump, backup, plain_dump};
use crate::common::{fixture_db, query, read, row_counts};

/// One fault: the archive, the list file (`-L`), and SQL run in each
/// target before the restore.
struct Fault<'a> {
    what: &'a str,
    archive: &'a Path,
    list: Option<&'a Path>,
    prepare: &'a str,
    /// A line pgark must print (pg_restore's wording).
    expect: &'a str,
}

/// "errors ignored on restore: N" in a run's stderr.
fn ignored(stderr: &str) -> Option<usize> {
    let at = stderr.find("errors ignored on restore: ")? + "errors ignored on restore: ".len();
    stderr[at..]
        .split(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

fn target(version: PgVersion, prepare: &str) -> TestDb {
    let db = pg(version).create_database("faults");
    if !prepare.is_empty() {
        query(&db, prepare);
    }
    db
}

fn args(jobs: &str, list: Option<&Path>) -> Vec<String> {
    let mut a = vec!["-j".to_owned(), jobs.to_owned()];
    if let Some(l) = list {
        a.push("-L".into());
        a.push(l.display().to_string());
    }
    a
}

fn run_pg_restore(db: &TestDb, f: &Fault, jobs: &str) -> Output {
    db.server()
        .command("pg_restore")
        .args(["-d", &db.name])
        .args(args(jobs, f.list))
        .arg(f.archive)
        .output()
        .expect("run pg_restore")
}

fn run_pgark(db: &TestDb, f: &Fault, jobs: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("restore")
        .arg(f.archive)
        .arg("--dbname")
        .arg(db.url())
        .args(args(jobs, f.list))
        .output()
        .expect("run pgark restore")
}

/// Restores with pg_restore and with pgark into equally prepared targets,
/// serially and with -j 4, and compares.
fn same_as_pg_restore(version: PgVersion, f: &Fault) {
    for jobs in ["1", "4"] {
        let what = format!("{} on {version}, -j {jobs}", f.what);
        let reference = target(version, f.prepare);
        let theirs = run_pg_restore(&reference, f, jobs);
        let their_err = String::from_utf8_lossy(&theirs.stderr);
        let native = target(version, f.prepare);
        let ours = run_pgark(&native, f, jobs);
        let our_err = String::from_utf8_lossy(&ours.stderr);
        let their_count = ignored(&their_err);
        assert!(
            their_count.is_some_and(|n| n > 0),
            "{what}: pg_restore must meet the fault: {their_err}"
        );
        assert_eq!(ours.status.code(), Some(3), "{what}: {our_err}");
        assert_eq!(
            ignored(&our_err),
            their_count,
            "{what}: error count\npgark:\n{our_err}\npg_restore:\n{their_err}"
        );
        assert!(our_err.contains(f.expect), "{what}: {our_err}");
        assert_same_dump(&what, &plain_dump(&reference), &plain_dump(&native));
        assert_eq!(row_counts(&reference), row_counts(&native), "{what}");
    }
}

/// The fixture's archive, uncompressed (so that the test can corrupt a
/// row in place).
fn faults_archive(version: PgVersion, dir: &Path) -> (TestDb, PathBuf) {
    let source = fixture_db(pg(version), "restore_faults.sql");
    let archive = backup(&source, dir, &["--compress", "none"]);
    (source, archive)
}

fn failing_create(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_source, archive) = faults_archive(version, dir.path());
    // The target has another table a: CREATE TABLE a fails, then its COPY
    // (no column x) and its index.
    same_as_pg_restore(
        version,
        &Fault {
            what: "failing CREATE",
            archive: &archive,
            list: None,
            prepare: "CREATE TABLE a (other text)",
            expect: "pgark: error: could not execute query: ERROR:  relation \"a\" already exists\nCommand was: CREATE TABLE public.a",
        },
    );
}

/// The reproduction: the TABLE entry of a left out with -L; its
/// COPY fails and everything after it is restored.
fn copy_into_missing_table(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_source, archive) = faults_archive(version, dir.path());
    let listing = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("restore")
        .arg("--list")
        .arg(&archive)
        .output()
        .expect("pgark restore --list");
    let list: String = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(|l| {
            if l.contains(" TABLE public a ") {
                format!(";{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    assert!(list.contains(";"), "{list}");
    let list_path = dir.path().join("list.txt");
    std::fs::write(&list_path, list).expect("write list");
    same_as_pg_restore(
        version,
        &Fault {
            what: "COPY into a missing table",
            archive: &archive,
            list: Some(&list_path),
            prepare: "",
            expect: "pgark: error: could not execute query: ERROR:  relation \"public.a\" does not exist\nCommand was: COPY public.a (x, note) FROM stdin;",
        },
    );
}

fn copy_with_a_bad_row(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_source, archive) = faults_archive(version, dir.path());
    let mut bytes = read(&archive);
    let at = bytes
        .windows(6)
        .position(|w| w == b"424242")
        .expect("the row is stored uncompressed");
    bytes[at + 5] = b'x';
    let bad = dir.path().join("bad.dump");
    std::fs::write(&bad, bytes).expect("write archive");
    same_as_pg_restore(
        version,
        &Fault {
            what: "COPY with a bad row",
            archive: &bad,
            list: None,
            prepare: "",
            expect: "pgark: error: COPY failed for table \"bad\": ERROR:  invalid input syntax for type integer: \"42424x\"",
        },
    );
}

/// The fixture's unique index on rf_key(v) holds in the source only: on
/// restore every key is 0 and building it fails.
fn unique_violation_building_an_index(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (_source, archive) = faults_archive(version, dir.path());
    same_as_pg_restore(
        version,
        &Fault {
            what: "unique violation",
            archive: &archive,
            list: None,
            prepare: "",
            expect: "pgark: error: could not execute query: ERROR:  could not create unique index \"u_key\"",
        },
    );
}

/// The backend of the COPY into k1 terminates itself at row 666: pg_restore
/// does not reconnect, so every later statement on that connection fails
/// ("no connection to the server") and is counted; pgark does the same.
fn connection_terminated_mid_copy(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "restore_faults_kill.sql");
    let archive = backup(&source, dir.path(), &[]);
    same_as_pg_restore(
        version,
        &Fault {
            what: "connection terminated mid-COPY",
            archive: &archive,
            list: None,
            prepare: "",
            expect: "pgark: error: COPY failed for table \"k1\": FATAL:  terminating connection due to administrator command",
        },
    );
}

#[test]
fn failing_create_15() {
    failing_create(PgVersion::V15);
}
#[test]
fn failing_create_16() {
    failing_create(PgVersion::V16);
}
#[test]
fn failing_create_18() {
    failing_create(PgVersion::V18);
}
#[test]
fn copy_into_missing_table_15() {
    copy_into_missing_table(PgVersion::V15);
}
#[test]
fn copy_into_missing_table_16() {
    copy_into_missing_table(PgVersion::V16);
}
#[test]
fn copy_into_missing_table_18() {
    copy_into_missing_table(PgVersion::V18);
}
#[test]
fn copy_with_a_bad_row_15() {
    copy_with_a_bad_row(PgVersion::V15);
}
#[test]
fn copy_with_a_bad_row_16() {
    copy_with_a_bad_row(PgVersion::V16);
}
#[test]
fn copy_with_a_bad_row_18() {
    copy_with_a_bad_row(PgVersion::V18);
}
#[test]
fn unique_violation_building_an_index_15() {
    unique_violation_building_an_index(PgVersion::V15);
}
#[test]
fn unique_violation_building_an_index_16() {
    unique_violation_building_an_index(PgVersion::V16);
}
#[test]
fn unique_violation_building_an_index_18() {
    unique_violation_building_an_index(PgVersion::V18);
}
#[test]
fn connection_terminated_mid_copy_15() {
    connection_terminated_mid_copy(PgVersion::V15);
}
#[test]
fn connection_terminated_mid_copy_16() {
    connection_terminated_mid_copy(PgVersion::V16);
}
#[test]
fn connection_terminated_mid_copy_18() {
    connection_terminated_mid_copy(PgVersion::V18);
}

/// Data as INSERT statements (real pg_dump --inserts, also several rows a
/// statement): each statement runs on its own, so a failing row costs
/// only its statement. The target's own table b rejects y = 7.
fn failing_insert(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = fixture_db(pg(version), "restore_faults.sql");
    for extra in [&["--inserts"][..], &["--rows-per-insert", "4"]] {
        let archive = crate::common::real_dump(&source, dir.path(), extra);
        same_as_pg_restore(
            version,
            &Fault {
                what: "failing INSERT",
                archive: &archive,
                list: None,
                prepare: "CREATE TABLE b (y integer CHECK (y <> 7))",
                expect: "pgark: error: could not execute query: ERROR:  new row for relation \"b\" violates check constraint \"b_y_check\"",
            },
        );
    }
}

#[test]
fn failing_insert_16() {
    failing_insert(PgVersion::V16);
}
#[test]
fn failing_insert_18() {
    failing_insert(PgVersion::V18);
}
