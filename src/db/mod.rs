//! Connecting to the source database and opening the dump snapshot.

pub(crate) mod cancel;
mod connect;
mod conninfo;
mod pgpass;
mod resolve;
pub(crate) mod row;
mod session;
mod snapshot;
mod tls;

pub(crate) use conninfo::percent_decode;

pub(crate) use connect::connect;
pub use connect::{ConnectOptions, ConnectTarget};
pub(crate) use conninfo::{names_dbname, with_dbname};
pub use session::SessionInfo;
pub(crate) use snapshot::{begin_snapshot, export_snapshot, join_snapshot, lock_tables};
pub use snapshot::{DatabaseCreate, DatabaseProperties, ServerInfo};
pub use tls::{ClientCert, RootCerts, SslMode};
