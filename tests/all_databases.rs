//! `pgark backup --all-databases` on a PostgreSQL 16 server of its own
//! (the shared servers hold other tests' databases): three databases, one
//! with PostGIS, to moto; then a run in which one database's connection is
//! killed during its COPY; `ls` and `audit` on the prefix.

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use pgark_testkit::{moto, pg_private, MotoServer, PgServer, PgVersion, TestDb};

use crate::backup::{assert_same_dump, plain_dump};
use crate::common::{fixture, query};
use crate::s3_sink::{admin_client, get_object, object_keys, uploads_in_progress};
use crate::service::heartbeat_receiver;

const BUCKET: &str = "pgark-alldb";

fn server() -> &'static PgServer {
    static SERVER: OnceLock<PgServer> = OnceLock::new();
    SERVER.get_or_init(|| pg_private(PgVersion::V16))
}

fn loaded(prefix: &str, fixture_name: &str) -> TestDb {
    let db = server().create_database(prefix);
    db.psql_file(&fixture(fixture_name))
        .unwrap_or_else(|e| panic!("loading {fixture_name}: {e}"));
    db
}

/// `pgark ARGS` with moto's admin credentials, no DATABASE_URL.
fn pgark(moto: &MotoServer, args: &[&str]) -> std::process::Command {
    let (k, s) = moto.admin_credentials();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_pgark"));
    cmd.args(args)
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", k)
        .env("AWS_SECRET_ACCESS_KEY", s)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("DATABASE_URL")
        .env_remove("PGDATABASE");
    cmd
}

/// `backup --all-databases` of the whole server (its URL names no
/// database: pg_dumpall's maintenance database, postgres, is used)
/// without `postgres` itself.
fn all_databases(moto: &MotoServer, to: &str, extra: &[&str]) -> std::process::Command {
    let url = server().url("");
    let mut args = vec![
        "backup",
        "--all-databases",
        "--exclude-database",
        "post*",
        "--database-url",
        &url,
        "--to",
        to,
    ];
    args.extend_from_slice(extra);
    pgark(moto, &args)
}

fn keys(moto: &MotoServer, prefix: &str) -> Vec<String> {
    let mut k: Vec<String> = object_keys(&admin_client(moto), BUCKET)
        .into_iter()
        .filter(|k| k.starts_with(prefix))
        .collect();
    k.sort();
    k
}

/// The key of `db`'s archive with `stamp`, if there is one.
fn archive_of<'a>(keys: &'a [String], db: &TestDb, stamp: &str) -> Option<&'a String> {
    let file = format!("/{}-{stamp}.dump", db.name);
    keys.iter().find(|k| k.ends_with(&file))
}

/// Downloads `key`, restores it with real pg_restore 16 into a fresh
/// database and requires plain pg_dump of source and copy to agree.
fn assert_restores_as(moto: &MotoServer, key: &str, source: &TestDb, dir: &Path) {
    let path = dir.join(key.replace('/', "_"));
    std::fs::write(&path, get_object(&admin_client(moto), BUCKET, key)).expect("write archive");
    let copy = server().create_database("restored");
    if let Err(e) = pgark_testkit::pg_restore(&copy, &path, &[]) {
        panic!("pg_restore of {key}: {e}");
    }
    assert_same_dump(key, &plain_dump(source), &plain_dump(&copy));
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The run stamp of the run record `run-<stamp>.json` among `keys` that is
/// not in `known`.
fn new_stamp(keys: &[String], known: &[String]) -> String {
    let runs: Vec<&String> = keys
        .iter()
        .filter(|k| k.contains("/run-") && k.ends_with(".json") && !known.contains(k))
        .collect();
    assert_eq!(runs.len(), 1, "one new run record: {keys:?}");
    let file = runs[0].rsplit('/').next().expect("file");
    file["run-".len()..file.len() - ".json".len()].to_owned()
}

/// Terminates `db`'s backend once pg_stat_activity shows it running COPY.
fn kill_during_copy(db: &TestDb, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(300);
    let sql = format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = '{}' AND state = 'active' AND query LIKE 'COPY %'",
        db.name
    );
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            panic!("pgark ended ({status}) before {} was copied", db.name);
        }
        let killed = server()
            .psql("postgres", &sql)
            .expect("poll pg_stat_activity");
        if killed.lines().any(|l| l.trim() == "t") {
            return;
        }
        assert!(Instant::now() < deadline, "no COPY of {} seen", db.name);
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn all_databases_to_s3_and_one_killed() {
    let moto = moto();
    moto.create_bucket(BUCKET);
    let prefix = format!("cluster-{}/", std::process::id());
    let to = format!("s3://{BUCKET}/{prefix}");
    // Named so that the one killed later runs between the other two.
    let app = loaded("a_app", "schema_basics.sql");
    let big = loaded("b_big", "schema_basics.sql");
    let geo = loaded("c_geo", "postgis_app.sql");
    let dbs = [&app, &big, &geo];
    let dir = tempfile::tempdir().expect("temp dir");

    // 1. A complete run: one heartbeat pair for the whole run.
    let hb = heartbeat_receiver();
    let out = all_databases(moto, &to, &["--heartbeat-url", &hb.url])
        .output()
        .expect("pgark runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(hb.paths(), ["/ping/abc/start", "/ping/abc"]);
    let first = keys(moto, &prefix);
    let stamp = new_stamp(&first, &[]);
    let run_dir = first
        .iter()
        .find(|k| k.ends_with(&format!("/run-{stamp}.json")))
        .and_then(|k| k.rsplit_once('/'))
        .map(|(d, _)| d.to_owned())
        .expect("run record");
    let mut expected: Vec<String> = Vec::new();
    for db in dbs {
        let archive = format!("{run_dir}/{}-{stamp}.dump", db.name);
        expected.push(format!("{archive}.manifest.json"));
        expected.push(archive);
    }
    expected.push(format!("{run_dir}/run-{stamp}.json"));
    expected.push(format!("{run_dir}/globals-{stamp}.sql"));
    expected.sort();
    assert_eq!(
        first, expected,
        "one archive and manifest per database, one globals file, one run record, under one stamp"
    );
    let globals = get_object(
        &admin_client(moto),
        BUCKET,
        &format!("{run_dir}/globals-{stamp}.sql"),
    );
    let globals = String::from_utf8_lossy(&globals);
    assert!(
        globals.contains("CREATE ROLE postgres WITH SUPERUSER")
            && !globals.contains("pgark-globals-database"),
        "the cluster's roles, no database's part: {globals}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().count(),
        3,
        "one archive path per database: {stdout}"
    );
    for db in dbs {
        let key = archive_of(&first, db, &stamp).expect("archive");
        assert_restores_as(moto, key, db, dir.path());
    }

    // 2. The middle database's connection killed during its COPY: the
    // others complete, it leaves nothing, the run fails with exit 3.
    query(
        &big,
        "CREATE TABLE public.bulk AS SELECT g AS id, md5(g::text) || md5((g * 7)::text) AS t \
         FROM generate_series(1, 1000000) g",
    );
    let hb = heartbeat_receiver();
    let mut child = all_databases(
        moto,
        &to,
        &[
            "--jobs",
            "1",
            "--compress-threads",
            "1",
            "--compress",
            "gzip:9",
            "--split-threshold",
            "off",
            "--log-format",
            "json",
            "--heartbeat-url",
            &hb.url,
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("pgark starts");
    kill_during_copy(&big, &mut child);
    let out = child.wait_with_output().expect("pgark ends");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(3), "{err}");
    assert!(
        err.lines()
            .any(|l| l.starts_with(&format!("pgark: error: database {}: ", big.name))),
        "the error names the database: {err}"
    );
    assert_eq!(hb.paths(), ["/ping/abc/start", "/ping/abc/fail"]);
    // Each database's phases name it.
    assert!(
        err.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|v| v["level"] == "info"
                && v["message"]
                    .as_str()
                    .is_some_and(|m| m.starts_with(&format!("{}: catalog read: ", app.name)))),
        "no phase line of {}: {err}",
        app.name
    );
    // The JSON summary covers the run: every database, the failed one named.
    let event: serde_json::Value = err
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["event"] == "all databases backed up")
        .unwrap_or_else(|| panic!("no run summary: {err}"));
    assert_eq!(event["failed"], 1, "{event}");
    let statuses: Vec<(String, bool)> = event["databases"]
        .as_array()
        .expect("databases")
        .iter()
        .map(|d| {
            (
                d["database"].as_str().unwrap_or("").to_owned(),
                d["ok"] == true,
            )
        })
        .collect();
    assert_eq!(
        statuses,
        [
            (app.name.clone(), true),
            (big.name.clone(), false),
            (geo.name.clone(), true)
        ]
    );
    let second = keys(moto, &prefix);
    let stamp2 = new_stamp(&second, &first);
    assert!(
        archive_of(&second, &big, &stamp2).is_none()
            && !second
                .iter()
                .any(|k| k.contains(&format!("{}-{stamp2}", big.name))),
        "nothing under a final key for the killed database: {second:?}"
    );
    assert_eq!(
        uploads_in_progress(&admin_client(moto), BUCKET)
            .into_iter()
            .filter(|k| k.starts_with(&prefix))
            .count(),
        0,
        "no upload left open"
    );
    for db in [&app, &geo] {
        let key = archive_of(&second, db, &stamp2).expect("the others complete");
        assert!(
            second.contains(&format!("{key}.manifest.json")),
            "{key}'s manifest"
        );
        assert_restores_as(moto, key, db, dir.path());
    }

    // 3. ls and audit tell each database's status.
    let url = format!("s3://{BUCKET}/{prefix}");
    let ls = pgark(moto, &["ls", &url]).output().expect("ls runs");
    assert!(ls.status.success(), "{}", stderr(&ls));
    let ls = String::from_utf8_lossy(&ls.stdout).into_owned();
    for db in [&app, &geo] {
        assert!(
            ls.contains(&format!(
                "database {}: 2 archives, 2 valid; newest ",
                db.name
            )),
            "{ls}"
        );
    }
    assert!(
        ls.lines().any(|l| l.starts_with(&format!(
            "database {}: 1 archives, 1 valid; newest ",
            big.name
        )) && l.contains("FAILED in the run of")),
        "{ls}"
    );
    let audit = pgark(moto, &["audit", &url, "--every", "7d"])
        .output()
        .expect("audit runs");
    let text = String::from_utf8_lossy(&audit.stdout);
    assert_eq!(audit.status.code(), Some(6), "{text}{}", stderr(&audit));
    let fails: Vec<&str> = text.lines().filter(|l| l.starts_with("FAIL: ")).collect();
    assert_eq!(fails.len(), 1, "{text}");
    assert!(
        fails[0].starts_with(&format!(
            "FAIL: database {}: its backup in the run of ",
            big.name
        )),
        "{text}"
    );

    // 4. To a directory, with patterns: upper case folds, quotes are
    // exact, `post*` leaves postgres out.
    let backups = dir.path().join("backups");
    let quoted = format!("\"{}\"", geo.name);
    let to_dir = format!("{}/", backups.display());
    let out = all_databases(
        moto,
        &to_dir,
        &[
            "--exclude-database",
            "B_BIG*",
            "--exclude-database",
            &quoted,
        ],
    )
    .output()
    .expect("pgark runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut files: Vec<String> = std::fs::read_dir(&backups)
        .expect("backups dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    let stamp = files[3]["run-".len()..files[3].len() - ".json".len()].to_owned();
    assert_eq!(
        files,
        [
            format!("{}-{stamp}.dump", app.name),
            format!("{}-{stamp}.dump.manifest.json", app.name),
            format!("globals-{stamp}.sql"),
            format!("run-{stamp}.json"),
        ]
    );
    let copy = crate::common::assert_restores(PgVersion::V16, &backups.join(&files[0]), &[]);
    assert_eq!(
        crate::common::row_counts(&copy),
        crate::common::row_counts(&app)
    );

    // 5. Encrypted: the globals file too (it names roles, and as
    // superuser holds their password hashes), to the same recipient.
    let (identity, public) = crate::encrypt::keypair(dir.path(), "alldb");
    let sealed = dir.path().join("sealed");
    let to_sealed = format!("{}/", sealed.display());
    let out = all_databases(
        moto,
        &to_sealed,
        &[
            "--exclude-database",
            "b_big*",
            "--exclude-database",
            &quoted,
            "--encrypt-to",
            &public,
        ],
    )
    .output()
    .expect("pgark runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let mut files: Vec<String> = std::fs::read_dir(&sealed)
        .expect("sealed dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let stamp = files
        .iter()
        .find_map(|f| f.strip_prefix("run-")?.strip_suffix(".json"))
        .expect("a run record")
        .to_owned();
    assert_eq!(
        files,
        [
            format!("{}-{stamp}.dump.age", app.name),
            format!("{}-{stamp}.dump.age.manifest.json", app.name),
            format!("globals-{stamp}.sql.age"),
            format!("run-{stamp}.json"),
        ]
    );
    let globals_path = sealed.join(format!("globals-{stamp}.sql.age"));
    let cipher = std::fs::read(&globals_path).expect("globals file");
    assert!(cipher.starts_with(b"age-encryption.org/v1\n"));
    assert!(!String::from_utf8_lossy(&cipher).contains("CREATE ROLE"));
    let plain = pgark(
        moto,
        &[
            "decrypt",
            globals_path.to_str().expect("utf-8 path"),
            "-o",
            "-",
            "--identity",
            identity.to_str().expect("utf-8 path"),
        ],
    )
    .output()
    .expect("pgark decrypt runs");
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert!(
        String::from_utf8_lossy(&plain.stdout).contains("CREATE ROLE postgres WITH SUPERUSER"),
        "{}",
        String::from_utf8_lossy(&plain.stdout)
    );
}

/// One archive per database needs a directory or a prefix; a pattern with
/// a dot is refused as pg_dumpall refuses it; `--exclude-database` needs
/// `--all-databases`. Exit 2, one line, before connecting (the URL
/// points nowhere).
#[test]
fn all_databases_refuses_what_cannot_hold_a_run() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("one.dump");
    let file = file.to_str().expect("utf-8 path");
    let url = "postgresql://nobody@127.0.0.1:1/";
    let cases: [(&str, Vec<&str>, &str); 6] = [
        (
            "a dotted pattern",
            vec![
                "--all-databases",
                "--to",
                "s3://bkt/p/",
                "--exclude-database",
                "db.x",
            ],
            "improper qualified name",
        ),
        (
            "a file",
            vec!["--all-databases", "--to", file],
            "--to must be a directory",
        ),
        (
            "stdout",
            vec!["--all-databases", "--to", "-"],
            "--to must be a directory",
        ),
        (
            "an S3 key",
            vec!["--all-databases", "--to", "s3://bkt/k.dump"],
            "--to must be a directory",
        ),
        (
            "a name",
            vec!["--all-databases", "--to", "s3://bkt/p/", "--name", "x"],
            "--name",
        ),
        (
            "no --all-databases",
            vec!["--exclude-database", "x", "--to", "s3://bkt/p/"],
            "--all-databases",
        ),
    ];
    for (what, args, says) in cases {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgark"))
            .args(["backup", "--database-url", url])
            .args(&args)
            .env_remove("DATABASE_URL")
            .env_remove("BACKUP_NAME")
            .output()
            .expect("pgark runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{what}: {err}");
        assert!(err.contains(says), "{what}: {err}");
        assert!(!Path::new(file).exists(), "{what}: a file was written");
    }
}
