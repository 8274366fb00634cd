//! pgark: logical PostgreSQL backups in the custom archive format
//! (`pg_dump -Fc`), written natively, without pg_dump.
//!
//! The library is what the `pgark` command is built on, and what other
//! tools embed. The entry points are async and run on the caller's tokio
//! runtime (a multi-threaded one, as `#[tokio::main]` gives); S3 settings
//! are parameters ([`sink::s3::S3ClientOptions`]), not only the
//! environment; [`blocking`] has each for programs without a runtime:
//!
//! * [`backup::backup`]: a database to a file, stdout or S3, with its
//!   manifest;
//! * [`cluster::backup_all`]: every database of a server, one archive
//!   each, under one run stamp;
//! * [`verify::verify`]: an archive read where it is stored and checked
//!   against its manifest ([`verify::manifest_beside`]);
//! * [`restore::restore`]: the native restore, parallel and selective;
//! * [`drill::drill`]: the restore drill of the newest valid backup;
//! * [`globals::dump`]: roles, memberships, tablespaces and the
//!   database's grants and settings, as `pg_dumpall --globals-only`
//!   (the `<archive>.globals.sql` file), and [`globals::apply`];
//! * [`list::list`]: an archive's header and TOC, read where it is stored;
//! * [`audit::ls`], [`audit::audit`]: the backups under a bucket and
//!   prefix, and whether their cadence holds;
//! * [`S3Url`]: an `s3://bucket/key` location, parsed in one place;
//! * [`diff::diff`]: what changed between two backups (objects, row
//!   counts);
//! * [`audit`], [`prune`], [`bucket`]: the bucket's cadence, retention and
//!   hardening;
//! * [`archive`]: the sans-IO format crate (write, read, verify and list
//!   custom archives of versions 1.12 to 1.16);
//! * [`Error`]: the one public error, with [`Error::category`] telling
//!   configuration, database, storage and archive failures apart.
//!
//! The library prints nothing: warnings and server notices are `tracing`
//! events.
//!
//! `examples/` has three programs: `embed.rs` (backup to S3, verify,
//! list, audit, restore and drill in one `#[tokio::main]`),
//! `restore_table.rs` (one table from S3 into a scratch database) and
//! `verify_archive.rs` (a local archive against its manifest).
//!
//! ```no_run
//! # async fn run() -> Result<(), pgark::Error> {
//! let source: pgark::source::Source = "backup.dump".parse()?;
//! let s3 = pgark::sink::s3::S3ClientOptions::from_env();
//! let manifest = pgark::verify::manifest_beside(&source, &s3).await?;
//! let checked = pgark::verify::verify(&source, manifest.as_ref(), &s3).await?;
//! println!("{} rows in {} bytes", checked.report.total_rows(), checked.size);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub use archive_format as archive;

pub mod compress;
pub mod crypt;
pub mod error;
pub mod heartbeat;
pub mod manifest;
pub mod s3url;
pub mod sink;
pub mod source;

pub use error::{Error, ErrorCategory, Interruption, Result};
pub use s3url::{S3Url, S3UrlError};
/// Stops a backup, restore, verify or drill from another task: set it in
/// their options (`cancel`); they clean up and return
/// [`Error::Interrupted`].
pub use tokio_util::sync::CancellationToken;
#[cfg(doctest)]
mod api_guards;
pub mod audit;
pub mod backup;
pub mod blocking;
pub mod bucket;
pub(crate) mod cancel;
pub(crate) mod catalog;
pub mod cluster;
pub mod db;
pub mod diff;
pub mod drill;
pub mod globals;
pub mod list;
pub mod prune;
pub mod restore;
pub mod retention;
pub(crate) mod runtime;
pub(crate) mod schema;
pub mod select;
pub mod verify;
