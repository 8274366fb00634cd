//! Dump objects to TOC entries: dump ids, the session entries pg_restore
//! replays first, and the plan of which entries carry data.

use std::collections::HashMap;

use archive_format::{ArchiveVersion, CatalogId, Section, TocEntry};

use crate::catalog::Oid;
use crate::db::{DatabaseCreate, DatabaseProperties};
use crate::schema::object::{DataSource, DumpObject, Key};
use crate::schema::quote::{alter_config, literal};

/// Facts about the source database for the session and DATABASE entries.
#[derive(Debug, Clone)]
pub struct TocInfo {
    /// Archive version.
    pub version: ArchiveVersion,
    /// Database name.
    pub dbname: String,
    /// Its OID.
    pub db_oid: Oid,
    /// Its owner.
    pub db_owner: String,
    /// Encoding name of the dump (pgark reads everything as UTF8).
    pub encoding: String,
    /// `standard_conforming_strings`.
    pub std_strings: bool,
    /// Comment on the database.
    pub db_comment: Option<String>,
    /// The database name as an SQL identifier.
    pub db_quoted: String,
    /// Encoding and locale for `CREATE DATABASE`.
    pub db_create: DatabaseCreate,
    /// Database-level settings.
    pub db_props: DatabaseProperties,
}

/// A data entry to fill: its dump id and where the data comes from.
#[derive(Debug, Clone)]
pub struct DataPlan {
    /// The entry's dump id.
    pub dump_id: i32,
    /// Where its data comes from.
    pub source: DataSource,
    /// The plain table a COPY reads, whose heap may turn out empty.
    pub table: Option<Oid>,
}

fn bytes(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

fn special(id: i32, desc: &str, defn: String) -> TocEntry {
    let mut e = TocEntry::new(id, desc, desc, Section::PreData);
    e.defn = bytes(&defn);
    e
}

/// pg_dump's `CREATE DATABASE`, with the source's encoding and locale.
fn create_database(info: &TocInfo) -> String {
    let c = &info.db_create;
    let std = info.std_strings;
    let mut q = format!(
        "CREATE DATABASE {} WITH TEMPLATE = template0 ENCODING = {} LOCALE_PROVIDER = {}",
        info.db_quoted,
        literal(&c.encoding, std),
        match c.locale_provider {
            'b' => "builtin",
            'i' => "icu",
            _ => "libc",
        }
    );
    if !c.collate.is_empty() && c.collate == c.ctype {
        q.push_str(&format!(" LOCALE = {}", literal(&c.collate, std)));
    } else {
        q.push_str(&format!(
            " LC_COLLATE = {} LC_CTYPE = {}",
            literal(&c.collate, std),
            literal(&c.ctype, std)
        ));
    }
    if let Some(locale) = c.locale.as_deref().filter(|l| !l.is_empty()) {
        let kw = if c.locale_provider == 'b' {
            "BUILTIN_LOCALE"
        } else {
            "ICU_LOCALE"
        };
        q.push_str(&format!(" {kw} = {}", literal(locale, std)));
    }
    if let Some(rules) = c.icu_rules.as_deref().filter(|r| !r.is_empty()) {
        q.push_str(&format!(" ICU_RULES = {}", literal(rules, std)));
    }
    q.push_str(";\n");
    q
}

/// The DATABASE PROPERTIES entry's create and drop statements, if the
/// database has any non-default property.
fn database_properties(info: &TocInfo) -> Option<(String, String)> {
    let p = &info.db_props;
    let db = &info.db_quoted;
    let mut create = String::new();
    let mut drop = String::new();
    if p.conn_limit != -1 {
        create.push_str(&format!(
            "ALTER DATABASE {db} CONNECTION LIMIT = {};\n",
            p.conn_limit
        ));
    }
    if p.is_template {
        create.push_str(&format!("ALTER DATABASE {db} IS_TEMPLATE = true;\n"));
        drop.push_str(&format!(
            "UPDATE pg_catalog.pg_database SET datistemplate = false WHERE datname = {};\n",
            literal(&info.dbname, info.std_strings)
        ));
    }
    for item in &p.settings {
        create.push_str(&alter_config(
            &format!("DATABASE {db}"),
            item,
            info.std_strings,
        ));
    }
    for (role, item) in &p.role_settings {
        let target = format!(
            "ROLE {} IN DATABASE {db}",
            crate::schema::quote::ident(role)
        );
        create.push_str(&alter_config(&target, item, info.std_strings));
    }
    (!create.is_empty()).then_some((create, drop))
}

/// The TOC for `objects` (already in dump order) and its data plan.
pub fn toc(objects: &[DumpObject], info: &TocInfo) -> (Vec<TocEntry>, Vec<DataPlan>) {
    let (ids, base, next) = dump_ids(objects);
    let mut entries = Vec::with_capacity(next as usize + 4);
    session_entries(&mut entries, next, info);
    let mut plan = Vec::new();
    for (o, &id) in objects.iter().zip(&base) {
        let deps = dependencies(o, &ids);
        if o.entryless {
            attach(&mut entries, o, id, &deps);
            continue;
        }
        let mut e = object_entry(o, id, info);
        e.dependencies = deps;
        if let Some(source) = &o.data {
            e.had_dumper = true;
            plan.push(data_plan(o, id, source));
        }
        entries.push(e);
        attach(&mut entries, o, id, &[id]);
    }
    (entries, plan)
}

/// Dump ids: objects in order, each followed by its attached entries; the
/// session entries get the ids after them (the third value), as in
/// pg_dump. An entryless object's attached entries take the ids from the
/// one before it (its base, the second value), and nothing depends on it.
fn dump_ids(objects: &[DumpObject]) -> (HashMap<Key, i32>, Vec<i32>, i32) {
    let mut ids: HashMap<Key, i32> = HashMap::new();
    let mut next = 1;
    let mut base = Vec::with_capacity(objects.len());
    for o in objects {
        let own = i32::from(!o.entryless);
        base.push(next + own - 1);
        if !o.entryless {
            ids.insert(o.key, next);
        }
        next += own + o.attached.len() as i32;
    }
    (ids, base, next)
}

/// The entries pg_restore replays first (ENCODING, STDSTRINGS,
/// SEARCHPATH), numbered from `next`, then the database's.
fn session_entries(entries: &mut Vec<TocEntry>, next: i32, info: &TocInfo) {
    entries.push(special(
        next,
        "ENCODING",
        format!("SET client_encoding = '{}';\n", info.encoding),
    ));
    entries.push(special(
        next + 1,
        "STDSTRINGS",
        format!(
            "SET standard_conforming_strings = '{}';\n",
            if info.std_strings { "on" } else { "off" }
        ),
    ));
    entries.push(special(
        next + 2,
        "SEARCHPATH",
        "SELECT pg_catalog.set_config('search_path', '', false);\n".into(),
    ));
    database_entries(entries, next + 3, info);
}

/// DATABASE (dump id `db_id`), its COMMENT and DATABASE PROPERTIES.
fn database_entries(entries: &mut Vec<TocEntry>, db_id: i32, info: &TocInfo) {
    let quoted_db = &info.db_quoted;
    let mut db = TocEntry::new(db_id, "DATABASE", &info.dbname, Section::PreData);
    db.catalog_id = CatalogId {
        tableoid: 1262,
        oid: info.db_oid,
    };
    db.defn = bytes(&create_database(info));
    db.drop_stmt = bytes(&format!("DROP DATABASE {quoted_db};\n"));
    db.owner = bytes(&info.db_owner);
    db.tablespace = bytes("");
    entries.push(db);
    if let Some(c) = &info.db_comment {
        let mut e = TocEntry::new(
            db_id + 1,
            "COMMENT",
            &format!("DATABASE {}", info.dbname),
            Section::None,
        );
        e.defn = bytes(&format!(
            "COMMENT ON DATABASE {quoted_db} IS {};\n",
            literal(c, info.std_strings)
        ));
        e.owner = bytes(&info.db_owner);
        e.dependencies = vec![db_id];
        entries.push(e);
    }
    if let Some((create, drop)) = database_properties(info) {
        let id = db_id + 1 + i32::from(info.db_comment.is_some());
        let mut e = TocEntry::new(id, "DATABASE PROPERTIES", &info.dbname, Section::PreData);
        e.defn = bytes(&create);
        e.drop_stmt = bytes(&drop);
        e.owner = bytes(&info.db_owner);
        // pg_dump means to depend on DATABASE but passes no count.
        entries.push(e);
    }
}

/// The dump ids `o` depends on, each once, in order.
fn dependencies(o: &DumpObject, ids: &HashMap<Key, i32>) -> Vec<i32> {
    let mut deps: Vec<i32> = Vec::new();
    for k in o.toc_deps.as_ref().unwrap_or(&o.deps) {
        if let Some(&d) = ids.get(k) {
            if !deps.contains(&d) {
                deps.push(d);
            }
        }
    }
    deps
}

/// `o`'s own entry (dump id `id`), without its dependencies.
fn object_entry(o: &DumpObject, id: i32, info: &TocInfo) -> TocEntry {
    let mut e = TocEntry::new(id, o.desc, &o.tag, o.section);
    e.catalog_id = CatalogId {
        tableoid: o.catalog.0,
        oid: o.catalog.1,
    };
    e.namespace = o.namespace.as_deref().and_then(bytes);
    e.owner = o.owner.as_deref().and_then(bytes);
    e.defn = Some(o.defn.clone().into_bytes());
    e.drop_stmt = Some(o.drop.clone().into_bytes());
    e.copy_stmt = o.copy_stmt.as_deref().and_then(bytes);
    e.tablespace = o.tablespace.as_deref().and_then(bytes);
    if info.version.has_table_am() {
        e.table_am = o.table_am.as_deref().and_then(bytes);
    }
    e.relkind = o.relkind;
    e
}

/// The data plan of `o`'s entry (dump id `id`).
fn data_plan(o: &DumpObject, id: i32, source: &DataSource) -> DataPlan {
    // The emptiness check itself keeps to plain tables (relkind r).
    let plain_table =
        o.desc == "TABLE DATA" && matches!(source, DataSource::Copy(_) | DataSource::Table { .. });
    DataPlan {
        dump_id: id,
        source: source.clone(),
        table: plain_table.then_some(o.catalog.1),
    }
}

/// The entries attached to `o` (dump id `id`), each depending on `on`.
fn attach(entries: &mut Vec<TocEntry>, o: &DumpObject, id: i32, on: &[i32]) {
    for (i, a) in o.attached.iter().enumerate() {
        let mut c = TocEntry::new(id + 1 + i as i32, a.desc, &a.tag, Section::None);
        c.namespace = a.namespace.as_deref().and_then(bytes);
        c.owner = a.owner.as_deref().and_then(bytes);
        c.defn = bytes(&a.defn);
        c.drop_stmt = bytes("");
        c.dependencies = if a.detached { Vec::new() } else { on.to_vec() };
        if let Some(j) = a.after {
            c.dependencies.push(id + 1 + j as i32);
        }
        entries.push(c);
    }
}
