//! The data path of `pgark backup`: one snapshot over several
//! connections, the sinks other than S3, and what must fail cleanly.

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use pgark_testkit::{pg, PgServer, PgVersion};

use crate::backup::{backup, pgark_backup};
use crate::backup_split::{log_mark, log_since, range_copies};
use crate::common::{assert_restores, query};

const ACCOUNTS: i64 = 50;
const START_BALANCE: i64 = 1000;

/// Transfers money between accounts and books every transfer in a ledger
/// table, each in one transaction, until `stop`; returns the number done.
fn transfer_until(server: &PgServer, dbname: &str, stop: Arc<AtomicBool>, seed: u64) -> u64 {
    let mut psql = server
        .command("psql")
        .args(["-qAtX", "-v", "ON_ERROR_STOP=1", "-d", dbname])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("psql starts");
    let mut stdin = psql.stdin.take().expect("psql stdin");
    let mut x = seed | 1;
    let mut done = 0u64;
    while !stop.load(Ordering::Relaxed) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let from = (x % ACCOUNTS as u64) + 1;
        let to = ((x >> 20) % ACCOUNTS as u64) + 1;
        let amount = (x >> 40) % 50 + 1;
        if from == to {
            continue;
        }
        // One UPDATE locks both rows in index order: no deadlocks.
        let sql = format!(
            "BEGIN; UPDATE accounts SET balance = balance + CASE WHEN id = {from} THEN -{amount} - 1 \
             ELSE {amount} END WHERE id IN ({from}, {to}); \
             INSERT INTO ledger (account, fee) VALUES ({from}, 1); COMMIT;\n"
        );
        if std::io::Write::write_all(&mut stdin, sql.as_bytes()).is_err() {
            break;
        }
        done += 1;
        if done.is_multiple_of(50) {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    drop(stdin);
    let status = psql.wait().expect("psql ends");
    assert!(status.success(), "transfers failed");
    done
}

/// The consistency test: while transfers move money between
/// accounts and book a fee in a ledger (two tables read by different
/// connections), a backup with 4 jobs restores to a database where the
/// money adds up and the ledger's sequence is at least its last id.
/// Every table is split into block ranges (`--split-threshold 0`; the
/// server's log shows at least 4 range COPYs of the accounts): each
/// account row fills a third of a page, so an update moves it to another
/// page, often into another range or past the last range's start.
#[test]
fn backup_under_load_is_one_snapshot() {
    let version = PgVersion::V16;
    let source = pg(version).create_database("load");
    query(
        &source,
        &format!(
            "CREATE TABLE accounts (id integer PRIMARY KEY, balance bigint NOT NULL, pad text); \
             ALTER TABLE accounts ALTER COLUMN pad SET STORAGE PLAIN; \
             INSERT INTO accounts SELECT g, {START_BALANCE}, repeat(md5(g::text), 80) \
               FROM generate_series(1, {ACCOUNTS}) g; \
             CREATE TABLE ledger (id bigserial PRIMARY KEY, account integer NOT NULL, fee bigint NOT NULL); \
             CREATE TABLE padding AS SELECT g, md5(g::text) AS t FROM generate_series(1, 200000) g;"
        ),
    );
    let stop = Arc::new(AtomicBool::new(false));
    let transfers = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..3)
        .map(|i| {
            let (server, name) = (source.server(), source.name.clone());
            let (stop, transfers) = (stop.clone(), transfers.clone());
            std::thread::spawn(move || {
                let n = transfer_until(server, &name, stop, 0x9e37_79b9 + i);
                transfers.fetch_add(n, Ordering::Relaxed);
            })
        })
        .collect();
    // Let the load start, then back up several times while it runs.
    let deadline = Instant::now() + Duration::from_secs(30);
    while query(&source, "SELECT count(*) FROM ledger").trim() == "0" {
        assert!(Instant::now() < deadline, "no transfer happened");
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut archives = Vec::new();
    for i in 0..3 {
        let path = dir.path().join(format!("load-{i}.dump"));
        let mark = log_mark(&source);
        // The backup's sessions log their statements (the writers' do not).
        let out = pgark_backup(
            &format!("{}?options=-c%20log_statement%3Dall", source.url()),
            &path,
            &[
                "--jobs",
                "4",
                "--compress",
                "gzip:1",
                "--split-threshold",
                "0",
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ranges = range_copies(&log_since(&source, mark), "public.accounts");
        assert!(
            ranges.len() >= 4,
            "backup {i} read the accounts in {} ranges: {ranges:#?}",
            ranges.len()
        );
        archives.push(path);
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        w.join().expect("writer thread");
    }
    assert!(transfers.load(Ordering::Relaxed) > 0);
    for archive in &archives {
        let copy = assert_restores(version, archive, &["-j", "4"]);
        let total: i64 = query(
            &copy,
            "SELECT (SELECT sum(balance) FROM accounts) + (SELECT coalesce(sum(fee), 0) FROM ledger)",
        )
        .trim()
        .parse()
        .expect("a number");
        assert_eq!(
            total,
            ACCOUNTS * START_BALANCE,
            "money appeared or vanished in {archive:?}"
        );
        let seq_ok = query(
            &copy,
            "SELECT (SELECT last_value FROM ledger_id_seq) >= (SELECT coalesce(max(id), 0) FROM ledger)",
        );
        assert_eq!(
            seq_ok.trim(),
            "t",
            "sequence behind its table in {archive:?}"
        );
    }
}

/// An empty database gives a valid archive that restores; zero-row tables
/// too.
#[test]
fn empty_database_and_empty_tables() {
    let version = PgVersion::V18;
    let dir = tempfile::tempdir().expect("temp dir");
    let empty = pg(version).create_database("empty");
    let archive = backup(&empty, dir.path(), &[]);
    assert!(std::fs::metadata(&archive).expect("archive").len() > 0);
    assert_restores(version, &archive, &[]);
    let zero = pg(version).create_database("zero_rows");
    query(
        &zero,
        "CREATE TABLE a (x int); CREATE TABLE b (); CREATE TABLE c (t text)",
    );
    let archive = backup(&zero, dir.path(), &["--jobs", "3"]);
    let copy = assert_restores(version, &archive, &[]);
    assert_eq!(query(&copy, "SELECT count(*) FROM a").trim(), "0");
}

/// Tables whose heap has no blocks are not read with COPY; their entries
/// still hold pg_dump's end-of-data marker, and every other state of a
/// table (rows deleted but not vacuumed, vacuumed away, truncated, rows
/// only in an inheritance child) keeps its rows.
#[test]
fn empty_heaps_are_skipped_and_nothing_else() {
    let version = PgVersion::V16;
    let dir = tempfile::tempdir().expect("temp dir");
    let db = pg(version).create_database("heaps");
    query(
        &db,
        "CREATE TABLE never (x int); \
         CREATE TABLE deleted (x int); INSERT INTO deleted SELECT generate_series(1, 100); \
         DELETE FROM deleted WHERE x > 3; \
         CREATE TABLE vacuumed (x int) WITH (autovacuum_enabled = off); \
         INSERT INTO vacuumed SELECT generate_series(1, 100); DELETE FROM vacuumed; \
         CREATE TABLE truncated (x int); INSERT INTO truncated VALUES (1); TRUNCATE truncated; \
         CREATE TABLE parent (x int); CREATE TABLE child () INHERITS (parent); \
         INSERT INTO child VALUES (7), (8); \
         CREATE TABLE full_table (x int); INSERT INTO full_table SELECT generate_series(1, 1000);",
    );
    query(&db, "VACUUM vacuumed");
    let empty_heaps = query(
        &db,
        "SELECT count(*) FROM pg_class WHERE relname IN ('never', 'vacuumed', 'truncated', 'parent') \
         AND pg_relation_size(oid) = 0",
    );
    assert_eq!(empty_heaps.trim(), "4", "the fixture has four empty heaps");
    // Which tables the backup COPYs, as the server logs it.
    query(
        &db,
        &format!("ALTER DATABASE \"{}\" SET log_statement = 'all'", db.name),
    );
    let log = db.server().dir().join("server.log");
    let start = crate::common::read(&log).len();
    let archive = backup(&db, dir.path(), &["--jobs", "2"]);
    let logged = String::from_utf8_lossy(&crate::common::read(&log)[start..]).into_owned();
    let copied = |t: &str| logged.contains(&format!("COPY public.{t} (x) TO stdout"));
    for t in ["deleted", "full_table", "child"] {
        assert!(copied(t), "{t} has rows to COPY:\n{logged}");
    }
    for t in ["never", "vacuumed", "truncated", "parent"] {
        assert!(!copied(t), "{t}'s heap is empty: no COPY");
    }
    let copy = assert_restores(version, &archive, &[]);
    assert_eq!(
        crate::common::row_counts(&db),
        crate::common::row_counts(&copy)
    );
    // The data section as pg_restore replays it is pg_dump's, byte for byte.
    let theirs = crate::common::real_dump(&db, dir.path(), &[]);
    let data = |archive: &std::path::Path| {
        crate::common::pg_restore_script(version, archive, &["--data-only"])
            .lines()
            .filter(|l| {
                !l.starts_with("--")
                    && !l.starts_with("\\restrict")
                    && !l.starts_with("\\unrestrict")
            })
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(data(&archive), data(&theirs));
}

/// `--to -` streams the archive to stdout (no data offsets) and it
/// restores; stdout on a full disk (`/dev/full`) is one clear line, exit 4.
#[test]
fn stdout_sink_and_full_disk() {
    let version = PgVersion::V16;
    let db = crate::common::fixture_db(pg(version), "schema_basics.sql");
    let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["backup", "--database-url", &db.url(), "--to", "-"])
        .output()
        .expect("pgark runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("piped.dump");
    std::fs::write(&file, &out.stdout).expect("write");
    let copy = assert_restores(version, &file, &[]);
    assert_eq!(
        crate::backup::plain_dump(&db),
        crate::backup::plain_dump(&copy),
        "the piped archive restores to a different database"
    );

    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["backup", "--database-url", &db.url(), "--to", "-"])
        .stdout(full)
        .output()
        .expect("pgark runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(crate::backup::error_lines(&stderr), 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
}

/// A table locked by another session: the backup gives up after
/// --lock-wait-timeout, naming the table, exit 3, no file left.
#[test]
fn lock_timeout_names_the_table() {
    let version = PgVersion::V15;
    let db = pg(version).create_database("locked");
    query(
        &db,
        "CREATE TABLE free (x int); CREATE TABLE \"Busy Table\" (x int)",
    );
    let mut holder = db
        .server()
        .command("psql")
        .args(["-qAtX", "-d", &db.name])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("psql starts");
    let mut stdin = holder.stdin.take().expect("stdin");
    std::io::Write::write_all(
        &mut stdin,
        b"BEGIN; LOCK TABLE \"Busy Table\" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60);\n",
    )
    .expect("psql takes the lock");
    let deadline = Instant::now() + Duration::from_secs(30);
    while query(&db, "SELECT count(*) FROM pg_locks WHERE mode = 'AccessExclusiveLock' AND relation = '\"Busy Table\"'::regclass").trim() != "1" {
        assert!(Instant::now() < deadline, "the lock was not taken");
        std::thread::sleep(Duration::from_millis(50));
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let out = pgark_backup(
        &db.url(),
        &dir.path().join("x.dump"),
        &["--lock-wait-timeout", "1s"],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(crate::backup::error_lines(&stderr), 1, "{stderr}");
    assert!(stderr.contains("\"Busy Table\""), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

/// A full disk under the file sink: one line naming the target file (not
/// its temporary name), exit 4, nothing left on the full filesystem.
/// Needs a small tmpfs, mounted here as root (as CI runs the suite);
/// without the privilege the test fails rather than pass unchecked.
#[test]
fn full_disk_for_the_file_sink() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=2m", "tmpfs"])
        .arg(dir.path())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        mounted,
        "cannot mount a 2 MB tmpfs on {} (the suite runs as root in CI): \
         the full-disk behaviour is not checked",
        dir.path().display()
    );
    struct Unmount<'a>(&'a std::path::Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(dir.path());
    let db = pg(PgVersion::V16).create_database("full_disk");
    query(
        &db,
        "CREATE TABLE noise AS SELECT g, md5(g::text) || md5(random()::text) AS t FROM generate_series(1, 200000) g",
    );
    let target = dir.path().join("backup.dump");
    let out = pgark_backup(&db.url(), &target, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(crate::backup::error_lines(&stderr), 1, "{stderr}");
    assert!(stderr.contains("No space left on device"), "{stderr}");
    assert!(stderr.contains(target.to_str().expect("utf-8")), "{stderr}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}
