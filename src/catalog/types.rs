//! Types (`pg_type`) and collations (`pg_collation`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::{ch, Column, Oid};

/// A user-defined type: enum, composite, domain or range.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct UserType {
    pub oid: Oid,
    /// `e`, `c`, `d` or `r`.
    pub kind: char,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    pub comment: Option<String>,
    /// Enum labels, already quoted as literals.
    pub labels: Vec<String>,
    pub domain_base: Option<String>,
    pub not_null: bool,
    pub default: Option<String>,
    pub collation: Option<String>,
    /// Domain CHECK constraints, ready to append.
    pub checks: Option<String>,
    /// The composite type's pg_class row.
    pub relid: Oid,
    /// Its attributes (composite types).
    pub attributes: Vec<Column>,
    pub range_subtype: Option<String>,
    pub multirange: Option<String>,
    pub subtype_diff: Option<String>,
    /// Range: the operator class when not the subtype's default.
    pub subtype_opclass: Option<String>,
    /// Range: the collation when not the subtype's.
    pub range_collation: Option<String>,
    pub canonical: Option<String>,
    /// Base types: what CREATE TYPE needs.
    pub base: BaseType,
}

impl TryFrom<&Row> for UserType {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(UserType {
            oid: r.col(0)?,
            kind: ch(r.col(1)?),
            schema: r.col(2)?,
            name: r.col(3)?,
            qualified: r.col(4)?,
            owner: r.col(5)?,
            comment: r.col(6)?,
            labels: r.col::<_, Option<Vec<String>>>(7)?.unwrap_or_default(),
            domain_base: r.col(8)?,
            not_null: r.col(9)?,
            default: r.col(10)?,
            collation: r.col(11)?,
            checks: r.col(12)?,
            relid: r.col(13)?,
            // Filled from the columns query (`Catalog::load_on`).
            attributes: Vec::new(),
            range_subtype: r.col(14)?,
            multirange: r.col(15)?,
            subtype_diff: r.col(16)?,
            subtype_opclass: r.col(17)?,
            range_collation: r.col(18)?,
            canonical: r.col(19)?,
            base: BaseType {
                length: r.col(20)?,
                input: r.col(21)?,
                output: r.col(22)?,
                receive: r.col(23)?,
                send: r.col(24)?,
                typmod_in: r.col(25)?,
                typmod_out: r.col(26)?,
                analyze: r.col(27)?,
                collatable: r.col(28)?,
                subscript: r.col(29)?,
                element: r.col(30)?,
                category: r.col(31)?,
                preferred: r.col(32)?,
                delimiter: r.col(33)?,
                by_value: r.col(34)?,
                align: r.col(35)?,
                storage: r.col(36)?,
            },
        })
    }
}

/// The properties of a base type (`kind` `b`), as pg_dump's dumpBaseType
/// reads them; functions as `regproc` text.
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct BaseType {
    pub length: i32,
    pub input: String,
    pub output: String,
    pub receive: Option<String>,
    pub send: Option<String>,
    pub typmod_in: Option<String>,
    pub typmod_out: Option<String>,
    pub analyze: Option<String>,
    pub collatable: bool,
    pub subscript: Option<String>,
    pub element: Option<String>,
    pub category: String,
    pub preferred: bool,
    pub delimiter: String,
    pub by_value: bool,
    pub align: String,
    pub storage: String,
}

/// A collation.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Collation {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    pub provider: char,
    pub deterministic: bool,
    pub collate: Option<String>,
    pub ctype: Option<String>,
    pub locale: Option<String>,
    pub icu_rules: Option<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Collation {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Collation {
            oid: r.col(0)?,
            schema: r.col(1)?,
            name: r.col(2)?,
            qualified: r.col(3)?,
            owner: r.col(4)?,
            provider: ch(r.col(5)?),
            deterministic: r.col(6)?,
            collate: r.col(7)?,
            ctype: r.col(8)?,
            locale: r.col(9)?,
            icu_rules: r.col(10)?,
            comment: r.col(11)?,
        })
    }
}
