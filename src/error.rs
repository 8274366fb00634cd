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
}

/// An error of the pgark library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Invalid configuration.
    #[error("{0}")]
    Config(String),
    /// A file could not be opened or read.
    #[error("{path}: {source}")]
    File {
        /// The file.
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
}

impl Error {
    /// Which class of failure this is.
    pub fn category(&self) -> ErrorCategory {
        match self {
            Error::Config(_) => ErrorCategory::Config,
            Error::File { .. } | Error::Output(_) => ErrorCategory::Storage,
            Error::Archive(e) => match e.kind() {
                archive_format::ErrorKind::Io(_) => ErrorCategory::Storage,
                _ => ErrorCategory::Archive,
            },
        }
    }

    /// The underlying I/O error, if this is one (e.g. to tell a broken pipe).
    pub fn io_error(&self) -> Option<&io::Error> {
        match self {
            Error::File { source, .. } | Error::Output(source) => Some(source),
            Error::Archive(e) => match e.kind() {
                archive_format::ErrorKind::Io(io) => Some(io),
                _ => None,
            },
            Error::Config(_) => None,
        }
    }
}

/// Result alias of the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;
