//! `pgark bucket init|audit`: the runbook's bucket hardening, applied and
//! audited.

use std::io::{self, Write};

use pgark::bucket::hardening::{self, Change};
use pgark::bucket::{AuditReport, InitReport};
use pgark::sink::s3::S3ClientOptions;
use pgark::Error;

use super::args::{BucketArgs, BucketCommand, BucketPolicyArgs};

/// Runs the subcommand; `Ok(false)` when the bucket drifts from the
/// policy (the report was printed).
pub fn run(args: &BucketArgs) -> Result<bool, Error> {
    let runtime = super::runtime::current_thread()?;
    match &args.command {
        BucketCommand::Init(a) => {
            let report = runtime.block_on(hardening::init(
                &S3ClientOptions::from_env(),
                &a.bucket.bucket,
                &a.hardening(),
            ))?;
            print(a, |out| print_init(out, &report), || report.to_json())?;
            Ok(!report.after.has_drift())
        }
        BucketCommand::Audit(a) => {
            let report = runtime.block_on(hardening::audit(
                &S3ClientOptions::from_env(),
                &a.bucket.bucket,
                &a.hardening(),
            ))?;
            print(a, |out| print_audit(out, &report), || report.to_json())?;
            Ok(!report.has_drift())
        }
    }
}

fn print(
    args: &BucketPolicyArgs,
    human: impl FnOnce(&mut dyn Write) -> io::Result<()>,
    json: impl FnOnce() -> pgark::bucket::Json,
) -> Result<(), Error> {
    let mut out = io::stdout().lock();
    if args.json {
        writeln!(out, "{:#}", json()).map_err(Error::Output)?;
    } else {
        human(&mut out).map_err(Error::Output)?;
    }
    out.flush().map_err(Error::Output)
}

fn print_init(out: &mut dyn Write, report: &InitReport) -> io::Result<()> {
    let bucket = format!("s3://{} ({})", report.bucket, report.region);
    if report.created {
        writeln!(out, "{bucket}: created")?;
    } else if report.unchanged() {
        writeln!(out, "{bucket}: already configured, nothing changed")?;
    } else {
        writeln!(out, "{bucket}: exists")?;
    }
    for (item, change) in &report.changes {
        let check = report.after.check(*item);
        match change {
            Change::AlreadyConfigured => {
                writeln!(out, "  {item}: already configured")?;
            }
            Change::Applied { was } => {
                let now = check.map_or("", |c| c.found.as_str());
                writeln!(out, "  {item}: applied, now {now} (was: {was})")?;
            }
        }
    }
    if report.after.has_drift() {
        writeln!(out, "drift remains (not changed by init):")?;
        print_drift(out, &report.after)?;
    }
    Ok(())
}

fn print_audit(out: &mut dyn Write, report: &AuditReport) -> io::Result<()> {
    let drift = report.drift().count();
    let bucket = format!("s3://{} ({})", report.bucket, report.region);
    if drift == 0 {
        writeln!(out, "{bucket}: no drift from the policy")?;
    } else {
        writeln!(
            out,
            "{bucket}: {drift} of {} items drift from the policy",
            report.checks.len()
        )?;
    }
    for c in &report.checks {
        if c.ok {
            writeln!(out, "  ok     {}: {}", c.item, c.found)?;
        } else {
            writeln!(
                out,
                "  DRIFT  {}: {} (expected: {})",
                c.item, c.found, c.expected
            )?;
        }
    }
    Ok(())
}

fn print_drift(out: &mut dyn Write, report: &AuditReport) -> io::Result<()> {
    for c in report.drift() {
        writeln!(
            out,
            "  DRIFT  {}: {} (expected: {})",
            c.item, c.found, c.expected
        )?;
    }
    Ok(())
}
