//! Cancellation: a [`CancellationToken`] in the options of a backup,
//! restore, verify or drill stops it; it cleans up as on an error and
//! returns [`Error::Interrupted`] with [`CANCELLED`].

use std::io::{self, Read};

use tokio_util::sync::CancellationToken;

use crate::error::{Error, Result};

/// The name an [`Error::Interrupted`] gives a cancellation.
pub(crate) const CANCELLED: &str = "cancellation";

/// For the blocking loops: fails once `token` is cancelled.
pub(crate) fn check(token: Option<&CancellationToken>) -> Result<()> {
    match token {
        Some(t) if t.is_cancelled() => Err(Error::interrupted(CANCELLED)),
        _ => Ok(()),
    }
}

/// Runs `work` until it ends or `token` is cancelled (then `work` is
/// dropped: its connections close, the server rolls back).
pub(crate) async fn or_cancelled<T>(
    token: Option<&CancellationToken>,
    work: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let Some(token) = token else {
        return work.await;
    };
    tokio::select! {
        r = work => r,
        () = token.cancelled() => Err(Error::interrupted(CANCELLED)),
    }
}

/// Completes once `token` is cancelled (never without one), naming it:
/// the stop of [`crate::backup::backup_until`].
pub(crate) async fn stopped(token: Option<CancellationToken>) -> &'static str {
    match token {
        Some(t) => t.cancelled_owned().await,
        None => std::future::pending().await,
    }
    CANCELLED
}

/// `inner`, whose reads fail once `token` is cancelled (the caller then
/// reports [`Error::Interrupted`] after [`check`]).
pub(crate) fn reader(
    inner: Box<dyn Read + Send>,
    token: Option<&CancellationToken>,
) -> Box<dyn Read + Send> {
    match token {
        Some(token) => Box::new(Cancellable {
            inner,
            token: token.clone(),
        }),
        None => inner,
    }
}

struct Cancellable {
    inner: Box<dyn Read + Send>,
    token: CancellationToken,
}

impl Read for Cancellable {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.token.is_cancelled() {
            return Err(io::Error::other(CANCELLED));
        }
        self.inner.read(buf)
    }
}
