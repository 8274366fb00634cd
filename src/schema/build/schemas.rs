//! Schemas: CREATE SCHEMA, and the public schema's owner and comment as
//! pg_dump's `dumpNamespace` writes them.

use archive_format::Section;

use crate::catalog::Oid;
use crate::schema::object::{Attached, Class, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::{comment, Builder};

const PG_NAMESPACE: Oid = 2615;
impl Builder<'_> {
    pub(super) fn schemas(&mut self) {
        for s in &self.cat.schemas {
            if s.name == "public" && !self.opts.public_created {
                self.public_schema(s);
                continue;
            }
            let mut o = DumpObject::new(
                Key::new(Class::Namespace, s.oid),
                Priority::Namespace,
                "SCHEMA",
                s.name.clone(),
            );
            o.catalog = (PG_NAMESPACE, s.oid);
            o.owner = Some(s.owner.clone());
            o.defn = format!("CREATE SCHEMA {};\n", s.quoted);
            o.drop = format!("DROP SCHEMA {};\n", s.quoted);
            if let Some(c) = &s.comment {
                let target = format!("SCHEMA {}", s.quoted);
                o.attached.push(comment(
                    format!("SCHEMA {}", ident(&s.name)),
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

    /// Every database has the public schema (pg_dump's
    /// selectDumpableNamespace): its entry only records a changed owner,
    /// and its comment is dumped when it is not initdb's (an empty one
    /// when the comment was removed).
    fn public_schema(&mut self, s: &crate::catalog::Schema) {
        let comment_text = match s.comment.as_deref() {
            Some("standard public schema") => None,
            Some(c) => Some(c),
            None => Some(""),
        };
        let comment_defn = comment_text
            .map(|c| format!("COMMENT ON SCHEMA public IS {};\n", literal(c, self.std())));
        if s.owner == "pg_database_owner" {
            if let Some(defn) = comment_defn {
                // Not the schema's key: nothing depends on this comment.
                let mut o = DumpObject::new(
                    Key::new(Class::Namespace, 0),
                    Priority::Namespace,
                    "COMMENT",
                    "SCHEMA public".into(),
                );
                o.section = Section::None;
                o.owner = Some(s.owner.clone());
                o.defn = defn;
                self.out.push(o);
            }
            return;
        }
        let mut o = DumpObject::new(
            Key::new(Class::Namespace, s.oid),
            Priority::Namespace,
            "SCHEMA",
            s.name.clone(),
        );
        o.catalog = (PG_NAMESPACE, s.oid);
        o.owner = Some(s.owner.clone());
        o.defn = "-- *not* creating schema, since initdb creates it\n".into();
        o.drop = "-- *not* dropping schema, since initdb creates it\n".into();
        if let Some(defn) = comment_defn {
            o.attached.push(Attached {
                desc: "COMMENT",
                tag: "SCHEMA public".into(),
                namespace: None,
                owner: Some(s.owner.clone()),
                defn,
                after: None,
                detached: false,
            });
        }
        self.out.push(o);
    }
}
