//! Objects outside any schema that pg_dump dumps on their own: access
//! methods, transforms and subscriptions; and the security labels of
//! every object. Read with named columns, in a fixed number of queries.

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::Oid;

/// An access method made with CREATE ACCESS METHOD (`pg_am`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct AccessMethod {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    /// `amtype`: `i` index, `t` table.
    pub kind: char,
    /// The handler function as `regproc` prints it.
    pub handler: String,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for AccessMethod {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(AccessMethod {
            oid: r.col("oid")?,
            name: r.col("name")?,
            quoted: r.col("quoted")?,
            kind: super::ch(r.col("kind")?),
            handler: r.col("handler")?,
            comment: r.col("comment")?,
        })
    }
}

/// A transform (`pg_transform`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Transform {
    pub oid: Oid,
    /// `format_type` of the type: `integer`.
    pub type_name: String,
    /// The language, quoted.
    pub language: String,
    /// `schema.fn(argtypes)` of the FROM SQL and TO SQL functions.
    pub from_sql: Option<String>,
    pub to_sql: Option<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Transform {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Transform {
            oid: r.col("oid")?,
            type_name: r.col("type_name")?,
            language: r.col("language")?,
            from_sql: r.col("from_sql")?,
            to_sql: r.col("to_sql")?,
            comment: r.col("comment")?,
        })
    }
}

/// A subscription of this database (`pg_subscription`). Only `oid`,
/// `name` and `readable` are known when the role may not read its
/// connection string (`readable` false): pg_dump skips it then.
#[derive(Debug, Clone, Default)]
#[allow(missing_docs)]
pub struct Subscription {
    pub oid: Oid,
    pub name: String,
    pub readable: bool,
    pub quoted: String,
    pub owner: String,
    pub conninfo: String,
    pub slot_name: Option<String>,
    pub synchronous_commit: String,
    /// Publication names, quoted.
    pub publications: Vec<String>,
    pub binary: bool,
    /// `substream`: `f`, `t` or `p` (15's boolean as `f`/`t`).
    pub stream: char,
    /// `subtwophasestate`: `d` disabled, else enabled.
    pub two_phase: char,
    pub disable_on_error: bool,
    /// 16+; true before.
    pub password_required: bool,
    /// 16+.
    pub run_as_owner: bool,
    /// 17+.
    pub failover: bool,
    /// 16+: `any` or `none`.
    pub origin: String,
    pub comment: Option<String>,
}

fn flag(r: &Row, name: &str) -> Result<Option<bool>> {
    Ok(r.col::<_, Option<String>>(name)?.map(|v| v == "true"))
}

impl Subscription {
    /// From a subscriptions.sql row.
    pub fn listed(r: &Row) -> Result<Self> {
        Ok(Subscription {
            oid: r.col("oid")?,
            name: r.col("name")?,
            readable: r.col("readable")?,
            ..Default::default()
        })
    }

    /// From a subscription_details.sql row.
    pub fn detailed(r: &Row) -> Result<Self> {
        let stream: Option<String> = r.col("stream")?;
        Ok(Subscription {
            oid: r.col("oid")?,
            name: r.col("name")?,
            readable: true,
            quoted: r.col("quoted")?,
            owner: r.col("owner")?,
            conninfo: r.col("conninfo")?,
            slot_name: r.col("slot_name")?,
            synchronous_commit: r.col("synchronous_commit")?,
            publications: r.col("publications")?,
            binary: flag(r, "binary")?.unwrap_or(false),
            stream: match stream.as_deref() {
                Some("true") => 't',
                Some(s) => s.chars().next().unwrap_or('f'),
                None => 'f',
            },
            two_phase: r
                .col::<_, Option<String>>("two_phase")?
                .and_then(|s| s.chars().next())
                .unwrap_or('d'),
            disable_on_error: flag(r, "disable_on_error")?.unwrap_or(false),
            password_required: flag(r, "password_required")?.unwrap_or(true),
            run_as_owner: flag(r, "run_as_owner")?.unwrap_or(false),
            failover: flag(r, "failover")?.unwrap_or(false),
            origin: r
                .col::<_, Option<String>>("origin")?
                .unwrap_or_else(|| "any".into()),
            comment: r.col("comment")?,
        })
    }
}

/// A security label (`pg_seclabel`) with how SECURITY LABEL names its
/// object.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct SecLabel {
    /// The object's catalog OID and name.
    pub class: Oid,
    pub catalog: String,
    pub oid: Oid,
    pub subid: i32,
    pub provider: String,
    pub label: String,
    /// `pg_identify_object`'s type (`table`, `table column`, ...).
    pub object_type: String,
    pub schema: Option<String>,
    /// `pg_identify_object`'s identity: quoted, schema-qualified.
    pub identity: String,
}

impl TryFrom<&Row> for SecLabel {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(SecLabel {
            class: r.col("class")?,
            catalog: r.col("catalog")?,
            oid: r.col("oid")?,
            subid: r.col("subid")?,
            provider: r.col("provider")?,
            label: r.col("label")?,
            object_type: r.col("object_type")?,
            schema: r.col("schema")?,
            identity: r.col("identity")?,
        })
    }
}

/// Every kind of this module.
#[derive(Debug, Default)]
#[allow(missing_docs)]
pub struct Schemaless {
    pub access_methods: Vec<AccessMethod>,
    pub transforms: Vec<Transform>,
    pub subscriptions: Vec<Subscription>,
    pub seclabels: Vec<SecLabel>,
}
