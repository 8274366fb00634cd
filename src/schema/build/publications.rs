//! Publications and their members (tables and schemas), as pg_dump's
//! `dumpPublication`, `dumpPublicationTable` and
//! `dumpPublicationNamespace` write them.

use std::collections::{HashMap, HashSet};

use crate::catalog::{Oid, Publication, PublicationMember, Relation, Schema};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::{comment, Builder};

const PG_PUBLICATION: Oid = 6104;
const PG_PUBLICATION_REL: Oid = 6106;
const PG_PUBLICATION_NAMESPACE: Oid = 6237;

impl Builder<'_> {
    pub(super) fn publications(&mut self, dumped: &HashSet<Oid>) {
        let pubs: HashMap<Oid, &Publication> =
            self.cat.publications.iter().map(|p| (p.oid, p)).collect();
        for p in &self.cat.publications {
            let o = self.publication(p);
            self.out.push(o);
        }
        for m in &self.cat.publication_members {
            let Some(p) = pubs.get(&m.publication) else {
                continue;
            };
            if m.table != 0 {
                let Some(r) = self.dumped_table(m.table, dumped) else {
                    continue;
                };
                self.out.push(publication_table(p, m, r));
            } else if let Some(s) = self.cat.schemas.iter().find(|s| s.oid == m.schema) {
                self.out.push(publication_schema(p, m, s));
            }
        }
    }

    /// CREATE PUBLICATION, with its comment.
    fn publication(&self, p: &Publication) -> DumpObject {
        let mut o = DumpObject::new(
            Key::new(Class::Publication, p.oid),
            Priority::Publication,
            "PUBLICATION",
            p.name.clone(),
        );
        o.catalog = (PG_PUBLICATION, p.oid);
        o.owner = Some(p.owner.clone());
        o.defn = create_publication(p);
        o.drop = format!("DROP PUBLICATION {};\n", p.quoted);
        if let Some(text) = &p.comment {
            let target = format!("PUBLICATION {}", p.quoted);
            o.attached.push(comment(
                format!("PUBLICATION {}", ident(&p.name)),
                &target,
                text,
                None,
                &p.owner,
                self.std(),
            ));
        }
        o
    }
}

fn create_publication(p: &Publication) -> String {
    let actions: Vec<&str> = [
        (p.insert, "insert"),
        (p.update, "update"),
        (p.delete, "delete"),
        (p.truncate, "truncate"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect();
    let mut q = format!("CREATE PUBLICATION {}", p.quoted);
    if p.all_tables {
        q.push_str(" FOR ALL TABLES");
    }
    q.push_str(&format!(" WITH (publish = '{}'", actions.join(", ")));
    if p.via_root {
        q.push_str(", publish_via_partition_root = true");
    }
    if p.gencols == "s" {
        q.push_str(", publish_generated_columns = stored");
    }
    q.push_str(");\n");
    q
}

/// `ALTER PUBLICATION ... ADD TABLE ONLY`, with its columns and row filter.
fn publication_table(p: &Publication, m: &PublicationMember, r: &Relation) -> DumpObject {
    let mut o = DumpObject::new(
        Key::new(Class::PublicationMember, m.oid),
        Priority::PublicationRel,
        "PUBLICATION TABLE",
        format!("{} {}", p.name, r.name),
    );
    o.catalog = (PG_PUBLICATION_REL, m.oid);
    o.namespace = Some(r.schema.clone());
    o.owner = Some(p.owner.clone());
    let mut q = format!(
        "ALTER PUBLICATION {} ADD TABLE ONLY {}",
        p.quoted, r.qualified
    );
    if let Some(cols) = &m.columns {
        q.push_str(&format!(" ({cols})"));
    }
    if let Some(filter) = &m.filter {
        q.push_str(&format!(" WHERE ({filter})"));
    }
    q.push_str(";\n");
    o.defn = q;
    o.deps.push(Key::new(Class::Publication, p.oid));
    o.deps.push(Key::new(Class::Relation, r.oid));
    o
}

/// `ALTER PUBLICATION ... ADD TABLES IN SCHEMA`.
fn publication_schema(p: &Publication, m: &PublicationMember, s: &Schema) -> DumpObject {
    let mut o = DumpObject::new(
        Key::new(Class::PublicationMember, m.oid),
        Priority::PublicationSchema,
        "PUBLICATION TABLES IN SCHEMA",
        format!("{} {}", p.name, s.name),
    );
    o.catalog = (PG_PUBLICATION_NAMESPACE, m.oid);
    o.namespace = Some(s.name.clone());
    o.owner = Some(p.owner.clone());
    o.defn = format!(
        "ALTER PUBLICATION {} ADD TABLES IN SCHEMA {};\n",
        p.quoted, s.quoted
    );
    o.deps.push(Key::new(Class::Publication, p.oid));
    o.deps.push(Key::new(Class::Namespace, s.oid));
    o
}
