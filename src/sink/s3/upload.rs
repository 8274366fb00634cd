//! The S3 calls, each retried with jittered exponential backoff.

use std::collections::hash_map::RandomState;
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_s3::config::http::HttpResponse;
use aws_sdk_s3::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use aws_sdk_s3::Client;
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use bytes::Bytes;

use super::error::Failure;
use super::parts::sha256;
use super::{S3Action, S3Error};

/// How calls are retried.
#[derive(Debug, Clone, Copy)]
pub(crate) struct RetryPolicy {
    pub max_attempts: u32,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    pub attempt_timeout: Duration,
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1`: exponential, capped, with
    /// jitter (50–100 % of the step) so parallel parts do not retry in
    /// lock step.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20))
            .min(self.max_backoff);
        let mut h = RandomState::new().build_hasher();
        h.write_u32(attempt);
        let frac = (h.finish() % 1000) as f64 / 2000.0 + 0.5;
        exp.mul_f64(frac)
    }

    /// The time one attempt to send `len` bytes may take: the configured
    /// timeout plus one second per MiB (a floor of 1 MiB/s).
    fn timeout_for(&self, len: usize) -> Duration {
        self.attempt_timeout
            .saturating_add(Duration::from_secs((len / (1024 * 1024)) as u64))
    }
}

/// A call that failed for good.
#[derive(Debug)]
pub(crate) struct Failed {
    last: Failure,
    attempts: u32,
    /// An earlier attempt failed in a way that may have taken effect.
    earlier_ambiguous: bool,
}

/// An uploaded part.
#[derive(Debug, Clone)]
pub(crate) struct PartDone {
    pub number: u32,
    pub size: u64,
    pub sha256: [u8; 32],
    pub e_tag: String,
}

/// What the final call answered.
#[derive(Debug, Default)]
pub(crate) struct Committed {
    pub e_tag: Option<String>,
    pub version_id: Option<String>,
    pub checksum_sha256: Option<String>,
}

/// Everything an upload task needs.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub client: Client,
    pub bucket: String,
    pub key: String,
    pub retry: RetryPolicy,
    pub overwrite: bool,
}

impl Ctx {
    fn error(&self, action: S3Action, f: Failed) -> S3Error {
        f.last
            .into_error(&self.bucket, &self.key, action, f.attempts)
    }

    pub fn internal(&self, message: impl Into<String>) -> S3Error {
        S3Error::Internal {
            bucket: self.bucket.clone(),
            key: self.key.clone(),
            message: message.into(),
        }
    }

    /// Runs `op` until it succeeds, fails for good, or runs out of attempts.
    async fn retry<T, E, F, Fut>(&self, timeout: Duration, mut op: F) -> Result<T, Failed>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, SdkError<E, HttpResponse>>>,
        E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    {
        let mut earlier_ambiguous = false;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let failure = match tokio::time::timeout(timeout, op()).await {
                Ok(Ok(v)) => return Ok(v),
                Ok(Err(e)) => Failure::from_sdk(&e),
                Err(_) => Failure::timeout(timeout),
            };
            if !failure.transient || attempt >= self.retry.max_attempts {
                return Err(Failed {
                    last: failure,
                    attempts: attempt,
                    earlier_ambiguous,
                });
            }
            earlier_ambiguous |= failure.ambiguous;
            tokio::time::sleep(self.retry.backoff(attempt)).await;
        }
    }

    /// `CreateMultipartUpload` with SHA-256 part checksums; the upload id.
    pub async fn create(&self) -> Result<Arc<str>, S3Error> {
        let out = self
            .retry(self.retry.attempt_timeout, || {
                self.client
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .checksum_algorithm(ChecksumAlgorithm::Sha256)
                    .send()
            })
            .await
            .map_err(|f| self.error(S3Action::CreateMultipartUpload, f))?;
        match out.upload_id() {
            Some(id) if !id.is_empty() => Ok(Arc::from(id)),
            _ => Err(self.internal("CreateMultipartUpload answered without an upload id")),
        }
    }

    /// `UploadPart` of `body` as part `number`, with its SHA-256 (computed
    /// off the runtime's worker threads unless given).
    pub async fn upload_part(
        self: Arc<Self>,
        upload_id: Arc<str>,
        number: u32,
        body: Bytes,
        digest: Option<[u8; 32]>,
    ) -> Result<PartDone, S3Error> {
        let digest = match digest {
            Some(d) => d,
            None => {
                let data = body.clone();
                tokio::task::spawn_blocking(move || sha256(&data))
                    .await
                    .map_err(|e| self.internal(format!("hashing part {number}: {e}")))?
            }
        };
        let checksum = BASE64.encode(digest);
        let part_number = i32::try_from(number).unwrap_or(i32::MAX);
        let len = i64::try_from(body.len()).unwrap_or(i64::MAX);
        let out = self
            .retry(self.retry.timeout_for(body.len()), || {
                self.client
                    .upload_part()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .upload_id(&*upload_id)
                    .part_number(part_number)
                    .content_length(len)
                    .checksum_algorithm(ChecksumAlgorithm::Sha256)
                    .checksum_sha256(&checksum)
                    .body(ByteStream::from(body.clone()))
                    .send()
            })
            .await
            .map_err(|f| self.error(S3Action::UploadPart, f))?;
        if let Some(theirs) = out.checksum_sha256() {
            if theirs != checksum {
                return Err(self.internal(format!(
                    "UploadPart of part {number}: S3 computed SHA-256 {theirs}, we sent {checksum}"
                )));
            }
        }
        let e_tag = out.e_tag().ok_or_else(|| {
            self.internal(format!(
                "UploadPart of part {number} answered without an ETag"
            ))
        })?;
        Ok(PartDone {
            number,
            size: body.len() as u64,
            sha256: digest,
            e_tag: e_tag.to_owned(),
        })
    }

    /// `PutObject` of the whole archive (conditional unless overwriting).
    pub async fn put_object(&self, body: Bytes, digest: [u8; 32]) -> Result<Committed, S3Error> {
        let checksum = BASE64.encode(digest);
        let len = i64::try_from(body.len()).unwrap_or(i64::MAX);
        let out = self
            .retry(self.retry.timeout_for(body.len()), || {
                let mut req = self
                    .client
                    .put_object()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .content_length(len)
                    .checksum_algorithm(ChecksumAlgorithm::Sha256)
                    .checksum_sha256(&checksum)
                    .body(ByteStream::from(body.clone()));
                if !self.overwrite {
                    req = req.if_none_match("*");
                }
                req.send()
            })
            .await
            .map_err(|f| self.error(S3Action::PutObject, f))?;
        Ok(Committed {
            e_tag: out.e_tag().map(str::to_owned),
            version_id: out.version_id().map(str::to_owned),
            checksum_sha256: out.checksum_sha256().map(str::to_owned),
        })
    }

    /// `CompleteMultipartUpload` with `parts` in order (conditional unless
    /// overwriting). S3 may answer 200 with an error in the body; the SDK
    /// turns that into an error, retried like any other.
    pub async fn complete(
        &self,
        upload_id: &str,
        parts: &[PartDone],
    ) -> Result<Committed, S3Error> {
        let completed: Vec<CompletedPart> = parts
            .iter()
            .map(|p| {
                CompletedPart::builder()
                    .part_number(i32::try_from(p.number).unwrap_or(i32::MAX))
                    .e_tag(&p.e_tag)
                    .checksum_sha256(BASE64.encode(p.sha256))
                    .build()
            })
            .collect();
        let upload = CompletedMultipartUpload::builder()
            .set_parts(Some(completed))
            .build();
        let result = self
            .retry(self.retry.attempt_timeout, || {
                let mut req = self
                    .client
                    .complete_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .upload_id(upload_id)
                    .multipart_upload(upload.clone());
                if !self.overwrite {
                    req = req.if_none_match("*");
                }
                req.send()
            })
            .await;
        match result {
            Ok(out) => Ok(Committed {
                e_tag: out.e_tag().map(str::to_owned),
                version_id: out.version_id().map(str::to_owned),
                checksum_sha256: out.checksum_sha256().map(str::to_owned),
            }),
            Err(f) if f.earlier_ambiguous && f.last.code.as_deref() == Some("NoSuchUpload") => {
                Err(S3Error::CompletionUnknown {
                    bucket: self.bucket.clone(),
                    key: self.key.clone(),
                    message: format!(
                        "an attempt got no clear answer, then attempt {} found the upload gone: {}",
                        f.attempts, f.last.message
                    ),
                })
            }
            Err(f) => Err(self.error(S3Action::CompleteMultipartUpload, f)),
        }
    }

    /// `AbortMultipartUpload`, then `ListParts` to check that no part
    /// survived (a part whose upload was in flight during the abort can
    /// still land); aborts again if one did. Gives up after `limit`.
    pub async fn abort(&self, upload_id: &str, limit: Duration) -> Result<(), S3Error> {
        let work = async {
            for _round in 0..3 {
                let aborted = self
                    .retry(self.retry.attempt_timeout.min(limit), || {
                        self.client
                            .abort_multipart_upload()
                            .bucket(&self.bucket)
                            .key(&self.key)
                            .upload_id(upload_id)
                            .send()
                    })
                    .await;
                match aborted {
                    Ok(_) => {}
                    Err(f) if f.last.code.as_deref() == Some("NoSuchUpload") => {}
                    Err(f) => return Err(self.error(S3Action::AbortMultipartUpload, f)),
                }
                let listed = self
                    .client
                    .list_parts()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .upload_id(upload_id)
                    .send()
                    .await;
                match listed {
                    Ok(out) if !out.parts().is_empty() => continue,
                    // Gone (NoSuchUpload), empty, or not allowed to look:
                    // the abort was accepted, which is all we can know.
                    _ => return Ok(()),
                }
            }
            Ok(())
        };
        match tokio::time::timeout(limit, work).await {
            Ok(r) => r,
            Err(_) => Err(S3Error::Request {
                bucket: self.bucket.clone(),
                key: self.key.clone(),
                action: S3Action::AbortMultipartUpload,
                attempts: 1,
                status: None,
                code: None,
                transient: true,
                message: format!(
                    "no answer within {} s; the upload {upload_id} may linger until a lifecycle rule removes it",
                    limit.as_secs()
                ),
            }),
        }
    }
}
