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

use aws_sdk_s3::config::Region;
use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, BucketLocationConstraint,
    BucketVersioningStatus, CreateBucketConfiguration, ExpirationStatus, LifecycleExpiration,
    LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
    PublicAccessBlockConfiguration, ServerSideEncryption, ServerSideEncryptionByDefault,
    ServerSideEncryptionConfiguration, ServerSideEncryptionRule, VersioningConfiguration,
};
use aws_sdk_s3::Client;

use super::error::{self, Failure};
use super::BucketError;
use serde_json::{json, Value as Json};

/// Lifecycle rules whose ID starts with this are pgark's: [`init`]
/// replaces them, and leaves all others alone.
pub const RULE_ID_PREFIX: &str = "pgark-";

const NONCURRENT_RULE_ID: &str = "pgark-expire-noncurrent-versions";
const ABORT_RULE_ID: &str = "pgark-abort-incomplete-multipart-uploads";
const EXPIRE_RULE_ID: &str = "pgark-expire-current-objects";

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
    fn to_json(&self) -> Json {
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
        let checks: Vec<Json> = self.checks.iter().map(Check::to_json).collect();
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
        let changes: Vec<Json> = self
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
        json!({
            "bucket": self.bucket,
            "region": self.region,
            "created": self.created,
            "changes": changes,
            "after": self.after.to_json(),
        })
    }
}

/// Reads the bucket's configuration and compares it with `policy`.
/// Needs `s3:GetBucketLocation`, `s3:GetBucketVersioning`,
/// `s3:GetEncryptionConfiguration`, `s3:GetBucketPublicAccessBlock` and
/// `s3:GetLifecycleConfiguration` (the reader policy has them). A bucket
/// in another region than the client's is followed there.
pub async fn audit(
    client: &Client,
    bucket: &str,
    policy: &Hardening,
) -> Result<AuditReport, BucketError> {
    policy.validate()?;
    let (client, region) = locate(client, bucket).await?;
    let state = State::read(&client, bucket).await?;
    Ok(state.audit(bucket, &region, policy))
}

/// Creates the bucket if it does not exist (in the client's region) and
/// applies `policy`, writing only what differs. Needs, besides what
/// [`audit`] reads, `s3:CreateBucket` (for a new bucket),
/// `s3:PutBucketVersioning`, `s3:PutEncryptionConfiguration`,
/// `s3:PutBucketPublicAccessBlock` and `s3:PutLifecycleConfiguration`.
pub async fn init(
    client: &Client,
    bucket: &str,
    policy: &Hardening,
) -> Result<InitReport, BucketError> {
    policy.validate()?;
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
    let mut changes = Vec::new();
    for check in &report.checks {
        let change = if check.ok {
            Change::AlreadyConfigured
        } else {
            Change::Applied {
                was: check.found.clone(),
            }
        };
        changes.push((check.item, change));
    }
    let failing = |item: Item| report.check(item).is_some_and(|c| !c.ok);
    if failing(Item::Versioning) {
        let conf = VersioningConfiguration::builder()
            .status(BucketVersioningStatus::Enabled)
            .build();
        client
            .put_bucket_versioning()
            .bucket(bucket)
            .versioning_configuration(conf)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(&e).into_error(bucket, error::PUT_VERSIONING))?;
    }
    if failing(Item::Encryption) {
        let by_default = ServerSideEncryptionByDefault::builder()
            .sse_algorithm(ServerSideEncryption::Aes256)
            .build()
            .map_err(|e| BucketError::Config(e.to_string()))?;
        let conf = ServerSideEncryptionConfiguration::builder()
            .rules(
                ServerSideEncryptionRule::builder()
                    .apply_server_side_encryption_by_default(by_default)
                    .build(),
            )
            .build()
            .map_err(|e| BucketError::Config(e.to_string()))?;
        client
            .put_bucket_encryption()
            .bucket(bucket)
            .server_side_encryption_configuration(conf)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(&e).into_error(bucket, error::PUT_ENCRYPTION))?;
    }
    if failing(Item::PublicAccessBlock) {
        let conf = PublicAccessBlockConfiguration::builder()
            .block_public_acls(true)
            .ignore_public_acls(true)
            .block_public_policy(true)
            .restrict_public_buckets(true)
            .build();
        client
            .put_public_access_block()
            .bucket(bucket)
            .public_access_block_configuration(conf)
            .send()
            .await
            .map_err(|e| {
                Failure::from_sdk(&e).into_error(bucket, error::PUT_PUBLIC_ACCESS_BLOCK)
            })?;
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

/// The bucket's region, and a client for it. `NoSuchBucket` if it does
/// not exist.
async fn locate(client: &Client, bucket: &str) -> Result<(Client, String), BucketError> {
    // GetBucketLocation, not HeadBucket: it needs a real, grantable
    // permission (s3:GetBucketLocation; moto maps HeadBucket to a
    // non-existent s3:HeadBucket) and tells the region of an empty
    // LocationConstraint (us-east-1).
    let mut client = client.clone();
    for _ in 0..2 {
        match client.get_bucket_location().bucket(bucket).send().await {
            Ok(out) => {
                let region = match out.location_constraint().map(|c| c.as_str()) {
                    None | Some("") => "us-east-1".to_owned(),
                    Some("EU") => "eu-west-1".to_owned(),
                    Some(r) => r.to_owned(),
                };
                return Ok((for_region(&client, &region), region));
            }
            Err(e) => {
                let failure = Failure::from_sdk(&e);
                if failure.status == Some(404) || failure.is_code("NoSuchBucket") {
                    return Err(BucketError::NoSuchBucket {
                        bucket: bucket.to_owned(),
                    });
                }
                match &failure.bucket_region {
                    // Asked in the wrong region: ask again in the right one.
                    Some(r) if *r != region_of(&client) => client = for_region(&client, r),
                    _ => return Err(failure.into_error(bucket, error::GET_LOCATION)),
                }
            }
        }
    }
    Err(BucketError::Request {
        bucket: bucket.to_owned(),
        call: error::GET_LOCATION.name,
        status: None,
        code: None,
        message: "S3 kept redirecting to another region".to_owned(),
    })
}

/// Creates the bucket in the client's region.
async fn create(client: &Client, bucket: &str) -> Result<(Client, String), BucketError> {
    let region = region_of(client);
    let mut request = client.create_bucket().bucket(bucket);
    // us-east-1 is the one region that refuses its own name as location.
    if region != "us-east-1" {
        request = request.create_bucket_configuration(
            CreateBucketConfiguration::builder()
                .location_constraint(BucketLocationConstraint::from(region.as_str()))
                .build(),
        );
    }
    match request.send().await {
        Ok(_) => Ok((client.clone(), region)),
        Err(e) => {
            let failure = Failure::from_sdk(&e);
            if failure.is_code("BucketAlreadyOwnedByYou") {
                // Created meanwhile by another run: find where.
                locate(client, bucket).await
            } else if failure.is_code("BucketAlreadyExists") {
                Err(BucketError::TakenByAnotherAccount {
                    bucket: bucket.to_owned(),
                })
            } else {
                Err(failure.into_error(bucket, error::CREATE_BUCKET))
            }
        }
    }
}

fn region_of(client: &Client) -> String {
    client
        .config()
        .region()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string())
}

fn for_region(client: &Client, region: &str) -> Client {
    if region_of(client) == region {
        return client.clone();
    }
    let conf = client
        .config()
        .to_builder()
        .region(Region::new(region.to_owned()))
        .build();
    Client::from_conf(conf)
}

/// The bucket's settings as read.
#[derive(Debug)]
struct State {
    versioning: Option<BucketVersioningStatus>,
    encryption: Option<ServerSideEncryptionConfiguration>,
    public_access_block: Option<PublicAccessBlockConfiguration>,
    lifecycle: Vec<LifecycleRule>,
}

impl State {
    async fn read(client: &Client, bucket: &str) -> Result<State, BucketError> {
        let versioning = match client.get_bucket_versioning().bucket(bucket).send().await {
            Ok(out) => out.status().cloned(),
            Err(e) => {
                let f = Failure::from_sdk(&e);
                match f.unparsed_body.as_deref().and_then(misnamed_versioning) {
                    Some(status) => status,
                    None => return Err(f.into_error(bucket, error::GET_VERSIONING)),
                }
            }
        };
        let encryption = match client.get_bucket_encryption().bucket(bucket).send().await {
            Ok(out) => out.server_side_encryption_configuration().cloned(),
            Err(e) => {
                let f = Failure::from_sdk(&e);
                if f.is_code("ServerSideEncryptionConfigurationNotFoundError") {
                    None
                } else {
                    return Err(f.into_error(bucket, error::GET_ENCRYPTION));
                }
            }
        };
        let public_access_block = match client.get_public_access_block().bucket(bucket).send().await
        {
            Ok(out) => out.public_access_block_configuration().cloned(),
            Err(e) => {
                let f = Failure::from_sdk(&e);
                if f.is_code("NoSuchPublicAccessBlockConfiguration") {
                    None
                } else {
                    return Err(f.into_error(bucket, error::GET_PUBLIC_ACCESS_BLOCK));
                }
            }
        };
        let lifecycle = match client
            .get_bucket_lifecycle_configuration()
            .bucket(bucket)
            .send()
            .await
        {
            Ok(out) => out.rules().to_vec(),
            Err(e) => {
                let f = Failure::from_sdk(&e);
                if f.is_code("NoSuchLifecycleConfiguration") {
                    Vec::new()
                } else {
                    return Err(f.into_error(bucket, error::GET_LIFECYCLE));
                }
            }
        };
        Ok(State {
            versioning,
            encryption,
            public_access_block,
            lifecycle,
        })
    }

    fn audit(&self, bucket: &str, region: &str, policy: &Hardening) -> AuditReport {
        let checks = Item::ALL
            .iter()
            .map(|&item| match item {
                Item::Versioning => self.check_versioning(),
                Item::Encryption => self.check_encryption(),
                Item::PublicAccessBlock => self.check_public_access_block(),
                _ => check_lifecycle(&self.lifecycle, item, policy),
            })
            .collect();
        AuditReport {
            bucket: bucket.to_owned(),
            region: region.to_owned(),
            checks,
        }
    }

    fn check_versioning(&self) -> Check {
        let (ok, found) = match &self.versioning {
            Some(BucketVersioningStatus::Enabled) => (true, "Enabled".to_owned()),
            Some(BucketVersioningStatus::Suspended) => (false, "Suspended".to_owned()),
            Some(other) => (false, other.as_str().to_owned()),
            None => (false, "off (never enabled)".to_owned()),
        };
        Check {
            item: Item::Versioning,
            ok,
            expected: "Enabled".to_owned(),
            found,
        }
    }

    fn check_encryption(&self) -> Check {
        let algorithms: Vec<String> = self
            .encryption
            .iter()
            .flat_map(|c| c.rules())
            .filter_map(|r| r.apply_server_side_encryption_by_default())
            .map(|d| match d.sse_algorithm() {
                ServerSideEncryption::Aes256 => "AES256 (SSE-S3)".to_owned(),
                other => format!(
                    "{} (the write-only user would need KMS permissions)",
                    other.as_str()
                ),
            })
            .collect();
        let ok = algorithms.len() == 1 && algorithms[0].starts_with("AES256");
        Check {
            item: Item::Encryption,
            ok,
            expected: "AES256 (SSE-S3)".to_owned(),
            found: if algorithms.is_empty() {
                "none".to_owned()
            } else {
                algorithms.join(", ")
            },
        }
    }

    fn check_public_access_block(&self) -> Check {
        let expected = "all four settings on".to_owned();
        let Some(c) = &self.public_access_block else {
            return Check {
                item: Item::PublicAccessBlock,
                ok: false,
                expected,
                found: "missing".to_owned(),
            };
        };
        let off: Vec<&str> = [
            ("BlockPublicAcls", c.block_public_acls()),
            ("IgnorePublicAcls", c.ignore_public_acls()),
            ("BlockPublicPolicy", c.block_public_policy()),
            ("RestrictPublicBuckets", c.restrict_public_buckets()),
        ]
        .into_iter()
        .filter(|(_, on)| *on != Some(true))
        .map(|(name, _)| name)
        .collect();
        Check {
            item: Item::PublicAccessBlock,
            ok: off.is_empty(),
            expected,
            found: if off.is_empty() {
                "all four settings on".to_owned()
            } else {
                format!("partial: {} off", off.join(", "))
            },
        }
    }
}

/// The status in a GetBucketVersioning answer whose root element is not
/// `VersioningConfiguration`, which the SDK refuses: moto 5 answers
/// `<GetBucketVersioningResponse><Status>Enabled</Status></GetBucketVersioningResponse>`.
/// `Some(None)`: versioning was never enabled; `None`: not such an answer.
fn misnamed_versioning(body: &str) -> Option<Option<BucketVersioningStatus>> {
    if !body.contains("<GetBucketVersioningResponse") {
        return None;
    }
    let status = body
        .split_once("<Status>")
        .and_then(|(_, rest)| rest.split_once("</Status>"))
        .map(|(status, _)| BucketVersioningStatus::from(status.trim()));
    Some(status)
}

/// One enabled lifecycle rule's action of the kind an item is about.
struct RuleAction {
    id: String,
    whole_bucket: bool,
    scope: String,
    /// Day count, or `None` for an expiry on a fixed date.
    days: Option<i32>,
    /// The action is qualified (e.g. keeps N newer noncurrent versions),
    /// so it is not the policy's plain rule.
    qualified: bool,
}

impl RuleAction {
    fn describe(&self) -> String {
        let when = match self.days {
            Some(d) => format!("{d} days"),
            None => "on a fixed date".to_owned(),
        };
        let qualified = if self.qualified {
            ", keeping newer noncurrent versions"
        } else {
            ""
        };
        format!("rule {:?} ({}): {when}{qualified}", self.id, self.scope)
    }
}

#[allow(deprecated)] // LifecycleRule::prefix, the pre-2019 rule scope, still exists
fn scope_of(rule: &LifecycleRule) -> (bool, String) {
    let legacy = rule.prefix().unwrap_or("");
    match rule.filter() {
        None if legacy.is_empty() => (true, "whole bucket".to_owned()),
        None => (false, format!("prefix {legacy:?}")),
        Some(f) => {
            let prefix = f.prefix().unwrap_or("");
            let narrowed = f.tag().is_some()
                || f.and().is_some()
                || f.object_size_greater_than().is_some()
                || f.object_size_less_than().is_some();
            match (prefix.is_empty(), narrowed) {
                (true, false) => (true, "whole bucket".to_owned()),
                (false, false) => (false, format!("prefix {prefix:?}")),
                _ => (
                    false,
                    "filtered by tag, size or several conditions".to_owned(),
                ),
            }
        }
    }
}

fn actions_of(rules: &[LifecycleRule], item: Item) -> Vec<RuleAction> {
    rules
        .iter()
        .filter(|r| *r.status() == ExpirationStatus::Enabled)
        .filter_map(|r| {
            let (days, qualified) = match item {
                Item::NoncurrentVersions => {
                    let n = r.noncurrent_version_expiration()?;
                    (n.noncurrent_days(), n.newer_noncurrent_versions().is_some())
                }
                Item::IncompleteUploads => (
                    r.abort_incomplete_multipart_upload()?
                        .days_after_initiation(),
                    false,
                ),
                Item::CurrentObjects => {
                    let e = r.expiration()?;
                    if e.days().is_none() && e.date().is_none() {
                        return None; // only ExpiredObjectDeleteMarker
                    }
                    (e.days(), false)
                }
                _ => return None,
            };
            let (whole_bucket, scope) = scope_of(r);
            Some(RuleAction {
                id: r.id().unwrap_or("(no id)").to_owned(),
                whole_bucket,
                scope,
                days,
                qualified,
            })
        })
        .collect()
}

fn wanted_days(item: Item, policy: &Hardening) -> Option<u32> {
    match item {
        Item::NoncurrentVersions => Some(policy.noncurrent_days),
        Item::IncompleteUploads => Some(policy.abort_incomplete_days),
        Item::CurrentObjects => policy.expire_days,
        _ => None,
    }
}

fn check_lifecycle(rules: &[LifecycleRule], item: Item, policy: &Hardening) -> Check {
    let actions = actions_of(rules, item);
    let what = match item {
        Item::NoncurrentVersions => "noncurrent versions expire",
        Item::IncompleteUploads => "incomplete multipart uploads are aborted",
        _ => "current objects expire",
    };
    let found = if actions.is_empty() {
        "no rule".to_owned()
    } else {
        actions
            .iter()
            .map(RuleAction::describe)
            .collect::<Vec<_>>()
            .join("; ")
    };
    let Some(days) = wanted_days(item, policy) else {
        return Check {
            item,
            ok: actions.is_empty(),
            expected: "no rule (objects are kept)".to_owned(),
            found,
        };
    };
    let days = days as i32;
    let exact = actions
        .iter()
        .any(|a| a.whole_bucket && a.days == Some(days) && !a.qualified);
    let sooner = actions
        .iter()
        .any(|a| a.days.is_none_or(|d| d < days) && !a.qualified);
    Check {
        item,
        ok: exact && !sooner,
        expected: format!("{what} after {days} days (whole bucket, no rule acting sooner)"),
        found,
    }
}

fn policy_rules(
    rules: &[LifecycleRule],
    policy: &Hardening,
) -> Result<Vec<LifecycleRule>, BucketError> {
    let mut out = Vec::new();
    for item in [
        Item::NoncurrentVersions,
        Item::IncompleteUploads,
        Item::CurrentObjects,
    ] {
        let Some(days) = wanted_days(item, policy) else {
            continue;
        };
        // Someone else's rule already does it: do not duplicate it.
        if check_lifecycle(rules, item, policy).ok {
            continue;
        }
        let days = days as i32;
        let builder = LifecycleRule::builder()
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix("").build());
        let builder = match item {
            Item::NoncurrentVersions => builder
                .id(NONCURRENT_RULE_ID)
                .noncurrent_version_expiration(
                    NoncurrentVersionExpiration::builder()
                        .noncurrent_days(days)
                        .build(),
                ),
            Item::IncompleteUploads => builder.id(ABORT_RULE_ID).abort_incomplete_multipart_upload(
                AbortIncompleteMultipartUpload::builder()
                    .days_after_initiation(days)
                    .build(),
            ),
            _ => builder
                .id(EXPIRE_RULE_ID)
                .expiration(LifecycleExpiration::builder().days(days).build()),
        };
        out.push(
            builder
                .build()
                .map_err(|e| BucketError::Config(e.to_string()))?,
        );
    }
    Ok(out)
}

/// Replaces pgark's lifecycle rules, keeping everyone else's.
async fn put_lifecycle(
    client: &Client,
    bucket: &str,
    existing: Vec<LifecycleRule>,
    policy: &Hardening,
) -> Result<(), BucketError> {
    let mut rules: Vec<LifecycleRule> = existing
        .into_iter()
        .filter(|r| !r.id().is_some_and(|id| id.starts_with(RULE_ID_PREFIX)))
        .collect();
    let ours = policy_rules(&rules, policy)?;
    rules.extend(ours);
    if rules.is_empty() {
        client
            .delete_bucket_lifecycle()
            .bucket(bucket)
            .send()
            .await
            .map_err(|e| Failure::from_sdk(&e).into_error(bucket, error::DELETE_LIFECYCLE))?;
        return Ok(());
    }
    let conf = BucketLifecycleConfiguration::builder()
        .set_rules(Some(rules))
        .build()
        .map_err(|e| BucketError::Config(e.to_string()))?;
    client
        .put_bucket_lifecycle_configuration()
        .bucket(bucket)
        .lifecycle_configuration(conf)
        .send()
        .await
        .map_err(|e| Failure::from_sdk(&e).into_error(bucket, error::PUT_LIFECYCLE))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(
        id: &str,
        prefix: &str,
        f: impl FnOnce(
            aws_sdk_s3::types::builders::LifecycleRuleBuilder,
        ) -> aws_sdk_s3::types::builders::LifecycleRuleBuilder,
    ) -> LifecycleRule {
        f(LifecycleRule::builder()
            .id(id)
            .status(ExpirationStatus::Enabled)
            .filter(LifecycleRuleFilter::builder().prefix(prefix).build()))
        .build()
        .expect("rule")
    }

    fn noncurrent(days: i32) -> NoncurrentVersionExpiration {
        NoncurrentVersionExpiration::builder()
            .noncurrent_days(days)
            .build()
    }

    #[test]
    fn lifecycle_rules_of_anyone_count_unless_something_acts_sooner() {
        let policy = Hardening::default();
        let theirs = [rule("theirs", "", |b| {
            b.noncurrent_version_expiration(noncurrent(30))
        })];
        assert!(check_lifecycle(&theirs, Item::NoncurrentVersions, &policy).ok);
        // A longer rule elsewhere is harmless; a shorter one is drift.
        let longer = [
            theirs[0].clone(),
            rule("long", "x/", |b| {
                b.noncurrent_version_expiration(noncurrent(90))
            }),
        ];
        assert!(check_lifecycle(&longer, Item::NoncurrentVersions, &policy).ok);
        let sooner = [
            theirs[0].clone(),
            rule("short", "x/", |b| {
                b.noncurrent_version_expiration(noncurrent(3))
            }),
        ];
        let c = check_lifecycle(&sooner, Item::NoncurrentVersions, &policy);
        assert!(
            !c.ok && c.found.contains("\"short\" (prefix \"x/\"): 3 days"),
            "{c:?}"
        );
        // Only a prefix rule: not the whole bucket.
        let scoped = [rule("p", "x/", |b| {
            b.noncurrent_version_expiration(noncurrent(30))
        })];
        assert!(!check_lifecycle(&scoped, Item::NoncurrentVersions, &policy).ok);
    }

    #[test]
    fn no_expiry_means_no_rule_expires_current_objects() {
        let policy = Hardening {
            expire_days: None,
            ..Hardening::default()
        };
        assert!(check_lifecycle(&[], Item::CurrentObjects, &policy).ok);
        let expiring = [rule("e", "", |b| {
            b.expiration(LifecycleExpiration::builder().days(365).build())
        })];
        assert!(!check_lifecycle(&expiring, Item::CurrentObjects, &policy).ok);
        assert!(policy_rules(&[], &policy)
            .expect("rules")
            .iter()
            .all(|r| r.expiration().is_none()));
    }

    #[test]
    fn moto_versioning_answers() {
        let enabled = r#"<?xml version="1.0" encoding="utf-8"?>
<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Status>Enabled</Status></GetBucketVersioningResponse>"#;
        assert_eq!(
            misnamed_versioning(enabled),
            Some(Some(BucketVersioningStatus::Enabled))
        );
        let never =
            r#"<GetBucketVersioningResponse xmlns="http://s3.amazonaws.com/doc/2006-03-01/"/>"#;
        assert_eq!(misnamed_versioning(never), Some(None));
        assert_eq!(misnamed_versioning("<Error/>"), None);
    }

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
