//! Schemas, extensions and the configuration tables and sequences of
//! extensions (`pg_namespace`, `pg_extension`, `pg_extension_config`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::{ch, Oid};

/// A schema (`pg_namespace`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Schema {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    pub owner: String,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Schema {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Schema {
            oid: r.col(0)?,
            name: r.col(1)?,
            quoted: r.col(2)?,
            owner: r.col(3)?,
            comment: r.col(4)?,
        })
    }
}

/// An extension (`pg_extension`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Extension {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    pub schema_quoted: String,
    pub version: String,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Extension {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Extension {
            oid: r.col(0)?,
            name: r.col(1)?,
            quoted: r.col(2)?,
            schema_quoted: r.col(4)?,
            version: r.col(5)?,
            comment: r.col(6)?,
        })
    }
}

/// An extension's configuration table or sequence, whose data is dumped.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct ExtConfig {
    pub oid: Oid,
    pub kind: char,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub extension: Oid,
    /// The `WHERE ...` filter given to pg_extension_config_dump, or empty.
    pub condition: String,
    /// Quoted column list for COPY.
    pub columns: String,
    /// Config tables of the same extension this one references.
    pub references: Vec<Oid>,
    pub owner: String,
    /// For sequences: the value and the start.
    pub last_value: Option<i64>,
    pub start: Option<i64>,
}

impl TryFrom<&Row> for ExtConfig {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(ExtConfig {
            oid: r.col(0)?,
            kind: ch(r.col(1)?),
            schema: r.col(2)?,
            name: r.col(3)?,
            qualified: r.col(4)?,
            extension: r.col(5)?,
            condition: r.col::<_, Option<String>>(6)?.unwrap_or_default(),
            columns: r.col::<_, Option<String>>(7)?.unwrap_or_default(),
            references: r.col(8)?,
            owner: r.col(9)?,
            last_value: r.col(10)?,
            start: r.col(11)?,
        })
    }
}
