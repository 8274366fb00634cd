//! Privileges: object ACLs that differ from nothing (the builder compares
//! them with their base) and default privileges.

use tokio_postgres::Row;

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

impl From<&Row> for ObjectAcl {
    fn from(r: &Row) -> Self {
        ObjectAcl {
            catalog: r.get("catalog"),
            oid: r.get("oid"),
            subid: r.get("subid"),
            keyword: r.get("keyword"),
            name: r.get("name"),
            column: r.get("column_name"),
            schema: r.get("schema"),
            owner: r.get("owner"),
            acl: r.get("acl"),
            base: r.get("base"),
            acl_only: r.get("acl_only"),
        }
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

impl From<&Row> for DefaultAcl {
    fn from(r: &Row) -> Self {
        DefaultAcl {
            oid: r.get("oid"),
            role: r.get("role"),
            schema: r.get("schema"),
            objtype: r.get("objtype"),
            acl: r.get("acl"),
            base: r.get("base"),
        }
    }
}
