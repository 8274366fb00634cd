//! `pgark list`: the TOC as `pg_restore --list` prints it.

use std::io::{self, BufWriter, Write};

use pgark::archive::listing;
use pgark::sink::s3::S3ClientOptions;
use pgark::Error;

use super::args::ListArgs;

pub fn run(args: &ListArgs) -> Result<(), Error> {
    let source = super::decrypt::source(&args.archive, &args.identity)?;
    let toc = pgark::blocking::list(&source, &S3ClientOptions::from_env())?;
    let stdout = io::stdout().lock();
    let mut out = BufWriter::new(stdout);
    let options = listing::Options {
        verbose: args.verbose,
    };
    listing::write(&mut out, &toc, &options).map_err(Error::Output)?;
    out.flush().map_err(Error::Output)
}
