//! From catalog rows to dump objects, with pg_dump's desc strings, tags and
//! statements.

use std::collections::{HashMap, HashSet};

use archive_format::ArchiveVersion;

use crate::catalog::{Catalog, Oid, Relation};
use crate::schema::object::{Attached, DumpObject};
use crate::schema::quote::literal;

mod columns;
mod constraints;
mod domain;
mod extensions;
mod foreign_data;
mod functions;
mod indexes;
mod kinds;
mod large_objects;
mod notnull;
mod privileges;
mod publications;
mod relations;
mod rules;
mod schemaless;
mod schemas;
mod sequences;
mod standalone;
mod tables;
mod text_search;
mod triggers;
mod types;
mod views;

// Catalog OIDs of the system catalogs, as pg_dump records them.
const PG_CLASS: Oid = 1259;
const PG_CONSTRAINT: Oid = 2606;
const PG_REWRITE: Oid = 2618;

/// What the objects are built for.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    /// Archive version (large objects are laid out per version).
    pub version: ArchiveVersion,
    /// `standard_conforming_strings` of the dump session.
    pub std_strings: bool,
    /// Dump privileges (GRANT/REVOKE as ACL entries, default privileges).
    pub acl: bool,
    /// The source server's major version.
    pub server_major: u32,
    /// Every partition's rows load through its root table
    /// (`--load-via-partition-root`).
    pub load_via_partition_root: bool,
    /// The public schema is dumped like any other (CREATE SCHEMA, its
    /// comment), as pg_dump does when `-n` names it.
    pub public_created: bool,
}

/// Builds every dump object from the catalog.
pub fn build(cat: &Catalog, opts: BuildOptions) -> Vec<DumpObject> {
    let mut b = Builder {
        cat,
        opts,
        rels: cat.relations.iter().map(|r| (r.oid, r)).collect(),
        rule_reads: HashMap::new(),
        out: Vec::new(),
    };
    for d in &cat.depends {
        if d.class == "_RETURN" && d.ref_class == "pg_class" && d.ref_oid != d.oid {
            b.rule_reads.entry(d.oid).or_default().push(d.ref_oid);
        }
    }
    b.schemas();
    b.languages();
    b.transforms();
    b.collations();
    b.extensions();
    b.types();
    b.domain_separate_constraints();
    b.functions();
    b.aggregates();
    b.access_methods();
    b.casts();
    b.operators();
    b.operator_classes();
    b.conversions();
    b.text_search();
    b.foreign_data();
    let dumped: HashSet<Oid> = b.relations();
    b.constraints(&dumped);
    b.indexes(&dumped);
    b.index_attach(&dumped);
    b.triggers(&dumped);
    b.rules(&dumped);
    b.policies(&dumped);
    b.statistics(&dumped);
    b.publications(&dumped);
    b.event_triggers();
    b.subscriptions();
    b.extension_data();
    b.large_objects();
    b.security_labels();
    if b.opts.acl {
        b.privileges();
    }
    b.out
}

struct Builder<'a> {
    cat: &'a Catalog,
    opts: BuildOptions,
    /// Every relation of the catalog by OID.
    rels: HashMap<Oid, &'a Relation>,
    /// The relations each view's or materialized view's query reads.
    rule_reads: HashMap<Oid, Vec<Oid>>,
    out: Vec<DumpObject>,
}

/// `ALTER ... {state} TRIGGER|RULE|EVENT TRIGGER` for a non-default
/// `tgenabled` / `ev_enabled` / `evtenabled`.
fn enabled_state(enabled: char) -> Option<&'static str> {
    match enabled {
        'D' => Some("DISABLE"),
        'R' => Some("ENABLE REPLICA"),
        'A' => Some("ENABLE ALWAYS"),
        _ => None,
    }
}

fn comment(
    desc_tag: String,
    target: &str,
    text: &str,
    ns: Option<&str>,
    owner: &str,
    std: bool,
) -> Attached {
    Attached {
        desc: "COMMENT",
        tag: desc_tag,
        namespace: ns.map(str::to_owned),
        owner: Some(owner.to_owned()),
        defn: format!("COMMENT ON {target} IS {};\n", literal(text, std)),
        after: None,
        detached: false,
    }
}

impl<'a> Builder<'a> {
    fn std(&self) -> bool {
        self.opts.std_strings
    }

    /// The table `oid` if it is dumped.
    fn dumped_table(&self, oid: Oid, dumped: &HashSet<Oid>) -> Option<&'a Relation> {
        self.rels
            .get(&oid)
            .copied()
            .filter(|_| dumped.contains(&oid))
    }
}
