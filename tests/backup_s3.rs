//! `pgark backup --to s3://...` against moto enforcing IAM: a write-only
//! user uploads, an admin user checks what is (and is not) in the bucket.

use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use archive_format::{ArchiveReader, DataOffset};
use pgark_testkit::{pg, PgVersion, TestDb};

use crate::backup::error_lines;
use crate::backup::plain_dump;
use crate::common::{assert_restores, fixture_db, query};
use crate::s3_sink::{get_object, iam_moto, object_keys, uploads_in_progress, IamMoto};

const BUCKET: &str = "pgark-iam";

/// `pgark backup` with the AWS environment of `creds` on the IAM moto.
fn pgark_s3(
    moto: &IamMoto,
    creds: &(String, String),
    url: &str,
    to: &str,
    extra: &[&str],
) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgark"));
    cmd.args([
        "backup",
        "--database-url",
        url,
        "--to",
        to,
        "--s3-part-size-mib",
        "5",
    ])
    .args(extra)
    .env("AWS_ENDPOINT_URL", moto.server.endpoint())
    .env("AWS_ACCESS_KEY_ID", &creds.0)
    .env("AWS_SECRET_ACCESS_KEY", &creds.1)
    .env("AWS_REGION", "us-east-1")
    .env_remove("AWS_PROFILE")
    .env_remove("DATABASE_URL");
    cmd
}

fn run(mut cmd: Command) -> Output {
    cmd.output().expect("pgark runs")
}

/// Adds a table of `rows` rows of hexadecimal text (about 70 bytes a row,
/// compressing about 2x) to `db`.
pub(crate) fn add_bulk(db: &TestDb, rows: u32) {
    query(
        db,
        &format!(
            "CREATE TABLE public.bulk AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS t \
             FROM generate_series(1, {rows}) g; ALTER TABLE public.bulk ADD PRIMARY KEY (id);"
        ),
    );
}

fn keys_under(moto: &IamMoto, prefix: &str) -> Vec<String> {
    object_keys(&moto.client(&moto.admin), BUCKET)
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

fn uploads_under(moto: &IamMoto, prefix: &str) -> Vec<String> {
    uploads_in_progress(&moto.client(&moto.admin), BUCKET)
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

fn assert_nothing_left(moto: &IamMoto, prefix: &str, what: &str) {
    assert_eq!(
        keys_under(moto, prefix),
        Vec::<String>::new(),
        "{what}: an object was left"
    );
    assert_eq!(
        uploads_under(moto, prefix),
        Vec::<String>::new(),
        "{what}: an upload was left open"
    );
}

/// The S3 round trip: write-only credentials, a multipart upload
/// under `prefix/YYYY/MM/DD/<db>-<stamp>.dump`, every data offset set, and
/// the downloaded archive restored by pg_restore -j 4 and -t.
#[test]
fn s3_backup_with_write_only_credentials_restores_in_parallel() {
    let moto = iam_moto();
    let version = PgVersion::V16;
    let source = fixture_db(pg(version), "schema_basics.sql");
    add_bulk(&source, 300_000);
    let prefix = format!("roundtrip/{}/", source.name);
    let out = run(pgark_s3(
        moto,
        &moto.writer,
        &source.url(),
        &format!("s3://{BUCKET}/{prefix}"),
        &["--compress", "gzip:6"],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "pgark backup to S3 failed: {stderr}");
    assert!(
        !stderr.contains(&moto.writer.1),
        "the secret key was printed"
    );
    let location = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    // The archive and, once it was complete, its manifest.
    let keys = keys_under(moto, &prefix);
    assert_eq!(keys.len(), 2, "{keys:?}");
    let key = keys
        .iter()
        .find(|k| k.ends_with(".dump"))
        .expect("the archive");
    assert!(
        keys.contains(&format!("{key}{}", pgark::manifest::SUFFIX)),
        "{keys:?}"
    );
    assert_eq!(location, format!("s3://{BUCKET}/{key}"));
    // prefix + YYYY/MM/DD/<db>-<stamp>.dump
    let rest = &key[prefix.len()..];
    let parts: Vec<&str> = rest.split('/').collect();
    assert_eq!(parts.len(), 4, "{rest}");
    assert!(
        parts[3].starts_with(&format!("{}-", source.name)) && parts[3].ends_with("Z.dump"),
        "{rest}"
    );
    assert!(uploads_under(moto, &prefix).is_empty());

    let bytes = get_object(&moto.client(&moto.admin), BUCKET, key);
    assert!(
        bytes.len() > 10 << 20,
        "expected a multipart-sized archive, got {} bytes",
        bytes.len()
    );
    let mut reader = ArchiveReader::new(&bytes[..]);
    let toc = reader.read_toc().expect("the downloaded archive reads");
    let data: Vec<_> = toc.entries.iter().filter(|e| e.entry.had_dumper).collect();
    assert!(!data.is_empty());
    for e in &data {
        assert!(
            matches!(e.offset, DataOffset::Set(_)),
            "{} has no data offset: {:?}",
            e.entry.name(),
            e.offset
        );
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("downloaded.dump");
    std::fs::write(&file, &bytes).expect("write download");
    let copy = assert_restores(version, &file, &["-j", "4"]);
    assert_eq!(
        plain_dump(&source),
        plain_dump(&copy),
        "pg_restore -j 4 copy differs"
    );
    // A selective restore seeks to the one table's data.
    let one = assert_restores(version, &file, &["-t", "bulk"]);
    assert_eq!(
        query(&one, "SELECT count(*) FROM public.bulk").trim(),
        "300000"
    );
}

/// A bucket that does not exist and a user without s3:PutObject: one
/// line each naming the problem, exit 4, no secret, nothing left.
#[test]
fn s3_backup_errors_are_one_clear_line() {
    let moto = iam_moto();
    let source = fixture_db(pg(PgVersion::V16), "archive_basics.sql");
    let out = run(pgark_s3(
        moto,
        &moto.admin,
        &source.url(),
        "s3://no-such-bucket-pgark/x/",
        &[],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert!(stderr.contains("no-such-bucket-pgark"), "{stderr}");
    assert!(!stderr.contains(&moto.admin.1), "{stderr}");

    let prefix = format!("denied/{}/", source.name);
    let out = run(pgark_s3(
        moto,
        &moto.no_put,
        &source.url(),
        &format!("s3://{BUCKET}/{prefix}"),
        &[],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert!(stderr.contains("s3:PutObject"), "{stderr}");
    assert!(!stderr.contains(&moto.no_put.1), "{stderr}");
    assert_nothing_left(moto, &prefix, "AccessDenied");
}

/// Waits until an upload under `prefix` is in progress (the backup is
/// streaming parts), or panics.
fn wait_for_upload(moto: &IamMoto, prefix: &str, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while uploads_under(moto, prefix).is_empty() {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("pgark ended ({status}) before an upload started");
        }
        assert!(Instant::now() < deadline, "no multipart upload started");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn slow_backup(moto: &IamMoto, source: &TestDb, prefix: &str) -> Child {
    // One connection, one thread, level 9: slow enough to interrupt.
    pgark_s3(
        moto,
        &moto.writer,
        &source.url(),
        &format!("s3://{BUCKET}/{prefix}"),
        &[
            "--compress",
            "gzip:9",
            "--jobs",
            "1",
            "--compress-threads",
            "1",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("pgark starts")
}

/// The archive uploads but its manifest is denied: a storage failure
/// (exit 4, not 2), in one line that names the complete archive and the
/// missing permission.
#[test]
fn s3_manifest_upload_denied_exits_4() {
    let moto = iam_moto();
    let source = pg(PgVersion::V16).create_database("manifest_denied");
    let prefix = format!("manifest-denied/{}/", source.name);
    let out = run(pgark_s3(
        moto,
        &moto.dump_only,
        &source.url(),
        &format!("s3://{BUCKET}/{prefix}"),
        &[],
    ));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert!(stderr.contains("is complete, but its manifest"), "{stderr}");
    assert!(stderr.contains("s3:PutObject"), "{stderr}");
    let keys = keys_under(moto, &prefix);
    assert!(
        keys.len() == 1 && keys[0].ends_with(".dump"),
        "the archive alone: {keys:?}"
    );
}

/// SIGTERM while parts are uploading: exit 130, no object, no open upload.
#[test]
fn s3_sigterm_mid_upload_leaves_nothing() {
    let moto = iam_moto();
    let source = pg(PgVersion::V16).create_database("sigterm");
    add_bulk(&source, 1_500_000);
    let prefix = format!("sigterm/{}/", source.name);
    let mut child = slow_backup(moto, &source, &prefix);
    wait_for_upload(moto, &prefix, &mut child);
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let out = child.wait_with_output().expect("pgark ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("SIGTERM"), "{stderr}");
    assert_nothing_left(moto, &prefix, "SIGTERM");
}

/// The database connection killed mid-dump: exit 3 naming the failure,
/// no object, no open upload.
#[test]
fn s3_killed_database_connection_leaves_nothing() {
    let moto = iam_moto();
    let source = pg(PgVersion::V16).create_database("killed");
    add_bulk(&source, 1_500_000);
    let prefix = format!("killed/{}/", source.name);
    let mut child = slow_backup(moto, &source, &prefix);
    wait_for_upload(moto, &prefix, &mut child);
    query(
        &source,
        &format!(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'pgark' AND datname = '{}'",
            source.name
        ),
    );
    let out = child.wait_with_output().expect("pgark ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert_nothing_left(moto, &prefix, "killed connection");
}
