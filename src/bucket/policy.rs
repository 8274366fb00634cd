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
//!
//! Resources: objects are `arn:aws:s3:::bucket/prefix*`; the bucket-level
//! permissions are on `arn:aws:s3:::bucket`. With a prefix, the reader's
//! listing is limited to keys under it (a `s3:prefix` condition).

use super::json::Json;
use super::BucketUrl;

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

/// Who a policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// The write-only backup user.
    Writer,
    /// The admin / restore drill role.
    Reader,
}

impl Role {
    /// The policy document for this role.
    pub fn policy(self, url: &BucketUrl) -> Json {
        match self {
            Role::Writer => writer_policy(url),
            Role::Reader => reader_policy(url),
        }
    }

    /// `writer` or `reader`.
    pub fn name(self) -> &'static str {
        match self {
            Role::Writer => "writer",
            Role::Reader => "reader",
        }
    }
}

/// `arn:aws:s3:::bucket`.
pub fn bucket_arn(url: &BucketUrl) -> String {
    format!("arn:aws:s3:::{}", url.bucket)
}

/// `arn:aws:s3:::bucket/prefix*`: every object under the prefix.
pub fn objects_arn(url: &BucketUrl) -> String {
    format!("arn:aws:s3:::{}/{}*", url.bucket, url.prefix)
}

/// The write-only backup user's policy: [`WRITER_ACTIONS`] on
/// [`objects_arn`], nothing else.
///
/// ```
/// let url = pgark::bucket::BucketUrl::parse("s3://backups").unwrap();
/// let doc = pgark::bucket::policy::writer_policy(&url).pretty();
/// assert!(doc.contains("\"arn:aws:s3:::backups/*\""));
/// assert!(!doc.contains("s3:GetObject"));
/// ```
pub fn writer_policy(url: &BucketUrl) -> Json {
    document(vec![statement(
        "PgarkBackupWriteOnly",
        &WRITER_ACTIONS,
        objects_arn(url),
        None,
    )])
}

/// The reader's policy: bucket settings, listing and objects, read only.
pub fn reader_policy(url: &BucketUrl) -> Json {
    let list_condition = (!url.prefix.is_empty()).then(|| {
        Json::object([(
            "StringLike",
            Json::object([("s3:prefix", Json::strings([format!("{}*", url.prefix)]))]),
        )])
    });
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

fn document(statements: Vec<Json>) -> Json {
    Json::object([
        ("Version", Json::str(VERSION)),
        ("Statement", Json::Array(statements)),
    ])
}

fn statement(sid: &str, actions: &[&str], resource: String, condition: Option<Json>) -> Json {
    let mut pairs = vec![
        ("Sid", Json::str(sid)),
        ("Effect", Json::str("Allow")),
        ("Action", Json::strings(actions.iter().copied())),
        ("Resource", Json::Str(resource)),
    ];
    if let Some(c) = condition {
        pairs.push(("Condition", c));
    }
    Json::object(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writer_is_write_only_under_the_prefix() {
        let url = BucketUrl::parse("s3://bkt/prod/").expect("url");
        let doc = writer_policy(&url).pretty();
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
        let whole = reader_policy(&BucketUrl::parse("s3://bkt").expect("url")).pretty();
        assert!(!whole.contains("Condition"), "{whole}");
        assert!(whole.contains("\"arn:aws:s3:::bkt/*\""), "{whole}");
        let prefixed = reader_policy(&BucketUrl::parse("s3://bkt/p/").expect("url")).pretty();
        assert!(prefixed.contains("\"p/*\""), "{prefixed}");
        assert!(!prefixed.contains("Put") && !prefixed.contains("Delete"));
    }
}
