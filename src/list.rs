//! An archive's table of contents, read where the archive is stored:
//! what `pgark list` (and `pg_restore --list`) print.
//!
//! ```no_run
//! # async fn run() -> Result<(), pgark::Error> {
//! use pgark::archive::listing;
//! let source: pgark::source::Source = "s3://backups/prod/db.dump".parse()?;
//! let s3 = pgark::sink::s3::S3ClientOptions::default()
//!     .with_endpoint_url("http://127.0.0.1:9000")
//!     .with_static_credentials("reader", "secret");
//! let toc = pgark::list::list(&source, &s3).await?;
//! println!("{} entries", toc.entries.len());
//! let mut text = Vec::new();
//! listing::write(&mut text, &toc, &listing::Options::default()).map_err(pgark::Error::Output)?;
//! # Ok(()) }
//! ```

use crate::archive::{ArchiveReader, Toc};
use crate::error::Result;
use crate::sink::s3::S3ClientOptions;
use crate::source::Source;

/// Reads the header and TOC of `source` (decrypted when it is an
/// [`crate::crypt::EncryptedSource`]) on the caller's runtime, an S3
/// object with `s3` in growing range requests: the data after the TOC is
/// never downloaded.
pub async fn list(source: &Source, s3: &S3ClientOptions) -> Result<Toc> {
    crate::source::read_head(
        source,
        s3,
        |input| Ok(ArchiveReader::new(input).read_toc()?),
    )
    .await
}
