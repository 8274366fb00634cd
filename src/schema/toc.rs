//! Dump objects to TOC entries: dump ids, the session entries pg_restore
//! replays first, and the plan of which entries carry data.

use std::collections::HashMap;

use archive_format::{ArchiveVersion, CatalogId, Section, TocEntry};

use crate::catalog::Oid;
use crate::schema::object::{DataSource, DumpObject, Key};
use crate::schema::quote::literal;

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
}

/// A data entry to fill: its dump id and where the data comes from.
#[derive(Debug, Clone)]
pub struct DataPlan {
    /// The entry's dump id.
    pub dump_id: i32,
    /// Where its data comes from.
    pub source: DataSource,
}

fn bytes(s: &str) -> Option<Vec<u8>> {
    Some(s.as_bytes().to_vec())
}

fn special(id: i32, desc: &str, defn: String) -> TocEntry {
    let mut e = TocEntry::new(id, desc, desc, Section::PreData);
    e.defn = bytes(&defn);
    e
}

/// The TOC for `objects` (already in dump order) and its data plan.
pub fn toc(objects: &[DumpObject], info: &TocInfo) -> (Vec<TocEntry>, Vec<DataPlan>) {
    // Dump ids: objects in order, each followed by its attached entries;
    // the session entries get the ids after them, as in pg_dump.
    let mut ids: HashMap<Key, i32> = HashMap::new();
    let mut next = 1;
    for o in objects {
        ids.insert(o.key, next);
        next += 1 + o.attached.len() as i32;
    }
    let mut entries = Vec::with_capacity(next as usize + 4);
    let quoted_db = format!("\"{}\"", info.dbname.replace('"', "\"\""));
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
    let db_id = next + 3;
    let mut db = TocEntry::new(db_id, "DATABASE", &info.dbname, Section::PreData);
    db.catalog_id = CatalogId {
        tableoid: 1262,
        oid: info.db_oid,
    };
    db.defn = bytes(&format!(
        "CREATE DATABASE {quoted_db} WITH TEMPLATE = template0 ENCODING = '{}';\n",
        info.encoding
    ));
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

    let mut plan = Vec::new();
    for o in objects {
        let id = ids[&o.key];
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
        let mut deps: Vec<i32> = Vec::new();
        for k in &o.deps {
            if let Some(&d) = ids.get(k) {
                if !deps.contains(&d) {
                    deps.push(d);
                }
            }
        }
        e.dependencies = deps;
        if let Some(source) = &o.data {
            e.had_dumper = true;
            plan.push(DataPlan {
                dump_id: id,
                source: source.clone(),
            });
        }
        entries.push(e);
        for (i, a) in o.attached.iter().enumerate() {
            let mut c = TocEntry::new(id + 1 + i as i32, a.desc, &a.tag, Section::None);
            c.namespace = a.namespace.as_deref().and_then(bytes);
            c.owner = a.owner.as_deref().and_then(bytes);
            c.defn = bytes(&a.defn);
            c.drop_stmt = bytes("");
            c.dependencies = vec![id];
            entries.push(c);
        }
    }
    (entries, plan)
}
