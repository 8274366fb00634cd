//! Extensions (`dumpExtension`) and the data of their configuration tables
//! and sequences (`dumpTableData` with the extension's filter).

use crate::catalog::Oid;
use crate::schema::object::{Class, DataSource, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::{comment, Builder};

const PG_EXTENSION: Oid = 3079;
impl Builder<'_> {
    pub(super) fn extensions(&mut self) {
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

    /// The data of extension configuration tables (with the extension's
    /// filter) and the values of its configuration sequences.
    pub(super) fn extension_data(&mut self) {
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
}
