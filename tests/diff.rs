//! `pgark diff`: a fixture backed up before and after a migration script,
//! compared from files (with and without manifests) and from S3.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use pgark_testkit::{pg, PgVersion};

use crate::backup::backup;
use crate::common::{fixture_db, pgark_s3};

/// What the migration does: a table created, a table dropped, a column's
/// type altered, a function's body changed, rows inserted into one table.
const MIGRATION: &str = r#"
CREATE TABLE app.audit (id bigint PRIMARY KEY, msg text);
DROP TABLE app.cache;
ALTER TABLE app.events ALTER COLUMN payload TYPE varchar(500);
CREATE OR REPLACE FUNCTION app.add(a integer, b integer) RETURNS integer
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$ SELECT b + a $$;
INSERT INTO "Odd ""Schema""".";select" VALUES ('z', 3, 4), ('w', 5, 6);
"#;

/// Exactly what the migration touched: the two tables with their primary
/// keys, the altered table, the function, and the row counts.
const EXPECTED: &str = r#"added TABLE app.audit
added CONSTRAINT app.audit audit_pkey
dropped TABLE app.cache
dropped CONSTRAINT app.cache cache_pkey
changed FUNCTION app.add(integer, integer)
changed TABLE app.events
rows Odd "Schema".;select: 2 -> 4
rows app.audit: - -> 0
rows app.cache: 1 -> -
"#;

fn pgark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .output()
        .expect("run pgark")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// Runs `pgark diff ARGS`, requires `code`, returns stdout.
fn diff_ok(out: Output, code: i32, what: &str) -> String {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}: stderr {}",
        text(&out.stderr)
    );
    assert!(out.stderr.is_empty(), "{what}: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn diff_lists_exactly_what_a_migration_touched() {
    let db = fixture_db(pg(PgVersion::V16), "schema_basics.sql");
    let dirs = [(); 2].map(|_| tempfile::tempdir().expect("temp dir"));
    let sealed = [(); 2].map(|_| tempfile::tempdir().expect("temp dir"));
    let (identity, public) = crate::encrypt::keypair(sealed[0].path(), "diff");
    let before = backup(&db, dirs[0].path(), &[]);
    let enc_before = crate::encrypt::encrypted_backup(&db, sealed[0].path(), &public);
    db.psql(MIGRATION).expect("migration runs");
    let after = backup(&db, dirs[1].path(), &[]);
    let enc_after = crate::encrypt::encrypted_backup(&db, sealed[1].path(), &public);
    let (a, b) = (path(&before), path(&after));

    // Rows from the manifests beside the archives.
    let got = diff_ok(pgark(&["diff", a, b]), 0, "with manifests");
    assert_eq!(got, EXPECTED);
    let exit = pgark(&["diff", "--exit-code", a, b]);
    assert_eq!(diff_ok(exit, 1, "--exit-code"), EXPECTED);
    // A backup compared with itself: nothing, also with --exit-code.
    assert_eq!(
        diff_ok(pgark(&["diff", "--exit-code", a, a]), 0, "same"),
        ""
    );

    // The JSON: the same differences, with both definitions.
    let json = diff_ok(pgark(&["diff", "--json", a, b]), 0, "--json");
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let d = &doc["diff"];
    assert_eq!(doc["a"], a);
    assert_eq!(d["rows_from"], serde_json::json!(["manifest", "manifest"]));
    let names = |k: &str| -> Vec<String> {
        d[k].as_array()
            .expect("a list")
            .iter()
            .map(|o| format!("{} {}", o["desc"], o["tag"]))
            .collect()
    };
    assert_eq!(
        names("added"),
        [r#""TABLE" "audit""#, r#""CONSTRAINT" "audit audit_pkey""#]
    );
    assert_eq!(
        names("dropped"),
        [r#""TABLE" "cache""#, r#""CONSTRAINT" "cache cache_pkey""#]
    );
    let f = &d["changed"][0];
    assert_eq!(f["tag"], "add(integer, integer)");
    let defn = |side: &str| f[side][0].as_str().expect("a definition").to_owned();
    assert!(defn("before").contains("SELECT a + b"), "{f}");
    assert!(defn("after").contains("SELECT b + a"), "{f}");
    let t = &d["changed"][1];
    assert!(
        t["after"][0]
            .as_str()
            .expect("defn")
            .contains("character varying(500)"),
        "{t}"
    );
    assert_eq!(
        d["rows"][0],
        serde_json::json!({"schema": "Odd \"Schema\"", "table": ";select", "before": 2, "after": 4})
    );

    // From S3: the archive before with its manifest (only its TOC is
    // read), the one after without (read whole, its rows counted).
    let moto = pgark_testkit::moto();
    let bucket = "diff-migration";
    moto.create_bucket(bucket);
    let manifest_a = format!("{a}.manifest.json");
    moto.python(&format!(
        "import boto3\n\
         s3 = boto3.client('s3')\n\
         s3.upload_file({a:?}, {bucket:?}, 'app/before.dump')\n\
         s3.upload_file({manifest_a:?}, {bucket:?}, 'app/before.dump.manifest.json')\n\
         s3.upload_file({b:?}, {bucket:?}, 'app/after.dump')\n"
    ))
    .expect("upload");
    let (k, s) = moto.admin_credentials();
    let (ka, kb) = (
        format!("s3://{bucket}/app/before.dump"),
        format!("s3://{bucket}/app/after.dump"),
    );
    let out = pgark_s3(&moto.endpoint(), (&k, &s), &["diff", &ka, &kb]);
    assert_eq!(diff_ok(out, 0, "s3"), EXPECTED);
    let out = pgark_s3(&moto.endpoint(), (&k, &s), &["diff", "--json", &ka, &kb]);
    let doc: serde_json::Value = serde_json::from_str(&diff_ok(out, 0, "s3 json")).expect("JSON");
    assert_eq!(
        doc["diff"]["rows_from"],
        serde_json::json!(["manifest", "archive"])
    );
    let missing = format!("s3://{bucket}/app/missing.dump");
    let out = pgark_s3(&moto.endpoint(), (&k, &s), &["diff", &ka, &missing]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("missing.dump"),
        "{}",
        text(&out.stderr)
    );

    // Without manifests the rows are counted in the archives: same report.
    for p in [&before, &after] {
        fs::remove_file(format!("{}.manifest.json", p.display())).expect("manifest removed");
    }
    assert_eq!(diff_ok(pgark(&["diff", a, b]), 0, "no manifests"), EXPECTED);
    let json = diff_ok(pgark(&["diff", "--json", a, b]), 0, "--json");
    assert!(json.contains("\"archive\""), "{json}");

    // Errors: one line and the documented status, never a diff.
    let missing = dirs[0].path().join("missing.dump");
    let out = pgark(&["diff", a, path(&missing)]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let bytes = fs::read(&after).expect("read archive");
    let cut = dirs[1].path().join("cut.dump");
    fs::write(&cut, &bytes[..bytes.len() - 100]).expect("write");
    let out = pgark(&["diff", a, path(&cut)]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).starts_with(&format!("pgark: error: {}: archive truncated", path(&cut))),
        "names the archive: {}",
        text(&out.stderr)
    );
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    let out = pgark(&["diff", "-", "-"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));

    // Encrypted archives, their row counts in sealed manifests: with the
    // identity the same report; without it, exit 5 and one line.
    let (ea, eb) = (path(&enc_before), path(&enc_after));
    let id = path(&identity);
    let out = pgark(&["diff", "--json", "--identity", id, ea, eb]);
    let doc: serde_json::Value = serde_json::from_str(&diff_ok(out, 0, "sealed")).expect("JSON");
    assert_eq!(
        doc["diff"]["rows_from"],
        serde_json::json!(["manifest", "manifest"])
    );
    let out = pgark(&["diff", "--identity", id, ea, eb]);
    assert_eq!(diff_ok(out, 0, "sealed"), EXPECTED);
    let out = pgark(&["diff", ea, eb]);
    assert_eq!(out.status.code(), Some(5), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stderr).lines().count(),
        1,
        "{}",
        text(&out.stderr)
    );
}
