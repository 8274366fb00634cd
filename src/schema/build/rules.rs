//! Rules other than views' `_RETURN` (`dumpRule`).

use std::collections::HashSet;

use crate::catalog::Oid;
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::{comment, enabled_state, Builder, PG_REWRITE};

impl Builder<'_> {
    pub(super) fn rules(&mut self, dumped: &HashSet<Oid>) {
        for rule in &self.cat.rules {
            let Some(r) = self.dumped_table(rule.table, dumped) else {
                continue;
            };
            let mut o = DumpObject::new(
                Key::new(Class::Rule, rule.oid),
                Priority::Rule,
                "RULE",
                format!("{} {}", r.name, rule.name),
            );
            o.sort_by(&rule.name, &[&r.name]);
            o.catalog = (PG_REWRITE, rule.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            o.defn = format!("{}\n", rule.definition);
            if let Some(state) = enabled_state(rule.enabled) {
                o.defn.push_str(&format!(
                    "\nALTER TABLE {} {state} RULE {};\n",
                    r.qualified, rule.quoted
                ));
            }
            o.drop = format!("DROP RULE {} ON {};\n", rule.quoted, r.qualified);
            o.deps.push(Key::new(Class::Relation, r.oid));
            if let Some(c) = &rule.comment {
                let target = format!("RULE {} ON {}", rule.quoted, r.qualified);
                o.attached.push(comment(
                    format!("RULE {} ON {}", rule.quoted, ident(&r.name)),
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
