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
//! use pgark::bucket::{self, Hardening};
//! use pgark::sink::s3::S3ClientOptions;
//!
//! # async fn run() -> Result<(), pgark::Error> {
//! let url = pgark::S3Url::whole_bucket("s3://backups")?;
//! let s3 = S3ClientOptions::from_env();
//! let report = bucket::hardening::audit(&s3, &url.bucket, &Hardening::default()).await?;
//! for check in report.drift() {
//!     println!("{}: {}", check.item, check.found);
//! }
//! println!("{:#}", bucket::policy::writer_policy(&url));
//! # Ok(()) }
//! ```

mod error;
pub mod hardening;
pub mod policy;

pub use error::BucketError;
pub use hardening::{AuditReport, Check, Hardening, InitReport, Item};

/// A JSON document pgark built (an IAM policy, a bucket report): `{}`
/// prints it on one line, `{:#}` indented. Its text is the interface: the
/// JSON library's value type stays inside, so pgark's API does not follow
/// that library's versions.
#[derive(Debug, Clone, PartialEq)]
pub struct Json(serde_json::Value);

impl Json {
    pub(crate) fn new(value: serde_json::Value) -> Json {
        Json(value)
    }
}

impl std::fmt::Display for Json {
    /// Compact, or indented with `{:#}`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0, f)
    }
}
