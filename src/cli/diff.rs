//! `pgark diff A B`: what changed between two backups.

use std::io::{self, BufWriter, Write};

use pgark::diff::{Diff, RowChange};
use pgark::sink::s3::S3ClientOptions;
use pgark::Error;

use super::args::DiffArgs;

/// Ok(true) when the backups differ.
pub fn run(args: &DiffArgs) -> Result<bool, Error> {
    let s3 = S3ClientOptions::from_env();
    let a = super::decrypt::source(&args.a, &args.identity)?;
    let b = super::decrypt::source(&args.b, &args.identity)?;
    let diff = pgark::blocking::diff(&a, &b, &s3)?;
    let mut out = BufWriter::new(io::stdout().lock());
    if args.json {
        let doc = serde_json::json!({
            "a": args.a.to_string(),
            "b": args.b.to_string(),
            "diff": diff,
        });
        writeln!(out, "{doc:#}").map_err(Error::Output)?;
    } else {
        print(&mut out, &diff).map_err(Error::Output)?;
    }
    out.flush().map_err(Error::Output)?;
    Ok(!diff.is_empty())
}

fn count(n: Option<u64>) -> String {
    n.map_or_else(|| "-".into(), |n| n.to_string())
}

/// One line per difference: added, dropped, changed, then rows.
fn print(out: &mut impl Write, d: &Diff) -> io::Result<()> {
    for id in &d.added {
        writeln!(out, "added {id}")?;
    }
    for id in &d.dropped {
        writeln!(out, "dropped {id}")?;
    }
    for c in &d.changed {
        writeln!(out, "changed {}", c.id)?;
    }
    for RowChange {
        schema,
        table,
        before,
        after,
    } in &d.rows
    {
        writeln!(
            out,
            "rows {schema}.{table}: {} -> {}",
            count(*before),
            count(*after)
        )?;
    }
    Ok(())
}
