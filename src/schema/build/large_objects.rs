//! Large objects: BLOB METADATA groups and BLOBS entries (17+), or one
//! BLOB entry each (`dumpLO`).

use archive_format::Section;

use crate::catalog::{LargeObject, Oid};
use crate::schema::object::{Attached, Class, DataSource, DumpObject, Key, Priority};

use super::{comment, Builder};

/// pg_dump groups at most this many large objects per BLOB METADATA entry.
const BLOBS_PER_GROUP: usize = 1000;

const PG_LARGEOBJECT: Oid = 2613;
impl Builder<'_> {
    pub(super) fn large_objects(&mut self) {
        let los = &self.cat.large_objects;
        if los.is_empty() {
            return;
        }
        let std = self.opts.std_strings;
        if self.opts.version.has_blob_metadata() {
            for group in lo_groups(los) {
                self.out.extend(blob_group(group, std));
            }
        } else {
            self.out.extend(los.iter().map(|lo| blob(lo, std)));
            let mut d = DumpObject::new(
                Key::new(Class::Blobs, 0),
                Priority::LargeObjectData,
                "BLOBS",
                "BLOBS".into(),
            );
            d.data = Some(DataSource::LargeObjects(
                los.iter().map(|l| l.oid).collect(),
            ));
            self.out.push(d);
        }
    }
}

/// A group's BLOB METADATA entry (with its objects' comments) and its
/// BLOBS data entry (17+).
fn blob_group(group: &[LargeObject], std: bool) -> [DumpObject; 2] {
    let (first, last) = (group[0].oid, group[group.len() - 1].oid);
    let tag = if first == last {
        first.to_string()
    } else {
        format!("{first}..{last}")
    };
    let mut m = DumpObject::new(
        Key::new(Class::BlobGroup, first),
        Priority::LargeObjectMeta,
        "BLOB METADATA",
        tag.clone(),
    );
    m.section = Section::Data;
    m.catalog = (PG_LARGEOBJECT, first);
    m.owner = Some(group[0].owner.clone());
    m.defn = group.iter().map(|l| format!("{}\n", l.oid)).collect();
    m.drop = "-- dummy".into();
    m.attached = group.iter().filter_map(|l| lo_comment(l, std)).collect();
    let mut d = DumpObject::new(
        Key::new(Class::Blobs, first),
        Priority::LargeObjectData,
        "BLOBS",
        tag,
    );
    d.owner = Some(group[0].owner.clone());
    d.data = Some(DataSource::LargeObjects(
        group.iter().map(|l| l.oid).collect(),
    ));
    d.deps.push(Key::new(Class::BlobGroup, first));
    [m, d]
}

/// One large object's BLOB entry (before 17).
fn blob(lo: &LargeObject, std: bool) -> DumpObject {
    let mut o = DumpObject::new(
        Key::new(Class::LargeObject, lo.oid),
        Priority::LargeObject,
        "BLOB",
        lo.oid.to_string(),
    );
    o.catalog = (PG_LARGEOBJECT, lo.oid);
    o.owner = Some(lo.owner.clone());
    o.defn = format!("SELECT pg_catalog.lo_create('{}');\n", lo.oid);
    o.drop = format!("SELECT pg_catalog.lo_unlink('{}');\n", lo.oid);
    o.attached = lo_comment(lo, std).into_iter().collect();
    o
}

fn lo_comment(lo: &LargeObject, std: bool) -> Option<Attached> {
    lo.comment.as_ref().map(|c| {
        let target = format!("LARGE OBJECT {}", lo.oid);
        comment(target.clone(), &target, c, None, &lo.owner, std)
    })
}

/// pg_dump 17+'s large object groups (`getLOs`): at most 1000 with the
/// same owner and ACL, in the catalog query's order (owner, ACL, OID).
pub(super) fn lo_groups(los: &[LargeObject]) -> impl Iterator<Item = &[LargeObject]> {
    los.chunk_by(|a, b| (a.owner_oid, &a.acl) == (b.owner_oid, &b.acl))
        .flat_map(|g| g.chunks(BLOBS_PER_GROUP))
}
