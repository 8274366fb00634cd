//! A table's data compressed by `ParallelGzip` on 4 threads in 64 KiB
//! chunks (one zlib stream made of ~100 pieces) is restored by real
//! pg_restore 15 (archive 1.14), 16 (1.15) and 18 (1.16): every row, byte
//! for byte.

use std::fmt::Write as _;
use std::fs;
use std::io::{Cursor, Write};

use archive_format::{
    ArchiveVersion, ArchiveWriter, CatalogId, Compression, CreateTime, Header, Section, TocEntry,
};
use pgark::compress::{ParallelGzip, ParallelGzipOptions, RawBlockWriter};
use pgark_testkit::PgVersion;
use sha2::{Digest, Sha256};

use crate::common::{assert_restores, query};

/// Rows of the test table.
const ROWS: u64 = 60_000;

/// One row: id, a number, an amount, a flag, a text that COPY must escape
/// (or NULL).
struct Row {
    id: u64,
    n: i64,
    cents: u64,
    flag: bool,
    note: Option<String>,
}

const WORDS: &[&str] = &[
    "alpha",
    "beta",
    "gamma",
    "tab\there",
    "back\\slash",
    "new\nline",
    "cr\rhere",
    "\\N",
    "\\.",
    "ünïcödé",
    "☃",
    "quote'd",
    "\"double\"",
    "{json: [1, 2]}",
];

fn rows() -> impl Iterator<Item = Row> {
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    (1..=ROWS).map(move |id| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let note = if x.is_multiple_of(23) {
            None
        } else {
            let words = 1 + (x >> 8) % 12;
            let s: Vec<&str> = (0..words)
                .map(|i| WORDS[((x >> (i * 4)) % WORDS.len() as u64) as usize])
                .collect();
            Some(format!("{} #{:x}", s.join(" "), x >> 20))
        };
        Row {
            id,
            n: (x as i64) >> 11,
            cents: x % 10_000_000,
            flag: x.is_multiple_of(3),
            note,
        }
    })
}

/// COPY text escaping (the text format's rules).
fn copy_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// The COPY text of every row, with pg_dump's terminator.
fn copy_text() -> Vec<u8> {
    let mut s = String::new();
    for r in rows() {
        let note = r.note.as_deref().map_or("\\N".to_owned(), copy_escape);
        let _ = writeln!(
            s,
            "{}\t{}\t{}.{:02}\t{}\t{note}",
            r.id,
            r.n,
            r.cents / 100,
            r.cents % 100,
            if r.flag { 't' } else { 'f' }
        );
    }
    s.push_str("\\.\n\n\n");
    s.into_bytes()
}

/// What the check query returns: SHA-256 over every row's values as text,
/// in id order (see [`CHECK`]).
fn expected_digest() -> String {
    let mut h = Sha256::new();
    for r in rows() {
        let line = format!(
            "{}|{}|{}.{:02}|{}|{}\n",
            r.id,
            r.n,
            r.cents / 100,
            r.cents % 100,
            r.flag,
            r.note.as_deref().unwrap_or("<null>")
        );
        h.update(line.as_bytes());
    }
    h.finalize().iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Row count and the digest of the restored rows, the same way as
/// [`expected_digest`].
const CHECK: &str = "SELECT count(*), encode(sha256(convert_to(string_agg(\
    id || '|' || n || '|' || amount || '|' || flag || '|' || coalesce(note, '<null>') || E'\\n', \
    '' ORDER BY id), 'UTF8')), 'hex') FROM public.big";

fn entry(id: i32, desc: &str, tag: &str, section: Section, defn: &str) -> TocEntry {
    let mut e = TocEntry::new(id, desc, tag, section);
    e.defn = Some(defn.as_bytes().to_vec());
    e
}

fn toc(version: ArchiveVersion) -> Vec<TocEntry> {
    let mut t = vec![
        entry(
            9001,
            "ENCODING",
            "ENCODING",
            Section::PreData,
            "SET client_encoding = 'UTF8';\n",
        ),
        entry(
            9002,
            "STDSTRINGS",
            "STDSTRINGS",
            Section::PreData,
            "SET standard_conforming_strings = 'on';\n",
        ),
    ];
    let mut table = entry(
        10,
        "TABLE",
        "big",
        Section::PreData,
        "CREATE TABLE public.big (\n    id bigint NOT NULL,\n    n bigint,\n    \
         amount numeric(12,2),\n    flag boolean,\n    note text\n);\n",
    );
    table.namespace = Some(b"public".to_vec());
    table.tablespace = Some(Vec::new());
    table.table_am = version.has_table_am().then(|| b"heap".to_vec());
    table.relkind = if version.has_relkind() { b'r' } else { 0 };
    table.catalog_id = CatalogId {
        tableoid: 1259,
        oid: 16700,
    };
    t.push(table);
    let mut data = TocEntry::new(20, "TABLE DATA", "big", Section::Data);
    data.had_dumper = true;
    data.namespace = Some(b"public".to_vec());
    data.copy_stmt = Some(b"COPY public.big (id, n, amount, flag, note) FROM stdin;\n".to_vec());
    data.dependencies = vec![10];
    data.catalog_id = CatalogId {
        tableoid: 0,
        oid: 16700,
    };
    t.push(data);
    let mut pk = entry(
        30,
        "CONSTRAINT",
        "big big_pkey",
        Section::PostData,
        "ALTER TABLE ONLY public.big\n    ADD CONSTRAINT big_pkey PRIMARY KEY (id);\n",
    );
    pk.namespace = Some(b"public".to_vec());
    pk.dependencies = vec![10];
    t.push(pk);
    t
}

/// The archive, its TABLE DATA compressed by ParallelGzip at `level` on 4
/// threads in 64 KiB chunks, fed in row-sized writes as COPY delivers them.
fn build(version: ArchiveVersion, level: u32, input: &[u8], seekable: bool) -> Vec<u8> {
    let compression = Compression::Gzip { level };
    let header = Header::new(
        version,
        compression,
        CreateTime::from_unix_utc(1_795_824_000),
        "parallel",
        "16.2",
        "pgark test",
    )
    .expect("header");
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new()), &header, toc(version), compression)
        .expect("writer");
    let block = RawBlockWriter::new(w.data_raw(20).expect("raw data block"));
    let options = ParallelGzipOptions::new(level)
        .threads(4)
        .chunk_size(64 * 1024);
    let mut gz = ParallelGzip::new(block, options).expect("threads start");
    for line in input.split_inclusive(|&b| b == b'\n') {
        gz.write_all(line).expect("compress");
    }
    assert_eq!(gz.total_in(), input.len() as u64);
    gz.finish()
        .expect("stream ends")
        .finish()
        .expect("block ends");
    let f = w.finish().expect("archive ends");
    if seekable {
        f.rewrite_toc().expect("offsets").into_inner()
    } else {
        f.into_inner().into_inner()
    }
}

fn check(pg: PgVersion, version: ArchiveVersion, level: u32) {
    let input = copy_text();
    assert!(input.len() > 4 << 20, "{} bytes of COPY text", input.len());
    let want = format!("{ROWS}|{}\n", expected_digest());
    let single = {
        let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::new(level));
        z.write_all(&input).expect("deflate");
        z.finish().expect("deflate").len() as u64
    };
    let dir = tempfile::tempdir().expect("temp dir");
    for seekable in [true, false] {
        let what = format!("pg_restore {pg}, archive {version}, gzip:{level}, seekable {seekable}");
        let bytes = build(version, level, &input, seekable);
        let report =
            archive_format::verify(&bytes[..]).unwrap_or_else(|e| panic!("{what}: verify: {e}"));
        let data = report
            .entries
            .iter()
            .find(|e| e.stored.entry.dump_id == 20)
            .and_then(|e| e.data)
            .unwrap_or_else(|| panic!("{what}: no TABLE DATA block"));
        assert_eq!(data.rows, Some(ROWS), "{what}: rows seen by verify");
        assert_eq!(data.raw_bytes, input.len() as u64, "{what}: inflated size");
        // Cut into ~90 pieces, each primed with the 32 KiB before it: the
        // size stays close to one stream's.
        assert!(
            data.stored_bytes * 100 <= single * 103,
            "{what}: {} bytes stored, one stream takes {single}",
            data.stored_bytes
        );
        let path = dir.path().join(format!("parallel-{seekable}.dump"));
        fs::write(&path, &bytes).expect("write archive");
        let db = assert_restores(pg, &path, &[]);
        assert_eq!(query(&db, CHECK), want, "{what}: restored rows");
    }
}

#[test]
fn pg_restore_15_restores_a_parallel_gzip_table_as_1_14() {
    check(PgVersion::V15, ArchiveVersion::V1_14, 1);
}

#[test]
fn pg_restore_16_restores_a_parallel_gzip_table_as_1_15() {
    check(PgVersion::V16, ArchiveVersion::V1_15, 6);
}

#[test]
fn pg_restore_18_restores_a_parallel_gzip_table_as_1_16() {
    check(PgVersion::V18, ArchiveVersion::V1_16, 9);
}
