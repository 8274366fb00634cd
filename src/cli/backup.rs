//! `pgark backup`: the cron job. Configured by flags or the runbook's
//! environment (DATABASE_URL, BACKUP_S3_BUCKET, AWS_*), with heartbeats
//! for a dead man's switch and warnings about what would break restores.

use std::time::Duration;

use pgark::backup::{self, BackupOptions, BackupReport, Target};
use pgark::cluster::{self, ClusterOptions};
use pgark::heartbeat::{Beat, Heartbeat};
use pgark::{CancellationToken, Error};

use super::args::BackupArgs;

fn target(args: &BackupArgs) -> Result<Target, Error> {
    if let Some(to) = &args.to {
        return Target::from_arg(to);
    }
    match std::env::var("BACKUP_S3_BUCKET") {
        Ok(bucket) if !bucket.is_empty() => {
            let prefix = std::env::var("BACKUP_S3_PREFIX").unwrap_or_default();
            let prefix = match prefix.trim_matches('/') {
                "" => String::new(),
                p => format!("{p}/"),
            };
            Target::from_arg(&format!("s3://{bucket}/{prefix}"))
        }
        _ => Target::from_arg("backups/"),
    }
}

pub fn run(args: &BackupArgs) -> Result<(), Error> {
    let mut opts = options(args)?;
    let json = args.log_format == "json";
    // Progress only for a person watching: stderr is a terminal. It is
    // one line rewritten in place; phase lines clear it first.
    let tty = !json && std::io::IsTerminal::is_terminal(&std::io::stderr());
    super::log::show_phases(json, tty);
    let heartbeat = heartbeat(args)?;
    // SIGINT and SIGTERM cancel it: the backup stops its workers, removes
    // its temporary file or aborts its upload, and only then returns.
    let cancel = CancellationToken::new();
    opts.cancel = Some(cancel.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))?;
    if args.all_databases {
        return run_all(args, opts, &heartbeat, &runtime, json, cancel);
    }
    let report = runtime.block_on(async {
        beat(&heartbeat, Beat::Start, "pgark backup started", json).await;
        let result = backup::backup_until(&opts, super::signal::cancel_on_signal(cancel)?).await;
        let (kind, body) = match &result {
            Ok(report) => (Beat::Success, summary(report)),
            Err(e) => (Beat::Fail, format!("pgark backup failed: {e}")),
        };
        beat(&heartbeat, kind, &body, json).await;
        result
    })?;
    for w in report.restore_warnings(&opts) {
        super::log::line(json, "warning", &w);
    }
    println!("{}", report.path.display());
    if json {
        eprintln!("{}", report_json(&report));
    } else {
        eprintln!("pgark: {}", summary(&report));
    }
    Ok(())
}

/// The backup's options from the flags and the environment.
fn options(args: &BackupArgs) -> Result<BackupOptions, Error> {
    let mut opts = BackupOptions::new(args.database_url.clone(), target(args)?);
    opts.s3 = pgark::sink::s3::S3ClientOptions::from_env();
    opts.compression = args.compress;
    opts.format_version = args.format_version;
    opts.acl = args.acl;
    opts.allow_unknown = args.allow_unknown;
    opts.globals = args.globals;
    opts.name = args.name.clone();
    opts.selection = args.select.selection();
    if !args.encrypt_to.is_empty() {
        opts.encrypt_to = Some(pgark::crypt::Recipients::parse(&args.encrypt_to)?);
    }
    if let Some(j) = args.jobs {
        opts.jobs = j.max(1);
    }
    if let Some(t) = args.compress_threads {
        opts.compress_threads = t.max(1);
    }
    opts.split_threshold = args.split_threshold.0;
    opts.lock_wait_timeout = args.lock_wait_timeout;
    if !(5..=5120).contains(&args.s3_part_size_mib) {
        return Err(Error::Config(
            "--s3-part-size-mib must be from 5 to 5120 (S3's smallest and largest part sizes)"
                .into(),
        ));
    }
    opts.s3_sink.min_part_size = args.s3_part_size_mib << 20;
    opts.s3_sink.max_in_flight = args.s3_parts_in_flight.max(1);
    Ok(opts)
}

/// The dead man's switch, with `--heartbeat-url`.
fn heartbeat(args: &BackupArgs) -> Result<Option<Heartbeat>, Error> {
    let Some(url) = &args.heartbeat_url else {
        return Ok(None);
    };
    Ok(Some(
        Heartbeat::new(url, Duration::from_secs(10))
            .map_err(Error::Config)?
            .with_suffixes(&args.heartbeat_start_suffix, &args.heartbeat_fail_suffix),
    ))
}

/// `--log-format json`'s event for a finished backup.
fn report_json(report: &BackupReport) -> serde_json::Value {
    serde_json::json!({
        "level": "info",
        "event": "backup complete",
        "archive": report.stored.location,
        "manifest": report.manifest_location,
        "globals": report.globals_location,
        "bytes": report.bytes,
        "sha256": report.stored.sha256,
        "archive_version": report.archive_version.to_string(),
        "tables": report.tables.len(),
        "rows": report.rows(),
        "large_objects": report.large_objects,
        "server_version": report.server_version,
        "seconds": report.duration.as_secs_f64(),
    })
}

/// `--all-databases`: every database, one heartbeat and one summary for
/// the run; the first failing database's error is the run's.
fn run_all(
    args: &BackupArgs,
    opts: BackupOptions,
    heartbeat: &Option<Heartbeat>,
    runtime: &tokio::runtime::Runtime,
    json: bool,
    cancel: CancellationToken,
) -> Result<(), Error> {
    let mut cluster = ClusterOptions::new(opts);
    cluster.exclude = args.exclude_database.clone();
    let report = runtime.block_on(async {
        let started = "pgark backup --all-databases started";
        beat(heartbeat, Beat::Start, started, json).await;
        let result = cluster::backup_all(&cluster, super::signal::cancel_on_signal(cancel)?).await;
        let (kind, body) = match &result {
            Ok(r) if r.failed().next().is_none() => (Beat::Success, run_summary(r)),
            Ok(r) => (Beat::Fail, run_summary(r)),
            Err(e) => (
                Beat::Fail,
                format!("pgark backup --all-databases failed: {e}"),
            ),
        };
        beat(heartbeat, kind, &body, json).await;
        result
    })?;
    print_databases(&report, &cluster.backup, json);
    if json {
        eprintln!("{}", run_json(&report));
    } else {
        eprintln!("pgark: {}", run_summary(&report));
    }
    match report.first_error() {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

/// Each database of a run: its warnings, its archive on stdout, and (as
/// text) its summary or failure.
fn print_databases(report: &cluster::ClusterReport, opts: &BackupOptions, json: bool) {
    for d in &report.databases {
        match &d.outcome {
            Ok(r) => {
                for w in r.restore_warnings(opts) {
                    super::log::line(json, "warning", &format!("{}: {w}", d.database));
                }
                println!("{}", r.path.display());
                if !json {
                    eprintln!("pgark: {}: {}", d.database, summary(r));
                }
            }
            Err(e) if !json => eprintln!("pgark: {}: backup FAILED: {e}", d.database),
            Err(_) => {}
        }
    }
}

/// `--log-format json`'s event for a finished run.
fn run_json(report: &cluster::ClusterReport) -> serde_json::Value {
    let databases: Vec<serde_json::Value> = report
        .databases
        .iter()
        .map(|d| match &d.outcome {
            Ok(r) => serde_json::json!({
                "database": d.database,
                "ok": true,
                "archive": r.stored.location,
                "manifest": r.manifest_location,
                "bytes": r.bytes,
                "sha256": r.stored.sha256,
                "tables": r.tables.len(),
                "rows": r.rows(),
                "seconds": r.duration.as_secs_f64(),
            }),
            Err(e) => serde_json::json!({
                "database": d.database,
                "ok": false,
                "error": e.to_string(),
            }),
        })
        .collect();
    serde_json::json!({
        "level": if report.failed().next().is_none() { "info" } else { "error" },
        "event": "all databases backed up",
        "stamp": report.stamp,
        "databases": databases,
        "failed": report.failed().count(),
        "excluded": report.excluded,
        "globals": report.globals,
        "record": report.record,
        "seconds": report.duration.as_secs_f64(),
    })
}

/// One line for the whole run.
fn run_summary(report: &cluster::ClusterReport) -> String {
    let failed: Vec<&str> = report.failed().map(|(db, _)| db).collect();
    let ok = report.databases.len() - failed.len();
    let bytes: u64 = report
        .databases
        .iter()
        .filter_map(|d| d.outcome.as_ref().ok())
        .map(|r| r.bytes)
        .sum();
    format!(
        "all databases: {ok} of {} backed up ({bytes} bytes, stamp {}){}{}{} in {:.1}s",
        report.databases.len(),
        report.stamp,
        if failed.is_empty() {
            String::new()
        } else {
            format!("; FAILED: {}", failed.join(", "))
        },
        if report.excluded.is_empty() {
            String::new()
        } else {
            format!("; excluded: {}", report.excluded.join(", "))
        },
        report
            .record
            .as_deref()
            .map(|r| format!("; run record {r}"))
            .unwrap_or_default(),
        report.duration.as_secs_f64()
    )
}

fn summary(report: &BackupReport) -> String {
    let secs = report.duration.as_secs_f64();
    format!(
        "backup complete: {} ({} bytes, sha256 {}, archive {}, {} tables, {} rows, {} large objects, from PostgreSQL {}{}) in {:.1}s ({:.1} MB/s)",
        report.path.display(),
        report.bytes,
        report.stored.sha256,
        report.archive_version,
        report.tables.len(),
        report.rows(),
        report.large_objects,
        report.server_version,
        report
            .manifest_location
            .as_deref()
            .map(|m| format!("; manifest {m}"))
            .unwrap_or_default(),
        secs,
        report.tables.iter().map(|t| t.bytes).sum::<u64>() as f64 / 1e6 / secs.max(1e-3)
    )
}

async fn beat(heartbeat: &Option<Heartbeat>, beat: Beat, body: &str, json: bool) {
    if let Some(h) = heartbeat {
        if let Err(e) = h.send(beat, body).await {
            super::log::line(json, "warning", &e);
        }
    }
}
