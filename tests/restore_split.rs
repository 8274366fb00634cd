//! `pgark restore -j N` loading one table's data on several connections at
//! once (pg_restore cannot): the copy holds the same rows as the source and
//! as an unsplit restore, the split is seen from the server (rows written
//! by several transactions), and a bad row in the middle is reported once,
//! as pg_restore reports it, the rest of the restore going on.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use pgark_testkit::{moto, pg, PgVersion, TestDb};

use crate::backup::{assert_same_dump, backup, plain_dump};
use crate::common::{query, read, row_counts};

const VERSION: PgVersion = PgVersion::V16;
/// Rows of the big table; the bad row's id.
const ROWS: u32 = 200_000;
const BAD_ID: u32 = 70_000;

/// A source with one big table (two indexes, referenced by a foreign key)
/// and two small ones.
fn source() -> TestDb {
    let db = pg(VERSION).create_database("split");
    query(
        &db,
        &format!(
            "CREATE TABLE big (id int PRIMARY KEY, v text NOT NULL, n numeric);\n\
             INSERT INTO big SELECT g, md5(g::text), g * 1.5 FROM generate_series(1, {ROWS}) g;\n\
             CREATE INDEX big_v ON big (v);\n\
             CREATE TABLE child (id int PRIMARY KEY, big_id int REFERENCES big);\n\
             INSERT INTO child SELECT g, g * 3 FROM generate_series(1, 100) g;\n\
             CREATE TABLE other (x int);\n\
             INSERT INTO other VALUES (1), (2), (3);"
        ),
    );
    db
}

fn pgark_restore(archive: &str, db: &TestDb, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["restore", archive, "--dbname", &db.url()])
        .args(extra)
        .output()
        .expect("run pgark restore")
}

/// md5 over the big table's rows in key order.
fn checksum(db: &TestDb) -> String {
    query(
        db,
        "SELECT count(*) || ' ' || md5(string_agg(b::text, ',' ORDER BY id)) FROM big b",
    )
    .trim()
    .to_owned()
}

/// How many transactions wrote the big table's rows (as the server tells).
fn writers(db: &TestDb) -> u32 {
    query(db, "SELECT count(DISTINCT xmin::text) FROM big")
        .trim()
        .parse()
        .expect("a count")
}

/// Split (3 connections, every table eligible) and unsplit restores of
/// `archive` give the source's rows; only the split one wrote the big
/// table from several transactions.
fn split_and_plain_agree(source: &TestDb, run: impl Fn(&TestDb, &[&str]) -> Output) {
    let expected = checksum(source);
    assert!(expected.starts_with(&format!("{ROWS} ")), "{expected}");
    let split = pg(VERSION).create_database("split_copy");
    let out = run(&split, &["-j", "3", "--split-threshold", "0"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let plain = pg(VERSION).create_database("plain_copy");
    let out = run(&plain, &["-j", "3", "--split-threshold", "off"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    assert_eq!(checksum(&split), expected, "split restore");
    assert_eq!(checksum(&plain), expected, "unsplit restore");
    assert!(writers(&split) >= 2, "split: {} writers", writers(&split));
    assert_eq!(writers(&plain), 1, "unsplit");
    // The rows come in another physical order: the dumps agree line for
    // line once sorted.
    assert_same_dump(
        "split vs source",
        &sorted_dump(source),
        &sorted_dump(&split),
    );
    assert_same_dump(
        "split vs unsplit",
        &sorted_dump(&plain),
        &sorted_dump(&split),
    );
}

/// A plain dump with its lines sorted.
fn sorted_dump(db: &TestDb) -> String {
    let dump = plain_dump(db);
    let mut lines: Vec<&str> = dump.lines().collect();
    lines.sort_unstable();
    lines.join("\n")
}

#[test]
fn split_restore_gives_the_same_rows() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source();
    let archive = backup(&source, dir.path(), &[]);
    let archive = archive.display().to_string();
    split_and_plain_agree(&source, |db, extra| pgark_restore(&archive, db, extra));
}

#[test]
fn split_restore_from_s3() {
    let server = moto();
    let bucket = "pgark-restore-split";
    server.create_bucket(bucket);
    let source = source();
    let (k, s) = server.admin_credentials();
    let to = format!("s3://{bucket}/{}.dump", source.name);
    let out = crate::common::pgark_s3(
        &server.endpoint(),
        (&k, &s),
        &["backup", "--database-url", &source.url(), "--to", &to],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let location = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    split_and_plain_agree(&source, |db, extra| {
        let mut args = vec!["restore", location.as_str(), "--dbname"];
        let url = db.url();
        args.push(&url);
        args.extend_from_slice(extra);
        crate::common::pgark_s3(&server.endpoint(), (&k, &s), &args)
    });
}

/// Rows inserted into the big table, aborted ones included, once the
/// server's statistics have them (backends flush them as they exit).
fn inserted(db: &TestDb, at_least: u64) -> u64 {
    let start = Instant::now();
    loop {
        let n: u64 = query(
            db,
            "SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'big'",
        )
        .trim()
        .parse()
        .expect("a count");
        if n >= at_least || start.elapsed() > Duration::from_secs(5) {
            return n;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
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

/// pg_restore's report of a failed COPY: the line and its CONTEXT line.
fn copy_failure(stderr: &str) -> String {
    let at = stderr
        .find("COPY failed for table \"big\"")
        .unwrap_or_else(|| panic!("no COPY failure: {stderr}"));
    stderr[at..].lines().take(2).collect::<Vec<_>>().join("\n")
}

#[test]
fn split_restore_bad_row_is_reported_once_like_pg_restore() {
    bad_row(false);
}

#[test]
fn split_restore_bad_row_from_s3() {
    bad_row(true);
}

/// A bad row in the middle of the big table's data, restored by pg_restore
/// -j 3 from the file and by pgark -j 3 (every table split) from the file
/// or, `from_s3`, from a copy of it in moto.
fn bad_row(from_s3: bool) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source();
    let archive = backup(&source, dir.path(), &["--compress", "none"]);
    let mut bytes = read(&archive);
    let row = format!("\n{BAD_ID}\t");
    let at = bytes
        .windows(row.len())
        .position(|w| w == row.as_bytes())
        .expect("the row is stored uncompressed");
    bytes[at + row.len() - 2] = b'x';
    let bad = dir.path().join("bad.dump");
    std::fs::write(&bad, bytes).expect("write archive");

    let reference = pg(VERSION).create_database("split_ref");
    let theirs = reference
        .server()
        .command("pg_restore")
        .args(["-d", &reference.name, "-j", "3"])
        .arg(&bad)
        .output()
        .expect("run pg_restore");
    let their_err = String::from_utf8_lossy(&theirs.stderr);
    let native = pg(VERSION).create_database("split_bad");
    let split = ["-j", "3", "--split-threshold", "0"];
    let ours = if from_s3 {
        let server = moto();
        let bucket = "pgark-restore-split-bad";
        server.create_bucket(bucket);
        let key = format!("{}.dump", native.name);
        let script = format!(
            "import boto3\nboto3.client('s3').put_object(Bucket={bucket:?}, Key={key:?}, \
             Body=open({:?}, 'rb').read())\n",
            bad.display().to_string()
        );
        server.python(&script).expect("upload the archive");
        let (k, s) = server.admin_credentials();
        let location = format!("s3://{bucket}/{key}");
        let url = native.url();
        let mut args = vec!["restore", location.as_str(), "--dbname", url.as_str()];
        args.extend_from_slice(&split);
        crate::common::pgark_s3(&server.endpoint(), (&k, &s), &args)
    } else {
        pgark_restore(&bad.display().to_string(), &native, &split)
    };
    let our_err = String::from_utf8_lossy(&ours.stderr);

    assert_eq!(ours.status.code(), Some(3), "{our_err}");
    let expected = copy_failure(&their_err);
    assert!(
        expected.contains(&format!("line {BAD_ID}, column id")),
        "{their_err}"
    );
    assert_eq!(copy_failure(&our_err), expected, "pgark:\n{our_err}");
    assert_eq!(
        our_err.matches("COPY failed for table").count(),
        1,
        "{our_err}"
    );
    assert_eq!(
        ignored(&our_err),
        ignored(&their_err),
        "error count\npgark:\n{our_err}\npg_restore:\n{their_err}"
    );
    assert!(ignored(&their_err).is_some());
    // Nothing of the table, everything else (indexes, the foreign key
    // over an empty table, the small tables).
    assert_same_dump("bad row", &plain_dump(&reference), &plain_dump(&native));
    assert_eq!(row_counts(&reference), row_counts(&native));
    assert_eq!(query(&native, "SELECT count(*) FROM big").trim(), "0");
    // The server saw rows past the bad one inserted (and rolled back):
    // shares on other connections; pg_restore's one COPY stopped at it.
    let past = u64::from(BAD_ID) + 1000;
    assert!(inserted(&native, past) >= past, "pgark inserted");
    assert!(
        inserted(&reference, 0) < u64::from(BAD_ID),
        "pg_restore inserted"
    );
}
