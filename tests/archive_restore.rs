//! Archives built by the writer from a hand-built TOC are restored by real
//! pg_restore 15 (as 1.14), 16 (as 1.15) and 18 (as 1.16), in both write
//! modes and with both compressions, and the restored rows and large
//! objects are the ones written.

use std::fmt::Write as _;
use std::fs;
use std::io::{Cursor, Write};

use archive_format::{
    ArchiveVersion, ArchiveWriter, CatalogId, Compression, CreateTime, Header, Section, TocEntry,
};
use pgark_testkit::PgVersion;
use sha2::{Digest, Sha256};

use crate::common::{assert_restores, hex, query};

/// Values of `items.name`: every byte COPY must escape, NULL, Unicode.
fn names() -> Vec<Option<String>> {
    let mut v: Vec<Option<String>> = vec![
        Some("plain".into()),
        Some("tab\there".into()),
        Some("new\nline and\rreturn".into()),
        Some("back\\slash".into()),
        Some("\\N".into()),
        Some("\\.".into()),
        None,
        Some(String::new()),
        Some("ünïcödé ☃ 𝄞".into()),
        Some("quote ' and \" double".into()),
    ];
    for i in 0..2000 {
        v.push(Some(format!("generated row {i} {}", "x".repeat(i % 50))));
    }
    v
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

fn large_objects() -> Vec<(u32, Vec<u8>)> {
    vec![
        (70001, b"first large object".to_vec()),
        (70002, Vec::new()),
        (70003, (0..200_000u32).map(|i| (i % 251) as u8).collect()),
    ]
}

fn entry(id: i32, desc: &str, tag: &str, section: Section, defn: &str) -> TocEntry {
    let mut e = TocEntry::new(id, desc, tag, section);
    e.defn = Some(defn.as_bytes().to_vec());
    e
}

/// The TOC: session entries, a schema, two tables with data, an index,
/// large objects (per-object BLOB entries up to 1.15, BLOB METADATA in
/// 1.16), a comment.
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
        entry(
            9003,
            "SEARCHPATH",
            "SEARCHPATH",
            Section::PreData,
            "SELECT pg_catalog.set_config('search_path', '', false);\n",
        ),
    ];
    let mut schema = entry(
        5,
        "SCHEMA",
        "Odd Schema",
        Section::PreData,
        "CREATE SCHEMA \"Odd Schema\";\n",
    );
    schema.drop_stmt = Some(b"DROP SCHEMA \"Odd Schema\";\n".to_vec());
    schema.catalog_id = CatalogId {
        tableoid: 2615,
        oid: 16500,
    };
    t.push(schema);
    let table = |id: i32, ns: &str, tag: &str, defn: &str| {
        let mut e = entry(id, "TABLE", tag, Section::PreData, defn);
        e.namespace = Some(ns.as_bytes().to_vec());
        e.tablespace = Some(Vec::new());
        e.table_am = version.has_table_am().then(|| b"heap".to_vec());
        e.relkind = if version.has_relkind() { b'r' } else { 0 };
        e.catalog_id = CatalogId {
            tableoid: 1259,
            oid: 16600 + id as u32,
        };
        e
    };
    t.push(table(
        10,
        "public",
        "items",
        "CREATE TABLE public.items (\n    id integer NOT NULL,\n    name text\n);\n",
    ));
    let mut odd = table(
        11,
        "Odd Schema",
        "odd \"t\"",
        "CREATE TABLE \"Odd Schema\".\"odd \"\"t\"\"\" (\n    v bytea\n);\n",
    );
    odd.dependencies = vec![5];
    t.push(odd);
    let lo_tag = |los: &[(u32, Vec<u8>)]| match (los.first(), los.last()) {
        (Some(a), Some(b)) if a.0 != b.0 => format!("{}..{}", a.0, b.0),
        (Some(a), _) => a.0.to_string(),
        _ => String::new(),
    };
    let los = large_objects();
    let blobs_tag;
    let mut blobs_deps = Vec::new();
    if version.has_blob_metadata() {
        blobs_tag = lo_tag(&los);
        let defn: String = los.iter().map(|(oid, _)| format!("{oid}\n")).collect();
        let mut meta = entry(20, "BLOB METADATA", &blobs_tag, Section::Data, &defn);
        meta.drop_stmt = Some(b"-- dummy".to_vec());
        meta.catalog_id = CatalogId {
            tableoid: 2613,
            oid: los[0].0,
        };
        t.push(meta);
        blobs_deps.push(20);
    } else {
        blobs_tag = "BLOBS".to_owned();
        for (i, (oid, _)) in los.iter().enumerate() {
            let mut b = entry(
                20 + i as i32,
                "BLOB",
                &oid.to_string(),
                Section::PreData,
                &format!("SELECT pg_catalog.lo_create('{oid}');\n"),
            );
            b.drop_stmt = Some(format!("SELECT pg_catalog.lo_unlink('{oid}');\n").into_bytes());
            b.catalog_id = CatalogId {
                tableoid: 2613,
                oid: *oid,
            };
            t.push(b);
        }
    }
    let data = |id: i32, table: i32, ns: &str, tag: &str, copy: &str| {
        let mut e = TocEntry::new(id, "TABLE DATA", tag, Section::Data);
        e.had_dumper = true;
        e.namespace = Some(ns.as_bytes().to_vec());
        e.copy_stmt = Some(copy.as_bytes().to_vec());
        e.dependencies = vec![table];
        e.catalog_id = CatalogId {
            tableoid: 0,
            oid: 16600 + table as u32,
        };
        e
    };
    t.push(data(
        30,
        10,
        "public",
        "items",
        "COPY public.items (id, name) FROM stdin;\n",
    ));
    t.push(data(
        31,
        11,
        "Odd Schema",
        "odd \"t\"",
        "COPY \"Odd Schema\".\"odd \"\"t\"\"\" (v) FROM stdin;\n",
    ));
    let mut blobs = TocEntry::new(40, "BLOBS", &blobs_tag, Section::Data);
    blobs.had_dumper = true;
    blobs.dependencies = blobs_deps;
    t.push(blobs);
    let mut comment = entry(
        50,
        "COMMENT",
        "LARGE OBJECT 70001",
        Section::None,
        "COMMENT ON LARGE OBJECT 70001 IS 'hello';\n",
    );
    // The first large object's entry: BLOB 70001, or the BLOB METADATA group.
    comment.dependencies = vec![20];
    t.push(comment);
    let mut pk = entry(
        60,
        "CONSTRAINT",
        "items items_pkey",
        Section::PostData,
        "ALTER TABLE ONLY public.items\n    ADD CONSTRAINT items_pkey PRIMARY KEY (id);\n",
    );
    pk.namespace = Some(b"public".to_vec());
    pk.dependencies = vec![10];
    t.push(pk);
    let mut idx = entry(
        61,
        "INDEX",
        "items_name_idx",
        Section::PostData,
        "CREATE INDEX items_name_idx ON public.items USING btree (name);\n",
    );
    idx.namespace = Some(b"public".to_vec());
    idx.dependencies = vec![10];
    t.push(idx);
    t
}

fn build(version: ArchiveVersion, compression: Compression, seekable: bool) -> Vec<u8> {
    let header = Header::new(
        version,
        compression,
        CreateTime::from_unix_utc(1_795_824_000),
        "handmade",
        "16.2",
        "pgark test",
    )
    .expect("header");
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new()), &header, toc(version), compression)
        .expect("writer");
    let mut items = String::new();
    for (i, n) in names().iter().enumerate() {
        let v = n.as_deref().map_or("\\N".to_owned(), copy_escape);
        let _ = writeln!(items, "{}\t{v}", i + 1);
    }
    items.push_str("\\.\n\n\n");
    let mut d = w.data(30).expect("items block");
    // Row-sized writes, as a COPY stream arrives.
    for line in items.split_inclusive('\n') {
        d.write_all(line.as_bytes()).expect("write");
    }
    d.finish().expect("finish items");
    let mut d = w.data(31).expect("odd block");
    d.write_all(b"\\\\x00ff\n\\N\n\\\\x\n\\.\n\n\n")
        .expect("write");
    d.finish().expect("finish odd");
    let mut b = w.blobs(40).expect("blobs block");
    for (oid, bytes) in large_objects() {
        b.start_large_object(oid).expect("lo");
        for piece in bytes.chunks(7000) {
            b.write_all(piece).expect("lo bytes");
        }
    }
    b.finish().expect("finish blobs");
    let f = w.finish().expect("finish");
    if seekable {
        f.rewrite_toc().expect("rewrite").into_inner()
    } else {
        f.into_inner().into_inner()
    }
}

fn check(pg: PgVersion, version: ArchiveVersion) {
    let dir = tempfile::tempdir().expect("temp dir");
    for compression in [Compression::None, Compression::Gzip { level: 6 }] {
        for seekable in [true, false] {
            let bytes = build(version, compression, seekable);
            let path = dir
                .path()
                .join(format!("hand-{compression}-{seekable}.dump"));
            fs::write(&path, &bytes).expect("write archive");
            let what =
                format!("pg_restore {pg}, archive {version}, {compression}, seekable {seekable}");
            archive_format::verify(&bytes[..]).unwrap_or_else(|e| panic!("{what}: verify: {e}"));

            let db = assert_restores(pg, &path, &[]);
            let got = query(&db, "SELECT id, coalesce(encode(convert_to(name, 'UTF8'), 'hex'), 'NULL') FROM public.items ORDER BY id");
            let mut want = String::new();
            for (i, n) in names().iter().enumerate() {
                let v = n
                    .as_deref()
                    .map_or("NULL".to_owned(), |s| hex(s.as_bytes()));
                let _ = writeln!(want, "{}|{v}", i + 1);
            }
            assert!(got == want, "{what}: items differ");
            assert_eq!(
                query(&db, "SELECT coalesce(encode(v, 'hex'), 'NULL') FROM \"Odd Schema\".\"odd \"\"t\"\"\" ORDER BY 1"),
                "\n00ff\nNULL\n",
                "{what}: bytea"
            );
            let los = query(
                &db,
                "SELECT oid, encode(sha256(lo_get(oid)), 'hex'), length(lo_get(oid)) \
                 FROM pg_largeobject_metadata ORDER BY oid",
            );
            let want_los: String = large_objects()
                .iter()
                .map(|(oid, b)| format!("{oid}|{}|{}\n", hex(&Sha256::digest(b)), b.len()))
                .collect();
            assert_eq!(los, want_los, "{what}: large objects");
            assert_eq!(
                query(&db, "SELECT obj_description(70001, 'pg_largeobject')"),
                "hello\n",
                "{what}"
            );
            assert_eq!(
                query(&db, "SELECT count(*) FROM pg_indexes WHERE indexname IN ('items_pkey', 'items_name_idx')"),
                "2\n",
                "{what}: post-data"
            );
        }
    }
}

#[test]
fn pg_restore_15_reads_writer_archives_as_1_14() {
    check(PgVersion::V15, ArchiveVersion::V1_14);
}

#[test]
fn pg_restore_16_reads_writer_archives_as_1_15() {
    check(PgVersion::V16, ArchiveVersion::V1_15);
}

#[test]
fn pg_restore_18_reads_writer_archives_as_1_16() {
    check(PgVersion::V18, ArchiveVersion::V1_16);
}

#[test]
fn pg_restore_16_refuses_1_16_as_the_runbook_says() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("new.dump");
    fs::write(&path, build(ArchiveVersion::V1_16, Compression::None, true)).expect("write");
    let err =
        pgark_testkit::pg_restore_list(PgVersion::V16, &path).expect_err("1.16 is too new for 16");
    assert!(
        err.contains("unsupported version (1.16) in file header"),
        "{err}"
    );
}
