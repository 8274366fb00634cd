//! Helpers shared by the integration tests.

use std::fs;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use archive_format::{ArchiveReader, ArchiveWriter, Compression, Event, Header, TocEntry};
use pgark_testkit::{pg_restore, pg_restore_list, PgServer, PgVersion, TestDb};

/// The fixtures directory.
pub fn fixture(name: &str) -> PathBuf {
    pgark_testkit::repo_root().join("fixtures").join(name)
}

/// A fresh database on `server` loaded with the SQL fixture `name`.
pub fn fixture_db(server: &'static PgServer, name: &str) -> TestDb {
    let db = server.create_database(name.trim_end_matches(".sql"));
    db.psql_file(&fixture(name))
        .unwrap_or_else(|e| panic!("loading {name}: {e}"));
    db
}

/// Real `pg_dump -Fc` of `db` into `dir`, to a file (seekable: data offsets set).
pub fn real_dump(db: &TestDb, dir: &Path, extra: &[&str]) -> PathBuf {
    let path = dir.join(format!("{}-{}.dump", db.name, extra.join("")));
    let file = path.to_str().expect("utf-8 temp path");
    let mut args = vec!["--format=custom", "--file", file];
    args.extend_from_slice(extra);
    pgark_testkit::pg_dump(db.server(), &db.name, &args)
        .unwrap_or_else(|e| panic!("pg_dump {} failed: {e}", db.server().version()));
    path
}

/// The SQL script real `pg_restore {args} --file - ARCHIVE` of `version`
/// prints; panics with pg_restore's message.
pub fn pg_restore_script(version: PgVersion, archive: &Path, args: &[&str]) -> String {
    let out = version
        .client_command("pg_restore")
        .args(args)
        .args(["--file", "-"])
        .arg(archive)
        .output()
        .expect("run pg_restore");
    assert!(
        out.status.success(),
        "pg_restore {args:?} {}: {}",
        archive.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The design promise: real pg_restore of `version` validates every archive
/// the tests write. Lists it, restores it into a fresh database on the
/// server of that version, and returns the database. Panics with
/// pg_restore's own message.
pub fn assert_restores(version: PgVersion, archive: &Path, extra: &[&str]) -> TestDb {
    if let Err(e) = pg_restore_list(version, archive) {
        panic!(
            "pg_restore {version} --list refused {}: {e}",
            archive.display()
        );
    }
    let db = pgark_testkit::pg(version).create_database("restored");
    if let Err(e) = pg_restore(&db, archive, extra) {
        panic!("pg_restore {version} failed on {}: {e}", archive.display());
    }
    db
}

/// Reads `bytes` and writes it again with every block passed through as
/// stored chunks: the result must equal the input.
pub fn reencode(bytes: &[u8]) -> Vec<u8> {
    let mut r = ArchiveReader::new(bytes);
    let toc = r.read_toc().expect("TOC reads");
    let entries: Vec<TocEntry> = toc.entries.iter().map(|s| s.entry.clone()).collect();
    let header: Header = toc.header.clone();
    // The compression argument only has to agree with the header: raw
    // blocks are not recompressed.
    let compression = match header.compression.algorithm() {
        archive_format::CompressionAlgorithm::None => Compression::None,
        archive_format::CompressionAlgorithm::Zstd => Compression::Zstd { level: 3 },
        archive_format::CompressionAlgorithm::Lz4 => Compression::Lz4 { level: 0 },
        _ => Compression::Gzip { level: 6 },
    };
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new()), &header, entries, compression)
        .expect("writer takes the TOC it read");
    /// What a block held, in order.
    enum Op {
        Chunk(Vec<u8>),
        LoStart(u32),
        LoEnd,
    }
    // Blocks are written one at a time, so collect each block's pieces first.
    let mut blocks: Vec<(i32, bool, Vec<Op>)> = Vec::new();
    let mut chunk: Vec<u8> = Vec::new();
    let mut want = 0usize;
    while let Some((ev, data)) = r.next_event().expect("archive reads") {
        let ops = blocks.last_mut().map(|b| &mut b.2);
        match (ev, ops) {
            (Event::BlockStart { kind, dump_id, .. }, _) => blocks.push((
                dump_id,
                kind == archive_format::BlockKind::Blobs,
                Vec::new(),
            )),
            (Event::LargeObjectStart { oid }, Some(ops)) => ops.push(Op::LoStart(oid)),
            (Event::LargeObjectEnd, Some(ops)) => ops.push(Op::LoEnd),
            (Event::ChunkStart { len }, _) => {
                want = len as usize;
                chunk.clear();
            }
            (Event::Data { .. }, Some(ops)) => {
                chunk.extend_from_slice(data);
                if chunk.len() == want {
                    ops.push(Op::Chunk(std::mem::take(&mut chunk)));
                }
            }
            _ => {}
        }
    }
    for (dump_id, is_blobs, ops) in blocks {
        if is_blobs {
            let mut b = w.blobs_raw(dump_id).expect("blobs block");
            for op in ops {
                match op {
                    Op::Chunk(c) => b.write_compressed_chunk(&c).expect("chunk"),
                    Op::LoStart(oid) => b.start_large_object(oid).expect("lo"),
                    Op::LoEnd => b.end_large_object().expect("lo end"),
                }
            }
            b.finish().expect("block end");
        } else {
            let mut d = w.data_raw(dump_id).expect("data block");
            for op in ops {
                if let Op::Chunk(c) = op {
                    d.write_compressed_chunk(&c).expect("chunk");
                }
            }
            d.finish().expect("block end");
        }
    }
    w.finish()
        .expect("finish")
        .rewrite_toc()
        .expect("rewrite")
        .into_inner()
}

/// Rows of a query as psql prints them unaligned (`|`-separated lines).
pub fn query(db: &TestDb, sql: &str) -> String {
    db.psql(sql)
        .unwrap_or_else(|e| panic!("query failed on {}: {sql}: {e}", db.name))
}

/// Reads a file.
pub fn read(path: &Path) -> Vec<u8> {
    fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// Every table of the fixture databases with its row count, `schema.table|n`.
pub fn row_counts(db: &TestDb) -> Vec<(String, String, u64)> {
    let tables = query(
        db,
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind = 'r' AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
         ORDER BY 1, 2",
    );
    tables
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let (ns, rel) = l.split_once('|').expect("two columns");
            let n = query(
                db,
                &format!(
                    "SELECT count(*) FROM {}.{}",
                    quote_ident(ns),
                    quote_ident(rel)
                ),
            );
            (
                ns.to_owned(),
                rel.to_owned(),
                n.trim().parse().expect("count"),
            )
        })
        .collect()
}

/// SQL identifier quoting.
pub fn quote_ident(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `pg_restore --list [--verbose]` of `version` on `archive`.
pub fn pg_restore_listing(version: PgVersion, archive: &Path, verbose: bool) -> String {
    let mut cmd = pgark_testkit::pg(version).command("pg_restore");
    cmd.arg("--list");
    if verbose {
        cmd.arg("--verbose");
    }
    let out = cmd.arg(archive).output().expect("run pg_restore");
    assert!(
        out.status.success(),
        "pg_restore {version} --list: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 listing")
}

/// Runs the `pgark` binary with `args` against the S3 endpoint `endpoint`
/// as `(key, secret)`, with no other AWS or database settings inherited.
pub fn pgark_s3(
    endpoint: &str,
    (key, secret): (&str, &str),
    args: &[&str],
) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", key)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_REGION", "us-east-1")
        .env_remove("AWS_PROFILE")
        .env_remove("DATABASE_URL")
        .output()
        .expect("pgark runs")
}

/// Lower-case hex of `b` (digests in manifests and S3 checksums).
pub fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
