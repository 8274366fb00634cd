//! Cancel requests for the statements a stopped run leaves on the
//! server: dropping a client does not end a statement waiting for a lock
//! or still working (its connection stays open until the server
//! answers), so an interrupted backup or restore asks the server to
//! cancel them, as pg_dump and pg_restore do on a signal.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_postgres::{CancelToken, Client};

/// The cancel keys of a run's connections, shared by the code that opens
/// them and the code that stops the run.
#[derive(Clone, Default)]
pub(crate) struct Running(Arc<Mutex<Vec<CancelToken>>>);

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map_or(0, |t| t.len());
        write!(f, "Running({n} connections)")
    }
}

impl Running {
    /// Remembers `client`'s cancel key.
    pub(crate) fn register(&self, client: &Client) {
        if let Ok(mut tokens) = self.0.lock() {
            tokens.push(client.cancel_token());
        }
    }

    /// Sends a cancel request for each connection registered.
    pub(crate) async fn cancel_all(&self) {
        let tokens = match self.0.lock() {
            Ok(tokens) => tokens.clone(),
            Err(_) => return,
        };
        cancel(&tokens).await;
    }
}

/// Sends a cancel request for each of `tokens`, at once, each given a few
/// seconds. As libpq's `PQcancel` before PostgreSQL 17, the request is
/// not encrypted; a connection that requires TLS for it is left to close
/// when its statement ends (logged).
pub(crate) async fn cancel(tokens: &[CancelToken]) {
    let requests = tokens.iter().map(|t| async move {
        let sent = tokio::time::timeout(
            Duration::from_secs(5),
            t.cancel_query(tokio_postgres::NoTls),
        )
        .await;
        match sent {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::debug!("cancel request failed: {e}"),
            Err(_) => tracing::debug!("cancel request timed out"),
        }
    });
    futures_util::future::join_all(requests).await;
}
