//! Objects that stand on their own in the dump, with a DROP and a comment
//! (`Common`, shared with `text_search` and `foreign_data`): conversions,
//! operator families and classes, and procedural languages. Statements
//! follow pg_dump's `dumpConversion`, `dumpOpfamily`, `dumpOpclass` and
//! `dumpProcLang`.

use crate::catalog::{Oid, OpClass, OpFamily};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::{comment, Builder};

const PG_CONVERSION: Oid = 2607;
const PG_OPFAMILY: Oid = 2753;
const PG_OPCLASS: Oid = 2616;
const PG_LANGUAGE: Oid = 2612;

/// The parts every standalone object shares.
pub(super) struct Common<'s> {
    pub(super) class: Class,
    pub(super) oid: Oid,
    pub(super) catalog: Oid,
    pub(super) priority: Priority,
    /// TOC desc, also the keyword in COMMENT and DROP.
    pub(super) desc: &'static str,
    /// Tag: the bare name.
    pub(super) name: &'s str,
    /// How statements name it (qualified, or with `USING am`).
    pub(super) target: String,
    /// How the comment's tag names it.
    pub(super) comment_name: String,
    /// The keyword COMMENT ON uses (desc, except for languages).
    pub(super) comment_kind: &'static str,
    pub(super) schema: Option<&'s str>,
    pub(super) owner: Option<&'s str>,
    pub(super) comment: Option<&'s str>,
}

impl Builder<'_> {
    /// An object with `defn`, pg_dump's DROP and its comment.
    pub(super) fn standalone(&mut self, c: Common<'_>, defn: String) {
        let mut o = DumpObject::new(Key::new(c.class, c.oid), c.priority, c.desc, c.name.into());
        o.catalog = (c.catalog, c.oid);
        o.namespace = c.schema.map(str::to_owned);
        o.owner = c.owner.map(str::to_owned);
        o.defn = defn;
        o.drop = format!("DROP {} {};\n", c.desc, c.target);
        if let Some(text) = c.comment {
            o.attached.push(comment(
                format!("{} {}", c.comment_kind, c.comment_name),
                &format!("{} {}", c.comment_kind, c.target),
                text,
                c.schema,
                c.owner.unwrap_or(""),
                self.std(),
            ));
        }
        self.out.push(o);
    }

    pub(super) fn conversions(&mut self) {
        let cat = self.cat;
        let std = self.std();
        for c in &cat.standalone.conversions {
            let q = format!(
                "CREATE {}CONVERSION {} FOR {} TO {} FROM {};\n",
                if c.is_default { "DEFAULT " } else { "" },
                c.qualified,
                literal(&c.source, std),
                literal(&c.target, std),
                c.function
            );
            self.standalone(
                Common {
                    class: Class::Conversion,
                    oid: c.oid,
                    catalog: PG_CONVERSION,
                    priority: Priority::Conversion,
                    desc: "CONVERSION",
                    comment_kind: "CONVERSION",
                    name: &c.name,
                    target: c.qualified.clone(),
                    comment_name: ident_of(&c.qualified, &c.schema),
                    schema: Some(&c.schema),
                    owner: Some(&c.owner),
                    comment: c.comment.as_deref(),
                },
                q,
            );
        }
    }

    pub(super) fn operator_classes(&mut self) {
        let cat = self.cat;
        for f in &cat.standalone.opfamilies {
            self.op_family(f);
        }
        for c in &cat.standalone.opclasses {
            self.op_class(c);
            // CREATE OPERATOR CLASS ... FAMILY needs the family.
            if let Some(o) = self.out.last_mut() {
                o.deps.push(Key::new(Class::OpFamily, c.family_oid));
            }
        }
    }

    fn op_family(&mut self, f: &OpFamily) {
        let using = format!("{} USING {}", f.qualified, f.method);
        let mut q = format!("CREATE OPERATOR FAMILY {using};\n");
        if !f.members.is_empty() {
            q.push_str(&format!(
                "ALTER OPERATOR FAMILY {using} ADD\n    {};\n",
                f.members.join(" ,\n    ")
            ));
        }
        self.standalone(
            Common {
                class: Class::OpFamily,
                oid: f.oid,
                catalog: PG_OPFAMILY,
                priority: Priority::OpFamily,
                desc: "OPERATOR FAMILY",
                comment_kind: "OPERATOR FAMILY",
                name: &f.name,
                comment_name: format!("{} USING {}", ident_of(&f.qualified, &f.schema), f.method),
                target: using,
                schema: Some(&f.schema),
                owner: Some(&f.owner),
                comment: f.comment.as_deref(),
            },
            q,
        );
    }

    fn op_class(&mut self, c: &OpClass) {
        let comment_name = format!("{} USING {}", ident_of(&c.qualified, &c.schema), c.method);
        let target = format!("{} USING {}", c.qualified, c.method);
        self.standalone(
            Common {
                class: Class::OpClass,
                oid: c.oid,
                catalog: PG_OPCLASS,
                priority: Priority::OpFamily,
                desc: "OPERATOR CLASS",
                comment_kind: "OPERATOR CLASS",
                name: &c.name,
                target,
                comment_name,
                schema: Some(&c.schema),
                owner: Some(&c.owner),
                comment: c.comment.as_deref(),
            },
            create_op_class(c),
        );
    }

    pub(super) fn languages(&mut self) {
        let cat = self.cat;
        for l in &cat.standalone.languages {
            let mut q = format!(
                "CREATE {}PROCEDURAL LANGUAGE {}",
                if l.trusted { "TRUSTED " } else { "" },
                l.quoted
            );
            if let Some(h) = &l.handler {
                q.push_str(&format!(" HANDLER {h}"));
                if let Some(i) = &l.inline_handler {
                    q.push_str(&format!(" INLINE {i}"));
                }
                if let Some(v) = &l.validator {
                    q.push_str(&format!(" VALIDATOR {v}"));
                }
            }
            q.push_str(";\n");
            self.standalone(
                Common {
                    class: Class::Language,
                    oid: l.oid,
                    catalog: PG_LANGUAGE,
                    priority: Priority::ProcLang,
                    desc: "PROCEDURAL LANGUAGE",
                    comment_kind: "LANGUAGE",
                    name: &l.name,
                    target: l.quoted.clone(),
                    comment_name: l.quoted.clone(),
                    schema: None,
                    owner: Some(&l.owner),
                    comment: l.comment.as_deref(),
                },
                q,
            );
        }
    }
}

/// CREATE OPERATOR CLASS with its storage and members (the input type's
/// storage when it has neither).
fn create_op_class(c: &OpClass) -> String {
    let mut q = format!(
        "CREATE OPERATOR CLASS {}\n    {}FOR TYPE {} USING {}",
        c.qualified,
        if c.is_default { "DEFAULT " } else { "" },
        c.input_type,
        c.method
    );
    if let Some(family) = &c.family {
        q.push_str(&format!(" FAMILY {family}"));
    }
    q.push_str(" AS\n    ");
    let mut items: Vec<String> = c.storage.iter().map(|s| format!("STORAGE {s}")).collect();
    items.extend(c.members.iter().cloned());
    if items.is_empty() {
        items.push(format!("STORAGE {}", c.input_type));
    }
    q.push_str(&items.join(" ,\n    "));
    q.push_str(";\n");
    q
}

/// The object's own quoted name: `qualified` without its schema prefix.
pub(super) fn ident_of(qualified: &str, schema: &str) -> String {
    let prefix = format!("{}.", ident(schema));
    qualified
        .strip_prefix(&prefix)
        .unwrap_or(qualified)
        .to_owned()
}
