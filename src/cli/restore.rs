//! `pgark restore`: the native restore engine, like `pg_restore -d`.

use archive_format::Section;
use pgark::restore::{self, RestoreOptions};
use pgark::Error;

use super::args::RestoreArgs;

pub fn run(args: &RestoreArgs) -> Result<(), Error> {
    let mut opts = RestoreOptions::new(args.dbname.clone());
    opts.clean = args.clean;
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
    let report = restore::restore(&args.archive, &opts)?;
    if report.errors.is_empty() {
        return Ok(());
    }
    // pg_restore's default: go on, then say how many errors were ignored.
    for e in &report.errors {
        eprintln!("pgark: warning: restoring {}: {}", e.entry, e.message);
    }
    let first = &report.errors[0];
    Err(Error::Database {
        context: format!(
            "errors ignored on restore: {} (the restore went on past them; \
             --exit-on-error stops at the first); first: {}",
            report.errors.len(),
            first.entry
        ),
        message: first.message.clone(),
    })
}
