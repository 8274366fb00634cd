//! The source database's catalogs, read in one batched query per object
//! kind (the number of queries does not grow with the number of tables),
//! inside the dump snapshot.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use futures_util::future::try_join_all;

use tokio_postgres::{Client, Row};

use crate::error::{Error, Result};

mod acl;
mod inventory;
mod schemaless;
mod standalone;

pub use acl::{DefaultAcl, ObjectAcl};
pub use inventory::InventoryRow;
pub use schemaless::{AccessMethod, Schemaless, SecLabel, Subscription, Transform};

pub use standalone::{
    Conversion, ForeignDataWrapper, ForeignServer, ForeignTable, Language, OpClass, OpFamily,
    Standalone, TsConfig, TsDict, TsParser, TsTemplate, UserMapping,
};

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
    pub schema: String,
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
    pub oid: Oid,
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
    pub arguments: String,
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
    pub kind: char,
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

    /// Reads every catalog pgark dumps. Must run inside the snapshot.
    pub async fn load(client: &Client) -> Result<Catalog> {
        Self::load_on(&[client]).await
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
        let details = if subscriptions.iter().any(|r| r.get::<_, bool>("readable")) {
            cat.queries += 1;
            let details = [SUBSCRIPTION_DETAILS];
            run_queries(&clients[..1], &details)
                .await?
                .pop()
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        cat.inventory = inventory.iter().map(InventoryRow::from).collect();
        cat.schemaless = Schemaless {
            access_methods: access_methods.iter().map(AccessMethod::from).collect(),
            transforms: transforms.iter().map(Transform::from).collect(),
            seclabels: seclabels.iter().map(SecLabel::from).collect(),
            subscriptions: if details.is_empty() {
                subscriptions.iter().map(Subscription::listed).collect()
            } else {
                details.iter().map(Subscription::detailed).collect()
            },
        };
        cat.standalone = Standalone::fill(&more);
        cat.acls = acls
            .iter()
            .map(ObjectAcl::from)
            .filter(|a| a.acl != a.base)
            .collect();
        cat.default_acls = default_acls.iter().map(DefaultAcl::from).collect();
        cat.casts = casts
            .iter()
            .map(|r| Cast {
                oid: r.get(0),
                source: r.get(1),
                target: r.get(2),
                method: ch(r.get(3)),
                context: ch(r.get(4)),
                function: r.get(5),
                comment: r.get(6),
            })
            .collect();
        cat.operators = operators
            .iter()
            .map(|r| Operator {
                oid: r.get(0),
                schema: r.get(1),
                name: r.get(2),
                schema_quoted: r.get(3),
                owner: r.get(4),
                kind: ch(r.get(5)),
                function: proc_name(r.get(6)),
                left: r.get(7),
                right: r.get(8),
                commutator: r.get(9),
                negator: r.get(10),
                merges: r.get(11),
                hashes: r.get(12),
                restrict: r.get::<_, Option<String>>(13).map(proc_name),
                join: r.get::<_, Option<String>>(14).map(proc_name),
                comment: r.get(15),
            })
            .collect();
        cat.collations = collations
            .iter()
            .map(|r| Collation {
                oid: r.get(0),
                schema: r.get(1),
                name: r.get(2),
                qualified: r.get(3),
                owner: r.get(4),
                provider: ch(r.get(5)),
                deterministic: r.get(6),
                collate: r.get(7),
                ctype: r.get(8),
                locale: r.get(9),
                icu_rules: r.get(10),
                comment: r.get(11),
            })
            .collect();
        cat.policies = policies
            .iter()
            .map(|r| Policy {
                oid: r.get(0),
                table: r.get(1),
                name: r.get(2),
                quoted: r.get(3),
                command: ch(r.get(4)),
                permissive: r.get(5),
                roles: r.get(6),
                using: r.get(7),
                with_check: r.get(8),
                comment: r.get(9),
            })
            .collect();
        cat.statistics = statistics
            .iter()
            .map(|r| Statistics {
                oid: r.get(0),
                table: r.get(1),
                schema: r.get(2),
                name: r.get(3),
                qualified: r.get(4),
                owner: r.get(5),
                definition: r.get(6),
                stattarget: r.get(7),
                comment: r.get(8),
            })
            .collect();
        cat.event_triggers = event_triggers
            .iter()
            .map(|r| EventTrigger {
                oid: r.get(0),
                name: r.get(1),
                quoted: r.get(2),
                event: r.get(3),
                owner: r.get(4),
                tags: r.get(5),
                function: r.get(6),
                enabled: ch(r.get(7)),
                comment: r.get(8),
            })
            .collect();
        cat.publications = publications
            .iter()
            .map(|r| Publication {
                oid: r.get(0),
                name: r.get(1),
                quoted: r.get(2),
                owner: r.get(3),
                all_tables: r.get(4),
                insert: r.get(5),
                update: r.get(6),
                delete: r.get(7),
                truncate: r.get(8),
                via_root: r.get(9),
                gencols: r.get(10),
                comment: r.get(11),
            })
            .collect();
        cat.publication_members = members
            .iter()
            .map(|r| PublicationMember {
                oid: r.get(0),
                publication: r.get(1),
                table: r.get(2),
                schema: r.get(3),
                columns: r.get(4),
                filter: r.get(5),
            })
            .collect();
        cat.aggregates = aggregates
            .iter()
            .map(|r| Aggregate {
                oid: r.get(0),
                schema: r.get(1),
                name: r.get(2),
                qualified: r.get(3),
                owner: r.get(4),
                arguments: r.get(5),
                identity_args: r.get(6),
                arg_types: r.get::<_, Option<String>>(7).unwrap_or_default(),
                kind: ch(r.get(8)),
                transfn: r.get(9),
                transtype: r.get(10),
                transspace: r.get(11),
                initval: r.get(12),
                finalfn: r.get(13),
                finalextra: r.get(14),
                finalmodify: ch(r.get(15)),
                combinefn: r.get(16),
                serialfn: r.get(17),
                deserialfn: r.get(18),
                mtransfn: r.get(19),
                minvtransfn: r.get(20),
                mtranstype: r.get(21),
                mtransspace: r.get(22),
                minitval: r.get(23),
                mfinalfn: r.get(24),
                mfinalextra: r.get(25),
                mfinalmodify: ch(r.get(26)),
                sortop: r.get(27),
                parallel: ch(r.get(28)),
                comment: r.get(29),
                sort_args: r.get::<_, Option<Vec<String>>>(30).unwrap_or_default(),
            })
            .collect();
        cat.ext_config = ext_config
            .iter()
            .map(|r| ExtConfig {
                oid: r.get(0),
                kind: ch(r.get(1)),
                schema: r.get(2),
                name: r.get(3),
                qualified: r.get(4),
                extension: r.get(5),
                condition: r.get::<_, Option<String>>(6).unwrap_or_default(),
                columns: r.get::<_, Option<String>>(7).unwrap_or_default(),
                references: r.get(8),
                owner: r.get(9),
                last_value: r.get(10),
                start: r.get(11),
            })
            .collect();
        cat.rules = rules
            .iter()
            .map(|r| Rule {
                oid: r.get(0),
                table: r.get(1),
                name: r.get(2),
                quoted: r.get(3),
                definition: r.get(4),
                enabled: ch(r.get(5)),
                comment: r.get(6),
            })
            .collect();

        cat.schemas = schemas
            .iter()
            .map(|r| Schema {
                oid: r.get(0),
                name: r.get(1),
                quoted: r.get(2),
                owner: r.get(3),
                comment: r.get(4),
            })
            .collect();
        cat.extensions = extensions
            .iter()
            .map(|r| Extension {
                oid: r.get(0),
                name: r.get(1),
                quoted: r.get(2),
                schema: r.get(3),
                schema_quoted: r.get(4),
                version: r.get(5),
                comment: r.get(6),
            })
            .collect();
        let mut by_oid: HashMap<Oid, usize> = HashMap::new();
        for r in &relations {
            by_oid.insert(r.get(0), cat.relations.len());
            cat.relations.push(relation(r));
        }
        let mut composite: HashMap<Oid, Vec<Column>> = HashMap::new();
        for r in &columns {
            let rel: Oid = r.get(0);
            match by_oid.get(&rel) {
                Some(&i) => cat.relations[i].columns.push(column(r)),
                None => composite.entry(rel).or_default().push(column(r)),
            }
        }
        cat.types = types
            .iter()
            .map(|r| {
                let relid: Oid = r.get(13);
                UserType {
                    oid: r.get(0),
                    kind: ch(r.get(1)),
                    schema: r.get(2),
                    name: r.get(3),
                    qualified: r.get(4),
                    owner: r.get(5),
                    comment: r.get(6),
                    labels: r.get::<_, Option<Vec<String>>>(7).unwrap_or_default(),
                    domain_base: r.get(8),
                    not_null: r.get(9),
                    default: r.get(10),
                    collation: r.get(11),
                    checks: r.get(12),
                    relid,
                    attributes: composite.remove(&relid).unwrap_or_default(),
                    range_subtype: r.get(14),
                    multirange: r.get(15),
                    subtype_diff: r.get(16),
                    subtype_opclass: r.get(17),
                    range_collation: r.get(18),
                    canonical: r.get(19),
                    base: BaseType {
                        length: r.get(20),
                        input: r.get(21),
                        output: r.get(22),
                        receive: r.get(23),
                        send: r.get(24),
                        typmod_in: r.get(25),
                        typmod_out: r.get(26),
                        analyze: r.get(27),
                        collatable: r.get(28),
                        subscript: r.get(29),
                        element: r.get(30),
                        category: r.get(31),
                        preferred: r.get(32),
                        delimiter: r.get(33),
                        by_value: r.get(34),
                        align: r.get(35),
                        storage: r.get(36),
                    },
                }
            })
            .collect();
        for r in &sequences {
            let oid: Oid = r.get(0);
            let owner: Option<Oid> = r.get(8);
            let col: Option<String> = r.get(9);
            let deptype: Option<String> = r.get(10);
            cat.sequences.insert(
                oid,
                Sequence {
                    oid,
                    type_name: r.get(1),
                    start: r.get(2),
                    increment: r.get(3),
                    min: r.get(4),
                    max: r.get(5),
                    cache: r.get(6),
                    cycle: r.get(7),
                    owner_column: owner.zip(col),
                    identity: deptype.as_deref() == Some("i"),
                    last_value: r.get(11),
                    identity_persistence: r.get(12),
                },
            );
        }
        let domains: HashSet<Oid> = cat
            .types
            .iter()
            .filter(|t| t.kind == 'd')
            .map(|t| t.oid)
            .collect();
        for c in constraints.iter().map(constraint) {
            if by_oid.contains_key(&c.table) {
                cat.constraints.push(c);
            } else if domains.contains(&c.domain) {
                cat.domain_constraints.push(c);
            }
        }
        cat.indexes = indexes
            .iter()
            .map(|r| Index {
                oid: r.get(0),
                table: r.get(1),
                name: r.get(2),
                definition: r.get(3),
                comment: r.get(4),
                clustered: r.get(5),
                kind: ch(r.get(6)),
                quoted: r.get(7),
                parent_index: r.get(8),
                replica_identity: r.get(9),
                stattargets: r
                    .get::<_, Vec<i32>>(10)
                    .into_iter()
                    .zip(r.get::<_, Vec<i32>>(11))
                    .collect(),
                tablespace: r.get(12),
            })
            .filter(|i| by_oid.contains_key(&i.table))
            .collect();
        cat.functions = functions
            .iter()
            .map(|r| Function {
                oid: r.get(0),
                kind: ch(r.get(1)),
                schema: r.get(2),
                name: r.get(3),
                qualified: r.get(4),
                identity_args: r.get(5),
                arg_types: r.get::<_, Option<String>>(6).unwrap_or_default(),
                definition: r.get(7),
                owner: r.get(8),
                comment: r.get(9),
                sort_args: r.get::<_, Option<Vec<String>>>(10).unwrap_or_default(),
            })
            .collect();
        cat.triggers = triggers
            .iter()
            .map(|r| Trigger {
                oid: r.get(0),
                table: r.get(1),
                name: r.get(2),
                quoted: r.get(3),
                definition: r.get(4),
                enabled: ch(r.get(5)),
                comment: r.get(6),
                parent: r.get(7),
            })
            .filter(|t| by_oid.contains_key(&t.table))
            .collect();
        cat.large_objects = large_objects
            .iter()
            .map(|r| LargeObject {
                oid: r.get(0),
                owner: r.get(1),
                comment: r.get(2),
                owner_oid: r.get(3),
                acl: r.get(4),
            })
            .collect();
        cat.depends = depends
            .iter()
            .map(|r| Depend {
                class: r.get(0),
                oid: r.get(1),
                ref_class: r.get(2),
                ref_oid: r.get(3),
                kind: ch(r.get(4)),
            })
            .collect();
        Ok(cat)
    }
}

fn constraint(r: &Row) -> Constraint {
    Constraint {
        oid: r.get(0),
        table: r.get(1),
        domain: r.get(14),
        name: r.get(2),
        quoted: r.get(3),
        kind: ch(r.get(4)),
        definition: r.get(5),
        validated: r.get(6),
        is_local: r.get(7),
        index: r.get(8),
        comment: r.get(9),
        parent_index: r.get(10),
        clustered: r.get(11),
        replica_identity: r.get(12),
        index_comment: r.get(13),
        no_inherit: r.get(15),
        column: r.get(16),
        index_tablespace: r.get(17),
    }
}

fn relation(r: &Row) -> Relation {
    Relation {
        oid: r.get(0),
        kind: ch(r.get(1)),
        schema: r.get(2),
        schema_quoted: r.get(17),
        name: r.get(3),
        qualified: r.get(4),
        owner: r.get(5),
        persistence: ch(r.get(6)),
        reloptions: r.get::<_, Option<String>>(7).filter(|s| !s.is_empty()),
        access_method: r.get(8),
        tablespace: r.get(9),
        comment: r.get(10),
        view_def: r.get(11),
        populated: r.get(12),
        row_security: r.get(13),
        force_row_security: r.get(14),
        replica_identity: ch(r.get(15)),
        is_partition: r.get(16),
        partition_bound: r.get(18),
        partition_key: r.get(19),
        parents: r.get(20),
        toast_reloptions: r.get(21),
        of_type: r.get(22),
        hashes_enum: r.get(23),
        return_rule: r.get(24),
        columns: Vec::new(),
    }
}

fn column(r: &Row) -> Column {
    let def_oid: Option<Oid> = r.get(6);
    let def_expr: Option<String> = r.get(7);
    Column {
        num: r.get(1),
        name: r.get(2),
        quoted: r.get(3),
        type_name: r.get(4),
        not_null: r.get(5),
        default: def_oid.zip(def_expr),
        identity: r.get(8),
        generated: r.get(9),
        collation: r.get(10),
        comment: r.get(11),
        is_local: r.get(12),
        stattarget: r.get(13),
        storage: r.get(14),
        inherited_not_null: r.get(15),
        compression: r.get(16),
        options: r.get(17),
    }
}
