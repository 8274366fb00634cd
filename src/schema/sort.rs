//! Dump order: pg_dump's type priority, then schema and name, then a
//! topological sort on dependencies that keeps that order wherever the
//! dependencies allow, breaking dependency loops by pg_dump's rules
//! (`pg_dump_sort.c`).

use std::collections::{HashMap, HashSet};

use archive_format::Section;

use crate::catalog::{Catalog, Oid};
use crate::schema::object::{Class, DumpObject, Key, Priority};

mod repair;
mod topo;

use repair::Graph;

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
    let attrdef_table = cat.attrdef_tables();
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
            // A view's query: its _RETURN rule while that is its own object.
            "_RETURN" => {
                let rule = Key::new(Class::ViewRule, oid);
                if present.contains(&rule) {
                    rule
                } else {
                    Key::new(Class::Relation, oid)
                }
            }
            "pg_attrdef" => {
                let own = Key::new(Class::AttrDef, oid);
                if present.contains(&own) {
                    own
                } else {
                    Key::new(Class::Relation, *attrdef_table.get(&oid)?)
                }
            }
            _ => Key::new(catalog_class(class)?, oid),
        };
        present.contains(&key).then_some(key)
    }
}

/// The class of the objects a catalog's rows stand for, where each row is
/// one object of its own.
fn catalog_class(catalog: &str) -> Option<Class> {
    Some(match catalog {
        "pg_type" => Class::Type,
        "pg_proc" => Class::Proc,
        "pg_namespace" => Class::Namespace,
        "pg_extension" => Class::Extension,
        "pg_constraint" => Class::Constraint,
        "pg_trigger" => Class::Trigger,
        "pg_rewrite" => Class::Rule,
        "pg_collation" => Class::Collation,
        "pg_cast" => Class::Cast,
        "pg_operator" => Class::Operator,
        "pg_policy" => Class::Policy,
        "pg_statistic_ext" => Class::Statistics,
        "pg_event_trigger" => Class::EventTrigger,
        "pg_publication" => Class::Publication,
        "pg_publication_rel" | "pg_publication_namespace" => Class::PublicationMember,
        "pg_ts_parser" => Class::TsParser,
        "pg_ts_template" => Class::TsTemplate,
        "pg_ts_dict" => Class::TsDict,
        "pg_ts_config" => Class::TsConfig,
        "pg_conversion" => Class::Conversion,
        "pg_opfamily" => Class::OpFamily,
        "pg_opclass" => Class::OpClass,
        "pg_foreign_data_wrapper" => Class::ForeignDataWrapper,
        "pg_foreign_server" => Class::ForeignServer,
        "pg_language" => Class::Language,
        "pg_am" => Class::AccessMethod,
        "pg_transform" => Class::Transform,
        "pg_default_acl" => Class::DefaultAcl,
        _ => return None,
    })
}

/// pg_dump's section boundaries: hidden objects the pre-data objects come
/// before and the post-data objects after.
fn boundaries() -> [DumpObject; 2] {
    let boundary = |oid, priority, tag: &str| {
        let mut o = DumpObject::new(Key::new(Class::Boundary, oid), priority, "", tag.into());
        o.section = Section::None;
        o.hidden = true;
        o
    };
    [
        boundary(0, Priority::PreDataBoundary, "PRE-DATA BOUNDARY"),
        boundary(1, Priority::PostDataBoundary, "POST-DATA BOUNDARY"),
    ]
}

/// pg_dump's `DOTypeNameCompare` order: priority, schema (objects without
/// one last), the object's own name, its tie-breakers, then identity.
fn by_type_and_name(objects: &mut [DumpObject]) {
    objects.sort_by(|a, b| {
        (
            a.priority,
            a.namespace.is_none(),
            &a.namespace,
            a.sort_name().as_bytes(),
            &a.sort_extra,
            a.key,
        )
            .cmp(&(
                b.priority,
                b.namespace.is_none(),
                &b.namespace,
                b.sort_name().as_bytes(),
                &b.sort_extra,
                b.key,
            ))
    });
}

/// Each object's dependencies as indexes: its own, the catalog's between
/// dumped objects, and the section boundaries (`addBoundaryDependencies`).
fn dependencies(
    objects: &[DumpObject],
    index: &HashMap<Key, usize>,
    cat: &Catalog,
) -> Vec<Vec<usize>> {
    let mut deps: Vec<Vec<usize>> = objects
        .iter()
        .map(|o| {
            o.deps
                .iter()
                .filter_map(|k| index.get(k).copied())
                .collect()
        })
        .collect();
    let present: HashSet<Key> = index.keys().copied().collect();
    let resolve = resolver(cat, &present);
    for d in &cat.depends {
        let (Some(from), Some(to)) = (
            resolve(&d.class, d.oid, true),
            resolve(&d.ref_class, d.ref_oid, false),
        ) else {
            continue;
        };
        if let (Some(&fi), Some(&ti)) = (index.get(&from), index.get(&to)) {
            deps[fi].push(ti);
        }
    }
    let (pre, post) = (
        index[&Key::new(Class::Boundary, 0)],
        index[&Key::new(Class::Boundary, 1)],
    );
    deps[post].push(pre);
    for (i, o) in objects.iter().enumerate() {
        match o.section {
            _ if o.key.class == Class::Boundary => {}
            // Hidden pieces of a pre-data object (a view's rule, a CHECK
            // inside CREATE TABLE) come with it.
            _ if o.hidden => {}
            Section::PreData => deps[pre].push(i),
            Section::Data => {
                deps[i].push(pre);
                deps[post].push(i);
            }
            Section::PostData => deps[i].push(post),
            Section::None => {}
        }
    }
    for (i, d) in deps.iter_mut().enumerate() {
        let mut seen = HashSet::new();
        d.retain(|&j| j != i && seen.insert(j));
    }
    deps
}

/// Approximates pg_dump's dump id order, in which it looks for loops:
/// objects by the order `getSchemaData` reads their catalogs, then OID.
fn dump_id_order(o: &DumpObject) -> (u8, u32) {
    let rank = match (o.key.class, o.priority) {
        (Class::Extension, _) => 0,
        (Class::Namespace, _) => 1,
        (Class::Relation, Priority::Table) => 2,
        (Class::Proc, _) => 3,
        (Class::Type | Class::ShellType, _) => 4,
        (Class::Language, _) => 5,
        (Class::Operator, _) => 6,
        (Class::OpClass | Class::OpFamily, _) => 7,
        (Class::TsParser | Class::TsTemplate | Class::TsDict | Class::TsConfig, _) => 8,
        (Class::ForeignDataWrapper | Class::ForeignServer, _) => 9,
        (Class::DefaultAcl, _) => 10,
        (Class::Collation, _) => 11,
        (Class::Conversion, _) => 12,
        (Class::Cast, _) => 13,
        (Class::EventTrigger, _) => 14,
        (Class::AttrDef, _) => 15,
        (Class::Constraint, _) if o.inline.is_some() => 15,
        (Class::Relation, _) => 16,
        (Class::Statistics, _) => 17,
        (Class::Constraint, _) => 18,
        (Class::Rule | Class::ViewRule, _) => 19,
        (Class::Trigger, _) => 20,
        (Class::TableData | Class::MatViewData | Class::SequenceSet, _) => 30,
        (Class::Boundary, _) => 40,
        _ => 25,
    };
    let oid = if o.catalog.1 != 0 {
        o.catalog.1
    } else {
        o.key.oid
    };
    (rank, oid)
}

/// pg_dump's `findDependencyLoops`: breaks every loop among `left` that
/// shares no object with one already broken.
fn repair_loops(g: &mut Graph, left: &[usize]) {
    let mut left = left.to_vec();
    left.sort_by_key(|&i| dump_id_order(&g.objects[i]));
    let n = g.deps.len();
    let mut processed = vec![false; n];
    let mut failed = vec![0usize; n];
    let mut fixed = false;
    for &i in &left {
        match topo::find_loop(i, &g.deps, &processed, &mut failed) {
            Some(lp) => {
                g.repair(&lp);
                fixed = true;
                for j in lp {
                    processed[j] = true;
                }
            }
            None => processed[i] = true,
        }
    }
    if !fixed {
        // Cannot happen (what is left holds a loop); never spin.
        if let Some(&i) = left.first() {
            g.deps[i].clear();
        }
    }
}

/// The dumped objects `i` depends on, looking through hidden ones
/// (pg_dump's `findDumpableDependencies`); boundaries stand for nothing.
fn visible_deps(i: usize, objects: &[DumpObject], deps: &[Vec<usize>]) -> Vec<Key> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<usize> = deps[i].iter().rev().copied().collect();
    while let Some(j) = stack.pop() {
        if !seen.insert(j) || objects[j].key.class == Class::Boundary {
            continue;
        }
        if objects[j].hidden || objects[j].excluded {
            stack.extend(deps[j].iter().rev().copied());
        } else if !out.contains(&objects[j].key) {
            out.push(objects[j].key);
        }
    }
    out
}

/// Sorts `objects` into dump order, breaking dependency loops as pg_dump
/// does, and completes each object's `deps` with the catalog's
/// dependencies between dumped objects. Hidden objects are left out.
pub fn sort(mut objects: Vec<DumpObject>, cat: &Catalog) -> Vec<DumpObject> {
    objects.extend(boundaries());
    by_type_and_name(&mut objects);
    let index: HashMap<Key, usize> = objects
        .iter()
        .enumerate()
        .map(|(i, o)| (o.key, i))
        .collect();
    let deps = dependencies(&objects, &index, cat);
    let mut g = Graph {
        pre_boundary: index[&Key::new(Class::Boundary, 0)],
        post_boundary: index[&Key::new(Class::Boundary, 1)],
        objects: &mut objects,
        deps,
        index,
    };
    let order = loop {
        match topo::topo_sort(&g.deps) {
            Ok(order) => break order,
            Err(left) => repair_loops(&mut g, &left),
        }
    };
    let deps = g.deps;
    let keys: Vec<Vec<Key>> = (0..objects.len())
        .map(|i| visible_deps(i, &objects, &deps))
        .collect();
    let mut slots: Vec<Option<DumpObject>> = objects.into_iter().map(Some).collect();
    order
        .into_iter()
        .filter_map(|i| {
            let mut o = slots[i].take()?;
            o.deps = keys[i].clone();
            (!o.hidden && !o.excluded).then_some(o)
        })
        .collect()
}
