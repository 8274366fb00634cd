//! Views and materialized views, their `_RETURN` rules and refreshes
//! (`dumpTableSchema`, `dumpRule`, `buildMatViewRefreshDependencies`).

use std::collections::HashSet;

use crate::catalog::{Oid, Relation};
use crate::schema::object::{Class, DumpObject, Inline, Key, Priority};

use super::columns::{collate_clause, column_settings, with_clause};
use super::{Builder, PG_REWRITE};

impl Builder<'_> {
    pub(super) fn view(&mut self, r: &Relation) {
        let def = r
            .view_def
            .as_deref()
            .unwrap_or("")
            .trim_end()
            .trim_end_matches(';');
        if r.kind == 'm' {
            self.materialized_view(r, def);
            return;
        }
        let mut o = self.base(r, Class::Relation, Priority::Table, "VIEW");
        let (with, check) = view_options(r);
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

    /// A materialized view (`def`: its query), its `_RETURN` rule and, if
    /// populated, its REFRESH.
    fn materialized_view(&mut self, r: &Relation, def: &str) {
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
            let d = self.matview_data(r);
            self.out.push(d);
        }
    }

    /// The MATERIALIZED VIEW DATA entry: REFRESH, after the refreshes of
    /// the materialized views its query reads.
    fn matview_data(&self, r: &Relation) -> DumpObject {
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
        d
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

/// A view's ` WITH (reloptions)` and `\n  WITH ... CHECK OPTION`:
/// check_option is a reloption but written as WITH ... CHECK OPTION.
fn view_options(r: &Relation) -> (String, String) {
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
    (with, check)
}
