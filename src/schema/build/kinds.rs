//! Object kinds that stand on their own or hang off a table without being
//! part of its definition: collations, aggregates, policies, extended
//! statistics and event triggers. Statements follow pg_dump's
//! `dumpCollation`, `dumpAgg`, `dumpPolicy`, `dumpStatisticsExt` and
//! `dumpEventTrigger`.

use std::collections::HashSet;

use crate::catalog::{Aggregate, Oid};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::{ident, literal};

use super::{comment, enabled_state, Builder};

const PG_COLLATION: Oid = 3456;
const PG_POLICY: Oid = 3256;
const PG_STATISTIC_EXT: Oid = 3381;
const PG_EVENT_TRIGGER: Oid = 3466;
const PG_PROC: Oid = 1255;
const PG_CAST: Oid = 2605;
const PG_OPERATOR: Oid = 2617;

impl Builder<'_> {
    pub(super) fn casts(&mut self) {
        for c in &self.cat.casts {
            let label = format!("CAST ({} AS {})", c.source, c.target);
            let mut o = DumpObject::new(
                Key::new(Class::Cast, c.oid),
                Priority::Cast,
                "CAST",
                label.clone(),
            );
            o.catalog = (PG_CAST, c.oid);
            let how = match (c.method, &c.function) {
                ('b', _) => "WITHOUT FUNCTION".to_owned(),
                ('i', _) => "WITH INOUT".to_owned(),
                (_, Some(f)) => format!("WITH FUNCTION {f}"),
                _ => String::new(),
            };
            let context = match c.context {
                'a' => " AS ASSIGNMENT",
                'i' => " AS IMPLICIT",
                _ => "",
            };
            o.defn = format!("CREATE {label} {how}{context};\n");
            o.drop = format!("DROP {label};\n");
            if let Some(text) = &c.comment {
                o.attached
                    .push(comment(label.clone(), &label, text, None, "", self.std()));
                if let Some(a) = o.attached.last_mut() {
                    a.owner = None;
                }
            }
            self.out.push(o);
        }
    }

    pub(super) fn operators(&mut self) {
        for op in &self.cat.operators {
            // A shell operator (no function yet, made by another's
            // COMMUTATOR): pg_dump's dumpOpr skips it.
            if op.function == "-" {
                continue;
            }
            let mut o = DumpObject::new(
                Key::new(Class::Operator, op.oid),
                Priority::Operator,
                "OPERATOR",
                op.name.clone(),
            );
            o.catalog = (PG_OPERATOR, op.oid);
            o.namespace = Some(op.schema.clone());
            o.owner = Some(op.owner.clone());
            let mut d = vec![format!("    FUNCTION = {}", op.function)];
            if let Some(l) = &op.left {
                d.push(format!("    LEFTARG = {l}"));
            }
            if let Some(r) = &op.right {
                d.push(format!("    RIGHTARG = {r}"));
            }
            if let Some(c) = &op.commutator {
                d.push(format!("    COMMUTATOR = {c}"));
            }
            if let Some(n) = &op.negator {
                d.push(format!("    NEGATOR = {n}"));
            }
            if op.merges {
                d.push("    MERGES".into());
            }
            if op.hashes {
                d.push("    HASHES".into());
            }
            if let Some(r) = &op.restrict {
                d.push(format!("    RESTRICT = {r}"));
            }
            if let Some(j) = &op.join {
                d.push(format!("    JOIN = {j}"));
            }
            let name = format!("{}.{}", op.schema_quoted, op.name);
            o.defn = format!("CREATE OPERATOR {name} (\n{}\n);\n", d.join(",\n"));
            let args = format!(
                "{}, {}",
                op.left.as_deref().unwrap_or("NONE"),
                op.right.as_deref().unwrap_or("NONE")
            );
            o.drop = format!("DROP OPERATOR {name} ({args});\n");
            if let Some(text) = &op.comment {
                let target = format!("OPERATOR {name} ({args})");
                o.attached.push(comment(
                    format!("OPERATOR {} ({args})", op.name),
                    &target,
                    text,
                    Some(&op.schema),
                    &op.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    pub(super) fn collations(&mut self) {
        for c in &self.cat.collations {
            let mut o = DumpObject::new(
                Key::new(Class::Collation, c.oid),
                Priority::Collation,
                "COLLATION",
                c.name.clone(),
            );
            o.catalog = (PG_COLLATION, c.oid);
            o.namespace = Some(c.schema.clone());
            o.owner = Some(c.owner.clone());
            let std = self.std();
            let provider = match c.provider {
                'b' => "builtin",
                'i' => "icu",
                'd' => "default",
                _ => "libc",
            };
            let mut q = format!("CREATE COLLATION {} (provider = {provider}", c.qualified);
            if !c.deterministic {
                q.push_str(", deterministic = false");
            }
            let collate = c.collate.as_deref().unwrap_or("");
            let ctype = c.ctype.as_deref().unwrap_or("");
            match c.provider {
                'b' | 'i' => {
                    if let Some(l) = &c.locale {
                        q.push_str(&format!(", locale = {}", literal(l, std)));
                    }
                }
                'c' if collate == ctype => {
                    q.push_str(&format!(", locale = {}", literal(collate, std)));
                }
                'c' => q.push_str(&format!(
                    ", lc_collate = {}, lc_ctype = {}",
                    literal(collate, std),
                    literal(ctype, std)
                )),
                _ => {}
            }
            if let Some(rules) = &c.icu_rules {
                q.push_str(&format!(", rules = {}", literal(rules, std)));
            }
            q.push_str(");\n");
            o.defn = q;
            o.drop = format!("DROP COLLATION {};\n", c.qualified);
            if let Some(text) = &c.comment {
                let target = format!("COLLATION {}", c.qualified);
                o.attached.push(comment(
                    format!("COLLATION {}", ident(&c.name)),
                    &target,
                    text,
                    Some(&c.schema),
                    &c.owner,
                    std,
                ));
            }
            self.out.push(o);
        }
    }

    pub(super) fn aggregates(&mut self) {
        for a in &self.cat.aggregates {
            let mut o = DumpObject::new(
                Key::new(Class::Proc, a.oid),
                Priority::Aggregate,
                "AGGREGATE",
                format!("{}({})", a.name, aggregate_tag_args(a)),
            );
            o.sort_by_args(&a.name, &a.sort_args);
            o.catalog = (PG_PROC, a.oid);
            o.namespace = Some(a.schema.clone());
            o.owner = Some(a.owner.clone());
            let signature = format!("{}({})", a.qualified, aggregate_args(a));
            o.defn = format!(
                "CREATE AGGREGATE {signature} (\n{}\n);\n",
                aggregate_details(a, self.std())
            );
            o.drop = format!("DROP AGGREGATE {signature};\n");
            if let Some(text) = &a.comment {
                let target = format!("AGGREGATE {signature}");
                o.attached.push(comment(
                    format!("AGGREGATE {}({})", ident(&a.name), aggregate_args(a)),
                    &target,
                    text,
                    Some(&a.schema),
                    &a.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    pub(super) fn policies(&mut self, dumped: &HashSet<Oid>) {
        for p in &self.cat.policies {
            let Some(r) = self.dumped_table(p.table, dumped) else {
                continue;
            };
            let mut o = DumpObject::new(
                Key::new(Class::Policy, p.oid),
                Priority::Policy,
                "POLICY",
                format!("{} {}", r.name, p.name),
            );
            o.sort_by(&p.name, &[&r.name]);
            o.catalog = (PG_POLICY, p.oid);
            o.namespace = Some(r.schema.clone());
            o.owner = Some(r.owner.clone());
            let cmd = match p.command {
                'r' => " FOR SELECT",
                'a' => " FOR INSERT",
                'w' => " FOR UPDATE",
                'd' => " FOR DELETE",
                _ => "",
            };
            let mut q = format!(
                "CREATE POLICY {} ON {}{}{cmd}",
                p.quoted,
                r.qualified,
                if p.permissive { "" } else { " AS RESTRICTIVE" }
            );
            if let Some(roles) = &p.roles {
                q.push_str(&format!(" TO {roles}"));
            }
            if let Some(using) = &p.using {
                q.push_str(&format!(" USING ({using})"));
            }
            if let Some(check) = &p.with_check {
                q.push_str(&format!(" WITH CHECK ({check})"));
            }
            q.push_str(";\n");
            o.defn = q;
            o.drop = format!("DROP POLICY {} ON {};\n", p.quoted, r.qualified);
            o.deps.push(Key::new(Class::Relation, r.oid));
            if let Some(text) = &p.comment {
                let target = format!("POLICY {} ON {}", p.quoted, r.qualified);
                o.attached.push(comment(
                    format!("POLICY {} ON {}", ident(&p.name), ident(&r.name)),
                    &target,
                    text,
                    Some(&r.schema),
                    &r.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    pub(super) fn statistics(&mut self, dumped: &HashSet<Oid>) {
        for s in &self.cat.statistics {
            if !dumped.contains(&s.table) {
                continue;
            }
            let mut o = DumpObject::new(
                Key::new(Class::Statistics, s.oid),
                Priority::StatsExt,
                "STATISTICS",
                s.name.clone(),
            );
            o.catalog = (PG_STATISTIC_EXT, s.oid);
            o.namespace = Some(s.schema.clone());
            o.owner = Some(s.owner.clone());
            o.defn = format!("{};\n", s.definition);
            if s.stattarget >= 0 {
                o.defn.push_str(&format!(
                    "\nALTER STATISTICS {} SET STATISTICS {};\n",
                    s.qualified, s.stattarget
                ));
            }
            o.drop = format!("DROP STATISTICS {};\n", s.qualified);
            o.deps.push(Key::new(Class::Relation, s.table));
            if let Some(text) = &s.comment {
                let target = format!("STATISTICS {}", s.qualified);
                o.attached.push(comment(
                    format!("STATISTICS {}", ident(&s.name)),
                    &target,
                    text,
                    Some(&s.schema),
                    &s.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }

    pub(super) fn event_triggers(&mut self) {
        for e in &self.cat.event_triggers {
            let mut o = DumpObject::new(
                Key::new(Class::EventTrigger, e.oid),
                Priority::EventTrigger,
                "EVENT TRIGGER",
                e.name.clone(),
            );
            o.catalog = (PG_EVENT_TRIGGER, e.oid);
            o.owner = Some(e.owner.clone());
            let mut q = format!("CREATE EVENT TRIGGER {} ON {}", e.quoted, e.event);
            if !e.tags.is_empty() {
                q.push_str(&format!("\n         WHEN TAG IN ({})", e.tags));
            }
            q.push_str(&format!("\n   EXECUTE FUNCTION {}();\n", e.function));
            if let Some(state) = enabled_state(e.enabled) {
                q.push_str(&format!("\nALTER EVENT TRIGGER {} {state};\n", e.quoted));
            }
            o.defn = q;
            o.drop = format!("DROP EVENT TRIGGER {};\n", e.quoted);
            if let Some(text) = &e.comment {
                let target = format!("EVENT TRIGGER {}", e.quoted);
                o.attached.push(comment(
                    format!("EVENT TRIGGER {}", ident(&e.name)),
                    &target,
                    text,
                    None,
                    &e.owner,
                    self.std(),
                ));
            }
            self.out.push(o);
        }
    }
}

/// The aggregate's arguments for CREATE/DROP: `*` for `count(*)`-style
/// aggregates without arguments.
fn aggregate_args(a: &Aggregate) -> String {
    if a.identity_args.is_empty() {
        "*".into()
    } else {
        a.identity_args.clone()
    }
}

/// The TOC tag's argument list: types only (`format_aggregate_signature`).
fn aggregate_tag_args(a: &Aggregate) -> String {
    if a.arg_types.is_empty() {
        "*".into()
    } else {
        a.arg_types.clone()
    }
}

fn modify(kind: char) -> &'static str {
    match kind {
        's' => "SHAREABLE",
        'w' => "READ_WRITE",
        _ => "READ_ONLY",
    }
}

/// The body of CREATE AGGREGATE, option per line as pg_dump writes it.
fn aggregate_details(a: &Aggregate, std: bool) -> String {
    let mut d = vec![
        format!("    SFUNC = {}", a.transfn),
        format!("    STYPE = {}", a.transtype),
    ];
    if a.transspace != 0 {
        d.push(format!("    SSPACE = {}", a.transspace));
    }
    if let Some(v) = &a.initval {
        d.push(format!("    INITCOND = {}", literal(v, std)));
    }
    // Ordered-set aggregates modify their state by default.
    let default_modify = if a.kind == 'n' { 'r' } else { 'w' };
    if let Some(f) = &a.finalfn {
        d.push(format!("    FINALFUNC = {f}"));
        if a.finalextra {
            d.push("    FINALFUNC_EXTRA".into());
        }
        if a.finalmodify != default_modify {
            d.push(format!("    FINALFUNC_MODIFY = {}", modify(a.finalmodify)));
        }
    }
    for (name, v) in [
        ("COMBINEFUNC", &a.combinefn),
        ("SERIALFUNC", &a.serialfn),
        ("DESERIALFUNC", &a.deserialfn),
    ] {
        if let Some(f) = v {
            d.push(format!("    {name} = {f}"));
        }
    }
    if let Some(f) = &a.mtransfn {
        d.extend(moving_aggregate_details(a, f, default_modify, std));
    }
    if let Some(op) = &a.sortop {
        d.push(format!("    SORTOP = {op}"));
    }
    if a.kind == 'h' {
        d.push("    HYPOTHETICAL".into());
    }
    match a.parallel {
        's' => d.push("    PARALLEL = safe".into()),
        'r' => d.push("    PARALLEL = restricted".into()),
        _ => {}
    }
    d.join(",\n")
}

/// The moving-aggregate options (`MSFUNC = mtransfn` and what goes with
/// it), as CREATE AGGREGATE's body lines.
fn moving_aggregate_details(
    a: &Aggregate,
    mtransfn: &str,
    default_modify: char,
    std: bool,
) -> Vec<String> {
    let mut d = vec![format!("    MSFUNC = {mtransfn}")];
    if let Some(inv) = &a.minvtransfn {
        d.push(format!("    MINVFUNC = {inv}"));
    }
    if let Some(t) = &a.mtranstype {
        d.push(format!("    MSTYPE = {t}"));
    }
    if a.mtransspace != 0 {
        d.push(format!("    MSSPACE = {}", a.mtransspace));
    }
    if let Some(v) = &a.minitval {
        d.push(format!("    MINITCOND = {}", literal(v, std)));
    }
    if let Some(f) = &a.mfinalfn {
        d.push(format!("    MFINALFUNC = {f}"));
        if a.mfinalextra {
            d.push("    MFINALFUNC_EXTRA".into());
        }
        if a.mfinalmodify != default_modify {
            d.push(format!(
                "    MFINALFUNC_MODIFY = {}",
                modify(a.mfinalmodify)
            ));
        }
    }
    d
}
