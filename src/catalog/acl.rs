//! Privileges: object ACLs that differ from nothing (the builder compares
//! them with their base) and default privileges.

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::Oid;

/// An object's (or column's) ACL and its base ACL.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct ObjectAcl {
    /// The object's catalog, e.g. `pg_class`.
    pub catalog: String,
    pub oid: Oid,
    /// Column number, 0 for the object itself.
    pub subid: i32,
    /// GRANT's object type keyword (`TABLE`, `SEQUENCE`, `FUNCTION`, ...).
    pub keyword: String,
    /// Quoted name, with arguments for functions.
    pub name: String,
    /// Quoted column name for column privileges.
    pub column: Option<String>,
    pub schema: Option<String>,
    pub owner: String,
    pub acl: Vec<String>,
    pub base: Vec<String>,
    /// pg_dump dumps only this object's privileges, not the object: it is
    /// in pg_catalog, an extension member, or the public schema.
    pub acl_only: bool,
}

impl TryFrom<&Row> for ObjectAcl {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(ObjectAcl {
            catalog: r.col("catalog")?,
            oid: r.col("oid")?,
            subid: r.col("subid")?,
            keyword: r.col("keyword")?,
            name: r.col("name")?,
            column: r.col("column_name")?,
            schema: r.col("schema")?,
            owner: r.col("owner")?,
            acl: r.col("acl")?,
            base: r.col("base")?,
            acl_only: r.col("acl_only")?,
        })
    }
}

/// A `pg_default_acl` entry.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct DefaultAcl {
    pub oid: Oid,
    pub role: String,
    /// The schema, for per-schema defaults.
    pub schema: Option<String>,
    /// `r`, `S`, `f`, `T`, `n` (or `L` on 18).
    pub objtype: String,
    pub acl: Vec<String>,
    pub base: Vec<String>,
}

impl TryFrom<&Row> for DefaultAcl {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(DefaultAcl {
            oid: r.col("oid")?,
            role: r.col("role")?,
            schema: r.col("schema")?,
            objtype: r.col("objtype")?,
            acl: r.col("acl")?,
            base: r.col("base")?,
        })
    }
}
