//! `pgark backup --globals` and `pgark restore --globals`: an archive with
//! owners and privileges (`--acl`) restored into a fresh server, whose
//! roles, memberships, settings and tablespace come from the globals file,
//! gives a database whose plain pg_dump equals the source's; passwords
//! travel only when the backup's role could read them.

use std::path::Path;
use std::process::{Command, Output};

use pgark_testkit::{moto, pg_private, PgServer, PgVersion, TestDb};

use crate::backup::{assert_same_dump, plain_dump};

/// A server for this test alone (roles are cluster-wide), stopped when the
/// test process exits.
fn fresh_server(v: PgVersion) -> &'static PgServer {
    Box::leak(Box::new(pg_private(v)))
}

/// Roles of every kind, objects owned by several of them with grants, a
/// table in an in-place tablespace, the database's own grants and
/// settings, and a backup role that is no superuser and cannot read pg_authid.
const SOURCE_CLUSTER: &str = "
CREATE ROLE app_owner NOLOGIN;
CREATE ROLE app_rw LOGIN PASSWORD 'rw-secret' CONNECTION LIMIT 5;
CREATE ROLE app_ro LOGIN PASSWORD 'ro-secret' VALID UNTIL '2099-01-01 00:00:00+00';
CREATE ROLE readers NOLOGIN NOINHERIT;
CREATE ROLE \"Mixed Case\" NOLOGIN CREATEDB;
COMMENT ON ROLE readers IS 'read-only group';
GRANT readers TO app_ro WITH ADMIN OPTION;
ALTER TABLESPACE ts_fast OWNER TO app_owner;
ALTER TABLESPACE ts_fast SET (random_page_cost = 1.1);
GRANT CREATE ON TABLESPACE ts_fast TO app_rw;
GRANT SET ON PARAMETER work_mem TO app_rw;
GRANT ALTER SYSTEM ON PARAMETER log_min_duration_statement TO app_owner WITH GRANT OPTION;
ALTER ROLE app_rw SET statement_timeout = '5s';
ALTER ROLE app_ro SET search_path = app, public;
CREATE ROLE backup_user LOGIN PASSWORD 'backup-secret';
";

fn source_objects(db: &str) -> String {
    format!(
        "
GRANT readers TO \"Mixed Case\" GRANTED BY app_ro;
GRANT app_rw TO app_owner;
CREATE SCHEMA app AUTHORIZATION app_owner;
CREATE TABLE app.orders (id int PRIMARY KEY, note text) TABLESPACE ts_fast;
ALTER TABLE app.orders OWNER TO app_owner;
INSERT INTO app.orders SELECT g, 'n' || g FROM generate_series(1, 50) g;
GRANT SELECT ON app.orders TO readers;
GRANT SELECT, INSERT, UPDATE ON app.orders TO app_rw;
CREATE TABLE public.\"Audit\" (at timestamptz, what text);
ALTER TABLE public.\"Audit\" OWNER TO \"Mixed Case\";
GRANT INSERT ON public.\"Audit\" TO app_rw WITH GRANT OPTION;
CREATE FUNCTION app.total() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM app.orders';
ALTER FUNCTION app.total() OWNER TO app_rw;
REVOKE EXECUTE ON FUNCTION app.total() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app.total() TO app_ro;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA app GRANT SELECT ON TABLES TO readers;
ALTER DATABASE \"{db}\" OWNER TO app_owner;
GRANT CONNECT, TEMPORARY ON DATABASE \"{db}\" TO app_ro;
REVOKE TEMPORARY ON DATABASE \"{db}\" FROM PUBLIC;
ALTER DATABASE \"{db}\" SET work_mem = '8MB';
ALTER ROLE app_ro IN DATABASE \"{db}\" SET work_mem = '16MB';
-- What the backup role reads (not pg_read_all_data: that reads pg_authid).
GRANT USAGE ON SCHEMA app TO backup_user;
GRANT SELECT ON ALL TABLES IN SCHEMA app, public TO backup_user;
"
    )
}

/// The source cluster: its tablespace (in place, so that a second server
/// on this machine can create it too) and roles.
fn make_source(v: PgVersion) -> &'static PgServer {
    let source = fresh_server(v);
    let out = source
        .command("psql")
        .env("PGOPTIONS", "-c allow_in_place_tablespaces=on")
        .args(["-X", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c"])
        .arg("CREATE TABLESPACE ts_fast LOCATION ''")
        .output()
        .expect("psql runs");
    ok("CREATE TABLESPACE", out);
    sql(source, "postgres", SOURCE_CLUSTER);
    source
}

fn pgark(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(args)
        .env_remove("DATABASE_URL")
        .output()
        .expect("pgark runs")
}

fn ok(what: &str, out: Output) -> String {
    assert!(
        out.status.success(),
        "{what} failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn sql(server: &PgServer, db: &str, q: &str) -> String {
    server
        .psql(db, q)
        .unwrap_or_else(|e| panic!("{q} on {}: {e}", server.version()))
}

/// The target URL with in-place tablespaces allowed (the source's
/// tablespace is one; only a superuser's session may set this).
fn target_url(db: &TestDb) -> String {
    format!("{}?options=-c%20allow_in_place_tablespaces%3Don", db.url())
}

/// Everything the globals carry, with the database's name left out.
fn cluster_state(server: &PgServer, db: &str) -> String {
    sql(
        server,
        db,
        "SELECT 'role', rolname, rolsuper, rolinherit, rolcreaterole, rolcreatedb, rolcanlogin, \
                rolreplication, rolbypassrls, rolconnlimit, rolvaliduntil, \
                shobj_description(oid, 'pg_authid') \
         FROM pg_roles WHERE rolname !~ '^pg_' ORDER BY 2",
    ) + &sql(
        server,
        db,
        "SELECT 'member', r.rolname, m.rolname, g.rolname, a.admin_option, \
                to_jsonb(a) ->> 'inherit_option', to_jsonb(a) ->> 'set_option' \
         FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid \
         JOIN pg_roles m ON m.oid = a.member JOIN pg_roles g ON g.oid = a.grantor \
         WHERE NOT (r.rolname ~ '^pg_' AND m.rolname ~ '^pg_') ORDER BY 2, 3, 4",
    ) + &sql(
        server,
        db,
        "SELECT 'setting', r.rolname, s.setdatabase = 0, s.setconfig \
         FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole \
         WHERE s.setdatabase IN (0, (SELECT oid FROM pg_database WHERE datname = current_database())) \
         ORDER BY 2, 3",
    ) + &sql(
        server,
        db,
        // ACL items as sets: pg_dump's REVOKE-then-GRANT keeps their
        // meaning, not their order.
        "SELECT 'database', pg_get_userbyid(datdba), \
                ARRAY(SELECT a::text FROM unnest(datacl) a ORDER BY 1), \
                (SELECT setconfig FROM pg_db_role_setting WHERE setrole = 0 AND setdatabase = d.oid) \
         FROM pg_database d WHERE datname = current_database()",
    ) + &sql(
        server,
        db,
        "SELECT 'tablespace', spcname, pg_get_userbyid(spcowner), \
                ARRAY(SELECT a::text FROM unnest(spcacl) a ORDER BY 1), spcoptions \
         FROM pg_tablespace WHERE spcname !~ '^pg_' ORDER BY 2",
    ) + &sql(
        server,
        db,
        "SELECT 'parameter', parname, ARRAY(SELECT a::text FROM unnest(paracl) a ORDER BY 1) \
         FROM pg_parameter_acl ORDER BY 2",
    )
}

fn password_of(server: &PgServer, role: &str) -> String {
    sql(
        server,
        "postgres",
        &format!("SELECT coalesce(rolpassword, '<null>') FROM pg_authid WHERE rolname = '{role}'"),
    )
    .trim()
    .to_owned()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn restores_roles_and_grants_into_fresh_servers(v: PgVersion) {
    let source = make_source(v);
    let db = source.create_database("globals_src");
    sql(source, &db.name, &source_objects(&db.name));
    let dir = tempfile::tempdir().expect("temp dir");
    let as_super = dir.path().join("super.dump");
    let as_backup_user = dir.path().join("backup_user.dump");
    let backup_user_url = format!(
        "postgresql://backup_user:backup-secret@127.0.0.1:{}/{}",
        source.port(),
        db.name
    );
    for (url, path) in [(db.url(), &as_super), (backup_user_url, &as_backup_user)] {
        ok(
            "pgark backup --acl --globals",
            pgark(&[
                "backup",
                "--database-url",
                &url,
                "--to",
                path.to_str().expect("utf-8 path"),
                "--acl",
                "--globals",
            ]),
        );
    }
    // The globals files, beside the archives and in their manifests.
    let super_globals = dir.path().join("super.dump.globals.sql");
    let user_globals = dir.path().join("backup_user.dump.globals.sql");
    let with_passwords = read(&super_globals);
    let without = read(&user_globals);
    assert!(with_passwords.contains("-- Passwords: included"));
    assert!(with_passwords.contains(" PASSWORD 'SCRAM-SHA-256$"));
    assert!(without.contains("-- Passwords: NOT included"), "{without}");
    assert!(!without.contains("PASSWORD"), "{without}");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("backup_user.dump.manifest.json")))
            .expect("manifest JSON");
    assert_eq!(
        manifest["globals"]["location"],
        user_globals.display().to_string()
    );
    assert_eq!(manifest["globals"]["passwords"], false);
    let digest = sha256_hex(without.as_bytes());
    assert_eq!(manifest["globals"]["sha256"], digest);

    let source_dump = plain_dump(&db);
    let source_state = cluster_state(source, &db.name);

    // A fresh server: the non-superuser's backup, with the globals beside
    // it. Roles come without passwords.
    let target = fresh_server(v);
    let copy = target.create_database("globals_copy");
    let out = pgark(&[
        "restore",
        as_backup_user.to_str().expect("utf-8 path"),
        "-d",
        &target_url(&copy),
        "--globals",
        "--exit-on-error",
    ]);
    ok("pgark restore --globals", out);
    assert_same_dump(
        &format!("{v} restored with globals"),
        &source_dump,
        &plain_dump(&copy),
    );
    assert_eq!(
        cluster_state(target, &copy.name),
        source_state,
        "{v}: roles, memberships, settings, database grants, tablespace"
    );
    assert_eq!(password_of(target, "app_rw"), "<null>");
    assert_eq!(password_of(target, "app_ro"), "<null>");

    // Again over the roles that now exist (the superuser's globals this
    // time): skipped, not altered; the restore succeeds.
    let again = target.create_database("globals_again");
    ok(
        "second pgark restore --globals",
        pgark(&[
            "restore",
            as_super.to_str().expect("utf-8 path"),
            "-d",
            &target_url(&again),
            "--globals",
            super_globals.to_str().expect("utf-8 path"),
            "--exit-on-error",
        ]),
    );
    assert_same_dump(
        &format!("{v} restored again over existing roles"),
        &source_dump,
        &plain_dump(&again),
    );
    assert_eq!(password_of(target, "app_rw"), "<null>");

    // Another fresh server, the superuser's backup restored with
    // --create (the database's grants applied to the database created):
    // the password hashes travel, and log in.
    let target2 = fresh_server(v);
    let maintenance = format!(
        "{}?options=-c%20allow_in_place_tablespaces%3Don",
        target2.url("postgres")
    );
    ok(
        "pgark restore --create --globals (passwords)",
        pgark(&[
            "restore",
            as_super.to_str().expect("utf-8 path"),
            "-d",
            &maintenance,
            "--create",
            "--globals",
            "--exit-on-error",
        ]),
    );
    let created = pgark_testkit::pg_dump(target2, &db.name, &["--format=plain"])
        .unwrap_or_else(|e| panic!("pg_dump of the created database: {e}"));
    let created: String = String::from_utf8_lossy(&created)
        .lines()
        .filter(|l| !l.starts_with("\\restrict ") && !l.starts_with("\\unrestrict "))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_same_dump(
        &format!("{v} restored with --create"),
        &source_dump,
        &created,
    );
    assert_eq!(cluster_state(target2, &db.name), source_state);
    assert_eq!(
        password_of(target2, "app_rw"),
        password_of(source, "app_rw")
    );
    assert!(password_of(target2, "app_rw").starts_with("SCRAM-SHA-256$"));
    let login = Command::new(v.tool("psql"))
        .args(["-X", "-A", "-t", "-c", "SELECT current_user"])
        .arg(format!(
            "postgresql://app_rw:rw-secret@127.0.0.1:{}/{}",
            target2.port(),
            db.name
        ))
        .output()
        .expect("psql runs");
    assert_eq!(
        String::from_utf8_lossy(&login.stdout).trim(),
        "app_rw",
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn restores_roles_and_grants_into_fresh_servers_16() {
    restores_roles_and_grants_into_fresh_servers(PgVersion::V16);
}

#[test]
fn restores_roles_and_grants_into_fresh_servers_18() {
    restores_roles_and_grants_into_fresh_servers(PgVersion::V18);
}

/// To S3: the globals object beside the archive, complete (no upload
/// left), recorded in the manifest, and picked up by `restore --globals`
/// without a file.
#[test]
fn globals_beside_an_s3_archive() {
    let v = PgVersion::V16;
    let moto = moto();
    let bucket = "pgark-globals";
    moto.create_bucket(bucket);
    let source = make_source(v);
    let db = source.create_database("globals_s3");
    sql(source, &db.name, &source_objects(&db.name));
    let creds = moto.admin_credentials();
    let out = crate::common::pgark_s3(
        &moto.endpoint(),
        (&creds.0, &creds.1),
        &[
            "backup",
            "--database-url",
            &db.url(),
            "--to",
            &format!("s3://{bucket}/nightly/"),
            "--acl",
            "--globals",
        ],
    );
    ok("pgark backup --globals to S3", out.clone());
    let archive = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    let keys = moto
        .python(&format!(
            "import boto3\ns3 = boto3.client('s3')\n\
             print('\\n'.join(o['Key'] for o in s3.list_objects_v2(Bucket='{bucket}').get('Contents', [])))\n\
             print('uploads', len(s3.list_multipart_uploads(Bucket='{bucket}').get('Uploads', [])))"
        ))
        .expect("listing the bucket");
    let key = archive
        .strip_prefix(&format!("s3://{bucket}/"))
        .unwrap_or_else(|| panic!("archive {archive:?} not in the bucket"));
    assert!(
        keys.lines().any(|k| k == format!("{key}.globals.sql")),
        "{keys}"
    );
    assert!(keys.contains("uploads 0"), "{keys}");
    let manifest = moto
        .python(&format!(
            "import boto3\nprint(boto3.client('s3').get_object(Bucket='{bucket}', \
             Key='{key}.manifest.json')['Body'].read().decode())"
        ))
        .expect("reading the manifest");
    let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("manifest JSON");
    assert_eq!(
        manifest["globals"]["location"],
        format!("s3://{bucket}/{key}.globals.sql")
    );

    let target = fresh_server(v);
    let copy = target.create_database("globals_s3_copy");
    ok(
        "pgark restore --globals from S3",
        crate::common::pgark_s3(
            &moto.endpoint(),
            (&creds.0, &creds.1),
            &[
                "restore",
                &archive,
                "-d",
                &target_url(&copy),
                "--globals",
                "--exit-on-error",
            ],
        ),
    );
    assert_same_dump(
        "restored from S3 with globals",
        &plain_dump(&db),
        &plain_dump(&copy),
    );
    assert_eq!(
        cluster_state(target, &copy.name),
        cluster_state(source, &db.name)
    );
}
