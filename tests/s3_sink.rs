//! The S3 multipart sink against a real moto server: bytes, parts and
//! checksums as uploaded, write-only credentials, aborts, and errors.

use std::io::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use aws_sdk_s3::Client;
use pgark::sink::s3::{
    composite_sha256, max_archive_size, part_size, S3Action, S3ClientOptions, S3Error, S3Sink,
    S3SinkOptions, S3Upload, MAX_PARTS, MAX_PART_SIZE, MIN_PART_SIZE,
};
use pgark::S3Url;
use pgark_testkit::{moto, moto_with_iam, MotoServer};
use sha2::{Digest, Sha256};
use tokio::runtime::Runtime;

use crate::common::hex;

const MIB: u64 = 1024 * 1024;

/// What the write-only backup user may do, and nothing more: the policy
/// `pgark iam-policy --role writer s3://pgark-iam` prints, as printed.
pub(crate) fn write_only_policy() -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_pgark"))
        .args(["iam-policy", "--role", "writer", "s3://pgark-iam"])
        .output()
        .expect("run pgark iam-policy");
    assert!(out.status.success(), "pgark iam-policy: {out:?}");
    String::from_utf8(out.stdout).expect("the policy is UTF-8")
}
const ADMIN_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
/// Everything on objects except writing them.
const NO_PUT_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
  "Resource": "arn:aws:s3:::pgark-iam/*"}]}"#;
/// The writer's rights on archives (`*.dump`) only: no manifest can be written.
const DUMP_ONLY_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
  "Action": ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
  "Resource": "arn:aws:s3:::pgark-iam/*.dump"}]}"#;

pub(crate) fn rt() -> &'static Runtime {
    static RT: OnceLock<Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime")
    })
}

/// What pgark is given to reach `server` as `key`.
fn options(server: &MotoServer, key: &str, secret: &str) -> S3ClientOptions {
    S3ClientOptions::default()
        .with_endpoint_url(server.endpoint())
        .with_region("us-east-1")
        .with_static_credentials(key, secret)
}

/// The tests' own SDK client (not pgark's), reaching `server` as `key`:
/// to set buckets up and to check what pgark stored.
fn client(server: &MotoServer, key: &str, secret: &str) -> Client {
    use aws_sdk_s3::config::{BehaviorVersion, Credentials, Region};
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    let conf = aws_sdk_s3::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(http)
        .endpoint_url(server.endpoint())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new(key, secret, None, None, "pgark-tests"))
        .force_path_style(true)
        .build();
    Client::from_conf(conf)
}

pub(crate) fn admin_client(server: &MotoServer) -> Client {
    let (k, s) = server.admin_credentials();
    client(server, &k, &s)
}

fn admin_options(server: &MotoServer) -> S3ClientOptions {
    let (k, s) = server.admin_credentials();
    options(server, &k, &s)
}

/// A moto that enforces IAM, with bucket `pgark-iam` and four users:
/// the write-only backup user, an administrator, one that may do
/// anything but write objects, and one that may write `*.dump` keys only.
pub(crate) struct IamMoto {
    pub(crate) server: MotoServer,
    pub(crate) writer: (String, String),
    pub(crate) admin: (String, String),
    pub(crate) no_put: (String, String),
    pub(crate) dump_only: (String, String),
}

pub(crate) fn iam_moto() -> &'static IamMoto {
    static IAM: OnceLock<IamMoto> = OnceLock::new();
    IAM.get_or_init(|| {
        // moto counts every request before enforcing IAM: 1 CreateBucket,
        // then 3 per user (CreateUser, PutUserPolicy, CreateAccessKey).
        // From the 14th request on, every request is checked, including
        // the root "testing" key's, which is no IAM user: the admin user
        // stands in for it.
        let server = moto_with_iam(13);
        server.create_bucket("pgark-iam");
        let writer = server.create_user("backup-writer", &write_only_policy());
        let admin = server.create_user("admin", ADMIN_POLICY);
        let no_put = server.create_user("no-put", NO_PUT_POLICY);
        let dump_only = server.create_user("dump-only", DUMP_ONLY_POLICY);
        IamMoto {
            server,
            writer,
            admin,
            no_put,
            dump_only,
        }
    })
}

impl IamMoto {
    pub(crate) fn client(&self, (key, secret): &(String, String)) -> Client {
        client(&self.server, key, secret)
    }

    fn options(&self, (key, secret): &(String, String)) -> S3ClientOptions {
        options(&self.server, key, secret)
    }
}

/// Incompressible bytes, the same for the same seed (xorshift64*).
fn pseudo_random(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        out.extend_from_slice(&x.wrapping_mul(0x2545_f491_4f6c_dd1d).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn b64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .unwrap_or_else(|e| panic!("{s:?} is not base64: {e}"))
}

/// Small parts, quick retries.
fn small_parts() -> S3SinkOptions {
    S3SinkOptions {
        min_part_size: MIN_PART_SIZE,
        max_in_flight: 2,
        max_attempts: 3,
        initial_backoff: Duration::from_millis(50),
        ..S3SinkOptions::default()
    }
}

fn sink(s3: &S3ClientOptions, bucket: &str, key: &str, options: S3SinkOptions) -> S3Sink {
    rt().block_on(S3Sink::open(s3, S3Url::new(bucket, key), options))
        .expect("sink options are valid")
}

/// Writes `data` in uneven slices, as an archive writer does.
fn write_in_slices(sink: &mut S3Sink, data: &[u8]) -> std::io::Result<()> {
    let mut rest = data;
    let mut n = 1;
    while !rest.is_empty() {
        let take = rest.len().min(n * 7919 % 300_000 + 1);
        sink.write_all(&rest[..take])?;
        rest = &rest[take..];
        n += 1;
    }
    Ok(())
}

/// The object's bytes, read as `client` (which must be allowed to).
pub(crate) fn get_object(client: &Client, bucket: &str, key: &str) -> Vec<u8> {
    rt().block_on(async {
        let out = client
            .get_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "GetObject s3://{bucket}/{key}: {}",
                    aws_sdk_s3::error::DisplayErrorContext(&e)
                )
            });
        out.body
            .collect()
            .await
            .expect("object body")
            .into_bytes()
            .to_vec()
    })
}

/// The keys with an unfinished multipart upload in `bucket`.
pub(crate) fn uploads_in_progress(client: &Client, bucket: &str) -> Vec<String> {
    rt().block_on(async {
        let out = client
            .list_multipart_uploads()
            .bucket(bucket)
            .send()
            .await
            .expect("ListMultipartUploads as admin");
        out.uploads()
            .iter()
            .filter_map(|u| u.key().map(str::to_owned))
            .collect()
    })
}

/// The keys of the objects in `bucket`.
pub(crate) fn object_keys(client: &Client, bucket: &str) -> Vec<String> {
    rt().block_on(async {
        let out = client
            .list_objects_v2()
            .bucket(bucket)
            .send()
            .await
            .expect("ListObjectsV2 as admin");
        out.contents()
            .iter()
            .filter_map(|o| o.key().map(str::to_owned))
            .collect()
    })
}

/// Parts stored so far for an unfinished upload. Through boto3: moto
/// answers ListParts with a `ListPartsResponse` root element, which the
/// Rust SDK refuses (it expects `ListPartsResult`).
fn stored_parts(server: &MotoServer, bucket: &str, key: &str, upload_id: &str) -> usize {
    let script = format!(
        "import boto3\n\
         r = boto3.client('s3').list_parts(Bucket={bucket:?}, Key={key:?}, UploadId={upload_id:?})\n\
         print(len(r.get('Parts', [])))\n"
    );
    let out = server
        .python(&script)
        .unwrap_or_else(|e| panic!("ListParts s3://{bucket}/{key}: {e}"));
    out.trim()
        .parse()
        .unwrap_or_else(|e| panic!("ListParts printed {out:?}: {e}"))
}

/// The checksum S3 (moto) keeps for the object: (base64 value, type).
fn stored_checksum(client: &Client, bucket: &str, key: &str) -> (Option<String>, Option<String>) {
    rt().block_on(async {
        let out = client
            .get_object_attributes()
            .bucket(bucket)
            .key(key)
            .object_attributes(aws_sdk_s3::types::ObjectAttributes::Checksum)
            .send()
            .await
            .expect("GetObjectAttributes as admin");
        let checksum = out.checksum();
        (
            checksum.and_then(|c| c.checksum_sha256().map(str::to_owned)),
            checksum.and_then(|c| c.checksum_type().map(|t| t.as_str().to_owned())),
        )
    })
}

/// The upload's per-part SHA-256s and composite digest, recomputed from
/// the bytes read back and the part sizes it reports.
fn assert_digests_match(upload: &S3Upload, object: &[u8]) {
    let mut at = 0usize;
    let mut digests = Vec::new();
    for (i, part) in upload.parts.iter().enumerate() {
        assert_eq!(part.number as usize, i + 1, "parts in order");
        let end = at + part.size as usize;
        let bytes = &object[at..end];
        assert_eq!(
            part.sha256,
            sha256_hex(bytes),
            "SHA-256 of part {}",
            part.number
        );
        digests.push(<[u8; 32]>::from(Sha256::digest(bytes)));
        at = end;
    }
    assert_eq!(at, object.len(), "the parts cover the object");
    let mut cat = Vec::new();
    for d in &digests {
        cat.extend_from_slice(d);
    }
    let expected = format!("{}-{}", sha256_hex(&cat), digests.len());
    assert_eq!(composite_sha256(digests.iter()), expected);
    assert_eq!(upload.composite_sha256.as_deref(), Some(expected.as_str()));
    assert_eq!(upload.digest, expected);
}

#[test]
fn s3_multipart_write_only_credentials_patched_first_part() {
    let iam = iam_moto();
    let writer = iam.client(&iam.writer);
    let writer_options = iam.options(&iam.writer);
    let admin = iam.client(&iam.admin);
    let (bucket, key) = ("pgark-iam", "nightly/multipart.dump");

    // The write-only user really cannot read: whatever the sink does, it
    // does without GetObject.
    let seed = b"seed".to_vec();
    let mut s = sink(&writer_options, bucket, "nightly/seed", small_parts());
    s.write_all(&seed).expect("write");
    s.finish().expect("PutObject with write-only credentials");
    let denied = rt().block_on(
        writer
            .get_object()
            .bucket(bucket)
            .key("nightly/seed")
            .send(),
    );
    match denied {
        Err(e) => {
            let code = aws_sdk_s3::error::ProvideErrorMetadata::code(&e);
            assert_eq!(code, Some("AccessDenied"), "{e:?}");
        }
        Ok(_) => panic!("the write-only user could read an object: the test proves nothing"),
    }

    let mut data = pseudo_random(20 * MIB as usize + 12_345, 1);
    let mut s = sink(&writer_options, bucket, key, small_parts());
    assert_eq!(s.held_capacity() as u64, 5 * MIB);
    write_in_slices(&mut s, &data).expect("streaming 20 MiB");
    assert!(s.upload_id().is_some(), "a multipart upload was started");
    assert_eq!(s.bytes_written(), data.len() as u64);
    let patch = b"PATCHED TOC";
    let upload = s
        .finish_patched(|first: &mut [u8]| {
            assert_eq!(
                first.len() as u64,
                5 * MIB,
                "the whole held part is patchable"
            );
            first[100..100 + patch.len()].copy_from_slice(patch);
            Ok::<(), std::io::Error>(())
        })
        .expect("multipart upload with write-only credentials");
    data[100..100 + patch.len()].copy_from_slice(patch);

    assert!(upload.multipart);
    assert_eq!(upload.size, data.len() as u64);
    assert!(upload.parts.len() >= 3, "{} parts", upload.parts.len());
    assert_eq!(upload.parts.len(), 5, "5 MiB held + 3 × 5 MiB + the rest");
    assert_eq!(upload.sha256, None, "no whole-object SHA-256 for multipart");

    let object = get_object(&admin, bucket, key);
    assert_eq!(object.len(), data.len());
    assert!(object == data, "the object differs from what was written");
    assert_digests_match(&upload, &object);

    // S3's own composite checksum (moto recomputes it from the stored
    // parts) is the same digest, in base64.
    let (stored, kind) = stored_checksum(&admin, bucket, key);
    let stored = stored.expect("the object has a SHA-256 checksum");
    assert_eq!(kind.as_deref(), Some("COMPOSITE"));
    let composite = upload.composite_sha256.clone().expect("composite digest");
    let (hex_part, n) = composite.split_once('-').expect("<hex>-<n>");
    let stored_b64 = stored.split('-').next().unwrap_or_default();
    assert_eq!(
        hex(&b64_decode(stored_b64)),
        hex_part,
        "S3 checksum {stored}"
    );
    assert_eq!(n, upload.parts.len().to_string());
    assert!(uploads_in_progress(&admin, bucket).is_empty());
}

/// A loopback proxy in front of moto that fails the first attempt of
/// every UploadPart and CompleteMultipartUpload: with a 500 for most,
/// by resetting the connection mid-body for part 3. moto closes every
/// connection after one response, so the proxy sees one request per
/// connection.
struct FaultProxy {
    port: u16,
    /// Answers 500, connections reset.
    faults: std::sync::Arc<[std::sync::atomic::AtomicUsize; 2]>,
}

impl FaultProxy {
    fn start(upstream: u16) -> FaultProxy {
        use std::collections::HashSet;
        use std::io::Read;
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};

        let listener = TcpListener::bind("127.0.0.1:0").expect("proxy listens");
        let port = listener.local_addr().expect("proxy address").port();
        let faults: Arc<[AtomicUsize; 2]> = Arc::default();
        let seen: Arc<Mutex<HashSet<String>>> = Arc::default();
        let counter = faults.clone();
        std::thread::spawn(move || {
            for client in listener.incoming() {
                let Ok(mut client) = client else { return };
                let (faults, seen) = (counter.clone(), seen.clone());
                std::thread::spawn(move || {
                    // The request head.
                    let mut head = Vec::new();
                    let mut byte = [0u8; 1];
                    while !head.ends_with(b"\r\n\r\n") {
                        match client.read(&mut byte) {
                            Ok(1) => head.push(byte[0]),
                            _ => return,
                        }
                    }
                    let text = String::from_utf8_lossy(&head).into_owned();
                    let line = text.lines().next().unwrap_or_default().to_owned();
                    let is_part = line.starts_with("PUT ") && line.contains("partNumber=");
                    let is_complete = line.starts_with("POST ") && line.contains("uploadId=");
                    let first_try = (is_part || is_complete)
                        && seen.lock().is_ok_and(|mut s| s.insert(line.clone()));
                    if first_try {
                        if line.contains("partNumber=3&") || line.ends_with("partNumber=3 HTTP/1.1")
                        {
                            // Reset mid-body.
                            faults[1].fetch_add(1, Ordering::SeqCst);
                            let _ = client.read(&mut [0u8; 4096]);
                            let _ = client.shutdown(Shutdown::Both);
                            return;
                        }
                        faults[0].fetch_add(1, Ordering::SeqCst);
                        let len: u64 = text
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse().ok())?
                            })
                            .unwrap_or(0);
                        let _ = std::io::copy(&mut (&mut client).take(len), &mut std::io::sink());
                        let body =
                            "<Error><Code>InternalError</Code><Message>injected</Message></Error>";
                        let _ = write!(
                            client,
                            "HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/xml\r\n\
                             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        return;
                    }
                    let Ok(mut up) = TcpStream::connect(("127.0.0.1", upstream)) else {
                        return;
                    };
                    if up.write_all(&head).is_err() {
                        return;
                    }
                    let (Ok(mut up_read), Ok(mut client_write)) =
                        (up.try_clone(), client.try_clone())
                    else {
                        return;
                    };
                    let back = std::thread::spawn(move || {
                        let _ = std::io::copy(&mut up_read, &mut client_write);
                        let _ = client_write.shutdown(Shutdown::Both);
                    });
                    let _ = std::io::copy(&mut client, &mut up);
                    let _ = back.join();
                });
            }
        });
        FaultProxy { port, faults }
    }
}

#[test]
fn s3_retries_failed_parts_and_completion() {
    let server = moto();
    let bucket = "pgark-faults";
    server.create_bucket(bucket);
    let upstream: u16 = server
        .endpoint()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("moto port");
    let proxy = FaultProxy::start(upstream);
    let (k, secret) = server.admin_credentials();
    let options = S3ClientOptions::default()
        .with_endpoint_url(format!("http://127.0.0.1:{}", proxy.port))
        .with_region("us-east-1")
        .with_static_credentials(k, secret);

    let data = pseudo_random(18 * MIB as usize, 9);
    let mut s = sink(&options, bucket, "flaky.dump", small_parts());
    write_in_slices(&mut s, &data).expect("write through faults");
    let upload = s.finish().expect("every fault is retried");
    // Parts 1 to 4 and the completion each failed once: part 3 by a
    // connection reset, the others with a 500.
    let count = |i: usize| proxy.faults[i].load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!((count(0), count(1)), (4, 1));
    assert_eq!(upload.parts.len(), 4);
    let admin = admin_client(server);
    assert!(
        get_object(&admin, bucket, "flaky.dump") == data,
        "bytes differ"
    );
    assert_digests_match(&upload, &data);
    assert!(uploads_in_progress(&admin, bucket).is_empty());
}

#[test]
fn s3_small_archive_is_one_put_object() {
    let server = moto();
    let bucket = "pgark-small";
    server.create_bucket(bucket);
    let data = pseudo_random(3 * MIB as usize + 17, 2);
    let mut s = sink(&admin_options(server), bucket, "small.dump", small_parts());
    write_in_slices(&mut s, &data).expect("write");
    assert_eq!(
        s.upload_id(),
        None,
        "no multipart upload for a small archive"
    );
    let upload = s
        .finish_patched(|all: &mut [u8]| {
            assert_eq!(all.len(), data.len(), "the patch sees the whole archive");
            all[0] = b'P';
            Ok::<(), std::io::Error>(())
        })
        .expect("PutObject");
    let mut expected = data.clone();
    expected[0] = b'P';

    assert!(!upload.multipart);
    assert_eq!(upload.parts.len(), 1);
    assert_eq!(upload.size, expected.len() as u64);
    let sha = sha256_hex(&expected);
    assert_eq!(upload.sha256.as_deref(), Some(sha.as_str()));
    assert_eq!(upload.parts[0].sha256, sha);
    assert_eq!(upload.digest, sha);
    assert_eq!(upload.composite_sha256, None);

    let admin = admin_client(server);
    assert!(
        get_object(&admin, bucket, "small.dump") == expected,
        "bytes differ"
    );
    let (stored, _) = stored_checksum(&admin, bucket, "small.dump");
    let stored = stored.expect("the object has a SHA-256 checksum");
    assert_eq!(hex(&b64_decode(&stored)), sha);
    assert!(uploads_in_progress(&admin, bucket).is_empty());

    // An archive that exactly fills the held part is still one PutObject.
    let exact = pseudo_random(5 * MIB as usize, 3);
    let mut s = sink(&admin_options(server), bucket, "exact.dump", small_parts());
    s.write_all(&exact).expect("write");
    let upload = s.finish().expect("PutObject");
    assert!(!upload.multipart);
    assert!(get_object(&admin, bucket, "exact.dump") == exact);
}

/// Writes 17 MiB (held part + 2 parts + a partial one) and waits until S3
/// holds uploaded parts; returns the sink, still unfinished.
fn sink_with_uploaded_parts(server: &MotoServer, bucket: &str, key: &str) -> S3Sink {
    let admin = admin_client(server);
    let mut s = sink(&admin_options(server), bucket, key, small_parts());
    write_in_slices(&mut s, &pseudo_random(17 * MIB as usize, 4)).expect("write");
    let upload_id = s.upload_id().expect("multipart upload started").to_owned();
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored_parts(server, bucket, key, &upload_id) < 2 {
        assert!(
            Instant::now() < deadline,
            "parts were not uploaded within 60 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(uploads_in_progress(&admin, bucket), vec![key.to_owned()]);
    s
}

#[test]
fn s3_drop_abort_and_failed_finish_leave_nothing() {
    let server = moto();
    let bucket = "pgark-abort";
    server.create_bucket(bucket);
    let admin = admin_client(server);

    // Dropped without finish (a failed or interrupted backup).
    let s = sink_with_uploaded_parts(server, bucket, "dropped.dump");
    drop(s);
    assert!(
        uploads_in_progress(&admin, bucket).is_empty(),
        "upload left after drop"
    );
    assert!(object_keys(&admin, bucket).is_empty(), "object after drop");

    // Explicit abort.
    let s = sink_with_uploaded_parts(server, bucket, "aborted.dump");
    s.abort().expect("abort");
    assert!(
        uploads_in_progress(&admin, bucket).is_empty(),
        "upload left after abort"
    );
    assert!(object_keys(&admin, bucket).is_empty(), "object after abort");

    // The caller's patch fails: nothing is completed, the upload is aborted.
    let s = sink_with_uploaded_parts(server, bucket, "patch-failed.dump");
    let err = s
        .finish_patched(|_| Err(std::io::Error::other("TOC does not fit")))
        .expect_err("a failed patch fails the upload");
    assert!(matches!(err, S3Error::Patch { .. }), "{err:?}");
    assert!(err.to_string().contains("TOC does not fit"), "{err}");
    assert!(
        uploads_in_progress(&admin, bucket).is_empty(),
        "upload left after failure"
    );
    assert!(
        object_keys(&admin, bucket).is_empty(),
        "object after failure"
    );
}

#[test]
fn s3_never_overwrites_an_existing_backup() {
    let server = moto();
    let bucket = "pgark-exists";
    server.create_bucket(bucket);
    let admin = admin_client(server);
    let first = pseudo_random(1000, 5);
    let mut s = sink(&admin_options(server), bucket, "taken.dump", small_parts());
    s.write_all(&first).expect("write");
    s.finish().expect("first backup");

    for len in [2000, 12 * MIB as usize] {
        let mut s = sink(&admin_options(server), bucket, "taken.dump", small_parts());
        s.write_all(&pseudo_random(len, 6)).expect("write");
        let err = s.finish().expect_err("a second backup under the same key");
        assert!(matches!(err, S3Error::AlreadyExists { .. }), "{err:?}");
        assert!(
            err.to_string().contains("s3://pgark-exists/taken.dump"),
            "{err}"
        );
        assert!(
            get_object(&admin, bucket, "taken.dump") == first,
            "overwritten ({len} B)"
        );
        assert!(
            uploads_in_progress(&admin, bucket).is_empty(),
            "upload left ({len} B)"
        );
    }
}

#[test]
fn s3_errors_name_bucket_action_and_permission_without_secrets() {
    // A bucket that does not exist: from finish (PutObject) and from write
    // (CreateMultipartUpload once the held part is full), as io::Error.
    let server = moto();
    let mut s = sink(
        &admin_options(server),
        "pgark-no-such-bucket",
        "db.dump",
        small_parts(),
    );
    s.write_all(b"PGDMP").expect("held in memory");
    let err = s.finish().expect_err("no bucket");
    assert!(matches!(err, S3Error::NoSuchBucket { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("pgark-no-such-bucket") && msg.contains("PutObject"),
        "{msg}"
    );

    let mut s = sink(
        &admin_options(server),
        "pgark-no-such-bucket",
        "db.dump",
        small_parts(),
    );
    let io_err = s
        .write_all(&pseudo_random(6 * MIB as usize, 7))
        .expect_err("no bucket");
    let err = S3Error::from_io(&io_err).expect("an S3Error inside the io::Error");
    assert!(matches!(err, S3Error::NoSuchBucket { .. }), "{err:?}");
    assert_eq!(err.action(), Some(S3Action::CreateMultipartUpload));
    assert_eq!(err.bucket(), "pgark-no-such-bucket");
    assert!(
        io_err.to_string().contains("CreateMultipartUpload"),
        "{io_err}"
    );
    // The sink stays failed.
    let again = s.write_all(b"more").expect_err("still failed");
    assert!(S3Error::from_io(&again).is_some(), "{again}");
    drop(s);

    // Unknown credentials, on a server that checks them.
    let iam = iam_moto();
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY";
    let bogus = options(&iam.server, "AKIAIOSFODNN7EXAMPLE", secret);
    let mut s = sink(&bogus, "pgark-iam", "db.dump", small_parts());
    s.write_all(b"PGDMP").expect("held in memory");
    let err = s.finish().expect_err("bogus credentials");
    let msg = err.to_string();
    assert!(matches!(err, S3Error::Credentials { .. }), "{err:?}");
    assert!(
        msg.contains("s3://pgark-iam/db.dump") && msg.contains("PutObject"),
        "{msg}"
    );
    assert!(
        !msg.contains(secret) && !format!("{err:?}").contains(secret),
        "{msg}"
    );

    // A real user without s3:PutObject.
    let mut s = sink(
        &iam.options(&iam.no_put),
        "pgark-iam",
        "db.dump",
        small_parts(),
    );
    let io_err = s
        .write_all(&pseudo_random(6 * MIB as usize, 8))
        .expect_err("no s3:PutObject");
    let err = S3Error::from_io(&io_err).expect("S3Error");
    assert!(matches!(err, S3Error::AccessDenied { .. }), "{err:?}");
    let msg = err.to_string();
    for needle in ["pgark-iam", "CreateMultipartUpload", "s3:PutObject"] {
        assert!(msg.contains(needle), "{needle:?} missing from: {msg}");
    }
    assert!(!msg.contains(&iam.no_put.1), "secret in: {msg}");
    assert_eq!(io_err.kind(), std::io::ErrorKind::PermissionDenied);

    // Nobody listens: a transient failure, retried, then reported with
    // the number of attempts.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let options = S3ClientOptions::default()
        .with_endpoint_url(format!("http://127.0.0.1:{port}"))
        .with_region("us-east-1")
        .with_static_credentials("AKIAIOSFODNN7EXAMPLE", secret);
    let mut s = sink(&options, "pgark-gone", "db.dump", small_parts());
    s.write_all(b"PGDMP").expect("held in memory");
    let started = Instant::now();
    let err = s.finish().expect_err("nobody listens");
    assert!(
        matches!(
            err,
            S3Error::Request {
                attempts: 3,
                transient: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_transient());
    assert!(
        started.elapsed() >= Duration::from_millis(50),
        "no backoff between attempts"
    );
    let msg = err.to_string();
    assert!(
        msg.contains("s3://pgark-gone/db.dump: PutObject failed after 3 attempt(s)"),
        "{msg}"
    );
    assert!(!msg.contains(secret), "{msg}");

    // Nothing to upload is an error, not an empty object.
    let s = sink(
        &admin_options(server),
        "pgark-no-such-bucket",
        "empty.dump",
        small_parts(),
    );
    assert!(matches!(s.finish(), Err(S3Error::Empty { .. })));
}

#[test]
fn s3_part_size_schedule_reaches_terabytes() {
    const TIB: u64 = 1024 * 1024 * MIB;
    // Every part within S3's limits, never shrinking.
    let mut last = 0;
    for n in 2..=MAX_PARTS {
        let size = part_size(MIN_PART_SIZE, n);
        assert!(
            (MIN_PART_SIZE..=MAX_PART_SIZE).contains(&size),
            "part {n}: {size}"
        );
        assert!(size >= last, "part {n} shrinks");
        last = size;
    }
    // 10,000 parts cover several TiB from the smallest settings, ~7.8 TiB
    // at the default 8 MiB.
    let smallest = max_archive_size(MIN_PART_SIZE, MIN_PART_SIZE);
    assert!(smallest >= 4 * TIB, "{smallest} bytes");
    let default = max_archive_size(8 * MIB, 8 * MIB);
    assert!(default >= 7 * TIB, "{default} bytes");
    // Small archives use small parts: 5 GiB still goes in minimum-size parts.
    assert_eq!(part_size(8 * MIB, 640), 8 * MIB);
    // Out-of-range settings are refused rather than clamped silently.
    let bad = rt().block_on(S3Sink::open(
        &admin_options(moto()),
        S3Url::new("b", "k"),
        S3SinkOptions {
            min_part_size: MIB,
            ..S3SinkOptions::default()
        },
    ));
    assert!(matches!(bad, Err(S3Error::Config { .. })), "{bad:?}");
}
