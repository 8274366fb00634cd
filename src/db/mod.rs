//! Connecting to the source database and opening the dump snapshot.

mod connect;
mod snapshot;

pub use connect::{connect, ConnectTarget};
pub use snapshot::{
    begin_snapshot, export_snapshot, join_snapshot, lock_tables, DatabaseCreate,
    DatabaseProperties, ServerInfo,
};
