//! `s3://bucket/key`: the one S3 URL type, parsed in one place for every
//! command (an archive to read, a backup's target, a bucket and prefix to
//! list, audit, prune, drill or harden).

use std::fmt;
use std::str::FromStr;

/// A bucket and a key, or a key prefix (possibly empty): `s3://bucket`,
/// `s3://bucket/prefix/` or `s3://bucket/path/to/key`.
///
/// ```
/// # fn main() -> Result<(), pgark::S3UrlError> {
/// use pgark::S3Url;
/// let archive = S3Url::object("s3://backups/prod/db.dump")?;
/// assert_eq!((archive.bucket.as_str(), archive.key.as_str()), ("backups", "prod/db.dump"));
/// let under: S3Url = "s3://backups/prod/".parse()?;
/// assert_eq!(under.key, "prod/");
/// assert!(S3Url::object("s3://backups/prod/").is_err());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct S3Url {
    /// The bucket.
    pub bucket: String,
    /// The object's key, or the prefix of the keys meant (no leading `/`;
    /// empty for the whole bucket).
    pub key: String,
}

/// An `s3://` URL that does not parse: the URL as given and why, in one
/// line (`invalid S3 URL "s3://B/x": a bucket name has ...`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid S3 URL {url:?}: {reason}")]
pub struct S3UrlError {
    /// The URL as given.
    pub url: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl S3Url {
    /// A URL from its parts (not checked).
    pub fn new(bucket: impl Into<String>, key: impl Into<String>) -> S3Url {
        S3Url {
            bucket: bucket.into(),
            key: key.into(),
        }
    }

    /// Parses `s3://bucket`, `s3://bucket/` or `s3://bucket/key-or-prefix`.
    /// A bucket name has 3 to 63 lower-case letters, digits, `-`, `.` or
    /// `_` (the last only in buckets made before 2018); the key or prefix
    /// has no `?`, `#` or `*`.
    pub fn parse(url: &str) -> Result<S3Url, S3UrlError> {
        let invalid = |reason| S3UrlError {
            url: url.to_owned(),
            reason,
        };
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| invalid("it does not start with s3://"))?;
        let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(invalid("the bucket name is empty"));
        }
        if bucket.len() < 3 || bucket.len() > 63 {
            return Err(invalid("a bucket name has 3 to 63 characters"));
        }
        if !bucket
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"-._".contains(&b))
        {
            return Err(invalid(
                "a bucket name has only lower-case letters, digits, '-', '.' and '_'",
            ));
        }
        if key.contains(['?', '#', '*']) {
            return Err(invalid("the key contains '?', '#' or '*'"));
        }
        Ok(S3Url::new(bucket, key))
    }

    /// Parses the URL of one object: the key must be non-empty and must
    /// not end with `/` (a "directory" is not an object).
    pub fn object(url: &str) -> Result<S3Url, S3UrlError> {
        let parsed = S3Url::parse(url)?;
        let invalid = |reason| S3UrlError {
            url: url.to_owned(),
            reason,
        };
        if parsed.key.is_empty() {
            return Err(invalid("it has no key after the bucket"));
        }
        if parsed.key.ends_with('/') {
            return Err(invalid("the key ends with '/'"));
        }
        Ok(parsed)
    }

    /// Parses the URL of a whole bucket, refusing a prefix: bucket
    /// settings apply to every object in it.
    pub fn whole_bucket(url: &str) -> Result<S3Url, S3UrlError> {
        let parsed = S3Url::parse(url)?;
        if !parsed.key.is_empty() {
            return Err(S3UrlError {
                url: url.to_owned(),
                reason:
                    "bucket settings apply to the whole bucket: give s3://bucket without a prefix",
            });
        }
        Ok(parsed)
    }

    /// Whether this names a prefix (the whole bucket, or a key ending
    /// with `/`) rather than one object.
    pub fn is_prefix(&self) -> bool {
        self.key.is_empty() || self.key.ends_with('/')
    }
}

impl FromStr for S3Url {
    type Err = S3UrlError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        S3Url::parse(s)
    }
}

impl fmt::Display for S3Url {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s3://{}/{}", self.bucket, self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects() {
        let t = S3Url::object("s3://b-1.x/a/b/c.dump").expect("valid");
        assert_eq!(t, S3Url::new("b-1.x", "a/b/c.dump"));
        assert_eq!(t.to_string(), "s3://b-1.x/a/b/c.dump");
        for bad in [
            "s3://bucket",
            "s3://bucket/",
            "s3:///key",
            "http://bucket/key",
            "s3://Bucket/key",
            "s3://bucket/dir/",
            "s3://bucket/a?b",
        ] {
            let e = S3Url::object(bad).expect_err(bad);
            assert!(e.to_string().contains(bad), "{e}");
        }
    }

    #[test]
    fn prefixes() {
        let u = S3Url::parse("s3://my-bucket").expect("valid");
        assert_eq!((u.bucket.as_str(), u.key.as_str()), ("my-bucket", ""));
        assert!(u.is_prefix());
        let u = S3Url::parse("s3://my-bucket/").expect("valid");
        assert_eq!(u.key, "");
        let u = S3Url::parse("s3://my-bucket/a/b").expect("valid");
        assert_eq!(u.key, "a/b");
        assert!(!u.is_prefix());
        assert!(S3Url::whole_bucket("s3://my-bucket/a").is_err());
        assert!(S3Url::whole_bucket("s3://my-bucket/").is_ok());
        for bad in ["my-bucket", "s3://", "s3://B", "s3://ab", "s3://abc/x*"] {
            let e = S3Url::parse(bad).expect_err(bad);
            assert!(e.to_string().contains(bad), "{e}");
        }
    }
}
