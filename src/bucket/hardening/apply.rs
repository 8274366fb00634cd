//! What [`init`](super::init) writes for the items that are not
//! lifecycle rules: versioning, default encryption and the public access
//! block.

use aws_sdk_s3::types::{
    BucketVersioningStatus, PublicAccessBlockConfiguration, ServerSideEncryption,
    ServerSideEncryptionByDefault, ServerSideEncryptionConfiguration, ServerSideEncryptionRule,
    VersioningConfiguration,
};
use aws_sdk_s3::Client;

use crate::bucket::error::{self, Failure};
use crate::bucket::BucketError;

/// Enables versioning.
pub(super) async fn versioning(client: &Client, bucket: &str) -> Result<(), BucketError> {
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
    Ok(())
}

/// Sets SSE-S3 (`AES256`) as the default encryption.
pub(super) async fn encryption(client: &Client, bucket: &str) -> Result<(), BucketError> {
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
    Ok(())
}

/// Turns all four settings of the public access block on.
pub(super) async fn public_access_block(client: &Client, bucket: &str) -> Result<(), BucketError> {
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
        .map_err(|e| Failure::from_sdk(&e).into_error(bucket, error::PUT_PUBLIC_ACCESS_BLOCK))?;
    Ok(())
}
