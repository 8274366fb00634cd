//! `pgark backup`'s selection flags: pg_dump's, with its short forms and
//! psql-style patterns.

use clap::Args as ClapArgs;

use pgark::select::Selection;

/// pg_dump's selection options.
#[derive(Debug, Clone, ClapArgs)]
#[command(next_help_heading = "Selection (pg_dump's options and patterns)")]
pub struct SelectArgs {
    /// Only tables (views, sequences, foreign tables) matching PATTERN
    /// (psql-style: `*`, `?`, "Quoted", schema.table), with their
    /// indexes, constraints, triggers, rules, policies, owned sequences,
    /// comments and privileges; no schemas, extensions or functions.
    /// Repeatable.
    #[arg(short = 't', long = "table", value_name = "PATTERN")]
    pub table: Vec<String>,
    /// As --table, with each match's inheritance children and partitions.
    #[arg(long, value_name = "PATTERN")]
    pub table_and_children: Vec<String>,
    /// Leave out tables matching PATTERN.
    #[arg(short = 'T', long = "exclude-table", value_name = "PATTERN")]
    pub exclude_table: Vec<String>,
    /// As --exclude-table, with children and partitions.
    #[arg(long, value_name = "PATTERN")]
    pub exclude_table_and_children: Vec<String>,
    /// Only schemas matching PATTERN and what they hold (no extensions,
    /// casts or other objects outside schemas).
    #[arg(short = 'n', long = "schema", value_name = "PATTERN")]
    pub schema: Vec<String>,
    /// Leave out schemas matching PATTERN and what they hold.
    #[arg(short = 'N', long = "exclude-schema", value_name = "PATTERN")]
    pub exclude_schema: Vec<String>,
    /// Keep the definition of tables matching PATTERN but not their rows.
    #[arg(long, value_name = "PATTERN")]
    pub exclude_table_data: Vec<String>,
    /// As --exclude-table-data, with children and partitions.
    #[arg(long, value_name = "PATTERN")]
    pub exclude_table_data_and_children: Vec<String>,
    /// Leave out extensions matching PATTERN (as pg_dump 17's).
    #[arg(long, value_name = "PATTERN")]
    pub exclude_extension: Vec<String>,
    /// Only the definitions, no data.
    #[arg(short = 's', long, conflicts_with = "data_only")]
    pub schema_only: bool,
    /// Only the data (rows, sequence values, large objects).
    #[arg(short = 'a', long)]
    pub data_only: bool,
    /// No comments.
    #[arg(long)]
    pub no_comments: bool,
    /// No publications.
    #[arg(long)]
    pub no_publications: bool,
    /// No subscriptions.
    #[arg(long)]
    pub no_subscriptions: bool,
    /// Include large objects even with --table or --schema (by default
    /// they are dumped unless --table, --schema or --schema-only is given;
    /// --schema-only leaves them out even with this flag).
    #[arg(short = 'b', long = "large-objects", visible_alias = "blobs")]
    pub large_objects: bool,
    /// Leave out large objects.
    #[arg(
        short = 'B',
        long = "no-large-objects",
        visible_alias = "no-blobs",
        conflicts_with = "large_objects"
    )]
    pub no_large_objects: bool,
    /// Load each partition's rows through its partitioned root table.
    #[arg(long)]
    pub load_via_partition_root: bool,
    /// Fail (exit 2) when a --table or --schema pattern matches nothing.
    #[arg(long)]
    pub strict_names: bool,
}

impl SelectArgs {
    /// The library's selection.
    pub fn selection(&self) -> Selection {
        let mut s = Selection::everything();
        s.tables = self.table.clone();
        s.tables_and_children = self.table_and_children.clone();
        s.exclude_tables = self.exclude_table.clone();
        s.exclude_tables_and_children = self.exclude_table_and_children.clone();
        s.schemas = self.schema.clone();
        s.exclude_schemas = self.exclude_schema.clone();
        s.exclude_table_data = self.exclude_table_data.clone();
        s.exclude_table_data_and_children = self.exclude_table_data_and_children.clone();
        s.exclude_extensions = self.exclude_extension.clone();
        s.schema_only = self.schema_only;
        s.data_only = self.data_only;
        s.no_comments = self.no_comments;
        s.no_publications = self.no_publications;
        s.no_subscriptions = self.no_subscriptions;
        s.large_objects = match (self.large_objects, self.no_large_objects) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        s.load_via_partition_root = self.load_via_partition_root;
        s.strict_names = self.strict_names;
        s
    }
}
