//! The globals file beside an archive: where it is and reading it.

use crate::error::{Error, Result};
use crate::sink::s3::S3ClientOptions;
use crate::source::{read_s3_object, Source};

use super::SUFFIX;

/// The globals file beside the archive at `archive`
/// (`<archive>.globals.sql`, a file or S3 object); an error for standard
/// input.
pub fn beside(archive: &Source) -> Result<Source> {
    match archive.base() {
        Source::File(p) => Ok(Source::File(format!("{}{SUFFIX}", p.display()).into())),
        Source::S3(url) => Ok(Source::S3(crate::S3Url::new(
            url.bucket.clone(),
            format!("{}{SUFFIX}", url.key),
        ))),
        _ => Err(Error::Config(
            "--globals without a file: the archive is read from standard input, so there is \
             no globals file beside it (give --globals FILE)"
                .into(),
        )),
    }
}

/// Reads the globals file at `source` (a file or S3 object).
pub async fn read(source: &Source, s3: &S3ClientOptions) -> Result<String> {
    let bytes = match source.base() {
        Source::File(path) => tokio::fs::read(path).await.map_err(|e| {
            Error::Config(format!(
                "cannot read the globals file {}: {e}",
                path.display()
            ))
        })?,
        Source::S3(url) => read_s3_object(s3, &url.bucket, &url.key)
            .await?
            .ok_or_else(|| Error::Config(format!("no globals file at {url}")))?,
        _ => {
            return Err(Error::Config(
                "the globals file must be a file or an S3 object, not standard input".into(),
            ))
        }
    };
    String::from_utf8(bytes)
        .map_err(|_| Error::Config(format!("the globals file {source} is not UTF-8 text")))
}
