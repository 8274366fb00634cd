//! Connections as libpq makes them: `sslmode` against a server with a
//! self-signed certificate (the harness's `pg_ssl`), the `PG*` variables
//! and the password file, in the library and through `pgark backup`.

use std::collections::HashMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

use pgark::db::{ConnectOptions, SessionInfo, SslMode};
use pgark_testkit::{pg, pg_ssl, PgServer, PgVersion};

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// An environment holding only `vars` (no HOME: no ~/.pgpass, no
/// ~/.postgresql/root.crt).
fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |k| map.get(k).cloned()
}

/// Resolves `url` in the environment `vars`.
fn options(url: &str, vars: &[(&str, &str)]) -> Result<ConnectOptions, String> {
    ConnectOptions::from_url_with_env(url, env_of(vars)).map_err(|e| e.to_string())
}

/// Opens a session and reads, from the server's side, what it is.
fn session(url: &str, vars: &[(&str, &str)]) -> Result<SessionInfo, String> {
    let opts = options(url, vars)?;
    rt().block_on(opts.check()).map_err(|e| e.to_string())
}

/// Whether the session `url` opens uses TLS (`pg_stat_ssl`).
fn uses_ssl(url: &str, vars: &[(&str, &str)]) -> Result<bool, String> {
    session(url, vars).map(|s| s.ssl)
}

/// `user database application_name` of the session `url` opens.
fn who(url: &str, vars: &[(&str, &str)]) -> Result<String, String> {
    session(url, vars).map(|s| format!("{} {} {}", s.user, s.database, s.application_name))
}

/// `postgresql://postgres:PW@HOST:PORT/postgres?QUERY`.
fn url(server: &PgServer, host: &str, query: &str) -> String {
    format!(
        "postgresql://postgres:{}@{host}:{}/postgres{}{query}",
        server.password(),
        server.port(),
        if query.is_empty() { "" } else { "?" }
    )
}

/// The error of a connection that must fail: one line, no password.
fn failure(server: &PgServer, result: Result<bool, String>) -> String {
    let e = match result {
        Ok(ssl) => panic!("connected (ssl = {ssl}) where it must fail"),
        Err(e) => e,
    };
    assert!(!e.contains('\n'), "more than one line: {e}");
    assert!(
        !e.contains(server.password()),
        "the password is in the message: {e}"
    );
    e
}

#[test]
fn sslmodes_against_a_server_with_a_self_signed_certificate_15() {
    sslmodes(PgVersion::V15);
}

#[test]
fn sslmodes_against_a_server_with_a_self_signed_certificate_16() {
    sslmodes(PgVersion::V16);
}

#[test]
fn sslmodes_against_a_server_with_a_self_signed_certificate_17() {
    sslmodes(PgVersion::V17);
}

#[test]
fn sslmodes_against_a_server_with_a_self_signed_certificate_18() {
    sslmodes(PgVersion::V18);
}

/// Every `sslmode`, the root certificate settings and channel binding
/// against `version`'s TLS server.
fn sslmodes(version: PgVersion) {
    let server = pg_ssl(version);
    assert_eq!(
        server.psql("postgres", "SHOW ssl"),
        Ok("on\n".to_string()),
        "PostgreSQL {version}'s TLS server"
    );
    let certs = server.ssl().expect("ssl server has certificates");
    let ca = certs.ca.display().to_string();
    let other = certs.other_ca.display().to_string();

    // No verification: any host, TLS or not as asked.
    assert_eq!(
        uses_ssl(&url(server, "127.0.0.1", "sslmode=require"), &[]),
        Ok(true)
    );
    assert_eq!(
        uses_ssl(&url(server, "127.0.0.1", "sslmode=disable"), &[]),
        Ok(false)
    );
    assert_eq!(
        uses_ssl(&url(server, "127.0.0.1", "sslmode=prefer"), &[]),
        Ok(true)
    );
    assert_eq!(
        uses_ssl(&url(server, "127.0.0.1", ""), &[]),
        Ok(true),
        "prefer is the default"
    );
    assert_eq!(
        uses_ssl(&url(server, "127.0.0.1", "sslmode=allow"), &[]),
        Ok(false)
    );

    // verify-full: the chain and the name.
    let full = format!("sslmode=verify-full&sslrootcert={ca}");
    assert_eq!(uses_ssl(&url(server, "localhost", &full), &[]), Ok(true));
    let e = failure(server, uses_ssl(&url(server, "127.0.0.1", &full), &[]));
    assert!(
        e.contains("sslmode=verify-full")
            && e.contains(
                "server certificate for \"localhost\" does not match host name \"127.0.0.1\""
            ),
        "{e}"
    );
    let e = failure(
        server,
        uses_ssl(
            &url(
                server,
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={other}"),
            ),
            &[],
        ),
    );
    assert!(
        e.contains("sslmode=verify-full: certificate verify failed"),
        "{e}"
    );

    // verify-ca: the chain only, so 127.0.0.1 is fine, a wrong CA is not.
    let ca_only = format!("sslmode=verify-ca&sslrootcert={ca}");
    assert_eq!(uses_ssl(&url(server, "127.0.0.1", &ca_only), &[]), Ok(true));
    let e = failure(
        server,
        uses_ssl(
            &url(
                server,
                "127.0.0.1",
                &format!("sslmode=verify-ca&sslrootcert={other}"),
            ),
            &[],
        ),
    );
    assert!(
        e.contains("sslmode=verify-ca: certificate verify failed")
            && e.contains("not signed by a CA in")
            && e.contains("other-ca.crt"),
        "{e}"
    );

    // libpq: with a root certificate file, require checks the chain too,
    // and prefer falls back to a plain connection when TLS fails.
    let e = failure(
        server,
        uses_ssl(
            &url(
                server,
                "127.0.0.1",
                &format!("sslmode=require&sslrootcert={other}"),
            ),
            &[],
        ),
    );
    assert!(
        e.contains("sslmode=require: certificate verify failed"),
        "{e}"
    );
    assert_eq!(
        uses_ssl(
            &url(server, "127.0.0.1", &format!("sslrootcert={other}")),
            &[]
        ),
        Ok(false)
    );
    // ... and a root file that does not exist is no error below verify-ca.
    assert_eq!(
        uses_ssl(
            &url(
                server,
                "127.0.0.1",
                "sslmode=require&sslrootcert=/nonexistent.crt"
            ),
            &[]
        ),
        Ok(true)
    );
    let e = options(
        &url(
            server,
            "localhost",
            "sslmode=verify-full&sslrootcert=/nonexistent.crt",
        ),
        &[],
    )
    .err()
    .unwrap_or_default();
    assert!(
        e.contains("root certificate file \"/nonexistent.crt\" does not exist"),
        "{e}"
    );
    let e = options(
        &url(server, "localhost", "sslmode=require&sslrootcert=system"),
        &[],
    )
    .err()
    .unwrap_or_default();
    assert!(
        e.contains("weak sslmode \"require\" may not be used with sslrootcert=system"),
        "{e}"
    );
    assert_eq!(
        options(&url(server, "localhost", "sslrootcert=system"), &[]).map(|o| o.ssl_mode()),
        Ok(SslMode::VerifyFull)
    );
    let e = options(&url(server, "localhost", "sslmode=verify_full"), &[])
        .err()
        .unwrap_or_default();
    assert!(e.contains("invalid sslmode value"), "{e}");

    // The same settings from PGSSLMODE and PGSSLROOTCERT; the URL wins over them.
    let env = [("PGSSLMODE", "verify-full"), ("PGSSLROOTCERT", ca.as_str())];
    assert_eq!(uses_ssl(&url(server, "localhost", ""), &env), Ok(true));
    failure(server, uses_ssl(&url(server, "127.0.0.1", ""), &env));
    assert_eq!(
        uses_ssl(&url(server, "127.0.0.1", "sslmode=disable"), &env),
        Ok(false)
    );

    // SCRAM-SHA-256-PLUS: the TLS channel binding is the server's certificate hash.
    assert_eq!(
        uses_ssl(
            &url(
                server,
                "localhost",
                &format!("{full}&channel_binding=require")
            ),
            &[]
        ),
        Ok(true)
    );
    failure(
        server,
        uses_ssl(
            &url(
                server,
                "127.0.0.1",
                "sslmode=disable&channel_binding=require",
            ),
            &[],
        ),
    );
}

#[test]
fn require_against_a_server_without_ssl_fails_clearly() {
    let server = pg(PgVersion::V15);
    for mode in ["require", "verify-ca", "verify-full"] {
        let e = failure(
            server,
            uses_ssl(
                &url(
                    server,
                    "localhost",
                    &format!("sslmode={mode}&sslrootcert={}", ca_file()),
                ),
                &[],
            ),
        );
        assert!(
            e.contains(&format!("server does not support SSL, but sslmode={mode}"))
                && e.contains("cannot connect to postgres@localhost"),
            "{e}"
        );
    }
    assert_eq!(uses_ssl(&url(server, "127.0.0.1", ""), &[]), Ok(false));
}

/// A CA file for modes that need one; the SSL server's.
fn ca_file() -> String {
    let server = pg_ssl(PgVersion::V15);
    server.ssl().expect("certificates").ca.display().to_string()
}

#[test]
fn environment_fills_what_the_url_leaves_out() {
    let server = pg(PgVersion::V15);
    let port = server.port().to_string();
    let env = [
        ("PGHOST", "127.0.0.1"),
        ("PGPORT", port.as_str()),
        ("PGUSER", "postgres"),
        ("PGPASSWORD", server.password()),
        ("PGDATABASE", "template1"),
        ("PGAPPNAME", "from-env"),
    ];
    assert_eq!(
        who("postgresql://", &env).as_deref(),
        Ok("postgres template1 from-env")
    );
    assert_eq!(who("", &env).as_deref(), Ok("postgres template1 from-env"));
    assert_eq!(
        who("dbname=postgres application_name='a b'", &env).as_deref(),
        Ok("postgres postgres a b")
    );
    // The URL wins; pgark is the fallback application name.
    let wrong = [
        ("PGHOST", "192.0.2.1"),
        ("PGPORT", "1"),
        ("PGUSER", "nobody"),
        ("PGPASSWORD", "wrong"),
        ("PGDATABASE", "nothing"),
    ];
    assert_eq!(
        who(&url(server, "127.0.0.1", ""), &wrong).as_deref(),
        Ok("postgres postgres pgark")
    );
    let o = options("postgresql:///db", &env).expect("options");
    assert_eq!(
        o.target().to_string(),
        format!("postgres@127.0.0.1:{port}/db")
    );
    assert!(format!("{o:?}").find(server.password()).is_none(), "{o:?}");
}

#[test]
fn password_file_supplies_the_password() {
    let server = pg(PgVersion::V15);
    let dir = tempfile::tempdir().expect("temp dir");
    let port = server.port().to_string();
    let env_for = |file: &Path| {
        vec![
            ("PGHOST".to_owned(), "127.0.0.1".to_owned()),
            ("PGPORT".to_owned(), port.clone()),
            ("PGUSER".to_owned(), "postgres".to_owned()),
            ("PGPASSFILE".to_owned(), file.display().to_string()),
        ]
    };
    let user = |vars: &[(String, String)]| session("dbname=postgres", &refs(vars)).map(|s| s.user);
    let write = |name: &str, text: &str, mode: u32| {
        let path = dir.path().join(name);
        fs::write(&path, text).expect("write pgpass");
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).expect("chmod");
        path
    };
    let pw = server.password();
    let good = write(
        "pgpass",
        &format!(
            "# comment\n127.0.0.1:{port}:other:postgres:wrong\n127.0.0.1:{port}:*:postgres:{pw}\n"
        ),
        0o600,
    );
    let vars = env_for(&good);
    assert_eq!(user(&vars).as_deref(), Ok("postgres"));
    let o = options("dbname=postgres", &refs(&vars)).expect("options");
    assert_eq!(o.password_file(), Some(good.as_path()));
    assert!(o.warnings().is_empty());

    // ~/.pgpass when PGPASSFILE is not set; wildcards.
    let home = dir.path().join("home");
    fs::create_dir(&home).expect("home");
    fs::write(home.join(".pgpass"), format!("*:*:*:postgres:{pw}\n")).expect("write");
    fs::set_permissions(home.join(".pgpass"), fs::Permissions::from_mode(0o600)).expect("chmod");
    let mut vars = env_for(&good);
    vars.retain(|(k, _)| k != "PGPASSFILE");
    vars.push(("HOME".into(), home.display().to_string()));
    assert_eq!(user(&vars).as_deref(), Ok("postgres"));

    // A wrong password from the file is named as coming from it.
    let bad = write("pgpass-bad", "*:*:*:*:not-the-password\n", 0o600);
    let e = failure(server, user(&env_for(&bad)).map(|_| true));
    assert!(
        e.contains("password authentication failed")
            && e.contains(&format!(
                "password retrieved from file \"{}\"",
                bad.display()
            )),
        "{e}"
    );

    // Group-readable: ignored with libpq's warning, so no password at all.
    let open = write("pgpass-open", &format!("*:*:*:*:{pw}\n"), 0o640);
    let vars = env_for(&open);
    let o = options("dbname=postgres", &refs(&vars)).expect("options");
    assert!(!o.has_password() && o.password_file().is_none());
    assert_eq!(
        o.warnings(),
        [format!(
            "password file \"{}\" has group or world access; permissions should be u=rw (0600) or less",
            open.display()
        )]
    );
    let e = failure(server, user(&vars).map(|_| true));
    assert!(e.contains("password"), "{e}");

    // PGPASSWORD wins over the file.
    let mut vars = env_for(&bad);
    vars.push(("PGPASSWORD".into(), pw.into()));
    assert_eq!(user(&vars).as_deref(), Ok("postgres"));
}

fn refs(vars: &[(String, String)]) -> Vec<(&str, &str)> {
    vars.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// Runs the pgark binary with a clean environment plus `env`.
fn pgark(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pgark"));
    cmd.args(args);
    for (k, _) in std::env::vars() {
        if k.starts_with("PG")
            || k.starts_with("BACKUP_")
            || k.starts_with("AWS_")
            || k == "DATABASE_URL"
        {
            cmd.env_remove(k);
        }
    }
    cmd.envs(env.iter().copied()).output().expect("run pgark")
}

/// The archives (`*.dump`) in `dir`.
fn dumps_in(dir: &Path) -> Vec<std::path::PathBuf> {
    fs::read_dir(dir)
        .expect("read dir")
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "dump"))
        .collect()
}

#[test]
fn backup_over_verify_full_end_to_end_15() {
    backup_over_verify_full(PgVersion::V15);
}

#[test]
fn backup_over_verify_full_end_to_end_16() {
    backup_over_verify_full(PgVersion::V16);
}

#[test]
fn backup_over_verify_full_end_to_end_17() {
    backup_over_verify_full(PgVersion::V17);
}

#[test]
fn backup_over_verify_full_end_to_end_18() {
    backup_over_verify_full(PgVersion::V18);
}

/// `pgark backup` over `sslmode=verify-full` to `version`'s TLS server,
/// from the URL and from the `PG*` variables, and its failures.
fn backup_over_verify_full(version: PgVersion) {
    let server = pg_ssl(version);
    let db = server.create_database("tls_backup");
    db.psql("CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g")
        .expect("fixture");
    let ca = server.ssl().expect("certs").ca.display().to_string();
    let dir = tempfile::tempdir().expect("temp dir");
    let to = format!("{}/", dir.path().display());
    let pw = server.password();
    let db_url = |host: &str, q: &str| {
        format!(
            "postgresql://postgres:{pw}@{host}:{}/{}?{q}",
            server.port(),
            db.name
        )
    };

    let out = pgark(
        &[
            "backup",
            "--database-url",
            &db_url(
                "localhost",
                &format!("sslmode=verify-full&sslrootcert={ca}"),
            ),
            "--to",
            &to,
        ],
        &[],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "pgark backup failed: {stderr}");
    assert!(!stderr.contains(pw), "password in the output: {stderr}");
    let dumps = dumps_in(dir.path());
    assert_eq!(dumps.len(), 1, "one archive in {to}");
    let list = pgark_testkit::pg_restore_list(version, &dumps[0]).expect("pg_restore --list");
    assert!(list.contains("TABLE DATA public t"), "{list}");

    // Everything from the environment: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGSSL*.
    let dir2 = tempfile::tempdir().expect("temp dir");
    let port = server.port().to_string();
    let out = pgark(
        &[
            "backup",
            "--database-url",
            &format!("postgresql:///{}", db.name),
            "--to",
            &format!("{}/", dir2.path().display()),
        ],
        &[
            ("PGHOST", "localhost"),
            ("PGPORT", &port),
            ("PGUSER", "postgres"),
            ("PGPASSWORD", pw),
            ("PGSSLMODE", "verify-full"),
            ("PGSSLROOTCERT", &ca),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "pgark backup from PG* failed: {stderr}"
    );
    assert_eq!(dumps_in(dir2.path()).len(), 1, "one archive");

    // Failures: the host name, and the wrong CA; one line, no password, nothing written.
    for (host, q, want) in [
        (
            "127.0.0.1",
            format!("sslmode=verify-full&sslrootcert={ca}"),
            "does not match host name \"127.0.0.1\"",
        ),
        (
            "localhost",
            format!(
                "sslmode=verify-ca&sslrootcert={}",
                server.ssl().expect("certs").other_ca.display()
            ),
            "certificate verify failed",
        ),
    ] {
        let dir3 = tempfile::tempdir().expect("temp dir");
        let out = pgark(
            &[
                "backup",
                "--database-url",
                &db_url(host, &q),
                "--to",
                &format!("{}/", dir3.path().display()),
            ],
            &[],
        );
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(!out.status.success(), "backup must fail: {stderr}");
        assert!(stderr.contains(want), "{stderr}");
        assert!(!stderr.contains(pw), "password in the output: {stderr}");
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(want)).collect();
        assert_eq!(lines.len(), 1, "{stderr}");
        assert_eq!(fs::read_dir(dir3.path()).expect("read dir").count(), 0);
    }
}
