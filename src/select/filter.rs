//! pg_dump's `selectDumpable*` rules over the dump objects: each object
//! not selected is marked [`DumpObject::excluded`] (it still orders the
//! others and passes its dependencies on, as pg_dump's undumped objects
//! do), and the component options (`-s`, `-a`, `--no-comments`, ...)
//! drop what they leave out.

use std::collections::{HashMap, HashSet};

use crate::catalog::{Catalog, Oid};
use crate::schema::{Class, DumpObject, Key};
use crate::select::resolve::Resolved;
use crate::select::Selection;

/// What the rules need to know about the catalog.
struct Rules<'a> {
    sel: &'a Selection,
    res: &'a Resolved,
    everything: bool,
    /// Schema name → whether its contents are dumped (`dump_contains`).
    contains: HashMap<&'a str, bool>,
    /// Relation OID → schema name.
    rel_schema: HashMap<Oid, &'a str>,
    /// Relations (tables, views, sequences, ...) dumped.
    tables: HashSet<Oid>,
    /// Derived object → the relation it belongs to.
    owner: HashMap<Key, Oid>,
    /// Extension configuration tables and sequences: (extension, schema).
    ext_config: HashMap<Oid, (Oid, &'a str)>,
    /// Names of the schemas `-N` excludes.
    excluded_schemas: HashSet<&'a str>,
    /// The source server's major version.
    server_major: u32,
}

/// Schema name → whether its contents are dumped (selectDumpableNamespace).
fn schema_contents<'a>(cat: &'a Catalog, res: &Resolved) -> HashMap<&'a str, bool> {
    cat.schemas
        .iter()
        .map(|s| {
            let dump = if res.tables.is_some() {
                false
            } else if let Some(only) = &res.schemas {
                only.contains(&s.oid)
            } else {
                !(s.name.starts_with("pg_") || s.name == "information_schema")
            };
            (
                s.name.as_str(),
                dump && !res.exclude_schemas.contains(&s.oid),
            )
        })
        .collect()
}

/// The relations dumped: selectDumpableTable, then getOwnedSeqs (an owned
/// sequence follows its table; an identity sequence only its table).
fn dumped_tables(cat: &Catalog, res: &Resolved, contains: &HashMap<&str, bool>) -> HashSet<Oid> {
    let mut tables: HashSet<Oid> = cat
        .relations
        .iter()
        .filter(|r| {
            let chosen = match &res.tables {
                Some(only) => only.contains(&r.oid),
                None => contains.get(r.schema.as_str()).copied().unwrap_or(false),
            };
            chosen && !res.exclude_tables.contains(&r.oid)
        })
        .map(|r| r.oid)
        .collect();
    for (&seq, s) in &cat.sequences {
        let Some((table, _)) = &s.owner_column else {
            continue;
        };
        let table_dumped = tables.contains(table);
        if s.identity {
            if table_dumped {
                tables.insert(seq);
            } else {
                tables.remove(&seq);
            }
        } else if table_dumped {
            tables.insert(seq);
        }
    }
    tables
}

/// Derived object (constraint, index, trigger, rule, policy, statistics,
/// column default) → the relation it belongs to.
fn table_owners(cat: &Catalog) -> HashMap<Key, Oid> {
    let mut owner: HashMap<Key, Oid> = HashMap::new();
    for c in &cat.constraints {
        owner.insert(Key::new(Class::Constraint, c.oid), c.table);
        owner.insert(Key::new(Class::ConstraintIndex, c.oid), c.table);
    }
    for i in &cat.indexes {
        owner.insert(Key::new(Class::Relation, i.oid), i.table);
        owner.insert(Key::new(Class::IndexAttach, i.oid), i.table);
    }
    for t in &cat.triggers {
        owner.insert(Key::new(Class::Trigger, t.oid), t.table);
    }
    for r in &cat.rules {
        owner.insert(Key::new(Class::Rule, r.oid), r.table);
    }
    for p in &cat.policies {
        owner.insert(Key::new(Class::Policy, p.oid), p.table);
    }
    for s in &cat.statistics {
        owner.insert(Key::new(Class::Statistics, s.oid), s.table);
    }
    for r in &cat.relations {
        for c in &r.columns {
            if let Some((attrdef, _)) = &c.default {
                owner.insert(Key::new(Class::AttrDef, *attrdef), r.oid);
            }
        }
    }
    owner
}

impl<'a> Rules<'a> {
    fn new(cat: &'a Catalog, sel: &'a Selection, res: &'a Resolved, server_major: u32) -> Self {
        let contains = schema_contents(cat, res);
        let rel_schema: HashMap<Oid, &str> = cat
            .relations
            .iter()
            .map(|r| (r.oid, r.schema.as_str()))
            .collect();
        let tables = dumped_tables(cat, res, &contains);
        let ext_config = cat
            .ext_config
            .iter()
            .map(|t| (t.oid, (t.extension, t.schema.as_str())))
            .collect();
        let excluded_schemas = cat
            .schemas
            .iter()
            .filter(|s| res.exclude_schemas.contains(&s.oid))
            .map(|s| s.name.as_str())
            .collect();
        Rules {
            server_major,
            excluded_schemas,
            sel,
            res,
            everything: sel.include_everything(),
            contains,
            rel_schema,
            tables,
            owner: table_owners(cat),
            ext_config,
        }
    }

    fn contains(&self, schema: Option<&str>) -> bool {
        match schema {
            Some(s) => self.contains.get(s).copied().unwrap_or(false),
            None => self.everything,
        }
    }

    fn extension(&self, oid: Oid) -> bool {
        self.everything && !self.res.exclude_extensions.contains(&oid)
    }

    /// The relation a derived object belongs to.
    fn owner_of(&self, o: &DumpObject) -> Option<Oid> {
        if let Some(&t) = self.owner.get(&o.key) {
            return Some(t);
        }
        match o.key.class {
            Class::TableAttach
            | Class::RowSecurity
            | Class::ViewRule
            | Class::SequenceOwnedBy
            | Class::TableData
            | Class::SequenceSet
            | Class::MatViewData => Some(o.key.oid),
            Class::NullDefault => o
                .deps
                .iter()
                .find(|k| k.class == Class::Relation && self.rel_schema.contains_key(&k.oid))
                .map(|k| k.oid),
            _ => None,
        }
    }

    /// processExtensionTables: an extension's configuration data.
    fn ext_config_data(&self, oid: Oid, ext: Oid, schema: &str) -> bool {
        let mut dump = self.extension(ext)
            || self.res.tables.as_ref().is_some_and(|t| t.contains(&oid))
            || self.contains(Some(schema));
        if self.res.exclude_tables.contains(&oid) || self.excluded_schemas.contains(schema) {
            dump = false;
        }
        dump
    }

    fn data(&self, table: Oid) -> bool {
        self.tables.contains(&table)
            && !self.sel.schema_only
            && !self.res.exclude_data.contains(&table)
    }

    /// Whether pg_dump dumps `o`.
    fn keep(&self, o: &DumpObject) -> bool {
        let sel = self.sel;
        let ns = o.namespace.as_deref();
        match o.key.class {
            Class::Boundary => true,
            Class::Namespace => self.contains(Some(if o.key.oid == 0 {
                "public"
            } else {
                o.tag.as_str()
            })),
            Class::Extension => self.extension(o.key.oid),
            Class::TableData | Class::SequenceSet if self.ext_config.contains_key(&o.key.oid) => {
                // pg_dump makes the entry even with -s, but its archive
                // leaves data entries out then (_tocEntryRequired).
                let (ext, schema) = self.ext_config[&o.key.oid];
                !sel.schema_only && self.ext_config_data(o.key.oid, ext, schema)
            }
            Class::TableData | Class::SequenceSet | Class::MatViewData => self.data(o.key.oid),
            Class::SequenceOwnedBy => {
                self.tables.contains(&o.key.oid)
                    && self
                        .owner_of_sequence(o)
                        .is_none_or(|t| self.tables.contains(&t))
            }
            // Large objects are data: -s drops them even with -b.
            Class::LargeObject | Class::BlobGroup | Class::Blobs => {
                sel.large_objects() && !sel.schema_only
            }
            Class::Publication | Class::PublicationMember => {
                self.everything && !sel.no_publications && self.publication_member(o)
            }
            Class::Subscription => self.everything && !sel.no_subscriptions,
            Class::Cast
            | Class::Language
            | Class::AccessMethod
            | Class::Transform
            | Class::ForeignDataWrapper
            | Class::ForeignServer
            | Class::UserMapping
            | Class::EventTrigger
            | Class::AclOnly => self.everything,
            Class::Statistics => {
                self.contains(ns) && self.owner_of(o).is_some_and(|t| self.tables.contains(&t))
            }
            Class::Relation if !self.owner.contains_key(&o.key) => self.tables.contains(&o.key.oid),
            _ => match self.owner_of(o) {
                Some(t) => self.tables.contains(&t),
                None => self.contains(ns),
            },
        }
    }

    fn owner_of_sequence(&self, o: &DumpObject) -> Option<Oid> {
        o.deps
            .iter()
            .find(|k| k.class == Class::Relation && k.oid != o.key.oid)
            .map(|k| k.oid)
    }

    /// A publication's table is a member only when the table is dumped.
    fn publication_member(&self, o: &DumpObject) -> bool {
        if o.key.class != Class::PublicationMember {
            return true;
        }
        // pg_dump 18 keeps a table's or schema's membership even when the
        // table or schema is not dumped; 15 to 17 only when it is.
        if self.server_major >= 18 {
            return true;
        }
        if o.desc == "PUBLICATION TABLES IN SCHEMA" {
            return self.contains(o.namespace.as_deref());
        }
        o.deps
            .iter()
            .filter(|k| k.class == Class::Relation)
            .all(|k| self.tables.contains(&k.oid))
    }
}

/// Whether an object is data (kept by `-a`).
fn is_data(o: &DumpObject) -> bool {
    matches!(
        o.key.class,
        Class::TableData
            | Class::SequenceSet
            | Class::Blobs
            | Class::BlobGroup
            | Class::LargeObject
    )
}

/// Marks every object `sel` leaves out as excluded, and drops the
/// comments `--no-comments` leaves out.
pub(crate) fn apply(
    objects: &mut [DumpObject],
    cat: &Catalog,
    sel: &Selection,
    res: &Resolved,
    server_major: u32,
) {
    let rules = Rules::new(cat, sel, res, server_major);
    for o in objects.iter_mut() {
        let mut keep = rules.keep(o);
        if sel.data_only && !is_data(o) && o.key.class != Class::Boundary {
            keep = false;
        }
        if sel.no_comments {
            o.attached.retain(|a| a.desc != "COMMENT");
            if o.desc == "COMMENT" {
                keep = false;
            }
        }
        if !keep {
            o.excluded = true;
        }
    }
    if sel.data_only {
        data_fk_order(objects, cat);
    }
}

/// pg_dump's `getTableDataFKConstraints`: with `-a` the referenced
/// table's rows load first (ordering only: the TOC records the table).
fn data_fk_order(objects: &mut [DumpObject], cat: &Catalog) {
    let tables: HashSet<Oid> = cat.relations.iter().map(|r| r.oid).collect();
    let fk_table: HashMap<Oid, Oid> = cat
        .constraints
        .iter()
        .filter(|c| c.kind == 'f')
        .map(|c| (c.oid, c.table))
        .collect();
    let mut refs: HashMap<Oid, Vec<Oid>> = HashMap::new();
    for d in &cat.depends {
        let Some(&table) = fk_table.get(&d.oid) else {
            continue;
        };
        if d.class == "pg_constraint"
            && d.ref_class == "pg_class"
            && d.ref_oid != table
            && tables.contains(&d.ref_oid)
        {
            refs.entry(table).or_default().push(d.ref_oid);
        }
    }
    let data: HashSet<Oid> = objects
        .iter()
        .filter(|o| o.key.class == Class::TableData && !o.excluded)
        .map(|o| o.key.oid)
        .collect();
    for o in objects.iter_mut() {
        if o.key.class != Class::TableData || o.excluded {
            continue;
        }
        let Some(referenced) = refs.get(&o.key.oid) else {
            continue;
        };
        if o.toc_deps.is_none() {
            o.toc_deps = Some(o.deps.clone());
        }
        for r in referenced.iter().filter(|r| data.contains(r)) {
            o.deps.push(Key::new(Class::TableData, *r));
        }
    }
}
