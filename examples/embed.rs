//! pgark embedded in a tokio program: back a database up to S3, verify the
//! archive where it is stored, list its TOC, list and audit the bucket,
//! restore it into another database, and run the restore drill, all on the program's own runtime, with S3 settings
//! given in code rather than taken from the environment.
//!
//! ```text
//! EXAMPLE_S3_ENDPOINT=http://127.0.0.1:9000 EXAMPLE_S3_ACCESS_KEY=... EXAMPLE_S3_SECRET_KEY=... \
//!   cargo run --example embed -- postgresql://localhost/app postgresql://localhost/copy my-bucket
//! ```
//!
//! The restore target must exist and be empty; the drill creates (and
//! drops) its own scratch database on the same server.

use std::time::{SystemTime, UNIX_EPOCH};

use pgark::audit::Cadence;
use pgark::backup::{BackupOptions, Target};
use pgark::drill::DrillOptions;
use pgark::restore::RestoreOptions;
use pgark::sink::s3::S3ClientOptions;
use pgark::source::Source;
use pgark::S3Url;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source_url, target_url, bucket] = args.as_slice() else {
        return Err("usage: embed SOURCE_URL TARGET_URL BUCKET".into());
    };
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let s3 = S3ClientOptions::default()
        .with_endpoint_url(var("EXAMPLE_S3_ENDPOINT")?)
        .with_region("us-east-1")
        .with_static_credentials(var("EXAMPLE_S3_ACCESS_KEY")?, var("EXAMPLE_S3_SECRET_KEY")?);

    // Back up into s3://BUCKET/embed/YYYY/MM/DD/<db>-<stamp>.dump.
    let target = Target::S3 {
        bucket: bucket.clone(),
        key: "embed/".into(),
    };
    let mut backup = BackupOptions::new(source_url.clone(), target);
    backup.s3 = s3.clone();
    let report = pgark::backup::backup(&backup).await?;
    let location = report.path.to_string_lossy().into_owned();
    println!(
        "backup: {location}, {} bytes, {} rows",
        report.bytes,
        report.rows()
    );

    // Verify it where it is stored, against its manifest.
    let source: Source = location.parse()?;
    let manifest = pgark::verify::manifest_beside(&source, &s3).await?;
    let checked = pgark::verify::verify(&source, manifest.as_ref(), &s3).await?;
    if manifest.is_none() || !checked.mismatches.is_empty() {
        return Err(format!("verify: {:?}", checked.mismatches).into());
    }
    println!("verify: {} bytes, sha256 {}", checked.size, checked.digest);

    // Its table of contents, read with range requests (the data is never
    // downloaded).
    let toc = pgark::list::list(&source, &s3).await?;
    println!("list: {} entries", toc.entries.len());

    // The backups under the prefix, and whether a daily cadence holds.
    let prefix = S3Url::parse(&format!("s3://{bucket}/embed/"))?;
    let listing = pgark::audit::ls(&prefix, &s3).await?;
    for b in &listing.backups {
        let status = b.invalid().unwrap_or_else(|| "ok".into());
        println!("ls: {} {} bytes {status}", b.key, b.size);
    }
    let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs() as i64;
    let daily = Cadence {
        every: 86_400,
        grace: 3_600,
        now,
    };
    let (_, audited) = pgark::audit::audit(&prefix, &s3, daily).await?;
    println!(
        "audit: {} ({} valid of {})",
        if audited.ok() { "passed" } else { "FAILED" },
        audited.valid,
        audited.archives
    );

    // Restore it, two connections at a time.
    let mut restore = RestoreOptions::new(target_url.clone());
    restore.s3 = s3.clone();
    restore.no_owner = true;
    restore.no_acl = true;
    restore.exit_on_error = true;
    restore.jobs = 2;
    let restored = pgark::restore::restore(&source, &restore).await?;
    println!(
        "restore: {} entries, {} rows",
        restored.entries, restored.rows
    );

    // The drill: the newest valid backup under the prefix, restored into a
    // scratch database and counted against its manifest.
    let mut drill = DrillOptions::new(bucket.clone(), "embed/", target_url.clone());
    drill.s3 = s3;
    let drilled = pgark::drill::drill(&drill).await?;
    for c in &drilled.checks {
        println!(
            "drill: {} {}: {}",
            if c.ok { "ok" } else { "FAILED" },
            c.name,
            c.detail
        );
    }
    if !drilled.ok() {
        return Err("the drill failed".into());
    }
    println!("drill: passed against {}", drilled.key);
    Ok(())
}
