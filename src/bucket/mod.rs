//! Operating the backup bucket: the runbook's hardening applied and
//! audited, and the IAM policies of the users that write and read it.
//!
//! * [`hardening`]: [`init`](hardening::init) creates the bucket if needed
//!   and applies a [`Hardening`] policy idempotently (versioning, default
//!   SSE-S3 encryption, all four public access block settings, lifecycle
//!   rules for noncurrent versions, incomplete multipart uploads and
//!   current objects); [`audit`](hardening::audit) reads the bucket's
//!   configuration and reports drift from it, item by item.
//! * [`policy`]: the IAM policy documents of the write-only backup user
//!   and of the reader (admin, restore drill) role.
//!
//! ```no_run
//! use pgark::bucket::{self, BucketUrl, Hardening};
//! use pgark::sink::s3::{build_client, S3ClientOptions};
//!
//! # async fn run() -> Result<(), pgark::Error> {
//! let url: BucketUrl = "s3://backups".parse()?;
//! let client = build_client(&S3ClientOptions::from_env()).await;
//! let report = bucket::hardening::audit(&client, &url.bucket, &Hardening::default()).await?;
//! for check in report.drift() {
//!     println!("{}: {}", check.item, check.found);
//! }
//! println!("{:#}", bucket::policy::writer_policy(&url));
//! # Ok(()) }
//! ```

mod error;
pub mod hardening;
pub mod policy;

use std::fmt;
use std::str::FromStr;

pub use error::BucketError;
pub use hardening::{AuditReport, Check, Hardening, InitReport, Item};
pub use serde_json::Value as Json;

/// `s3://bucket` or `s3://bucket/prefix`: a bucket, and optionally the
/// key prefix the backups live under.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BucketUrl {
    /// The bucket.
    pub bucket: String,
    /// The key prefix, as given (may be empty; no leading `/`).
    pub prefix: String,
}

impl BucketUrl {
    /// Parses `s3://bucket`, `s3://bucket/` or `s3://bucket/prefix`.
    ///
    /// ```
    /// # fn main() -> Result<(), pgark::bucket::BucketError> {
    /// let u = pgark::bucket::BucketUrl::parse("s3://backups/prod/")?;
    /// assert_eq!((u.bucket.as_str(), u.prefix.as_str()), ("backups", "prod/"));
    /// # Ok(()) }
    /// ```
    pub fn parse(url: &str) -> Result<BucketUrl, BucketError> {
        let invalid = |reason| BucketError::InvalidUrl {
            url: url.to_owned(),
            reason,
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| invalid("it does not start with s3://"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(invalid("the bucket name is empty"));
        }
        if bucket.len() < 3 || bucket.len() > 63 {
            return Err(invalid("a bucket name has 3 to 63 characters"));
        }
        if !bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-.".contains(&b))
        {
            return Err(invalid(
                "a bucket name has only lower-case letters, digits, '-' and '.'",
            ));
        }
        if prefix.contains(['?', '#', '*']) {
            return Err(invalid("the prefix contains '?', '#' or '*'"));
        }
        Ok(BucketUrl {
            bucket: bucket.to_owned(),
            prefix: prefix.to_owned(),
        })
    }

    /// The URL of the whole bucket, refusing a prefix: bucket settings
    /// apply to every object in it.
    pub fn whole_bucket(url: &str) -> Result<BucketUrl, BucketError> {
        let parsed = BucketUrl::parse(url)?;
        if !parsed.prefix.is_empty() {
            return Err(BucketError::InvalidUrl {
                url: url.to_owned(),
                reason:
                    "bucket settings apply to the whole bucket: give s3://bucket without a prefix",
            });
        }
        Ok(parsed)
    }
}

impl FromStr for BucketUrl {
    type Err = BucketError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        BucketUrl::parse(s)
    }
}

impl fmt::Display for BucketUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let u = BucketUrl::parse("s3://my-bucket").expect("valid");
        assert_eq!((u.bucket.as_str(), u.prefix.as_str()), ("my-bucket", ""));
        let u = BucketUrl::parse("s3://my-bucket/").expect("valid");
        assert_eq!(u.prefix, "");
        let u = BucketUrl::parse("s3://my-bucket/a/b").expect("valid");
        assert_eq!(u.prefix, "a/b");
        assert!(BucketUrl::whole_bucket("s3://my-bucket/a").is_err());
        for bad in ["my-bucket", "s3://", "s3://B", "s3://ab", "s3://abc/x*"] {
            let e = BucketUrl::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
