//! Publications and what they publish (`pg_publication`,
//! `pg_publication_rel`, `pg_publication_namespace`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::Oid;

/// A publication.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Publication {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    pub owner: String,
    pub all_tables: bool,
    pub insert: bool,
    pub update: bool,
    pub delete: bool,
    pub truncate: bool,
    pub via_root: bool,
    /// `pubgencols` (18): `s` stored, `n` none, empty before 18.
    pub gencols: String,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Publication {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Publication {
            oid: r.col(0)?,
            name: r.col(1)?,
            quoted: r.col(2)?,
            owner: r.col(3)?,
            all_tables: r.col(4)?,
            insert: r.col(5)?,
            update: r.col(6)?,
            delete: r.col(7)?,
            truncate: r.col(8)?,
            via_root: r.col(9)?,
            gencols: r.col(10)?,
            comment: r.col(11)?,
        })
    }
}

/// A table (`table` set) or schema (`schema` set) of a publication.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct PublicationMember {
    pub oid: Oid,
    pub publication: Oid,
    pub table: Oid,
    pub schema: Oid,
    pub columns: Option<String>,
    pub filter: Option<String>,
}

impl TryFrom<&Row> for PublicationMember {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(PublicationMember {
            oid: r.col(0)?,
            publication: r.col(1)?,
            table: r.col(2)?,
            schema: r.col(3)?,
            columns: r.col(4)?,
            filter: r.col(5)?,
        })
    }
}
