//! `pgark drill`: the runbook's restore drill against a real bucket (moto)
//! and a real target server.

use std::process::Output;

use pgark::manifest::{ExtensionVersion, Manifest, SUFFIX};
use pgark_testkit::{moto, pg, MotoServer, PgVersion, TestDb};

use crate::common::query;

fn pgark(server: &MotoServer, args: &[&str]) -> Output {
    let (k, s) = server.admin_credentials();
    crate::common::pgark_s3(&server.endpoint(), (&k, &s), args)
}

/// `pgark backup` of `source` to the S3 URL `to`; returns the archive's
/// location.
fn backup_to(server: &MotoServer, source: &pgark_testkit::TestDb, to: &str) -> String {
    let out = pgark(
        server,
        &["backup", "--database-url", &source.url(), "--to", to],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// Copies the backup `key` and its manifest to `to` (as admin, through
/// boto3), the archive without its last `cut` bytes, the manifest naming
/// the copy (one naming another key vouches for nothing); returns the
/// manifest's text.
fn copy_backup(server: &MotoServer, bucket: &str, key: &str, to: &str, cut: usize) -> String {
    let script = format!(
        "import boto3, json\n\
         s3 = boto3.client('s3')\n\
         a = s3.get_object(Bucket={bucket:?}, Key={key:?})['Body'].read()\n\
         m = json.loads(s3.get_object(Bucket={bucket:?}, Key={mkey:?})['Body'].read())\n\
         m['archive'] = 's3://{bucket}/{to}'\n\
         m = json.dumps(m).encode()\n\
         s3.put_object(Bucket={bucket:?}, Key={to:?}, Body=a[:len(a) - {cut}])\n\
         s3.put_object(Bucket={bucket:?}, Key={tomkey:?}, Body=m)\n\
         print(m.decode())\n",
        mkey = format!("{key}{SUFFIX}"),
        tomkey = format!("{to}{SUFFIX}"),
    );
    server.python(&script).expect("copy the backup with boto3")
}

/// What a `pgark drill` run printed.
struct DrillRun {
    stdout: String,
    stderr: String,
}

/// `pgark drill URL --target-url TARGET EXTRA...`; panics (with what it
/// printed) unless it exits with `code`.
fn drill(server: &MotoServer, url: &str, target: &str, extra: &[&str], code: i32) -> DrillRun {
    let mut args = vec!["drill", url, "--target-url", target];
    args.extend_from_slice(extra);
    let out = pgark(server, &args);
    let run = DrillRun {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert_eq!(
        out.status.code(),
        Some(code),
        "pgark drill {url} {extra:?}: {}{}",
        run.stdout,
        run.stderr
    );
    run
}

fn scratch_databases(version: PgVersion) -> String {
    pg(version)
        .psql(
            "postgres",
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'pgark_drill_%'",
        )
        .expect("query")
        .trim()
        .to_owned()
}

#[test]
fn drill_restores_checks_records_and_cleans_up() {
    let server = moto();
    let bucket = "pgark-drill";
    server.create_bucket(bucket);
    let version = PgVersion::V16;
    let source = pg(version).create_database("drill_src");
    query(
        &source,
        "CREATE TABLE public.t (id int PRIMARY KEY, v text); \
         INSERT INTO public.t SELECT g, md5(g::text) FROM generate_series(1, 1000) g; \
         CREATE TABLE alembic_version (version_num text); INSERT INTO alembic_version VALUES ('abc123');",
    );
    let prefix = format!("{}/", source.name);
    backup_to(server, &source, &format!("s3://{bucket}/{prefix}"));
    let target = pg(version).url("postgres");
    let dir = tempfile::tempdir().expect("temp dir");
    let changelog = dir.path().join("CHANGELOG.md");
    std::fs::write(&changelog, "# Changelog\n\n### Operations\n- older entry\n").expect("write");

    // Passing drill: rows match the manifest, the alembic check holds.
    let url = format!("s3://{bucket}/{prefix}");
    let stdout = drill(
        server,
        &url,
        &target,
        &[
            "--check",
            "SELECT version_num = 'abc123' FROM alembic_version",
            "--record",
            changelog.to_str().expect("utf-8"),
            "--audit",
            "7d",
        ],
        0,
    )
    .stdout;
    assert!(
        stdout.contains("ok   rows public.t: 1000 rows, the manifest says 1000"),
        "{stdout}"
    );
    assert!(
        stdout.contains("drill passed; scratch database dropped"),
        "{stdout}"
    );
    assert_eq!(scratch_databases(version), "0");
    let log = std::fs::read_to_string(&changelog).expect("changelog");
    let line = log.lines().nth(3).unwrap_or_default().to_owned();
    assert!(
        line.starts_with("- Restore drill verified ")
            && line.contains(&format!("{}-", source.name)),
        "{log}"
    );

    // The same drill with a real pg_restore binary fed from the stream.
    let pg_restore = version.tool("pg_restore");
    let stdout = drill(
        server,
        &url,
        &target,
        &["--with-pg-restore", pg_restore.to_str().expect("utf-8")],
        0,
    )
    .stdout;
    assert!(stdout.contains("pg_restore restored"), "{stdout}");
    assert!(stdout.contains("ok   rows public.t: 1000 rows"), "{stdout}");
    assert_eq!(scratch_databases(version), "0");

    // A failing check: exit 6, and the scratch database is still dropped.
    let stdout = drill(server, &url, &target, &["--check", "SELECT false"], 6).stdout;
    assert!(stdout.contains("FAIL check: SELECT false"), "{stdout}");
    assert_eq!(scratch_databases(version), "0");

    // An extension the target does not offer: stop before creating
    // anything, naming it.
    let listing = pgark(server, &["ls", &url]);
    let key = String::from_utf8_lossy(&listing.stdout)
        .lines()
        .next()
        .and_then(|l| {
            l.split_whitespace()
                .find(|w| w.ends_with(".dump"))
                .map(str::to_owned)
        })
        .expect("a backup listed");
    let manifest_text = copy_backup(server, bucket, &key, "needs-ext/x-20260101T000000Z.dump", 0);
    let mut m = Manifest::from_json(manifest_text.as_bytes()).expect("manifest");
    m.extensions.push(ExtensionVersion {
        name: "no_such_extension".into(),
        version: "9.9".into(),
    });
    let script = format!(
        "import boto3\nboto3.client('s3').put_object(Bucket={bucket:?}, Key='needs-ext/x-20260101T000000Z.dump{SUFFIX}', Body={:?})\n",
        m.to_json()
    );
    server.python(&script).expect("put manifest");
    let stderr = drill(
        server,
        &format!("s3://{bucket}/needs-ext/"),
        &target,
        &[],
        2,
    )
    .stderr;
    assert!(stderr.contains("no_such_extension 9.9"), "{stderr}");
    assert_eq!(scratch_databases(version), "0");
}

/// `pgark restore s3://bucket/key -j 4`: each worker fetches its data
/// block with a range request at the offset the TOC stores; the copy
/// dumps like the source.
#[test]
fn parallel_restore_straight_from_s3() {
    let server = moto();
    let bucket = "pgark-restore-s3";
    server.create_bucket(bucket);
    let version = PgVersion::V18;
    let source = crate::common::fixture_db(pg(version), "schema_more.sql");
    let location = backup_to(
        server,
        &source,
        &format!("s3://{bucket}/{}.dump", source.name),
    );
    let copy = pg(version).create_database("from_s3");
    let out = pgark(
        server,
        &[
            "restore",
            &location,
            "--dbname",
            &copy.url(),
            "-j",
            "4",
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    crate::backup::assert_same_dump(
        "restore -j 4 from S3",
        &crate::backup::plain_dump(&source),
        &crate::backup::plain_dump(&copy),
    );
}

/// The acceptance on the runbook's database: a drill over a fresh
/// backup of the PostGIS fixture on PostgreSQL 15 passes the PostGIS smoke
/// test and leaves no scratch database; the same backup with a truncated
/// data block fails at verify, naming the entry, and restores nothing.
#[test]
fn drill_postgis_backup_and_truncated_block() {
    let server = moto();
    let bucket = "pgark-drill-postgis";
    server.create_bucket(bucket);
    let version = PgVersion::V15;
    let source = crate::common::fixture_db(pg(version), "postgis_app.sql");
    let prefix = format!("{}/", source.name);
    let location = backup_to(server, &source, &format!("s3://{bucket}/{prefix}"));
    let target = pg(version).url("postgres");
    let stdout = drill(
        server,
        &format!("s3://{bucket}/{prefix}"),
        &target,
        &[
            "--check",
            "SELECT ST_IsValid(ST_GeomFromText('POINT(0 0)', 4326)) AND PostGIS_Version() IS NOT NULL",
        ],
        0,
    )
    .stdout;
    assert!(stdout.contains("ok   verify:"), "{stdout}");
    assert!(
        stdout.contains("drill passed; scratch database dropped"),
        "{stdout}"
    );
    assert_eq!(scratch_databases(version), "0");

    // Cut the archive inside its last data block; keep its manifest.
    let key = location
        .trim_start_matches(&format!("s3://{bucket}/"))
        .to_owned();
    copy_backup(server, bucket, &key, "cut/x-20260101T000000Z.dump", 40);
    let stderr = drill(
        server,
        &format!("s3://{bucket}/cut/"),
        &target,
        &["--key", "cut/x-20260101T000000Z.dump"],
        5,
    )
    .stderr;
    assert!(
        stderr.contains("truncated") && stderr.contains("TABLE DATA"),
        "{stderr}"
    );
    assert_eq!(scratch_databases(version), "0");
}

/// A backup newer than the newest valid one whose size differs from its
/// manifest's (truncated): the drill fails (exit 6) naming it and restores
/// nothing; `--key` still drills the older one.
#[test]
fn drill_fails_on_a_truncated_newer_backup() {
    let server = moto();
    let bucket = "pgark-drill-newer";
    server.create_bucket(bucket);
    let version = PgVersion::V16;
    let source = pg(version).create_database("drill_newer");
    query(
        &source,
        "CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t SELECT generate_series(1, 100);",
    );
    let prefix = format!("{}/", source.name);
    let older = backup_to(server, &source, &format!("s3://{bucket}/{prefix}"));
    // Keys carry the time to the second.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let newer = backup_to(server, &source, &format!("s3://{bucket}/{prefix}"));
    let strip = |l: &str| l.trim_start_matches(&format!("s3://{bucket}/")).to_owned();
    let (older, newer) = (strip(&older), strip(&newer));
    assert_ne!(older, newer);
    copy_backup(server, bucket, &newer, &newer, 40);
    let target = pg(version).url("postgres");
    let url = format!("s3://{bucket}/{prefix}");

    let stdout = drill(server, &url, &target, &[], 6).stdout;
    assert!(
        stdout.contains(&format!("FAIL newest backup: s3://{bucket}/{newer} "))
            && stdout.contains("truncated or replaced")
            && stdout.contains("drill FAILED"),
        "{stdout}"
    );
    assert!(!stdout.contains("scratch database"), "{stdout}");

    let stdout = drill(server, &url, &target, &["--key", &older], 0).stdout;
    assert!(
        stdout.contains("ok   rows public.t: 100 rows") && stdout.contains("drill passed"),
        "{stdout}"
    );
}

/// A TCP proxy in front of `upstream` (`host:port`) counting the bytes it
/// passes from the server to clients; returns its endpoint URL.
pub(crate) fn counting_proxy(
    upstream: String,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::io::{Read, Write};
    use std::net::{Shutdown, TcpListener, TcpStream};
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
    let port = listener.local_addr().expect("proxy address").port();
    let count = Arc::new(AtomicU64::new(0));
    let counted = count.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let Ok(server) = TcpStream::connect(&upstream) else {
                continue;
            };
            let pipe = |mut from: TcpStream, mut to: TcpStream, n: Option<Arc<AtomicU64>>| {
                std::thread::spawn(move || {
                    let mut buf = vec![0u8; 64 * 1024];
                    while let Ok(k) = from.read(&mut buf) {
                        if k == 0 || to.write_all(&buf[..k]).is_err() {
                            break;
                        }
                        if let Some(n) = &n {
                            n.fetch_add(k as u64, Ordering::Relaxed);
                        }
                    }
                    let _ = to.shutdown(Shutdown::Write);
                })
            };
            let (c2, s2) = match (client.try_clone(), server.try_clone()) {
                (Ok(c), Ok(s)) => (c, s),
                _ => continue,
            };
            pipe(client, server, None);
            pipe(s2, c2, Some(counted.clone()));
        }
    });
    (format!("http://127.0.0.1:{port}"), count)
}

/// A database of a large table `big` (~100 MB of COPY text, 100,000 rows)
/// and a small one `small` (100 rows): what a selective restore from S3
/// must not download whole.
pub(crate) fn ranged_source(version: PgVersion, name: &str) -> TestDb {
    let source = pg(version).create_database(name);
    query(
        &source,
        "CREATE TABLE big (id int, pad text); \
         INSERT INTO big SELECT g, repeat(md5(g::text), 32) FROM generate_series(1, 100000) g; \
         CREATE TABLE small (id int PRIMARY KEY, v text); \
         INSERT INTO small SELECT g, 'v' || g FROM generate_series(1, 100) g;",
    );
    source
}

/// `pgark restore s3://bucket/key -t small` of a ≥ 100 MB archive reads the
/// TOC and the one data block (range requests): under 5% of the object
/// crosses the wire, and the table comes back as pg_restore -t restores it.
#[test]
fn one_table_from_s3_fetches_only_its_block() {
    let server = moto();
    let bucket = "pgark-restore-ranged";
    server.create_bucket(bucket);
    let version = PgVersion::V16;
    let source = ranged_source(version, "ranged_src");
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = crate::backup::backup(&source, dir.path(), &["--compress", "none"]);
    let size = std::fs::metadata(&archive).expect("archive").len();
    assert!(size >= 100 * 1000 * 1000, "the archive has {size} bytes");
    let key = "ranged/big.dump";
    let script = format!(
        "import boto3\nboto3.client('s3').upload_file({:?}, {bucket:?}, {key:?})\n",
        archive.to_str().expect("utf-8 path")
    );
    server.python(&script).expect("upload the archive");

    let endpoint = server.endpoint();
    let upstream = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let (proxy, fetched) = counting_proxy(upstream);
    let (k, s) = server.admin_credentials();
    for jobs in ["1", "2"] {
        let copy = pg(version).create_database("ranged_copy");
        let before = fetched.load(std::sync::atomic::Ordering::Relaxed);
        let out = crate::common::pgark_s3(
            &proxy,
            (&k, &s),
            &[
                "restore",
                &format!("s3://{bucket}/{key}"),
                "--dbname",
                &copy.url(),
                "-t",
                "small",
                "-j",
                jobs,
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got = fetched.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert!(
            got * 20 < size,
            "-j {jobs}: {got} bytes fetched of a {size}-byte object"
        );
        let reference = pg(version).create_database("ranged_ref");
        let out = reference
            .server()
            .command("pg_restore")
            .args(["-d", &reference.name, "-t", "small"])
            .arg(&archive)
            .output()
            .expect("pg_restore -t");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        crate::backup::assert_same_dump(
            &format!("-t small from S3, -j {jobs}"),
            &crate::backup::plain_dump(&reference),
            &crate::backup::plain_dump(&copy),
        );
        assert_eq!(
            crate::common::row_counts(&copy),
            vec![("public".to_owned(), "small".to_owned(), 100)]
        );
    }
}
