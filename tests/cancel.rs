//! Cancellation: a backup, restore, verify or drill stopped through its
//! options' token, or `pgark restore` by SIGTERM, stops promptly, says
//! what it was doing and what it left, and leaves what it promises: no
//! archive under the target name, no connection to the restored
//! database, no scratch database. Runs are caught in the act by polling
//! the server (`pg_stat_activity`), never by sleeping.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pgark::{Error, Interruption};
use pgark_testkit::{moto, pg, PgServer, PgVersion, TestDb};

use crate::backup_s3::add_bulk;
use crate::common::query;

/// How long a cancelled run may take to stop (it takes well under a
/// second; the bound only turns a hang into a failure).
const STOPS_WITHIN: Duration = Duration::from_secs(30);

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// One value `sql` returns, read in the `postgres` database (so that the
/// reading session is not counted in the database watched).
fn server_value(server: &PgServer, sql: &str) -> String {
    server
        .psql("postgres", sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .trim()
        .to_owned()
}

/// Polls until `sql` (a count) is not 0; fails if `ended` says the run
/// finished first, or after two minutes.
fn wait_for(server: &PgServer, sql: &str, what: &str, ended: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while server_value(server, sql) == "0" {
        assert!(!ended(), "the run ended before {what}");
        assert!(Instant::now() < deadline, "never saw {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Polls until a COPY runs in a database whose name is `LIKE pattern`.
fn wait_for_copy(server: &PgServer, pattern: &str, ended: impl Fn() -> bool) {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE '{pattern}' \
         AND query ILIKE 'COPY %'"
    );
    wait_for(server, &sql, "a COPY", ended);
}

/// Polls until a statement starting with `statement` waits for a lock in
/// `db`.
fn wait_for_lock(db: &TestDb, statement: &str, what: &str, ended: impl Fn() -> bool) {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}' \
         AND wait_event_type = 'Lock' AND query ILIKE '{statement} %'",
        db.name
    );
    wait_for(db.server(), &sql, what, ended);
}

/// The sessions connected to `db`; polled until there are none (a
/// closed connection's backend exits at once), failing after
/// [`STOPS_WITHIN`].
fn assert_no_sessions_left(db: &TestDb) {
    let sql = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}'",
        db.name
    );
    let deadline = Instant::now() + STOPS_WITHIN;
    loop {
        let n = server_value(db.server(), &sql);
        if n == "0" {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{n} session(s) still connected to {}",
            db.name
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// What the cancelled `task` returned, failing if it did not stop.
fn stopped<T: Send + 'static>(
    rt: &tokio::runtime::Runtime,
    task: tokio::task::JoinHandle<pgark::Result<T>>,
) -> pgark::Result<T> {
    rt.block_on(async { tokio::time::timeout(STOPS_WITHIN, task).await })
        .expect("the run did not stop after its cancellation")
        .expect("the run's task")
}

/// `Interruption` of a cancellation, or a failure showing the result.
fn interruption<T: std::fmt::Debug>(result: pgark::Result<T>) -> (Interruption, String) {
    match result {
        Err(
            e @ Error::Interrupted {
                by: "cancellation", ..
            },
        ) => {
            let text = e.to_string();
            let Error::Interrupted { during, .. } = e else {
                unreachable!()
            };
            (during, text)
        }
        other => panic!("not interrupted by its cancellation: {other:?}"),
    }
}

/// A database of 1.5 million rows and its archive (gzip, data offsets
/// stored), in `dir`.
fn bulk_archive(rt: &tokio::runtime::Runtime, dir: &Path) -> (TestDb, PathBuf) {
    let source = pg(PgVersion::V16).create_database("cancel_src");
    add_bulk(&source, 1_500_000);
    let archive = dir.join("bulk.dump");
    let opts = pgark::backup::BackupOptions::new(
        source.url(),
        pgark::backup::Target::File(archive.clone()),
    );
    rt.block_on(pgark::backup::backup(&opts)).expect("backup");
    (source, archive)
}

#[test]
fn a_cancelled_backup_and_restore_stop_with_interrupted_and_leave_no_archive() {
    use pgark::backup::{BackupOptions, Target};
    use pgark::restore::RestoreOptions;
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = runtime();
    let (source, archive) = bulk_archive(&rt, dir.path());

    // A slow backup (one connection, one thread, gzip 9), cancelled while
    // its COPY runs: nothing in the directory, no archive, no temporary file.
    let cancelled = dir.path().join("cancelled");
    std::fs::create_dir(&cancelled).expect("mkdir");
    let mut opts = BackupOptions::new(source.url(), Target::File(cancelled.join("db.dump")));
    opts.compression = pgark::archive::Compression::Gzip { level: 9 };
    (opts.jobs, opts.compress_threads) = (1, 1);
    let token = pgark::CancellationToken::new();
    opts.cancel = Some(token.clone());
    let task = rt.spawn(async move { pgark::backup::backup(&opts).await });
    wait_for_copy(source.server(), &source.name, || task.is_finished());
    token.cancel();
    let (during, text) = interruption(stopped(&rt, task));
    assert_eq!(during, Interruption::Backup);
    assert_eq!(text, "interrupted by cancellation; no archive was written");
    let left: Vec<_> = std::fs::read_dir(&cancelled).expect("dir").collect();
    assert!(left.is_empty(), "left behind: {left:?}");

    // The whole archive, restored into a fresh database, cancelled while
    // its COPY runs.
    let target = pg(PgVersion::V16).create_database("cancel_restore");
    let mut opts = RestoreOptions::new(target.url());
    let token = pgark::CancellationToken::new();
    opts.cancel = Some(token.clone());
    let from = pgark::source::Source::File(archive);
    let task = rt.spawn(async move { pgark::restore::restore(&from, &opts).await });
    wait_for_copy(target.server(), &target.name, || task.is_finished());
    token.cancel();
    let (during, _) = interruption(stopped(&rt, task));
    assert_eq!(during, Interruption::Restore);
    assert_no_sessions_left(&target);
}

#[test]
fn a_backup_cancelled_while_its_catalog_phase_waits_for_a_lock_stops_at_once() {
    use pgark::backup::{BackupOptions, Target};
    let source = pg(PgVersion::V16).create_database("cancel_catalog");
    query(&source, "CREATE TABLE public.held (id int)");
    let rt = runtime();
    // Another session holds the table: the backup's LOCK TABLE, in the
    // catalog phase, waits for it (up to an hour) before any COPY.
    let holder = rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&source.url(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
            .batch_execute("BEGIN; LOCK TABLE public.held IN ACCESS EXCLUSIVE MODE")
            .await
            .expect("lock");
        client
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let mut opts = BackupOptions::new(source.url(), Target::File(dir.path().join("db.dump")));
    opts.lock_wait_timeout = Duration::from_secs(3600);
    let token = pgark::CancellationToken::new();
    opts.cancel = Some(token.clone());
    let task = rt.spawn(async move { pgark::backup::backup(&opts).await });
    wait_for_lock(
        &source,
        "LOCK TABLE",
        "the backup waiting for its lock",
        || task.is_finished(),
    );
    token.cancel();
    let (during, _) = interruption(stopped(&rt, task));
    assert_eq!(during, Interruption::Backup);
    let left: Vec<_> = std::fs::read_dir(dir.path()).expect("dir").collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    // Its connections are closed: only the holder is left.
    let sessions = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}'",
        source.name
    );
    let deadline = Instant::now() + STOPS_WITHIN;
    while server_value(source.server(), &sessions) != "1" {
        assert!(Instant::now() < deadline, "the backup's sessions stay");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(holder);
}

#[test]
fn a_parallel_restore_cancelled_mid_data_stops_and_closes_its_connections() {
    use pgark::restore::RestoreOptions;
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = runtime();
    let (_source, archive) = bulk_archive(&rt, dir.path());
    let target = pg(PgVersion::V16).create_database("cancel_parallel");
    let mut opts = RestoreOptions::new(target.url());
    // Two workers, the table split between them: two COPYs at once.
    opts.jobs = 2;
    opts.split_threshold = Some(1 << 20);
    let token = pgark::CancellationToken::new();
    opts.cancel = Some(token.clone());
    let from = pgark::source::Source::File(archive);
    let task = rt.spawn(async move { pgark::restore::restore(&from, &opts).await });
    wait_for_copy(target.server(), &target.name, || task.is_finished());
    token.cancel();
    let (during, text) = interruption(stopped(&rt, task));
    assert_eq!(during, Interruption::Restore);
    assert_eq!(
        text,
        "interrupted by cancellation; the restore did not finish: the database keeps what \
         was restored until then"
    );
    assert_no_sessions_left(&target);
}

#[test]
fn a_cancelled_verify_stops_mid_archive_without_a_verdict() {
    use std::io::Write;
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = runtime();
    let (_source, archive) = bulk_archive(&rt, dir.path());
    let bytes = std::fs::read(&archive).expect("archive");
    // The archive through a named pipe: once the first half is written,
    // the verify has read all but the pipe's buffer of it; the rest
    // comes only after the cancellation.
    let pipe = dir.path().join("pipe.dump");
    let made = Command::new("mkfifo").arg(&pipe).status().expect("mkfifo");
    assert!(made.success());
    let (half_tx, half_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<()>();
    let writer = {
        let pipe = pipe.clone();
        std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new()
                .write(true)
                .open(&pipe)
                .expect("open the pipe");
            let half = bytes.len() / 2;
            w.write_all(&bytes[..half]).expect("first half");
            half_tx.send(()).expect("signal");
            let _ = go_rx.recv();
            // The verify stopped reading: the pipe may be closed.
            let _ = w.write_all(&bytes[half..]);
        })
    };
    let token = pgark::CancellationToken::new();
    let cancel = token.clone();
    let source = pgark::source::Source::File(pipe);
    let task = rt.spawn(async move {
        let s3 = pgark::sink::s3::S3ClientOptions::default();
        pgark::verify::verify_until_cancelled(&source, None, &s3, Some(&cancel)).await
    });
    half_rx
        .recv_timeout(Duration::from_secs(120))
        .expect("the verify reads half the archive");
    assert!(!task.is_finished(), "the verify ended on half an archive");
    token.cancel();
    go_tx.send(()).expect("go");
    let (during, text) = interruption(stopped(&rt, task));
    assert_eq!(during, Interruption::Verify);
    assert_eq!(
        text,
        "interrupted by cancellation; the archive was not read to the end: it was not verified"
    );
    writer.join().expect("writer");
}

#[test]
fn a_cancelled_drill_drops_its_scratch_database_even_with_keep() {
    use pgark::backup::{BackupOptions, Target};
    use pgark::drill::DrillOptions;
    let rt = runtime();
    // On 17: tests/drill.rs counts every scratch database on the
    // servers it uses (15, 16, 18).
    let server = pg(PgVersion::V17);
    let source = server.create_database("cancel_drill");
    add_bulk(&source, 1_500_000);
    let s3 = moto();
    let bucket = "cancel-drill";
    s3.create_bucket(bucket);
    let (key, secret) = s3.admin_credentials();
    let s3_opts = pgark::sink::s3::S3ClientOptions::default()
        .with_endpoint_url(s3.endpoint())
        .with_region("us-east-1")
        .with_static_credentials(key, secret);
    let mut opts = BackupOptions::new(
        source.url(),
        Target::S3 {
            bucket: bucket.into(),
            key: "drill/".into(),
        },
    );
    opts.s3 = s3_opts.clone();
    rt.block_on(pgark::backup::backup(&opts)).expect("backup");

    let mut opts = DrillOptions::new(bucket, "drill/", server.url("postgres"));
    opts.s3 = s3_opts;
    // Kept after a drill that ran; not after one cut short.
    opts.keep = true;
    let token = pgark::CancellationToken::new();
    opts.cancel = Some(token.clone());
    let task = rt.spawn(async move { pgark::drill::drill(&opts).await });
    // Its scratch database is pgark_drill_<time>_<this process>.
    let scratch = format!("pgark_drill_%_{}", std::process::id());
    wait_for_copy(server, &scratch, || task.is_finished());
    token.cancel();
    let (during, text) = interruption(stopped(&rt, task));
    let Interruption::Drill {
        scratch: Some(name),
        not_dropped: None,
    } = &during
    else {
        panic!("{during:?}");
    };
    assert_eq!(
        text,
        format!("interrupted by cancellation; the drill stopped; its scratch database {name} was dropped")
    );
    let left = format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'");
    assert_eq!(server_value(server, &left), "0", "{name} is left");
}

/// Sends SIGTERM to `child` and waits for it (failing after
/// [`STOPS_WITHIN`]): its status and standard error.
fn sigterm(child: &mut std::process::Child) -> (std::process::ExitStatus, String) {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(sent.success());
    let deadline = Instant::now() + STOPS_WITHIN;
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("pgark did not stop on SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("stderr");
    (status, stderr)
}

/// Whether `child` has exited.
fn exited(child: &std::sync::Mutex<&mut std::process::Child>) -> bool {
    child
        .lock()
        .expect("child")
        .try_wait()
        .expect("try_wait")
        .is_some()
}

#[test]
fn sigterm_stops_a_parallel_cli_restore_with_exit_130_and_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = runtime();
    let (_source, archive) = bulk_archive(&rt, dir.path());
    let target = pg(PgVersion::V16).create_database("cancel_cli");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["restore", "-j", "2", "--split-threshold", "1MiB", "-d"])
        .arg(target.url())
        .arg(&archive)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pgark restore");
    let running = std::sync::Mutex::new(&mut child);
    wait_for_copy(target.server(), &target.name, || exited(&running));
    let (status, stderr) = sigterm(&mut child);
    assert_eq!(status.code(), Some(130), "{status:?}: {stderr}");
    assert_eq!(
        stderr,
        "pgark: error: interrupted by SIGTERM; the restore did not finish: the database \
         keeps what was restored until then\n"
    );
    assert_no_sessions_left(&target);
}

#[test]
fn a_restore_cancelled_while_a_statement_waits_for_a_lock_closes_its_connection() {
    use pgark::restore::RestoreOptions;
    let dir = tempfile::tempdir().expect("tempdir");
    let rt = runtime();
    let source = pg(PgVersion::V16).create_database("cancel_lock_src");
    query(&source, "CREATE TABLE public.held (id int)");
    let archive = dir.path().join("held.dump");
    let opts = pgark::backup::BackupOptions::new(
        source.url(),
        pgark::backup::Target::File(archive.clone()),
    );
    rt.block_on(pgark::backup::backup(&opts)).expect("backup");
    // The target has the table, held by another session: the restore's
    // DROP TABLE (--clean) waits for it.
    let target = pg(PgVersion::V16).create_database("cancel_lock");
    query(&target, "CREATE TABLE public.held (id int)");
    let holder = rt.block_on(async {
        let (client, connection) = tokio_postgres::connect(&target.url(), tokio_postgres::NoTls)
            .await
            .expect("connect");
        tokio::spawn(connection);
        client
            .batch_execute("BEGIN; LOCK TABLE public.held IN ACCESS EXCLUSIVE MODE")
            .await
            .expect("lock");
        client
    });
    let mut opts = RestoreOptions::new(target.url());
    opts.clean = true;
    let token = pgark::CancellationToken::new();
    opts.cancel = Some(token.clone());
    let from = pgark::source::Source::File(archive);
    let task = rt.spawn(async move { pgark::restore::restore(&from, &opts).await });
    wait_for_lock(
        &target,
        "DROP TABLE",
        "the restore waiting for its lock",
        || task.is_finished(),
    );
    token.cancel();
    let (during, _) = interruption(stopped(&rt, task));
    assert_eq!(during, Interruption::Restore);
    // The restore's statement is cancelled and its connection closed:
    // only the holder is left.
    let sessions = format!(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = '{}'",
        target.name
    );
    let deadline = Instant::now() + STOPS_WITHIN;
    while server_value(target.server(), &sessions) != "1" {
        assert!(Instant::now() < deadline, "the restore's session stays");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(holder);
}

#[test]
fn sigterm_stops_a_cli_drill_which_drops_its_scratch_database() {
    use pgark::backup::{BackupOptions, Target};
    let rt = runtime();
    // On 17: tests/drill.rs counts every scratch database on the
    // servers it uses (15, 16, 18).
    let server = pg(PgVersion::V17);
    let source = server.create_database("cancel_cli_drill");
    add_bulk(&source, 1_500_000);
    let s3 = moto();
    let bucket = "cancel-cli-drill";
    s3.create_bucket(bucket);
    let (key, secret) = s3.admin_credentials();
    let mut opts = BackupOptions::new(
        source.url(),
        Target::S3 {
            bucket: bucket.into(),
            key: "drill/".into(),
        },
    );
    opts.s3 = pgark::sink::s3::S3ClientOptions::default()
        .with_endpoint_url(s3.endpoint())
        .with_region("us-east-1")
        .with_static_credentials(key.clone(), secret.clone());
    rt.block_on(pgark::backup::backup(&opts)).expect("backup");

    let mut child = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args([
            "drill",
            &format!("s3://{bucket}/drill/"),
            "--keep",
            "--target-url",
        ])
        .arg(server.url("postgres"))
        .env("AWS_ENDPOINT_URL", s3.endpoint())
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("pgark drill");
    // Its scratch database is pgark_drill_<time>_<its pid>.
    let scratch = format!("pgark_drill_%_{}", child.id());
    let running = std::sync::Mutex::new(&mut child);
    wait_for_copy(server, &scratch, || exited(&running));
    let (status, stderr) = sigterm(&mut child);
    assert_eq!(status.code(), Some(130), "{status:?}: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    let [line] = lines[..] else {
        panic!("not one line: {stderr}");
    };
    let name = line
        .strip_prefix(
            "pgark: error: interrupted by SIGTERM; the drill stopped; its scratch database ",
        )
        .and_then(|rest| rest.strip_suffix(" was dropped"))
        .unwrap_or_else(|| panic!("{line}"));
    assert!(name.ends_with(&format!("_{}", child.id())), "{name}");
    let left = format!("SELECT count(*) FROM pg_database WHERE datname = '{name}'");
    assert_eq!(server_value(server, &left), "0", "{name} is left");
}

/// A drill cancelled while it lists the bucket (an S3 endpoint that
/// accepts connections and never answers) stops at once, before it
/// creates a scratch database.
#[test]
fn a_drill_cancelled_while_listing_the_bucket_stops_before_its_scratch_database() {
    use pgark::drill::DrillOptions;
    let rt = runtime();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let endpoint = format!("http://{}", listener.local_addr().expect("address"));
    let (accepted, reached) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        // Held open, never answered.
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            held.push(conn);
            if accepted.send(()).is_err() {
                return;
            }
        }
    });
    let server = pg(PgVersion::V17);
    let mut opts = DrillOptions::new("silent", "drill/", server.url("postgres"));
    opts.s3 = pgark::sink::s3::S3ClientOptions::default()
        .with_endpoint_url(endpoint)
        .with_region("us-east-1")
        .with_static_credentials("key", "secret");
    let token = pgark::CancellationToken::new();
    opts.cancel = Some(token.clone());
    let task = rt.spawn(async move { pgark::drill::drill(&opts).await });
    reached
        .recv_timeout(STOPS_WITHIN)
        .expect("the drill never reached its S3 endpoint");
    token.cancel();
    let (during, text) = interruption(stopped(&rt, task));
    assert!(
        matches!(during, Interruption::Drill { scratch: None, .. }),
        "{during:?}"
    );
    assert_eq!(
        text,
        "interrupted by cancellation; the drill stopped before creating its scratch database"
    );
}
