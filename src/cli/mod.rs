//! The command-line interface: a thin layer over the library.

mod args;
mod audit;
mod backup;
mod bucket;
mod changelog;
mod decrypt;
mod diff;
mod drill;
mod duration;
mod exit;
mod iam_policy;
mod list;
mod log;
mod prune;
mod restore;
mod runtime;
mod select;
mod signal;
mod verify;

use std::process::ExitCode;

use clap::Parser;

use args::{Args, Command};

/// Parses the command line, runs the subcommand, and maps the outcome to an
/// exit code (see [`exit`]).
pub fn run() -> ExitCode {
    log::init();
    // Debug builds only: lets the tests check what a bug looks like.
    #[cfg(debug_assertions)]
    if std::env::var_os("PGARK_DEBUG_PANIC").is_some_and(|v| v != "writer") {
        panic!("PGARK_DEBUG_PANIC is set");
    }
    let args = match Args::try_parse() {
        Ok(a) => a,
        Err(e) => {
            // Help and version go to stdout with status 0; usage errors
            // print clap's message and exit with the usage code.
            let _ = e.print();
            return if e.use_stderr() {
                exit::Status::Usage.code()
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let outcome = match args.command {
        Command::Backup(a) => backup::run(&a),
        Command::List(a) => list::run(&a),
        Command::Diff(a) => match diff::run(&a) {
            // The backups differ: `git diff --exit-code`'s status.
            Ok(true) if a.exit_code => return std::process::ExitCode::from(1),
            other => other.map(drop),
        },
        Command::Verify(a) => match verify::run(&a) {
            // The archive reads but does not match its manifest.
            Ok(false) => return ExitCode::from(6),
            other => other.map(drop),
        },
        Command::Ls(a) => audit::ls(&a),
        Command::Restore(a) => restore::run(&a),
        Command::Drill(a) => match drill::run(&a) {
            // The drill ran and a check failed.
            Ok(false) => return ExitCode::from(6),
            other => other.map(drop),
        },
        Command::Audit(a) => match audit::run(&a) {
            // A failed audit: verification failed.
            Ok(false) => return ExitCode::from(6),
            other => other.map(drop),
        },
        Command::Bucket(a) => return exit::finish_check(bucket::run(&a)),
        Command::Prune(a) => return exit::finish_check(prune::run(&a)),
        Command::IamPolicy(a) => iam_policy::run(&a),
        Command::Decrypt(a) => decrypt::run(&a),
    };
    exit::finish(outcome)
}
