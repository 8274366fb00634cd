//! Triggers, rules and event triggers (`pg_trigger`, `pg_rewrite`,
//! `pg_event_trigger`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::{ch, Oid};

/// A trigger.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Trigger {
    pub oid: Oid,
    pub table: Oid,
    pub name: String,
    pub quoted: String,
    pub definition: String,
    pub enabled: char,
    pub comment: Option<String>,
    /// The partitioned table's trigger this partition's trigger is cloned
    /// from (dumped only because its enabled state differs).
    pub parent: Option<Oid>,
}

impl TryFrom<&Row> for Trigger {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Trigger {
            oid: r.col(0)?,
            table: r.col(1)?,
            name: r.col(2)?,
            quoted: r.col(3)?,
            definition: r.col(4)?,
            enabled: ch(r.col(5)?),
            comment: r.col(6)?,
            parent: r.col(7)?,
        })
    }
}

/// A rule (not a view's `_RETURN`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Rule {
    pub oid: Oid,
    pub table: Oid,
    pub name: String,
    pub quoted: String,
    pub definition: String,
    pub enabled: char,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Rule {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Rule {
            oid: r.col(0)?,
            table: r.col(1)?,
            name: r.col(2)?,
            quoted: r.col(3)?,
            definition: r.col(4)?,
            enabled: ch(r.col(5)?),
            comment: r.col(6)?,
        })
    }
}

/// An event trigger.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct EventTrigger {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    pub event: String,
    pub owner: String,
    /// Quoted tags, `'a', 'b'`, or empty.
    pub tags: String,
    pub function: String,
    pub enabled: char,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for EventTrigger {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(EventTrigger {
            oid: r.col(0)?,
            name: r.col(1)?,
            quoted: r.col(2)?,
            event: r.col(3)?,
            owner: r.col(4)?,
            tags: r.col(5)?,
            function: r.col(6)?,
            enabled: ch(r.col(7)?),
            comment: r.col(8)?,
        })
    }
}
