//! Triggers (`dumpTrigger`).

use std::collections::HashSet;

use crate::catalog::Oid;
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::{comment, enabled_state, Builder};

const PG_TRIGGER: Oid = 2620;
impl Builder<'_> {
    pub(super) fn triggers(&mut self, dumped: &HashSet<Oid>) {
        for t in &self.cat.triggers {
            let Some(r) = self.dumped_table(t.table, dumped) else {
                continue;
            };
            let mut o = DumpObject::new(
                Key::new(Class::Trigger, t.oid),
                Priority::Trigger,
                "TRIGGER",
                format!("{} {}", r.name, t.name),
            );
            o.sort_by(&t.name, &[&r.name]);
            o.catalog = (PG_TRIGGER, t.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            let alter = if r.kind == 'f' {
                "ALTER FOREIGN TABLE"
            } else {
                "ALTER TABLE"
            };
            if let Some(parent) = t.parent {
                // ATTACH PARTITION clones the trigger: only its state is
                // dumped, and nothing to drop.
                let state = enabled_state(t.enabled).unwrap_or("ENABLE");
                o.defn = format!("\n{alter} {} {state} TRIGGER {};\n", r.qualified, t.quoted);
                o.deps.push(Key::new(Class::Trigger, parent));
            } else {
                o.defn = format!("{};\n", t.definition);
                if let Some(state) = enabled_state(t.enabled) {
                    o.defn.push_str(&format!(
                        "\n{alter} {} {state} TRIGGER {};\n",
                        r.qualified, t.quoted
                    ));
                }
                o.drop = format!("DROP TRIGGER {} ON {};\n", t.quoted, r.qualified);
            }
            o.deps.push(Key::new(Class::Relation, r.oid));
            if let Some(c) = &t.comment {
                let target = format!("TRIGGER {} ON {}", t.quoted, r.qualified);
                o.attached.push(comment(
                    format!("TRIGGER {} ON {}", ident(&t.name), ident(&r.name)),
                    &target,
                    c,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }
}
