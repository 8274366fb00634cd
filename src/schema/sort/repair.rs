//! pg_dump's `repairDependencyLoop` and its `repair*` functions
//! (`pg_dump_sort.c`): how a dependency loop is broken so that every
//! object is still created after what it needs.

use std::collections::HashMap;

use archive_format::Section;

use crate::schema::object::{Attached, Class, DumpObject, Key};

/// The objects being sorted with their dependencies as indexes.
pub struct Graph<'a> {
    pub objects: &'a mut [DumpObject],
    pub deps: Vec<Vec<usize>>,
    pub index: HashMap<Key, usize>,
    pub pre_boundary: usize,
    pub post_boundary: usize,
}

/// What the loop rules need to know of an object (pg_dump's objType).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Type,
    Func,
    View,
    MatView,
    Table,
    /// A `_RETURN` rule of the relation at this index.
    ViewRule(usize),
    /// A CHECK constraint inside the CREATE TABLE at this index.
    Check(usize),
    /// A column default inside the CREATE TABLE at this index.
    AttrDef(usize),
    PreBoundary,
    Other,
}

impl Graph<'_> {
    fn kind(&self, i: usize) -> Kind {
        let o = &self.objects[i];
        let owner = || {
            o.inline
                .as_ref()
                .and_then(|l| self.index.get(&l.owner).copied())
        };
        match (o.key.class, o.desc) {
            (Class::Type, _) => Kind::Type,
            (Class::Proc, "FUNCTION" | "PROCEDURE") => Kind::Func,
            (Class::Relation, "VIEW") => Kind::View,
            (Class::Relation, "MATERIALIZED VIEW") => Kind::MatView,
            (Class::Relation, "TABLE" | "FOREIGN TABLE") => Kind::Table,
            (Class::ViewRule, _) => self
                .index
                .get(&Key::new(Class::Relation, o.key.oid))
                .map_or(Kind::Other, |&v| Kind::ViewRule(v)),
            (Class::Constraint, _) if o.inline.is_some() => {
                owner().map_or(Kind::Other, Kind::Check)
            }
            (Class::AttrDef, _) if o.inline.is_some() => owner().map_or(Kind::Other, Kind::AttrDef),
            (Class::Boundary, _) if i == self.pre_boundary => Kind::PreBoundary,
            _ => Kind::Other,
        }
    }

    fn is_table(&self, i: usize) -> bool {
        matches!(self.kind(i), Kind::Table | Kind::View | Kind::MatView)
    }

    fn remove(&mut self, from: usize, to: usize) {
        self.deps[from].retain(|&d| d != to);
    }

    fn add(&mut self, from: usize, to: usize) {
        if !self.deps[from].contains(&to) {
            self.deps[from].push(to);
        }
    }

    /// Makes a hidden object its own TOC entry in `section`: its text
    /// leaves its owner's statement.
    fn split_off(&mut self, i: usize, owner: usize, section: Section) {
        if let Some(l) = self.objects[i].inline.take() {
            let o = &mut self.objects[owner];
            o.defn = o.defn.replacen(&l.text, &l.replacement, 1);
            let carried = |a: &Attached| l.carries.as_deref() == Some(a.tag.as_str());
            // Entries that follow another attached entry keep following it.
            let shift: Vec<usize> = o
                .attached
                .iter()
                .scan(0, |n, a| {
                    let before = *n;
                    *n += usize::from(carried(a));
                    Some(before)
                })
                .collect();
            let (moved, mut kept): (Vec<Attached>, Vec<Attached>) = std::mem::take(&mut o.attached)
                .into_iter()
                .partition(carried);
            for a in &mut kept {
                a.after = a.after.map(|j| j - shift[j]);
            }
            o.attached = kept;
            self.objects[i].attached.extend(moved);
        }
        self.objects[i].hidden = false;
        self.objects[i].section = section;
    }

    /// A base or range type and one of its functions: the function needs
    /// only the shell type (`repairTypeFuncLoop`).
    fn type_func(&mut self, ty: usize, func: usize) {
        self.remove(func, ty);
        let shell = Key::new(Class::ShellType, self.objects[ty].key.oid);
        if let Some(&s) = self.index.get(&shell) {
            self.add(func, s);
            self.objects[s].hidden = false;
        }
    }

    /// A view in a longer loop: created as a dummy, its query replaced
    /// in post-data by its `_RETURN` rule (`repairViewRuleMultiLoop`).
    fn view_rule_multi(&mut self, view: usize, rule: usize) {
        self.remove(view, rule);
        self.split_off(rule, view, Section::PostData);
        self.add(rule, view);
        self.add(rule, self.post_boundary);
    }

    /// The pre-data boundary waits no more for the object after it in the
    /// loop; a matview or function there moves to post-data
    /// (`repairMatViewBoundaryMultiLoop`, `repairFunctionBoundaryMultiLoop`).
    fn boundary_multi(&mut self, boundary: usize, next: usize, postpone: Kind) {
        self.remove(boundary, next);
        if self.kind(next) == postpone {
            self.objects[next].section = Section::PostData;
        }
    }

    /// A CHECK constraint in a longer loop with its table: a separate
    /// post-data entry (`repairTableConstraintMultiLoop`).
    fn check_multi(&mut self, table: usize, check: usize) {
        self.remove(table, check);
        self.split_off(check, table, Section::PostData);
        self.add(check, table);
        self.add(check, self.post_boundary);
    }

    /// A column default in a longer loop with its table: a separate
    /// pre-data DEFAULT entry (`repairTableAttrDefMultiLoop`).
    fn attrdef_multi(&mut self, table: usize, attrdef: usize) {
        self.remove(table, attrdef);
        self.split_off(attrdef, table, Section::PreData);
        self.add(attrdef, table);
        // pg_dump gave every default its boundary dependency up front.
        self.add(self.pre_boundary, attrdef);
    }

    /// Breaks one loop (members in dependency order) the way pg_dump does.
    pub fn repair(&mut self, lp: &[usize]) {
        let n = lp.len();
        let kinds: Vec<Kind> = lp.iter().map(|&i| self.kind(i)).collect();
        let find = |want: &dyn Fn(Kind) -> bool| kinds.iter().position(|&k| want(k));
        if n == 2 {
            match (kinds[0], kinds[1]) {
                (Kind::Type, Kind::Func) => return self.type_func(lp[0], lp[1]),
                (Kind::Func, Kind::Type) => return self.type_func(lp[1], lp[0]),
                (Kind::ViewRule(v), _) if v == lp[1] => return self.remove(lp[0], lp[1]),
                (_, Kind::ViewRule(v)) if v == lp[0] => return self.remove(lp[1], lp[0]),
                _ => {}
            }
        }
        if n > 2 {
            for (a, &ka) in kinds.iter().enumerate() {
                if ka != Kind::View {
                    continue;
                }
                if let Some(b) = find(&|k| k == Kind::ViewRule(lp[a])) {
                    return self.view_rule_multi(lp[a], lp[b]);
                }
            }
            for (want, postpone) in [(Kind::MatView, Kind::MatView), (Kind::Func, Kind::Func)] {
                if find(&|k| k == want).is_some() {
                    if let Some(j) = find(&|k| k == Kind::PreBoundary) {
                        return self.boundary_multi(lp[j], lp[(j + 1) % n], postpone);
                    }
                }
            }
        }
        if n == 2 {
            match (kinds[0], kinds[1]) {
                (Kind::Check(t), _) if t == lp[1] => return self.remove(lp[0], lp[1]),
                (_, Kind::Check(t)) if t == lp[0] => return self.remove(lp[1], lp[0]),
                _ => {}
            }
        }
        if n > 2 {
            for &t in lp.iter().filter(|&&t| self.is_table(t)) {
                if let Some(c) = find(&|k| k == Kind::Check(t)) {
                    return self.check_multi(t, lp[c]);
                }
            }
        }
        if n == 2 {
            match (kinds[0], kinds[1]) {
                (Kind::AttrDef(t), _) if t == lp[1] => return self.remove(lp[0], lp[1]),
                (_, Kind::AttrDef(t)) if t == lp[0] => return self.remove(lp[1], lp[0]),
                _ => {}
            }
        }
        if n > 2 {
            for &t in lp.iter().filter(|&&t| self.is_table(t)) {
                if let Some(d) = find(&|k| k == Kind::AttrDef(t)) {
                    return self.attrdef_multi(t, lp[d]);
                }
            }
        }
        // Circular foreign keys among table data, or a loop pg_dump has no
        // rule for: break it arbitrarily, as pg_dump does.
        if n > 1 {
            self.remove(lp[0], lp[1]);
        } else {
            self.remove(lp[0], lp[0]);
        }
    }
}
