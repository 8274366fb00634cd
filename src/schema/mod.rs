//! Schema: the catalog turned into pg_dump's objects, in pg_dump's order,
//! and then into TOC entries.

pub(crate) mod acl;
mod build;
mod object;
pub(crate) mod quote;
mod sort;
mod toc;
mod unknown;

pub use build::{build, BuildOptions};
pub use object::DataSource;
pub(crate) use object::{Class, DumpObject, Key};
pub use sort::sort;
pub use toc::{toc, DataPlan, TocInfo};
pub use unknown::unknown_objects;
