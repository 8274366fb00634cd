//! The source database's catalogs, read in one batched query per object
//! kind (the number of queries does not grow with the number of tables),
//! inside the dump snapshot.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::try_join_all;

use tokio_postgres::{Client, Row};

use crate::db::row::RowExt;
use crate::error::{Error, Result};

mod acl;
mod inventory;
mod schemaless;
mod standalone;

pub use acl::{DefaultAcl, ObjectAcl};
pub use inventory::InventoryRow;
pub use schemaless::{AccessMethod, Schemaless, SecLabel, Subscription, Transform};

pub use standalone::Standalone;

/// OIDs as tokio-postgres returns them.
pub type Oid = u32;

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

/// A column of a relation.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Column {
    pub num: i32,
    pub name: String,
    pub quoted: String,
    pub type_name: String,
    pub not_null: bool,
    /// `pg_attrdef` OID and expression of the default.
    pub default: Option<(Oid, String)>,
    /// `a` (ALWAYS), `d` (BY DEFAULT) or empty.
    pub identity: String,
    /// `s` (stored) or empty (`v` for virtual in 18).
    pub generated: String,
    pub collation: Option<String>,
    pub comment: Option<String>,
    pub is_local: bool,
    pub stattarget: Option<i32>,
    pub storage: Option<String>,
    /// A parent has NOT NULL on this column.
    pub inherited_not_null: bool,
    /// `attcompression` when set: `p` (pglz) or `l` (lz4).
    pub compression: Option<String>,
    /// `attoptions` as `n_distinct=10, ...`.
    pub options: Option<String>,
}

/// A table, view, materialized view, sequence or foreign table (`pg_class`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Relation {
    pub oid: Oid,
    pub kind: char,
    pub schema: String,
    pub schema_quoted: String,
    pub name: String,
    /// `"schema"."name"`, quoted as needed.
    pub qualified: String,
    pub owner: String,
    pub persistence: char,
    pub reloptions: Option<String>,
    /// The TOAST table's reloptions, each prefixed with `toast.`.
    pub toast_reloptions: Option<String>,
    /// The type of a typed table (`CREATE TABLE ... OF type`).
    pub of_type: Option<String>,
    pub access_method: Option<String>,
    pub tablespace: Option<String>,
    pub comment: Option<String>,
    pub view_def: Option<String>,
    pub populated: bool,
    pub row_security: bool,
    pub force_row_security: bool,
    pub replica_identity: char,
    pub is_partition: bool,
    /// The partition bound (`FOR VALUES ...`, `DEFAULT`) of a partition.
    pub partition_bound: Option<String>,
    /// The partition key (`RANGE (at)`) of a partitioned table.
    pub partition_key: Option<String>,
    /// Parents (inheritance, or the partitioned table), in order.
    pub parents: Vec<Oid>,
    /// A partitioned table hashing an enum (`hash enum_ops` in its key):
    /// enum OIDs change on restore, so its partitions' rows are loaded
    /// through the root (pg_dump's `unsafe_partitions`).
    pub hashes_enum: bool,
    /// A view's or materialized view's `_RETURN` rule.
    pub return_rule: Option<Oid>,
    pub columns: Vec<Column>,
}

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

/// Sequence options and state.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Sequence {
    pub type_name: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The owning table and column (OWNED BY, or the identity column).
    pub owner_column: Option<(Oid, String)>,
    /// True for identity sequences.
    pub identity: bool,
    /// `None` when nextval was never called.
    pub last_value: Option<i64>,
    /// The server takes LOGGED / UNLOGGED among an identity's sequence
    /// options.
    pub identity_persistence: bool,
}

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

/// A function or procedure.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Function {
    pub oid: Oid,
    pub kind: char,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub identity_args: String,
    /// Argument types only, as pg_dump tags functions: `add(integer, integer)`.
    pub arg_types: String,
    pub definition: String,
    pub owner: String,
    pub comment: Option<String>,
    /// Each argument type as schema, U+0001, name (pg_dump's sort
    /// tie-breaker `pgTypeNameCompare`).
    pub sort_args: Vec<String>,
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

/// An aggregate (`pg_aggregate` with its `pg_proc` row).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Aggregate {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    pub identity_args: String,
    pub arg_types: String,
    pub kind: char,
    pub transfn: String,
    pub transtype: String,
    pub transspace: i32,
    pub initval: Option<String>,
    pub finalfn: Option<String>,
    pub finalextra: bool,
    pub finalmodify: char,
    pub combinefn: Option<String>,
    pub serialfn: Option<String>,
    pub deserialfn: Option<String>,
    pub mtransfn: Option<String>,
    pub minvtransfn: Option<String>,
    pub mtranstype: Option<String>,
    pub mtransspace: i32,
    pub minitval: Option<String>,
    pub mfinalfn: Option<String>,
    pub mfinalextra: bool,
    pub mfinalmodify: char,
    pub sortop: Option<String>,
    pub parallel: char,
    pub comment: Option<String>,
    /// Each argument type as schema, U+0001, name (pg_dump's sort
    /// tie-breaker `pgTypeNameCompare`).
    pub sort_args: Vec<String>,
}

/// A cast.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Cast {
    pub oid: Oid,
    pub source: String,
    pub target: String,
    pub method: char,
    pub context: char,
    /// `schema.name(argtypes)` of the cast function.
    pub function: Option<String>,
    pub comment: Option<String>,
}

/// An operator.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Operator {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub schema_quoted: String,
    pub owner: String,
    pub function: String,
    pub left: Option<String>,
    pub right: Option<String>,
    pub commutator: Option<String>,
    pub negator: Option<String>,
    pub merges: bool,
    pub hashes: bool,
    pub restrict: Option<String>,
    pub join: Option<String>,
    pub comment: Option<String>,
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

/// Everything pgark dumps, as read from the catalogs.
#[derive(Debug, Default)]
#[allow(missing_docs)]
pub struct Catalog {
    pub schemas: Vec<Schema>,
    pub extensions: Vec<Extension>,
    pub relations: Vec<Relation>,
    pub sequences: HashMap<Oid, Sequence>,
    /// Constraints of dumped tables.
    pub constraints: Vec<Constraint>,
    /// Constraints of dumped domains.
    pub domain_constraints: Vec<Constraint>,
    pub indexes: Vec<Index>,
    pub functions: Vec<Function>,
    pub triggers: Vec<Trigger>,
    pub large_objects: Vec<LargeObject>,
    pub types: Vec<UserType>,
    pub depends: Vec<Depend>,
    pub ext_config: Vec<ExtConfig>,
    pub rules: Vec<Rule>,
    pub collations: Vec<Collation>,
    pub policies: Vec<Policy>,
    pub statistics: Vec<Statistics>,
    pub event_triggers: Vec<EventTrigger>,
    pub publications: Vec<Publication>,
    pub publication_members: Vec<PublicationMember>,
    pub aggregates: Vec<Aggregate>,
    pub casts: Vec<Cast>,
    pub operators: Vec<Operator>,
    /// Text search objects, conversions, operator classes, foreign data,
    /// languages.
    pub standalone: Standalone,
    /// Non-null object and column ACLs with their base ACLs.
    pub acls: Vec<ObjectAcl>,
    /// Default privileges.
    pub default_acls: Vec<DefaultAcl>,
    /// Access methods, transforms, subscriptions, security labels.
    pub schemaless: Schemaless,
    /// Every user object with its kind, for the unknown-object check.
    pub inventory: Vec<InventoryRow>,
    /// Number of catalog queries run (for the batching test).
    pub queries: usize,
}

/// A catalog query: its name (for errors) and its SQL.
type Query = (&'static str, &'static str);

/// Every catalog query, the slowest first (they are handed out in this
/// order); [`Catalog::load_on`] takes the results in the same order.
const QUERIES: [Query; 41] = {
    let s = standalone::QUERIES;
    [
        ("columns", include_str!("columns.sql")),
        ("indexes", include_str!("indexes.sql")),
        ("constraints", include_str!("constraints.sql")),
        ("relations", include_str!("relations.sql")),
        ("dependencies", include_str!("depends.sql")),
        ("sequences", include_str!("sequences.sql")),
        ("triggers", include_str!("triggers.sql")),
        ("privileges", include_str!("acls.sql")),
        ("schemas", include_str!("schemas.sql")),
        ("extensions", include_str!("extensions.sql")),
        ("functions", include_str!("functions.sql")),
        ("large objects", include_str!("large_objects.sql")),
        ("types", include_str!("types.sql")),
        ("extension configuration", include_str!("ext_config.sql")),
        ("rules", include_str!("rules.sql")),
        ("collations", include_str!("collations.sql")),
        ("policies", include_str!("policies.sql")),
        ("statistics", include_str!("statistics.sql")),
        ("event triggers", include_str!("event_triggers.sql")),
        ("publications", include_str!("publications.sql")),
        (
            "publication members",
            include_str!("publication_members.sql"),
        ),
        ("aggregates", include_str!("aggregates.sql")),
        ("casts", include_str!("casts.sql")),
        ("operators", include_str!("operators.sql")),
        ("default privileges", include_str!("default_acls.sql")),
        ("access methods", include_str!("access_methods.sql")),
        ("transforms", include_str!("transforms.sql")),
        ("security labels", include_str!("seclabels.sql")),
        ("subscriptions", include_str!("subscriptions.sql")),
        ("inventory", include_str!("inventory.sql")),
        s[0],
        s[1],
        s[2],
        s[3],
        s[4],
        s[5],
        s[6],
        s[7],
        s[8],
        s[9],
        s[10],
    ]
};

/// Subscriptions' details, read only when there are some this role may
/// read (pg_dump's getSubscriptions needs the same).
const SUBSCRIPTION_DETAILS: Query = (
    "subscription details",
    include_str!("subscription_details.sql"),
);

/// Runs `queries` on `clients` concurrently, each client taking the next
/// query as soon as it is free; the results in the order of `queries`.
async fn run_queries(clients: &[&Client], queries: &[Query]) -> Result<Vec<Vec<Row>>> {
    let next = AtomicUsize::new(0);
    let workers = clients.iter().map(|client| {
        let next = &next;
        async move {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(name, sql)) = queries.get(i) else {
                    return Ok::<_, Error>(done);
                };
                let rows = client
                    .query(sql, &[])
                    .await
                    .map_err(|e| Error::query(&format!("reading the catalog ({name})"), &e))?;
                done.push((i, rows));
            }
        }
    });
    let mut results: Vec<Vec<Row>> = (0..queries.len()).map(|_| Vec::new()).collect();
    for (i, rows) in try_join_all(workers).await?.into_iter().flatten() {
        results[i] = rows;
    }
    Ok(results)
}

fn ch(s: String) -> char {
    s.chars().next().unwrap_or('\0')
}

/// A `regprocedure`'s name without its argument list (quoted names may hold
/// parentheses), as pg_dump's convertRegProcReference makes it.
fn proc_name(proc: String) -> String {
    let mut quoted = false;
    for (i, c) in proc.char_indices() {
        match c {
            '(' if !quoted => return proc[..i].to_owned(),
            '"' => quoted = !quoted,
            _ => {}
        }
    }
    proc
}

impl Catalog {
    /// The table of every column default (`pg_attrdef` OID → table OID).
    pub fn attrdef_tables(&self) -> HashMap<Oid, Oid> {
        self.relations
            .iter()
            .flat_map(|r| {
                r.columns
                    .iter()
                    .filter_map(move |c| c.default.as_ref().map(|d| (d.0, r.oid)))
            })
            .collect()
    }

    /// Reads every catalog pgark dumps, the queries spread over `clients`,
    /// which must all be in the same snapshot: each server backend works
    /// on its own query, so the catalog is read on as many cores.
    pub async fn load_on(clients: &[&Client]) -> Result<Catalog> {
        let mut cat = Catalog::default();
        let mut rows = run_queries(clients, &QUERIES).await?.into_iter();
        let mut next = || rows.next().unwrap_or_default();
        let [columns, indexes, constraints, relations, depends, sequences, triggers, acls] =
            [(); 8].map(|_| next());
        let [schemas, extensions, functions, large_objects, types, ext_config, rules] =
            [(); 7].map(|_| next());
        let [collations, policies, statistics, event_triggers, publications, members] =
            [(); 6].map(|_| next());
        let [aggregates, casts, operators, default_acls] = [(); 4].map(|_| next());
        let [access_methods, transforms, seclabels, subscriptions, inventory] =
            [(); 5].map(|_| next());
        let more: [Vec<Row>; 11] = [(); 11].map(|_| next());
        cat.queries = QUERIES.len();
        // Subscriptions' details only when there are some this role may
        // read (pg_dump's getSubscriptions needs the same).
        let readable = subscriptions
            .iter()
            .map(|r| r.col::<_, bool>("readable"))
            .collect::<Result<Vec<_>>>()?;
        let details = if readable.contains(&true) {
            cat.queries += 1;
            let details = [SUBSCRIPTION_DETAILS];
            run_queries(&clients[..1], &details)
                .await?
                .pop()
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        cat.inventory = inventory
            .iter()
            .map(InventoryRow::try_from)
            .collect::<Result<_>>()?;
        cat.schemaless = Schemaless {
            access_methods: access_methods
                .iter()
                .map(AccessMethod::try_from)
                .collect::<Result<_>>()?,
            transforms: transforms
                .iter()
                .map(Transform::try_from)
                .collect::<Result<_>>()?,
            seclabels: seclabels
                .iter()
                .map(SecLabel::try_from)
                .collect::<Result<_>>()?,
            subscriptions: if details.is_empty() {
                subscriptions
                    .iter()
                    .map(Subscription::listed)
                    .collect::<Result<_>>()?
            } else {
                details
                    .iter()
                    .map(Subscription::detailed)
                    .collect::<Result<_>>()?
            },
        };
        cat.standalone = Standalone::fill(&more)?;
        cat.acls = acls
            .iter()
            .map(ObjectAcl::try_from)
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|a| a.acl != a.base)
            .collect();
        cat.default_acls = default_acls
            .iter()
            .map(DefaultAcl::try_from)
            .collect::<Result<_>>()?;
        cat.casts = casts
            .iter()
            .map(|r| {
                Ok(Cast {
                    oid: r.col(0)?,
                    source: r.col(1)?,
                    target: r.col(2)?,
                    method: ch(r.col(3)?),
                    context: ch(r.col(4)?),
                    function: r.col(5)?,
                    comment: r.col(6)?,
                })
            })
            .collect::<Result<_>>()?;
        cat.operators = operators
            .iter()
            .map(|r| {
                Ok(Operator {
                    oid: r.col(0)?,
                    schema: r.col(1)?,
                    name: r.col(2)?,
                    schema_quoted: r.col(3)?,
                    owner: r.col(4)?,
                    function: proc_name(r.col(6)?),
                    left: r.col(7)?,
                    right: r.col(8)?,
                    commutator: r.col(9)?,
                    negator: r.col(10)?,
                    merges: r.col(11)?,
                    hashes: r.col(12)?,
                    restrict: r.col::<_, Option<String>>(13)?.map(proc_name),
                    join: r.col::<_, Option<String>>(14)?.map(proc_name),
                    comment: r.col(15)?,
                })
            })
            .collect::<Result<_>>()?;
        cat.collations = collations
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<_>>()?;
        cat.policies = policies
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<_>>()?;
        cat.statistics = statistics
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<_>>()?;
        cat.event_triggers = event_triggers
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<_>>()?;
        cat.publications = publications
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<_>>()?;
        cat.publication_members = members
            .iter()
            .map(|r| {
                Ok(PublicationMember {
                    oid: r.col(0)?,
                    publication: r.col(1)?,
                    table: r.col(2)?,
                    schema: r.col(3)?,
                    columns: r.col(4)?,
                    filter: r.col(5)?,
                })
            })
            .collect::<Result<_>>()?;
        cat.aggregates = aggregates
            .iter()
            .map(|r| {
                Ok(Aggregate {
                    oid: r.col(0)?,
                    schema: r.col(1)?,
                    name: r.col(2)?,
                    qualified: r.col(3)?,
                    owner: r.col(4)?,
                    identity_args: r.col(6)?,
                    arg_types: r.col::<_, Option<String>>(7)?.unwrap_or_default(),
                    kind: ch(r.col(8)?),
                    transfn: r.col(9)?,
                    transtype: r.col(10)?,
                    transspace: r.col(11)?,
                    initval: r.col(12)?,
                    finalfn: r.col(13)?,
                    finalextra: r.col(14)?,
                    finalmodify: ch(r.col(15)?),
                    combinefn: r.col(16)?,
                    serialfn: r.col(17)?,
                    deserialfn: r.col(18)?,
                    mtransfn: r.col(19)?,
                    minvtransfn: r.col(20)?,
                    mtranstype: r.col(21)?,
                    mtransspace: r.col(22)?,
                    minitval: r.col(23)?,
                    mfinalfn: r.col(24)?,
                    mfinalextra: r.col(25)?,
                    mfinalmodify: ch(r.col(26)?),
                    sortop: r.col(27)?,
                    parallel: ch(r.col(28)?),
                    comment: r.col(29)?,
                    sort_args: r.col::<_, Option<Vec<String>>>(30)?.unwrap_or_default(),
                })
            })
            .collect::<Result<_>>()?;
        cat.ext_config = ext_config
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<_>>()?;
        cat.rules = rules
            .iter()
            .map(|r| {
                Ok(Rule {
                    oid: r.col(0)?,
                    table: r.col(1)?,
                    name: r.col(2)?,
                    quoted: r.col(3)?,
                    definition: r.col(4)?,
                    enabled: ch(r.col(5)?),
                    comment: r.col(6)?,
                })
            })
            .collect::<Result<_>>()?;

        cat.schemas = schemas
            .iter()
            .map(|r| {
                Ok(Schema {
                    oid: r.col(0)?,
                    name: r.col(1)?,
                    quoted: r.col(2)?,
                    owner: r.col(3)?,
                    comment: r.col(4)?,
                })
            })
            .collect::<Result<_>>()?;
        cat.extensions = extensions
            .iter()
            .map(|r| {
                Ok(Extension {
                    oid: r.col(0)?,
                    name: r.col(1)?,
                    quoted: r.col(2)?,
                    schema_quoted: r.col(4)?,
                    version: r.col(5)?,
                    comment: r.col(6)?,
                })
            })
            .collect::<Result<_>>()?;
        let mut by_oid: HashMap<Oid, usize> = HashMap::new();
        for r in &relations {
            by_oid.insert(r.col(0)?, cat.relations.len());
            cat.relations.push(relation(r)?);
        }
        let mut composite: HashMap<Oid, Vec<Column>> = HashMap::new();
        for r in &columns {
            let rel: Oid = r.col(0)?;
            match by_oid.get(&rel) {
                Some(&i) => cat.relations[i].columns.push(column(r)?),
                None => composite.entry(rel).or_default().push(column(r)?),
            }
        }
        cat.types = types
            .iter()
            .map(|r| {
                let relid: Oid = r.col(13)?;
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
                    relid,
                    attributes: composite.remove(&relid).unwrap_or_default(),
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
            })
            .collect::<Result<_>>()?;
        for r in &sequences {
            let oid: Oid = r.col(0)?;
            let owner: Option<Oid> = r.col(8)?;
            let col: Option<String> = r.col(9)?;
            let deptype: Option<String> = r.col(10)?;
            cat.sequences.insert(
                oid,
                Sequence {
                    type_name: r.col(1)?,
                    start: r.col(2)?,
                    increment: r.col(3)?,
                    min: r.col(4)?,
                    max: r.col(5)?,
                    cache: r.col(6)?,
                    cycle: r.col(7)?,
                    owner_column: owner.zip(col),
                    identity: deptype.as_deref() == Some("i"),
                    last_value: r.col(11)?,
                    identity_persistence: r.col(12)?,
                },
            );
        }
        let domains: HashSet<Oid> = cat
            .types
            .iter()
            .filter(|t| t.kind == 'd')
            .map(|t| t.oid)
            .collect();
        for c in constraints
            .iter()
            .map(constraint)
            .collect::<Result<Vec<_>>>()?
        {
            if by_oid.contains_key(&c.table) {
                cat.constraints.push(c);
            } else if domains.contains(&c.domain) {
                cat.domain_constraints.push(c);
            }
        }
        cat.indexes = indexes
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|i| by_oid.contains_key(&i.table))
            .collect();
        cat.functions = functions
            .iter()
            .map(|r| {
                Ok(Function {
                    oid: r.col(0)?,
                    kind: ch(r.col(1)?),
                    schema: r.col(2)?,
                    name: r.col(3)?,
                    qualified: r.col(4)?,
                    identity_args: r.col(5)?,
                    arg_types: r.col::<_, Option<String>>(6)?.unwrap_or_default(),
                    definition: r.col(7)?,
                    owner: r.col(8)?,
                    comment: r.col(9)?,
                    sort_args: r.col::<_, Option<Vec<String>>>(10)?.unwrap_or_default(),
                })
            })
            .collect::<Result<_>>()?;
        cat.triggers = triggers
            .iter()
            .map(|r| {
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
            })
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .filter(|t| by_oid.contains_key(&t.table))
            .collect();
        cat.large_objects = large_objects
            .iter()
            .map(|r| {
                Ok(LargeObject {
                    oid: r.col(0)?,
                    owner: r.col(1)?,
                    comment: r.col(2)?,
                    owner_oid: r.col(3)?,
                    acl: r.col(4)?,
                })
            })
            .collect::<Result<_>>()?;
        cat.depends = depends
            .iter()
            .map(|r| {
                Ok(Depend {
                    class: r.col(0)?,
                    oid: r.col(1)?,
                    ref_class: r.col(2)?,
                    ref_oid: r.col(3)?,
                    kind: ch(r.col(4)?),
                })
            })
            .collect::<Result<_>>()?;
        Ok(cat)
    }
}

fn constraint(r: &Row) -> Result<Constraint> {
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

fn relation(r: &Row) -> Result<Relation> {
    Ok(Relation {
        oid: r.col(0)?,
        kind: ch(r.col(1)?),
        schema: r.col(2)?,
        schema_quoted: r.col(17)?,
        name: r.col(3)?,
        qualified: r.col(4)?,
        owner: r.col(5)?,
        persistence: ch(r.col(6)?),
        reloptions: r.col::<_, Option<String>>(7)?.filter(|s| !s.is_empty()),
        access_method: r.col(8)?,
        tablespace: r.col(9)?,
        comment: r.col(10)?,
        view_def: r.col(11)?,
        populated: r.col(12)?,
        row_security: r.col(13)?,
        force_row_security: r.col(14)?,
        replica_identity: ch(r.col(15)?),
        is_partition: r.col(16)?,
        partition_bound: r.col(18)?,
        partition_key: r.col(19)?,
        parents: r.col(20)?,
        toast_reloptions: r.col(21)?,
        of_type: r.col(22)?,
        hashes_enum: r.col(23)?,
        return_rule: r.col(24)?,
        columns: Vec::new(),
    })
}

fn column(r: &Row) -> Result<Column> {
    let def_oid: Option<Oid> = r.col(6)?;
    let def_expr: Option<String> = r.col(7)?;
    Ok(Column {
        num: r.col(1)?,
        name: r.col(2)?,
        quoted: r.col(3)?,
        type_name: r.col(4)?,
        not_null: r.col(5)?,
        default: def_oid.zip(def_expr),
        identity: r.col(8)?,
        generated: r.col(9)?,
        collation: r.col(10)?,
        comment: r.col(11)?,
        is_local: r.col(12)?,
        stattarget: r.col(13)?,
        storage: r.col(14)?,
        inherited_not_null: r.col(15)?,
        compression: r.col(16)?,
        options: r.col(17)?,
    })
}
