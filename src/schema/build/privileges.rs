//! ACL entries (pg_dump's `dumpACL`): GRANT/REVOKE statements attached to
//! the object they are about, entries of their own for objects pg_dump
//! dumps only the privileges of (pg_catalog objects, extension members,
//! the public schema), and DEFAULT ACL entries for
//! `ALTER DEFAULT PRIVILEGES` (`dumpDefaultACL`). Only with `--acl`.

use std::collections::HashMap;

use archive_format::Section;

use crate::catalog::{ObjectAcl, Oid};
use crate::schema::acl::{acl_commands, AclTarget};
use crate::schema::object::{Attached, Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::large_objects::lo_groups;
use super::Builder;

const PG_DEFAULT_ACL: u32 = 826;

/// The dump object a catalog's ACL rows belong to, and where an entry of
/// its own would sort.
fn class_of(catalog: &str) -> Option<(Class, Priority)> {
    Some(match catalog {
        "pg_class" => (Class::Relation, Priority::Table),
        "pg_proc" => (Class::Proc, Priority::Function),
        "pg_namespace" => (Class::Namespace, Priority::Namespace),
        "pg_type" => (Class::Type, Priority::Type),
        "pg_language" => (Class::Language, Priority::ProcLang),
        "pg_foreign_data_wrapper" => (Class::ForeignDataWrapper, Priority::Fdw),
        "pg_foreign_server" => (Class::ForeignServer, Priority::ForeignServer),
        "pg_largeobject" => (Class::LargeObject, Priority::LargeObject),
        _ => return None,
    })
}

/// A role name as `aclitemout` writes it: double-quoted (quotes doubled)
/// unless it is only ASCII letters, digits and underscores.
fn acl_role(name: &str) -> String {
    if name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// pg_dump's base ACL for the public schema (getNamespaces): not its
/// initial privileges but what the schema has after a restore's ALTER
/// SCHEMA OWNER: `{owner=UC/owner,=U/owner}`.
fn public_schema_base(owner: &str) -> Vec<String> {
    let o = acl_role(owner);
    vec![format!("{o}=UC/{o}"), format!("=U/{o}")]
}

impl Builder<'_> {
    /// Where a large object's ACL goes: before 17 its BLOB entry; from 17
    /// (1.16 archives) its group's BLOB METADATA entry, for the group's
    /// first object only (the group shares one ACL), tagged `LARGE OBJECTS
    /// first..last` when the group has more than one.
    fn lo_acl_targets(&self) -> HashMap<Oid, (Key, String)> {
        let los = &self.cat.large_objects;
        if !self.opts.version.has_blob_metadata() {
            return los
                .iter()
                .map(|l| {
                    let key = Key::new(Class::LargeObject, l.oid);
                    (l.oid, (key, format!("LARGE OBJECT {}", l.oid)))
                })
                .collect();
        }
        lo_groups(los)
            .map(|g| {
                let (first, last) = (g[0].oid, g[g.len() - 1].oid);
                let tag = if g.len() > 1 {
                    format!("LARGE OBJECTS {first}..{last}")
                } else {
                    format!("LARGE OBJECT {first}")
                };
                (first, (Key::new(Class::BlobGroup, first), tag))
            })
            .collect()
    }

    pub(super) fn privileges(&mut self) {
        let mut index: HashMap<Key, usize> = self
            .out
            .iter()
            .enumerate()
            .map(|(i, o)| (o.key, i))
            .collect();
        let los = self.lo_acl_targets();
        // Each object's own ACL first, then its columns' in column number
        // order (system columns too), as pg_dump's dumpTable.
        let mut acls: Vec<&ObjectAcl> = self.cat.acls.iter().collect();
        acls.sort_by_key(|a| (&a.catalog, a.oid, a.subid != 0, a.subid));
        for (n, a) in acls.into_iter().enumerate() {
            let Some((class, priority)) = class_of(&a.catalog) else {
                continue;
            };
            let (key, lo_tag) = match los.get(&a.oid).filter(|_| class == Class::LargeObject) {
                Some((key, tag)) => (*key, Some(tag.clone())),
                None if class == Class::LargeObject => continue,
                None => (Key::new(class, a.oid), None),
            };
            let Some(defn) = self.acl_defn(a) else {
                continue;
            };
            match index.get(&key) {
                Some(&i) => attach_acl(&mut self.out[i], a, lo_tag, defn),
                // pg_dump dumps only the privileges of these: an entry of
                // their own, which the object's columns' ACLs follow.
                None if a.acl_only => {
                    if a.column.is_none() {
                        index.insert(key, self.out.len());
                    }
                    self.out.push(acl_only_entry(a, n as Oid, priority, defn));
                }
                None => {}
            }
        }
        self.default_privileges();
    }

    /// The GRANT/REVOKE statements of `a`, if it differs from its base.
    fn acl_defn(&self, a: &ObjectAcl) -> Option<String> {
        let target = AclTarget {
            keyword: &a.keyword,
            name: &a.name,
            column: a.column.as_deref(),
            schema: a.schema.as_deref(),
            owner: Some(&a.owner),
            prefix: "",
            server_major: self.opts.server_major,
        };
        let base = match (a.catalog.as_str(), a.name.as_str()) {
            ("pg_namespace", "public") => public_schema_base(&a.owner),
            _ => a.base.clone(),
        };
        acl_commands(&target, &a.acl, &base).filter(|defn| !defn.is_empty())
    }

    fn default_privileges(&mut self) {
        let major = self.opts.server_major;
        for d in &self.cat.default_acls {
            let keyword = match d.objtype.as_str() {
                "r" => "TABLES",
                "S" => "SEQUENCES",
                "f" => "FUNCTIONS",
                "T" => "TYPES",
                "n" => "SCHEMAS",
                "L" => "LARGE OBJECTS",
                _ => continue,
            };
            let mut prefix = format!("ALTER DEFAULT PRIVILEGES FOR ROLE {} ", ident(&d.role));
            if let Some(s) = &d.schema {
                prefix.push_str(&format!("IN SCHEMA {} ", ident(s)));
            }
            let target = AclTarget {
                keyword,
                name: "",
                column: None,
                schema: None,
                owner: Some(&d.role),
                prefix: &prefix,
                server_major: major,
            };
            let Some(defn) = acl_commands(&target, &d.acl, &d.base) else {
                continue;
            };
            if defn.is_empty() {
                continue;
            }
            let mut o = DumpObject::new(
                Key::new(Class::DefaultAcl, d.oid),
                Priority::DefaultAcl,
                "DEFAULT ACL",
                format!("DEFAULT PRIVILEGES FOR {keyword}"),
            );
            o.catalog = (PG_DEFAULT_ACL, d.oid);
            o.namespace = d.schema.clone();
            o.owner = Some(d.role.clone());
            o.defn = defn;
            self.out.push(o);
        }
    }
}

/// The ACL entry of an object pg_dump dumps only the privileges of (the
/// `n`th ACL row), or of one of its columns.
fn acl_only_entry(a: &ObjectAcl, n: Oid, priority: Priority, defn: String) -> DumpObject {
    let mut o = DumpObject::new(Key::new(Class::AclOnly, n), priority, "ACL", String::new());
    o.section = Section::None;
    o.namespace = a.schema.clone();
    o.owner = Some(a.owner.clone());
    o.tag = match &a.column {
        None => format!("{} {}", a.keyword, a.name),
        Some(col) => format!("COLUMN {}.{col}", a.name),
    };
    o.defn = defn;
    o
}

/// Attaches `a`'s statements to the object's entry `o`; a column's grants
/// follow its table's.
fn attach_acl(o: &mut DumpObject, a: &ObjectAcl, lo_tag: Option<String>, defn: String) {
    let (tag, after) = match &a.column {
        Some(col) => {
            let table_acl = o
                .attached
                .iter()
                .position(|x| x.desc == "ACL" && !x.tag.starts_with("COLUMN "));
            (format!("COLUMN {}.{col}", a.name), table_acl)
        }
        None => (
            lo_tag.unwrap_or_else(|| format!("{} {}", a.keyword, a.name)),
            None,
        ),
    };
    o.attached.push(Attached {
        desc: "ACL",
        tag,
        namespace: a.schema.clone(),
        owner: Some(a.owner.clone()),
        defn,
        after,
        detached: false,
    });
}
