//! The runbook's bucket hardening, applied ([`init`]) and audited
//! ([`audit`]).
//!
//! The policy ([`Hardening`]) has six items ([`Item`]):
//!
//! * **versioning** `Enabled` (an overwritten or deleted backup keeps its
//!   old version);
//! * **default encryption** SSE-S3 (`AES256`) — not SSE-KMS, which would
//!   need KMS permissions the write-only user does not have;
//! * **public access block**: all four settings on;
//! * three **lifecycle rules** on the whole bucket: noncurrent versions
//!   expire after 30 days, incomplete multipart uploads are aborted after
//!   7 days, current objects expire after 365 days (no expiry when
//!   [`Hardening::expire_days`] is `None`).
//!
//! A lifecycle item is satisfied by any enabled whole-bucket rule with the
//! policy's day count (rules pgark did not write count too), as long as no
//! enabled rule acts *sooner* on the same kind of object: S3 applies the
//! earliest of overlapping rules, so a rule expiring `prod/` after 3 days
//! is drift even next to a 365-day rule. With no expiry wanted, any
//! enabled rule expiring current objects is drift.
//!
//! [`init`] writes only what differs, so a second run changes nothing.
//! It owns the lifecycle rules whose ID starts with [`RULE_ID_PREFIX`]:
//! it rewrites those and keeps every other rule as it is (a conflicting
//! rule of someone else's is reported as remaining drift, not deleted).

use super::BucketError;
use crate::sink::s3::{build_client, S3ClientOptions};
use serde_json::{json, Value};

use super::Json;

use lifecycle::put_lifecycle;
use region::{create, locate};
use state::State;

mod apply;
mod lifecycle;
mod region;
mod state;

/// Lifecycle rules whose ID starts with this are pgark's: [`init`]
/// replaces them, and leaves all others alone.
pub const RULE_ID_PREFIX: &str = "pgark-";

/// The bucket policy: what [`init`] applies and [`audit`] checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hardening {
    /// Days after which noncurrent versions expire (at least 1).
    pub noncurrent_days: u32,
    /// Days after which incomplete multipart uploads are aborted (at
    /// least 1).
    pub abort_incomplete_days: u32,
    /// Days after which current objects expire; `None`: never (and no
    /// rule may expire them).
    pub expire_days: Option<u32>,
}

impl Default for Hardening {
    /// The runbook's: 30, 7 and 365 days.
    fn default() -> Self {
        Hardening {
            noncurrent_days: 30,
            abort_incomplete_days: 7,
            expire_days: Some(365),
        }
    }
}

impl Hardening {
    /// Checks the day counts (1 to 100,000 days each).
    pub fn validate(&self) -> Result<(), BucketError> {
        let check = |name: &str, days: u32| {
            if (1..=100_000).contains(&days) {
                Ok(())
            } else {
                Err(BucketError::Config(format!(
                    "{name} must be between 1 and 100000 days, not {days}"
                )))
            }
        };
        check("the noncurrent version expiry", self.noncurrent_days)?;
        check("the incomplete upload abort", self.abort_incomplete_days)?;
        if let Some(d) = self.expire_days {
            check("the current object expiry", d)?;
        }
        Ok(())
    }
}

/// One item of the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Item {
    /// Bucket versioning.
    Versioning,
    /// Default encryption.
    Encryption,
    /// The bucket's public access block.
    PublicAccessBlock,
    /// The lifecycle rule expiring noncurrent versions.
    NoncurrentVersions,
    /// The lifecycle rule aborting incomplete multipart uploads.
    IncompleteUploads,
    /// The lifecycle rule expiring current objects (or its absence).
    CurrentObjects,
}

impl Item {
    /// Every item, in report order.
    pub const ALL: [Item; 6] = [
        Item::Versioning,
        Item::Encryption,
        Item::PublicAccessBlock,
        Item::NoncurrentVersions,
        Item::IncompleteUploads,
        Item::CurrentObjects,
    ];

    /// The name printed in reports, e.g. `lifecycle: noncurrent versions`.
    pub fn name(self) -> &'static str {
        match self {
            Item::Versioning => "versioning",
            Item::Encryption => "default encryption",
            Item::PublicAccessBlock => "public access block",
            Item::NoncurrentVersions => "lifecycle rule: noncurrent versions",
            Item::IncompleteUploads => "lifecycle rule: incomplete multipart uploads",
            Item::CurrentObjects => "lifecycle rule: current objects",
        }
    }

    /// The key in JSON reports, e.g. `lifecycle_noncurrent_versions`.
    pub fn key(self) -> &'static str {
        match self {
            Item::Versioning => "versioning",
            Item::Encryption => "encryption",
            Item::PublicAccessBlock => "public_access_block",
            Item::NoncurrentVersions => "lifecycle_noncurrent_versions",
            Item::IncompleteUploads => "lifecycle_incomplete_multipart_uploads",
            Item::CurrentObjects => "lifecycle_current_objects",
        }
    }

    fn is_lifecycle(self) -> bool {
        matches!(
            self,
            Item::NoncurrentVersions | Item::IncompleteUploads | Item::CurrentObjects
        )
    }
}

impl std::fmt::Display for Item {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One item compared with the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    /// The item.
    pub item: Item,
    /// Whether the bucket matches the policy for this item.
    pub ok: bool,
    /// What the policy wants, in words.
    pub expected: String,
    /// What the bucket has, in words.
    pub found: String,
}

impl Check {
    fn to_json(&self) -> Value {
        json!({
            "item": self.item.key(),
            "ok": self.ok,
            "expected": self.expected,
            "found": self.found,
        })
    }
}

/// The bucket's configuration compared with the policy, item by item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// The bucket.
    pub bucket: String,
    /// The bucket's region.
    pub region: String,
    /// One check per [`Item`], in [`Item::ALL`] order.
    pub checks: Vec<Check>,
}

impl AuditReport {
    /// The checks that failed.
    pub fn drift(&self) -> impl Iterator<Item = &Check> {
        self.checks.iter().filter(|c| !c.ok)
    }

    /// Whether any check failed.
    pub fn has_drift(&self) -> bool {
        self.drift().next().is_some()
    }

    /// The check of `item`.
    pub fn check(&self, item: Item) -> Option<&Check> {
        self.checks.iter().find(|c| c.item == item)
    }

    /// The report as JSON: `{"bucket", "region", "drift", "checks": [...]}`.
    pub fn to_json(&self) -> Json {
        Json::new(self.value())
    }

    fn value(&self) -> Value {
        let checks: Vec<Value> = self.checks.iter().map(Check::to_json).collect();
        json!({
            "bucket": self.bucket,
            "region": self.region,
            "drift": self.has_drift(),
            "checks": checks,
        })
    }
}

/// What [`init`] did to one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The bucket already matched the policy: nothing was written.
    AlreadyConfigured,
    /// The setting was written; `was` is what the bucket had before.
    Applied {
        /// The previous state, in words.
        was: String,
    },
}

/// What [`init`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitReport {
    /// The bucket.
    pub bucket: String,
    /// The bucket's region.
    pub region: String,
    /// Whether the bucket was created.
    pub created: bool,
    /// Per item, in [`Item::ALL`] order: applied or already configured.
    pub changes: Vec<(Item, Change)>,
    /// The audit of the bucket after the changes. It shows drift only
    /// when a lifecycle rule that is not pgark's acts sooner than the
    /// policy (init does not delete other people's rules).
    pub after: AuditReport,
}

impl InitReport {
    /// Whether nothing at all was written (the bucket existed and matched).
    pub fn unchanged(&self) -> bool {
        !self.created
            && self
                .changes
                .iter()
                .all(|(_, c)| *c == Change::AlreadyConfigured)
    }

    /// The report as JSON.
    pub fn to_json(&self) -> Json {
        let changes: Vec<Value> = self
            .changes
            .iter()
            .map(|(item, change)| match change {
                Change::AlreadyConfigured => {
                    json!({"item": item.key(), "change": "already configured"})
                }
                Change::Applied { was } => {
                    json!({"item": item.key(), "change": "applied", "was": was})
                }
            })
            .collect();
        Json::new(json!({
            "bucket": self.bucket,
            "region": self.region,
            "created": self.created,
            "changes": changes,
            "after": self.after.value(),
        }))
    }
}

/// Reads the bucket's configuration and compares it with `policy`.
/// Needs `s3:GetBucketLocation`, `s3:GetBucketVersioning`,
/// `s3:GetEncryptionConfiguration`, `s3:GetBucketPublicAccessBlock` and
/// `s3:GetLifecycleConfiguration` (the reader policy has them). A bucket
/// in another region than the client's is followed there.
pub async fn audit(
    s3: &S3ClientOptions,
    bucket: &str,
    policy: &Hardening,
) -> Result<AuditReport, BucketError> {
    policy.validate()?;
    let client = build_client(s3).await;
    let (client, region) = locate(&client, bucket).await?;
    let state = State::read(&client, bucket).await?;
    Ok(state.audit(bucket, &region, policy))
}

/// Creates the bucket if it does not exist (in the region `s3` names) and
/// applies `policy`, writing only what differs. Needs, besides what
/// [`audit`] reads, `s3:CreateBucket` (for a new bucket),
/// `s3:PutBucketVersioning`, `s3:PutEncryptionConfiguration`,
/// `s3:PutBucketPublicAccessBlock` and `s3:PutLifecycleConfiguration`.
pub async fn init(
    s3: &S3ClientOptions,
    bucket: &str,
    policy: &Hardening,
) -> Result<InitReport, BucketError> {
    policy.validate()?;
    let client = &build_client(s3).await;
    let (client, region, created) = match locate(client, bucket).await {
        Ok((c, r)) => (c, r, false),
        Err(BucketError::NoSuchBucket { .. }) => {
            let (c, r) = create(client, bucket).await?;
            (c, r, true)
        }
        Err(e) => return Err(e),
    };
    let before = State::read(&client, bucket).await?;
    let report = before.audit(bucket, &region, policy);
    let changes: Vec<(Item, Change)> = report
        .checks
        .iter()
        .map(|check| {
            let change = if check.ok {
                Change::AlreadyConfigured
            } else {
                Change::Applied {
                    was: check.found.clone(),
                }
            };
            (check.item, change)
        })
        .collect();
    let failing = |item: Item| report.check(item).is_some_and(|c| !c.ok);
    if failing(Item::Versioning) {
        apply::versioning(&client, bucket).await?;
    }
    if failing(Item::Encryption) {
        apply::encryption(&client, bucket).await?;
    }
    if failing(Item::PublicAccessBlock) {
        apply::public_access_block(&client, bucket).await?;
    }
    if Item::ALL.iter().any(|i| i.is_lifecycle() && failing(*i)) {
        put_lifecycle(&client, bucket, before.lifecycle, policy).await?;
    }
    let after = if changes.iter().all(|(_, c)| *c == Change::AlreadyConfigured) {
        report
    } else {
        State::read(&client, bucket)
            .await?
            .audit(bucket, &region, policy)
    };
    Ok(InitReport {
        bucket: bucket.to_owned(),
        region,
        created,
        changes,
        after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_counts_are_validated() {
        let bad = Hardening {
            noncurrent_days: 0,
            ..Hardening::default()
        };
        assert!(bad.validate().is_err());
        assert!(Hardening::default().validate().is_ok());
    }
}
