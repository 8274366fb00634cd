//! `pgark backup` as the cron job: configured by the runbook's environment
//! only, archive and manifest under today's prefix with write-only
//! credentials, heartbeats to a dead man's switch, and clean failures.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use pgark::manifest::{Manifest, SUFFIX};
use pgark_testkit::{pg, PgVersion};
use sha2::{Digest, Sha256};

use crate::common::{fixture_db, hex, query};
use crate::s3_sink::{get_object, iam_moto, object_keys, uploads_in_progress, IamMoto};

const BUCKET: &str = "pgark-iam";

/// A tiny HTTP server recording the paths it is asked for.
pub(crate) struct Receiver {
    pub(crate) url: String,
    paths: Arc<Mutex<Vec<String>>>,
}

pub(crate) fn heartbeat_receiver() -> Receiver {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/ping/abc", listener.local_addr().expect("addr"));
    let paths = Arc::new(Mutex::new(Vec::new()));
    let seen = paths.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream);
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let mut length = 0usize;
            loop {
                let mut h = String::new();
                if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
                    break;
                }
                if let Some((k, v)) = h.split_once(':') {
                    if k.eq_ignore_ascii_case("content-length") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                }
            }
            let mut body = vec![0u8; length];
            let _ = reader.read_exact(&mut body);
            let path = line.split_whitespace().nth(1).unwrap_or("").to_owned();
            if let Ok(mut p) = seen.lock() {
                p.push(path);
            }
            let mut stream = reader.into_inner();
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nOK");
        }
    });
    Receiver { url, paths }
}

impl Receiver {
    pub(crate) fn paths(&self) -> Vec<String> {
        self.paths.lock().map(|p| p.clone()).unwrap_or_default()
    }
}

/// `pgark backup` with nothing but the runbook's environment.
fn env_only(
    moto: &IamMoto,
    creds: &(String, String),
    url: &str,
    bucket: &str,
    prefix: &str,
    hb: &str,
) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .arg("backup")
        .env("DATABASE_URL", url)
        .env("BACKUP_S3_BUCKET", bucket)
        .env("BACKUP_S3_PREFIX", prefix)
        .env("AWS_ACCESS_KEY_ID", &creds.0)
        .env("AWS_SECRET_ACCESS_KEY", &creds.1)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", moto.server.endpoint())
        .env("PGARK_HEARTBEAT_URL", hb)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_REGION")
        .output()
        .expect("pgark runs")
}

fn keys_under(moto: &IamMoto, prefix: &str) -> Vec<String> {
    let mut k: Vec<String> = object_keys(&moto.client(&moto.admin), BUCKET)
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect();
    k.sort();
    k
}

/// The first acceptance: an env-var-only run with write-only
/// credentials puts archive and manifest under today's prefix; the
/// manifest's digest and row counts match the downloaded archive; the
/// heartbeat saw start and success.
#[test]
fn env_only_backup_writes_archive_and_manifest_under_todays_prefix() {
    let moto = iam_moto();
    let source = fixture_db(pg(PgVersion::V16), "schema_basics.sql");
    query(
        &source,
        "CREATE TABLE public.bulk AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS t \
         FROM generate_series(1, 300000) g",
    );
    let hb = heartbeat_receiver();
    let prefix = format!("env/{}", source.name);
    let before = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    let out = env_only(moto, &moto.writer, &source.url(), BUCKET, &prefix, &hb.url);
    let after = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains(&moto.writer.1), "secret printed: {stderr}");
    assert_eq!(
        hb.paths(),
        vec!["/ping/abc/start".to_owned(), "/ping/abc".to_owned()]
    );

    let keys = keys_under(moto, &format!("{prefix}/"));
    assert_eq!(keys.len(), 2, "{keys:?}");
    let (archive_key, manifest_key) = (&keys[0], &keys[1]);
    assert_eq!(manifest_key, &format!("{archive_key}{SUFFIX}"));
    let days: Vec<String> = [before, after]
        .iter()
        .map(|t| pgark::manifest::rfc3339(*t)[..10].replace('-', "/"))
        .collect();
    assert!(
        days.iter()
            .any(|d| archive_key.starts_with(&format!("{prefix}/{d}/{}-", source.name))),
        "{archive_key} is not under today's prefix {days:?}"
    );
    assert!(uploads_in_progress(&moto.client(&moto.admin), BUCKET)
        .iter()
        .all(|k| !k.starts_with(&prefix)));

    let admin = moto.client(&moto.admin);
    let archive = get_object(&admin, BUCKET, archive_key);
    let manifest =
        Manifest::from_json(&get_object(&admin, BUCKET, manifest_key)).expect("manifest parses");
    assert_eq!(manifest.archive, format!("s3://{BUCKET}/{archive_key}"));
    assert_eq!(manifest.size, archive.len() as u64);
    assert_eq!(manifest.database, source.name);
    // The digest: whole-object SHA-256, or S3's composite over the parts.
    if manifest.parts.is_empty() {
        assert_eq!(manifest.sha256, hex(&Sha256::digest(&archive)));
    } else {
        let mut offset = 0usize;
        let mut concat = Vec::new();
        for p in &manifest.parts {
            let part = &archive[offset..offset + p.size as usize];
            let digest = Sha256::digest(part);
            assert_eq!(p.sha256, hex(&digest));
            concat.extend_from_slice(&digest);
            offset += p.size as usize;
        }
        assert_eq!(offset, archive.len());
        assert_eq!(
            manifest.sha256,
            format!("{}-{}", hex(&Sha256::digest(&concat)), manifest.parts.len())
        );
    }
    // Row counts: the manifest, the archive's blocks and the source agree.
    let report = archive_format::verify(&archive[..]).expect("archive verifies");
    for t in &manifest.tables {
        let in_archive = report
            .entries
            .iter()
            .find(|e| {
                e.stored.entry.desc == "TABLE DATA"
                    && e.stored.entry.tag == t.name.as_bytes()
                    && e.stored.entry.namespace.as_deref() == Some(t.schema.as_bytes())
            })
            .and_then(|e| e.data.as_ref()?.rows)
            .unwrap_or_else(|| panic!("{}.{} not in the archive", t.schema, t.name));
        assert_eq!(in_archive, t.rows, "{}.{}", t.schema, t.name);
    }
    let bulk = manifest
        .tables
        .iter()
        .find(|t| t.name == "bulk")
        .expect("bulk listed");
    assert_eq!(bulk.rows, 300_000);
    assert_eq!(manifest.total_rows(), report.total_rows());
}

/// Wrong credentials, a missing bucket, an unreachable database: one
/// clear line, the documented exit code, a `/fail` heartbeat, nothing
/// left in the bucket.
#[test]
fn failures_send_the_fail_heartbeat_and_leave_nothing() {
    let moto = iam_moto();
    let source = fixture_db(pg(PgVersion::V16), "archive_basics.sql");
    let prefix = format!("fail/{}", source.name);
    // What, credentials, database URL, bucket, exit code.
    type Case = (&'static str, (String, String), String, &'static str, i32);
    let cases: Vec<Case> = vec![
        (
            "wrong credentials",
            (moto.writer.0.clone(), "not-the-secret-key".into()),
            source.url(),
            BUCKET,
            4,
        ),
        (
            "missing bucket",
            moto.writer.clone(),
            source.url(),
            "pgark-no-such-bucket",
            4,
        ),
        (
            "unreachable database",
            moto.writer.clone(),
            "postgresql://postgres:Secr3tPw@127.0.0.1:1/nowhere".into(),
            BUCKET,
            3,
        ),
    ];
    for (what, creds, url, bucket, code) in cases {
        let hb = heartbeat_receiver();
        let out = env_only(moto, &creds, &url, bucket, &prefix, &hb.url);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(code), "{what}: {stderr}");
        assert_eq!(crate::backup::error_lines(&stderr), 1, "{what}: {stderr}");
        assert!(stderr.contains("error"), "{what}: {stderr}");
        assert!(
            !stderr.contains(&creds.1),
            "{what}: secret printed: {stderr}"
        );
        assert!(
            !stderr.contains("Secr3tPw"),
            "{what}: password printed: {stderr}"
        );
        assert_eq!(
            hb.paths(),
            vec!["/ping/abc/start".to_owned(), "/ping/abc/fail".to_owned()],
            "{what}"
        );
        assert!(
            keys_under(moto, &prefix).is_empty(),
            "{what}: an object was left"
        );
    }
    assert!(uploads_in_progress(&moto.client(&moto.admin), BUCKET)
        .iter()
        .all(|k| !k.starts_with(&prefix)));
}

/// `pgark verify` reads the whole archive (a file or straight from S3)
/// and compares size, digest and row counts with the manifest: exit 0
/// when they match, 6 when the manifest disagrees, 5 for a truncated
/// archive.
#[test]
fn verify_compares_the_archive_with_its_manifest() {
    let moto = iam_moto();
    let source = fixture_db(pg(PgVersion::V16), "schema_basics.sql");
    query(
        &source,
        "CREATE TABLE public.bulk AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS t \
         FROM generate_series(1, 300000) g",
    );
    let hb = heartbeat_receiver();
    let prefix = format!("verify/{}", source.name);
    let out = env_only(moto, &moto.writer, &source.url(), BUCKET, &prefix, &hb.url);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let location = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let verify = |args: &[&str]| {
        let mut all = vec!["verify"];
        all.extend_from_slice(args);
        crate::common::pgark_s3(
            &moto.server.endpoint(),
            (&moto.admin.0, &moto.admin.1),
            &all,
        )
    };
    // Straight from S3, multipart digest and all.
    let out = verify(&["-q", &location]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("OK: manifest"), "{stdout}");

    // A local copy with a manifest that disagrees about one table.
    let key = location
        .trim_start_matches(&format!("s3://{BUCKET}/"))
        .to_owned();
    let admin = moto.client(&moto.admin);
    let archive = get_object(&admin, BUCKET, &key);
    let mut manifest = Manifest::from_json(&get_object(&admin, BUCKET, &format!("{key}{SUFFIX}")))
        .expect("manifest");
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("copy.dump");
    std::fs::write(&file, &archive).expect("write");
    let bulk = manifest
        .tables
        .iter_mut()
        .find(|t| t.name == "bulk")
        .expect("bulk");
    bulk.rows += 1;
    std::fs::write(
        dir.path().join(format!("copy.dump{SUFFIX}")),
        manifest.to_json(),
    )
    .expect("write");
    let out = verify(&["-q", file.to_str().expect("utf-8")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    assert!(
        stdout.contains(
            "MISMATCH: public.bulk: the manifest says 300001 rows, the archive has 300000"
        ),
        "{stdout}"
    );

    // Truncated mid-data: an archive error, whatever the manifest says.
    std::fs::write(&file, &archive[..archive.len() * 2 / 3]).expect("write");
    let out = verify(&["-q", file.to_str().expect("utf-8")]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
