//! The dump's unit: one object with the TOC fields pg_dump gives it.

use archive_format::Section;

use crate::catalog::Oid;

/// Which catalog (or derived object) a key refers to.
#[allow(clippy::enum_variant_names)] // `OpClass` is the catalog's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Class {
    /// `pg_namespace`.
    Namespace,
    /// `pg_extension`.
    Extension,
    /// `pg_type` (user-defined types).
    Type,
    /// `pg_proc`.
    Proc,
    /// `pg_class`: tables, views, sequences, indexes.
    Relation,
    /// `pg_attrdef` (a column default dumped on its own).
    AttrDef,
    /// `pg_constraint`.
    Constraint,
    /// `pg_trigger`.
    Trigger,
    /// `pg_rewrite` (rules other than views' `_RETURN`).
    Rule,
    /// A large object.
    LargeObject,
    /// The data of a table (TABLE DATA).
    TableData,
    /// A sequence's value (SEQUENCE SET).
    SequenceSet,
    /// `pg_collation`.
    Collation,
    /// `pg_cast`.
    Cast,
    /// `pg_operator`.
    Operator,
    /// `pg_policy`.
    Policy,
    /// `pg_statistic_ext`.
    Statistics,
    /// `pg_event_trigger`.
    EventTrigger,
    /// `pg_publication`.
    Publication,
    /// `pg_publication_rel` / `pg_publication_namespace`.
    PublicationMember,
    /// A partition's ATTACH PARTITION.
    TableAttach,
    /// A partition index's ATTACH PARTITION.
    IndexAttach,
    /// A sequence's OWNED BY.
    SequenceOwnedBy,
    /// REFRESH MATERIALIZED VIEW.
    MatViewData,
    /// Row level security switch of a table.
    RowSecurity,
    /// Large object metadata (BLOB METADATA / the BLOB entries' group).
    BlobGroup,
    /// Large object data (BLOBS).
    Blobs,
    /// `pg_default_acl`.
    DefaultAcl,
    /// `pg_ts_parser`.
    TsParser,
    /// `pg_ts_template`.
    TsTemplate,
    /// `pg_ts_dict`.
    TsDict,
    /// `pg_ts_config`.
    TsConfig,
    /// `pg_conversion`.
    Conversion,
    /// `pg_opfamily`.
    OpFamily,
    /// `pg_opclass`.
    OpClass,
    /// `pg_foreign_data_wrapper`.
    ForeignDataWrapper,
    /// `pg_foreign_server`.
    ForeignServer,
    /// `pg_user_mapping`.
    UserMapping,
    /// `pg_language`.
    Language,
    /// `pg_am`.
    AccessMethod,
    /// `pg_transform`.
    Transform,
    /// `pg_subscription`.
    Subscription,
    /// The privileges of an object pg_dump dumps nothing else of (in
    /// pg_catalog, an extension member), by its place in the ACL list.
    AclOnly,
    /// A `DEFAULT NULL` pg_dump makes up for an inheritance child whose
    /// column lacks its parent's default (no catalog row: the OID is a
    /// running number).
    NullDefault,
    /// A view's or materialized view's `_RETURN` rule (keyed by the
    /// relation's OID): part of the view unless a dependency loop splits
    /// it off.
    ViewRule,
    /// The shell of a base or range type (keyed by the type's OID),
    /// dumped when one of its functions needs it.
    ShellType,
    /// pg_dump's pre-data (OID 0) and post-data (OID 1) boundaries.
    Boundary,
    /// The index of a key constraint (keyed by the constraint's OID): no
    /// entry of its own, but sorted among the indexes with its comment.
    ConstraintIndex,
}

/// Identifies a dumped object: catalog and OID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    /// The catalog.
    pub class: Class,
    /// The object's OID (the table's for derived objects).
    pub oid: Oid,
}

impl Key {
    /// A key.
    pub fn new(class: Class, oid: Oid) -> Self {
        Key { class, oid }
    }
}

/// pg_dump's type priorities (`pg_dump_sort.c`): objects are sorted by
/// these, then by schema and name, then by dependencies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[allow(missing_docs)]
pub enum Priority {
    Namespace = 1,
    ProcLang,
    Collation,
    Transform,
    Extension,
    Type,
    Cast,
    Function,
    Aggregate,
    AccessMethod,
    Operator,
    /// Operator families and classes.
    OpFamily,
    Conversion,
    TsParser,
    TsTemplate,
    TsDict,
    TsConfig,
    Fdw,
    ForeignServer,
    Table,
    TableAttach,
    AttrDef,
    LargeObject,
    PreDataBoundary,
    TableData,
    SequenceSet,
    /// BLOB METADATA (pg_dump 17+ sorts large objects among the data).
    LargeObjectMeta,
    LargeObjectData,
    PostDataBoundary,
    Constraint,
    Index,
    IndexAttach,
    StatsExt,
    Rule,
    Trigger,
    FkConstraint,
    Policy,
    Publication,
    PublicationRel,
    PublicationSchema,
    Subscription,
    DefaultAcl,
    EventTrigger,
    RefreshMatView,
}

/// How a data entry gets its data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataSource {
    /// `COPY ... TO stdout` with this statement.
    Copy(String),
    /// A whole table's rows: `COPY relation (columns) TO stdout`. A large
    /// one may be read in block ranges instead ([`DataSource::Ranges`]).
    Table {
        /// The table, schema-qualified and quoted.
        relation: String,
        /// The COPY column list, quoted and comma-separated (no generated
        /// columns; empty for a table without columns).
        columns: String,
    },
    /// One table's rows read in block ranges, one COPY statement per
    /// range, their output concatenated in this order.
    Ranges(Vec<String>),
    /// Large objects, by OID.
    LargeObjects(Vec<Oid>),
    /// A table whose heap has no blocks: no rows, so no COPY to run (its
    /// block holds just the end-of-data marker, as pg_dump's does).
    EmptyHeap,
}

impl DataSource {
    /// The one COPY statement that reads this data, if there is one.
    pub fn copy_statement(&self) -> Option<String> {
        match self {
            DataSource::Copy(stmt) => Some(stmt.clone()),
            DataSource::Table { relation, columns } => Some(if columns.is_empty() {
                format!("COPY {relation}  TO stdout")
            } else {
                format!("COPY {relation} ({columns}) TO stdout")
            }),
            _ => None,
        }
    }
}

/// A COMMENT (or other entry) that follows its object in the TOC.
#[derive(Debug, Clone)]
pub struct Attached {
    /// desc, usually `COMMENT`.
    pub desc: &'static str,
    /// Tag, e.g. `TABLE t` or `COLUMN t.c`.
    pub tag: String,
    /// Schema of the commented object.
    pub namespace: Option<String>,
    /// Owner of the commented object.
    pub owner: Option<String>,
    /// The statement.
    pub defn: String,
    /// Another attached entry of the same object this one must follow
    /// (a column's ACL follows its table's ACL).
    pub after: Option<usize>,
    /// Written without dependencies: pg_dump makes it depend on an object
    /// that has no entry (the comment on an inheritance child's NOT VALID
    /// constraint, created by its parent's).
    pub detached: bool,
}

/// Where an object lives inside another one's statement until a
/// dependency loop makes it a TOC entry of its own.
#[derive(Debug, Clone)]
pub struct Inline {
    /// The object whose statement holds it.
    pub owner: Key,
    /// Its text in the owner's statement.
    pub text: String,
    /// What replaces that text once it is split off.
    pub replacement: String,
    /// The tag of an entry attached to the owner (its comment) that moves
    /// to this object when it is split off.
    pub carries: Option<String>,
}

/// One object of the dump.
#[derive(Debug, Clone)]
pub struct DumpObject {
    /// Identity.
    pub key: Key,
    /// Sort priority.
    pub priority: Priority,
    /// TOC desc.
    pub desc: &'static str,
    /// TOC section.
    pub section: Section,
    /// Catalog id (tableoid, oid).
    pub catalog: (Oid, Oid),
    /// Schema.
    pub namespace: Option<String>,
    /// Tag.
    pub tag: String,
    /// The name pg_dump sorts by when it is not the tag (a trigger's,
    /// rule's, policy's or constraint's own name).
    pub sort_name: Option<String>,
    /// pg_dump's tie-breakers after the name (`DOTypeNameCompare`): the
    /// table or domain of a trigger, rule, policy or constraint.
    pub sort_extra: Vec<String>,
    /// Owner.
    pub owner: Option<String>,
    /// Create statement.
    pub defn: String,
    /// Drop statement.
    pub drop: String,
    /// Tablespace (`Some("")`: default).
    pub tablespace: Option<String>,
    /// Table access method.
    pub table_am: Option<String>,
    /// relkind (1.16 archives).
    pub relkind: u8,
    /// COPY statement for TABLE DATA.
    pub copy_stmt: Option<String>,
    /// Where the data comes from, for data entries.
    pub data: Option<DataSource>,
    /// Objects this one must follow.
    pub deps: Vec<Key>,
    /// Entries written right after this one (comments).
    pub attached: Vec<Attached>,
    /// The dependencies the TOC records, when pg_dump records fewer than
    /// the dump is ordered by (`None`: all of `deps`).
    pub toc_deps: Option<Vec<Key>>,
    /// Takes part in ordering but gets no TOC entry (pg_dump's objects
    /// that are not dumped): its dependencies pass on to those that depend
    /// on it.
    pub hidden: bool,
    /// Sorted like any object but gets no TOC entry: its attached entries
    /// stand alone, depending on what it depends on (pg_dump's index of
    /// a key constraint, whose comment `dumpIndex` writes).
    pub entryless: bool,
    /// For a hidden object that another one's statement contains.
    pub inline: Option<Inline>,
    /// Left out by the selection options (pg_dump's objects whose dump
    /// flag is off): ordered like any object, its dependencies passed on,
    /// but no TOC entry.
    pub excluded: bool,
}

impl DumpObject {
    /// Sorts by `name` with `extra` as tie-breakers instead of the tag.
    pub fn sort_by(&mut self, name: &str, extra: &[&str]) {
        self.sort_name = Some(name.to_string());
        self.sort_extra = extra.iter().map(|e| e.to_string()).collect();
    }

    /// Sorts a function or aggregate as pg_dump does: by name, then the
    /// number of arguments, then their types.
    pub fn sort_by_args(&mut self, name: &str, args: &[String]) {
        self.sort_name = Some(name.to_string());
        self.sort_extra = std::iter::once(format!("{:05}", args.len()))
            .chain(args.iter().cloned())
            .collect();
    }

    /// The name pg_dump sorts this object by.
    pub fn sort_name(&self) -> &str {
        self.sort_name.as_deref().unwrap_or(&self.tag)
    }

    /// A pre-data object with the common fields; the rest empty.
    pub fn new(key: Key, priority: Priority, desc: &'static str, tag: String) -> Self {
        let section = match priority {
            p if p < Priority::TableData => Section::PreData,
            p if p <= Priority::LargeObjectData => Section::Data,
            _ => Section::PostData,
        };
        DumpObject {
            key,
            priority,
            desc,
            section,
            catalog: (0, 0),
            namespace: None,
            tag,
            sort_name: None,
            sort_extra: Vec::new(),
            owner: None,
            defn: String::new(),
            drop: String::new(),
            tablespace: None,
            table_am: None,
            relkind: 0,
            copy_stmt: None,
            data: None,
            deps: Vec::new(),
            attached: Vec::new(),
            toc_deps: None,
            hidden: false,
            entryless: false,
            inline: None,
            excluded: false,
        }
    }
}
