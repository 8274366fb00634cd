//! The `pgark` command. Parsing lives in `cli::args`, each subcommand in its
//! own module, and `cli::exit` decides the exit status in one place.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}
