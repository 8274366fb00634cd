//! pgark as a library inside a tokio program: `examples/embed.rs`, run as
//! built, backs up to S3, verifies there, lists, audits, restores and
//! drills from inside one `#[tokio::main]`, with S3 settings given in
//! code: the test gives it no AWS environment at all, so the settings in
//! code are all it has; `examples/restore_table.rs` restores one table
//! from S3 into a scratch database, `examples/verify_archive.rs` checks a
//! local archive against its manifest. And the blocking API refuses,
//! rather than panics, inside a runtime (cancellation: `cancel.rs`).

use std::path::PathBuf;
use std::process::Command;

use pgark_testkit::{moto, pg, PgVersion};

use crate::backup::{assert_same_dump, plain_dump};
use crate::common::fixture_db;

/// `target/debug/examples/embed`, which `cargo test` builds beside the
/// `pgark` binary.
fn example(name: &str) -> PathBuf {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_pgark"));
    let dir = bin.parent().expect("target dir").join("examples");
    let path = dir.join(name);
    assert!(
        path.is_file(),
        "{} is missing: `cargo test` builds the examples (run `cargo build --examples`)",
        path.display()
    );
    path
}

#[test]
fn the_embedding_example_backs_up_verifies_restores_and_drills_in_one_runtime() {
    let server = pg(PgVersion::V16);
    let source = fixture_db(server, "archive_basics.sql");
    let copy = server.create_database("embed_copy");
    let s3 = moto();
    let bucket = "embed-example";
    s3.create_bucket(bucket);
    let (key, secret) = s3.admin_credentials();

    let out = without_aws_env(Command::new(example("embed")))
        .args([&source.url(), &copy.url(), bucket])
        .env("EXAMPLE_S3_ENDPOINT", s3.endpoint())
        .env("EXAMPLE_S3_ACCESS_KEY", &key)
        .env("EXAMPLE_S3_SECRET_KEY", &secret)
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for step in [
        "backup: s3://embed-example/embed/",
        "verify: ",
        "restore: ",
        "drill: passed against embed/",
    ] {
        assert!(stdout.contains(step), "no {step:?} in:\n{stdout}");
    }
    assert!(stdout.contains("drill: ok rows public."), "{stdout}");
    // list, ls and audit with the settings in code: the TOC of the archive
    // backed up, that archive (and only it) under the prefix, valid.
    let location = line_after(&stdout, "backup: s3://embed-example/")
        .split(',')
        .next()
        .expect("location")
        .to_owned();
    let entries: usize = line_after(&stdout, "list: ")
        .trim_end_matches(" entries")
        .parse()
        .expect("list: N entries");
    // The same archive listed by the CLI (AWS settings from the
    // environment): as many entries as the library's TOC.
    let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["list", "-v", &format!("s3://embed-example/{location}")])
        .env("AWS_ENDPOINT_URL", s3.endpoint())
        .env("AWS_ACCESS_KEY_ID", &key)
        .env("AWS_SECRET_ACCESS_KEY", &secret)
        .env("AWS_REGION", "us-east-1")
        .output()
        .expect("pgark list");
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{listed}");
    let cli_entries = listed
        .lines()
        .filter(|l| !l.starts_with(';') && !l.is_empty())
        .count();
    assert!(entries > 10, "{stdout}");
    assert_eq!(entries, cli_entries, "{listed}");
    assert!(stdout.contains(&format!("ls: {location} ")), "{stdout}");
    assert_eq!(stdout.matches("ls: ").count(), 1, "{stdout}");
    assert!(line_after(&stdout, "ls: ").ends_with(" ok"), "{stdout}");
    assert!(stdout.contains("audit: passed (1 valid of 1)"), "{stdout}");
    assert_same_dump("embedded restore", &plain_dump(&source), &plain_dump(&copy));
}

/// The rest of the first line of `text` holding `prefix`, after it.
fn line_after<'a>(text: &'a str, prefix: &str) -> &'a str {
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix:?} in:\n{text}"));
    let rest = &text[at + prefix.len()..];
    rest.lines().next().unwrap_or("")
}

#[test]
fn the_blocking_api_refuses_inside_a_runtime_instead_of_panicking() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let source: pgark::source::Source = "/nonexistent/x.dump".parse().expect("source");
    let opts = pgark::restore::RestoreOptions::new("postgresql://nobody@127.0.0.1:1/x");
    let err = rt
        .block_on(async { pgark::blocking::restore(&source, &opts) })
        .expect_err("refused");
    assert!(err.to_string().contains("inside a tokio runtime"), "{err}");
}

/// `examples/restore_table.rs`, run as built against a backup in moto
/// with its S3 settings in code only: the scratch database gets exactly
/// that table, with the source's rows.
#[test]
fn the_restore_table_example_restores_one_table_from_s3() {
    let server = pg(PgVersion::V16);
    let source = fixture_db(server, "archive_basics.sql");
    let scratch = server.create_database("restore_table_scratch");
    let s3 = moto();
    let bucket = "restore-table-example";
    s3.create_bucket(bucket);
    let (key, secret) = s3.admin_credentials();
    let url = format!("s3://{bucket}/app.dump");
    let out = crate::common::pgark_s3(
        &s3.endpoint(),
        (&key, &secret),
        &["backup", "--database-url", &source.url(), "--to", &url],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = without_aws_env(Command::new(example("restore_table")))
        .args([&url, "plain", &scratch.url()])
        .env("EXAMPLE_S3_ENDPOINT", s3.endpoint())
        .env("EXAMPLE_S3_ACCESS_KEY", &key)
        .env("EXAMPLE_S3_SECRET_KEY", &secret)
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains(&format!("restored plain from {url}: ")),
        "{stdout}"
    );
    let rows = "SELECT id, name, at FROM public.plain ORDER BY id";
    let want = source.psql(rows).expect("source rows");
    assert!(want.lines().count() > 1, "{want}");
    assert_eq!(scratch.psql(rows).expect("restored rows"), want);
    let tables =
        "SELECT string_agg(n.nspname || '.' || c.relname, ',' ORDER BY 1) FROM pg_class c \
                  JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') \
                  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')";
    assert_eq!(scratch.psql(tables).expect("tables").trim(), "public.plain");
}

/// `examples/verify_archive.rs` on a local backup: its manifest checked,
/// the rows it reports those of the source's tables; the same archive
/// beside a manifest with another digest exits 1 naming the mismatch.
#[test]
fn the_verify_archive_example_checks_a_local_archive_against_its_manifest() {
    let server = pg(PgVersion::V16);
    let source = fixture_db(server, "archive_basics.sql");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("app.dump");
    let path_s = path.to_str().expect("utf-8").to_owned();
    let out = Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["backup", "--database-url", &source.url(), "--to", &path_s])
        .output()
        .expect("pgark backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let rows: u64 = source
        .psql(
            "SELECT sum((xpath('/row/c/text()', query_to_xml(format('SELECT count(*) AS c FROM %I.%I', \
             schemaname, tablename), false, true, '')))[1]::text::bigint) FROM pg_tables \
             WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
        )
        .expect("row count")
        .trim()
        .parse()
        .expect("a number");
    let out = Command::new(example("verify_archive"))
        .arg(&path_s)
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let size = std::fs::metadata(&path).expect("archive").len();
    assert!(
        stdout.contains(&format!("{path_s}: {size} bytes, sha256 ")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(", {rows} rows in ")),
        "rows {rows}: {stdout}"
    );
    assert!(stdout.trim_end().ends_with("manifest: checked"), "{stdout}");

    // The same archive beside a manifest that records another digest.
    let grown = dir.path().join("other.dump");
    std::fs::copy(&path, &grown).expect("copy");
    let text =
        std::fs::read_to_string(dir.path().join("app.dump.manifest.json")).expect("manifest");
    let mut manifest: serde_json::Value = serde_json::from_str(&text).expect("json");
    manifest["sha256"] = serde_json::Value::String("0".repeat(64));
    std::fs::write(
        dir.path().join("other.dump.manifest.json"),
        manifest.to_string(),
    )
    .expect("manifest beside");
    let out = Command::new(example("verify_archive"))
        .arg(&grown)
        .output()
        .expect("run the example");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("mismatch: "), "{stdout}");
    assert!(stdout.contains(&"0".repeat(64)), "{stdout}");
}

/// `cmd` with no AWS setting from the environment, a credentials file or
/// instance metadata: only what the program is given in code.
fn without_aws_env(mut cmd: Command) -> Command {
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&k);
        }
    }
    cmd.env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    cmd
}
