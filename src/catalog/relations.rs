//! Relations and their columns (`pg_class`, `pg_attribute`), and
//! sequences (`pg_sequence`).

use tokio_postgres::Row;

use crate::db::row::RowExt;
use crate::error::{Error, Result};

use super::{ch, Oid};

/// A table, view, materialized view, sequence or foreign table (`pg_class`).
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Relation {
    pub oid: Oid,
    pub kind: char,
    pub schema: String,
    pub schema_quoted: String,
    pub name: String,
    /// `"schema"."name"`, quoted as needed.
    pub qualified: String,
    pub owner: String,
    pub persistence: char,
    pub reloptions: Option<String>,
    /// The TOAST table's reloptions, each prefixed with `toast.`.
    pub toast_reloptions: Option<String>,
    /// The type of a typed table (`CREATE TABLE ... OF type`).
    pub of_type: Option<String>,
    pub access_method: Option<String>,
    pub tablespace: Option<String>,
    pub comment: Option<String>,
    pub view_def: Option<String>,
    pub populated: bool,
    pub row_security: bool,
    pub force_row_security: bool,
    pub replica_identity: char,
    pub is_partition: bool,
    /// The partition bound (`FOR VALUES ...`, `DEFAULT`) of a partition.
    pub partition_bound: Option<String>,
    /// The partition key (`RANGE (at)`) of a partitioned table.
    pub partition_key: Option<String>,
    /// Parents (inheritance, or the partitioned table), in order.
    pub parents: Vec<Oid>,
    /// A partitioned table hashing an enum (`hash enum_ops` in its key):
    /// enum OIDs change on restore, so its partitions' rows are loaded
    /// through the root (pg_dump's `unsafe_partitions`).
    pub hashes_enum: bool,
    /// A view's or materialized view's `_RETURN` rule.
    pub return_rule: Option<Oid>,
    pub columns: Vec<Column>,
}

impl TryFrom<&Row> for Relation {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        Ok(Relation {
            oid: r.col(0)?,
            kind: ch(r.col(1)?),
            schema: r.col(2)?,
            schema_quoted: r.col(17)?,
            name: r.col(3)?,
            qualified: r.col(4)?,
            owner: r.col(5)?,
            persistence: ch(r.col(6)?),
            reloptions: r.col::<_, Option<String>>(7)?.filter(|s| !s.is_empty()),
            access_method: r.col(8)?,
            tablespace: r.col(9)?,
            comment: r.col(10)?,
            view_def: r.col(11)?,
            populated: r.col(12)?,
            row_security: r.col(13)?,
            force_row_security: r.col(14)?,
            replica_identity: ch(r.col(15)?),
            is_partition: r.col(16)?,
            partition_bound: r.col(18)?,
            partition_key: r.col(19)?,
            parents: r.col(20)?,
            toast_reloptions: r.col(21)?,
            of_type: r.col(22)?,
            hashes_enum: r.col(23)?,
            return_rule: r.col(24)?,
            columns: Vec::new(),
        })
    }
}

/// A column of a relation.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Column {
    pub num: i32,
    pub name: String,
    pub quoted: String,
    pub type_name: String,
    pub not_null: bool,
    /// `pg_attrdef` OID and expression of the default.
    pub default: Option<(Oid, String)>,
    /// `a` (ALWAYS), `d` (BY DEFAULT) or empty.
    pub identity: String,
    /// `s` (stored) or empty (`v` for virtual in 18).
    pub generated: String,
    pub collation: Option<String>,
    pub comment: Option<String>,
    pub is_local: bool,
    pub stattarget: Option<i32>,
    pub storage: Option<String>,
    /// A parent has NOT NULL on this column.
    pub inherited_not_null: bool,
    /// `attcompression` when set: `p` (pglz) or `l` (lz4).
    pub compression: Option<String>,
    /// `attoptions` as `n_distinct=10, ...`.
    pub options: Option<String>,
}

impl TryFrom<&Row> for Column {
    type Error = Error;

    fn try_from(r: &Row) -> Result<Self> {
        let def_oid: Option<Oid> = r.col(6)?;
        let def_expr: Option<String> = r.col(7)?;
        Ok(Column {
            num: r.col(1)?,
            name: r.col(2)?,
            quoted: r.col(3)?,
            type_name: r.col(4)?,
            not_null: r.col(5)?,
            default: def_oid.zip(def_expr),
            identity: r.col(8)?,
            generated: r.col(9)?,
            collation: r.col(10)?,
            comment: r.col(11)?,
            is_local: r.col(12)?,
            stattarget: r.col(13)?,
            storage: r.col(14)?,
            inherited_not_null: r.col(15)?,
            compression: r.col(16)?,
            options: r.col(17)?,
        })
    }
}

/// Sequence options and state.
#[derive(Debug, Clone)]
#[allow(missing_docs)]
pub struct Sequence {
    pub type_name: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    pub cycle: bool,
    /// The owning table and column (OWNED BY, or the identity column).
    pub owner_column: Option<(Oid, String)>,
    /// True for identity sequences.
    pub identity: bool,
    /// `None` when nextval was never called.
    pub last_value: Option<i64>,
    /// The server takes LOGGED / UNLOGGED among an identity's sequence
    /// options.
    pub identity_persistence: bool,
}

impl Sequence {
    /// The sequence of a `sequences.sql` row, with its OID.
    pub(super) fn from_row(r: &Row) -> Result<(Oid, Sequence)> {
        let oid: Oid = r.col(0)?;
        let owner: Option<Oid> = r.col(8)?;
        let col: Option<String> = r.col(9)?;
        let deptype: Option<String> = r.col(10)?;
        let sequence = Sequence {
            type_name: r.col(1)?,
            start: r.col(2)?,
            increment: r.col(3)?,
            min: r.col(4)?,
            max: r.col(5)?,
            cache: r.col(6)?,
            cycle: r.col(7)?,
            owner_column: owner.zip(col),
            identity: deptype.as_deref() == Some("i"),
            last_value: r.col(11)?,
            identity_persistence: r.col(12)?,
        };
        Ok((oid, sequence))
    }
}
