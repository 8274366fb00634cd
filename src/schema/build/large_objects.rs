//! Large objects: BLOB METADATA groups and BLOBS entries (17+), or one
//! BLOB entry each (`dumpLO`).

use archive_format::Section;

use crate::catalog::Oid;
use crate::schema::object::{Class, DataSource, DumpObject, Key, Priority};

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
        let lo_comment = |lo: &crate::catalog::LargeObject, std: bool| {
            lo.comment.as_ref().map(|c| {
                let target = format!("LARGE OBJECT {}", lo.oid);
                comment(target.clone(), &target, c, None, &lo.owner, std)
            })
        };
        if self.opts.version.has_blob_metadata() {
            for group in lo_groups(los) {
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
                m.attached = group
                    .iter()
                    .filter_map(|l| lo_comment(l, self.opts.std_strings))
                    .collect();
                self.out.push(m);
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
                self.out.push(d);
            }
        } else {
            for lo in los {
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
                o.attached = lo_comment(lo, self.opts.std_strings).into_iter().collect();
                self.out.push(o);
            }
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

/// pg_dump 17+'s large object groups (`getLOs`): at most 1000 with the
/// same owner and ACL, in the catalog query's order (owner, ACL, OID).
pub(super) fn lo_groups(
    los: &[crate::catalog::LargeObject],
) -> impl Iterator<Item = &[crate::catalog::LargeObject]> {
    los.chunk_by(|a, b| (a.owner_oid, &a.acl) == (b.owner_oid, &b.acl))
        .flat_map(|g| g.chunks(BLOBS_PER_GROUP))
}
