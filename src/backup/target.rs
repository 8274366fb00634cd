//! The archive file: written under a temporary name in the target
//! directory and renamed into place only when complete, so a failed or
//! interrupted backup never leaves a partial file under the final name.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Where `pgark backup` writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// This exact file (replaced if it exists, like `pg_dump -f`).
    File(PathBuf),
    /// A new file `<dbname>-<UTC timestamp>.dump` in this directory
    /// (created if missing).
    Dir(PathBuf),
    /// Standard output (`-`): a streaming archive without data offsets.
    Stdout,
    /// An S3 object: this key, or, when the key is empty or ends with `/`,
    /// `<prefix>YYYY/MM/DD/<dbname>-<UTC timestamp>.dump` under it.
    S3 {
        /// The bucket.
        bucket: String,
        /// The key or prefix.
        key: String,
    },
}

impl Target {
    /// `--to`: `-` is standard output, `s3://bucket/key-or-prefix/` an S3
    /// object; an existing directory or a path ending in `/` is a
    /// directory; anything else a file.
    pub fn from_arg(path: &str) -> Result<Self> {
        if path == "-" {
            return Ok(Target::Stdout);
        }
        if path.starts_with("s3://") {
            let crate::S3Url { bucket, key } = crate::S3Url::parse(path)?;
            return Ok(Target::S3 { bucket, key });
        }
        let p = PathBuf::from(path);
        Ok(if path.ends_with('/') || p.is_dir() {
            Target::Dir(p)
        } else {
            Target::File(p)
        })
    }

    /// The S3 key for a dump of `dbname` started at `date` (`YYYY/MM/DD`)
    /// and `stamp`, if this is an S3 target.
    pub fn s3_key(&self, dbname: &str, date: &str, stamp: &str) -> Option<(String, String)> {
        match self {
            Target::S3 { bucket, key } if key.is_empty() || key.ends_with('/') => Some((
                bucket.clone(),
                format!("{key}{date}/{}-{stamp}.dump", safe_name(dbname)),
            )),
            Target::S3 { bucket, key } => Some((bucket.clone(), key.clone())),
            _ => None,
        }
    }

    /// The final path for a dump of `dbname` started at `stamp`
    /// (`YYYYMMDDTHHMMSSZ`).
    pub fn resolve(&self, dbname: &str, stamp: &str) -> Result<PathBuf> {
        match self {
            Target::Dir(d) => {
                fs::create_dir_all(d).map_err(|source| Error::Write {
                    path: d.clone(),
                    source,
                })?;
                Ok(d.join(format!("{}-{stamp}.dump", safe_name(dbname))))
            }
            Target::File(p) => Ok(p.clone()),
            Target::Stdout | Target::S3 { .. } => Ok(PathBuf::from("-")),
        }
    }
}

/// A database name as a file name: letters, digits, `-` and `_` kept.
pub(crate) fn safe_name(dbname: &str) -> String {
    dbname
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

/// A file being written under a temporary name. Removed on drop unless
/// [`PendingFile::commit`] renamed it into place.
#[derive(Debug)]
pub struct PendingFile {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl PendingFile {
    /// Creates `.<name>.partial-<pid>` next to `target`.
    pub fn create(target: &Path) -> Result<(PendingFile, BufWriter<File>)> {
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.is_empty() {
            return Err(Error::Config(format!(
                "{}: not a file name",
                target.display()
            )));
        }
        let temp = dir.join(format!(".{name}.partial-{}", std::process::id()));
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|source| Error::Write {
                path: temp.clone(),
                source,
            })?;
        let pending = PendingFile {
            temp,
            target: target.to_path_buf(),
            committed: false,
        };
        Ok((pending, BufWriter::with_capacity(1 << 20, file)))
    }

    /// The temporary path.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Syncs the file, renames it into place and syncs the directory.
    pub fn commit(mut self, file: File) -> Result<()> {
        let err = |source: io::Error| Error::Write {
            path: self.temp.clone(),
            source,
        };
        file.sync_all().map_err(err)?;
        drop(file);
        fs::rename(&self.temp, &self.target).map_err(|source| Error::Write {
            path: self.target.clone(),
            source,
        })?;
        self.committed = true;
        // The rename is durable once the directory is.
        let dir = match self.target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(|source| Error::Write {
                path: dir.to_path_buf(),
                source,
            })
    }
}

impl Drop for PendingFile {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp);
        }
    }
}

/// Unwraps the buffered writer, positioned at the end.
pub fn into_file(mut w: BufWriter<File>, path: &Path) -> Result<File> {
    w.flush().map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    let mut f = w.into_inner().map_err(|e| Error::Write {
        path: path.to_path_buf(),
        source: e.into_error(),
    })?;
    f.seek(SeekFrom::End(0)).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(f)
}
