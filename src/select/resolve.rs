//! The selection's patterns expanded into OIDs by the server, with
//! pg_dump's queries (`expand_*_name_patterns`), inside the backup's
//! snapshot.

use std::collections::HashSet;

use tokio_postgres::types::ToSql;
use tokio_postgres::Client;

use crate::catalog::Oid;
use crate::db::row::RowExt;
use crate::error::{Error, Result};
use crate::select::pattern::to_regex;
use crate::select::Selection;

/// The patterns' OIDs.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resolved {
    /// `-t`/`--table-and-children` (`None`: not given).
    pub tables: Option<HashSet<Oid>>,
    /// `-T`/`--exclude-table-and-children`.
    pub exclude_tables: HashSet<Oid>,
    /// `-n` (`None`: not given).
    pub schemas: Option<HashSet<Oid>>,
    /// `-N`.
    pub exclude_schemas: HashSet<Oid>,
    /// `--exclude-table-data[-and-children]`.
    pub exclude_data: HashSet<Oid>,
    /// `--exclude-extension`.
    pub exclude_extensions: HashSet<Oid>,
}

impl Resolved {
    /// Whether `-n` selects the schema `name`.
    pub(crate) fn includes_schema(&self, cat: &crate::catalog::Catalog, name: &str) -> bool {
        let Some(only) = &self.schemas else {
            return false;
        };
        cat.schemas
            .iter()
            .any(|s| s.name == name && only.contains(&s.oid))
    }
}

/// pg_dump's `processSQLNamePattern` conditions: the name (and schema)
/// regular expressions as parameters, `pg_table_is_visible` for an
/// unqualified table pattern; `"^(.*)$"` is no condition.
fn conditions(
    name_re: &str,
    schema_re: Option<&str>,
    namevar: &str,
    schemavar: Option<&str>,
    visibility: Option<&str>,
    params: &mut Vec<String>,
) -> String {
    let mut out = String::new();
    let mut cond = |var: &str, re: &str, params: &mut Vec<String>| {
        params.push(re.to_owned());
        out.push_str(&format!(
            "\n  AND {var} OPERATOR(pg_catalog.~) ${}::pg_catalog.text COLLATE pg_catalog.default",
            params.len()
        ));
    };
    if name_re.len() > 2 && name_re != "^(.*)$" {
        cond(namevar, name_re, params);
    }
    match (schemavar, schema_re) {
        (Some(var), Some(re)) if re.len() > 2 => {
            if re != "^(.*)$" {
                cond(var, re, params);
            }
        }
        _ => {
            if let Some(v) = visibility {
                out.push_str(&format!("\n  AND {v}"));
            }
        }
    }
    out
}

async fn oids(client: &Client, sql: &str, params: &[String]) -> Result<Vec<Oid>> {
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as _).collect();
    let rows = client
        .query(sql, &refs)
        .await
        .map_err(|e| Error::query("expanding a selection pattern", &e))?;
    rows.iter().map(|r| r.col::<_, Oid>(0)).collect()
}

/// Schemas matching `pattern` (`expand_schema_name_patterns`).
async fn schema_oids(client: &Client, pattern: &str) -> Result<Vec<Oid>> {
    let p = to_regex(pattern, 1);
    if p.dots > 1 {
        return Err(Error::Config(format!(
            "improper qualified name (too many dotted names): {pattern}"
        )));
    }
    if p.dots == 1 {
        // pg_dump compares an empty database name: always refused.
        return Err(Error::Config(format!(
            "cross-database references are not implemented: {pattern}"
        )));
    }
    let mut params = Vec::new();
    let sql = format!(
        "SELECT n.oid FROM pg_catalog.pg_namespace n WHERE true{}",
        conditions(&p.name, None, "n.nspname", None, None, &mut params)
    );
    oids(client, &sql, &params).await
}

/// Extensions matching `pattern` (`expand_extension_name_patterns`).
async fn extension_oids(client: &Client, pattern: &str) -> Result<Vec<Oid>> {
    let p = to_regex(pattern, 1);
    if p.dots > 0 {
        return Err(Error::Config(format!(
            "improper qualified name (too many dotted names): {pattern}"
        )));
    }
    let mut params = Vec::new();
    let sql = format!(
        "SELECT e.oid FROM pg_catalog.pg_extension e WHERE true{}",
        conditions(&p.name, None, "e.extname", None, None, &mut params)
    );
    oids(client, &sql, &params).await
}

/// Relations matching `pattern` (`expand_table_name_patterns`), with
/// their inheritance children and partitions when `children`. An
/// unqualified pattern matches the tables visible on the database's
/// default search_path, as in pg_dump.
async fn table_oids(
    client: &Client,
    dbname: &str,
    pattern: &str,
    children: bool,
) -> Result<Vec<Oid>> {
    let p = to_regex(pattern, 3);
    if p.dots > 2 {
        return Err(Error::Config(format!(
            "improper relation name (too many dotted names): {pattern}"
        )));
    }
    if p.dots == 2 && p.database.as_deref() != Some(dbname) {
        return Err(Error::Config(format!(
            "cross-database references are not implemented: {pattern}"
        )));
    }
    let mut params = Vec::new();
    let base = format!(
        "SELECT c.oid\nFROM pg_catalog.pg_class c\n     LEFT JOIN pg_catalog.pg_namespace n\n     \
         ON n.oid OPERATOR(pg_catalog.=) c.relnamespace\n\
         WHERE c.relkind OPERATOR(pg_catalog.=) ANY\n    (array['r', 'S', 'v', 'm', 'f', 'p']){}",
        conditions(
            &p.name,
            p.schema.as_deref(),
            "c.relname",
            Some("n.nspname"),
            Some("pg_catalog.pg_table_is_visible(c.oid)"),
            &mut params,
        )
    );
    let sql = if children {
        format!(
            "WITH RECURSIVE partition_tree (relid) AS (\n{base}\nUNION\nSELECT i.inhrelid\n\
             FROM partition_tree p\n     JOIN pg_catalog.pg_inherits i\n     \
             ON p.relid OPERATOR(pg_catalog.=) i.inhparent\n)\nSELECT relid FROM partition_tree"
        )
    } else {
        base
    };
    // pg_table_is_visible follows search_path: the default one, as pg_dump
    // resets it for this query; then back to the dump session's empty one.
    client
        .batch_execute("RESET search_path")
        .await
        .map_err(|e| Error::query("resetting search_path", &e))?;
    let result = oids(client, &sql, &params).await;
    client
        .batch_execute("SELECT pg_catalog.set_config('search_path', '', false)")
        .await
        .map_err(|e| Error::query("setting search_path", &e))?;
    result
}

/// Expands every pattern of `sel`, failing as pg_dump fails: an
/// inclusion switch matching nothing at all, or with `--strict-names`
/// any inclusion pattern matching nothing.
pub(crate) async fn resolve(client: &Client, dbname: &str, sel: &Selection) -> Result<Resolved> {
    sel.check().map_err(Error::Config)?;
    let mut r = Resolved::default();
    if !sel.schemas.is_empty() {
        let mut set = HashSet::new();
        for p in &sel.schemas {
            let found = schema_oids(client, p).await?;
            if sel.strict_names && found.is_empty() {
                return Err(Error::Config(format!(
                    "no matching schemas were found for pattern \"{p}\""
                )));
            }
            set.extend(found);
        }
        if set.is_empty() {
            return Err(Error::Config("no matching schemas were found".into()));
        }
        r.schemas = Some(set);
    }
    for p in &sel.exclude_schemas {
        r.exclude_schemas.extend(schema_oids(client, p).await?);
    }
    let includes = sel
        .tables
        .iter()
        .map(|p| (p, false))
        .chain(sel.tables_and_children.iter().map(|p| (p, true)));
    if !sel.tables.is_empty() || !sel.tables_and_children.is_empty() {
        let mut set = HashSet::new();
        for (p, children) in includes {
            let found = table_oids(client, dbname, p, children).await?;
            if sel.strict_names && found.is_empty() {
                return Err(Error::Config(format!(
                    "no matching tables were found for pattern \"{p}\""
                )));
            }
            set.extend(found);
        }
        if set.is_empty() {
            return Err(Error::Config("no matching tables were found".into()));
        }
        r.tables = Some(set);
    }
    for (p, children) in sel
        .exclude_tables
        .iter()
        .map(|p| (p, false))
        .chain(sel.exclude_tables_and_children.iter().map(|p| (p, true)))
    {
        r.exclude_tables
            .extend(table_oids(client, dbname, p, children).await?);
    }
    for (p, children) in sel.exclude_table_data.iter().map(|p| (p, false)).chain(
        sel.exclude_table_data_and_children
            .iter()
            .map(|p| (p, true)),
    ) {
        r.exclude_data
            .extend(table_oids(client, dbname, p, children).await?);
    }
    for p in &sel.exclude_extensions {
        r.exclude_extensions
            .extend(extension_oids(client, p).await?);
    }
    Ok(r)
}
