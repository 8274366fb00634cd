//! Flags: parsing and validation only.

use clap::{Args as ClapArgs, Parser, Subcommand};

use pgark::source::Source;

/// Logical PostgreSQL backups in pg_dump's custom archive format, without pg_dump.
#[derive(Debug, Parser)]
#[command(name = "pgark", version, about, long_about = None)]
#[command(
    after_help = "Exit status: 0 success, 1 internal error, 2 usage or configuration \
error, 3 database error, 4 storage error (files, pipes, S3), 5 the archive is corrupt, \
truncated or unsupported."
)]
pub struct Args {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the archive's table of contents like `pg_restore --list`.
    ///
    /// The output can be edited and given to `pg_restore -L`.
    List(ListArgs),
    /// Read the whole archive, decompress every block, and report each
    /// entry's data size and row count; exit non-zero on any defect.
    Verify(VerifyArgs),
}

/// `pgark list`.
#[derive(Debug, ClapArgs)]
pub struct ListArgs {
    /// The archive: a file, or `-` for standard input.
    #[arg(value_parser = parse_source)]
    pub archive: Source,
    /// Also print each entry's dependencies, and the entries pg_restore
    /// handles specially (like `pg_restore --list --verbose`).
    #[arg(short, long)]
    pub verbose: bool,
}

/// `pgark verify`.
#[derive(Debug, ClapArgs)]
pub struct VerifyArgs {
    /// The archive: a file, or `-` for standard input.
    #[arg(value_parser = parse_source)]
    pub archive: Source,
    /// Print only the summary line.
    #[arg(short, long)]
    pub quiet: bool,
}

fn parse_source(s: &str) -> Result<Source, String> {
    s.parse().map_err(|e: pgark::Error| e.to_string())
}
