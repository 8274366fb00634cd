//! Domains as pg_dump's `dumpDomain` writes them: valid constraints inside
//! CREATE DOMAIN (the not-null by name from 17 on), their comments with
//! the domain, and NOT VALID constraints as CONSTRAINT entries of their own
//! (`ALTER DOMAIN ... ADD CONSTRAINT ... NOT VALID`, after the data).

use crate::catalog::{Constraint, UserType};
use crate::schema::object::{Attached, Class, DumpObject, Key, Priority};
use crate::schema::quote::ident;

use super::{comment, Builder, PG_CONSTRAINT};

impl Builder<'_> {
    /// The domain's constraints, in name order.
    fn domain_constraints(&self, t: &UserType) -> impl Iterator<Item = &Constraint> {
        let oid = t.oid;
        self.cat
            .domain_constraints
            .iter()
            .filter(move |c| c.domain == oid)
    }

    /// `CREATE DOMAIN ...;` with the valid constraints.
    pub(super) fn domain_definition(&self, t: &UserType) -> String {
        let mut d = format!(
            "CREATE DOMAIN {} AS {}",
            t.qualified,
            t.domain_base.as_deref().unwrap_or("text")
        );
        if let Some(c) = &t.collation {
            d.push_str(&format!(" COLLATE {c}"));
        }
        if t.not_null {
            // Servers before 17 have no not-null constraint rows; the
            // default name is left out.
            match self.domain_constraints(t).find(|c| c.kind == 'n') {
                None => d.push_str(" NOT NULL"),
                Some(c) if !c.validated => {}
                Some(c) if c.name == format!("{}_not_null", t.name) => d.push_str(" NOT NULL"),
                Some(c) => d.push_str(&format!(" CONSTRAINT {} {}", c.quoted, c.definition)),
            }
        }
        if let Some(def) = &t.default {
            d.push_str(&format!(" DEFAULT {def}"));
        }
        if let Some(c) = &t.checks {
            d.push_str(c);
        }
        d.push_str(";\n");
        d
    }

    /// Comments on the valid constraints written in CREATE DOMAIN: checks
    /// first, then the not-null.
    pub(super) fn domain_constraint_comments(&self, t: &UserType) -> Vec<Attached> {
        let valid = |kind: char| {
            self.domain_constraints(t)
                .filter(move |c| c.kind == kind && c.validated)
        };
        valid('c')
            .chain(valid('n'))
            .filter_map(|c| Some(self.domain_constraint_comment(t, c, c.comment.as_deref()?)))
            .collect()
    }

    fn domain_constraint_comment(&self, t: &UserType, c: &Constraint, text: &str) -> Attached {
        comment(
            format!("CONSTRAINT {} ON DOMAIN {}", c.quoted, ident(&t.name)),
            &format!("CONSTRAINT {} ON DOMAIN {}", c.quoted, t.qualified),
            text,
            Some(&t.schema),
            &t.owner,
            self.opts.std_strings,
        )
    }

    /// NOT VALID domain constraints, each an entry of its own.
    pub(super) fn domain_separate_constraints(&mut self) {
        let mut out = Vec::new();
        for t in self.cat.types.iter().filter(|t| t.kind == 'd') {
            for c in self.domain_constraints(t).filter(|c| !c.validated) {
                let desc = if c.kind == 'c' {
                    "CHECK CONSTRAINT"
                } else {
                    "CONSTRAINT"
                };
                let mut o = DumpObject::new(
                    Key::new(Class::Constraint, c.oid),
                    Priority::Constraint,
                    desc,
                    format!("{} {}", t.name, c.name),
                );
                o.sort_by(&c.name, &["0", &t.name]);
                o.catalog = (PG_CONSTRAINT, c.oid);
                o.namespace = Some(t.schema.clone());
                o.owner = Some(t.owner.clone());
                o.defn = format!(
                    "ALTER DOMAIN {}\n    ADD CONSTRAINT {} {};\n",
                    t.qualified, c.quoted, c.definition
                );
                o.drop = format!(
                    "ALTER DOMAIN {} DROP CONSTRAINT {};\n",
                    t.qualified, c.quoted
                );
                o.deps.push(Key::new(Class::Type, t.oid));
                if let Some(text) = &c.comment {
                    o.attached.push(self.domain_constraint_comment(t, c, text));
                }
                out.push(o);
            }
        }
        self.out.extend(out);
    }
}
