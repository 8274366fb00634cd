//! What would break a restore of a backup later: the warnings a backup's
//! caller should pass on to whoever will restore it.

use super::{BackupOptions, BackupReport, FormatVersion};

/// Extensions that stock PostgreSQL images (and the runbook's restore
/// targets) do not ship: an archive needing one restores only where it
/// was installed first.
const NOT_ON_STOCK_POSTGRES: &[&str] = &["vector", "pg_cron", "age", "timescaledb", "citus"];

impl BackupReport {
    /// What would break a restore of this backup, one sentence each: the
    /// objects left out (with [`BackupOptions::allow_unknown`]), the
    /// extensions stock PostgreSQL images do not ship, a compression old
    /// pg_restore builds cannot read, and an archive version older than
    /// the source server's. `opts` are the options the backup ran with.
    pub fn restore_warnings(&self, opts: &BackupOptions) -> Vec<String> {
        let mut out: Vec<String> = self
            .unknown
            .iter()
            .map(|u| format!("{u}; the backup does not hold it (--allow-unknown)"))
            .collect();
        for e in &self.manifest.extensions {
            if NOT_ON_STOCK_POSTGRES.contains(&e.name.as_str()) {
                out.push(format!(
                    "the archive needs extension {} {}, which stock PostgreSQL images do not ship: \
                     a restore target must have it installed",
                    e.name, e.version
                ));
            }
        }
        if let archive_format::Compression::Zstd { .. } | archive_format::Compression::Lz4 { .. } =
            opts.compression
        {
            let name = opts.compression.algorithm().name();
            out.push(format!(
                "the archive is {name}-compressed: restoring it needs pg_restore 16 or later built \
                 with {name} (PGDG packages and the official Docker images are; some \
                 distributions' are not: `pgark drill --with-pg-restore` checks one)"
            ));
        }
        if let FormatVersion::Fixed(v) = opts.format_version {
            let major = self.manifest.server_version_num / 10000;
            let newest = archive_format::ArchiveVersion::newest_for_server_major(major as u32);
            if newest.is_some_and(|n| n > v) {
                out.push(format!(
                    "the source is PostgreSQL {major} but archive version {v} was requested: older \
                     pg_restore versions read it, but SQL only PostgreSQL {major} understands may fail there"
                ));
            }
        }
        out
    }
}
