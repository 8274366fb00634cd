//! Sequences: CREATE SEQUENCE or the identity column's ADD GENERATED,
//! OWNED BY, and the SEQUENCE SET of the value (`dumpSequence`,
//! `dumpSequenceData`).

use crate::catalog::{Relation, Sequence};
use crate::schema::object::{Class, DumpObject, Key, Priority};
use crate::schema::quote::literal;

use super::Builder;

impl Builder<'_> {
    pub(super) fn sequence(&mut self, r: &Relation) {
        let Some(s) = self.cat.sequences.get(&r.oid) else {
            return;
        };
        let mut o = self.base(r, Class::Relation, Priority::Table, "SEQUENCE");
        let mut opts = String::new();
        // An identity sequence takes its type from the column: AS would
        // conflict with it.
        if s.type_name != "bigint" && !s.identity {
            opts.push_str(&format!("    AS {}\n", s.type_name));
        }
        opts.push_str(&sequence_options(s));
        let owner = s
            .owner_column
            .as_ref()
            .and_then(|(t, c)| self.rels.get(t).map(|t| (*t, c)));
        let mut owned_by = None;
        match (s.identity, owner) {
            (true, Some((table, col))) => {
                o.defn = add_identity(r, s, table, col, opts);
                o.deps.push(Key::new(Class::Relation, table.oid));
            }
            _ => {
                let unlogged = if r.persistence == 'u' {
                    "UNLOGGED "
                } else {
                    ""
                };
                o.defn = format!("CREATE {unlogged}SEQUENCE {}\n{opts};\n", r.qualified);
                o.drop = format!("DROP SEQUENCE {};\n", r.qualified);
                owned_by = owner.map(|(table, col)| self.sequence_owned_by(r, table, col));
            }
        }
        self.relation_comments(&mut o, r, "SEQUENCE");
        self.out.push(o);
        self.out.extend(owned_by);
        self.sequence_set(r, s.last_value, s.start);
    }

    /// The SEQUENCE OWNED BY entry of a sequence owned by `table.col`.
    fn sequence_owned_by(&self, r: &Relation, table: &Relation, col: &str) -> DumpObject {
        let mut ob = self.base(
            r,
            Class::SequenceOwnedBy,
            Priority::Table,
            "SEQUENCE OWNED BY",
        );
        ob.relkind = 0;
        ob.catalog = (0, 0);
        ob.defn = format!(
            "ALTER SEQUENCE {} OWNED BY {}.{col};\n",
            r.qualified, table.qualified
        );
        ob.deps.push(Key::new(Class::Relation, r.oid));
        ob.deps.push(Key::new(Class::Relation, table.oid));
        // pg_dump records the sequence only.
        ob.toc_deps = Some(vec![Key::new(Class::Relation, r.oid)]);
        ob
    }

    fn sequence_set(&mut self, r: &Relation, last: Option<i64>, start: i64) {
        let mut d = self.base(r, Class::SequenceSet, Priority::SequenceSet, "SEQUENCE SET");
        d.catalog = (0, 0);
        d.relkind = 0;
        let (value, called) = match last {
            Some(v) => (v, true),
            None => (start, false),
        };
        d.defn = format!(
            "SELECT pg_catalog.setval({}, {value}, {called});\n",
            literal(&r.qualified, self.std())
        );
        d.deps.push(Key::new(Class::Relation, r.oid));
        self.out.push(d);
    }
}

/// A sequence's options from START WITH on, as pg_dump's dumpSequence
/// writes them (NO MINVALUE / NO MAXVALUE for the type's defaults).
fn sequence_options(s: &Sequence) -> String {
    let (min, max) = match s.type_name.as_str() {
        "smallint" => (i64::from(i16::MIN), i64::from(i16::MAX)),
        "integer" => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let (default_min, default_max) = if s.increment >= 0 {
        (1, max)
    } else {
        (min, -1)
    };
    let mut out = format!(
        "    START WITH {}\n    INCREMENT BY {}\n",
        s.start, s.increment
    );
    if s.min == default_min {
        out.push_str("    NO MINVALUE\n");
    } else {
        out.push_str(&format!("    MINVALUE {}\n", s.min));
    }
    if s.max == default_max {
        out.push_str("    NO MAXVALUE\n");
    } else {
        out.push_str(&format!("    MAXVALUE {}\n", s.max));
    }
    out.push_str(&format!("    CACHE {}", s.cache));
    if s.cycle {
        out.push_str("\n    CYCLE");
    }
    out
}

/// An identity sequence's `ALTER TABLE ... ADD GENERATED ... AS IDENTITY`
/// on `table.col`, with its persistence when it differs from the table's.
fn add_identity(r: &Relation, s: &Sequence, table: &Relation, col: &str, opts: String) -> String {
    let mut opts = opts;
    let persistence = (r.persistence != table.persistence).then_some(if r.persistence == 'u' {
        "UNLOGGED"
    } else {
        "LOGGED"
    });
    let mut set_persistence = String::new();
    match persistence {
        Some(p) if s.identity_persistence => opts = format!("    {p}\n{opts}"),
        Some(p) => set_persistence = format!("ALTER SEQUENCE {} SET {p};\n", r.qualified),
        None => {}
    }
    let kind = table
        .columns
        .iter()
        .find(|c| c.quoted == *col)
        .map_or("BY DEFAULT", |c| {
            if c.identity == "a" {
                "ALWAYS"
            } else {
                "BY DEFAULT"
            }
        });
    format!(
        "ALTER TABLE {} ALTER COLUMN {col} ADD GENERATED {kind} AS IDENTITY (\n    SEQUENCE NAME {}\n{opts}\n);\n{set_persistence}",
        table.qualified, r.qualified
    )
}
