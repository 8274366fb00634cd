//! `pgark ls` and `pgark audit`: the backups in a bucket, and whether the
//! weekly cadence holds (the alert on a missed Monday dump).

use std::time::Duration;

use super::runtime::{current_thread, now_unix};
use pgark::audit::{self, human, Cadence};
use pgark::heartbeat::post;
use pgark::manifest::rfc3339;
use pgark::retention;
use pgark::sink::s3::S3ClientOptions;
use pgark::Error;
use pgark::S3Url;

use super::args::{AuditArgs, LsArgs};

/// `pgark ls`: newest first, with size, age and manifest status.
pub fn ls(args: &LsArgs) -> Result<(), Error> {
    let url = S3Url::parse(&args.url)?;
    let listing = pgark::blocking::ls(&url, &S3ClientOptions::from_env())?;
    let now = now_unix();
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&listing).unwrap_or_default()
        );
        return Ok(());
    }
    for b in &listing.backups {
        let age = b
            .taken_at
            .map(|t| human(now.saturating_sub(t)))
            .unwrap_or_else(|| "?".into());
        let status = match b.invalid() {
            None => "ok".to_owned(),
            Some(why) => why,
        };
        println!("{:>12}  {:>8}  {}  {}", b.size, age, b.key, status);
    }
    for m in &listing.orphan_manifests {
        println!(
            "{:>12}  {:>8}  {}  manifest without its archive",
            "-", "-", m
        );
    }
    let databases = audit::databases(&listing);
    if databases.len() > 1 || !listing.runs.is_empty() {
        for d in &databases {
            println!("{}", database_line(d, now));
        }
    }
    Ok(())
}

/// `database app: 3 archives, 3 valid; newest ... (2d 1h old)`, and the
/// newer run that failed it.
fn database_line(d: &audit::DatabaseStatus, now: i64) -> String {
    let newest = match (&d.newest, d.newest_at) {
        (Some(k), Some(t)) => format!("newest {k} ({} old)", human(now.saturating_sub(t))),
        _ => "no valid backup".into(),
    };
    let failed = match &d.failed_run {
        Some((at, e)) => format!("; FAILED in the run of {at}: {e}"),
        None => String::new(),
    };
    format!(
        "database {}: {} archives, {} valid; {newest}{failed}",
        d.database, d.archives, d.valid
    )
}

/// The times of the valid backups of each series (database name): what
/// a retention policy counts, as `pgark prune` does.
fn valid_times(listing: &audit::Listing) -> std::collections::BTreeMap<String, Vec<i64>> {
    let mut series: std::collections::BTreeMap<String, Vec<i64>> = Default::default();
    for b in listing.backups.iter().filter(|b| b.invalid().is_none()) {
        if let Some(t) = b.taken_at {
            series
                .entry(pgark::prune::series_of(&b.key))
                .or_default()
                .push(t);
        }
    }
    series
}

/// `retention: keep-weekly 8: 8 of 8 weeks have a backup`, or a warning
/// naming the periods without one.
fn coverage_line(c: &retention::Coverage) -> String {
    let rule = format!("keep-{} {}", c.rule.name(), c.wanted);
    let have = if c.rule == retention::Rule::Last {
        format!("{} of {} backups present", c.present, c.wanted)
    } else {
        format!(
            "{} of the {} {} up to the newest backup's have one",
            c.present,
            c.wanted,
            c.rule.plural()
        )
    };
    if c.present == c.wanted {
        return format!("retention: {rule}: {have}");
    }
    let mut none = c.missing.join(", ");
    let more = u64::from(c.missing_total).saturating_sub(c.missing.len() as u64);
    if more > 0 && !none.is_empty() {
        none.push_str(&format!(" and {more} more"));
    }
    if none.is_empty() {
        format!("warn: retention: {rule}: {have}")
    } else {
        format!("warn: retention: {rule}: {have}; none in {none}")
    }
}

/// `pgark audit`: Ok(true) when the cadence holds.
pub fn run(args: &AuditArgs) -> Result<bool, Error> {
    let every = super::duration::seconds(&args.every).map_err(Error::Config)?;
    let grace = super::duration::seconds(&args.grace).map_err(Error::Config)?;
    let now = now_unix();
    let url = S3Url::parse(&args.url)?;
    let cadence = Cadence { every, grace, now };
    let (listing, report) = pgark::blocking::audit(&url, &S3ClientOptions::from_env(), cadence)?;
    let policy = args.keep.policy();
    let retention: Vec<(String, Vec<retention::Coverage>)> = valid_times(&listing)
        .into_iter()
        .map(|(series, times)| (series, retention::coverage(&policy, &times)))
        .filter(|(_, c)| !c.is_empty())
        .collect();
    let mut json = serde_json::json!({
        "bucket": args.url,
        "checked_at": rfc3339(now),
        "ok": report.ok(),
        "report": report,
    });
    if !retention.is_empty() {
        json["retention"] = retention
            .iter()
            .map(|(series, c)| serde_json::json!({"series": series, "rules": c}))
            .collect();
    }
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&json).unwrap_or_default()
        );
    } else {
        print_text(&report, &retention, now);
    }
    if let Some(url) = &args.webhook {
        let body = json.to_string();
        if let Err(e) = current_thread()?.block_on(post(url, &body, Duration::from_secs(10))) {
            eprintln!("pgark: warning: {e}");
        }
    }
    Ok(report.ok())
}

/// The audit as text: the newest backup, counts, each database (when
/// several), the findings, retention coverage and the verdict.
fn print_text(
    report: &audit::AuditReport,
    retention: &[(String, Vec<retention::Coverage>)],
    now: i64,
) {
    match (&report.newest, report.newest_age) {
        (Some(k), Some(age)) => println!("newest valid backup: {k} ({} old)", human(age)),
        _ => println!("newest valid backup: none"),
    }
    println!("{} archives, {} valid", report.archives, report.valid);
    if report.databases.len() > 1 {
        for d in &report.databases {
            println!("{}", database_line(d, now));
        }
    }
    for f in &report.findings {
        println!("{}: {}", if f.fails { "FAIL" } else { "warn" }, f.message);
    }
    let several = retention.len() > 1;
    for (series, coverage) in retention {
        for c in coverage {
            let line = coverage_line(c);
            if several {
                let named = format!("retention ({series}):");
                println!("{}", line.replacen("retention:", &named, 1));
            } else {
                println!("{line}");
            }
        }
    }
    println!(
        "{}",
        if report.ok() {
            "audit passed"
        } else {
            "audit FAILED"
        }
    );
}
