//! Access methods, transforms and subscriptions (pg_dump's
//! `dumpAccessMethod`, `dumpTransform`, `dumpSubscription`), and security
//! labels on every dumped object (`dumpSecLabel`).

use std::collections::HashMap;

use crate::catalog::{Oid, SecLabel, Subscription};
use crate::schema::object::{Attached, Class, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::large_objects::lo_groups;
use super::{comment, Builder};

const PG_AM: Oid = 2601;
const PG_TRANSFORM: Oid = 3576;
const PG_SUBSCRIPTION: Oid = 6100;
const PG_LARGEOBJECT: Oid = 2613;

impl Builder<'_> {
    pub(super) fn access_methods(&mut self) {
        for am in &self.cat.schemaless.access_methods {
            let kind = match am.kind {
                'i' => "INDEX",
                't' => "TABLE",
                // Reported by the inventory check; pg_dump warns and skips.
                _ => continue,
            };
            let mut o = DumpObject::new(
                Key::new(Class::AccessMethod, am.oid),
                Priority::AccessMethod,
                "ACCESS METHOD",
                am.name.clone(),
            );
            o.catalog = (PG_AM, am.oid);
            o.defn = format!(
                "CREATE ACCESS METHOD {} TYPE {kind} HANDLER {};\n",
                am.quoted, am.handler
            );
            o.drop = format!("DROP ACCESS METHOD {};\n", am.quoted);
            if let Some(c) = &am.comment {
                let target = format!("ACCESS METHOD {}", am.quoted);
                o.attached
                    .push(comment(target.clone(), &target, c, None, "", self.std()));
            }
            self.out.push(o);
        }
    }

    pub(super) fn transforms(&mut self) {
        for t in &self.cat.schemaless.transforms {
            let args = format!("FOR {} LANGUAGE {}", t.type_name, t.language);
            let label = format!("TRANSFORM {args}");
            let mut o = DumpObject::new(
                Key::new(Class::Transform, t.oid),
                Priority::Transform,
                "TRANSFORM",
                label.clone(),
            );
            o.catalog = (PG_TRANSFORM, t.oid);
            let mut with = Vec::new();
            if let Some(f) = &t.from_sql {
                with.push(format!("FROM SQL WITH FUNCTION {f}"));
            }
            if let Some(f) = &t.to_sql {
                with.push(format!("TO SQL WITH FUNCTION {f}"));
            }
            o.defn = format!("CREATE {label} ({});\n", with.join(", "));
            o.drop = format!("DROP {label};\n");
            if let Some(c) = &t.comment {
                o.attached
                    .push(comment(label.clone(), &label, c, None, "", self.std()));
            }
            self.out.push(o);
        }
    }

    pub(super) fn subscriptions(&mut self) {
        for s in &self.cat.schemaless.subscriptions {
            // Unreadable subscriptions are reported by the inventory check.
            if !s.readable {
                continue;
            }
            let mut o = DumpObject::new(
                Key::new(Class::Subscription, s.oid),
                Priority::Subscription,
                "SUBSCRIPTION",
                s.name.clone(),
            );
            o.catalog = (PG_SUBSCRIPTION, s.oid);
            o.owner = Some(s.owner.clone());
            o.defn = subscription_sql(s, self.opts.server_major, self.std());
            o.drop = format!("DROP SUBSCRIPTION {};\n", s.quoted);
            if let Some(c) = &s.comment {
                let target = format!("SUBSCRIPTION {}", s.quoted);
                o.attached.push(comment(
                    target.clone(),
                    &target,
                    c,
                    None,
                    &s.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    /// One SECURITY LABEL entry per labelled object (a relation's
    /// columns' labels in its entry), after the object's other entries, as
    /// pg_dump's `dumpSecLabel` and `dumpTableSecLabel` write them.
    pub(super) fn security_labels(&mut self) {
        let labels = &self.cat.schemaless.seclabels;
        // From 17 a large object's entries hang off its group's BLOB
        // METADATA entry, which carries the group's first OID.
        let lo_group: HashMap<Oid, Oid> = if self.opts.version.has_blob_metadata() {
            lo_groups(&self.cat.large_objects)
                .flat_map(|g| g.iter().map(move |l| (l.oid, g[0].oid)))
                .collect()
        } else {
            HashMap::new()
        };
        let mut i = 0;
        while i < labels.len() {
            let first = &labels[i];
            let same = |l: &SecLabel| {
                (l.class, l.oid) == (first.class, first.oid)
                    && (first.catalog == "pg_class" || l.subid == first.subid)
            };
            let n = labels[i..].iter().take_while(|l| same(l)).count();
            let group = &labels[i..i + n];
            i += n;
            let oid = match lo_group.get(&first.oid) {
                Some(&group) if first.class == PG_LARGEOBJECT => group,
                _ => first.oid,
            };
            let Some(o) = self
                .out
                .iter_mut()
                .find(|o| o.catalog == (first.class, oid))
            else {
                // Not dumped: the inventory check reports labels of
                // objects pgark does not dump.
                continue;
            };
            let defn: String = group
                .iter()
                .map(|l| {
                    let (keyword, _) = label_target(l);
                    format!(
                        "SECURITY LABEL FOR {} ON {keyword} {} IS {};\n",
                        ident(&l.provider),
                        l.identity,
                        literal(&l.label, self.opts.std_strings)
                    )
                })
                .collect();
            o.attached.push(Attached {
                desc: "SECURITY LABEL",
                tag: label_target(first).1,
                namespace: first.schema.clone(),
                owner: o.owner.clone(),
                defn,
                after: None,
                detached: false,
            });
        }
    }
}

/// SECURITY LABEL's object keyword for one label, and the tag of the
/// entry holding it: the object's type and name without its schema (a
/// column's label is in its relation's entry).
fn label_target(l: &SecLabel) -> (String, String) {
    let (keyword, relation_type) = match l.object_type.strip_suffix(" column") {
        Some(rel) => ("COLUMN".to_owned(), rel.to_uppercase()),
        None => (l.object_type.to_uppercase(), l.object_type.to_uppercase()),
    };
    let unqualified = match &l.schema {
        Some(s) => l
            .identity
            .strip_prefix(&format!("{}.", ident(s)))
            .unwrap_or(&l.identity),
        None => &l.identity,
    };
    let name = if keyword == "COLUMN" {
        // `table."Col"`: the tag names the relation.
        unqualified
            .rsplit_once('.')
            .map_or(unqualified, |(rel, _)| rel)
    } else {
        unqualified
    };
    (keyword, format!("{relation_type} {name}"))
}

/// CREATE SUBSCRIPTION as pg_dump of the server's version writes it.
fn subscription_sql(s: &Subscription, major: u32, std: bool) -> String {
    let mut q = format!(
        "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {} WITH (connect = false, slot_name = {}",
        s.quoted,
        literal(&s.conninfo, std),
        s.publications.join(", "),
        s.slot_name
            .as_deref()
            .map_or("NONE".to_owned(), |n| literal(n, std))
    );
    if s.binary {
        q.push_str(", binary = true");
    }
    match s.stream {
        't' => q.push_str(", streaming = on"),
        'p' => q.push_str(", streaming = parallel"),
        _ if major >= 18 => q.push_str(", streaming = off"),
        _ => {}
    }
    if s.two_phase != 'd' {
        q.push_str(", two_phase = on");
    }
    if s.disable_on_error {
        q.push_str(", disable_on_error = true");
    }
    if major >= 16 {
        if !s.password_required {
            q.push_str(", password_required = false");
        }
        if s.run_as_owner {
            q.push_str(", run_as_owner = true");
        }
    }
    if major >= 17 && s.failover {
        q.push_str(", failover = true");
    }
    if s.synchronous_commit != "off" {
        q.push_str(&format!(
            ", synchronous_commit = {}",
            ident(&s.synchronous_commit)
        ));
    }
    if major >= 16 && !s.origin.eq_ignore_ascii_case("any") {
        q.push_str(&format!(", origin = {}", s.origin));
    }
    q.push_str(");\n");
    q
}
