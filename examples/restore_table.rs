//! Restore one table from an archive in S3 into a scratch database, on
//! the program's own tokio runtime, with S3 settings given in code: the
//! TOC and then that table's data block are fetched with range requests,
//! never the rest of the archive.
//!
//! ```text
//! EXAMPLE_S3_ENDPOINT=http://127.0.0.1:9000 EXAMPLE_S3_ACCESS_KEY=... EXAMPLE_S3_SECRET_KEY=... \
//!   cargo run --example restore_table -- s3://my-bucket/prod/app.dump orders postgresql://localhost/scratch
//! ```
//!
//! The scratch database must exist and not hold the table yet.

use pgark::restore::RestoreOptions;
use pgark::sink::s3::S3ClientOptions;
use pgark::source::Source;
use pgark::S3Url;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [archive, table, scratch_url] = args.as_slice() else {
        return Err("usage: restore_table s3://BUCKET/KEY TABLE SCRATCH_URL".into());
    };
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set"));
    let s3 = S3ClientOptions::default()
        .with_endpoint_url(var("EXAMPLE_S3_ENDPOINT")?)
        .with_region("us-east-1")
        .with_static_credentials(var("EXAMPLE_S3_ACCESS_KEY")?, var("EXAMPLE_S3_SECRET_KEY")?);

    let source = Source::S3(S3Url::object(archive)?);
    let mut opts = RestoreOptions::new(scratch_url.clone());
    opts.s3 = s3;
    // Like `pg_restore -t TABLE --no-owner --no-acl --exit-on-error`: the
    // table's definition and its rows.
    opts.tables = vec![table.clone()];
    opts.no_owner = true;
    opts.no_acl = true;
    opts.exit_on_error = true;
    let report = pgark::restore::restore(&source, &opts).await?;
    println!(
        "restored {table} from {archive}: {} entries, {} rows",
        report.entries, report.rows
    );
    Ok(())
}
