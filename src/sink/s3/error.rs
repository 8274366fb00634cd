//! The S3 sink's error, and how SDK failures are classified.

use std::fmt;
use std::sync::Arc;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// An S3 API call the sink makes, and the IAM permission it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum S3Action {
    /// `PutObject` (archives that fit in the held first part).
    PutObject,
    /// `CreateMultipartUpload`.
    CreateMultipartUpload,
    /// `UploadPart`.
    UploadPart,
    /// `CompleteMultipartUpload`.
    CompleteMultipartUpload,
    /// `AbortMultipartUpload`.
    AbortMultipartUpload,
    /// `ListParts` (only to check that an aborted upload left no parts).
    ListParts,
    /// `HeadBucket` (the check before any database work that the
    /// credentials resolve and the bucket answers).
    HeadBucket,
    /// `GetObject` (restore, verify, audit and drill reading a backup).
    GetObject,
    /// `ListObjectsV2` (`ls`, `audit`, `drill` listing backups).
    ListObjectsV2,
    /// `DeleteObject` (`prune` deleting a backup).
    DeleteObject,
    /// `DeleteObject` of one version (`prune --purge-versions`).
    DeleteObjectVersion,
    /// `ListObjectVersions` (`prune --purge-versions` finding a key's
    /// versions).
    ListObjectVersions,
}

impl S3Action {
    /// The API name, e.g. `UploadPart`.
    pub fn name(self) -> &'static str {
        match self {
            S3Action::PutObject => "PutObject",
            S3Action::CreateMultipartUpload => "CreateMultipartUpload",
            S3Action::UploadPart => "UploadPart",
            S3Action::CompleteMultipartUpload => "CompleteMultipartUpload",
            S3Action::AbortMultipartUpload => "AbortMultipartUpload",
            S3Action::ListParts => "ListParts",
            S3Action::HeadBucket => "HeadBucket",
            S3Action::GetObject => "GetObject",
            S3Action::ListObjectsV2 => "ListObjectsV2",
            S3Action::DeleteObject | S3Action::DeleteObjectVersion => "DeleteObject",
            S3Action::ListObjectVersions => "ListObjectVersions",
        }
    }

    /// The IAM permission the call needs, e.g. `s3:PutObject` (which
    /// covers every call of a multipart upload except abort and list).
    pub fn permission(self) -> &'static str {
        match self {
            S3Action::PutObject
            | S3Action::CreateMultipartUpload
            | S3Action::UploadPart
            | S3Action::CompleteMultipartUpload => "s3:PutObject",
            S3Action::AbortMultipartUpload => "s3:AbortMultipartUpload",
            S3Action::ListParts => "s3:ListMultipartUploadParts",
            S3Action::HeadBucket | S3Action::ListObjectsV2 => "s3:ListBucket",
            S3Action::GetObject => "s3:GetObject",
            S3Action::DeleteObject => "s3:DeleteObject",
            S3Action::DeleteObjectVersion => "s3:DeleteObjectVersion",
            S3Action::ListObjectVersions => "s3:ListBucketVersions",
        }
    }
}

impl fmt::Display for S3Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An error of the S3 sink.
///
/// Every message names the object (`s3://bucket/key`) and, for failed
/// calls, the S3 action; an access denial names the IAM permission that is
/// missing. Messages never contain credentials: they are built from S3's
/// error code and message, the HTTP status, or the transport error.
///
/// The error is `Clone` so that a sink that failed can report the same
/// error on every later call.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum S3Error {
    /// An option of the sink is out of range.
    #[error("s3://{bucket}/{key}: {message}")]
    Config {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// What is wrong.
        message: String,
    },
    /// S3 answered 403 AccessDenied.
    #[error(
        "s3://{bucket}/{key}: {action} was denied (AccessDenied): the credentials lack the IAM permission {permission} on this bucket/key"
    )]
    AccessDenied {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The call that was denied.
        action: S3Action,
        /// The permission it needs.
        permission: &'static str,
    },
    /// The bucket does not exist.
    #[error(
        "s3://{bucket}/{key}: {action} failed: the bucket {bucket:?} does not exist (NoSuchBucket)"
    )]
    NoSuchBucket {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The call that failed.
        action: S3Action,
    },
    /// The credentials were missing, unknown, expired or did not sign the
    /// request correctly.
    #[error("s3://{bucket}/{key}: {action} failed: the credentials were rejected or are missing ({code}): {message}")]
    Credentials {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The call that failed.
        action: S3Action,
        /// S3's error code (e.g. `InvalidAccessKeyId`), or `NoCredentials`.
        code: String,
        /// S3's message, or the credential provider's.
        message: String,
    },
    /// An object already exists under the key: the final call is
    /// conditional (`If-None-Match: *`) and a backup is never overwritten.
    #[error("s3://{bucket}/{key}: {action} refused: an object already exists under this key and pgark never overwrites a backup (choose another key)")]
    AlreadyExists {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The conditional call (`PutObject` or `CompleteMultipartUpload`).
        action: S3Action,
    },
    /// A call failed (after retrying it if the failure was transient).
    #[error("s3://{bucket}/{key}: {action} failed after {attempts} attempt(s): {message}")]
    Request {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The call that failed.
        action: S3Action,
        /// How many times it was tried.
        attempts: u32,
        /// HTTP status, when S3 answered.
        status: Option<u16>,
        /// S3's error code, when it sent one.
        code: Option<String>,
        /// Whether the last failure was of a transient kind (timeout,
        /// connection error, 5xx, throttling).
        transient: bool,
        /// What went wrong.
        message: String,
    },
    /// `CompleteMultipartUpload` may or may not have taken effect: an
    /// attempt failed without an answer, and the retry found the upload
    /// gone. Write-only credentials cannot look at the object, so the
    /// operator has to.
    #[error("s3://{bucket}/{key}: the outcome of CompleteMultipartUpload is unknown ({message}); the archive may or may not exist under the key: run `pgark verify` on it with read credentials")]
    CompletionUnknown {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The failures seen.
        message: String,
    },
    /// The caller's patch of the held first part failed; nothing was
    /// completed.
    #[error("s3://{bucket}/{key}: patching the first part failed: {source}")]
    Patch {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The caller's error.
        source: Arc<dyn std::error::Error + Send + Sync>,
    },
    /// Nothing was written: an empty archive is never uploaded.
    #[error("s3://{bucket}/{key}: the archive is empty; nothing was uploaded")]
    Empty {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
    },
    /// The archive outgrew S3's 10,000 parts.
    #[error("s3://{bucket}/{key}: the archive is larger than {max_bytes} bytes, the most 10,000 parts hold with these part sizes (raise the minimum part size)")]
    TooLarge {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// The largest archive the schedule allows.
        max_bytes: u64,
    },
    /// The sink was used after it failed, finished or was aborted, or an
    /// upload task died.
    #[error("s3://{bucket}/{key}: {message}")]
    Internal {
        /// The bucket.
        bucket: String,
        /// The key.
        key: String,
        /// What happened.
        message: String,
    },
}

impl S3Error {
    /// The bucket the error is about (empty for an unparsable URL).
    pub fn bucket(&self) -> &str {
        match self {
            S3Error::Config { bucket, .. }
            | S3Error::AccessDenied { bucket, .. }
            | S3Error::NoSuchBucket { bucket, .. }
            | S3Error::Credentials { bucket, .. }
            | S3Error::AlreadyExists { bucket, .. }
            | S3Error::Request { bucket, .. }
            | S3Error::CompletionUnknown { bucket, .. }
            | S3Error::Patch { bucket, .. }
            | S3Error::Empty { bucket, .. }
            | S3Error::TooLarge { bucket, .. }
            | S3Error::Internal { bucket, .. } => bucket,
        }
    }

    /// The S3 call that failed, if the error is about one.
    pub fn action(&self) -> Option<S3Action> {
        match self {
            S3Error::AccessDenied { action, .. }
            | S3Error::NoSuchBucket { action, .. }
            | S3Error::Credentials { action, .. }
            | S3Error::AlreadyExists { action, .. }
            | S3Error::Request { action, .. } => Some(*action),
            S3Error::CompletionUnknown { .. } => Some(S3Action::CompleteMultipartUpload),
            _ => None,
        }
    }

    /// Whether the failure was transient (worth running the backup again
    /// as it is); configuration, permission and conflict errors are not.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            S3Error::Request {
                transient: true,
                ..
            }
        )
    }

    /// The S3 sink error carried by an [`std::io::Error`] that
    /// [`S3Sink`](super::S3Sink)'s `Write` implementation returned.
    pub fn from_io(e: &std::io::Error) -> Option<&S3Error> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<S3Error>())
    }
}

impl From<S3Error> for std::io::Error {
    fn from(e: S3Error) -> Self {
        let kind = match &e {
            S3Error::AccessDenied { .. } | S3Error::Credentials { .. } => {
                std::io::ErrorKind::PermissionDenied
            }
            S3Error::AlreadyExists { .. } => std::io::ErrorKind::AlreadyExists,
            S3Error::NoSuchBucket { .. } => std::io::ErrorKind::NotFound,
            S3Error::Config { .. } => std::io::ErrorKind::InvalidInput,
            _ => std::io::ErrorKind::Other,
        };
        std::io::Error::new(kind, e)
    }
}

/// One failed attempt, reduced to what the sink decides on and reports.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
    /// Worth retrying.
    pub transient: bool,
    /// The request may have reached S3 and taken effect without the
    /// answer reaching us (timeouts, dropped connections, 5xx).
    pub ambiguous: bool,
}

/// S3 error codes that are worth retrying (besides any 5xx and 429).
const TRANSIENT_CODES: &[&str] = &[
    "RequestTimeout",
    "RequestTimeoutException",
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "InternalError",
    "ServiceUnavailable",
    "BadDigest",
    "XAmzContentSHA256Mismatch",
    "ConditionalRequestConflict",
    "RequestTimeTooSkewed",
];

impl Failure {
    /// An attempt that did not finish in time.
    pub fn timeout(after: std::time::Duration) -> Failure {
        Failure {
            status: None,
            code: None,
            message: format!("no answer within {} s", after.as_secs()),
            transient: true,
            ambiguous: true,
        }
    }

    /// Classifies an SDK error.
    pub(crate) fn from_sdk<E>(err: &SdkError<E, HttpResponse>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        match err {
            SdkError::ServiceError(service) => {
                let status = service.raw().status().as_u16();
                let code = err.code().map(str::to_owned);
                let message = match (err.code(), err.message()) {
                    (Some(c), Some(m)) => format!("{c}: {m}"),
                    (Some(c), None) => c.to_owned(),
                    (None, Some(m)) => m.to_owned(),
                    (None, None) => format!("HTTP status {status}"),
                };
                let transient = status >= 500
                    || status == 429
                    || code
                        .as_deref()
                        .is_some_and(|c| TRANSIENT_CODES.contains(&c));
                Failure {
                    status: Some(status),
                    code,
                    message: one_line(&message),
                    transient,
                    ambiguous: status >= 500 || status == 429,
                }
            }
            SdkError::TimeoutError(_) => Failure {
                status: None,
                code: None,
                message: chain_line(err),
                transient: true,
                ambiguous: true,
            },
            SdkError::DispatchFailure(d) => {
                let text = no_credentials_found(chain_line(err));
                // No credentials at all shows up here, as a user error of
                // the identity resolver: not transient.
                let no_creds = text.contains("credentials") || text.contains("identity");
                Failure {
                    status: None,
                    code: no_creds.then(|| "NoCredentials".to_owned()),
                    message: text,
                    transient: !no_creds && (d.is_io() || d.is_timeout() || d.is_other()),
                    // A connection error may come after the request was sent.
                    ambiguous: true,
                }
            }
            SdkError::ResponseError(r) => Failure {
                status: Some(r.raw().status().as_u16()),
                code: None,
                message: chain_line(err),
                transient: true,
                ambiguous: true,
            },
            _ => {
                let text = no_credentials_found(chain_line(err));
                let no_creds = text.contains("credentials") || text.contains("identity");
                Failure {
                    status: None,
                    code: no_creds.then(|| "NoCredentials".to_owned()),
                    message: text,
                    transient: false,
                    ambiguous: false,
                }
            }
        }
    }

    /// The error for the object, once retrying is over.
    pub fn into_error(self, bucket: &str, key: &str, action: S3Action, attempts: u32) -> S3Error {
        let bucket = bucket.to_owned();
        let key = key.to_owned();
        let code = self.code.as_deref().unwrap_or("");
        match (self.status, code) {
            (_, "AccessDenied" | "AllAccessDisabled") | (Some(403), "") => S3Error::AccessDenied {
                bucket,
                key,
                action,
                permission: action.permission(),
            },
            (_, "NoSuchBucket") => S3Error::NoSuchBucket {
                bucket,
                key,
                action,
            },
            (
                _,
                "InvalidAccessKeyId"
                | "SignatureDoesNotMatch"
                | "ExpiredToken"
                | "InvalidToken"
                | "TokenRefreshRequired"
                | "NoCredentials",
            ) => S3Error::Credentials {
                bucket,
                key,
                action,
                code: code.to_owned(),
                message: self
                    .message
                    .strip_prefix(code)
                    .and_then(|m| m.strip_prefix(": "))
                    .unwrap_or(&self.message)
                    .to_owned(),
            },
            (Some(412), _) | (_, "PreconditionFailed")
                if matches!(
                    action,
                    S3Action::PutObject | S3Action::CompleteMultipartUpload
                ) =>
            {
                S3Error::AlreadyExists {
                    bucket,
                    key,
                    action,
                }
            }
            _ => S3Error::Request {
                bucket,
                key,
                action,
                attempts,
                status: self.status,
                code: self.code,
                transient: self.transient,
                message: self.message,
            },
        }
    }
}

/// One readable line for an error and its causes: each message once,
/// outermost first, joined by `: `. Unlike the SDK's `DisplayErrorContext`
/// it never appends the `Debug` form of the chain.
pub(crate) fn chain_line(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(err);
    while let Some(e) = next {
        let text = one_line(&e.to_string());
        // The SDK's wrapper labels say nothing the causes do not.
        let label = matches!(
            text.as_str(),
            "dispatch failure" | "other" | "service error"
        );
        if !label && !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = e.source();
    }
    if parts.is_empty() {
        "unknown error".to_owned()
    } else {
        parts.join(": ")
    }
}

/// The default chain's "none of them had any" lists every provider and
/// why it was not enabled: several hundred characters that say one thing.
fn no_credentials_found(text: String) -> String {
    if text.contains("no credentials found in chain") {
        "no AWS credentials found (environment, profile files, web identity, ECS, instance metadata); set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE".to_owned()
    } else {
        text
    }
}

/// Newlines out, so an error stays one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
