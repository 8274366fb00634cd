//! Functions and procedures (`dumpFunc`).

use crate::catalog::Oid;
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::{comment, Builder};

const PG_PROC: Oid = 1255;
impl Builder<'_> {
    pub(super) fn functions(&mut self) {
        for f in &self.cat.functions {
            let desc = if f.kind == 'p' {
                "PROCEDURE"
            } else {
                "FUNCTION"
            };
            let signature = format!("{}({})", ident(&f.name), f.identity_args);
            let mut o = DumpObject::new(
                Key::new(Class::Proc, f.oid),
                Priority::Function,
                desc,
                format!("{}({})", f.name, f.arg_types),
            );
            o.sort_by_args(&f.name, &f.sort_args);
            o.catalog = (PG_PROC, f.oid);
            o.namespace = Some(f.schema.clone());
            o.owner = Some(f.owner.clone());
            let def = f.definition.trim_end();
            let def = def
                .strip_prefix("CREATE OR REPLACE ")
                .map_or(def.to_owned(), |d| format!("CREATE {d}"));
            o.defn = format!("{def};\n");
            o.drop = format!("DROP {desc} {}({});\n", f.qualified, f.identity_args);
            if let Some(c) = &f.comment {
                let target = format!("{desc} {}({})", f.qualified, f.identity_args);
                o.attached.push(comment(
                    format!("{desc} {signature}"),
                    &target,
                    c,
                    Some(&f.schema),
                    &f.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }
}
