//! Table constraints dumped on their own (`dumpConstraint`): keys, foreign
//! keys, NOT VALID checks and not-nulls, and the comments that ride on
//! other entries.

use std::collections::{HashMap, HashSet};

use crate::catalog::{Constraint, Oid, Relation};
use crate::schema::object::{Attached, Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::indexes::{index_attaches_under, index_replica_identity};
use super::{comment, Builder, PG_CLASS, PG_CONSTRAINT};

impl Builder<'_> {
    pub(super) fn constraints(&mut self, dumped: &HashSet<Oid>) {
        let index_constraint = self.key_constraints_by_index();
        let index_children = self.index_children();
        for c in &self.cat.constraints {
            let Some(r) = self.dumped_table(c.table, dumped) else {
                continue;
            };
            if !has_own_entry(c) {
                continue;
            }
            let o = self.constraint_entry(c, r, &index_constraint, &index_children);
            self.out.push(o);
            // pg_dump's dumpIndex writes the comment of a constraint's
            // index, sorted among the indexes, depending on the constraint.
            if let Some(text) = &c.index_comment {
                let i = self.constraint_index_comment(c, r, text);
                self.out.push(i);
            }
        }
        self.inherited_not_valid_comments(dumped);
        self.inline_check_comments();
    }

    /// Key constraints by their index's OID: a partition's key constraint
    /// follows the parent's it attaches to.
    fn key_constraints_by_index(&self) -> HashMap<Oid, Oid> {
        self.cat
            .constraints
            .iter()
            .filter(|c| c.index != 0 && matches!(c.kind, 'p' | 'u' | 'x'))
            .map(|c| (c.index, c.oid))
            .collect()
    }

    /// The `ALTER TABLE ... ADD CONSTRAINT` entry of `c` on the table `r`,
    /// with its comment.
    fn constraint_entry(
        &self,
        c: &Constraint,
        r: &Relation,
        index_constraint: &HashMap<Oid, Oid>,
        index_children: &HashMap<Oid, Vec<Oid>>,
    ) -> DumpObject {
        let (desc, priority, only) = entry_kind(c, r);
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
        o.defn = add_constraint(c, r, only);
        o.drop = drop_constraint(c, r, only);
        o.deps.push(Key::new(Class::Relation, r.oid));
        if let Some(parent) = c.parent_index.and_then(|p| index_constraint.get(&p)) {
            o.deps.push(Key::new(Class::Constraint, *parent));
        }
        if c.kind == 'f' {
            o.deps.extend(index_attaches_under(index_children, c.index));
        }
        if let Some(text) = &c.comment {
            o.attached.push(constraint_comment(c, r, text, self.std()));
        }
        o
    }

    /// The entryless INDEX object that carries the comment of a key
    /// constraint's index.
    fn constraint_index_comment(&self, c: &Constraint, r: &Relation, text: &str) -> DumpObject {
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
        i
    }

    /// Inline check constraints' comments ride on the table's entry.
    fn inline_check_comments(&mut self) {
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
                t.attached
                    .push(constraint_comment(c, r, text, self.opts.std_strings));
            }
        }
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
            let mut a = constraint_comment(c, r, text, self.opts.std_strings);
            a.detached = true;
            o.attached.push(a);
        }
    }
}

/// Whether `c` has an entry of its own: not inline in CREATE TABLE, nor
/// inherited (a partition's key constraints are its own, attached to the
/// parent's index).
fn has_own_entry(c: &Constraint) -> bool {
    let key = matches!(c.kind, 'p' | 'u' | 'x');
    let inline = matches!(c.kind, 'c' | 'n') && c.validated;
    (c.is_local || key) && !inline
}

/// The entry's desc, priority and `ONLY `: a NOT VALID check or not-null
/// goes to the children too; a partitioned table's foreign key always does.
fn entry_kind(c: &Constraint, r: &Relation) -> (&'static str, Priority, &'static str) {
    match c.kind {
        'f' if r.kind == 'p' => ("FK CONSTRAINT", Priority::FkConstraint, ""),
        'f' => ("FK CONSTRAINT", Priority::FkConstraint, "ONLY "),
        'c' => ("CHECK CONSTRAINT", Priority::Constraint, ""),
        'n' => ("CONSTRAINT", Priority::Constraint, ""),
        _ => ("CONSTRAINT", Priority::Constraint, "ONLY "),
    }
}

/// `ALTER TABLE ... ADD CONSTRAINT`, with the CLUSTER ON and REPLICA
/// IDENTITY that use the constraint's index.
fn add_constraint(c: &Constraint, r: &Relation, only: &str) -> String {
    let foreign = if r.kind == 'f' { "FOREIGN " } else { "" };
    let mut defn = format!(
        "ALTER {foreign}TABLE {only}{}\n    ADD CONSTRAINT {} {};\n",
        r.qualified, c.quoted, c.definition
    );
    if c.clustered {
        defn.push_str(&format!(
            "\nALTER TABLE {} CLUSTER ON {};\n",
            r.qualified, c.quoted
        ));
    }
    if c.replica_identity {
        defn.push_str(&index_replica_identity(r, &c.quoted));
    }
    defn
}

fn drop_constraint(c: &Constraint, r: &Relation, only: &str) -> String {
    let foreign = if r.kind == 'f' { "FOREIGN " } else { "" };
    format!(
        "ALTER {foreign}TABLE {only}{} DROP CONSTRAINT {};\n",
        r.qualified, c.quoted
    )
}

/// `COMMENT ON CONSTRAINT c ON table`.
fn constraint_comment(c: &Constraint, r: &Relation, text: &str, std: bool) -> Attached {
    comment(
        format!("CONSTRAINT {} ON {}", c.quoted, ident(&r.name)),
        &format!("CONSTRAINT {} ON {}", c.quoted, r.qualified),
        text,
        Some(&r.schema),
        &r.owner,
        std,
    )
}
