//! A table column's NOT NULL as pg_dump decides it (`determineNotNullFlags`
//! and `flagInhAttrs`): before 18 an unnamed `NOT NULL` that inheritance
//! children get from their parents; from 18 a `pg_constraint` row with a
//! name, NO INHERIT and a local flag. NOT VALID ones are dumped on their own
//! as CONSTRAINT entries (after the data), not here.

use std::collections::HashMap;

use crate::catalog::{Catalog, Column, Constraint, Oid, Relation};

/// A column's valid NOT NULL.
#[derive(Debug, Clone)]
pub(super) struct NotNull<'a> {
    /// The constraint's name to write (quoted); `None` for the default
    /// name (`table_column_not_null`) without a comment, and before 18.
    pub name: Option<&'a str>,
    /// NO INHERIT.
    pub no_inherit: bool,
    /// Defined on this table rather than only inherited from a parent
    /// that has it valid: only then is it written for this table.
    pub local: bool,
    /// The constraint's comment (18), with the constraint's quoted name.
    pub comment: Option<(&'a str, &'a str)>,
}

impl NotNull<'_> {
    /// What follows a column's type: ` NOT NULL`, ` CONSTRAINT nn NOT NULL`,
    /// then ` NO INHERIT`.
    pub fn column_clause(&self) -> String {
        let mut s = match self.name {
            Some(n) => format!(" CONSTRAINT {n} NOT NULL"),
            None => " NOT NULL".to_owned(),
        };
        if self.no_inherit {
            s.push_str(" NO INHERIT");
        }
        s
    }

    /// The table constraint for a column CREATE TABLE does not list (an
    /// inherited one, 18): `NOT NULL col` or `CONSTRAINT nn NOT NULL col`.
    pub fn table_clause(&self, column: &str) -> String {
        let mut s = match self.name {
            Some(n) => format!("    CONSTRAINT {n} NOT NULL {column}"),
            None => format!("    NOT NULL {column}"),
        };
        if self.no_inherit {
            s.push_str(" NO INHERIT");
        }
        s
    }
}

/// The not-null constraints (18) of every table, by table and column.
pub(super) struct NotNulls<'a> {
    /// Whether the server has not-null constraints in `pg_constraint`.
    named: bool,
    by_column: HashMap<(Oid, i32), &'a Constraint>,
}

impl<'a> NotNulls<'a> {
    pub fn new(cat: &'a Catalog, server_major: u32) -> Self {
        let by_column = cat
            .constraints
            .iter()
            .filter(|c| c.kind == 'n')
            .filter_map(|c| c.column.map(|n| ((c.table, n), c)))
            .collect();
        NotNulls {
            named: server_major >= 18,
            by_column,
        }
    }

    /// Whether pg_dump writes table constraints (`NOT NULL col`) for
    /// inherited columns instead of `ALTER ... SET NOT NULL`.
    pub fn as_table_constraints(&self) -> bool {
        self.named
    }

    /// The column's valid NOT NULL, if it has one; `parents` are the
    /// table's parents.
    pub fn of(
        &self,
        r: &Relation,
        col: &'a Column,
        parents: &[&'a Relation],
    ) -> Option<NotNull<'a>> {
        if !self.named {
            return col.not_null.then_some(NotNull {
                name: None,
                no_inherit: false,
                local: !col.inherited_not_null,
                comment: None,
            });
        }
        let c = self.valid(r.oid, col.num)?;
        let default_name = format!("{}_{}_not_null", r.name, col.name);
        let name = (c.comment.is_some() || c.name != default_name).then_some(c.quoted.as_str());
        // flagInhAttrs: written here too when no parent has it valid.
        let from_parent = parents.iter().any(|p| {
            p.columns
                .iter()
                .find(|pc| pc.name == col.name)
                .is_some_and(|pc| self.valid(p.oid, pc.num).is_some())
        });
        Some(NotNull {
            name,
            no_inherit: c.no_inherit,
            local: c.is_local || !from_parent,
            comment: c.comment.as_deref().map(|t| (c.quoted.as_str(), t)),
        })
    }

    fn valid(&self, table: Oid, column: i32) -> Option<&'a Constraint> {
        self.by_column
            .get(&(table, column))
            .copied()
            .filter(|c| c.validated)
    }
}
