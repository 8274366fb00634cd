//! The SDK client that reads and writes S3, and how it is configured.

use aws_config::BehaviorVersion;
use aws_sdk_s3::config::{Credentials, Region};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

use super::error::Failure;
use super::{S3Action, S3Error};
use crate::S3Url;

/// How to build the S3 client: everything not set here comes from the
/// standard AWS configuration chain (environment variables such as
/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
/// `AWS_REGION`, `AWS_PROFILE`, the shared config files, web identity,
/// ECS and EC2 instance credentials).
///
/// `Debug` never shows the secret key. No type of the AWS SDK appears
/// here: the SDK's client is built inside pgark, from these values.
#[derive(Debug, Clone, Default)]
pub struct S3ClientOptions {
    /// The endpoint, e.g. `http://127.0.0.1:5000` for moto or MinIO. When
    /// unset, `AWS_ENDPOINT_URL_S3` or `AWS_ENDPOINT_URL` are used if set,
    /// otherwise AWS's own endpoints.
    pub endpoint_url: Option<String>,
    /// The region; when unset the chain's, or `us-east-1` if it has none.
    pub region: Option<String>,
    /// Path-style addressing (`endpoint/bucket/key`). Default: on when an
    /// endpoint is set (here or in the environment), off for AWS.
    pub force_path_style: Option<bool>,
    /// Fixed credentials instead of the chain's (e.g. from a config file):
    /// set with [`with_static_credentials`](S3ClientOptions::with_static_credentials).
    credentials: Option<StaticCredentials>,
}

/// An access key given explicitly; `Debug` shows the key id only.
#[derive(Clone)]
struct StaticCredentials {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .finish()
    }
}

impl S3ClientOptions {
    /// Options with every value taken from the environment and the chain.
    pub fn from_env() -> S3ClientOptions {
        S3ClientOptions::default()
    }

    /// Sets the endpoint URL.
    pub fn with_endpoint_url(mut self, url: impl Into<String>) -> S3ClientOptions {
        self.endpoint_url = Some(url.into());
        self
    }

    /// Sets the region.
    pub fn with_region(mut self, region: impl Into<String>) -> S3ClientOptions {
        self.region = Some(region.into());
        self
    }

    /// Uses this access key instead of the credential chain.
    pub fn with_static_credentials(
        mut self,
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
    ) -> S3ClientOptions {
        self.credentials = Some(StaticCredentials {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
        });
        self
    }

    /// Adds a session token (temporary credentials, e.g. from STS) to the
    /// key set by [`with_static_credentials`](S3ClientOptions::with_static_credentials);
    /// without one, it does nothing.
    pub fn with_session_token(mut self, token: impl Into<String>) -> S3ClientOptions {
        if let Some(creds) = &mut self.credentials {
            creds.session_token = Some(token.into());
        }
        self
    }
}

/// Builds an S3 client from `aws_config::defaults(BehaviorVersion::latest())`
/// with the overrides in `options`, over rustls (ring) TLS with the
/// system's root certificates.
///
/// Credentials are resolved lazily, on the first request: missing
/// credentials surface as an [`S3Error::Credentials`] from the sink.
/// Crate-private: the SDK's types stay out of pgark's API.
pub(crate) async fn build_client(options: &S3ClientOptions) -> aws_sdk_s3::Client {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).http_client(http);
    if let Some(url) = &options.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(region) = &options.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some(creds) = &options.credentials {
        loader = loader.credentials_provider(Credentials::new(
            creds.access_key_id.clone(),
            creds.secret_access_key.clone(),
            creds.session_token.clone(),
            None,
            "pgark",
        ));
    }
    let shared = loader.load().await;
    let custom_endpoint = options.endpoint_url.is_some()
        || env_set("AWS_ENDPOINT_URL_S3")
        || env_set("AWS_ENDPOINT_URL");
    let mut builder = aws_sdk_s3::config::Builder::from(&shared)
        .force_path_style(options.force_path_style.unwrap_or(custom_endpoint));
    if shared.region().is_none() {
        builder = builder.region(Region::from_static("us-east-1"));
    }
    aws_sdk_s3::Client::from_conf(builder.build())
}

/// Fails fast, before any database work, when the credentials do not
/// resolve or the bucket does not answer (does not exist, is unreachable,
/// is in another region): one `HeadBucket`, which resolves the
/// credentials before it is sent (none found is an
/// [`S3Error::Credentials`] with code `NoCredentials`). A 403 passes: write-only credentials may not
/// call `HeadBucket` (`s3:ListBucket`), and S3 did answer; whether they
/// may write is decided by the upload itself.
pub(crate) async fn preflight(client: &aws_sdk_s3::Client, target: &S3Url) -> Result<(), S3Error> {
    let (bucket, key) = (target.bucket.as_str(), target.key.as_str());
    match client.head_bucket().bucket(bucket).send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let failure = Failure::from_sdk(&e);
            match failure.status {
                Some(403) => Ok(()),
                Some(404) => Err(S3Error::NoSuchBucket {
                    bucket: bucket.to_owned(),
                    key: key.to_owned(),
                    action: S3Action::HeadBucket,
                }),
                _ => Err(failure.into_error(bucket, key, S3Action::HeadBucket, 1)),
            }
        }
    }
}

fn env_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_secret() {
        let o = S3ClientOptions::default().with_static_credentials("AKIDEXAMPLE", "s3cr3t-value");
        let o = o.with_session_token("t0ken-value");
        let shown = format!("{o:?}");
        assert!(!shown.contains("s3cr3t-value"), "{shown}");
        assert!(!shown.contains("t0ken-value"), "{shown}");
        assert!(shown.contains("AKIDEXAMPLE"), "{shown}");
    }
}
