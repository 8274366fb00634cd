//! SIGINT and SIGTERM: they cancel the running command's
//! [`CancellationToken`]; the library stops, cleans up (a backup leaves
//! nothing under its target name, a restore closes its connections, a
//! drill drops its scratch database) and returns [`Error::Interrupted`],
//! named here after the signal (exit 130).

use std::future::Future;
use std::sync::{Arc, OnceLock};

use pgark::{CancellationToken, Error};
use tokio::signal::unix::{signal, SignalKind};

/// SIGINT or SIGTERM cancels `cancel`. The future returned completes once
/// `cancel` is cancelled, with the signal's name (`"a signal"` when
/// something else cancelled it). Needs a runtime.
pub(super) fn cancel_on_signal(
    cancel: CancellationToken,
) -> Result<impl Future<Output = &'static str>, Error> {
    let handler = |kind: SignalKind, name: &str| {
        signal(kind).map_err(|e| Error::Config(format!("cannot install the {name} handler: {e}")))
    };
    let mut term = handler(SignalKind::terminate(), "SIGTERM")?;
    let mut int = handler(SignalKind::interrupt(), "SIGINT")?;
    let signal = Arc::new(OnceLock::new());
    let (cell, token) = (signal.clone(), cancel.clone());
    tokio::spawn(async move {
        let name = tokio::select! {
            _ = int.recv() => "SIGINT",
            _ = term.recv() => "SIGTERM",
        };
        let _ = cell.set(name);
        token.cancel();
    });
    Ok(async move {
        cancel.cancelled().await;
        signal.get().copied().unwrap_or("a signal")
    })
}

/// Runs `work` on a runtime of `threads` workers, SIGINT and SIGTERM
/// cancelling `cancel` (the token in `work`'s options); its
/// [`Error::Interrupted`] names the signal.
pub(super) fn run_interruptible<T>(
    threads: usize,
    cancel: CancellationToken,
    work: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let runtime = super::runtime::multi_thread(threads)?;
    runtime.block_on(async {
        let stopped = cancel_on_signal(cancel.clone())?;
        match work.await {
            Err(Error::Interrupted { during, .. }) if cancel.is_cancelled() => {
                Err(Error::Interrupted {
                    by: stopped.await,
                    during,
                })
            }
            other => other,
        }
    })
}
