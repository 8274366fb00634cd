//! Errors of the bucket administration calls.

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};

/// A failed bucket administration call (`pgark bucket init/audit`).
///
/// Messages name the bucket and the S3 call; an access denial names the
/// IAM permission the call needs. They are built from S3's error code and
/// message, the HTTP status or the transport error: never from
/// credentials.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum BucketError {
    /// A setting is out of range.
    #[error("{0}")]
    Config(String),
    /// S3 answered 403 AccessDenied.
    #[error("s3://{bucket}: {call} was denied (AccessDenied): the credentials lack the IAM permission {permission}")]
    AccessDenied {
        /// The bucket.
        bucket: String,
        /// The S3 call, e.g. `PutBucketVersioning`.
        call: &'static str,
        /// The IAM permission it needs, e.g. `s3:PutBucketVersioning`.
        permission: &'static str,
    },
    /// The bucket's name belongs to another account.
    #[error("s3://{bucket}: the bucket name is taken by another AWS account (BucketAlreadyExists): choose another name")]
    TakenByAnotherAccount {
        /// The bucket.
        bucket: String,
    },
    /// The bucket does not exist (audit does not create it).
    #[error("s3://{bucket}: the bucket does not exist (create and harden it with `pgark bucket init s3://{bucket}`)")]
    NoSuchBucket {
        /// The bucket.
        bucket: String,
    },
    /// Any other failed call.
    #[error("s3://{bucket}: {call} failed: {message}")]
    Request {
        /// The bucket.
        bucket: String,
        /// The S3 call.
        call: &'static str,
        /// HTTP status, when S3 answered.
        status: Option<u16>,
        /// S3's error code, when it sent one.
        code: Option<String>,
        /// What went wrong, on one line.
        message: String,
    },
}

/// An S3 call of `pgark bucket` and the IAM permission it needs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Call {
    pub name: &'static str,
    pub permission: &'static str,
}

macro_rules! calls {
    ($($id:ident = $name:literal, $perm:literal;)*) => {
        $(pub(crate) const $id: Call = Call { name: $name, permission: $perm };)*
    };
}

calls! {
    GET_LOCATION = "GetBucketLocation", "s3:GetBucketLocation";
    CREATE_BUCKET = "CreateBucket", "s3:CreateBucket";
    GET_VERSIONING = "GetBucketVersioning", "s3:GetBucketVersioning";
    PUT_VERSIONING = "PutBucketVersioning", "s3:PutBucketVersioning";
    GET_ENCRYPTION = "GetBucketEncryption", "s3:GetEncryptionConfiguration";
    PUT_ENCRYPTION = "PutBucketEncryption", "s3:PutEncryptionConfiguration";
    GET_PUBLIC_ACCESS_BLOCK = "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock";
    PUT_PUBLIC_ACCESS_BLOCK = "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock";
    GET_LIFECYCLE = "GetBucketLifecycleConfiguration", "s3:GetLifecycleConfiguration";
    PUT_LIFECYCLE = "PutBucketLifecycleConfiguration", "s3:PutLifecycleConfiguration";
    DELETE_LIFECYCLE = "DeleteBucketLifecycle", "s3:PutLifecycleConfiguration";
}

/// The parts of an SDK failure the callers decide on.
#[derive(Debug)]
pub(crate) struct Failure {
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: String,
    /// The `x-amz-bucket-region` header of the answer, if any.
    pub bucket_region: Option<String>,
    /// The body of a successful (2xx) answer the SDK could not parse.
    pub unparsed_body: Option<String>,
}

impl Failure {
    pub(crate) fn from_sdk<E>(err: &SdkError<E, HttpResponse>) -> Failure
    where
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let raw = match err {
            SdkError::ServiceError(s) => Some(s.raw()),
            SdkError::ResponseError(r) => Some(r.raw()),
            _ => None,
        };
        let status = raw.map(|r| r.status().as_u16());
        let bucket_region = raw
            .and_then(|r| r.headers().get("x-amz-bucket-region"))
            .map(str::to_owned);
        let unparsed_body = raw
            .filter(|r| r.status().is_success())
            .and_then(|r| r.body().bytes())
            .map(|b| String::from_utf8_lossy(b).into_owned());
        let code = err.code().map(str::to_owned);
        let message = match (err.code(), err.message(), status) {
            (Some(c), Some(m), _) => format!("{c}: {m}"),
            (Some(c), None, _) => c.to_owned(),
            (None, Some(m), _) => m.to_owned(),
            (None, None, Some(s)) => format!("HTTP status {s}"),
            (None, None, None) => crate::sink::s3::chain_line(err),
        };
        Failure {
            status,
            code,
            message: one_line(&message),
            bucket_region,
            unparsed_body,
        }
    }

    pub fn is_code(&self, code: &str) -> bool {
        self.code.as_deref() == Some(code)
    }

    pub fn into_error(self, bucket: &str, call: Call) -> BucketError {
        let bucket = bucket.to_owned();
        match (self.status, self.code.as_deref()) {
            (_, Some("AccessDenied" | "AllAccessDisabled")) | (Some(403), None) => {
                BucketError::AccessDenied {
                    bucket,
                    call: call.name,
                    permission: call.permission,
                }
            }
            (_, Some("NoSuchBucket")) => BucketError::NoSuchBucket { bucket },
            _ => BucketError::Request {
                bucket,
                call: call.name,
                status: self.status,
                code: self.code,
                message: self.message,
            },
        }
    }
}

/// Newlines out, so an error stays one line.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
