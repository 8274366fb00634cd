//! `pgark drill --record CHANGELOG.md`: the runbook's "Restore drill
//! verified" line under `### Operations`. A changelog that cannot be read
//! (or is not UTF-8) is an error, never overwritten; the new text replaces
//! the old by rename, so a crash leaves the old file whole.

use std::io::{self, Write};
use std::path::Path;

use super::runtime::now_unix;
use pgark::backup::{into_file, PendingFile};
use pgark::manifest::rfc3339;
use pgark::Error;

/// Adds the drill's line for `key` (the archive's S3 key) to `changelog`,
/// creating the file and the heading when missing.
pub fn record(changelog: &Path, key: &str) -> Result<(), Error> {
    let text = match std::fs::read_to_string(changelog) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => String::new(),
        Err(source) => {
            return Err(Error::File {
                path: changelog.to_path_buf(),
                source,
            })
        }
    };
    let today = &rfc3339(now_unix())[..10];
    let file = key.rsplit('/').next().unwrap_or(key);
    let updated = with_line(
        &text,
        &format!("- Restore drill verified {today} against {file}"),
    );
    replace(changelog, updated.as_bytes())
}

/// `text` with `line` added right under `### Operations` (the heading is
/// added at the end when missing).
fn with_line(text: &str, line: &str) -> String {
    let mut t = text.to_owned();
    match text.find("### Operations") {
        Some(i) => {
            let end = text[i..].find('\n').map_or(text.len(), |n| i + n + 1);
            if end == text.len() && !text.ends_with('\n') {
                t.push('\n');
                t.push_str(line);
                t.push('\n');
            } else {
                t.insert_str(end, &format!("{line}\n"));
            }
        }
        None => {
            if !t.is_empty() && !t.ends_with('\n') {
                t.push('\n');
            }
            t.push_str(&format!("\n### Operations\n{line}\n"));
        }
    }
    t
}

/// Writes `bytes` under a temporary name beside `path` and renames it
/// over `path` (synced, as a backup file is).
fn replace(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let (pending, mut w) = PendingFile::create(path)?;
    w.write_all(bytes).map_err(|source| Error::Write {
        path: pending.temp_path().to_path_buf(),
        source,
    })?;
    let file = into_file(w, pending.temp_path())?;
    pending.commit(file)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_goes_under_the_heading() {
        let t = with_line("# Log\n\n### Operations\n- older\n", "- new");
        assert_eq!(t, "# Log\n\n### Operations\n- new\n- older\n");
        assert_eq!(with_line("", "- new"), "\n### Operations\n- new\n");
        assert_eq!(with_line("x", "- new"), "x\n\n### Operations\n- new\n");
        assert_eq!(
            with_line("### Operations", "- new"),
            "### Operations\n- new\n"
        );
    }

    #[test]
    fn an_unreadable_changelog_is_left_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("CHANGELOG.md");
        std::fs::write(&path, b"# Log\n\xff\xfe not utf-8\n").expect("write");
        let err = record(&path, "db/x.dump").expect_err("non-UTF-8 must not be rewritten");
        assert!(err.to_string().contains("CHANGELOG.md"), "{err}");
        assert_eq!(
            std::fs::read(&path).expect("read"),
            b"# Log\n\xff\xfe not utf-8\n"
        );
    }
}
