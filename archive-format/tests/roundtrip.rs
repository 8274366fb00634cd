//! Property tests: whatever the writer accepts reads back equal, for every
//! version x compression x write mode; damaged archives never panic the
//! reader, and every truncation is reported as one.

use std::io::{Cursor, Write};

use archive_format::*;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Payload {
    /// COPY text rows (each without newline) for a TABLE DATA entry.
    Copy(Vec<Vec<u8>>),
    /// Arbitrary bytes of a data entry without a COPY statement.
    Opaque(Vec<u8>),
    /// Large objects for a BLOBS entry.
    Blobs(Vec<(u32, Vec<u8>)>),
}

#[derive(Debug, Clone)]
struct Case {
    version: ArchiveVersion,
    compression: Compression,
    seekable: bool,
    schema: Vec<TocEntry>,
    data: Vec<Payload>,
}

fn opt_bytes() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop::option::of(prop::collection::vec(any::<u8>(), 0..40))
}

fn schema_entry() -> impl Strategy<Value = TocEntry> {
    (
        (
            any::<u32>(),
            any::<u32>(),
            prop::collection::vec(any::<u8>(), 0..20),
        ),
        prop::sample::select(vec![
            "TABLE", "INDEX", "COMMENT", "SCHEMA", "FUNCTION", "ACL",
        ]),
        prop::sample::select(vec![Section::None, Section::PreData, Section::PostData]),
        (
            opt_bytes(),
            opt_bytes(),
            opt_bytes(),
            opt_bytes(),
            opt_bytes(),
            opt_bytes(),
        ),
        (
            any::<u8>(),
            any::<bool>(),
            prop::collection::vec(1i32..500, 0..4),
        ),
    )
        .prop_map(
            |((tableoid, oid, tag), desc, section, strs, (relkind, with_oids, deps))| {
                let (defn, drop_stmt, namespace, tablespace, table_am, owner) = strs;
                TocEntry {
                    dump_id: 0,
                    had_dumper: false,
                    catalog_id: CatalogId { tableoid, oid },
                    tag,
                    desc: desc.to_owned(),
                    section,
                    defn,
                    drop_stmt,
                    copy_stmt: None,
                    namespace,
                    tablespace,
                    table_am,
                    relkind,
                    owner,
                    with_oids,
                    dependencies: deps,
                }
            },
        )
}

fn copy_row() -> impl Strategy<Value = Vec<u8>> {
    // Rows never contain a raw newline, and are never exactly "\.".
    prop::collection::vec(
        any::<u8>().prop_filter("no newline", |b| *b != b'\n'),
        0..60,
    )
    .prop_filter("not the terminator", |r| r != b"\\.")
}

fn payload() -> impl Strategy<Value = Payload> {
    prop_oneof![
        prop::collection::vec(copy_row(), 0..30).prop_map(Payload::Copy),
        prop::collection::vec(any::<u8>(), 0..3000).prop_map(Payload::Opaque),
        prop::collection::vec((1u32.., prop::collection::vec(any::<u8>(), 0..500)), 0..5)
            .prop_map(Payload::Blobs),
    ]
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(vec![
            ArchiveVersion::V1_12,
            ArchiveVersion::V1_13,
            ArchiveVersion::V1_14,
            ArchiveVersion::V1_15,
            ArchiveVersion::V1_16,
        ]),
        prop_oneof![
            Just(Compression::None),
            (0u32..=9).prop_map(|level| Compression::Gzip { level }),
            (-7i32..=19).prop_map(|level| Compression::Zstd { level }),
            (0u32..=12).prop_map(|level| Compression::Lz4 { level }),
        ],
        any::<bool>(),
        prop::collection::vec(schema_entry(), 0..8),
        prop::collection::vec(payload(), 0..6),
    )
        .prop_map(|(version, compression, seekable, schema, data)| {
            // Level 0 means "no compression" in headers up to 1.14.
            let compression = match compression {
                Compression::Gzip { level: 0 } if !version.has_compression_algorithm() => {
                    Compression::Gzip { level: 1 }
                }
                // zstd and lz4 need the algorithm byte of 1.15+.
                Compression::Zstd { .. } | Compression::Lz4 { .. }
                    if !version.has_compression_algorithm() =>
                {
                    Compression::Gzip { level: 6 }
                }
                c => c,
            };
            Case {
                version,
                compression,
                seekable,
                schema,
                data,
            }
        })
}

/// Builds the TOC: schema entries, then for each payload a TABLE (pre-data)
/// and its data entry.
fn toc(case: &Case) -> Vec<TocEntry> {
    let mut entries = Vec::new();
    let mut id = 100;
    for e in &case.schema {
        let mut e = e.clone();
        id += 1;
        e.dump_id = id;
        if !case.version.has_relkind() {
            e.relkind = 0;
        }
        if !case.version.has_table_am() {
            e.table_am = None;
        }
        entries.push(e);
    }
    for (i, p) in case.data.iter().enumerate() {
        let tag = format!("t{i}");
        id += 1;
        let table_id = id;
        entries.push(TocEntry::new(table_id, "TABLE", &tag, Section::PreData));
        id += 1;
        let mut d = match p {
            Payload::Blobs(_) => TocEntry::new(id, "BLOBS", "BLOBS", Section::Data),
            _ => TocEntry::new(id, "TABLE DATA", &tag, Section::Data),
        };
        d.had_dumper = true;
        d.dependencies = vec![table_id];
        if let Payload::Copy(_) = p {
            d.copy_stmt = Some(format!("COPY public.{tag} (a) FROM stdin;\n").into_bytes());
        }
        entries.push(d);
    }
    entries
}

fn copy_text(rows: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rows {
        out.extend_from_slice(r);
        out.push(b'\n');
    }
    out.extend_from_slice(b"\\.\n\n\n");
    out
}

fn write(case: &Case) -> Result<Vec<u8>, Error> {
    let (_, f) = write_finished(case)?;
    Ok(if case.seekable {
        f.rewrite_toc()?.into_inner()
    } else {
        f.into_inner().into_inner()
    })
}

/// A finished archive written to memory.
type Streamed = Finished<Cursor<Vec<u8>>>;

/// Writes the case; returns the prefix length the writer announced before
/// any data, and the finished (streamed) archive.
fn write_finished(case: &Case) -> Result<(u64, Streamed), Error> {
    let header = Header::new(
        case.version,
        case.compression,
        CreateTime::from_unix_utc(1_750_000_000),
        "db",
        "16.2",
        "pgark test",
    )?;
    let entries = toc(case);
    let data_ids: Vec<i32> = entries
        .iter()
        .filter(|e| e.had_dumper)
        .map(|e| e.dump_id)
        .collect();
    let mut w = ArchiveWriter::new(Cursor::new(Vec::new()), &header, entries, case.compression)?;
    let prefix_len = w.prefix_len();
    for (p, id) in case.data.iter().zip(data_ids) {
        match p {
            Payload::Copy(rows) => {
                let mut b = w.data(id)?;
                b.write_all(&copy_text(rows))?;
                b.finish()?;
            }
            Payload::Opaque(bytes) => {
                let mut b = w.data(id)?;
                // Uneven pieces exercise the chunking.
                for piece in bytes.chunks(777) {
                    b.write_all(piece)?;
                }
                b.finish()?;
            }
            Payload::Blobs(los) => {
                let mut b = w.blobs(id)?;
                for (oid, bytes) in los {
                    b.start_large_object(*oid)?;
                    b.write_all(bytes)?;
                }
                b.finish()?;
            }
        }
    }
    Ok((prefix_len, w.finish()?))
}

type Block = (i32, u64, Vec<u8>, Vec<(u32, Vec<u8>)>);

/// What the reader gives back, decompressed.
#[derive(Debug, Default)]
struct ReadBack {
    header: Option<Header>,
    entries: Vec<StoredEntry>,
    blocks: Vec<Block>,
}

fn inflate(compression: CompressionAlgorithm, bytes: &[u8]) -> Vec<u8> {
    match compression {
        CompressionAlgorithm::None => bytes.to_vec(),
        // Damaged input is fine in these too: the caller only checks for panics then.
        CompressionAlgorithm::Zstd => zstd::stream::decode_all(bytes).unwrap_or_default(),
        CompressionAlgorithm::Lz4 => {
            let mut out = Vec::new();
            let mut d = lz4_flex::frame::FrameDecoder::new(bytes);
            let _ = std::io::Read::read_to_end(&mut d, &mut out);
            out
        }
        _ => {
            let mut out = Vec::new();
            let mut d = flate2::read::ZlibDecoder::new(bytes);
            // Damaged input is fine here: the caller only checks for panics then.
            let _ = std::io::Read::read_to_end(&mut d, &mut out);
            out
        }
    }
}

fn read_back(bytes: &[u8]) -> Result<ReadBack, Error> {
    let mut r = ArchiveReader::new(bytes);
    let mut out = ReadBack::default();
    let mut stream = Vec::new();
    while let Some((ev, data)) = r.next_event()? {
        let alg = out.header.as_ref().map(|h| h.compression.algorithm());
        let alg = alg.unwrap_or(CompressionAlgorithm::None);
        match ev {
            Event::Header(h) => out.header = Some(h),
            Event::TocEntry { entry, offset } => out.entries.push(StoredEntry { entry, offset }),
            Event::BlockStart {
                dump_id, offset, ..
            } => {
                out.blocks.push((dump_id, offset, Vec::new(), Vec::new()));
                stream.clear();
            }
            Event::LargeObjectStart { oid } => {
                stream.clear();
                if let Some(b) = out.blocks.last_mut() {
                    b.3.push((oid, Vec::new()));
                }
            }
            Event::Data { .. } => stream.extend_from_slice(data),
            Event::LargeObjectEnd => {
                if let Some(lo) = out.blocks.last_mut().and_then(|b| b.3.last_mut()) {
                    lo.1 = inflate(alg, &stream);
                }
            }
            Event::BlockEnd => {
                if let Some(b) = out.blocks.last_mut() {
                    if b.3.is_empty() {
                        b.2 = inflate(alg, &stream);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 200,
        max_shrink_time: 20_000,
        ..ProptestConfig::default()
    })]

    #[test]
    fn what_is_written_reads_back_equal(case in case()) {
        let bytes = write(&case).expect("writer accepts the case");
        let back = read_back(&bytes).expect("reader accepts what the writer wrote");
        let header = back.header.expect("header");
        prop_assert_eq!(header.version, case.version);
        prop_assert_eq!(header.compression.algorithm(), case.compression.algorithm());
        let expected = toc(&case);
        prop_assert_eq!(back.entries.len(), expected.len());
        let mut blocks = back.blocks.iter();
        let mut payloads = case.data.iter();
        for (stored, want) in back.entries.iter().zip(&expected) {
            prop_assert_eq!(&stored.entry, want);
            if !want.had_dumper {
                prop_assert_eq!(stored.offset, DataOffset::NoData);
                continue;
            }
            let (dump_id, at, data, los) = blocks.next().expect("a block per data entry");
            prop_assert_eq!(*dump_id, want.dump_id);
            if case.seekable {
                prop_assert_eq!(stored.offset, DataOffset::Set(*at));
            } else {
                prop_assert_eq!(stored.offset, DataOffset::NotSet);
            }
            match payloads.next().expect("payload") {
                Payload::Copy(rows) => prop_assert_eq!(data, &copy_text(rows)),
                Payload::Opaque(b) => prop_assert_eq!(data, b),
                Payload::Blobs(want_los) => prop_assert_eq!(los, want_los),
            }
        }
        prop_assert!(blocks.next().is_none());
        // The prefix length is known before any data, and patching the TOC
        // of a streamed archive gives the seekable one.
        let (prefix_len, finished) = write_finished(&case).expect("write");
        let toc = ArchiveReader::new(&bytes[..]).read_toc().expect("toc");
        prop_assert_eq!(prefix_len, toc.data_start);
        let mut streamed = finished.get_ref().get_ref().clone();
        finished.patch_prefix(&mut streamed[..prefix_len as usize]).expect("prefix covers the TOC");
        let seekable = write(&Case { seekable: true, ..case.clone() }).expect("write");
        prop_assert!(streamed == seekable, "patched streaming archive differs from seekable mode");
        // The verifier agrees, and counts rows and large objects.
        let report = verify(&bytes[..]).expect("verify accepts it");
        let rows: u64 = case.data.iter()
            .map(|p| if let Payload::Copy(r) = p { r.len() as u64 } else { 0 }).sum();
        let los: u64 = case.data.iter()
            .map(|p| if let Payload::Blobs(l) = p { l.len() as u64 } else { 0 }).sum();
        prop_assert_eq!(report.total_rows(), rows);
        prop_assert_eq!(report.total_large_objects(), los);
        prop_assert_eq!(report.total_bytes, bytes.len() as u64);
    }

    #[test]
    fn damaged_archives_fail_cleanly(
        case in case(),
        cut in any::<prop::sample::Index>(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1u8..), 0..4),
    ) {
        let mut bytes = write(&case).expect("writer accepts the case");
        for (at, x) in flips {
            let i = at.index(bytes.len());
            bytes[i] ^= x;
        }
        let truncated = &bytes[..cut.index(bytes.len() + 1)];
        // Ok or Err, never a panic or a hang.
        let _ = verify(truncated);
        let _ = read_back(truncated);
    }

    #[test]
    fn every_proper_prefix_is_rejected_as_truncated(case in case(), cut in any::<prop::sample::Index>()) {
        let bytes = write(&case).expect("writer accepts the case");
        let err = verify(&bytes[..cut.index(bytes.len())]).expect_err("a prefix is not an archive");
        prop_assert!(err.is_truncated(), "{}", err);
    }
}
