//! The command's runtime and clock: the library takes the caller's
//! runtime, the command builds its own.

use std::time::{SystemTime, UNIX_EPOCH};

use pgark::Error;

/// A current-thread runtime with I/O and timers enabled.
pub fn current_thread() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))
}

/// A multi-threaded runtime with `threads` worker threads, I/O and timers.
pub fn multi_thread(threads: usize) -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))
}

/// Now, in seconds since the Unix epoch (0 if the clock is before it).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
