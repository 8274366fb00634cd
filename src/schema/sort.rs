//! Dump order: pg_dump's type priority, then schema and name, then a
//! topological sort on dependencies that keeps that order wherever the
//! dependencies allow (`pg_dump_sort.c`).

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use crate::catalog::{Catalog, Oid};
use crate::schema::object::{Class, DumpObject, Key};

/// Maps a `pg_depend` reference to the dumped object standing for it
/// (`referencing`: the object on the depending side).
fn resolver(cat: &Catalog, present: &HashSet<Key>) -> impl Fn(&str, Oid, bool) -> Option<Key> {
    // Constraint-backing indexes stand for their constraint (a foreign key's
    // conindid is the referenced index, which it does not own).
    let index_owner: HashMap<Oid, Oid> = cat
        .constraints
        .iter()
        .filter(|c| c.index != 0 && matches!(c.kind, 'p' | 'u' | 'x'))
        .map(|c| (c.index, c.oid))
        .collect();
    // A composite type's pg_class row stands for the type.
    let type_rel: HashMap<Oid, Oid> = cat
        .types
        .iter()
        .filter(|t| t.relid != 0)
        .map(|t| (t.relid, t.oid))
        .collect();
    // Inline defaults stand for their table.
    let attrdef_table: HashMap<Oid, Oid> = cat
        .relations
        .iter()
        .flat_map(|r| {
            r.columns
                .iter()
                .filter_map(move |c| c.default.as_ref().map(|d| (d.0, r.oid)))
        })
        .collect();
    let present = present.clone();
    move |class: &str, oid: Oid, referencing: bool| {
        let key = match class {
            "pg_class" => match (index_owner.get(&oid), type_rel.get(&oid)) {
                // pg_dump keeps a constraint index's own dependencies on
                // the index, which has no entry: they are not the
                // constraint's.
                (Some(_), _) if referencing => return None,
                (Some(&c), _) => Key::new(Class::Constraint, c),
                (None, Some(&t)) => Key::new(Class::Type, t),
                (None, None) => Key::new(Class::Relation, oid),
            },
            "pg_type" => Key::new(Class::Type, oid),
            "pg_proc" => Key::new(Class::Proc, oid),
            "pg_namespace" => Key::new(Class::Namespace, oid),
            "pg_extension" => Key::new(Class::Extension, oid),
            "pg_constraint" => Key::new(Class::Constraint, oid),
            "pg_trigger" => Key::new(Class::Trigger, oid),
            "pg_rewrite" => Key::new(Class::Rule, oid),
            "pg_collation" => Key::new(Class::Collation, oid),
            "pg_cast" => Key::new(Class::Cast, oid),
            "pg_operator" => Key::new(Class::Operator, oid),
            "pg_policy" => Key::new(Class::Policy, oid),
            "pg_statistic_ext" => Key::new(Class::Statistics, oid),
            "pg_event_trigger" => Key::new(Class::EventTrigger, oid),
            "pg_publication" => Key::new(Class::Publication, oid),
            "pg_publication_rel" | "pg_publication_namespace" => {
                Key::new(Class::PublicationMember, oid)
            }
            "pg_ts_parser" => Key::new(Class::TsParser, oid),
            "pg_ts_template" => Key::new(Class::TsTemplate, oid),
            "pg_ts_dict" => Key::new(Class::TsDict, oid),
            "pg_ts_config" => Key::new(Class::TsConfig, oid),
            "pg_conversion" => Key::new(Class::Conversion, oid),
            "pg_opfamily" => Key::new(Class::OpFamily, oid),
            "pg_opclass" => Key::new(Class::OpClass, oid),
            "pg_foreign_data_wrapper" => Key::new(Class::ForeignDataWrapper, oid),
            "pg_foreign_server" => Key::new(Class::ForeignServer, oid),
            "pg_language" => Key::new(Class::Language, oid),
            "pg_am" => Key::new(Class::AccessMethod, oid),
            "pg_transform" => Key::new(Class::Transform, oid),
            "pg_default_acl" => Key::new(Class::DefaultAcl, oid),
            "pg_attrdef" => {
                let own = Key::new(Class::AttrDef, oid);
                if present.contains(&own) {
                    own
                } else {
                    Key::new(Class::Relation, *attrdef_table.get(&oid)?)
                }
            }
            _ => return None,
        };
        present.contains(&key).then_some(key)
    }
}

/// Sorts `objects` into dump order and completes each object's `deps`
/// with the catalog's dependencies between dumped objects.
pub fn sort(mut objects: Vec<DumpObject>, cat: &Catalog) -> Vec<DumpObject> {
    objects.sort_by(|a, b| {
        // pg_dump's DOTypeNameCompare: objects without a schema after
        // those with one.
        (
            a.priority,
            a.namespace.is_none(),
            &a.namespace,
            &a.tag,
            a.key,
        )
            .cmp(&(
                b.priority,
                b.namespace.is_none(),
                &b.namespace,
                &b.tag,
                b.key,
            ))
    });
    let present: HashSet<Key> = objects.iter().map(|o| o.key).collect();
    let index: HashMap<Key, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.key, i))
        .collect();
    let resolve = resolver(cat, &present);
    for d in &cat.depends {
        let (Some(from), Some(to)) = (
            resolve(&d.class, d.oid, true),
            resolve(&d.ref_class, d.ref_oid, false),
        ) else {
            continue;
        };
        if from == to {
            continue;
        }
        let (Some(&fi), Some(&ti)) = (index.get(&from), index.get(&to)) else {
            continue;
        };
        // An object never waits for one of a later section.
        if objects[ti].section > objects[fi].section
            && objects[fi].section != archive_format::Section::None
        {
            continue;
        }
        if !objects[fi].deps.contains(&to) {
            objects[fi].deps.push(to);
        }
    }

    // Kahn's algorithm, always taking the earliest ready object.
    let n = objects.len();
    let mut waiting = vec![0usize; n];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, o) in objects.iter().enumerate() {
        let deps: HashSet<usize> = o
            .deps
            .iter()
            .filter_map(|k| index.get(k).copied())
            .filter(|&j| j != i)
            .collect();
        waiting[i] = deps.len();
        for j in deps {
            dependents[j].push(i);
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> =
        (0..n).filter(|&i| waiting[i] == 0).map(Reverse).collect();
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    while order.len() < n {
        let next = match ready.pop() {
            Some(Reverse(i)) => i,
            // A dependency loop: break it at the earliest object left.
            None => match (0..n).find(|&i| !done[i]) {
                Some(i) => i,
                None => break,
            },
        };
        if done[next] {
            continue;
        }
        done[next] = true;
        order.push(next);
        for &d in &dependents[next] {
            waiting[d] = waiting[d].saturating_sub(1);
            if waiting[d] == 0 && !done[d] {
                ready.push(Reverse(d));
            }
        }
    }
    let mut slots: Vec<Option<DumpObject>> = objects.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| slots[i].take()).collect()
}
