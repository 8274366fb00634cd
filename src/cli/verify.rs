//! `pgark verify`: read every byte, report per-entry data, fail on defects.

use std::io::{self, BufWriter, Write};

use pgark::archive::{DataReport, VerifyReport};
use pgark::manifest::Manifest;
use pgark::sink::s3::S3ClientOptions;
use pgark::{CancellationToken, Error};

use super::args::VerifyArgs;

/// The manifest given with `--manifest`, if any.
fn manifest(args: &VerifyArgs) -> Result<Option<Manifest>, Error> {
    let Some(path) = &args.manifest else {
        return Ok(None);
    };
    let bytes = std::fs::read(path).map_err(|source| Error::File {
        path: path.into(),
        source,
    })?;
    Manifest::from_json(&bytes).map(Some).map_err(Error::Config)
}

/// Ok(true) when the archive verifies (and matches its manifest).
pub fn run(args: &VerifyArgs) -> Result<bool, Error> {
    let s3 = S3ClientOptions::from_env();
    let source = super::decrypt::source(&args.archive, &args.identity)?;
    let mut manifest = manifest(args)?;
    if let (Some(m), pgark::source::Source::Encrypted(e)) = (manifest.as_mut(), &source) {
        e.unseal(m)?;
    }
    // The manifest given, or else the one beside the archive (if any);
    // SIGINT and SIGTERM stop the read.
    let cancel = CancellationToken::new();
    let (manifest, checked) = super::signal::run_interruptible(2, cancel.clone(), async {
        let manifest = match manifest {
            Some(m) => Some(m),
            None => pgark::verify::manifest_beside(&source, &s3).await?,
        };
        let checked =
            pgark::verify::verify_until_cancelled(&source, manifest.as_ref(), &s3, Some(&cancel))
                .await?;
        Ok((manifest, checked))
    })?;
    let (report, digest) = (&checked.report, &checked.digest);
    let mut out = BufWriter::new(io::stdout().lock());
    print(&mut out, report, args).map_err(Error::Output)?;
    let mut ok = true;
    match &manifest {
        Some(m) => {
            let problems = &checked.mismatches;
            for p in problems {
                writeln!(out, "MISMATCH: {p}").map_err(Error::Output)?;
            }
            ok = problems.is_empty();
            writeln!(
                out,
                "{}: manifest ({} tables, {} rows, sha256 {})",
                if ok { "OK" } else { "FAILED" },
                m.tables.len(),
                m.total_rows(),
                m.sha256
            )
            .map_err(Error::Output)?;
        }
        None => {
            writeln!(out, "sha256 {digest} (no manifest to compare with)").map_err(Error::Output)?
        }
    }
    out.flush().map_err(Error::Output)?;
    Ok(ok)
}

fn print(out: &mut impl Write, report: &VerifyReport, args: &VerifyArgs) -> io::Result<()> {
    let h = &report.header;
    let text = |b: &Option<Vec<u8>>| -> String {
        b.as_deref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default()
    };
    if !args.quiet {
        writeln!(
            out,
            "archive {}, compression {}, created {}, database {}, server {}, dumped by {}",
            h.version,
            h.compression.algorithm().name(),
            h.created,
            text(&h.dbname),
            text(&h.server_version),
            text(&h.dump_version),
        )?;
        writeln!(
            out,
            "{:>8} {:>12} {:>12} {:>12} {:>10}  entry",
            "dump id", "offset", "stored", "raw", "rows"
        )?;
        for e in &report.entries {
            let Some(DataReport {
                block_offset,
                stored_bytes,
                raw_bytes,
                rows,
                large_objects,
            }) = e.data
            else {
                continue;
            };
            let count = match (rows, large_objects) {
                (Some(r), _) => r.to_string(),
                (None, Some(n)) => format!("{n} LOs"),
                (None, None) => "-".into(),
            };
            let entry = &e.stored.entry;
            let ns = entry
                .namespace_lossy()
                .map(|n| format!("{n}."))
                .unwrap_or_default();
            writeln!(
                out,
                "{:>8} {block_offset:>12} {stored_bytes:>12} {raw_bytes:>12} {count:>10}  {} {ns}{}",
                entry.dump_id,
                entry.desc,
                entry.tag_lossy(),
            )?;
        }
    }
    let blocks = report.entries.iter().filter(|e| e.data.is_some()).count();
    writeln!(
        out,
        "OK: {} bytes, {} TOC entries, {} data blocks, {} rows, {} large objects",
        report.total_bytes,
        report.entries.len(),
        blocks,
        report.total_rows(),
        report.total_large_objects(),
    )
}
