//! `pgark bucket init|audit` and `pgark iam-policy` against moto: the
//! runbook's hardening applied, read back through the SDK, audited for
//! drift; the printed IAM policies enforced by moto's IAM.
//!
//! moto quirks this relies on or works around (moto 5.2):
//! * new buckets have no default encryption (AWS applies SSE-S3 to every
//!   bucket since 2023), so `init` on a fresh moto bucket applies it;
//! * with IAM enforced, moto authorizes GetBucketEncryption and
//!   GetPublicAccessBlock as `s3:ListBucket` (its action map lacks them),
//!   and HeadBucket as `s3:HeadBucket`, which is no real IAM action:
//!   pgark locates the bucket with GetBucketLocation instead;
//! * moto ignores `Condition` blocks of identity policies, so the reader
//!   policy's `s3:prefix` condition (prefixes only) is not exercised here.

use std::process::{Command, Output};
use std::sync::OnceLock;

use aws_sdk_s3::error::ProvideErrorMetadata;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    BucketVersioningStatus, ExpirationStatus, LifecycleRule, LifecycleRuleFilter,
    NoncurrentVersionExpiration, PublicAccessBlockConfiguration, VersioningConfiguration,
};
use aws_sdk_s3::Client;
use pgark::bucket::policy::{reader_policy, writer_policy};
use pgark::S3Url;
use pgark_testkit::{moto, MotoServer};

use crate::s3_sink::{admin_client, iam_moto, object_keys, rt, write_only_policy, IamMoto};

/// `pgark ARGS` with the AWS environment pointing at `endpoint` as `creds`.
fn pgark_as(endpoint: &str, creds: &(String, String), region: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", &creds.0)
        .env("AWS_SECRET_ACCESS_KEY", &creds.1)
        .env("AWS_REGION", region)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .output()
        .expect("run pgark")
}

/// `pgark ARGS` as moto's root identity on the shared moto.
fn pgark(args: &[&str]) -> Output {
    let server = moto();
    pgark_as(
        &server.endpoint(),
        &server.admin_credentials(),
        "us-east-1",
        args,
    )
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Asserts the exit code, showing both streams if it differs.
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A bucket name of its own per test (the shared moto lives for the run).
fn bucket_name(test: &str) -> String {
    format!("pgark-bucket-{test}-{}", std::process::id())
}

/// Runs `script` in the venv's Python (boto3, as moto's root identity):
/// what it printed.
fn python(server: &MotoServer, script: &str) -> String {
    server
        .python(script)
        .unwrap_or_else(|e| panic!("python failed: {e}"))
}

/// The lifecycle rules as read through the SDK: (id, noncurrent days,
/// abort days, expiration days).
type RuleDays = (String, Option<i32>, Option<i32>, Option<i32>);

fn lifecycle(client: &Client, bucket: &str) -> Vec<RuleDays> {
    rt().block_on(async {
        match client
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => out
                .rules()
                .iter()
                .map(|r| {
                    (
                        r.id().unwrap_or_default().to_owned(),
                        r.noncurrent_version_expiration()
                            .and_then(|n| n.noncurrent_days()),
                        r.abort_incomplete_multipart_upload()
                            .and_then(|a| a.days_after_initiation()),
                        r.expiration().and_then(|e| e.days()),
                    )
                })
                .collect(),
            Err(e) if e.code() == Some("NoSuchLifecycleConfiguration") => Vec::new(),
            Err(e) => panic!("GetBucketLifecycleConfiguration: {e:?}"),
        }
    })
}

/// What init must have written, read back independently of pgark's audit.
fn assert_hardened(
    client: &Client,
    bucket: &str,
    noncurrent: i32,
    abort: i32,
    expire: Option<i32>,
) {
    // Through boto3: moto answers GetBucketVersioning with a
    // `GetBucketVersioningResponse` root element, which the Rust SDK
    // refuses (it expects `VersioningConfiguration`).
    let script = format!(
        "import boto3\nprint(boto3.client('s3').get_bucket_versioning(Bucket={bucket:?}).get('Status'))\n"
    );
    assert_eq!(python(moto(), &script).trim(), "Enabled");
    rt().block_on(async {
        let e = client
            .get_bucket_encryption()
            .bucket(bucket)
            .send()
            .await
            .expect("GetBucketEncryption");
        let rules = e
            .server_side_encryption_configuration()
            .expect("encryption configuration")
            .rules();
        assert_eq!(rules.len(), 1);
        let algorithm = rules[0]
            .apply_server_side_encryption_by_default()
            .expect("default encryption")
            .sse_algorithm()
            .as_str();
        assert_eq!(algorithm, "AES256");
        let p = client
            .get_public_access_block()
            .bucket(bucket)
            .send()
            .await
            .expect("GetPublicAccessBlock");
        let p = p.public_access_block_configuration().expect("block");
        assert_eq!(
            (
                p.block_public_acls(),
                p.ignore_public_acls(),
                p.block_public_policy(),
                p.restrict_public_buckets()
            ),
            (Some(true), Some(true), Some(true), Some(true))
        );
    });
    let rules = lifecycle(client, bucket);
    let days = |pick: fn(&RuleDays) -> Option<i32>| -> Vec<i32> {
        rules.iter().filter_map(pick).collect()
    };
    assert_eq!(days(|r| r.1), vec![noncurrent], "{rules:?}");
    assert_eq!(days(|r| r.2), vec![abort], "{rules:?}");
    assert_eq!(
        days(|r| r.3),
        expire.into_iter().collect::<Vec<_>>(),
        "{rules:?}"
    );
}

#[test]
fn bucket_init_creates_hardens_and_is_idempotent() {
    let bucket = bucket_name("init");
    let url = format!("s3://{bucket}");
    let admin = admin_client(moto());

    // Audit does not create: a missing bucket is a storage error (4).
    let missing = pgark(&["bucket", "audit", &url]);
    assert_exit(&missing, 4);
    let err = text(&missing.stderr);
    assert!(
        err.contains("does not exist") && err.contains(&bucket),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");

    let first = pgark(&["bucket", "init", &url]);
    assert_exit(&first, 0);
    let report = text(&first.stdout);
    assert!(report.contains(": created"), "{report}");
    assert_eq!(report.matches(": applied").count(), 6, "{report}");
    assert_hardened(&admin, &bucket, 30, 7, Some(365));

    let audit = pgark(&["bucket", "audit", &url]);
    assert_exit(&audit, 0);
    let report = text(&audit.stdout);
    assert!(report.contains("no drift"), "{report}");
    assert!(!report.contains("DRIFT"), "{report}");

    // The second run writes nothing and says so for every item.
    let rules_before = lifecycle(&admin, &bucket);
    let second = pgark(&["bucket", "init", &url]);
    assert_exit(&second, 0);
    let report = text(&second.stdout);
    assert!(
        report.contains("already configured, nothing changed"),
        "{report}"
    );
    assert_eq!(
        report.matches(": already configured\n").count(),
        6,
        "{report}"
    );
    assert!(!report.contains("applied"), "{report}");
    assert_eq!(lifecycle(&admin, &bucket), rules_before);

    // JSON, valid and machine-readable.
    let json = pgark(&["bucket", "audit", "--json", &url]);
    assert_exit(&json, 0);
    let script = format!(
        "import json\nr = json.loads({:?})\nprint(r['drift'], len(r['checks']), all(c['ok'] for c in r['checks']))\n",
        text(&json.stdout)
    );
    assert_eq!(python(moto(), &script).trim(), "False 6 True");
}

#[test]
fn bucket_audit_names_each_drift_and_init_repairs_it() {
    let bucket = bucket_name("drift");
    let url = format!("s3://{bucket}");
    let admin = admin_client(moto());
    assert_exit(&pgark(&["bucket", "init", &url]), 0);

    // Versioning suspended: exit 6, versioning named, nothing else.
    rt().block_on(
        admin
            .put_bucket_versioning()
            .bucket(&bucket)
            .versioning_configuration(
                VersioningConfiguration::builder()
                    .status(BucketVersioningStatus::Suspended)
                    .build(),
            )
            .send(),
    )
    .expect("suspend versioning");
    let audit = pgark(&["bucket", "audit", &url]);
    assert_exit(&audit, 6);
    let report = text(&audit.stdout);
    let drift: Vec<&str> = report.lines().filter(|l| l.contains("DRIFT")).collect();
    assert_eq!(drift.len(), 1, "{report}");
    assert!(drift[0].contains("versioning: Suspended"), "{report}");
    assert!(report.contains("1 of 6 items drift"), "{report}");

    // The lifecycle configuration deleted: the three rules are named.
    rt().block_on(admin.delete_bucket_lifecycle().bucket(&bucket).send())
        .expect("delete lifecycle");
    let audit = pgark(&["bucket", "audit", &url]);
    assert_exit(&audit, 6);
    let report = text(&audit.stdout);
    for rule in [
        "lifecycle rule: noncurrent versions: no rule",
        "lifecycle rule: incomplete multipart uploads: no rule",
        "lifecycle rule: current objects: no rule",
    ] {
        assert!(
            report.contains(&format!("DRIFT  {rule}")),
            "{rule}\n{report}"
        );
    }

    // A partial public access block names the setting that is off.
    rt().block_on(
        admin
            .put_public_access_block()
            .bucket(&bucket)
            .public_access_block_configuration(
                PublicAccessBlockConfiguration::builder()
                    .block_public_acls(true)
                    .ignore_public_acls(true)
                    .block_public_policy(true)
                    .restrict_public_buckets(false)
                    .build(),
            )
            .send(),
    )
    .expect("partial public access block");
    let json = pgark(&["bucket", "audit", "--json", &url]);
    assert_exit(&json, 6);
    let script = format!(
        "import json\nr = json.loads({:?})\nprint(r['drift'], sorted(c['item'] for c in r['checks'] if not c['ok']))\n",
        text(&json.stdout)
    );
    assert_eq!(
        python(moto(), &script).trim(),
        "True ['lifecycle_current_objects', 'lifecycle_incomplete_multipart_uploads', \
         'lifecycle_noncurrent_versions', 'public_access_block', 'versioning']"
    );
    assert!(text(&json.stdout).contains("partial: RestrictPublicBuckets off"));

    // Other day counts are drift too.
    let other = pgark(&["bucket", "audit", "--noncurrent-days", "31", &url]);
    assert_exit(&other, 6);

    // init repairs exactly what drifted.
    let repair = pgark(&["bucket", "init", &url]);
    assert_exit(&repair, 0);
    let report = text(&repair.stdout);
    assert!(
        report.contains("default encryption: already configured"),
        "{report}"
    );
    assert!(
        report.contains("versioning: applied, now Enabled (was: Suspended)"),
        "{report}"
    );
    assert_eq!(report.matches(": applied").count(), 5, "{report}");
    assert_hardened(&admin, &bucket, 30, 7, Some(365));
    assert_exit(&pgark(&["bucket", "audit", &url]), 0);
}

#[test]
fn bucket_policy_flags_and_other_rules() {
    let bucket = bucket_name("flags");
    let url = format!("s3://{bucket}");
    let admin = admin_client(moto());
    let flags = [
        "--noncurrent-days",
        "10",
        "--abort-incomplete-days",
        "2",
        "--expire-days",
        "0",
    ];
    let with = |cmd: &str| -> Output {
        let mut args = vec!["bucket", cmd];
        args.extend(flags);
        args.push(&url);
        pgark(&args)
    };
    assert_exit(&with("init"), 0);
    assert_hardened(&admin, &bucket, 10, 2, None);
    assert_exit(&with("audit"), 0);
    // Against the default policy: 10 days is not 30, and nothing expires.
    let audit = pgark(&["bucket", "audit", &url]);
    assert_exit(&audit, 6);
    let report = text(&audit.stdout);
    assert!(report.contains("noncurrent versions: rule \"pgark-expire-noncurrent-versions\" (whole bucket): 10 days"), "{report}");
    assert!(report.contains("current objects: no rule"), "{report}");

    // Someone else's rule acting sooner is kept, and reported as drift
    // that init cannot remove.
    let mut rules: Vec<LifecycleRule> = rt()
        .block_on(
            admin
                .get_bucket_lifecycle_configuration()
                .bucket(&bucket)
                .send(),
        )
        .expect("lifecycle")
        .rules()
        .to_vec();
    rules.push(
        LifecycleRule::builder()
            .id("theirs")
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("tmp/").build())
            .noncurrent_version_expiration(
                NoncurrentVersionExpiration::builder()
                    .noncurrent_days(3)
                    .build(),
            )
            .build()
            .expect("rule"),
    );
    rt().block_on(
        admin
            .put_bucket_lifecycle_configuration()
            .bucket(&bucket)
            .lifecycle_configuration(
                aws_sdk_s3::types::BucketLifecycleConfiguration::builder()
                    .set_rules(Some(rules))
                    .build()
                    .expect("configuration"),
            )
            .send(),
    )
    .expect("put lifecycle");
    let init = pgark(&["bucket", "init", &url]);
    assert_exit(&init, 6);
    let report = text(&init.stdout);
    assert!(report.contains("drift remains"), "{report}");
    assert!(
        report.contains("rule \"theirs\" (prefix \"tmp/\"): 3 days"),
        "{report}"
    );
    let ids: Vec<String> = lifecycle(&admin, &bucket)
        .into_iter()
        .map(|r| r.0)
        .collect();
    assert!(ids.contains(&"theirs".to_owned()), "{ids:?}");
    assert!(
        ids.contains(&"pgark-expire-current-objects".to_owned()),
        "{ids:?}"
    );

    // Bad flags are usage errors.
    assert_exit(
        &pgark(&["bucket", "audit", "--noncurrent-days", "0", &url]),
        2,
    );
    assert_exit(&pgark(&["bucket", "init", &format!("{url}/prefix")]), 2);
}

#[test]
fn bucket_init_creates_in_the_region_and_audit_follows_it() {
    let bucket = bucket_name("region");
    let url = format!("s3://{bucket}");
    let server = moto();
    let creds = server.admin_credentials();
    let init = pgark_as(
        &server.endpoint(),
        &creds,
        "eu-west-3",
        &["bucket", "init", &url],
    );
    assert_exit(&init, 0);
    assert!(text(&init.stdout).contains(&format!("s3://{bucket} (eu-west-3): created")));
    let location = rt()
        .block_on(
            admin_client(server)
                .get_bucket_location()
                .bucket(&bucket)
                .send(),
        )
        .expect("GetBucketLocation");
    assert_eq!(
        location.location_constraint().map(|c| c.as_str()),
        Some("eu-west-3")
    );
    // From a client configured for another region.
    let audit = pgark_as(
        &server.endpoint(),
        &creds,
        "us-east-1",
        &["bucket", "audit", &url],
    );
    assert_exit(&audit, 0);
    assert!(text(&audit.stdout).contains("(eu-west-3): no drift"));
}

/// The reader user of the IAM moto, with `pgark iam-policy --role reader`'s
/// policy, created through IAM by the admin user (moto enforces IAM on
/// every request by now, and the root key is no IAM user).
fn reader(iam: &IamMoto) -> &'static (String, String) {
    static READER: OnceLock<(String, String)> = OnceLock::new();
    READER.get_or_init(|| {
        let out = pgark(&["iam-policy", "--role", "reader", "s3://pgark-iam"]);
        assert_exit(&out, 0);
        let policy = text(&out.stdout);
        let (key, secret) = &iam.admin;
        let script = format!(
            "import boto3\n\
             iam = boto3.client('iam', aws_access_key_id={key:?}, aws_secret_access_key={secret:?})\n\
             iam.create_user(UserName='drill-reader')\n\
             iam.put_user_policy(UserName='drill-reader', PolicyName='policy', PolicyDocument={policy:?})\n\
             k = iam.create_access_key(UserName='drill-reader')['AccessKey']\n\
             print(k['AccessKeyId'])\n\
             print(k['SecretAccessKey'])\n"
        );
        let printed = python(&iam.server, &script);
        let mut lines = printed.lines();
        match (lines.next(), lines.next()) {
            (Some(k), Some(s)) => (k.to_owned(), s.to_owned()),
            _ => panic!("unexpected output creating the reader: {printed}"),
        }
    })
}

fn denied<T, E: ProvideErrorMetadata + std::fmt::Debug>(result: Result<T, E>, what: &str) {
    match result {
        Ok(_) => panic!("{what} was allowed"),
        Err(e) => assert_eq!(e.code(), Some("AccessDenied"), "{what}: {e:?}"),
    }
}

#[test]
fn iam_policy_prints_the_policies_the_tests_enforce() {
    let url = S3Url::parse("s3://pgark-iam").expect("url");
    let out = pgark(&["iam-policy", "--role", "writer", "s3://pgark-iam"]);
    assert_exit(&out, 0);
    let printed = text(&out.stdout);
    // What iam_moto() attached to the write-only user is this output.
    assert_eq!(printed, write_only_policy());
    assert_eq!(printed, format!("{:#}\n", writer_policy(&url)));
    let script = format!(
        "import json\np = json.loads({printed:?})\ns = p['Statement']\n\
         print(p['Version'], len(s), s[0]['Effect'], sorted(s[0]['Action']), s[0]['Resource'])\n"
    );
    assert_eq!(
        python(moto(), &script).trim(),
        "2012-10-17 1 Allow ['s3:AbortMultipartUpload', 's3:ListMultipartUploadParts', \
         's3:PutObject'] arn:aws:s3:::pgark-iam/*"
    );

    // Without --role: both documents, labelled.
    let both = text(&pgark(&["iam-policy", "s3://pgark-iam/prod/"]).stdout);
    let prod = S3Url::parse("s3://pgark-iam/prod/").expect("url");
    assert!(
        both.contains(&format!("{:#}", writer_policy(&prod))),
        "{both}"
    );
    assert!(
        both.contains(&format!("{:#}", reader_policy(&prod))),
        "{both}"
    );
    assert!(both.contains("\"arn:aws:s3:::pgark-iam/prod/*\""), "{both}");
    assert_exit(
        &pgark(&["iam-policy", "--role", "nobody", "s3://pgark-iam"]),
        2,
    );
}

#[test]
fn iam_policy_writer_writes_only_and_reader_reads_only() {
    let iam = iam_moto();
    let writer = iam.client(&iam.writer);
    let (bucket, key) = ("pgark-iam", "bucket-test/policy.dump");

    // The writer (created with the printed policy) puts, and reads nothing.
    rt().block_on(
        writer
            .put_object()
            .bucket(bucket)
            .key(key)
            .body(ByteStream::from_static(b"PGDMP"))
            .send(),
    )
    .expect("PutObject as the writer");
    denied(
        rt().block_on(writer.get_object().bucket(bucket).key(key).send()),
        "GetObject as the writer",
    );
    denied(
        rt().block_on(writer.list_objects_v2().bucket(bucket).send()),
        "ListBucket as the writer",
    );
    denied(
        rt().block_on(writer.delete_object().bucket(bucket).key(key).send()),
        "DeleteObject as the writer",
    );

    // The reader reads and lists, and writes nothing.
    let reader_creds = reader(iam);
    let reader = iam.client(reader_creds);
    let body = rt().block_on(async {
        let out = reader
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .expect("GetObject as the reader");
        out.body.collect().await.expect("body").into_bytes()
    });
    assert_eq!(&body[..], b"PGDMP");
    assert!(object_keys(&reader, bucket).contains(&key.to_owned()));
    denied(
        rt().block_on(
            reader
                .put_object()
                .bucket(bucket)
                .key("bucket-test/by-reader")
                .body(ByteStream::from_static(b"x"))
                .send(),
        ),
        "PutObject as the reader",
    );
    denied(
        rt().block_on(reader.delete_object().bucket(bucket).key(key).send()),
        "DeleteObject as the reader",
    );

    // The reader may run `pgark bucket audit` (pgark-iam is not hardened:
    // drift, exit 6); the writer may not (exit 4, naming the permission,
    // without its secret).
    let endpoint = iam.server.endpoint();
    let audit = pgark_as(
        &endpoint,
        reader_creds,
        "us-east-1",
        &["bucket", "audit", "s3://pgark-iam"],
    );
    assert_exit(&audit, 6);
    let audit = pgark_as(
        &endpoint,
        &iam.writer,
        "us-east-1",
        &["bucket", "audit", "s3://pgark-iam"],
    );
    assert_exit(&audit, 4);
    let err = text(&audit.stderr);
    assert!(
        err.contains("AccessDenied") && err.contains("s3:GetBucketLocation"),
        "{err}"
    );
    assert!(!err.contains(&iam.writer.1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
}

#[test]
fn bucket_init_pruned_leaves_retention_to_prune() {
    let bucket = bucket_name("pruned");
    let url = format!("s3://{bucket}");
    let admin = admin_client(moto());

    // The runbook's 365-day rule first, then --pruned replaces it: no rule
    // expires current backups, noncurrent versions still expire.
    assert_exit(&pgark(&["bucket", "init", &url]), 0);
    assert_hardened(&admin, &bucket, 30, 7, Some(365));
    let init = pgark(&["bucket", "init", &url, "--pruned"]);
    assert_exit(&init, 0);
    assert_hardened(&admin, &bucket, 30, 7, None);
    let audit = pgark(&["bucket", "audit", &url, "--pruned"]);
    assert_exit(&audit, 0);
    // Audited against the runbook's policy, the missing rule is drift.
    let audit = pgark(&["bucket", "audit", &url]);
    assert_exit(&audit, 6);
    assert!(
        text(&audit.stdout).contains("DRIFT"),
        "{}",
        text(&audit.stdout)
    );
    // --pruned and an expiry contradict each other.
    let both = pgark(&["bucket", "init", &url, "--pruned", "--expire-days", "30"]);
    assert_exit(&both, 2);
}
