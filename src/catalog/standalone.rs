//! Objects that stand on their own in the dump and are read with named
//! columns: text search parsers, templates, dictionaries and
//! configurations, conversions, operator families and classes, foreign
//! data wrappers and servers (with user mappings), foreign tables'
//! options, and procedural languages.

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::Oid;

/// A text search parser (`pg_ts_parser`); parsers have no owner.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct TsParser {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub start: String,
    pub gettoken: String,
    pub end: String,
    pub headline: Option<String>,
    pub lextypes: String,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for TsParser {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(TsParser {
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            qualified: r.col("qualified")?,
            start: r.col("start")?,
            gettoken: r.col("gettoken")?,
            end: r.col("end")?,
            headline: r.col("headline")?,
            lextypes: r.col("lextypes")?,
            comment: r.col("comment")?,
        })
    }
}

/// A text search template (`pg_ts_template`); templates have no owner.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct TsTemplate {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub init: Option<String>,
    pub lexize: String,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for TsTemplate {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(TsTemplate {
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            qualified: r.col("qualified")?,
            init: r.col("init")?,
            lexize: r.col("lexize")?,
            comment: r.col("comment")?,
        })
    }
}

/// A text search dictionary (`pg_ts_dict`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct TsDict {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    /// The template, schema-qualified and quoted.
    pub template: String,
    /// `dictinitoption`, as stored (`name = 'value', ...`).
    pub options: Option<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for TsDict {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(TsDict {
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            qualified: r.col("qualified")?,
            owner: r.col("owner")?,
            template: r.col("template")?,
            options: r.col("options")?,
            comment: r.col("comment")?,
        })
    }
}

/// A text search configuration (`pg_ts_config` and its map).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct TsConfig {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    /// The parser, schema-qualified and quoted.
    pub parser: String,
    /// The map as (quoted token alias, dictionary), by token type and
    /// sequence number.
    pub mappings: Vec<(String, String)>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for TsConfig {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        let tokens: Vec<String> = r.col("tokens")?;
        let dicts: Vec<String> = r.col("dicts")?;
        Ok(TsConfig {
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            qualified: r.col("qualified")?,
            owner: r.col("owner")?,
            parser: r.col("parser")?,
            mappings: tokens.into_iter().zip(dicts).collect(),
            comment: r.col("comment")?,
        })
    }
}

/// An encoding conversion (`pg_conversion`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Conversion {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    pub source: String,
    pub target: String,
    pub function: String,
    pub is_default: bool,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Conversion {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Conversion {
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            qualified: r.col("qualified")?,
            owner: r.col("owner")?,
            source: r.col("source")?,
            target: r.col("target")?,
            function: r.col("function")?,
            is_default: r.col("is_default")?,
            comment: r.col("comment")?,
        })
    }
}

/// An operator family (`pg_opfamily`) and its loose members.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct OpFamily {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    /// The access method, quoted.
    pub method: String,
    /// `OPERATOR n op(types)` and `FUNCTION n (types) f(args)` items.
    pub members: Vec<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for OpFamily {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(OpFamily {
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            qualified: r.col("qualified")?,
            owner: r.col("owner")?,
            method: r.col("method")?,
            members: r.col("members")?,
            comment: r.col("comment")?,
        })
    }
}

/// An operator class (`pg_opclass`) and its members.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct OpClass {
    pub oid: Oid,
    pub schema: String,
    pub name: String,
    pub qualified: String,
    pub owner: String,
    pub method: String,
    pub input_type: String,
    pub storage: Option<String>,
    pub is_default: bool,
    /// The family, schema-qualified and quoted.
    pub family: Option<String>,
    pub family_oid: Oid,
    pub members: Vec<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for OpClass {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(OpClass {
            oid: r.col("oid")?,
            schema: r.col("schema")?,
            name: r.col("name")?,
            qualified: r.col("qualified")?,
            owner: r.col("owner")?,
            method: r.col("method")?,
            input_type: r.col("input_type")?,
            storage: r.col("storage")?,
            is_default: r.col("is_default")?,
            family: r.col("family")?,
            family_oid: r.col("family_oid")?,
            members: r.col("members")?,
            comment: r.col("comment")?,
        })
    }
}

/// A foreign data wrapper (`pg_foreign_data_wrapper`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct ForeignDataWrapper {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    pub owner: String,
    pub handler: Option<String>,
    pub validator: Option<String>,
    /// `name 'value'` items joined with `,\n    `; empty when none.
    pub options: String,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for ForeignDataWrapper {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(ForeignDataWrapper {
            oid: r.col("oid")?,
            name: r.col("name")?,
            quoted: r.col("quoted")?,
            owner: r.col("owner")?,
            handler: r.col("handler")?,
            validator: r.col("validator")?,
            options: r.col("options")?,
            comment: r.col("comment")?,
        })
    }
}

/// A user mapping of a foreign server.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct UserMapping {
    pub oid: Oid,
    /// The role's name (`public` for PUBLIC), unquoted.
    pub user: String,
    pub options: String,
}

/// A foreign server (`pg_foreign_server`) with its user mappings.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct ForeignServer {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    pub owner: String,
    /// The wrapper's name, quoted.
    pub wrapper: String,
    pub server_type: Option<String>,
    pub server_version: Option<String>,
    pub options: String,
    pub mappings: Vec<UserMapping>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for ForeignServer {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        let users: Vec<String> = r.col("mapping_users")?;
        let options: Vec<String> = r.col("mapping_options")?;
        let oids: Vec<Oid> = r.col("mapping_oids")?;
        Ok(ForeignServer {
            oid: r.col("oid")?,
            name: r.col("name")?,
            quoted: r.col("quoted")?,
            owner: r.col("owner")?,
            wrapper: r.col("wrapper")?,
            server_type: r.col("server_type")?,
            server_version: r.col("server_version")?,
            options: r.col("options")?,
            mappings: oids
                .into_iter()
                .zip(users.into_iter().zip(options))
                .map(|(oid, (user, options))| UserMapping { oid, user, options })
                .collect(),
            comment: r.col("comment")?,
        })
    }
}

/// What a foreign table adds to its `pg_class` row.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct ForeignTable {
    pub oid: Oid,
    /// The server's name, quoted.
    pub server: String,
    pub options: String,
    /// (quoted column name, options) for columns with options.
    pub column_options: Vec<(String, String)>,
}

impl TryFrom<&Row> for ForeignTable {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        let columns: Vec<String> = r.col("option_columns")?;
        let options: Vec<String> = r.col("column_options")?;
        Ok(ForeignTable {
            oid: r.col("oid")?,
            server: r.col("server")?,
            options: r.col("options")?,
            column_options: columns.into_iter().zip(options).collect(),
        })
    }
}

/// A procedural language (`pg_language`) that is not an extension member.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Language {
    pub oid: Oid,
    pub name: String,
    pub quoted: String,
    pub owner: String,
    pub trusted: bool,
    /// Support functions, schema-qualified and quoted.
    pub handler: Option<String>,
    pub inline_handler: Option<String>,
    pub validator: Option<String>,
    pub comment: Option<String>,
}

impl TryFrom<&Row> for Language {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Language {
            oid: r.col("oid")?,
            name: r.col("name")?,
            quoted: r.col("quoted")?,
            owner: r.col("owner")?,
            trusted: r.col("trusted")?,
            handler: r.col("handler")?,
            inline_handler: r.col("inline_handler")?,
            validator: r.col("validator")?,
            comment: r.col("comment")?,
        })
    }
}

/// Every standalone object kind of this module.
#[derive(Debug, Default)]
#[allow(missing_docs)]
pub struct Standalone {
    pub ts_parsers: Vec<TsParser>,
    pub ts_templates: Vec<TsTemplate>,
    pub ts_dicts: Vec<TsDict>,
    pub ts_configs: Vec<TsConfig>,
    pub conversions: Vec<Conversion>,
    pub opfamilies: Vec<OpFamily>,
    pub opclasses: Vec<OpClass>,
    pub wrappers: Vec<ForeignDataWrapper>,
    pub servers: Vec<ForeignServer>,
    pub foreign_tables: Vec<ForeignTable>,
    pub languages: Vec<Language>,
}

/// The queries of this module, by name, in the order [`Standalone::fill`]
/// takes their results.
pub const QUERIES: [(&str, &str); 11] = [
    ("text search parsers", include_str!("ts_parsers.sql")),
    ("text search templates", include_str!("ts_templates.sql")),
    ("text search dictionaries", include_str!("ts_dicts.sql")),
    ("text search configurations", include_str!("ts_configs.sql")),
    ("conversions", include_str!("conversions.sql")),
    ("operator families", include_str!("opfamilies.sql")),
    ("operator classes", include_str!("opclasses.sql")),
    (
        "foreign data wrappers",
        include_str!("foreign_data_wrappers.sql"),
    ),
    ("foreign servers", include_str!("foreign_servers.sql")),
    ("foreign tables", include_str!("foreign_tables.sql")),
    ("procedural languages", include_str!("languages.sql")),
];

fn all<T: for<'r> TryFrom<&'r Row, Error = Error>>(rows: &[Row]) -> Result<Vec<T>> {
    rows.iter().map(T::try_from).collect()
}

impl Standalone {
    /// Builds the lists from the results of the module's queries, in order.
    pub fn fill(results: &[Vec<Row>; 11]) -> Result<Standalone> {
        Ok(Standalone {
            ts_parsers: all(&results[0])?,
            ts_templates: all(&results[1])?,
            ts_dicts: all(&results[2])?,
            ts_configs: all(&results[3])?,
            conversions: all(&results[4])?,
            opfamilies: all(&results[5])?,
            opclasses: all(&results[6])?,
            wrappers: all(&results[7])?,
            servers: all(&results[8])?,
            foreign_tables: all(&results[9])?,
            languages: all(&results[10])?,
        })
    }
}
