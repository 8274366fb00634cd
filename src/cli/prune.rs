//! `pgark prune`: the retention policy applied to a bucket, dry run by
//! default.

use std::io::{self, Write};

use super::runtime::current_thread;
use pgark::audit;
use pgark::manifest::rfc3339;
use pgark::prune::{self, Applied, Decision, Deletion, Plan};
use pgark::sink::s3::S3ClientOptions;
use pgark::Error;

use super::args::PruneArgs;

/// Runs prune: `Ok(false)` when it refused because an archive newer than a
/// backup to delete is invalid (the plan and the reasons were printed).
pub fn run(args: &PruneArgs) -> Result<bool, Error> {
    let url = &args.url;
    let policy = args.keep.policy();
    let runtime = current_thread()?;
    let s3 = S3ClientOptions::from_env();
    let listing = runtime.block_on(audit::ls(url, &s3))?;
    let plan = prune::plan(&listing, &policy)?;
    let refused = !plan.blockers.is_empty() && !args.force;
    let applying = args.apply && !refused;
    let mut out = io::stdout().lock();
    print_plan(&mut out, args, &plan, applying).map_err(Error::Output)?;
    out.flush().map_err(Error::Output)?;
    if refused {
        for line in prune::refusal(&plan).lines() {
            eprintln!("pgark: error: {line}");
        }
        return Ok(false);
    }
    if !applying {
        return Ok(true);
    }
    let deletion = if args.purge_versions {
        Deletion::PurgeVersions
    } else {
        Deletion::Current
    };
    let applied = runtime.block_on(prune::apply(&s3, &url.bucket, &plan, deletion, args.force))?;
    print_applied(&mut out, &applied, args.purge_versions).map_err(Error::Output)?;
    out.flush().map_err(Error::Output)?;
    Ok(true)
}

fn print_plan(
    out: &mut impl Write,
    args: &PruneArgs,
    plan: &Plan,
    applying: bool,
) -> io::Result<()> {
    let mode = if applying {
        "deleting"
    } else {
        "dry run, nothing is deleted (--apply deletes)"
    };
    writeln!(
        out,
        "{}: {} (periods in UTC); {mode}",
        args.url, plan.policy
    )?;
    for e in &plan.entries {
        print_entry(out, e)?;
    }
    for f in &plan.run_files {
        writeln!(
            out,
            "delete   {:20}  {f}  (its run's archives are all deleted)",
            "-"
        )?;
    }
    for m in &plan.orphan_manifests {
        writeln!(
            out,
            "orphan   {:20}  {m}  (manifest without its archive; left alone)",
            "-"
        )?;
    }
    print_totals(out, plan, applying)
}

/// One archive's line: kept (and why), deleted (with its sidecars) or
/// invalid.
fn print_entry(out: &mut impl Write, e: &prune::Entry) -> io::Result<()> {
    let at = e.taken_at.map_or_else(|| "-".to_owned(), rfc3339);
    match &e.decision {
        Decision::Keep(reasons) if reasons.is_empty() => {
            writeln!(out, "keep     {at}  {}  (newest valid backup)", e.key)?;
        }
        Decision::Keep(reasons) => {
            let why: Vec<String> = reasons.iter().map(ToString::to_string).collect();
            writeln!(out, "keep     {at}  {}  ({})", e.key, why.join(", "))?;
        }
        Decision::Delete => {
            writeln!(out, "delete   {at}  {}", e.key)?;
            for s in &e.sidecars {
                writeln!(out, "{:29}+ {s}", "")?;
            }
        }
        Decision::Invalid(why) => writeln!(
            out,
            "invalid  {at}  {}  (not a valid backup: {why}; left alone)",
            e.key
        )?,
    }
    Ok(())
}

/// The counts: kept, deleted (and their bytes), invalid.
fn print_totals(out: &mut impl Write, plan: &Plan, applying: bool) -> io::Result<()> {
    let kept = plan.kept().count();
    let deleted: Vec<_> = plan.deletions().collect();
    let bytes: u64 = deleted.iter().map(|e| e.size).sum();
    let invalid = plan
        .entries
        .iter()
        .filter(|e| matches!(e.decision, Decision::Invalid(_)))
        .count();
    writeln!(
        out,
        "{kept} kept, {} {} ({bytes} bytes), {invalid} invalid left alone",
        deleted.len(),
        if applying {
            "to delete"
        } else {
            "would be deleted"
        }
    )
}

fn print_applied(out: &mut impl Write, applied: &Applied, purged: bool) -> io::Result<()> {
    let what = if purged {
        "object versions and delete markers"
    } else {
        "objects"
    };
    writeln!(
        out,
        "deleted {} backups ({} bytes): {} {what}",
        applied.archives, applied.bytes, applied.objects
    )
}
