//! Objects outside any schema that pg_dump dumps on their own: access
//! methods, transforms and subscriptions; and the security labels of
//! every object. Read with named columns, in a fixed number of queries.

use tokio_postgres::Row;

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

impl From<&Row> for AccessMethod {
    fn from(r: &Row) -> Self {
        AccessMethod {
            oid: r.get("oid"),
            name: r.get("name"),
            quoted: r.get("quoted"),
            kind: super::ch(r.get("kind")),
            handler: r.get("handler"),
            comment: r.get("comment"),
        }
    }
}

/// A transform (`pg_transform`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Transform {
    pub oid: Oid,
    /// `format_type` of the type: `integer`.
    pub type_name: String,
    /// `typname` (`int4`): pg_dump sorts transforms by it.
    pub type_sort_name: String,
    /// The language, quoted.
    pub language: String,
    pub language_name: String,
    /// `schema.fn(argtypes)` of the FROM SQL and TO SQL functions.
    pub from_sql: Option<String>,
    pub to_sql: Option<String>,
    pub comment: Option<String>,
}

impl From<&Row> for Transform {
    fn from(r: &Row) -> Self {
        Transform {
            oid: r.get("oid"),
            type_name: r.get("type_name"),
            type_sort_name: r.get("type_sort_name"),
            language: r.get("language"),
            language_name: r.get("language_name"),
            from_sql: r.get("from_sql"),
            to_sql: r.get("to_sql"),
            comment: r.get("comment"),
        }
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

fn flag(r: &Row, name: &str) -> Option<bool> {
    r.get::<_, Option<String>>(name).map(|v| v == "true")
}

impl Subscription {
    /// From a subscriptions.sql row.
    pub fn listed(r: &Row) -> Self {
        Subscription {
            oid: r.get("oid"),
            name: r.get("name"),
            readable: r.get("readable"),
            ..Default::default()
        }
    }

    /// From a subscription_details.sql row.
    pub fn detailed(r: &Row) -> Self {
        let stream: Option<String> = r.get("stream");
        Subscription {
            oid: r.get("oid"),
            name: r.get("name"),
            readable: true,
            quoted: r.get("quoted"),
            owner: r.get("owner"),
            conninfo: r.get("conninfo"),
            slot_name: r.get("slot_name"),
            synchronous_commit: r.get("synchronous_commit"),
            publications: r.get("publications"),
            binary: flag(r, "binary").unwrap_or(false),
            stream: match stream.as_deref() {
                Some("true") => 't',
                Some(s) => s.chars().next().unwrap_or('f'),
                None => 'f',
            },
            two_phase: r
                .get::<_, Option<String>>("two_phase")
                .and_then(|s| s.chars().next())
                .unwrap_or('d'),
            disable_on_error: flag(r, "disable_on_error").unwrap_or(false),
            password_required: flag(r, "password_required").unwrap_or(true),
            run_as_owner: flag(r, "run_as_owner").unwrap_or(false),
            failover: flag(r, "failover").unwrap_or(false),
            origin: r
                .get::<_, Option<String>>("origin")
                .unwrap_or_else(|| "any".into()),
            comment: r.get("comment"),
        }
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

impl From<&Row> for SecLabel {
    fn from(r: &Row) -> Self {
        SecLabel {
            class: r.get("class"),
            catalog: r.get("catalog"),
            oid: r.get("oid"),
            subid: r.get("subid"),
            provider: r.get("provider"),
            label: r.get("label"),
            object_type: r.get("object_type"),
            schema: r.get("schema"),
            identity: r.get("identity"),
        }
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
