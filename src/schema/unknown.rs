//! Objects pgark cannot dump. The backup is only good if it holds every
//! object the database has, so every catalog row of the inventory is
//! classified here by its kind: kinds the builder dumps pass, as do rows
//! dumped with another object (array types, indexes, table row types);
//! anything else (a relkind, typtype, prokind, constraint type, trigger or
//! rule state, access method type ... pgark does not know, a base or shell
//! type no builder made an entry for, a security label it could not
//! attach, a subscription this role may not read) is reported, never
//! skipped silently.

use std::collections::HashSet;
use std::fmt;

use crate::catalog::{Catalog, InventoryRow, Oid};
use crate::schema::object::DumpObject;
use crate::schema::quote::ident;

const PG_TYPE: Oid = 1247;

/// A catalog object the backup does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// What it is, e.g. `relation of relkind 'x'`.
    pub kind: String,
    /// Its schema, for objects in one.
    pub schema: Option<String>,
    /// Its name.
    pub name: String,
    /// Why it is not dumped.
    pub reason: &'static str,
}

impl fmt::Display for Unknown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let schema = self.schema.as_deref().map_or("-".to_owned(), ident);
        write!(
            f,
            "cannot dump {} (schema {schema}, name {}): {}",
            self.kind, self.name, self.reason
        )
    }
}

const UNKNOWN_KIND: &str = "pgark does not know this kind of object";

/// What the builder did with a row that needs more than its kind to judge.
struct Built {
    /// Catalog ids of every dump object.
    objects: HashSet<(Oid, Oid)>,
    /// Catalog ids of the objects that got SECURITY LABEL entries.
    labelled: HashSet<(Oid, Oid)>,
}

/// The objects of `cat` that `objects` (the builder's output) leave out.
pub fn unknown_objects(cat: &Catalog, objects: &[DumpObject]) -> Vec<Unknown> {
    let built = Built {
        objects: objects.iter().map(|o| o.catalog).collect(),
        labelled: objects
            .iter()
            .filter(|o| o.attached.iter().any(|a| a.desc == "SECURITY LABEL"))
            .flat_map(labelled_ids)
            .collect(),
    };
    let mut out: Vec<Unknown> = cat
        .inventory
        .iter()
        .filter_map(|r| classify(r, &built))
        .collect();
    out.extend(
        cat.schemaless
            .subscriptions
            .iter()
            .filter(|s| !s.readable)
            .map(|s| Unknown {
                kind: "subscription".into(),
                schema: None,
                name: s.name.clone(),
                reason: "this role may not read its connection string \
                         (pg_dump needs a superuser too; pg_read_all_data is enough)",
            }),
    );
    out
}

/// The catalog ids an object's SECURITY LABEL entries can be about: its
/// own, or (17+'s BLOB METADATA) every large object of its group.
fn labelled_ids(o: &DumpObject) -> Vec<(Oid, Oid)> {
    if o.desc == "BLOB METADATA" {
        o.defn
            .lines()
            .filter_map(|l| l.parse().ok())
            .map(|oid| (o.catalog.0, oid))
            .collect()
    } else {
        vec![o.catalog]
    }
}

fn unknown(r: &InventoryRow, kind: String, reason: &'static str) -> Option<Unknown> {
    Some(Unknown {
        kind,
        schema: r.schema.clone(),
        name: r.name.clone(),
        reason,
    })
}

/// `None` when the row is dumped (or needs no entry of its own).
fn classify(r: &InventoryRow, built: &Built) -> Option<Unknown> {
    let k = r.kind.as_str();
    match r.catalog.as_str() {
        "pg_class.relam" => unknown(
            r,
            format!("relation with table access method OID {k}"),
            "the access method has no pg_am row to name it by",
        ),
        "pg_attribute" => column(r, k),
        "pg_type" => user_type(r, k, built),
        "pg_rewrite" => rule(r, k),
        "pg_cast" => cast(r, k),
        "pg_seclabel" => security_label(r, k, built),
        "pg_shseclabel" => unknown(
            r,
            // `type provider`
            match k.rsplit_once(' ') {
                Some((on, provider)) => format!("security label for {provider} on {on}"),
                None => format!("security label on {k}"),
            },
            "labels of shared objects are not dumped",
        ),
        catalog => match one_code_kinds(catalog) {
            Some((codes, _)) if codes.contains(&k) => None,
            Some((_, what)) => unknown(r, format!("{what} '{k}'"), UNKNOWN_KIND),
            None => unknown(r, format!("{} row '{k}'", r.catalog), UNKNOWN_KIND),
        },
    }
}

/// For the catalogs whose kind is one code: the codes pgark dumps, and how
/// a message names a row of another.
fn one_code_kinds(catalog: &str) -> Option<(&'static [&'static str], &'static str)> {
    Some(match catalog {
        "pg_class" => (
            &["r", "p", "v", "m", "S", "f", "i", "I", "c"],
            "relation of relkind",
        ),
        "pg_proc" => (&["f", "p", "w", "a"], "function of prokind"),
        "pg_constraint" => (
            &["c", "f", "p", "u", "x", "t", "n"],
            "constraint of contype",
        ),
        "pg_trigger" => (&["O", "D", "R", "A"], "trigger with tgenabled"),
        "pg_am" => (&["i", "t"], "access method of amtype"),
        "pg_policy" => (&["r", "a", "w", "d", "*"], "policy for command"),
        "pg_event_trigger" => (&["O", "D", "R", "A"], "event trigger with evtenabled"),
        "pg_collation" => (&["c", "i", "d", "b"], "collation of provider"),
        "pg_default_acl" => (
            &["r", "S", "f", "T", "n", "L"],
            "default privileges for object type",
        ),
        _ => return None,
    })
}

/// A column: `generated G, identity I`.
fn column(r: &InventoryRow, k: &str) -> Option<Unknown> {
    let (generated, identity) = k
        .strip_prefix("generated ")
        .and_then(|s| s.split_once(", identity "))
        .unwrap_or(("?", "?"));
    if ["", "s", "v"].contains(&generated) && ["", "a", "d"].contains(&identity) {
        return None;
    }
    unknown(
        r,
        format!("column (attgenerated '{generated}', attidentity '{identity}')"),
        UNKNOWN_KIND,
    )
}

/// A type: its typtype (`b[]` for an array, `p shell` for a shell type); a
/// base or shell type passes if a builder made an entry for it.
fn user_type(r: &InventoryRow, k: &str, built: &Built) -> Option<Unknown> {
    match k {
        "c" | "d" | "e" | "r" | "m" | "b[]" => None,
        _ if built.objects.contains(&(PG_TYPE, r.oid)) => None,
        "b" => unknown(r, "base type".into(), "pgark does not dump base types yet"),
        "p shell" => unknown(
            r,
            "shell type".into(),
            "pgark does not dump shell types yet",
        ),
        _ => unknown(r, format!("type of typtype '{k}'"), UNKNOWN_KIND),
    }
}

/// A rule: its ev_type then its ev_enabled.
fn rule(r: &InventoryRow, k: &str) -> Option<Unknown> {
    let mut c = k.chars();
    let (ev_type, enabled) = (c.next().unwrap_or('?'), c.next().unwrap_or('?'));
    if "1234".contains(ev_type) && "ODRA".contains(enabled) {
        return None;
    }
    unknown(
        r,
        format!("rule (ev_type '{ev_type}', ev_enabled '{enabled}')"),
        UNKNOWN_KIND,
    )
}

/// A cast: its method then its context.
fn cast(r: &InventoryRow, k: &str) -> Option<Unknown> {
    let mut c = k.chars();
    let (method, context) = (c.next().unwrap_or('?'), c.next().unwrap_or('?'));
    if "fib".contains(method) && "eai".contains(context) {
        return None;
    }
    unknown(
        r,
        format!("cast (method '{method}', context '{context}')"),
        UNKNOWN_KIND,
    )
}

/// A security label (`classoid objsubid provider`): it passes if it was
/// attached to its object's entry.
fn security_label(r: &InventoryRow, k: &str, built: &Built) -> Option<Unknown> {
    let mut parts = k.splitn(3, ' ');
    let class: Oid = parts.next().and_then(|c| c.parse().ok()).unwrap_or(0);
    let provider = parts.nth(1).unwrap_or("?");
    if built.labelled.contains(&(class, r.oid)) {
        return None;
    }
    unknown(
        r,
        format!("security label for {provider}"),
        "its object is not dumped on its own, so the label has no entry to go with",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(catalog: &str, kind: &str) -> InventoryRow {
        InventoryRow {
            catalog: catalog.into(),
            oid: 16400,
            schema: Some("app".into()),
            name: "thing".into(),
            kind: kind.into(),
        }
    }

    fn none_built() -> Built {
        Built {
            objects: HashSet::new(),
            labelled: HashSet::new(),
        }
    }

    fn verdict(catalog: &str, kind: &str) -> Option<String> {
        classify(&row(catalog, kind), &none_built()).map(|u| u.to_string())
    }

    #[test]
    fn known_kinds_pass() {
        for (catalog, kinds) in [
            (
                "pg_class",
                &["r", "p", "v", "m", "S", "f", "i", "I", "c"][..],
            ),
            ("pg_type", &["c", "d", "e", "r", "m", "b[]"]),
            ("pg_proc", &["f", "p", "w", "a"]),
            ("pg_constraint", &["c", "f", "p", "u", "x", "t", "n"]),
            ("pg_trigger", &["O", "D", "R", "A"]),
            ("pg_rewrite", &["1O", "4A", "3D"]),
            ("pg_am", &["i", "t"]),
            ("pg_policy", &["*", "r", "a", "w", "d"]),
            ("pg_collation", &["c", "i", "d", "b"]),
            ("pg_default_acl", &["r", "S", "f", "T", "n", "L"]),
            ("pg_cast", &["fe", "ia", "bi"]),
            (
                "pg_attribute",
                &["generated s, identity ", "generated , identity a"],
            ),
        ] {
            for k in kinds {
                assert_eq!(verdict(catalog, k), None, "{catalog} {k}");
            }
        }
    }

    #[test]
    fn unknown_kinds_are_named() {
        assert_eq!(
            verdict("pg_class", "z").as_deref(),
            Some(
                "cannot dump relation of relkind 'z' (schema app, name thing): \
                 pgark does not know this kind of object"
            )
        );
        for (catalog, kind) in [
            ("pg_type", "x"),
            ("pg_proc", "q"),
            ("pg_constraint", "z"),
            ("pg_trigger", "X"),
            ("pg_rewrite", "5O"),
            ("pg_rewrite", "1Z"),
            ("pg_am", "s"),
            ("pg_policy", "q"),
            ("pg_event_trigger", "Z"),
            ("pg_collation", "z"),
            ("pg_default_acl", "x"),
            ("pg_cast", "xe"),
            ("pg_attribute", "generated q, identity "),
            ("pg_class.relam", "99999"),
            ("pg_shseclabel", "database selinux"),
            ("pg_new_catalog", "x"),
        ] {
            assert!(verdict(catalog, kind).is_some(), "{catalog} {kind}");
        }
    }

    #[test]
    fn base_and_shell_types_pass_only_when_dumped() {
        let r = row("pg_type", "b");
        assert!(classify(&r, &none_built()).is_some());
        assert!(classify(&row("pg_type", "p shell"), &none_built()).is_some());
        let built = Built {
            objects: [(PG_TYPE, 16400)].into_iter().collect(),
            labelled: HashSet::new(),
        };
        assert_eq!(classify(&r, &built), None);
    }

    #[test]
    fn labels_pass_only_when_attached() {
        let r = row("pg_seclabel", "1259 0 selinux");
        assert!(classify(&r, &none_built()).is_some());
        let built = Built {
            objects: HashSet::new(),
            labelled: [(1259, 16400)].into_iter().collect(),
        };
        assert_eq!(classify(&r, &built), None);
    }
}
