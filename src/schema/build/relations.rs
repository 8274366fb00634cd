//! What tables, views, materialized views and sequences share: the walk
//! over the catalog's relations, the entry every one starts from, comments
//! on them and their columns, and column defaults dumped on their own.

use std::collections::HashSet;

use crate::catalog::{Column, Oid, Relation};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::notnull::NotNulls;
use super::{comment, Builder, PG_CLASS};

const PG_ATTRDEF: Oid = 2604;
impl Builder<'_> {
    /// Tables, views, materialized views and sequences; returns the OIDs of
    /// the relations dumped.
    pub(super) fn relations(&mut self) -> HashSet<Oid> {
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

    pub(super) fn base(
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

    pub(super) fn relation_comments(&self, o: &mut DumpObject, r: &Relation, kind: &str) {
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

    /// A column default dumped on its own (pg_dump's dumpAttrDef), after
    /// the relation; `kind` is `TABLE` or `FOREIGN TABLE` (views use
    /// `TABLE`, as pg_dump does).
    pub(super) fn separate_default(
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
}
