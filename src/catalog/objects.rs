//! Large objects (`pg_largeobject_metadata`) and the dependencies between
//! objects (`pg_depend`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::{ch, Oid};

/// A large object.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct LargeObject {
    pub oid: Oid,
    pub owner: String,
    pub comment: Option<String>,
    /// `lomowner` and `lomacl` (as text): 17+ groups by them.
    pub owner_oid: Oid,
    pub acl: Option<String>,
}

impl TryFrom<&Row> for LargeObject {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(LargeObject {
            oid: r.col(0)?,
            owner: r.col(1)?,
            comment: r.col(2)?,
            owner_oid: r.col(3)?,
            acl: r.col(4)?,
        })
    }
}

/// One `pg_depend` edge between user objects: (catalog, oid) depends on
/// (catalog, oid).
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct Depend {
    pub class: String,
    pub oid: Oid,
    pub ref_class: String,
    pub ref_oid: Oid,
    pub kind: char,
}

impl TryFrom<&Row> for Depend {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Depend {
            class: r.col(0)?,
            oid: r.col(1)?,
            ref_class: r.col(2)?,
            ref_oid: r.col(3)?,
            kind: ch(r.col(4)?),
        })
    }
}
