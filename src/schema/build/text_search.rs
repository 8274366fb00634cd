//! Text search parsers, templates, dictionaries and configurations, as
//! pg_dump's `dumpTSParser`, `dumpTSTemplate`, `dumpTSDictionary` and
//! `dumpTSConfig` write them.

use crate::catalog::{Oid, TsConfig, TsDict, TsParser, TsTemplate};
use crate::schema::object::{Class, Priority};

use super::standalone::{ident_of, Common};
use super::Builder;

const PG_TS_PARSER: Oid = 3601;
const PG_TS_TEMPLATE: Oid = 3764;
const PG_TS_DICT: Oid = 3600;
const PG_TS_CONFIG: Oid = 3602;

impl Builder<'_> {
    pub(super) fn text_search(&mut self) {
        let cat = self.cat;
        for p in &cat.standalone.ts_parsers {
            self.ts_parser(p);
        }
        for t in &cat.standalone.ts_templates {
            self.ts_template(t);
        }
        for d in &cat.standalone.ts_dicts {
            self.ts_dict(d);
        }
        for c in &cat.standalone.ts_configs {
            self.ts_config(c);
        }
    }

    fn ts_parser(&mut self, p: &TsParser) {
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

    fn ts_template(&mut self, t: &TsTemplate) {
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

    fn ts_dict(&mut self, d: &TsDict) {
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

    fn ts_config(&mut self, c: &TsConfig) {
        let mut q = format!(
            "CREATE TEXT SEARCH CONFIGURATION {} (\n    PARSER = {} );\n",
            c.qualified, c.parser
        );
        q.push_str(&ts_config_mappings(c));
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

/// One ADD MAPPING per token type, its dictionaries in order.
fn ts_config_mappings(c: &TsConfig) -> String {
    let mut q = String::new();
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
    q
}
