//! The inventory: one row per user object of the catalogs whose rows come
//! in kinds (relkind, typtype, prokind, contype, ...), read in one query so
//! that the backup can refuse what it cannot dump instead of skipping it
//! (see `schema::unknown`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::Oid;

/// A catalog row and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InventoryRow {
    /// The catalog (`pg_class`, `pg_type`, ...), or a pseudo-catalog for a
    /// property (`pg_class.relam`, `pg_attribute`).
    pub catalog: String,
    /// The object's OID (the relation's for columns).
    pub oid: Oid,
    /// Its schema, for objects in one.
    pub schema: Option<String>,
    /// Its name (`table trigger`, `function(args)`, `table.column`).
    pub name: String,
    /// Its kind code(s) as the query spells them.
    pub kind: String,
}

impl TryFrom<&Row> for InventoryRow {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(InventoryRow {
            catalog: r.col("catalog")?,
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            kind: r.col("kind")?,
        })
    }
}
