//! `pgark prune` against moto: two years of weekly backups (small archives
//! with valid manifests, written with admin credentials, judged by the
//! same validity rules as `pgark audit`), retention policies checked
//! against hand-computed expectations, the refusal past an invalid newer
//! archive, what is left in a versioned bucket after `--apply`, and the
//! `iam-policy --role pruner` policy enforced by moto's IAM.

use std::collections::BTreeSet;
use std::process::Output;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{BucketVersioningStatus, VersioningConfiguration};
use aws_sdk_s3::Client;
use pgark::manifest::{self, SUFFIX};
use pgark_testkit::{moto, MotoServer};

use crate::s3_sink::{admin_client, iam_moto, rt, IamMoto};

const DAY: i64 = 86_400;
const WEEK: i64 = 7 * DAY;
/// Archives are this big: above audit's minimum of 1,024 bytes.
const ARCHIVE_BYTES: usize = 2048;

/// Monday 2026-11-30 02:00 UTC: the newest backup, k = 0; backup k was
/// taken k weeks earlier, back to k = 103 (Monday 2024-12-09).
fn newest() -> i64 {
    manifest::parse_rfc3339("2026-11-30T02:00:00Z").expect("time")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

fn put(client: &Client, bucket: &str, key: &str, body: Vec<u8>) {
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

/// The key of backup `k` under `prefix`, in the runbook's layout.
fn key_of(prefix: &str, k: i64) -> String {
    key_named(prefix, "app", k)
}

/// The key of database `name`'s backup `k`.
fn key_named(prefix: &str, name: &str, k: i64) -> String {
    let t = manifest::rfc3339(newest() - k * WEEK);
    let stamp = t.replace(['-', ':'], "");
    format!("{prefix}{}/{name}-{stamp}.dump", &t[..10].replace('-', "/"))
}

/// A manifest as `pgark backup` writes it, for an archive of `size`
/// bytes taken at `at`.
fn manifest_json(bucket: &str, key: &str, at: i64, size: usize) -> Vec<u8> {
    let m = serde_json::json!({
        "format": manifest::FORMAT,
        "pgark_version": "0.1.0",
        "archive": format!("s3://{bucket}/{key}"),
        "database": "app",
        "server_version": "16.2",
        "server_version_num": 160002,
        "archive_version": "1.15",
        "compression": "gzip:2",
        "started_at": manifest::rfc3339(at),
        "finished_at": manifest::rfc3339(at + 30),
        "size": size,
        "sha256": "0".repeat(64),
        "tables": [],
        "large_objects": 0,
        "extensions": [],
        "snapshot": "00000003-00000002-1",
    });
    m.to_string().into_bytes()
}

/// Seeds backups `ks` under `prefix` (archive and manifest each): their
/// archive keys.
fn seed(client: &Client, bucket: &str, prefix: &str, ks: impl Iterator<Item = i64>) -> Vec<String> {
    seed_named(client, bucket, prefix, "app", ks)
}

/// Seeds database `name`'s backups `ks`.
fn seed_named(
    client: &Client,
    bucket: &str,
    prefix: &str,
    name: &str,
    ks: impl Iterator<Item = i64>,
) -> Vec<String> {
    ks.map(|k| {
        let key = key_named(prefix, name, k);
        let mut body = b"PGDMP".to_vec();
        body.resize(ARCHIVE_BYTES, 0);
        put(client, bucket, &key, body);
        let m = manifest_json(bucket, &key, newest() - k * WEEK, ARCHIVE_BYTES);
        put(client, bucket, &format!("{key}{SUFFIX}"), m);
        key
    })
    .collect()
}

/// Every current key under `prefix`.
fn current_keys(client: &Client, bucket: &str, prefix: &str) -> BTreeSet<String> {
    rt().block_on(async {
        let mut keys = BTreeSet::new();
        let mut token = None;
        loop {
            let out = client
                .list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token.take())
                .send()
                .await
                .expect("ListObjectsV2 as admin");
            keys.extend(
                out.contents()
                    .iter()
                    .filter_map(|o| o.key().map(str::to_owned)),
            );
            match out.next_continuation_token() {
                Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_owned()),
                _ => break keys,
            }
        }
    })
}

/// Every version under `prefix`: (key, is a delete marker).
fn all_versions(client: &Client, bucket: &str, prefix: &str) -> Vec<(String, bool)> {
    rt().block_on(async {
        let mut found = Vec::new();
        let (mut key_marker, mut version_marker) = (None, None);
        loop {
            let out = client
                .list_object_versions()
                .bucket(bucket)
                .prefix(prefix)
                .set_key_marker(key_marker.take())
                .set_version_id_marker(version_marker.take())
                .send()
                .await
                .expect("ListObjectVersions as admin");
            for v in out.versions() {
                found.push((v.key().unwrap_or_default().to_owned(), false));
            }
            for m in out.delete_markers() {
                found.push((m.key().unwrap_or_default().to_owned(), true));
            }
            if out.is_truncated() != Some(true) {
                break found;
            }
            key_marker = out.next_key_marker().map(str::to_owned);
            version_marker = out.next_version_id_marker().map(str::to_owned);
        }
    })
}

fn versioned_bucket(server: &MotoServer, name: &str) -> Client {
    server.create_bucket(name);
    let client = admin_client(server);
    rt().block_on(
        client
            .put_bucket_versioning()
            .bucket(name)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Enabled)
                    .build(),
            )
            .send(),
    )
    .expect("PutBucketVersioning");
    client
}

fn pgark(server: &MotoServer, args: &[&str]) -> Output {
    let (k, s) = server.admin_credentials();
    crate::common::pgark_s3(&server.endpoint(), (&k, &s), args)
}

/// The keys `prune` printed as kept, with their reasons.
fn kept(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("keep "))
        .map(|l| {
            let mut words = l.split_whitespace();
            let _time = words.next();
            let key = words.next().unwrap_or_default().to_owned();
            let reasons = l
                .split_once('(')
                .map(|(_, r)| r.trim_end_matches(')').to_owned())
                .unwrap_or_default();
            (key, reasons)
        })
        .collect()
}

fn keys(prefix: &str, ks: &[i64]) -> BTreeSet<String> {
    ks.iter().map(|k| key_of(prefix, *k)).collect()
}

#[test]
fn prune_keeps_exactly_what_the_policy_says_and_deletes_the_rest() {
    let server = moto();
    let bucket = format!("pgark-prune-{}", std::process::id());
    let s3 = versioned_bucket(server, &bucket);
    let prefix = "weekly/";
    seed(&s3, &bucket, prefix, 0..104);
    let url = format!("s3://{bucket}/{prefix}");

    // Expectations computed by hand from the calendar. Backup k is Monday
    // 2026-11-30 minus k weeks. The newest of each month: Nov 2026 k=0
    // (Nov 30), Oct k=5 (Oct 26), Sep k=9 (Sep 28), Aug k=13 (Aug 31),
    // Jul k=18 (Jul 27), Jun k=22 (Jun 29). The newest of each year: 2026
    // k=0, 2025 k=48 (Dec 29), 2024 k=100 (Dec 30); the oldest backup is
    // k=103 (2024-12-09). Every Monday is its own day and ISO week.
    let table: &[(&[&str], &[i64])] = &[
        (&["--keep-last", "3"], &[0, 1, 2]),
        (&["--keep-daily", "2"], &[0, 1]),
        (&["--keep-weekly", "4"], &[0, 1, 2, 3]),
        (&["--keep-monthly", "6"], &[0, 5, 9, 13, 18, 22]),
        (&["--keep-yearly", "3"], &[0, 48, 100]),
        // Five years asked, three found: the oldest backup is kept too.
        (&["--keep-yearly", "5"], &[0, 48, 100, 103]),
        (&["--keep-daily", "2", "--keep-monthly", "3"], &[0, 1, 5, 9]),
    ];
    for (flags, expected) in table {
        let mut args = vec!["prune", url.as_str()];
        args.extend_from_slice(flags);
        let out = pgark(server, &args);
        assert_exit(&out, 0);
        let stdout = text(&out.stdout);
        let got: BTreeSet<String> = kept(&stdout).into_iter().map(|(k, _)| k).collect();
        assert_eq!(got, keys(prefix, expected), "{flags:?}:\n{stdout}");
        assert!(stdout.contains("dry run"), "{stdout}");
        assert!(
            stdout.contains(&format!(
                "{} kept, {} would be deleted",
                expected.len(),
                104 - expected.len()
            )),
            "{stdout}"
        );
    }
    // The dry runs deleted nothing.
    assert_eq!(current_keys(&s3, &bucket, prefix).len(), 208);

    // The policy applied: the union of the rules, each kept backup with
    // the rules that keep it.
    let policy = [
        "--keep-last",
        "2",
        "--keep-weekly",
        "6",
        "--keep-monthly",
        "6",
        "--keep-yearly",
        "5",
    ];
    let expected = [0, 1, 2, 3, 4, 5, 9, 13, 18, 22, 48, 100, 103];
    let mut args = vec!["prune", url.as_str(), "--apply", "--purge-versions"];
    args.extend_from_slice(&policy);
    let out = pgark(server, &args);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    let reasons: std::collections::BTreeMap<String, String> = kept(&stdout).into_iter().collect();
    assert_eq!(
        reasons.keys().cloned().collect::<BTreeSet<_>>(),
        keys(prefix, &expected),
        "{stdout}"
    );
    let reason = |k: i64| reasons.get(&key_of(prefix, k)).cloned().unwrap_or_default();
    assert_eq!(reason(0), "last, weekly, monthly, yearly");
    assert_eq!(reason(1), "last, weekly");
    assert_eq!(reason(5), "weekly, monthly");
    assert_eq!(reason(48), "yearly");
    assert_eq!(reason(103), "oldest yearly");
    assert!(
        stdout.contains("deleted 91 backups (186368 bytes)"),
        "{stdout}"
    );

    // Nothing is left but the kept archives and their manifests: no old
    // version, no delete marker.
    let mut wanted: BTreeSet<String> = keys(prefix, &expected);
    wanted.extend(
        keys(prefix, &expected)
            .iter()
            .map(|k| format!("{k}{SUFFIX}")),
    );
    assert_eq!(current_keys(&s3, &bucket, prefix), wanted);
    let versions = all_versions(&s3, &bucket, prefix);
    assert_eq!(versions.len(), wanted.len(), "{versions:?}");
    assert!(versions
        .iter()
        .all(|(k, marker)| !marker && wanted.contains(k)));

    // `audit --keep-*` reports the retention left: per rule, the periods
    // up to the newest backup's that have one (by hand from the kept set).
    let out = pgark(
        server,
        &[
            "audit",
            &url,
            "--every",
            "400d",
            "--keep-last",
            "20",
            "--keep-daily",
            "3",
            "--keep-weekly",
            "6",
            "--keep-monthly",
            "8",
            "--keep-yearly",
            "5",
        ],
    );
    let stdout = text(&out.stdout);
    for line in [
        "warn: retention: keep-last 20: 13 of 20 backups present",
        "warn: retention: keep-daily 3: 1 of the 3 days up to the newest backup's have one; \
         none in 2026-11-29, 2026-11-28",
        "retention: keep-weekly 6: 6 of the 6 weeks up to the newest backup's have one",
        "warn: retention: keep-monthly 8: 6 of the 8 months up to the newest backup's have one; \
         none in 2026-05, 2026-04",
        "warn: retention: keep-yearly 5: 3 of the 5 years up to the newest backup's have one; \
         none in 2023, 2022",
    ] {
        assert!(stdout.lines().any(|l| l == line), "{line}\n{stdout}");
    }

    // Run again: nothing more to delete.
    let out = pgark(server, &args);
    assert_exit(&out, 0);
    assert!(
        text(&out.stdout).contains("deleted 0 backups"),
        "{}",
        text(&out.stdout)
    );

    // Without --purge-versions a versioned bucket keeps the deleted
    // backups as noncurrent versions behind delete markers (the lifecycle
    // rule expires them later).
    let prefix = "plain/";
    seed(&s3, &bucket, prefix, 0..4);
    let url = format!("s3://{bucket}/{prefix}");
    let out = pgark(server, &["prune", &url, "--keep-last", "1", "--apply"]);
    assert_exit(&out, 0);
    let mut wanted = keys(prefix, &[0]);
    wanted.insert(format!("{}{SUFFIX}", key_of(prefix, 0)));
    assert_eq!(current_keys(&s3, &bucket, prefix), wanted);
    let versions = all_versions(&s3, &bucket, prefix);
    assert_eq!(
        versions.iter().filter(|(_, m)| *m).count(),
        6,
        "{versions:?}"
    );
    assert_eq!(
        versions.iter().filter(|(_, m)| !*m).count(),
        8,
        "{versions:?}"
    );
}

#[test]
fn prune_refuses_past_an_invalid_newer_archive() {
    let server = moto();
    let bucket = format!("pgark-prune-refuse-{}", std::process::id());
    server.create_bucket(&bucket);
    let s3 = admin_client(server);
    let prefix = "app/";
    let url = format!("s3://{bucket}/{prefix}");
    seed(&s3, &bucket, prefix, 1..6);
    // The newest run wrote its archive but never its manifest.
    let failed = key_of(prefix, 0);
    put(&s3, &bucket, &failed, vec![b'P'; ARCHIVE_BYTES]);
    let before = current_keys(&s3, &bucket, prefix);
    assert_eq!(before.len(), 11);

    for args in [
        vec!["prune", url.as_str(), "--keep-last", "2", "--apply"],
        vec!["prune", url.as_str(), "--keep-last", "2"],
    ] {
        let out = pgark(server, &args);
        assert_exit(&out, 6);
        let err = text(&out.stderr);
        assert!(
            err.contains(&failed) && err.contains("no manifest") && err.contains("--force"),
            "{err}"
        );
        assert_eq!(current_keys(&s3, &bucket, prefix), before);
    }

    // A truncated newest archive (its manifest says it is longer) refuses
    // the same way.
    put(
        &s3,
        &bucket,
        &format!("{failed}{SUFFIX}"),
        manifest_json(&bucket, &failed, newest(), ARCHIVE_BYTES + 1),
    );
    let out = pgark(server, &["prune", &url, "--keep-last", "2", "--apply"]);
    assert_exit(&out, 6);
    assert!(
        text(&out.stderr).contains("truncated"),
        "{}",
        text(&out.stderr)
    );
    let before = current_keys(&s3, &bucket, prefix);
    assert_eq!(before.len(), 12);

    // Another database's backups under the same prefix are counted on
    // their own: its two newest stay too.
    seed_named(&s3, &bucket, prefix, "billing", 1..5);

    // --force deletes what the policy does not keep, counting valid
    // backups only, and never the invalid archive.
    let out = pgark(
        server,
        &["prune", &url, "--keep-last", "2", "--apply", "--force"],
    );
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("invalid "), "{stdout}");
    let mut wanted = keys(prefix, &[0, 1, 2]);
    for k in [0, 1, 2] {
        wanted.insert(format!("{}{SUFFIX}", key_of(prefix, k)));
    }
    for k in [1, 2] {
        wanted.insert(key_named(prefix, "billing", k));
        wanted.insert(format!("{}{SUFFIX}", key_named(prefix, "billing", k)));
    }
    assert_eq!(current_keys(&s3, &bucket, prefix), wanted);

    // No policy at all is a usage error, not "delete everything".
    let out = pgark(server, &["prune", &url]);
    assert_exit(&out, 2);
    assert!(text(&out.stderr).contains("--keep-last"));
}

/// A user of the IAM moto with `policy`, created by its admin user.
fn iam_user(iam: &IamMoto, name: &str, policy: &str) -> (String, String) {
    let (key, secret) = &iam.admin;
    let script = format!(
        "import boto3\n\
         iam = boto3.client('iam', aws_access_key_id={key:?}, aws_secret_access_key={secret:?})\n\
         iam.create_user(UserName={name:?})\n\
         iam.put_user_policy(UserName={name:?}, PolicyName='policy', PolicyDocument={policy:?})\n\
         k = iam.create_access_key(UserName={name:?})['AccessKey']\n\
         print(k['AccessKeyId'])\n\
         print(k['SecretAccessKey'])\n"
    );
    let printed = iam
        .server
        .python(&script)
        .unwrap_or_else(|e| panic!("creating {name}: {e}"));
    let mut lines = printed.lines();
    match (lines.next(), lines.next()) {
        (Some(k), Some(s)) => (k.to_owned(), s.to_owned()),
        _ => panic!("unexpected output creating {name}: {printed}"),
    }
}

fn printed_policy(args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .output()
        .expect("run pgark iam-policy");
    assert_exit(&out, 0);
    text(&out.stdout)
}

#[test]
fn pruner_policy_is_enough_and_the_writers_is_not() {
    let iam = iam_moto();
    let bucket = "pgark-iam";
    let prefix = "prune-iam/";
    let url = format!("s3://{bucket}/{prefix}");
    let admin = iam.client(&iam.admin);
    seed(&admin, bucket, prefix, 0..5);
    let before = current_keys(&admin, bucket, prefix);
    let pruner = iam_user(
        iam,
        "pruner",
        &printed_policy(&["iam-policy", "--role", "pruner", &url]),
    );
    let purger = iam_user(
        iam,
        "pruner-purging",
        &printed_policy(&["iam-policy", "--role", "pruner", "--purge-versions", &url]),
    );
    let endpoint = iam.server.endpoint();
    let run = |creds: &(String, String), args: &[&str]| {
        crate::common::pgark_s3(&endpoint, (&creds.0, &creds.1), args)
    };

    // The write-only backup user may not prune (nor list).
    let out = run(&iam.writer, &["prune", &url, "--keep-last", "2", "--apply"]);
    assert_exit(&out, 4);
    let err = text(&out.stderr);
    assert!(
        err.contains("AccessDenied") && err.contains("s3:ListBucket"),
        "{err}"
    );
    assert_eq!(current_keys(&admin, bucket, prefix), before);

    // The pruner reads manifests but not archives, and writes nothing.
    let pruner_client = iam.client(&pruner);
    let archive = key_of(prefix, 0);
    let denied = rt().block_on(
        pruner_client
            .get_object()
            .bucket(bucket)
            .key(&archive)
            .send(),
    );
    assert_eq!(
        denied.as_ref().err().and_then(|e| e.code()),
        Some("AccessDenied"),
        "GetObject of an archive as the pruner: {denied:?}"
    );
    let put = rt().block_on(
        pruner_client
            .put_object()
            .bucket(bucket)
            .key(format!("{prefix}by-pruner"))
            .body(ByteStream::from_static(b"x"))
            .send(),
    );
    assert_eq!(
        put.err()
            .and_then(|e| e.code().map(str::to_owned))
            .as_deref(),
        Some("AccessDenied")
    );

    // Without the purge permissions, --purge-versions is refused by S3
    // before anything is deleted...
    let out = run(
        &pruner,
        &[
            "prune",
            &url,
            "--keep-last",
            "4",
            "--apply",
            "--purge-versions",
        ],
    );
    assert_exit(&out, 4);
    let err = text(&out.stderr);
    assert!(err.contains("s3:ListBucketVersions"), "{err}");
    assert_eq!(current_keys(&admin, bucket, prefix), before);

    // ...and the policy printed for it is enough.
    let out = run(
        &purger,
        &[
            "prune",
            &url,
            "--keep-last",
            "4",
            "--apply",
            "--purge-versions",
        ],
    );
    assert_exit(&out, 0);

    // The pruner's policy is enough for prune --apply.
    let out = run(&pruner, &["prune", &url, "--keep-last", "2", "--apply"]);
    assert_exit(&out, 0);
    let mut wanted = keys(prefix, &[0, 1]);
    for k in [0, 1] {
        wanted.insert(format!("{}{SUFFIX}", key_of(prefix, k)));
    }
    assert_eq!(current_keys(&admin, bucket, prefix), wanted);
}

#[test]
fn prune_treats_encrypted_archives_like_plain_ones() {
    let server = moto();
    let bucket = format!("pgark-prune-age-{}", std::process::id());
    server.create_bucket(&bucket);
    let s3 = admin_client(server);
    let prefix = "mixed/";
    let url = format!("s3://{bucket}/{prefix}");
    // Weeks 0, 2, 4 encrypted (`X.dump.age` and `X.dump.age.manifest.json`),
    // weeks 1, 3, 5 not.
    let archive = |k: i64| match k % 2 {
        0 => format!("{}.age", key_of(prefix, k)),
        _ => key_of(prefix, k),
    };
    for k in 0..6 {
        let key = archive(k);
        put(&s3, &bucket, &key, vec![b'a'; ARCHIVE_BYTES]);
        let m = manifest_json(&bucket, &key, newest() - k * WEEK, ARCHIVE_BYTES);
        put(&s3, &bucket, &format!("{key}{SUFFIX}"), m);
    }
    let out = pgark(server, &["prune", &url, "--keep-last", "3", "--apply"]);
    assert_exit(&out, 0);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("deleted 3 backups"), "{stdout}");
    let wanted: BTreeSet<String> = (0..3)
        .flat_map(|k| [archive(k), format!("{}{SUFFIX}", archive(k))])
        .collect();
    assert_eq!(current_keys(&s3, &bucket, prefix), wanted, "{stdout}");
}
