//! `pgark decrypt`, and reading `--identity` for every command that reads
//! archives.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use pgark::backup::PendingFile;
use pgark::crypt::Identities;
use pgark::sink::s3::S3ClientOptions;
use pgark::source::Source;
use pgark::Error;

use super::args::DecryptArgs;

/// The identities of `--identity FILE` (or `PGARK_IDENTITY`).
pub fn identities(path: &Option<String>) -> Result<Option<Identities>, Error> {
    path.as_deref()
        .map(Identities::from_file)
        .transpose()
        .map_err(Error::from)
}

/// `source`, decrypted with `--identity` when it is encrypted.
pub fn source(source: &Source, identity: &Option<String>) -> Result<Source, Error> {
    Ok(source.clone().decrypting(identities(identity)?))
}

pub fn run(args: &DecryptArgs) -> Result<(), Error> {
    let Some(ids) = identities(&args.identity)? else {
        return Err(Error::Config(
            "--identity FILE (or PGARK_IDENTITY) is required to decrypt".into(),
        ));
    };
    let s3 = S3ClientOptions::from_env();
    if args.output == "-" {
        let out = BufWriter::with_capacity(1 << 20, io::stdout());
        let (mut out, _) = pgark::blocking::decrypt(&args.archive, &ids, &s3, out)?;
        return out.flush().map_err(Error::Output);
    }
    // Under a temporary name until every chunk is authenticated: a wrong
    // key, a tampered or truncated file leaves nothing under the name.
    let path = PathBuf::from(&args.output);
    let (pending, file) = PendingFile::create(&path)?;
    let (mut file, _) = pgark::blocking::decrypt(&args.archive, &ids, &s3, file)?;
    file.flush().map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    let file = file.into_inner().map_err(|e| Error::Write {
        path: path.clone(),
        source: e.into_error(),
    })?;
    pending.commit(file)
}
