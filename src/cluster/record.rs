//! The run record: `run-<stamp>.json` beside the archives of one
//! `--all-databases` run, written last, saying which databases the run
//! backed up, which failed and why, and which it excluded. `pgark ls` and
//! `pgark audit` read it to tell a database whose newest run failed.

use serde::{Deserialize, Serialize};

/// The record's `format`.
pub const FORMAT: &str = "pgark-run/1";

/// What one run did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunRecord {
    /// [`FORMAT`].
    pub format: String,
    /// The stamp every archive of the run carries (`YYYYMMDDTHHMMSSZ`).
    pub stamp: String,
    /// When the run started and ended (RFC 3339, UTC).
    pub started_at: String,
    /// When the run ended.
    pub finished_at: String,
    /// The databases backed up or attempted, in order.
    pub databases: Vec<RunDatabase>,
    /// Databases left out by `--exclude-database`.
    pub excluded: Vec<String>,
    /// Where the globals file went, if one was written.
    pub globals: Option<String>,
}

/// One database of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RunDatabase {
    /// Its name.
    pub database: String,
    /// Where its archive went (none when it failed).
    pub archive: Option<String>,
    /// Why it failed, if it did.
    pub error: Option<String>,
}

impl RunRecord {
    /// The record as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Parses a record.
    pub fn from_json(bytes: &[u8]) -> Result<RunRecord, String> {
        let r: RunRecord = serde_json::from_slice(bytes).map_err(|e| e.to_string())?;
        if r.format != FORMAT {
            return Err(format!("unknown run record format {:?}", r.format));
        }
        Ok(r)
    }
}

/// The record's file name for a run stamp.
pub fn file_name(stamp: &str) -> String {
    format!("run-{stamp}.json")
}

/// The globals file's name for a run stamp (`.age` appended when the run
/// encrypts).
pub fn globals_file_name(stamp: &str) -> String {
    format!("globals-{stamp}.sql")
}

/// Whether `key` (or path) is a run record's: `.../run-<stamp>.json`.
pub fn is_record_key(key: &str) -> bool {
    let file = key.rsplit('/').next().unwrap_or(key);
    file.strip_prefix("run-")
        .and_then(|f| f.strip_suffix(".json"))
        .is_some_and(is_stamp)
}

/// The folder and stamp of a run's file (record or globals:
/// `DIR/run-<stamp>.json`, `DIR/globals-<stamp>.sql`), if `key` is one.
pub fn run_file_stamp(key: &str) -> Option<(&str, &str)> {
    let (dir, file) = key.rsplit_once('/').unwrap_or(("", key));
    let stamp = file
        .strip_prefix("run-")
        .and_then(|f| f.strip_suffix(".json"))
        .or_else(|| {
            let f = file.strip_prefix("globals-")?;
            let f = f.strip_suffix(crate::crypt::SUFFIX).unwrap_or(f);
            f.strip_suffix(".sql")
        })?;
    is_stamp(stamp).then_some((dir, stamp))
}

fn is_stamp(stamp: &str) -> bool {
    crate::audit::time_from_key(&format!("x-{stamp}.dump")).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_keys_and_round_trip() {
        assert!(is_record_key("p/2026/12/01/run-20261201T030000Z.json"));
        assert!(!is_record_key("p/2026/12/01/run-2026.json"));
        assert!(!is_record_key("p/2026/12/01/app-20261201T030000Z.dump"));
        assert_eq!(
            run_file_stamp("p/2026/12/01/globals-20261201T030000Z.sql"),
            Some(("p/2026/12/01", "20261201T030000Z"))
        );
        assert_eq!(
            run_file_stamp("run-20261201T030000Z.json"),
            Some(("", "20261201T030000Z"))
        );
        assert_eq!(run_file_stamp("p/globals-x.sql"), None);
        assert_eq!(
            run_file_stamp("globals-20261201T030000Z.sql.age"),
            Some(("", "20261201T030000Z"))
        );
        let r = RunRecord {
            format: FORMAT.into(),
            stamp: "20261201T030000Z".into(),
            started_at: "2026-12-01T03:00:00Z".into(),
            finished_at: "2026-12-01T03:01:00Z".into(),
            databases: vec![RunDatabase {
                database: "app".into(),
                archive: None,
                error: Some("boom".into()),
            }],
            excluded: vec!["postgres".into()],
            globals: None,
        };
        assert_eq!(RunRecord::from_json(r.to_json().as_bytes()), Ok(r));
    }
}
