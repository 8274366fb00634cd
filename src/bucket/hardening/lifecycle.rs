//! The lifecycle items: which enabled rules act on what, how soon, and
//! over which scope; the rules pgark writes, and their replacement.

use aws_sdk_s3::types::{
    AbortIncompleteMultipartUpload, BucketLifecycleConfiguration, ExpirationStatus,
    LifecycleExpiration, LifecycleRule, LifecycleRuleFilter, NoncurrentVersionExpiration,
};
use aws_sdk_s3::Client;

use super::{Check, Hardening, Item, RULE_ID_PREFIX};
use crate::bucket::error::{self, Failure};
use crate::bucket::BucketError;

const NONCURRENT_RULE_ID: &str = "pgark-expire-noncurrent-versions";
const ABORT_RULE_ID: &str = "pgark-abort-incomplete-multipart-uploads";
const EXPIRE_RULE_ID: &str = "pgark-expire-current-objects";

/// One enabled lifecycle rule's action of the kind an item is about.
pub(super) struct RuleAction {
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
pub(super) fn scope_of(rule: &LifecycleRule) -> (bool, String) {
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

pub(super) fn actions_of(rules: &[LifecycleRule], item: Item) -> Vec<RuleAction> {
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

pub(super) fn wanted_days(item: Item, policy: &Hardening) -> Option<u32> {
    match item {
        Item::NoncurrentVersions => Some(policy.noncurrent_days),
        Item::IncompleteUploads => Some(policy.abort_incomplete_days),
        Item::CurrentObjects => policy.expire_days,
        _ => None,
    }
}

pub(super) fn check_lifecycle(rules: &[LifecycleRule], item: Item, policy: &Hardening) -> Check {
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

pub(super) fn policy_rules(
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
pub(super) async fn put_lifecycle(
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
}
