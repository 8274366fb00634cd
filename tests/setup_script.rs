//! `scripts/setup.sh` leaves PostgreSQL clusters already running on the
//! machine alone.

use std::fs;
use std::path::Path;
use std::process::Command;

use pgark_testkit::{pg_private, repo_root, PgServer, PgVersion};

/// The first line of `postmaster.pid`: the postmaster's process id.
fn postmaster_pid(server: &PgServer) -> String {
    let path = server.data_dir().join("postmaster.pid");
    let text =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines().next().unwrap_or_default().to_string()
}

/// `pg_lsclusters -h` with the cluster configuration read from `conf_root`.
fn lsclusters(conf_root: &Path) -> String {
    let out = Command::new("pg_lsclusters")
        .arg("-h")
        .env("PG_CLUSTER_CONF_ROOT", conf_root)
        .output()
        .expect("run pg_lsclusters");
    assert!(
        out.status.success(),
        "pg_lsclusters: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Whether `pg_lsclusters -h` output lists cluster 15/pgark_keep on `port`
/// as online.
fn is_online(listed: &str, port: &str) -> bool {
    listed.lines().any(|l| {
        l.split_whitespace().take(4).collect::<Vec<_>>() == ["15", "pgark_keep", port, "online"]
    })
}

/// A running PostgreSQL 15 server, registered as a Debian cluster (in a
/// private `PG_CLUSTER_CONF_ROOT`, so `pg_lsclusters` and `pg_ctlcluster`
/// in setup see it as a cluster of this machine), survives a run of
/// `scripts/setup.sh`: same postmaster, still answering.
#[test]
fn setup_leaves_a_running_cluster_running() {
    let server = pg_private(PgVersion::V15);
    let conf_root = tempfile::tempdir().expect("temp dir");
    let conf = conf_root.path().join("15").join("pgark_keep");
    fs::create_dir_all(&conf).expect("cluster conf dir");
    fs::write(
        conf.join("postgresql.conf"),
        format!(
            "data_directory = '{}'\nport = {}\nunix_socket_directories = '{}'\n\
             external_pid_file = '{}'\n",
            server.data_dir().display(),
            server.port(),
            server.dir().display(),
            server.data_dir().join("postmaster.pid").display()
        ),
    )
    .expect("postgresql.conf");
    fs::write(conf.join("start.conf"), "manual\n").expect("start.conf");
    // setup sees it as an online cluster: a setup that stopped every
    // online cluster would stop this one.
    let port = server.port().to_string();
    let listed = lsclusters(conf_root.path());
    assert!(
        is_online(&listed, &port),
        "pg_lsclusters does not list the test cluster as online:\n{listed}"
    );

    let pid = postmaster_pid(&server);
    let started = server
        .psql("postgres", "SELECT pg_postmaster_start_time()")
        .expect("query before setup");

    let out = Command::new("bash")
        .arg(repo_root().join("scripts/setup.sh"))
        .env("PG_CLUSTER_CONF_ROOT", conf_root.path())
        .output()
        .expect("run scripts/setup.sh");
    assert!(
        out.status.success(),
        "setup.sh failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );

    let listed = lsclusters(conf_root.path());
    assert!(
        is_online(&listed, &port),
        "the cluster is no longer online after setup:\n{listed}"
    );
    assert_eq!(postmaster_pid(&server), pid, "a different postmaster runs");
    assert_eq!(
        server
            .psql("postgres", "SELECT pg_postmaster_start_time()")
            .expect("query after setup"),
        started,
        "the server was restarted"
    );
}
