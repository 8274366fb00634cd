//! What hangs off a table: constraints (of tables and domains), indexes,
//! row security policies and extended statistics.

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::{ch, Oid};

/// A table or domain constraint.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Constraint {
    pub oid: Oid,
    /// The table (0 for a domain's constraint).
    pub table: Oid,
    /// The domain (0 for a table's constraint).
    pub domain: Oid,
    pub name: String,
    pub quoted: String,
    pub kind: char,
    pub definition: String,
    pub validated: bool,
    pub is_local: bool,
    pub index: Oid,
    pub comment: Option<String>,
    /// For a key constraint of a partition: the partitioned index its
    /// index is attached to.
    pub parent_index: Option<Oid>,
    /// The key constraint's index is the table's CLUSTER index.
    pub clustered: bool,
    /// The key constraint's index is the table's replica identity.
    pub replica_identity: bool,
    /// The comment on the key constraint's index.
    pub index_comment: Option<String>,
    /// The key constraint's index's tablespace, when not the default.
    pub index_tablespace: Option<String>,
    /// NO INHERIT.
    pub no_inherit: bool,
    /// The column (`attnum`) of a table's not-null constraint.
    pub column: Option<i32>,
}

impl TryFrom<&Row> for Constraint {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Constraint {
            oid: r.col(0)?,
            table: r.col(1)?,
            domain: r.col(14)?,
            name: r.col(2)?,
            quoted: r.col(3)?,
            kind: ch(r.col(4)?),
            definition: r.col(5)?,
            validated: r.col(6)?,
            is_local: r.col(7)?,
            index: r.col(8)?,
            comment: r.col(9)?,
            parent_index: r.col(10)?,
            clustered: r.col(11)?,
            replica_identity: r.col(12)?,
            index_comment: r.col(13)?,
            no_inherit: r.col(15)?,
            column: r.col(16)?,
            index_tablespace: r.col(17)?,
        })
    }
}

/// An index not created by a constraint.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Index {
    pub oid: Oid,
    pub table: Oid,
    pub name: String,
    pub definition: String,
    pub comment: Option<String>,
    pub clustered: bool,
    pub kind: char,
    pub quoted: String,
    /// The partitioned index this one is attached to.
    pub parent_index: Option<Oid>,
    /// The index is the table's replica identity.
    pub replica_identity: bool,
    /// Per-column statistics targets: (column number, target).
    pub stattargets: Vec<(i32, i32)>,
    /// The index's tablespace, when not the default.
    pub tablespace: Option<String>,
}

impl TryFrom<&Row> for Index {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Index {
            oid: r.col(0)?,
            table: r.col(1)?,
            name: r.col(2)?,
            definition: r.col(3)?,
            comment: r.col(4)?,
            clustered: r.col(5)?,
            kind: ch(r.col(6)?),
            quoted: r.col(7)?,
            parent_index: r.col(8)?,
            replica_identity: r.col(9)?,
            stattargets: r
                .col::<_, Vec<i32>>(10)?
                .into_iter()
                .zip(r.col::<_, Vec<i32>>(11)?)
                .collect(),
            tablespace: r.col(12)?,
        })
    }
}

/// A row level security policy.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Policy {
    pub oid: Oid,
    pub table: Oid,
    pub name: String,
    pub quoted: String,
    pub command: char,
    pub permissive: bool,
    pub roles: Option<String>,
    pub using: Option<String>,
    pub with_check: Option<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Policy {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Policy {
            oid: r.col(0)?,
            table: r.col(1)?,
            name: r.col(2)?,
            quoted: r.col(3)?,
            command: ch(r.col(4)?),
            permissive: r.col(5)?,
            roles: r.col(6)?,
            using: r.col(7)?,
            with_check: r.col(8)?,
            comment: r.col(9)?,
        })
    }
}

/// An extended statistics object.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Statistics {
    pub oid: Oid,
    pub table: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    pub definition: String,
    pub stattarget: i32,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Statistics {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Statistics {
            oid: r.col(0)?,
            table: r.col(1)?,
            schema: r.col(2)?,
            name: r.col(3)?,
            qualified: r.col(4)?,
            owner: r.col(5)?,
            definition: r.col(6)?,
            stattarget: r.col(7)?,
            comment: r.col(8)?,
        })
    }
}
