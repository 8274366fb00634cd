//! Objects that stand on their own in the dump and are read with named
//! columns: text search parsers, templates, dictionaries and
//! configurations, conversions, operator families and classes, foreign
//! data wrappers and servers (with user mappings), foreign tables'
//! options, and procedural languages.

use tokio_postgres::Row;

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

impl From<&Row> for TsParser {
    fn from(r: &Row) -> Self {
        TsParser {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            qualified: r.get("qualified"),
            start: r.get("start"),
            gettoken: r.get("gettoken"),
            end: r.get("end"),
            headline: r.get("headline"),
            lextypes: r.get("lextypes"),
            comment: r.get("comment"),
        }
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

impl From<&Row> for TsTemplate {
    fn from(r: &Row) -> Self {
        TsTemplate {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            qualified: r.get("qualified"),
            init: r.get("init"),
            lexize: r.get("lexize"),
            comment: r.get("comment"),
        }
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

impl From<&Row> for TsDict {
    fn from(r: &Row) -> Self {
        TsDict {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            qualified: r.get("qualified"),
            owner: r.get("owner"),
            template: r.get("template"),
            options: r.get("options"),
            comment: r.get("comment"),
        }
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

impl From<&Row> for TsConfig {
    fn from(r: &Row) -> Self {
        let tokens: Vec<String> = r.get("tokens");
        let dicts: Vec<String> = r.get("dicts");
        TsConfig {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            qualified: r.get("qualified"),
            owner: r.get("owner"),
            parser: r.get("parser"),
            mappings: tokens.into_iter().zip(dicts).collect(),
            comment: r.get("comment"),
        }
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

impl From<&Row> for Conversion {
    fn from(r: &Row) -> Self {
        Conversion {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            qualified: r.get("qualified"),
            owner: r.get("owner"),
            source: r.get("source"),
            target: r.get("target"),
            function: r.get("function"),
            is_default: r.get("is_default"),
            comment: r.get("comment"),
        }
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

impl From<&Row> for OpFamily {
    fn from(r: &Row) -> Self {
        OpFamily {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            qualified: r.get("qualified"),
            owner: r.get("owner"),
            method: r.get("method"),
            members: r.get("members"),
            comment: r.get("comment"),
        }
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

impl From<&Row> for OpClass {
    fn from(r: &Row) -> Self {
        OpClass {
            oid: r.get("oid"),
            schema: r.get("schema"),
            name: r.get("name"),
            qualified: r.get("qualified"),
            owner: r.get("owner"),
            method: r.get("method"),
            input_type: r.get("input_type"),
            storage: r.get("storage"),
            is_default: r.get("is_default"),
            family: r.get("family"),
            family_oid: r.get("family_oid"),
            members: r.get("members"),
            comment: r.get("comment"),
        }
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

impl From<&Row> for ForeignDataWrapper {
    fn from(r: &Row) -> Self {
        ForeignDataWrapper {
            oid: r.get("oid"),
            name: r.get("name"),
            quoted: r.get("quoted"),
            owner: r.get("owner"),
            handler: r.get("handler"),
            validator: r.get("validator"),
            options: r.get("options"),
            comment: r.get("comment"),
        }
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

impl From<&Row> for ForeignServer {
    fn from(r: &Row) -> Self {
        let users: Vec<String> = r.get("mapping_users");
        let options: Vec<String> = r.get("mapping_options");
        let oids: Vec<Oid> = r.get("mapping_oids");
        ForeignServer {
            oid: r.get("oid"),
            name: r.get("name"),
            quoted: r.get("quoted"),
            owner: r.get("owner"),
            wrapper: r.get("wrapper"),
            server_type: r.get("server_type"),
            server_version: r.get("server_version"),
            options: r.get("options"),
            mappings: oids
                .into_iter()
                .zip(users.into_iter().zip(options))
                .map(|(oid, (user, options))| UserMapping { oid, user, options })
                .collect(),
            comment: r.get("comment"),
        }
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

impl From<&Row> for ForeignTable {
    fn from(r: &Row) -> Self {
        let columns: Vec<String> = r.get("option_columns");
        let options: Vec<String> = r.get("column_options");
        ForeignTable {
            oid: r.get("oid"),
            server: r.get("server"),
            options: r.get("options"),
            column_options: columns.into_iter().zip(options).collect(),
        }
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

impl From<&Row> for Language {
    fn from(r: &Row) -> Self {
        Language {
            oid: r.get("oid"),
            name: r.get("name"),
            quoted: r.get("quoted"),
            owner: r.get("owner"),
            trusted: r.get("trusted"),
            handler: r.get("handler"),
            inline_handler: r.get("inline_handler"),
            validator: r.get("validator"),
            comment: r.get("comment"),
        }
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

fn all<T: for<'r> From<&'r Row>>(rows: &[Row]) -> Vec<T> {
    rows.iter().map(T::from).collect()
}

impl Standalone {
    /// Builds the lists from the results of the module's queries, in order.
    pub fn fill(results: &[Vec<Row>; 11]) -> Standalone {
        Standalone {
            ts_parsers: all(&results[0]),
            ts_templates: all(&results[1]),
            ts_dicts: all(&results[2]),
            ts_configs: all(&results[3]),
            conversions: all(&results[4]),
            opfamilies: all(&results[5]),
            opclasses: all(&results[6]),
            wrappers: all(&results[7]),
            servers: all(&results[8]),
            foreign_tables: all(&results[9]),
            languages: all(&results[10]),
        }
    }
}
