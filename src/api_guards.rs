//! Guards, run as doc tests, that third-party types stay out of pgark's
//! API (so pgark's semver is not tied to the AWS SDK's, tokio-postgres's,
//! serde_json's or the codecs'). Each snippet must fail to compile, with
//! the error code given, so a typo cannot pass for a guard.
//!
//! These pin the items that once leaked. The broad check is rustc's
//! `exported_private_dependencies` lint, on nightly, where every
//! dependency counts as private:
//! `cargo +nightly check -Zpublic-dependency -p pgark --lib`. Its warnings
//! should name only `archive_format` (pgark's own format crate) and
//! `tokio_util` (`pgark::CancellationToken`), apart from `pub` items of
//! crate-private modules (`catalog`, `db::snapshot`, `backup::pipeline`
//! and `backup::split`), which the lint reports by their nominal `pub`.
//!
//! The S3 client is built inside pgark, from [`S3ClientOptions`]; the
//! SDK's `Client` is neither handed out nor taken:
//!
//! ```compile_fail,E0603
//! let _ = pgark::sink::s3::build_client;
//! ```
//!
//! ```compile_fail,E0603
//! let _ = pgark::sink::s3::preflight;
//! ```
//!
//! A sink opens from options ([`S3Sink::open`]), not from an SDK client
//! and a tokio `Handle`:
//!
//! ```compile_fail,E0624
//! let _ = pgark::sink::s3::S3Sink::with_client;
//! ```
//!
//! Static credentials are strings given to a builder method, not the
//! SDK's `Credentials` in a public field:
//!
//! ```compile_fail,E0616
//! let _ = pgark::sink::s3::S3ClientOptions::default().credentials;
//! ```
//!
//! Policies and bucket reports are pgark's [`Json`], not serde_json's
//! value:
//!
//! ```compile_fail,E0308
//! let url = pgark::S3Url::parse("s3://backups").unwrap();
//! let _: serde_json::Value = pgark::bucket::policy::writer_policy(&url);
//! ```
//!
//! The table compressor does not show which codec crate it runs:
//!
//! ```compile_fail,E0599
//! let _ = pgark::compress::TableCompressor::<Vec<u8>>::Zstd;
//! ```
//!
//! A connection is checked through pgark's [`SessionInfo`]; the
//! tokio-postgres client stays inside:
//!
//! ```compile_fail,E0624
//! let _ = pgark::db::ConnectOptions::connect;
//! ```
//!
//! The command's tokio runtimes are its own, not the library's API:
//!
//! ```compile_fail,E0603
//! let _ = pgark::runtime::now_unix;
//! ```
//!
//! What does compile, for contrast (so the guards above fail for the
//! reason they state):
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use pgark::sink::s3::{S3ClientOptions, S3Sink, S3SinkOptions};
//! let s3 = S3ClientOptions::default()
//!     .with_endpoint_url("http://127.0.0.1:5000")
//!     .with_static_credentials("key", "secret")
//!     .with_session_token("token");
//! let target = pgark::S3Url::parse("s3://backups/db.dump")?;
//! let _sink = S3Sink::open(&s3, target.clone(), S3SinkOptions::default()).await?;
//! let policy: pgark::bucket::Json = pgark::bucket::policy::writer_policy(&target);
//! println!("{policy:#}");
//! let db = pgark::db::ConnectOptions::from_url("postgresql://localhost/app")?;
//! let session: pgark::db::SessionInfo = db.check().await?;
//! println!("{} on {}", session.user, session.server_version);
//! # Ok(()) }
//! ```
//!
//! [`S3ClientOptions`]: crate::sink::s3::S3ClientOptions
//! [`S3Sink::open`]: crate::sink::s3::S3Sink::open
//! [`Json`]: crate::bucket::Json
//! [`SessionInfo`]: crate::db::SessionInfo
