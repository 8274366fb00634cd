//! Exit statuses, decided in one place.
//!
//! | code | meaning |
//! |---|---|
//! | 0 | success |
//! | 1 | internal error; `diff --exit-code`: the backups differ (as `git diff --exit-code`) |
//! | 2 | usage or configuration error |
//! | 3 | database error |
//! | 4 | storage error (files, pipes, object storage) |
//! | 5 | the archive is corrupt, truncated or unsupported |
//! | 6 | verification failed: a check ran and found a problem (`verify` against a manifest, `audit`, `bucket audit`; `prune` refusing while an archive newer than a backup to delete is invalid) |
//! | 7 | `backup`: the database has objects pgark cannot dump (one error line each; nothing written; `--allow-unknown` writes the backup and warns) |
//! | 130 | interrupted by SIGINT or SIGTERM (one line saying what was left): `backup` leaves nothing under the target name; `restore` closes its connections, the database keeping what was restored until then (as after a failed restore); `verify` gives no verdict; `drill` drops its scratch database (or names it, if it cannot) |

use std::io::ErrorKind as IoErrorKind;
use std::process::ExitCode;

use pgark::{Error, ErrorCategory};

/// The documented exit statuses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Usage = 2,
    Database = 3,
    Storage = 4,
    Archive = 5,
    Verification = 6,
    Unsupported = 7,
    Interrupted = 130,
}

impl Status {
    pub fn code(self) -> ExitCode {
        ExitCode::from(self as u8)
    }
}

/// Prints the error (one line) and returns the exit code for the outcome.
/// A broken pipe on output (`pgark list x | head`) is a clean exit.
pub fn finish(outcome: Result<(), Error>) -> ExitCode {
    let Err(err) = outcome else {
        return ExitCode::SUCCESS;
    };
    if err
        .io_error()
        .is_some_and(|e| e.kind() == IoErrorKind::BrokenPipe)
    {
        return ExitCode::SUCCESS;
    }
    // One line per problem (an unsupported object each).
    for line in err.to_string().lines() {
        eprintln!("pgark: error: {line}");
    }
    match err.category() {
        ErrorCategory::Config => Status::Usage.code(),
        ErrorCategory::Database => Status::Database.code(),
        ErrorCategory::Storage => Status::Storage.code(),
        ErrorCategory::Archive => Status::Archive.code(),
        ErrorCategory::Interrupted => Status::Interrupted.code(),
        ErrorCategory::Unsupported => Status::Unsupported.code(),
        _ => ExitCode::FAILURE,
    }
}

/// The outcome of a command that checks something and has already
/// reported what it found: `Ok(true)` passed, `Ok(false)` found a problem
/// (exit 6, "verification failed"), errors as in [`finish`].
pub fn finish_check(outcome: Result<bool, Error>) -> ExitCode {
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => Status::Verification.code(),
        Err(e) => finish(Err(e)),
    }
}
