//! Indexes (`dumpIndex`) and their ATTACH PARTITION entries
//! (`dumpIndexAttach`), with the partition-index tree both need.

use std::collections::{HashMap, HashSet};

use crate::catalog::{Oid, Relation};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::{comment, Builder, PG_CLASS};

impl Builder<'_> {
    /// The partition indexes attached to each partitioned index (plain or
    /// backing a key constraint).
    pub(super) fn index_children(&self) -> HashMap<Oid, Vec<Oid>> {
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

    pub(super) fn indexes(&mut self, dumped: &HashSet<Oid>) {
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
    pub(super) fn index_attach(&mut self, dumped: &HashSet<Oid>) {
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
}

/// `ALTER TABLE ONLY t REPLICA IDENTITY USING INDEX i` after an index or
/// key constraint, as pg_dump appends it.
pub(super) fn index_replica_identity(table: &Relation, index_quoted: &str) -> String {
    format!(
        "\nALTER TABLE ONLY {} REPLICA IDENTITY USING INDEX {index_quoted};\n",
        table.qualified
    )
}

/// The INDEX ATTACH entries of every partition index under a partitioned
/// index, at any depth: a foreign key referencing a partitioned table
/// depends on them all, as pg_dump's addConstrChildIdxDeps makes it (the
/// key is usable only once every partition's index is attached).
pub(super) fn index_attaches_under(children: &HashMap<Oid, Vec<Oid>>, index: Oid) -> Vec<Key> {
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
