//! Foreign data wrappers, servers and user mappings, as pg_dump's
//! `dumpForeignDataWrapper`, `dumpForeignServer` and `dumpUserMappings`
//! write them.

use crate::catalog::{ForeignDataWrapper, ForeignServer, Oid, UserMapping};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::standalone::Common;
use super::Builder;

const PG_FOREIGN_DATA_WRAPPER: Oid = 2328;
const PG_FOREIGN_SERVER: Oid = 1417;

impl Builder<'_> {
    pub(super) fn foreign_data(&mut self) {
        let cat = self.cat;
        for w in &cat.standalone.wrappers {
            self.wrapper(w);
        }
        for s in &cat.standalone.servers {
            self.server(s);
            // Each mapping is its own entry right after the server
            // (pg_dump gives them no catalog id).
            for m in &s.mappings {
                let o = user_mapping(s, m);
                self.out.push(o);
            }
        }
    }

    fn wrapper(&mut self, w: &ForeignDataWrapper) {
        let mut q = format!("CREATE FOREIGN DATA WRAPPER {}", w.quoted);
        if let Some(h) = &w.handler {
            q.push_str(&format!(" HANDLER {h}"));
        }
        if let Some(v) = &w.validator {
            q.push_str(&format!(" VALIDATOR {v}"));
        }
        if !w.options.is_empty() {
            q.push_str(&format!(" OPTIONS (\n    {}\n)", w.options));
        }
        q.push_str(";\n");
        self.standalone(
            Common {
                class: Class::ForeignDataWrapper,
                oid: w.oid,
                catalog: PG_FOREIGN_DATA_WRAPPER,
                priority: Priority::Fdw,
                desc: "FOREIGN DATA WRAPPER",
                comment_kind: "FOREIGN DATA WRAPPER",
                name: &w.name,
                target: w.quoted.clone(),
                comment_name: w.quoted.clone(),
                schema: None,
                owner: Some(&w.owner),
                comment: w.comment.as_deref(),
            },
            q,
        );
    }

    fn server(&mut self, s: &ForeignServer) {
        let std = self.std();
        let mut q = format!("CREATE SERVER {}", s.quoted);
        if let Some(t) = s.server_type.as_deref().filter(|t| !t.is_empty()) {
            q.push_str(&format!(" TYPE {}", literal(t, std)));
        }
        if let Some(v) = s.server_version.as_deref().filter(|v| !v.is_empty()) {
            q.push_str(&format!(" VERSION {}", literal(v, std)));
        }
        q.push_str(&format!(" FOREIGN DATA WRAPPER {}", s.wrapper));
        if !s.options.is_empty() {
            q.push_str(&format!(" OPTIONS (\n    {}\n)", s.options));
        }
        q.push_str(";\n");
        self.standalone(
            Common {
                class: Class::ForeignServer,
                oid: s.oid,
                catalog: PG_FOREIGN_SERVER,
                priority: Priority::ForeignServer,
                desc: "SERVER",
                comment_kind: "SERVER",
                name: &s.name,
                target: s.quoted.clone(),
                comment_name: s.quoted.clone(),
                schema: None,
                owner: Some(&s.owner),
                comment: s.comment.as_deref(),
            },
            q,
        );
    }
}

/// The USER MAPPING entry of `m` on the server `s`.
fn user_mapping(s: &ForeignServer, m: &UserMapping) -> DumpObject {
    let user = ident(&m.user);
    let mut o = DumpObject::new(
        Key::new(Class::UserMapping, m.oid),
        Priority::ForeignServer,
        "USER MAPPING",
        format!("USER MAPPING {} SERVER {}", m.user, s.name),
    );
    o.owner = Some(s.owner.clone());
    let mut q = format!("CREATE USER MAPPING FOR {user} SERVER {}", s.quoted);
    if !m.options.is_empty() {
        q.push_str(&format!(" OPTIONS (\n    {}\n)", m.options));
    }
    q.push_str(";\n");
    o.defn = q;
    o.drop = format!("DROP USER MAPPING FOR {user} SERVER {};\n", s.quoted);
    o.deps.push(Key::new(Class::ForeignServer, s.oid));
    // pg_dump writes it inside the server's dump: no dependency.
    o.toc_deps = Some(Vec::new());
    o
}
