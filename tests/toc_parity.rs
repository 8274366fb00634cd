//! TOC parity with real pg_dump: the same entries (desc, namespace, tag),
//! the same owners, and the same dependencies, for every fixture.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use archive_format::{ArchiveReader, TocEntry};
use pgark_testkit::{pg, PgVersion, TestDb};

use crate::backup::backup;
use crate::common::{fixture_db, pg_restore_script, read, real_dump};

/// An entry's identity across archives: (desc, namespace, tag).
pub type EntryName = (String, String, String);

/// What the parity test compares of one entry besides its name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    /// The owner recorded in the TOC (empty when none).
    pub owner: String,
    /// The names of the entries it depends on.
    pub deps: BTreeSet<EntryName>,
}

/// Differences between pgark's and pg_dump's TOC that are accepted, each
/// with the reason. A difference matches when its description contains
/// the pattern. Keep this list empty unless a difference is harmless and
/// cannot be avoided.
const ACCEPTED: &[(&str, &str)] = &[];

fn text(bytes: &Option<Vec<u8>>) -> String {
    String::from_utf8_lossy(bytes.as_deref().unwrap_or_default()).into_owned()
}

fn name(e: &TocEntry) -> EntryName {
    (
        e.desc.clone(),
        text(&e.namespace),
        String::from_utf8_lossy(&e.tag).into_owned(),
    )
}

/// Every TOC entry by name, with its owner and dependencies.
pub fn toc_map(path: &Path) -> BTreeMap<EntryName, EntryInfo> {
    let bytes = read(path);
    let toc = ArchiveReader::new(&bytes[..])
        .read_toc()
        .expect("TOC reads");
    let by_id: HashMap<i32, EntryName> = toc
        .entries
        .iter()
        .map(|s| (s.entry.dump_id, name(&s.entry)))
        .collect();
    toc.entries
        .iter()
        .map(|s| {
            let deps = s
                .entry
                .dependencies
                .iter()
                .filter_map(|d| by_id.get(d).cloned())
                .collect();
            let owner = text(&s.entry.owner);
            (name(&s.entry), EntryInfo { owner, deps })
        })
        .collect()
}

/// The database-level statements `pg_restore --create` would run.
fn database_statements(version: PgVersion, archive: &Path) -> Vec<String> {
    pg_restore_script(version, archive, &["--create"])
        .lines()
        .filter(|l| {
            l.starts_with("CREATE DATABASE")
                || l.starts_with("ALTER DATABASE")
                || l.starts_with("COMMENT ON DATABASE")
        })
        .map(str::to_owned)
        .collect()
}

/// Every difference between two TOCs, one line each.
pub fn toc_differences(
    ours: &BTreeMap<EntryName, EntryInfo>,
    theirs: &BTreeMap<EntryName, EntryInfo>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (entry, t) in theirs {
        let Some(o) = ours.get(entry) else {
            out.push(format!("missing entry {entry:?} (owner {:?})", t.owner));
            continue;
        };
        if o.owner != t.owner {
            out.push(format!(
                "owner of {entry:?}: ours {:?}, pg_dump's {:?}",
                o.owner, t.owner
            ));
        }
        for d in t.deps.difference(&o.deps) {
            out.push(format!("{entry:?} lacks pg_dump's dependency on {d:?}"));
        }
        for d in o.deps.difference(&t.deps) {
            out.push(format!("{entry:?} has an extra dependency on {d:?}"));
        }
    }
    for entry in ours.keys().filter(|k| !theirs.contains_key(*k)) {
        out.push(format!("extra entry {entry:?}"));
    }
    out
}

/// TOC parity with real `pg_dump -Fc --no-owner --no-acl` of the fixture.
pub fn toc_parity(version: PgVersion, fixture: &str) {
    let db = fixture_db(pg(version), fixture);
    toc_parity_of(&db, &[], &["--no-owner", "--no-acl"]);
}

/// TOC parity of `pgark backup {ours}` with `pg_dump -Fc {theirs}`: the
/// same database statements, entries, owners and dependency sets, but for
/// the [`ACCEPTED`] differences.
pub fn toc_parity_of(db: &TestDb, ours: &[&str], theirs: &[&str]) {
    let (version, fixture) = (db.server().version(), &db.name);
    let dir = tempfile::tempdir().expect("temp dir");
    let ours_path = backup(db, dir.path(), ours);
    let theirs_path = real_dump(db, dir.path(), theirs);
    // pg_restore --create replays the same database statements.
    let statements = database_statements(version, &ours_path);
    assert!(
        statements[0].starts_with("CREATE DATABASE"),
        "{statements:?}"
    );
    assert_eq!(
        statements,
        database_statements(version, &theirs_path),
        "{fixture} on {version}: CREATE/ALTER DATABASE differ"
    );
    let differences: Vec<String> = toc_differences(&toc_map(&ours_path), &toc_map(&theirs_path))
        .into_iter()
        .filter(|d| !ACCEPTED.iter().any(|(pattern, _)| d.contains(pattern)))
        .collect();
    assert!(
        differences.is_empty(),
        "{fixture} on {version}: TOC differs from pg_dump's:\n{}",
        differences.join("\n")
    );
}

/// The archive tests' fixture (large objects, several table shapes): the
/// same TOC as pg_dump's on every version (1.16 groups large objects).
#[test]
fn toc_parity_archive_basics() {
    for v in PgVersion::all() {
        toc_parity(v, "archive_basics.sql");
        let db = fixture_db(pg(v), "archive_basics.sql");
        toc_parity_of(&db, &["--acl"], &[]);
    }
}
