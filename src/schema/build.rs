//! From catalog rows to dump objects, with pg_dump's desc strings, tags and
//! statements.

use std::collections::{HashMap, HashSet};

use archive_format::{ArchiveVersion, Section};

use crate::catalog::{Catalog, Column, Constraint, Oid, Relation};
use crate::schema::object::{Attached, Class, DataSource, DumpObject, Inline, Key, Priority};
use crate::schema::quote::{ident, literal};
use columns::{column_settings, typed_column_line, with_clause};
use notnull::NotNulls;

mod columns;
mod domain;
mod kinds;
mod notnull;
mod privileges;
mod schemaless;
mod standalone;

// Catalog OIDs of the system catalogs, as pg_dump records them.
const PG_NAMESPACE: Oid = 2615;
const PG_EXTENSION: Oid = 3079;
const PG_PROC: Oid = 1255;
const PG_TYPE: Oid = 1247;
const PG_CLASS: Oid = 1259;
const PG_ATTRDEF: Oid = 2604;
const PG_CONSTRAINT: Oid = 2606;
const PG_TRIGGER: Oid = 2620;
const PG_REWRITE: Oid = 2618;
const PG_LARGEOBJECT: Oid = 2613;

/// pg_dump groups at most this many large objects per BLOB METADATA entry.
const BLOBS_PER_GROUP: usize = 1000;

/// What the objects are built for.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Archive version (large objects are laid out per version).
    pub version: ArchiveVersion,
    /// `standard_conforming_strings` of the dump session.
    pub std_strings: bool,
    /// Dump privileges (GRANT/REVOKE as ACL entries, default privileges).
    pub acl: bool,
    /// The source server's major version.
    pub server_major: u32,
}

/// Builds every dump object from the catalog.
pub fn build(cat: &Catalog, opts: BuildOptions) -> Vec<DumpObject> {
    let mut b = Builder {
        cat,
        opts,
        rels: cat.relations.iter().map(|r| (r.oid, r)).collect(),
        rule_reads: HashMap::new(),
        out: Vec::new(),
    };
    for d in &cat.depends {
        if d.class == "_RETURN" && d.ref_class == "pg_class" && d.ref_oid != d.oid {
            b.rule_reads.entry(d.oid).or_default().push(d.ref_oid);
        }
    }
    b.schemas();
    b.languages();
    b.transforms();
    b.collations();
    b.extensions();
    b.types();
    b.domain_separate_constraints();
    b.functions();
    b.aggregates();
    b.access_methods();
    b.casts();
    b.operators();
    b.operator_classes();
    b.conversions();
    b.text_search();
    b.foreign_data();
    let dumped: HashSet<Oid> = b.relations();
    b.constraints(&dumped);
    b.indexes(&dumped);
    b.index_attach(&dumped);
    b.triggers(&dumped);
    b.rules(&dumped);
    b.policies(&dumped);
    b.statistics(&dumped);
    b.publications(&dumped);
    b.event_triggers();
    b.subscriptions();
    b.extension_data();
    b.large_objects();
    b.security_labels();
    if b.opts.acl {
        b.privileges();
    }
    b.out
}

struct Builder<'a> {
    cat: &'a Catalog,
    opts: BuildOptions,
    /// Every relation of the catalog by OID.
    rels: HashMap<Oid, &'a Relation>,
    /// The relations each view's or materialized view's query reads.
    rule_reads: HashMap<Oid, Vec<Oid>>,
    out: Vec<DumpObject>,
}

/// `ALTER ... {state} TRIGGER|RULE|EVENT TRIGGER` for a non-default
/// `tgenabled` / `ev_enabled` / `evtenabled`.
fn enabled_state(enabled: char) -> Option<&'static str> {
    match enabled {
        'D' => Some("DISABLE"),
        'R' => Some("ENABLE REPLICA"),
        'A' => Some("ENABLE ALWAYS"),
        _ => None,
    }
}

fn comment(
    desc_tag: String,
    target: &str,
    text: &str,
    ns: Option<&str>,
    owner: &str,
    std: bool,
) -> Attached {
    Attached {
        desc: "COMMENT",
        tag: desc_tag,
        namespace: ns.map(str::to_owned),
        owner: Some(owner.to_owned()),
        defn: format!("COMMENT ON {target} IS {};\n", literal(text, std)),
        after: None,
        detached: false,
    }
}

impl<'a> Builder<'a> {
    fn std(&self) -> bool {
        self.opts.std_strings
    }

    /// The table `oid` if it is dumped.
    fn dumped_table(&self, oid: Oid, dumped: &HashSet<Oid>) -> Option<&'a Relation> {
        self.rels
            .get(&oid)
            .copied()
            .filter(|_| dumped.contains(&oid))
    }

    fn schemas(&mut self) {
        for s in &self.cat.schemas {
            if s.name == "public" {
                self.public_schema(s);
                continue;
            }
            let mut o = DumpObject::new(
                Key::new(Class::Namespace, s.oid),
                Priority::Namespace,
                "SCHEMA",
                s.name.clone(),
            );
            o.catalog = (PG_NAMESPACE, s.oid);
            o.owner = Some(s.owner.clone());
            o.defn = format!("CREATE SCHEMA {};\n", s.quoted);
            o.drop = format!("DROP SCHEMA {};\n", s.quoted);
            if let Some(c) = &s.comment {
                let target = format!("SCHEMA {}", s.quoted);
                o.attached.push(comment(
                    format!("SCHEMA {}", ident(&s.name)),
                    &target,
                    c,
                    None,
                    &s.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    /// Every database has the public schema (pg_dump's
    /// selectDumpableNamespace): its entry only records a changed owner,
    /// and its comment is dumped when it is not initdb's (an empty one
    /// when the comment was removed).
    fn public_schema(&mut self, s: &crate::catalog::Schema) {
        let comment_text = match s.comment.as_deref() {
            Some("standard public schema") => None,
            Some(c) => Some(c),
            None => Some(""),
        };
        let comment_defn = comment_text
            .map(|c| format!("COMMENT ON SCHEMA public IS {};\n", literal(c, self.std())));
        if s.owner == "pg_database_owner" {
            if let Some(defn) = comment_defn {
                // Not the schema's key: nothing depends on this comment.
                let mut o = DumpObject::new(
                    Key::new(Class::Namespace, 0),
                    Priority::Namespace,
                    "COMMENT",
                    "SCHEMA public".into(),
                );
                o.section = Section::None;
                o.owner = Some(s.owner.clone());
                o.defn = defn;
                self.out.push(o);
            }
            return;
        }
        let mut o = DumpObject::new(
            Key::new(Class::Namespace, s.oid),
            Priority::Namespace,
            "SCHEMA",
            s.name.clone(),
        );
        o.catalog = (PG_NAMESPACE, s.oid);
        o.owner = Some(s.owner.clone());
        o.defn = "-- *not* creating schema, since initdb creates it\n".into();
        o.drop = "-- *not* dropping schema, since initdb creates it\n".into();
        if let Some(defn) = comment_defn {
            o.attached.push(Attached {
                desc: "COMMENT",
                tag: "SCHEMA public".into(),
                namespace: None,
                owner: Some(s.owner.clone()),
                defn,
                after: None,
                detached: false,
            });
        }
        self.out.push(o);
    }

    fn extensions(&mut self) {
        for e in &self.cat.extensions {
            let mut o = DumpObject::new(
                Key::new(Class::Extension, e.oid),
                Priority::Extension,
                "EXTENSION",
                e.name.clone(),
            );
            o.catalog = (PG_EXTENSION, e.oid);
            o.defn = format!(
                "CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {};\n",
                e.quoted, e.schema_quoted
            );
            o.drop = format!("DROP EXTENSION {};\n", e.quoted);
            if let Some(c) = &e.comment {
                let target = format!("EXTENSION {}", e.quoted);
                o.attached.push(comment(
                    format!("EXTENSION {}", ident(&e.name)),
                    &target,
                    c,
                    None,
                    "",
                    self.std(),
                ));
                if let Some(a) = o.attached.last_mut() {
                    a.owner = None;
                }
            }
            self.out.push(o);
        }
    }

    fn types(&mut self) {
        for t in &self.cat.types {
            let desc = if t.kind == 'd' { "DOMAIN" } else { "TYPE" };
            let mut o = DumpObject::new(
                Key::new(Class::Type, t.oid),
                Priority::Type,
                desc,
                t.name.clone(),
            );
            o.catalog = (PG_TYPE, t.oid);
            o.namespace = Some(t.schema.clone());
            o.owner = Some(t.owner.clone());
            o.defn = match t.kind {
                'e' => format!(
                    "CREATE TYPE {} AS ENUM (\n    {}\n);\n",
                    t.qualified,
                    t.labels.join(",\n    ")
                ),
                'c' => {
                    let attrs: Vec<String> = t
                        .attributes
                        .iter()
                        .map(|a| {
                            let coll = collate_clause(&a.collation);
                            format!("\t{} {}{coll}", a.quoted, a.type_name)
                        })
                        .collect();
                    format!(
                        "CREATE TYPE {} AS (\n{}\n);\n",
                        t.qualified,
                        attrs.join(",\n")
                    )
                }
                'd' => self.domain_definition(t),
                'b' => base_type(t, self.std()),
                'p' => format!("CREATE TYPE {};\n", t.qualified),
                _ => range_type(t),
            };
            o.drop = if t.kind == 'b' {
                // The type and its I/O functions depend on each other.
                format!("DROP TYPE {} CASCADE;\n", t.qualified)
            } else {
                format!("DROP {desc} {};\n", t.qualified)
            };
            if matches!(t.kind, 'b' | 'r') {
                self.shell_type(t);
            }
            if let Some(c) = &t.comment {
                let target = format!("{desc} {}", t.qualified);
                o.attached.push(comment(
                    format!("{desc} {}", ident(&t.name)),
                    &target,
                    c,
                    Some(&t.schema),
                    &t.owner,
                    self.std(),
                ));
            }
            if t.kind == 'd' {
                o.attached.extend(self.domain_constraint_comments(t));
            }
            // pg_dump's dumpCompositeTypeColComments.
            for a in t.attributes.iter().filter(|_| t.kind == 'c') {
                if let Some(c) = &a.comment {
                    o.attached.push(comment(
                        format!("COLUMN {}.{}", ident(&t.name), a.quoted),
                        &format!("COLUMN {}.{}", t.qualified, a.quoted),
                        c,
                        Some(&t.schema),
                        &t.owner,
                        self.std(),
                    ));
                }
            }
            self.out.push(o);
        }
    }

    /// pg_dump's SHELL TYPE: hidden until one of the type's functions
    /// needs it to exist before the type (`dumpShellType`).
    fn shell_type(&mut self, t: &crate::catalog::UserType) {
        let mut o = DumpObject::new(
            Key::new(Class::ShellType, t.oid),
            Priority::Type,
            "SHELL TYPE",
            t.name.clone(),
        );
        o.hidden = true;
        o.namespace = Some(t.schema.clone());
        o.owner = Some(t.owner.clone());
        o.defn = format!("CREATE TYPE {};\n", t.qualified);
        self.out.push(o);
    }

    fn functions(&mut self) {
        for f in &self.cat.functions {
            let desc = if f.kind == 'p' {
                "PROCEDURE"
            } else {
                "FUNCTION"
            };
            let signature = format!("{}({})", ident(&f.name), f.identity_args);
            let mut o = DumpObject::new(
                Key::new(Class::Proc, f.oid),
                Priority::Function,
                desc,
                format!("{}({})", f.name, f.arg_types),
            );
            o.sort_by_args(&f.name, &f.sort_args);
            o.catalog = (PG_PROC, f.oid);
            o.namespace = Some(f.schema.clone());
            o.owner = Some(f.owner.clone());
            let def = f.definition.trim_end();
            let def = def
                .strip_prefix("CREATE OR REPLACE ")
                .map_or(def.to_owned(), |d| format!("CREATE {d}"));
            o.defn = format!("{def};\n");
            o.drop = format!("DROP {desc} {}({});\n", f.qualified, f.identity_args);
            if let Some(c) = &f.comment {
                let target = format!("{desc} {}({})", f.qualified, f.identity_args);
                o.attached.push(comment(
                    format!("{desc} {signature}"),
                    &target,
                    c,
                    Some(&f.schema),
                    &f.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    /// Tables, views, materialized views and sequences; returns the OIDs of
    /// the relations dumped.
    fn relations(&mut self) -> HashSet<Oid> {
        // A default using a sequence its own table owns (serial) is created
        // after the sequence, on its own: the sequence follows the table.
        let default_table = self.cat.attrdef_tables();
        let separate_defaults: HashSet<Oid> = self
            .cat
            .depends
            .iter()
            .filter(|d| {
                d.class == "pg_attrdef"
                    && d.ref_class == "pg_class"
                    && self.rels.get(&d.ref_oid).is_some_and(|r| r.kind == 'S')
                    && self
                        .cat
                        .sequences
                        .get(&d.ref_oid)
                        .and_then(|s| s.owner_column.as_ref())
                        .is_some_and(|(t, _)| default_table.get(&d.oid) == Some(t))
            })
            .map(|d| d.oid)
            .collect();
        let not_nulls = NotNulls::new(self.cat, self.opts.server_major);
        let mut dumped = HashSet::new();
        for r in &self.cat.relations {
            dumped.insert(r.oid);
            match r.kind {
                'r' | 'p' | 'f' => {
                    self.table(r, &separate_defaults, &not_nulls);
                    self.inline_checks(r);
                    self.inline_defaults(r);
                }
                'v' | 'm' => self.view(r),
                'S' => self.sequence(r),
                _ => {}
            }
        }
        dumped
    }

    /// The CHECK constraints written inside CREATE TABLE, as hidden
    /// objects the table depends on (pg_dump's non-separate constraints):
    /// a dependency loop through one makes it a post-data entry.
    fn inline_checks(&mut self, r: &Relation) {
        let alter = if r.kind == 'f' {
            "ALTER FOREIGN TABLE"
        } else {
            "ALTER TABLE"
        };
        let mut keys = Vec::new();
        for c in self.cat.constraints.iter().filter(|c| {
            c.table == r.oid && c.kind == 'c' && c.validated && (c.is_local || r.is_partition)
        }) {
            let mut o = DumpObject::new(
                Key::new(Class::Constraint, c.oid),
                Priority::Constraint,
                "CHECK CONSTRAINT",
                format!("{} {}", r.name, c.name),
            );
            o.sort_by(&c.name, &["1", &r.name]);
            o.hidden = true;
            o.catalog = (PG_CONSTRAINT, c.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            o.defn = format!(
                "{alter} {}\n    ADD CONSTRAINT {} {};\n",
                r.qualified, c.quoted, c.definition
            );
            o.drop = format!("{alter} {} DROP CONSTRAINT {};\n", r.qualified, c.quoted);
            o.inline = Some(Inline {
                owner: Key::new(Class::Relation, r.oid),
                text: format!(",\n    CONSTRAINT {} {}", c.quoted, c.definition),
                replacement: String::new(),
                carries: Some(format!("CONSTRAINT {} ON {}", c.quoted, ident(&r.name))),
            });
            keys.push(o.key);
            self.out.push(o);
        }
        let table = Key::new(Class::Relation, r.oid);
        if let Some(t) = self.out.iter_mut().rev().find(|o| o.key == table) {
            t.deps.extend(keys);
        }
    }

    /// The column defaults written inside CREATE TABLE, as hidden objects
    /// the table depends on (pg_dump's non-separate attribute defaults): a
    /// dependency loop through one (a BEGIN ATOMIC function reading the
    /// table) makes it a DEFAULT entry of its own.
    fn inline_defaults(&mut self, r: &Relation) {
        let table = Key::new(Class::Relation, r.oid);
        let Some(pos) = self.out.iter().rposition(|o| o.key == table) else {
            return;
        };
        let kind = if r.kind == 'f' {
            "FOREIGN TABLE"
        } else {
            "TABLE"
        };
        for col in r.columns.iter().filter(|c| c.generated.is_empty()) {
            let Some((attrdef, expr)) = &col.default else {
                continue;
            };
            let bare = format!("    {} {}", col.quoted, col.type_name);
            let text = format!("{bare} DEFAULT {expr}");
            let key = Key::new(Class::AttrDef, *attrdef);
            // Defaults dumped on their own are not in the statement.
            if !self.out[pos].defn.contains(&text) {
                continue;
            }
            self.separate_default(r, kind, Some(*attrdef), col, expr);
            if let Some(d) = self.out.last_mut() {
                d.hidden = true;
                d.deps.clear();
                d.inline = Some(Inline {
                    owner: table,
                    text,
                    replacement: bare,
                    carries: None,
                });
            }
            self.out[pos].deps.push(key);
        }
    }

    fn relation_comments(&self, o: &mut DumpObject, r: &Relation, kind: &str) {
        if let Some(c) = &r.comment {
            let target = format!("{kind} {}", r.qualified);
            o.attached.push(comment(
                format!("{kind} {}", ident(&r.name)),
                &target,
                c,
                Some(&r.schema),
                &r.owner,
                self.std(),
            ));
        }
        for col in &r.columns {
            if let Some(c) = &col.comment {
                let target = format!("COLUMN {}.{}", r.qualified, col.quoted);
                o.attached.push(comment(
                    format!("COLUMN {}.{}", ident(&r.name), col.quoted),
                    &target,
                    c,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
            }
        }
    }

    fn base(
        &self,
        r: &Relation,
        class: Class,
        priority: Priority,
        desc: &'static str,
    ) -> DumpObject {
        let mut o = DumpObject::new(Key::new(class, r.oid), priority, desc, r.name.clone());
        o.catalog = (PG_CLASS, r.oid);
        o.namespace = Some(r.schema.clone());
        o.owner = Some(r.owner.clone());
        if self.opts.version.has_relkind() {
            o.relkind = r.kind as u8;
        }
        o
    }

    /// The root a partition's rows are loaded through: pg_dump forces
    /// it when a partitioned ancestor hashes an enum, whose OIDs (and so
    /// hashes) differ after restore (`forcePartitionRootLoad`).
    fn partition_root_load(&self, r: &Relation) -> Option<&'a Relation> {
        if !r.is_partition {
            return None;
        }
        let parent = |t: &Relation| self.rels.get(t.parents.first()?).copied();
        let mut at = parent(r)?;
        let mut forced = at.hashes_enum;
        while at.is_partition {
            at = parent(at)?;
            forced |= at.hashes_enum;
        }
        forced.then_some(at)
    }

    /// pg_dump's flagInhAttrs: an inheritance child's generated column
    /// gets its expression from its parents (15: any parent generating
    /// it; 16+: all parents generating it with the same expression).
    fn inherits_generation(&self, col: &Column, parents: &[&Relation]) -> bool {
        if col.generated.is_empty() {
            return false;
        }
        let expr = col.default.as_ref().map(|d| &d.1);
        let (mut same, mut different) = (false, false);
        for p in parents {
            let Some(pc) = p.columns.iter().find(|pc| pc.name == col.name) else {
                continue;
            };
            if pc.generated.is_empty() {
                continue;
            }
            if self.opts.server_major < 16 || pc.default.as_ref().map(|d| &d.1) == expr {
                same = true;
            } else {
                different = true;
            }
        }
        same && !different
    }

    fn table(&mut self, r: &Relation, separate_defaults: &HashSet<Oid>, not_nulls: &NotNulls) {
        let foreign = if r.kind == 'f' {
            self.cat
                .standalone
                .foreign_tables
                .iter()
                .find(|f| f.oid == r.oid)
        } else {
            None
        };
        // What pg_dump calls the table in statements and tags.
        let kind = if r.kind == 'f' {
            "FOREIGN TABLE"
        } else {
            "TABLE"
        };
        let mut o = self.base(r, Class::Relation, Priority::Table, kind);
        if r.kind != 'f' {
            o.tablespace = Some(r.tablespace.clone().unwrap_or_default());
            o.table_am = r.access_method.clone();
        }
        let parents: Vec<&Relation> = r
            .parents
            .iter()
            .filter_map(|p| self.rels.get(p).copied())
            .collect();
        let mut lines: Vec<String> = Vec::new();
        let mut after = String::new();
        let mut defaults = Vec::new();
        let mut not_null_comments = Vec::new();
        let mut null_defaults = Vec::new();
        for col in &r.columns {
            let not_null = not_nulls.of(r, col, &parents);
            not_null_comments.extend(not_null.as_ref().and_then(|n| n.comment));
            // pg_dump's shouldPrintColumn: inherited columns come from the
            // parent (a partition, attached later, lists them all).
            // flagInhAttrs: a column without the default its parents have
            // gets DEFAULT NULL, or the parent's would apply on restore.
            let null_default = col.default.is_none() && inherits_default(col, &parents);
            if !col.is_local && !r.is_partition {
                if let Some((oid, expr)) = col.default.clone().filter(|_| col.generated.is_empty())
                {
                    defaults.push((oid, col.clone(), expr));
                }
                if null_default {
                    null_defaults.push(col);
                }
                match not_null.filter(|n| n.local) {
                    Some(n) if not_nulls.as_table_constraints() => {
                        lines.push(n.table_clause(&col.quoted));
                    }
                    Some(_) => after.push_str(&format!(
                        "ALTER {kind} ONLY {} ALTER COLUMN {} SET NOT NULL;\n",
                        r.qualified, col.quoted
                    )),
                    None => {}
                }
                after.push_str(&column_settings(kind, &r.qualified, col));
                continue;
            }
            let not_null = not_null
                .filter(|n| n.local || r.is_partition)
                .map(|n| n.column_clause());
            let generation = !r.is_partition && self.inherits_generation(col, &parents);
            let separate = defaults.len();
            let null = Column {
                default: Some((0, "NULL".to_owned())),
                ..col.clone()
            };
            let line = column_line(
                if null_default { &null } else { col },
                not_null.as_deref(),
                !generation,
                separate_defaults,
                &mut defaults,
            );
            match r.of_type {
                // A typed table's column is written only for what the type
                // does not give it: a default or NOT NULL.
                Some(_) => {
                    let inline_default = col.default.is_some() && defaults.len() == separate;
                    if inline_default || not_null.is_some() {
                        lines.push(typed_column_line(&line, col));
                    }
                }
                None => lines.push(line),
            }
            after.push_str(&column_settings(kind, &r.qualified, col));
        }
        for c in self
            .cat
            .constraints
            .iter()
            .filter(|c| c.table == r.oid && c.kind == 'c')
        {
            // A partition is created on its own before ATTACH, so it
            // carries the checks it inherits too.
            if c.validated && (c.is_local || r.is_partition) {
                lines.push(format!("    CONSTRAINT {} {}", c.quoted, c.definition));
            }
        }
        // pg_dump 18 ignores UNLOGGED on a partitioned table (18 forbids it).
        let unlogged = if r.persistence == 'u' && !(r.kind == 'p' && self.opts.server_major >= 18) {
            "UNLOGGED "
        } else {
            ""
        };
        let mut defn = format!("CREATE {unlogged}{kind} {}", r.qualified);
        if let Some(t) = &r.of_type {
            defn.push_str(&format!(" OF {t}"));
        }
        if !lines.is_empty() {
            defn.push_str(&format!(" (\n{}\n)", lines.join(",\n")));
        } else if r.of_type.is_none() {
            defn.push_str(" (\n)");
        }
        if !r.is_partition && !parents.is_empty() {
            let names: Vec<&str> = parents.iter().map(|p| p.qualified.as_str()).collect();
            defn.push_str(&format!("\nINHERITS ({})", names.join(", ")));
        }
        if let Some(f) = foreign {
            defn.push_str(&format!("\nSERVER {}", f.server));
            if !f.options.is_empty() {
                defn.push_str(&format!("\nOPTIONS (\n    {}\n)", f.options));
            }
            // pg_dump 17 added ONLY here.
            let only = if self.opts.server_major >= 17 {
                "ONLY "
            } else {
                ""
            };
            for (col, opts) in &f.column_options {
                after.push_str(&format!(
                    "ALTER FOREIGN TABLE {only}{} ALTER COLUMN {col} OPTIONS (\n    {opts}\n);\n",
                    r.qualified
                ));
            }
        }
        if let Some(key) = &r.partition_key {
            defn.push_str(&format!("\nPARTITION BY {key}"));
        }
        defn.push_str(&with_clause(r));
        defn.push_str(";\n");
        defn.push_str(&after);
        // pg_dump has only ALTER TABLE syntax for these.
        match r.replica_identity {
            _ if r.kind == 'f' => {}
            'f' => defn.push_str(&format!(
                "\nALTER TABLE ONLY {} REPLICA IDENTITY FULL;\n",
                r.qualified
            )),
            'n' => defn.push_str(&format!(
                "\nALTER TABLE ONLY {} REPLICA IDENTITY NOTHING;\n",
                r.qualified
            )),
            _ => {}
        }
        if r.force_row_security {
            defn.push_str(&format!(
                "\nALTER TABLE ONLY {} FORCE ROW LEVEL SECURITY;\n",
                r.qualified
            ));
        }
        o.defn = defn;
        o.drop = format!("DROP {kind} {};\n", r.qualified);
        o.deps
            .extend(parents.iter().map(|p| Key::new(Class::Relation, p.oid)));
        self.relation_comments(&mut o, r, kind);
        for (name, text) in not_null_comments {
            let target = format!("CONSTRAINT {name} ON {}", r.qualified);
            o.attached.push(comment(
                format!("CONSTRAINT {name} ON {}", ident(&r.name)),
                &target,
                text,
                Some(&r.schema),
                &r.owner,
                self.std(),
            ));
        }
        self.out.push(o);

        if let (Some(bound), Some(parent)) = (&r.partition_bound, parents.first()) {
            let mut a = DumpObject::new(
                Key::new(Class::TableAttach, r.oid),
                Priority::TableAttach,
                "TABLE ATTACH",
                r.name.clone(),
            );
            a.namespace = Some(r.schema.clone());
            a.owner = Some(r.owner.clone());
            a.defn = format!(
                "ALTER TABLE ONLY {} ATTACH PARTITION {} {bound};\n",
                parent.qualified, r.qualified
            );
            a.deps.push(Key::new(Class::Relation, parent.oid));
            a.deps.push(Key::new(Class::Relation, r.oid));
            self.out.push(a);
        }

        for (attrdef, col, expr) in defaults {
            self.separate_default(r, kind, Some(attrdef), &col, &expr);
        }
        for col in null_defaults {
            self.separate_default(r, kind, None, col, "NULL");
        }

        // A partitioned table's rows are its partitions' data; a foreign
        // table's are elsewhere.
        if r.kind != 'p' && r.kind != 'f' {
            // The data.
            let cols: Vec<&str> = r
                .columns
                .iter()
                .filter(|c| c.generated.is_empty())
                .map(|c| c.quoted.as_str())
                .collect();
            let list = if cols.is_empty() {
                String::new()
            } else {
                format!("({})", cols.join(", "))
            };
            let mut data = self.base(r, Class::TableData, Priority::TableData, "TABLE DATA");
            data.catalog = (0, r.oid);
            data.tablespace = None;
            let target = match self.partition_root_load(r) {
                Some(root) => {
                    // pg_restore recognises the entry by this comment.
                    data.defn = format!(
                        "-- load via partition root {}",
                        root.qualified.replace(['\n', '\r'], " ")
                    );
                    &root.qualified
                }
                None => &r.qualified,
            };
            data.copy_stmt = Some(format!("COPY {target} {list} FROM stdin;\n"));
            data.data = Some(DataSource::Table {
                relation: r.qualified.clone(),
                columns: cols.join(", "),
            });
            data.deps.push(Key::new(Class::Relation, r.oid));
            self.out.push(data);
        }

        if r.row_security {
            let mut rs = self.base(r, Class::RowSecurity, Priority::Policy, "ROW SECURITY");
            rs.catalog = (0, r.oid);
            rs.relkind = 0;
            rs.defn = format!("ALTER TABLE {} ENABLE ROW LEVEL SECURITY;\n", r.qualified);
            rs.deps.push(Key::new(Class::Relation, r.oid));
            self.out.push(rs);
        }
    }

    /// A column default dumped on its own (pg_dump's dumpAttrDef), after
    /// the relation; `kind` is `TABLE` or `FOREIGN TABLE` (views use
    /// `TABLE`, as pg_dump does).
    fn separate_default(
        &mut self,
        r: &Relation,
        kind: &str,
        attrdef: Option<Oid>,
        col: &Column,
        expr: &str,
    ) {
        let key = match attrdef {
            Some(oid) => Key::new(Class::AttrDef, oid),
            None => {
                let made_up = self
                    .out
                    .iter()
                    .filter(|o| o.key.class == Class::NullDefault)
                    .count();
                Key::new(Class::NullDefault, made_up as Oid)
            }
        };
        let mut d = DumpObject::new(
            key,
            Priority::AttrDef,
            "DEFAULT",
            format!("{} {}", r.name, col.name),
        );
        // pg_dump names a default after its table, then sorts by adnum.
        d.sort_by(&r.name, &[&format!("{:05}", col.num)]);
        if let Some(oid) = attrdef {
            d.catalog = (PG_ATTRDEF, oid);
        }
        d.namespace = Some(r.schema.clone());
        d.owner = Some(r.owner.clone());
        d.defn = format!(
            "ALTER {kind} ONLY {} ALTER COLUMN {} SET DEFAULT {expr};\n",
            r.qualified, col.quoted
        );
        d.drop = format!(
            "ALTER {kind} {} ALTER COLUMN {} DROP DEFAULT;\n",
            r.qualified, col.quoted
        );
        d.deps.push(Key::new(Class::Relation, r.oid));
        self.out.push(d);
    }

    fn view(&mut self, r: &Relation) {
        let def = r
            .view_def
            .as_deref()
            .unwrap_or("")
            .trim_end()
            .trim_end_matches(';');
        if r.kind == 'm' {
            let mut o = self.base(r, Class::Relation, Priority::Table, "MATERIALIZED VIEW");
            o.tablespace = Some(r.tablespace.clone().unwrap_or_default());
            o.table_am = r.access_method.clone();
            let with = with_clause(r);
            o.defn = format!(
                "CREATE MATERIALIZED VIEW {}{with} AS\n{def}\n  WITH NO DATA;\n",
                r.qualified
            );
            for col in &r.columns {
                o.defn
                    .push_str(&column_settings("TABLE", &r.qualified, col));
            }
            o.drop = format!("DROP MATERIALIZED VIEW {};\n", r.qualified);
            self.relation_comments(&mut o, r, "MATERIALIZED VIEW");
            o.deps.push(Key::new(Class::ViewRule, r.oid));
            self.out.push(o);
            self.return_rule(r, None);
            if r.populated {
                let mut d = self.base(
                    r,
                    Class::MatViewData,
                    Priority::RefreshMatView,
                    "MATERIALIZED VIEW DATA",
                );
                d.catalog = (0, r.oid);
                d.relkind = 0;
                d.defn = format!("REFRESH MATERIALIZED VIEW {};\n", r.qualified);
                d.deps.push(Key::new(Class::Relation, r.oid));
                d.deps.extend(
                    self.matviews_read_by(r.oid)
                        .into_iter()
                        .map(|m| Key::new(Class::MatViewData, m)),
                );
                self.out.push(d);
            }
            return;
        }
        let mut o = self.base(r, Class::Relation, Priority::Table, "VIEW");
        // check_option is a reloption but written as WITH ... CHECK OPTION.
        let mut check = None;
        let mut opts = Vec::new();
        for opt in r.reloptions.iter().flat_map(|s| s.split(", ")) {
            match opt.strip_prefix("check_option=") {
                Some(v) => check = Some(v.to_uppercase()),
                None => opts.push(opt),
            }
        }
        let with = if opts.is_empty() {
            String::new()
        } else {
            format!(" WITH ({})", opts.join(", "))
        };
        let check = check
            .map(|c| format!("\n  WITH {c} CHECK OPTION"))
            .unwrap_or_default();
        o.defn = format!("CREATE VIEW {}{with} AS\n{def}{check};\n", r.qualified);
        o.drop = format!("DROP VIEW {};\n", r.qualified);
        self.relation_comments(&mut o, r, "VIEW");
        o.deps.push(Key::new(Class::ViewRule, r.oid));
        let create = o.defn.clone();
        self.out.push(o);
        let replace = format!(
            "CREATE OR REPLACE VIEW {}{with} AS\n{def}{check};\n",
            r.qualified
        );
        self.return_rule(r, Some((create, replace)));
    }

    /// The materialized views the query of `oid` reads, directly or
    /// through views and other materialized views: its refresh follows
    /// theirs (pg_dump's `buildMatViewRefreshDependencies`).
    fn matviews_read_by(&self, oid: Oid) -> Vec<Oid> {
        let reads = |v: Oid| self.rule_reads.get(&v).into_iter().flatten().copied();
        let mut seen = HashSet::from([oid]);
        let mut todo = vec![oid];
        let mut out = Vec::new();
        while let Some(v) = todo.pop() {
            for r in reads(v) {
                let kind = self.rels.get(&r).map(|rel| rel.kind);
                if matches!(kind, Some('v' | 'm')) && seen.insert(r) {
                    if kind == Some('m') {
                        out.push(r);
                    }
                    todo.push(r);
                }
            }
        }
        out
    }

    /// The `_RETURN` rule of a view or materialized view: hidden, holding
    /// the query's dependencies. A view's may become pg_dump's post-data
    /// RULE entry (`dumpRule`) replacing a dummy view, given `create` (the
    /// view's statement) and `replace` (CREATE OR REPLACE VIEW).
    fn return_rule(&mut self, r: &Relation, view: Option<(String, String)>) {
        let mut o = DumpObject::new(
            Key::new(Class::ViewRule, r.oid),
            Priority::Rule,
            "RULE",
            format!("{} _RETURN", r.name),
        );
        o.hidden = true;
        o.catalog = (PG_REWRITE, r.return_rule.unwrap_or(0));
        o.namespace = Some(r.schema.clone());
        o.owner = Some(r.owner.clone());
        if let Some((create, replace)) = view {
            let dummy = dummy_view_query(r);
            o.defn = replace;
            o.drop = format!("CREATE OR REPLACE VIEW {} AS\n{dummy};\n", r.qualified);
            o.inline = Some(Inline {
                owner: Key::new(Class::Relation, r.oid),
                text: create,
                replacement: format!("CREATE VIEW {} AS\n{dummy};\n", r.qualified),
                carries: None,
            });
        }
        self.out.push(o);
        // A view's column defaults are always separate.
        for col in &r.columns {
            if let Some((attrdef, expr)) = &col.default {
                self.separate_default(r, "TABLE", Some(*attrdef), col, expr);
            }
        }
    }

    fn sequence(&mut self, r: &Relation) {
        let Some(s) = self.cat.sequences.get(&r.oid) else {
            return;
        };
        let mut o = self.base(r, Class::Relation, Priority::Table, "SEQUENCE");
        let mut opts = String::new();
        // An identity sequence takes its type from the column: AS would
        // conflict with it.
        if s.type_name != "bigint" && !s.identity {
            opts.push_str(&format!("    AS {}\n", s.type_name));
        }
        opts.push_str(&sequence_options(s));
        let owner = s
            .owner_column
            .as_ref()
            .and_then(|(t, c)| self.rels.get(t).map(|t| (*t, c)));
        match (s.identity, owner) {
            (true, Some((table, col))) => {
                // Persistence only when it differs from the table's.
                let persistence =
                    (r.persistence != table.persistence).then_some(if r.persistence == 'u' {
                        "UNLOGGED"
                    } else {
                        "LOGGED"
                    });
                let mut set_persistence = String::new();
                match persistence {
                    Some(p) if s.identity_persistence => opts = format!("    {p}\n{opts}"),
                    Some(p) => {
                        set_persistence = format!("ALTER SEQUENCE {} SET {p};\n", r.qualified)
                    }
                    None => {}
                }
                let kind =
                    table
                        .columns
                        .iter()
                        .find(|c| c.quoted == *col)
                        .map_or("BY DEFAULT", |c| {
                            if c.identity == "a" {
                                "ALWAYS"
                            } else {
                                "BY DEFAULT"
                            }
                        });
                o.defn = format!(
                    "ALTER TABLE {} ALTER COLUMN {col} ADD GENERATED {kind} AS IDENTITY (\n    SEQUENCE NAME {}\n{opts}\n);\n{set_persistence}",
                    table.qualified, r.qualified
                );
                o.deps.push(Key::new(Class::Relation, table.oid));
            }
            _ => {
                let unlogged = if r.persistence == 'u' {
                    "UNLOGGED "
                } else {
                    ""
                };
                o.defn = format!("CREATE {unlogged}SEQUENCE {}\n{opts};\n", r.qualified);
                o.drop = format!("DROP SEQUENCE {};\n", r.qualified);
                if let Some((table, col)) = owner {
                    let mut ob = self.base(
                        r,
                        Class::SequenceOwnedBy,
                        Priority::Table,
                        "SEQUENCE OWNED BY",
                    );
                    ob.relkind = 0;
                    ob.catalog = (0, 0);
                    ob.defn = format!(
                        "ALTER SEQUENCE {} OWNED BY {}.{col};\n",
                        r.qualified, table.qualified
                    );
                    ob.deps.push(Key::new(Class::Relation, r.oid));
                    ob.deps.push(Key::new(Class::Relation, table.oid));
                    // pg_dump records the sequence only.
                    ob.toc_deps = Some(vec![Key::new(Class::Relation, r.oid)]);
                    self.relation_comments(&mut o, r, "SEQUENCE");
                    self.out.push(o);
                    self.out.push(ob);
                    self.sequence_set(r, s.last_value, s.start);
                    return;
                }
            }
        }
        self.relation_comments(&mut o, r, "SEQUENCE");
        self.out.push(o);
        self.sequence_set(r, s.last_value, s.start);
    }

    fn sequence_set(&mut self, r: &Relation, last: Option<i64>, start: i64) {
        let mut d = self.base(r, Class::SequenceSet, Priority::SequenceSet, "SEQUENCE SET");
        d.catalog = (0, 0);
        d.relkind = 0;
        let (value, called) = match last {
            Some(v) => (v, true),
            None => (start, false),
        };
        d.defn = format!(
            "SELECT pg_catalog.setval({}, {value}, {called});\n",
            literal(&r.qualified, self.std())
        );
        d.deps.push(Key::new(Class::Relation, r.oid));
        self.out.push(d);
    }

    /// Comments on an inheritance child's NOT VALID check or not-null,
    /// which its ancestor's ADD CONSTRAINT creates: pg_dump writes them
    /// after that (with a dependency on the child's constraint, which has
    /// no entry).
    fn inherited_not_valid_comments(&mut self, dumped: &HashSet<Oid>) {
        let by_name: HashMap<(Oid, &str), &Constraint> = self
            .cat
            .constraints
            .iter()
            .map(|c| ((c.table, c.name.as_str()), c))
            .collect();
        for c in &self.cat.constraints {
            let Some(text) = c.comment.as_deref() else {
                continue;
            };
            if c.is_local || c.validated || !matches!(c.kind, 'c' | 'n') {
                continue;
            }
            let Some(r) = self.dumped_table(c.table, dumped) else {
                continue;
            };
            // The nearest ancestor that defines it.
            let mut queue: Vec<Oid> = r.parents.clone();
            let mut origin = None;
            while let Some(p) = queue.pop() {
                match by_name.get(&(p, c.name.as_str())) {
                    Some(pc) if pc.is_local && pc.kind == c.kind => {
                        origin = Some(pc.oid);
                        break;
                    }
                    _ => queue.extend(self.rels.get(&p).iter().flat_map(|t| t.parents.iter())),
                }
            }
            let key = origin.map(|o| Key::new(Class::Constraint, o));
            let Some(o) = self.out.iter_mut().find(|o| Some(o.key) == key) else {
                continue;
            };
            let mut a = comment(
                format!("CONSTRAINT {} ON {}", c.quoted, ident(&r.name)),
                &format!("CONSTRAINT {} ON {}", c.quoted, r.qualified),
                text,
                Some(&r.schema),
                &r.owner,
                self.opts.std_strings,
            );
            a.detached = true;
            o.attached.push(a);
        }
    }

    /// The partition indexes attached to each partitioned index (plain or
    /// backing a key constraint).
    fn index_children(&self) -> HashMap<Oid, Vec<Oid>> {
        let key_indexes = self
            .cat
            .constraints
            .iter()
            .filter(|c| c.index != 0 && matches!(c.kind, 'p' | 'u' | 'x'))
            .map(|c| (c.index, c.parent_index));
        let plain = self.cat.indexes.iter().map(|i| (i.oid, i.parent_index));
        let mut children: HashMap<Oid, Vec<Oid>> = HashMap::new();
        for (child, parent) in key_indexes.chain(plain) {
            if let Some(p) = parent {
                children.entry(p).or_default().push(child);
            }
        }
        children
    }

    fn constraints(&mut self, dumped: &HashSet<Oid>) {
        // A partition's key constraint follows the parent's it attaches to.
        let index_constraint: HashMap<Oid, Oid> = self
            .cat
            .constraints
            .iter()
            .filter(|c| c.index != 0 && matches!(c.kind, 'p' | 'u' | 'x'))
            .map(|c| (c.index, c.oid))
            .collect();
        let index_children = self.index_children();
        for c in &self.cat.constraints {
            let Some(r) = self.dumped_table(c.table, dumped) else {
                continue;
            };
            // Inline in CREATE TABLE, or inherited (a partition's key
            // constraints are its own, attached to the parent's index).
            if (!c.is_local && !matches!(c.kind, 'p' | 'u' | 'x'))
                || (matches!(c.kind, 'c' | 'n') && c.validated)
            {
                continue;
            }
            // A NOT VALID check or not-null goes to the children too; a
            // partitioned table's foreign key always does.
            let (desc, priority, only) = match c.kind {
                'f' if r.kind == 'p' => ("FK CONSTRAINT", Priority::FkConstraint, ""),
                'f' => ("FK CONSTRAINT", Priority::FkConstraint, "ONLY "),
                'c' => ("CHECK CONSTRAINT", Priority::Constraint, ""),
                'n' => ("CONSTRAINT", Priority::Constraint, ""),
                _ => ("CONSTRAINT", Priority::Constraint, "ONLY "),
            };
            let foreign = if r.kind == 'f' { "FOREIGN " } else { "" };
            let mut o = DumpObject::new(
                Key::new(Class::Constraint, c.oid),
                priority,
                desc,
                format!("{} {}", r.name, c.name),
            );
            o.sort_by(&c.name, &["1", &r.name]);
            o.catalog = (PG_CONSTRAINT, c.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            if matches!(c.kind, 'p' | 'u' | 'x') {
                // The index's own tablespace, as pg_dump's dumpConstraint.
                o.tablespace = Some(c.index_tablespace.clone().unwrap_or_default());
            }
            o.defn = format!(
                "ALTER {foreign}TABLE {only}{}\n    ADD CONSTRAINT {} {};\n",
                r.qualified, c.quoted, c.definition
            );
            if c.clustered {
                o.defn.push_str(&format!(
                    "\nALTER TABLE {} CLUSTER ON {};\n",
                    r.qualified, c.quoted
                ));
            }
            if c.replica_identity {
                o.defn.push_str(&index_replica_identity(r, &c.quoted));
            }
            o.drop = format!(
                "ALTER {foreign}TABLE {only}{} DROP CONSTRAINT {};\n",
                r.qualified, c.quoted
            );
            o.deps.push(Key::new(Class::Relation, r.oid));
            if let Some(parent) = c.parent_index.and_then(|p| index_constraint.get(&p)) {
                o.deps.push(Key::new(Class::Constraint, *parent));
            }
            if c.kind == 'f' {
                o.deps
                    .extend(index_attaches_under(&index_children, c.index));
            }
            if let Some(text) = &c.comment {
                let target = format!("CONSTRAINT {} ON {}", c.quoted, r.qualified);
                o.attached.push(comment(
                    format!("CONSTRAINT {} ON {}", c.quoted, ident(&r.name)),
                    &target,
                    text,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
            // pg_dump's dumpIndex writes the comment of a constraint's
            // index, sorted among the indexes, depending on the constraint.
            if let Some(text) = &c.index_comment {
                let mut i = DumpObject::new(
                    Key::new(Class::ConstraintIndex, c.oid),
                    Priority::Index,
                    "INDEX",
                    c.name.clone(),
                );
                i.entryless = true;
                i.catalog = (PG_CLASS, c.index);
                i.namespace = Some(r.schema.clone());
                i.deps.push(Key::new(Class::Constraint, c.oid));
                let target = format!("INDEX {}.{}", r.schema_quoted, c.quoted);
                i.attached.push(comment(
                    format!("INDEX {}", c.quoted),
                    &target,
                    text,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
                self.out.push(i);
            }
        }
        self.inherited_not_valid_comments(dumped);
        // Inline check constraints' comments ride on the table's entry.
        for c in self
            .cat
            .constraints
            .iter()
            .filter(|c| c.kind == 'c' && c.validated && c.is_local)
        {
            let (Some(text), Some(r)) = (&c.comment, self.rels.get(&c.table).copied()) else {
                continue;
            };
            if let Some(t) = self
                .out
                .iter_mut()
                .find(|o| o.key == Key::new(Class::Relation, r.oid))
            {
                let target = format!("CONSTRAINT {} ON {}", c.quoted, r.qualified);
                t.attached.push(comment(
                    format!("CONSTRAINT {} ON {}", c.quoted, ident(&r.name)),
                    &target,
                    text,
                    Some(&r.schema),
                    &r.owner,
                    self.opts.std_strings,
                ));
            }
        }
    }

    fn indexes(&mut self, dumped: &HashSet<Oid>) {
        for i in &self.cat.indexes {
            let Some(r) = self.dumped_table(i.table, dumped) else {
                continue;
            };
            let mut o = DumpObject::new(
                Key::new(Class::Relation, i.oid),
                Priority::Index,
                "INDEX",
                i.name.clone(),
            );
            o.catalog = (PG_CLASS, i.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            o.tablespace = Some(i.tablespace.clone().unwrap_or_default());
            if self.opts.version.has_relkind() {
                o.relkind = i.kind as u8;
            }
            let qualified_index = format!("{}.{}", r.schema_quoted, i.quoted);
            o.defn = format!("{};\n", i.definition);
            if i.clustered {
                o.defn.push_str(&format!(
                    "\nALTER TABLE {} CLUSTER ON {};\n",
                    r.qualified, i.quoted
                ));
            }
            for (col, target) in &i.stattargets {
                o.defn.push_str(&format!(
                    "ALTER INDEX {qualified_index} ALTER COLUMN {col} SET STATISTICS {target};\n"
                ));
            }
            if i.replica_identity {
                o.defn.push_str(&index_replica_identity(r, &i.quoted));
            }
            // A partition's index goes with the partitioned one.
            if i.parent_index.is_none() {
                o.drop = format!("DROP INDEX {qualified_index};\n");
            }
            o.deps.push(Key::new(Class::Relation, r.oid));
            // A partition's index follows the partitioned index (or key
            // constraint) it is attached to.
            if let Some(p) = i.parent_index {
                let parent = self
                    .cat
                    .constraints
                    .iter()
                    .find(|c| c.index == p && matches!(c.kind, 'p' | 'u' | 'x'))
                    .map_or(Key::new(Class::Relation, p), |c| {
                        Key::new(Class::Constraint, c.oid)
                    });
                o.deps.push(parent);
            }
            if let Some(c) = &i.comment {
                let target = format!("INDEX {qualified_index}");
                o.attached.push(comment(
                    format!("INDEX {}", ident(&i.name)),
                    &target,
                    c,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    /// ALTER INDEX ... ATTACH PARTITION for every partition index (plain
    /// or backing a key constraint) attached to a partitioned one.
    fn index_attach(&mut self, dumped: &HashSet<Oid>) {
        // index OID -> (its key, schema, qualified name, table)
        let mut indexes: HashMap<Oid, (Key, &Relation, String, String)> = HashMap::new();
        let mut attached: Vec<(Oid, Oid)> = Vec::new();
        for i in &self.cat.indexes {
            if let Some(r) = self.dumped_table(i.table, dumped) {
                let q = format!("{}.{}", r.schema_quoted, i.quoted);
                indexes.insert(
                    i.oid,
                    (Key::new(Class::Relation, i.oid), r, q, i.name.clone()),
                );
                attached.extend(i.parent_index.map(|p| (i.oid, p)));
            }
        }
        for c in &self.cat.constraints {
            if !matches!(c.kind, 'p' | 'u' | 'x') || c.index == 0 {
                continue;
            }
            if let Some(r) = self.dumped_table(c.table, dumped) {
                let q = format!("{}.{}", r.schema_quoted, c.quoted);
                indexes.insert(
                    c.index,
                    (Key::new(Class::Constraint, c.oid), r, q, c.name.clone()),
                );
                attached.extend(c.parent_index.map(|p| (c.index, p)));
            }
        }
        let parent_of: HashMap<Oid, Oid> = attached.iter().copied().collect();
        for &(child, parent) in &attached {
            let (Some(c), Some(p)) = (indexes.get(&child), indexes.get(&parent)) else {
                continue;
            };
            let mut o = DumpObject::new(
                Key::new(Class::IndexAttach, child),
                Priority::IndexAttach,
                "INDEX ATTACH",
                c.3.clone(),
            );
            o.namespace = Some(c.1.schema.clone());
            o.owner = Some(c.1.owner.clone());
            o.defn = format!("ALTER INDEX {} ATTACH PARTITION {};\n", p.2, c.2);
            o.deps.push(p.0);
            o.deps.push(c.0);
            o.deps.push(Key::new(Class::Relation, p.1.oid));
            o.deps.push(Key::new(Class::Relation, c.1.oid));
            // A constraint's index has no entry of its own: pg_dump's
            // dependencies pass through it to its parent (sub-partitions),
            // and stop at the first index that is dumped.
            let mut through = p.0.class == Class::Constraint;
            let mut up = parent_of.get(&parent);
            while let Some(grand) = up.and_then(|g| indexes.get(g).map(|i| (g, i))) {
                if !through {
                    break;
                }
                o.deps.push(grand.1 .0);
                through = grand.1 .0.class == Class::Constraint;
                up = parent_of.get(grand.0);
            }
            self.out.push(o);
        }
    }

    fn triggers(&mut self, dumped: &HashSet<Oid>) {
        for t in &self.cat.triggers {
            let Some(r) = self.dumped_table(t.table, dumped) else {
                continue;
            };
            let mut o = DumpObject::new(
                Key::new(Class::Trigger, t.oid),
                Priority::Trigger,
                "TRIGGER",
                format!("{} {}", r.name, t.name),
            );
            o.sort_by(&t.name, &[&r.name]);
            o.catalog = (PG_TRIGGER, t.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            let alter = if r.kind == 'f' {
                "ALTER FOREIGN TABLE"
            } else {
                "ALTER TABLE"
            };
            if let Some(parent) = t.parent {
                // ATTACH PARTITION clones the trigger: only its state is
                // dumped, and nothing to drop.
                let state = enabled_state(t.enabled).unwrap_or("ENABLE");
                o.defn = format!("\n{alter} {} {state} TRIGGER {};\n", r.qualified, t.quoted);
                o.deps.push(Key::new(Class::Trigger, parent));
            } else {
                o.defn = format!("{};\n", t.definition);
                if let Some(state) = enabled_state(t.enabled) {
                    o.defn.push_str(&format!(
                        "\n{alter} {} {state} TRIGGER {};\n",
                        r.qualified, t.quoted
                    ));
                }
                o.drop = format!("DROP TRIGGER {} ON {};\n", t.quoted, r.qualified);
            }
            o.deps.push(Key::new(Class::Relation, r.oid));
            if let Some(c) = &t.comment {
                let target = format!("TRIGGER {} ON {}", t.quoted, r.qualified);
                o.attached.push(comment(
                    format!("TRIGGER {} ON {}", ident(&t.name), ident(&r.name)),
                    &target,
                    c,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    fn rules(&mut self, dumped: &HashSet<Oid>) {
        for rule in &self.cat.rules {
            let Some(r) = self.dumped_table(rule.table, dumped) else {
                continue;
            };
            let mut o = DumpObject::new(
                Key::new(Class::Rule, rule.oid),
                Priority::Rule,
                "RULE",
                format!("{} {}", r.name, rule.name),
            );
            o.sort_by(&rule.name, &[&r.name]);
            o.catalog = (PG_REWRITE, rule.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            o.defn = format!("{}\n", rule.definition);
            if let Some(state) = enabled_state(rule.enabled) {
                o.defn.push_str(&format!(
                    "\nALTER TABLE {} {state} RULE {};\n",
                    r.qualified, rule.quoted
                ));
            }
            o.drop = format!("DROP RULE {} ON {};\n", rule.quoted, r.qualified);
            o.deps.push(Key::new(Class::Relation, r.oid));
            if let Some(c) = &rule.comment {
                let target = format!("RULE {} ON {}", rule.quoted, r.qualified);
                o.attached.push(comment(
                    format!("RULE {} ON {}", rule.quoted, ident(&r.name)),
                    &target,
                    c,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    /// The data of extension configuration tables (with the extension's
    /// filter) and the values of its configuration sequences.
    fn extension_data(&mut self) {
        for t in &self.cat.ext_config {
            let sequence = t.kind == 'S';
            let (class, priority, desc) = if sequence {
                (Class::SequenceSet, Priority::SequenceSet, "SEQUENCE SET")
            } else {
                (Class::TableData, Priority::TableData, "TABLE DATA")
            };
            let mut o = DumpObject::new(Key::new(class, t.oid), priority, desc, t.name.clone());
            o.namespace = Some(t.schema.clone());
            o.owner = Some(t.owner.clone());
            o.deps.push(Key::new(Class::Extension, t.extension));
            // pg_dump records only the (undumped) table or sequence.
            o.toc_deps = Some(Vec::new());
            if sequence {
                let (value, called) = match t.last_value {
                    Some(v) => (v, true),
                    None => (t.start.unwrap_or(1), false),
                };
                o.defn = format!(
                    "SELECT pg_catalog.setval({}, {value}, {called});\n",
                    literal(&t.qualified, self.std())
                );
            } else {
                o.catalog = (0, t.oid);
                o.tablespace = Some(String::new());
                o.relkind = b'r';
                let list = if t.columns.is_empty() {
                    String::new()
                } else {
                    format!("({}) ", t.columns)
                };
                o.copy_stmt = Some(format!("COPY {} {list}FROM stdin;\n", t.qualified));
                let select = if t.columns.is_empty() {
                    "*"
                } else {
                    &t.columns
                };
                o.data = Some(DataSource::Copy(format!(
                    "COPY (SELECT {select} FROM {} {}) TO stdout",
                    t.qualified, t.condition
                )));
                o.deps
                    .extend(t.references.iter().map(|&r| Key::new(Class::TableData, r)));
            }
            self.out.push(o);
        }
    }

    fn large_objects(&mut self) {
        let los = &self.cat.large_objects;
        if los.is_empty() {
            return;
        }
        let lo_comment = |lo: &crate::catalog::LargeObject, std: bool| {
            lo.comment.as_ref().map(|c| {
                let target = format!("LARGE OBJECT {}", lo.oid);
                comment(target.clone(), &target, c, None, &lo.owner, std)
            })
        };
        if self.opts.version.has_blob_metadata() {
            for group in lo_groups(los) {
                let (first, last) = (group[0].oid, group[group.len() - 1].oid);
                let tag = if first == last {
                    first.to_string()
                } else {
                    format!("{first}..{last}")
                };
                let mut m = DumpObject::new(
                    Key::new(Class::BlobGroup, first),
                    Priority::LargeObjectMeta,
                    "BLOB METADATA",
                    tag.clone(),
                );
                m.section = Section::Data;
                m.catalog = (PG_LARGEOBJECT, first);
                m.owner = Some(group[0].owner.clone());
                m.defn = group.iter().map(|l| format!("{}\n", l.oid)).collect();
                m.drop = "-- dummy".into();
                m.attached = group
                    .iter()
                    .filter_map(|l| lo_comment(l, self.opts.std_strings))
                    .collect();
                self.out.push(m);
                let mut d = DumpObject::new(
                    Key::new(Class::Blobs, first),
                    Priority::LargeObjectData,
                    "BLOBS",
                    tag,
                );
                d.owner = Some(group[0].owner.clone());
                d.data = Some(DataSource::LargeObjects(
                    group.iter().map(|l| l.oid).collect(),
                ));
                d.deps.push(Key::new(Class::BlobGroup, first));
                self.out.push(d);
            }
        } else {
            for lo in los {
                let mut o = DumpObject::new(
                    Key::new(Class::LargeObject, lo.oid),
                    Priority::LargeObject,
                    "BLOB",
                    lo.oid.to_string(),
                );
                o.catalog = (PG_LARGEOBJECT, lo.oid);
                o.owner = Some(lo.owner.clone());
                o.defn = format!("SELECT pg_catalog.lo_create('{}');\n", lo.oid);
                o.drop = format!("SELECT pg_catalog.lo_unlink('{}');\n", lo.oid);
                o.attached = lo_comment(lo, self.opts.std_strings).into_iter().collect();
                self.out.push(o);
            }
            let mut d = DumpObject::new(
                Key::new(Class::Blobs, 0),
                Priority::LargeObjectData,
                "BLOBS",
                "BLOBS".into(),
            );
            d.data = Some(DataSource::LargeObjects(
                los.iter().map(|l| l.oid).collect(),
            ));
            self.out.push(d);
        }
    }
}

/// A sequence's options from START WITH on, as pg_dump's dumpSequence
/// writes them (NO MINVALUE / NO MAXVALUE for the type's defaults).
fn sequence_options(s: &crate::catalog::Sequence) -> String {
    let (min, max) = match s.type_name.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let (default_min, default_max) = if s.increment >= 0 {
        (1, max)
    } else {
        (min, -1)
    };
    let mut out = format!(
        "    START WITH {}\n    INCREMENT BY {}\n",
        s.start, s.increment
    );
    if s.min == default_min {
        out.push_str("    NO MINVALUE\n");
    } else {
        out.push_str(&format!("    MINVALUE {}\n", s.min));
    }
    if s.max == default_max {
        out.push_str("    NO MAXVALUE\n");
    } else {
        out.push_str(&format!("    MAXVALUE {}\n", s.max));
    }
    out.push_str(&format!("    CACHE {}", s.cache));
    if s.cycle {
        out.push_str("\n    CYCLE");
    }
    out
}

/// `ALTER TABLE ONLY t REPLICA IDENTITY USING INDEX i` after an index or
/// key constraint, as pg_dump appends it.
fn index_replica_identity(table: &Relation, index_quoted: &str) -> String {
    format!(
        "\nALTER TABLE ONLY {} REPLICA IDENTITY USING INDEX {index_quoted};\n",
        table.qualified
    )
}

/// pg_dump 17+'s large object groups (`getLOs`): at most 1000 with the
/// same owner and ACL, in the catalog query's order (owner, ACL, OID).
fn lo_groups(
    los: &[crate::catalog::LargeObject],
) -> impl Iterator<Item = &[crate::catalog::LargeObject]> {
    los.chunk_by(|a, b| (a.owner_oid, &a.acl) == (b.owner_oid, &b.acl))
        .flat_map(|g| g.chunks(BLOBS_PER_GROUP))
}

/// pg_dump's `dumpRangeType`.
fn range_type(t: &crate::catalog::UserType) -> String {
    let mut opts = vec![format!(
        "subtype = {}",
        t.range_subtype.as_deref().unwrap_or("integer")
    )];
    let named = [
        ("multirange_type_name", &t.multirange),
        ("subtype_opclass", &t.subtype_opclass),
        ("collation", &t.range_collation),
        ("canonical", &t.canonical),
        ("subtype_diff", &t.subtype_diff),
    ];
    for (name, value) in named {
        if let Some(v) = value {
            opts.push(format!("{name} = {v}"));
        }
    }
    format!(
        "CREATE TYPE {} AS RANGE (\n    {}\n);\n",
        t.qualified,
        opts.join(",\n    ")
    )
}

/// pg_dump's `dumpBaseType`.
fn base_type(t: &crate::catalog::UserType, std: bool) -> String {
    let b = &t.base;
    let length = if b.length == -1 {
        "variable".to_owned()
    } else {
        b.length.to_string()
    };
    let mut q = format!(
        "CREATE TYPE {} (\n    INTERNALLENGTH = {length}",
        t.qualified
    );
    q.push_str(&format!(",\n    INPUT = {}", b.input));
    q.push_str(&format!(",\n    OUTPUT = {}", b.output));
    let functions = [
        ("RECEIVE", &b.receive),
        ("SEND", &b.send),
        ("TYPMOD_IN", &b.typmod_in),
        ("TYPMOD_OUT", &b.typmod_out),
        ("ANALYZE", &b.analyze),
    ];
    for (name, f) in functions {
        if let Some(f) = f {
            q.push_str(&format!(",\n    {name} = {f}"));
        }
    }
    if b.collatable {
        q.push_str(",\n    COLLATABLE = true");
    }
    // Already an expression or a quoted literal (types.sql).
    if let Some(d) = &t.default {
        q.push_str(&format!(",\n    DEFAULT = {d}"));
    }
    if let Some(f) = &b.subscript {
        q.push_str(&format!(",\n    SUBSCRIPT = {f}"));
    }
    if let Some(e) = &b.element {
        q.push_str(&format!(",\n    ELEMENT = {e}"));
    }
    if b.category != "U" {
        q.push_str(&format!(",\n    CATEGORY = {}", literal(&b.category, std)));
    }
    if b.preferred {
        q.push_str(",\n    PREFERRED = true");
    }
    if b.delimiter != "," {
        q.push_str(&format!(
            ",\n    DELIMITER = {}",
            literal(&b.delimiter, std)
        ));
    }
    let align = match b.align.as_str() {
        "c" => "char",
        "s" => "int2",
        "i" => "int4",
        _ => "double",
    };
    q.push_str(&format!(",\n    ALIGNMENT = {align}"));
    let storage = match b.storage.as_str() {
        "p" => "plain",
        "e" => "external",
        "m" => "main",
        _ => "extended",
    };
    q.push_str(&format!(",\n    STORAGE = {storage}"));
    if b.by_value {
        q.push_str(",\n    PASSEDBYVALUE");
    }
    q.push_str("\n);\n");
    q
}

/// ` COLLATE name` for a column's non-default collation, else nothing.
fn collate_clause(collation: &Option<String>) -> String {
    collation
        .as_ref()
        .map(|c| format!(" COLLATE {c}"))
        .unwrap_or_default()
}

/// pg_dump's `createDummyViewAsClause`: a query with the view's columns,
/// all NULL, and none of its dependencies.
fn dummy_view_query(r: &Relation) -> String {
    let cols: Vec<String> = r
        .columns
        .iter()
        .map(|c| {
            let coll = collate_clause(&c.collation);
            format!("\n    NULL::{}{coll} AS {}", c.type_name, c.quoted)
        })
        .collect();
    format!("SELECT{}", cols.join(","))
}

/// Whether a parent has a default (not a generation expression, not
/// NULL) on the column.
fn inherits_default(col: &Column, parents: &[&Relation]) -> bool {
    parents.iter().any(|p| {
        p.columns.iter().any(|pc| {
            pc.name == col.name
                && pc.generated.is_empty()
                && pc.default.as_ref().is_some_and(|d| d.1 != "NULL")
        })
    })
}

/// One column of CREATE TABLE, in pg_dump's order: type, default or
/// generation expression (unless the column inherits it: `generation`
/// false), the NOT NULL clause, collation. Defaults that must follow a
/// sequence are collected into `separate` instead.
fn column_line(
    col: &Column,
    not_null: Option<&str>,
    generation: bool,
    separate: &HashSet<Oid>,
    out: &mut Vec<(Oid, Column, String)>,
) -> String {
    let mut line = format!("    {} {}", col.quoted, col.type_name);
    if let Some((oid, expr)) = &col.default {
        if col.generated == "s" {
            if generation {
                line.push_str(&format!(" GENERATED ALWAYS AS ({expr}) STORED"));
            }
        } else if col.generated == "v" {
            if generation {
                line.push_str(&format!(" GENERATED ALWAYS AS ({expr})"));
            }
        } else if separate.contains(oid) {
            out.push((*oid, col.clone(), expr.clone()));
        } else {
            line.push_str(&format!(" DEFAULT {expr}"));
        }
    }
    line.push_str(not_null.unwrap_or_default());
    if let Some(c) = &col.collation {
        line.push_str(&format!(" COLLATE {c}"));
    }
    line
}

/// The INDEX ATTACH entries of every partition index under a partitioned
/// index, at any depth: a foreign key referencing a partitioned table
/// depends on them all, as pg_dump's addConstrChildIdxDeps makes it (the
/// key is usable only once every partition's index is attached).
fn index_attaches_under(children: &HashMap<Oid, Vec<Oid>>, index: Oid) -> Vec<Key> {
    let mut out = Vec::new();
    let mut todo = vec![index];
    while let Some(i) = todo.pop() {
        for &child in children.get(&i).into_iter().flatten() {
            out.push(Key::new(Class::IndexAttach, child));
            todo.push(child);
        }
    }
    out
}
