//! Tables and foreign tables: CREATE TABLE as pg_dump's
//! `dumpTableSchema` writes it, the checks and defaults inlined in it, the
//! partition's ATTACH, the table's data and its row security.

use std::collections::HashSet;

use crate::catalog::{Column, Oid, Relation};
use crate::schema::object::{Class, DataSource, DumpObject, Inline, Key, Priority};
use crate::schema::quote::ident;

use super::columns::{column_settings, typed_column_line, with_clause};
use super::notnull::{NotNull, NotNulls};
use super::{comment, Builder, PG_CONSTRAINT};

/// What a table's columns put into and around its CREATE TABLE.
#[derive(Default)]
struct TableColumns<'c> {
    /// The lines inside CREATE TABLE's parentheses.
    lines: Vec<String>,
    /// Statements after CREATE TABLE (column settings, SET NOT NULL).
    after: String,
    /// Defaults dumped as DEFAULT entries of their own: (attrdef, column,
    /// expression).
    defaults: Vec<(Oid, Column, String)>,
    /// Inherited columns that get a DEFAULT NULL entry of their own.
    null_defaults: Vec<&'c Column>,
    /// Comments on the columns' NOT NULL constraints: (quoted name, text).
    not_null_comments: Vec<(&'c str, &'c str)>,
}

impl<'c> TableColumns<'c> {
    /// pg_dump's shouldPrintColumn: an inherited column comes from the
    /// parent, so only its own default, DEFAULT NULL and local NOT NULL
    /// are written, apart.
    fn inherited(
        &mut self,
        r: &Relation,
        kind: &str,
        col: &'c Column,
        not_null: Option<NotNull<'c>>,
        null_default: bool,
        not_null_as_table_constraint: bool,
    ) {
        if let Some((oid, expr)) = col.default.clone().filter(|_| col.generated.is_empty()) {
            self.defaults.push((oid, col.clone(), expr));
        }
        if null_default {
            self.null_defaults.push(col);
        }
        match not_null.filter(|n| n.local) {
            Some(n) if not_null_as_table_constraint => {
                self.lines.push(n.table_clause(&col.quoted));
            }
            Some(_) => self.after.push_str(&format!(
                "ALTER {kind} ONLY {} ALTER COLUMN {} SET NOT NULL;\n",
                r.qualified, col.quoted
            )),
            None => {}
        }
    }

    /// A column of the table's own (or any column of a partition, which
    /// is created on its own before ATTACH and lists them all).
    fn own(
        &mut self,
        r: &Relation,
        col: &Column,
        not_null: Option<NotNull<'_>>,
        null_default: bool,
        inherits_generation: bool,
        separate_defaults: &HashSet<Oid>,
    ) {
        let not_null = not_null
            .filter(|n| n.local || r.is_partition)
            .map(|n| n.column_clause());
        let separate = self.defaults.len();
        let null = Column {
            default: Some((0, "NULL".to_owned())),
            ..col.clone()
        };
        let line = column_line(
            if null_default { &null } else { col },
            not_null.as_deref(),
            !inherits_generation,
            separate_defaults,
            &mut self.defaults,
        );
        match r.of_type {
            // A typed table's column is written only for what the type
            // does not give it: a default or NOT NULL.
            Some(_) => {
                let inline_default = col.default.is_some() && self.defaults.len() == separate;
                if inline_default || not_null.is_some() {
                    self.lines.push(typed_column_line(&line, col));
                }
            }
            None => self.lines.push(line),
        }
    }
}

impl<'a> Builder<'a> {
    /// A table or foreign table: its CREATE entry, then its partition
    /// ATTACH, separate defaults, data and row security.
    pub(super) fn table(
        &mut self,
        r: &Relation,
        separate_defaults: &HashSet<Oid>,
        not_nulls: &NotNulls,
    ) {
        // What pg_dump calls the table in statements and tags.
        let kind = if r.kind == 'f' {
            "FOREIGN TABLE"
        } else {
            "TABLE"
        };
        let parents: Vec<&Relation> = r
            .parents
            .iter()
            .filter_map(|p| self.rels.get(p).copied())
            .collect();
        let cols = self.table_columns(r, kind, &parents, separate_defaults, not_nulls);
        let mut o = self.base(r, Class::Relation, Priority::Table, kind);
        if r.kind != 'f' {
            o.tablespace = Some(r.tablespace.clone().unwrap_or_default());
            o.table_am = r.access_method.clone();
        }
        o.defn = self.create_table(r, kind, &parents, &cols);
        o.drop = format!("DROP {kind} {};\n", r.qualified);
        o.deps
            .extend(parents.iter().map(|p| Key::new(Class::Relation, p.oid)));
        self.relation_comments(&mut o, r, kind);
        for (name, text) in &cols.not_null_comments {
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
        self.partition_attach(r, &parents);
        for (attrdef, col, expr) in &cols.defaults {
            self.separate_default(r, kind, Some(*attrdef), col, expr);
        }
        for col in &cols.null_defaults {
            self.separate_default(r, kind, None, col, "NULL");
        }
        self.table_data(r);
        self.row_security(r);
    }

    /// Walks the table's columns (pg_dump's dumpTableSchema loop).
    fn table_columns<'c>(
        &self,
        r: &'c Relation,
        kind: &str,
        parents: &[&'c Relation],
        separate_defaults: &HashSet<Oid>,
        not_nulls: &NotNulls<'c>,
    ) -> TableColumns<'c> {
        let mut cols = TableColumns::default();
        for col in &r.columns {
            let not_null = not_nulls.of(r, col, parents);
            cols.not_null_comments
                .extend(not_null.as_ref().and_then(|n| n.comment));
            // flagInhAttrs: a column without the default its parents have
            // gets DEFAULT NULL, or the parent's would apply on restore.
            let null_default = col.default.is_none() && inherits_default(col, parents);
            if !col.is_local && !r.is_partition {
                let as_table_constraint = not_nulls.as_table_constraints();
                cols.inherited(r, kind, col, not_null, null_default, as_table_constraint);
            } else {
                let generation = !r.is_partition && self.inherits_generation(col, parents);
                cols.own(
                    r,
                    col,
                    not_null,
                    null_default,
                    generation,
                    separate_defaults,
                );
            }
            cols.after
                .push_str(&column_settings(kind, &r.qualified, col));
        }
        cols
    }

    /// CREATE TABLE and the statements pg_dump writes after it in the
    /// same entry.
    fn create_table(
        &self,
        r: &Relation,
        kind: &str,
        parents: &[&Relation],
        cols: &TableColumns,
    ) -> String {
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
        let mut lines = cols.lines.clone();
        lines.extend(self.check_lines(r));
        if !lines.is_empty() {
            defn.push_str(&format!(" (\n{}\n)", lines.join(",\n")));
        } else if r.of_type.is_none() {
            defn.push_str(" (\n)");
        }
        if !r.is_partition && !parents.is_empty() {
            let names: Vec<&str> = parents.iter().map(|p| p.qualified.as_str()).collect();
            defn.push_str(&format!("\nINHERITS ({})", names.join(", ")));
        }
        let (server, column_options) = self.foreign_clauses(r);
        defn.push_str(&server);
        if let Some(key) = &r.partition_key {
            defn.push_str(&format!("\nPARTITION BY {key}"));
        }
        defn.push_str(&with_clause(r));
        defn.push_str(";\n");
        defn.push_str(&cols.after);
        defn.push_str(&column_options);
        defn.push_str(&table_alters(r));
        defn
    }

    /// The CHECK constraints written inside CREATE TABLE. A partition is
    /// created on its own before ATTACH, so it carries the checks it
    /// inherits too.
    fn check_lines(&self, r: &Relation) -> Vec<String> {
        self.cat
            .constraints
            .iter()
            .filter(|c| c.table == r.oid && c.kind == 'c')
            .filter(|c| c.validated && (c.is_local || r.is_partition))
            .map(|c| format!("    CONSTRAINT {} {}", c.quoted, c.definition))
            .collect()
    }

    /// A foreign table's SERVER and OPTIONS clauses, and the ALTER
    /// FOREIGN TABLE statements of its columns' options; nothing for
    /// another table.
    fn foreign_clauses(&self, r: &Relation) -> (String, String) {
        let (mut server, mut columns) = (String::new(), String::new());
        let foreign = self.cat.standalone.foreign_tables.iter();
        let Some(f) = foreign.filter(|_| r.kind == 'f').find(|f| f.oid == r.oid) else {
            return (server, columns);
        };
        server.push_str(&format!("\nSERVER {}", f.server));
        if !f.options.is_empty() {
            server.push_str(&format!("\nOPTIONS (\n    {}\n)", f.options));
        }
        // pg_dump 17 added ONLY here.
        let only = if self.opts.server_major >= 17 {
            "ONLY "
        } else {
            ""
        };
        for (col, opts) in &f.column_options {
            columns.push_str(&format!(
                "ALTER FOREIGN TABLE {only}{} ALTER COLUMN {col} OPTIONS (\n    {opts}\n);\n",
                r.qualified
            ));
        }
        (server, columns)
    }

    /// A partition's TABLE ATTACH entry.
    fn partition_attach(&mut self, r: &Relation, parents: &[&Relation]) {
        let (Some(bound), Some(parent)) = (&r.partition_bound, parents.first()) else {
            return;
        };
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

    /// The table's TABLE DATA entry. A partitioned table's rows are its
    /// partitions' data; a foreign table's are elsewhere.
    fn table_data(&mut self, r: &Relation) {
        if r.kind == 'p' || r.kind == 'f' {
            return;
        }
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

    /// ENABLE ROW LEVEL SECURITY, as an entry of its own.
    fn row_security(&mut self, r: &Relation) {
        if !r.row_security {
            return;
        }
        let mut rs = self.base(r, Class::RowSecurity, Priority::Policy, "ROW SECURITY");
        rs.catalog = (0, r.oid);
        rs.relkind = 0;
        rs.defn = format!("ALTER TABLE {} ENABLE ROW LEVEL SECURITY;\n", r.qualified);
        rs.deps.push(Key::new(Class::Relation, r.oid));
        self.out.push(rs);
    }

    /// The CHECK constraints written inside CREATE TABLE, as hidden
    /// objects the table depends on (pg_dump's non-separate constraints):
    /// a dependency loop through one makes it a post-data entry.
    pub(super) fn inline_checks(&mut self, r: &Relation) {
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
    pub(super) fn inline_defaults(&mut self, r: &Relation) {
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

    /// The root a partition's rows are loaded through: pg_dump forces
    /// it when a partitioned ancestor hashes an enum, whose OIDs (and so
    /// hashes) differ after restore (`forcePartitionRootLoad`).
    fn partition_root_load(&self, r: &Relation) -> Option<&'a Relation> {
        if !r.is_partition {
            return None;
        }
        let parent = |t: &Relation| self.rels.get(t.parents.first()?).copied();
        let mut at = parent(r)?;
        let mut forced = self.opts.load_via_partition_root || at.hashes_enum;
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

/// Statements pg_dump has only ALTER TABLE syntax for: a non-default
/// replica identity (not on a foreign table) and FORCE ROW LEVEL SECURITY.
fn table_alters(r: &Relation) -> String {
    let mut out = String::new();
    match r.replica_identity {
        _ if r.kind == 'f' => {}
        'f' => out.push_str(&format!(
            "\nALTER TABLE ONLY {} REPLICA IDENTITY FULL;\n",
            r.qualified
        )),
        'n' => out.push_str(&format!(
            "\nALTER TABLE ONLY {} REPLICA IDENTITY NOTHING;\n",
            r.qualified
        )),
        _ => {}
    }
    if r.force_row_security {
        out.push_str(&format!(
            "\nALTER TABLE ONLY {} FORCE ROW LEVEL SECURITY;\n",
            r.qualified
        ));
    }
    out
}
