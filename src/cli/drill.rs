//! `pgark drill`: the runbook's restore drill as one command.

use std::time::Duration;

use pgark::drill::{DrillOptions, DrillReport};
use pgark::heartbeat::{Beat, Heartbeat};
use pgark::S3Url;
use pgark::{CancellationToken, Error};

use super::args::DrillArgs;

fn beat(h: &Option<Heartbeat>, b: Beat, body: &str) {
    let Some(h) = h else { return };
    let sent = super::runtime::current_thread()
        .map_err(|e| e.to_string())
        .and_then(|rt| rt.block_on(h.send(b, body)));
    if let Err(e) = sent {
        eprintln!("pgark: warning: {e}");
    }
}

/// Ok(true) when every check held.
pub fn run(args: &DrillArgs) -> Result<bool, Error> {
    let S3Url {
        bucket,
        key: prefix,
    } = S3Url::parse(&args.url)?;
    let heartbeat = match &args.heartbeat_url {
        Some(u) => Some(Heartbeat::new(u, Duration::from_secs(10)).map_err(Error::Config)?),
        None => None,
    };
    beat(&heartbeat, Beat::Start, "pgark drill started");
    let mut opts = options(args, bucket.clone(), prefix)?;
    // SIGINT and SIGTERM stop it, its scratch database dropped.
    let cancel = CancellationToken::new();
    opts.cancel = Some(cancel.clone());
    let report = match super::signal::run_interruptible(2, cancel, pgark::drill::drill(&opts)) {
        Ok(r) => r,
        Err(e) => {
            beat(&heartbeat, Beat::Fail, &format!("pgark drill failed: {e}"));
            return Err(e);
        }
    };
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&report).unwrap_or_default()
        );
    } else {
        print_text(&report, &bucket);
    }
    if report.ok() {
        if let Some(path) = &args.record {
            super::changelog::record(path, &report.key)?;
        }
        let body = format!("drill passed: {}", report.key);
        beat(&heartbeat, Beat::Success, &body);
    } else {
        beat(
            &heartbeat,
            Beat::Fail,
            &format!("drill FAILED: {}", report.key),
        );
    }
    Ok(report.ok())
}

/// The drill's options from the flags and the environment (AWS_*).
fn options(args: &DrillArgs, bucket: String, prefix: String) -> Result<DrillOptions, Error> {
    let mut opts = DrillOptions::new(bucket, prefix, args.target_url.clone());
    opts.s3 = pgark::sink::s3::S3ClientOptions::from_env();
    opts.key = args.key.clone();
    opts.checks = args.checks.clone();
    opts.keep = args.keep;
    opts.pg_restore = args.with_pg_restore.clone();
    opts.identity = super::decrypt::identities(&args.identity)?;
    opts.audit = match &args.audit {
        Some(every) => Some((
            super::duration::seconds(every).map_err(Error::Config)?,
            super::duration::seconds(&args.grace).map_err(Error::Config)?,
        )),
        None => None,
    };
    Ok(opts)
}

/// The report as text: the archive and scratch database, one line per
/// check, the verdict.
fn print_text(report: &DrillReport, bucket: &str) {
    if report.database.is_empty() {
        println!("drill of s3://{bucket}/{}: nothing restored", report.key);
    } else {
        println!(
            "drill of s3://{bucket}/{} in scratch database {}",
            report.key, report.database
        );
    }
    for c in &report.checks {
        println!(
            "{} {}: {}",
            if c.ok { "ok  " } else { "FAIL" },
            c.name,
            c.detail
        );
    }
    let verdict = if report.ok() {
        "drill passed"
    } else {
        "drill FAILED"
    };
    let scratch = if report.database.is_empty() {
        ""
    } else if report.dropped {
        "; scratch database dropped"
    } else {
        "; scratch database kept"
    };
    println!("{verdict}{scratch}");
}
