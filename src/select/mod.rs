//! What a backup holds: pg_dump's selection options (`-t`, `-T`, `-n`,
//! `-N`, `--exclude-table-data`, the `-and-children` forms,
//! `--exclude-extension`, `-s`, `-a`, `--no-comments`,
//! `--no-publications`, `--no-subscriptions`, `-b`/`-B`,
//! `--load-via-partition-root`, `--strict-names`) with pg_dump's
//! semantics: patterns are matched by the server the way pg_dump matches
//! them ([`pattern`]), and each object is kept or left out by pg_dump's
//! `selectDumpable*` rules.

pub(crate) mod filter;
pub mod pattern;
pub(crate) mod resolve;

use serde::{Deserialize, Serialize};

/// pg_dump's selection options, as given (patterns unexpanded).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Selection {
    /// `-t`: only these tables (views, sequences, ...), no schemas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables: Vec<String>,
    /// `--table-and-children`: as `-t`, with inheritance children and
    /// partitions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tables_and_children: Vec<String>,
    /// `-T`: not these tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_tables: Vec<String>,
    /// `--exclude-table-and-children`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_tables_and_children: Vec<String>,
    /// `-n`: only these schemas (and what is in them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schemas: Vec<String>,
    /// `-N`: not these schemas.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_schemas: Vec<String>,
    /// `--exclude-table-data`: these tables' definitions without rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_table_data: Vec<String>,
    /// `--exclude-table-data-and-children`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_table_data_and_children: Vec<String>,
    /// `--exclude-extension` (pg_dump 17's): not these extensions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude_extensions: Vec<String>,
    /// `-s`: definitions only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub schema_only: bool,
    /// `-a`: data only.
    #[serde(default, skip_serializing_if = "is_false")]
    pub data_only: bool,
    /// `--no-comments`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_comments: bool,
    /// `--no-publications`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_publications: bool,
    /// `--no-subscriptions`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub no_subscriptions: bool,
    /// `-b` (`Some(true)`) / `-B` (`Some(false)`); `None`: pg_dump's
    /// default (large objects unless `-n`, `-t` or `-s` is given; `-s`
    /// leaves them out even with `-b`, as pg_dump's archives do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_objects: Option<bool>,
    /// `--load-via-partition-root`: partitions' rows are loaded through
    /// their partitioned root table.
    #[serde(default, skip_serializing_if = "is_false")]
    pub load_via_partition_root: bool,
    /// `--strict-names`: every `-t`/`-n` pattern must match something.
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict_names: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Selection {
    /// Everything, as pg_dump without selection options.
    pub fn everything() -> Self {
        Self::default()
    }

    /// No selection option given.
    pub fn is_everything(&self) -> bool {
        *self == Self::default()
    }

    /// pg_dump's `include_everything`: no `-t`, `-n` (or children) given.
    pub fn include_everything(&self) -> bool {
        self.tables.is_empty() && self.tables_and_children.is_empty() && self.schemas.is_empty()
    }

    /// pg_dump's `outputLOs`: large objects are dumped by default unless
    /// `-n`/`-t` or `-s` is given; `-b` forces them, `-B` drops them.
    pub fn large_objects(&self) -> bool {
        match self.large_objects {
            Some(b) => b,
            None => self.include_everything() && !self.schema_only,
        }
    }

    /// Options that cannot be combined, as pg_dump refuses them.
    pub fn check(&self) -> Result<(), String> {
        if self.schema_only && self.data_only {
            return Err(
                "options -s/--schema-only and -a/--data-only cannot be used together".into(),
            );
        }
        Ok(())
    }
}

impl Selection {
    /// The options as pg_dump flags (long forms), for the manifest.
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        let lists: [(&str, &Vec<String>); 9] = [
            ("--schema", &self.schemas),
            ("--exclude-schema", &self.exclude_schemas),
            ("--table", &self.tables),
            ("--table-and-children", &self.tables_and_children),
            ("--exclude-table", &self.exclude_tables),
            (
                "--exclude-table-and-children",
                &self.exclude_tables_and_children,
            ),
            ("--exclude-table-data", &self.exclude_table_data),
            (
                "--exclude-table-data-and-children",
                &self.exclude_table_data_and_children,
            ),
            ("--exclude-extension", &self.exclude_extensions),
        ];
        for (flag, patterns) in lists {
            for p in patterns {
                out.push(flag.to_owned());
                out.push(p.clone());
            }
        }
        let switches = [
            ("--schema-only", self.schema_only),
            ("--data-only", self.data_only),
            ("--no-comments", self.no_comments),
            ("--no-publications", self.no_publications),
            ("--no-subscriptions", self.no_subscriptions),
            ("--large-objects", self.large_objects == Some(true)),
            ("--no-large-objects", self.large_objects == Some(false)),
            ("--load-via-partition-root", self.load_via_partition_root),
            ("--strict-names", self.strict_names),
        ];
        out.extend(switches.iter().filter(|s| s.1).map(|s| s.0.to_owned()));
        out
    }
}
