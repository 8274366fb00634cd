//! Verify a local archive: every data block read and decompressed, the
//! size, SHA-256 and row counts checked against the manifest written
//! beside it (`X.dump.manifest.json`), when there is one. Exits 1 when
//! anything differs.
//!
//! ```text
//! cargo run --example verify_archive -- backups/app-20261201T030000Z.dump
//! ```

use pgark::sink::s3::S3ClientOptions;
use pgark::source::Source;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [path] = args.as_slice() else {
        return Err("usage: verify_archive ARCHIVE".into());
    };
    let source: Source = path.parse()?;
    // A local file needs no S3 settings; the same calls read s3:// URLs.
    let s3 = S3ClientOptions::default();
    let manifest = pgark::verify::manifest_beside(&source, &s3).await?;
    let checked = pgark::verify::verify(&source, manifest.as_ref(), &s3).await?;
    let tables = checked
        .report
        .entries
        .iter()
        .filter(|e| e.data.is_some_and(|d| d.rows.is_some()))
        .count();
    println!(
        "{path}: {} bytes, sha256 {}, {} rows in {tables} tables, manifest: {}",
        checked.size,
        checked.digest,
        checked.report.total_rows(),
        if manifest.is_some() {
            "checked"
        } else {
            "none"
        }
    );
    for m in &checked.mismatches {
        println!("mismatch: {m}");
    }
    if !checked.mismatches.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}
