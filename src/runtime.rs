//! Runtimes: pgark's async entry points run on the caller's tokio runtime
//! (their blocking parts, archive reads, on its blocking threads, never a
//! worker); only [`crate::blocking`] builds a runtime, and says so. Also
//! the wall clock in Unix seconds.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::runtime::Handle;

use crate::error::{Error, Result};

/// Runs `f` on a blocking thread of the current runtime with the runtime's
/// handle (to `block_on` the async calls it makes): the synchronous parts
/// of a restore or a verify block that thread, never a worker. A panic in
/// `f` goes on unwinding in the caller.
pub(crate) async fn off_workers<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce(&Handle) -> Result<T> + Send + 'static,
{
    let handle = Handle::current();
    match tokio::task::spawn_blocking(move || f(&handle)).await {
        Ok(r) => r,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(Error::interrupted("the runtime shutting down")),
    }
}

/// The runtime of a [`crate::blocking`] call: multi-threaded, with
/// `threads` workers; refused (an error, not tokio's panic) when called
/// from inside a runtime, where the async function is the one to use.
pub(crate) fn for_blocking_call(what: &str, threads: usize) -> Result<tokio::runtime::Runtime> {
    if Handle::try_current().is_ok() {
        return Err(Error::Config(format!(
            "pgark::blocking::{what} called inside a tokio runtime: await pgark's async {what} instead"
        )));
    }
    multi_thread(threads)
}

/// A multi-threaded runtime with `threads` worker threads, I/O and timers.
pub(crate) fn multi_thread(threads: usize) -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads.max(1))
        .enable_all()
        .build()
        .map_err(|e| Error::Config(format!("cannot start the runtime: {e}")))
}

/// Now, in seconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}
