//! Archive format versions (`K_VERS_1_12` ... `K_VERS_1_16` in pg_dump).

use std::fmt;
use std::str::FromStr;

/// A custom archive version: `major.minor.rev`, as stored in header bytes 5-7.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ArchiveVersion {
    /// Major version, always 1.
    pub major: u8,
    /// Minor version: 14 for pg_dump 12-15, 15 for 16, 16 for 17 and 18.
    pub minor: u8,
    /// Revision, 0 in every archive pg_dump writes.
    pub rev: u8,
}

impl ArchiveVersion {
    /// Archive 1.12 (pg_dump 9.5 - 11.x before 11.? : separate BLOB entries).
    pub const V1_12: Self = Self::new(1, 12);
    /// Archive 1.13 (SEARCHPATH entry; pg_dump 10.3 - 11).
    pub const V1_13: Self = Self::new(1, 13);
    /// Archive 1.14 (table access methods; pg_dump 12 - 15).
    pub const V1_14: Self = Self::new(1, 14);
    /// Archive 1.15 (compression algorithm in the header; pg_dump 16).
    pub const V1_15: Self = Self::new(1, 15);
    /// Archive 1.16 (relkind in TOC entries, BLOB METADATA; pg_dump 17 and 18).
    pub const V1_16: Self = Self::new(1, 16);
    /// The oldest version the reader accepts.
    pub const OLDEST_READABLE: Self = Self::V1_12;
    /// The newest version the reader accepts.
    pub const NEWEST_READABLE: Self = Self::V1_16;

    /// `major.minor.0`.
    pub const fn new(major: u8, minor: u8) -> Self {
        Self {
            major,
            minor,
            rev: 0,
        }
    }

    /// Whether the reader (and writer) of this crate handle this version.
    /// Like pg_restore, any revision of a supported minor version is accepted.
    pub fn is_supported(self) -> bool {
        self.major == 1 && (12..=16).contains(&self.minor)
    }

    fn at_least(self, minor: u8) -> bool {
        self.major > 1 || (self.major == 1 && self.minor >= minor)
    }

    /// TOC entries carry a table access method (1.14+).
    pub fn has_table_am(self) -> bool {
        self.at_least(14)
    }

    /// The header stores a compression algorithm byte instead of a zlib level (1.15+).
    pub fn has_compression_algorithm(self) -> bool {
        self.at_least(15)
    }

    /// TOC entries carry the relation's relkind (1.16+).
    pub fn has_relkind(self) -> bool {
        self.at_least(16)
    }

    /// Large objects are described by `BLOB METADATA` entries and may be
    /// split over several `BLOBS` entries (1.16+).
    pub fn has_blob_metadata(self) -> bool {
        self.at_least(16)
    }

    /// The archive version a given PostgreSQL major version's pg_restore
    /// reads at most (12-15: 1.14, 16: 1.15, 17+: 1.16). `None` for majors
    /// older than 12, which this crate does not target.
    pub fn newest_for_server_major(major: u32) -> Option<Self> {
        match major {
            12..=15 => Some(Self::V1_14),
            16 => Some(Self::V1_15),
            17.. => Some(Self::V1_16),
            _ => None,
        }
    }
}

impl fmt::Display for ArchiveVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if self.rev != 0 {
            write!(f, ".{}", self.rev)?;
        }
        Ok(())
    }
}

/// The error of parsing an [`ArchiveVersion`] from text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid archive version {0:?}: expected MAJOR.MINOR such as 1.15")]
pub struct ParseVersionError(String);

impl FromStr for ArchiveVersion {
    type Err = ParseVersionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseVersionError(s.to_owned());
        let mut parts = s.split('.');
        let mut next = || -> Result<u8, ParseVersionError> {
            parts.next().ok_or_else(err)?.parse().map_err(|_| err())
        };
        let major = next()?;
        let minor = next()?;
        let rev = match parts.next() {
            Some(r) => r.parse().map_err(|_| err())?,
            None => 0,
        };
        if parts.next().is_some() {
            return Err(err());
        }
        Ok(Self { major, minor, rev })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        assert_eq!("1.15".parse::<ArchiveVersion>(), Ok(ArchiveVersion::V1_15));
        assert_eq!("1.16.3".parse::<ArchiveVersion>().map(|v| v.rev), Ok(3));
        assert!("1".parse::<ArchiveVersion>().is_err());
        assert!("1.x".parse::<ArchiveVersion>().is_err());
        assert_eq!(ArchiveVersion::V1_14.to_string(), "1.14");
    }

    #[test]
    fn server_majors_map_to_what_their_pg_restore_reads() {
        assert_eq!(
            ArchiveVersion::newest_for_server_major(15),
            Some(ArchiveVersion::V1_14)
        );
        assert_eq!(
            ArchiveVersion::newest_for_server_major(16),
            Some(ArchiveVersion::V1_15)
        );
        assert_eq!(
            ArchiveVersion::newest_for_server_major(18),
            Some(ArchiveVersion::V1_16)
        );
        assert_eq!(ArchiveVersion::newest_for_server_major(9), None);
    }
}
