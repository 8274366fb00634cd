//! The archive header (`WriteHead` / `ReadHead` in pg_backup_archiver.c).

use std::fmt;

use crate::compress::Compression;
use crate::error::{Error, ErrorKind, Location, Result};
use crate::primitives::{Dec, Enc, Parse, Stop};
use crate::version::ArchiveVersion;

/// The five bytes every archive starts with.
pub const MAGIC: &[u8; 5] = b"PGDMP";
/// The format byte of a custom archive (`archCustom`).
pub const FORMAT_CUSTOM: u8 = 1;
/// The Int width pg_dump writes.
pub const DEFAULT_INT_SIZE: u8 = 4;
/// The Offset width pg_dump writes.
pub const DEFAULT_OFF_SIZE: u8 = 8;

/// A compression algorithm as named in archive 1.15+ headers
/// (`pg_compress_algorithm`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompressionAlgorithm {
    /// Data blocks hold raw COPY text and large object bytes.
    None,
    /// Each data block (and each large object) is one zlib stream.
    Gzip,
    /// LZ4 frames (pg_dump 16+); read only.
    Lz4,
    /// Zstandard frames (pg_dump 16+); read only.
    Zstd,
    /// A byte value this crate does not know.
    Unknown(u8),
}

impl CompressionAlgorithm {
    /// The name pg_dump uses (`none`, `gzip`, `lz4`, `zstd`).
    pub fn name(self) -> String {
        match self {
            Self::None => "none".into(),
            Self::Gzip => "gzip".into(),
            Self::Lz4 => "lz4".into(),
            Self::Zstd => "zstd".into(),
            Self::Unknown(b) => format!("unknown ({b})"),
        }
    }

    fn from_byte(b: u8) -> Self {
        match b {
            0 => Self::None,
            1 => Self::Gzip,
            2 => Self::Lz4,
            3 => Self::Zstd,
            other => Self::Unknown(other),
        }
    }

    fn to_byte(self) -> u8 {
        match self {
            Self::None => 0,
            Self::Gzip => 1,
            Self::Lz4 => 2,
            Self::Zstd => 3,
            Self::Unknown(b) => b,
        }
    }
}

/// The compression field of the header, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeaderCompression {
    /// Archives up to 1.14 store a zlib level: 0 is no compression,
    /// -1 (`Z_DEFAULT_COMPRESSION`, pg_dump's default) and 1-9 are zlib.
    ZlibLevel(i32),
    /// Archives 1.15+ store the algorithm, not the level.
    Algorithm(CompressionAlgorithm),
}

impl HeaderCompression {
    /// The algorithm the data blocks are compressed with.
    pub fn algorithm(self) -> CompressionAlgorithm {
        match self {
            Self::ZlibLevel(0) => CompressionAlgorithm::None,
            Self::ZlibLevel(_) => CompressionAlgorithm::Gzip,
            Self::Algorithm(a) => a,
        }
    }
}

/// The creation time stored in the header: the fields of a C `struct tm`
/// as pg_dump's `localtime()` filled them (`tm_mon` 0-11, `tm_year` since 1900).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[allow(missing_docs)]
pub struct CreateTime {
    pub sec: i32,
    pub min: i32,
    pub hour: i32,
    pub mday: i32,
    pub mon: i32,
    pub year: i32,
    pub isdst: i32,
}

impl CreateTime {
    /// The UTC broken-down time of a Unix timestamp (seconds).
    pub fn from_unix_utc(secs: i64) -> Self {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        CreateTime {
            sec: (rem % 60) as i32,
            min: ((rem / 60) % 60) as i32,
            hour: (rem / 3600) as i32,
            mday: d as i32,
            mon: m as i32 - 1,
            year: (y - 1900) as i32,
            isdst: 0,
        }
    }

    /// The Unix timestamp of these fields read as UTC, if they form a date.
    pub fn to_unix_utc(&self) -> Option<i64> {
        if !(0..12).contains(&self.mon) || !(1..=31).contains(&self.mday) {
            return None;
        }
        let days = days_from_civil(
            i64::from(self.year) + 1900,
            i64::from(self.mon) + 1,
            i64::from(self.mday),
        );
        Some(
            days * 86_400
                + i64::from(self.hour) * 3600
                + i64::from(self.min) * 60
                + i64::from(self.sec),
        )
    }
}

impl fmt::Display for CreateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
            i64::from(self.year) + 1900,
            i64::from(self.mon) + 1,
            self.mday,
            self.hour,
            self.min,
            self.sec
        )
    }
}

// Howard Hinnant's civil calendar algorithms.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

/// The archive header.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Header {
    /// Archive version.
    pub version: ArchiveVersion,
    /// Width of an Int's magnitude in bytes (4 in every pg_dump archive).
    pub int_size: u8,
    /// Width of an Offset in bytes (8 in every pg_dump archive).
    pub off_size: u8,
    /// How data blocks are compressed.
    pub compression: HeaderCompression,
    /// When the archive was made.
    pub created: CreateTime,
    /// The dumped database's name (bytes in the dump's encoding).
    pub dbname: Option<Vec<u8>>,
    /// The source server's version string, e.g. `16.2`.
    pub server_version: Option<Vec<u8>>,
    /// The dumping program's version string, e.g. `16.2` or `pgark 0.1.0`.
    pub dump_version: Option<Vec<u8>>,
}

impl Header {
    /// A header for a new archive written with `compression`.
    ///
    /// Fails when the version cannot express the compression: archives up
    /// to 1.14 store a zlib level, where 0 means "not compressed".
    pub fn new(
        version: ArchiveVersion,
        compression: Compression,
        created: CreateTime,
        dbname: &str,
        server_version: &str,
        dump_version: &str,
    ) -> Result<Self> {
        if !version.is_supported() {
            return Err(ErrorKind::UnsupportedVersion {
                found: version,
                oldest: ArchiveVersion::OLDEST_READABLE,
                newest: ArchiveVersion::NEWEST_READABLE,
            }
            .into());
        }
        let compression = if version.has_compression_algorithm() {
            HeaderCompression::Algorithm(compression.algorithm())
        } else {
            match compression {
                Compression::None => HeaderCompression::ZlibLevel(0),
                Compression::Gzip { level: 0 } => {
                    return Err(Error::usage(format!(
                        "gzip level 0 cannot be expressed in archive {version} \
                         (level 0 means no compression there); use compression none"
                    )))
                }
                Compression::Gzip { level } => HeaderCompression::ZlibLevel(level as i32),
                Compression::Zstd { .. } | Compression::Lz4 { .. } => {
                    return Err(Error::usage(format!(
                        "{} compression needs archive 1.15 or later (pg_dump and \
                         pg_restore 16+): archive {version} stores only a zlib level",
                        compression.algorithm().name()
                    )))
                }
            }
        };
        Ok(Header {
            version,
            int_size: DEFAULT_INT_SIZE,
            off_size: DEFAULT_OFF_SIZE,
            compression,
            created,
            dbname: Some(dbname.as_bytes().to_vec()),
            server_version: Some(server_version.as_bytes().to_vec()),
            dump_version: Some(dump_version.as_bytes().to_vec()),
        })
    }

    /// Appends the encoded header to `out`.
    pub fn encode(&self, out: &mut Vec<u8>) -> Result<()> {
        self.check_writable()?;
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[
            self.version.major,
            self.version.minor,
            self.version.rev,
            self.int_size,
            self.off_size,
            FORMAT_CUSTOM,
        ]);
        let mut e = Enc {
            buf: out,
            int_size: self.int_size,
            off_size: self.off_size,
        };
        match self.compression {
            HeaderCompression::Algorithm(a) => e.byte(a.to_byte()),
            HeaderCompression::ZlibLevel(l) => e.int(l),
        }
        let t = &self.created;
        for v in [t.sec, t.min, t.hour, t.mday, t.mon, t.year, t.isdst] {
            e.int(v);
        }
        e.str(self.dbname.as_deref())?;
        e.str(self.server_version.as_deref())?;
        e.str(self.dump_version.as_deref())?;
        Ok(())
    }

    fn check_writable(&self) -> Result<()> {
        if !self.version.is_supported() {
            return Err(ErrorKind::UnsupportedVersion {
                found: self.version,
                oldest: ArchiveVersion::OLDEST_READABLE,
                newest: ArchiveVersion::NEWEST_READABLE,
            }
            .into());
        }
        let ok = matches!(
            (self.version.has_compression_algorithm(), self.compression),
            (true, HeaderCompression::Algorithm(_)) | (false, HeaderCompression::ZlibLevel(_))
        );
        if !ok {
            return Err(Error::usage(format!(
                "archive {} cannot store compression {:?}",
                self.version, self.compression
            )));
        }
        if !(1..=32).contains(&self.int_size) || !(1..=32).contains(&self.off_size) {
            return Err(Error::usage(
                "integer and offset sizes must be 1 to 32 bytes",
            ));
        }
        Ok(())
    }

    /// Decodes a header from the start of `d`.
    pub(crate) fn decode(d: &mut Dec<'_>) -> Parse<Header> {
        if d.bytes(5)? != MAGIC {
            return Err(Stop::Invalid(ErrorKind::BadMagic.into()));
        }
        let version = decode_version(d)?;
        let int_size = decode_size(d, "integer")?;
        let off_size = decode_size(d, "offset")?;
        d.int_size = int_size;
        d.off_size = off_size;
        let format = d.byte()?;
        if format != FORMAT_CUSTOM {
            return Err(Stop::Invalid(ErrorKind::UnsupportedFormat(format).into()));
        }
        let compression = if version.has_compression_algorithm() {
            HeaderCompression::Algorithm(CompressionAlgorithm::from_byte(d.byte()?))
        } else {
            HeaderCompression::ZlibLevel(d.int()?)
        };
        let created = decode_created(d)?;
        let dbname = d.str()?.map(<[u8]>::to_vec);
        let server_version = d.str()?.map(<[u8]>::to_vec);
        let dump_version = d.str()?.map(<[u8]>::to_vec);
        Ok(Header {
            version,
            int_size,
            off_size,
            compression,
            created,
            dbname,
            server_version,
            dump_version,
        })
    }

    /// Decodes a header from a complete buffer (for tests and tools).
    pub fn from_bytes(buf: &[u8]) -> Result<(Header, usize)> {
        let mut d = Dec::new(buf, 0, DEFAULT_INT_SIZE, DEFAULT_OFF_SIZE, Location::Header);
        match Header::decode(&mut d) {
            Ok(h) => Ok((h, d.consumed())),
            Err(Stop::Invalid(e)) => Err(e),
            Err(Stop::NeedMore) => Err(ErrorKind::Truncated {
                offset: buf.len() as u64,
                location: Location::Header,
            }
            .into()),
        }
    }
}

/// The archive version after the magic; an error when this crate cannot
/// read it.
fn decode_version(d: &mut Dec<'_>) -> Parse<ArchiveVersion> {
    let major = d.byte()?;
    let minor = d.byte()?;
    let rev = d.byte()?;
    let version = ArchiveVersion { major, minor, rev };
    if !version.is_supported() {
        return Err(Stop::Invalid(
            ErrorKind::UnsupportedVersion {
                found: version,
                oldest: ArchiveVersion::OLDEST_READABLE,
                newest: ArchiveVersion::NEWEST_READABLE,
            }
            .into(),
        ));
    }
    Ok(version)
}

/// The integer or offset size byte (`what`), 1 to 32 as pg_restore checks.
fn decode_size(d: &mut Dec<'_>, what: &str) -> Parse<u8> {
    let at = d.offset();
    let size = d.byte()?;
    if !(1..=32).contains(&size) {
        return Err(d.corrupt_at(at, format!("sanity check on {what} size ({size}) failed")));
    }
    Ok(size)
}

/// The creation time: seven integers, `struct tm`'s fields.
fn decode_created(d: &mut Dec<'_>) -> Parse<CreateTime> {
    let mut tm = [0i32; 7];
    for v in &mut tm {
        *v = d.int()?;
    }
    let [sec, min, hour, mday, mon, year, isdst] = tm;
    Ok(CreateTime {
        sec,
        min,
        hour,
        mday,
        mon,
        year,
        isdst,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_time_round_trips_through_tm_fields() {
        for secs in [0i64, 951_782_400, 1_700_000_000, 4_102_444_799, -86_400] {
            assert_eq!(CreateTime::from_unix_utc(secs).to_unix_utc(), Some(secs));
        }
        let t = CreateTime::from_unix_utc(1_795_824_000); // 2026-11-28 00:00:00
        assert_eq!(t.to_string(), "2026-11-28 00:00:00");
    }

    #[test]
    fn extreme_tm_fields_display_without_overflow() {
        let t = CreateTime {
            sec: i32::MAX,
            min: i32::MIN,
            hour: i32::MAX,
            mday: i32::MIN,
            mon: i32::MAX,
            year: i32::MAX,
            isdst: i32::MIN,
        };
        assert_eq!(
            t.to_string(),
            "2147485547-2147483648--2147483648 2147483647:-2147483648:2147483647"
        );
        assert_eq!(t.to_unix_utc(), None);
    }

    #[test]
    fn header_round_trips_per_version() {
        for (v, c) in [
            (ArchiveVersion::V1_14, Compression::Gzip { level: 6 }),
            (ArchiveVersion::V1_14, Compression::None),
            (ArchiveVersion::V1_15, Compression::Gzip { level: 1 }),
            (ArchiveVersion::V1_16, Compression::None),
        ] {
            let h = Header::new(v, c, CreateTime::from_unix_utc(1), "db", "16.2", "pgark")
                .expect("valid header");
            let mut buf = Vec::new();
            h.encode(&mut buf).expect("encodes");
            let (back, used) = Header::from_bytes(&buf).expect("decodes");
            assert_eq!(back, h);
            assert_eq!(used, buf.len());
            assert_eq!(back.compression.algorithm(), c.algorithm());
        }
    }

    #[test]
    fn zstd_and_lz4_are_refused_in_1_14_and_round_trip_in_1_15_and_1_16() {
        for c in [
            Compression::Zstd { level: 3 },
            Compression::Lz4 { level: 0 },
        ] {
            let err = Header::new(
                ArchiveVersion::V1_14,
                c,
                CreateTime::default(),
                "db",
                "15",
                "pgark",
            )
            .expect_err("1.14 has no algorithm byte");
            let name = c.algorithm().name();
            assert_eq!(
                err.to_string(),
                format!(
                    "cannot write archive: {name} compression needs archive 1.15 or later \
                     (pg_dump and pg_restore 16+): archive 1.14 stores only a zlib level"
                )
            );
            for v in [ArchiveVersion::V1_15, ArchiveVersion::V1_16] {
                let h = Header::new(v, c, CreateTime::default(), "db", "16", "pgark")
                    .expect("valid header");
                let mut buf = Vec::new();
                h.encode(&mut buf).expect("encodes");
                assert_eq!(buf[11], if name == "zstd" { 3 } else { 2 });
                assert_eq!(Header::from_bytes(&buf).expect("decodes").0, h);
            }
        }
    }

    #[test]
    fn gzip_level_zero_is_refused_in_1_14() {
        let r = Header::new(
            ArchiveVersion::V1_14,
            Compression::Gzip { level: 0 },
            CreateTime::default(),
            "db",
            "15",
            "pgark",
        );
        assert!(r.is_err());
    }

    #[test]
    fn too_new_versions_are_named() {
        let mut buf = b"PGDMP\x01\x11\x00\x04\x08\x01".to_vec();
        buf.extend_from_slice(&[0; 64]);
        let err = Header::from_bytes(&buf).expect_err("1.17 is refused");
        assert_eq!(
            err.to_string(),
            "unsupported archive version 1.17 (supported: 1.12 to 1.16)"
        );
    }
}
