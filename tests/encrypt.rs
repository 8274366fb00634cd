//! `pgark backup --encrypt-to` and reading encrypted archives with
//! `--identity`: the write-only job on the IAM moto, restore (serial,
//! -j 4, -t over range requests), `pgark decrypt | pg_restore`, verify,
//! audit without the key, and wrong keys, tampering and truncation.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use age::secrecy::ExposeSecret;
use pgark_testkit::{moto, pg, PgVersion, TestDb};

use crate::backup::{assert_same_dump, plain_dump};
use crate::common::{fixture_db, pgark_s3, query, row_counts};
use crate::s3_sink::{get_object, iam_moto, object_keys};

const BUCKET: &str = "pgark-iam";

/// A fresh age key pair: the identity file in `dir` and the public key.
pub(crate) fn keypair(dir: &Path, name: &str) -> (PathBuf, String) {
    let id = age::x25519::Identity::generate();
    let path = dir.join(format!("{name}.key"));
    std::fs::write(&path, format!("{}\n", id.to_string().expose_secret())).expect("identity file");
    (path, id.to_public().to_string())
}

fn pgark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .env_remove("DATABASE_URL")
        .env_remove("PGARK_IDENTITY")
        .env_remove("PGARK_ENCRYPT_TO")
        .output()
        .expect("pgark runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The table names of `db` long enough not to occur by chance in a log.
fn distinctive_names(db: &TestDb) -> Vec<String> {
    row_counts(db)
        .into_iter()
        .map(|(_, t, _)| t)
        .filter(|t| t.len() >= 5)
        .collect()
}

/// The round trip: an encrypted backup to S3 with write-only
/// credentials (no table name in its log or manifest), the audit passing
/// without the key, `restore -j 4 --identity` and `pgark decrypt |
/// pg_restore` giving the source's plain dump, verify matching the sealed
/// row counts.
#[test]
fn encrypted_s3_backup_restores_with_the_identity_only() {
    let moto = iam_moto();
    let version = PgVersion::V16;
    let source = fixture_db(pg(version), "schema_basics.sql");
    query(
        &source,
        "CREATE TABLE public.secret_ledger AS SELECT g AS id, md5(g::text) AS t \
         FROM generate_series(1, 200000) g; ALTER TABLE public.secret_ledger ADD PRIMARY KEY (id);",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let (identity, public) = keypair(dir.path(), "restore");
    let prefix = format!("encrypted/{}/", source.name);
    let endpoint = moto.server.endpoint();
    let writer = (moto.writer.0.as_str(), moto.writer.1.as_str());
    let admin = (moto.admin.0.as_str(), moto.admin.1.as_str());
    let out = pgark_s3(
        &endpoint,
        writer,
        &[
            "backup",
            "--database-url",
            &source.url(),
            "--to",
            &format!("s3://{BUCKET}/{prefix}"),
            "--s3-part-size-mib",
            "5",
            "--encrypt-to",
            &public,
        ],
    );
    let log = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
    assert!(out.status.success(), "encrypted backup failed: {log}");
    let keys: Vec<String> = object_keys(&moto.client(&moto.admin), BUCKET)
        .into_iter()
        .filter(|k| k.starts_with(&prefix))
        .collect();
    let key = keys
        .iter()
        .find(|k| k.ends_with(".dump.age"))
        .unwrap_or_else(|| panic!("no .dump.age key: {keys:?}"))
        .clone();
    let manifest_key = format!("{key}{}", pgark::manifest::SUFFIX);
    assert!(keys.contains(&manifest_key), "{keys:?}");
    let archive = get_object(&moto.client(&moto.admin), BUCKET, &key);
    assert!(archive.starts_with(b"age-encryption.org/v1\n"));
    let manifest = String::from_utf8(get_object(&moto.client(&moto.admin), BUCKET, &manifest_key))
        .expect("utf-8 manifest");
    let names = distinctive_names(&source);
    assert!(names.contains(&"secret_ledger".to_owned()), "{names:?}");
    for name in &names {
        assert!(
            !log.contains(name.as_str()),
            "the job's log names {name}: {log}"
        );
        assert!(
            !manifest.contains(name.as_str()),
            "the manifest names {name}: {manifest}"
        );
        assert!(
            !archive.windows(name.len()).any(|w| w == name.as_bytes()),
            "the archive holds {name} in clear"
        );
    }
    assert!(manifest.contains("\"recipients\""), "{manifest}");

    // The audit reads the bucket without the identity.
    let out = pgark_s3(
        &endpoint,
        admin,
        &["audit", &format!("s3://{BUCKET}/{prefix}"), "--every", "7d"],
    );
    assert!(
        out.status.success(),
        "audit: {}{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(&out)
    );

    let url = format!("s3://{BUCKET}/{key}");
    // verify: ciphertext digest and the sealed row counts.
    let out = pgark_s3(
        &endpoint,
        admin,
        &["verify", &url, "-q", "--identity", s(&identity)],
    );
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "verify: {printed}{}", stderr(&out));
    assert!(printed.contains("OK: manifest"), "{printed}");
    assert!(
        printed.contains("200000") || printed.contains("tables"),
        "{printed}"
    );

    // restore -j 4 from S3 with the identity.
    let copy = pg(version).create_database("enc_copy");
    let out = pgark_s3(
        &endpoint,
        admin,
        &[
            "restore",
            &url,
            "--dbname",
            &copy.url(),
            "-j",
            "4",
            "--identity",
            s(&identity),
        ],
    );
    assert!(out.status.success(), "restore -j 4: {}", stderr(&out));
    assert_same_dump(
        "restore -j 4 --identity",
        &plain_dump(&source),
        &plain_dump(&copy),
    );

    // pgark decrypt | pg_restore.
    let piped = pg(version).create_database("enc_piped");
    let mut decrypt = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["decrypt", &url, "-o", "-", "--identity", s(&identity)])
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", admin.0)
        .env("AWS_SECRET_ACCESS_KEY", admin.1)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .stdout(Stdio::piped())
        .spawn()
        .expect("pgark decrypt");
    let plain = decrypt.stdout.take().expect("decrypt's stdout");
    let restored = piped
        .server()
        .command("pg_restore")
        .args(["-d", &piped.name])
        .stdin(plain)
        .output()
        .expect("pg_restore");
    assert!(decrypt.wait().expect("decrypt exits").success());
    assert!(
        restored.status.success(),
        "pg_restore: {}",
        stderr(&restored)
    );
    assert_same_dump(
        "pgark decrypt | pg_restore",
        &plain_dump(&source),
        &plain_dump(&piped),
    );

    // The drill: the sealed row counts unsealed and compared, with the
    // identity; without it the drill cannot run (exit 5).
    let target = pg(version).url("postgres");
    let drill = |extra: &[&str]| {
        let mut args = vec![
            "drill",
            &format!("s3://{BUCKET}/{prefix}") as &str,
            "--target-url",
            &target,
            "--check",
            "SELECT count(*) = 200000 FROM public.secret_ledger",
        ]
        .into_iter()
        .map(str::to_owned)
        .collect::<Vec<_>>();
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        pgark_s3(&endpoint, admin, &args)
    };
    let out = drill(&["--identity", s(&identity)]);
    let printed = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(
        out.status.code(),
        Some(0),
        "drill: {printed}{}",
        stderr(&out)
    );
    assert!(
        printed.contains("secret_ledger") || printed.contains("row"),
        "{printed}"
    );
    let out = drill(&[]);
    assert_eq!(
        out.status.code(),
        Some(5),
        "drill without identity: {}",
        stderr(&out)
    );

    // Without the identity, nothing reads it: exit 5, one line.
    let out = pgark_s3(&endpoint, admin, &["list", &url]);
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("--identity"), "{}", stderr(&out));
}

/// A backup to a file, encrypted to `public`.
pub(crate) fn encrypted_backup(db: &TestDb, dir: &Path, public: &str) -> PathBuf {
    let to = dir.join("backup.dump");
    let out = pgark(&[
        "backup",
        "--database-url",
        &db.url(),
        "--to",
        s(&to),
        "--encrypt-to",
        public,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert_eq!(path, dir.join("backup.dump.age"));
    path
}

/// The files in `dir`, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A wrong identity, one tampered byte, a truncated file and a missing
/// identity: exit 5 with one error line, and `decrypt -o FILE` leaves no
/// file (not even a temporary one); the intact file decrypts into
/// pg_restore's hands, and `restore -t` seeks in the local file.
#[test]
fn wrong_identity_tampering_and_truncation_exit_5_writing_nothing() {
    let version = PgVersion::V16;
    let source = fixture_db(pg(version), "schema_basics.sql");
    query(
        &source,
        "CREATE TABLE public.bulk AS SELECT g AS id, md5(g::text) AS t FROM generate_series(1, 50000) g;",
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let keys = tempfile::tempdir().expect("key dir");
    let (identity, public) = keypair(keys.path(), "right");
    let (wrong, _) = keypair(keys.path(), "wrong");
    let archive = encrypted_backup(&source, dir.path(), &public);
    let bytes = std::fs::read(&archive).expect("archive");
    assert!(bytes.len() > 3 * 65536, "{} bytes", bytes.len());

    let out_dir = tempfile::tempdir().expect("out dir");
    let plain = out_dir.path().join("plain.dump");
    let decrypt = |input: &Path, id: &Path| {
        pgark(&["decrypt", s(input), "-o", s(&plain), "--identity", s(id)])
    };
    let mut tampered = bytes.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let tampered_path = dir.path().join("tampered.dump.age");
    std::fs::write(&tampered_path, &tampered).expect("write");
    let truncated_path = dir.path().join("truncated.dump.age");
    std::fs::write(&truncated_path, &bytes[..bytes.len() - 100]).expect("write");
    let chunk_cut_path = dir.path().join("cut.dump.age");
    // Cut on a chunk boundary: every chunk left authenticates, the last
    // one is missing.
    let mac_line = bytes
        .windows(4)
        .position(|w| w == b"\n---")
        .expect("the header's MAC line");
    let newline = bytes[mac_line + 1..]
        .iter()
        .position(|&b| b == b'\n')
        .expect("end of the MAC line");
    let head = mac_line + 1 + newline + 1 + 16;
    let chunks = (bytes.len() - head).div_ceil(65536 + 16);
    let cut = head + (chunks - 1) * (65536 + 16);
    std::fs::write(&chunk_cut_path, &bytes[..cut]).expect("write");
    for (what, input, id, says) in [
        ("wrong identity", &archive, &wrong, "does not decrypt"),
        ("one byte tampered", &tampered_path, &identity, "tampered"),
        ("truncated", &truncated_path, &identity, ""),
        ("cut at a chunk", &chunk_cut_path, &identity, "truncated"),
    ] {
        let out = decrypt(input, id);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(5), "{what}: {err}");
        assert_eq!(err.lines().count(), 1, "{what}: {err}");
        assert!(err.contains(says), "{what}: {err}");
        assert_eq!(
            files(out_dir.path()),
            Vec::<String>::new(),
            "{what}: a file was left"
        );
        // Reading it as an archive fails the same way.
        let out = pgark(&["verify", s(input), "-q", "--identity", s(id)]);
        assert_eq!(
            out.status.code(),
            Some(5),
            "verify, {what}: {}",
            stderr(&out)
        );
    }
    let out = pgark(&["restore", s(&archive), "-l"]);
    assert_eq!(out.status.code(), Some(5), "no identity: {}", stderr(&out));
    assert!(stderr(&out).contains("is encrypted"), "{}", stderr(&out));

    // The intact archive: decrypted to a file pg_restore reads, and
    // restored selectively straight from the ciphertext.
    let out = decrypt(&archive, &identity);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(files(out_dir.path()), vec!["plain.dump".to_owned()]);
    let copy = crate::common::assert_restores(version, &plain, &[]);
    assert_same_dump("decrypt -o FILE", &plain_dump(&source), &plain_dump(&copy));
    let one = pg(version).create_database("enc_one");
    let out = pgark(&[
        "restore",
        s(&archive),
        "--dbname",
        &one.url(),
        "-t",
        "bulk",
        "-j",
        "2",
        "--identity",
        s(&identity),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        query(&one, "SELECT count(*) FROM public.bulk").trim(),
        "50000"
    );
}

/// `restore -t small --identity` of an encrypted archive of ≥ 100 MB on
/// S3 fetches the chunks around the TOC and that one block: under 5% of
/// the object crosses the wire.
#[test]
fn one_table_from_an_encrypted_s3_archive_fetches_only_its_chunks() {
    let server = moto();
    let bucket = "pgark-encrypted-ranged";
    server.create_bucket(bucket);
    let version = PgVersion::V16;
    let source = crate::drill::ranged_source(version, "enc_ranged_src");
    let dir = tempfile::tempdir().expect("temp dir");
    let (identity, public) = keypair(dir.path(), "ranged");
    let to = dir.path().join("big.dump");
    let out = pgark(&[
        "backup",
        "--database-url",
        &source.url(),
        "--to",
        s(&to),
        "--compress",
        "none",
        "--encrypt-to",
        &public,
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let archive = dir.path().join("big.dump.age");
    let size = std::fs::metadata(&archive).expect("archive").len();
    assert!(size >= 100 * 1000 * 1000, "the archive has {size} bytes");
    let key = "ranged/big.dump.age";
    let script = format!(
        "import boto3\nboto3.client('s3').upload_file({:?}, {bucket:?}, {key:?})\n",
        s(&archive)
    );
    server.python(&script).expect("upload the archive");
    let upstream = server
        .endpoint()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_owned();
    let (proxy, fetched) = crate::drill::counting_proxy(upstream);
    let (k, sec) = server.admin_credentials();
    for jobs in ["1", "2"] {
        let copy = pg(version).create_database("enc_ranged_copy");
        let before = fetched.load(std::sync::atomic::Ordering::Relaxed);
        let out = pgark_s3(
            &proxy,
            (&k, &sec),
            &[
                "restore",
                &format!("s3://{bucket}/{key}"),
                "--dbname",
                &copy.url(),
                "-t",
                "small",
                "-j",
                jobs,
                "--identity",
                s(&identity),
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let got = fetched.load(std::sync::atomic::Ordering::Relaxed) - before;
        eprintln!("-j {jobs}: {got} bytes fetched of a {size}-byte encrypted object");
        assert!(
            got * 20 < size,
            "-j {jobs}: {got} bytes fetched of a {size}-byte object"
        );
        assert_eq!(
            row_counts(&copy),
            vec![("public".to_owned(), "small".to_owned(), 100)]
        );
        assert_eq!(
            query(&copy, "SELECT sum(id) FROM public.small").trim(),
            "5050"
        );
    }
    let _ = std::io::stderr().flush();
}
