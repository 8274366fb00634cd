//! Text search parsers, templates, dictionaries and configurations,
//! conversions, operator families and classes, foreign data wrappers,
//! servers and user mappings, and procedural languages. Statements follow
//! pg_dump's `dumpTSParser`, `dumpTSTemplate`, `dumpTSDictionary`,
//! `dumpTSConfig`, `dumpConversion`, `dumpOpfamily`, `dumpOpclass`,
//! `dumpForeignDataWrapper`, `dumpForeignServer`, `dumpUserMappings` and
//! `dumpProcLang`.

use crate::catalog::Oid;
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::{comment, Builder};

const PG_TS_PARSER: Oid = 3601;
const PG_TS_TEMPLATE: Oid = 3764;
const PG_TS_DICT: Oid = 3600;
const PG_TS_CONFIG: Oid = 3602;
const PG_CONVERSION: Oid = 2607;
const PG_OPFAMILY: Oid = 2753;
const PG_OPCLASS: Oid = 2616;
const PG_FOREIGN_DATA_WRAPPER: Oid = 2328;
const PG_FOREIGN_SERVER: Oid = 1417;
const PG_LANGUAGE: Oid = 2612;

/// The parts every standalone object shares.
struct Common<'s> {
    class: Class,
    oid: Oid,
    catalog: Oid,
    priority: Priority,
    /// TOC desc, also the keyword in COMMENT and DROP.
    desc: &'static str,
    /// Tag: the bare name.
    name: &'s str,
    /// How statements name it (qualified, or with `USING am`).
    target: String,
    /// How the comment's tag names it.
    comment_name: String,
    /// The keyword COMMENT ON uses (desc, except for languages).
    comment_kind: &'static str,
    schema: Option<&'s str>,
    owner: Option<&'s str>,
    comment: Option<&'s str>,
}

impl Builder<'_> {
    /// An object with `defn`, pg_dump's DROP and its comment.
    fn standalone(&mut self, c: Common<'_>, defn: String) {
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

    pub(super) fn text_search(&mut self) {
        let cat = self.cat;
        for p in &cat.standalone.ts_parsers {
            let mut q = format!(
                "CREATE TEXT SEARCH PARSER {} (\n    START = {},\n    GETTOKEN = {},\n    END = {},\n",
                p.qualified, p.start, p.gettoken, p.end
            );
            if let Some(h) = &p.headline {
                q.push_str(&format!("    HEADLINE = {h},\n"));
            }
            q.push_str(&format!("    LEXTYPES = {} );\n", p.lextypes));
            self.standalone(
                Common {
                    class: Class::TsParser,
                    oid: p.oid,
                    catalog: PG_TS_PARSER,
                    priority: Priority::TsParser,
                    desc: "TEXT SEARCH PARSER",
                    comment_kind: "TEXT SEARCH PARSER",
                    name: &p.name,
                    target: p.qualified.clone(),
                    comment_name: ident_of(&p.qualified, &p.schema),
                    schema: Some(&p.schema),
                    owner: None,
                    comment: p.comment.as_deref(),
                },
                q,
            );
        }
        for t in &cat.standalone.ts_templates {
            let mut q = format!("CREATE TEXT SEARCH TEMPLATE {} (\n", t.qualified);
            if let Some(init) = &t.init {
                q.push_str(&format!("    INIT = {init},\n"));
            }
            q.push_str(&format!("    LEXIZE = {} );\n", t.lexize));
            self.standalone(
                Common {
                    class: Class::TsTemplate,
                    oid: t.oid,
                    catalog: PG_TS_TEMPLATE,
                    priority: Priority::TsTemplate,
                    desc: "TEXT SEARCH TEMPLATE",
                    comment_kind: "TEXT SEARCH TEMPLATE",
                    name: &t.name,
                    target: t.qualified.clone(),
                    comment_name: ident_of(&t.qualified, &t.schema),
                    schema: Some(&t.schema),
                    owner: None,
                    comment: t.comment.as_deref(),
                },
                q,
            );
        }
        for d in &cat.standalone.ts_dicts {
            let mut q = format!(
                "CREATE TEXT SEARCH DICTIONARY {} (\n    TEMPLATE = {}",
                d.qualified, d.template
            );
            if let Some(opts) = d.options.as_deref().filter(|o| !o.is_empty()) {
                q.push_str(&format!(",\n    {opts}"));
            }
            q.push_str(" );\n");
            self.standalone(
                Common {
                    class: Class::TsDict,
                    oid: d.oid,
                    catalog: PG_TS_DICT,
                    priority: Priority::TsDict,
                    desc: "TEXT SEARCH DICTIONARY",
                    comment_kind: "TEXT SEARCH DICTIONARY",
                    name: &d.name,
                    target: d.qualified.clone(),
                    comment_name: ident_of(&d.qualified, &d.schema),
                    schema: Some(&d.schema),
                    owner: Some(&d.owner),
                    comment: d.comment.as_deref(),
                },
                q,
            );
        }
        for c in &cat.standalone.ts_configs {
            let mut q = format!(
                "CREATE TEXT SEARCH CONFIGURATION {} (\n    PARSER = {} );\n",
                c.qualified, c.parser
            );
            // One ADD MAPPING per token type, its dictionaries in order.
            let mut current: Option<&str> = None;
            for (token, dict) in &c.mappings {
                if current == Some(token.as_str()) {
                    q.push_str(&format!(", {dict}"));
                } else {
                    if current.is_some() {
                        q.push_str(";\n");
                    }
                    q.push_str(&format!(
                        "\nALTER TEXT SEARCH CONFIGURATION {}\n    ADD MAPPING FOR {token} WITH {dict}",
                        c.qualified
                    ));
                    current = Some(token);
                }
            }
            if current.is_some() {
                q.push_str(";\n");
            }
            self.standalone(
                Common {
                    class: Class::TsConfig,
                    oid: c.oid,
                    catalog: PG_TS_CONFIG,
                    priority: Priority::TsConfig,
                    desc: "TEXT SEARCH CONFIGURATION",
                    comment_kind: "TEXT SEARCH CONFIGURATION",
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
                    comment_name: format!(
                        "{} USING {}",
                        ident_of(&f.qualified, &f.schema),
                        f.method
                    ),
                    target: using,
                    schema: Some(&f.schema),
                    owner: Some(&f.owner),
                    comment: f.comment.as_deref(),
                },
                q,
            );
        }
        for c in &cat.standalone.opclasses {
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
            let comment_name = format!("{} USING {}", ident_of(&c.qualified, &c.schema), c.method);
            let target = format!("{} USING {}", c.qualified, c.method);
            let (oid, family) = (c.oid, c.family_oid);
            self.standalone(
                Common {
                    class: Class::OpClass,
                    oid,
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
                q,
            );
            // CREATE OPERATOR CLASS ... FAMILY needs the family.
            if let Some(o) = self.out.last_mut() {
                o.deps.push(Key::new(Class::OpFamily, family));
            }
        }
    }

    pub(super) fn foreign_data(&mut self) {
        let cat = self.cat;
        let std = self.std();
        for w in &cat.standalone.wrappers {
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
        for s in &cat.standalone.servers {
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
            // Each mapping is its own entry right after the server
            // (pg_dump gives them no catalog id).
            let server = Key::new(Class::ForeignServer, s.oid);
            for m in &s.mappings {
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
                o.deps.push(server);
                // pg_dump writes it inside the server's dump: no dependency.
                o.toc_deps = Some(Vec::new());
                self.out.push(o);
            }
        }
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

/// The object's own quoted name: `qualified` without its schema prefix.
fn ident_of(qualified: &str, schema: &str) -> String {
    let prefix = format!("{}.", ident(schema));
    qualified
        .strip_prefix(&prefix)
        .unwrap_or(qualified)
        .to_owned()
}
