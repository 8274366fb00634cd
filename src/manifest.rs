//! The manifest written next to each archive (`<archive>.manifest.json`):
//! what was dumped, from where, when, and the archive's size and digest,
//! so audits and drills can check an archive without trusting its
//! LastModified. Written only after the archive is complete; the archive
//! is the source of truth if the two ever disagree.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::sink::s3::hex;

/// The manifest format this pgark writes.
pub const FORMAT: &str = "pgark-manifest/1";

/// Suffix of a manifest's name or key, after the archive's.
pub const SUFFIX: &str = ".manifest.json";

/// A manifest object larger than this is refused unread: anyone who may
/// write to the bucket can put an object of any size under a manifest's
/// key, and reading it whole must not take gigabytes. (A manifest of
/// 100,000 tables is about 15 MiB.)
pub const MAX_MANIFEST_BYTES: i64 = 32 << 20;

/// One backup's manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`].
    pub format: String,
    /// The pgark that wrote the archive.
    pub pgark_version: String,
    /// Where the archive is: `s3://bucket/key` or a path.
    pub archive: String,
    /// The source database's name.
    pub database: String,
    /// The source server's version, e.g. `16.2`.
    pub server_version: String,
    /// `server_version_num`, e.g. 160002.
    pub server_version_num: i32,
    /// The archive format version, e.g. `1.15`.
    pub archive_version: String,
    /// `gzip:N` or `none`.
    pub compression: String,
    /// When the snapshot was taken (RFC 3339, UTC).
    pub started_at: String,
    /// When the archive was complete (RFC 3339, UTC).
    pub finished_at: String,
    /// The archive's size in bytes.
    pub size: u64,
    /// The archive's digest: the SHA-256 of the whole archive (hex), or
    /// for a multipart S3 upload S3's composite form `<hex>-<parts>`, the
    /// SHA-256 of the parts' binary SHA-256s in order.
    pub sha256: String,
    /// For a composite digest: every part's size and SHA-256, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<PartDigest>,
    /// Every table whose data is in the archive.
    pub tables: Vec<TableStats>,
    /// Large objects in the archive.
    pub large_objects: u64,
    /// Extensions a restore target must offer.
    pub extensions: Vec<ExtensionVersion>,
    /// The exported snapshot every table was read in.
    pub snapshot: String,
    /// The selection options the backup was taken with, as pg_dump flags
    /// (e.g. `["--table", "app.t*", "--schema-only"]`); empty: everything.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub selection: Vec<String>,
    /// For an encrypted archive: how, to whom, and the fields above that
    /// name things (database, tables, large objects, extensions, snapshot)
    /// sealed to the same recipients; those fields are then empty here
    /// ([`crate::crypt::unseal_manifest`] puts them back).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption: Option<Encryption>,
    /// The globals file written beside the archive (`backup --globals`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub globals: Option<GlobalsFile>,
}

/// The globals file of a backup (`<archive>.globals.sql`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GlobalsFile {
    /// Where it is: `s3://bucket/key` or a path.
    pub location: String,
    /// Its size in bytes.
    pub size: u64,
    /// Its SHA-256 (hex).
    pub sha256: String,
    /// Whether it holds password hashes (the backup's role could read
    /// `pg_authid`).
    pub passwords: bool,
}

/// How an archive is encrypted (in its manifest).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Encryption {
    /// [`crate::crypt::ALGORITHM`].
    pub algorithm: String,
    /// The recipients' fingerprints.
    pub recipients: Vec<String>,
    /// The sealed fields: an age file (base64) of their JSON.
    pub sealed: String,
}

/// A part of a multipart upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartDigest {
    /// Bytes.
    pub size: u64,
    /// SHA-256 (hex).
    pub sha256: String,
}

/// A table's data in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableStats {
    /// Schema.
    pub schema: String,
    /// Table.
    pub name: String,
    /// COPY rows.
    pub rows: u64,
    /// COPY text bytes (before compression).
    pub bytes: u64,
}

/// An extension and its version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionVersion {
    /// `pg_extension.extname`.
    pub name: String,
    /// `pg_extension.extversion`.
    pub version: String,
}

impl Manifest {
    /// Pretty JSON, ending with a newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self)
            .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }

    /// Parses a manifest; a different `format` is an error.
    pub fn from_json(text: &[u8]) -> Result<Manifest, String> {
        let m: Manifest =
            serde_json::from_slice(text).map_err(|e| format!("not a pgark manifest: {e}"))?;
        if m.format != FORMAT {
            return Err(format!(
                "unsupported manifest format {:?} (this pgark reads {FORMAT})",
                m.format
            ));
        }
        Ok(m)
    }

    /// Total rows of all tables.
    pub fn total_rows(&self) -> u64 {
        self.tables.iter().map(|t| t.rows).sum()
    }
}

/// Hashes what is read through it: the whole stream, and pieces of the
/// given sizes (a multipart upload's parts).
#[derive(Debug)]
pub struct HashingReader<R> {
    inner: R,
    whole: Sha256,
    part: Sha256,
    sizes: Vec<u64>,
    in_part: u64,
    parts: Vec<[u8; 32]>,
    total: u64,
}

impl<R: std::io::Read> HashingReader<R> {
    /// Hashes `inner`, cutting parts at `part_sizes` (may be empty).
    pub fn new(inner: R, part_sizes: Vec<u64>) -> Self {
        HashingReader {
            inner,
            whole: Sha256::new(),
            part: Sha256::new(),
            sizes: part_sizes,
            in_part: 0,
            parts: Vec::new(),
            total: 0,
        }
    }

    /// The digest in the manifest's form: plain SHA-256 hex, or the
    /// composite `<hex>-<parts>` when parts were given (and all were read).
    pub fn digest(self) -> (String, u64) {
        if self.sizes.is_empty() {
            return (hex(&self.whole.finalize()), self.total);
        }
        let mut parts = self.parts;
        if self.in_part > 0 {
            parts.push(self.part.finalize().into());
        }
        let mut c = Sha256::new();
        for p in &parts {
            c.update(p);
        }
        (
            format!("{}-{}", hex(&c.finalize()), parts.len()),
            self.total,
        )
    }
}

impl<R: std::io::Read> std::io::Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut data = &buf[..n];
        self.whole.update(data);
        self.total += n as u64;
        while !data.is_empty() {
            let limit = self
                .sizes
                .get(self.parts.len())
                .copied()
                .unwrap_or(u64::MAX);
            let take = ((limit - self.in_part) as usize).min(data.len());
            self.part.update(&data[..take]);
            self.in_part += take as u64;
            data = &data[take..];
            if self.in_part == limit {
                let done = std::mem::replace(&mut self.part, Sha256::new());
                self.parts.push(done.finalize().into());
                self.in_part = 0;
            }
        }
        Ok(n)
    }
}

impl Manifest {
    /// The sizes at which the archive's parts were hashed (empty for a
    /// whole-object digest).
    pub fn part_sizes(&self) -> Vec<u64> {
        self.parts.iter().map(|p| p.size).collect()
    }

    /// What differs between this manifest and an archive that verified
    /// with `report`, read as `size` bytes with `digest`.
    pub fn mismatches(
        &self,
        report: &archive_format::VerifyReport,
        size: u64,
        digest: &str,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if self.size != size {
            out.push(format!(
                "size: the manifest says {} bytes, the archive has {size}",
                self.size
            ));
        }
        if self.sha256 != digest {
            out.push(format!(
                "sha256: the manifest says {}, the archive's is {digest}",
                self.sha256
            ));
        }
        for t in &self.tables {
            let found = report.entries.iter().find(|e| {
                e.stored.entry.desc == "TABLE DATA"
                    && e.stored.entry.tag == t.name.as_bytes()
                    && e.stored.entry.namespace.as_deref().unwrap_or_default()
                        == t.schema.as_bytes()
            });
            match found.and_then(|e| e.data.as_ref()).and_then(|d| d.rows) {
                Some(rows) if rows == t.rows => {}
                Some(rows) => out.push(format!(
                    "{}.{}: the manifest says {} rows, the archive has {rows}",
                    t.schema, t.name, t.rows
                )),
                None => out.push(format!(
                    "{}.{}: in the manifest, not in the archive",
                    t.schema, t.name
                )),
            }
        }
        if report.total_large_objects() != self.large_objects {
            out.push(format!(
                "large objects: the manifest says {}, the archive has {}",
                self.large_objects,
                report.total_large_objects()
            ));
        }
        out
    }
}

/// An archive read to its end: what verify found, its size and digest
/// (cut at the manifest's part sizes when it has them), and what differs
/// from the manifest.
#[derive(Debug)]
pub struct Checked {
    /// Every entry's data, as [`archive_format::verify`] reports it.
    pub report: archive_format::VerifyReport,
    /// Bytes read.
    pub size: u64,
    /// SHA-256 hex, or the composite `<hex>-<parts>`.
    pub digest: String,
    /// What differs from the manifest (empty without one).
    pub mismatches: Vec<String>,
}

/// Verifies the whole archive from `input` and compares it with
/// `manifest`, if given: what `pgark verify` and the drill both do.
pub fn check_archive(
    input: impl std::io::Read,
    manifest: Option<&Manifest>,
) -> Result<Checked, archive_format::Error> {
    let sizes = manifest.map(Manifest::part_sizes).unwrap_or_default();
    let mut reader = HashingReader::new(input, sizes);
    let report = archive_format::verify(&mut reader)?;
    // Whatever verify left unread (nothing, for a valid archive) still
    // counts for the digest.
    std::io::copy(&mut reader, &mut std::io::sink())?;
    Ok(Checked::new(report, reader, manifest))
}

impl Checked {
    /// What verify reported of an archive read to its end through
    /// `reader`, compared with `manifest`.
    pub(crate) fn new<R: std::io::Read>(
        report: archive_format::VerifyReport,
        reader: HashingReader<R>,
        manifest: Option<&Manifest>,
    ) -> Checked {
        let (digest, size) = reader.digest();
        let mismatches = manifest
            .map(|m| m.mismatches(&report, size, &digest))
            .unwrap_or_default();
        Checked {
            report,
            size,
            digest,
            mismatches,
        }
    }
}

/// RFC 3339 UTC time of a Unix time in seconds.
pub fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Unix time of an RFC 3339 UTC time as [`rfc3339`] writes it
/// (`YYYY-MM-DDTHH:MM:SSZ`).
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[19] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
    let (h, mi, se) = (n(11..13)?, n(14..16)?, n(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
}

/// Howard Hinnant's `civil_from_days`: (year, month, day) of a day
/// number counted from 1970-01-01.
pub fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Howard Hinnant's `days_from_civil`.
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip() {
        for t in [0i64, 951_782_400, 1_700_000_000, 4_102_444_799, -86_401] {
            assert_eq!(parse_rfc3339(&rfc3339(t)), Some(t), "{}", rfc3339(t));
        }
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-01-01 00:00:00"), None);
    }

    #[test]
    fn json_round_trip_and_format_check() {
        let m = Manifest {
            format: FORMAT.into(),
            pgark_version: "0.1.0".into(),
            archive: "s3://b/k.dump".into(),
            database: "app".into(),
            server_version: "16.2".into(),
            server_version_num: 160_002,
            archive_version: "1.15".into(),
            compression: "gzip:2".into(),
            started_at: rfc3339(1_700_000_000),
            finished_at: rfc3339(1_700_000_060),
            size: 10,
            sha256: "ab".into(),
            parts: vec![],
            tables: vec![TableStats {
                schema: "public".into(),
                name: "t".into(),
                rows: 3,
                bytes: 12,
            }],
            large_objects: 0,
            extensions: vec![],
            snapshot: "00000003-00000002-1".into(),
            selection: vec![],
            encryption: None,
            globals: None,
        };
        let text = m.to_json();
        assert!(!text.contains("\"parts\""));
        assert_eq!(Manifest::from_json(text.as_bytes()), Ok(m.clone()));
        let other = text.replace(FORMAT, "something/9");
        assert!(Manifest::from_json(other.as_bytes()).is_err());
    }
}
