//! The harness starts every server it promises, and they work.

use pgark_testkit::{moto, moto_with_iam, pg, PgVersion};

#[test]
fn every_postgres_version_starts_and_serves() {
    for v in PgVersion::all() {
        let server = pg(v);
        let version = server
            .psql("postgres", "SHOW server_version_num")
            .expect("psql");
        assert!(
            version.trim().starts_with(&v.major().to_string()),
            "{v}: {version}"
        );
        let db = server.create_database("smoke");
        db.psql("CREATE TABLE t AS SELECT 1 AS x")
            .expect("create table");
        assert_eq!(db.psql("SELECT x FROM t").expect("select"), "1\n");
        let out = server
            .command("pg_dump")
            .arg("--version")
            .output()
            .expect("pg_dump");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("pg_dump (PostgreSQL) {}", v.major())),
            "{text}"
        );
        // The URL carries the password: libpq clients connect with it alone.
        let out = v
            .client_command("psql")
            .args(["-X", "-A", "-t", "-c", "SELECT current_database()"])
            .arg(db.url())
            .env_remove("PGPASSWORD")
            .output()
            .expect("psql by URL");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            format!("{}\n", db.name)
        );
        // A wrong password is refused (scram on TCP, not trust).
        let bad = server.url(&db.name).replace(server.password(), "wrong");
        let out = v
            .client_command("psql")
            .arg(bad)
            .arg("-c")
            .arg("SELECT 1")
            .output()
            .expect("psql");
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("password authentication failed"));
    }
}

#[test]
fn extensions_the_fixtures_need_are_installed() {
    let db = pg(PgVersion::V15).create_database("postgis");
    db.psql("CREATE EXTENSION postgis").expect("PostGIS on 15");
    assert_eq!(
        db.psql("SELECT ST_AsText(ST_GeomFromText('POINT(2.349 48.864)', 4326))")
            .expect("postgis"),
        "POINT(2.349 48.864)\n"
    );
    let db = pg(PgVersion::V16).create_database("postgis");
    db.psql("CREATE EXTENSION postgis_topology CASCADE")
        .expect("PostGIS topology on 16");
    db.psql("CREATE EXTENSION postgis_tiger_geocoder CASCADE")
        .expect("PostGIS tiger geocoder on 16");
    assert_eq!(
        db.psql("SELECT postgis_lib_version()").expect("postgis"),
        "3.5.2\n"
    );
    let db = pg(PgVersion::V16).create_database("vector");
    db.psql("CREATE EXTENSION vector").expect("pgvector on 16");
}

#[test]
fn moto_enforces_a_write_only_policy() {
    let shared = moto();
    shared.create_bucket("smoke-shared");
    let listed = shared
        .python("import boto3\nprint([b['Name'] for b in boto3.client('s3').list_buckets()['Buckets']])")
        .expect("list buckets");
    assert!(listed.contains("smoke-shared"), "{listed}");

    // IAM is enforced after the setup calls (bucket, user, policy, key).
    let s3 = moto_with_iam(4);
    s3.create_bucket("backups");
    let policy = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        "Resource": "arn:aws:s3:::backups/*"}]}"#;
    let (key, secret) = s3.create_user("writer", policy);
    let script = format!(
        "import boto3, botocore\n\
         s3 = boto3.client('s3', aws_access_key_id={key:?}, aws_secret_access_key={secret:?})\n\
         s3.put_object(Bucket='backups', Key='a', Body=b'x')\n\
         try:\n    s3.get_object(Bucket='backups', Key='a')\n    print('read allowed')\n\
         except botocore.exceptions.ClientError as e:\n    print(e.response['Error']['Code'])\n"
    );
    assert_eq!(
        s3.python(&script).expect("write-only user"),
        "AccessDenied\n"
    );
}
