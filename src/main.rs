//! The `pgark` command. Parsing lives in `cli::args`, each subcommand in its
//! own module, and `cli::exit` decides the exit status in one place.

mod cli;

use std::process::ExitCode;

/// A panic is a bug in pgark: one line saying so, and exit status 1
/// ("internal error") instead of Rust's 101, whichever thread panicked.
fn main() -> ExitCode {
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "panic".into());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!("pgark: internal error: {what}{at} (a bug in pgark; please report it)");
    }));
    std::panic::catch_unwind(cli::run).unwrap_or(ExitCode::FAILURE)
}
