//! Test harness: real PostgreSQL 15, 16, 17 and 18 servers and a moto S3
//! server, started on free loopback ports for the duration of a test run.
//!
//! Servers are started lazily, once per test process, and shared by all
//! tests of that process. Each lives in its own temporary directory, and a
//! guardian process stops it and removes the directory when the test
//! process exits — however it exits (panic, abort, kill): the guardian
//! waits on a pipe whose only writer is the test process.
//!
//! Install the servers with `scripts/setup.sh` first.

#![deny(missing_docs)]

mod guard;
mod moto;
mod paths;
mod pg;

pub use moto::{moto, moto_with_iam, MotoServer};
pub use paths::repo_root;
pub use pg::{
    pg, pg_dump, pg_private, pg_restore, pg_restore_list, pg_ssl, PgServer, PgVersion, SslCerts,
    TestDb,
};
