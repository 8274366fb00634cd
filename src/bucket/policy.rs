//! The IAM policies of the two identities that touch the backup bucket.
//!
//! * The **writer** (the cron job's user) may only create objects under
//!   the prefix: `s3:PutObject` (PutObject and every multipart call but
//!   abort), `s3:AbortMultipartUpload` (a failed backup leaves no parts)
//!   and `s3:ListMultipartUploadParts` (to check that). No Get, no List, no
//!   Delete: stolen backup credentials neither read nor destroy backups,
//!   and with versioning on, an overwrite keeps the old version.
//! * The **reader** (the admin or restore-drill role) reads what `pgark
//!   ls`, `audit`, `verify`, `drill` and `bucket audit` read: the bucket's
//!   settings, its listing (current and old versions) and the objects
//!   (any version). It cannot write or delete.
//! * The **pruner** (`pgark prune --apply`) lists the backups, reads their
//!   manifests (`*.manifest.json` only, not the archives) and deletes
//!   objects; with `--purge-versions` it also lists versions and deletes
//!   them (`s3:ListBucketVersions`, `s3:DeleteObjectVersion`). It cannot
//!   write, and without `--purge-versions` a deletion on a versioned
//!   bucket leaves the old version for the lifecycle rule.
//!
//! Resources: objects are `arn:aws:s3:::bucket/prefix*`; the bucket-level
//! permissions are on `arn:aws:s3:::bucket`. With a prefix, the reader's
//! listing is limited to keys under it (a `s3:prefix` condition).

use crate::S3Url;
use serde_json::{json, Value};

use super::Json;

/// The IAM policy language version.
const VERSION: &str = "2012-10-17";

/// What the write-only backup user may do, exactly.
pub const WRITER_ACTIONS: [&str; 3] = [
    "s3:PutObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
];

/// Bucket settings the reader reads (`pgark bucket audit`).
pub const READER_BUCKET_SETTINGS_ACTIONS: [&str; 5] = [
    "s3:GetBucketLocation",
    "s3:GetBucketVersioning",
    "s3:GetEncryptionConfiguration",
    "s3:GetBucketPublicAccessBlock",
    "s3:GetLifecycleConfiguration",
];

/// Listing the backups (`pgark ls`, `pgark audit`), versions included.
pub const READER_LIST_ACTIONS: [&str; 2] = ["s3:ListBucket", "s3:ListBucketVersions"];

/// Reading archives and manifests (`pgark verify`, `pgark drill`), any
/// version of them.
pub const READER_OBJECT_ACTIONS: [&str; 4] = [
    "s3:GetObject",
    "s3:GetObjectVersion",
    "s3:GetObjectAttributes",
    "s3:GetObjectVersionAttributes",
];

/// What the pruner does to backups (`pgark prune --apply`).
pub const PRUNER_DELETE_ACTIONS: [&str; 1] = ["s3:DeleteObject"];

/// What the pruner needs in addition with `--purge-versions`.
pub const PRUNER_PURGE_ACTIONS: [&str; 2] = ["s3:ListBucketVersions", "s3:DeleteObjectVersion"];

/// Who a policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// The write-only backup user.
    Writer,
    /// The admin / restore drill role.
    Reader,
    /// The role running `pgark prune --apply`; `purge_versions` when it
    /// runs with `--purge-versions`.
    Pruner {
        /// Whether it deletes old versions too.
        purge_versions: bool,
    },
}

impl Role {
    /// The policy document for this role.
    pub fn policy(self, url: &S3Url) -> Json {
        match self {
            Role::Writer => writer_policy(url),
            Role::Reader => reader_policy(url),
            Role::Pruner { purge_versions } => pruner_policy(url, purge_versions),
        }
    }

    /// `writer`, `reader` or `pruner`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Writer => "writer",
            Role::Reader => "reader",
            Role::Pruner { .. } => "pruner",
        }
    }
}

/// `arn:aws:s3:::bucket`.
pub fn bucket_arn(url: &S3Url) -> String {
    format!("arn:aws:s3:::{}", url.bucket)
}

/// `arn:aws:s3:::bucket/prefix*`: every object under the prefix.
pub fn objects_arn(url: &S3Url) -> String {
    format!("arn:aws:s3:::{}/{}*", url.bucket, url.key)
}

/// The write-only backup user's policy: [`WRITER_ACTIONS`] on
/// [`objects_arn`], nothing else.
///
/// ```
/// let url = pgark::S3Url::parse("s3://backups").unwrap();
/// let doc = pgark::bucket::policy::writer_policy(&url).to_string();
/// assert!(doc.contains("\"arn:aws:s3:::backups/*\""));
/// assert!(!doc.contains("s3:GetObject"));
/// ```
pub fn writer_policy(url: &S3Url) -> Json {
    document(vec![statement(
        "PgarkBackupWriteOnly",
        &WRITER_ACTIONS,
        objects_arn(url),
        None,
    )])
}

/// `arn:aws:s3:::bucket/prefix*.manifest.json`: the manifests under the
/// prefix.
pub fn manifests_arn(url: &S3Url) -> String {
    format!(
        "arn:aws:s3:::{}/{}*{}",
        url.bucket,
        url.key,
        crate::manifest::SUFFIX
    )
}

/// Listing limited to the prefix, when there is one.
fn list_condition(url: &S3Url) -> Option<Value> {
    (!url.key.is_empty()).then(|| json!({"StringLike": {"s3:prefix": [format!("{}*", url.key)]}}))
}

/// The pruner's policy: `s3:ListBucket` (limited to the prefix),
/// `s3:GetObject` of the manifests only, `s3:DeleteObject` under the
/// prefix; with `purge_versions` also [`PRUNER_PURGE_ACTIONS`].
///
/// ```
/// let url = pgark::S3Url::parse("s3://backups/prod/").unwrap();
/// let doc = pgark::bucket::policy::pruner_policy(&url, false).to_string();
/// assert!(doc.contains("\"arn:aws:s3:::backups/prod/*.manifest.json\""));
/// assert!(!doc.contains("s3:DeleteObjectVersion") && !doc.contains("s3:PutObject"));
/// ```
pub fn pruner_policy(url: &S3Url, purge_versions: bool) -> Json {
    let mut list = vec!["s3:ListBucket"];
    let mut delete = PRUNER_DELETE_ACTIONS.to_vec();
    if purge_versions {
        list.push(PRUNER_PURGE_ACTIONS[0]);
        delete.push(PRUNER_PURGE_ACTIONS[1]);
    }
    document(vec![
        statement(
            "PgarkListBackups",
            &list,
            bucket_arn(url),
            list_condition(url),
        ),
        statement(
            "PgarkReadManifests",
            &["s3:GetObject"],
            manifests_arn(url),
            None,
        ),
        statement("PgarkDeleteBackups", &delete, objects_arn(url), None),
    ])
}

/// The reader's policy: bucket settings, listing and objects, read only.
pub fn reader_policy(url: &S3Url) -> Json {
    let list_condition = list_condition(url);
    document(vec![
        statement(
            "PgarkReadBucketSettings",
            &READER_BUCKET_SETTINGS_ACTIONS,
            bucket_arn(url),
            None,
        ),
        statement(
            "PgarkListBackups",
            &READER_LIST_ACTIONS,
            bucket_arn(url),
            list_condition,
        ),
        statement(
            "PgarkReadBackups",
            &READER_OBJECT_ACTIONS,
            objects_arn(url),
            None,
        ),
    ])
}

fn document(statements: Vec<Value>) -> Json {
    Json::new(json!({"Version": VERSION, "Statement": statements}))
}

fn statement(sid: &str, actions: &[&str], resource: String, condition: Option<Value>) -> Value {
    let mut doc = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Action": actions,
        "Resource": resource,
    });
    if let (Some(c), Some(map)) = (condition, doc.as_object_mut()) {
        map.insert("Condition".into(), c);
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_is_write_only_under_the_prefix() {
        let url = S3Url::parse("s3://bkt/prod/").expect("url");
        let doc = format!("{:#}", writer_policy(&url));
        assert!(
            doc.contains("\"Resource\": \"arn:aws:s3:::bkt/prod/*\""),
            "{doc}"
        );
        for a in WRITER_ACTIONS {
            assert!(doc.contains(&format!("\"{a}\"")), "{doc}");
        }
        assert_eq!(doc.matches("\"s3:").count(), 3, "{doc}");
    }

    #[test]
    fn reader_lists_only_under_the_prefix() {
        let whole = format!(
            "{:#}",
            reader_policy(&S3Url::parse("s3://bkt").expect("url"))
        );
        assert!(!whole.contains("Condition"), "{whole}");
        assert!(whole.contains("\"arn:aws:s3:::bkt/*\""), "{whole}");
        let prefixed = format!(
            "{:#}",
            reader_policy(&S3Url::parse("s3://bkt/p/").expect("url"))
        );
        assert!(prefixed.contains("\"p/*\""), "{prefixed}");
        assert!(!prefixed.contains("Put") && !prefixed.contains("Delete"));
    }

    #[test]
    fn pruner_deletes_versions_only_when_purging() {
        let url = S3Url::parse("s3://bkt/p/").expect("url");
        let whole = S3Url::parse("s3://bkt").expect("url");
        let plain = format!("{:#}", pruner_policy(&whole, false));
        assert_eq!(plain.matches("\"s3:").count(), 3, "{plain}");
        for a in ["s3:ListBucket", "s3:GetObject", "s3:DeleteObject"] {
            assert!(plain.contains(&format!("\"{a}\"")), "{plain}");
        }
        let prefixed = format!("{:#}", pruner_policy(&url, false));
        assert!(prefixed.contains("\"arn:aws:s3:::bkt/p/*.manifest.json\""));
        assert!(prefixed.contains("\"p/*\""), "{prefixed}");
        let purge = format!("{:#}", pruner_policy(&whole, true));
        assert_eq!(purge.matches("\"s3:").count(), 5, "{purge}");
        for a in PRUNER_PURGE_ACTIONS {
            assert!(purge.contains(&format!("\"{a}\"")), "{purge}");
            assert!(!plain.contains(&format!("\"{a}\"")), "{plain}");
        }
    }
}
