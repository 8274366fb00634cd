//! `pgark audit` and `pgark ls` on buckets seeded with a history of real
//! archives and manifests: the alert on a missed Monday dump.

use std::process::Output;
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_s3::primitives::ByteStream;
use pgark::manifest::{self, Manifest, SUFFIX};
use pgark_testkit::{moto, pg, MotoServer, PgVersion};

use crate::backup::backup;
use crate::common::{fixture_db, read};
use crate::s3_sink::{admin_client, rt};

const DAY: i64 = 86_400;

fn put(client: &aws_sdk_s3::Client, bucket: &str, key: &str, body: Vec<u8>) {
    rt().block_on(async {
        client
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap_or_else(|e| panic!("PutObject {key}: {e:?}"))
    });
}

/// Seeds one weekly backup taken at `at`: the archive (cut to `keep`
/// bytes if given) and its manifest, under the runbook's key layout.
fn seed(
    client: &aws_sdk_s3::Client,
    bucket: &str,
    prefix: &str,
    at: i64,
    archive: &[u8],
    template: &Manifest,
    keep: Option<usize>,
) -> String {
    let t = manifest::rfc3339(at);
    let stamp = t.replace(['-', ':'], "");
    let key = format!("{prefix}{}/vidit-{stamp}.dump", &t[..10].replace('-', "/"));
    let mut m = template.clone();
    m.archive = format!("s3://{bucket}/{key}");
    m.started_at = t;
    m.finished_at = manifest::rfc3339(at + 30);
    m.size = archive.len() as u64;
    let body = archive[..keep.unwrap_or(archive.len())].to_vec();
    put(client, bucket, &key, body);
    put(
        client,
        bucket,
        &format!("{key}{SUFFIX}"),
        m.to_json().into_bytes(),
    );
    key
}

fn pgark(server: &MotoServer, args: &[&str]) -> Output {
    let (k, s) = server.admin_credentials();
    crate::common::pgark_s3(&server.endpoint(), (&k, &s), args)
}

#[test]
fn audit_finds_a_missing_week_and_a_truncated_archive() {
    let server = moto();
    let bucket = "pgark-audit";
    server.create_bucket(bucket);
    let s3 = admin_client(server);
    // A real archive and manifest to copy.
    let dir = tempfile::tempdir().expect("temp dir");
    let db = fixture_db(pg(PgVersion::V16), "archive_basics.sql");
    let path = backup(&db, dir.path(), &[]);
    let archive = read(&path);
    let template = Manifest::from_json(&read(&path.with_file_name(format!(
        "{}{SUFFIX}",
        path.file_name().and_then(|n| n.to_str()).expect("name")
    ))))
    .expect("the backup wrote a manifest");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs() as i64;

    // Healthy: a backup every Monday for five weeks, the last one a day ago.
    for w in 0..5 {
        seed(
            &s3,
            bucket,
            "healthy/",
            now - DAY - w * 7 * DAY,
            &archive,
            &template,
            None,
        );
    }
    let out = pgark(
        server,
        &[
            "audit",
            &format!("s3://{bucket}/healthy/"),
            "--every",
            "7d",
            "--grace",
            "1d",
        ],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("5 archives, 5 valid"), "{stdout}");

    // Broken: week 3 is missing and the newest archive is truncated (its
    // manifest says it is longer).
    let truncated = seed(
        &s3,
        bucket,
        "broken/",
        now - DAY,
        &archive,
        &template,
        Some(archive.len() / 2),
    );
    let before_gap = seed(
        &s3,
        bucket,
        "broken/",
        now - 8 * DAY,
        &archive,
        &template,
        None,
    );
    let after_gap = seed(
        &s3,
        bucket,
        "broken/",
        now - 22 * DAY,
        &archive,
        &template,
        None,
    );
    seed(
        &s3,
        bucket,
        "broken/",
        now - 29 * DAY,
        &archive,
        &template,
        None,
    );
    let out = pgark(server, &["audit", &format!("s3://{bucket}/broken/")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(6),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&truncated) && stdout.contains("truncated"),
        "{stdout}"
    );
    let gap = stdout
        .lines()
        .find(|l| l.contains("gap of"))
        .unwrap_or_else(|| panic!("no gap reported: {stdout}"));
    assert!(
        gap.contains(&before_gap) && gap.contains(&after_gap),
        "{gap}"
    );
    assert!(
        stdout.contains(&format!("newest valid backup: {before_gap}")),
        "{stdout}"
    );

    // An archive whose run never wrote its manifest does not count either.
    put(
        &s3,
        bucket,
        "nomanifest/2026/01/05/vidit-20260105T000000Z.dump",
        archive.clone(),
    );
    let out = pgark(server, &["audit", &format!("s3://{bucket}/nomanifest/")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    assert!(stdout.contains("no manifest"), "{stdout}");
    assert!(stdout.contains("newest valid backup: none"), "{stdout}");

    // A manifest copied next to another archive vouches for nothing: the
    // archive it sits beside is not a valid backup.
    let real = seed(
        &s3,
        bucket,
        "copied/",
        now - 8 * DAY,
        &archive,
        &template,
        None,
    );
    let stamp = manifest::rfc3339(now - DAY).replace(['-', ':'], "");
    let copy = format!("copied/vidit-{stamp}.dump");
    put(&s3, bucket, &copy, archive.clone());
    let real_manifest = rt().block_on(async {
        let out = s3
            .get_object()
            .bucket(bucket)
            .key(format!("{real}{SUFFIX}"))
            .send()
            .await
            .expect("GetObject");
        out.body
            .collect()
            .await
            .expect("body")
            .into_bytes()
            .to_vec()
    });
    put(&s3, bucket, &format!("{copy}{SUFFIX}"), real_manifest);
    let out = pgark(server, &["audit", &format!("s3://{bucket}/copied/")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(6), "{stdout}");
    assert!(
        stdout.contains(&copy) && stdout.contains("describes another archive"),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("newest valid backup: {real}")),
        "{stdout}"
    );

    // `pgark ls` lists newest first with the status of each.
    let out = pgark(server, &["ls", &format!("s3://{bucket}/broken/")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(
        lines[0].contains(&truncated) && lines[0].contains("truncated"),
        "{stdout}"
    );
    assert!(
        lines[1].contains(&before_gap) && lines[1].ends_with(" ok"),
        "{stdout}"
    );
}
