//! pgark: logical PostgreSQL backups in the custom archive format
//! (`pg_dump -Fc`), written natively, without pg_dump.
//!
//! The library is what the `pgark` command is built on, and what other
//! tools embed:
//!
//! * [`archive`] is the sans-IO format crate: write, read, verify and list
//!   custom archives of versions 1.12 to 1.16;
//! * [`source`] opens what an archive is read from (a file or stdin);
//! * [`Error`] is the one public error, with [`Error::category`] telling
//!   configuration, database, storage and archive failures apart.
//!
//! ```no_run
//! # fn main() -> Result<(), pgark::Error> {
//! let source: pgark::source::Source = "backup.dump".parse()?;
//! let report = pgark::archive::verify(source.open()?)?;
//! println!("{} rows in {} bytes", report.total_rows(), report.total_bytes);
//! # Ok(()) }
//! ```

#![deny(missing_docs)]

pub use archive_format as archive;

pub mod compress;
pub mod error;
pub mod heartbeat;
pub mod manifest;
pub mod sink;
pub mod source;

pub use error::{Error, ErrorCategory, Result};
pub mod audit;
pub mod backup;
pub mod blocking;
pub mod bucket;
pub(crate) mod catalog;
pub mod db;
pub mod drill;
pub mod prune;
pub mod restore;
pub mod retention;
pub mod runtime;
pub(crate) mod schema;
pub mod verify;
