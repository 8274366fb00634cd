//! Where the bucket is: its region (followed when S3 redirects), and
//! creating it in the client's region.

use aws_sdk_s3::config::Region;
use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
use aws_sdk_s3::Client;

use crate::bucket::error::{self, Failure};
use crate::bucket::BucketError;

/// The bucket's region, and a client for it. `NoSuchBucket` if it does
/// not exist.
pub(super) async fn locate(client: &Client, bucket: &str) -> Result<(Client, String), BucketError> {
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
pub(super) async fn create(client: &Client, bucket: &str) -> Result<(Client, String), BucketError> {
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

pub(super) fn region_of(client: &Client) -> String {
    client
        .config()
        .region()
        .map_or_else(|| "us-east-1".to_owned(), |r| r.to_string())
}

pub(super) fn for_region(client: &Client, region: &str) -> Client {
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
