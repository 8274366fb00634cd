//! What pg_dump's `dumpTableSchema` writes about a table's or materialized
//! view's columns after its CREATE statement (`ALTER TABLE ONLY ... ALTER
//! COLUMN ...`), and the `WITH (...)` storage parameters of the relation
//! and its TOAST table.

use crate::catalog::{Column, Relation};

/// `SET STATISTICS`, `SET STORAGE`, `SET COMPRESSION` and `SET (options)`
/// of one column, in pg_dump's order; `kind` is `TABLE` or `FOREIGN TABLE`
/// (materialized views use `TABLE`, as pg_dump does).
pub(super) fn column_settings(kind: &str, qualified: &str, col: &Column) -> String {
    let alter = format!("ALTER {kind} ONLY {qualified} ALTER COLUMN {}", col.quoted);
    let mut out = String::new();
    if let Some(n) = col.stattarget.filter(|n| *n >= 0) {
        out.push_str(&format!("{alter} SET STATISTICS {n};\n"));
    }
    if let Some(s) = &col.storage {
        let storage = match s.as_str() {
            "p" => "PLAIN",
            "e" => "EXTERNAL",
            "m" => "MAIN",
            _ => "EXTENDED",
        };
        out.push_str(&format!("{alter} SET STORAGE {storage};\n"));
    }
    let compression = match col.compression.as_deref() {
        Some("p") => Some("pglz"),
        Some("l") => Some("lz4"),
        _ => None,
    };
    if let Some(method) = compression {
        out.push_str(&format!("{alter} SET COMPRESSION {method};\n"));
    }
    if let Some(opts) = &col.options {
        out.push_str(&format!("{alter} SET ({opts});\n"));
    }
    out
}

/// `\nWITH (...)` with the relation's and its TOAST table's storage
/// parameters, or nothing.
pub(super) fn with_clause(r: &Relation) -> String {
    let opts: Vec<&str> = [&r.reloptions, &r.toast_reloptions]
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    if opts.is_empty() {
        String::new()
    } else {
        format!("\nWITH ({})", opts.join(", "))
    }
}

/// A column line of a typed table (`CREATE TABLE t OF type (...)`): the
/// type comes from `OF type`, so only the name and the constraints.
pub(super) fn typed_column_line(line: &str, col: &Column) -> String {
    let full = format!("    {} {}", col.quoted, col.type_name);
    match line.strip_prefix(&full) {
        Some(rest) => format!("    {}{rest}", col.quoted),
        None => line.to_owned(),
    }
}

/// ` COLLATE name` for a column's non-default collation, else nothing.
pub(super) fn collate_clause(collation: &Option<String>) -> String {
    collation
        .as_ref()
        .map(|c| format!(" COLLATE {c}"))
        .unwrap_or_default()
}
