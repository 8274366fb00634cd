//! The library's public error.

use std::io;
use std::path::PathBuf;

/// Broad classes of failure; the CLI maps each to its own exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCategory {
    /// Bad flags, URLs or settings: nothing was attempted.
    Config,
    /// The database refused or failed.
    Database,
    /// Reading or writing files, pipes or object storage failed.
    Storage,
    /// The archive is corrupt, truncated, or of an unsupported kind.
    Archive,
    /// Stopped by SIGINT, SIGTERM or a cancellation token.
    Interrupted,
    /// The database has objects pgark cannot dump.
    Unsupported,
    /// A bug in pgark: a task or thread of its own died (panicked).
    Internal,
}

/// An error of the pgark library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid configuration.
    #[error("{0}")]
    Config(String),
    /// Stopped by a signal or a cancellation before completing; `during`
    /// says what was stopped and what it left.
    #[error("interrupted by {by}; {during}")]
    Interrupted {
        /// What stopped it: `"SIGTERM"`, `"SIGINT"`, `"cancellation"` (a
        /// [`crate::CancellationToken`]).
        by: &'static str,
        /// The operation stopped.
        during: Interruption,
    },
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// The database refused or failed.
    #[error("{context}: {message}")]
    Database {
        /// What pgark was doing.
        context: String,
        /// The server's (or driver's) message, without secrets.
        message: String,
    },
    /// Writing the archive's target failed.
    #[error("{path}: {source}")]
    Write {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// Writing the command's output failed.
    #[error("writing output: {0}")]
    Output(#[source] io::Error),
    /// The archive itself is bad (or reading it failed).
    #[error(transparent)]
    Archive(#[from] archive_format::Error),
    /// The archive at `archive` is bad, when a command reads several.
    #[error("{archive}: {source}")]
    ArchiveAt {
        /// Where the archive is: a path or s3://bucket/key.
        archive: String,
        /// What is wrong with it.
        source: archive_format::Error,
    },
    /// Object storage refused or failed.
    #[error(transparent)]
    S3(#[from] crate::sink::s3::S3Error),
    /// The database has catalog objects pgark cannot dump: one line per
    /// object (kind, schema, name, why). Nothing was written.
    #[error("{}", .0.join("\n"))]
    Unsupported(Vec<String>),
    /// A bucket administration call (`pgark bucket`) failed.
    #[error(transparent)]
    Bucket(#[from] crate::bucket::BucketError),
    /// Encryption or decryption failed: a bad recipient or identity file
    /// (configuration), or a wrong or missing identity, a tampered or
    /// truncated ciphertext (the archive's category).
    #[error(transparent)]
    Crypt(#[from] crate::crypt::CryptError),
    /// An `s3://` URL that does not parse.
    #[error(transparent)]
    S3Url(#[from] crate::S3UrlError),
    /// One database of a many-database run
    /// ([`crate::cluster::backup_all`]) failed; its category is the
    /// failure's.
    #[error("database {database}: {source}")]
    InDatabase {
        /// The database.
        database: String,
        /// What failed.
        source: Box<Error>,
    },
    /// A bug in pgark: one of its own tasks or threads died (panicked).
    #[error("internal error (a bug in pgark): {0}")]
    Internal(String),
    /// The archive was written, but a file beside it (its manifest, its
    /// globals) could not be: `source` says why, and keeps its category
    /// (a storage failure stays one).
    #[error("the archive {archive} is complete, but its {what} could not be written: {source}")]
    Beside {
        /// Where the archive is.
        archive: String,
        /// What could not be written: `manifest`, `globals`.
        what: String,
        /// Why.
        source: Box<Error>,
    },
}

impl Error {
    /// Which class of failure this is.
    pub fn category(&self) -> ErrorCategory {
        match self {
            Error::Config(_) => ErrorCategory::Config,
            Error::File { .. } | Error::Output(_) | Error::Write { .. } => ErrorCategory::Storage,
            Error::Database { .. } => ErrorCategory::Database,
            Error::Interrupted { .. } => ErrorCategory::Interrupted,
            Error::Unsupported(_) => ErrorCategory::Unsupported,
            Error::S3Url(_) => ErrorCategory::Config,
            Error::Internal(_) => ErrorCategory::Internal,
            Error::Beside { source, .. } => source.category(),
            Error::S3(_) => ErrorCategory::Storage,
            Error::Bucket(crate::bucket::BucketError::Config(_)) => ErrorCategory::Config,
            Error::Bucket(_) => ErrorCategory::Storage,
            Error::Crypt(e) if e.is_config() => ErrorCategory::Config,
            Error::Crypt(_) => ErrorCategory::Archive,
            Error::InDatabase { source, .. } => source.category(),
            Error::Archive(e) | Error::ArchiveAt { source: e, .. } => match e.kind() {
                // Decryption failing under the archive reader: the
                // ciphertext is bad, not the storage.
                archive_format::ErrorKind::Io(io)
                    if io
                        .get_ref()
                        .is_some_and(|r| r.is::<crate::crypt::CryptError>()) =>
                {
                    ErrorCategory::Archive
                }
                archive_format::ErrorKind::Io(_) => ErrorCategory::Storage,
                _ => ErrorCategory::Archive,
            },
        }
    }

    /// The underlying I/O error, if this is one (e.g. to tell a broken pipe).
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            Error::File { source, .. } | Error::Output(source) | Error::Write { source, .. } => {
                Some(source)
            }
            Error::Archive(e) | Error::ArchiveAt { source: e, .. } => match e.kind() {
                archive_format::ErrorKind::Io(io) => Some(io),
                _ => None,
            },
            Error::Config(_)
            | Error::Database { .. }
            | Error::Interrupted { .. }
            | Error::S3(_) => None,
            Error::Bucket(_)
            | Error::Unsupported(_)
            | Error::Crypt(_)
            | Error::S3Url(_)
            | Error::Internal(_) => None,
            Error::InDatabase { source, .. } | Error::Beside { source, .. } => source.io_error(),
        }
    }
}

/// The operation an [`Error::Interrupted`] stopped, and what it left.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Interruption {
    /// A backup: nothing was left under the target name.
    Backup,
    /// A restore: the database keeps what was restored until then, as
    /// after a failed restore (nothing, in a single transaction).
    Restore,
    /// A verify: the archive was not read to the end, so no verdict.
    Verify,
    /// A drill.
    Drill {
        /// Its scratch database, if it had created one.
        scratch: Option<String>,
        /// Why that database could not be dropped: it is left on the
        /// server. `None` when it was dropped.
        not_dropped: Option<String>,
    },
    /// Stopped before the entry point said which operation it was.
    Operation,
}

impl std::fmt::Display for Interruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interruption::Backup => f.write_str("no archive was written"),
            Interruption::Restore => f.write_str(
                "the restore did not finish: the database keeps what was restored until then",
            ),
            Interruption::Verify => {
                f.write_str("the archive was not read to the end: it was not verified")
            }
            Interruption::Drill { scratch: None, .. } => {
                f.write_str("the drill stopped before creating its scratch database")
            }
            Interruption::Drill {
                scratch: Some(db),
                not_dropped: None,
            } => write!(
                f,
                "the drill stopped; its scratch database {db} was dropped"
            ),
            Interruption::Drill {
                scratch: Some(db),
                not_dropped: Some(why),
            } => write!(
                f,
                "the drill stopped; its scratch database {db} is left on the server \
                 (dropping it failed: {why}): drop it by hand"
            ),
            Interruption::Operation => f.write_str("the operation did not finish"),
        }
    }
}

impl Error {
    /// Stopped by `by` (a signal's name, or [`crate::cancel::CANCELLED`]),
    /// in an operation its entry point names with [`Error::during`].
    pub(crate) fn interrupted(by: &'static str) -> Self {
        Error::Interrupted {
            by,
            during: Interruption::Operation,
        }
    }

    /// An [`Error::Interrupted`] now says it stopped `during`; any other
    /// error is returned as it is.
    pub(crate) fn during(self, during: Interruption) -> Self {
        match self {
            Error::Interrupted { by, .. } => Error::Interrupted { by, during },
            e => e,
        }
    }

    /// A task of pgark's own that died: `what` it was doing.
    pub(crate) fn task_died(what: &str, e: &tokio::task::JoinError) -> Self {
        Error::Internal(format!("{what} died: {e}"))
    }

    /// A failed connection attempt to `target`.
    pub(crate) fn connect(target: &crate::db::ConnectTarget, e: &tokio_postgres::Error) -> Self {
        Error::Database {
            context: format!("cannot connect to {target}"),
            message: pg_message(e),
        }
    }

    /// A failed query while doing `context`.
    pub(crate) fn query(context: &str, e: &tokio_postgres::Error) -> Self {
        Error::Database {
            context: context.to_owned(),
            message: pg_message(e),
        }
    }
}

/// The server's message (with detail and hint) or the driver's, on one line.
fn pg_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = db.message().to_owned();
            if let Some(d) = db.detail() {
                m.push_str(" (");
                m.push_str(d);
                m.push(')');
            }
            if let Some(h) = db.hint() {
                m.push_str("; hint: ");
                m.push_str(h);
            }
            m.replace('\n', " ")
        }
        None => {
            let mut m = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(s) = src {
                let text = s.to_string();
                if !m.contains(&text) {
                    m.push_str(": ");
                    m.push_str(&text);
                }
                src = s.source();
            }
            m.replace('\n', " ")
        }
    }
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
