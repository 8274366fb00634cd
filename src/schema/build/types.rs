//! Types: enums, composites, ranges, base types and their shells, as
//! pg_dump's `dumpType` and its helpers write them (domains are in
//! `domain`).

use crate::catalog::{Oid, UserType};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::columns::collate_clause;
use super::{comment, Builder};

const PG_TYPE: Oid = 1247;
impl Builder<'_> {
    pub(super) fn types(&mut self) {
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
                'c' => composite_type(t),
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
            self.type_comments(&mut o, t, desc);
            self.out.push(o);
        }
    }

    /// The type's comment, its domain constraints' and (pg_dump's
    /// dumpCompositeTypeColComments) its attributes'.
    fn type_comments(&self, o: &mut DumpObject, t: &UserType, desc: &str) {
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
    }

    /// pg_dump's SHELL TYPE: hidden until one of the type's functions
    /// needs it to exist before the type (`dumpShellType`).
    fn shell_type(&mut self, t: &UserType) {
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
}

/// A composite type's CREATE TYPE ... AS.
fn composite_type(t: &UserType) -> String {
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

/// pg_dump's `dumpRangeType`.
fn range_type(t: &UserType) -> String {
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
fn base_type(t: &UserType, std: bool) -> String {
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
