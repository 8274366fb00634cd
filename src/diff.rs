//! What changed between two backups: objects added, dropped or changed,
//! and row counts per table. [`compare`] is a pure function over two
//! [`Backup`]s (TOC entries and row counts); [`read_backup`] reads one
//! where it is stored, and [`diff`] does both for two archives.
//!
//! An object is a TOC entry other than `TABLE DATA`, identified by its
//! desc, schema and tag (`TABLE app.users`, `FUNCTION app.add(integer,
//! integer)`, `CONSTRAINT app.users users_pkey`); it changed when its
//! definition (the entry's create statement) differs by a single byte.
//! Table data is compared by row count only: from the manifest beside
//! each archive when there is one, else counted while reading every
//! block of the archive.
//!
//! ```no_run
//! # async fn run() -> Result<(), pgark::Error> {
//! use pgark::sink::s3::S3ClientOptions;
//! let before: pgark::source::Source = "s3://backups/db/app-20261201T030000Z.dump".parse()?;
//! let after: pgark::source::Source = "s3://backups/db/app-20261201T040000Z.dump".parse()?;
//! let diff = pgark::diff::diff(&before, &after, &S3ClientOptions::from_env()).await?;
//! for id in &diff.added {
//!     println!("added {id}");
//! }
//! # Ok(()) }
//! ```

use std::collections::BTreeMap;
use std::fmt;

use archive_format::{ArchiveReader, TocEntry};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::manifest::Manifest;
use crate::runtime::off_workers;
use crate::sink::s3::S3ClientOptions;
use crate::source::{S3Reads, Source};
use crate::verify::manifest_beside;

/// The TOC entries whose data blocks hold a table's rows: compared by
/// row count, not as objects.
const TABLE_DATA: &str = "TABLE DATA";

/// Where a backup's row counts came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum RowsFrom {
    /// The manifest beside the archive.
    Manifest,
    /// Counted in the archive's data blocks.
    Archive,
}

/// What a comparison needs of one backup.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Backup {
    /// Every TOC entry, in archive order.
    pub entries: Vec<TocEntry>,
    /// Rows per table: (schema, table) to COPY rows.
    pub rows: BTreeMap<(String, String), u64>,
    /// Where `rows` came from.
    pub rows_from: RowsFrom,
}

impl Backup {
    /// A backup of these entries and row counts.
    pub fn new(
        entries: Vec<TocEntry>,
        rows: BTreeMap<(String, String), u64>,
        rows_from: RowsFrom,
    ) -> Self {
        Backup {
            entries,
            rows,
            rows_from,
        }
    }

    /// The row counts a manifest records.
    fn rows_of_manifest(m: &Manifest) -> BTreeMap<(String, String), u64> {
        m.tables
            .iter()
            .map(|t| ((t.schema.clone(), t.name.clone()), t.rows))
            .collect()
    }
}

/// An object's identity: its TOC entry's desc, schema and tag.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ObjectId {
    /// The schema, if the entry has one (listed first: it sorts first).
    pub namespace: Option<String>,
    /// The tag, e.g. `users`, `add(integer, integer)`, `users users_pkey`.
    pub tag: String,
    /// The kind: `TABLE`, `FUNCTION`, `CONSTRAINT`, ...
    pub desc: String,
}

impl ObjectId {
    fn of(e: &TocEntry) -> Self {
        ObjectId {
            namespace: e.namespace_lossy().map(|n| n.into_owned()),
            tag: e.tag_lossy().into_owned(),
            desc: e.desc.clone(),
        }
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.namespace {
            Some(ns) if !ns.is_empty() => write!(f, "{} {ns}.{}", self.desc, self.tag),
            _ => write!(f, "{} {}", self.desc, self.tag),
        }
    }
}

/// An object in both backups whose definition differs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Changed {
    /// The object.
    #[serde(flatten)]
    pub id: ObjectId,
    /// Its definitions in the first backup (one per entry of this
    /// identity, sorted; invalid UTF-8 replaced).
    pub before: Vec<String>,
    /// Its definitions in the second.
    pub after: Vec<String>,
}

/// A table whose row count differs; `None`: no data for it in that backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowChange {
    /// The schema.
    pub schema: String,
    /// The table.
    pub table: String,
    /// Rows in the first backup.
    pub before: Option<u64>,
    /// Rows in the second.
    pub after: Option<u64>,
}

/// What differs between two backups, each list in a stable order (by
/// schema, then tag, then desc; rows by schema and table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Diff {
    /// Objects only in the second backup.
    pub added: Vec<ObjectId>,
    /// Objects only in the first.
    pub dropped: Vec<ObjectId>,
    /// Objects in both with different definitions.
    pub changed: Vec<Changed>,
    /// Tables whose row counts differ.
    pub rows: Vec<RowChange>,
    /// Where each backup's row counts came from.
    pub rows_from: [RowsFrom; 2],
}

impl Diff {
    /// Whether the backups differ at all.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.dropped.is_empty()
            && self.changed.is_empty()
            && self.rows.is_empty()
    }
}

/// Every object's definitions (sorted: an identity may, rarely, name
/// several entries).
fn objects(b: &Backup) -> BTreeMap<ObjectId, Vec<&[u8]>> {
    let mut out: BTreeMap<ObjectId, Vec<&[u8]>> = BTreeMap::new();
    for e in b.entries.iter().filter(|e| e.desc != TABLE_DATA) {
        out.entry(ObjectId::of(e))
            .or_default()
            .push(e.defn.as_deref().unwrap_or_default());
    }
    for defns in out.values_mut() {
        defns.sort_unstable();
    }
    out
}

fn texts(defns: &[&[u8]]) -> Vec<String> {
    defns
        .iter()
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .collect()
}

/// What differs between backup `a` and backup `b`.
pub fn compare(a: &Backup, b: &Backup) -> Diff {
    let (before, after) = (objects(a), objects(b));
    let added = after
        .keys()
        .filter(|id| !before.contains_key(*id))
        .cloned()
        .collect();
    let dropped = before
        .keys()
        .filter(|id| !after.contains_key(*id))
        .cloned()
        .collect();
    let changed = before
        .iter()
        .filter_map(|(id, old)| {
            let new = after.get(id)?;
            (old != new).then(|| Changed {
                id: id.clone(),
                before: texts(old),
                after: texts(new),
            })
        })
        .collect();
    let mut tables: Vec<&(String, String)> = a.rows.keys().chain(b.rows.keys()).collect();
    tables.sort_unstable();
    tables.dedup();
    let rows = tables
        .into_iter()
        .filter_map(|t| {
            let (x, y) = (a.rows.get(t).copied(), b.rows.get(t).copied());
            (x != y).then(|| RowChange {
                schema: t.0.clone(),
                table: t.1.clone(),
                before: x,
                after: y,
            })
        })
        .collect();
    Diff {
        added,
        dropped,
        changed,
        rows,
        rows_from: [a.rows_from, b.rows_from],
    }
}

/// Reads one backup at `source`: with a manifest beside it, only the TOC
/// (an S3 object's first bytes) and the manifest's row counts; without
/// one, the whole archive, counting every table's rows (and failing on
/// any defect, as `verify` does). An encrypted archive is read through
/// `source`'s identities ([`Source::decrypting`]), which also unseal its
/// manifest's row counts.
pub async fn read_backup(source: &Source, s3: &S3ClientOptions) -> Result<Backup> {
    let source_name = source.to_string();
    // A sealed manifest read without the identity has no row counts: the
    // archive is read instead (and needs the identity).
    let manifest = manifest_beside(source, s3)
        .await?
        .filter(|m| m.encryption.is_none() || !m.database.is_empty());
    let reads = match source.base() {
        Source::S3(_) => Some(S3Reads::new(s3).await),
        _ => None,
    };
    let source = source.clone();
    let named = |e: Error| match e {
        Error::Archive(source) => Error::ArchiveAt {
            archive: source_name.clone(),
            source,
        },
        e => e,
    };
    off_workers(move |_| match manifest {
        Some(m) => {
            let input = source.open_head_via(reads.as_ref())?;
            let toc = ArchiveReader::new(input).read_toc()?;
            let entries = toc.entries.into_iter().map(|s| s.entry).collect();
            Ok(Backup::new(
                entries,
                Backup::rows_of_manifest(&m),
                RowsFrom::Manifest,
            ))
        }
        None => {
            let report = archive_format::verify(source.open_via(reads.as_ref())?)?;
            let mut rows = BTreeMap::new();
            for e in &report.entries {
                let entry = &e.stored.entry;
                if entry.desc != TABLE_DATA {
                    continue;
                }
                if let Some(n) = e.data.and_then(|d| d.rows) {
                    let ns = entry.namespace_lossy().unwrap_or_default().into_owned();
                    rows.insert((ns, entry.tag_lossy().into_owned()), n);
                }
            }
            let entries = report.entries.into_iter().map(|e| e.stored.entry).collect();
            Ok(Backup::new(entries, rows, RowsFrom::Archive))
        }
    })
    .await
    .map_err(named)
}

/// Reads backups `a` and `b` (concurrently) and compares them.
pub async fn diff(a: &Source, b: &Source, s3: &S3ClientOptions) -> Result<Diff> {
    if *a.base() == Source::Stdin && *b.base() == Source::Stdin {
        return Err(Error::Config(
            "diff: only one of the two archives can be standard input".into(),
        ));
    }
    let (x, y) = tokio::try_join!(read_backup(a, s3), read_backup(b, s3))?;
    Ok(compare(&x, &y))
}

#[cfg(test)]
mod tests {
    use super::*;
    use archive_format::Section;

    fn entry(id: i32, desc: &str, ns: &str, tag: &str, defn: &str) -> TocEntry {
        let mut e = TocEntry::new(id, desc, tag, Section::PreData);
        e.namespace = Some(ns.as_bytes().to_vec());
        e.defn = Some(defn.as_bytes().to_vec());
        e
    }

    fn backup(entries: Vec<TocEntry>, rows: &[(&str, &str, u64)]) -> Backup {
        let rows = rows
            .iter()
            .map(|(s, t, n)| ((s.to_string(), t.to_string()), *n))
            .collect();
        Backup::new(entries, rows, RowsFrom::Archive)
    }

    fn id(desc: &str, ns: &str, tag: &str) -> ObjectId {
        ObjectId {
            namespace: Some(ns.into()),
            tag: tag.into(),
            desc: desc.into(),
        }
    }

    #[test]
    fn identical_backups_do_not_differ() {
        let a = backup(
            vec![
                entry(1, "TABLE", "app", "t", "CREATE TABLE app.t (a int);"),
                entry(2, "TABLE DATA", "app", "t", ""),
            ],
            &[("app", "t", 3)],
        );
        // Dump ids, order and row source do not matter.
        let mut b = a.clone();
        b.entries.reverse();
        b.entries[0].dump_id = 7;
        b.rows_from = RowsFrom::Manifest;
        let d = compare(&a, &b);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(d.rows_from, [RowsFrom::Archive, RowsFrom::Manifest]);
    }

    #[test]
    fn added_dropped_changed_and_rows_in_stable_order() {
        let a = backup(
            vec![
                entry(1, "TABLE", "app", "old", "CREATE TABLE app.old ();"),
                entry(2, "TABLE DATA", "app", "old", ""),
                entry(3, "FUNCTION", "app", "f()", "CREATE FUNCTION app.f() ... 1"),
                entry(4, "TABLE", "app", "t", "CREATE TABLE app.t (a int);"),
                entry(
                    5,
                    "COMMENT",
                    "app",
                    "TABLE t",
                    "COMMENT ON TABLE app.t IS 'x';",
                ),
            ],
            &[("app", "old", 5), ("app", "t", 1), ("app", "same", 2)],
        );
        let b = backup(
            vec![
                entry(9, "TABLE", "app", "zeta", "CREATE TABLE app.zeta ();"),
                entry(8, "TABLE", "app", "new", "CREATE TABLE app.new ();"),
                entry(3, "FUNCTION", "app", "f()", "CREATE FUNCTION app.f() ... 2"),
                // Only whitespace differs: still a change (exact text).
                entry(4, "TABLE", "app", "t", "CREATE TABLE app.t (a  int);"),
                entry(
                    5,
                    "COMMENT",
                    "app",
                    "TABLE t",
                    "COMMENT ON TABLE app.t IS 'x';",
                ),
            ],
            &[("app", "new", 0), ("app", "t", 4), ("app", "same", 2)],
        );
        let d = compare(&a, &b);
        assert_eq!(
            d.added,
            vec![id("TABLE", "app", "new"), id("TABLE", "app", "zeta")]
        );
        assert_eq!(d.dropped, vec![id("TABLE", "app", "old")]);
        let changed: Vec<String> = d.changed.iter().map(|c| c.id.to_string()).collect();
        assert_eq!(changed, ["FUNCTION app.f()", "TABLE app.t"]);
        assert_eq!(d.changed[0].before, ["CREATE FUNCTION app.f() ... 1"]);
        assert_eq!(d.changed[0].after, ["CREATE FUNCTION app.f() ... 2"]);
        let rows: Vec<_> = d
            .rows
            .iter()
            .map(|r| (r.table.as_str(), r.before, r.after))
            .collect();
        assert_eq!(
            rows,
            [
                ("new", None, Some(0)),
                ("old", Some(5), None),
                ("t", Some(1), Some(4))
            ]
        );
        assert!(!d.is_empty());
    }

    #[test]
    fn entries_sharing_an_identity_compare_as_a_set() {
        let two = |x: &str, y: &str| {
            backup(
                vec![
                    entry(1, "SECURITY LABEL", "app", "TABLE t", x),
                    entry(2, "SECURITY LABEL", "app", "TABLE t", y),
                ],
                &[],
            )
        };
        assert!(compare(&two("a", "b"), &two("b", "a")).is_empty());
        let d = compare(&two("a", "b"), &two("a", "c"));
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].before, ["a", "b"]);
        assert_eq!(d.changed[0].after, ["a", "c"]);
    }

    #[test]
    fn entries_without_a_schema_are_named_by_tag() {
        let mut e = TocEntry::new(1, "EXTENSION", "hstore", Section::PreData);
        e.defn = Some(b"CREATE EXTENSION hstore;".to_vec());
        let d = compare(&backup(vec![], &[]), &backup(vec![e], &[]));
        assert_eq!(d.added[0].to_string(), "EXTENSION hstore");
    }
}
