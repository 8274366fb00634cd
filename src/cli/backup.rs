//! `pgark backup`.

use pgark::backup::{self, BackupOptions, Target};
use pgark::Error;

use super::args::BackupArgs;

pub fn run(args: &BackupArgs) -> Result<(), Error> {
    let mut opts = BackupOptions::new(args.database_url.clone(), Target::from_arg(&args.to)?);
    opts.compression = args.compress;
    opts.format_version = args.format_version;
    opts.acl = args.acl;
    if let Some(j) = args.jobs {
        opts.jobs = j.max(1);
    }
    if let Some(t) = args.compress_threads {
        opts.compress_threads = t.max(1);
    }
    opts.lock_wait_timeout = args.lock_wait_timeout;
    if args.s3_part_size_mib < 5 {
        return Err(Error::Config(
            "--s3-part-size-mib must be at least 5 (S3's minimum part size)".into(),
        ));
    }
    opts.s3_sink.min_part_size = args.s3_part_size_mib << 20;
    opts.s3_sink.max_in_flight = args.s3_parts_in_flight.max(1);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))?;
    let report = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| Error::Config(format!("cannot install the SIGTERM handler: {e}")))?;
        // On a signal the backup stops its workers, removes its temporary
        // file or aborts its upload, and only then returns.
        let stop = async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => "SIGINT",
                _ = term.recv() => "SIGTERM",
            }
        };
        backup::backup_until(&opts, stop).await
    })?;
    println!("{}", report.path.display());
    eprintln!(
        "pgark: backup complete: {} ({} bytes, sha256 {}, archive {}, {} tables, {} rows, {} large objects, from PostgreSQL {}) in {:.1}s",
        report.path.display(),
        report.bytes,
        report.stored.sha256,
        report.archive_version,
        report.tables.len(),
        report.rows(),
        report.large_objects,
        report.server_version,
        report.duration.as_secs_f64()
    );
    Ok(())
}
