//! The `pgark list` and `pgark verify` commands, run as a user runs them.

use std::fs;
use std::io::Write;
use std::process::{Command, Output, Stdio};

use pgark_testkit::{pg, PgVersion};

use crate::common::{assert_restores, fixture_db, query, read, real_dump, row_counts};

fn pgark(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run pgark");
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().expect("stdin");
        // The child may stop reading early on a bad archive.
        let _ = pipe.write_all(input);
    }
    child.wait_with_output().expect("pgark output")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn list_and_verify_from_file_and_stdin() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fixture_db(pg(PgVersion::V15), "archive_basics.sql");
    let path = real_dump(&db, dir.path(), &[]);
    let file = path.to_str().expect("utf-8 path");
    let bytes = read(&path);

    let by_file = pgark(&["list", file], None);
    assert!(by_file.status.success(), "{}", text(&by_file.stderr));
    let by_stdin = pgark(&["list", "-"], Some(&bytes));
    assert!(by_stdin.status.success(), "{}", text(&by_stdin.stderr));
    assert_eq!(by_file.stdout, by_stdin.stdout);

    // An edited list works with pg_restore -L: drop the data of public.plain.
    let listing = text(&by_file.stdout);
    assert!(listing.contains("TABLE DATA public plain"), "{listing}");
    let edited: String = listing
        .lines()
        .map(|l| {
            if l.contains("TABLE DATA public plain") {
                format!(";{l}\n")
            } else {
                format!("{l}\n")
            }
        })
        .collect();
    let list_file = dir.path().join("edited.list");
    fs::write(&list_file, edited).expect("write list");
    let restored = assert_restores(
        PgVersion::V15,
        &path,
        &["-L", list_file.to_str().expect("utf-8 path")],
    );
    assert_eq!(query(&restored, "SELECT count(*) FROM public.plain"), "0\n");
    assert_eq!(
        query(&restored, "SELECT count(*) FROM public.wide"),
        "3000\n"
    );

    // verify reports every table's rows, from a file and from stdin.
    let out = pgark(&["verify", file], None);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    for (ns, rel, n) in row_counts(&db) {
        let line = report
            .lines()
            .find(|l| l.ends_with(&format!("TABLE DATA {ns}.{rel}")))
            .unwrap_or_else(|| panic!("no line for {ns}.{rel} in\n{report}"));
        assert!(
            line.split_whitespace().nth(4) == Some(&n.to_string()),
            "{line}"
        );
    }
    let quiet = pgark(&["verify", "--quiet", "-"], Some(&bytes));
    assert!(quiet.status.success());
    assert!(text(&quiet.stdout).starts_with(&format!("OK: {} bytes", bytes.len())));
}

#[test]
fn defects_give_one_line_and_a_documented_exit_code() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fixture_db(pg(PgVersion::V15), "archive_basics.sql");
    let bytes = read(&real_dump(&db, dir.path(), &[]));

    let check = |args: &[&str], stdin: Option<&[u8]>, code: i32, needle: &str| {
        let out = pgark(args, stdin);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
    };
    // Truncated: archive error, 5.
    check(
        &["verify", "-"],
        Some(&bytes[..bytes.len() - 100]),
        5,
        "archive truncated",
    );
    // Not an archive at all.
    check(
        &["verify", "-"],
        Some(b"hello, world"),
        5,
        "not a PostgreSQL custom archive",
    );
    check(
        &["list", "-"],
        Some(b"PGDMP\x01\x11\x00\x04\x08\x01\x00"),
        5,
        "unsupported archive version 1.17",
    );
    // Missing file: storage error, 4.
    let missing = dir.path().join("missing.dump");
    check(
        &["verify", missing.to_str().expect("path")],
        None,
        4,
        "missing.dump",
    );
    // Usage error: 2.
    let out = pgark(&["verify"], None);
    assert_eq!(out.status.code(), Some(2));
}

/// An S3 object that cannot be read exits 4 with one line, for every
/// command that reads archives; a bug (a panic) exits 1 with one line that
/// says so, not Rust's 101 and a backtrace hint.
#[test]
fn s3_read_failures_exit_4_and_bugs_exit_1() {
    let server = pgark_testkit::moto();
    let bucket = "exit-codes";
    server.create_bucket(bucket);
    let (k, s) = server.admin_credentials();
    let missing = format!("s3://{bucket}/nothing/here.dump");
    for args in [
        vec!["list", missing.as_str()],
        vec!["verify", missing.as_str()],
        vec![
            "restore",
            missing.as_str(),
            "--dbname",
            "postgresql://nobody@127.0.0.1:1/x",
        ],
    ] {
        let out = crate::common::pgark_s3(&server.endpoint(), (&k, &s), &args);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(4), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: one line: {err}");
        assert!(err.contains("here.dump"), "{args:?}: {err}");
    }
    // Wrong credentials: still a storage failure, 4.
    let out = crate::common::pgark_s3(&server.endpoint(), ("nobody", "wrong"), &["list", &missing]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{err}");

    let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["list", "-"])
        .env("PGARK_DEBUG_PANIC", "1")
        .stdin(Stdio::null())
        .output()
        .expect("run pgark");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("pgark: internal error: "), "{err}");
    assert!(err.contains("a bug in pgark"), "{err}");
}

/// A panic on the backup's archive writer thread is a bug: exit 1 (not
/// 2, "usage"), saying so, and no archive under the final name.
#[test]
fn a_writer_thread_panic_exits_1() {
    let db = pg(PgVersion::V16).create_database("writer_panic");
    let dir = tempfile::tempdir().expect("tempdir");
    let to = dir.path().join("x.dump");
    let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["backup", "--database-url", &db.url(), "--to"])
        .arg(&to)
        .env("PGARK_DEBUG_PANIC", "writer")
        .env_remove("DATABASE_URL")
        .output()
        .expect("run pgark");
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("internal error"), "{err}");
    assert!(err.contains("archive writer"), "{err}");
    assert!(!to.exists(), "an archive was left: {err}");
    let left: Vec<_> = fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "files left: {left:?}");
}
