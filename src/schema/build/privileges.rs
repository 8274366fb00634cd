//! ACL entries (pg_dump's `dumpACL`): GRANT/REVOKE statements attached to
//! the object they are about, and DEFAULT ACL entries for
//! `ALTER DEFAULT PRIVILEGES` (`dumpDefaultACL`). Only with `--acl`.

use std::collections::HashMap;

use crate::schema::acl::{acl_commands, AclTarget};
use crate::schema::object::{Attached, Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::Builder;

const PG_DEFAULT_ACL: u32 = 826;

impl Builder<'_> {
    pub(super) fn privileges(&mut self) {
        let index: HashMap<Key, usize> = self
            .out
            .iter()
            .enumerate()
            .map(|(i, o)| (o.key, i))
            .collect();
        let major = self.opts.server_major;
        // Object ACLs come first for each object, then its columns' (the
        // query orders by catalog, oid, column).
        for a in &self.cat.acls {
            let class = match a.catalog.as_str() {
                "pg_class" => Class::Relation,
                "pg_proc" => Class::Proc,
                "pg_namespace" => Class::Namespace,
                "pg_type" => Class::Type,
                "pg_language" => Class::Language,
                "pg_foreign_data_wrapper" => Class::ForeignDataWrapper,
                "pg_foreign_server" => Class::ForeignServer,
                _ => continue,
            };
            let Some(&i) = index.get(&Key::new(class, a.oid)) else {
                continue;
            };
            let target = AclTarget {
                keyword: &a.keyword,
                name: &a.name,
                column: a.column.as_deref(),
                schema: a.schema.as_deref(),
                owner: Some(&a.owner),
                prefix: "",
                server_major: major,
            };
            let Some(defn) = acl_commands(&target, &a.acl, &a.base) else {
                continue;
            };
            if defn.is_empty() {
                continue;
            }
            let o = &mut self.out[i];
            let (tag, after) = match &a.column {
                Some(col) => {
                    // A column's grants follow its table's.
                    let table_acl = o
                        .attached
                        .iter()
                        .position(|x| x.desc == "ACL" && !x.tag.starts_with("COLUMN "));
                    (format!("COLUMN {}.{col}", a.name), table_acl)
                }
                None => (format!("{} {}", a.keyword, a.name), None),
            };
            o.attached.push(Attached {
                desc: "ACL",
                tag,
                namespace: a.schema.clone(),
                owner: Some(a.owner.clone()),
                defn,
                after,
            });
        }
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
