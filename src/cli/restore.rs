//! `pgark restore`: the native restore engine, like `pg_restore -d`.

use std::io::{self, BufWriter, Write};

use archive_format::Section;
use pgark::archive::listing;
use pgark::restore::{self, RestoreOptions};
use pgark::sink::s3::S3ClientOptions;
use pgark::{CancellationToken, Error};

use super::args::RestoreArgs;

pub fn run(args: &RestoreArgs) -> Result<(), Error> {
    let source = super::decrypt::source(&args.archive, &args.identity)?;
    if args.list {
        let toc = pgark::blocking::list(&source, &S3ClientOptions::from_env())?;
        let mut out = BufWriter::new(io::stdout().lock());
        listing::write(&mut out, &toc, &listing::Options::default()).map_err(Error::Output)?;
        return out.flush().map_err(Error::Output);
    }
    let mut opts = options(args)?;
    // SIGINT and SIGTERM stop it: its connections close, what was
    // restored stays (as after a failed restore).
    let cancel = CancellationToken::new();
    opts.cancel = Some(cancel.clone());
    let threads = opts.jobs.clamp(2, 8);
    let report =
        super::signal::run_interruptible(threads, cancel, restore::restore(&source, &opts))?;
    if report.error_count == 0 {
        return Ok(());
    }
    // pg_restore's default: go on, print each error as it does, then say
    // how many were ignored.
    let mut err = io::stderr().lock();
    for e in &report.errors {
        let _ = writeln!(err, "pgark: error: {e}");
    }
    Err(Error::Database {
        context: "errors ignored on restore".into(),
        message: format!(
            "{} (the restore went on past them; --exit-on-error stops at the first)",
            report.error_count
        ),
    })
}

/// The restore's options from the command line.
fn options(args: &RestoreArgs) -> Result<RestoreOptions, Error> {
    let Some(dbname) = &args.dbname else {
        return Err(Error::Config("--dbname is required (or --list)".into()));
    };
    let mut opts = RestoreOptions::new(dbname.clone());
    opts.s3 = S3ClientOptions::from_env();
    opts.jobs = usize::from(args.jobs);
    opts.split_threshold = args.split_threshold.0;
    if let Some(path) = &args.use_list {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Error::Config(format!("cannot read the list file {}: {e}", path.display()))
        })?;
        let (ids, ignored) = restore::read_list(&text);
        for line in ignored {
            eprintln!("pgark: warning: {}: line ignored: {line}", path.display());
        }
        opts.use_list = Some(ids);
    }
    opts.globals = match args.globals.as_deref() {
        None => None,
        Some("") => Some(pgark::globals::beside(&args.archive)?),
        Some(file) => Some(file.parse()?),
    };
    opts.clean = args.clean;
    opts.data_only = args.data_only;
    opts.schema_only = args.schema_only;
    opts.create = args.create;
    opts.if_exists = args.if_exists;
    opts.no_owner = args.no_owner;
    opts.no_acl = args.no_acl;
    opts.single_transaction = args.single_transaction;
    opts.exit_on_error = args.exit_on_error;
    opts.tables = args.tables.clone();
    opts.schemas = args.schemas.clone();
    opts.sections = args
        .sections
        .iter()
        .map(|s| match s.as_str() {
            "pre-data" => Section::PreData,
            "data" => Section::Data,
            _ => Section::PostData,
        })
        .collect();
    if args.if_exists && !args.clean {
        return Err(Error::Config(
            "--if-exists requires --clean (as in pg_restore)".into(),
        ));
    }
    Ok(opts)
}
