//! pgark as a library inside a tokio program: `examples/embed.rs`, run as
//! built, backs up to S3, verifies there, restores and drills from inside
//! one `#[tokio::main]`, with S3 settings given in code: the test gives it
//! no AWS environment at all, so the settings in code are all it has. And
//! the blocking API refuses, rather than panics, inside a runtime.

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

    let mut cmd = Command::new(example("embed"));
    for (k, _) in std::env::vars_os() {
        if k.to_string_lossy().starts_with("AWS_") {
            cmd.env_remove(&k);
        }
    }
    let out = cmd
        .args([&source.url(), &copy.url(), bucket])
        .env("EMBED_S3_ENDPOINT", s3.endpoint())
        .env("EMBED_S3_ACCESS_KEY", &key)
        .env("EMBED_S3_SECRET_KEY", &secret)
        // Nothing from a credentials file or instance metadata either.
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
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
