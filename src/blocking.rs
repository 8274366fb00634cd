//! The same entry points without an async runtime, for programs that have
//! none: each builds a multi-threaded tokio runtime for the call, and
//! refuses (an error, never tokio's panic) when called from inside one,
//! where the async function is the one to await.
//!
//! ```no_run
//! # fn main() -> Result<(), pgark::Error> {
//! let source: pgark::source::Source = "backup.dump".parse()?;
//! let opts = pgark::restore::RestoreOptions::new("postgresql://localhost/copy");
//! let report = pgark::blocking::restore(&source, &opts)?;
//! println!("{} entries, {} rows", report.entries, report.rows);
//! # Ok(()) }
//! ```

use crate::archive::Toc;
use crate::audit::{AuditReport, Cadence, Listing};
use crate::backup::{BackupOptions, BackupReport};
use crate::crypt::Identities;
use crate::diff::Diff;
use crate::drill::{DrillOptions, DrillReport};
use crate::error::Result;
use crate::manifest::Manifest;
use crate::restore::{RestoreOptions, RestoreReport};
use crate::runtime::for_blocking_call;
use crate::sink::s3::S3ClientOptions;
use crate::source::Source;
use crate::verify::Checked;
use crate::S3Url;

/// [`crate::backup::backup`], on a runtime with a worker per core.
pub fn backup(opts: &BackupOptions) -> Result<BackupReport> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    for_blocking_call("backup", cores)?.block_on(crate::backup::backup(opts))
}

/// [`crate::restore::restore`]: the connections' and downloads' tasks on
/// `jobs` workers (2 to 8).
pub fn restore(source: &Source, opts: &RestoreOptions) -> Result<RestoreReport> {
    let threads = opts.jobs.clamp(2, 8);
    for_blocking_call("restore", threads)?.block_on(crate::restore::restore(source, opts))
}

/// [`crate::drill::drill`].
pub fn drill(opts: &DrillOptions) -> Result<DrillReport> {
    for_blocking_call("drill", 2)?.block_on(crate::drill::drill(opts))
}

/// [`crate::verify::manifest_beside`] and [`crate::verify::verify`]: the
/// manifest given, or else the one beside the archive (if any), and what
/// the archive holds against it.
pub fn verify(
    source: &Source,
    manifest: Option<Manifest>,
    s3: &S3ClientOptions,
) -> Result<(Option<Manifest>, Checked)> {
    for_blocking_call("verify", 2)?.block_on(async {
        let manifest = match manifest {
            Some(m) => Some(m),
            None => crate::verify::manifest_beside(source, s3).await?,
        };
        let checked = crate::verify::verify(source, manifest.as_ref(), s3).await?;
        Ok((manifest, checked))
    })
}

/// [`crate::list::list`]: the archive's header and TOC.
pub fn list(source: &Source, s3: &S3ClientOptions) -> Result<Toc> {
    for_blocking_call("list", 2)?.block_on(crate::list::list(source, s3))
}

/// [`crate::audit::ls`]: the backups under a bucket and prefix.
pub fn ls(url: &S3Url, s3: &S3ClientOptions) -> Result<Listing> {
    for_blocking_call("ls", 2)?.block_on(crate::audit::ls(url, s3))
}

/// [`crate::audit::audit`]: the backups under a bucket and prefix, and
/// their cadence checked.
pub fn audit(
    url: &S3Url,
    s3: &S3ClientOptions,
    cadence: Cadence,
) -> Result<(Listing, AuditReport)> {
    for_blocking_call("audit", 2)?.block_on(crate::audit::audit(url, s3, cadence))
}

/// [`crate::crypt::decrypt`]: `source` decrypted into `out`.
pub fn decrypt<W>(
    source: &Source,
    identities: &Identities,
    s3: &S3ClientOptions,
    out: W,
) -> Result<(W, u64)>
where
    W: std::io::Write + Send + 'static,
{
    for_blocking_call("decrypt", 2)?.block_on(crate::crypt::decrypt(source, identities, s3, out))
}

/// [`crate::diff::diff`].
pub fn diff(a: &Source, b: &Source, s3: &S3ClientOptions) -> Result<Diff> {
    for_blocking_call("diff", 2)?.block_on(crate::diff::diff(a, b, s3))
}
