//! `pgark backup`.

use pgark::backup::{self, BackupOptions, Target};
use pgark::Error;

use super::args::BackupArgs;

pub fn run(args: &BackupArgs) -> Result<(), Error> {
    let opts = BackupOptions {
        database_url: args.database_url.clone(),
        target: Target::from_arg(&args.to),
        compression: args.compress,
        format_version: args.format_version,
        acl: args.acl,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))?;
    let report = runtime.block_on(async {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .map_err(|e| Error::Config(format!("cannot install the SIGTERM handler: {e}")))?;
        // Dropping the backup future on a signal drops its temporary file.
        tokio::select! {
            r = backup::backup(&opts) => r,
            _ = tokio::signal::ctrl_c() => Err(Error::Interrupted("SIGINT")),
            _ = term.recv() => Err(Error::Interrupted("SIGTERM")),
        }
    })?;
    println!("{}", report.path.display());
    eprintln!(
        "pgark: backup complete: {} ({} bytes, archive {}, {} tables, {} rows, {} large objects, from PostgreSQL {}) in {:.1}s",
        report.path.display(),
        report.bytes,
        report.archive_version,
        report.tables.len(),
        report.rows(),
        report.large_objects,
        report.server_version,
        report.duration.as_secs_f64()
    );
    Ok(())
}
