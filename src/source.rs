//! Where an archive is read from.

use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::PathBuf;
use std::str::FromStr;

use crate::error::{Error, Result};

/// An archive location given on the command line: a file path, or `-` for
/// standard input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local file.
    File(PathBuf),
    /// Standard input.
    Stdin,
}

impl FromStr for Source {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "" => Err(Error::Config("empty archive path".into())),
            "-" => Ok(Source::Stdin),
            s if s.starts_with("s3://") => Err(Error::Config(format!(
                "{s}: reading archives from S3 is not supported yet; download it first"
            ))),
            s => Ok(Source::File(PathBuf::from(s))),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(p) => write!(f, "{}", p.display()),
            Source::Stdin => f.write_str("standard input"),
        }
    }
}

impl Source {
    /// Opens the source for sequential reading.
    pub fn open(&self) -> Result<Box<dyn Read + Send>> {
        match self {
            Source::Stdin => Ok(Box::new(io::stdin())),
            Source::File(path) => {
                let file = File::open(path).map_err(|source| Error::File {
                    path: path.clone(),
                    source,
                })?;
                if file.metadata().map(|m| m.is_dir()).unwrap_or(false) {
                    return Err(Error::File {
                        path: path.clone(),
                        source: io::Error::new(io::ErrorKind::InvalidInput, "is a directory"),
                    });
                }
                Ok(Box::new(BufReader::with_capacity(256 * 1024, file)))
            }
        }
    }
}
