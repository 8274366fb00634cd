//! Verifying an archive where it is stored: every block read and
//! decompressed, its size and digest, and, with its manifest, its row
//! counts, sizes and digest against what the backup recorded.
//!
//! ```no_run
//! # async fn run() -> Result<(), pgark::Error> {
//! use pgark::sink::s3::S3ClientOptions;
//! let source: pgark::source::Source = "s3://backups/db/app-20261201T030000Z.dump".parse()?;
//! let s3 = S3ClientOptions::from_env().with_region("eu-west-1");
//! let manifest = pgark::verify::manifest_beside(&source, &s3).await?;
//! let checked = pgark::verify::verify(&source, manifest.as_ref(), &s3).await?;
//! assert!(checked.mismatches.is_empty(), "{:?}", checked.mismatches);
//! println!("{} bytes, sha256 {}", checked.size, checked.digest);
//! # Ok(()) }
//! ```

use std::io;

use crate::error::{Error, Result};
use crate::manifest::{Manifest, SUFFIX};
use crate::runtime::off_workers;
use crate::sink::s3::S3ClientOptions;
use crate::source::{read_s3_object, S3Reads, Source};

pub use crate::manifest::Checked;

/// The manifest stored next to the archive (`<archive>.manifest.json`);
/// `None` when there is none, and for standard input.
pub async fn manifest_beside(source: &Source, s3: &S3ClientOptions) -> Result<Option<Manifest>> {
    let bytes = match source.base() {
        Source::File(p) => {
            let path = format!("{}{SUFFIX}", p.display());
            match tokio::fs::read(&path).await {
                Ok(b) => Some(b),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(source) => {
                    return Err(Error::File {
                        path: path.into(),
                        source,
                    })
                }
            }
        }
        Source::S3(crate::S3Url { bucket, key }) => {
            read_s3_object(s3, bucket, &format!("{key}{SUFFIX}")).await?
        }
        Source::Stdin | Source::Encrypted(_) => None,
    };
    let mut manifest = bytes
        .map(|b| Manifest::from_json(&b).map_err(Error::Config))
        .transpose()?;
    // An encrypted archive's counts, with the identity.
    if let (Source::Encrypted(e), Some(m)) = (source, manifest.as_mut()) {
        e.unseal(m)?;
    }
    Ok(manifest)
}

/// Reads the whole archive at `source` (an S3 object with `s3`'s client)
/// and checks it against `manifest` when given. Runs on the caller's tokio
/// runtime, the archive read on one of its blocking threads;
/// [`crate::blocking::verify`] is the same without one.
///
/// ```no_run
/// # async fn run() -> Result<(), pgark::Error> {
/// use pgark::sink::s3::S3ClientOptions;
/// let source: pgark::source::Source = "backups/app.dump".parse()?;
/// let s3 = S3ClientOptions::default();
/// let manifest = pgark::verify::manifest_beside(&source, &s3).await?;
/// let checked = pgark::verify::verify(&source, manifest.as_ref(), &s3).await?;
/// assert!(checked.mismatches.is_empty(), "{:?}", checked.mismatches);
/// # Ok(()) }
/// ```
pub async fn verify(
    source: &Source,
    manifest: Option<&Manifest>,
    s3: &S3ClientOptions,
) -> Result<Checked> {
    verify_until_cancelled(source, manifest, s3, None).await
}

/// [`verify`], stopped with [`crate::Error::Interrupted`] once `cancel` is
/// cancelled (the archive's reads fail from then on).
pub async fn verify_until_cancelled(
    source: &Source,
    manifest: Option<&Manifest>,
    s3: &S3ClientOptions,
    cancel: Option<&crate::CancellationToken>,
) -> Result<Checked> {
    check_until_cancelled(source, manifest, s3, cancel)
        .await
        .map_err(|e| e.during(crate::Interruption::Verify))
}

/// [`verify_until_cancelled`]'s work: the S3 client, then the archive read
/// on a blocking thread.
async fn check_until_cancelled(
    source: &Source,
    manifest: Option<&Manifest>,
    s3: &S3ClientOptions,
    cancel: Option<&crate::CancellationToken>,
) -> Result<Checked> {
    let reads = crate::cancel::or_cancelled(cancel, async {
        Ok(match source.base() {
            Source::S3(_) => Some(S3Reads::new(s3).await),
            _ => None,
        })
    })
    .await?;
    let (source, manifest, cancel) = (source.clone(), manifest.cloned(), cancel.cloned());
    off_workers(move |_| {
        crate::crypt::check_source(&source, manifest.as_ref(), reads.as_ref(), cancel.as_ref())
    })
    .await
}
