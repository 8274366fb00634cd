//! Hostile or missing input from outside: S3 problems fail fast, before any
//! database work, as one readable line with exit status 4; S3 keys a
//! writer chose freely (multibyte UTF-8) do not panic `ls` or `audit`.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use pgark_testkit::moto;

use crate::backup::error_lines;
use crate::s3_sink::{admin_client, rt};

/// A database URL nothing listens on: reaching it would fail with a
/// database error (exit 3), so an S3 error proves the database was never
/// contacted.
const NO_DATABASE: &str = "postgresql://nobody@127.0.0.1:1/nowhere";

/// `pgark backup` with an AWS environment holding only what `env` sets:
/// no credentials file, no profile, no instance metadata.
fn backup_to(to: &str, env: &[(&str, &str)]) -> (Output, Duration) {
    pgark_in(&["backup", "--database-url", NO_DATABASE, "--to", to], env)
}

/// `pgark ARGS` with an AWS environment holding only what `env` sets.
fn pgark_in(args: &[&str], env: &[(&str, &str)]) -> (Output, Duration) {
    let home = tempfile::tempdir().expect("empty home");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgark"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("AWS_") {
            cmd.env_remove(k);
        }
    }
    cmd.env_remove("DATABASE_URL")
        .env_remove("BACKUP_S3_BUCKET")
        .env("HOME", home.path())
        .env("AWS_CONFIG_FILE", home.path().join("config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            home.path().join("credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_REGION", "us-east-1")
        .envs(env.iter().copied());
    let started = Instant::now();
    let out = cmd.output().expect("pgark runs");
    (out, started.elapsed())
}

/// Exit 4, quickly, one short error line without the SDK's `Debug` dump,
/// and no database error.
fn assert_one_readable_s3_line(out: &Output, took: Duration, needle: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert_eq!(error_lines(&stderr), 1, "{stderr}");
    assert!(took < Duration::from_secs(30), "took {took:?}: {stderr}");
    let line = stderr
        .lines()
        .find(|l| l.starts_with("pgark: error"))
        .expect("the error line");
    assert!(line.contains(needle), "{line}");
    assert!(line.len() < 400, "{} characters: {line}", line.len());
    for debug in [
        "DispatchFailure",
        "ConnectorError",
        " { ",
        "Some(",
        "source:",
    ] {
        assert!(!line.contains(debug), "Debug output {debug:?} in: {line}");
    }
    assert!(!line.contains("connect to nobody"), "{line}");
    assert!(!line.contains("127.0.0.1:1/"), "{line}");
    line.to_owned()
}

#[test]
fn s3_backup_without_credentials_fails_fast_before_the_database() {
    let server = moto();
    let bucket = "pgark-robust-nocreds";
    server.create_bucket(bucket);
    let (out, took) = backup_to(
        &format!("s3://{bucket}/x.dump"),
        &[("AWS_ENDPOINT_URL", &server.endpoint())],
    );
    let line = assert_one_readable_s3_line(&out, took, "NoCredentials");
    assert!(line.contains(&format!("s3://{bucket}/x.dump")), "{line}");
}

#[test]
fn s3_backup_to_a_missing_bucket_fails_before_the_database() {
    let server = moto();
    let (k, s) = server.admin_credentials();
    let (out, took) = backup_to(
        "s3://pgark-robust-no-such-bucket/x/",
        &[
            ("AWS_ENDPOINT_URL", &server.endpoint()),
            ("AWS_ACCESS_KEY_ID", &k),
            ("AWS_SECRET_ACCESS_KEY", &s),
        ],
    );
    assert_one_readable_s3_line(&out, took, "does not exist (NoSuchBucket)");
}

#[test]
fn s3_backup_to_an_unreachable_endpoint_fails_before_the_database() {
    let (out, took) = backup_to(
        "s3://pgark-robust/x.dump",
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:1"),
            ("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"),
            ("AWS_SECRET_ACCESS_KEY", "s3cr3t-value"),
        ],
    );
    let line = assert_one_readable_s3_line(&out, took, "HeadBucket failed");
    assert!(line.contains("Connection refused"), "{line}");
    assert!(!line.contains("s3cr3t-value"), "{line}");
}

/// Every command that reads S3 reports missing credentials the same way:
/// exit 4 (GetObject failures used to exit 2), one readable line.
#[test]
fn every_s3_command_reports_missing_credentials_in_one_line() {
    let server = moto();
    let bucket = "pgark-robust-readers";
    server.create_bucket(bucket);
    let endpoint = server.endpoint();
    let key = format!("s3://{bucket}/k/x.dump");
    let prefix = format!("s3://{bucket}/k/");
    let commands: [&[&str]; 6] = [
        &["ls", &prefix],
        &["audit", &prefix],
        &["verify", &key],
        &["list", &key],
        &["restore", &key, "--dbname", NO_DATABASE],
        &["drill", &prefix, "--target-url", NO_DATABASE],
    ];
    for args in commands {
        let (out, took) = pgark_in(args, &[("AWS_ENDPOINT_URL", &endpoint)]);
        let line = assert_one_readable_s3_line(&out, took, "NoCredentials");
        assert!(
            line.contains(&format!("s3://{bucket}/k/")),
            "{args:?}: {line}"
        );
    }
}

/// A write-only user can create any key: one whose time stamp holds a
/// multibyte character used to panic `ls` and `audit` (byte slicing).
#[test]
fn ls_and_audit_survive_multibyte_keys() {
    let server = moto();
    let bucket = "pgark-robust-keys";
    server.create_bucket(bucket);
    let client = admin_client(server);
    for key in ["k/db-202é112T000000Z.dump", "k/db-2026112éT00000Z.dump"] {
        rt().block_on(async {
            client
                .put_object()
                .bucket(bucket)
                .key(key)
                .body(ByteStream::from(b"PGDMP".to_vec()))
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutObject {key}: {e}"))
        });
    }
    let (k, s) = server.admin_credentials();
    let url = format!("s3://{bucket}/k/");
    for args in [
        vec!["ls", url.as_str()],
        vec!["audit", url.as_str(), "--every", "7d"],
    ] {
        let out = crate::common::pgark_s3(&server.endpoint(), (&k, &s), &args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            matches!(out.status.code(), Some(0 | 6)),
            "{args:?}: {:?} {stderr}",
            out.status.code()
        );
    }
}

/// A part size past S3's 5 GiB used to wrap around in `MiB << 20`.
#[test]
fn huge_part_sizes_are_refused() {
    for mib in ["5121", "18446744073709551615"] {
        let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
            .args(["backup", "--database-url", NO_DATABASE])
            .args([
                "--to",
                "s3://pgark-robust/x.dump",
                "--s3-part-size-mib",
                mib,
            ])
            .env_remove("DATABASE_URL")
            .output()
            .expect("pgark runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{mib}: {stderr}");
        assert!(stderr.contains("from 5 to 5120"), "{mib}: {stderr}");
    }
}

/// A manifest key holding a huge object is refused by its size, unread.
#[test]
fn oversized_manifests_are_not_read() {
    let server = moto();
    let bucket = "pgark-robust-big";
    server.create_bucket(bucket);
    let client = admin_client(server);
    let key = "k/db-20260101T000000Z.dump";
    let big = vec![b' '; (pgark::manifest::MAX_MANIFEST_BYTES + 1) as usize];
    for (k, body) in [
        (key.to_owned(), b"PGDMP".to_vec()),
        (format!("{key}{}", pgark::manifest::SUFFIX), big),
    ] {
        rt().block_on(async {
            client
                .put_object()
                .bucket(bucket)
                .key(&k)
                .body(ByteStream::from(body))
                .send()
                .await
                .unwrap_or_else(|e| panic!("PutObject {k}: {e}"))
        });
    }
    let (k, s) = server.admin_credentials();
    let out = crate::common::pgark_s3(
        &server.endpoint(),
        (&k, &s),
        &["ls", &format!("s3://{bucket}/k/")],
    );
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.contains("more than a manifest's"), "{text}");
    let out = crate::common::pgark_s3(
        &server.endpoint(),
        (&k, &s),
        &["verify", &format!("s3://{bucket}/{key}")],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "{stderr}");
    assert!(stderr.contains("more than a manifest's"), "{stderr}");
}
