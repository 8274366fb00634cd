//! pg_dump's selection options on `pgark backup`: for each option, the
//! archive's TOC (entries and dependencies) equals real pg_dump's given
//! the same options, and the archive restores through real pg_restore
//! into a database whose pg_dump (with the same options) equals the
//! source's.

use std::path::Path;

use pgark_testkit::{pg, pg_restore, PgVersion, TestDb};

use crate::backup::{assert_same_dump, backup, pgark_backup, toc_parity_of};
use crate::common::{fixture_db, real_dump};

/// What the restore target needs before the archive: the objects a
/// `--table` archive leaves out, or the schema of a `--data-only` one.
#[derive(Clone, Copy)]
enum Setup {
    Empty,
    Sql(&'static str),
    /// Real `pg_dump --schema-only` of the source, restored.
    SchemaOnly,
    /// Not restored: pg_dump's archive with these options does not
    /// restore either (only the TOC is compared).
    TocOnly,
}

const SHOP: Setup =
    Setup::Sql("CREATE SCHEMA shop; CREATE TYPE shop.status AS ENUM ('new', 'paid')");

/// The cases: pgark's and pg_dump's flags, and the restore target's setup.
fn cases(v: PgVersion) -> Vec<(Vec<&'static str>, Setup)> {
    let mut c = vec![
        (vec!["-t", "shop.orders", "--table", "shop.cust*"], SHOP),
        (
            vec![
                "-t",
                "\"Mixed\".\"Tab\"",
                "-t",
                "\"Mixed\".A$B",
                "-t",
                "?otes",
            ],
            Setup::Sql("CREATE SCHEMA \"Mixed\""),
        ),
        (
            vec![
                "-n",
                "shop",
                "--schema",
                "\"Mixed\"",
                "-T",
                "shop.audit_log",
            ],
            Setup::Empty,
        ),
        (
            vec![
                "-N",
                "stats",
                "--exclude-table",
                "shop.*_us",
                "--exclude-table-data",
                "shop.orders",
            ],
            // pg_dump 18 keeps pub_stats's schema membership.
            Setup::Sql("CREATE SCHEMA stats"),
        ),
        (
            vec![
                "--table-and-children",
                "shop.measure",
                "--table-and-children",
                "shop.base",
            ],
            SHOP,
        ),
        (
            vec![
                "--exclude-table-and-children",
                "shop.measure",
                "--exclude-table-data-and-children",
                "shop.base",
            ],
            Setup::Empty,
        ),
        (vec!["-s", "-b"], Setup::Empty),
        (vec!["--data-only"], Setup::SchemaOnly),
        (vec!["-a", "-n", "shop"], Setup::SchemaOnly),
        (
            vec!["--no-comments", "--no-publications", "--no-subscriptions"],
            Setup::Empty,
        ),
        (vec!["-B", "--load-via-partition-root"], Setup::Empty),
        // pg_dump 18 keeps pub_orders's table without the table: its
        // archive then fails to restore, as pg_dump's own does.
        (
            vec!["-T", "shop.orders", "-T", "shop.big_orders"],
            if v >= PgVersion::V18 {
                Setup::TocOnly
            } else {
                Setup::Empty
            },
        ),
        (vec!["-n", "stats", "-b"], Setup::Empty),
        (
            vec!["--strict-names", "-n", "s*", "-N", "nosuch"],
            Setup::Empty,
        ),
        (vec!["--acl", "-n", "shop"], Setup::Empty),
        (
            vec!["--acl", "-t", "shop.orders", "-t", "shop.customers"],
            SHOP,
        ),
        (
            vec!["--acl", "-N", "stats", "-T", "shop.measure*"],
            Setup::Sql("CREATE SCHEMA stats"),
        ),
    ];
    if v >= PgVersion::V17 {
        c.push((vec!["--exclude-extension", "pg_trgm"], Setup::Empty));
    }
    c
}

/// Plain pg_dump of `db` with `flags`, without the lines that differ
/// between runs.
fn plain(db: &TestDb, flags: &[&str]) -> String {
    let mut args = vec!["--format=plain"];
    args.extend_from_slice(flags);
    let out = pgark_testkit::pg_dump(db.server(), &db.name, &args)
        .unwrap_or_else(|e| panic!("pg_dump {flags:?} of {}: {e}", db.name));
    String::from_utf8(out)
        .expect("utf-8 dump")
        .lines()
        .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
        .map(|l| format!("{l}\n"))
        .collect()
}

/// A plain dump's object sections (each from its `-- Name:` header),
/// sorted: a source and a copy restored from a partial archive order
/// objects they do not dump differently, and with them the rest.
fn by_object(dump: &str) -> String {
    let mut sections: Vec<&str> = dump.split("\n--\n-- Name: ").collect();
    sections.sort_unstable();
    sections.join("\n--\n-- Name: ")
}

/// Restores `archive` into a fresh database prepared by `setup`: real
/// pg_restore with --exit-on-error, so any restore error fails.
fn restore(source: &TestDb, archive: &Path, setup: Setup, dir: &Path) -> TestDb {
    let copy = source.server().create_database("sel_copy");
    match setup {
        Setup::Empty | Setup::TocOnly => {}
        Setup::Sql(sql) => {
            copy.psql(sql).expect("setup SQL");
        }
        Setup::SchemaOnly => {
            let schema = real_dump(source, dir, &["--schema-only"]);
            pg_restore(&copy, &schema, &[]).expect("pg_dump's schema restores");
        }
    }
    if let Err(e) = pg_restore(&copy, archive, &[]) {
        panic!("pg_restore of {} failed: {e}", archive.display());
    }
    copy
}

fn selection(v: PgVersion) {
    let source = fixture_db(pg(v), "selection.sql");
    for (flags, setup) in cases(v) {
        // pgark's --acl is pg_dump without --no-acl.
        let mut theirs: Vec<&str> = flags.iter().copied().filter(|f| *f != "--acl").collect();
        let mut compared = theirs.clone();
        compared.push("--no-acl");
        if theirs.len() == flags.len() {
            theirs.push("--no-acl");
        }
        theirs.push("--no-owner");
        eprintln!("case {flags:?} on {v}");
        toc_parity_of(&source, &flags, &theirs);
        if matches!(setup, Setup::TocOnly) {
            continue;
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let archive = backup(&source, dir.path(), &flags);
        if flags[0] == "-t" && flags[1] == "shop.orders" {
            // The manifest records the options, long forms in a fixed order.
            let manifest = crate::common::read(&dir.path().join(format!(
                "{}.manifest.json",
                archive.file_name().expect("file name").to_string_lossy()
            )));
            let m: serde_json::Value = serde_json::from_slice(&manifest).expect("manifest JSON");
            assert_eq!(
                m["selection"],
                serde_json::json!(["--table", "shop.orders", "--table", "shop.cust*"])
            );
        }
        let copy = restore(&source, &archive, setup, dir.path());
        assert_same_dump(
            &format!("{flags:?} on {v}"),
            &by_object(&plain(&source, &compared)),
            &by_object(&plain(&copy, &compared)),
        );
    }
}

#[test]
fn selection_16() {
    selection(PgVersion::V16);
}

#[test]
fn selection_18() {
    selection(PgVersion::V18);
}

/// Patterns that match nothing, or cannot: pg_dump's errors, one line,
/// exit status 2, nothing written.
#[test]
fn selection_errors() {
    let source = fixture_db(pg(PgVersion::V18), "selection.sql");
    let dir = tempfile::tempdir().expect("temp dir");
    let to = dir.path().join("never.dump");
    for (flags, message) in [
        (vec!["-t", "nosuch"], "no matching tables were found"),
        (
            vec!["--strict-names", "-t", "shop.orders", "-t", "nosuch*"],
            "no matching tables were found for pattern \"nosuch*\"",
        ),
        (
            vec!["-n", "SHOP.x"],
            "cross-database references are not implemented: SHOP.x",
        ),
        (vec!["-n", "MIXED"], "no matching schemas were found"),
        (
            vec!["--strict-names", "-n", "shop", "-n", "nope"],
            "no matching schemas were found for pattern \"nope\"",
        ),
        (
            vec!["-t", "a.b.c.d"],
            "improper relation name (too many dotted names): a.b.c.d",
        ),
        (
            vec!["-t", "otherdb.shop.orders"],
            "cross-database references are not implemented: otherdb.shop.orders",
        ),
        (
            vec!["--exclude-extension", "a.b"],
            "improper qualified name (too many dotted names): a.b",
        ),
    ] {
        let out = pgark_backup(&source.url(), &to, &flags);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{flags:?}: {stderr}");
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| !l.starts_with("pgark: info:"))
            .collect();
        assert_eq!(errors, [format!("pgark: error: {message}")], "{flags:?}");
        assert!(!to.exists(), "{flags:?} left an archive");
        // pg_dump refuses the same patterns with the same words.
        let theirs = pgark_testkit::pg_dump(source.server(), &source.name, &flags)
            .expect_err("pg_dump refuses it too");
        assert!(theirs.contains(message), "{flags:?}: pg_dump says {theirs}");
    }
    let out = pgark_backup(&source.url(), &to, &["-s", "-a"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!to.exists());
}

/// Extension configuration rows (PostGIS's user rows in spatial_ref_sys)
/// follow pg_dump's processExtensionTables: with their extension, their
/// table's schema (`-n`) or table (`-t`), never with `-s` or when the
/// schema is excluded: the TOC equals pg_dump's.
#[test]
fn selection_extension_config_16() {
    let source = fixture_db(pg(PgVersion::V16), "postgis_app.sql");
    for flags in [
        vec!["-n", "public"],
        vec!["-t", "public.spatial_ref_sys"],
        vec!["-s"],
        vec!["-N", "public"],
        vec!["-T", "spatial_ref_sys"],
    ] {
        eprintln!("case {flags:?}");
        let mut theirs = flags.clone();
        theirs.extend(["--no-owner", "--no-acl"]);
        toc_parity_of(&source, &flags, &theirs);
    }
}
