//! TOC entries (`WriteToc` / `ReadToc` plus the custom format's data offset).

use std::borrow::Cow;
use std::fmt;

use crate::error::{EntryName, Result};
use crate::primitives::{DataOffset, Dec, Enc, Parse};
use crate::version::ArchiveVersion;

/// A TOC entry's section (`teSection`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Section {
    /// Comments, ACLs and security labels: they follow their object.
    None,
    /// Schema created before the data is loaded.
    PreData,
    /// Table data, sequence values, large objects.
    Data,
    /// Indexes, constraints, triggers: created after the data.
    PostData,
}

impl Section {
    /// The value stored in the archive.
    pub fn to_int(self) -> i32 {
        match self {
            Section::None => 1,
            Section::PreData => 2,
            Section::Data => 3,
            Section::PostData => 4,
        }
    }

    /// The section stored as `v`, if valid.
    pub fn from_int(v: i32) -> Option<Self> {
        match v {
            1 => Some(Section::None),
            2 => Some(Section::PreData),
            3 => Some(Section::Data),
            4 => Some(Section::PostData),
            _ => None,
        }
    }

    /// The name pg_restore's `--section` uses.
    pub fn name(self) -> &'static str {
        match self {
            Section::None => "none",
            Section::PreData => "pre-data",
            Section::Data => "data",
            Section::PostData => "post-data",
        }
    }
}

/// The catalog identity of an entry's object: `pg_class` OID of the catalog
/// (`tableoid`) and the object's OID. Both 0 for entries without one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct CatalogId {
    /// OID of the system catalog holding the object (e.g. 1259 for pg_class).
    pub tableoid: u32,
    /// OID of the object in that catalog.
    pub oid: u32,
}

/// One TOC entry: an object to create, or data to load.
///
/// String fields hold bytes in the archive's encoding (pg_dump writes them
/// in the database's encoding, which need not be UTF-8); `None` is the
/// archive's NULL string, which differs from the empty string.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TocEntry {
    /// The entry's id, unique and > 0. Dependencies refer to it.
    pub dump_id: i32,
    /// Whether the entry has a data block (`hadDumper`).
    pub had_dumper: bool,
    /// The object's catalog identity.
    pub catalog_id: CatalogId,
    /// The object's name (`tag`), e.g. the table name.
    pub tag: Vec<u8>,
    /// The kind of entry: `TABLE`, `TABLE DATA`, `INDEX`, `BLOBS`, ...
    pub desc: String,
    /// The restore section.
    pub section: Section,
    /// The SQL that creates the object.
    pub defn: Option<Vec<u8>>,
    /// The SQL that drops it (`--clean`).
    pub drop_stmt: Option<Vec<u8>>,
    /// For TABLE DATA: the `COPY ... FROM stdin;` statement.
    pub copy_stmt: Option<Vec<u8>>,
    /// The object's schema.
    pub namespace: Option<Vec<u8>>,
    /// The object's tablespace (`None`: not applicable; empty: default).
    pub tablespace: Option<Vec<u8>>,
    /// The table access method (1.14+), `heap` on tables.
    pub table_am: Option<Vec<u8>>,
    /// `pg_class.relkind` as a byte (1.16+), 0 when not a relation.
    pub relkind: u8,
    /// The object's owner.
    pub owner: Option<Vec<u8>>,
    /// Whether the table was dumped WITH OIDS (always false since PG 12).
    pub with_oids: bool,
    /// Dump ids this entry depends on.
    pub dependencies: Vec<i32>,
}

impl TocEntry {
    /// An entry with the given identity and every optional field empty.
    pub fn new(dump_id: i32, desc: &str, tag: &str, section: Section) -> Self {
        TocEntry {
            dump_id,
            had_dumper: false,
            catalog_id: CatalogId::default(),
            tag: tag.as_bytes().to_vec(),
            desc: desc.to_owned(),
            section,
            defn: None,
            drop_stmt: None,
            copy_stmt: None,
            namespace: None,
            tablespace: None,
            table_am: None,
            relkind: 0,
            owner: None,
            with_oids: false,
            dependencies: Vec::new(),
        }
    }

    /// The tag as text (invalid UTF-8 replaced).
    pub fn tag_lossy(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.tag)
    }

    /// The schema as text (invalid UTF-8 replaced).
    pub fn namespace_lossy(&self) -> Option<Cow<'_, str>> {
        self.namespace.as_deref().map(String::from_utf8_lossy)
    }

    /// Whether the entry's data block holds large objects (`BLOBS`).
    pub fn is_blobs(&self) -> bool {
        self.desc == "BLOBS"
    }

    /// The entry as named in error messages.
    pub fn name(&self) -> EntryName {
        EntryName {
            dump_id: self.dump_id,
            desc: self.desc.clone(),
            namespace: self.namespace_lossy().map(Cow::into_owned),
            tag: self.tag_lossy().into_owned(),
        }
    }

    /// Appends the entry as `version` stores it, with the custom format's
    /// data offset.
    pub(crate) fn encode(
        &self,
        e: &mut Enc<'_>,
        version: ArchiveVersion,
        offset: DataOffset,
    ) -> Result<()> {
        e.int(self.dump_id);
        e.int(i32::from(self.had_dumper));
        e.str(Some(self.catalog_id.tableoid.to_string().as_bytes()))?;
        e.str(Some(self.catalog_id.oid.to_string().as_bytes()))?;
        e.str(Some(&self.tag))?;
        e.str(Some(self.desc.as_bytes()))?;
        e.int(self.section.to_int());
        e.str(self.defn.as_deref())?;
        e.str(self.drop_stmt.as_deref())?;
        e.str(self.copy_stmt.as_deref())?;
        e.str(self.namespace.as_deref())?;
        e.str(self.tablespace.as_deref())?;
        if version.has_table_am() {
            e.str(self.table_am.as_deref())?;
        }
        if version.has_relkind() {
            e.int(i32::from(self.relkind));
        }
        e.str(self.owner.as_deref())?;
        e.str(Some(if self.with_oids { b"true" } else { b"false" }))?;
        for dep in &self.dependencies {
            e.str(Some(dep.to_string().as_bytes()))?;
        }
        e.str(None)?;
        e.offset(offset);
        Ok(())
    }

    /// Decodes one entry and its data offset, field by field in the order
    /// pg_dump writes them (`ReadToc` in pg_backup_archiver.c).
    pub(crate) fn decode(
        d: &mut Dec<'_>,
        version: ArchiveVersion,
    ) -> Parse<(TocEntry, DataOffset)> {
        let dump_id = dump_id_field(d)?;
        let had_dumper = had_dumper_field(d)?;
        let tableoid = oid_field(d, "tableoid")?;
        let oid = oid_field(d, "oid")?;
        let tag = tag_field(d)?;
        let desc = desc_field(d)?;
        let section = section_field(d)?;
        let defn = owned_str(d)?;
        let drop_stmt = owned_str(d)?;
        let copy_stmt = owned_str(d)?;
        let namespace = owned_str(d)?;
        let tablespace = owned_str(d)?;
        let table_am = if version.has_table_am() {
            owned_str(d)?
        } else {
            None
        };
        let relkind = if version.has_relkind() {
            relkind_field(d)?
        } else {
            0
        };
        let owner = owned_str(d)?;
        let with_oids = d.str()? == Some(b"true");
        let dependencies = dependencies_field(d)?;
        let offset = d.offset_field()?;
        let entry = TocEntry {
            dump_id,
            had_dumper,
            catalog_id: CatalogId { tableoid, oid },
            tag,
            desc,
            section,
            defn,
            drop_stmt,
            copy_stmt,
            namespace,
            tablespace,
            table_am,
            relkind,
            owner,
            with_oids,
            dependencies,
        };
        Ok((entry, offset))
    }
}

/// The entry's dump id (positive); from here on, errors name it.
fn dump_id_field(d: &mut Dec<'_>) -> Parse<i32> {
    let at = d.offset();
    let dump_id = d.int()?;
    if dump_id <= 0 {
        return Err(d.corrupt_at(
            at,
            format!("entry ID {dump_id} out of range -- perhaps a corrupt TOC"),
        ));
    }
    if let crate::error::Location::TocEntry { dump_id: id, .. } = &mut d.location {
        *id = Some(dump_id);
    }
    Ok(dump_id)
}

fn had_dumper_field(d: &mut Dec<'_>) -> Parse<bool> {
    let at = d.offset();
    match d.int()? {
        0 => Ok(false),
        1 => Ok(true),
        other => Err(d.corrupt_at(at, format!("invalid hadDumper value {other}"))),
    }
}

fn tag_field(d: &mut Dec<'_>) -> Parse<Vec<u8>> {
    let at = d.offset();
    Ok(d.str()?
        .ok_or_else(|| d.corrupt_at(at, "tag is NULL"))?
        .to_vec())
}

fn desc_field(d: &mut Dec<'_>) -> Parse<String> {
    let at = d.offset();
    let desc = d.str()?.ok_or_else(|| d.corrupt_at(at, "desc is NULL"))?;
    String::from_utf8(desc.to_vec()).map_err(|_| d.corrupt_at(at, "desc is not valid UTF-8"))
}

fn section_field(d: &mut Dec<'_>) -> Parse<Section> {
    let at = d.offset();
    let section_raw = d.int()?;
    Section::from_int(section_raw)
        .ok_or_else(|| d.corrupt_at(at, format!("invalid section {section_raw}")))
}

fn relkind_field(d: &mut Dec<'_>) -> Parse<u8> {
    let at = d.offset();
    let r = d.int()?;
    u8::try_from(r).map_err(|_| d.corrupt_at(at, format!("invalid relkind {r}")))
}

/// The dump ids the entry depends on: strings up to a NULL one.
fn dependencies_field(d: &mut Dec<'_>) -> Parse<Vec<i32>> {
    let mut dependencies = Vec::new();
    loop {
        let at = d.offset();
        let Some(dep) = d.str()? else { break };
        let dep = std::str::from_utf8(dep)
            .ok()
            .and_then(|s| s.parse::<i32>().ok())
            .ok_or_else(|| d.corrupt_at(at, "dependency is not a dump id"))?;
        dependencies.push(dep);
    }
    Ok(dependencies)
}

/// A string field that may be NULL, copied out of the input.
fn owned_str(d: &mut Dec<'_>) -> Parse<Option<Vec<u8>>> {
    Ok(d.str()?.map(<[u8]>::to_vec))
}

fn oid_field(d: &mut Dec<'_>, what: &str) -> Parse<u32> {
    let at = d.offset();
    let s = d
        .str()?
        .ok_or_else(|| d.corrupt_at(at, format!("{what} is NULL")))?;
    std::str::from_utf8(s)
        .ok()
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(|| d.corrupt_at(at, format!("{what} is not an OID")))
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
