//! The one error type of the format crate.
//!
//! Every decoding error names where it happened: the byte offset in the
//! archive and, once the TOC is known, the entry (desc, name and dump id).

use std::fmt;

use crate::version::ArchiveVersion;

/// An error while encoding or decoding a custom archive.
///
/// Boxed so that `Result<T, Error>` stays one pointer wide on the hot path.
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The underlying reader or writer failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// The first five bytes are not `PGDMP`.
    #[error("not a PostgreSQL custom archive: the file does not start with PGDMP")]
    BadMagic,
    /// A version this crate cannot read (or, for the writer, write).
    #[error("unsupported archive version {found} (supported: {oldest} to {newest})")]
    UnsupportedVersion {
        /// The version found in the header (or asked of the writer).
        found: ArchiveVersion,
        /// The oldest version supported.
        oldest: ArchiveVersion,
        /// The newest version supported.
        newest: ArchiveVersion,
    },
    /// The archive is of another pg_dump format (tar, directory, ...).
    #[error("unsupported archive format {0} in header (only the custom format, 1, is supported)")]
    UnsupportedFormat(u8),
    /// Data compressed with an algorithm this crate does not implement.
    #[error("unsupported compression {0}")]
    UnsupportedCompression(String),
    /// The input ended in the middle of a structure.
    #[error("archive truncated: it ends at byte {offset} inside {location}")]
    Truncated {
        /// Total number of bytes read.
        offset: u64,
        /// The structure being read.
        location: Location,
    },
    /// A field holds a value that cannot be valid.
    #[error("corrupt archive at byte {offset}, in {location}: {message}")]
    Corrupt {
        /// Byte offset of the field.
        offset: u64,
        /// The structure being read.
        location: Location,
        /// What is wrong with it.
        message: String,
    },
    /// Compressed data of a block or large object does not decompress.
    #[error("corrupt compressed data at byte {offset}, in {location}: {message}")]
    Decompress {
        /// Byte offset of the chunk holding the bad data.
        offset: u64,
        /// The data block.
        location: Location,
        /// The decompressor's message.
        message: String,
    },
    /// The archive ended cleanly between blocks, but data blocks listed in
    /// the TOC never came.
    #[error("archive truncated: it ends at byte {offset} without the data of {location}{more}",
        more = if *missing > 1 { format!(" and {} more entries", missing - 1) } else { String::new() })]
    MissingData {
        /// Total number of bytes read.
        offset: u64,
        /// The first entry whose data is missing.
        location: Location,
        /// How many entries lack their data.
        missing: usize,
    },
    /// The writer was used in a way that cannot produce a valid archive.
    #[error("cannot write archive: {0}")]
    Usage(String),
}

/// Where in the archive an error happened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Location {
    /// The archive header.
    Header,
    /// The TOC entry count.
    TocCount,
    /// A TOC entry, by position (0-based) and, once read, its dump id.
    TocEntry {
        /// Position of the entry in the TOC.
        index: usize,
        /// The entry's dump id, when it was read before the error.
        dump_id: Option<i32>,
    },
    /// The header of a data block (type byte and dump id).
    BlockHeader,
    /// The data block of a TOC entry.
    Data(EntryName),
    /// One large object inside a BLOBS block.
    LargeObject {
        /// The BLOBS entry.
        entry: EntryName,
        /// The large object's OID.
        oid: u32,
    },
}

/// A TOC entry as named in error messages: `TABLE DATA public.t (dump id 42)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryName {
    /// The entry's dump id.
    pub dump_id: i32,
    /// Its `desc` (`TABLE DATA`, `BLOBS`, ...).
    pub desc: String,
    /// Its schema, if any.
    pub namespace: Option<String>,
    /// Its tag (object name).
    pub tag: String,
}

impl fmt::Display for EntryName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.desc)?;
        if let Some(ns) = &self.namespace {
            write!(f, "{ns}.")?;
        }
        write!(f, "{} (dump id {})", self.tag, self.dump_id)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::Header => f.write_str("the header"),
            Location::TocCount => f.write_str("the TOC entry count"),
            Location::TocEntry {
                index,
                dump_id: Some(id),
            } => {
                write!(f, "TOC entry #{} (dump id {id})", index + 1)
            }
            Location::TocEntry {
                index,
                dump_id: None,
            } => write!(f, "TOC entry #{}", index + 1),
            Location::BlockHeader => f.write_str("a data block header"),
            Location::Data(entry) => write!(f, "the data of {entry}"),
            Location::LargeObject { entry, oid } => {
                write!(f, "large object {oid} of {entry}")
            }
        }
    }
}

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// The byte offset the error refers to, when it refers to one.
    pub fn offset(&self) -> Option<u64> {
        match &*self.0 {
            ErrorKind::Truncated { offset, .. }
            | ErrorKind::Corrupt { offset, .. }
            | ErrorKind::Decompress { offset, .. }
            | ErrorKind::MissingData { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    /// True when the archive simply ends too early.
    pub fn is_truncated(&self) -> bool {
        matches!(
            &*self.0,
            ErrorKind::Truncated { .. } | ErrorKind::MissingData { .. }
        )
    }

    pub(crate) fn corrupt(offset: u64, location: Location, message: impl Into<String>) -> Self {
        ErrorKind::Corrupt {
            offset,
            location,
            message: message.into(),
        }
        .into()
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        ErrorKind::Usage(message.into()).into()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &*self.0 {
            ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl<E: Into<ErrorKind>> From<E> for Error {
    fn from(kind: E) -> Self {
        Error(Box::new(kind.into()))
    }
}

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
