//! Object kinds pgark once skipped (access methods, window functions,
//! transforms, subscriptions, security labels, shell operators), privileges
//! as pg_dump writes them with `--acl`, and the refusal of catalog objects
//! pgark cannot dump.

use pgark_testkit::{pg, PgVersion, TestDb};

use crate::backup::{assert_same_dump, backup, plain_dump, toc_parity_of};
use crate::common::{fixture, fixture_db, query, row_counts};

/// A database whose subscriptions are dropped before the database is
/// (DROP DATABASE refuses a database with subscriptions).
struct Db(TestDb);

impl Drop for Db {
    fn drop(&mut self) {
        let _ = self.0.psql(
            "DO $$ DECLARE s record; BEGIN
               FOR s IN SELECT subname FROM pg_catalog.pg_subscription WHERE subdbid =
                   (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
               LOOP
                 EXECUTE format('ALTER SUBSCRIPTION %I DISABLE', s.subname);
                 EXECUTE format('ALTER SUBSCRIPTION %I SET (slot_name = NONE)', s.subname);
                 EXECUTE format('DROP SUBSCRIPTION %I', s.subname);
               END LOOP; END $$;",
        );
    }
}

/// `fixtures` loaded in order, each from the version in its name on.
fn db(version: PgVersion, fixtures: &[(&str, PgVersion)]) -> Db {
    let mut fixtures = fixtures.iter().filter(|(_, since)| version >= *since);
    let (first, _) = fixtures.next().expect("a fixture");
    let db = Db(fixture_db(pg(version), first));
    for (f, _) in fixtures {
        db.0.psql_file(&fixture(f))
            .unwrap_or_else(|e| panic!("loading {f}: {e}"));
    }
    db
}

/// pgark backup (with `ours`) → real pg_restore with owners and ACLs →
/// pg_dump of source and copy identical; returns the copy.
fn round_trip_db(source: &Db, ours: &[&str]) -> Db {
    let version = source.0.server().version();
    let dir = tempfile::tempdir().expect("temp dir");
    let archive = backup(&source.0, dir.path(), ours);
    pgark_testkit::pg_restore_list(version, &archive).expect("pg_restore --list reads it");
    let copy = Db(pg(version).create_database("restored"));
    let out = copy
        .0
        .server()
        .command("pg_restore")
        .args(["--exit-on-error", "-d", &copy.0.name])
        .arg(&archive)
        .output()
        .expect("pg_restore runs");
    assert!(
        out.status.success(),
        "pg_restore {version} with owners and ACLs: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_same_dump(
        &format!("{} on {version}", source.0.name),
        &plain_dump(&source.0),
        &plain_dump(&copy.0),
    );
    copy
}

const KINDS: &[(&str, PgVersion)] = &[
    ("fidelity_kinds.sql", PgVersion::V15),
    ("fidelity_kinds_16.sql", PgVersion::V16),
    ("fidelity_kinds_17.sql", PgVersion::V17),
];

fn kinds(version: PgVersion) {
    let source = db(version, KINDS);
    let copy = round_trip_db(&source, &[]);
    assert_eq!(row_counts(&source.0), row_counts(&copy.0));
    // The table access method came back on the tables and the view.
    let am = "SELECT c.relname || ' ' || coalesce(a.amname, '-') FROM pg_class c \
              LEFT JOIN pg_am a ON a.oid = c.relam WHERE c.relname LIKE 'kinds\\_%' \
              AND c.relkind IN ('r', 'm', 'p') ORDER BY 1";
    assert_eq!(query(&source.0, am), query(&copy.0, am));
    toc_parity_of(&source.0, &[], &["--no-owner", "--no-acl"]);
}

#[test]
fn kinds_15() {
    kinds(PgVersion::V15);
}

#[test]
fn kinds_16() {
    kinds(PgVersion::V16);
}

#[test]
fn kinds_17() {
    kinds(PgVersion::V17);
}

#[test]
fn kinds_18() {
    kinds(PgVersion::V18);
}

/// The SECURITY LABEL statements `pg_restore -f -` prints for an archive.
fn label_statements(version: PgVersion, archive: &std::path::Path) -> Vec<String> {
    let mut lines = crate::common::pg_restore_script(version, archive, &[])
        .lines()
        .filter(|l| {
            l.starts_with("SECURITY LABEL")
                || l.starts_with("-- Name:") && l.contains("SECURITY LABEL")
        })
        .map(str::to_owned)
        .collect::<Vec<_>>();
    // pg_dump orders an object's labels by nothing (collectSecLabels sorts
    // by object only): compare as sets.
    lines.sort();
    lines
}

/// Security labels come out as pg_dump writes them: one entry per object
/// (all providers), one per column, none for unlabelled objects.
#[test]
fn security_labels() {
    for v in PgVersion::all() {
        let source = db(v, &[("fidelity_kinds_seclabel.sql", PgVersion::V15)]);
        toc_parity_of(&source.0, &[], &["--no-owner", "--no-acl"]);
        let dir = tempfile::tempdir().expect("temp dir");
        let ours = label_statements(v, &backup(&source.0, dir.path(), &[]));
        let theirs = label_statements(v, &crate::common::real_dump(&source.0, dir.path(), &[]));
        assert_eq!(ours, theirs, "security labels on {v}");
        assert_eq!(
            ours.iter().filter(|l| l.starts_with("SECURITY")).count(),
            8,
            "{ours:#?}"
        );
    }
}

/// With `--acl`, privileges come out as pg_dump writes them: pg_catalog
/// objects changed from their initial privileges (tables, their columns,
/// functions), plpgsql, the public schema, large objects (grouped by
/// owner and ACL from 17); and restore to the same privileges.
#[test]
fn privileges() {
    for v in PgVersion::all() {
        let source = db(v, &[("fidelity_kinds_acl.sql", PgVersion::V15)]);
        round_trip_db(&source, &["--acl"]);
        toc_parity_of(&source.0, &["--acl"], &["--no-owner"]);
    }
}

/// `pgark backup` of `url` into `dir/name`: (exit code, stderr, whether
/// the archive exists).
fn try_backup(url: &str, dir: &std::path::Path, extra: &[&str]) -> (Option<i32>, String, bool) {
    let path = dir.join("try.dump");
    let out = crate::backup::pgark_backup(url, &path, extra);
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        path.exists(),
    )
}

/// Catalog rows pgark does not dump make the backup fail with exit 7 and
/// one error line per object, nothing written; `--allow-unknown` writes
/// it and warns about each.
#[test]
fn unknown_objects_refuse_the_backup() {
    for v in PgVersion::all() {
        let source = db(v, &[("fidelity_kinds_unknown.sql", PgVersion::V15)]);
        let dir = tempfile::tempdir().expect("temp dir");
        let (code, stderr, written) = try_backup(&source.0.url(), dir.path(), &[]);
        assert_eq!(code, Some(7), "{v}: {stderr}");
        assert!(!written, "{v}: nothing may be written");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("pgark: error: "))
            .collect();
        assert_eq!(errors.len(), 2, "{v}: {stderr}");
        assert!(
            errors
                .iter()
                .any(|l| l.contains("cannot dump security label")
                    && l.contains("schema pg_catalog, name pg_catalog.pg_proc")),
            "{v}: {stderr}"
        );
        assert!(
            errors.iter().any(
                |l| l.contains("security label for kinds_provider on database")
                    && l.contains(&source.0.name)
            ),
            "{v}: {stderr}"
        );
        let (code, stderr, written) = try_backup(&source.0.url(), dir.path(), &["--allow-unknown"]);
        assert_eq!(code, Some(0), "{v}: {stderr}");
        assert!(written);
        assert_eq!(
            stderr
                .lines()
                .filter(|l| l.starts_with("pgark: warning: cannot dump security label"))
                .count(),
            2,
            "{v}: {stderr}"
        );
    }
}

/// A subscription the backing-up role may not read (not a superuser, no
/// pg_read_all_data) is refused the same way, not skipped.
#[test]
fn unreadable_subscription_refuses_the_backup() {
    for v in PgVersion::all() {
        let source = db(v, &[("fidelity_kinds_subscriber.sql", PgVersion::V15)]);
        let url = source.0.url();
        let host = url.split_once('@').map_or("", |(_, h)| h);
        let reader = format!("postgresql://kinds_reader:kinds_reader@{host}");
        let dir = tempfile::tempdir().expect("temp dir");
        let (code, stderr, written) = try_backup(&reader, dir.path(), &[]);
        assert_eq!(code, Some(7), "{v}: {stderr}");
        assert!(!written);
        assert!(
            stderr.contains("pgark: error: cannot dump subscription (schema -, name kinds_hidden)"),
            "{v}: {stderr}"
        );
        let (code, stderr, written) = try_backup(&reader, dir.path(), &["--allow-unknown"]);
        assert_eq!(code, Some(0), "{v}: {stderr}");
        assert!(written && stderr.contains("pgark: warning: cannot dump subscription"));
        // As the superuser it is dumped.
        let (code, stderr, _) = try_backup(&url, dir.path(), &[]);
        assert_eq!(code, Some(0), "{v}: {stderr}");
    }
}
